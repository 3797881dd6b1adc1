//! The server's limits and timeouts, sent as raw bytes the way a hostile or broken client
//! would: each refusal comes in the provider's error shape, and nothing takes a task down.

use std::time::{Duration, Instant};

use bankkit_sandbox::{Sandbox, ServerLimits};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Short limits so that timeouts show within a test.
fn limits() -> ServerLimits {
    ServerLimits::default()
        .max_body_bytes(1024)
        .max_uri_bytes(512)
        .max_header_bytes(2048)
        .max_connections(4)
        .header_read_timeout(Duration::from_millis(400))
        .body_read_timeout(Duration::from_millis(400))
        .idle_timeout(Duration::from_millis(600))
}

async fn sandbox(providers: &[&str]) -> Sandbox {
    Sandbox::builder()
        .providers(providers.iter().copied())
        .limits(limits())
        .start()
        .await
        .unwrap()
}

fn address(sandbox: &Sandbox, provider: &str) -> String {
    sandbox
        .provider(provider)
        .unwrap()
        .base_url()
        .trim_start_matches("http://")
        .to_owned()
}

/// Sends `bytes`, then reads until the server closes the connection (or 5 s pass); returns
/// what came back.
async fn exchange(address: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    read_to_close(&mut stream).await
}

async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_of(answer: &str) -> Option<u16> {
    answer.split(' ').nth(1)?.parse().ok()
}

fn json_body(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_413_in_the_providers_error_shape() {
    let sandbox = sandbox(&["monobank"]).await;
    let answer = exchange(
        &address(&sandbox, "monobank"),
        b"POST /personal/webhook HTTP/1.1\r\nhost: x\r\ncontent-length: 5000000\r\n\r\n{",
    )
    .await;

    assert_eq!(status_of(&answer), Some(413), "{answer}");
    assert!(
        json_body(&answer)["errorDescription"].is_string(),
        "{answer}"
    );
    assert!(answer.to_ascii_lowercase().contains("connection: close"));
}

#[tokio::test]
async fn a_chunked_body_growing_past_the_limit_is_413() {
    let sandbox = sandbox(&["momo"]).await;
    let mut request =
        b"POST /v1_0/apiuser HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        request.extend_from_slice(b"200\r\n");
        request.extend_from_slice(&[b'a'; 0x200]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");

    let answer = exchange(&address(&sandbox, "momo"), &request).await;

    assert_eq!(status_of(&answer), Some(413), "{answer}");
    assert!(
        answer.contains("application/json"),
        "MoMo's JSON content type: {answer}"
    );
}

#[tokio::test]
async fn a_body_that_never_comes_is_408_after_the_body_timeout() {
    let sandbox = sandbox(&["monobank"]).await;
    let started = Instant::now();
    let answer = exchange(
        &address(&sandbox, "monobank"),
        b"POST /personal/webhook HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"web",
    )
    .await;

    assert_eq!(status_of(&answer), Some(408), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(json_body(&answer)["errorDescription"].is_string());
}

#[tokio::test]
async fn a_head_that_never_ends_closes_the_connection_after_the_header_timeout() {
    let sandbox = sandbox(&["monobank"]).await;
    let mut stream = TcpStream::connect(address(&sandbox, "monobank"))
        .await
        .unwrap();
    stream
        .write_all(b"GET /bank/currency HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();

    let answer = read_to_close(&mut stream).await;

    assert!(
        !answer.contains("200 OK"),
        "no answer to half a head: {answer}"
    );
    assert_eq!(sandbox.connection_counts().1, 1, "closed by a timeout");
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout_and_a_busy_one_is_not() {
    let sandbox = sandbox(&["monobank"]).await;
    let mut stream = TcpStream::connect(address(&sandbox, "monobank"))
        .await
        .unwrap();
    // Two requests on one connection, 300 ms apart: under the idle timeout, both answered.
    // (`/bank/sync`: `/bank/currency` answers once per 5 minutes.)
    for _ in 0..2 {
        stream
            .write_all(b"GET /bank/sync HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = vec![0; 4096];
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    let started = Instant::now();
    let rest = read_to_close(&mut stream).await;

    assert!(
        rest.is_empty(),
        "nothing more, then the server closes: {rest}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(sandbox.connection_counts().1, 1);
}

#[tokio::test]
async fn connections_over_the_cap_get_503_and_the_rest_keep_working() {
    let sandbox = sandbox(&["monobank"]).await;
    let address = address(&sandbox, "monobank");
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(&address).await.unwrap());
    }
    // Accepted connections are counted as they are served: give the server a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let answer = exchange(&address, b"GET /bank/currency HTTP/1.1\r\nhost: x\r\n\r\n").await;

    assert_eq!(status_of(&answer), Some(503), "{answer}");
    assert!(json_body(&answer)["errorDescription"].is_string());
    assert_eq!(sandbox.connection_counts().0, 1);
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let again = exchange(
        &address,
        b"GET /bank/currency HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&again), Some(200), "{again}");
}

#[tokio::test]
async fn long_targets_and_large_headers_are_414_and_431_in_the_providers_shape() {
    let sandbox = sandbox(&["monzo"]).await;
    let address = address(&sandbox, "monzo");
    let long_path = format!(
        "GET /accounts?{} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        "a".repeat(600)
    );
    let big_header = format!(
        "GET /accounts HTTP/1.1\r\nhost: x\r\nx-filler: {}\r\nconnection: close\r\n\r\n",
        "b".repeat(3000)
    );
    let huge_header = format!(
        "GET /accounts HTTP/1.1\r\nhost: x\r\nx-filler: {}\r\n\r\n",
        "c".repeat(100_000)
    );

    let long = exchange(&address, long_path.as_bytes()).await;
    let big = exchange(&address, big_header.as_bytes()).await;
    let huge = exchange(&address, huge_header.as_bytes()).await;

    assert_eq!(status_of(&long), Some(414), "{long}");
    assert_eq!(json_body(&long)["code"], "request_uri_too_long", "{long}");
    assert_eq!(status_of(&big), Some(431), "{big}");
    assert!(json_body(&big)["code"].is_string(), "{big}");
    assert_eq!(status_of(&huge), Some(431), "hyper's own ceiling: {huge}");
}

#[tokio::test]
async fn connect_and_absolute_form_targets_are_refused_and_nothing_panics() {
    let sandbox = sandbox(&["monobank", "momo", "monzo"]).await;
    for provider in ["monobank", "momo", "monzo"] {
        let address = address(&sandbox, provider);
        let connect = exchange(
            &address,
            b"CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n",
        )
        .await;
        let absolute = exchange(
            &address,
            b"GET http://example.com/bank/currency HTTP/1.1\r\nhost: example.com\r\n\r\n",
        )
        .await;
        let garbage = exchange(&address, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03").await;
        let bad_percent = exchange(
            &address,
            b"GET /%zz/%ff%fe?%00=%zz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await;

        assert_eq!(status_of(&connect), Some(405), "{provider}: {connect}");
        assert_eq!(status_of(&absolute), Some(400), "{provider}: {absolute}");
        assert_eq!(
            status_of(&garbage),
            Some(400),
            "{provider}: hyper answers a non-HTTP start: {garbage}"
        );
        assert!(
            status_of(&bad_percent).is_some_and(|s| (400..500).contains(&s)),
            "{provider}: {bad_percent}"
        );
    }
    assert_eq!(sandbox.route_panics(), 0);
    // Still serving.
    let rates = reqwest::get(format!(
        "{}/bank/currency",
        sandbox.monobank().unwrap().base_url()
    ))
    .await
    .unwrap();
    assert_eq!(rates.status(), 200);
}

#[tokio::test]
async fn limits_at_their_extremes_still_serve() {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .limits(
            ServerLimits::default()
                .max_connections(usize::MAX)
                .max_body_bytes(usize::MAX)
                .header_read_timeout(Duration::MAX)
                .body_read_timeout(Duration::MAX)
                .idle_timeout(Duration::MAX),
        )
        .start()
        .await
        .unwrap();

    let answer = exchange(
        &address(&sandbox, "monobank"),
        b"GET /bank/currency HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;

    assert_eq!(status_of(&answer), Some(200), "{answer}");
}

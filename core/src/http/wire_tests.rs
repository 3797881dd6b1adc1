//! What [`HttpClient`] puts on the wire, read as raw bytes by a TCP listener on 127.0.0.1:
//! `Content-Length` on requests without content.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

/// One request as it arrived: the head (request line and headers) and the body.
#[derive(Debug)]
struct RawRequest {
    head: String,
    body: Vec<u8>,
}

impl RawRequest {
    fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// The values of every `name` header line, name compared without case.
    fn headers(&self, name: &str) -> Vec<String> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

/// A listener on 127.0.0.1 that records every request exactly as sent and answers each
/// with `200 OK`, an empty body and `Connection: close`.
struct RawServer {
    base_url: String,
    seen: Arc<Mutex<Vec<RawRequest>>>,
}

impl RawServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    if let Some(request) = answer(stream).await {
                        log.lock().unwrap().push(request);
                    }
                });
            }
        });
        Self { base_url, seen }
    }

    fn client(&self) -> HttpClient {
        HttpClient::new(
            "raw",
            &self.base_url,
            HttpOptions::default().retry(RetryPolicy::Never),
            None,
        )
        .unwrap()
    }

    fn take(&self) -> Vec<RawRequest> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// Reads one request (head, then as many body bytes as its `Content-Length` says) and
/// answers it.
async fn answer(mut stream: TcpStream) -> Option<RawRequest> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut request = RawRequest {
        head,
        body: bytes[head_end..].to_vec(),
    };
    let length: usize = request
        .headers("content-length")
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while request.body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        request.body.extend_from_slice(&chunk[..read]);
    }
    stream
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .await
        .ok()?;
    Some(request)
}

fn no_mapping(r: &ApiResponse) -> Error {
    Error::invalid(format!("unexpected status {}", r.status))
}

async fn send_one(server: &RawServer, request: ApiRequest) -> RawRequest {
    server.client().send(request, &no_mapping).await.unwrap();
    let mut seen = server.take();
    assert_eq!(seen.len(), 1, "{seen:?}");
    seen.remove(0)
}

#[tokio::test]
async fn body_less_post_put_and_patch_go_out_with_content_length_zero() {
    let server = RawServer::start().await;
    for method in [Method::POST, Method::PUT, Method::PATCH] {
        let sent = send_one(&server, ApiRequest::new(method.clone(), "/token/")).await;
        assert_eq!(sent.request_line(), format!("{method} /token/ HTTP/1.1"));
        assert_eq!(sent.headers("content-length"), ["0"], "{}", sent.head);
        assert!(
            sent.headers("transfer-encoding").is_empty(),
            "{}",
            sent.head
        );
        assert!(sent.headers("content-type").is_empty(), "{}", sent.head);
        assert!(sent.body.is_empty());
    }
}

#[tokio::test]
async fn a_post_with_a_body_carries_its_own_length_only() {
    let server = RawServer::start().await;
    let request = ApiRequest::post("/apiuser")
        .json(&serde_json::json!({"providerCallbackHost": "shop.example"}))
        .unwrap();
    let sent = send_one(&server, request).await;
    let body = br#"{"providerCallbackHost":"shop.example"}"#;
    assert_eq!(
        sent.headers("content-length"),
        [body.len().to_string()],
        "{}",
        sent.head
    );
    assert_eq!(sent.headers("content-type"), ["application/json"]);
    assert_eq!(sent.body, body);

    let sent = send_one(&server, ApiRequest::post("/token").form(&[("a", "b")])).await;
    assert_eq!(sent.headers("content-length"), ["3"], "{}", sent.head);
    assert_eq!(sent.body, b"a=b");
}

#[tokio::test]
async fn an_empty_form_still_declares_its_zero_length() {
    let server = RawServer::start().await;
    let empty: [(&str, &str); 0] = [];
    let sent = send_one(&server, ApiRequest::post("/token").form(&empty)).await;
    assert_eq!(sent.headers("content-length"), ["0"], "{}", sent.head);
    assert_eq!(
        sent.headers("content-type"),
        ["application/x-www-form-urlencoded"]
    );
}

#[tokio::test]
async fn reads_and_a_plain_delete_declare_no_length_but_an_empty_body_does() {
    let server = RawServer::start().await;
    for request in [
        ApiRequest::get("/x"),
        ApiRequest::new(Method::HEAD, "/x"),
        ApiRequest::new(Method::DELETE, "/x"),
    ] {
        let sent = send_one(&server, request).await;
        assert!(sent.headers("content-length").is_empty(), "{}", sent.head);
    }
    let sent = send_one(
        &server,
        ApiRequest::new(Method::DELETE, "/preapproval/1").empty_body(),
    )
    .await;
    assert_eq!(sent.request_line(), "DELETE /preapproval/1 HTTP/1.1");
    assert_eq!(sent.headers("content-length"), ["0"], "{}", sent.head);
}

#[tokio::test]
async fn a_length_set_by_the_caller_is_not_doubled() {
    let server = RawServer::start().await;
    let request =
        ApiRequest::post("/x").header(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    let sent = send_one(&server, request).await;
    assert_eq!(sent.headers("content-length"), ["0"], "{}", sent.head);
}

#[test]
fn an_empty_body_shows_as_empty_in_debug() {
    assert_eq!(format!("{:?}", RequestBody::Empty), "Empty");
}

//! Outbound requests (webhooks, callbacks, the Monobank URL check) go only to allowed hosts,
//! never follow redirects, run under one concurrency cap, back off from a host that stopped
//! answering, and leave a bounded delivery log.
//!
//! A refused host is named as `0.0.0.0:PORT` with a receiver listening on `127.0.0.1:PORT`:
//! on Linux a connection to `0.0.0.0` reaches local listeners, so if the allow list were not
//! applied the receiver would see the request. Nothing here connects beyond loopback.

use crate::{common, momo_common, monzo_common};

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankkit_sandbox::{Delivery, DeliveryState, OutboundPolicy, Sandbox, SandboxEvent};
use monzo_common::Monzo;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const WAIT: Duration = Duration::from_secs(20);

/// A wiremock receiver answering every request with `status`.
async fn receiver(status: u16) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

/// A receiver answering 302 with `Location: target`.
async fn redirecting_to(target: &str) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(302).insert_header("Location", target))
        .mount(&server)
        .await;
    server
}

/// `server`'s URL with its host replaced by `0.0.0.0` (same port): refused by default, yet
/// it would reach `server` if it were ever connected to.
fn via_unspecified(server: &MockServer, path: &str) -> String {
    format!("http://0.0.0.0:{}{path}", server.address().port())
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// A Monzo sandbox with this outbound policy.
async fn monzo_with(policy: OutboundPolicy) -> Monzo {
    monzo_common::monzo_on(Sandbox::builder().outbound(policy)).await
}

async fn register_monzo_webhook(mz: &Monzo, url: &str) {
    let account = mz.main_account();
    let response = mz
        .send_form(
            "POST",
            "/webhooks",
            &[("account_id", account.as_str()), ("url", url)],
        )
        .await;
    assert_eq!(response.status(), 200);
}

fn card_transaction(mz: &Monzo, amount: i64) -> Value {
    mz.handle
        .trigger(SandboxEvent::card_transaction(amount, "Costa Coffee"))
        .unwrap()
}

fn not_allowed(delivery: &Delivery) -> bool {
    delivery.attempts.iter().all(|attempt| {
        attempt.status.is_none()
            && attempt
                .error
                .as_deref()
                .is_some_and(|error| error.contains("is not allowed"))
    })
}

/// Captures what `tracing` writes on this thread (the test's runtime runs the sandbox's
/// tasks on it too).
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn start(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn monobank_fails_the_url_check_of_a_refused_host_without_connecting_and_allows_loopback() {
    let logs = CapturedLogs::default();
    let _guard = logs.start();
    let mono = common::monobank().await;
    let hook = receiver(200).await;

    let unspecified = mono
        .set_webhook(&via_unspecified(&hook, "/hook?secret=s3cr3t"))
        .await;
    let unspecified_status = unspecified.status();
    let unspecified_error = common::error_description(unspecified).await;
    let invalid = mono.set_webhook("http://example.invalid/hook").await;
    let invalid_status = invalid.status();
    let invalid_error = common::error_description(invalid).await;
    let metadata = mono.set_webhook("http://192.0.2.1/latest/meta-data").await;
    let nothing_sent = received(&hook).await;
    mono.next_minute();
    let info_before = mono.get_json("/personal/client-info").await;
    let allowed = mono.set_webhook(&format!("{}/hook", hook.uri())).await;

    assert_eq!(unspecified_status, 400);
    assert_eq!(unspecified_error, "check webHookUrl failed");
    assert_eq!(invalid_status, 400);
    assert_eq!(invalid_error, "check webHookUrl failed");
    assert_eq!(metadata.status(), 400);
    assert_eq!(nothing_sent, 0);
    assert_eq!(info_before["webHookUrl"], "");
    assert_eq!(allowed.status(), 200);
    let checks = hook.received_requests().await.unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].method.as_str(), "GET");
    let logs = logs.text();
    assert!(logs.contains("outbound request refused"), "{logs}");
    assert!(logs.contains("monobank"), "{logs}");
    assert!(logs.contains("0.0.0.0"), "{logs}");
    assert!(logs.contains("example.invalid"), "{logs}");
    assert!(!logs.contains("s3cr3t"), "{logs}");
    assert!(!logs.contains("/hook"), "{logs}");
}

#[tokio::test]
async fn monobank_does_not_follow_a_redirect_in_the_url_check() {
    let mono = common::monobank().await;
    let target = receiver(200).await;
    let redirect = redirecting_to(&format!("{}/hook", target.uri())).await;

    let response = mono.set_webhook(&format!("{}/hook", redirect.uri())).await;

    assert_eq!(response.status(), 400);
    assert_eq!(
        common::error_description(response).await,
        "check webHookUrl failed"
    );
    assert_eq!(received(&redirect).await, 1);
    assert_eq!(received(&target).await, 0);
}

#[tokio::test]
async fn the_url_check_holds_up_no_other_request() {
    let mono = common::monobank().await;
    let slow = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&slow)
        .await;
    let url = format!("{}/hook", slow.uri());

    let started = std::time::Instant::now();
    let check = mono.set_webhook(&url);
    let others = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let rates = mono
            .http
            .get(mono.url("/bank/currency"))
            .send()
            .await
            .unwrap();
        let info = mono.get("/personal/client-info").await;
        (
            rates.status().as_u16(),
            info.status().as_u16(),
            started.elapsed(),
        )
    };
    let (check, (rates, info, answered_after)) = tokio::join!(check, others);

    assert_eq!(check.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_eq!((rates, info), (200, 200));
    assert!(
        answered_after < Duration::from_millis(1200),
        "{answered_after:?}"
    );
}

#[tokio::test]
async fn a_monzo_webhook_to_a_refused_host_fails_without_a_request_and_follows_the_retry_policy() {
    let logs = CapturedLogs::default();
    let _guard = logs.start();
    let mz = monzo_with(OutboundPolicy::default()).await;
    let hook = receiver(200).await;
    register_monzo_webhook(&mz, &via_unspecified(&hook, "/hook?secret=s3cr3t")).await;

    card_transaction(&mz, -450);
    let first = mz
        .handle
        .wait_for_delivery_log(|log| log.iter().any(|d| !d.attempts.is_empty()), WAIT)
        .await;
    // Monzo retries after 30, 60, 120 and 240 s of clock time, then gives up.
    for (attempts, seconds) in [(2, 30), (3, 60), (4, 120), (5, 240)] {
        mz.advance(seconds);
        mz.handle
            .wait_for_delivery_log(|log| log[0].attempts.len() == attempts, WAIT)
            .await;
    }
    let last = mz.handle.wait_for_deliveries(1, WAIT).await;

    assert_eq!(first.len(), 1);
    assert_eq!(first[0].state, DeliveryState::Failed);
    assert!(not_allowed(&first[0]), "{:?}", first[0].attempts);
    assert_eq!(
        first[0].next_attempt_at,
        Some(first[0].attempts[0].at + chrono::TimeDelta::seconds(30))
    );
    assert_eq!(last[0].state, DeliveryState::GaveUp);
    assert_eq!(last[0].attempts.len(), 5);
    assert!(not_allowed(&last[0]), "{:?}", last[0].attempts);
    assert_eq!(received(&hook).await, 0);
    let logs = logs.text();
    assert!(logs.contains("monzo"), "{logs}");
    assert!(logs.contains("0.0.0.0"), "{logs}");
    assert!(!logs.contains("s3cr3t"), "{logs}");
}

#[tokio::test]
async fn a_momo_callback_to_a_refused_host_fails_without_a_request_and_is_retried() {
    let momo = momo_common::momo().await;
    let hook = receiver(200).await;
    // An API user whose providerCallbackHost is the refused host, so MoMo itself accepts it.
    let user = momo_common::uuid();
    let key = momo.key("collection");
    let created = momo
        .http
        .post(momo.url("/v1_0/apiuser"))
        .header("X-Reference-Id", &user)
        .header("Ocp-Apim-Subscription-Key", &key)
        .json(&json!({"providerCallbackHost": "0.0.0.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let api_key: Value = momo
        .http
        .post(momo.url(&format!("/v1_0/apiuser/{user}/apikey")))
        .header("Ocp-Apim-Subscription-Key", &key)
        .header(reqwest::header::CONTENT_LENGTH, 0)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let basic = momo_common::basic(&user, api_key["apiKey"].as_str().unwrap());
    let token: Value = momo
        .token_response("collection", &basic)
        .await
        .json()
        .await
        .unwrap();
    let accepted = momo
        .http
        .post(momo.url("/collection/v1_0/requesttopay"))
        .header("Ocp-Apim-Subscription-Key", &key)
        .header(
            "Authorization",
            format!("Bearer {}", token["access_token"].as_str().unwrap()),
        )
        .header("X-Target-Environment", "sandbox")
        .header("X-Reference-Id", momo_common::uuid())
        .header("X-Callback-Url", via_unspecified(&hook, "/momo/callback"))
        .json(&momo_common::request_to_pay("46733123456", "15.50"))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);

    momo.advance(5);
    let first = momo
        .handle
        .wait_for_delivery_log(|log| log.iter().any(|d| !d.attempts.is_empty()), WAIT)
        .await;
    momo.advance(1);
    let second = momo
        .handle
        .wait_for_delivery_log(|log| log[0].attempts.len() == 2, WAIT)
        .await;

    assert_eq!(first[0].state, DeliveryState::Failed);
    assert_eq!(first[0].method, "PUT");
    assert!(not_allowed(&first[0]), "{:?}", first[0].attempts);
    assert_eq!(second[0].attempts.len(), 2);
    assert!(not_allowed(&second[0]), "{:?}", second[0].attempts);
    assert_eq!(second[0].state, DeliveryState::Failed);
    assert_eq!(received(&hook).await, 0);
}

#[tokio::test]
async fn a_delivery_does_not_follow_a_redirect() {
    let mz = monzo_with(OutboundPolicy::default()).await;
    let target = receiver(200).await;
    let redirect = redirecting_to(&format!("{}/moved", target.uri())).await;
    register_monzo_webhook(&mz, &format!("{}/hook", redirect.uri())).await;

    card_transaction(&mz, -450);
    let log = mz
        .handle
        .wait_for_delivery_log(|log| log.iter().any(|d| !d.attempts.is_empty()), WAIT)
        .await;

    assert_eq!(log[0].attempts[0].status, Some(302));
    assert_eq!(log[0].state, DeliveryState::Failed);
    assert_eq!(received(&redirect).await, 1);
    assert_eq!(received(&target).await, 0);
}

/// A receiver on 127.0.0.1 that holds every request for `delay`, answers 200 and closes the
/// connection, counting requests and how many it held at once.
struct SlowReceiver {
    address: SocketAddr,
    requests: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SlowReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SlowReceiver {
    async fn start(listener: TcpListener, delay: Duration) -> SlowReceiver {
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let counters = (
            Arc::clone(&requests),
            Arc::clone(&in_flight),
            Arc::clone(&max_in_flight),
        );
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (requests, in_flight, max_in_flight) = (
                    Arc::clone(&counters.0),
                    Arc::clone(&counters.1),
                    Arc::clone(&counters.2),
                );
                tokio::spawn(async move {
                    let mut stream = stream;
                    if read_request(&mut stream).await.is_none() {
                        return;
                    }
                    requests.fetch_add(1, Ordering::SeqCst);
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max_in_flight.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        SlowReceiver {
            address,
            requests,
            max_in_flight,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.address)
    }
}

/// Reads one request head and its `Content-Length` body.
async fn read_request(stream: &mut TcpStream) -> Option<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Some(())
}

#[tokio::test]
async fn at_most_max_concurrent_deliveries_are_in_flight_and_all_arrive() {
    let mz = monzo_with(OutboundPolicy::default().max_concurrent(2)).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slow = SlowReceiver::start(listener, Duration::from_millis(300)).await;
    register_monzo_webhook(&mz, &slow.url()).await;

    for n in 0..8 {
        card_transaction(&mz, -100 - n);
    }
    let log = mz
        .handle
        .wait_for_deliveries(8, Duration::from_secs(30))
        .await;

    assert_eq!(log.len(), 8);
    assert!(log.iter().all(|d| d.state == DeliveryState::Delivered));
    assert_eq!(slow.requests.load(Ordering::SeqCst), 8);
    assert_eq!(slow.max_in_flight.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_delivery_to_a_refused_host_does_not_wait_for_a_slot_it_would_not_use() {
    let mz = monzo_with(OutboundPolicy::default().max_concurrent(1)).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slow = SlowReceiver::start(listener, Duration::from_secs(5)).await;
    let hook = receiver(200).await;
    register_monzo_webhook(&mz, &slow.url()).await;
    register_monzo_webhook(&mz, &via_unspecified(&hook, "/refused")).await;

    // Two events: the slow receiver's first delivery takes the only slot, its second waits
    // for it; both refused deliveries must fail at once, queued behind them or not.
    card_transaction(&mz, -300);
    card_transaction(&mz, -301);
    let refused_failed = |log: &[Delivery]| {
        log.iter()
            .filter(|d| d.url.contains("/refused") && !d.attempts.is_empty() && not_allowed(d))
            .count()
    };
    // The slow receiver's first delivery holds the only slot for 5 s from when it arrives.
    let started = std::time::Instant::now();
    while slow.requests.load(Ordering::SeqCst) == 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        slow.requests.load(Ordering::SeqCst),
        1,
        "the slot was taken"
    );
    let log = mz
        .handle
        .wait_for_delivery_log(|log| refused_failed(log) == 2, Duration::from_secs(3))
        .await;

    assert_eq!(
        refused_failed(&log),
        2,
        "both refused deliveries failed at once"
    );
    let slow_done = log
        .iter()
        .filter(|d| d.url.contains("/hook") && d.state.is_final())
        .count();
    assert_eq!(slow_done, 0, "the slot was still taken");
    assert_eq!(slow.requests.load(Ordering::SeqCst), 1);
    assert_eq!(received(&hook).await, 0);
}

#[tokio::test]
async fn a_host_that_stops_answering_is_backed_off_and_resumes_when_it_answers() {
    let mz = monzo_with(OutboundPolicy::default()).await;
    // A port with nothing listening: every connection is refused at once.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    register_monzo_webhook(&mz, &format!("http://127.0.0.1:{port}/hook")).await;
    for n in 0..8 {
        card_transaction(&mz, -100 - n);
    }
    let failed = mz
        .handle
        .wait_for_delivery_log(
            |log| log.len() == 8 && log.iter().all(|d| d.attempts.len() == 1),
            WAIT,
        )
        .await;
    assert!(failed.iter().all(|d| d.state == DeliveryState::Failed));

    // Every retry is now due, but the host failed 8 times in a row: one probe goes after
    // its wait, the others wait too instead of opening more connections.
    mz.advance(30);
    let probed = mz
        .handle
        .wait_for_delivery_log(|log| log.iter().any(|d| d.attempts.len() == 2), WAIT)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waiting = mz.handle.deliveries();
    // The host answers again: the next probe gets through and resets its backoff.
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let revived = SlowReceiver::start(listener, Duration::ZERO).await;
    let resumed = mz.handle.wait_for_deliveries(7, WAIT).await;
    mz.advance(60); // the first probe's own retry
    let delivered = mz.handle.wait_for_deliveries(8, WAIT).await;

    assert_eq!(
        probed.iter().filter(|d| d.attempts.len() == 2).count(),
        1,
        "{probed:?}"
    );
    assert_eq!(
        waiting.iter().filter(|d| d.attempts.len() >= 2).count(),
        1,
        "{waiting:?}"
    );
    let now = mz.sandbox.now() - chrono::TimeDelta::seconds(60);
    assert!(waiting
        .iter()
        .filter(|d| d.attempts.len() == 1)
        .all(|d| d.next_attempt_at.is_some_and(|at| at <= now)));
    assert_eq!(
        resumed
            .iter()
            .filter(|d| d.state == DeliveryState::Delivered)
            .count(),
        7
    );
    assert!(delivered
        .iter()
        .all(|d| d.state == DeliveryState::Delivered));
    assert_eq!(revived.requests.load(Ordering::SeqCst), 8);
}

#[tokio::test]
async fn the_delivery_log_keeps_the_newest_finished_deliveries_and_every_pending_one() {
    let mz = monzo_with(OutboundPolicy::default().delivery_log(2).max_concurrent(1)).await;
    let good = receiver(200).await;
    let failing = receiver(500).await;
    register_monzo_webhook(&mz, &format!("{}/good", good.uri())).await;
    register_monzo_webhook(&mz, &format!("{}/failing", failing.uri())).await;

    let transactions: Vec<String> = (0..4)
        .map(|n| {
            card_transaction(&mz, -100 - n)["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let log = mz
        .handle
        .wait_for_delivery_log(
            |log| {
                log.iter()
                    .filter(|d| d.state == DeliveryState::Failed)
                    .count()
                    == 4
                    && log.iter().all(|d| d.state != DeliveryState::Pending)
            },
            WAIT,
        )
        .await;

    assert_eq!(received(&good).await, 4);
    let delivered: Vec<&str> = log
        .iter()
        .filter(|d| d.state == DeliveryState::Delivered)
        .map(|d| d.body["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        delivered,
        [transactions[2].as_str(), transactions[3].as_str()]
    );
    let retrying: Vec<&str> = log
        .iter()
        .filter(|d| d.state == DeliveryState::Failed)
        .map(|d| d.body["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(retrying, transactions);
    assert_eq!(log.len(), 6);
    assert!(log.windows(2).all(|pair| pair[0].id < pair[1].id));
}

#[tokio::test]
async fn allow_host_on_the_command_line_lets_the_url_check_reach_that_host() {
    let hook = receiver(200).await;
    let url = via_unspecified(&hook, "/hook");
    let mut statuses = Vec::new();
    for args in [
        &["--provider", "monobank", "--json"][..],
        &[
            "--provider",
            "monobank",
            "--json",
            "--allow-host",
            "0.0.0.0",
        ][..],
    ] {
        let (_child, summary) = common::start_binary(args).await;
        let monobank = &summary["providers"]["monobank"];
        let response = common::http_client()
            .post(format!(
                "{}/personal/webhook",
                monobank["base_url"].as_str().unwrap()
            ))
            .header(
                "X-Token",
                monobank["credentials"]["token"].as_str().unwrap(),
            )
            .json(&json!({ "webHookUrl": url }))
            .send()
            .await
            .unwrap();
        statuses.push((response.status().as_u16(), received(&hook).await));
    }

    assert_eq!(statuses, [(400, 0), (200, 1)]);
}

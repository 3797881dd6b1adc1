//! The requests the client puts on the wire, read as raw bytes by a listener on 127.0.0.1.
//!
//! MTN's gateway (Azure API Management) answers a POST that has neither `Content-Length` nor
//! a chunked body with `411 Length Required`; the token and API-key calls have no body. These
//! tests read the request heads exactly as sent, which a mock server that parses requests
//! (and so accepts both forms) cannot show.

use std::sync::{Arc, Mutex};

use bankkit_core::secret::{secret, ExposeSecret};
use bankkit_momo::wire::{CreateApiUser, RequestToPay};
use bankkit_momo::{MomoClient, PreApprovalId, Product, ReferenceId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = "c72025f5-5cd1-4630-99e4-8ba4722fad56";

/// One request as it arrived.
#[derive(Debug)]
struct RawRequest {
    head: String,
    body: Vec<u8>,
}

impl RawRequest {
    fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// Every value of the `name` header, name compared without case.
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

/// A listener on 127.0.0.1 that keeps every request as sent and answers as MoMo would: a
/// token for `…/token/`, an API key for `…/apikey`, 201 for a new API user, 200 for a
/// DELETE and 202 for any other write.
struct RawMomo {
    base_url: String,
    seen: Arc<Mutex<Vec<RawRequest>>>,
}

impl RawMomo {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    if let Some(request) = serve(stream).await {
                        log.lock().unwrap().push(request);
                    }
                });
            }
        });
        Self { base_url, seen }
    }

    fn client(&self) -> MomoClient {
        MomoClient::builder()
            .base_url(&self.base_url)
            .credentials(USER, secret("f1db798c98df4bcf83b538175893bbf0"))
            .subscription_key(
                Product::Collection,
                secret("0b6b0c8d1d7f4a5fa1f3c2b9e8d7c6a5"),
            )
            .build()
            .unwrap()
    }

    /// The one request whose request line starts with `start`.
    fn only(&self, start: &str) -> RawRequest {
        let mut seen = self.seen.lock().unwrap();
        let at: Vec<usize> = seen
            .iter()
            .enumerate()
            .filter(|(_, r)| r.request_line().starts_with(start))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(at.len(), 1, "{start}: {seen:?}");
        seen.remove(at[0])
    }
}

fn answer_to(request_line: &str) -> (&'static str, &'static str) {
    let target = request_line.split(' ').nth(1).unwrap_or("");
    if target.ends_with("/token/") {
        (
            "200 OK",
            r#"{"access_token":"tok-raw","token_type":"access_token","expires_in":3600}"#,
        )
    } else if target.ends_with("/apikey") {
        (
            "201 Created",
            r#"{"apiKey":"0123456789abcdef0123456789abcdef"}"#,
        )
    } else if target == "/v1_0/apiuser" {
        ("201 Created", "")
    } else if request_line.starts_with("DELETE ") {
        ("200 OK", "")
    } else {
        ("202 Accepted", "")
    }
}

/// Reads one request (its head, then the body its `Content-Length` announces) and answers.
async fn serve(mut stream: TcpStream) -> Option<RawRequest> {
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
    let mut request = RawRequest {
        head: String::from_utf8_lossy(&bytes[..head_end]).into_owned(),
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
    let (status, body) = answer_to(request.request_line());
    let content_type = if body.is_empty() {
        ""
    } else {
        "content-type: application/json;charset=utf-8\r\n"
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\n{content_type}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes()).await.ok()?;
    Some(request)
}

fn assert_declares_no_content(request: &RawRequest) {
    assert_eq!(request.headers("content-length"), ["0"], "{}", request.head);
    assert!(
        request.headers("transfer-encoding").is_empty(),
        "{}",
        request.head
    );
    assert!(request.body.is_empty(), "{}", request.head);
}

#[tokio::test]
async fn the_token_call_sends_content_length_zero() {
    let momo = RawMomo::start().await;
    let token = momo
        .client()
        .collection()
        .create_access_token()
        .await
        .unwrap();
    assert_eq!(token.token_type.as_deref(), Some("access_token"));

    let sent = momo.only("POST /collection/token/ ");
    assert_eq!(sent.request_line(), "POST /collection/token/ HTTP/1.1");
    assert_declares_no_content(&sent);
    assert!(sent.headers("content-type").is_empty(), "{}", sent.head);
    assert_eq!(sent.headers("authorization").len(), 1);
}

#[tokio::test]
async fn the_token_minted_for_a_business_call_sends_content_length_zero() {
    let momo = RawMomo::start().await;
    let client = momo.client();
    let body: RequestToPay = serde_json::from_value(serde_json::json!({
        "amount": "15.50", "currency": "EUR", "externalId": "order-42",
        "payer": {"partyIdType": "MSISDN", "partyId": "46733123450"},
        "payerMessage": "Order 42", "payeeNote": "Order 42"
    }))
    .unwrap();
    client
        .collection()
        .request_to_pay(&ReferenceId::random(), &body, None)
        .await
        .unwrap();

    assert_declares_no_content(&momo.only("POST /collection/token/ "));
    // A POST with a body carries that body's own length, once.
    let create = momo.only("POST /collection/v1_0/requesttopay ");
    let written = serde_json::to_vec(&body).unwrap();
    assert_eq!(
        create.headers("content-length"),
        [written.len().to_string()],
        "{}",
        create.head
    );
    assert_eq!(create.body, written);
}

#[tokio::test]
async fn the_api_key_call_sends_content_length_zero() {
    let momo = RawMomo::start().await;
    let user = ReferenceId::parse(USER).unwrap();
    let key = momo
        .client()
        .provisioning()
        .create_api_key(&user)
        .await
        .unwrap();
    assert_eq!(key.api_key.expose_secret().len(), 32);

    let sent = momo.only("POST /v1_0/apiuser/");
    assert_eq!(
        sent.request_line(),
        format!("POST /v1_0/apiuser/{USER}/apikey HTTP/1.1")
    );
    assert_declares_no_content(&sent);
}

#[tokio::test]
async fn the_api_user_call_carries_its_body_and_its_length() {
    let momo = RawMomo::start().await;
    let body = CreateApiUser::new("shop.example");
    momo.client()
        .provisioning()
        .create_api_user(&ReferenceId::random(), &body)
        .await
        .unwrap();

    let sent = momo.only("POST /v1_0/apiuser ");
    let written = serde_json::to_vec(&body).unwrap();
    assert_eq!(
        sent.headers("content-length"),
        [written.len().to_string()],
        "{}",
        sent.head
    );
    assert_eq!(sent.headers("content-type"), ["application/json"]);
    assert_eq!(sent.body, written);
}

#[tokio::test]
async fn the_body_less_pre_approval_cancel_sends_content_length_zero() {
    let momo = RawMomo::start().await;
    momo.client()
        .collection()
        .cancel_pre_approval(&PreApprovalId::from("pa-0001"))
        .await
        .unwrap();

    assert_declares_no_content(&momo.only("POST /collection/token/ "));
    let sent = momo.only("DELETE ");
    assert_eq!(
        sent.request_line(),
        "DELETE /collection/v1_0/preapproval/pa-0001 HTTP/1.1"
    );
    assert_declares_no_content(&sent);
}

//! Helpers for the Morune tests: a sandbox with the seeded shop and user, calls with either
//! key, a webhook receiver and an independent HMAC-SHA256 to check signatures.
#![allow(dead_code, unreachable_pub, missing_docs)]

use bankkit_sandbox::{ProviderHandle, Sandbox, SandboxBuilder};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::http_client;

pub struct Morune {
    pub sandbox: Sandbox,
    pub handle: ProviderHandle,
    pub creds: Value,
    pub http: reqwest::Client,
}

/// What an answer was: status, content type, body as JSON (Null when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

pub async fn morune() -> Morune {
    morune_with(Sandbox::builder()).await
}

pub async fn morune_with(builder: SandboxBuilder) -> Morune {
    let sandbox = builder.providers(["morune"]).start().await.unwrap();
    let handle = sandbox.morune().unwrap();
    let creds = handle.credentials();
    Morune {
        sandbox,
        handle,
        creds,
        http: http_client(),
    }
}

/// Which key a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Shop,
    User,
    None,
    Wrong,
}

impl Morune {
    pub fn cred(&self, name: &str) -> String {
        self.creds[name].as_str().unwrap().to_owned()
    }

    pub fn shop_id(&self) -> String {
        self.cred("shop_id")
    }

    pub fn user_id(&self) -> String {
        self.cred("user_id")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    pub async fn call(&self, verb: &str, path: &str, key: Key, body: Option<Value>) -> Answer {
        let mut request = self
            .http
            .request(verb.parse().unwrap(), self.url(path))
            .header("accept", "application/json");
        request = match key {
            Key::Shop => request.header("x-api-key", self.cred("api_key")),
            Key::User => request.header("x-api-signature-sha256", self.cred("user_api_key")),
            Key::Wrong => request
                .header("x-api-key", "0".repeat(40))
                .header("x-api-signature-sha256", "0".repeat(40)),
            Key::None => request,
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = crate::common::content_type(&response);
        let bytes = response.bytes().await.unwrap();
        Answer {
            status,
            content_type,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// A call that must succeed: its `data`.
    pub async fn ok(&self, verb: &str, path: &str, key: Key, body: Option<Value>) -> Value {
        let answer = self.call(verb, path, key, body).await;
        assert_eq!(answer.status, 200, "{verb} {path}: {:?}", answer.body);
        assert_success_envelope(&answer);
        answer.body["data"].clone()
    }

    /// Creates an invoice with `fields` on top of the shop id, amount and order id given.
    pub async fn invoice(&self, amount: f64, order_id: &str, fields: Value) -> Value {
        let mut body = json!({"shop_id": self.shop_id(), "amount": amount, "order_id": order_id});
        merge(&mut body, fields);
        self.ok("POST", "/invoice/create", Key::Shop, Some(body))
            .await
    }

    pub async fn invoice_info(&self, invoice_id: &str) -> Value {
        self.ok(
            "GET",
            &format!(
                "/invoice/info?shop_id={}&invoice_id={invoice_id}",
                self.shop_id()
            ),
            Key::Shop,
            None,
        )
        .await
    }

    pub async fn balance(&self) -> Value {
        self.ok(
            "GET",
            &format!("/account/users/{}/balance", self.user_id()),
            Key::User,
            None,
        )
        .await
    }

    pub async fn payoff(&self, fields: Value) -> Answer {
        let mut body = json!({"user_id": self.user_id()});
        merge(&mut body, fields);
        self.call("POST", "/payoff/create", Key::User, Some(body))
            .await
    }

    pub async fn payoff_info(&self, payoff_id: &str) -> Value {
        self.ok(
            "GET",
            &format!("/payoff/info?user_id={}&id={payoff_id}", self.user_id()),
            Key::User,
            None,
        )
        .await
    }

    pub fn advance(&self, seconds: u64) {
        self.sandbox
            .advance(std::time::Duration::from_secs(seconds));
    }
}

pub fn merge(body: &mut Value, fields: Value) {
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
}

pub fn assert_success_envelope(answer: &Answer) {
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.body["status"], 200, "{:?}", answer.body);
    assert_eq!(answer.body["status_check"], true);
    assert!(answer.body.get("error").is_none() || answer.body["error"].is_null());
}

/// Checks the error envelope and returns its `error` text.
pub fn error_text(answer: &Answer, status: u16) -> String {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.body["data"], Value::Null, "{:?}", answer.body);
    assert_eq!(answer.body["status"], status);
    assert_eq!(answer.body["status_check"], false);
    answer.body["error"].as_str().unwrap().to_owned()
}

/// A webhook receiver answering 200 to every POST.
pub async fn receiver() -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// Lowercase hex HMAC-SHA256, written here from RFC 2104 independently of the sandbox.
pub fn hmac_hex(key: &str, message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key.as_bytes()));
    } else {
        block[..key.len()].copy_from_slice(key.as_bytes());
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// The POSTs `server` received on `path`, as (bytes, signature header).
pub async fn received(server: &MockServer, path: &str) -> Vec<(Vec<u8>, String)> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == path)
        .map(|r| {
            let signature = r
                .headers
                .get("x-api-sha256-signature")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (r.body, signature)
        })
        .collect()
}

//! Shared helpers for the MoMo sandbox tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bankkit_sandbox::{ProviderHandle, Sandbox, SandboxBuilder, SandboxEvent};
use serde_json::Value;

pub const JSON: &str = "application/json;charset=utf-8";
pub const WAIT: Duration = Duration::from_secs(20);

/// A fresh UUID v4 (canonical form), unique within the test process.
pub fn uuid() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    format!("{:08x}-7d1e-4a5b-9c3d-{n:012x}", std::process::id())
}

/// A started sandbox with its MoMo handle, credentials and an HTTP client.
pub struct Momo {
    pub sandbox: Sandbox,
    pub handle: ProviderHandle,
    pub credentials: Value,
    pub http: reqwest::Client,
}

pub async fn momo() -> Momo {
    momo_on(Sandbox::builder()).await
}

/// MoMo alone on a sandbox set up by `builder` (limits, policies, …).
pub async fn momo_on(builder: SandboxBuilder) -> Momo {
    let sandbox = builder.providers(["momo"]).start().await.unwrap();
    let handle = sandbox.momo().unwrap();
    let credentials = handle.credentials();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Momo {
        sandbox,
        handle,
        credentials,
        http,
    }
}

impl Momo {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    pub fn cred(&self, name: &str) -> String {
        self.credentials[name].as_str().unwrap().to_owned()
    }

    /// The subscription key of `product`.
    pub fn key(&self, product: &str) -> String {
        self.cred(&format!("{product}_key"))
    }

    pub fn basic(&self) -> String {
        basic(&self.cred("api_user"), &self.cred("api_key"))
    }

    /// POST /{product}/token/ with the seeded user (no body, `Content-Length: 0`).
    pub async fn token_response(&self, product: &str, authorization: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/{product}/token/")))
            .header("Ocp-Apim-Subscription-Key", self.key(product))
            .header("Authorization", authorization)
            .header(reqwest::header::CONTENT_LENGTH, 0)
            .send()
            .await
            .unwrap()
    }

    /// A fresh access token for `product`.
    pub async fn token(&self, product: &str) -> String {
        let response = self.token_response(product, &self.basic()).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A request with the product's key, a fresh token and the target environment.
    pub async fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let product = path.trim_start_matches('/').split('/').next().unwrap();
        let token = self.token(product).await;
        self.http
            .request(method, self.url(path))
            .header("Ocp-Apim-Subscription-Key", self.key(product))
            .header("Authorization", format!("Bearer {token}"))
            .header("X-Target-Environment", "sandbox")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path)
            .await
            .send()
            .await
            .unwrap()
    }

    /// GET expecting 200 JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// POST a creating call with `reference_id` and an optional callback URL.
    pub async fn create(
        &self,
        path: &str,
        reference_id: &str,
        body: &Value,
        callback: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .request(reqwest::Method::POST, path)
            .await
            .header("X-Reference-Id", reference_id)
            .json(body);
        if let Some(url) = callback {
            request = request.header("X-Callback-Url", url);
        }
        request.send().await.unwrap()
    }

    /// Creates and expects 202; returns the reference id.
    pub async fn create_ok(&self, path: &str, body: &Value) -> String {
        let id = uuid();
        let response = self.create(path, &id, body, None).await;
        assert_eq!(
            response.status(),
            202,
            "POST {path}: {:?}",
            response.text().await
        );
        id
    }

    pub async fn balance(&self, product: &str) -> String {
        let body = self
            .get_json(&format!("/{product}/v1_0/account/balance"))
            .await;
        body["availableBalance"].as_str().unwrap().to_owned()
    }

    pub fn advance(&self, seconds: u64) {
        self.sandbox.advance(Duration::from_secs(seconds));
    }

    pub fn event(&self, event: Value) -> Value {
        self.handle.trigger(SandboxEvent::Custom(event)).unwrap()
    }
}

pub fn basic(user: &str, key: &str) -> String {
    use std::fmt::Write;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{key}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    let mut header = String::new();
    write!(header, "Basic {out}").unwrap();
    header
}

/// A request-to-pay body for `msisdn`.
pub fn request_to_pay(msisdn: &str, amount: &str) -> Value {
    serde_json::json!({
        "amount": amount,
        "currency": "EUR",
        "externalId": "order-42",
        "payer": {"partyIdType": "MSISDN", "partyId": msisdn},
        "payerMessage": "Order 42",
        "payeeNote": "Order 42",
    })
}

/// A transfer (or deposit, remittance) body to `msisdn`.
pub fn transfer(msisdn: &str, amount: &str) -> Value {
    serde_json::json!({
        "amount": amount,
        "currency": "EUR",
        "externalId": "payout-7",
        "payee": {"partyIdType": "MSISDN", "partyId": msisdn},
        "payerMessage": "Payout 7",
        "payeeNote": "Payout 7",
    })
}

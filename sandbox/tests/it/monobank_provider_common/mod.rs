//! Shared helpers for the Monobank provider-API tests: a small secp256k1 signer of their own
//! (raw `r‖s` over SHA-256, base64; key id = hex SHA-1 of the uncompressed point) and signed
//! calls against an in-process sandbox.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::time::Duration;

use bankkit_sandbox::{ProviderHandle, Sandbox, SandboxBuilder, SandboxEvent};
use base64::Engine as _;
use k256::ecdsa::signature::Signer as _;
use k256::ecdsa::{Signature, SigningKey};
use k256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::{json, Value};
use sha1::{Digest as _, Sha1};

use crate::common::http_client;

pub const BASE64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

/// A company's key pair.
#[derive(Clone)]
pub struct CompanyKey {
    pub signing: SigningKey,
}

impl CompanyKey {
    /// A key made from one byte, repeated (distinct bytes give distinct keys).
    pub fn from_byte(byte: u8) -> CompanyKey {
        CompanyKey {
            signing: SigningKey::from_slice(&[byte; 32]).unwrap(),
        }
    }

    /// The key of a SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> CompanyKey {
        let secret = k256::SecretKey::from_sec1_pem(pem).unwrap();
        CompanyKey {
            signing: SigningKey::from(secret),
        }
    }

    /// Hex SHA-1 of `0x04‖X‖Y`.
    pub fn key_id(&self) -> String {
        let point = self.signing.verifying_key().to_encoded_point(false);
        Sha1::digest(point.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Base64 of the PEM public key (a registration's `pubkey`).
    pub fn pubkey(&self) -> String {
        let pem = self
            .signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        BASE64.encode(pem)
    }

    /// Base64 of the raw 64-byte `r‖s` over SHA-256 of `message`.
    pub fn sign(&self, message: &str) -> String {
        let signature: Signature = self.signing.sign(message.as_bytes());
        BASE64.encode(signature.to_bytes())
    }
}

/// A registration body for `key`.
pub fn registration_body(key: &CompanyKey, name: &str) -> Value {
    json!({
        "pubkey": key.pubkey(),
        "name": name,
        "description": "Бюджетування за виписками",
        "contactPerson": "Олена Коваль",
        "phone": "380501112233",
        "email": "dev@example.com",
        "logo": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    })
}

/// The sandbox with Monobank, seen by a provider: the seeded company's key and plain HTTP.
pub struct Provider {
    pub sandbox: Sandbox,
    pub handle: ProviderHandle,
    pub key: CompanyKey,
    pub http: reqwest::Client,
}

pub async fn provider() -> Provider {
    provider_on(Sandbox::builder()).await
}

pub async fn provider_on(builder: SandboxBuilder) -> Provider {
    let sandbox = builder.providers(["monobank"]).start().await.unwrap();
    let handle = sandbox.monobank().unwrap();
    let key = CompanyKey::from_pem(handle.credentials()["provider_key"].as_str().unwrap());
    Provider {
        sandbox,
        handle,
        key,
        http: http_client(),
    }
}

/// A signed call: which headers go and what is signed.
pub struct Call<'a> {
    pub method: reqwest::Method,
    pub path: &'a str,
    pub key: &'a CompanyKey,
    pub request_id: Option<&'a str>,
    /// Whether `X-Request-Id` is part of the signed string.
    pub sign_request_id: bool,
    pub extra: Vec<(&'a str, String)>,
    pub body: Option<Value>,
    /// `X-Time` as sent; the sandbox clock when `None`.
    pub time: Option<i64>,
    /// What is signed; `X-Time + [X-Request-Id] + path` when `None`.
    pub signed: Option<String>,
}

impl<'a> Call<'a> {
    pub fn new(method: reqwest::Method, path: &'a str, key: &'a CompanyKey) -> Self {
        Call {
            method,
            path,
            key,
            request_id: None,
            sign_request_id: false,
            extra: Vec::new(),
            body: None,
            time: None,
            signed: None,
        }
    }

    /// `X-Request-Id` sent and signed (access check, client info, statement).
    pub fn for_request(mut self, request_id: &'a str) -> Self {
        self.request_id = Some(request_id);
        self.sign_request_id = true;
        self
    }

    /// `X-Request-Id` sent, not signed (corp settings and webhook).
    pub fn with_request_id(mut self, request_id: &'a str) -> Self {
        self.request_id = Some(request_id);
        self
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn at(mut self, time: i64) -> Self {
        self.time = Some(time);
        self
    }

    pub fn signing(mut self, message: String) -> Self {
        self.signed = Some(message);
        self
    }
}

impl Provider {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    pub fn now(&self) -> i64 {
        self.sandbox.now().timestamp()
    }

    /// Sends `call` with `X-Key-Id` (unless it is a registration), `X-Time` and `X-Sign`.
    pub async fn send(&self, call: Call<'_>) -> reqwest::Response {
        let time = call.time.unwrap_or_else(|| self.now()).to_string();
        let path_only = call.path.split('?').next().unwrap_or(call.path);
        let message = call.signed.clone().unwrap_or_else(|| {
            let request_id = if call.sign_request_id {
                call.request_id.unwrap_or_default()
            } else {
                ""
            };
            format!("{time}{request_id}{path_only}")
        });
        let mut request = self
            .http
            .request(call.method.clone(), self.url(call.path))
            .header("X-Time", &time)
            .header("X-Sign", call.key.sign(&message));
        if !call.path.starts_with("/personal/auth/registration") {
            request = request.header("X-Key-Id", call.key.key_id());
        }
        if let Some(request_id) = call.request_id {
            request = request.header("X-Request-Id", request_id);
        }
        for (name, value) in &call.extra {
            request = request.header(*name, value);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    /// Registers `key` and returns the answer's status and body.
    pub async fn register(&self, key: &CompanyKey, name: &str) -> (u16, Value) {
        let call = Call::new(reqwest::Method::POST, "/personal/auth/registration", key)
            .json(registration_body(key, name));
        status_and_json(self.send(call).await).await
    }

    /// `POST /personal/auth/registration/status` for `key`.
    pub async fn registration_status(&self, key: &CompanyKey) -> (u16, Value) {
        let call = Call::new(
            reqwest::Method::POST,
            "/personal/auth/registration/status",
            key,
        )
        .json(json!({ "pubkey": key.pubkey() }));
        status_and_json(self.send(call).await).await
    }

    /// A new access request of `key` (the current form), with an optional callback; returns
    /// (tokenRequestId, acceptUrl).
    pub async fn access_request(
        &self,
        key: &CompanyKey,
        callback: Option<&str>,
    ) -> (String, String) {
        let mut call = Call::new(reqwest::Method::POST, "/personal/auth/request", key);
        if let Some(callback) = callback {
            call = call.header("X-Callback", callback);
        }
        let (status, body) = status_and_json(self.send(call).await).await;
        assert_eq!(status, 200, "{body}");
        (
            body["tokenRequestId"].as_str().unwrap().to_owned(),
            body["acceptUrl"].as_str().unwrap().to_owned(),
        )
    }

    /// `GET /personal/auth/request` for `request_id`.
    pub async fn check(&self, key: &CompanyKey, request_id: &str) -> reqwest::Response {
        self.send(
            Call::new(reqwest::Method::GET, "/personal/auth/request", key).for_request(request_id),
        )
        .await
    }

    /// A signed GET of customer data for `request_id`.
    pub async fn get_for(
        &self,
        key: &CompanyKey,
        request_id: &str,
        path: &str,
    ) -> reqwest::Response {
        self.send(Call::new(reqwest::Method::GET, path, key).for_request(request_id))
            .await
    }

    /// The customer decides through the control event; returns what it answered.
    pub fn decide(&self, request_id: &str, decision: &str) -> Value {
        self.handle
            .trigger(SandboxEvent::Custom(json!({
                "type": "provider_access",
                "request_id": request_id,
                "decision": decision,
            })))
            .unwrap()
    }

    /// An approved access request of the seeded company.
    pub async fn approved_request(&self) -> String {
        let (id, _) = self.access_request(&self.key, None).await;
        self.decide(&id, "approve");
        id
    }

    pub fn advance(&self, seconds: u64) {
        self.sandbox.advance(Duration::from_secs(seconds));
    }
}

/// The status and the JSON body (`null` when empty).
pub async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body)
}

/// Asserts the answer is `status` with `{"errorDescription": description}`.
pub async fn assert_error(response: reqwest::Response, status: u16, description: &str) {
    let content_type = crate::common::content_type(&response);
    let (got, body) = status_and_json(response).await;
    assert_eq!(
        (got, &body["errorDescription"]),
        (status, &json!(description)),
        "{body}"
    );
    assert_eq!(content_type, "application/json");
}

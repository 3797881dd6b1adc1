//! Helpers for the Monobank acquiring tests: a sandbox with its merchant token, JSON calls.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::time::Duration;

use bankkit_sandbox::{Sandbox, SandboxEvent, StateLimits};
use serde_json::{json, Value};

use crate::common::{http_client, Monobank};

/// A Monobank sandbox seen as a merchant.
pub struct Acq {
    pub mono: Monobank,
    pub merchant_token: String,
}

pub async fn acquiring() -> Acq {
    acquiring_with(StateLimits::default()).await
}

pub async fn acquiring_with(limits: StateLimits) -> Acq {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .state_limits(limits)
        .start()
        .await
        .unwrap();
    let handle = sandbox.monobank().unwrap();
    let token = handle.credentials()["token"].as_str().unwrap().to_owned();
    let merchant_token = handle.credentials()["merchant_token"]
        .as_str()
        .unwrap()
        .to_owned();
    Acq {
        mono: Monobank {
            sandbox,
            handle,
            token,
            http: http_client(),
        },
        merchant_token,
    }
}

/// What an answer was: status, content type, JSON body (Null when not JSON).
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Acq {
    pub fn url(&self, path: &str) -> String {
        self.mono.url(path)
    }

    /// Any call: `token` None sends no X-Token.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self
            .mono
            .http
            .request(method.parse().unwrap(), self.url(path));
        if let Some(token) = token {
            request = request.header("X-Token", token);
        }
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

    /// GET with the merchant token.
    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, Some(&self.merchant_token), None)
            .await
    }

    /// POST JSON with the merchant token.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(&self.merchant_token), Some(body))
            .await
    }

    /// GET expecting 200.
    pub async fn get_ok(&self, path: &str) -> Value {
        let answer = self.get(path).await;
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
        assert_eq!(answer.content_type, "application/json");
        answer.body
    }

    /// POST expecting 200.
    pub async fn post_ok(&self, path: &str, body: Value) -> Value {
        let answer = self.post(path, body).await;
        assert_eq!(answer.status, 200, "POST {path}: {}", answer.body);
        assert_eq!(answer.content_type, "application/json");
        answer.body
    }

    /// Creates an invoice (merchant token); returns its id.
    pub async fn create(&self, body: Value) -> String {
        let created = self.post_ok("/api/merchant/invoice/create", body).await;
        created["invoiceId"].as_str().unwrap().to_owned()
    }

    pub async fn status(&self, id: &str) -> Value {
        self.get_ok(&format!("/api/merchant/invoice/status?invoiceId={id}"))
            .await
    }

    /// Pays an invoice through the control event.
    pub fn pay(&self, id: &str, outcome: &str) -> Value {
        self.mono
            .handle
            .trigger(SandboxEvent::Custom(
                json!({"type": "pay_invoice", "invoice_id": id, "outcome": outcome}),
            ))
            .unwrap()
    }

    pub fn advance(&self, seconds: u64) {
        self.mono.sandbox.advance(Duration::from_secs(seconds));
    }

    /// The `merchant` ledger account's transaction amounts.
    pub fn merchant_ledger(&self) -> Vec<i64> {
        self.mono
            .handle
            .ledger()
            .account("merchant")
            .unwrap()
            .transactions
            .iter()
            .map(|t| t.amount_minor)
            .collect()
    }
}

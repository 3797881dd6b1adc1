//! Shared helpers for the Monzo sandbox tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::time::Duration;

use bankkit_sandbox::{ProviderHandle, Sandbox, SandboxBuilder, SandboxEvent};
use serde_json::{json, Value};

/// A started sandbox with its Monzo handle, seeded credentials and an HTTP client that does
/// not follow redirects.
pub struct Monzo {
    pub sandbox: Sandbox,
    pub handle: ProviderHandle,
    pub credentials: Value,
    pub http: reqwest::Client,
}

pub async fn monzo() -> Monzo {
    monzo_on(Sandbox::builder()).await
}

/// Monzo alone on a sandbox set up by `builder` (limits, policies, …).
pub async fn monzo_on(builder: SandboxBuilder) -> Monzo {
    let sandbox = builder.providers(["monzo"]).start().await.unwrap();
    let handle = sandbox.monzo().unwrap();
    let credentials = handle.credentials();
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Monzo {
        sandbox,
        handle,
        credentials,
        http,
    }
}

impl Monzo {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    pub fn credential(&self, name: &str) -> String {
        self.credentials[name].as_str().unwrap().to_owned()
    }

    /// The seeded access token.
    pub fn token(&self) -> String {
        self.credential("access_token")
    }

    pub fn advance(&self, seconds: u64) {
        self.sandbox.advance(Duration::from_secs(seconds));
    }

    /// GET with the seeded token.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_with(path, &self.token()).await
    }

    /// GET with `token`.
    pub async fn get_with(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// GET with the seeded token, expecting 200 and JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        assert_eq!(content_type(&response), "application/json");
        response.json().await.unwrap()
    }

    /// A form-encoded request with the seeded token.
    pub async fn send_form(
        &self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .request(method.parse().unwrap(), self.url(path))
            .bearer_auth(self.token())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// `POST /oauth2/token` with `form` (no Authorization header).
    pub async fn token_request(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/oauth2/token"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The consent page for the seeded client and redirect URI.
    pub async fn consent(&self, state: &str) -> reqwest::Response {
        let url = format!(
            "{}?client_id={}&redirect_uri={}&response_type=code&state={state}",
            self.credential("auth_url"),
            self.credential("client_id"),
            self.credential("redirect_uri"),
        );
        self.http.get(url).send().await.unwrap()
    }

    /// The `code` of a consent redirect.
    pub async fn code(&self) -> String {
        let response = self.consent("xyz").await;
        assert_eq!(response.status(), 302);
        query_param(&location(&response), "code").unwrap()
    }

    /// Exchanges `code` for tokens (the raw response).
    pub async fn exchange(&self, code: &str) -> reqwest::Response {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", &self.credential("client_id")),
            ("client_secret", &self.credential("client_secret")),
            ("redirect_uri", &self.credential("redirect_uri")),
            ("code", code),
        ])
        .await
    }

    /// A whole new login: consent, then code exchange; the token answer.
    pub async fn login(&self) -> Value {
        let code = self.code().await;
        let response = self.exchange(&code).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Refreshes with `refresh_token` (the raw response).
    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", &self.credential("client_id")),
            ("client_secret", &self.credential("client_secret")),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// The current account's id.
    pub fn main_account(&self) -> String {
        self.account_of_kind("uk_retail")
    }

    pub fn account_of_kind(&self, kind: &str) -> String {
        self.handle
            .ledger()
            .accounts
            .into_iter()
            .find(|a| a.kind == kind)
            .unwrap()
            .id
    }

    /// A custom control event.
    pub fn event(&self, event: Value) -> Value {
        self.handle.trigger(SandboxEvent::Custom(event)).unwrap()
    }

    pub fn manual_approval(&self) {
        self.event(json!({"type": "app_approval", "mode": "manual"}));
    }
}

pub fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Status and body of an error answer, checking it is JSON with a dotted `code` and a
/// `message`.
pub async fn error(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    assert_eq!(content_type(&response), "application/json");
    let body: Value = response.json().await.unwrap();
    let code = body["code"].as_str().unwrap().to_owned();
    assert!(body["message"].is_string(), "{body}");
    (status, code, body)
}

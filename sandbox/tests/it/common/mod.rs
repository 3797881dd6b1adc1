//! Shared helpers for the sandbox's integration tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bankkit_sandbox::{ProviderHandle, Sandbox};
use serde_json::Value;

/// A started sandbox with its Monobank handle, token and an HTTP client.
pub struct Monobank {
    pub sandbox: Sandbox,
    pub handle: ProviderHandle,
    pub token: String,
    pub http: reqwest::Client,
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub async fn monobank() -> Monobank {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let handle = sandbox.monobank().unwrap();
    let token = handle.credentials()["token"].as_str().unwrap().to_owned();
    Monobank {
        sandbox,
        handle,
        token,
        http: http_client(),
    }
}

impl Monobank {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    /// GET with the seeded token.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .header("X-Token", &self.token)
            .send()
            .await
            .unwrap()
    }

    /// GET with the seeded token, expecting 200 and JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// POST /personal/webhook with the seeded token.
    pub async fn set_webhook(&self, url: &str) -> reqwest::Response {
        self.set_webhook_result(url).await.unwrap()
    }

    /// POST /personal/webhook with the seeded token, keeping transport errors.
    pub async fn set_webhook_result(&self, url: &str) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(self.url("/personal/webhook"))
            .header("X-Token", &self.token)
            .json(&serde_json::json!({ "webHookUrl": url }))
            .send()
            .await
    }

    /// Unix seconds on the sandbox clock.
    pub fn now(&self) -> i64 {
        self.sandbox.now().timestamp()
    }

    /// Moves the clock past the 60-second rate window.
    pub fn next_minute(&self) {
        self.sandbox.advance(Duration::from_secs(60));
    }
}

/// The `errorDescription` of an error response, checking its content type.
pub async fn error_description(response: reqwest::Response) -> String {
    assert_eq!(content_type(&response), "application/json");
    let body: Value = response.json().await.unwrap();
    body["errorDescription"].as_str().unwrap().to_owned()
}

pub fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The `bankkit-sandbox` binary as a child process, killed even if an assertion fails.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args` and returns what it printed on stdout up to and including
/// the first line naming a local address (the table's or the `--json` line).
pub async fn start_binary_text(args: &[&str], stderr: Stdio) -> (Running, String) {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_bankkit-sandbox"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let text = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut text = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                return text;
            }
            text.push_str(&line);
            if line.contains("127.0.0.1") {
                return text;
            }
        }
    })
    .await
    .unwrap();
    (child, text)
}

/// Starts the binary with `args` (which must include `--json`), stderr discarded, and
/// returns its summary line.
pub async fn start_binary(args: &[&str]) -> (Running, Value) {
    let (child, line) = start_binary_text(args, Stdio::null()).await;
    (child, serde_json::from_str(&line).unwrap())
}

//! The `bankkit-sandbox` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// Kills the child even if an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn json_mode_prints_one_line_with_base_urls_and_credentials_and_serves_them() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_bankkit-sandbox"))
            .args(["--provider", "monobank", "--seed", "11", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();

    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let summary: Value = serde_json::from_str(&line).unwrap();

    let monobank = &summary["providers"]["monobank"];
    assert_eq!(summary["providers"].as_object().unwrap().len(), 1);
    let base_url = monobank["base_url"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"));
    let token = monobank["credentials"]["token"].as_str().unwrap();
    assert_eq!(token.len(), 44);

    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{base_url}/personal/client-info"))
        .header("X-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let info: Value = response.json().await.unwrap();
    assert!(info["accounts"].as_array().unwrap().len() >= 3);
}

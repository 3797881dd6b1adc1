//! Injected faults: status with Retry-After, delay, malformed body and lost connections.

use crate::common;

use std::time::Duration;

use bankkit_sandbox::Fault;
use common::{content_type, error_description, monobank};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_status_fault_answers_with_retry_after_and_the_providers_error_body_once() {
    let mono = monobank().await;
    let from = mono.now() - 86_400;
    mono.handle.inject(
        Fault::status(429)
            .retry_after(30)
            .on("GET", "/personal/statement"),
    );

    let faulted = mono.get(&format!("/personal/statement/0/{from}")).await;

    assert_eq!(faulted.status(), 429);
    assert_eq!(faulted.headers()["retry-after"], "30");
    assert_eq!(error_description(faulted).await, "Too many requests");
    assert_eq!(
        mono.get(&format!("/personal/statement/0/{from}"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_status_fault_can_carry_a_non_json_body() {
    let mono = monobank().await;
    mono.handle
        .inject(Fault::status(403).body(json!("<html>blocked</html>")));

    let response = mono.get("/personal/client-info").await;

    assert_eq!(response.status(), 403);
    assert!(content_type(&response).starts_with("text/plain"));
    assert_eq!(response.text().await.unwrap(), "<html>blocked</html>");
}

#[tokio::test]
async fn faults_apply_only_to_their_method_and_path_prefix_for_their_count() {
    let mono = monobank().await;
    mono.handle
        .inject(Fault::status(500).times(2).on("GET", "/bank/currency"));

    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
    assert_eq!(mono.get("/bank/currency").await.status(), 500);
    assert_eq!(mono.handle.faults()[0].times, 1);
    assert_eq!(mono.get("/bank/currency").await.status(), 500);

    assert!(mono.handle.faults().is_empty());
    assert_eq!(mono.get("/bank/currency").await.status(), 200);
}

#[tokio::test]
async fn clear_faults_removes_every_waiting_fault() {
    let mono = monobank().await;
    mono.handle.inject(Fault::status(503).times(5));

    mono.handle.clear_faults();

    assert_eq!(mono.get("/bank/currency").await.status(), 200);
}

#[tokio::test]
async fn a_delay_fault_holds_the_response_back_after_committing_the_change() {
    let mono = monobank().await;
    mono.handle
        .inject(Fault::delay(Duration::from_secs(5)).on("GET", "/personal/client-info"));
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let error = impatient
        .get(mono.url("/personal/client-info"))
        .header("X-Token", &mono.token)
        .send()
        .await
        .unwrap_err();

    assert!(error.is_timeout());
    // The delayed call already spent the minute's budget.
    assert_eq!(mono.get("/personal/client-info").await.status(), 429);
}

#[tokio::test]
async fn a_malformed_body_fault_answers_200_with_invalid_json() {
    let mono = monobank().await;
    mono.handle
        .inject(Fault::malformed_body().path("/bank/currency"));

    let response = mono.get("/bank/currency").await;

    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/json");
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn a_dropped_connection_gets_no_response_and_changes_nothing() {
    let mono = monobank().await;
    mono.handle
        .inject(Fault::drop_connection().on("GET", "/personal/client-info"));

    let error = mono
        .http
        .get(mono.url("/personal/client-info"))
        .header("X-Token", &mono.token)
        .send()
        .await
        .unwrap_err();

    assert!(!error.is_timeout());
    assert!(error.status().is_none());
    // Nothing was committed: the minute's budget is still there.
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
}

#[tokio::test]
async fn a_drop_after_commit_loses_the_response_but_keeps_the_change() {
    let mono = monobank().await;
    let receiver = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    mono.handle
        .inject(Fault::drop_after_commit().on("POST", "/personal/webhook"));

    let error = mono.set_webhook_result(&receiver.uri()).await.unwrap_err();

    assert!(error.status().is_none());
    let info = mono.get_json("/personal/client-info").await;
    assert_eq!(info["webHookUrl"], receiver.uri());
}

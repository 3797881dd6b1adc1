//! Monobank personal webhooks: the URL check, event delivery and the retry policy.

use crate::common;

use std::time::Duration;

use bankkit_sandbox::{DeliveryState, SandboxEvent};
use chrono::TimeDelta;
use common::{error_description, monobank};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const WAIT: Duration = Duration::from_secs(20);

/// A receiver (its own server, not pooled) answering the check GET with 200 and event POSTs
/// with `post_status`.
async fn receiver(post_status: u16) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(post_status))
        .mount(&server)
        .await;
    server
}

fn hook_url(server: &MockServer) -> String {
    format!("{}/mono/hook", server.uri())
}

#[tokio::test]
async fn setting_a_webhook_checks_the_url_with_a_get_that_answers_200() {
    let mono = monobank().await;
    let receiver = receiver(200).await;

    let response = mono.set_webhook(&hook_url(&receiver)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method.as_str(), "GET");
    assert_eq!(requests[0].url.path(), "/mono/hook");
    let info = mono.get_json("/personal/client-info").await;
    assert_eq!(info["webHookUrl"], hook_url(&receiver));
}

#[tokio::test]
async fn a_webhook_url_that_answers_the_check_with_500_is_rejected_with_400() {
    let mono = monobank().await;
    let failing = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&failing)
        .await;

    let response = mono.set_webhook(&failing.uri()).await;

    assert_eq!(response.status(), 400);
    assert!(error_description(response).await.contains("webHookUrl"));
    let info = mono.get_json("/personal/client-info").await;
    assert_eq!(info["webHookUrl"], "");
}

#[tokio::test]
async fn a_body_that_is_not_webhook_json_is_rejected_with_400() {
    let mono = monobank().await;

    // The bare URL as body, as one reference client sends it.
    let response = mono
        .http
        .post(mono.url("/personal/webhook"))
        .header("X-Token", &mono.token)
        .body("https://example.invalid/hook")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert!(!error_description(response).await.is_empty());
}

#[tokio::test]
async fn an_empty_url_removes_the_webhook() {
    let mono = monobank().await;
    let receiver = receiver(200).await;
    assert_eq!(mono.set_webhook(&hook_url(&receiver)).await.status(), 200);

    let response = mono.set_webhook("").await;

    assert_eq!(response.status(), 200);
    let info = mono.get_json("/personal/client-info").await;
    assert_eq!(info["webHookUrl"], "");
}

#[tokio::test]
async fn a_card_transaction_is_posted_to_the_webhook_as_a_statement_item() {
    let mono = monobank().await;
    let receiver = receiver(200).await;
    assert_eq!(mono.set_webhook(&hook_url(&receiver)).await.status(), 200);
    let account = mono.handle.ledger().accounts[0].id.clone();

    let item = mono
        .handle
        .trigger(SandboxEvent::card_transaction(-6_500, "Кав'ярня"))
        .unwrap();
    let log = mono.handle.wait_for_deliveries(1, WAIT).await;

    assert_eq!(log.len(), 1);
    assert_eq!(log[0].state, DeliveryState::Delivered);
    assert_eq!(log[0].event_type, "StatementItem");
    let expected = json!({"type": "StatementItem",
                          "data": {"account": account, "statementItem": item}});
    assert_eq!(log[0].body, expected);
    let posts: Vec<_> = receiver
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].headers["content-type"], "application/json");
    assert_eq!(posts[0].body_json::<Value>().unwrap(), expected);
}

#[tokio::test]
async fn no_webhook_is_sent_when_none_is_set() {
    let mono = monobank().await;

    mono.handle
        .trigger(SandboxEvent::card_transaction(1_000, "Від: Дмитро С."))
        .unwrap();

    assert!(mono.handle.deliveries().is_empty());
}

#[tokio::test]
async fn failed_deliveries_are_retried_after_60_and_600_seconds_then_the_webhook_is_switched_off() {
    let mono = monobank().await;
    let receiver = receiver(500).await;
    assert_eq!(mono.set_webhook(&hook_url(&receiver)).await.status(), 200);
    let attempts = |n: usize| {
        move |log: &[bankkit_sandbox::Delivery]| log.first().is_some_and(|d| d.attempts.len() >= n)
    };

    mono.handle
        .trigger(SandboxEvent::card_transaction(-100, "Uklon"))
        .unwrap();
    let first = mono.handle.wait_for_delivery_log(attempts(1), WAIT).await;
    assert_eq!(first[0].state, DeliveryState::Failed);
    assert_eq!(first[0].attempts[0].status, Some(500));
    let started = first[0].attempts[0].at;
    assert_eq!(
        first[0].next_attempt_at,
        Some(started + TimeDelta::seconds(60))
    );

    mono.sandbox.advance(Duration::from_secs(60));
    let second = mono.handle.wait_for_delivery_log(attempts(2), WAIT).await;
    assert_eq!(second[0].attempts.len(), 2);
    assert_eq!(second[0].attempts[1].at, started + TimeDelta::seconds(60));
    assert_eq!(second[0].state, DeliveryState::Failed);

    mono.sandbox.advance(Duration::from_secs(600));
    let last = mono.handle.wait_for_deliveries(1, WAIT).await;

    assert_eq!(last[0].state, DeliveryState::GaveUp);
    assert_eq!(last[0].attempts.len(), 3);
    assert_eq!(last[0].attempts[2].at, started + TimeDelta::seconds(660));
    assert_eq!(last[0].next_attempt_at, None);
    let info = mono.get_json("/personal/client-info").await;
    assert_eq!(info["webHookUrl"], "");
}

#[tokio::test]
async fn an_unreachable_receiver_counts_as_a_failed_attempt() {
    let mono = monobank().await;
    let receiver = receiver(200).await;
    assert_eq!(mono.set_webhook(&hook_url(&receiver)).await.status(), 200);
    drop(receiver);

    mono.handle
        .trigger(SandboxEvent::card_transaction(-100, "Bolt"))
        .unwrap();
    let log = mono
        .handle
        .wait_for_delivery_log(
            |log| log.first().is_some_and(|d| !d.attempts.is_empty()),
            WAIT,
        )
        .await;

    assert_eq!(log[0].state, DeliveryState::Failed);
    assert_eq!(log[0].attempts[0].status, None);
    assert!(log[0].attempts[0].error.is_some());
}

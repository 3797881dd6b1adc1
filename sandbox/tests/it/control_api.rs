//! The `/__bankkit/` control API over HTTP.

use crate::common;

use std::time::Duration;

use bankkit_sandbox::{Delivery, DeliveryState, Fault, Ledger};
use chrono::{DateTime, Utc};
use common::{monobank, Monobank};
use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn control(mono: &Monobank, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = mono.http.request(method, mono.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    } else {
        request = request.header("content-type", "application/json");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn credentials_returns_the_seeded_token() {
    let mono = monobank().await;

    let (status, body) = control(&mono, "GET", "/__bankkit/credentials", None).await;

    assert_eq!(status, 200);
    let merchant_token = mono.handle.credentials()["merchant_token"].clone();
    assert_eq!(merchant_token.as_str().unwrap().len(), 44);
    let provider_key = mono.handle.credentials()["provider_key"].clone();
    let provider_key_id = mono.handle.credentials()["provider_key_id"].clone();
    assert!(provider_key
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
    assert_eq!(provider_key_id.as_str().unwrap().len(), 40);
    assert_eq!(
        body,
        json!({ "token": mono.token, "merchant_token": merchant_token,
                "provider_key": provider_key, "provider_key_id": provider_key_id })
    );
}

#[tokio::test]
async fn clock_advance_moves_the_shared_clock_and_lifts_rate_limits() {
    let mono = monobank().await;
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
    assert_eq!(mono.get("/personal/client-info").await.status(), 429);
    let (_, before) = control(&mono, "GET", "/__bankkit/clock", None).await;

    let (status, after) = control(
        &mono,
        "POST",
        "/__bankkit/clock/advance",
        Some(json!({"seconds": 60})),
    )
    .await;

    assert_eq!(status, 200);
    let parse = |v: &Value| v["now"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!((parse(&after) - parse(&before)).num_seconds(), 60);
    assert_eq!(parse(&after), mono.sandbox.now());
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
}

#[tokio::test]
async fn clock_advance_rejects_a_body_without_seconds() {
    let mono = monobank().await;

    let (status, body) = control(
        &mono,
        "POST",
        "/__bankkit/clock/advance",
        Some(json!({"minutes": 1})),
    )
    .await;

    assert_eq!(status, 400);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn clock_advance_past_the_year_9999_is_rejected_and_the_clock_stays() {
    let mono = monobank().await;
    let before = mono.sandbox.now();
    // About 8 000 years: fits in u64 and i64 seconds, but lands after 9999-12-31.
    let too_far = 8_000_u64 * 366 * 86_400;

    for seconds in [json!(too_far), json!(u64::MAX)] {
        let (status, body) = control(
            &mono,
            "POST",
            "/__bankkit/clock/advance",
            Some(json!({ "seconds": seconds })),
        )
        .await;

        assert_eq!(status, 400, "{seconds}");
        assert!(
            body["error"].as_str().unwrap().contains("9999-12-31"),
            "{body}"
        );
        assert_eq!(mono.sandbox.now(), before);
    }
    // An advance that stays within the calendar still works, and so do the routes after it.
    let (status, _) = control(
        &mono,
        "POST",
        "/__bankkit/clock/advance",
        Some(json!({"seconds": 7_000_u64 * 365 * 86_400})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
}

#[tokio::test]
async fn faults_are_injected_listed_and_cleared_over_http() {
    let mono = monobank().await;
    let fault = json!({"kind": "status", "status": 503, "times": 2, "path": "/bank/"});

    let (status, active) = control(&mono, "POST", "/__bankkit/faults", Some(fault)).await;
    assert_eq!(status, 200);
    let active: Vec<Fault> = serde_json::from_value(active).unwrap();
    assert_eq!(active, vec![Fault::status(503).times(2).path("/bank/")]);
    assert_eq!(mono.get("/bank/sync").await.status(), 503);

    let (status, _) = control(&mono, "DELETE", "/__bankkit/faults", None).await;
    assert_eq!(status, 200);
    let (_, listed) = control(&mono, "GET", "/__bankkit/faults", None).await;
    assert_eq!(listed, json!([]));
    assert_eq!(mono.get("/bank/sync").await.status(), 200);
}

#[tokio::test]
async fn an_invalid_fault_is_rejected_with_400() {
    let mono = monobank().await;

    let (unknown_kind, _) = control(
        &mono,
        "POST",
        "/__bankkit/faults",
        Some(json!({"kind": "explode"})),
    )
    .await;
    let (bad_status, _) = control(
        &mono,
        "POST",
        "/__bankkit/faults",
        Some(json!({"kind": "status", "status": 42})),
    )
    .await;

    assert_eq!(unknown_kind, 400);
    assert_eq!(bad_status, 400);
    assert!(mono.handle.faults().is_empty());
}

#[tokio::test]
async fn events_create_a_transaction_whose_webhook_shows_in_the_delivery_log() {
    let mono = monobank().await;
    let receiver = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    assert_eq!(mono.set_webhook(&receiver.uri()).await.status(), 200);
    let event = json!({"type": "card_transaction", "account_id": null,
                       "amount_minor": -4_200, "description": "Aroma Kava"});

    let (status, item) = control(&mono, "POST", "/__bankkit/events", Some(event)).await;
    assert_eq!(status, 200);
    assert_eq!(item["amount"], -4_200);
    assert_eq!(item["description"], "Aroma Kava");
    mono.handle
        .wait_for_deliveries(1, Duration::from_secs(20))
        .await;

    let (status, log) = control(&mono, "GET", "/__bankkit/webhooks", None).await;
    assert_eq!(status, 200);
    let log: Vec<Delivery> = serde_json::from_value(log).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].state, DeliveryState::Delivered);
    assert_eq!(log[0].provider, "monobank");
    assert_eq!(log[0].url, receiver.uri());
    assert_eq!(log[0].body["data"]["statementItem"], item);
    assert_eq!(log[0].attempts[0].status, Some(200));
}

#[tokio::test]
async fn a_custom_statement_item_event_sets_the_optional_fields() {
    let mono = monobank().await;
    let ledger = mono.handle.ledger();
    let jar = ledger
        .accounts
        .iter()
        .rev()
        .find(|account| account.kind == "jar")
        .unwrap()
        .id
        .clone();
    let event = json!({"type": "statement_item", "account_id": jar, "amount_minor": 10_000,
                       "description": "Поповнення", "comment": "на море", "mcc": 4829});

    let (status, item) = control(&mono, "POST", "/__bankkit/events", Some(event)).await;

    assert_eq!(status, 200);
    assert_eq!(item["comment"], "на море");
    assert_eq!(item["mcc"], 4829);
    assert!(item.get("receiptId").is_none());
}

#[tokio::test]
async fn unknown_events_and_accounts_are_rejected_with_400() {
    let mono = monobank().await;

    let (unknown_type, body) = control(
        &mono,
        "POST",
        "/__bankkit/events",
        Some(json!({"type": "invoice_paid"})),
    )
    .await;
    let (unknown_account, _) = control(
        &mono,
        "POST",
        "/__bankkit/events",
        Some(json!({"type": "card_transaction", "account_id": "nope", "amount_minor": 1})),
    )
    .await;

    assert_eq!(unknown_type, 400);
    assert!(body["error"].as_str().unwrap().contains("unsupported"));
    assert_eq!(unknown_account, 400);
}

#[tokio::test]
async fn the_ledger_lists_cards_fop_and_jars_with_their_transactions() {
    let mono = monobank().await;

    let (status, ledger) = control(&mono, "GET", "/__bankkit/ledger", None).await;

    assert_eq!(status, 200);
    let ledger: Ledger = serde_json::from_value(ledger).unwrap();
    assert_eq!(ledger, mono.handle.ledger());
    let kinds: Vec<&str> = ledger.accounts.iter().map(|a| a.kind.as_str()).collect();
    assert!(kinds.contains(&"card") && kinds.contains(&"fop") && kinds.contains(&"jar"));
    assert_eq!(ledger.accounts[0].currency, "UAH");
    assert!(ledger.accounts.iter().any(|a| a.currency == "USD"));
    assert!(ledger.accounts[0].transactions.len() > 1_300);
}

#[tokio::test]
async fn reset_restores_the_seed_and_clears_faults_and_the_delivery_log() {
    let mono = monobank().await;
    let seeded = mono.handle.ledger();
    let receiver = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    assert_eq!(mono.set_webhook(&receiver.uri()).await.status(), 200);
    let (event_status, item) = control(
        &mono,
        "POST",
        "/__bankkit/events",
        Some(json!({"type": "card_transaction", "amount_minor": -1})),
    )
    .await;
    mono.handle
        .inject(Fault::status(500).path("/bank/currency"));
    // Everything reset must clear is really there first.
    assert_eq!(event_status, 200, "{item}");
    assert_eq!(item["amount"], -1);
    let changed = mono.handle.ledger();
    assert_ne!(changed, seeded);
    assert_eq!(
        changed.accounts[0].balance_minor,
        seeded.accounts[0].balance_minor - 1
    );
    let log = mono
        .handle
        .wait_for_deliveries(1, Duration::from_secs(20))
        .await;
    assert_eq!(log.len(), 1);
    assert_eq!(mono.handle.faults().len(), 1);

    let (status, body) = control(&mono, "POST", "/__bankkit/reset", None).await;

    assert_eq!(status, 200);
    assert_eq!(body, json!({}));
    assert_eq!(mono.handle.ledger(), seeded);
    assert!(mono.handle.faults().is_empty());
    assert!(mono.handle.deliveries().is_empty());
    let (_, log) = control(&mono, "GET", "/__bankkit/webhooks", None).await;
    assert_eq!(log, json!([]));
    assert_eq!(mono.get("/bank/currency").await.status(), 200);
}

#[tokio::test]
async fn control_routes_ignore_injected_faults() {
    let mono = monobank().await;
    mono.handle.inject(Fault::drop_connection().times(10));

    let (status, _) = control(&mono, "GET", "/__bankkit/clock", None).await;

    assert_eq!(status, 200);
    assert_eq!(mono.handle.faults()[0].times, 10);
}

#[tokio::test]
async fn an_unknown_control_path_is_404() {
    let mono = monobank().await;

    let (status, body) = control(&mono, "GET", "/__bankkit/nothing", None).await;

    assert_eq!(status, 404);
    assert!(body["error"].is_string());
}

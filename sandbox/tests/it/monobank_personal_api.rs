//! The Monobank personal API: auth, rate limits, client info, currency and sync.

use crate::common;

use std::time::Duration;

use common::{content_type, error_description, monobank};
use serde_json::Value;

#[tokio::test]
async fn currency_rates_come_in_both_shapes_without_a_token() {
    let mono = monobank().await;

    let response = mono
        .http
        .get(mono.url("/bank/currency"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/json");
    let rates: Vec<Value> = response.json().await.unwrap();
    let usd = rates
        .iter()
        .find(|r| r["currencyCodeA"] == 840 && r["currencyCodeB"] == 980)
        .unwrap();
    assert!(usd["rateBuy"].is_f64() && usd["rateSell"].is_f64());
    assert!(usd.get("rateCross").is_none());
    let cross = rates.iter().find(|r| r.get("rateCross").is_some()).unwrap();
    assert!(cross.get("rateBuy").is_none() && cross["date"].is_i64());
}

#[tokio::test]
async fn sync_reports_the_server_key_and_the_sandbox_clock_in_milliseconds() {
    let mono = monobank().await;

    let sync: Value = mono
        .http
        .get(mono.url("/bank/sync"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(sync["serverTimeMsec"], mono.now() * 1000);
    assert_eq!(sync["serverKeyId"].as_str().unwrap().len(), 40);
    // Base64 of a 65-byte uncompressed point: 0x04, X, Y.
    use base64::Engine as _;
    let point = base64::engine::general_purpose::STANDARD
        .decode(sync["serverPubKey"].as_str().unwrap())
        .unwrap();
    assert_eq!((point.len(), point[0]), (65, 4));
}

#[tokio::test]
async fn a_missing_token_is_401_naming_the_required_headers() {
    let mono = monobank().await;

    let response = mono
        .http
        .get(mono.url("/personal/client-info"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(
        error_description(response).await,
        "Missing one of required headers 'X-Token' or 'X-Key-Id'"
    );
}

#[tokio::test]
async fn an_unknown_token_is_403_unknown_x_token() {
    let mono = monobank().await;

    let response = mono
        .http
        .get(mono.url("/personal/statement/0/1790000000"))
        .header("X-Token", "x".repeat(44))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert_eq!(error_description(response).await, "Unknown 'X-Token'");
}

#[tokio::test]
async fn the_token_has_44_characters() {
    let mono = monobank().await;
    assert_eq!(mono.token.len(), 44);
}

#[tokio::test]
async fn client_info_lists_the_seeded_cards_fop_account_and_jars() {
    let mono = monobank().await;

    let info = mono.get_json("/personal/client-info").await;

    assert_eq!(info["permissions"], "psfj");
    assert_eq!(info["webHookUrl"], "");
    assert!(!info["clientId"].as_str().unwrap().is_empty());
    let accounts = info["accounts"].as_array().unwrap();
    let black = &accounts[0];
    assert_eq!(black["type"], "black");
    assert_eq!(black["currencyCode"], 980);
    assert!(black["maskedPan"][0].as_str().unwrap().contains("******"));
    assert!(black["iban"].as_str().unwrap().starts_with("UA"));
    assert!(accounts
        .iter()
        .any(|a| a["type"] == "white" && a["currencyCode"] == 840));
    assert!(accounts.iter().any(|a| a["type"] == "fop"));
    let jars = info["jars"].as_array().unwrap();
    assert!(jars.len() >= 2);
    assert!(jars.iter().all(|j| j["goal"].as_i64().unwrap() > 0));
    let ledger = mono.handle.ledger();
    for account in accounts.iter().chain(jars) {
        let id = account["id"].as_str().unwrap();
        assert_eq!(
            account["balance"].as_i64().unwrap(),
            ledger.account(id).unwrap().balance_minor
        );
    }
}

#[tokio::test]
async fn client_info_answers_once_per_minute_until_the_clock_moves_on() {
    let mono = monobank().await;
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);

    let limited = mono.get("/personal/client-info").await;
    assert_eq!(limited.status(), 429);
    assert_eq!(error_description(limited).await, "Too many requests");

    mono.sandbox.advance(Duration::from_secs(59));
    assert_eq!(mono.get("/personal/client-info").await.status(), 429);

    mono.sandbox.advance(Duration::from_secs(1));
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
}

#[tokio::test]
async fn client_info_and_statement_have_separate_budgets() {
    let mono = monobank().await;
    let from = mono.now() - 86_400;

    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
    let statement = mono.get(&format!("/personal/statement/0/{from}")).await;

    assert_eq!(statement.status(), 200);
    assert_eq!(
        mono.get(&format!("/personal/statement/0/{from}"))
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn rejected_requests_do_not_spend_the_budget() {
    let mono = monobank().await;
    let from = mono.now() - 86_400;

    let unauthorized = mono
        .http
        .get(mono.url("/personal/client-info"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
    let invalid = mono.get(&format!("/personal/statement/nope/{from}")).await;
    assert_eq!(invalid.status(), 400);

    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
    assert_eq!(
        mono.get(&format!("/personal/statement/0/{from}"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn unknown_paths_answer_404_with_a_json_error() {
    let mono = monobank().await;

    let response = mono.get("/personal/nothing-here").await;

    assert_eq!(response.status(), 404);
    assert_eq!(error_description(response).await, "Not found");
}

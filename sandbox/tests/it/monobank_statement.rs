//! Monobank statements: windows, the 500-item cap, paging, routes and item fields.

use crate::common;

use std::collections::BTreeSet;

use bankkit_sandbox::SandboxEvent;
use common::{error_description, monobank, Monobank};
use serde_json::Value;

const DAY: i64 = 86_400;

/// Ids of the default card's ledger transactions with `from <= time <= to`, newest first.
fn ledger_ids(mono: &Monobank, from: i64, to: i64) -> Vec<String> {
    let ledger = mono.handle.ledger();
    let mut items: Vec<_> = ledger.accounts[0]
        .transactions
        .iter()
        .filter(|t| (from..=to).contains(&t.time.timestamp()))
        .collect();
    items.sort_by_key(|t| std::cmp::Reverse(t.time));
    items.into_iter().map(|t| t.id.clone()).collect()
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_period_longer_than_31_days_and_an_hour_is_rejected() {
    let mono = monobank().await;
    let to = mono.now();

    let too_long = mono
        .get(&format!("/personal/statement/0/{}/{to}", to - 2_682_001))
        .await;
    assert_eq!(too_long.status(), 400);
    assert_eq!(
        error_description(too_long).await,
        "Period must be no more than 31 days"
    );

    let longest = mono
        .get(&format!("/personal/statement/0/{}/{to}", to - 2_682_000))
        .await;
    assert_eq!(longest.status(), 200);
}

#[tokio::test]
async fn an_open_ended_period_is_measured_up_to_now() {
    let mono = monobank().await;

    let response = mono
        .get(&format!("/personal/statement/0/{}", mono.now() - 2_682_001))
        .await;

    assert_eq!(response.status(), 400);
    assert_eq!(
        error_description(response).await,
        "Period must be no more than 31 days"
    );
    let longest = mono
        .get(&format!("/personal/statement/0/{}", mono.now() - 2_682_000))
        .await;
    assert_eq!(longest.status(), 200);
}

#[tokio::test]
async fn an_unknown_account_is_rejected_as_invalid_account() {
    let mono = monobank().await;

    let response = mono
        .get(&format!(
            "/personal/statement/notAnAccount/{}",
            mono.now() - DAY
        ))
        .await;

    assert_eq!(response.status(), 400);
    assert_eq!(error_description(response).await, "invalid account");
}

#[tokio::test]
async fn a_non_numeric_time_is_rejected_with_400() {
    let mono = monobank().await;

    let response = mono.get("/personal/statement/0/yesterday").await;

    assert_eq!(response.status(), 400);
    assert!(!error_description(response).await.is_empty());
}

#[tokio::test]
async fn a_busy_window_returns_its_newest_500_items_newest_first() {
    let mono = monobank().await;
    let to = mono.now() - 29 * DAY;
    let from = to - 31 * DAY;
    let expected = ledger_ids(&mono, from, to);
    assert!(expected.len() > 1_000, "{}", expected.len());

    let items: Vec<Value> = serde_json::from_value(
        mono.get_json(&format!("/personal/statement/0/{from}/{to}"))
            .await,
    )
    .unwrap();

    assert_eq!(items.len(), 500);
    assert_eq!(ids(&items), expected[..500]);
    assert!(items
        .windows(2)
        .all(|w| w[0]["time"].as_i64() > w[1]["time"].as_i64()));
}

#[tokio::test]
async fn paging_by_moving_to_to_the_last_items_time_returns_the_rest_without_a_gap() {
    let mono = monobank().await;
    let to = mono.now() - 29 * DAY;
    let from = to - 31 * DAY;
    let expected: BTreeSet<String> = ledger_ids(&mono, from, to).into_iter().collect();

    let mut seen = BTreeSet::new();
    let mut page_to = to;
    let mut pages = 0;
    loop {
        let items: Vec<Value> = serde_json::from_value(
            mono.get_json(&format!("/personal/statement/0/{from}/{page_to}"))
                .await,
        )
        .unwrap();
        pages += 1;
        seen.extend(ids(&items));
        if items.len() < 500 {
            break;
        }
        page_to = items.last().unwrap()["time"].as_i64().unwrap();
        mono.next_minute();
    }

    assert!(pages >= 3, "{pages} pages");
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn the_open_ended_route_and_a_trailing_slash_are_accepted() {
    let mono = monobank().await;
    let from = mono.now() - 10 * DAY;

    let open: Vec<Value> = serde_json::from_value(
        mono.get_json(&format!("/personal/statement/0/{from}/"))
            .await,
    )
    .unwrap();
    mono.next_minute();
    let closed: Vec<Value> = serde_json::from_value(
        mono.get_json(&format!(
            "/personal/statement/0/{from}/{}/",
            mono.now() - 60
        ))
        .await,
    )
    .unwrap();

    assert!(!open.is_empty());
    assert_eq!(ids(&open), ids(&closed));
    assert_eq!(ids(&open), ledger_ids(&mono, from, mono.now()));
}

#[tokio::test]
async fn jar_and_account_ids_are_accepted_as_statement_accounts() {
    let mono = monobank().await;
    let ledger = mono.handle.ledger();
    let jar = ledger.accounts.iter().find(|a| a.kind == "jar").unwrap();
    let from = mono.now() - 31 * DAY;

    let items: Vec<Value> = serde_json::from_value(
        mono.get_json(&format!("/personal/statement/{}/{from}", jar.id))
            .await,
    )
    .unwrap();

    let expected = jar
        .transactions
        .iter()
        .filter(|t| t.time.timestamp() >= from)
        .count();
    assert_eq!(items.len(), expected);
    assert!(items.iter().all(|i| i["amount"].as_i64().unwrap() > 0));
}

#[tokio::test]
async fn statement_items_have_every_field_no_nulls_and_consistent_balances() {
    let mono = monobank().await;
    let from = mono.now() - 31 * DAY;

    let items: Vec<Value> = serde_json::from_value(
        mono.get_json(&format!("/personal/statement/0/{from}"))
            .await,
    )
    .unwrap();

    let required = [
        "id",
        "time",
        "description",
        "mcc",
        "originalMcc",
        "hold",
        "amount",
        "operationAmount",
        "currencyCode",
        "commissionRate",
        "cashbackAmount",
        "balance",
    ];
    for item in &items {
        let object = item.as_object().unwrap();
        for field in required {
            assert!(object.contains_key(field), "{field} missing in {item}");
        }
        assert!(object.values().all(|v| !v.is_null()), "null in {item}");
    }
    for pair in items.windows(2) {
        let (newer, older) = (&pair[0], &pair[1]);
        assert_eq!(
            newer["balance"].as_i64().unwrap() - newer["amount"].as_i64().unwrap(),
            older["balance"].as_i64().unwrap()
        );
    }
    let balance = mono.handle.ledger().accounts[0].balance_minor;
    assert_eq!(items[0]["balance"].as_i64().unwrap(), balance);
    assert!(items.iter().any(|i| i.get("comment").is_some()));
    assert!(items.iter().any(|i| i.get("comment").is_none()));
}

#[tokio::test]
async fn a_card_transaction_event_appears_in_the_statement_and_moves_the_balance() {
    let mono = monobank().await;
    let before = mono.handle.ledger().accounts[0].balance_minor;

    let created = mono
        .handle
        .trigger(SandboxEvent::card_transaction(-12_345, "Сільпо"))
        .unwrap();

    assert_eq!(created["amount"], -12_345);
    assert_eq!(created["balance"], before - 12_345);
    assert_eq!(created["time"], mono.now());
    let items: Vec<Value> = serde_json::from_value(
        mono.get_json(&format!("/personal/statement/0/{}", mono.now() - 60))
            .await,
    )
    .unwrap();
    assert_eq!(items[0], created);
}

#[tokio::test]
async fn reset_restores_the_seeded_state() {
    let mono = monobank().await;
    let seeded = mono.handle.ledger();
    mono.handle
        .trigger(SandboxEvent::card_transaction(5_000, "Від: Ірина М."))
        .unwrap();
    assert_ne!(mono.handle.ledger(), seeded);
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);

    mono.sandbox.reset();

    assert_eq!(mono.handle.ledger(), seeded);
    assert_eq!(mono.get("/personal/client-info").await.status(), 200);
}

//! Monzo transactions: paging by `since`, limits, order, merchant expansion, annotation and the
//! 5-minute / 90-day SCA window.

use crate::monzo_common;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use monzo_common::{error, monzo, Monzo};
use serde_json::Value;

const TRANSACTION_KEYS: &[&str] = &[
    "account_id",
    "amount",
    "amount_is_pending",
    "atm_fees_detailed",
    "attachments",
    "can_add_to_tab",
    "can_be_excluded_from_breakdown",
    "can_be_made_subscription",
    "can_match_transactions_in_categorization",
    "can_split_the_bill",
    "categories",
    "category",
    "counterparty",
    "created",
    "currency",
    "dedupe_id",
    "description",
    "fees",
    "include_in_spending",
    "international",
    "is_load",
    "labels",
    "local_amount",
    "local_currency",
    "merchant",
    "metadata",
    "notes",
    "originator",
    "scheme",
    "settled",
    "id",
    "updated",
    "user_id",
];

fn days_ago(mz: &Monzo, days: i64) -> String {
    (mz.sandbox.now() - TimeDelta::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn list(mz: &Monzo, query: &str) -> Vec<Value> {
    let body = mz
        .get_json(&format!(
            "/transactions?account_id={}&{query}",
            mz.main_account()
        ))
        .await;
    body["transactions"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_list_is_oldest_first_30_by_default_with_every_key() {
    let mz = monzo().await;

    let transactions = list(&mz, "").await;

    assert_eq!(transactions.len(), 30);
    let times: Vec<&str> = transactions
        .iter()
        .map(|t| t["created"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    for transaction in &transactions {
        for key in TRANSACTION_KEYS {
            assert!(
                transaction.get(key).is_some(),
                "{key} missing in {transaction}"
            );
        }
        assert!(transaction["amount"].is_i64());
    }
    let ledger = mz.handle.ledger();
    let first_in_ledger = &ledger.account(&mz.main_account()).unwrap().transactions[0];
    assert_eq!(transactions[0]["id"], first_in_ledger.id);
}

#[tokio::test]
async fn paging_by_since_id_walks_the_last_90_days_without_gaps_or_repeats() {
    let mz = monzo().await;
    let since = days_ago(&mz, 90);
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0;

    let mut query = format!("since={since}&limit=100");
    loop {
        let page = list(&mz, &query).await;
        pages += 1;
        assert!(page.len() <= 100);
        seen.extend(page.iter().map(|t| t["id"].as_str().unwrap().to_owned()));
        if page.len() < 100 {
            break;
        }
        query = format!(
            "since={}&limit=100",
            page.last().unwrap()["id"].as_str().unwrap()
        );
    }

    assert!(
        pages >= 2,
        "the last 90 days should need more than one page"
    );
    let ledger = mz.handle.ledger();
    let cutoff = mz.sandbox.now() - TimeDelta::days(90);
    let expected: Vec<String> = ledger
        .account(&mz.main_account())
        .unwrap()
        .transactions
        .iter()
        .filter(|t| t.time >= cutoff)
        .map(|t| t.id.clone())
        .collect();
    assert!(expected.len() > 100);
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn since_a_transaction_id_excludes_that_transaction() {
    let mz = monzo().await;
    let first = list(&mz, "limit=3").await;

    let after = list(
        &mz,
        &format!("since={}&limit=2", first[0]["id"].as_str().unwrap()),
    )
    .await;

    assert_eq!(after.len(), 2);
    assert_eq!(after[0]["id"], first[1]["id"]);
    assert_eq!(after[1]["id"], first[2]["id"]);
}

#[tokio::test]
async fn before_is_an_exclusive_upper_bound() {
    let mz = monzo().await;
    let before = days_ago(&mz, 30);

    let transactions = list(
        &mz,
        &format!("since={}&before={before}&limit=100", days_ago(&mz, 32)),
    )
    .await;

    assert!(!transactions.is_empty());
    assert!(transactions
        .iter()
        .all(|t| t["created"].as_str().unwrap() < before.as_str()));

    // At an existing transaction's own `created`, that transaction is left out; 1 ms later it
    // is the last one in.
    let since = days_ago(&mz, 32);
    let window = list(&mz, &format!("since={since}&limit=10")).await;
    let target = &window[5];
    let created = target["created"].as_str().unwrap();
    assert!(
        window
            .iter()
            .filter(|t| t["created"].as_str() == Some(created))
            .count()
            == 1,
        "the chosen time is one transaction's"
    );
    let ids = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let at_created = list(&mz, &format!("since={since}&before={created}&limit=100")).await;
    let just_after = (created.parse::<DateTime<Utc>>().unwrap() + TimeDelta::milliseconds(1))
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let after_created = list(&mz, &format!("since={since}&before={just_after}&limit=100")).await;

    assert_eq!(ids(&at_created), ids(&window[..5]));
    assert!(!ids(&at_created).contains(&target["id"].as_str().unwrap().to_owned()));
    assert_eq!(ids(&after_created), ids(&window[..6]));
    assert_eq!(after_created.last().unwrap()["id"], target["id"]);
}

#[tokio::test]
async fn a_limit_above_100_is_a_bad_param() {
    let mz = monzo().await;

    let response = mz
        .get(&format!(
            "/transactions?account_id={}&limit=101",
            mz.main_account()
        ))
        .await;

    let (status, code, _) = error(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.bad_param.limit")
    );
    assert_eq!(list(&mz, "limit=100").await.len(), 100);
}

#[tokio::test]
async fn listing_needs_an_account_id() {
    let mz = monzo().await;

    let (status, code, _) = error(mz.get("/transactions").await).await;

    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.missing_param.account_id")
    );
}

#[tokio::test]
async fn expand_with_or_without_brackets_gives_merchant_objects() {
    let mz = monzo().await;
    let since = days_ago(&mz, 10);

    let plain = list(&mz, &format!("since={since}&limit=50")).await;
    let bracketed = list(&mz, &format!("since={since}&limit=50&expand[]=merchant")).await;
    let bare = list(&mz, &format!("since={since}&limit=50&expand=merchant")).await;

    let index = plain
        .iter()
        .position(|t| t["merchant"].is_string())
        .unwrap();
    let merchant_id = &plain[index]["merchant"];
    for expanded in [&bracketed[index], &bare[index]] {
        let merchant = &expanded["merchant"];
        assert_eq!(&merchant["id"], merchant_id);
        for key in [
            "group_id", "name", "logo", "emoji", "category", "created", "address",
        ] {
            assert!(merchant.get(key).is_some(), "{key} missing in {merchant}");
        }
        for key in [
            "address",
            "city",
            "country",
            "latitude",
            "longitude",
            "postcode",
            "region",
        ] {
            assert!(
                merchant["address"].get(key).is_some(),
                "address.{key} missing"
            );
        }
    }
}

#[tokio::test]
async fn a_single_transaction_expands_its_merchant_on_request() {
    let mz = monzo().await;
    let with_merchant = list(&mz, &format!("since={}", days_ago(&mz, 10)))
        .await
        .into_iter()
        .find(|t| t["merchant"].is_string())
        .unwrap();
    let id = with_merchant["id"].as_str().unwrap();

    let plain = mz.get_json(&format!("/transactions/{id}")).await;
    let expanded = mz
        .get_json(&format!("/transactions/{id}?expand%5B%5D=merchant"))
        .await;

    assert_eq!(plain["transaction"], with_merchant);
    assert_eq!(
        expanded["transaction"]["merchant"]["id"],
        with_merchant["merchant"]
    );
    let (status, code, _) = error(mz.get("/transactions/tx_nope").await).await;
    assert_eq!(
        (status, code.as_str()),
        (404, "not_found.transaction_not_found")
    );
}

#[tokio::test]
async fn the_seed_has_unsettled_declined_top_up_and_pot_transactions() {
    let mz = monzo().await;
    let mut all = Vec::new();
    let mut query = format!("since={}&limit=100", days_ago(&mz, 60));
    loop {
        let page = list(&mz, &query).await;
        all.extend(page.clone());
        if page.len() < 100 {
            break;
        }
        query = format!(
            "since={}&limit=100",
            page.last().unwrap()["id"].as_str().unwrap()
        );
    }

    assert!(all.iter().any(|t| t["settled"] == ""));
    let declined: Vec<&Value> = all
        .iter()
        .filter(|t| t.get("decline_reason").is_some())
        .collect();
    assert_eq!(declined.len(), 1);
    assert_eq!(declined[0]["decline_reason"], "INSUFFICIENT_FUNDS");
    assert!(all
        .iter()
        .any(|t| t["is_load"] == true && t["category"] == "mondo"));
    assert!(all.iter().any(|t| t["scheme"] == "uk_retail_pot"));
    assert!(all
        .iter()
        .any(|t| t["counterparty"]["sort_code"].is_string()));
}

#[tokio::test]
async fn annotating_sets_and_deletes_metadata_and_notes() {
    let mz = monzo().await;
    let id = list(&mz, "limit=1").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/transactions/{id}");

    let set: Value = mz
        .send_form(
            "PATCH",
            &path,
            &[
                ("metadata[notes]", "Lunch with Sam"),
                ("metadata[project]", "x1"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let deleted: Value = mz
        .send_form("PATCH", &path, &[("metadata[project]", "")])
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(set["transaction"]["notes"], "Lunch with Sam");
    assert_eq!(set["transaction"]["metadata"]["project"], "x1");
    assert!(deleted["transaction"]["metadata"].get("project").is_none());
    assert_eq!(deleted["transaction"]["notes"], "Lunch with Sam");
    let read = mz.get_json(&path).await;
    assert_eq!(read["transaction"]["notes"], "Lunch with Sam");
}

#[tokio::test]
async fn full_history_is_readable_for_five_minutes_after_approval_then_only_90_days() {
    let mz = monzo().await;
    let account = mz.main_account();
    assert_eq!(
        list(&mz, &format!("since={}", days_ago(&mz, 140)))
            .await
            .len(),
        30
    );

    mz.advance(301);

    let old = mz
        .get(&format!(
            "/transactions?account_id={account}&since={}",
            days_ago(&mz, 91)
        ))
        .await;
    let (status, code, _) = error(old).await;
    assert_eq!(
        (status, code.as_str()),
        (403, "forbidden.verification_required")
    );
    let (status, code, _) =
        error(mz.get(&format!("/transactions?account_id={account}")).await).await;
    assert_eq!(
        (status, code.as_str()),
        (403, "forbidden.verification_required")
    );
    assert!(!list(&mz, &format!("since={}", days_ago(&mz, 89)))
        .await
        .is_empty());
}

#[tokio::test]
async fn since_an_old_transaction_id_is_forbidden_after_the_window() {
    let mz = monzo().await;
    let oldest = list(&mz, "limit=1").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    mz.advance(301);

    let response = mz
        .get(&format!(
            "/transactions?account_id={}&since={oldest}",
            mz.main_account()
        ))
        .await;

    let (status, code, _) = error(response).await;
    assert_eq!(
        (status, code.as_str()),
        (403, "forbidden.verification_required")
    );
}

#[tokio::test]
async fn a_new_login_reopens_the_full_history_window() {
    let mz = monzo().await;
    mz.advance(3_600);
    let tokens = mz.login().await;
    let token = tokens["access_token"].as_str().unwrap();

    let response = mz
        .get_with(
            &format!("/transactions?account_id={}", mz.main_account()),
            token,
        )
        .await;

    assert_eq!(response.status(), 200);
}

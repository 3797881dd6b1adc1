//! Monzo accounts, balance and pots: full objects, consistent balances, pot moves deduplicated
//! by `dedupe_id`, and a ledger that matches the API.

use crate::monzo_common;

use bankkit_sandbox::SandboxEvent;
use monzo_common::{error, monzo};
use serde_json::{json, Value};

fn keys_present(object: &Value, keys: &[&str]) {
    for key in keys {
        assert!(object.get(key).is_some(), "{key} missing in {object}");
    }
}

#[tokio::test]
async fn accounts_are_full_objects_and_filter_by_account_type() {
    let mz = monzo().await;

    let all = mz.get_json("/accounts").await;
    let retail = mz.get_json("/accounts?account_type=uk_retail").await;
    let joint = mz.get_json("/accounts?account_type=uk_retail_joint").await;

    let all = all["accounts"].as_array().unwrap();
    assert_eq!(all.len(), 3);
    for account in all {
        keys_present(
            account,
            &[
                "id",
                "description",
                "created",
                "closed",
                "type",
                "currency",
                "country_code",
                "owners",
                "owner_type",
                "product_type",
                "legal_entity",
                "country_code_alpha3",
            ],
        );
    }
    assert!(all.iter().any(|a| a["closed"] == true));
    let retail = retail["accounts"].as_array().unwrap();
    assert_eq!(retail.len(), 1);
    assert_eq!(retail[0]["type"], "uk_retail");
    assert_eq!(retail[0]["description"], mz.credential("user_id"));
    keys_present(
        &retail[0],
        &["account_number", "sort_code", "payment_details"],
    );
    assert_eq!(
        retail[0]["payment_details"]["locale_uk"]["account_number"],
        retail[0]["account_number"]
    );
    let joint = joint["accounts"].as_array().unwrap();
    assert_eq!(joint.len(), 1);
    assert_eq!(joint[0]["owners"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_balance_excludes_pots_and_the_total_includes_them() {
    let mz = monzo().await;
    let account = mz.main_account();

    let balance = mz.get_json(&format!("/balance?account_id={account}")).await;
    let pots = mz
        .get_json(&format!("/pots?current_account_id={account}"))
        .await;

    keys_present(
        &balance,
        &[
            "balance",
            "total_balance",
            "currency",
            "spend_today",
            "balance_including_flexible_savings",
            "local_currency",
            "local_exchange_rate",
            "local_spend",
        ],
    );
    let pot_total: i64 = pots["pots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["balance"].as_i64().unwrap())
        .sum();
    assert!(pot_total > 0);
    assert_eq!(
        balance["total_balance"].as_i64().unwrap(),
        balance["balance"].as_i64().unwrap() + pot_total
    );
    assert_eq!(balance["currency"], "GBP");
    assert!(balance["spend_today"].as_i64().unwrap() < 0);
}

#[tokio::test]
async fn spend_today_is_the_sum_of_todays_spending() {
    let mz = monzo().await;
    let account = mz.main_account();
    let before = mz.get_json(&format!("/balance?account_id={account}")).await;

    mz.handle
        .trigger(bankkit_sandbox::SandboxEvent::card_transaction(
            -1_234,
            "Pret A Manger",
        ))
        .unwrap();

    let after = mz.get_json(&format!("/balance?account_id={account}")).await;
    assert_eq!(
        after["spend_today"].as_i64().unwrap(),
        before["spend_today"].as_i64().unwrap() - 1_234
    );
    assert_eq!(
        after["balance"].as_i64().unwrap(),
        before["balance"].as_i64().unwrap() - 1_234
    );
}

#[tokio::test]
async fn pots_carry_every_key_and_one_is_locked() {
    let mz = monzo().await;

    let pots = mz
        .get_json(&format!("/pots?current_account_id={}", mz.main_account()))
        .await;

    let pots = pots["pots"].as_array().unwrap();
    assert_eq!(pots.len(), 3);
    for pot in pots {
        keys_present(
            pot,
            &[
                "id",
                "name",
                "style",
                "balance",
                "currency",
                "created",
                "updated",
                "deleted",
                "goal_amount",
                "type",
                "product_id",
                "current_account_id",
                "cover_image_url",
                "isa_wrapper",
                "round_up",
                "round_up_multiplier",
                "is_tax_pot",
                "locked",
                "charity_id",
                "available_for_bills",
            ],
        );
    }
    assert_eq!(pots.iter().filter(|p| p["locked"] == true).count(), 1);
    assert!(pots.iter().any(|p| p["locked_until"].is_string()));
}

#[tokio::test]
async fn pots_of_an_unknown_account_are_a_bad_param() {
    let mz = monzo().await;

    let (status, code, _) = error(mz.get("/pots?current_account_id=acc_nope").await).await;
    let (missing_status, missing_code, _) = error(mz.get("/pots").await).await;

    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.bad_param.current_account_id")
    );
    assert_eq!(
        (missing_status, missing_code.as_str()),
        (400, "bad_request.missing_param.current_account_id")
    );
}

async fn first_pot(mz: &monzo_common::Monzo) -> Value {
    let pots = mz
        .get_json(&format!("/pots?current_account_id={}", mz.main_account()))
        .await;
    pots["pots"][0].clone()
}

async fn balance_of(mz: &monzo_common::Monzo, account: &str) -> i64 {
    mz.get_json(&format!("/balance?account_id={account}")).await["balance"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_deposit_moves_money_once_per_dedupe_id() {
    let mz = monzo().await;
    let account = mz.main_account();
    let pot = first_pot(&mz).await;
    let pot_id = pot["id"].as_str().unwrap();
    let before = balance_of(&mz, &account).await;
    let form = [
        ("source_account_id", account.as_str()),
        ("amount", "2500"),
        ("dedupe_id", "d-1"),
    ];

    let first = mz
        .send_form("PUT", &format!("/pots/{pot_id}/deposit"), &form)
        .await;
    let first: Value = first.json().await.unwrap();
    let again: Value = mz
        .send_form("PUT", &format!("/pots/{pot_id}/deposit"), &form)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(
        first["balance"].as_i64().unwrap(),
        pot["balance"].as_i64().unwrap() + 2_500
    );
    assert_eq!(again, first);
    assert_eq!(balance_of(&mz, &account).await, before - 2_500);
    let ledger = mz.handle.ledger();
    assert_eq!(
        ledger.account(pot_id).unwrap().balance_minor,
        first["balance"].as_i64().unwrap()
    );
    let last = ledger
        .account(&account)
        .unwrap()
        .transactions
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last.amount_minor, last.description.as_str()),
        (-2_500, pot_id)
    );
}

#[tokio::test]
async fn a_withdrawal_moves_money_back_to_the_account() {
    let mz = monzo().await;
    let account = mz.main_account();
    let pot = first_pot(&mz).await;
    let pot_id = pot["id"].as_str().unwrap();
    let before = balance_of(&mz, &account).await;

    let response = mz
        .send_form(
            "PUT",
            &format!("/pots/{pot_id}/withdraw"),
            &[
                ("destination_account_id", account.as_str()),
                ("amount", "1000"),
                ("dedupe_id", "w-1"),
            ],
        )
        .await;

    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        updated["balance"].as_i64().unwrap(),
        pot["balance"].as_i64().unwrap() - 1_000
    );
    assert_eq!(balance_of(&mz, &account).await, before + 1_000);
}

#[tokio::test]
async fn withdrawing_more_than_the_pot_holds_is_insufficient_funds() {
    let mz = monzo().await;
    let account = mz.main_account();
    let pot = first_pot(&mz).await;
    let too_much = (pot["balance"].as_i64().unwrap() + 1).to_string();

    let response = mz
        .send_form(
            "PUT",
            &format!("/pots/{}/withdraw", pot["id"].as_str().unwrap()),
            &[
                ("destination_account_id", account.as_str()),
                ("amount", &too_much),
                ("dedupe_id", "w-2"),
            ],
        )
        .await;

    let (status, code, _) = error(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.insufficient_funds")
    );
    assert_eq!(first_pot(&mz).await["balance"], pot["balance"]);
}

#[tokio::test]
async fn a_locked_pot_cannot_be_withdrawn_from() {
    let mz = monzo().await;
    let account = mz.main_account();
    let pots = mz
        .get_json(&format!("/pots?current_account_id={account}"))
        .await;
    let locked = pots["pots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["locked"] == true)
        .unwrap()
        .clone();

    let response = mz
        .send_form(
            "PUT",
            &format!("/pots/{}/withdraw", locked["id"].as_str().unwrap()),
            &[
                ("destination_account_id", account.as_str()),
                ("amount", "100"),
                ("dedupe_id", "w-3"),
            ],
        )
        .await;

    let (status, code, _) = error(response).await;
    assert_eq!((status, code.as_str()), (403, "forbidden.pot_locked"));
}

#[tokio::test]
async fn a_pot_move_needs_every_field() {
    let mz = monzo().await;
    let pot = first_pot(&mz).await;
    let account = mz.main_account();

    let response = mz
        .send_form(
            "PUT",
            &format!("/pots/{}/deposit", pot["id"].as_str().unwrap()),
            &[("source_account_id", account.as_str()), ("amount", "100")],
        )
        .await;

    let (status, code, _) = error(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.missing_param.dedupe_id")
    );
}

#[tokio::test]
async fn the_ledger_lists_the_accounts_and_pots_a_client_lists_with_their_balances() {
    let mz = monzo().await;
    let ledger = mz.handle.ledger();

    let accounts = mz.get_json("/accounts").await;
    let mut listed: Vec<(String, i64)> = Vec::new();
    for account in accounts["accounts"].as_array().unwrap() {
        let id = account["id"].as_str().unwrap();
        let balance = mz.get_json(&format!("/balance?account_id={id}")).await;
        listed.push((id.to_owned(), balance["balance"].as_i64().unwrap()));
        let pots = mz.get_json(&format!("/pots?current_account_id={id}")).await;
        for pot in pots["pots"].as_array().unwrap() {
            listed.push((
                pot["id"].as_str().unwrap().to_owned(),
                pot["balance"].as_i64().unwrap(),
            ));
        }
    }

    let in_ledger: Vec<(String, i64)> = ledger
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.balance_minor))
        .collect();
    let mut sorted_listed = listed.clone();
    sorted_listed.sort();
    let mut sorted_ledger = in_ledger.clone();
    sorted_ledger.sort();
    assert_eq!(sorted_ledger, sorted_listed);
    assert_eq!(
        ledger.accounts.iter().filter(|a| a.kind == "pot").count(),
        3
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_user_and_another_seed_another() {
    let start = |seed: u64| async move {
        bankkit_sandbox::Sandbox::builder()
            .providers(["monzo"])
            .seed(seed)
            .start()
            .await
            .unwrap()
    };
    let (a, b, c) = (start(5).await, start(5).await, start(6).await);
    let [a, b, c] = [a.monzo(), b.monzo(), c.monzo()].map(Option::unwrap);
    let without_url = |mut credentials: Value| {
        credentials.as_object_mut().unwrap().remove("auth_url");
        credentials
    };

    assert_eq!(a.ledger(), b.ledger());
    assert_eq!(without_url(a.credentials()), without_url(b.credentials()));
    assert_ne!(a.ledger(), c.ledger());
    assert_ne!(
        a.credentials()["access_token"],
        c.credentials()["access_token"]
    );
}

#[tokio::test]
async fn amounts_that_would_overflow_a_balance_are_refused_and_totals_saturate() {
    let mz = monzo().await;
    let account = mz.main_account();
    let seeded = mz.handle.ledger();
    let balance = balance_of(&mz, &account).await;

    // A credit that would overflow the balance: 400 from the control API, nothing changed.
    let overflow = mz
        .http
        .post(mz.url("/__bankkit/events"))
        .json(
            &json!({"type": "card_transaction", "amount_minor": i64::MAX,
                      "description": "Lottery"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(overflow.status(), 400);
    let body: Value = overflow.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("overflow"),
        "{body}"
    );
    assert_eq!(mz.handle.ledger(), seeded);

    // The largest credit that fits: the balance is i64::MAX and the totals with pots saturate.
    let fits = i64::MAX - balance;
    mz.handle
        .trigger(SandboxEvent::card_transaction(fits, "Lottery"))
        .unwrap();
    let answer = mz.get_json(&format!("/balance?account_id={account}")).await;
    assert_eq!(answer["balance"], i64::MAX);
    assert_eq!(answer["total_balance"], i64::MAX);
    assert_eq!(answer["balance_including_flexible_savings"], i64::MAX);

    // Withdrawing from a pot into the full account would overflow it: 400, nothing moves.
    let pot = first_pot(&mz).await;
    let response = mz
        .send_form(
            "PUT",
            &format!("/pots/{}/withdraw", pot["id"].as_str().unwrap()),
            &[
                ("destination_account_id", account.as_str()),
                ("amount", "1000"),
                ("dedupe_id", "w-overflow"),
            ],
        )
        .await;
    let (status, code, _) = error(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.bad_param.amount")
    );
    assert_eq!(first_pot(&mz).await["balance"], pot["balance"]);
    assert_eq!(balance_of(&mz, &account).await, i64::MAX);
}

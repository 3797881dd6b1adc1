//! Morune: the user's balance (frozen, then active), payoffs and their statuses, and the
//! ledger a paid invoice and a payoff leave.

use bankkit_sandbox::{SandboxEvent, TestOutcome};
use serde_json::json;

use crate::morune_common::{error_text, morune, Key};

#[tokio::test]
async fn a_paid_invoice_is_frozen_for_a_day_then_active_and_in_the_ledger_once() {
    let m = morune().await;
    let before = m.balance().await;
    let created = m.invoice(17.23, "ledger-1", json!({})).await;
    let id = created["id"].as_str().unwrap().to_owned();
    m.handle
        .trigger(SandboxEvent::PayerActs {
            payment_id: id.clone(),
            outcome: TestOutcome::Success,
        })
        .unwrap();
    let info = m.invoice_info(&id).await;
    assert_eq!(info["status"], "success");
    assert_eq!(info["pay_service"], "card");
    // Card at 5 %: 0.86 fee, 16.37 credited.
    assert_eq!(info["credited"], json!(16.37));
    assert_eq!(info["commission_amount"], json!(0.86));
    assert!(info["paid_at"].is_string());

    let frozen = m.balance().await;
    assert_eq!(frozen["freeze_balance"], json!(16.37));
    assert_eq!(frozen["active_balance"], before["active_balance"]);
    let total = frozen["balance"].as_f64().unwrap();
    let active = frozen["active_balance"].as_f64().unwrap();
    assert!((total - active - 16.37).abs() < 1e-6);

    m.advance(24 * 3600 - 1);
    assert_eq!(m.balance().await["freeze_balance"], json!(16.37));
    m.advance(1);
    let thawed = m.balance().await;
    assert_eq!(thawed["freeze_balance"], json!(0.0));
    assert_eq!(thawed["balance"], thawed["active_balance"]);

    let ledger = m.handle.ledger();
    let account = &ledger.accounts[0];
    assert_eq!(account.id, m.user_id());
    assert_eq!(account.kind, "user");
    assert_eq!(account.currency, "RUB");
    assert_eq!(
        account
            .transactions
            .iter()
            .filter(|t| t.amount_minor == 1723)
            .count(),
        1
    );
    assert!(account.transactions.iter().any(|t| t.amount_minor == -86));
    let sum: i64 = account.transactions.iter().map(|t| t.amount_minor).sum();
    assert_eq!(sum, account.balance_minor);
}

#[tokio::test]
async fn a_payoff_debits_the_active_balance_and_succeeds_after_a_minute() {
    let m = morune().await;
    let before = m.balance().await["active_balance"].as_f64().unwrap();
    let made = m
        .payoff(json!({"service": "card", "wallet_to": "4242424242424242", "amount": 8.41, "order_id": "wd-1", "comment": "Вывод"}))
        .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let data = &made.body["data"];
    assert_eq!(data["amount_withdraw_rub"], json!(8.41));
    let id = data["payoff_id"].as_str().unwrap().to_owned();
    let after = m.balance().await;
    assert!((before - after["active_balance"].as_f64().unwrap() - 8.41).abs() < 1e-6);
    assert_eq!(data["balance"], after["balance"]);

    let info = m.payoff_info(&id).await;
    assert_eq!(info["status"], "wait");
    assert_eq!(info["type"], "api");
    assert_eq!(info["subtract"], "amount");
    assert_eq!(info["amount"], json!(8.41));
    // Card payouts at 3 %: 0.25 out of the amount.
    assert_eq!(info["commission_rub"], json!(0.25));
    assert_eq!(info["amount_receive"], "8.16");
    assert_eq!(info["comment"], "Вывод");
    m.advance(60);
    let info = m.payoff_info(&id).await;
    assert_eq!(info["status"], "success");
    assert!(info["paid_at"].is_string());

    let by_order = m
        .ok(
            "GET",
            &format!("/payoff/info?user_id={}&order_id=wd-1", m.user_id()),
            Key::User,
            None,
        )
        .await;
    assert_eq!(by_order["payoff_id"], id.as_str());

    let account = &m.handle.ledger().accounts[0];
    assert_eq!(
        account
            .transactions
            .iter()
            .filter(|t| t.amount_minor == -841)
            .count(),
        1
    );
}

#[tokio::test]
async fn subtract_one_takes_the_fee_from_the_balance_on_top() {
    let m = morune().await;
    let before = m.balance().await["active_balance"].as_f64().unwrap();
    let made = m
        .payoff(json!({"service": "card", "wallet_to": "5555555555554444", "amount": 100, "subtract": 1}))
        .await;
    assert_eq!(made.body["data"]["amount_withdraw_rub"], json!(103.0));
    let after = m.balance().await["active_balance"].as_f64().unwrap();
    assert!((before - after - 103.0).abs() < 1e-6);
    let info = m
        .payoff_info(made.body["data"]["payoff_id"].as_str().unwrap())
        .await;
    assert_eq!(info["subtract"], "balance");
    assert_eq!(info["amount_receive"], "100.00");
}

#[tokio::test]
async fn magic_wallets_fail_with_a_message_and_return_the_money_or_stay_waiting() {
    let m = morune().await;
    let before = m.balance().await["active_balance"].clone();
    let failed = m
        .payoff(json!({"service": "card", "wallet_to": "4000000000000002", "amount": 50}))
        .await;
    let failed_id = failed.body["data"]["payoff_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = m
        .payoff(json!({"service": "card", "wallet_to": "4000000000000010", "amount": 50}))
        .await;
    let waiting_id = waiting.body["data"]["payoff_id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.advance(3600);
    let info = m.payoff_info(&failed_id).await;
    assert_eq!(info["status"], "fail");
    assert!(!info["error_message"].as_str().unwrap().is_empty());
    assert_eq!(m.payoff_info(&waiting_id).await["status"], "wait");
    let after = m.balance().await["active_balance"].as_f64().unwrap();
    assert!((before.as_f64().unwrap() - after - 50.0).abs() < 1e-6);
    assert_eq!(
        m.handle.test_party(TestOutcome::Failure).unwrap().value,
        "4000000000000002"
    );
}

#[tokio::test]
async fn payoff_validation_and_an_empty_balance() {
    let m = morune().await;
    let cases = [
        (
            json!({"wallet_to": "1", "amount": 10}),
            "Поле service обязательно для заполнения.",
        ),
        (
            json!({"service": "mir", "wallet_to": "1", "amount": 10}),
            "Выбранное значение для service некорректно.",
        ),
        (
            json!({"service": "card", "amount": 10}),
            "Поле wallet to обязательно для заполнения.",
        ),
        (
            json!({"service": "card", "wallet_to": "1"}),
            "Поле amount обязательно для заполнения.",
        ),
        (
            json!({"service": "card", "wallet_to": "1", "amount": 10, "subtract": 3}),
            "Выбранное значение для subtract некорректно.",
        ),
        (
            json!({"service": "sbp", "wallet_to": "+79001234567", "amount": 10}),
            "Поле payoff data.sbp bank type обязательно для заполнения.",
        ),
    ];
    for (body, message) in cases {
        assert_eq!(
            error_text(&m.payoff(body.clone()).await, 422),
            message,
            "{body}"
        );
    }
    let sbp = m
        .payoff(json!({"service": "sbp", "wallet_to": "+79001234567", "amount": 10, "payoff_data": {"sbp_bank_type": "100000000111"}}))
        .await;
    assert_eq!(sbp.status, 200, "{:?}", sbp.body);

    let all = m.balance().await["active_balance"].as_f64().unwrap();
    let too_much = m
        .payoff(json!({"service": "usdt_trc20", "wallet_to": "TXyz", "amount": all + 1.0}))
        .await;
    assert_eq!(
        error_text(&too_much, 403),
        "Недостаточно средств на балансе."
    );
}

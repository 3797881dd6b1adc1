//! Morune: signed webhooks for paid, failed and expired invoices and for payoffs, checked
//! against an HMAC computed here from the bytes received.

use std::time::Duration;

use bankkit_sandbox::{DeliveryState, SandboxEvent, TestOutcome};
use serde_json::{json, Value};

use crate::morune_common::{hmac_hex, morune, received, receiver};

const WAIT: Duration = Duration::from_secs(20);

/// Checks the signature of every received body under `key`; returns the bodies as JSON.
fn verified(key: &str, hooks: &[(Vec<u8>, String)]) -> Vec<Value> {
    hooks
        .iter()
        .map(|(bytes, signature)| {
            assert_eq!(
                &hmac_hex(key, bytes),
                signature,
                "{}",
                String::from_utf8_lossy(bytes)
            );
            // A one-byte change does not match.
            let mut changed = bytes.clone();
            if let Some(last) = changed.iter_mut().rev().find(|b| b.is_ascii_digit()) {
                *last = if *last == b'9' { b'8' } else { *last + 1 };
            }
            assert_ne!(&hmac_hex(key, &changed), signature);
            // The body is canonical: keys sorted, compact, raw UTF-8.
            let value: Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(value.to_string().as_bytes(), bytes.as_slice());
            value
        })
        .collect()
}

#[tokio::test]
async fn a_paid_invoice_posts_a_signed_success_webhook() {
    let m = morune().await;
    let server = receiver().await;
    let created = m
        .invoice(
            250.0,
            "hook-1",
            json!({
                "hook_url": format!("{}/hooks/pay", server.uri()),
                "custom_fields": {"user": "u-77", "note": "тест/1"},
            }),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    m.handle
        .trigger(SandboxEvent::Custom(json!({
            "type": "pay_invoice", "invoice_id": id, "outcome": "success",
            "method": "sbp", "payer": "+79001234512",
        })))
        .unwrap();
    let log = m.handle.wait_for_deliveries(1, WAIT).await;
    assert_eq!(log[0].state, DeliveryState::Delivered, "{log:?}");

    let hooks = received(&server, "/hooks/pay").await;
    assert_eq!(hooks.len(), 1);
    let raw = String::from_utf8(hooks[0].0.clone()).unwrap();
    assert!(
        raw.contains(r#""custom_fields":{"note":"тест/1","user":"u-77"}"#),
        "{raw}"
    );
    let bodies = verified(&m.cred("shop_additional_key"), &hooks);
    let body = &bodies[0];
    assert_eq!(body["invoice_id"], id.as_str());
    assert_eq!(body["status"], "success");
    assert_eq!(body["amount"], "250.00");
    assert_eq!(body["credited"], "241.25");
    assert_eq!(body["currency"], "RUB");
    assert_eq!(body["order_id"], "hook-1");
    assert_eq!(body["type"], 1);
    assert_eq!(body["code"], 1);
    assert_eq!(body["pay_service"], "sbp");
    assert_eq!(body["payer_details"], "+7900*****12");
    assert!(body["pay_time"].as_str().unwrap().len() == 19);
    // The user's key does not verify it.
    assert_ne!(
        hmac_hex(&m.cred("user_additional_key"), &hooks[0].0),
        hooks[0].1
    );
}

#[tokio::test]
async fn failed_and_expired_invoices_post_codes_32_and_31_with_reject_time() {
    let m = morune().await;
    let server = receiver().await;
    let hook = json!({"hook_url": format!("{}/hooks/pay", server.uri()), "expire": 10});
    let failed = m.invoice(30.0, "hook-fail", hook.clone()).await;
    let expiring = m.invoice(30.0, "hook-expire", hook.clone()).await;
    let pending = m.invoice(30.0, "hook-pending", hook).await;
    m.handle
        .trigger(SandboxEvent::PayerActs {
            payment_id: failed["id"].as_str().unwrap().to_owned(),
            outcome: TestOutcome::Failure,
        })
        .unwrap();
    m.handle
        .trigger(SandboxEvent::PayerActs {
            payment_id: pending["id"].as_str().unwrap().to_owned(),
            outcome: TestOutcome::Pending,
        })
        .unwrap();
    assert_eq!(
        m.invoice_info(pending["id"].as_str().unwrap()).await["status"],
        "created"
    );
    m.advance(10 * 60);
    m.handle.wait_for_deliveries(3, WAIT).await;

    let bodies = verified(
        &m.cred("shop_additional_key"),
        &received(&server, "/hooks/pay").await,
    );
    let of = |order: &str| {
        bodies
            .iter()
            .find(|b| b["order_id"] == order)
            .unwrap()
            .clone()
    };
    let fail = of("hook-fail");
    assert_eq!(fail["status"], "fail");
    assert_eq!(fail["code"], 32);
    assert!(fail["reject_time"].is_string());
    assert!(fail.get("credited").is_none());
    let expired = of("hook-expire");
    assert_eq!(expired["status"], "expired");
    assert_eq!(expired["code"], 31);
    assert_eq!(
        expired["reject_time"],
        m.invoice_info(expiring["id"].as_str().unwrap()).await["expired_at"]
    );
    assert_eq!(of("hook-pending")["status"], "expired");
}

#[tokio::test]
async fn an_unanswered_webhook_is_tried_three_times_a_minute_apart() {
    let m = morune().await;
    let created = m
        .invoice(
            30.0,
            "retry",
            json!({"hook_url": "http://127.0.0.1:9/hooks/pay"}),
        )
        .await;
    m.handle
        .trigger(SandboxEvent::PayerActs {
            payment_id: created["id"].as_str().unwrap().to_owned(),
            outcome: TestOutcome::Success,
        })
        .unwrap();
    let log = m
        .handle
        .wait_for_delivery_log(
            |log| {
                log.iter()
                    .any(|d| d.attempts.len() == 1 && d.state == DeliveryState::Failed)
            },
            WAIT,
        )
        .await;
    assert_eq!(log[0].state, DeliveryState::Failed);
    m.advance(60);
    m.handle
        .wait_for_delivery_log(|log| log.iter().any(|d| d.attempts.len() == 2), WAIT)
        .await;
    m.advance(60);
    let log = m
        .handle
        .wait_for_delivery_log(
            |log| log.iter().any(|d| d.state == DeliveryState::GaveUp),
            WAIT,
        )
        .await;
    assert_eq!(log[0].attempts.len(), 3);
}

#[tokio::test]
async fn a_payoff_posts_a_webhook_signed_with_the_users_key() {
    let m = morune().await;
    let server = receiver().await;
    let made = m
        .payoff(json!({
            "service": "card", "wallet_to": "2200000000001234", "amount": 500,
            "order_id": "wd-0001", "hook_url": format!("{}/hooks/payoff", server.uri()),
        }))
        .await;
    let id = made.body["data"]["payoff_id"].as_str().unwrap().to_owned();
    let failed = m
        .payoff(json!({
            "service": "card", "wallet_to": "4000000000000002", "amount": 20,
            "hook_url": format!("{}/hooks/payoff", server.uri()),
        }))
        .await;
    assert_eq!(failed.status, 200);
    m.advance(60);
    m.handle.wait_for_deliveries(2, WAIT).await;
    let bodies = verified(
        &m.cred("user_additional_key"),
        &received(&server, "/hooks/payoff").await,
    );
    let success = bodies
        .iter()
        .find(|b| b["payoff_id"] == id.as_str())
        .unwrap();
    assert_eq!(
        success,
        &json!({
            "amount": "500.00", "commission": "15.00", "order_id": "wd-0001",
            "payoff_id": id, "service": "card", "status": "success",
            "wallet": "2200000000001234",
        })
    );
    assert!(bodies.iter().any(|b| b["status"] == "fail"));
}

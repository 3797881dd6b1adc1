//! MoMo collection extras: invoices, preapprovals, payment v2 and delivery notifications.

use crate::momo_common;

use momo_common::{momo, request_to_pay, uuid, Momo};
use serde_json::{json, Value};

const INVOICE: &str = "/collection/v2_0/invoice";

fn invoice(msisdn: &str, validity: &str) -> Value {
    json!({
        "externalId": "inv-77", "amount": "45.90", "currency": "EUR",
        "validityDuration": validity, "description": "Groceries",
        "intendedPayer": {"partyIdType": "MSISDN", "partyId": msisdn},
        "payee": {"partyIdType": "MSISDN", "partyId": "256772123456"},
    })
}

async fn cancel_invoice(momo: &Momo, id: &str) -> reqwest::Response {
    momo.request(reqwest::Method::DELETE, &format!("{INVOICE}/{id}"))
        .await
        .header("X-Reference-Id", uuid())
        .json(&json!({"externalId": "inv-77"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invoice_is_pending_then_paid_and_credits_collection() {
    let momo = momo().await;
    let id = momo
        .create_ok(INVOICE, &invoice("46733123456", "3600"))
        .await;

    let pending = momo.get_json(&format!("{INVOICE}/{id}")).await;
    momo.advance(5);
    let paid = momo.get_json(&format!("{INVOICE}/{id}")).await;

    assert_eq!(pending["status"], "PENDING");
    assert_eq!(pending["referenceId"], id.as_str());
    assert_eq!(pending["expiryDateTime"], "2026-11-01T13:00:00.000Z");
    assert_eq!(pending["intendedPayer"]["partyId"], "46733123456");
    assert_eq!(pending["description"], "Groceries");
    assert!(pending["invoiceId"].as_str().is_some());
    assert_eq!(paid["status"], "SUCCESSFUL");
    assert_eq!(momo.balance("collection").await, "2545.9");
}

#[tokio::test]
async fn an_unpaid_invoice_expires_at_its_validity() {
    let momo = momo().await;
    let id = momo
        .create_ok(INVOICE, &invoice("46733123454", "120"))
        .await;

    momo.advance(119);
    assert_eq!(
        momo.get_json(&format!("{INVOICE}/{id}")).await["status"],
        "PENDING"
    );
    momo.advance(1);
    let expired = momo.get_json(&format!("{INVOICE}/{id}")).await;

    assert_eq!(expired["status"], "FAILED");
    assert_eq!(expired["reason"], "EXPIRED");
}

#[tokio::test]
async fn a_pending_invoice_can_be_cancelled_but_a_paid_one_cannot() {
    let momo = momo().await;
    let pending = momo
        .create_ok(INVOICE, &invoice("46733123454", "3600"))
        .await;
    let paid = momo
        .create_ok(INVOICE, &invoice("46733123456", "3600"))
        .await;
    momo.advance(5);

    let cancelled = cancel_invoice(&momo, &pending).await;
    let refused = cancel_invoice(&momo, &paid).await;
    let unknown = cancel_invoice(&momo, &uuid()).await;

    assert_eq!(cancelled.status(), 202);
    assert_eq!(
        momo.get_json(&format!("{INVOICE}/{pending}")).await["status"],
        "CANCELLED"
    );
    assert_eq!(refused.status(), 400);
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_preapproval_is_approved_listed_and_cancelled() {
    let momo = momo().await;
    let body = json!({
        "payer": {"partyIdType": "MSISDN", "partyId": "46733123456"},
        "payerCurrency": "EUR", "payerMessage": "Monthly plan", "validityTime": 86400,
    });
    let v2 = momo.create_ok("/collection/v2_0/preapproval", &body).await;
    let v1 = momo.create_ok("/collection/v1_0/preapproval", &body).await;

    momo.advance(5);
    let status = momo
        .get_json(&format!("/collection/v2_0/preapproval/{v2}"))
        .await;
    let listed = momo
        .get_json("/collection/v1_0/preapprovals/msisdn/46733123456")
        .await;
    let cancel = momo
        .request(
            reqwest::Method::DELETE,
            &format!("/collection/v1_0/preapproval/{v1}"),
        )
        .await
        .send()
        .await
        .unwrap();
    let after = momo
        .get_json("/collection/v1_0/preapprovals/msisdn/46733123456")
        .await;

    assert_eq!(status["status"], "SUCCESSFUL");
    assert_eq!(status["payerCurrency"], "EUR");
    assert_eq!(status["expirationDateTime"], "2026-11-02T12:00:00.000Z");
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(cancel.status(), 200);
    assert_eq!(after.as_array().unwrap().len(), 1);
    assert_eq!(after[0]["preApprovalId"], v2.as_str());
    assert_eq!(
        momo.get_json(&format!("/collection/v1_0/preapproval/{v1}"))
            .await["status"],
        "CANCELLED"
    );
    assert_eq!(momo.balance("collection").await, "2500");
}

#[tokio::test]
async fn a_rejected_preapproval_fails_approval_rejected() {
    let momo = momo().await;
    let id = momo
        .create_ok(
            "/collection/v2_0/preapproval",
            &json!({
                "payer": {"partyIdType": "MSISDN", "partyId": "46733123451"},
                "payerCurrency": "EUR", "payerMessage": "Plan", "validityTime": 3600,
            }),
        )
        .await;

    momo.advance(5);

    let status = momo
        .get_json(&format!("/collection/v2_0/preapproval/{id}"))
        .await;
    assert_eq!(status["status"], "FAILED");
    assert_eq!(status["reason"], "APPROVAL_REJECTED");
}

#[tokio::test]
async fn payment_v2_outcomes_follow_the_amount_with_the_extended_numbers() {
    let momo = momo().await;
    momo.event(json!({"type": "magic_numbers", "extended": true}));
    let payment = |amount: &str| {
        json!({
            "externalTransactionId": "ext-9", "money": {"amount": amount, "currency": "EUR"},
            "customerReference": "46733123456", "serviceProviderUserName": "shop-1",
        })
    };
    let ok = momo
        .create_ok("/collection/v2_0/payment", &payment("1000"))
        .await;
    let failed = momo
        .create_ok("/collection/v2_0/payment", &payment("2000"))
        .await;
    let slow = momo
        .create_ok("/collection/v2_0/payment", &payment("3000"))
        .await;

    momo.advance(5);
    let ok = momo
        .get_json(&format!("/collection/v2_0/payment/{ok}"))
        .await;
    let failed = momo
        .get_json(&format!("/collection/v2_0/payment/{failed}"))
        .await;
    let slow_pending = momo
        .get_json(&format!("/collection/v2_0/payment/{slow}"))
        .await;
    momo.advance(25);
    let slow_done = momo
        .get_json(&format!("/collection/v2_0/payment/{slow}"))
        .await;

    assert_eq!(ok["status"], "SUCCESSFUL");
    assert_eq!(ok["money"], json!({"amount": "1000", "currency": "EUR"}));
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(slow_pending["status"], "PENDING");
    assert_eq!(slow_done["status"], "SUCCESSFUL");
    assert_eq!(momo.balance("collection").await, "6500");
}

#[tokio::test]
async fn a_delivery_notification_is_accepted_for_a_known_request_to_pay() {
    let momo = momo().await;
    let id = momo
        .create_ok(
            "/collection/v1_0/requesttopay",
            &request_to_pay("46733123456", "5"),
        )
        .await;
    let momo = &momo;
    let notify = |reference: String| async move {
        momo.request(
            reqwest::Method::POST,
            &format!("/collection/v1_0/requesttopay/{reference}/deliverynotification"),
        )
        .await
        .header("notificationMessage", "Your order is on its way")
        .header("Language", "en")
        .json(&json!({"notificationMessage": "Your order is on its way"}))
        .send()
        .await
        .unwrap()
    };

    let known = notify(id).await;
    let unknown = notify(uuid()).await;

    assert_eq!(known.status(), 200);
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_validity_too_large_for_the_calendar_is_a_bad_request_not_a_crash() {
    let momo = momo().await;
    let huge = i64::MAX;
    let preapproval = json!({
        "payer": {"partyIdType": "MSISDN", "partyId": "46733123456"},
        "payerCurrency": "EUR", "payerMessage": "Plan", "validityTime": huge,
    });
    let mut invoice_body = invoice("46733123456", "3600");
    invoice_body["validityDuration"] = json!(huge.to_string());

    let rejected_preapproval = momo
        .create("/collection/v2_0/preapproval", &uuid(), &preapproval, None)
        .await;
    let rejected_invoice = momo.create(INVOICE, &uuid(), &invoice_body, None).await;

    for response in [rejected_preapproval, rejected_invoice] {
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.headers()["content-type"],
            momo_common::JSON,
            "MoMo's error content type"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "BAD_REQUEST");
        assert!(body["message"].as_str().unwrap().contains("too large"));
    }
    // Nothing was created and the server still answers.
    let fine = momo
        .create_ok(INVOICE, &invoice("46733123456", "3600"))
        .await;
    assert_eq!(
        momo.get_json(&format!("{INVOICE}/{fine}")).await["status"],
        "PENDING"
    );
}

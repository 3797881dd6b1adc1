//! MoMo payments: 202 creates, statuses on the sandbox clock, magic MSISDNs in both tables,
//! reasons, balances, refunds, duplicates and lost responses.

use crate::momo_common;

use bankkit_sandbox::{Fault, SandboxEvent, TestOutcome};
use momo_common::{momo, request_to_pay, transfer, uuid, Momo, JSON};
use serde_json::{json, Value};

const RTP: &str = "/collection/v1_0/requesttopay";

async fn rtp_status(momo: &Momo, id: &str) -> Value {
    momo.get_json(&format!("{RTP}/{id}")).await
}

/// Creates a request to pay from `msisdn`; returns its reference id.
async fn pay(momo: &Momo, msisdn: &str) -> String {
    momo.create_ok(RTP, &request_to_pay(msisdn, "15.50")).await
}

#[tokio::test]
async fn a_request_to_pay_is_accepted_with_202_and_an_empty_body() {
    let momo = momo().await;

    let response = momo
        .create(RTP, &uuid(), &request_to_pay("46733123456", "15.50"), None)
        .await;

    assert_eq!(response.status(), 202);
    assert!(response.headers().get("content-type").is_none());
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_request_to_pay_is_pending_then_successful_five_seconds_later() {
    let momo = momo().await;
    let id = pay(&momo, "46733123456").await;

    let response = momo.get(&format!("{RTP}/{id}")).await;
    assert_eq!(response.headers()["content-type"], JSON);
    let pending: Value = response.json().await.unwrap();
    momo.advance(5);
    let done = rtp_status(&momo, &id).await;

    assert_eq!(pending["status"], "PENDING");
    assert!(pending.get("financialTransactionId").is_none());
    assert_eq!(done["status"], "SUCCESSFUL");
    assert_eq!(done["amount"], "15.50");
    assert_eq!(done["currency"], "EUR");
    assert_eq!(done["externalId"], "order-42");
    assert_eq!(
        done["payer"],
        json!({"partyIdType": "MSISDN", "partyId": "46733123456"})
    );
    assert!(done["financialTransactionId"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    assert!(done.get("reason").is_none());
}

#[tokio::test]
async fn documented_magic_numbers_fail_reject_expire_and_hang() {
    let momo = momo().await;
    let failed = pay(&momo, "46733123450").await;
    let rejected = pay(&momo, "46733123451").await;
    let timeout = pay(&momo, "46733123452").await;
    let pending = pay(&momo, "46733123454").await;

    momo.advance(5);
    assert_eq!(
        rtp_status(&momo, &failed).await["reason"],
        "INTERNAL_PROCESSING_ERROR"
    );
    assert_eq!(rtp_status(&momo, &failed).await["status"], "FAILED");
    assert_eq!(
        rtp_status(&momo, &rejected).await["reason"],
        "APPROVAL_REJECTED"
    );
    assert_eq!(rtp_status(&momo, &timeout).await["status"], "PENDING");
    momo.advance(55);
    let expired = rtp_status(&momo, &timeout).await;
    assert_eq!(expired["status"], "FAILED");
    assert_eq!(expired["reason"], "EXPIRED");
    momo.advance(100_000);
    assert_eq!(rtp_status(&momo, &pending).await["status"], "PENDING");
}

#[tokio::test]
async fn the_documented_ongoing_number_succeeds_when_asked_again_after_30_seconds() {
    let momo = momo().await;
    let id = pay(&momo, "46733123453").await;

    assert_eq!(rtp_status(&momo, &id).await["status"], "PENDING");
    momo.advance(29);
    assert_eq!(rtp_status(&momo, &id).await["status"], "PENDING");
    momo.advance(1);
    assert_eq!(rtp_status(&momo, &id).await["status"], "SUCCESSFUL");
    assert_eq!(momo.balance("collection").await, "2515.5");
}

#[tokio::test]
async fn the_measured_table_fails_450_to_452_keeps_453_pending_and_creates_454() {
    let momo = momo().await;
    assert_eq!(
        momo.event(json!({"type": "magic_numbers", "table": "measured"})),
        json!({"table": "measured", "extended": false})
    );
    let timeout = pay(&momo, "46733123452").await;
    let ongoing = pay(&momo, "46733123453").await;
    let created = pay(&momo, "46733123454").await;

    assert_eq!(rtp_status(&momo, &created).await["status"], "CREATED");
    momo.advance(5);
    assert_eq!(rtp_status(&momo, &timeout).await["status"], "FAILED");
    momo.advance(20);
    assert_eq!(rtp_status(&momo, &created).await["status"], "SUCCESSFUL");
    momo.advance(1000);
    assert_eq!(rtp_status(&momo, &ongoing).await["status"], "PENDING");
}

#[tokio::test]
async fn the_reason_is_a_bare_string_unless_the_object_form_is_chosen() {
    let momo = momo().await;
    let bare = pay(&momo, "46733123451").await;
    assert_eq!(
        momo.event(json!({"type": "reason_format", "format": "object"})),
        json!({"format": "object"})
    );
    let object = pay(&momo, "46733123451").await;

    momo.advance(5);

    // The form is chosen when the status is written, not when the payment was made.
    assert_eq!(
        rtp_status(&momo, &bare).await["reason"],
        json!({"code": "APPROVAL_REJECTED", "message": "The payer rejected the request."})
    );
    assert_eq!(
        rtp_status(&momo, &object).await["reason"]["code"],
        "APPROVAL_REJECTED"
    );
    momo.event(json!({"type": "reason_format", "format": "string"}));
    assert_eq!(
        rtp_status(&momo, &bare).await["reason"],
        "APPROVAL_REJECTED"
    );
}

#[tokio::test]
async fn a_reused_reference_id_is_a_conflict_with_the_observed_body() {
    let momo = momo().await;
    let id = uuid();
    let body = request_to_pay("46733123456", "10");

    assert_eq!(momo.create(RTP, &id, &body, None).await.status(), 202);
    let again = momo.create(RTP, &id, &body, None).await;

    assert_eq!(again.status(), 409);
    assert_eq!(again.headers()["content-type"], JSON);
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({"message": "Duplicated reference id. Creation of resource failed.", "code": "RESOURCE_ALREADY_EXIST"})
    );
}

#[tokio::test]
async fn an_unknown_reference_id_is_404_resource_not_found() {
    let momo = momo().await;

    let response = momo.get(&format!("{RTP}/{}", uuid())).await;

    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "RESOURCE_NOT_FOUND"
    );
}

#[tokio::test]
async fn only_eur_is_accepted_and_amounts_must_be_decimal_strings() {
    let momo = momo().await;
    let mut ghs = request_to_pay("46733123456", "10");
    ghs["currency"] = json!("GHS");
    let mut number = request_to_pay("46733123456", "10");
    number["amount"] = json!(10);
    let mut long_message = request_to_pay("46733123456", "10");
    long_message["payerMessage"] = json!("x".repeat(161));

    let ghs = momo.create(RTP, &uuid(), &ghs, None).await;
    let number = momo.create(RTP, &uuid(), &number, None).await;
    let long_message = momo.create(RTP, &uuid(), &long_message, None).await;

    assert_eq!(ghs.status(), 500);
    assert_eq!(
        ghs.json::<Value>().await.unwrap(),
        json!({"code": "INVALID_CURRENCY", "message": "Currency not supported."})
    );
    assert_eq!(number.status(), 400);
    assert_eq!(long_message.status(), 400);
}

#[tokio::test]
async fn a_successful_request_to_pay_credits_collection_and_enters_the_ledger() {
    let momo = momo().await;
    let id = pay(&momo, "46733123456").await;
    assert_eq!(momo.balance("collection").await, "2500");

    momo.advance(5);

    assert_eq!(momo.balance("collection").await, "2515.5");
    let ledger = momo.handle.ledger();
    let collection = ledger.account("collection").unwrap();
    assert_eq!(collection.kind, "product");
    assert_eq!(collection.currency, "EUR");
    assert_eq!(collection.balance_minor, 251_550);
    assert_eq!(collection.transactions.len(), 1);
    assert_eq!(collection.transactions[0].id, id);
    assert_eq!(collection.transactions[0].amount_minor, 1550);
    assert_eq!(collection.transactions[0].description, "order-42");
}

#[tokio::test]
async fn a_transfer_debits_disbursement_and_one_beyond_the_balance_fails_not_enough_funds() {
    let momo = momo().await;
    let paid = momo
        .create_ok(
            "/disbursement/v1_0/transfer",
            &transfer("46733123456", "1200"),
        )
        .await;
    let too_much = momo
        .create_ok(
            "/disbursement/v1_0/transfer",
            &transfer("46733123456", "3800.01"),
        )
        .await;

    momo.advance(5);

    let paid = momo
        .get_json(&format!("/disbursement/v1_0/transfer/{paid}"))
        .await;
    let too_much = momo
        .get_json(&format!("/disbursement/v1_0/transfer/{too_much}"))
        .await;
    assert_eq!(paid["status"], "SUCCESSFUL");
    assert_eq!(paid["payee"]["partyId"], "46733123456");
    assert_eq!(too_much["status"], "FAILED");
    assert_eq!(too_much["reason"], "NOT_ENOUGH_FUNDS");
    assert_eq!(momo.balance("disbursement").await, "3800");
    let ledger = momo.handle.ledger();
    assert_eq!(
        ledger.account("disbursement").unwrap().transactions[0].amount_minor,
        -120_000
    );
}

#[tokio::test]
async fn deposits_v1_and_v2_debit_disbursement_and_their_status_is_under_v1() {
    let momo = momo().await;
    let v1 = momo
        .create_ok(
            "/disbursement/v1_0/deposit",
            &transfer("46733123456", "100"),
        )
        .await;
    let v2 = momo
        .create_ok("/disbursement/v2_0/deposit", &transfer("46733123456", "50"))
        .await;

    momo.advance(5);

    for id in [&v1, &v2] {
        let status = momo
            .get_json(&format!("/disbursement/v1_0/deposit/{id}"))
            .await;
        assert_eq!(status["status"], "SUCCESSFUL");
        assert!(status.get("financialTransactionId").is_none());
    }
    assert_eq!(momo.balance("disbursement").await, "4850");
}

#[tokio::test]
async fn a_refund_needs_a_successful_collection_and_at_most_its_amount() {
    let momo = momo().await;
    let original = pay(&momo, "46733123456").await;
    let refund = |amount: &str, of: &str| {
        json!({
            "amount": amount, "currency": "EUR", "externalId": "refund-42",
            "payerMessage": "Refund", "payeeNote": "Refund", "referenceIdToRefund": of,
        })
    };

    let too_early = momo
        .create(
            "/disbursement/v1_0/refund",
            &uuid(),
            &refund("5", &original),
            None,
        )
        .await;
    assert_eq!(too_early.status(), 400);
    momo.advance(5);
    let unknown = momo
        .create(
            "/disbursement/v2_0/refund",
            &uuid(),
            &refund("5", &uuid()),
            None,
        )
        .await;
    let part = momo
        .create_ok("/disbursement/v2_0/refund", &refund("10.50", &original))
        .await;
    let beyond = momo
        .create(
            "/disbursement/v1_0/refund",
            &uuid(),
            &refund("5.01", &original),
            None,
        )
        .await;
    let rest = momo
        .create_ok("/disbursement/v1_0/refund", &refund("5", &original))
        .await;
    momo.advance(5);

    assert_eq!(unknown.status(), 404);
    assert_eq!(beyond.status(), 400);
    let part = momo
        .get_json(&format!("/disbursement/v1_0/refund/{part}"))
        .await;
    assert_eq!(part["status"], "SUCCESSFUL");
    assert_eq!(part["payee"]["partyId"], "46733123456");
    let rest = momo
        .get_json(&format!("/disbursement/v1_0/refund/{rest}"))
        .await;
    assert_eq!(rest["status"], "SUCCESSFUL");
    assert_eq!(momo.balance("disbursement").await, "4984.5");
}

#[tokio::test]
async fn transfers_to_the_extended_payee_numbers_fail_with_their_codes_when_chosen() {
    let momo = momo().await;
    assert_eq!(
        momo.event(json!({"type": "magic_numbers", "extended": true})),
        json!({"table": "documented", "extended": true})
    );
    let funds = momo
        .create_ok("/disbursement/v1_0/transfer", &transfer("46733123455", "1"))
        .await;
    let payee = momo
        .create_ok("/disbursement/v1_0/transfer", &transfer("46733123457", "1"))
        .await;

    momo.advance(5);

    let funds = momo
        .get_json(&format!("/disbursement/v1_0/transfer/{funds}"))
        .await;
    let payee = momo
        .get_json(&format!("/disbursement/v1_0/transfer/{payee}"))
        .await;
    assert_eq!(funds["reason"], "NOT_ENOUGH_FUNDS");
    assert_eq!(payee["reason"], "PAYEE_NOT_FOUND");
}

#[tokio::test]
async fn a_remittance_transfer_debits_remittance() {
    let momo = momo().await;
    let id = momo
        .create_ok(
            "/remittance/v1_0/transfer",
            &transfer("256772123456", "250.25"),
        )
        .await;

    momo.advance(5);

    let status = momo
        .get_json(&format!("/remittance/v1_0/transfer/{id}"))
        .await;
    assert_eq!(status["status"], "SUCCESSFUL");
    assert_eq!(momo.balance("remittance").await, "2749.75");
    assert_eq!(
        momo.handle
            .ledger()
            .account("remittance")
            .unwrap()
            .transactions[0]
            .amount_minor,
        -25_025
    );
}

#[tokio::test]
async fn withdrawals_v1_and_v2_credit_collection_and_their_status_is_under_v1() {
    let momo = momo().await;
    let v2 = momo
        .create_ok(
            "/collection/v2_0/requesttowithdraw",
            &request_to_pay("46733123456", "20"),
        )
        .await;
    let v1 = momo
        .create_ok(
            "/collection/v1_0/requesttowithdraw",
            &request_to_pay("46733123450", "20"),
        )
        .await;

    momo.advance(5);

    let v2 = momo
        .get_json(&format!("/collection/v1_0/requesttowithdraw/{v2}"))
        .await;
    let v1 = momo
        .get_json(&format!("/collection/v1_0/requesttowithdraw/{v1}"))
        .await;
    assert_eq!(v2["status"], "SUCCESSFUL");
    assert_eq!(v1["status"], "FAILED");
    assert_eq!(momo.balance("collection").await, "2520");
}

#[tokio::test]
async fn a_create_lost_after_commit_exists_and_the_retry_is_a_conflict() {
    let momo = momo().await;
    let id = uuid();
    let body = request_to_pay("46733123456", "12");
    momo.handle
        .inject(Fault::drop_after_commit().on("POST", RTP));

    let lost = momo
        .request(reqwest::Method::POST, RTP)
        .await
        .header("X-Reference-Id", &id)
        .json(&body)
        .send()
        .await;
    let retry = momo.create(RTP, &id, &body, None).await;
    momo.advance(5);

    assert!(lost.is_err());
    assert_eq!(retry.status(), 409);
    assert_eq!(rtp_status(&momo, &id).await["status"], "SUCCESSFUL");
    let ledger = momo.handle.ledger();
    let transactions = &ledger.account("collection").unwrap().transactions;
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions[0].id, id);
}

#[tokio::test]
async fn an_injected_status_fault_answers_in_the_documented_error_shape() {
    let momo = momo().await;
    momo.handle.inject(Fault::status(500).on("POST", RTP));

    let response = momo
        .create(RTP, &uuid(), &request_to_pay("46733123456", "1"), None)
        .await;

    assert_eq!(response.status(), 500);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "INTERNAL_PROCESSING_ERROR"
    );
}

#[tokio::test]
async fn test_parties_make_a_payment_succeed_fail_or_stay_pending() {
    let momo = momo().await;
    let party = |outcome| momo.handle.test_party(outcome).unwrap();
    assert_eq!(party(TestOutcome::Success).kind, "msisdn");
    let success = pay(&momo, &party(TestOutcome::Success).value).await;
    let failure = pay(&momo, &party(TestOutcome::Failure).value).await;
    let pending = pay(&momo, &party(TestOutcome::Pending).value).await;

    momo.advance(3600);

    assert_eq!(rtp_status(&momo, &success).await["status"], "SUCCESSFUL");
    assert_eq!(rtp_status(&momo, &failure).await["status"], "FAILED");
    assert_eq!(rtp_status(&momo, &pending).await["status"], "PENDING");
    momo.event(json!({"type": "magic_numbers", "table": "measured"}));
    let measured = pay(&momo, &party(TestOutcome::Pending).value).await;
    momo.advance(3600);
    assert_eq!(rtp_status(&momo, &measured).await["status"], "PENDING");
}

#[tokio::test]
async fn card_transactions_are_not_a_momo_event_and_reset_restores_balances() {
    let momo = momo().await;
    pay(&momo, "46733123456").await;
    momo.advance(5);
    assert_eq!(momo.balance("collection").await, "2515.5");

    let card = momo
        .handle
        .trigger(SandboxEvent::card_transaction(-100, "Shop"));
    momo.handle.reset();

    assert!(card.is_err());
    assert_eq!(momo.balance("collection").await, "2500");
    assert!(momo
        .handle
        .ledger()
        .account("collection")
        .unwrap()
        .transactions
        .is_empty());
}

#[tokio::test]
async fn injected_faults_answer_in_momos_error_shape_and_content_type() {
    let momo = momo().await;
    let balance = "/collection/v1_0/account/balance";
    momo.handle.inject(Fault::status(500).on("GET", balance));
    momo.handle
        .inject(Fault::malformed_body().on("GET", balance));

    let faulted = momo.get(balance).await;
    let malformed = momo.get(balance).await;

    assert_eq!(faulted.status(), 500);
    assert_eq!(faulted.headers()["content-type"], JSON);
    let body: Value = faulted.json().await.unwrap();
    assert!(
        body["code"].is_string() && body["message"].is_string(),
        "{body}"
    );
    assert_eq!(malformed.status(), 200);
    assert_eq!(malformed.headers()["content-type"], JSON);
    assert!(malformed.json::<Value>().await.is_err());
}

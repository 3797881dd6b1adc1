//! Monobank acquiring API: invoices and their life cycle, refunds, errors and auth,
//! direct payments, wallets, subscriptions, lists and bounded state.

use crate::acquiring_common::{acquiring, acquiring_with, Acq};

use bankkit_sandbox::{Fault, SandboxEvent, StateLimits, TestOutcome};
use base64::Engine as _;
use serde_json::{json, Value};

const DAY: u64 = 86_400;

fn invoice(amount: i64) -> Value {
    json!({"amount": amount, "ccy": 980,
           "merchantPaymInfo": {"reference": "order-1001", "destination": "Замовлення 1001",
               "basketOrder": [{"name": "Чашка", "qty": 2, "sum": 2100, "total": 4200, "code": "SKU-7"}]},
           "redirectUrl": "https://shop.example/done"})
}

async fn paid(acq: &Acq, body: Value) -> String {
    let id = acq.create(body).await;
    acq.pay(&id, "success");
    id
}

#[tokio::test]
async fn a_created_invoice_has_a_page_url_on_the_pay_host_and_echoes_reference_and_destination() {
    let acq = acquiring().await;

    let created = acq
        .post_ok("/api/merchant/invoice/create", invoice(4200))
        .await;

    let id = created["invoiceId"].as_str().unwrap();
    assert!(id.starts_with("p2_"));
    let pay = &acq.mono.handle.hosts()["pay"];
    assert_eq!(created["pageUrl"], format!("{pay}/{id}"));
    let status = acq.status(id).await;
    assert_eq!(status["status"], "created");
    assert_eq!(status["amount"], 4200);
    assert_eq!(status["ccy"], 980);
    assert_eq!(status["reference"], "order-1001");
    assert_eq!(status["destination"], "Замовлення 1001");
    assert!(status.get("paymentInfo").is_none());
}

#[tokio::test]
async fn paying_moves_an_invoice_to_success_with_payment_info_fee_and_one_ledger_charge() {
    let acq = acquiring().await;
    let id = acq.create(invoice(4200)).await;

    let returned = acq.pay(&id, "success");

    let status = acq.status(&id).await;
    assert_eq!(returned, status);
    assert_eq!(status["status"], "success");
    assert_eq!(status["finalAmount"], 4200);
    let info = &status["paymentInfo"];
    assert_eq!(info["maskedPan"], "424242******4242");
    assert_eq!(info["paymentSystem"], "visa");
    assert_eq!(info["paymentMethod"], "pan");
    assert_eq!(info["fee"], 55, "1.3 % of 42.00");
    assert_eq!(info["country"], "804");
    assert_eq!(info["approvalCode"].as_str().unwrap().len(), 6);
    assert_eq!(info["rrn"].as_str().unwrap().len(), 12);
    assert!(info["terminal"].as_str().unwrap().starts_with("MI"));
    assert!(info["tranId"].is_string());
    assert!(status["modifiedDate"].as_str().unwrap() > status["createdDate"].as_str().unwrap());
    assert_eq!(acq.merchant_ledger(), [4200]);
}

#[tokio::test]
async fn the_failure_card_fails_with_code_59_and_the_pending_card_stays_processing() {
    let acq = acquiring().await;
    let failing = acq.create(invoice(100)).await;
    let pending = acq.create(invoice(100)).await;

    acq.pay(&failing, "failure");
    acq.pay(&pending, "pending");
    acq.advance(40 * DAY);

    let failed = acq.status(&failing).await;
    assert_eq!(failed["status"], "failure");
    assert_eq!(failed["errCode"], "59");
    assert!(failed["failureReason"].is_string());
    assert_eq!(acq.status(&pending).await["status"], "processing");
    assert!(acq.merchant_ledger().is_empty());
    assert_eq!(
        acq.mono
            .handle
            .test_party(TestOutcome::Failure)
            .unwrap()
            .kind,
        "card"
    );
}

#[tokio::test]
async fn an_unpaid_invoice_expires_after_its_validity_and_long_validities_are_cut_to_30_days() {
    let acq = acquiring().await;
    let short = acq.create(json!({"amount": 100, "validity": 3600})).await;
    let default = acq.create(json!({"amount": 100})).await;
    let long = acq
        .create(json!({"amount": 100, "validity": 90 * DAY}))
        .await;

    acq.advance(3599);
    assert_eq!(acq.status(&short).await["status"], "created");
    acq.advance(1);
    assert_eq!(acq.status(&short).await["status"], "expired");
    assert_eq!(acq.status(&default).await["status"], "created");
    acq.advance(DAY);
    assert_eq!(acq.status(&default).await["status"], "expired");
    acq.advance(29 * DAY - 3600 - 1);
    assert_eq!(acq.status(&long).await["status"], "created");
    acq.advance(1);
    assert_eq!(acq.status(&long).await["status"], "expired");
    let event = json!({"type": "pay_invoice", "invoice_id": long});
    assert!(acq
        .mono
        .handle
        .trigger(SandboxEvent::Custom(event))
        .is_err());
}

#[tokio::test]
async fn a_hold_is_finalized_partially_and_charged_only_what_was_finalized() {
    let acq = acquiring().await;
    let mut body = invoice(10_000);
    body["paymentType"] = json!("hold");
    let id = paid(&acq, body).await;
    let held = acq.status(&id).await;
    assert_eq!(held["status"], "hold");
    assert!(acq.merchant_ledger().is_empty());
    let info = acq
        .get(&format!(
            "/api/merchant/invoice/payment-info?invoiceId={id}"
        ))
        .await;
    assert_eq!(info.status, 400);
    assert_eq!(info.body["errCode"], "HOLD_INVOICE_NOT_FINALIZED");

    let over = acq
        .post(
            "/api/merchant/invoice/finalize",
            json!({"invoiceId": id, "amount": 10_001}),
        )
        .await;
    assert_eq!(over.status, 400);
    assert_eq!(over.body["errCode"], "BAD_REQUEST");
    let done = acq
        .post_ok(
            "/api/merchant/invoice/finalize",
            json!({"invoiceId": id, "amount": 7_500}),
        )
        .await;

    assert_eq!(done, json!({"status": "success"}));
    let status = acq.status(&id).await;
    assert_eq!(status["status"], "success");
    assert_eq!(status["finalAmount"], 7_500);
    assert_eq!(status["paymentInfo"]["fee"], 98);
    assert_eq!(acq.merchant_ledger(), [7_500]);
    acq.advance(10 * DAY);
    assert_eq!(acq.status(&id).await["status"], "success");
}

#[tokio::test]
async fn a_hold_not_finalized_is_cancelled_after_9_days() {
    let acq = acquiring().await;
    let id = paid(&acq, json!({"amount": 5000, "paymentType": "hold"})).await;

    acq.advance(9 * DAY - 60);
    assert_eq!(acq.status(&id).await["status"], "hold");
    acq.advance(61);

    let status = acq.status(&id).await;
    assert_eq!(status["status"], "reversed");
    assert_eq!(status["finalAmount"], 0);
    assert!(acq.merchant_ledger().is_empty());
    let late = acq
        .post(
            "/api/merchant/invoice/finalize",
            json!({"invoiceId": id, "amount": 5000}),
        )
        .await;
    assert_eq!(late.status, 400);
}

#[tokio::test]
async fn cancelling_a_hold_releases_it_whole() {
    let acq = acquiring().await;
    let id = paid(&acq, json!({"amount": 5000, "paymentType": "hold"})).await;

    let partial = acq
        .post(
            "/api/merchant/invoice/cancel",
            json!({"invoiceId": id, "amount": 1000}),
        )
        .await;
    assert_eq!(partial.body["errCode"], "WRONG_CANCEL_AMOUNT");
    acq.post_ok("/api/merchant/invoice/cancel", json!({"invoiceId": id}))
        .await;

    let status = acq.status(&id).await;
    assert_eq!(status["status"], "reversed");
    assert_eq!(status["finalAmount"], 0);
    assert!(acq.merchant_ledger().is_empty());
}

#[tokio::test]
async fn partial_then_full_refunds_fill_the_cancel_list_and_end_reversed() {
    let acq = acquiring().await;
    let id = paid(&acq, invoice(4200)).await;

    let first = acq
        .post_ok(
            "/api/merchant/invoice/cancel",
            json!({"invoiceId": id, "amount": 1000, "extRef": "refund-1"}),
        )
        .await;
    assert_eq!(first["status"], "success");
    assert!(first["createdDate"].is_string() && first["modifiedDate"].is_string());
    let after_first = acq.status(&id).await;
    assert_eq!(after_first["status"], "success");
    assert_eq!(after_first["finalAmount"], 3200);
    let item = &after_first["cancelList"][0];
    assert_eq!(item["status"], "success");
    assert_eq!(item["amount"], 1000);
    assert_eq!(item["ccy"], 980);
    assert_eq!(item["extRef"], "refund-1");
    for field in ["createdDate", "modifiedDate", "approvalCode", "rrn"] {
        assert!(item[field].is_string(), "{field}");
    }
    let over = acq
        .post(
            "/api/merchant/invoice/cancel",
            json!({"invoiceId": id, "amount": 3201}),
        )
        .await;
    assert_eq!(over.status, 400);
    assert_eq!(
        over.body,
        json!({"errCode": "WRONG_CANCEL_AMOUNT", "errText": "wrong cancel amount"})
    );

    acq.post_ok("/api/merchant/invoice/cancel", json!({"invoiceId": id}))
        .await;

    let end = acq.status(&id).await;
    assert_eq!(end["status"], "reversed");
    assert_eq!(end["finalAmount"], 0);
    assert_eq!(end["cancelList"].as_array().unwrap().len(), 2);
    assert_eq!(end["cancelList"][1]["amount"], 3200);
    assert_eq!(acq.merchant_ledger(), [4200, -1000, -3200]);
    let again = acq
        .post("/api/merchant/invoice/cancel", json!({"invoiceId": id}))
        .await;
    assert_eq!(again.body["errCode"], "WRONG_CANCEL_AMOUNT");
}

#[tokio::test]
async fn cancelling_an_unpaid_invoice_is_not_available() {
    let acq = acquiring().await;
    let id = acq.create(invoice(100)).await;

    let answer = acq
        .post("/api/merchant/invoice/cancel", json!({"invoiceId": id}))
        .await;

    assert_eq!(answer.status, 500);
    assert_eq!(answer.body["errCode"], "CANCEL_NOT_AVAILABLE");
}

#[tokio::test]
async fn remove_works_only_before_payment() {
    let acq = acquiring().await;
    let unpaid = acq.create(invoice(100)).await;
    let paid_id = paid(&acq, invoice(100)).await;

    let removed = acq
        .post_ok("/api/merchant/invoice/remove", json!({"invoiceId": unpaid}))
        .await;
    let refused = acq
        .post(
            "/api/merchant/invoice/remove",
            json!({"invoiceId": paid_id}),
        )
        .await;

    assert_eq!(removed, json!({}));
    assert_eq!(acq.status(&unpaid).await["status"], "expired");
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["errCode"], "BAD_REQUEST");
    assert_eq!(acq.status(&paid_id).await["status"], "success");
}

#[tokio::test]
async fn errors_have_the_documented_shapes_and_statuses() {
    let acq = acquiring().await;

    let empty = acq.post("/api/merchant/invoice/cancel", json!({})).await;
    assert_eq!(empty.status, 400);
    assert_eq!(empty.content_type, "application/json");
    assert_eq!(
        empty.body,
        json!({"errCode": "BAD_REQUEST", "errText": "empty 'invoiceId'"})
    );
    let missing_query = acq.get("/api/merchant/invoice/status").await;
    assert_eq!(missing_query.body["errText"], "empty 'invoiceId'");
    let unknown = acq
        .get("/api/merchant/invoice/status?invoiceId=p2_nothing")
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["errCode"], "NOT_FOUND");
    let bad_ccy = acq
        .post(
            "/api/merchant/invoice/create",
            json!({"amount": 100, "ccy": 999}),
        )
        .await;
    assert_eq!(bad_ccy.body["errText"], "invalid 'ccy'");
    let bad_type = acq
        .post(
            "/api/merchant/invoice/create",
            json!({"amount": 100, "paymentType": "later"}),
        )
        .await;
    assert_eq!(bad_type.body["errText"], "invalid 'paymentType'");
    let bad_info = acq
        .post(
            "/api/merchant/invoice/create",
            json!({"amount": 100, "merchantPaymInfo": {"basketOrder": [{"name": "x"}]}}),
        )
        .await;
    assert_eq!(bad_info.status, 400);
    assert_eq!(bad_info.body["errCode"], "INVALID_MERCHANT_PAYM_INFO");
    let not_json = acq
        .call(
            "POST",
            "/api/merchant/invoice/create",
            Some(&acq.merchant_token),
            None,
        )
        .await;
    assert_eq!(not_json.status, 400);
    let wrong_method = acq.get("/api/merchant/invoice/create").await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(
        wrong_method.body,
        json!({"errCode": "METHOD_NOT_ALLOWED", "errText": "Method not allowed"})
    );
    let unknown_path = acq.get("/api/merchant/nothing-here").await;
    assert_eq!(unknown_path.status, 404);
    assert_eq!(unknown_path.body["errCode"], "NOT_FOUND");
    let bad_qr = acq.get("/api/merchant/qr/details?qrId=nope").await;
    assert_eq!(
        bad_qr.body,
        json!({"errCode": "NOT_FOUND", "errText": "invalid 'qrId'"})
    );
}

#[tokio::test]
async fn a_missing_or_unknown_token_is_403_forbidden() {
    let acq = acquiring().await;

    let missing = acq.call("GET", "/api/merchant/details", None, None).await;
    let wrong = acq
        .call("GET", "/api/merchant/details", Some("u-not-a-token"), None)
        .await;

    for answer in [missing, wrong] {
        assert_eq!(answer.status, 403);
        assert_eq!(
            answer.body,
            json!({"errCode": "FORBIDDEN", "errText": "forbidden"})
        );
    }
}

#[tokio::test]
async fn injected_faults_answer_in_the_acquiring_shape_and_the_personal_api_keeps_its_own() {
    let acq = acquiring().await;
    acq.mono
        .handle
        .inject(Fault::status(429).on("GET", "/api/merchant/details"));
    acq.mono
        .handle
        .inject(Fault::status(500).on("POST", "/api/merchant/invoice/create"));
    acq.mono
        .handle
        .inject(Fault::status(429).on("GET", "/personal/client-info"));

    let limited = acq.get("/api/merchant/details").await;
    let broken = acq
        .post("/api/merchant/invoice/create", json!({"amount": 1}))
        .await;
    let personal = acq.mono.get("/personal/client-info").await;

    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.body,
        json!({"errCode": "TMR", "errText": "too many requests"})
    );
    assert_eq!(broken.status, 500);
    assert_eq!(broken.body["errCode"], "INTERNAL_ERROR");
    assert_eq!(personal.status(), 429);
    let body: Value = personal.json().await.unwrap();
    assert_eq!(body, json!({"errorDescription": "Too many requests"}));
}

#[tokio::test]
async fn the_test_token_is_a_separate_test_merchant_without_receipts() {
    let acq = acquiring().await;
    let test_token = acq.mono.token.clone();
    let live_id = paid(&acq, invoice(4200)).await;
    let created = acq
        .call(
            "POST",
            "/api/merchant/invoice/create",
            Some(&test_token),
            Some(invoice(100)),
        )
        .await;
    let test_id = created.body["invoiceId"].as_str().unwrap().to_owned();
    acq.pay(&test_id, "success");

    let receipt = acq
        .call(
            "GET",
            &format!("/api/merchant/invoice/receipt?invoiceId={test_id}"),
            Some(&test_token),
            None,
        )
        .await;
    let foreign = acq
        .call(
            "GET",
            &format!("/api/merchant/invoice/status?invoiceId={live_id}"),
            Some(&test_token),
            None,
        )
        .await;
    let employees = acq
        .call(
            "GET",
            "/api/merchant/employee/list",
            Some(&test_token),
            None,
        )
        .await;

    assert_eq!(receipt.status, 400);
    assert_eq!(
        receipt.body,
        json!({"errCode": "BAD_REQUEST", "errText": "receipt is not available with a test token"})
    );
    assert_eq!(foreign.status, 404);
    let list = employees.body["list"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list[0]["name"].as_str().unwrap().starts_with("Тестовий"));
    assert_eq!(acq.merchant_ledger(), [4200]);
    let ledger = acq.mono.handle.ledger();
    assert_eq!(
        ledger.account("merchant_test").unwrap().transactions[0].amount_minor,
        100
    );
}

#[tokio::test]
async fn a_receipt_is_a_base64_pdf_for_a_paid_invoice_and_400_before_payment() {
    let acq = acquiring().await;
    let unpaid = acq.create(invoice(100)).await;
    let paid_id = paid(&acq, invoice(4200)).await;

    let refused = acq
        .get(&format!("/api/merchant/invoice/receipt?invoiceId={unpaid}"))
        .await;
    let receipt = acq
        .get_ok(&format!(
            "/api/merchant/invoice/receipt?invoiceId={paid_id}"
        ))
        .await;
    let checks = acq
        .get_ok(&format!(
            "/api/merchant/invoice/fiscal-checks?invoiceId={paid_id}"
        ))
        .await;

    assert_eq!(refused.status, 400);
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(receipt["file"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    assert_eq!(checks["checks"][0]["type"], "sale");
    assert_eq!(checks["checks"][0]["status"], "done");
    assert_eq!(checks["checks"][0]["fiscalizationSource"], "monopay");
}

#[tokio::test]
async fn payment_direct_is_not_deduplicated_two_identical_requests_charge_twice() {
    let acq = acquiring().await;
    let body = json!({"amount": 2500, "ccy": 980,
                      "cardData": {"pan": "4242424242424242", "exp": "1242", "cvv": "123"},
                      "merchantPaymInfo": {"reference": "order-7"}, "initiationKind": "merchant"});

    let first = acq
        .post_ok("/api/merchant/invoice/payment-direct", body.clone())
        .await;
    let second = acq
        .post_ok("/api/merchant/invoice/payment-direct", body)
        .await;

    assert_eq!(first["status"], "success");
    assert_eq!(second["status"], "success");
    assert_ne!(first["invoiceId"], second["invoiceId"]);
    for field in ["amount", "ccy", "createdDate", "modifiedDate"] {
        assert!(first.get(field).is_some(), "{field}");
    }
    assert_eq!(acq.merchant_ledger(), [2500, 2500]);
    let status = acq.status(first["invoiceId"].as_str().unwrap()).await;
    assert_eq!(status["paymentInfo"]["paymentMethod"], "direct");
}

#[tokio::test]
async fn payment_direct_with_a_number_failing_luhn_fails_with_code_52_and_bad_expiry_is_400() {
    let acq = acquiring().await;
    let card = |pan: &str, exp: &str| json!({"amount": 100, "cardData": {"pan": pan, "exp": exp, "cvv": "123"}});

    let luhn = acq
        .post_ok(
            "/api/merchant/invoice/payment-direct",
            card("4242424242424241", "1242"),
        )
        .await;
    let expiry = acq
        .post(
            "/api/merchant/invoice/payment-direct",
            card("4242424242424242", "13/42"),
        )
        .await;
    let no_card = acq
        .post(
            "/api/merchant/invoice/payment-direct",
            json!({"amount": 100}),
        )
        .await;

    assert_eq!(luhn["status"], "failure");
    let status = acq.status(luhn["invoiceId"].as_str().unwrap()).await;
    assert_eq!(status["errCode"], "52");
    assert_eq!(expiry.status, 400);
    assert_eq!(no_card.body["errText"], "empty 'cardData'");
    assert!(acq.merchant_ledger().is_empty());
}

#[tokio::test]
async fn sync_payment_charges_at_once_and_needs_exactly_one_card_source() {
    let acq = acquiring().await;
    let card = json!({"pan": "5555555555554444", "type": "FPAN", "exp": "0642",
                      "eciIndicator": "02"});

    let status = acq
        .post_ok(
            "/api/merchant/invoice/sync-payment",
            json!({"amount": 900, "ccy": 980, "cardData": card}),
        )
        .await;
    let neither = acq
        .post(
            "/api/merchant/invoice/sync-payment",
            json!({"amount": 900, "ccy": 980}),
        )
        .await;

    assert_eq!(status["status"], "success");
    assert_eq!(status["paymentInfo"]["paymentSystem"], "mastercard");
    assert_eq!(neither.status, 400);
    assert_eq!(acq.merchant_ledger(), [900]);
}

#[tokio::test]
async fn a_saved_card_goes_to_the_wallet_pays_by_token_and_can_be_deleted() {
    let acq = acquiring().await;
    let id = paid(
        &acq,
        json!({"amount": 100, "saveCardData": {"saveCard": true, "walletId": "wallet-1"}}),
    )
    .await;
    let status = acq.status(&id).await;
    let token = status["walletData"]["cardToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status["walletData"]["walletId"], "wallet-1");
    assert_eq!(status["walletData"]["status"], "created");

    let wallet = acq.get_ok("/api/merchant/wallet?walletId=wallet-1").await;
    assert_eq!(wallet["wallet"][0]["cardToken"], token.as_str());
    assert_eq!(wallet["wallet"][0]["maskedPan"], "424242******4242");
    let payment = acq
        .post_ok(
            "/api/merchant/wallet/payment",
            json!({"cardToken": token, "amount": 700, "ccy": 980, "initiationKind": "merchant"}),
        )
        .await;
    assert_eq!(payment["status"], "success");
    let deleted = acq
        .call(
            "DELETE",
            &format!("/api/merchant/wallet/card?cardToken={token}"),
            Some(&acq.merchant_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, json!({}));
    let gone = acq
        .post(
            "/api/merchant/wallet/payment",
            json!({"cardToken": token, "amount": 700, "ccy": 980, "initiationKind": "merchant"}),
        )
        .await;
    assert_eq!(gone.body["errCode"], "TOKEN_NOT_FOUND");
    assert_eq!(acq.merchant_ledger(), [100, 700]);
}

#[tokio::test]
async fn the_statement_lists_paid_invoices_newest_first_with_their_reference() {
    let acq = acquiring().await;
    let from = acq.mono.now();
    let mut first = invoice(1000);
    first["merchantPaymInfo"]["reference"] = json!("order-A");
    let first = paid(&acq, first).await;
    acq.advance(60);
    let mut second = invoice(2000);
    second["merchantPaymInfo"]["reference"] = json!("order-B");
    let second = paid(&acq, second).await;
    let _unpaid = acq.create(invoice(3000)).await;

    let list = acq
        .get_ok(&format!("/api/merchant/statement?from={from}"))
        .await;

    let items = list["list"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["invoiceId"], second.as_str());
    assert_eq!(items[0]["reference"], "order-B");
    assert_eq!(items[1]["invoiceId"], first.as_str());
    assert_eq!(items[1]["status"], "success");
    assert_eq!(items[1]["paymentScheme"], "full");
    assert_eq!(items[1]["profitAmount"], 1000 - 13);
    let earlier = acq
        .get_ok(&format!(
            "/api/merchant/statement?from={}&to={}",
            from - 100,
            from - 1
        ))
        .await;
    assert_eq!(earlier["list"], json!([]));
    let missing = acq.get("/api/merchant/statement").await;
    assert_eq!(missing.body["errText"], "empty 'from'");
}

#[tokio::test]
async fn subscriptions_charge_every_interval_on_the_clock() {
    let acq = acquiring().await;
    let created = acq
        .post_ok(
            "/api/merchant/subscription/create",
            json!({"amount": 9900, "ccy": 980, "interval": "1w"}),
        )
        .await;
    let id = created["subscriptionId"].as_str().unwrap().to_owned();
    assert!(created["pageUrl"].as_str().unwrap().ends_with(&id));
    let before = acq
        .get_ok(&format!(
            "/api/merchant/subscription/status?subscriptionId={id}"
        ))
        .await;
    assert_eq!(before["walletData"]["status"], "new");

    acq.pay(&id, "success");
    acq.advance(7 * DAY * 2 + 60);

    let status = acq
        .get_ok(&format!(
            "/api/merchant/subscription/status?subscriptionId={id}"
        ))
        .await;
    assert_eq!(status["status"], "active");
    assert_eq!(status["summary"]["totalPaid"], 3);
    assert_eq!(status["interval"], "1w");
    assert_eq!(acq.merchant_ledger(), [9900, 9900, 9900]);
    let from = "2000-01-01T00:00:00Z";
    let payments = acq
        .get_ok(&format!(
            "/api/merchant/subscription/payments?subscriptionId={id}&dateFrom={from}&limit=2"
        ))
        .await;
    assert_eq!(payments["payments"].as_array().unwrap().len(), 2);
    assert_eq!(payments["pagination"]["totalItems"], 3);
    assert_eq!(payments["pagination"]["totalPages"], 2);
    let refused = acq
        .post(
            "/api/merchant/subscription/remove",
            json!({"subscriptionId": id}),
        )
        .await;
    assert_eq!(refused.status, 400);
    acq.post_ok(
        "/api/merchant/subscription/edit",
        json!({"subscriptionId": id, "action": "cancel"}),
    )
    .await;
    acq.advance(30 * DAY);
    let cancelled = acq
        .get_ok(&format!(
            "/api/merchant/subscription/status?subscriptionId={id}"
        ))
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["summary"]["totalPaid"], 3);
    let list = acq
        .get_ok(&format!(
            "/api/merchant/subscription/list?dateFrom={from}&status=cancelled"
        ))
        .await;
    assert_eq!(list["list"][0]["subscriptionId"], id.as_str());
}

#[tokio::test]
async fn seeded_lists_qr_tills_and_tap_to_phone_payments_answer() {
    let acq = acquiring().await;

    let details = acq.get_ok("/api/merchant/details").await;
    let qrs = acq.get_ok("/api/merchant/qr/list").await;
    let submerchants = acq.get_ok("/api/merchant/submerchant/list").await;
    let receivers = acq.get_ok("/api/merchant/split-receiver/list").await;
    let terminals = acq.get_ok("/api/merchant/t2p/terminal/list").await;
    let pubkey = acq.get_ok("/api/merchant/pubkey").await;

    for field in ["merchantId", "merchantName", "edrpou"] {
        assert!(details[field].is_string());
    }
    let qr = &qrs["list"][0];
    let qr_id = qr["qrId"].as_str().unwrap().to_owned();
    assert!(qr["shortQrId"].is_string() && qr["amountType"].is_string());
    assert!(submerchants["list"][0]["iban"]
        .as_str()
        .unwrap()
        .starts_with("UA"));
    assert!(receivers["list"][0]["splitReceiverId"].is_string());
    assert!(terminals["list"][0]["terminal"].is_string());
    assert!(pubkey["key"].is_string());

    let invoice_id = acq.create(json!({"amount": 4500, "qrId": qr_id})).await;
    let with_amount = acq
        .get_ok(&format!("/api/merchant/qr/details?qrId={qr_id}"))
        .await;
    assert_eq!(with_amount["invoiceId"], invoice_id.as_str());
    assert_eq!(with_amount["amount"], 4500);
    acq.post_ok("/api/merchant/qr/reset-amount", json!({"qrId": qr_id}))
        .await;
    let reset = acq
        .get_ok(&format!("/api/merchant/qr/details?qrId={qr_id}"))
        .await;
    assert!(reset.get("invoiceId").is_none());

    let pending = acq.create(json!({"amount": 4500, "qrId": qr_id})).await;
    acq.pay(&pending, "pending");
    let busy = acq
        .post("/api/merchant/qr/reset-amount", json!({"qrId": qr_id}))
        .await;
    assert_eq!(busy.body["errCode"], "ORDER_IN_PROGRESS");
}

#[tokio::test]
async fn tap_to_phone_payments_pos_cancels_and_monopay_keys() {
    let acq = acquiring().await;
    let made = acq
        .mono
        .handle
        .trigger(SandboxEvent::Custom(
            json!({"type": "t2p_payment", "amount": 3500, "external_payment_id": "ext-1"}),
        ))
        .unwrap();
    let rrn = made["rrn"].as_str().unwrap().to_owned();
    let status = acq
        .get_ok("/api/merchant/t2p/terminal/payment/external/status?externalPaymentId=ext-1")
        .await;
    assert_eq!(status, made);
    assert_eq!(status["ccy"], "UAH");
    assert_eq!(status["status"], "success");
    let partial = acq
        .post_ok(
            "/api/merchant/pos-transaction-cancel",
            json!({"rrn": rrn, "amount": 3000}),
        )
        .await;
    assert_eq!(partial["status"], "ok");
    assert!(partial["tranId"].is_string());
    let over = acq
        .post(
            "/api/merchant/pos-transaction-cancel",
            json!({"rrn": rrn, "amount": 501}),
        )
        .await;
    assert_eq!(over.body["errCode"], "WRONG_CANCEL_AMOUNT");
    acq.advance(91 * DAY);
    let old = acq
        .get("/api/merchant/t2p/terminal/payment/external/status?externalPaymentId=ext-1")
        .await;
    assert_eq!(old.status, 404);
    let unknown = acq
        .get("/api/merchant/t2p/terminal/payment/external/status?externalPaymentId=nope")
        .await;
    assert_eq!(unknown.status, 404);
    let keys = acq
        .post_ok(
            "/api/merchant/monopay/pubkey-import",
            json!({"keyValue": "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K", "keyName": "k1",
                   "expiresAt": "2030-02-02T15:04:05+03:00"}),
        )
        .await;
    let key_id = keys["result"]["keyId"].as_str().unwrap().to_owned();
    let list = acq.get_ok("/api/merchant/monopay/pubkey-list").await;
    assert_eq!(list["result"][0]["keyId"], key_id.as_str());
    assert_eq!(list["result"][0]["keyName"], "k1");
    acq.post_ok(
        "/api/merchant/monopay/pubkey-delete",
        json!({"keyId": key_id}),
    )
    .await;
    let again = acq
        .post(
            "/api/merchant/monopay/pubkey-delete",
            json!({"keyId": key_id}),
        )
        .await;
    assert_eq!(again.status, 404);
    let bad_rrn = acq
        .post(
            "/api/merchant/pos-transaction-cancel",
            json!({"rrn": "000000000000", "amount": 100}),
        )
        .await;
    assert_eq!(bad_rrn.status, 404);
}

#[tokio::test]
async fn invoices_are_capped_dropping_the_oldest_finished_first() {
    let acq = acquiring_with(StateLimits::default().max_payments(3)).await;
    let open = acq.create(invoice(100)).await;
    let finished: Vec<String> = futures_collect(&acq, 3).await;

    let sizes = acq.mono.handle.state_sizes();

    assert_eq!(sizes["invoices"], 3);
    assert_eq!(acq.status(&open).await["status"], "created");
    let dropped = acq
        .get(&format!(
            "/api/merchant/invoice/status?invoiceId={}",
            finished[0]
        ))
        .await;
    assert_eq!(dropped.status, 404);
    assert_eq!(acq.status(&finished[2]).await["status"], "success");
}

async fn futures_collect(acq: &Acq, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(paid(acq, invoice(100)).await);
    }
    ids
}

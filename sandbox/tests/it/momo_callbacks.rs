//! MoMo callbacks: delivered when a payment ends on the sandbox clock, PUT (or POST), with the
//! status body, and retried in clock time.

use crate::momo_common;

use bankkit_sandbox::DeliveryState;
use momo_common::{momo, request_to_pay, transfer, uuid, JSON, WAIT};
use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const RTP: &str = "/collection/v1_0/requesttopay";

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_callback_is_put_with_the_status_body_once_the_clock_passes_the_end() {
    let momo = momo().await;
    let receiver = receiver(200).await;
    let url = format!("{}/momo/callback", receiver.uri());
    let id = uuid();
    let created = momo
        .create(
            RTP,
            &id,
            &request_to_pay("46733123456", "15.50"),
            Some(&url),
        )
        .await;
    assert_eq!(created.status(), 202);

    let before = momo.handle.deliveries();
    assert_eq!(before.len(), 1);
    assert!(before[0].attempts.is_empty());
    momo.advance(5);
    let log = momo.handle.wait_for_deliveries(1, WAIT).await;

    assert_eq!(log[0].state, DeliveryState::Delivered);
    assert_eq!(log[0].method, "PUT");
    assert_eq!(log[0].url, url);
    let status = momo.get_json(&format!("{RTP}/{id}")).await;
    assert_eq!(log[0].body, status);
    assert_eq!(status["status"], "SUCCESSFUL");
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method.as_str(), "PUT");
    assert_eq!(requests[0].url.path(), "/momo/callback");
    assert_eq!(requests[0].headers["content-type"], JSON);
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[0].body).unwrap(),
        status
    );
}

#[tokio::test]
async fn callbacks_can_be_posted_instead() {
    let momo = momo().await;
    let receiver = receiver(200).await;
    assert_eq!(
        momo.event(json!({"type": "callback_method", "method": "POST"})),
        json!({"method": "POST"})
    );
    momo.create(
        "/disbursement/v1_0/transfer",
        &uuid(),
        &transfer("46733123450", "3"),
        Some(&receiver.uri()),
    )
    .await;

    momo.advance(5);
    let log = momo.handle.wait_for_deliveries(1, WAIT).await;

    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].body["status"], "FAILED");
    assert_eq!(log[0].body["reason"], "INTERNAL_PROCESSING_ERROR");
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests[0].method.as_str(), "POST");
}

#[tokio::test]
async fn the_ongoing_number_calls_back_when_it_is_asked_after_30_seconds() {
    let momo = momo().await;
    let receiver = receiver(200).await;
    let id = uuid();
    momo.create(
        RTP,
        &id,
        &request_to_pay("46733123453", "1"),
        Some(&receiver.uri()),
    )
    .await;

    momo.advance(60);
    assert!(momo.handle.deliveries().is_empty());
    momo.get_json(&format!("{RTP}/{id}")).await;
    let log = momo.handle.wait_for_deliveries(1, WAIT).await;

    assert_eq!(log.len(), 1);
    assert_eq!(log[0].body["status"], "SUCCESSFUL");
}

#[tokio::test]
async fn a_pending_payment_sends_no_callback() {
    let momo = momo().await;
    let receiver = receiver(200).await;
    momo.create(
        RTP,
        &uuid(),
        &request_to_pay("46733123454", "1"),
        Some(&receiver.uri()),
    )
    .await;

    momo.advance(3600);

    assert!(momo.handle.deliveries().is_empty());
}

#[tokio::test]
async fn a_failing_receiver_is_retried_one_second_later_on_the_clock() {
    let momo = momo().await;
    let receiver = receiver(500).await;
    momo.create(
        RTP,
        &uuid(),
        &request_to_pay("46733123456", "1"),
        Some(&receiver.uri()),
    )
    .await;
    momo.advance(5);
    let log = momo
        .handle
        .wait_for_delivery_log(
            |log| {
                log.iter()
                    .any(|d| d.attempts.len() == 1 && d.state == DeliveryState::Failed)
            },
            WAIT,
        )
        .await;
    assert_eq!(log[0].attempts[0].status, Some(500));

    momo.advance(1);
    let log = momo
        .handle
        .wait_for_delivery_log(|log| log[0].attempts.len() == 2, WAIT)
        .await;

    assert_eq!(log[0].attempts.len(), 2);
    assert_eq!(
        (log[0].attempts[1].at - log[0].attempts[0].at).num_seconds(),
        1
    );
}

#[tokio::test]
async fn cancelling_a_pending_invoice_withdraws_its_callback() {
    let momo = momo().await;
    let receiver = receiver(200).await;
    let invoice = uuid();
    momo.create(
        "/collection/v2_0/invoice",
        &invoice,
        &json!({
            "externalId": "inv-1", "amount": "30", "currency": "EUR",
            "validityDuration": "3600", "description": "Invoice 1",
            "intendedPayer": {"partyIdType": "MSISDN", "partyId": "46733123456"},
        }),
        Some(&receiver.uri()),
    )
    .await;
    assert_eq!(momo.handle.deliveries().len(), 1);

    let cancel = momo
        .request(
            reqwest::Method::DELETE,
            &format!("/collection/v2_0/invoice/{invoice}"),
        )
        .await
        .header("X-Reference-Id", uuid())
        .json(&json!({"externalId": "inv-1"}))
        .send()
        .await
        .unwrap();
    momo.advance(10);

    assert_eq!(cancel.status(), 202);
    assert!(momo.handle.deliveries().is_empty());
}

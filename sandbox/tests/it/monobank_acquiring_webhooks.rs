//! Monobank acquiring webhooks: signed bodies, retries, holds, expiry, out-of-order delivery.

use crate::acquiring_common::{acquiring, Acq};

use std::time::Duration;

use bankkit_sandbox::{DeliveryState, SandboxEvent};
use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const WAIT: Duration = Duration::from_secs(20);

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

async fn public_key(acq: &Acq) -> VerifyingKey {
    let key = acq.get_ok("/api/merchant/pubkey").await;
    let pem = base64::engine::general_purpose::STANDARD
        .decode(key["key"].as_str().unwrap())
        .unwrap();
    let pem = String::from_utf8(pem).unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    VerifyingKey::from_public_key_pem(&pem).unwrap()
}

fn verifies(key: &VerifyingKey, request: &Request, body: &[u8]) -> bool {
    let sign = request.headers.get("x-sign").unwrap().to_str().unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(sign)
        .unwrap();
    let signature = Signature::from_der(&der).unwrap();
    key.verify(body, &signature).is_ok()
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

async fn invoice_with_hook(acq: &Acq, server: &MockServer, extra: Value) -> String {
    let mut body = json!({"amount": 4200, "webHookUrl": format!("{}/mono/hook", server.uri()),
                          "merchantPaymInfo": {"reference": "order-9"}});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    acq.create(body).await
}

#[tokio::test]
async fn each_status_change_is_posted_signed_over_the_exact_bytes_with_the_published_key() {
    let acq = acquiring().await;
    let server = receiver(200).await;
    let key = public_key(&acq).await;
    let id = invoice_with_hook(&acq, &server, json!({})).await;

    acq.pay(&id, "success");
    let log = acq.mono.handle.wait_for_deliveries(2, WAIT).await;

    assert!(log.iter().all(|d| d.state == DeliveryState::Delivered));
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    received.sort_by_key(|r| body_of(r)["modifiedDate"].as_str().unwrap().to_owned());
    assert_eq!(body_of(&received[0])["status"], "processing");
    assert_eq!(body_of(&received[1])["status"], "success");
    assert_eq!(body_of(&received[1]), acq.status(&id).await);
    for request in &received {
        assert_eq!(request.url.path(), "/mono/hook");
        assert_eq!(request.headers["content-type"], "application/json");
        assert!(verifies(&key, request, &request.body));
        let mut tampered = request.body.clone();
        tampered[10] ^= 1;
        assert!(!verifies(&key, request, &tampered));
        let reformatted = serde_json::to_vec_pretty(&body_of(request)).unwrap();
        assert!(!verifies(&key, request, &reformatted));
    }
}

#[tokio::test]
async fn a_receiver_that_does_not_answer_200_gets_3_attempts_60_seconds_apart() {
    let acq = acquiring().await;
    let server = receiver(204).await;
    let id = invoice_with_hook(&acq, &server, json!({})).await;
    acq.pay(&id, "failure");
    let attempted = |n: usize| {
        move |log: &[bankkit_sandbox::Delivery]| {
            log.len() == 2 && log.iter().all(|d| d.attempts.len() >= n)
        }
    };
    acq.mono
        .handle
        .wait_for_delivery_log(attempted(1), WAIT)
        .await;

    acq.advance(60);
    acq.mono
        .handle
        .wait_for_delivery_log(attempted(2), WAIT)
        .await;
    acq.advance(60);
    let log = acq.mono.handle.wait_for_deliveries(2, WAIT).await;

    for delivery in &log {
        assert_eq!(delivery.attempts.len(), 3);
        assert_eq!(delivery.state, DeliveryState::GaveUp);
        assert_eq!(delivery.attempts[0].status, Some(204));
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
    let failure = log.iter().find(|d| d.body["status"] == "failure").unwrap();
    assert_eq!(failure.body["errCode"], "59");
}

#[tokio::test]
async fn an_expired_invoice_sends_no_webhook() {
    let acq = acquiring().await;
    let server = receiver(200).await;
    let id = invoice_with_hook(&acq, &server, json!({"validity": 60})).await;

    acq.advance(61);
    assert_eq!(acq.status(&id).await["status"], "expired");
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert!(acq.mono.handle.deliveries().is_empty());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_hold_cancelled_after_9_days_is_announced_when_the_clock_gets_there() {
    let acq = acquiring().await;
    let server = receiver(200).await;
    let key = public_key(&acq).await;
    let id = invoice_with_hook(&acq, &server, json!({"paymentType": "hold"})).await;
    acq.pay(&id, "success");
    acq.mono.handle.wait_for_deliveries(2, WAIT).await;

    acq.advance(9 * 86_400 + 5);
    let log = acq.mono.handle.wait_for_deliveries(3, WAIT).await;

    assert_eq!(log.len(), 3);
    let received = server.received_requests().await.unwrap();
    let release = received
        .iter()
        .find(|r| body_of(r)["status"] == "reversed")
        .unwrap();
    assert!(verifies(&key, release, &release.body));
    assert_eq!(body_of(release), acq.status(&id).await);
}

#[tokio::test]
async fn finalizing_a_hold_withdraws_the_queued_release_and_announces_success() {
    let acq = acquiring().await;
    let server = receiver(200).await;
    let id = invoice_with_hook(&acq, &server, json!({"paymentType": "hold"})).await;
    acq.pay(&id, "success");
    acq.post_ok(
        "/api/merchant/invoice/finalize",
        json!({"invoiceId": id, "amount": 4000}),
    )
    .await;

    acq.advance(10 * 86_400);
    let log = acq.mono.handle.wait_for_deliveries(3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let statuses: Vec<String> = acq
        .mono
        .handle
        .deliveries()
        .iter()
        .map(|d| d.body["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(log.len(), 3);
    assert_eq!(statuses, ["processing", "hold", "success"]);
}

#[tokio::test]
async fn the_out_of_order_control_resends_the_previous_status_after_the_current_one() {
    let acq = acquiring().await;
    let server = receiver(200).await;
    let id = invoice_with_hook(&acq, &server, json!({})).await;
    acq.pay(&id, "success");
    acq.mono.handle.wait_for_deliveries(2, WAIT).await;

    let resent = acq
        .mono
        .handle
        .trigger(SandboxEvent::Custom(
            json!({"type": "acquiring_webhooks_out_of_order", "invoice_id": id}),
        ))
        .unwrap();
    acq.mono.handle.wait_for_deliveries(3, WAIT).await;

    assert_eq!(resent["resent"]["status"], "processing");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    let last = body_of(&received[2]);
    assert_eq!(last["status"], "processing");
    let current = acq.status(&id).await;
    assert_eq!(current["status"], "success");
    assert!(
        last["modifiedDate"].as_str().unwrap() < current["modifiedDate"].as_str().unwrap(),
        "the late event is older by modifiedDate"
    );
    let unknown = acq.mono.handle.trigger(SandboxEvent::Custom(
        json!({"type": "acquiring_webhooks_out_of_order", "invoice_id": "p2_none"}),
    ));
    assert!(unknown.is_err());
}

#[tokio::test]
async fn a_partial_refund_is_announced_with_the_new_final_amount() {
    let acq = acquiring().await;
    let server = receiver(200).await;
    let id = invoice_with_hook(&acq, &server, json!({})).await;
    acq.pay(&id, "success");

    acq.post_ok(
        "/api/merchant/invoice/cancel",
        json!({"invoiceId": id, "amount": 200}),
    )
    .await;
    let log = acq.mono.handle.wait_for_deliveries(3, WAIT).await;

    let last = log
        .iter()
        .max_by_key(|d| d.body["modifiedDate"].as_str().unwrap().to_owned())
        .unwrap();
    assert_eq!(last.body["finalAmount"], 4000);
    assert_eq!(last.body["cancelList"][0]["amount"], 200);
}

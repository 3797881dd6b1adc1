//! Monzo webhooks: registration, `transaction.created` delivery to every webhook of the
//! account, and five attempts with exponential backoff in sandbox time.

use crate::monzo_common;

use std::time::Duration;

use bankkit_sandbox::{Delivery, DeliveryState, SandboxEvent};
use chrono::TimeDelta;
use monzo_common::{error, monzo, Monzo};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const WAIT: Duration = Duration::from_secs(20);

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

async fn register(mz: &Monzo, account: &str, url: &str) -> Value {
    let response = mz
        .send_form(
            "POST",
            "/webhooks",
            &[("account_id", account), ("url", url)],
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["webhook"].clone()
}

#[tokio::test]
async fn webhooks_are_created_listed_per_account_and_deleted() {
    let mz = monzo().await;
    let account = mz.main_account();
    let joint = mz.account_of_kind("uk_retail_joint");

    let created = register(&mz, &account, "https://example.com/hook?secret=s").await;
    register(&mz, &joint, "https://example.com/joint").await;
    let listed = mz
        .get_json(&format!("/webhooks?account_id={account}"))
        .await;
    let deleted = mz
        .send_form(
            "DELETE",
            &format!("/webhooks/{}", created["id"].as_str().unwrap()),
            &[],
        )
        .await;
    let after = mz
        .get_json(&format!("/webhooks?account_id={account}"))
        .await;

    assert!(created["id"].as_str().unwrap().starts_with("webhook_"));
    assert_eq!(created["account_id"], account.as_str());
    assert_eq!(created["url"], "https://example.com/hook?secret=s");
    assert_eq!(listed, json!({"webhooks": [created.clone()]}));
    assert_eq!(deleted.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(after, json!({"webhooks": []}));
    let again = mz
        .send_form(
            "DELETE",
            &format!("/webhooks/{}", created["id"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(error(again).await.0, 404);
}

#[tokio::test]
async fn a_webhook_needs_a_url() {
    let mz = monzo().await;
    let account = mz.main_account();

    let (status, code, _) = error(
        mz.send_form("POST", "/webhooks", &[("account_id", account.as_str())])
            .await,
    )
    .await;
    let (bad_status, bad_code, _) = error(
        mz.send_form(
            "POST",
            "/webhooks",
            &[("account_id", account.as_str()), ("url", "not a url")],
        )
        .await,
    )
    .await;

    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.missing_param.url")
    );
    assert_eq!(
        (bad_status, bad_code.as_str()),
        (400, "bad_request.bad_param.url")
    );
}

#[tokio::test]
async fn a_card_transaction_is_posted_to_every_webhook_of_the_account() {
    let mz = monzo().await;
    let account = mz.main_account();
    let first = receiver(200).await;
    let second = receiver(204).await;
    let other = receiver(200).await;
    register(&mz, &account, &format!("{}/a", first.uri())).await;
    register(&mz, &account, &format!("{}/b", second.uri())).await;
    register(&mz, &mz.account_of_kind("uk_retail_joint"), &other.uri()).await;

    let transaction = mz
        .handle
        .trigger(SandboxEvent::card_transaction(-450, "Costa Coffee"))
        .unwrap();
    let log = mz.handle.wait_for_deliveries(2, WAIT).await;

    assert_eq!(transaction["merchant"]["name"], "Costa Coffee");
    assert_eq!(transaction["settled"], "");
    assert_eq!(transaction["account_id"], account.as_str());
    assert_eq!(log.len(), 2);
    let expected = json!({"type": "transaction.created", "data": transaction});
    for delivery in &log {
        assert_eq!(delivery.state, DeliveryState::Delivered);
        assert_eq!(delivery.event_type, "transaction.created");
        assert_eq!(delivery.body, expected);
    }
    let posts = first.received_requests().await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].headers["content-type"], "application/json");
    assert_eq!(posts[0].body_json::<Value>().unwrap(), expected);
    assert!(other.received_requests().await.unwrap().is_empty());
    let listed = mz
        .get_json(&format!(
            "/transactions/{}",
            transaction["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(listed["transaction"]["amount"], -450);
}

#[tokio::test]
async fn a_credit_event_is_a_faster_payment_without_a_merchant() {
    let mz = monzo().await;

    let transaction = mz
        .handle
        .trigger(SandboxEvent::card_transaction(2_000, "Sam Lee"))
        .unwrap();

    assert_eq!(transaction["merchant"], Value::Null);
    assert_eq!(transaction["counterparty"]["name"], "Sam Lee");
    let ledger = mz.handle.ledger();
    let last = ledger
        .account(&mz.main_account())
        .unwrap()
        .transactions
        .last()
        .unwrap()
        .clone();
    assert_eq!(last.id, transaction["id"].as_str().unwrap());
}

#[tokio::test]
async fn a_failing_receiver_gets_five_attempts_with_exponential_backoff_then_it_gives_up() {
    let mz = monzo().await;
    let failing = receiver(500).await;
    register(&mz, &mz.main_account(), &failing.uri()).await;
    let attempts =
        |n: usize| move |log: &[Delivery]| log.first().is_some_and(|d| d.attempts.len() >= n);

    mz.handle
        .trigger(SandboxEvent::card_transaction(-100, "Greggs"))
        .unwrap();
    let first = mz.handle.wait_for_delivery_log(attempts(1), WAIT).await;
    assert_eq!(first[0].state, DeliveryState::Failed);
    let started = first[0].attempts[0].at;
    let mut offset = 0;
    for (n, delay) in [30, 60, 120, 240].into_iter().enumerate() {
        offset += delay;
        assert_eq!(
            mz.handle.deliveries()[0].next_attempt_at,
            Some(started + TimeDelta::seconds(offset))
        );
        mz.advance(delay as u64);
        let log = mz.handle.wait_for_delivery_log(attempts(n + 2), WAIT).await;
        assert_eq!(
            log[0].attempts[n + 1].at,
            started + TimeDelta::seconds(offset)
        );
    }

    let log = mz.handle.wait_for_deliveries(1, WAIT).await;
    assert_eq!(log[0].state, DeliveryState::GaveUp);
    assert_eq!(log[0].attempts.len(), 5);
    assert_eq!(log[0].next_attempt_at, None);
    assert_eq!(failing.received_requests().await.unwrap().len(), 5);
}

#[tokio::test]
async fn control_events_work_through_the_control_api() {
    let mz = monzo().await;
    let post = |body: Value| mz.http.post(mz.url("/__bankkit/events")).json(&body).send();

    let mode = post(json!({"type": "app_approval", "mode": "manual"}))
        .await
        .unwrap();
    let unknown = post(json!({"type": "earthquake"})).await.unwrap();
    let tokens = mz.login().await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let before = mz.get_with("/accounts", &token).await.status();
    let approve = post(json!({"type": "approve"})).await.unwrap();

    assert_eq!(mode.status(), 200);
    assert_eq!(unknown.status(), 400);
    assert_eq!(before, 403);
    assert_eq!(
        approve.json::<Value>().await.unwrap(),
        json!({"approved": 1})
    );
    assert_eq!(mz.get_with("/accounts", &token).await.status(), 200);
}

//! The core traits on a local stand-in: collect, pay out (at most once through the
//! `order_id`), status, find, balance and webhooks.

use std::time::Duration;

use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::{Card, FeePayer, Phone};
use bankkit_core::registry::BuildContext;
use bankkit_core::secret::secret;
use bankkit_core::{
    AccountId, Balance, CollectRequest, Error, IdempotencyKey, Party, Payment, PaymentKind,
    PaymentStatus, PayoutRequest, Webhook, WebhookEvent, WebhookId, WebhookRequest,
};
use bankkit_morune::{MoruneConfig, MoruneProvider, SIGNATURE_HEADER};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SHOP: &str = "9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b";
const USER: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const SHOP_KEY: &str = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0";
const USER_KEY: &str = "0f9e8d7c6b5a49382716f5e4d3c2b1a098765432";
const SHOP_EXTRA: &str = "mock-additional-key-42";
const USER_EXTRA: &str = "mock-user-additional-key";

fn ok(data: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"data": data, "status": 200, "status_check": true}))
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(
        json!({"data": null, "error": "Объект не найден", "status": 404, "status_check": false}),
    )
}

fn provider(server: &MockServer) -> MoruneProvider {
    let http = HttpOptions::default()
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::Reads { attempts: 2 })
        .backoff(Duration::from_millis(1), Duration::from_millis(2));
    MoruneConfig::new()
        .with_shop(SHOP, secret(SHOP_KEY))
        .with_shop_additional_key(secret(SHOP_EXTRA))
        .with_user(USER, secret(USER_KEY))
        .with_user_additional_key(secret(USER_EXTRA))
        .with_base_url(server.uri())
        .with_hook_url("https://shop.example/morune/hook")
        .provider(&BuildContext::default().with_http(http))
        .unwrap()
}

fn rub(text: &str) -> Money {
    Money::parse(text, currency_from_code("RUB").unwrap()).unwrap()
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).unwrap()
}

async fn count(server: &MockServer, method_name: &str, path_name: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r: &&Request| r.method.as_str() == method_name && r.url.path() == path_name)
        .count()
}

fn payoff_info(order_id: &str, status: &str) -> serde_json::Value {
    json!({
        "payoff_id": "9d3c1b7a-2e4f-4a6b-8c0d-1e2f3a4b5c6d", "status": status,
        "order_id": order_id, "service": "card", "wallet": "411111******1111", "type": "api",
        "subtract": "balance", "amount": 500, "amount_withdraw_rub": "515.00",
        "commission_rub": 15, "receive_currency": "RUB", "amount_receive": "500.00",
        "created_at": "2024-05-01 12:00:00"
    })
}

#[tokio::test]
async fn collect_creates_an_invoice_with_its_page_and_expiry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .and(query_param("order_id", "order-7"))
        .respond_with(not_found())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/invoice/create"))
        .and(body_partial_json(json!({
            "shop_id": SHOP, "amount": 150.00, "order_id": "order-7", "currency": "RUB",
            "expire": 60, "comment": "Заказ 7", "hook_url": "https://shop.example/morune/hook",
            "success_url": "https://shop.example/back", "fail_url": "https://shop.example/back",
            "custom_fields": "{\"cart\":\"c-1\"}"
        })))
        .respond_with(ok(json!({
            "id": "6f1c2a9e-3b7d-4e52-a1c0-9d8e7f6a5b4c", "amount": "150.00", "currency": "RUB",
            "url": "https://pay.example/6f1c", "expired": "2024-06-01 18:00:00"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let morune = provider(&server);
    let request = CollectRequest::new(key("k-7"), rub("150"))
        .reference("order-7")
        .expires_in(Duration::from_secs(3600))
        .description("Заказ 7")
        .redirect_url("https://shop.example/back")
        .metadata("cart", "c-1");
    let invoice = morune.collect(request.clone()).await.unwrap();
    assert_eq!(invoice.id.kind(), PaymentKind::Collection);
    assert_eq!(invoice.id.resource(), "invoice");
    assert_eq!(invoice.id.id(), "6f1c2a9e-3b7d-4e52-a1c0-9d8e7f6a5b4c");
    assert_eq!(invoice.status, PaymentStatus::Pending);
    assert_eq!(
        invoice.payment_url.as_deref(),
        Some("https://pay.example/6f1c")
    );
    assert_eq!(invoice.reference.as_deref(), Some("order-7"));
    // "2024-06-01 18:00:00" read as Moscow time.
    assert_eq!(
        invoice.expires_at.unwrap().to_rfc3339(),
        "2024-06-01T15:00:00+00:00"
    );
    // The same key again: the recorded outcome, nothing sent.
    let again = morune.collect(request).await.unwrap();
    assert_eq!(again, invoice);
    assert_eq!(count(&server, "POST", "/invoice/create").await, 1);
}

#[tokio::test]
async fn collect_refuses_holds_payers_and_long_lifetimes_before_sending() {
    let server = MockServer::start().await;
    let morune = provider(&server);
    let err = morune
        .collect(CollectRequest::new(key("k-1"), rub("1")).hold())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    let err = morune
        .collect(
            CollectRequest::new(key("k-2"), rub("1")).payer(Party::phone("79001234567").unwrap()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    let err = morune
        .collect(
            CollectRequest::new(key("k-3"), rub("1"))
                .expires_in(Duration::from_secs(7200 * 60 + 60)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_lost_payoff_answer_is_found_by_order_id_and_never_sent_twice() {
    let server = MockServer::start().await;
    // Before the first send: no payoff with this order_id.
    Mock::given(method("GET"))
        .and(path("/payoff/info"))
        .and(query_param("order_id", "wd-lost-1"))
        .respond_with(not_found())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // The create is applied, but its answer never arrives in time.
    Mock::given(method("POST"))
        .and(path("/payoff/create"))
        .and(body_partial_json(json!({
            "user_id": USER, "service": "card", "wallet_to": "4111111111111111",
            "amount": 500.00, "order_id": "wd-lost-1", "subtract": 2,
            "hook_url": "https://shop.example/morune/hook"
        })))
        .respond_with(
            ok(json!({"payoff_id": "9d3c1b7a-2e4f-4a6b-8c0d-1e2f3a4b5c6d"}))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    // Afterwards Morune knows it.
    Mock::given(method("GET"))
        .and(path("/payoff/info"))
        .and(query_param("order_id", "wd-lost-1"))
        .respond_with(ok(payoff_info("wd-lost-1", "wait")))
        .mount(&server)
        .await;

    let morune = provider(&server);
    let card = Card::new("4111111111111111".into(), "12/30", None).unwrap();
    let request = PayoutRequest::new(key("wd-lost-1"), rub("500"), Party::Card(card))
        .fee_payer(FeePayer::Payee);
    let lost = morune.pay_out(request.clone()).await.unwrap_err();
    assert!(matches!(lost, Error::Timeout { .. }), "{lost:?}");

    let found = morune.pay_out(request).await.unwrap();
    assert_eq!(found.id.kind(), PaymentKind::Payout);
    assert_eq!(found.id.resource(), "payoff");
    assert_eq!(found.id.id(), "9d3c1b7a-2e4f-4a6b-8c0d-1e2f3a4b5c6d");
    assert_eq!(found.status, PaymentStatus::Pending);
    assert_eq!(found.fee, Some(rub("15")));
    assert_eq!(found.final_amount, Some(rub("515")));
    assert_eq!(count(&server, "POST", "/payoff/create").await, 1);
}

#[tokio::test]
async fn a_payoff_key_seen_before_a_restart_is_found_and_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/payoff/info"))
        .and(query_param("order_id", "wd-2"))
        .respond_with(ok(payoff_info("wd-2", "success")))
        .mount(&server)
        .await;
    let morune = provider(&server);
    let card = Card::new("4111111111111111".into(), "12/30", None).unwrap();
    let found = morune
        .pay_out(PayoutRequest::new(
            key("wd-2"),
            rub("500"),
            Party::Card(card.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(found.status, PaymentStatus::Succeeded);
    // Another amount under the same order_id is a conflict, not a second payoff.
    let err = morune
        .pay_out(
            PayoutRequest::new(key("k-other"), rub("501"), Party::Card(card)).reference("wd-2"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert_eq!(count(&server, "POST", "/payoff/create").await, 0);
}

#[tokio::test]
async fn sbp_payoffs_name_the_bank_and_refused_ones_can_be_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/payoff/info"))
        .respond_with(not_found())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/payoff/create"))
        .and(body_partial_json(json!({
            "service": "sbp", "wallet_to": "79001234567", "subtract": 1,
            "payoff_data": {"sbp_bank_type": "100000000111"}
        })))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "data": null, "error": "Недостаточно средств на балансе", "status": 422,
            "status_check": false
        })))
        .mount(&server)
        .await;
    let morune = provider(&server);
    let phone = Party::Phone(
        Phone::new("+7 900 123-45-67")
            .unwrap()
            .at_bank("100000000111"),
    );
    let request = PayoutRequest::new(key("wd-3"), rub("100"), phone);
    for _ in 0..2 {
        let err = morune.pay_out(request.clone()).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { message } if message.ends_with(": Недостаточно средств на балансе")),
            "{err:?}"
        );
    }
    assert_eq!(count(&server, "POST", "/payoff/create").await, 2);
}

#[tokio::test]
async fn status_and_find_read_invoices_and_payoffs() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .and(query_param("invoice_id", "inv-1"))
        .respond_with(ok(json!({
            "invoice_id": "inv-1", "order_id": "order-1", "status": "success",
            "invoice_amount": 100.0, "credited": "95.50", "currency": "RUB",
            "pay_service": "card", "payer_details": "553691******1279",
            "commission_amount": "4.50", "created_at": "2023-04-06 16:20:00",
            "paid_at": "2023-04-06 16:27:59"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .and(query_param("order_id", "missing"))
        .respond_with(not_found())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/payoff/info"))
        .and(query_param("order_id", "wd-9"))
        .respond_with(ok(json!({
            "payoff_id": "po-9", "status": "fail", "order_id": "wd-9", "amount": 10,
            "error_message": "Карта заблокирована"
        })))
        .mount(&server)
        .await;
    let morune = provider(&server);
    let invoice = morune
        .status(&bankkit_core::PaymentId::new(
            PaymentKind::Collection,
            "invoice",
            "inv-1",
        ))
        .await
        .unwrap();
    assert_eq!(invoice.status, PaymentStatus::Succeeded);
    assert_eq!(invoice.amount, rub("100"));
    assert_eq!(invoice.fee, Some(rub("4.5")));
    assert_eq!(invoice.net_amount, Some(rub("95.5")));
    assert_eq!(invoice.masked_card.as_deref(), Some("553691******1279"));
    assert_eq!(
        invoice.updated_at.unwrap().to_rfc3339(),
        "2023-04-06T13:27:59+00:00"
    );
    assert_eq!(
        morune
            .find(PaymentKind::Collection, "missing")
            .await
            .unwrap(),
        None
    );
    let payoff = morune
        .find(PaymentKind::Payout, "wd-9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(payoff.status, PaymentStatus::Failed);
    assert_eq!(
        payoff.failure.unwrap().message.as_deref(),
        Some("Карта заблокирована")
    );
    let err = morune
        .status(&bankkit_core::PaymentId::new(
            PaymentKind::Payout,
            "invoice",
            "x",
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
}

#[tokio::test]
async fn the_user_balance_is_the_one_account() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/account/users/{USER}/balance")))
        .respond_with(ok(
            json!({"balance": 1500.75, "active_balance": "1000.25", "freeze_balance": 500.5}),
        ))
        .mount(&server)
        .await;
    let morune = provider(&server);
    let accounts = morune.accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    let balance = morune.balance(&accounts[0].id).await.unwrap();
    assert_eq!(balance.available, rub("1000.25"));
    assert_eq!(balance.total, Some(rub("1500.75")));
    assert_eq!(balance.pending, Some(rub("500.5")));
    assert!(matches!(
        morune.balance(&AccountId::new("other")).await,
        Err(Error::NotFound { .. })
    ));
}

const PAYMENT_BODY: &str = r#"{"amount":"250.00","code":1,"credited":"240.25","currency":"RUB","custom_fields":{"note":"тест/1","user":"u-77"},"invoice_id":"0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13","order_id":"ord-2024-0007","pay_service":"sbp","pay_time":"2024-05-01 12:30:45","payer_details":"+7900*****12","status":"success","type":1}"#;
const PAYMENT_SIGNATURE: &str = "44c8ecc2f27c5343cc1fe299565fb30288b8e48c08883f0622f144ba413e0d24";
const PAYOFF_BODY: &str = r#"{"amount":"500.00","commission":"15.00","order_id":"wd-0001","payoff_id":"9d3c1b7a-2e4f-4a6b-8c0d-1e2f3a4b5c6d","service":"card","status":"success","wallet":"220000******1234"}"#;
const PAYOFF_SIGNATURE: &str = "4243e82bc9ca2f241965f59177422528e45f55ea3265aab3a75b9af53881920d";

fn signed(signature: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(SIGNATURE_HEADER, signature.parse().unwrap());
    headers
}

#[tokio::test]
async fn webhooks_are_verified_with_the_right_additional_key() {
    let server = MockServer::start().await;
    let morune = provider(&server);
    let headers = signed(PAYMENT_SIGNATURE);
    let event = morune
        .verify_and_parse(WebhookRequest::new(&headers, PAYMENT_BODY.as_bytes()))
        .await
        .unwrap();
    let WebhookEvent::PaymentStatus { payment } = event else {
        panic!("not a payment status: {event:?}");
    };
    assert_eq!(payment.id.id(), "0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13");
    assert_eq!(payment.status, PaymentStatus::Succeeded);
    assert_eq!(payment.amount, rub("250"));
    assert_eq!(payment.net_amount, Some(rub("240.25")));
    assert_eq!(payment.reference.as_deref(), Some("ord-2024-0007"));

    let headers = signed(PAYOFF_SIGNATURE);
    let event = morune
        .verify_and_parse(WebhookRequest::new(&headers, PAYOFF_BODY.as_bytes()))
        .await
        .unwrap();
    let WebhookEvent::PaymentStatus { payment } = event else {
        panic!("not a payment status: {event:?}");
    };
    assert_eq!(payment.id.kind(), PaymentKind::Payout);
    assert_eq!(payment.fee, Some(rub("15")));

    // A payoff body signed with the shop's key, a tampered body, no header: refused.
    let wrong_key = bankkit_morune::sign(PAYOFF_BODY.as_bytes(), &secret(SHOP_EXTRA)).unwrap();
    let headers = signed(&wrong_key);
    assert!(matches!(
        morune
            .verify_and_parse(WebhookRequest::new(&headers, PAYOFF_BODY.as_bytes()))
            .await,
        Err(Error::Signature { .. })
    ));
    let tampered = PAYMENT_BODY.replace("240.25", "250.00");
    let headers = signed(PAYMENT_SIGNATURE);
    assert!(matches!(
        morune
            .verify_and_parse(WebhookRequest::new(&headers, tampered.as_bytes()))
            .await,
        Err(Error::Signature { .. })
    ));
    let none = http::HeaderMap::new();
    assert!(matches!(
        morune
            .verify_and_parse(WebhookRequest::new(&none, PAYMENT_BODY.as_bytes()))
            .await,
        Err(Error::Signature { .. })
    ));
}

#[tokio::test]
async fn a_refund_webhook_lists_the_refund() {
    let server = MockServer::start().await;
    let morune = provider(&server);
    let body = r#"{"invoice_id":"inv-2","status":"refund","amount":"100.00","currency":"RUB","order_id":"o-2","type":2,"code":20,"refund_amount":"40.00","refund_reason":null,"refund_time":"2024-05-02 10:00:00"}"#;
    let signature = bankkit_morune::sign(body.as_bytes(), &secret(SHOP_EXTRA)).unwrap();
    let headers = signed(&signature);
    let WebhookEvent::PaymentStatus { payment } = morune
        .verify_and_parse(WebhookRequest::new(&headers, body.as_bytes()))
        .await
        .unwrap()
    else {
        panic!("not a payment status");
    };
    assert_eq!(payment.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(payment.refunds[0].amount, rub("40"));
}

#[tokio::test]
async fn the_default_hook_url_is_registered_listed_and_removed() {
    let server = MockServer::start().await;
    let morune = provider(&server);
    let listed = morune.list().await.unwrap();
    assert_eq!(listed[0].url, "https://shop.example/morune/hook");
    morune
        .register("https://shop.example/other", None)
        .await
        .unwrap();
    assert_eq!(
        morune.hook_url().as_deref(),
        Some("https://shop.example/other")
    );
    assert!(morune.register("not a url", None).await.is_err());
    morune.remove(&WebhookId::new("hook_url")).await.unwrap();
    assert!(morune.list().await.unwrap().is_empty());
    assert!(matches!(
        morune.remove(&WebhookId::new("hook_url")).await,
        Err(Error::NotFound { .. })
    ));
}

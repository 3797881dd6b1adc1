//! Every typed call against a local stand-in: method, path, query, headers and body sent,
//! and how answers (envelopes, amounts, times, errors) are read.

use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::secret::secret;
use bankkit_core::{Decimal, Error};
use bankkit_morune::wire::{
    InvoiceCreate, InvoiceStatus, PayoffCreate, PayoffStatus, TariffStatus,
};
use bankkit_morune::{Lookup, MoruneClient, ShopCredentials, UserCredentials};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SHOP: &str = "9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b";
const USER: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const SHOP_KEY: &str = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0";
const USER_KEY: &str = "0f9e8d7c6b5a49382716f5e4d3c2b1a098765432";

fn ok(data: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"data": data, "status": 200, "status_check": true}))
}

fn ok_raw(data: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        format!(r#"{{"data":{data},"status":200,"status_check":true}}"#),
        "application/json",
    )
}

fn failure(status: u16, error: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({"data": null, "error": error, "status": status, "status_check": false}),
    )
}

fn client(server: &MockServer) -> MoruneClient {
    MoruneClient::builder()
        .base_url(server.uri())
        .shop(ShopCredentials::new(SHOP, secret(SHOP_KEY)))
        .user(UserCredentials::new(USER, secret(USER_KEY)))
        .http_options(
            HttpOptions::default()
                .retry(RetryPolicy::Reads { attempts: 3 })
                .backoff(
                    std::time::Duration::from_millis(1),
                    std::time::Duration::from_millis(2),
                ),
        )
        .build()
        .unwrap()
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn invoice_create_posts_the_body_with_the_shop_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/invoice/create"))
        .and(header("x-api-key", SHOP_KEY))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "shop_id": SHOP, "amount": 10.28, "order_id": "order-1", "currency": "RUB",
            "expire": 60, "include_service": ["sbp"]
        })))
        .respond_with(ok_raw(
            r#"{"id":"6f1c2a9e-3b7d-4e52-a1c0-9d8e7f6a5b4c","amount":"10.28","currency":"RUB","url":"https://pay.example/6f1c","expired":"2024-06-01 18:00:00"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let mut body = InvoiceCreate::new(Decimal::new(1028, 2), "order-1");
    body.currency = Some("RUB".into());
    body.expire = Some(60);
    body.include_service = Some(vec!["sbp".into()]);
    let created = client(&server).create_invoice(&body).await.unwrap();
    assert_eq!(created.url, "https://pay.example/6f1c");
    assert_eq!(created.amount.decimal(), Decimal::new(1028, 2));
    assert_eq!(created.expired.unwrap().as_str(), "2024-06-01 18:00:00");
    // The raw body carries the amount as a JSON number with its digits.
    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert!(sent.contains(r#""amount":10.28"#), "{sent}");
}

#[tokio::test]
async fn invoice_info_reads_by_id_or_order_id() {
    let server = MockServer::start().await;
    let invoice = r#"{"invoice_id":"inv-1","order_id":"order-1","shop_id":"s","status":"success","invoice_amount":1e2,"credited":"95.50","currency":"RUB","pay_service":"card","payer_details":"553691******1279","commission_amount":4.5,"commission_percent":4.5,"shop_commission_amount":4.5,"user_commission_amount":0,"user_commission_percent":0,"custom_field":"{\"a\":1}","created_at":"2023-04-06 16:20:00","expired_at":"2023-04-06 21:20:00","paid_at":"2023-04-06 16:27:59"}"#;
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .and(query_param("shop_id", SHOP))
        .and(query_param("invoice_id", "inv-1"))
        .and(header("x-api-key", SHOP_KEY))
        .respond_with(ok_raw(invoice))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .and(query_param("shop_id", SHOP))
        .and(query_param("order_id", "order-1"))
        .respond_with(ok_raw(invoice))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let by_id = c.invoice(&Lookup::Id("inv-1".into())).await.unwrap();
    let by_order = c.invoice(&Lookup::OrderId("order-1".into())).await.unwrap();
    assert_eq!(by_id, by_order);
    assert_eq!(by_id.status, InvoiceStatus::Success);
    assert_eq!(by_id.invoice_amount.decimal(), Decimal::new(100, 0));
    assert_eq!(by_id.credited.unwrap().decimal(), Decimal::new(9550, 2));
    assert_eq!(by_id.paid_at.unwrap().as_str(), "2023-04-06 16:27:59");
}

#[tokio::test]
async fn tariffs_balance_payoffs_and_banks_use_their_paths_and_keys() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/shops/{SHOP}/payment-tariffs")))
        .and(header("x-api-key", SHOP_KEY))
        .respond_with(ok(json!({"tariffs": [
            {"percent": 4.5, "fix": 0, "min_sum": 10, "max_sum": 600000, "shop_percent": 4.5,
             "user_percent": 0, "service": "card", "service_label": "Карты РФ", "currency": "RUB",
             "status": "enabled"},
            {"percent": 2, "service": "sbp", "currency": "RUB", "status": "disabled"}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/account/users/{USER}/balance")))
        .and(header("x-api-signature-sha256", USER_KEY))
        .respond_with(ok_raw(
            r#"{"balance":1500.75,"active_balance":"1000.25","freeze_balance":500.5}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/payoff/create"))
        .and(header("x-api-signature-sha256", USER_KEY))
        .and(body_json(json!({
            "user_id": USER, "service": "sbp", "wallet_to": "79001234567", "amount": 500,
            "order_id": "wd-1", "subtract": 1, "payoff_data": {"sbp_bank_type": "100000000111"}
        })))
        .respond_with(ok(
            json!({"payoff_id": "po-1", "amount_withdraw_rub": "515.00", "balance": "985.75"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/payoff/info"))
        .and(query_param("user_id", USER))
        .and(query_param("id", "po-1"))
        .and(header("x-api-signature-sha256", USER_KEY))
        .respond_with(ok(json!({
            "payoff_id": "po-1", "status": "wait", "order_id": "wd-1", "service": "sbp",
            "wallet": "7900*****67", "type": "api", "subtract": "balance", "amount": 500,
            "amount_withdraw_rub": 515, "commission_rub": 15, "receive_currency": "RUB",
            "amount_receive": "500.00", "comment": null, "created_at": "2024-05-01 12:00:00"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/payoff/get-sbp-bank-list"))
        .and(query_param("user_id", USER))
        .and(header("x-api-signature-sha256", USER_KEY))
        .respond_with(ok(
            json!({"banks": [{"id": "100000000111", "name": "Сбербанк"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let tariffs = c.payment_tariffs().await.unwrap();
    assert_eq!(tariffs[0].status, TariffStatus::Enabled);
    assert_eq!(tariffs[0].service_label.as_deref(), Some("Карты РФ"));
    assert_eq!(tariffs[1].status, TariffStatus::Disabled);

    let balance = c.balance().await.unwrap();
    assert_eq!(balance.balance.decimal(), Decimal::new(150075, 2));
    assert_eq!(balance.active_balance.decimal(), Decimal::new(100025, 2));

    let mut body = PayoffCreate::new("sbp", "79001234567", Decimal::new(500, 0));
    body.order_id = Some("wd-1".into());
    body.subtract = Some(bankkit_morune::wire::Subtract::Balance);
    body.payoff_data = Some(bankkit_morune::wire::PayoffData::sbp_bank("100000000111"));
    let created = c.create_payoff(&body).await.unwrap();
    assert_eq!(created.payoff_id, "po-1");
    assert_eq!(
        created.amount_withdraw_rub.unwrap().decimal(),
        Decimal::new(51500, 2)
    );

    let payoff = c.payoff(&Lookup::Id("po-1".into())).await.unwrap();
    assert_eq!(payoff.status, PayoffStatus::Wait);
    assert_eq!(payoff.kind.as_deref(), Some("api"));

    let banks = c.sbp_banks().await.unwrap();
    assert_eq!(banks[0].name, "Сбербанк");
}

#[tokio::test]
async fn calls_without_their_credentials_are_config_errors_and_send_nothing() {
    let server = MockServer::start().await;
    let shop_only = MoruneClient::builder()
        .base_url(server.uri())
        .shop(ShopCredentials::new(SHOP, secret(SHOP_KEY)))
        .build()
        .unwrap();
    let user_only = MoruneClient::builder()
        .base_url(server.uri())
        .user(UserCredentials::new(USER, secret(USER_KEY)))
        .build()
        .unwrap();
    for err in [
        shop_only.balance().await.unwrap_err(),
        shop_only.sbp_banks().await.unwrap_err(),
        shop_only.payoff(&Lookup::Id("x".into())).await.unwrap_err(),
        shop_only
            .create_payoff(&PayoffCreate::new("card", "4111111111111111", Decimal::ONE))
            .await
            .unwrap_err(),
        user_only.payment_tariffs().await.unwrap_err(),
        user_only
            .invoice(&Lookup::OrderId("o".into()))
            .await
            .unwrap_err(),
        user_only
            .create_invoice(&InvoiceCreate::new(Decimal::ONE, "o"))
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn envelope_errors_carry_russian_text_in_every_shape() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/account/users/{USER}/balance")))
        .respond_with(failure(
            422,
            json!("Поле user id должно быть в формате UUID."),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/payoff/get-sbp-bank-list"))
        .respond_with(failure(401, json!(["Неверный user_id или секретный ключ"])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/invoice/create"))
        .respond_with(failure(422, json!({"amount": ["Поле amount обязательно."], "order_id": ["Поле order id уже занято."]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/shops/{SHOP}/payment-tariffs")))
        .respond_with(failure(403, json!("Магазин не активен")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .respond_with(failure(404, json!("Счёт не найден")))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.balance().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.ends_with(": Поле user id должно быть в формате UUID.")),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .contains("Поле user id должно быть в формате UUID."));
    let err = c.sbp_banks().await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { message } if message.ends_with(": Неверный user_id или секретный ключ")),
        "{err:?}"
    );
    let err = c
        .create_invoice(&InvoiceCreate::new(Decimal::ONE, "o"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message }
        if message.ends_with(": amount: Поле amount обязательно.; order_id: Поле order id уже занято.")),
        "{err:?}"
    );
    let err = c.payment_tariffs().await.unwrap_err();
    assert!(
        matches!(&err, Error::Forbidden { message, .. } if message.ends_with(": Магазин не активен")),
        "{err:?}"
    );
    let err = c.invoice(&Lookup::Id("nope".into())).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { message } if message.ends_with(": Счёт не найден")),
        "{err:?}"
    );
    for shown in [format!("{err:?}"), err.to_string(), format!("{c:?}")] {
        assert!(
            !shown.contains(SHOP_KEY) && !shown.contains(USER_KEY),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_200_answer_whose_envelope_says_failure_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/account/users/{USER}/balance")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": null, "error": "Ошибка валидации", "status": 422, "status_check": false}),
        ))
        .mount(&server)
        .await;
    let err = client(&server).balance().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.ends_with(": Ошибка валидации")),
        "{err:?}"
    );
}

#[tokio::test]
async fn reads_are_retried_on_5xx_and_creates_are_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/account/users/{USER}/balance")))
        .respond_with(failure(500, json!("Внутренняя ошибка системы")))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/account/users/{USER}/balance")))
        .respond_with(ok(
            json!({"balance": 1, "active_balance": 1, "freeze_balance": 0}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/payoff/create"))
        .respond_with(failure(500, json!("Внутренняя ошибка системы")))
        .mount(&server)
        .await;
    let c = client(&server);
    c.balance().await.unwrap();
    let err = c
        .create_payoff(&PayoffCreate::new("card", "4111111111111111", Decimal::ONE))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Provider { status: 500, message, .. } if message.ends_with(": Внутренняя ошибка системы")),
        "{err:?}"
    );
    let creates = requests(&server)
        .await
        .iter()
        .filter(|r| r.url.path() == "/payoff/create")
        .count();
    assert_eq!(creates, 1);
}

#[tokio::test]
async fn amounts_that_do_not_fit_are_decode_errors_not_panics() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/account/users/{USER}/balance")))
        .respond_with(ok_raw(r#"{"balance":1e400,"active_balance":"99999999999999999999999999999999","freeze_balance":0}"#))
        .mount(&server)
        .await;
    let err = client(&server).balance().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

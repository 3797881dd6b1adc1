//! The client against wiremock: exact headers, paths and bodies.

use bankkit_core::clock::ManualClock;
use bankkit_core::money::Decimal;
use bankkit_core::secret::{secret, ExposeSecret};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;
use crate::wire::{Reason, TransactionStatus};

const USER: &str = "c72025f5-5cd1-4630-99e4-8ba4722fad56";
const API_KEY: &str = "f1db798c98df4bcf83b538175893bbf0";
const COLLECTION_KEY: &str = "0b6b0c8d1d7f4a5fa1f3c2b9e8d7c6a5";
const DISBURSEMENT_KEY: &str = "1c7c1d9e2e8a5b6ab2a4d3cafe9e8d7b";
const REMITTANCE_KEY: &str = "2d8d2eaf3f9b6c7bc3b5e4dbaf0f9e8c";

fn clock() -> ManualClock {
    ManualClock::frozen_at("2026-11-01T12:00:00Z".parse().unwrap())
}

fn client(server: &MockServer) -> MomoClient {
    MomoClient::builder()
        .base_url(server.uri())
        .credentials(USER, secret(API_KEY))
        .subscription_key(Product::Collection, secret(COLLECTION_KEY))
        .subscription_key(Product::Disbursement, secret(DISBURSEMENT_KEY))
        .subscription_key(Product::Remittance, secret(REMITTANCE_KEY))
        .clock(clock().shared())
        .build()
        .unwrap()
}

/// Token endpoints of every product: `tok-<product>`.
async fn tokens(server: &MockServer) {
    for product in Product::ALL {
        Mock::given(method("POST"))
            .and(path(format!("/{product}/token/")))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": format!("tok-{product}"),
                "token_type": "access_token",
                "expires_in": 3600
            })))
            .mount(server)
            .await;
    }
}

fn header_of<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn requests_to(server: &MockServer, suffix: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().ends_with(suffix))
        .collect()
}

fn reference() -> ReferenceId {
    ReferenceId::parse("3f0c2a9e-1b7d-4c3e-9f00-1234567890ab").unwrap()
}

fn request_to_pay() -> RequestToPay {
    RequestToPay {
        amount: Decimal::new(1550, 2),
        currency: "EUR".into(),
        external_id: "order-42".into(),
        payer: Party::msisdn("46733123450"),
        payer_message: "Order 42".into(),
        payee_note: "Order 42".into(),
    }
}

#[tokio::test]
async fn creates_send_exactly_the_documented_headers_and_a_decimal_string_amount() {
    let server = MockServer::start().await;
    tokens(&server).await;
    Mock::given(method("POST"))
        .and(path("/collection/v1_0/requesttopay"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let client = client(&server);

    client
        .collection()
        .request_to_pay(
            &reference(),
            &request_to_pay(),
            Some("http://shop.example/momo?bankkit_payment=x"),
        )
        .await
        .unwrap();

    let sent = requests_to(&server, "/requesttopay").await;
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(
        header_of(r, "ocp-apim-subscription-key"),
        Some(COLLECTION_KEY)
    );
    assert_eq!(header_of(r, "authorization"), Some("Bearer tok-collection"));
    assert_eq!(header_of(r, "x-reference-id"), Some(reference().as_str()));
    assert_eq!(header_of(r, "x-target-environment"), Some("sandbox"));
    assert_eq!(
        header_of(r, "x-callback-url"),
        Some("http://shop.example/momo?bankkit_payment=x")
    );
    assert_eq!(header_of(r, "content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "amount": "15.50", "currency": "EUR", "externalId": "order-42",
            "payer": {"partyIdType": "MSISDN", "partyId": "46733123450"},
            "payerMessage": "Order 42", "payeeNote": "Order 42"
        })
    );

    let token = requests_to(&server, "/collection/token/").await;
    assert_eq!(token.len(), 1);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{API_KEY}"))
    );
    assert_eq!(header_of(&token[0], "authorization"), Some(basic.as_str()));
    assert_eq!(
        header_of(&token[0], "ocp-apim-subscription-key"),
        Some(COLLECTION_KEY)
    );
    assert_eq!(header_of(&token[0], "x-target-environment"), None);
}

use base64::Engine as _;

#[tokio::test]
async fn no_callback_header_is_sent_without_a_url_or_with_an_empty_one() {
    let server = MockServer::start().await;
    tokens(&server).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let client = client(&server);

    for callback in [None, Some(""), Some("   ")] {
        client
            .collection()
            .request_to_pay(&ReferenceId::random(), &request_to_pay(), callback)
            .await
            .unwrap();
    }

    let sent = requests_to(&server, "/requesttopay").await;
    assert_eq!(sent.len(), 3);
    for r in sent {
        assert!(r.headers.get("x-callback-url").is_none(), "{:?}", r.headers);
    }
}

#[tokio::test]
async fn each_product_uses_its_own_key_token_and_path() {
    let server = MockServer::start().await;
    tokens(&server).await;
    for product in Product::ALL {
        Mock::given(method("GET"))
            .and(path(format!("/{product}/v1_0/account/balance")))
            .and(header(
                "ocp-apim-subscription-key",
                match product {
                    Product::Collection => COLLECTION_KEY,
                    Product::Disbursement => DISBURSEMENT_KEY,
                    Product::Remittance => REMITTANCE_KEY,
                },
            ))
            .and(header(
                "authorization",
                format!("Bearer tok-{product}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"availableBalance":"2500.00","currency":"EUR"}"#,
                "application/json;charset=utf-8",
            ))
            .mount(&server)
            .await;
    }
    let client = client(&server);

    let c = client.collection().balance().await.unwrap();
    let d = client.disbursement().balance().await.unwrap();
    let r = client.remittance().balance().await.unwrap();

    for balance in [c, d, r] {
        assert_eq!(balance.available_balance, Decimal::new(250_000, 2));
        assert_eq!(balance.currency, "EUR");
    }
    assert_eq!(requests_to(&server, "/token/").await.len(), 3);
}

#[tokio::test]
async fn every_endpoint_has_its_documented_method_and_path() {
    let server = MockServer::start().await;
    tokens(&server).await;
    let status_body = r#"{"amount":"5","currency":"EUR","status":"SUCCESSFUL","externalId":"e"}"#;
    let get = |p: &str, body: &'static str| {
        Mock::given(method("GET"))
            .and(path(p.to_owned()))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
    };
    let r = reference();
    let id = r.as_str();
    for (m, p) in [
        ("POST", "/collection/v1_0/requesttowithdraw".to_owned()),
        ("POST", "/collection/v2_0/requesttowithdraw".to_owned()),
        ("POST", "/collection/v2_0/invoice".to_owned()),
        ("DELETE", format!("/collection/v2_0/invoice/{id}")),
        ("POST", "/collection/v2_0/preapproval".to_owned()),
        ("DELETE", "/collection/v1_0/preapproval/pa-1".to_owned()),
        ("POST", "/collection/v2_0/payment".to_owned()),
        ("POST", "/disbursement/v1_0/transfer".to_owned()),
        ("POST", "/disbursement/v1_0/deposit".to_owned()),
        ("POST", "/disbursement/v2_0/deposit".to_owned()),
        ("POST", "/disbursement/v1_0/refund".to_owned()),
        ("POST", "/disbursement/v2_0/refund".to_owned()),
        ("POST", "/remittance/v1_0/transfer".to_owned()),
        (
            "POST",
            format!("/collection/v1_0/requesttopay/{id}/deliverynotification"),
        ),
    ] {
        Mock::given(method(m))
            .and(path(p))
            .respond_with(ResponseTemplate::new(202))
            .mount(&server)
            .await;
    }
    for p in [
        format!("/collection/v1_0/requesttopay/{id}"),
        format!("/collection/v1_0/requesttowithdraw/{id}"),
        format!("/disbursement/v1_0/transfer/{id}"),
        format!("/disbursement/v1_0/deposit/{id}"),
        format!("/disbursement/v1_0/refund/{id}"),
        format!("/remittance/v1_0/transfer/{id}"),
    ] {
        get(&p, status_body).mount(&server).await;
    }
    get(
        &format!("/collection/v2_0/invoice/{id}"),
        r#"{"referenceId":"x","externalId":"e","amount":"5","currency":"EUR","status":"CREATED","paymentReference":"p","invoiceId":"i","expiryDateTime":"2026-11-01T13:00:00.000Z","description":"d"}"#,
    )
    .mount(&server)
    .await;
    get(
        &format!("/collection/v2_0/preapproval/{id}"),
        r#"{"payer":{"partyIdType":"MSISDN","partyId":"1"},"payerCurrency":"EUR","payerMessage":"m","status":"PENDING","expirationDateTime":"2026-11-02T12:00:00.000Z"}"#,
    )
    .mount(&server)
    .await;
    get(
        &format!("/collection/v2_0/payment/{id}"),
        r#"{"referenceId":"x","status":"PENDING"}"#,
    )
    .mount(&server)
    .await;
    get("/collection/v1_0/preapprovals/msisdn/46733123456", "[]")
        .mount(&server)
        .await;
    get(
        "/collection/v1_0/account/balance/EUR",
        r#"{"availableBalance":"1","currency":"EUR"}"#,
    )
    .mount(&server)
    .await;
    get(
        "/collection/v1_0/accountholder/msisdn/46733123456/basicuserinfo",
        r#"{"given_name":"Maja","family_name":"Sandberg","birthdate":"1988-05-17","locale":"sv_SE","gender":"FEMALE","status":"ACTIVE"}"#,
    )
    .mount(&server)
    .await;
    get(
        "/disbursement/v1_0/accountholder/email/a%40b.example/active",
        r#"{"result":true}"#,
    )
    .mount(&server)
    .await;
    Mock::given(method("POST"))
        .and(path("/collection/v1_0/bc-authorize"))
        .and(body_string(
            "login_hint=ID%3A46733123456%2FMSISDN&scope=all_info&access_type=offline",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"auth_req_id": "a-1", "interval": 5, "expires_in": 600}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/collection/oauth2/token/"))
        .and(body_string("grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=a-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"access_token": "consent-1", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    get("/collection/oauth2/v1_0/userinfo", r#"{"sub":"0","name":"Maja Sandberg","email_verified":true,"address":{"country":"SE"},"updated_at":1798800000}"#)
        .mount(&server)
        .await;
    let client = client(&server);
    let collection = client.collection();
    let disbursement = client.disbursement();
    let remittance = client.remittance();
    let rtp = request_to_pay();
    let transfer = Transfer {
        amount: Decimal::new(5, 0),
        currency: "EUR".into(),
        external_id: "e".into(),
        payee: Party::msisdn("46733123456"),
        payer_message: "m".into(),
        payee_note: "n".into(),
    };
    let refund = Refund {
        amount: Decimal::new(5, 0),
        currency: "EUR".into(),
        external_id: "e".into(),
        payer_message: "m".into(),
        payee_note: "n".into(),
        reference_id_to_refund: r.to_string(),
    };

    collection
        .request_to_withdraw_v1(&r, &rtp, None)
        .await
        .unwrap();
    collection
        .request_to_withdraw_v2(&r, &rtp, None)
        .await
        .unwrap();
    let invoice = Invoice {
        external_id: "e".into(),
        amount: Decimal::new(5, 0),
        currency: "EUR".into(),
        validity_duration: "3600".into(),
        intended_payer: None,
        payee: Party::msisdn("46733123456"),
        description: "d".into(),
    };
    collection.create_invoice(&r, &invoice, None).await.unwrap();
    collection
        .cancel_invoice(&r, &ReferenceId::random(), &CancelInvoice::new("e"), None)
        .await
        .unwrap();
    let approval = PreApproval {
        payer: Party::msisdn("46733123456"),
        payer_currency: "EUR".into(),
        payer_message: "m".into(),
        validity_time: 3600,
    };
    collection
        .create_pre_approval(&r, &approval, None)
        .await
        .unwrap();
    collection
        .cancel_pre_approval(&PreApprovalId::new("pa-1"))
        .await
        .unwrap();
    let payment = CreatePayment::new(
        "t-1",
        crate::wire::MoneyAmount::new(Decimal::new(1000, 0), "EUR"),
        "c",
        "shop",
    );
    collection.create_payment(&r, &payment, None).await.unwrap();
    disbursement.transfer(&r, &transfer, None).await.unwrap();
    disbursement.deposit_v1(&r, &transfer, None).await.unwrap();
    disbursement.deposit_v2(&r, &transfer, None).await.unwrap();
    disbursement.refund_v1(&r, &refund, None).await.unwrap();
    disbursement.refund_v2(&r, &refund, None).await.unwrap();
    remittance.transfer(&r, &transfer, None).await.unwrap();
    collection
        .delivery_notification(&r, &DeliveryNotification::new("Paid, thanks"), Some("en"))
        .await
        .unwrap();

    let rtp_status = collection.request_to_pay_status(&r).await.unwrap();
    assert_eq!(rtp_status.status, TransactionStatus::Successful);
    collection.request_to_withdraw_status(&r).await.unwrap();
    assert_eq!(
        collection.invoice_status(&r).await.unwrap().status,
        TransactionStatus::Created
    );
    assert_eq!(
        collection.pre_approval_status(&r).await.unwrap().status,
        TransactionStatus::Pending
    );
    collection.payment_status(&r).await.unwrap();
    assert!(collection
        .pre_approvals(&Party::msisdn("46733123456"))
        .await
        .unwrap()
        .is_empty());
    disbursement.transfer_status(&r).await.unwrap();
    disbursement.deposit_status(&r).await.unwrap();
    disbursement.refund_status(&r).await.unwrap();
    remittance.transfer_status(&r).await.unwrap();
    collection.balance_in("EUR").await.unwrap();
    let info = collection
        .basic_user_info(&Party::msisdn("46733123456"))
        .await
        .unwrap();
    assert_eq!(info.given_name.as_deref(), Some("Maja"));
    let active = disbursement
        .account_holder_active(&Party::new(PartyIdType::Email, "a@b.example"))
        .await
        .unwrap();
    assert!(active.result);
    let auth = collection
        .bc_authorize(
            &BcAuthorize::msisdn("46733123456", "all_info", "offline"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(auth.auth_req_id, "a-1");
    let consent = collection.oauth2_token(&auth.auth_req_id).await.unwrap();
    let user = collection.user_info(&consent.access_token).await.unwrap();
    assert_eq!(user.name.as_deref(), Some("Maja Sandberg"));

    // CIBA calls use Basic credentials; the consent userinfo uses the consent token.
    let bc = &requests_to(&server, "/bc-authorize").await[0];
    assert!(header_of(bc, "authorization")
        .unwrap()
        .starts_with("Basic "));
    assert_eq!(header_of(bc, "x-target-environment"), Some("sandbox"));
    let ui = &requests_to(&server, "/userinfo").await[0];
    assert_eq!(header_of(ui, "authorization"), Some("Bearer consent-1"));
    // Creates carry their reference id; the invoice cancellation a new one.
    let cancel = requests_to(&server, &format!("/invoice/{id}")).await;
    let cancel = cancel
        .iter()
        .find(|r| r.method.as_str() == "DELETE")
        .unwrap();
    assert_ne!(header_of(cancel, "x-reference-id"), Some(id));
    assert!(header_of(cancel, "x-reference-id").is_some());
    let notification = &requests_to(&server, "/deliverynotification").await[0];
    assert_eq!(header_of(notification, "language"), Some("en"));
}

#[tokio::test]
async fn provisioning_creates_a_user_and_a_key() {
    let server = MockServer::start().await;
    let user = reference();
    Mock::given(method("POST"))
        .and(path("/v1_0/apiuser"))
        .and(header("x-reference-id", user.as_str()))
        .and(header("ocp-apim-subscription-key", COLLECTION_KEY))
        .and(body_string(r#"{"providerCallbackHost":"shop.example"}"#))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1_0/apiuser/{user}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "providerCallbackHost": "shop.example", "targetEnvironment": "sandbox"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1_0/apiuser/{user}/apikey")))
        .respond_with(ResponseTemplate::new(201).set_body_raw(
            r#"{"apiKey":"0123456789abcdef0123456789abcdef"}"#,
            "application/json;charset=utf-8",
        ))
        .mount(&server)
        .await;
    let provisioning = Provisioning::new(
        &server.uri(),
        secret(COLLECTION_KEY),
        HttpOptions::default(),
        None,
    )
    .unwrap();

    provisioning
        .create_api_user(&user, &CreateApiUser::new("shop.example"))
        .await
        .unwrap();
    let details = provisioning.api_user(&user).await.unwrap();
    let key = provisioning.create_api_key(&user).await.unwrap();

    assert_eq!(details.target_environment.as_deref(), Some("sandbox"));
    assert_eq!(
        key.api_key.expose_secret(),
        "0123456789abcdef0123456789abcdef"
    );
    assert!(!format!("{key:?}").contains("0123456789abcdef"));
}

#[tokio::test]
async fn a_delivery_notification_is_sent_once_even_when_its_answer_is_a_5xx() {
    let server = MockServer::start().await;
    tokens(&server).await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/collection/v1_0/requesttopay/{}/deliverynotification",
            reference()
        )))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    // The default policy retries reads and deduped writes three times.
    let client = client(&server);

    let err = client
        .collection()
        .delivery_notification(&reference(), &DeliveryNotification::new("Paid"), None)
        .await
        .unwrap_err();

    assert!(err.is_retryable(), "{err:?}");
    let sent = requests_to(&server, "/deliverynotification").await;
    assert_eq!(
        sent.len(),
        1,
        "MoMo does not dedupe notifications: send once"
    );
}

#[tokio::test]
async fn a_401_on_the_basic_auth_calls_is_unauthorized_not_token_expired() {
    let server = MockServer::start().await;
    for suffix in ["/collection/v1_0/bc-authorize", "/collection/oauth2/token/"] {
        Mock::given(method("POST"))
            .and(path(suffix))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(serde_json::json!({"message": "Unauthorized"})),
            )
            .mount(&server)
            .await;
    }
    let collection = client(&server);
    let collection = collection.collection();

    let bc = collection
        .bc_authorize(
            &BcAuthorize::msisdn("46733123456", "all_info", "offline"),
            None,
        )
        .await
        .unwrap_err();
    let token = collection.oauth2_token("a-1").await.unwrap_err();

    for err in [bc, token] {
        assert!(
            matches!(&err, Error::Unauthorized { message } if message.contains(USER)),
            "{err:?}"
        );
        assert!(!err.to_string().contains(API_KEY));
    }
    // Basic calls never touch the bearer token.
    assert!(requests_to(&server, "/collection/token/").await.is_empty());
}

/// `reason` as MoMo sends it in practice (a bare code) and as its swagger models it
/// (`{code, message}`), on every status call.
#[tokio::test]
async fn every_status_call_reads_reason_as_a_string_and_as_an_object() {
    let server = MockServer::start().await;
    tokens(&server).await;
    let as_string = ReferenceId::parse("0c1d2e3f-4a5b-4c6d-8e7f-000000000001").unwrap();
    let as_object = ReferenceId::parse("0c1d2e3f-4a5b-4c6d-8e7f-000000000002").unwrap();
    let failed = |reason: serde_json::Value| {
        serde_json::json!({
            "amount": "5", "currency": "EUR", "externalId": "e",
            "status": "FAILED", "reason": reason
        })
    };
    let prefixes = [
        "/collection/v1_0/requesttopay",
        "/collection/v1_0/requesttowithdraw",
        "/collection/v2_0/invoice",
        "/collection/v2_0/preapproval",
        "/collection/v2_0/payment",
        "/disbursement/v1_0/transfer",
        "/disbursement/v1_0/deposit",
        "/disbursement/v1_0/refund",
        "/remittance/v1_0/transfer",
    ];
    for prefix in prefixes {
        for (id, body) in [
            (&as_string, failed(serde_json::json!("NOT_ENOUGH_FUNDS"))),
            (
                &as_object,
                failed(serde_json::json!({
                    "code": "NOT_ENOUGH_FUNDS", "message": "Not enough funds."
                })),
            ),
        ] {
            Mock::given(method("GET"))
                .and(path(format!("{prefix}/{}", id.as_str())))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&server)
                .await;
        }
    }
    let client = client(&server);
    let collection = client.collection();
    let disbursement = client.disbursement();
    let remittance = client.remittance();

    for (id, message) in [(&as_string, None), (&as_object, Some("Not enough funds."))] {
        let reasons: Vec<(&str, Option<Reason>)> = vec![
            (
                "request-to-pay",
                collection.request_to_pay_status(id).await.unwrap().reason,
            ),
            (
                "request-to-withdraw",
                collection
                    .request_to_withdraw_status(id)
                    .await
                    .unwrap()
                    .reason,
            ),
            (
                "invoice",
                collection.invoice_status(id).await.unwrap().reason,
            ),
            (
                "pre-approval",
                collection.pre_approval_status(id).await.unwrap().reason,
            ),
            (
                "payment",
                collection.payment_status(id).await.unwrap().reason,
            ),
            (
                "transfer",
                disbursement.transfer_status(id).await.unwrap().reason,
            ),
            (
                "deposit",
                disbursement.deposit_status(id).await.unwrap().reason,
            ),
            (
                "refund",
                disbursement.refund_status(id).await.unwrap().reason,
            ),
            (
                "remittance transfer",
                remittance.transfer_status(id).await.unwrap().reason,
            ),
        ];
        assert_eq!(reasons.len(), prefixes.len());
        for (call, reason) in reasons {
            let reason = reason.unwrap_or_else(|| panic!("{call}: no reason"));
            assert_eq!(reason.code(), Some("NOT_ENOUGH_FUNDS"), "{call}");
            assert_eq!(reason.message(), message, "{call}");
            let failure = crate::convert::failure(Some(&reason));
            assert_eq!(
                failure.reason,
                bankkit_core::payment::FailureReason::InsufficientFunds,
                "{call}"
            );
            assert_eq!(
                failure.provider_code.as_deref(),
                Some("NOT_ENOUGH_FUNDS"),
                "{call}"
            );
        }
    }
}

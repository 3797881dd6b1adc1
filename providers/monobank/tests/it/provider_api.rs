//! The provider ("corporate") API: signed headers of every call, the access flow, customer
//! handles behind the core traits, request ids kept secret, and the config of a provider key.

use std::time::Duration;

use bankkit_core::clock::ManualClock;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::registry::{self, BuildContext, ProviderConfig as _};
use bankkit_core::secret::{secret, ExposeSecret, SecretString};
use bankkit_core::{AccountId, Balance, Capability, Error, Provider, Statement, StatementRequest};
use bankkit_monobank::sign::Secp256k1PublicKey;
use bankkit_monobank::{
    access_callback_request_id, AccessRequest, AccessStatus, MonobankClient, MonobankConfig,
    MonobankProvider, PersonalAccess, ProviderKey, Registration, RegistrationState,
};
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const NOW: &str = "2026-11-01T12:00:00Z";
const SCALAR: [u8; 32] = [7; 32];
/// A customer's request id, in the shape of the spec's example.
const REQUEST_ID: &str = "uLkwh3NzFAfEkj7urj5C7AU_";
const TOKEN: &str = "uZ3pQk7w1R5tY9aB2cD4eF6gH8iJ0kL1mN3oP5qR7sT9";

const CLIENT_INFO: &str = r#"{"clientId":"3MSaMMtczs","name":"Мазепа Іван","webHookUrl":"","permissions":"psf",
 "accounts":[{"id":"kKGVoZuHWzqVoZuH","sendId":"uHWzqVoZuH","balance":10000000,"creditLimit":2000000,"type":"black",
   "currencyCode":980,"cashbackType":"UAH","maskedPan":["537541******1234"],"iban":"UA733220010000026201234567890"}]}"#;

const STATEMENT: &str = r#"[{"id":"ZuHWzqkKGVo=","time":1793534000,"description":"Покупка щастя","mcc":7997,
 "originalMcc":7997,"hold":false,"amount":-95000,"operationAmount":-95000,"currencyCode":980,"commissionRate":0,
 "cashbackAmount":19000,"balance":10050000,"comment":"За каву"}]"#;

fn key() -> ProviderKey {
    ProviderKey::from_bytes(&SCALAR).unwrap()
}

fn public() -> Secp256k1PublicKey {
    key().public_key()
}

fn clock() -> ManualClock {
    ManualClock::frozen_at(NOW.parse().unwrap())
}

fn company(server: &MockServer, clock: &ManualClock) -> MonobankClient {
    MonobankClient::builder()
        .provider_key(key())
        .base_url(server.uri())
        .clock(clock.shared())
        .build()
        .unwrap()
}

fn request_id() -> SecretString {
    secret(REQUEST_ID)
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the signature of `request` over `X-Time` (+ `X-Request-Id` when `with_request_id`)
/// + its path, and that `X-Time` is `at`'s seconds; returns `X-Time`.
fn assert_signed(request: &Request, at: DateTime<Utc>, with_request_id: bool) -> String {
    let x_time = header(request, "x-time").expect("X-Time").to_owned();
    assert_eq!(
        x_time,
        at.timestamp().to_string(),
        "X-Time is the clock's seconds"
    );
    let x_sign = header(request, "x-sign").expect("X-Sign");
    let mut message = x_time.clone();
    if with_request_id {
        message.push_str(header(request, "x-request-id").expect("X-Request-Id"));
    }
    message.push_str(request.url.path());
    public()
        .verify(x_sign, message.as_bytes())
        .unwrap_or_else(|e| panic!("X-Sign over {message:?}: {e}"));
    x_time
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

async fn mount(server: &MockServer, http_method: &str, at: &str, response: ResponseTemplate) {
    Mock::given(method(http_method))
        .and(path(at))
        .respond_with(response)
        .mount(server)
        .await;
}

fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
}

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

// ---- registration ----

#[tokio::test]
async fn registration_is_signed_over_time_and_path_without_a_key_id_and_sends_every_field() {
    // Arrange
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/personal/auth/registration",
        json(r#"{"status":"New"}"#),
    )
    .await;
    let clock = clock();
    let registration = Registration::new(
        "ТОВ \"Ворона\"",
        "Statistics of a customer's spending",
        "Роман Шевченко",
        "380671234567",
        "api@example.com",
        vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a],
    );

    // Act
    let answer = company(&server, &clock)
        .provider_api()
        .register(&registration)
        .await
        .unwrap();

    // Assert
    assert_eq!(answer.status, RegistrationState::New);
    let seen = received(&server).await;
    assert_eq!(seen.len(), 1);
    assert_signed(&seen[0], now(), false);
    assert!(
        header(&seen[0], "x-key-id").is_none(),
        "no key id before approval"
    );
    assert!(header(&seen[0], "x-request-id").is_none());
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    let pubkey = base64::engine::general_purpose::STANDARD
        .decode(body["pubkey"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(pubkey).unwrap(),
        key().public_key_pem().unwrap()
    );
    assert_eq!(body["name"], "ТОВ \"Ворона\"");
    assert_eq!(body["description"], "Statistics of a customer's spending");
    assert_eq!(body["contactPerson"], "Роман Шевченко");
    assert_eq!(body["phone"], "380671234567");
    assert_eq!(body["email"], "api@example.com");
    assert_eq!(body["logo"], "iVBORw0KGgo=");
    assert_eq!(body.as_object().unwrap().len(), 7);
}

#[tokio::test]
async fn registration_status_posts_the_pubkey_and_reads_state_and_key_id() {
    let server = MockServer::start().await;
    let key_id = key().key_id().to_owned();
    mount(
        &server,
        "POST",
        "/personal/auth/registration/status",
        json(&format!(r#"{{"status":"Approved","keyId":"{key_id}"}}"#)),
    )
    .await;
    let clock = clock();

    let status = company(&server, &clock)
        .provider_api()
        .registration_status()
        .await
        .unwrap();

    assert_eq!(status.status, RegistrationState::Approved);
    assert_eq!(status.key_id.as_deref(), Some(key_id.as_str()));
    let seen = received(&server).await;
    assert_signed(&seen[0], now(), false);
    assert!(header(&seen[0], "x-key-id").is_none());
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"pubkey": key().public_key_pem_base64().unwrap()})
    );
}

// ---- company settings and webhook ----

#[tokio::test]
async fn settings_and_webhook_are_signed_over_time_and_path_with_the_key_id_and_a_fresh_request_id()
{
    // Arrange
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/personal/corp/settings",
        json(
            r#"{"pubkey":"LS0t","name":"Компанія","permission":"psf","logo":"iVBORw0KGgo",
                "webhook":"https://example.com/mono/corp/webhook/s3cr3t"}"#,
        ),
    )
    .await;
    mount(&server, "POST", "/personal/corp/webhook", json("{}")).await;
    let clock = clock();
    let client = company(&server, &clock);

    // Act
    let settings = client.provider_api().settings().await.unwrap();
    clock.advance(Duration::from_secs(5));
    client
        .provider_api()
        .set_webhook("https://example.com/mono/corp/webhook/s3cr3t")
        .await
        .unwrap();

    // Assert
    assert_eq!(settings.permission, "psf");
    assert_eq!(
        settings.webhook.as_deref(),
        Some("https://example.com/mono/corp/webhook/s3cr3t")
    );
    let seen = received(&server).await;
    assert_eq!(seen.len(), 2);
    assert_signed(&seen[0], now(), false);
    assert_signed(&seen[1], now() + TimeDelta::seconds(5), false);
    let mut ids = Vec::new();
    for request in &seen {
        assert_eq!(header(request, "x-key-id"), Some(key().key_id()));
        let id = header(request, "x-request-id")
            .expect("X-Request-Id")
            .to_owned();
        assert_eq!(id.len(), 24, "{id}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1], "a fresh X-Request-Id per call");
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"webHookUrl": "https://example.com/mono/corp/webhook/s3cr3t"})
    );
}

// ---- access request and check ----

#[tokio::test]
async fn request_access_sends_the_callback_signed_over_time_and_path() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/personal/auth/request",
        json(&format!(
            r#"{{"tokenRequestId":"{REQUEST_ID}","acceptUrl":"https://mbnk.app/auth/{REQUEST_ID}"}}"#
        )),
    )
    .await;
    let clock = clock();

    let access = company(&server, &clock)
        .provider_api()
        .request_access(Some("https://example.com/mono/access/k3y"))
        .await
        .unwrap();

    assert_eq!(access.request_id.expose_secret(), REQUEST_ID);
    assert_eq!(
        access.accept_url,
        format!("https://mbnk.app/auth/{REQUEST_ID}")
    );
    let seen = received(&server).await;
    assert_signed(&seen[0], now(), false);
    assert_eq!(header(&seen[0], "x-key-id"), Some(key().key_id()));
    assert_eq!(
        header(&seen[0], "x-callback"),
        Some("https://example.com/mono/access/k3y")
    );
    assert!(header(&seen[0], "x-request-id").is_none());
}

#[tokio::test]
async fn request_access_without_a_callback_sends_none_and_is_never_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/personal/auth/request",
        ResponseTemplate::new(503),
    )
    .await;
    let client = MonobankClient::builder()
        .provider_key(key())
        .base_url(server.uri())
        .clock(clock().shared())
        .http_options(HttpOptions::default().retry(RetryPolicy::IdempotentWrites { attempts: 5 }))
        .build()
        .unwrap();

    let error = client
        .provider_api()
        .request_access(None)
        .await
        .unwrap_err();

    assert!(
        matches!(error, Error::Provider { status: 503, .. }),
        "{error:?}"
    );
    let seen = received(&server).await;
    assert_eq!(seen.len(), 1, "each call creates a request: never repeated");
    assert!(header(&seen[0], "x-callback").is_none());
    let bad = client
        .provider_api()
        .request_access(Some("not a url"))
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::InvalidRequest { .. }), "{bad:?}");
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn access_check_is_granted_on_200_pending_on_401_and_not_found_on_404() {
    // Arrange: three answers in turn.
    let server = MockServer::start().await;
    for (status, body) in [
        (401, r#"{"errorDescription":"Request is unauthorized yet"}"#),
        (200, "{}"),
        (404, r#"{"errorDescription":"Request is not exist"}"#),
    ] {
        Mock::given(method("GET"))
            .and(path("/personal/auth/request"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let clock = clock();
    let client = company(&server, &clock);
    let api = client.provider_api();

    // Act
    let pending = api.access_status(&request_id()).await.unwrap();
    let granted = api.access_status(&request_id()).await.unwrap();
    let missing = api.access_status(&request_id()).await.unwrap_err();

    // Assert
    assert_eq!(pending, AccessStatus::Pending);
    assert_eq!(granted, AccessStatus::Granted);
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    let seen = received(&server).await;
    assert_eq!(seen.len(), 3, "a 401 is an answer, not retried");
    for request in &seen {
        assert_signed(request, now(), true);
        assert_eq!(header(request, "x-request-id"), Some(REQUEST_ID));
        assert_eq!(header(request, "x-key-id"), Some(key().key_id()));
        assert_eq!(request.url.path(), "/personal/auth/request");
    }
}

#[tokio::test]
async fn an_empty_401_on_the_access_check_is_pending_too() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/personal/auth/request",
        ResponseTemplate::new(401),
    )
    .await;
    let status = company(&server, &clock())
        .provider_api()
        .access_status(&request_id())
        .await
        .unwrap();
    assert_eq!(status, AccessStatus::Pending);
}

#[tokio::test]
async fn wait_for_access_polls_on_the_clock_until_granted_and_returns_the_customer_handle() {
    // Arrange: pending three times, then granted.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/personal/auth/request"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(3)
        .mount(&server)
        .await;
    mount(&server, "GET", "/personal/auth/request", json("{}")).await;
    mount(&server, "GET", "/personal/client-info", json(CLIENT_INFO)).await;
    let clock = clock();
    let client = company(&server, &clock);
    let access = AccessRequest::new(request_id(), format!("https://mbnk.app/auth/{REQUEST_ID}"));
    let started = std::time::Instant::now();

    // Act
    let customer = client
        .provider_api()
        .wait_for_access(&access, Duration::from_secs(5), Duration::from_secs(60))
        .await
        .unwrap();

    // Assert: four checks 5 s apart on the clock, none in real time.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!((clock.now() - now()).num_seconds(), 15);
    let checks = received(&server).await;
    assert_eq!(checks.len(), 4);
    for (i, check) in checks.iter().enumerate() {
        assert_signed(check, now() + TimeDelta::seconds(5 * i as i64), true);
    }
    assert!(customer.is_customer_handle());
    let info = customer.client_info().await.unwrap();
    assert_eq!(info.client_id, "3MSaMMtczs");
    let read = received(&server).await.pop().unwrap();
    assert_eq!(read.url.path(), "/personal/client-info");
    assert_eq!(header(&read, "x-request-id"), Some(REQUEST_ID));
}

#[tokio::test]
async fn wait_for_access_gives_up_with_a_timeout_error_within_the_limit() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/personal/auth/request",
        ResponseTemplate::new(401),
    )
    .await;
    let clock = clock();
    let access = AccessRequest::new(request_id(), "https://mbnk.app/auth/x");

    let error = company(&server, &clock)
        .provider_api()
        .wait_for_access(&access, Duration::from_secs(10), Duration::from_secs(35))
        .await
        .unwrap_err();

    assert!(
        matches!(error, Error::Timeout { after, .. } if after == Duration::from_secs(35)),
        "{error:?}"
    );
    // Checks at 0, 10, 20 and 30 s: the next would come after the limit.
    assert_eq!(received(&server).await.len(), 4);
    assert_eq!((clock.now() - now()).num_seconds(), 30);
    assert!(!format!("{error:?} {error}").contains(REQUEST_ID));
}

// ---- customer reads ----

#[tokio::test]
async fn customer_reads_through_the_provider_api_are_signed_with_the_request_id_in_a_header() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/personal/client-info", json(CLIENT_INFO)).await;
    Mock::given(method("GET"))
        .and(path_regex("^/personal/statement/"))
        .respond_with(json(STATEMENT))
        .mount(&server)
        .await;
    let clock = clock();
    let client = company(&server, &clock);
    let api = client.provider_api();

    let info = api.client_info(&request_id()).await.unwrap();
    let items = api
        .statement(
            &request_id(),
            "kKGVoZuHWzqVoZuH",
            1_793_000_000,
            Some(1_793_600_000),
        )
        .await
        .unwrap();

    assert_eq!(info.accounts[0].balance, 10_000_000);
    assert_eq!(items[0].comment.as_deref(), Some("За каву"));
    let seen = received(&server).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].url.path(),
        "/personal/statement/kKGVoZuHWzqVoZuH/1793000000/1793600000"
    );
    for request in &seen {
        assert_signed(request, now(), true);
        assert_eq!(header(request, "x-key-id"), Some(key().key_id()));
        assert!(header(request, "x-token").is_none());
        assert!(!request.url.as_str().contains(REQUEST_ID));
    }
}

#[tokio::test]
async fn customer_reads_are_paced_per_request_id_and_endpoint() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/personal/client-info", json(CLIENT_INFO)).await;
    let clock = clock();
    let client = company(&server, &clock);
    let api = client.provider_api();

    api.client_info(&request_id()).await.unwrap();
    api.client_info(&secret("another-customer")).await.unwrap();
    assert_eq!(clock.now(), now(), "another customer does not wait");
    // A customer handle shares the pacing of its request id.
    let handle = client.for_customer(request_id()).unwrap();
    handle.client_info().await.unwrap();
    assert_eq!((clock.now() - now()).num_seconds(), 60);

    // The second attempt is signed at the time it is sent, after the wait.
    let seen = received(&server).await;
    assert_signed(&seen[2], now() + TimeDelta::seconds(60), true);
}

#[tokio::test]
async fn a_retried_customer_read_is_signed_again_at_the_new_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/personal/client-info"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_raw(
                    r#"{"errorDescription":"Too many requests"}"#,
                    "application/json",
                ),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(&server, "GET", "/personal/client-info", json(CLIENT_INFO)).await;
    let clock = clock();

    company(&server, &clock)
        .for_customer(request_id())
        .unwrap()
        .client_info()
        .await
        .unwrap();

    let seen = received(&server).await;
    assert_eq!(seen.len(), 2);
    assert_signed(&seen[0], now(), true);
    // 7 s of Retry-After, then the 60 s limiter of the request id: signed when sent.
    assert_signed(&seen[1], now() + TimeDelta::seconds(60), true);
    assert_ne!(header(&seen[0], "x-sign"), header(&seen[1], "x-sign"));
}

#[tokio::test]
async fn a_customer_provider_reads_balance_and_statement_with_signed_headers_and_no_token() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, "GET", "/personal/client-info", json(CLIENT_INFO)).await;
    Mock::given(method("GET"))
        .and(path_regex("^/personal/statement/kKGVoZuHWzqVoZuH/"))
        .respond_with(json(STATEMENT))
        .mount(&server)
        .await;
    let clock = clock();
    let customer = company(&server, &clock).for_customer(request_id()).unwrap();
    let provider = MonobankProvider::new(customer);

    // Act
    let accounts = provider.accounts().await.unwrap();
    let balance = Balance::balance(&provider, &accounts[0].id).await.unwrap();
    let page = provider
        .page(&StatementRequest::new(
            AccountId::new("kKGVoZuHWzqVoZuH"),
            DateTime::from_timestamp(1_793_000_000, 0).unwrap(),
            DateTime::from_timestamp(1_793_600_000, 0).unwrap(),
        ))
        .await
        .unwrap();

    // Assert: the personal shapes, read for the customer.
    assert_eq!(accounts.len(), 1);
    assert_eq!(balance.available.to_string(), "80000.00 UAH");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].description, "Покупка щастя");
    let caps = provider.capabilities();
    assert!(caps.balance.is_supported() && caps.statement.is_supported());
    assert!(!caps.webhook.is_supported(), "{caps:?}");
    assert!(!caps.payment.is_supported());
    assert!(provider.webhook().is_none());
    assert!(Provider::balance(&provider).is_some() && Provider::statement(&provider).is_some());
    assert_eq!(
        PersonalAccess::of(provider.client()),
        PersonalAccess::Customer
    );
    let seen = received(&server).await;
    assert_eq!(
        seen.len(),
        2,
        "one client-info for accounts, balance and currency"
    );
    for request in &seen {
        assert_signed(request, now(), true);
        assert!(header(request, "x-token").is_none());
        assert_eq!(header(request, "x-request-id"), Some(REQUEST_ID));
    }
}

#[tokio::test]
async fn a_customer_handle_has_no_personal_webhook() {
    let server = MockServer::start().await;
    let customer = company(&server, &clock())
        .for_customer(request_id())
        .unwrap();
    let error = customer
        .set_webhook("https://example.org/h")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unsupported { .. }), "{error:?}");
    assert!(received(&server).await.is_empty());
    assert_eq!(
        capability_reason(&MonobankProvider::new(customer), Capability::Webhook)
            .map(|r| r.contains("company")),
        Some(true)
    );
}

fn capability_reason(provider: &MonobankProvider, capability: Capability) -> Option<String> {
    match provider.capabilities().get(capability) {
        bankkit_core::Support::Unsupported { reason } => Some(reason.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn provider_api_calls_without_a_key_are_config_errors_and_send_nothing() {
    let server = MockServer::start().await;
    let client = MonobankClient::builder()
        .token(secret(TOKEN))
        .base_url(server.uri())
        .build()
        .unwrap();
    assert!(!client.has_provider_key());
    let errors = [
        client.provider_api().settings().await.unwrap_err(),
        client
            .provider_api()
            .request_access(None)
            .await
            .unwrap_err(),
        client
            .provider_api()
            .access_status(&request_id())
            .await
            .unwrap_err(),
        client.for_customer(request_id()).unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(error, Error::Config { ref field, .. } if field == "provider_key"),
            "{error:?}"
        );
    }
    assert!(received(&server).await.is_empty());
}

// ---- request ids stay secret ----

#[tokio::test]
async fn request_ids_never_appear_in_debug_errors_or_paths() {
    // Arrange: the bank quoting the request id in its error texts.
    let server = MockServer::start().await;
    let quoting = format!(r#"{{"errorDescription":"Unknown X-Request-Id '{REQUEST_ID}'"}}"#);
    for (at, status) in [
        ("/personal/client-info", 403),
        ("/personal/auth/request", 404),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(
                ResponseTemplate::new(status).set_body_raw(quoting.clone(), "application/json"),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex("^/personal/statement/"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            format!("<html>bad request {REQUEST_ID}</html>"),
            "text/html",
        ))
        .mount(&server)
        .await;
    let clock = clock();
    let client = company(&server, &clock);
    let customer = client.for_customer(request_id()).unwrap();

    // Act
    let errors = vec![
        customer.client_info().await.unwrap_err(),
        customer.statement("0", 1, Some(2)).await.unwrap_err(),
        client
            .provider_api()
            .access_status(&request_id())
            .await
            .unwrap_err(),
    ];
    let access = AccessRequest::new(request_id(), format!("https://mbnk.app/auth/{REQUEST_ID}"));
    let config = MonobankConfig::provider_api(secret(key_pem()), key().key_id())
        .with_request_id(request_id());
    let built = config
        .build(&BuildContext::default().with_clock(clock.shared()))
        .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("x-request-id", http::HeaderValue::from_static(REQUEST_ID));
    let callback = access_callback_request_id(&headers).unwrap();

    // Assert
    assert!(
        matches!(errors[0], Error::Unauthorized { .. }),
        "{:?}",
        errors[0]
    );
    assert!(
        matches!(errors[1], Error::InvalidRequest { .. }),
        "{:?}",
        errors[1]
    );
    assert!(
        matches!(errors[2], Error::NotFound { .. }),
        "{:?}",
        errors[2]
    );
    let mut shown = Vec::new();
    for error in &errors {
        shown.push(format!("{error:?}"));
        shown.push(error.to_string());
    }
    shown.push(format!("{access:?}"));
    shown.push(format!("{client:?}"));
    shown.push(format!("{customer:?}"));
    shown.push(format!("{:?}", MonobankProvider::new(customer.clone())));
    shown.push(format!("{config:?}"));
    shown.push(serde_json::to_string(&config).unwrap());
    shown.push(format!("{built:?}"));
    shown.push(format!("{callback:?}"));
    shown.push(format!("{:?}", client.provider_api()));
    for text in &shown {
        assert!(!text.contains(REQUEST_ID), "{text}");
        assert!(!text.contains("BEGIN EC PRIVATE KEY"), "{text}");
    }
    assert!(shown.iter().any(|text| text.contains("[REDACTED]")));
    for request in received(&server).await {
        assert!(
            !request.url.as_str().contains(REQUEST_ID),
            "{}",
            request.url
        );
    }
}

/// A writer into a shared buffer, for capturing traces.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn traces_of_customer_calls_show_paths_but_never_the_request_id() {
    // Arrange: every trace of this thread, at every level, into a buffer.
    let server = MockServer::start().await;
    let quoting = format!(r#"{{"errorDescription":"Unknown X-Request-Id '{REQUEST_ID}'"}}"#);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(quoting, "application/json"))
        .mount(&server)
        .await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let clock = clock();
    let client = company(&server, &clock);

    // Act
    let customer = client.for_customer(request_id()).unwrap();
    let _ = customer.client_info().await;
    let _ = customer.statement("acc-1", 1, Some(2)).await;
    let _ = client.provider_api().access_status(&request_id()).await;

    // Assert
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("personal/statement/acc-1/1/2"), "{text}");
    assert!(text.contains("403"), "{text}");
    assert!(!text.contains(REQUEST_ID), "{text}");
}

#[test]
fn the_access_callback_header_is_read_trimmed_and_blank_is_none() {
    let mut headers = http::HeaderMap::new();
    headers.insert("X-Request-Id", http::HeaderValue::from_static(" abc "));
    assert_eq!(
        access_callback_request_id(&headers)
            .unwrap()
            .expose_secret(),
        "abc"
    );
    headers.insert("X-Request-Id", http::HeaderValue::from_static("  "));
    assert!(access_callback_request_id(&headers).is_none());
    assert!(access_callback_request_id(&http::HeaderMap::new()).is_none());
}

// ---- configuration ----

/// The test key as a SEC1 PEM, written with the `k256` crate.
fn key_pem() -> String {
    let secret = k256::SecretKey::from_slice(&SCALAR).unwrap();
    secret
        .to_sec1_pem(k256::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

fn build(config: &MonobankConfig) -> Result<std::sync::Arc<dyn Provider>, Error> {
    config.build(&BuildContext::default().with_clock(clock().shared()))
}

fn config_field(result: Result<std::sync::Arc<dyn Provider>, Error>) -> (String, String) {
    match result {
        Err(Error::Config { field, message }) => (field, message),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn a_provider_key_file_that_cannot_be_read_names_the_file_field() {
    let (field, message) = config_field(build(&MonobankConfig::provider_api_with_key_file(
        "/nonexistent/dir/key.pem",
        key().key_id(),
    )));
    assert_eq!(field, "provider_key_file");
    assert!(message.contains("cannot read"), "{message}");
}

#[test]
fn a_key_that_is_not_pem_names_its_field() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "not a key").unwrap();
    let (field, message) = config_field(build(&MonobankConfig::provider_api_with_key_file(
        file.path(),
        key().key_id(),
    )));
    assert_eq!(field, "provider_key_file");
    assert!(message.contains("PEM"), "{message}");
    let (field, _) = config_field(build(&MonobankConfig::provider_api(
        secret("hello"),
        key().key_id(),
    )));
    assert_eq!(field, "provider_key");
}

#[test]
fn a_p256_key_is_refused_as_the_wrong_curve() {
    let p256 = p256::SecretKey::from_slice(&SCALAR)
        .unwrap()
        .to_sec1_pem(p256::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &p256).unwrap();
    for (config, expected) in [
        (
            MonobankConfig::provider_api(secret(p256.clone()), key().key_id()),
            "provider_key",
        ),
        (
            MonobankConfig::provider_api_with_key_file(file.path(), key().key_id()),
            "provider_key_file",
        ),
    ] {
        let (field, message) = config_field(build(&config));
        assert_eq!(field, expected);
        assert!(
            message.contains("P-256") && message.contains("secp256k1"),
            "{message}"
        );
        assert!(!message.contains("PRIVATE KEY-----\nM"), "{message}");
    }
}

#[test]
fn a_key_inline_and_in_a_file_together_are_refused() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), key_pem()).unwrap();
    let mut config = MonobankConfig::provider_api(secret(key_pem()), key().key_id());
    config.provider_key_file = Some(file.path().to_owned());
    let (field, message) = config_field(build(&config));
    assert_eq!(field, "provider_key_file");
    assert!(message.contains("not both"), "{message}");
}

#[test]
fn the_key_id_is_required_with_a_key_must_match_it_and_needs_a_key() {
    let mut missing = MonobankConfig::provider_api(secret(key_pem()), "");
    let (field, message) = config_field(build(&missing));
    assert_eq!(field, "provider_key_id");
    assert!(message.contains(key().key_id()), "{message}");
    missing.provider_key_id = None;
    assert_eq!(config_field(build(&missing)).0, "provider_key_id");

    let other_id = ProviderKey::from_bytes(&[8; 32])
        .unwrap()
        .key_id()
        .to_owned();
    let (field, message) = config_field(build(&MonobankConfig::provider_api(
        secret(key_pem()),
        other_id.clone(),
    )));
    assert_eq!(field, "provider_key_id");
    assert!(
        message.contains(&other_id) && message.contains(key().key_id()),
        "{message}"
    );

    let mut without_key = MonobankConfig::new(secret(TOKEN));
    without_key.provider_key_id = Some(key().key_id().to_owned());
    assert_eq!(config_field(build(&without_key)).0, "provider_key_id");

    // The right id, in either case, builds.
    build(&MonobankConfig::provider_api(
        secret(key_pem()),
        key().key_id().to_uppercase(),
    ))
    .unwrap();
}

#[test]
fn a_request_id_needs_a_key_no_token_and_a_value() {
    let (field, message) = config_field(build(
        &MonobankConfig::merchant(secret("merchant-token-1")).with_request_id(request_id()),
    ));
    assert_eq!(field, "request_id");
    assert!(message.contains("provider key"), "{message}");

    let (field, message) = config_field(build(
        &MonobankConfig::new(secret(TOKEN))
            .with_provider_key(secret(key_pem()), key().key_id())
            .with_request_id(request_id()),
    ));
    assert_eq!(field, "request_id");
    assert!(
        message.contains("ambiguous") && message.contains("token"),
        "{message}"
    );

    let (field, _) = config_field(build(
        &MonobankConfig::provider_api(secret(key_pem()), key().key_id())
            .with_request_id(secret(" ")),
    ));
    assert_eq!(field, "request_id");
}

#[test]
fn no_credential_at_all_names_token_and_lists_the_choices() {
    let configs = registry::load_toml("[[providers]]\nprovider = \"monobank\"\n").unwrap();
    let error = configs[0].build(&BuildContext::default()).unwrap_err();
    match error {
        Error::Config { field, message } => {
            assert_eq!(field, "token");
            assert!(message.contains("provider_key"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_toml_config_with_a_key_file_and_request_id_reads_the_customer() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, "GET", "/personal/client-info", json(CLIENT_INFO)).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), key_pem()).unwrap();
    let toml = format!(
        "[[providers]]\nprovider = \"monobank\"\nbase_url = \"{}\"\nprovider_key_file = {:?}\n\
         provider_key_id = \"{}\"\nrequest_id = \"{REQUEST_ID}\"\n",
        server.uri(),
        file.path().display().to_string(),
        key().key_id(),
    );
    let clock = clock();

    // Act
    let provider =
        registry::providers_from_toml(&toml, &BuildContext::default().with_clock(clock.shared()))
            .unwrap()
            .remove(0);
    let accounts = provider.balance().unwrap().accounts().await.unwrap();

    // Assert
    assert_eq!(accounts.len(), 1);
    assert_eq!(
        provider.name(),
        "Monobank (a customer through the provider API)"
    );
    assert!(provider.webhook().is_none());
    assert!(!format!("{provider:?}").contains(REQUEST_ID));
    let seen = received(&server).await;
    assert_signed(&seen[0], now(), true);
    assert!(header(&seen[0], "x-token").is_none());
}

#[test]
fn a_key_without_a_customer_builds_a_provider_api_client_with_nothing_to_offer_the_traits() {
    let provider = build(&MonobankConfig::provider_api(
        secret(key_pem()),
        key().key_id(),
    ))
    .unwrap();
    assert_eq!(provider.name(), "Monobank (provider API)");
    assert!(provider.balance().is_none() && provider.webhook().is_none());
    assert!(provider.capabilities().supported().is_empty());
}

// ---- currency rates ----

#[tokio::test]
async fn a_customer_handle_shares_the_currency_rates_of_its_company_client() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/bank/currency",
        json(r#"[{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateBuy":41.05,"rateSell":41.62}]"#),
    )
    .await;
    let clock = clock();
    let client = company(&server, &clock);
    client.currency_rates().await.unwrap();
    client
        .for_customer(request_id())
        .unwrap()
        .currency_rates()
        .await
        .unwrap();
    assert_eq!(received(&server).await.len(), 1);
}

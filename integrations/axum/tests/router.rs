//! The router driven over HTTP against the in-process sandbox: two users, two providers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::FromRequestParts;
use bankkit_axum::{BankkitRouter, UserId};
use bankkit_core::credentials::MemoryCredentialStore;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::registry::BuildContext;
use bankkit_core::token::MemoryTokenStore;
use bankkit_core::{Transaction, WebhookEvent};
use bankkit_sandbox::{Sandbox, SandboxEvent, TestOutcome};
use http::request::Parts;
use http::StatusCode;
use serde_json::{json, Value};

// Link the provider crates so the registry finds them.
use bankkit_momo as _;
use bankkit_monobank as _;

/// The test app's "login": the user named in `X-User`.
struct XUser(String);

impl<S: Send + Sync> FromRequestParts<S> for XUser {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        parts
            .headers
            .get("x-user")
            .and_then(|v| v.to_str().ok())
            .map(|v| XUser(v.to_owned()))
            .ok_or(StatusCode::UNAUTHORIZED)
    }
}

impl UserId for XUser {
    fn user_id(&self) -> &str {
        &self.0
    }
}

type Events = Arc<Mutex<Vec<(String, String, WebhookEvent)>>>;

struct App {
    sandbox: Sandbox,
    base: String,
    http: reqwest::Client,
    events: Events,
}

impl App {
    async fn start() -> App {
        Self::start_with(
            Arc::new(MemoryCredentialStore::new()),
            Arc::new(MemoryTokenStore::new()),
        )
        .await
    }

    async fn start_with(
        credentials: Arc<dyn bankkit_core::credentials::CredentialStore>,
        tokens: Arc<dyn bankkit_core::TokenStore>,
    ) -> App {
        let sandbox = Sandbox::builder()
            .providers(["monobank", "momo"])
            .start()
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/bank", listener.local_addr().unwrap());
        let events: Events = Arc::default();
        let seen = events.clone();
        let context = BuildContext::default()
            .with_clock(sandbox.clock().shared())
            .with_http(
                HttpOptions::default()
                    .timeout(Duration::from_secs(5))
                    .retry(RetryPolicy::IdempotentWrites { attempts: 3 }),
            );
        let bank = BankkitRouter::<XUser>::new(credentials, tokens)
            .build_context(context)
            .public_url(&base)
            // The sandbox's URLs: users of a real app cannot point the server elsewhere.
            .allow_config_fields(["base_url"])
            .monobank_base_url(sandbox.monobank().unwrap().base_url())
            .on_event(move |user, provider, event| {
                seen.lock()
                    .unwrap()
                    .push((user.to_owned(), provider.to_owned(), event));
            })
            .build();
        let app = axum::Router::new().nest("/bank", bank);
        tokio::spawn(async move { axum::serve(listener, app).await });
        App {
            sandbox,
            base,
            http: reqwest::Client::new(),
            events,
        }
    }

    fn monobank_credentials(&self) -> Value {
        let monobank = self.sandbox.monobank().unwrap();
        json!({
            "token": monobank.credentials()["token"],
            "base_url": monobank.base_url(),
        })
    }

    fn momo_credentials(&self) -> Value {
        let momo = self.sandbox.momo().unwrap();
        let seeded = momo.credentials();
        let mut out = json!({"base_url": momo.base_url()});
        for name in [
            "api_user",
            "api_key",
            "collection_key",
            "disbursement_key",
            "remittance_key",
            "target_environment",
        ] {
            if let Some(value) = seeded.get(name) {
                out[name] = value.clone();
            }
        }
        out
    }

    fn request(&self, method: reqwest::Method, user: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("x-user", user)
    }

    async fn put_credentials(&self, user: &str, provider: &str, body: &Value) -> reqwest::Response {
        self.request(
            reqwest::Method::PUT,
            user,
            &format!("/providers/{provider}/credentials"),
        )
        .json(body)
        .send()
        .await
        .unwrap()
    }

    async fn get(&self, user: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::GET, user, path)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

/// Checks the RFC 9457 shape and that no secret is inside.
async fn problem(response: reqwest::Response, secrets: &[&str]) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    assert_eq!(content_type, "application/problem+json", "{text}");
    for secret in secrets {
        assert!(!text.contains(secret), "a secret is in the problem: {text}");
    }
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["status"], status.as_u16(), "{text}");
    for field in ["type", "title", "detail", "code"] {
        assert!(body[field].is_string(), "no {field} in {text}");
    }
    assert!(body["type"]
        .as_str()
        .unwrap()
        .ends_with(body["code"].as_str().unwrap()));
    (status, body)
}

#[tokio::test]
async fn one_users_credentials_are_invisible_to_another() {
    let app = App::start().await;
    let put = app
        .put_credentials("alice", "monobank", &app.monobank_credentials())
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let put = app
        .put_credentials("bob", "momo", &app.momo_credentials())
        .await;
    assert_eq!(put.status(), StatusCode::OK);

    let (_, alice) = app.get("alice", "/providers").await;
    let (_, bob) = app.get("bob", "/providers").await;
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["provider"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&alice), ["monobank"]);
    assert_eq!(names(&bob), ["momo"]);
    assert!(alice[0]["supported"]
        .as_array()
        .unwrap()
        .contains(&json!("statement")));

    let (status, body) = app.get("bob", "/providers/monobank/accounts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "no_credentials");
    let (status, _) = app.get("alice", "/providers/momo/accounts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Removing is per user too, and the cached provider goes with it.
    let removed = app
        .request(
            reqwest::Method::DELETE,
            "alice",
            "/providers/monobank/credentials",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let (status, _) = app.get("alice", "/providers/monobank/accounts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("bob", "/providers/momo/accounts").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn requests_without_a_user_get_the_extractors_rejection() {
    let app = App::start().await;
    let response = app
        .http
        .get(format!("{}/providers", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn accounts_balances_and_the_statement_stream_equal_the_sandbox_ledger() {
    let app = App::start().await;
    app.put_credentials("alice", "monobank", &app.monobank_credentials())
        .await;
    let ledger = app.sandbox.monobank().unwrap().ledger();

    let (status, accounts) = app.get("alice", "/providers/monobank/accounts").await;
    assert_eq!(status, StatusCode::OK, "{accounts}");
    let mut got: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let mut seeded: Vec<&str> = ledger.listed_accounts().map(|a| a.id.as_str()).collect();
    got.sort_unstable();
    seeded.sort_unstable();
    assert_eq!(got, seeded);

    let (status, balances) = app.get("alice", "/providers/monobank/balances").await;
    assert_eq!(status, StatusCode::OK, "{balances}");
    assert_eq!(balances.as_array().unwrap().len(), seeded.len());
    let account = ledger
        .listed_accounts()
        .find(|a| a.transactions.len() > 3)
        .expect("a seeded account with transactions");
    let (status, balance) = app
        .get(
            "alice",
            &format!("/providers/monobank/accounts/{}/balance", account.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{balance}");
    let balance: bankkit_core::AccountBalance = serde_json::from_value(balance).unwrap();
    let booked = balance.current.unwrap_or(balance.available);
    assert_eq!(booked.to_minor().unwrap(), account.balance_minor);

    // A range of several windows: the stream walks them all.
    let last = account.transactions.last().unwrap().time;
    let from = last - chrono::TimeDelta::days(40);
    let to = last + chrono::TimeDelta::seconds(1);
    let response = app
        .request(
            reqwest::Method::GET,
            "alice",
            &format!("/providers/monobank/accounts/{}/statement", account.id),
        )
        .query(&[("from", from.to_rfc3339()), ("to", to.to_rfc3339())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let mut streamed: Vec<(String, i64)> = text
        .lines()
        .map(|line| {
            let t: Transaction =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            (t.id.to_string(), t.signed_amount().to_minor().unwrap())
        })
        .collect();
    let mut expected: Vec<(String, i64)> = account
        .transactions
        .iter()
        .filter(|t| t.time >= from && t.time < to)
        .map(|t| (t.id.clone(), t.amount_minor))
        .collect();
    streamed.sort();
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(streamed, expected);

    let (status, body) = app
        .get(
            "alice",
            "/providers/monobank/accounts/no-such-account/balance",
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a_collect_sent_twice_with_one_idempotency_key_makes_one_payment() {
    let app = App::start().await;
    app.put_credentials("bob", "momo", &app.momo_credentials())
        .await;
    let momo = app.sandbox.momo().unwrap();
    let currency = momo.ledger().accounts[0].currency.clone();
    let payer = momo.test_party(TestOutcome::Success).unwrap();
    let body = json!({
        "amount": {"amount": "13.37", "currency": currency},
        "payer": {"type": "phone", "number": payer.value},
        "reference": "order-1337",
    });
    let path = "/providers/momo/payments/collect";

    let without_key = app
        .request(reqwest::Method::POST, "bob", path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, problem_body) = problem(without_key, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem_body["code"], "idempotency_key_required");

    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = app
            .request(reqwest::Method::POST, "bob", path)
            .header("Idempotency-Key", "order-1337-attempt")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        ids.push(created["url_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids[0], ids[1]);

    let mut status = Value::Null;
    for _ in 0..30 {
        let (code, details) = app
            .get("bob", &format!("/providers/momo/payments/{}", ids[0]))
            .await;
        assert_eq!(code, StatusCode::OK, "{details}");
        status = details["status"].clone();
        if status == "succeeded" {
            break;
        }
        app.sandbox.advance(Duration::from_secs(10));
    }
    assert_eq!(status, "succeeded");
    let payments = momo
        .ledger()
        .accounts
        .iter()
        .flat_map(|a| a.transactions.iter())
        .filter(|t| t.amount_minor.abs() == 1337)
        .count();
    assert_eq!(payments, 1);

    let (code, body) = app
        .get("bob", "/providers/momo/payments/not-a-payment-id!")
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_payment_id");
}

#[tokio::test]
async fn errors_are_problem_details_without_secrets() {
    let app = App::start().await;
    const WRONG: &str = "wrongTOKEN_s3cr3t_0123456789abcdefghijklmnop";
    let mut credentials = app.monobank_credentials();
    credentials["token"] = json!(WRONG);
    let put = app.put_credentials("carol", "monobank", &credentials).await;
    assert_eq!(put.status(), StatusCode::OK);
    let response = app
        .request(
            reqwest::Method::GET,
            "carol",
            "/providers/monobank/accounts",
        )
        .send()
        .await
        .unwrap();
    let (status, body) = problem(response, &[WRONG, "s3cr3t"]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["code"], "provider_unauthorized");
    assert_eq!(body["provider"], "monobank");

    // Unknown provider.
    let response = app
        .put_credentials("carol", "acme", &json!({"token": WRONG}))
        .await;
    let (status, body) = problem(response, &[WRONG]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "unknown_provider");
    let response = app
        .request(reqwest::Method::GET, "carol", "/providers/acme/accounts")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response, &[]).await.0, StatusCode::NOT_FOUND);

    // Bad bodies: not JSON, a secret where a number belongs, another provider's tag.
    for body in [
        json!("not an object"),
        json!({"token": "t", "timeout_secs": WRONG}),
        json!({"provider": "momo", "token": WRONG}),
        json!({"tokn": WRONG}),
    ] {
        let response = app.put_credentials("carol", "monobank", &body).await;
        let (status, problem_body) = problem(response, &[WRONG, "s3cr3t"]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem_body}");
    }
    let response = app
        .request(
            reqwest::Method::PUT,
            "carol",
            "/providers/monobank/credentials",
        )
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response, &[]).await.0, StatusCode::BAD_REQUEST);

    // A card number in a bad payment body is never echoed.
    app.put_credentials("carol", "momo", &app.momo_credentials())
        .await;
    let response = app
        .request(
            reqwest::Method::POST,
            "carol",
            "/providers/momo/payments/collect",
        )
        .header("Idempotency-Key", "k-1")
        .json(&json!({"amount": {"amount": 5, "currency": "EUR"},
                      "payer": {"type": "card", "number": "4111111111111111", "expiry": 1230}}))
        .send()
        .await
        .unwrap();
    let (status, _) = problem(response, &["4111111111111111"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A capability the provider lacks.
    let response = app
        .request(
            reqwest::Method::GET,
            "carol",
            "/providers/momo/accounts/any/statement?days=3",
        )
        .send()
        .await
        .unwrap();
    let (status, body) = problem(response, &[]).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(body["code"], "unsupported");

    // A bad statement range.
    app.put_credentials("carol", "monobank", &app.monobank_credentials())
        .await;
    let response = app
        .request(
            reqwest::Method::GET,
            "carol",
            "/providers/monobank/accounts/any/statement?from=yesterday",
        )
        .send()
        .await
        .unwrap();
    let (status, body) = problem(response, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_query");
}

#[tokio::test]
async fn the_receiver_accepts_a_real_delivery_and_refuses_a_forged_one() {
    let app = App::start().await;
    app.put_credentials("alice", "monobank", &app.monobank_credentials())
        .await;
    // Register the router's own receiver (its public URL).
    let registered = app
        .request(
            reqwest::Method::POST,
            "alice",
            "/providers/monobank/webhooks",
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let registration: Value = registered.json().await.unwrap();
    assert_eq!(
        registration["url"],
        format!("{}/hooks/monobank/alice", app.base)
    );
    let (_, listed) = app.get("alice", "/providers/monobank/webhooks").await;
    assert_eq!(listed[0]["url"], registration["url"]);

    app.sandbox
        .monobank()
        .unwrap()
        .trigger(SandboxEvent::card_transaction(-12_345, "Router coffee"))
        .unwrap();
    app.sandbox
        .monobank()
        .unwrap()
        .wait_for_deliveries(1, Duration::from_secs(15))
        .await;
    let mut delivered = Vec::new();
    for _ in 0..100 {
        delivered = app.events.lock().unwrap().clone();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (user, provider, event) = delivered.first().expect("the delivery reached on_event");
    assert_eq!((user.as_str(), provider.as_str()), ("alice", "monobank"));
    match event {
        WebhookEvent::Transaction { transaction, .. } => {
            assert_eq!(transaction.amount.to_minor().unwrap(), 12_345);
        }
        other => panic!("expected a transaction, got {other:?}"),
    }

    // A forged event: an account the token does not have.
    let forged = json!({"type": "StatementItem", "data": {"account": "forged-account",
        "statementItem": {"id": "x", "time": 1, "description": "forged", "mcc": 0,
        "originalMcc": 0, "amount": -1, "operationAmount": -1, "currencyCode": 980,
        "commissionRate": 0, "cashbackAmount": 0, "balance": 0, "hold": false}}});
    let count = app.events.lock().unwrap().len();
    let response = app
        .http
        .post(format!("{}/hooks/monobank/alice", app.base))
        .json(&forged)
        .send()
        .await
        .unwrap();
    let (status, _) = problem(response, &[]).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(app.events.lock().unwrap().len(), count);
    // Garbage, and a user without credentials.
    let response = app
        .http
        .post(format!("{}/hooks/monobank/alice", app.base))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert!(problem(response, &[]).await.0.is_client_error());
    let response = app
        .http
        .post(format!("{}/hooks/monobank/mallory", app.base))
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response, &[]).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn monobank_currency_rates_need_no_credentials() {
    let app = App::start().await;
    let (status, rates) = app.get("nobody", "/monobank/currency").await;
    assert_eq!(status, StatusCode::OK, "{rates}");
    let first = &rates[0];
    let (base, quote) = (
        first["base"].as_str().unwrap(),
        first["quote"].as_str().unwrap(),
    );
    let (status, by_alpha) = app
        .get("nobody", &format!("/monobank/currency/{base}/{quote}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{by_alpha}");
    assert_eq!(&by_alpha, first);
    let (status, by_number) = app
        .get(
            "nobody",
            &format!(
                "/monobank/currency/{}/{}",
                first["base_numeric"], first["quote_numeric"]
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&by_number, first);
    let (status, body) = app.get("nobody", "/monobank/currency/XXQ/UAH").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_currency");
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document() {
    let app = App::start().await;
    let (status, document) = app.get("nobody", "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let routes = [
        ("get", "/providers"),
        ("put", "/providers/{provider}/credentials"),
        ("delete", "/providers/{provider}/credentials"),
        ("get", "/providers/{provider}/accounts"),
        ("get", "/providers/{provider}/balances"),
        ("get", "/providers/{provider}/accounts/{account}/balance"),
        ("get", "/providers/{provider}/accounts/{account}/statement"),
        ("post", "/providers/{provider}/payments/collect"),
        ("post", "/providers/{provider}/payments/payouts"),
        ("get", "/providers/{provider}/payments/{id}"),
        ("post", "/providers/{provider}/payments/{id}/refunds"),
        ("post", "/providers/{provider}/webhooks"),
        ("get", "/providers/{provider}/webhooks"),
        ("delete", "/providers/{provider}/webhooks/{id}"),
        ("post", "/hooks/{provider}/{user}"),
        ("get", "/monobank/currency"),
        ("get", "/monobank/currency/{a}/{b}"),
    ];
    let paths = document["paths"].as_object().unwrap();
    for (method, path) in routes {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not in the document"
        );
    }
    let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        operations,
        routes.len(),
        "the document has routes the test does not know"
    );
    // Each documented route is really served (not the router's 404 for unknown paths).
    for (method, path) in routes {
        let concrete = path
            .replace("{provider}", "monobank")
            .replace("{account}", "a")
            .replace("{id}", "i")
            .replace("{user}", "u")
            .replace("{a}", "USD")
            .replace("{b}", "UAH");
        let response = app
            .request(method.to_uppercase().parse().unwrap(), "nobody", &concrete)
            .send()
            .await
            .unwrap();
        assert_ne!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(body["code"], "no_route", "{method} {path}");
    }
}

#[tokio::test]
async fn new_credentials_replace_the_cached_provider() {
    let app = App::start().await;
    let mut wrong = app.monobank_credentials();
    wrong["token"] = json!("wrongTOKEN_0123456789abcdefghijklmnopqrstuvw");
    app.put_credentials("alice", "monobank", &wrong).await;
    let (status, _) = app.get("alice", "/providers/monobank/accounts").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);

    app.put_credentials("alice", "monobank", &app.monobank_credentials())
        .await;
    app.sandbox.advance(Duration::from_secs(120));
    let (status, body) = app.get("alice", "/providers/monobank/accounts").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn by_default_a_user_cannot_point_the_server_at_another_url_or_its_files() {
    // Arrange: a router as an app would build it, without allowing any guarded field.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/bank", listener.local_addr().unwrap());
    let bank = BankkitRouter::<XUser>::new(
        Arc::new(MemoryCredentialStore::new()),
        Arc::new(MemoryTokenStore::new()),
    )
    .build();
    tokio::spawn(
        async move { axum::serve(listener, axum::Router::new().nest("/bank", bank)).await },
    );
    let http = reqwest::Client::new();
    let put = |body: serde_json::Value| {
        http.put(format!("{base}/providers/monobank/credentials"))
            .header("x-user", "mallory")
            .json(&body)
            .send()
    };

    // Act
    let url = put(serde_json::json!({"token": "t", "base_url": "http://169.254.169.254/"}))
        .await
        .unwrap();
    let file = put(serde_json::json!({"token": "t", "idempotency_file": "/etc/passwd"}))
        .await
        .unwrap();

    // Assert
    for answer in [url, file] {
        assert_eq!(answer.status(), 400);
        let problem: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(problem["code"], "config_field_not_allowed", "{problem}");
    }
}

#[tokio::test]
async fn on_the_sqlite_store_credentials_are_encrypted_at_rest_and_serve_the_user() {
    use bankkit_store::{Keyring, SqlStore};

    // Arrange: the router on a SQLite file store, as the example server runs it.
    let dir = std::env::temp_dir().join(format!("bankkit-axum-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bank.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let store = Arc::new(
        SqlStore::connect(&url, Keyring::new("k1", *Keyring::generate_key()))
            .await
            .unwrap(),
    );
    store.migrate().await.unwrap();
    let app = App::start_with(store.clone(), store.clone()).await;
    let monobank = app.sandbox.monobank().unwrap();
    let token = monobank.credentials()["token"].as_str().unwrap().to_owned();

    // Act
    let put = app
        .put_credentials(
            "alice",
            "monobank",
            &json!({"token": token, "base_url": monobank.base_url()}),
        )
        .await;
    let accounts = app
        .http
        .get(format!("{}/providers/monobank/accounts", app.base))
        .header("x-user", "alice")
        .send()
        .await
        .unwrap();
    store.close().await;
    let on_disk = std::fs::read(&file).unwrap();
    let wal = std::fs::read(dir.join("bank.db-wal")).unwrap_or_default();

    // Assert: the user is served from the stored config; the file holds no token.
    assert_eq!(put.status(), 200);
    assert_eq!(accounts.status(), 200);
    let needle = token.as_bytes();
    for bytes in [&on_disk, &wal] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

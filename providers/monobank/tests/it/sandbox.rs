//! The provider against the in-process sandbox's Monobank imitation.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bankkit_core::clock::Clock;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::secret::secret;
use bankkit_core::statement::transactions;
use bankkit_core::{
    AccountId, AccountKind, Balance, Direction, Error, Provider, Result, Statement,
    StatementLimits, StatementPage, StatementRequest, TransactionStatus, Webhook, WebhookEvent,
    WebhookRequest,
};
use bankkit_monobank::{MonobankClient, MonobankProvider};
use bankkit_sandbox::{Fault, ProviderHandle, Sandbox, SandboxEvent};
use chrono::TimeDelta;
use futures::TryStreamExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Setup {
    sandbox: Sandbox,
    monobank: ProviderHandle,
    token: String,
}

async fn sandbox() -> Setup {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let monobank = sandbox.monobank().unwrap();
    let token = monobank.credentials()["token"].as_str().unwrap().to_owned();
    Setup {
        sandbox,
        monobank,
        token,
    }
}

impl Setup {
    fn client_with(&self, token: &str, options: HttpOptions) -> MonobankClient {
        MonobankClient::builder()
            .token(secret(token))
            .base_url(self.monobank.base_url())
            .clock(self.sandbox.clock().shared())
            .http_options(options)
            .build()
            .unwrap()
    }

    fn client(&self) -> MonobankClient {
        self.client_with(&self.token, HttpOptions::default())
    }

    fn provider(&self) -> MonobankProvider {
        MonobankProvider::new(self.client())
    }

    /// The ledger account of the UAH card (the one with the long, dense history).
    fn uah_card(&self) -> bankkit_sandbox::LedgerAccount {
        self.monobank
            .ledger()
            .accounts
            .into_iter()
            .find(|a| a.kind == "card" && a.currency == "UAH")
            .unwrap()
    }
}

#[tokio::test]
async fn accounts_include_cards_and_jars_with_their_currencies_and_kinds() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();

    // Act
    let accounts = provider.accounts().await.unwrap();

    // Assert
    let ledger = setup.monobank.ledger();
    assert_eq!(accounts.len(), ledger.listed_accounts().count());
    for expected in ledger.listed_accounts() {
        let account = accounts
            .iter()
            .find(|a| a.id == expected.id.as_str())
            .unwrap_or_else(|| panic!("{} missing", expected.id));
        assert_eq!(
            account.currency.code(),
            expected.currency,
            "{}",
            expected.id
        );
        let kind = match expected.kind.as_str() {
            "card" => AccountKind::Current,
            "fop" => AccountKind::Business,
            "jar" => AccountKind::Savings,
            other => panic!("unexpected ledger kind {other}"),
        };
        assert_eq!(account.kind, kind, "{}", expected.id);
    }
    assert!(accounts
        .iter()
        .any(|a| a.kind == AccountKind::Current && a.currency.code() == "USD"));
    let jars: Vec<_> = accounts
        .iter()
        .filter(|a| a.kind == AccountKind::Savings)
        .collect();
    assert!(!jars.is_empty());
    assert!(jars
        .iter()
        .all(|j| j.name.is_some() && j.provider_kind == "jar"));
}

#[tokio::test]
async fn balances_match_the_ledger_for_one_client_info_call() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let start = setup.sandbox.now();

    // Act
    let accounts = provider.accounts().await.unwrap();
    let mut balances = Vec::new();
    for account in &accounts {
        balances.push(Balance::balance(&provider, &account.id).await.unwrap());
    }

    // Assert: every balance as the ledger has it, and no 60 s wait (one client-info call).
    let ledger = setup.monobank.ledger();
    for balance in &balances {
        let expected = ledger.account(balance.account_id.as_str()).unwrap();
        assert_eq!(
            balance.available.to_minor().unwrap(),
            expected.balance_minor
        );
        assert_eq!(balance.available.currency().code(), expected.currency);
    }
    assert_eq!(setup.sandbox.now(), start);
    let unknown = Balance::balance(&provider, &AccountId::new("nope"))
        .await
        .unwrap_err();
    assert!(matches!(unknown, Error::NotFound { .. }), "{unknown:?}");
}

/// Counts the pages the core stream asks for.
struct CountingStatement<'a> {
    inner: &'a MonobankProvider,
    calls: Mutex<Vec<StatementRequest>>,
}

#[async_trait]
impl Statement for CountingStatement<'_> {
    fn limits(&self) -> StatementLimits {
        self.inner.limits()
    }
    fn clock(&self) -> Arc<dyn Clock> {
        Statement::clock(self.inner)
    }
    async fn page(&self, request: &StatementRequest) -> Result<StatementPage> {
        self.calls.lock().unwrap().push(request.clone());
        self.inner.page(request).await
    }
}

#[tokio::test]
async fn statement_stream_returns_every_ledger_transaction_once_across_windows_and_pages() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let card = setup.uah_card();
    let counting = CountingStatement {
        inner: &provider,
        calls: Mutex::new(Vec::new()),
    };
    let to = setup.sandbox.now() + TimeDelta::seconds(1);
    let from = to - TimeDelta::days(110);
    let started = setup.sandbox.now();

    // Act
    let items: Vec<_> = transactions(&counting, AccountId::new(card.id.clone()), from, to)
        .try_collect()
        .await
        .unwrap();

    // Assert: exactly the ledger's ids, no duplicate.
    let ids: Vec<&str> = items.iter().map(|t| t.id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicates in the stream");
    let expected: BTreeSet<&str> = card.transactions.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(unique, expected);
    // More than one window and more than one page inside a window.
    let calls = counting.calls.lock().unwrap();
    let windows: BTreeSet<_> = calls.iter().map(|r| r.from).collect();
    assert!(windows.len() > 1, "{} windows", windows.len());
    assert!(calls.iter().any(|r| r.cursor.is_some()), "no second page");
    // Each statement call after the first waited out the 60 s limit, in virtual time.
    let waited = setup.sandbox.now() - started;
    let spaced_calls = i64::try_from(calls.len()).unwrap() - 1;
    assert!(
        waited >= TimeDelta::seconds(59 * spaced_calls),
        "waited {waited}"
    );
    // Amounts are positive with a direction, in the card's currency.
    let by_id: std::collections::HashMap<&str, i64> = card
        .transactions
        .iter()
        .map(|t| (t.id.as_str(), t.amount_minor))
        .collect();
    for t in &items {
        let signed = by_id[t.id.as_str()];
        assert_eq!(t.amount.to_minor().unwrap(), signed.abs());
        assert_eq!(t.direction == Direction::Debit, signed < 0);
        assert_eq!(t.amount.currency().code(), "UAH");
    }
}

#[tokio::test]
async fn rate_limit_fault_with_retry_after_is_waited_out_by_the_stream() {
    // Arrange: no retries inside the client, so the stream itself must wait.
    let setup = sandbox().await;
    let provider = MonobankProvider::new(setup.client_with(
        &setup.token,
        HttpOptions::default().retry(RetryPolicy::Never),
    ));
    let card = setup.uah_card();
    let to = setup.sandbox.now() + TimeDelta::seconds(1);
    let from = to - TimeDelta::days(5);
    // Retry-After 90 s: longer than the client's own 60 s statement spacing, so the wait
    // below shows the bank's delay was honoured, not just the limiter.
    setup.monobank.inject(
        Fault::status(429)
            .retry_after(90)
            .times(1)
            .on("GET", "/personal/statement"),
    );
    let started = setup.sandbox.now();

    // Act
    let statement: &dyn Statement = &provider;
    let items: Vec<_> = statement
        .transactions(AccountId::new(card.id.clone()), from, to)
        .try_collect()
        .await
        .unwrap();

    // Assert
    assert!(setup.monobank.faults().is_empty(), "the fault was not hit");
    assert!(setup.sandbox.now() - started >= TimeDelta::seconds(30));
    assert!(
        setup.sandbox.now() - started >= TimeDelta::seconds(90),
        "waited {}",
        setup.sandbox.now() - started
    );
    let expected: BTreeSet<&str> = card
        .transactions
        .iter()
        .filter(|t| t.time >= from && t.time < to)
        .map(|t| t.id.as_str())
        .collect();
    let got: BTreeSet<&str> = items.iter().map(|t| t.id.as_str()).collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
}

#[tokio::test]
async fn second_client_info_call_within_a_minute_waits_on_the_clock_instead_of_failing() {
    // Arrange
    let setup = sandbox().await;
    let client = setup.client();
    let started = setup.sandbox.now();

    // Act
    let first = client.client_info().await.unwrap();
    let second = client.client_info().await.unwrap();

    // Assert
    assert_eq!(first.accounts.len(), second.accounts.len());
    assert!(setup.sandbox.now() - started >= TimeDelta::seconds(60));
}

#[tokio::test]
async fn bad_token_is_unauthorized_and_never_shown() {
    // Arrange: a wrong token of the right length.
    let setup = sandbox().await;
    let wrong = "Z".repeat(44);
    let provider = MonobankProvider::new(setup.client_with(&wrong, HttpOptions::default()));

    // Act
    let error = provider.accounts().await.unwrap_err();

    // Assert
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    for text in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{provider:?}"),
    ] {
        assert!(!text.contains(&wrong), "{text}");
        assert!(!text.contains(&setup.token), "{text}");
    }
    let good = setup.provider();
    assert!(!format!("{good:?}").contains(&setup.token));
    assert!(!format!("{:?}", good.client()).contains(&setup.token));
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/hooks/monobank/s3cr3t"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/monobank/s3cr3t"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn webhook_delivery_parses_into_a_transaction_for_the_right_account() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let receiver = receiver().await;
    let url = format!("{}/hooks/monobank/s3cr3t", receiver.uri());
    let registration = provider.register(&url, None).await.unwrap();
    assert_eq!(registration.id, "personal");
    assert_eq!(provider.list().await.unwrap(), vec![registration.clone()]);
    let card = setup.uah_card();

    // Act
    setup
        .monobank
        .trigger(SandboxEvent::CardTransaction {
            account_id: Some(card.id.clone()),
            amount_minor: -12_345,
            description: "Сільпо".to_owned(),
        })
        .unwrap();
    let deliveries = setup
        .monobank
        .wait_for_deliveries(1, Duration::from_secs(10))
        .await;
    assert_eq!(deliveries.len(), 1);
    let received = receiver.received_requests().await.unwrap();
    let post = received
        .iter()
        .find(|r| r.method == http::Method::POST)
        .expect("the bank POSTed the event");
    let event = provider
        .verify_and_parse(WebhookRequest::new(&post.headers, &post.body))
        .await
        .unwrap();

    // Assert
    let WebhookEvent::Transaction {
        account_id,
        transaction,
    } = event
    else {
        panic!("not a transaction event");
    };
    assert_eq!(account_id, card.id.as_str());
    assert_eq!(transaction.account_id, card.id.as_str());
    assert_eq!(transaction.amount.to_string(), "123.45 UAH");
    assert_eq!(transaction.direction, Direction::Debit);
    assert_eq!(transaction.description, "Сільпо");
    assert_eq!(
        transaction.status,
        TransactionStatus::Pending,
        "card debits start on hold"
    );
    let ledger_ids: Vec<String> = setup
        .uah_card()
        .transactions
        .iter()
        .map(|t| t.id.clone())
        .collect();
    assert!(ledger_ids.contains(&transaction.id.to_string()));

    // And the webhook can be removed again.
    provider.remove(&registration.id).await.unwrap();
    assert!(provider.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn webhook_event_for_an_unknown_account_is_rejected() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let body = serde_json::json!({
        "type": "StatementItem",
        "data": {"account": "not-one-of-ours", "statementItem": {
            "id": "forged", "time": 1_793_534_000, "description": "x", "mcc": 4829,
            "originalMcc": 4829, "hold": false, "amount": 100_000, "operationAmount": 100_000,
            "currencyCode": 980, "commissionRate": 0, "cashbackAmount": 0, "balance": 100_000}}
    })
    .to_string();

    // Act
    let error = provider
        .verify_and_parse(WebhookRequest::new(
            &http::HeaderMap::new(),
            body.as_bytes(),
        ))
        .await
        .unwrap_err();

    // Assert
    assert!(matches!(error, Error::Signature { .. }), "{error:?}");
    let other_type = body.replace("StatementItem\"", "Other\"");
    let error = provider
        .verify_and_parse(WebhookRequest::new(
            &http::HeaderMap::new(),
            other_type.as_bytes(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn webhook_registration_fails_when_the_url_does_not_answer_200() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let receiver = MockServer::start().await; // answers 404 to everything

    // Act
    let error = provider
        .register(&format!("{}/hook", receiver.uri()), None)
        .await
        .unwrap_err();

    // Assert
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(provider.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn provider_reports_payments_unsupported_with_a_reason() {
    let setup = sandbox().await;
    let provider = setup.provider();
    assert_eq!(provider.id(), "monobank");
    assert!(provider.payment().is_none());
    let capabilities = provider.capabilities();
    assert!(!capabilities.payment.is_supported());
    assert!(capabilities.balance.is_supported());
    assert!(capabilities.statement.is_supported());
    assert!(capabilities.webhook.is_supported());
}

#[tokio::test]
async fn a_raw_request_goes_through_the_token_the_limits_and_the_error_mapping_of_typed_calls() {
    use bankkit_core::http::RawRequest;

    // Arrange
    let setup = sandbox().await;
    let client = setup.client();
    let typed = client.client_info().await.unwrap();
    let started = setup.sandbox.clock().now();

    // Act: the same call by hand within the minute, a public one, a wrong token, and a
    // path that would leave the base URL.
    let raw = client
        .raw(RawRequest::get("personal/client-info"))
        .await
        .unwrap();
    let waited = setup.sandbox.clock().now() - started;
    let public = client.raw(RawRequest::get("bank/sync")).await.unwrap();
    let wrong = setup
        .client_with(
            "wrong-token-0123456789abcdef0123456789abcdef",
            HttpOptions::default(),
        )
        .raw(RawRequest::get("personal/statement/0/1700000000"))
        .await;
    let escaping = client
        .raw(RawRequest::get("https://evil.example/personal/client-info"))
        .await;

    // Assert: the answer is the typed call's, spaced by the same 60 s limit; a bank error is
    // the typed call's error; nothing leaves for another host.
    assert_eq!(raw.status, 200);
    assert_eq!(raw.json().unwrap()["clientId"], typed.client_id.as_str());
    assert!(waited >= TimeDelta::seconds(59), "waited {waited}");
    assert!(public.json().unwrap()["serverKeyId"].is_string());
    assert!(
        matches!(wrong, Err(Error::Unauthorized { .. })),
        "{wrong:?}"
    );
    assert!(
        matches!(escaping, Err(Error::InvalidRequest { .. })),
        "{escaping:?}"
    );
}

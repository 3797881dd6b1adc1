//! The provider against the in-process sandbox's Monzo imitation.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bankkit_core::clock::Clock;
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::registry::BuildContext;
use bankkit_core::secret::{secret, ExposeSecret};
use bankkit_core::token::{MemoryTokenStore, TokenStore};
use bankkit_core::{
    AccountId, AccountKind, Balance, Error, ForbiddenReason, IdempotencyKey, Result, Statement,
    StatementLimits, StatementPage, StatementRequest, Webhook, WebhookEvent, WebhookRequest,
};
use bankkit_monzo::{MonzoClient, MonzoConfig, MonzoProvider, PotId};
use bankkit_sandbox::{ProviderHandle, Sandbox, SandboxEvent};
use chrono::TimeDelta;
use futures::TryStreamExt;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOOK_SECRET: &str = "hook-secret-4b7e1c";

struct Setup {
    sandbox: Sandbox,
    monzo: ProviderHandle,
}

async fn sandbox() -> Setup {
    let sandbox = Sandbox::builder()
        .providers(["monzo"])
        .start()
        .await
        .unwrap();
    let monzo = sandbox
        .provider("monzo")
        .expect("the sandbox has no Monzo imitation yet");
    Setup { sandbox, monzo }
}

impl Setup {
    fn credential(&self, name: &str) -> String {
        self.monzo.credentials()[name].as_str().unwrap().to_owned()
    }

    /// A config with the sandbox's seeded tokens (no known expiry) and a webhook secret.
    fn config(&self) -> MonzoConfig {
        MonzoConfig::new(
            self.credential("client_id"),
            secret(self.credential("client_secret")),
            self.credential("redirect_uri"),
        )
        .with_tokens(
            Some(secret(self.credential("access_token"))),
            Some(secret(self.credential("refresh_token"))),
        )
        .with_base_url(self.monzo.base_url())
        .with_auth_url(self.credential("auth_url"))
        .with_webhook_secret(secret(HOOK_SECRET))
    }

    fn context(&self, store: &MemoryTokenStore) -> BuildContext {
        BuildContext::default()
            .with_clock(self.sandbox.clock().shared())
            .with_token_store(Arc::new(store.clone()))
    }

    fn provider_with(&self, store: &MemoryTokenStore) -> MonzoProvider {
        self.config().provider(&self.context(store)).unwrap()
    }

    fn provider(&self) -> MonzoProvider {
        self.provider_with(&MemoryTokenStore::new())
    }

    fn current_account(&self) -> bankkit_sandbox::LedgerAccount {
        self.monzo
            .ledger()
            .accounts
            .into_iter()
            .find(|a| a.kind == "uk_retail")
            .unwrap()
    }
}

#[tokio::test]
async fn oauth_flow_through_the_consent_page_gives_working_tokens() {
    // Arrange: a client with an empty store and no configured tokens.
    let setup = sandbox().await;
    let store = MemoryTokenStore::new();
    let client: MonzoClient = MonzoConfig::new(
        setup.credential("client_id"),
        secret(setup.credential("client_secret")),
        setup.credential("redirect_uri"),
    )
    .with_base_url(setup.monzo.base_url())
    .with_auth_url(setup.credential("auth_url"))
    .client(&setup.context(&store))
    .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Act: the user opens the URL and consents; the redirect carries code and state.
    let request = client.authorization_url();
    let answer = browser.get(&request.url).send().await.unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let location =
        url::Url::parse(answer.headers().get("location").unwrap().to_str().unwrap()).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let forged = client
        .exchange_code(&param("code"), "forged-state", &request)
        .await;
    let tokens = client
        .exchange_code(&param("code"), &param("state"), &request)
        .await
        .unwrap();
    let who = client.whoami().await.unwrap();

    // Assert
    assert!(matches!(forged, Err(Error::InvalidRequest { .. })));
    assert!(location
        .as_str()
        .starts_with(&setup.credential("redirect_uri")));
    assert_eq!(who.user_id.unwrap(), setup.credential("user_id").as_str());
    assert!(who.authenticated);
    let stored = store.load(client.token_key()).await.unwrap().unwrap();
    assert_eq!(
        stored.value.access_token.expose_secret(),
        tokens.access_token.expose_secret()
    );
    assert_eq!(
        stored.value.expires_at.unwrap(),
        setup.sandbox.now() + TimeDelta::seconds(21600)
    );
}

#[tokio::test]
async fn accounts_pots_and_balances_match_the_ledger() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let ledger = setup.monzo.ledger();

    // Act
    let accounts = provider.accounts().await.unwrap();

    // Assert: the same ids, pots as savings accounts, balances as in the ledger.
    let listed: BTreeSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    let expected: BTreeSet<&str> = ledger.accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(listed, expected);
    for account in &accounts {
        let in_ledger = ledger.account(account.id.as_str()).unwrap();
        assert_eq!(account.currency.code(), in_ledger.currency);
        assert_eq!(account.provider_kind, in_ledger.kind);
        match in_ledger.kind.as_str() {
            "pot" => assert_eq!(account.kind, AccountKind::Savings),
            "uk_retail" | "uk_retail_joint" => assert_eq!(account.kind, AccountKind::Current),
            _ => {}
        }
        let balance = Balance::balance(&provider, &account.id).await.unwrap();
        assert_eq!(
            balance.available.to_minor().unwrap(),
            in_ledger.balance_minor,
            "{}",
            account.id
        );
    }
    let current = setup.current_account();
    let balance = Balance::balance(&provider, &AccountId::new(&current.id))
        .await
        .unwrap();
    let pots: i64 = ledger
        .accounts
        .iter()
        .filter(|a| a.kind == "pot")
        .map(|a| a.balance_minor)
        .sum();
    assert!(balance.total.unwrap().to_minor().unwrap() >= current.balance_minor);
    assert!(pots > 0);
    // `total` is the account's own balance plus exactly its open pots (ids from the API,
    // balances from the ledger).
    let own_pots: Vec<String> = provider
        .client()
        .pots(&AccountId::new(&current.id))
        .await
        .unwrap()
        .into_iter()
        .filter(|p| !p.deleted)
        .map(|p| p.id.as_str().to_owned())
        .collect();
    assert!(!own_pots.is_empty());
    let own_pots_total: i64 = own_pots
        .iter()
        .map(|id| ledger.account(id).unwrap().balance_minor)
        .sum();
    assert_eq!(
        balance.total.unwrap().to_minor().unwrap(),
        current.balance_minor + own_pots_total
    );
    let missing = Balance::balance(&provider, &AccountId::new("acc_nobody"))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
}

#[tokio::test]
async fn the_statement_of_the_last_90_days_equals_the_ledger() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let current = setup.current_account();
    let to = setup.sandbox.now() + TimeDelta::seconds(1);
    let from = setup.sandbox.now() - TimeDelta::days(90);

    // Act
    let statement: &dyn Statement = &provider;
    let items: Vec<_> = statement
        .transactions(AccountId::new(&current.id), from, to)
        .try_collect()
        .await
        .unwrap();

    // Assert
    let got: Vec<&str> = items.iter().map(|t| t.id.as_str()).collect();
    let expected: Vec<&str> = current
        .transactions
        .iter()
        .filter(|t| t.time >= from && t.time < to)
        .map(|t| t.id.as_str())
        .collect();
    assert!(
        expected.len() > 100,
        "want several pages, got {}",
        expected.len()
    );
    assert_eq!(
        got.iter().copied().collect::<BTreeSet<_>>(),
        expected.iter().copied().collect::<BTreeSet<_>>()
    );
    assert_eq!(got.len(), expected.len());
    for item in &items {
        let in_ledger = current
            .transactions
            .iter()
            .find(|t| t.id == item.id.as_str())
            .unwrap();
        assert_eq!(
            item.signed_amount().to_minor().unwrap(),
            in_ledger.amount_minor
        );
        assert_eq!(item.time, in_ledger.time);
    }
}

#[tokio::test]
async fn history_older_than_90_days_is_forbidden_verification_required() {
    // Arrange: the 5 minutes after authorisation are over.
    let setup = sandbox().await;
    let provider = setup.provider();
    setup.sandbox.advance(Duration::from_secs(10 * 60));
    let current = setup.current_account();
    let now = setup.sandbox.now();

    // Act
    let statement: &dyn Statement = &provider;
    let result: Result<Vec<_>> = statement
        .transactions(AccountId::new(&current.id), now - TimeDelta::days(120), now)
        .try_collect()
        .await;

    // Assert: an error naming the reason, never a silent empty list.
    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Forbidden {
                reason: ForbiddenReason::VerificationRequired,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("90 days"), "{error}");
}

/// Advances the sandbox clock by 7 hours after the first page, so the access token
/// expires in the middle of the walk.
struct ExpiringMidStream<'a> {
    inner: &'a MonzoProvider,
    clock: bankkit_sandbox::ManualClock,
    advanced: AtomicBool,
}

#[async_trait]
impl Statement for ExpiringMidStream<'_> {
    fn limits(&self) -> StatementLimits {
        self.inner.limits()
    }
    fn clock(&self) -> Arc<dyn Clock> {
        Statement::clock(self.inner)
    }
    async fn page(&self, request: &StatementRequest) -> Result<StatementPage> {
        let page = self.inner.page(request).await?;
        if !self.advanced.swap(true, Ordering::SeqCst) {
            self.clock.advance(Duration::from_secs(7 * 3600));
        }
        Ok(page)
    }
}

#[tokio::test]
async fn a_token_expiring_mid_stream_is_refreshed_and_the_walk_completes() {
    // Arrange: seeded tokens without a known expiry, so Monzo's `expired` answer triggers
    // the refresh.
    let setup = sandbox().await;
    let store = MemoryTokenStore::new();
    let provider = setup.provider_with(&store);
    let current = setup.current_account();
    let now = setup.sandbox.now();
    let (from, to) = (now - TimeDelta::days(80), now + TimeDelta::seconds(1));
    let walk = ExpiringMidStream {
        inner: &provider,
        clock: setup.sandbox.clock(),
        advanced: AtomicBool::new(false),
    };

    // Act
    let statement: &dyn Statement = &walk;
    let items: Vec<_> = statement
        .transactions(AccountId::new(&current.id), from, to)
        .try_collect()
        .await
        .unwrap();

    // Assert
    let expected: BTreeSet<&str> = current
        .transactions
        .iter()
        .filter(|t| t.time >= from && t.time < to)
        .map(|t| t.id.as_str())
        .collect();
    assert!(expected.len() > 100);
    assert_eq!(
        items.iter().map(|t| t.id.as_str()).collect::<BTreeSet<_>>(),
        expected
    );
    let stored = store
        .load(provider.client().token_key())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        stored.value.access_token.expose_secret(),
        setup.credential("access_token")
    );
    assert_ne!(
        stored.value.refresh_token.unwrap().expose_secret(),
        setup.credential("refresh_token")
    );
}

#[tokio::test]
async fn webhook_deliveries_verify_with_the_secret_and_parse_as_transactions() {
    // Arrange: a receiver, and a webhook registered on the default account.
    let setup = sandbox().await;
    let provider = setup.provider();
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let url = format!("{}/hooks/monzo", receiver.uri());
    let registration = provider.register(&url, None).await.unwrap();
    assert_eq!(registration.url, url);
    assert!(provider
        .list()
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == registration.id && r.url == url));

    // Act: a card payment happens.
    setup
        .monzo
        .trigger(SandboxEvent::card_transaction(-1250, "Pret A Manger"))
        .unwrap();
    setup
        .monzo
        .wait_for_deliveries(1, Duration::from_secs(10))
        .await;
    let delivered = receiver.received_requests().await.unwrap().remove(0);
    let uri = format!(
        "{}?{}",
        delivered.url.path(),
        delivered.url.query().unwrap_or_default()
    );
    let event = provider
        .verify_and_parse(WebhookRequest::new(&delivered.headers, &delivered.body).with_uri(&uri))
        .await
        .unwrap();
    let forged = provider
        .verify_and_parse(
            WebhookRequest::new(&delivered.headers, &delivered.body).with_uri("/hooks/monzo"),
        )
        .await;

    // Assert
    let WebhookEvent::Transaction {
        account_id,
        transaction,
    } = event
    else {
        panic!("not a transaction event: {event:?}");
    };
    assert_eq!(account_id.as_str(), setup.current_account().id);
    assert_eq!(transaction.signed_amount().to_minor().unwrap(), -1250);
    assert!(matches!(forged, Err(Error::Signature { .. })));
    provider.remove(&registration.id).await.unwrap();
    assert!(provider.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn listed_webhooks_show_no_secret_after_a_rotation() {
    // Arrange: a webhook registered with the old secret, then providers with a new secret
    // and with none.
    let setup = sandbox().await;
    let old = setup.provider();
    let url = "https://receiver.example.org/hooks/monzo?user=7";
    let registration = old.register(url, None).await.unwrap();
    let account = registration.account_id.clone().unwrap();
    let rotated = setup
        .config()
        .with_webhook_secret(secret("rotated-secret-0c1d"))
        .provider(&setup.context(&MemoryTokenStore::new()))
        .unwrap();
    let unconfigured = MonzoProvider::new(rotated.client().clone());

    // Act
    let raw = old.client().webhooks(&account).await.unwrap();
    let lists = [
        rotated.list().await.unwrap(),
        unconfigured.list().await.unwrap(),
        old.list().await.unwrap(),
    ];

    // Assert: Monzo holds the secret; nothing shown carries it.
    assert!(raw.iter().any(|h| h.url.contains(HOOK_SECRET)), "{raw:?}");
    assert!(!format!("{raw:?}").contains(HOOK_SECRET));
    assert_eq!(registration.url, url);
    for listed in &lists {
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].id, registration.id);
        assert_eq!(listed[0].url, url);
        assert!(!listed[0].url.contains("secret"), "{listed:?}");
        assert!(!format!("{listed:?}").contains(HOOK_SECRET));
    }
}

#[tokio::test]
async fn an_empty_webhook_secret_is_no_secret() {
    // Arrange
    let setup = sandbox().await;
    let provider =
        MonzoProvider::new(setup.provider().client().clone()).with_webhook_secret(secret(""));
    let headers = http::HeaderMap::new();
    let body = br#"{"type":"pot.updated","data":{}}"#;

    // Act
    let registration = provider
        .register("https://receiver.example.org/hooks/monzo", None)
        .await
        .unwrap();
    let raw = provider
        .client()
        .webhooks(&registration.account_id.clone().unwrap())
        .await
        .unwrap();
    let mut verdicts = Vec::new();
    for uri in ["/hooks/monzo?secret=", "/hooks/monzo"] {
        verdicts.push(
            provider
                .verify_and_parse(WebhookRequest::new(&headers, body).with_uri(uri))
                .await,
        );
    }

    // Assert: registered without a secret, and no delivery verifies.
    assert_eq!(raw[0].url, "https://receiver.example.org/hooks/monzo");
    for verdict in verdicts {
        assert!(
            matches!(verdict, Err(Error::Signature { .. })),
            "{verdict:?}"
        );
    }
}

#[tokio::test]
async fn a_pot_deposit_sent_twice_with_one_key_moves_money_once() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let current = setup.current_account();
    let ledger = setup.monzo.ledger();
    let pot = ledger.accounts.iter().find(|a| a.kind == "pot").unwrap();
    let gbp = currency_from_code("GBP").unwrap();
    let key = IdempotencyKey::new("move-to-pot-0001").unwrap();

    // Act
    for _ in 0..2 {
        provider
            .deposit_into_pot(
                &PotId::new(&pot.id),
                &AccountId::new(&current.id),
                Money::from_minor(1000, gbp).unwrap(),
                &key,
            )
            .await
            .unwrap();
    }

    // Assert
    let after = setup.monzo.ledger();
    assert_eq!(
        after.account(&pot.id).unwrap().balance_minor,
        pot.balance_minor + 1000
    );
    assert_eq!(
        after.account(&current.id).unwrap().balance_minor,
        current.balance_minor - 1000
    );
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_display() {
    let setup = sandbox().await;
    let store = MemoryTokenStore::new();
    let config = setup.config();
    let provider = setup.provider_with(&store);
    provider.client().whoami().await.unwrap();
    let tokens = store
        .load(provider.client().token_key())
        .await
        .unwrap()
        .unwrap();
    let error = provider
        .verify_and_parse(
            WebhookRequest::new(&http::HeaderMap::new(), b"{}").with_uri("/x?secret=no"),
        )
        .await
        .unwrap_err();
    let secrets = [
        setup.credential("client_secret"),
        setup.credential("access_token"),
        setup.credential("refresh_token"),
        HOOK_SECRET.to_owned(),
    ];
    for shown in [
        format!("{config:?}"),
        format!("{provider:?}"),
        format!("{:?}", provider.client()),
        format!("{tokens:?}"),
        format!("{error:?}"),
        error.to_string(),
    ] {
        for s in &secrets {
            assert!(!shown.contains(s.as_str()), "secret shown in {shown}");
        }
    }
}

#[tokio::test]
async fn a_raw_request_is_sent_with_the_access_token_and_refreshes_it_when_expired() {
    use bankkit_core::http::RawRequest;

    // Arrange: a client whose access token the sandbox no longer accepts (a day later).
    let setup = sandbox().await;
    let context = BuildContext::default()
        .with_clock(setup.sandbox.clock().shared())
        .with_token_store(Arc::new(MemoryTokenStore::new()));
    let client = setup.config().client(&context).unwrap();
    let typed = client.accounts(None).await.unwrap();
    setup
        .sandbox
        .clock()
        .advance(Duration::from_secs(2 * 86_400));

    // Act
    let raw = client.raw(RawRequest::get("accounts")).await.unwrap();
    let missing = client.raw(RawRequest::get("no/such/endpoint")).await;

    // Assert: the raw answer lists the typed call's accounts, after a refresh the typed
    // calls would have made; an unknown endpoint is the typed calls' error.
    let listed: BTreeSet<String> = raw.json().unwrap()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = typed.iter().map(|a| a.id.to_string()).collect();
    assert_eq!(listed, expected);
    assert!(missing.is_err());
    assert!(
        !matches!(missing, Err(Error::Unauthorized { .. })),
        "{missing:?}"
    );
}

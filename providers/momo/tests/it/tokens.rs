//! Product tokens against a wiremock MoMo: one mint per product however many callers,
//! re-minted before expiry and after a 401, and a clear error for bad credentials.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::clock::ManualClock;
use bankkit_core::secret::secret;
use bankkit_core::token::{MemoryTokenStore, TokenStore};
use bankkit_core::Error;
use bankkit_momo::{token_key, MomoClient, Product};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const USER: &str = "c72025f5-5cd1-4630-99e4-8ba4722fad56";
const API_KEY: &str = "f1db798c98df4bcf83b538175893bbf0";
const COLLECTION_KEY: &str = "0b6b0c8d1d7f4a5fa1f3c2b9e8d7c6a5";
const DISBURSEMENT_KEY: &str = "1c7c1d9e2e8a5b6ab2a4d3cafe9e8d7b";

/// `POST /{product}/token/`: `tok-<product>-<n>`, after a delay that lets callers pile up.
struct Mint {
    product: &'static str,
    minted: AtomicUsize,
}

impl Respond for Mint {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.minted.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({
                "access_token": format!("tok-{}-{n}", self.product),
                "token_type": "access_token",
                "expires_in": 3600
            }))
            .set_delay(Duration::from_millis(150))
    }
}

/// A balance that refuses every token but the listed ones with 401.
struct BalanceAccepting(Vec<&'static str>);

impl Respond for BalanceAccepting {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if self.0.iter().any(|t| auth == format!("Bearer {t}")) {
            ResponseTemplate::new(200).set_body_raw(
                r#"{"availableBalance":"100","currency":"EUR"}"#,
                "application/json;charset=utf-8",
            )
        } else {
            ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "code": "UNAUTHORIZED", "message": "Access token expired"
            }))
        }
    }
}

struct Server {
    server: MockServer,
    collection: Arc<Mint>,
    disbursement: Arc<Mint>,
}

async fn server(accepted: Vec<&'static str>) -> Server {
    let server = MockServer::start().await;
    let collection = Arc::new(Mint {
        product: "collection",
        minted: AtomicUsize::new(0),
    });
    let disbursement = Arc::new(Mint {
        product: "disbursement",
        minted: AtomicUsize::new(0),
    });
    for mint in [&collection, &disbursement] {
        Mock::given(method("POST"))
            .and(path(format!("/{}/token/", mint.product)))
            .respond_with(SharedMint(mint.clone()))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(BalanceAccepting(accepted))
        .mount(&server)
        .await;
    Server {
        server,
        collection,
        disbursement,
    }
}

struct SharedMint(Arc<Mint>);

impl Respond for SharedMint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

fn client(server: &MockServer, clock: &ManualClock, store: &MemoryTokenStore) -> MomoClient {
    MomoClient::builder()
        .base_url(server.uri())
        .credentials(USER, secret(API_KEY))
        .subscription_key(Product::Collection, secret(COLLECTION_KEY))
        .subscription_key(Product::Disbursement, secret(DISBURSEMENT_KEY))
        .token_store(Arc::new(store.clone()))
        .clock(clock.shared())
        .build()
        .unwrap()
}

fn clock() -> ManualClock {
    ManualClock::frozen_at("2026-11-01T12:00:00Z".parse().unwrap())
}

#[tokio::test]
async fn fifty_concurrent_calls_mint_one_token_per_product() {
    let s = server(vec!["tok-collection-1", "tok-disbursement-1"]).await;
    let store = MemoryTokenStore::new();
    let client = client(&s.server, &clock(), &store);

    let calls = (0..50).map(|i| {
        let client = client.clone();
        async move {
            if i % 2 == 0 {
                client.collection().balance().await
            } else {
                client.disbursement().balance().await
            }
        }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }

    assert_eq!(s.collection.minted.load(Ordering::SeqCst), 1);
    assert_eq!(s.disbursement.minted.load(Ordering::SeqCst), 1);
    let stored = store
        .load(&token_key(USER, Product::Collection))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.value.expires_at.unwrap(),
        clock().now() + chrono::TimeDelta::seconds(3600)
    );
    assert_eq!(
        token_key(USER, Product::Collection),
        format!("momo:{USER}:collection")
    );
}

#[tokio::test]
async fn a_token_is_minted_again_a_minute_before_it_expires() {
    let s = server(vec!["tok-collection-1", "tok-collection-2"]).await;
    let clock = clock();
    let client = client(&s.server, &clock, &MemoryTokenStore::new());
    client.collection().balance().await.unwrap();

    clock.advance(Duration::from_secs(3600 - 61));
    client.collection().balance().await.unwrap();
    assert_eq!(s.collection.minted.load(Ordering::SeqCst), 1);

    clock.advance(Duration::from_secs(2));
    client.collection().balance().await.unwrap();
    assert_eq!(s.collection.minted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refused_bearer_is_minted_again_once_and_the_call_retried() {
    // The first token is refused (revoked before its expiry); the second works.
    let s = server(vec!["tok-collection-2"]).await;
    let client = client(&s.server, &clock(), &MemoryTokenStore::new());

    let balance = client.collection().balance().await.unwrap();

    assert_eq!(balance.currency, "EUR");
    assert_eq!(s.collection.minted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn login_failed_is_a_clear_credentials_error_without_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/collection/token/"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(serde_json::json!({"error": "login_failed"})),
        )
        .mount(&server)
        .await;
    let client = client(&server, &clock(), &MemoryTokenStore::new());

    let err = client.collection().balance().await.unwrap_err();

    match &err {
        Error::Unauthorized { message } => {
            assert!(message.contains(USER), "{message}");
            assert!(message.contains("api_key"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    for shown in [format!("{err:?}"), err.to_string(), format!("{client:?}")] {
        assert!(!shown.contains(API_KEY));
        assert!(!shown.contains(COLLECTION_KEY));
    }
    // Only one attempt: a refused login is not retried.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

//! Token handling against a wiremock Monzo: single-flight refresh in one process and across
//! two, rotation, refusal, and the refresh-and-retry after an `expired` answer.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::clock::ManualClock;
use bankkit_core::secret::{secret, ExposeSecret};
use bankkit_core::token::{FileTokenStore, MemoryTokenStore, TokenSet, TokenStore};
use bankkit_core::Error;
use bankkit_monzo::MonzoClient;
use chrono::{TimeDelta, Utc};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "oauth2client_0001";
const CLIENT_SECRET: &str = "mnzconf.Xq3LpZ8vT2wR9sK1";
const KEY: &str = "monzo:oauth2client_0001:user_0001";
const OLD_ACCESS: &str = "tok_old_5f2c";
const OLD_REFRESH: &str = "rtok_old_9a1d";

/// `POST /oauth2/token`: a new access and refresh token per call (`tok_1`, `rtok_1`, …),
/// after a delay that lets concurrent callers pile up.
struct IssueTokens {
    issued: AtomicUsize,
}

impl Respond for IssueTokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({
                "access_token": format!("tok_{n}"), "client_id": CLIENT_ID, "expires_in": 21600,
                "refresh_token": format!("rtok_{n}"), "token_type": "Bearer", "user_id": "user_0001"
            }))
            .set_delay(Duration::from_millis(150))
    }
}

/// `GET /ping/whoami`: the old token is expired, any other is fine.
struct WhoAmI;

impl Respond for WhoAmI {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if auth == format!("Bearer {OLD_ACCESS}") || auth.is_empty() {
            return ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "code": "unauthorized.bad_access_token.expired",
                "message": "Access token has expired"
            }));
        }
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "authenticated": true, "client_id": CLIENT_ID, "user_id": "user_0001"
        }))
    }
}

async fn monzo() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(IssueTokens {
            issued: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ping/whoami"))
        .respond_with(WhoAmI)
        .mount(&server)
        .await;
    server
}

async fn token_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/oauth2/token")
        .collect()
}

fn client(
    server_uri: &str,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn bankkit_core::Clock>,
) -> MonzoClient {
    MonzoClient::builder()
        .credentials(CLIENT_ID, secret(CLIENT_SECRET))
        .redirect_uri("https://example.org/monzo/callback")
        .base_url(server_uri)
        .token_store(store)
        .token_key(KEY)
        .clock(clock)
        .build()
        .unwrap()
}

fn old_tokens() -> TokenSet {
    TokenSet::new(secret(OLD_ACCESS)).with_refresh_token(secret(OLD_REFRESH))
}

fn clock() -> ManualClock {
    ManualClock::frozen_at("2026-11-01T12:00:00Z".parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_happens_once_for_fifty_concurrent_calls() {
    // Arrange: tokens that expired a minute ago on the client's clock.
    let server = monzo().await;
    let clock = clock();
    let store = MemoryTokenStore::new();
    store
        .save(
            KEY,
            old_tokens().with_expires_at(clock.now() - TimeDelta::minutes(1)),
        )
        .await
        .unwrap();
    let client = client(&server.uri(), Arc::new(store.clone()), clock.shared());

    // Act
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.whoami().await })
    });
    let results = futures::future::join_all(calls).await;

    // Assert
    for result in results {
        assert!(result.unwrap().unwrap().authenticated);
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    let stored = store.load(KEY).await.unwrap().unwrap();
    assert_eq!(stored.value.access_token.expose_secret(), "tok_1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_answer_refreshes_once_and_retries_once() {
    // Arrange: tokens without a known expiry, which Monzo answers as expired.
    let server = monzo().await;
    let store = MemoryTokenStore::new();
    store.save(KEY, old_tokens()).await.unwrap();
    let client = client(&server.uri(), Arc::new(store), clock().shared());

    // Act
    let who = client.whoami().await.unwrap();

    // Assert: whoami with the old token, one refresh, whoami with the new one.
    assert!(who.authenticated);
    let requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/ping/whoami", "/oauth2/token", "/ping/whoami"]);
    assert_eq!(
        requests[2].headers.get("authorization").unwrap(),
        "Bearer tok_1"
    );
}

#[tokio::test]
async fn the_rotated_refresh_token_is_stored_before_it_is_used_again() {
    // Arrange
    let server = monzo().await;
    let clock = clock();
    let store = MemoryTokenStore::new();
    store
        .save(KEY, old_tokens().with_expires_at(clock.now()))
        .await
        .unwrap();
    let client = client(&server.uri(), Arc::new(store.clone()), clock.shared());

    // Act: one call refreshes; six hours later the next one refreshes again.
    client.whoami().await.unwrap();
    let after_first = store.load(KEY).await.unwrap().unwrap();
    clock.advance(Duration::from_secs(21600 - 30));
    client.whoami().await.unwrap();

    // Assert
    assert_eq!(
        after_first.value.refresh_token.unwrap().expose_secret(),
        "rtok_1"
    );
    assert_eq!(
        after_first.value.expires_at.unwrap(),
        clock.now() + TimeDelta::seconds(30)
    );
    let bodies: Vec<String> = token_requests(&server)
        .await
        .into_iter()
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            format!(
                "grant_type=refresh_token&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&refresh_token={OLD_REFRESH}"
            ),
            format!(
                "grant_type=refresh_token&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&refresh_token=rtok_1"
            ),
        ]
    );
    let stored = store.load(KEY).await.unwrap().unwrap();
    assert_eq!(
        stored.value.refresh_token.unwrap().expose_secret(),
        "rtok_2"
    );
}

#[tokio::test]
async fn a_rejected_refresh_asks_to_reauthorise_and_keeps_the_stored_tokens() {
    // Arrange: Monzo refuses the (already used) refresh token.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "code": "unauthorized.bad_refresh_token", "message": "Bad refresh token"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let store = MemoryTokenStore::new();
    let expires = clock.now() - TimeDelta::seconds(1);
    let version = store
        .save(KEY, old_tokens().with_expires_at(expires))
        .await
        .unwrap();
    let client = client(&server.uri(), Arc::new(store.clone()), clock.shared());

    // Act
    let error = client.whoami().await.unwrap_err();

    // Assert
    assert!(
        matches!(error, Error::ReauthorizationRequired { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("authorisation URL again"),
        "{error}"
    );
    let kept = store.load(KEY).await.unwrap().unwrap();
    assert_eq!(kept.version, version);
    assert_eq!(kept.value.access_token.expose_secret(), OLD_ACCESS);
    assert_eq!(
        kept.value.refresh_token.unwrap().expose_secret(),
        OLD_REFRESH
    );
    for shown in [format!("{error:?}"), error.to_string()] {
        for s in [OLD_ACCESS, OLD_REFRESH, CLIENT_SECRET] {
            assert!(!shown.contains(s), "{shown}");
        }
    }
}

#[tokio::test]
async fn configured_tokens_seed_only_an_empty_store() {
    let server = monzo().await;
    let store = MemoryTokenStore::new();
    let seeded = MonzoClient::builder()
        .credentials(CLIENT_ID, secret(CLIENT_SECRET))
        .redirect_uri("https://example.org/cb")
        .base_url(server.uri())
        .token_store(Arc::new(store.clone()))
        .token_key(KEY)
        .initial_tokens(Some(secret("tok_config")), Some(secret("rtok_config")))
        .build()
        .unwrap();
    seeded.whoami().await.unwrap();
    let stored = store.load(KEY).await.unwrap().unwrap();
    assert_eq!(stored.value.access_token.expose_secret(), "tok_config");
    assert_eq!(token_requests(&server).await.len(), 0);

    // A store that already holds tokens keeps them.
    store
        .save(KEY, TokenSet::new(secret("tok_stored")))
        .await
        .unwrap();
    seeded.whoami().await.unwrap();
    let last = server.received_requests().await.unwrap().pop().unwrap();
    assert_eq!(
        last.headers.get("authorization").unwrap(),
        "Bearer tok_stored"
    );
}

#[tokio::test]
async fn an_empty_store_without_configured_tokens_asks_for_the_oauth_flow() {
    let server = monzo().await;
    let client = client(
        &server.uri(),
        Arc::new(MemoryTokenStore::new()),
        clock().shared(),
    );
    let error = client.whoami().await.unwrap_err();
    assert!(
        matches!(error, Error::ReauthorizationRequired { ref message } if message.contains("authorization_url")),
        "{error:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn token_sets_never_show_their_tokens() {
    let tokens = old_tokens().with_extra("user_id", "user_0001");
    let shown = format!("{tokens:?}");
    assert!(
        !shown.contains(OLD_ACCESS) && !shown.contains(OLD_REFRESH),
        "{shown}"
    );
}

// ---- Two processes ------------------------------------------------------------------------

const STORE_ENV: &str = "BANKKIT_MONZO_TEST_STORE";
const SERVER_ENV: &str = "BANKKIT_MONZO_TEST_SERVER";
const CHILD_TEST: &str = "tokens::child_process_calls_whoami_concurrently";

/// Run by `two_processes_sharing_a_file_store_refresh_once` in a child process: 25
/// concurrent calls with the shared file store and the parent's server.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "helper: run as a child process by two_processes_sharing_a_file_store_refresh_once"]
async fn child_process_calls_whoami_concurrently() {
    let (Ok(store_path), Ok(server)) = (std::env::var(STORE_ENV), std::env::var(SERVER_ENV)) else {
        return;
    };
    let store = FileTokenStore::new(store_path);
    let client = client(
        &server,
        Arc::new(store),
        bankkit_core::clock::system_clock(),
    );
    let calls = (0..25).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.whoami().await })
    });
    for result in futures::future::join_all(calls).await {
        assert!(result.unwrap().unwrap().authenticated);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_a_file_store_refresh_once() {
    // Arrange: expired tokens (on the wall clock the children use) in a file store.
    let server = monzo().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    FileTokenStore::new(&path)
        .save(
            KEY,
            old_tokens().with_expires_at(Utc::now() - TimeDelta::hours(1)),
        )
        .await
        .unwrap();
    let exe = std::env::current_exe().unwrap();

    // Act: this test binary, twice, running only the ignored helper.
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", CHILD_TEST, "--ignored", "--nocapture"])
                .env(STORE_ENV, &path)
                .env(SERVER_ENV, server.uri())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();

    // Assert
    for output in &outputs {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("1 passed"),
            "the helper did not run: {stdout}"
        );
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    let whoamis = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/ping/whoami")
        .count();
    assert_eq!(whoamis, 50);
    let stored = FileTokenStore::new(&path).load(KEY).await.unwrap().unwrap();
    assert_eq!(stored.value.access_token.expose_secret(), "tok_1");
    assert_eq!(
        stored.value.refresh_token.unwrap().expose_secret(),
        "rtok_1"
    );
}

//! Errors name the provider and the call (and, for a failed connection, the host and how
//! it failed) on one line, with no secret in them.

use std::sync::Arc;
use std::time::Duration;

use bankkit_core::error::TransportKind;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::secret::secret;
use bankkit_core::token::{MemoryTokenStore, TokenSet, TokenStore};
use bankkit_core::Error;
use bankkit_monzo::MonzoClient;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_SECRET: &str = "mnzconf.SECRET_ctx_7Q";
const ACCESS: &str = "tok_SECRET_ctx_access";
const REFRESH: &str = "rtok_SECRET_ctx_refresh";
const KEY: &str = "monzo:ctx";

async fn client(base_url: &str) -> MonzoClient {
    let store = MemoryTokenStore::new();
    store
        .save(
            KEY,
            TokenSet::new(secret(ACCESS)).with_refresh_token(secret(REFRESH)),
        )
        .await
        .unwrap();
    MonzoClient::builder()
        .credentials("oauth2client_ctx", secret(CLIENT_SECRET))
        .redirect_uri("https://example.org/monzo/callback")
        .base_url(base_url)
        .token_store(Arc::new(store))
        .token_key(KEY)
        .http_options(
            HttpOptions::default()
                .retry(RetryPolicy::Never)
                .timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap()
}

fn said(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(serde_json::json!({ "code": code, "message": message }))
}

fn assert_no_secret(error: &Error) {
    let shown = format!("{error} {error:?}");
    for secret in [CLIENT_SECRET, ACCESS, REFRESH, "account_type"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test]
async fn answers_name_the_provider_the_operation_and_what_monzo_said() {
    let table = [
        (
            said(403, "forbidden.insufficient_permissions", "Access forbidden"),
            "monzo accounts: forbidden (the token lacks permission or access is not yet approved): ",
        ),
        (
            said(404, "not_found.account", "No such account"),
            "monzo accounts: not found: No such account (not_found.account)",
        ),
        (
            said(503, "internal_service", "Down for maintenance"),
            "monzo accounts: provider error (HTTP 503, code internal_service): Down for maintenance",
        ),
        (
            ResponseTemplate::new(200).set_body_string("{\"accounts\": 7}"),
            "monzo accounts: could not decode ",
        ),
        (ResponseTemplate::new(429), "monzo accounts: rate limited"),
    ];
    for (answer, expected) in table {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/accounts"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let error = client(&server.uri())
            .await
            .accounts(None)
            .await
            .unwrap_err();
        let shown = error.to_string();
        assert!(shown.starts_with(expected), "{shown}");
        assert!(!shown.contains('\n'), "{shown}");
        assert_no_secret(&error);
        assert_eq!(error.provider(), Some("monzo"), "{shown}");
        assert_eq!(error.operation(), Some("accounts"), "{shown}");
    }
}

#[tokio::test]
async fn a_refused_refresh_names_the_refresh_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(said(
            401,
            "unauthorized.bad_refresh_token",
            "Refresh token has been revoked",
        ))
        .mount(&server)
        .await;
    let error = client(&server.uri())
        .await
        .refresh_access_token()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ReauthorizationRequired { .. }),
        "{error:?}"
    );
    assert_eq!(error.provider(), Some("monzo"), "{error}");
    assert_eq!(error.operation(), Some("oauth.refresh"), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("monzo oauth.refresh: the user must authorise again: "),
        "{error}"
    );
    assert_no_secret(&error);
}

#[tokio::test]
async fn a_closed_port_names_the_host_and_the_refusal() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = client(&format!("http://127.0.0.1:{port}"))
        .await
        .accounts(None)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("monzo accounts: could not connect to 127.0.0.1:{port} (connection refused)")
    );
    assert_eq!(
        error.transport_kind(),
        Some(TransportKind::ConnectionRefused)
    );
    assert_no_secret(&error);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let error = client(&server.uri())
        .await
        .accounts(None)
        .await
        .unwrap_err();
    let line = error.to_string();
    assert!(
        line.starts_with("monzo accounts: timed out after 300ms waiting for 127.0.0.1:"),
        "{line}"
    );
    assert_eq!(error.provider(), Some("monzo"));
    assert_eq!(error.transport_kind(), Some(TransportKind::Timeout));
}

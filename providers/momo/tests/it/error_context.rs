//! Errors name the provider, the product's call (and, for a failed connection, the host
//! and how it failed) on one line, with no secret in them.

use std::sync::Arc;
use std::time::Duration;

use bankkit_core::error::TransportKind;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::secret::secret;
use bankkit_core::token::MemoryTokenStore;
use bankkit_core::Error;
use bankkit_momo::{MomoClient, Product};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "c72025f5-5cd1-4630-99e4-8ba4722fad56";
const API_KEY: &str = "SECRETdb798c98df4bcf83b538175893bb";
const COLLECTION_KEY: &str = "SECRET6b0c8d1d7f4a5fa1f3c2b9e8d7c6";
const ACCESS: &str = "eyJSECRETaccess";

fn client(base_url: &str) -> MomoClient {
    MomoClient::builder()
        .base_url(base_url)
        .credentials(USER, secret(API_KEY))
        .subscription_key(Product::Collection, secret(COLLECTION_KEY))
        .token_store(Arc::new(MemoryTokenStore::new()))
        .http_options(
            HttpOptions::default()
                .retry(RetryPolicy::Never)
                .timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap()
}

async fn token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/collection/token/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": ACCESS, "token_type": "access_token", "expires_in": 3600}),
        ))
        .mount(server)
        .await;
}

fn assert_no_secret(error: &Error) {
    let shown = format!("{error} {error:?}");
    for secret in [API_KEY, COLLECTION_KEY, ACCESS, "/v1_0/account"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test]
async fn answers_name_the_provider_the_products_call_and_what_momo_said() {
    let table = [
        (
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."})),
            "momo collection.balance: ",
        ),
        (
            ResponseTemplate::new(500)
                .set_body_json(json!({"code": "INTERNAL_PROCESSING_ERROR", "message": "An internal error occurred"})),
            "momo collection.balance: ",
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>"),
            "momo collection.balance: could not decode ",
        ),
    ];
    for (answer, expected) in table {
        let server = MockServer::start().await;
        token(&server).await;
        Mock::given(method("GET"))
            .and(path("/collection/v1_0/account/balance"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let error = client(&server.uri())
            .collection()
            .balance()
            .await
            .unwrap_err();
        let shown = error.to_string();
        assert!(shown.starts_with(expected), "{shown}");
        assert!(!shown.contains('\n'), "{shown}");
        assert_eq!(error.provider(), Some("momo"), "{shown}");
        assert_eq!(error.operation(), Some("collection.balance"), "{shown}");
        assert_no_secret(&error);
    }
}

#[tokio::test]
async fn a_refused_token_names_the_token_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/collection/token/"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "login_failed"})))
        .mount(&server)
        .await;
    let error = client(&server.uri())
        .collection()
        .balance()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(error.operation(), Some("collection.token"), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("momo collection.token: unauthorized: "),
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
        .collection()
        .balance()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "momo collection.token: could not connect to 127.0.0.1:{port} (connection refused)"
        )
    );
    assert_eq!(
        error.transport_kind(),
        Some(TransportKind::ConnectionRefused)
    );
    assert_no_secret(&error);
}

//! Errors name the provider and the call (and, for a failed connection, the host and how
//! it failed) on one line, with no secret in them.

use std::time::Duration;

use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::secret::secret;
use bankkit_monobank::MonobankClient;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "tok_SECRET_monobank_42";

fn client(base_url: &str) -> MonobankClient {
    MonobankClient::builder()
        .token(secret(TOKEN))
        .base_url(base_url)
        .http_options(
            HttpOptions::default()
                .retry(RetryPolicy::Never)
                .timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap()
}

/// The error `client_info` returns when the bank answers `answer`.
async fn client_info_error(answer: ResponseTemplate) -> bankkit_core::Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(answer)
        .mount(&server)
        .await;
    client(&server.uri()).client_info().await.unwrap_err()
}

fn description(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(serde_json::json!({ "errorDescription": text }))
}

fn assert_no_secret(error: &bankkit_core::Error) {
    let shown = format!("{error} {error:?}");
    for secret in [TOKEN, "/personal/client-info", "client-info"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test]
async fn answers_name_the_provider_the_operation_and_what_the_bank_said() {
    let table = [
        (
            description(401, "Unknown 'X-Token'"),
            "monobank client_info: unauthorized: Unknown 'X-Token'",
        ),
        (
            description(403, "Unknown 'X-Token'"),
            "monobank client_info: unauthorized: Unknown 'X-Token'",
        ),
        (
            description(404, "Not found"),
            "monobank client_info: not found: Not found",
        ),
        (
            description(500, "internal error"),
            "monobank client_info: provider error (HTTP 500): internal error",
        ),
        (
            ResponseTemplate::new(200).set_body_string("not json"),
            "monobank client_info: could not decode client info: expected ident at line 1 column 2",
        ),
        (
            ResponseTemplate::new(429),
            "monobank client_info: rate limited; retry after 60s",
        ),
    ];
    for (answer, expected) in table {
        let error = client_info_error(answer).await;
        assert_eq!(error.to_string(), expected);
        assert_no_secret(&error);
        assert_eq!(error.provider(), Some("monobank"), "{error}");
        assert_eq!(error.operation(), Some("client_info"), "{error}");
    }
}

#[tokio::test]
async fn a_closed_port_names_the_host_and_the_refusal() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = client(&format!("http://127.0.0.1:{port}"))
        .client_info()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("monobank client_info: could not connect to 127.0.0.1:{port} (connection refused)")
    );
    assert_eq!(
        error.transport_kind(),
        Some(bankkit_core::error::TransportKind::ConnectionRefused)
    );
    assert_eq!(error.host(), Some(format!("127.0.0.1:{port}").as_str()));
    assert_no_secret(&error);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let error =
        client_info_error(ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).await;
    let line = error.to_string();
    assert!(
        line.starts_with("monobank client_info: timed out after 300ms waiting for 127.0.0.1:"),
        "{line}"
    );
    assert_eq!(error.provider(), Some("monobank"));
    assert_eq!(
        error.transport_kind(),
        Some(bankkit_core::error::TransportKind::Timeout)
    );
    assert_no_secret(&error);
}

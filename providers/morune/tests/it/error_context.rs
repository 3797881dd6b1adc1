//! Errors name the provider and the call (and, for a failed connection, the host and how
//! it failed) on one line, with no secret in them.

use std::time::Duration;

use bankkit_core::error::TransportKind;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::secret::secret;
use bankkit_core::Error;
use bankkit_morune::{MoruneClient, UserCredentials};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const USER_KEY: &str = "SECRET0f9e8d7c6b5a49382716f5e4d3c2b1a0987";

fn client(base_url: &str) -> MoruneClient {
    MoruneClient::builder()
        .base_url(base_url)
        .user(UserCredentials::new(USER, secret(USER_KEY)))
        .http_options(
            HttpOptions::default()
                .retry(RetryPolicy::Never)
                .timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap()
}

fn refusal(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({"data": null, "error": text, "status": status, "status_check": false}),
    )
}

fn assert_no_secret(error: &Error) {
    let shown = format!("{error} {error:?}");
    for secret in [USER_KEY, USER, "/balance"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test]
async fn answers_name_the_provider_the_operation_and_what_morune_said() {
    let table = [
        (
            refusal(401, "Неверный user_id или секретный ключ"),
            "morune balance: unauthorized: Неверный user_id или секретный ключ",
        ),
        (
            refusal(404, "Счёт не найден"),
            "morune balance: not found: Счёт не найден",
        ),
        (
            refusal(500, "Внутренняя ошибка системы"),
            "morune balance: provider error (HTTP 500): Внутренняя ошибка системы",
        ),
        (
            // A 200 answer whose envelope says failure.
            ResponseTemplate::new(200).set_body_json(
                json!({"data": null, "error": "Ошибка валидации", "status": 422, "status_check": false}),
            ),
            "morune balance: invalid request: Ошибка валидации",
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>"),
            "morune balance: could not decode ",
        ),
    ];
    for (answer, expected) in table {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let error = client(&server.uri()).balance().await.unwrap_err();
        let shown = error.to_string();
        assert!(shown.starts_with(expected), "{shown}");
        assert!(!shown.contains('\n'), "{shown}");
        assert_eq!(error.provider(), Some("morune"), "{shown}");
        assert_eq!(error.operation(), Some("balance"), "{shown}");
        assert_no_secret(&error);
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
        .balance()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("morune balance: could not connect to 127.0.0.1:{port} (connection refused)")
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
    let error = client(&server.uri()).balance().await.unwrap_err();
    let line = error.to_string();
    assert!(
        line.starts_with("morune balance: timed out after 300ms waiting for 127.0.0.1:"),
        "{line}"
    );
    assert_eq!(error.provider(), Some("morune"));
    assert_eq!(error.transport_kind(), Some(TransportKind::Timeout));
}

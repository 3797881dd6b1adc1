//! Checks of [`bankkit_core::Webhook`]: real deliveries from the sandbox verify and parse.

use std::time::Duration;

use bankkit_core::http::RetryPolicy;
use bankkit_core::money::Direction;
use bankkit_core::{Capability, Error, WebhookEvent, WebhookRequest};
use bankkit_sandbox::{Fault, SandboxError, SandboxEvent};
use futures::FutureExt;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ensure, Check, CheckError, CheckResult, Target};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "webhook.delivery_verifies_and_parses",
            capability: Some(Capability::Webhook),
            run: |t| delivery_verifies_and_parses(t).boxed(),
        },
        Check {
            name: "webhook.forged_bodies_rejected",
            capability: Some(Capability::Webhook),
            run: |t| forged_bodies_rejected(t).boxed(),
        },
        Check {
            name: "faults.lost_response_after_commit",
            capability: Some(Capability::Webhook),
            run: |t| lost_response_after_commit(t).boxed(),
        },
    ]
}

/// A receiver that accepts everything (the URL checks some providers make included).
async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// Register a receiver, make a card transaction happen in the sandbox, and the request the
/// receiver really got verifies and parses into that transaction; then remove it.
async fn delivery_verifies_and_parses(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let webhook = provider.webhook().ok_or("no webhook accessor")?;
    let receiver = receiver().await;
    let url = format!("{}/hooks/bankkit", receiver.uri());
    let registration = webhook
        .register(&url, None)
        .await
        .map_err(|e| format!("register: {e}"))?;
    let listed = webhook.list().await.map_err(|e| format!("list: {e}"))?;
    ensure(listed.iter().any(|r| r.url == url), || {
        format!("registered {url} but list() shows {listed:?}")
    })?;

    target
        .sandbox()
        .trigger(SandboxEvent::card_transaction(
            -12_345,
            "Conformance coffee",
        ))
        .map_err(|e| match e {
            SandboxError::UnsupportedEvent(_) => CheckError::NotApplicable(
                "the provider has no card transactions; see payment.callback_verifies_and_parses"
                    .into(),
            ),
            other => CheckError::Fail(format!("trigger: {other}")),
        })?;
    let log = target
        .sandbox()
        .wait_for_deliveries(1, Duration::from_secs(15))
        .await;
    ensure(!log.is_empty(), || "the sandbox logged no delivery".into())?;
    let requests = receiver.received_requests().await.unwrap_or_default();
    let post = requests
        .iter()
        .rev()
        .find(|r| r.method == http::Method::POST)
        .ok_or("the receiver got no POST")?;
    let uri = match post.url.query() {
        Some(query) => format!("{}?{query}", post.url.path()),
        None => post.url.path().to_owned(),
    };

    let event = webhook
        .verify_and_parse(WebhookRequest::new(&post.headers, &post.body).with_uri(&uri))
        .await
        .map_err(|e| format!("verify_and_parse of a real delivery: {e}"))?;
    match event {
        WebhookEvent::Transaction { transaction, .. } => {
            let minor = transaction.amount.to_minor().map_err(|e| e.to_string())?;
            ensure(
                minor == 12_345 && transaction.direction == Direction::Debit,
                || {
                    format!(
                        "expected a debit of 12345 minor units, got {:?} {}",
                        transaction.direction, transaction.amount
                    )
                },
            )?;
            ensure(
                transaction
                    .description
                    .to_lowercase()
                    .contains("conformance coffee"),
                || format!("description {:?}", transaction.description),
            )?;
        }
        other => return Err(format!("expected a transaction event, got {other:?}").into()),
    }

    webhook
        .remove(&registration.id)
        .await
        .map_err(|e| format!("remove: {e}"))?;
    let listed = webhook.list().await.map_err(|e| format!("list: {e}"))?;
    ensure(!listed.iter().any(|r| r.url == url), || {
        format!("removed {url} but list() still shows it")
    })
}

/// Bodies that are not from the provider are errors, never events and never panics.
async fn forged_bodies_rejected(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let webhook = provider.webhook().ok_or("no webhook accessor")?;
    let headers = http::HeaderMap::new();
    for body in [
        &b"not json"[..],
        b"{}",
        b"",
        b"{\"type\":\"StatementItem\",\"data\":{}}",
    ] {
        match webhook
            .verify_and_parse(WebhookRequest::new(&headers, body))
            .await
        {
            Err(Error::Signature { .. } | Error::Decode { .. }) => {}
            Err(other) => {
                return Err(format!(
                    "{:?}: expected a signature or decode error, got {other:?}",
                    String::from_utf8_lossy(body)
                )
                .into())
            }
            Ok(event) => {
                return Err(format!(
                    "{:?} was accepted as {event:?}",
                    String::from_utf8_lossy(body)
                )
                .into())
            }
        }
    }
    Ok(())
}

/// When the provider commits a change and the answer is lost on the way back, the client
/// reports a transport error (not success, not a panic) and the change is visible after.
async fn lost_response_after_commit(target: &Target) -> CheckResult {
    let options = Target::default_options().retry(RetryPolicy::Never);
    let provider = target.provider_with(options)?;
    let webhook = provider.webhook().ok_or("no webhook accessor")?;
    let receiver = receiver().await;
    let url = format!("{}/hooks/lost", receiver.uri());
    target
        .sandbox()
        .inject(Fault::drop_after_commit().method("POST").times(1));
    let result = webhook.register(&url, None).await;
    if !target.sandbox().faults().is_empty() {
        return Err(CheckError::NotApplicable(
            "registering a receiver sends no request to this provider".into(),
        ));
    }
    match result {
        Err(Error::Transport { .. }) => {}
        other => return Err(format!("expected a transport error, got {other:?}").into()),
    }
    let listed = webhook.list().await.map_err(|e| format!("list: {e}"))?;
    ensure(listed.iter().any(|r| r.url == url), || {
        "the change committed before the lost answer is not visible".into()
    })
}

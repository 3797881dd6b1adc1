//! The provider API client against the in-process sandbox's imitation: the whole journey a
//! company makes, from registering its key to reading a customer who approved access.

use std::time::Duration;

use bankkit_core::clock::{Clock, ManualClock};
use bankkit_core::secret::ExposeSecret;
use bankkit_core::statement::transactions;
use bankkit_core::{Balance, Error};
use bankkit_monobank::{
    access_callback_request_id, AccessStatus, MonobankClient, MonobankProvider, ProviderKey,
    Registration, RegistrationState,
};
use bankkit_sandbox::{ProviderHandle, Sandbox, SandboxEvent};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

async fn sandbox() -> (Sandbox, ProviderHandle) {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let monobank = sandbox.monobank().unwrap();
    (sandbox, monobank)
}

fn company(sandbox: &Sandbox, monobank: &ProviderHandle, key: ProviderKey) -> MonobankClient {
    company_on(monobank, key, sandbox.clock().shared())
}

fn company_on(
    monobank: &ProviderHandle,
    key: ProviderKey,
    clock: std::sync::Arc<dyn Clock>,
) -> MonobankClient {
    MonobankClient::builder()
        .provider_key(key)
        .base_url(monobank.base_url())
        .clock(clock)
        .build()
        .unwrap()
}

fn seeded_key(monobank: &ProviderHandle) -> ProviderKey {
    let pem = monobank.credentials()["provider_key"]
        .as_str()
        .unwrap()
        .to_owned();
    ProviderKey::from_pem(&pem).unwrap()
}

fn decide(monobank: &ProviderHandle, event: serde_json::Value) {
    monobank.trigger(SandboxEvent::Custom(event)).unwrap();
}

fn registration() -> Registration {
    Registration::new(
        "Acme PFM",
        "Budgets from your statements",
        "Olena Tkachenko",
        "380671234567",
        "dev@acme.example",
        b"\x89PNG\r\n\x1a\nlogo".to_vec(),
    )
}

/// Requests the receiver got, in order.
async fn received(server: &MockServer, wanted: &str, at_least: usize) -> Vec<Request> {
    for _ in 0..100 {
        let requests: Vec<Request> = server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == wanted)
            .collect();
        if requests.len() >= at_least {
            return requests;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Vec::new()
}

#[tokio::test]
async fn a_new_company_registers_is_approved_asks_for_access_and_reads_the_customer() {
    // Arrange: registrations wait for the bank's decision; a receiver for the callback.
    let (sandbox, monobank) = sandbox().await;
    decide(
        &monobank,
        json!({"type": "provider_registration_mode", "mode": "manual"}),
    );
    let key = ProviderKey::from_bytes(&[7; 32]).unwrap();
    let key_id = key.key_id().to_owned();
    let client = company(&sandbox, &monobank, key);
    let api = client.provider_api();
    let receiver = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/mono/granted/s3cr3t"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;

    // Act: register; the bank approves; ask the customer; the customer approves.
    let answer = api.register(&registration()).await.unwrap();
    let before = api.registration_status().await.unwrap();
    decide(
        &monobank,
        json!({"type": "provider_registration", "key_id": key_id, "decision": "approve"}),
    );
    let after = api.registration_status().await.unwrap();
    let callback = format!("{}/mono/granted/s3cr3t", receiver.uri());
    let access = api.request_access(Some(&callback)).await.unwrap();
    let pending = api.access_status(&access.request_id).await.unwrap();
    decide(
        &monobank,
        json!({"type": "provider_access", "request_id": access.request_id.expose_secret(),
               "decision": "approve"}),
    );
    let customer = api
        .wait_for_access(&access, Duration::from_secs(5), Duration::from_secs(60))
        .await
        .unwrap();
    let callbacks = received(&receiver, "/mono/granted/s3cr3t", 1).await;

    // Assert: the registration went New → Approved with the key's own id; the access was
    // pending, then granted; the callback named the request.
    assert_eq!(answer.status, RegistrationState::New);
    assert_eq!(before.status, RegistrationState::New);
    assert_eq!(after.status, RegistrationState::Approved);
    assert_eq!(after.key_id.as_deref(), Some(key_id.as_str()));
    assert_eq!(pending, AccessStatus::Pending);
    assert!(
        access.accept_url.starts_with("http://"),
        "{}",
        access.accept_url
    );
    assert_eq!(callbacks.len(), 1);
    let from_callback = access_callback_request_id(&callbacks[0].headers).unwrap();
    assert_eq!(
        from_callback.expose_secret(),
        access.request_id.expose_secret()
    );

    // The customer's accounts and statement, read with the key and the request id only.
    let provider = MonobankProvider::new(customer);
    let accounts = provider.accounts().await.unwrap();
    let ledger = monobank.ledger();
    let card = ledger
        .accounts
        .iter()
        .find(|a| a.kind == "card" && a.currency == "UAH")
        .unwrap();
    assert!(accounts.iter().any(|a| a.id.as_str() == card.id));
    let balance = Balance::balance(&provider, &card.id.clone().into())
        .await
        .unwrap();
    assert_eq!(
        balance.current.unwrap().to_minor().unwrap(),
        card.balance_minor
    );
    let now = sandbox.clock().now();
    let items: Vec<_> = transactions(
        &provider,
        card.id.clone().into(),
        now - chrono::TimeDelta::days(10),
        now,
    )
    .try_collect()
    .await
    .unwrap();
    let expected = card
        .transactions
        .iter()
        .filter(|t| t.time >= now - chrono::TimeDelta::days(10))
        .count();
    assert_eq!(items.len(), expected);
    assert!(expected > 0);
}

#[tokio::test]
async fn the_seeded_company_reads_its_settings_and_sets_a_webhook_the_bank_tests_first() {
    // Arrange
    let (sandbox, monobank) = sandbox().await;
    let client = company(&sandbox, &monobank, seeded_key(&monobank));
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mono/corp/ok"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/mono/corp/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&receiver)
        .await;

    // Act
    let settings = client.provider_api().settings().await.unwrap();
    let good = format!("{}/mono/corp/ok", receiver.uri());
    client.provider_api().set_webhook(&good).await.unwrap();
    let after = client.provider_api().settings().await.unwrap();
    let broken = client
        .provider_api()
        .set_webhook(&format!("{}/mono/corp/broken", receiver.uri()))
        .await;

    // Assert: the bank tested the URL with a POST; a URL that fails the test is refused.
    assert!(!settings.name.is_empty());
    assert_eq!(after.webhook.as_deref(), Some(good.as_str()));
    assert_eq!(received(&receiver, "/mono/corp/ok", 1).await.len(), 1);
    assert!(
        matches!(broken, Err(Error::InvalidRequest { .. })),
        "{broken:?}"
    );
}

#[tokio::test]
async fn a_refused_access_never_turns_granted_and_waiting_for_it_times_out_on_the_clock() {
    // Arrange
    let (sandbox, monobank) = sandbox().await;
    let client = company(&sandbox, &monobank, seeded_key(&monobank));
    let api = client.provider_api();
    let access = api.request_access(None).await.unwrap();

    // Act
    decide(
        &monobank,
        json!({"type": "provider_access", "request_id": access.request_id.expose_secret(),
               "decision": "refuse"}),
    );
    let started = sandbox.clock().now();
    let waited = api
        .wait_for_access(&access, Duration::from_secs(10), Duration::from_secs(120))
        .await;

    // Assert: still pending (401), a typed timeout, and the waiting was on the clock.
    assert!(matches!(waited, Err(Error::Timeout { .. })), "{waited:?}");
    assert_eq!(
        api.access_status(&access.request_id).await.unwrap(),
        AccessStatus::Pending
    );
    assert!(sandbox.clock().now() - started >= chrono::TimeDelta::seconds(110));
}

#[tokio::test]
async fn requests_signed_with_a_clock_ten_minutes_off_or_an_unknown_key_are_refused() {
    // Arrange: one client whose clock is 10 minutes behind the sandbox's, one with a key the
    // bank never registered.
    let (sandbox, monobank) = sandbox().await;
    let behind = ManualClock::frozen_at(sandbox.clock().now() - chrono::TimeDelta::minutes(10));
    let late = company_on(&monobank, seeded_key(&monobank), behind.shared());
    let stranger = company(
        &sandbox,
        &monobank,
        ProviderKey::from_bytes(&[9; 32]).unwrap(),
    );

    // Act
    let stale = late.provider_api().settings().await;
    let unknown = stranger.provider_api().request_access(None).await;

    // Assert
    assert!(
        matches!(stale, Err(Error::Unauthorized { .. })),
        "{stale:?}"
    );
    assert!(
        matches!(unknown, Err(Error::Unauthorized { .. })),
        "{unknown:?}"
    );
}

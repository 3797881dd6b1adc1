//! Pacing: the documented limits by default, none when off, or kept on the sandbox's clock.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bankkit_core::clock::{Clock, ManualClock};
use bankkit_core::http::Pacing;
use bankkit_core::registry::{self, BuildContext};
use bankkit_core::secret::secret;
use bankkit_core::{AccountId, Error, Provider, StatementRequest};
use bankkit_monobank::{MonobankClient, MonobankConfig, MonobankProvider};
use bankkit_sandbox::Sandbox;
use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;
use wiremock::matchers::{body_json, header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "uZ3pQk7w1R5tY9aB2cD4eF6gH8iJ0kL1mN3oP5qR7sT9";

const SANDBOX_NOW: &str = "2026-11-01T12:00:00Z";

fn frozen_clock() -> ManualClock {
    ManualClock::frozen_at(SANDBOX_NOW.parse().unwrap())
}

/// A server answering every statement call with no items.
async fn statement_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/personal/statement/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
        .mount(&server)
        .await;
    server
}

async fn statement_calls(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().starts_with("/personal/statement/"))
        .count()
}

fn providers_toml(server: &MockServer, pacing: Option<&str>) -> String {
    let pacing = pacing
        .map(|p| format!("pacing = \"{p}\"\n"))
        .unwrap_or_default();
    format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{TOKEN}\"\nbase_url = \"{}\"\n{pacing}",
        server.uri()
    )
}

/// One statement page of the default account (no `client-info` call needed).
async fn one_page(provider: &Arc<dyn Provider>, clock_now: DateTime<Utc>) {
    let request = StatementRequest::new(
        AccountId::new("0"),
        clock_now - TimeDelta::days(1),
        clock_now,
    );
    provider.statement().unwrap().page(&request).await.unwrap();
}

#[tokio::test]
async fn with_pacing_off_n_statement_calls_send_n_requests_without_waiting() {
    // Arrange: the same client with the limiter would wait 60 s (of this clock) per call.
    let server = statement_server().await;
    let clock = frozen_clock();
    let client = MonobankClient::builder()
        .token(secret(TOKEN))
        .base_url(server.uri())
        .clock(clock.shared())
        .pacing(Pacing::Off)
        .build()
        .unwrap();
    let started = Instant::now();

    // Act
    let calls = async {
        for _ in 0..5 {
            client.statement("0", 1, Some(2)).await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(30), calls)
        .await
        .expect("five calls within 30 s of real time");

    // Assert
    assert_eq!(statement_calls(&server).await, 5);
    assert_eq!(clock.now(), SANDBOX_NOW.parse::<DateTime<Utc>>().unwrap());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(client.pacing(), Pacing::Off);
}

#[tokio::test]
async fn pacing_off_in_toml_removes_the_limiter_and_the_default_keeps_it() {
    // Arrange
    let server = statement_server().await;
    let off_clock = frozen_clock();
    let default_clock = frozen_clock();
    let start = default_clock.now();
    let off = registry::providers_from_toml(
        &providers_toml(&server, Some("off")),
        &BuildContext::default().with_clock(off_clock.shared()),
    )
    .unwrap()
    .remove(0);
    let default = registry::providers_from_toml(
        &providers_toml(&server, None),
        &BuildContext::default().with_clock(default_clock.shared()),
    )
    .unwrap()
    .remove(0);

    // Act
    for _ in 0..3 {
        one_page(&off, start).await;
    }
    let after_off = statement_calls(&server).await;
    for _ in 0..3 {
        one_page(&default, start).await;
    }

    // Assert: off sent three calls at once; the default spaced its three by 60 s each.
    assert_eq!(after_off, 3);
    assert_eq!(off_clock.now(), start);
    assert_eq!(statement_calls(&server).await, 6);
    assert_eq!((default_clock.now() - start).num_seconds(), 120);
}

#[test]
fn the_default_pacing_is_the_documented_limits() {
    let config: MonobankConfig =
        serde_json::from_str(&format!(r#"{{"token":"{TOKEN}"}}"#)).unwrap();
    assert_eq!(config.pacing, Pacing::Provider);
    let client = config.client(&BuildContext::default()).unwrap();
    assert_eq!(client.pacing(), Pacing::Provider);
    assert_eq!(
        MonobankClient::builder().build().unwrap().pacing(),
        Pacing::Provider
    );
}

#[test]
fn an_unknown_pacing_is_a_config_error_naming_the_field_and_the_accepted_values() {
    let error = registry::load_toml(&format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{TOKEN}\"\npacing = \"fast\"\n"
    ))
    .unwrap_err();
    assert!(
        matches!(error, Error::Config { ref field, .. } if field == "providers[0].pacing"),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(shown.contains("`sandbox_clock`"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

#[test]
fn sandbox_clock_pacing_and_an_explicit_clock_are_refused_together() {
    let error = MonobankClient::builder()
        .token(secret(TOKEN))
        .base_url("http://127.0.0.1:9")
        .clock(frozen_clock().shared())
        .pacing(Pacing::SandboxClock)
        .build()
        .unwrap_err();
    assert!(
        matches!(error, Error::Config { ref field, .. } if field == "pacing"),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains(TOKEN));
}

#[tokio::test]
async fn with_the_sandbox_clock_a_60_second_wait_advances_the_sandbox_clock_instead_of_sleeping() {
    // Arrange: a server standing in for the sandbox, with its control API.
    let server = statement_server().await;
    Mock::given(method("GET"))
        .and(path("/__bankkit/clock"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(format!(r#"{{"now":"{SANDBOX_NOW}"}}"#), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/__bankkit/clock/advance"))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({"seconds": 60})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"now":"2026-11-01T12:01:00Z"}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The context's clock is the system clock: the config's pacing replaces it.
    let client = MonobankConfig::new(secret(TOKEN))
        .with_base_url(server.uri())
        .with_pacing(Pacing::SandboxClock)
        .client(&BuildContext::default())
        .unwrap();
    let started = Instant::now();

    // Act (a broken clock must fail this test, not hang it for a minute)
    let two_calls = async {
        client.statement("0", 1, Some(2)).await.unwrap();
        client.statement("0", 1, Some(2)).await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(30), two_calls)
        .await
        .expect("two calls within 30 s of real time");

    // Assert
    assert!(started.elapsed() < Duration::from_secs(10));
    server.verify().await;
    let routes: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        routes,
        [
            "GET /__bankkit/clock",
            "GET /personal/statement/0/1/2",
            "POST /__bankkit/clock/advance",
            "GET /personal/statement/0/1/2",
        ]
    );
    assert!(client.clock().now() >= "2026-11-01T12:01:00Z".parse::<DateTime<Utc>>().unwrap());
    assert_eq!(client.pacing(), Pacing::SandboxClock);
    assert!(!format!("{client:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_100_day_statement_on_the_sandbox_clock_walks_every_window_without_waiting() {
    // Arrange: an app in its own process would only have the sandbox's URL; the build
    // context keeps the system clock, so only the sandbox clock can make this fast.
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let sandbox_started = sandbox.now();

    // Act
    let walk = hundred_days(&sandbox, "sandbox_clock", Duration::from_secs(60)).await;

    // Assert: four windows of at most 31 days, so at least three 60 s waits, all of them
    // advanced on the sandbox clock.
    assert!(walk.took < Duration::from_secs(20));
    assert!(
        sandbox.now() - sandbox_started >= TimeDelta::seconds(180),
        "the sandbox clock moved {}",
        sandbox.now() - sandbox_started
    );
    walk.assert_complete();
}

#[test]
fn a_provider_on_the_sandbox_clock_is_built_without_a_request() {
    // Building sends nothing (configs build synchronously); the first call reads the clock.
    let provider = MonobankProvider::new(
        MonobankConfig::new(secret(TOKEN))
            .with_base_url("http://127.0.0.1:9")
            .with_pacing(Pacing::SandboxClock)
            .client(&BuildContext::default())
            .unwrap(),
    );
    let clock: Arc<dyn Clock> = provider.client().clock();
    assert!(
        format!("{clock:?}").starts_with("SandboxClock"),
        "{clock:?}"
    );
}

/// A 100-day statement walked by an app that knows only the sandbox's URL and token.
struct Walk {
    /// `None` when the walk did not end within its patience (real time).
    items: Option<Result<Vec<String>, Error>>,
    expected: BTreeSet<String>,
    took: Duration,
}

impl Walk {
    fn assert_complete(self) {
        let items = self.items.expect("the walk ended in time").unwrap();
        let got: BTreeSet<String> = items.into_iter().collect();
        assert!(!self.expected.is_empty());
        assert_eq!(got, self.expected);
    }
}

/// Walks the last 100 days of the UAH card with the provider built from TOML (`pacing`), the
/// build context keeping the system clock.
async fn hundred_days(sandbox: &Sandbox, pacing: &str, patience: Duration) -> Walk {
    let monobank = sandbox.monobank().unwrap();
    let token = monobank.credentials()["token"].as_str().unwrap().to_owned();
    let toml = format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{token}\"\nbase_url = \"{}\"\npacing = \"{pacing}\"\n",
        monobank.base_url()
    );
    let provider = registry::providers_from_toml(&toml, &BuildContext::default())
        .unwrap()
        .remove(0);
    let card = monobank
        .ledger()
        .accounts
        .into_iter()
        .find(|a| a.kind == "card" && a.currency == "UAH")
        .unwrap();
    let to = sandbox.now();
    let from = to - TimeDelta::days(100);
    let expected = card
        .transactions
        .iter()
        .filter(|t| t.time >= from && t.time <= to)
        .map(|t| t.id.clone())
        .collect();
    let started = Instant::now();
    let walk = provider
        .statement()
        .unwrap()
        .transactions(AccountId::new(card.id.clone()), from, to)
        .map_ok(|t| t.id.as_str().to_owned())
        .try_collect::<Vec<_>>();
    let items = tokio::time::timeout(patience, walk).await.ok();
    Walk {
        items,
        expected,
        took: started.elapsed(),
    }
}

/// A sandbox whose clock follows the wall clock, as the standalone server's does.
async fn wall_clock_sandbox(rate_limits: bool) -> Sandbox {
    Sandbox::builder()
        .providers(["monobank"])
        .clock(ManualClock::following_wall_clock())
        .rate_limits(rate_limits)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn fast_mode_and_pacing_off_give_a_100_day_statement_at_once_to_another_process() {
    let sandbox = wall_clock_sandbox(false).await;

    let walk = hundred_days(&sandbox, "off", Duration::from_secs(60)).await;

    let took = walk.took;
    eprintln!("100-day statement, fast mode and pacing off: {took:?}");
    // Four windows with nothing to wait for (the faithful walk waits three minutes).
    assert!(took < Duration::from_secs(30), "took {took:?}");
    walk.assert_complete();
}

#[tokio::test]
async fn with_faithful_limits_the_same_walk_waits_in_real_time() {
    // The second window is refused for 60 s of the sandbox's wall-following clock: the
    // client can only wait it out, so the walk cannot be done in 10 s.
    let sandbox = wall_clock_sandbox(true).await;

    let walk = hundred_days(&sandbox, "off", Duration::from_secs(10)).await;

    assert!(walk.items.is_none(), "{:?}", walk.items);
}

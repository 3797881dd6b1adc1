//! Starting sandboxes: defaults, seeds, ports, provider choice and third-party providers.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bankkit_sandbox::{
    default_start_time, register_provider, registered_providers, wiremock, Clock, Fault, Ledger,
    ManualClock, ProviderContext, Reply, Respond, Route, Routes, Sandbox, SandboxError,
    SandboxEvent, SandboxProvider,
};
use common::http_client;
use serde_json::{json, Value};

/// A minimal third-party provider: `GET /ping` counts calls; events are echoed.
#[derive(Debug, Default)]
struct Echo {
    pings: Arc<AtomicUsize>,
}

struct Ping(Arc<AtomicUsize>);

impl Respond for Ping {
    fn respond(&self, _: &wiremock::Request) -> Reply {
        let count = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Reply::new(200).set_body_json(json!({ "pings": count }))
    }
}

impl SandboxProvider for Echo {
    fn name(&self) -> &'static str {
        "echo-test"
    }
    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
        use wiremock::matchers::path;
        routes.mount(ctx.route(Route::given(path("/ping")), Ping(Arc::clone(&self.pings))));
    }
    fn mount_host(&self, host: &str, routes: &mut Routes, ctx: &ProviderContext) {
        use wiremock::matchers::path;
        assert_eq!(host, "status");
        routes.mount(ctx.route(Route::given(path("/health")), Reply::new(204)));
    }
    fn credentials(&self) -> Value {
        json!({ "api_key": "echo-key" })
    }
    fn ledger(&self) -> Ledger {
        Ledger::default()
    }
    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        Ok(serde_json::to_value(event).unwrap())
    }
    fn reset(&self) {
        self.pings.store(0, Ordering::SeqCst);
    }
}

fn build_echo(_: &ProviderContext) -> Arc<dyn SandboxProvider> {
    Arc::new(Echo::default())
}

register_provider!("echo-test", build_echo, hosts = ["status"]);

#[tokio::test]
async fn start_runs_every_registered_provider_including_monobank_and_a_third_party_one() {
    let sandbox = Sandbox::start().await.unwrap();

    let names: Vec<String> = sandbox
        .providers()
        .iter()
        .map(|p| p.name().to_owned())
        .collect();

    assert!(registered_providers().contains(&"echo-test"));
    assert_eq!(
        names,
        vec!["echo-test", "momo", "monobank", "monzo", "morune"]
    );
    assert_eq!(sandbox.now(), default_start_time());
    let echo = sandbox.provider("echo-test").unwrap();
    assert_eq!(echo.credentials(), json!({ "api_key": "echo-key" }));
    let base = echo.base_url();
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with('/'));
    assert_ne!(base, sandbox.monobank().unwrap().base_url());
}

#[tokio::test]
async fn a_third_party_provider_serves_its_other_host_behind_the_same_faults() {
    let sandbox = Sandbox::builder()
        .providers(["echo-test"])
        .start()
        .await
        .unwrap();
    let echo = sandbox.provider("echo-test").unwrap();
    let status = echo.hosts().remove("status").unwrap();
    let http = http_client();
    echo.inject(Fault::status(503));

    let faulted = http.get(format!("{status}/health")).send().await.unwrap();
    let healthy = http.get(format!("{status}/health")).send().await.unwrap();
    let not_here = http
        .get(format!("{}/health", echo.base_url()))
        .send()
        .await
        .unwrap();

    assert_eq!(faulted.status(), 503);
    assert_eq!(healthy.status(), 204);
    assert_eq!(not_here.status(), 404);
}

#[tokio::test]
async fn a_third_party_provider_gets_fault_injection_and_the_control_api() {
    let sandbox = Sandbox::builder()
        .providers(["echo-test"])
        .start()
        .await
        .unwrap();
    let echo = sandbox.provider("echo-test").unwrap();
    let http = http_client();
    echo.inject(Fault::status(503));

    let faulted = http
        .get(format!("{}/ping", echo.base_url()))
        .send()
        .await
        .unwrap();
    let ping: Value = http
        .get(format!("{}/ping", echo.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let credentials: Value = http
        .get(format!("{}/__bankkit/credentials", echo.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(faulted.status(), 503);
    assert_eq!(ping, json!({ "pings": 1 }));
    assert_eq!(credentials, json!({ "api_key": "echo-key" }));
    assert!(sandbox.monobank().is_none());
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data_and_another_seed_different_data() {
    let a = Sandbox::builder()
        .providers(["monobank"])
        .seed(7)
        .start()
        .await
        .unwrap();
    let b = Sandbox::builder()
        .providers(["monobank"])
        .seed(7)
        .start()
        .await
        .unwrap();
    let c = Sandbox::builder()
        .providers(["monobank"])
        .seed(8)
        .start()
        .await
        .unwrap();
    let [a, b, c] = [a, b, c].map(|s| s.monobank().unwrap());

    assert_eq!(a.credentials(), b.credentials());
    assert_eq!(a.ledger(), b.ledger());
    assert_ne!(a.credentials(), c.credentials());
    assert_ne!(a.ledger(), c.ledger());
}

#[tokio::test]
async fn seeded_history_ends_at_the_clocks_start() {
    let start = "2027-03-15T08:30:00Z".parse().unwrap();
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .clock(ManualClock::frozen_at(start))
        .start()
        .await
        .unwrap();

    let ledger = sandbox.monobank().unwrap().ledger();
    let newest = ledger.accounts[0].transactions.last().unwrap().time;

    assert!(newest < start);
    assert!(start - newest < chrono::TimeDelta::days(1));
}

#[tokio::test]
async fn an_unknown_provider_name_is_an_error() {
    let unknown = Sandbox::builder().providers(["nobank"]).start().await;
    let unknown_port = Sandbox::builder().port("nobank", 0).start().await;
    let unknown_host = Sandbox::builder().port("monobank.auth", 0).start().await;

    assert!(matches!(unknown, Err(SandboxError::UnknownProvider(name)) if name == "nobank"));
    assert!(matches!(
        unknown_port,
        Err(SandboxError::UnknownProvider(_))
    ));
    assert!(
        matches!(unknown_host, Err(SandboxError::UnknownProvider(name)) if name == "monobank.auth")
    );
}

#[tokio::test]
async fn another_host_of_a_provider_gets_its_own_server_and_port() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);

    let sandbox = Sandbox::builder()
        .providers(["monzo", "monobank"])
        .port("monzo.auth", port)
        .start()
        .await
        .unwrap();

    let monzo = sandbox.monzo().unwrap();
    let auth = format!("http://127.0.0.1:{port}");
    assert_eq!(monzo.hosts().get("auth"), Some(&auth));
    assert_ne!(monzo.base_url(), auth);
    let monobank_hosts = sandbox.monobank().unwrap().hosts();
    assert_eq!(monobank_hosts.keys().collect::<Vec<_>>(), ["accept", "pay"]);
    assert_ne!(monobank_hosts["pay"], auth);
    let page = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{auth}/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
}

#[tokio::test]
async fn a_fixed_port_is_used_and_a_taken_one_is_a_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();

    let clash = Sandbox::builder()
        .providers(["monobank"])
        .port("monobank", port)
        .start()
        .await;
    assert!(matches!(clash, Err(SandboxError::Bind { .. })));

    drop(taken);
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .port("monobank", port)
        .start()
        .await
        .unwrap();
    assert_eq!(
        sandbox.monobank().unwrap().base_url(),
        format!("http://127.0.0.1:{port}")
    );
}

#[tokio::test]
async fn the_clock_is_shared_and_advances_without_waiting() {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let clock = sandbox.clock();

    sandbox.advance(Duration::from_secs(6 * 3_600));

    assert_eq!(
        Clock::now(&clock),
        default_start_time() + chrono::TimeDelta::hours(6)
    );
}

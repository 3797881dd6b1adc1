//! The in-process handle: [`Sandbox`], its builder and one [`ProviderHandle`] per provider.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bankkit_core::clock::{Clock, ManualClock};
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::task::JoinHandle;
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer};

use crate::control::{ControlApi, ProviderRuntime};
use crate::provider::{ProviderContext, ProviderRegistration};
use crate::webhook::{WebhookOutbox, WebhookSender};
use crate::{Delivery, Fault, Ledger, SandboxError, SandboxEvent, TestOutcome, TestParty};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 20_261_101;

/// Where the in-process clock stands when none is given: 2026-11-01T12:00:00Z.
pub fn default_start_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_793_534_400, 0).unwrap_or_default()
}

/// How often `wait_*` methods look again (real time).
const WAIT_POLL: Duration = Duration::from_millis(20);

/// Every built-in and registered provider module, by name (built-ins win a name clash).
fn registrations() -> BTreeMap<&'static str, &'static ProviderRegistration> {
    let mut all = BTreeMap::new();
    for registration in crate::builtin_providers() {
        all.entry(registration.name).or_insert(registration);
    }
    for registration in inventory::iter::<ProviderRegistration> {
        all.entry(registration.name).or_insert(registration);
    }
    all
}

/// The names of every provider a sandbox can start, sorted.
pub fn registered_providers() -> Vec<&'static str> {
    registrations().into_keys().collect()
}

/// Chooses providers, clock, seed, ports and request recording, then starts a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    providers: Option<Vec<String>>,
    clock: Option<ManualClock>,
    seed: u64,
    ports: BTreeMap<String, u16>,
    record_requests: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            providers: None,
            clock: None,
            seed: DEFAULT_SEED,
            ports: BTreeMap::new(),
            record_requests: true,
        }
    }
}

impl SandboxBuilder {
    /// Starts only these providers (default: every registered one).
    pub fn providers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.providers = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Uses this clock (default: frozen at [`default_start_time`]). Seeded data is generated
    /// relative to its time at start.
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses this seed for generated data (default: [`DEFAULT_SEED`]).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Serves `provider` on this port of 127.0.0.1 (0 = any free port, the default). For one
    /// of a provider's other hosts, name it `provider.host` (e.g. `monzo.auth`).
    pub fn port(mut self, provider: impl Into<String>, port: u16) -> Self {
        self.ports.insert(provider.into(), port);
        self
    }

    /// Whether the servers keep every request in memory (default: yes; turn it off for
    /// long-running servers).
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_requests = record;
        self
    }

    /// Starts every chosen provider on its own server.
    ///
    /// Must run inside a tokio runtime; the servers stop when the [`Sandbox`] is dropped.
    ///
    /// # Errors
    ///
    /// [`SandboxError::UnknownProvider`] for a name (in `providers` or `port`) no module
    /// registered, or a `provider.host` port for a host that provider does not have;
    /// [`SandboxError::Bind`] when a port cannot be listened on.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        let available = registrations();
        let mut chosen: Vec<&'static ProviderRegistration> = match &self.providers {
            None => available.values().copied().collect(),
            Some(names) => {
                let mut chosen = Vec::new();
                for name in names {
                    let registration = available
                        .get(name.as_str())
                        .ok_or_else(|| SandboxError::UnknownProvider(name.clone()))?;
                    if !chosen
                        .iter()
                        .any(|r: &&ProviderRegistration| r.name == *name)
                    {
                        chosen.push(*registration);
                    }
                }
                chosen
            }
        };
        chosen.sort_by_key(|registration| registration.name);
        let known_port_name = |name: &str| match name.split_once('.') {
            None => available.contains_key(name),
            Some((provider, host)) => available
                .get(provider)
                .is_some_and(|registration| registration.hosts.contains(&host)),
        };
        if let Some(name) = self.ports.keys().find(|name| !known_port_name(name)) {
            return Err(SandboxError::UnknownProvider(name.clone()));
        }

        let clock = self
            .clock
            .clone()
            .unwrap_or_else(|| ManualClock::frozen_at(default_start_time()));
        let started_at = Clock::now(&clock);
        let outbox = WebhookOutbox::new(clock.clone());
        let mut sandbox = Sandbox {
            clock: clock.clone(),
            providers: Vec::new(),
            tasks: vec![outbox.spawn_worker()],
        };
        for registration in chosen {
            let ctx = ProviderContext::new(
                registration.name,
                clock.clone(),
                started_at,
                self.seed,
                WebhookSender::new(registration.name, Arc::clone(&outbox)),
            );
            let running =
                start_provider(registration, ctx, &self.ports, self.record_requests).await?;
            sandbox.tasks.extend(running.fronts);
            sandbox.providers.push((running.handle, running.servers));
        }
        Ok(sandbox)
    }
}

struct RunningProvider {
    handle: ProviderHandle,
    /// The API's server first, then one per other host.
    servers: Vec<MockServer>,
    fronts: Vec<JoinHandle<()>>,
}

/// One host's public port, bound, and the `MockServer` behind it (not yet served).
struct Host {
    public: tokio::net::TcpListener,
    url: String,
    server: MockServer,
}

impl Host {
    async fn bind(name: &str, port: u16, record_requests: bool) -> Result<Host, SandboxError> {
        let bind_error = |source| SandboxError::Bind {
            provider: name.to_owned(),
            port,
            source,
        };
        let public = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(bind_error)?;
        let public_addr = public.local_addr().map_err(bind_error)?;
        let inner = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(bind_error)?;
        let mut builder = MockServer::builder().listener(inner);
        if !record_requests {
            builder = builder.disable_request_recording();
        }
        Ok(Host {
            public,
            url: format!("http://{public_addr}"),
            server: builder.start().await,
        })
    }

    /// Serves the public port in front of the `MockServer`.
    fn serve(self, provider: &'static str) -> (MockServer, JoinHandle<()>) {
        let front = crate::front::spawn(self.public, *self.server.address(), provider);
        (self.server, front)
    }
}

async fn start_provider(
    registration: &ProviderRegistration,
    ctx: ProviderContext,
    ports: &BTreeMap<String, u16>,
    record_requests: bool,
) -> Result<RunningProvider, SandboxError> {
    let name = registration.name;
    let port = |key: &str| ports.get(key).copied().unwrap_or(0);
    let api = Host::bind(name, port(name), record_requests).await?;
    let mut ctx = ctx.with_base_url(api.url.clone());
    let mut others = Vec::new();
    for &host in registration.hosts {
        let key = format!("{name}.{host}");
        let bound = Host::bind(&key, port(&key), record_requests).await?;
        ctx = ctx.with_host_url(host, bound.url.clone());
        others.push((host, bound));
    }

    let provider = (registration.build)(&ctx);
    let runtime = Arc::new(ProviderRuntime { provider, ctx });
    Mock::given(path_regex(r"^/__bankkit(/|$)"))
        .respond_with(ControlApi::new(Arc::clone(&runtime)))
        .with_priority(1)
        .mount(&api.server)
        .await;
    runtime.provider.mount(&api.server, &runtime.ctx).await;
    for (host, bound) in &others {
        runtime
            .provider
            .mount_host(host, &bound.server, &runtime.ctx)
            .await;
    }

    let base_url = api.url.clone();
    let (mut servers, mut fronts) = (Vec::new(), Vec::new());
    for bound in std::iter::once(api).chain(others.into_iter().map(|(_, bound)| bound)) {
        let (server, front) = bound.serve(name);
        servers.push(server);
        fronts.push(front);
    }
    Ok(RunningProvider {
        handle: ProviderHandle { runtime, base_url },
        servers,
        fronts,
    })
}

/// Every provider server of one sandbox, sharing one clock and one webhook outbox.
///
/// Dropping it stops the servers and the webhook delivery task.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use bankkit_sandbox::{default_start_time, Clock, Sandbox};
///
/// let sandbox = Sandbox::builder().providers(["monobank"]).seed(7).start().await?;
/// let clock = sandbox.clock(); // hand this to clients so they wait in sandbox time
/// sandbox.advance(Duration::from_secs(60));
/// assert_eq!((clock.now() - default_start_time()).num_seconds(), 60);
/// assert!(sandbox.monobank().is_some());
/// # Ok(()) }
/// ```
pub struct Sandbox {
    clock: ManualClock,
    providers: Vec<(ProviderHandle, Vec<MockServer>)>,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("clock", &self.clock)
            .field(
                "providers",
                &self.providers.iter().map(|(h, _)| h).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Sandbox {
    /// Starts every registered provider with the in-process defaults: clock frozen at
    /// [`default_start_time`], [`DEFAULT_SEED`], free ports, requests recorded.
    ///
    /// # Errors
    ///
    /// [`SandboxError::Bind`] when no port can be listened on.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Self::builder().start().await
    }

    /// A builder to choose providers, clock, seed and ports.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The shared clock (a handle to the same time).
    pub fn clock(&self) -> ManualClock {
        self.clock.clone()
    }

    /// The shared clock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Clock::now(&self.clock)
    }

    /// Moves the shared clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Puts every provider back to its seed, clears faults and the delivery log. The clock
    /// keeps its time.
    pub fn reset(&self) {
        for (handle, _) in &self.providers {
            handle.reset();
        }
    }

    /// Every running provider, sorted by name.
    pub fn providers(&self) -> Vec<ProviderHandle> {
        self.providers.iter().map(|(h, _)| h.clone()).collect()
    }

    /// The running provider with this name.
    pub fn provider(&self, name: &str) -> Option<ProviderHandle> {
        self.providers
            .iter()
            .find(|(h, _)| h.name() == name)
            .map(|(h, _)| h.clone())
    }

    /// The Monobank personal API, unless it was left out.
    pub fn monobank(&self) -> Option<ProviderHandle> {
        self.provider(crate::monobank::NAME)
    }

    /// The Monzo developer API, unless it was left out.
    pub fn monzo(&self) -> Option<ProviderHandle> {
        self.provider(crate::monzo::NAME)
    }

    /// The MTN MoMo Open API, unless it was left out.
    pub fn momo(&self) -> Option<ProviderHandle> {
        self.provider(crate::momo::NAME)
    }
}

/// Control of one running provider: base URL, credentials, faults, events, webhooks, ledger.
#[derive(Clone)]
pub struct ProviderHandle {
    runtime: Arc<ProviderRuntime>,
    base_url: String,
}

impl fmt::Debug for ProviderHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderHandle")
            .field("name", &self.name())
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl ProviderHandle {
    /// The provider's name (e.g. `"monobank"`).
    pub fn name(&self) -> &str {
        self.runtime.provider.name()
    }

    /// Where to point a client: `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The URLs of the provider's other hosts by name (e.g. Monzo's `auth`), each
    /// `http://127.0.0.1:PORT` without a trailing slash; empty for most providers.
    pub fn hosts(&self) -> BTreeMap<String, String> {
        self.runtime
            .ctx
            .hosts()
            .map(|(host, url)| (host.to_owned(), url.to_owned()))
            .collect()
    }

    /// The seeded credentials (e.g. `{"token": "…"}` for Monobank).
    pub fn credentials(&self) -> Value {
        self.runtime.provider.credentials()
    }

    /// Adds a fault for the next matching requests (a status fault with an invalid HTTP status
    /// answers 500; the control API rejects it instead).
    pub fn inject(&self, fault: Fault) {
        self.runtime.inject(fault);
    }

    /// The faults still waiting.
    pub fn faults(&self) -> Vec<Fault> {
        self.runtime.ctx.faults().active()
    }

    /// Removes every waiting fault.
    pub fn clear_faults(&self) {
        self.runtime.ctx.faults().clear();
    }

    /// Makes `event` happen; returns what it created, as the provider's JSON.
    ///
    /// # Errors
    ///
    /// When the provider does not support the event or it names an unknown account.
    pub fn trigger(&self, event: SandboxEvent) -> Result<Value, SandboxError> {
        self.runtime.trigger(&event)
    }

    /// The webhook delivery log of this provider, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.runtime.deliveries()
    }

    /// Waits (polling, up to `real_timeout` of real time) until at least `n` deliveries
    /// reached a final state (delivered or gave up); returns the log as it then stands.
    pub async fn wait_for_deliveries(&self, n: usize, real_timeout: Duration) -> Vec<Delivery> {
        self.wait_for_delivery_log(
            |log| log.iter().filter(|d| d.state.is_final()).count() >= n,
            real_timeout,
        )
        .await
    }

    /// Waits (polling, up to `real_timeout` of real time) until `done` holds for the delivery
    /// log; returns the log as it then stands.
    pub async fn wait_for_delivery_log<F>(&self, done: F, real_timeout: Duration) -> Vec<Delivery>
    where
        F: Fn(&[Delivery]) -> bool,
    {
        let started = Instant::now();
        loop {
            let log = self.deliveries();
            if done(&log) || started.elapsed() >= real_timeout {
                return log;
            }
            tokio::time::sleep(WAIT_POLL).await;
        }
    }

    /// A counterparty whose payments end with `outcome` here, if the provider has one (see
    /// [`SandboxProvider::test_party`](crate::SandboxProvider::test_party)).
    pub fn test_party(&self, outcome: TestOutcome) -> Option<TestParty> {
        self.runtime.provider.test_party(outcome)
    }

    /// Accounts and transactions as they stand.
    pub fn ledger(&self) -> Ledger {
        self.runtime.ledger()
    }

    /// Puts this provider back to its seed, clears its faults and delivery log.
    pub fn reset(&self) {
        self.runtime.reset();
    }
}

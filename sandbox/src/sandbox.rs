//! The in-process handle: [`Sandbox`], its builder and one [`ProviderHandle`] per provider.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bankkit_core::clock::{Clock, ManualClock};
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::task::JoinHandle;
use wiremock::matchers::path_regex;

use crate::control::{ControlAccess, ControlApi, ProviderRuntime};
use crate::journal::{Journal, JournalEntry, DEFAULT_JOURNAL_CAPACITY};
use crate::limits::StateLimits;
use crate::outbound::OutboundPolicy;
use crate::provider::{ProviderContext, ProviderRegistration};
use crate::server::{HostServer, ServerLimits, ServerStats};
use crate::webhook::{WebhookOutbox, WebhookSender};
use crate::{Delivery, Fault, Ledger, SandboxError, SandboxEvent, TestOutcome, TestParty};
use crate::{Route, Routes};

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

/// Chooses providers, clock, seed, address, ports, limits and control-API protection, then
/// starts a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    providers: Option<Vec<String>>,
    clock: Option<ManualClock>,
    seed: u64,
    address: IpAddr,
    ports: BTreeMap<String, u16>,
    limits: ServerLimits,
    rate_limits: bool,
    rate_limits_by_provider: BTreeMap<String, bool>,
    journal_capacity: usize,
    control: ControlAccess,
    outbound: OutboundPolicy,
    state_limits: StateLimits,
    default_events: BTreeMap<String, Vec<Value>>,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            providers: None,
            clock: None,
            seed: DEFAULT_SEED,
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: BTreeMap::new(),
            limits: ServerLimits::default(),
            rate_limits: true,
            rate_limits_by_provider: BTreeMap::new(),
            journal_capacity: DEFAULT_JOURNAL_CAPACITY,
            control: ControlAccess::default(),
            outbound: OutboundPolicy::default(),
            state_limits: StateLimits::default(),
            default_events: BTreeMap::new(),
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

    /// Listens on this address (default `127.0.0.1`). Anything but a loopback address makes
    /// the sandbox, its seeded credentials and its control API reachable from elsewhere.
    pub fn address(mut self, address: IpAddr) -> Self {
        self.address = address;
        self
    }

    /// Serves `provider` on this port (0 = any free port, the default). For one of a
    /// provider's other hosts, name it `provider.host` (e.g. `monzo.auth`).
    pub fn port(mut self, provider: impl Into<String>, port: u16) -> Self {
        self.ports.insert(provider.into(), port);
        self
    }

    /// Sets the servers' limits and timeouts (default [`ServerLimits::default`]).
    pub fn limits(mut self, limits: ServerLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Whether providers enforce their rate windows (default: yes, as the real APIs do). Off
    /// is the fast mode for an app in another process, which would otherwise wait out the
    /// windows in real time.
    pub fn rate_limits(mut self, on: bool) -> Self {
        self.rate_limits = on;
        self
    }

    /// Whether one provider enforces its rate windows, whatever [`rate_limits`](Self::rate_limits) says.
    pub fn provider_rate_limits(mut self, provider: impl Into<String>, on: bool) -> Self {
        self.rate_limits_by_provider.insert(provider.into(), on);
        self
    }

    /// How many requests `GET /__bankkit/requests` keeps (default
    /// [`DEFAULT_JOURNAL_CAPACITY`]; 0 keeps none).
    pub fn journal_capacity(mut self, capacity: usize) -> Self {
        self.journal_capacity = capacity;
        self
    }

    /// Requires `Authorization: Bearer <token>` on every control-API request.
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.control.token = Some(token.into());
        self
    }

    /// Also accepts control-API requests whose `Host` names `host` (a name this machine is
    /// reached by; loopback names and the listening address are always accepted).
    pub fn control_host(mut self, host: impl Into<String>) -> Self {
        self.control.hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// Lets webhooks, callbacks and URL checks go to `host` too (a name or an IP address);
    /// by default they go only to loopback addresses and `localhost`.
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.outbound = self.outbound.allow_host(host);
        self
    }

    /// Sets where outbound requests may go and how many deliveries may run at once.
    pub fn outbound(mut self, policy: OutboundPolicy) -> Self {
        self.outbound = policy;
        self
    }

    /// Sets how much per-client state the providers keep and for how long (default
    /// [`StateLimits::default`]).
    pub fn state_limits(mut self, limits: StateLimits) -> Self {
        self.state_limits = limits;
        self
    }

    /// A custom event `provider` applies when it starts and again after every reset, so that
    /// what it sets becomes the provider's default (e.g. MoMo's
    /// `{"type": "reason_format", "format": "object"}`); repeatable, applied in order. Events
    /// for a provider that is not started are ignored.
    pub fn default_event(mut self, provider: impl Into<String>, event: Value) -> Self {
        self.default_events
            .entry(provider.into())
            .or_default()
            .push(event);
        self
    }

    /// Starts every chosen provider on its own server.
    ///
    /// Must run inside a tokio runtime; the servers stop when the [`Sandbox`] is dropped.
    ///
    /// # Errors
    ///
    /// [`SandboxError::UnknownProvider`] for a name (in `providers`, `port` or
    /// `provider_rate_limits`) no module registered, or a `provider.host` port for a host that
    /// provider does not have; [`SandboxError::Bind`] when a port cannot be listened on; the
    /// provider's error for a [`default_event`](Self::default_event) it refuses.
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
        if let Some(name) = self
            .rate_limits_by_provider
            .keys()
            .find(|name| !available.contains_key(name.as_str()))
        {
            return Err(SandboxError::UnknownProvider(name.clone()));
        }

        let clock = self
            .clock
            .clone()
            .unwrap_or_else(|| ManualClock::frozen_at(default_start_time()));
        let started_at = Clock::now(&clock);
        let outbound = Arc::new(self.outbound.clone());
        let state_limits = Arc::new(self.state_limits.clone());
        let outbox = WebhookOutbox::new(clock.clone(), Arc::clone(&outbound));
        let shared = Shared {
            journal: Arc::new(Journal::new(self.journal_capacity)),
            stats: Arc::new(ServerStats::default()),
            clock: clock.clone(),
        };
        let mut sandbox = Sandbox {
            clock: clock.clone(),
            providers: Vec::new(),
            tasks: vec![outbox.spawn_worker()],
            journal: Arc::clone(&shared.journal),
            stats: Arc::clone(&shared.stats),
        };
        for registration in chosen {
            let rate_limits = self
                .rate_limits_by_provider
                .get(registration.name)
                .copied()
                .unwrap_or(self.rate_limits);
            let ctx = ProviderContext::new(
                registration.name,
                clock.clone(),
                started_at,
                self.seed,
                WebhookSender::new(registration.name, Arc::clone(&outbox)),
            )
            .with_rate_limits(rate_limits)
            .with_outbound(Arc::clone(&outbound))
            .with_state_limits(Arc::clone(&state_limits));
            let running = start_provider(registration, ctx, &self, &shared).await?;
            sandbox.tasks.extend(running.servers);
            sandbox.providers.push(running.handle);
        }
        Ok(sandbox)
    }
}

/// What every server of one sandbox shares.
struct Shared {
    journal: Arc<Journal>,
    stats: Arc<ServerStats>,
    clock: ManualClock,
}

struct RunningProvider {
    handle: ProviderHandle,
    servers: Vec<JoinHandle<()>>,
}

/// One host's public port, bound, with its URL.
struct BoundHost {
    listener: tokio::net::TcpListener,
    url: String,
}

impl BoundHost {
    async fn bind(name: &str, address: IpAddr, port: u16) -> Result<BoundHost, SandboxError> {
        let bind_error = |source| SandboxError::Bind {
            provider: name.to_owned(),
            port,
            source,
        };
        let listener = tokio::net::TcpListener::bind((address, port))
            .await
            .map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        // An unspecified address listens everywhere; loopback reaches it from here.
        let shown = if local.ip().is_unspecified() {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local.port())
        } else {
            local
        };
        Ok(BoundHost {
            listener,
            url: format!("http://{shown}"),
        })
    }

    fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map_or(0, |address| address.port())
    }
}

async fn start_provider(
    registration: &ProviderRegistration,
    ctx: ProviderContext,
    builder: &SandboxBuilder,
    shared: &Shared,
) -> Result<RunningProvider, SandboxError> {
    let name = registration.name;
    let port = |key: &str| builder.ports.get(key).copied().unwrap_or(0);
    let api = BoundHost::bind(name, builder.address, port(name)).await?;
    let mut ctx = ctx.with_base_url(api.url.clone());
    let mut others = Vec::new();
    for &host in registration.hosts {
        let key = format!("{name}.{host}");
        let bound = BoundHost::bind(&key, builder.address, port(&key)).await?;
        ctx = ctx.with_host_url(host, bound.url.clone());
        others.push((host, bound));
    }

    let provider = (registration.build)(&ctx);
    let runtime = Arc::new(ProviderRuntime {
        provider,
        ctx,
        default_events: builder
            .default_events
            .get(name)
            .cloned()
            .unwrap_or_default(),
    });
    runtime.apply_default_events()?;
    let mut api_routes = Routes::default();
    api_routes.mount(
        Route::given(path_regex(r"^/__bankkit(/|$)"))
            .respond_with(ControlApi::new(
                Arc::clone(&runtime),
                Arc::clone(&shared.journal),
                builder.control.for_server(builder.address, api.port()),
            ))
            .with_priority(1),
    );
    runtime.provider.mount(&mut api_routes, &runtime.ctx);
    let serve = |host_name: String, routes: Routes, bound: BoundHost| {
        crate::server::spawn(
            bound.listener,
            Arc::new(HostServer {
                name: host_name,
                routes,
                faults: Arc::clone(runtime.ctx.faults()),
                journal: Arc::clone(&shared.journal),
                limits: builder.limits.clone(),
                clock: shared.clock.clone(),
                stats: Arc::clone(&shared.stats),
            }),
        )
    };
    let base_url = api.url.clone();
    let mut servers = vec![serve(name.to_owned(), api_routes, api)];
    for (host, bound) in others {
        let mut routes = Routes::default();
        runtime.provider.mount_host(host, &mut routes, &runtime.ctx);
        servers.push(serve(format!("{name}.{host}"), routes, bound));
    }
    Ok(RunningProvider {
        handle: ProviderHandle { runtime, base_url },
        servers,
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
    providers: Vec<ProviderHandle>,
    tasks: Vec<JoinHandle<()>>,
    journal: Arc<Journal>,
    stats: Arc<ServerStats>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("clock", &self.clock)
            .field("providers", &self.providers)
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
    /// [`default_start_time`], [`DEFAULT_SEED`], free ports of 127.0.0.1.
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
        for handle in &self.providers {
            handle.reset();
        }
    }

    /// Every running provider, sorted by name.
    pub fn providers(&self) -> Vec<ProviderHandle> {
        self.providers.clone()
    }

    /// The running provider with this name.
    pub fn provider(&self, name: &str) -> Option<ProviderHandle> {
        self.providers.iter().find(|h| h.name() == name).cloned()
    }

    /// The last requests every server answered (method, path, status, time, provider), oldest
    /// first; at most the journal's capacity.
    pub fn requests(&self) -> Vec<JournalEntry> {
        self.journal.entries(None)
    }

    /// How many routes panicked since the sandbox started (each answered 500): zero unless
    /// something is wrong in a provider module.
    pub fn route_panics(&self) -> u64 {
        self.stats.panics.load(Ordering::Relaxed)
    }

    /// How many connections were refused at the connection cap, and how many were closed by
    /// the header-read or idle timeout, since the sandbox started.
    pub fn connection_counts(&self) -> (u64, u64) {
        (
            self.stats.refused_connections.load(Ordering::Relaxed),
            self.stats.timed_out_connections.load(Ordering::Relaxed),
        )
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

    /// The Morune API (with its payment page host), unless it was left out.
    pub fn morune(&self) -> Option<ProviderHandle> {
        self.provider(crate::morune::NAME)
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

    /// How many items of each kind of per-client state the provider holds now (see
    /// [`SandboxProvider::state_sizes`](crate::SandboxProvider::state_sizes)).
    pub fn state_sizes(&self) -> Value {
        self.runtime.provider.state_sizes()
    }

    /// Puts this provider back to its seed, clears its faults and delivery log.
    pub fn reset(&self) {
        self.runtime.reset();
    }
}

//! The extension point: one [`SandboxProvider`] per imitated API.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::fault::{ErrorBodyFn, FaultRegistry, PathErrorBodyFn};
use crate::limits::StateLimits;
use crate::outbound::OutboundPolicy;
use crate::route::{RespondAsync, Route, RouteBuilder, Routes};
use crate::webhook::WebhookSender;
use crate::{Ledger, SandboxError, SandboxEvent};
use bankkit_core::clock::{Clock, ManualClock};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One imitated provider API, served on its own port.
///
/// A module implements this over its own shared state, mounts its routes in
/// [`mount`](Self::mount) (through [`ProviderContext::route`], so fault injection applies), and
/// registers a factory with [`register_provider!`](crate::register_provider).
pub trait SandboxProvider: Send + Sync + fmt::Debug {
    /// The provider's name, the same as in the client registry (e.g. `"monobank"`).
    fn name(&self) -> &'static str;

    /// Adds the provider's routes to its API server's table.
    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext);

    /// Adds the routes of one of the provider's other hosts (named in
    /// [`ProviderRegistration::hosts`], e.g. an authorisation host) to that host's own table.
    /// Nothing by default.
    fn mount_host(&self, host: &str, routes: &mut Routes, ctx: &ProviderContext) {
        let _ = (host, routes, ctx);
    }

    /// The seeded credentials a client needs, as JSON (e.g. `{"token": "…"}`).
    fn credentials(&self) -> Value;

    /// The provider's accounts and transactions as they stand.
    fn ledger(&self) -> Ledger;

    /// Makes `event` happen; returns what was created, as the provider's JSON.
    ///
    /// # Errors
    ///
    /// [`SandboxError::UnsupportedEvent`], [`SandboxError::InvalidEvent`] or
    /// [`SandboxError::UnknownAccount`] when the event cannot happen here.
    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError>;

    /// Puts the provider's state back to what the seed produced.
    fn reset(&self);

    /// A counterparty whose payments end with `outcome` in this provider's sandbox (e.g. one
    /// of MoMo's magic MSISDNs), so that generic checks can make a payment succeed, fail or
    /// stay pending without knowing the provider's magic values. `None` (the default) when
    /// the provider has no such party.
    fn test_party(&self, outcome: TestOutcome) -> Option<TestParty> {
        let _ = outcome;
        None
    }

    /// How many items of each kind of per-client state the provider holds now, as a JSON
    /// object of counts (e.g. `{"payments": 12, "tokens": 3}`), after dropping what expired:
    /// for watching a long-running server and for tests of the [`StateLimits`]. An empty
    /// object (the default) when the provider keeps nothing that grows.
    fn state_sizes(&self) -> Value {
        Value::Object(serde_json::Map::new())
    }
}

/// How a payment to or from a [`TestParty`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TestOutcome {
    /// It reaches the provider's success state.
    Success,
    /// It reaches the provider's failure state.
    Failure,
    /// It stays pending however far the clock moves.
    Pending,
}

/// A counterparty identifier chosen by the provider for a [`TestOutcome`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestParty {
    /// What the value identifies, in the provider's terms (e.g. `"msisdn"`).
    pub kind: String,
    /// The identifier itself (e.g. `"46733123450"`).
    pub value: String,
}

/// Builds a provider for a sandbox.
pub type BuildProvider = fn(&ProviderContext) -> Arc<dyn SandboxProvider>;

/// A provider module known to [`Sandbox`](crate::Sandbox), collected with `inventory`.
///
/// Submit one with [`register_provider!`](crate::register_provider). The crate that does so must
/// be linked into the final binary (e.g. `use acme_sandbox as _;`).
pub struct ProviderRegistration {
    /// The provider's name; must equal [`SandboxProvider::name`].
    pub name: &'static str,
    /// Builds the provider with its context.
    pub build: BuildProvider,
    /// The provider's hosts besides its API (e.g. `["auth"]` for a separate authorisation
    /// host): each gets a server of its own, mounted by [`SandboxProvider::mount_host`], its
    /// URL in [`ProviderContext::host_url`], and a port option `NAME.HOST`.
    pub hosts: &'static [&'static str],
}

impl fmt::Debug for ProviderRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderRegistration")
            .field("name", &self.name)
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

inventory::collect!(ProviderRegistration);

/// Registers a sandbox provider module so that [`Sandbox::start`](crate::Sandbox::start)
/// starts it.
///
/// ```
/// use std::sync::Arc;
/// use bankkit_sandbox::{
///     register_provider, wiremock, Ledger, ProviderContext, Reply, Route, Routes,
///     SandboxError, SandboxEvent, SandboxProvider,
/// };
///
/// #[derive(Debug)]
/// struct Acme;
///
/// impl SandboxProvider for Acme {
///     fn name(&self) -> &'static str { "acme" }
///     fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
///         use wiremock::matchers::path;
///         routes.mount(ctx.route(Route::given(path("/ping")), Reply::new(200)));
///     }
///     fn credentials(&self) -> serde_json::Value { serde_json::json!({"api_key": "k"}) }
///     fn ledger(&self) -> Ledger { Ledger::default() }
///     fn trigger(&self, _: &SandboxEvent) -> Result<serde_json::Value, SandboxError> {
///         Err(SandboxError::UnsupportedEvent("none".into()))
///     }
///     fn reset(&self) {}
/// }
///
/// fn build(_: &ProviderContext) -> Arc<dyn SandboxProvider> { Arc::new(Acme) }
/// register_provider!("acme", build);
/// ```
///
/// A provider with more hosts than its API names them; each is mounted by
/// [`SandboxProvider::mount_host`]: `register_provider!("acme", build, hosts = ["auth"]);`.
#[macro_export]
macro_rules! register_provider {
    ($name:expr, $build:expr $(,)?) => {
        $crate::register_provider!($name, $build, hosts = []);
    };
    ($name:expr, $build:expr, hosts = [$($host:expr),* $(,)?] $(,)?) => {
        $crate::inventory::submit! {
            $crate::ProviderRegistration { name: $name, build: $build, hosts: &[$($host),*] }
        }
    };
}

/// What a provider module gets from the sandbox: the shared clock, its seed, its fault
/// registry and its webhook sender.
#[derive(Clone)]
pub struct ProviderContext {
    name: &'static str,
    clock: ManualClock,
    started_at: DateTime<Utc>,
    seed: u64,
    faults: Arc<FaultRegistry>,
    webhooks: WebhookSender,
    base_url: String,
    hosts: BTreeMap<&'static str, String>,
    rate_limits: bool,
    outbound: Arc<OutboundPolicy>,
    state_limits: Arc<StateLimits>,
}

impl fmt::Debug for ProviderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderContext")
            .field("name", &self.name)
            .field("clock", &self.clock)
            .field("seed", &self.seed)
            .field("base_url", &self.base_url)
            .field("hosts", &self.hosts)
            .field("rate_limits", &self.rate_limits)
            .finish_non_exhaustive()
    }
}

impl ProviderContext {
    pub(crate) fn new(
        name: &'static str,
        clock: ManualClock,
        started_at: DateTime<Utc>,
        seed: u64,
        webhooks: WebhookSender,
    ) -> Self {
        ProviderContext {
            name,
            clock,
            started_at,
            seed,
            faults: Arc::new(FaultRegistry::default()),
            webhooks,
            base_url: String::new(),
            hosts: BTreeMap::new(),
            rate_limits: true,
            outbound: Arc::new(OutboundPolicy::default()),
            state_limits: Arc::new(StateLimits::default()),
        }
    }

    /// Sets how much per-client state the provider may keep (before it is built).
    pub(crate) fn with_state_limits(mut self, limits: Arc<StateLimits>) -> Self {
        self.state_limits = limits;
        self
    }

    /// How much per-client state the provider may keep, and for how long.
    pub fn state_limits(&self) -> &StateLimits {
        &self.state_limits
    }

    /// Sets where the provider may send requests of its own (before it is built).
    pub(crate) fn with_outbound(mut self, outbound: Arc<OutboundPolicy>) -> Self {
        self.outbound = outbound;
        self
    }

    /// Where the provider may send requests of its own (webhooks, callbacks, URL checks).
    pub fn outbound(&self) -> &OutboundPolicy {
        &self.outbound
    }

    /// Turns the provider's rate windows on or off (before it is built).
    pub(crate) fn with_rate_limits(mut self, on: bool) -> Self {
        self.rate_limits = on;
        self
    }

    /// Sets the provider's public base URL (known once its port is bound, before it is built).
    pub(crate) fn with_base_url(mut self, base_url: String) -> Self {
        self.base_url = base_url;
        self
    }

    /// Sets the public URL of one of the provider's other hosts (bound before it is built).
    pub(crate) fn with_host_url(mut self, host: &'static str, url: String) -> Self {
        self.hosts.insert(host, url);
        self
    }

    /// Where the provider's server listens, `http://127.0.0.1:PORT` without a trailing slash:
    /// for URLs the provider hands out that point back at itself (an authorisation page, an
    /// upload URL). Known before [`BuildProvider`] runs.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Where one of the provider's other hosts (see [`ProviderRegistration::hosts`]) listens,
    /// `http://127.0.0.1:PORT` without a trailing slash; `None` for a host it did not declare.
    /// Known before [`BuildProvider`] runs.
    pub fn host_url(&self, host: &str) -> Option<&str> {
        self.hosts.get(host).map(String::as_str)
    }

    /// Every other host's name and URL.
    pub(crate) fn hosts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.hosts.iter().map(|(host, url)| (*host, url.as_str()))
    }

    /// The provider's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The sandbox clock, shared by every provider.
    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    /// The sandbox clock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Clock::now(&self.clock)
    }

    /// The clock's time when the sandbox started: seeded data is generated relative to it.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// The sandbox seed (mix in the provider's name for a stream of its own).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// This provider's fault registry.
    pub fn faults(&self) -> &Arc<FaultRegistry> {
        &self.faults
    }

    /// Sets the provider's error body for status faults injected without a body.
    pub fn set_error_body(&self, error_body: ErrorBodyFn) {
        self.faults.set_error_body(error_body);
    }

    /// Sets the provider's error body for status faults injected without a body, chosen by the
    /// request's path too (for a server whose error shape differs by path).
    pub fn set_path_error_body(&self, error_body: PathErrorBodyFn) {
        self.faults.set_path_error_body(error_body);
    }

    /// Sets the `Content-Type` of JSON bodies written by injected faults (default
    /// `application/json`).
    pub fn set_json_content_type(&self, content_type: &'static str) {
        self.faults.set_json_content_type(content_type);
    }

    /// This provider's way to send webhooks.
    pub fn webhooks(&self) -> &WebhookSender {
        &self.webhooks
    }

    /// A route answering with `responder` behind fault injection: the standard way to mount a
    /// provider route.
    pub fn route<R: crate::Respond + 'static>(&self, route: RouteBuilder, responder: R) -> Route {
        route.finish_faulted(responder, Arc::clone(&self.faults))
    }

    /// A route answering with an asynchronous `responder` behind fault injection, for the rare
    /// route that must wait on something outside the sandbox before it answers.
    pub fn route_async<R: RespondAsync + 'static>(
        &self,
        route: RouteBuilder,
        responder: R,
    ) -> Route {
        route.finish_faulted_async(responder, Arc::clone(&self.faults))
    }

    /// Whether the provider's rate windows apply (the default). Off in the fast mode for apps
    /// in other processes (`bankkit-sandbox --limits off`), where a client would otherwise
    /// wait out windows in real time.
    pub fn rate_limits(&self) -> bool {
        self.rate_limits
    }
}

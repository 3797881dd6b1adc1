//! Where the sandbox may send requests of its own: webhooks, callbacks and URL checks.
//!
//! A sandbox that can be reached by others must not become a way to make requests to
//! arbitrary hosts, so every outbound request goes only to a host on the allow list (loopback
//! addresses and `localhost` by default, more with [`SandboxBuilder::allow_host`]):
//!
//! - The URL's host is checked before anything else happens: a refused host is never
//!   resolved nor connected to. IP literals are compared as addresses (an IPv4-mapped IPv6
//!   address counts as its IPv4 address; `0.0.0.0` and `::` are not loopback).
//! - Names are resolved by the sandbox's own resolver: `localhost` and `*.localhost` always
//!   become `127.0.0.1` / `::1` (never whatever a resolver or hosts file says), a name on the
//!   allow list is resolved by the system, and any other name is never resolved at all.
//! - Redirects are never followed and no proxy is used.
//! - Deliveries share one cap on requests in flight ([`OutboundPolicy::max_concurrent`]),
//!   and a host that stops answering is backed off (see [`HostBackoff`]).
//!
//! [`SandboxBuilder::allow_host`]: crate::SandboxBuilder::allow_host

use std::collections::HashMap;
use std::future::ready;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::{Host, Url};

/// The hosts outbound requests may go to, how many deliveries may run at once, and how many
/// finished deliveries the log keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Host names (lowercase) or IP addresses allowed besides loopback and `localhost`.
    allowed: Vec<String>,
    /// Deliveries in flight at once, across every provider.
    max_concurrent: usize,
    /// Finished deliveries kept in each provider's log.
    delivery_log: usize,
}

/// How many webhook deliveries may be in flight at once by default.
pub const DEFAULT_MAX_CONCURRENT_DELIVERIES: usize = 64;

/// How many finished deliveries each provider's log keeps by default.
pub const DEFAULT_DELIVERY_LOG_CAPACITY: usize = 1000;

impl Default for OutboundPolicy {
    fn default() -> Self {
        OutboundPolicy {
            allowed: Vec::new(),
            max_concurrent: DEFAULT_MAX_CONCURRENT_DELIVERIES,
            delivery_log: DEFAULT_DELIVERY_LOG_CAPACITY,
        }
    }
}

impl OutboundPolicy {
    /// Also allows `host` (a name, or an IP address; IPv6 with or without brackets). A name
    /// is resolved by the system resolver when a request goes to it, and any address it
    /// resolves to is used.
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        let host = host.into();
        let host = host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.');
        if !host.is_empty() {
            self.allowed.push(host.to_ascii_lowercase());
        }
        self
    }

    /// Sets how many deliveries (and Monobank URL checks) may be in flight at once, across
    /// every provider (at least 1; default [`DEFAULT_MAX_CONCURRENT_DELIVERIES`]). Deliveries
    /// past the cap wait for their turn.
    pub fn max_concurrent(mut self, deliveries: usize) -> Self {
        // At most what tokio's semaphore can hold.
        self.max_concurrent = deliveries.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        self
    }

    /// How many deliveries may be in flight at once.
    pub fn concurrency(&self) -> usize {
        self.max_concurrent
    }

    /// Sets how many finished (delivered or given-up) deliveries each provider's log keeps
    /// (default [`DEFAULT_DELIVERY_LOG_CAPACITY`]); past it, the delivery that finished first
    /// is dropped. Deliveries still pending are never dropped. 0 keeps no finished delivery.
    pub fn delivery_log(mut self, finished_deliveries: usize) -> Self {
        self.delivery_log = finished_deliveries;
        self
    }

    /// How many finished deliveries each provider's log keeps.
    pub fn delivery_log_capacity(&self) -> usize {
        self.delivery_log
    }

    /// The hosts allowed besides loopback and `localhost`.
    pub fn allowed_hosts(&self) -> &[String] {
        &self.allowed
    }

    /// Whether a request to `url` may be sent: an http(s) URL whose host is a loopback
    /// address, `localhost` (or a name under `.localhost`), or on the allow list.
    pub fn allows(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        match url.host() {
            Some(Host::Ipv4(ip)) => self.allows_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.allows_ip(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => self.allows_name(name),
            None => false,
        }
    }

    /// Whether `url` (a string) parses and [`allows`](Self::allows) says yes.
    pub fn allows_str(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|url| self.allows(&url))
    }

    fn allows_name(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        is_localhost_name(&name) || self.allowed_name(&name)
    }

    /// Whether `name` (lowercase, no trailing dot) is on the allow list itself.
    fn allowed_name(&self, name: &str) -> bool {
        self.allowed.iter().any(|allowed| allowed == name)
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_loopback()
            || self.allowed.iter().any(|allowed| {
                allowed
                    .parse::<IpAddr>()
                    .is_ok_and(|a| a.to_canonical() == ip)
            })
    }
}

/// `localhost` or a name under it (RFC 6761: these always mean this machine).
fn is_localhost_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost")
}

/// Why an outbound request was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The URL's host as written (or a placeholder when there is none), for logs.
    pub(crate) host: String,
    /// What the delivery log says.
    pub(crate) reason: String,
}

/// Where an outbound request would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Allowed; `host` is `host:port`, the key of [`HostBackoff`].
    Allowed {
        /// The parsed URL.
        url: Url,
        /// `host:port`.
        host: String,
    },
    /// Not allowed: nothing may be sent.
    Refused(Refusal),
}

/// What every outbound request of one sandbox shares: the policy, one HTTP client that
/// follows no redirect, uses no proxy and resolves only allowed names, and the permits of
/// the concurrency cap.
pub(crate) struct Outbound {
    policy: Arc<OutboundPolicy>,
    client: Option<reqwest::Client>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("policy", &self.policy)
            .field("available_permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl Outbound {
    pub(crate) fn new(policy: Arc<OutboundPolicy>) -> Arc<Self> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(AllowListResolver {
                policy: Arc::clone(&policy),
            }))
            .build();
        let client = match client {
            Ok(client) => Some(client),
            Err(error) => {
                tracing::error!(%error, "cannot build the outbound HTTP client; nothing will be sent");
                None
            }
        };
        Arc::new(Outbound {
            permits: Arc::new(Semaphore::new(policy.concurrency())),
            policy,
            client,
        })
    }

    /// The policy.
    pub(crate) fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// The shared client; `None` only if it could not be built (then nothing is sent).
    pub(crate) fn client(&self) -> Option<&reqwest::Client> {
        self.client.as_ref()
    }

    /// The permits of the concurrency cap.
    pub(crate) fn permits(&self) -> &Arc<Semaphore> {
        &self.permits
    }

    /// Where a request to `url` would go, or why it may not be sent.
    pub(crate) fn target(&self, url: &str) -> Target {
        let Ok(parsed) = Url::parse(url) else {
            return Target::Refused(Refusal {
                host: "(none)".to_owned(),
                reason: "not a valid URL: nothing was sent".to_owned(),
            });
        };
        let host = parsed.host_str().unwrap_or("(none)").to_owned();
        if !matches!(parsed.scheme(), "http" | "https") {
            return Target::Refused(Refusal {
                host,
                reason: format!(
                    "scheme {} is not allowed (only http and https): nothing was sent",
                    parsed.scheme()
                ),
            });
        }
        if !self.policy.allows(&parsed) {
            return Target::Refused(Refusal {
                reason: format!(
                    "host {host} is not allowed (outbound requests go only to loopback, \
                     localhost and hosts added with --allow-host): nothing was sent"
                ),
                host,
            });
        }
        let port = parsed.port_or_known_default().unwrap_or(0);
        Target::Allowed {
            host: format!("{host}:{port}"),
            url: parsed,
        }
    }
}

/// Logs a refused outbound request: provider, what it was and the host, never the URL's path
/// or query (they may carry secrets).
pub(crate) fn log_refusal(provider: &str, what: &str, refusal: &Refusal) {
    tracing::warn!(
        provider,
        request = what,
        host = %refusal.host,
        "outbound request refused: host not on the allow list"
    );
}

/// Resolves only names a request may go to: `localhost` names to loopback addresses, names
/// on the allow list through the system; any other name is an error, never a lookup.
struct AllowListResolver {
    policy: Arc<OutboundPolicy>,
}

impl Resolve for AllowListResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        if is_localhost_name(&host) {
            let loopback: Vec<SocketAddr> = vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
            ];
            let addrs: Addrs = Box::new(loopback.into_iter());
            return Box::pin(ready(Ok(addrs)));
        }
        if !self.policy.allowed_name(&host) {
            let error = format!("host {host} is not allowed");
            return Box::pin(ready(Err(error.into())));
        }
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Consecutive failures (no answer at all) to one host before its attempts are spaced out.
pub(crate) const BACKOFF_AFTER_FAILURES: u32 = 5;
/// The first wait of a host that is backed off (real time); it doubles up to
/// [`MAX_HOST_BACKOFF`].
pub(crate) const FIRST_HOST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait of a host that is backed off (real time).
pub(crate) const MAX_HOST_BACKOFF: Duration = Duration::from_secs(60);
/// Hosts tracked before those no longer waiting are forgotten.
const MAX_TRACKED_HOSTS: usize = 1024;

/// Whether an attempt to a host may start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// The host is healthy: as many attempts as the cap allows.
    Open,
    /// The host is backed off and its wait is over: one attempt (a probe) may start.
    Probe,
    /// The host is backed off: attempts wait.
    Closed,
}

#[derive(Debug, Default)]
struct HostHealth {
    failures: u32,
    in_flight: usize,
    delay: Duration,
    retry_after: Option<Instant>,
}

/// Per-host backoff, in real time (it protects sockets, not a provider's schedule, which
/// stays on the sandbox clock): after [`BACKOFF_AFTER_FAILURES`] consecutive attempts to one
/// `host:port` got no answer (connection failed or timed out), further attempts to it wait
/// [`FIRST_HOST_BACKOFF`], then one probe at a time goes; each failed probe doubles the wait
/// (up to [`MAX_HOST_BACKOFF`]). Any HTTP answer from the host resets it.
#[derive(Debug, Default)]
pub(crate) struct HostBackoff {
    hosts: HashMap<String, HostHealth>,
}

impl HostBackoff {
    /// Whether an attempt to `host` may start at `now`.
    pub(crate) fn gate(&self, host: &str, now: Instant) -> Gate {
        match self.hosts.get(host) {
            Some(health) if health.failures >= BACKOFF_AFTER_FAILURES => {
                let waited = health.retry_after.is_none_or(|at| now >= at);
                if waited && health.in_flight == 0 {
                    Gate::Probe
                } else {
                    Gate::Closed
                }
            }
            _ => Gate::Open,
        }
    }

    /// An attempt to `host` started.
    pub(crate) fn start(&mut self, host: &str) {
        self.hosts.entry(host.to_owned()).or_default().in_flight += 1;
    }

    /// An attempt to `host` ended at `now`: `answered` if the host sent any HTTP answer.
    pub(crate) fn finish(&mut self, host: &str, answered: bool, now: Instant) {
        let Some(health) = self.hosts.get_mut(host) else {
            return;
        };
        health.in_flight = health.in_flight.saturating_sub(1);
        if answered {
            if health.in_flight == 0 {
                self.hosts.remove(host);
            } else {
                health.failures = 0;
                health.delay = Duration::ZERO;
                health.retry_after = None;
            }
            return;
        }
        health.failures = health.failures.saturating_add(1);
        let waiting = health.retry_after.is_some_and(|at| now < at);
        if health.failures >= BACKOFF_AFTER_FAILURES && !waiting {
            // A burst of attempts that were already in flight does not stretch the wait;
            // only a failure after the wait (a failed probe) doubles it.
            health.delay = if health.delay.is_zero() {
                FIRST_HOST_BACKOFF
            } else {
                (health.delay * 2).min(MAX_HOST_BACKOFF)
            };
            health.retry_after = Some(now + health.delay);
        }
        if self.hosts.len() > MAX_TRACKED_HOSTS {
            self.hosts.retain(|_, health| {
                health.in_flight > 0 || health.retry_after.is_some_and(|at| now < at)
            });
        }
    }

    /// How many hosts are tracked (failing or in flight).
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.hosts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_localhost_only_by_default() {
        let policy = OutboundPolicy::default();
        for allowed in [
            "http://127.0.0.1:9/x",
            "http://127.8.0.1/",
            "http://[::1]:80/",
            "http://[::ffff:127.0.0.1]:80/",
            "http://localhost:1/",
            "http://hooks.localhost:1/",
            "https://LOCALHOST./",
        ] {
            assert!(policy.allows_str(allowed), "{allowed}");
        }
        for refused in [
            "http://10.0.0.1/",
            "http://0.0.0.0:8080/",
            "http://[::]:8080/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:169.254.169.254]/",
            "http://example.com/",
            "http://localhost.example.com/",
            "http://127.0.0.1.example.com/",
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(!policy.allows_str(refused), "{refused}");
        }
    }

    #[test]
    fn a_concurrency_beyond_what_a_semaphore_holds_is_clamped() {
        let policy = OutboundPolicy::default().max_concurrent(usize::MAX);
        assert_eq!(policy.concurrency(), tokio::sync::Semaphore::MAX_PERMITS);
        assert_eq!(OutboundPolicy::default().max_concurrent(0).concurrency(), 1);
    }

    #[test]
    fn allow_host_adds_names_and_addresses() {
        let policy = OutboundPolicy::default()
            .allow_host("Hooks.Example.com.")
            .allow_host("[fd00::1]")
            .allow_host("192.0.2.7");
        assert_eq!(
            policy.allowed_hosts(),
            ["hooks.example.com", "fd00::1", "192.0.2.7"]
        );
        assert!(policy.allows_str("https://hooks.example.com/cb"));
        assert!(policy.allows_str("https://HOOKS.example.com./cb"));
        assert!(policy.allows_str("http://[fd00::1]:8080/"));
        assert!(policy.allows_str("http://192.0.2.7/"));
        assert!(policy.allows_str("http://[::ffff:192.0.2.7]/"));
        assert!(!policy.allows_str("http://192.0.2.8/"));
        assert!(!policy.allows_str("http://other.example.com/"));
        assert!(!policy.allows_str("http://sub.hooks.example.com/"));
    }

    #[test]
    fn defaults_and_settings() {
        let policy = OutboundPolicy::default();
        assert_eq!(policy.concurrency(), DEFAULT_MAX_CONCURRENT_DELIVERIES);
        assert_eq!(
            policy.delivery_log_capacity(),
            DEFAULT_DELIVERY_LOG_CAPACITY
        );
        let policy = policy.max_concurrent(0).delivery_log(7);
        assert_eq!(policy.concurrency(), 1);
        assert_eq!(policy.delivery_log_capacity(), 7);
    }

    #[test]
    fn a_refused_target_names_the_host_but_not_the_query() {
        let outbound = Outbound::new(Arc::new(OutboundPolicy::default()));
        let Target::Refused(refusal) = outbound.target("http://example.invalid:81/h?secret=s3")
        else {
            panic!("example.invalid was allowed");
        };
        assert_eq!(refusal.host, "example.invalid");
        assert!(refusal
            .reason
            .contains("host example.invalid is not allowed"));
        assert!(!refusal.reason.contains("s3"));
        assert!(matches!(outbound.target("nonsense"), Target::Refused(_)));
        assert!(matches!(
            outbound.target("gopher://127.0.0.1/"),
            Target::Refused(_)
        ));
        let Target::Allowed { host, .. } = outbound.target("http://LocalHost/a") else {
            panic!("localhost was refused");
        };
        assert_eq!(host, "localhost:80");
    }

    #[tokio::test]
    async fn the_resolver_maps_localhost_to_loopback_and_never_looks_up_other_names() {
        let resolver = AllowListResolver {
            policy: Arc::new(OutboundPolicy::default().allow_host("127.0.0.1")),
        };
        for name in ["localhost", "api.localhost", "LOCALHOST."] {
            let addrs: Vec<SocketAddr> = resolver
                .resolve(name.parse().unwrap())
                .await
                .unwrap()
                .collect();
            assert!(!addrs.is_empty());
            assert!(addrs.iter().all(|addr| addr.ip().is_loopback()), "{name}");
        }
        for name in [
            "example.com",
            "localhost.example.com",
            "metadata.google.internal",
        ] {
            let error = match resolver.resolve(name.parse().unwrap()).await {
                Ok(_) => panic!("{name} was resolved"),
                Err(error) => error,
            };
            assert!(error.to_string().contains("not allowed"), "{name}");
        }
    }

    #[test]
    fn a_host_is_backed_off_after_consecutive_failures_and_reset_by_an_answer() {
        let mut backoff = HostBackoff::default();
        let start = Instant::now();
        let host = "127.0.0.1:9";
        for _ in 0..BACKOFF_AFTER_FAILURES - 1 {
            backoff.start(host);
            backoff.finish(host, false, start);
            assert_eq!(backoff.gate(host, start), Gate::Open);
        }
        // A burst: three attempts in flight at once all fail.
        for _ in 0..3 {
            backoff.start(host);
        }
        for _ in 0..3 {
            backoff.finish(host, false, start);
        }
        assert_eq!(backoff.gate(host, start), Gate::Closed);
        assert_eq!(backoff.gate("127.0.0.1:10", start), Gate::Open);
        let later = start + FIRST_HOST_BACKOFF;
        assert_eq!(
            backoff.gate(host, later - Duration::from_millis(1)),
            Gate::Closed
        );
        assert_eq!(backoff.gate(host, later), Gate::Probe);

        // One probe at a time; a failed probe doubles the wait.
        backoff.start(host);
        assert_eq!(backoff.gate(host, later), Gate::Closed);
        backoff.finish(host, false, later);
        assert_eq!(backoff.gate(host, later + FIRST_HOST_BACKOFF), Gate::Closed);
        let after_probe = later + FIRST_HOST_BACKOFF * 2;
        assert_eq!(backoff.gate(host, after_probe), Gate::Probe);

        // An answer resets it.
        backoff.start(host);
        backoff.finish(host, true, after_probe);
        assert_eq!(backoff.gate(host, after_probe), Gate::Open);
        assert_eq!(backoff.tracked(), 0);
    }

    #[test]
    fn the_wait_of_a_host_is_capped() {
        let mut backoff = HostBackoff::default();
        let mut now = Instant::now();
        let host = "localhost:1";
        for _ in 0..40 {
            assert_ne!(backoff.gate(host, now), Gate::Closed);
            backoff.start(host);
            backoff.finish(host, false, now);
            now += MAX_HOST_BACKOFF;
        }
        assert_eq!(
            backoff.gate(host, now - Duration::from_millis(1)),
            Gate::Closed
        );
        assert_eq!(backoff.gate(host, now), Gate::Probe);
    }
}

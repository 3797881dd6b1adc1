//! Where the sandbox may send requests of its own: webhooks, callbacks and URL checks.
//!
//! A sandbox that can be reached by others must not become a way to make requests to
//! arbitrary hosts, so every outbound request goes only to a host on the allow list (loopback
//! addresses and `localhost` by default, more with [`SandboxBuilder::allow_host`]).
//!
//! [`SandboxBuilder::allow_host`]: crate::SandboxBuilder::allow_host

use std::net::IpAddr;

use url::{Host, Url};

/// The hosts outbound requests may go to, and how many deliveries may run at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Host names (lowercase) or IP addresses allowed besides loopback and `localhost`.
    allowed: Vec<String>,
    /// Deliveries in flight at once, across every provider.
    max_concurrent: usize,
}

/// How many webhook deliveries may be in flight at once by default.
pub const DEFAULT_MAX_CONCURRENT_DELIVERIES: usize = 64;

impl Default for OutboundPolicy {
    fn default() -> Self {
        OutboundPolicy {
            allowed: Vec::new(),
            max_concurrent: DEFAULT_MAX_CONCURRENT_DELIVERIES,
        }
    }
}

impl OutboundPolicy {
    /// Also allows `host` (a name, or an IP address; IPv6 with or without brackets).
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        let host = host.into();
        let host = host.trim().trim_start_matches('[').trim_end_matches(']');
        self.allowed.push(host.to_ascii_lowercase());
        self
    }

    /// Sets how many deliveries may be in flight at once (at least 1).
    pub fn max_concurrent(mut self, deliveries: usize) -> Self {
        self.max_concurrent = deliveries.max(1);
        self
    }

    /// How many deliveries may be in flight at once.
    pub fn concurrency(&self) -> usize {
        self.max_concurrent
    }

    /// The hosts allowed besides loopback and `localhost`.
    pub fn allowed_hosts(&self) -> &[String] {
        &self.allowed
    }

    /// Whether a request to `url` may be sent: an http(s) URL whose host is a loopback
    /// address, `localhost`, or on the allow list.
    pub fn allows(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        match url.host() {
            Some(Host::Ipv4(ip)) => self.allows_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.allows_ip(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost") || self.allowed.contains(&name)
            }
            None => false,
        }
    }

    /// Whether `url` (a string) parses and [`allows`](Self::allows) says yes.
    pub fn allows_str(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|url| self.allows(&url))
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        ip.is_loopback()
            || self
                .allowed
                .iter()
                .any(|allowed| allowed.parse::<IpAddr>().is_ok_and(|a| a == ip))
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
            "http://localhost:1/",
            "https://LOCALHOST./",
        ] {
            assert!(policy.allows_str(allowed), "{allowed}");
        }
        for refused in [
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://example.com/",
            "http://localhost.example.com/",
            "ftp://127.0.0.1/",
            "not a url",
        ] {
            assert!(!policy.allows_str(refused), "{refused}");
        }
    }

    #[test]
    fn allow_host_adds_names_and_addresses() {
        let policy = OutboundPolicy::default()
            .allow_host("Hooks.Example.com")
            .allow_host("[fd00::1]")
            .allow_host("192.0.2.7");
        assert!(policy.allows_str("https://hooks.example.com/cb"));
        assert!(policy.allows_str("http://[fd00::1]:8080/"));
        assert!(policy.allows_str("http://192.0.2.7/"));
        assert!(!policy.allows_str("http://192.0.2.8/"));
        assert!(!policy.allows_str("http://other.example.com/"));
    }
}

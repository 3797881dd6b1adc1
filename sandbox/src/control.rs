//! The control API under `/__bankkit/` on each provider's API server (not on its other hosts,
//! such as Monzo's `auth` host).
//!
//! | method + path | body | answer |
//! |---|---|---|
//! | `GET /__bankkit/credentials` | | the provider's credentials, e.g. `{"token": "…"}` |
//! | `GET /__bankkit/clock` | | `{"now": "<RFC 3339>"}` |
//! | `POST /__bankkit/clock/advance` | `{"seconds": n}` | `{"now": "<RFC 3339>"}`; 400 past 9999-12-31T23:59:59Z |
//! | `POST /__bankkit/reset` | | `{}`: state back to seed, faults and delivery log cleared |
//! | `GET /__bankkit/faults` | | `[Fault…]` still waiting |
//! | `POST /__bankkit/faults` | a [`Fault`] | `[Fault…]` still waiting |
//! | `DELETE /__bankkit/faults` | | `{}` |
//! | `POST /__bankkit/events` | a [`SandboxEvent`](crate::SandboxEvent) | what the event created |
//! | `GET /__bankkit/webhooks` | | `[Delivery…]`, oldest first |
//! | `GET /__bankkit/ledger` | | a [`Ledger`](crate::Ledger) |
//! | `GET /__bankkit/requests[?provider=NAME]` | | `[JournalEntry…]`, oldest first |
//! | `GET /__bankkit/state` | | `{"state": {…counts}, "deliveries": n}`: how much the provider holds |
//!
//! Errors are `400`/`404` with `{"error": "<message>"}`. Faults never apply to these routes.
//!
//! A browser page must not be able to drive the control API of a sandbox on the same machine
//! (DNS rebinding, cross-site form posts), so every control request must name, in `Host`, a
//! loopback name, the listening address or a host added with `--control-host` (else 403);
//! an `Origin`, when sent, must name one too (else 403); a `POST` must say
//! `Content-Type: application/json` (else 415), even without a body, which no cross-site page
//! can send without the browser asking first; and with `--control-token` every request must carry
//! `Authorization: Bearer <token>` (else 401).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::Request;

use crate::{Reply, Respond};

use crate::fault::Fault;
use crate::journal::Journal;
use crate::provider::{ProviderContext, SandboxProvider};
use crate::request::{bearer, header};
use crate::time;
use crate::{Delivery, Ledger, SandboxError, SandboxEvent};

/// The path prefix of the control API.
pub(crate) const CONTROL_PREFIX: &str = "/__bankkit";

/// One running provider: its module and its context. Shared by the handle and the control API.
#[derive(Debug)]
pub(crate) struct ProviderRuntime {
    pub(crate) provider: Arc<dyn SandboxProvider>,
    pub(crate) ctx: ProviderContext,
    /// Custom events applied at start and after every reset (the builder's
    /// `default_event`).
    pub(crate) default_events: Vec<Value>,
}

impl ProviderRuntime {
    pub(crate) fn reset(&self) {
        self.provider.reset();
        self.ctx.faults().clear();
        self.ctx.webhooks().clear();
        // They were accepted at start, and a reset provider is as it was then.
        let _ = self.apply_default_events();
    }

    /// Applies the default events in order; the first one refused stops it.
    pub(crate) fn apply_default_events(&self) -> Result<(), SandboxError> {
        for event in &self.default_events {
            self.provider
                .trigger(&SandboxEvent::Custom(event.clone()))?;
        }
        Ok(())
    }

    pub(crate) fn inject(&self, fault: Fault) {
        self.ctx.faults().inject(fault);
    }

    pub(crate) fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        self.provider.trigger(event)
    }

    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        self.ctx.webhooks().deliveries()
    }

    pub(crate) fn ledger(&self) -> Ledger {
        self.provider.ledger()
    }
}

/// Who may use the control API, as configured on the sandbox builder.
#[derive(Clone, Default)]
pub(crate) struct ControlAccess {
    /// A bearer token every control request must carry.
    pub(crate) token: Option<String>,
    /// Host names accepted besides loopback and the listening address, lowercase.
    pub(crate) hosts: Vec<String>,
}

impl std::fmt::Debug for ControlAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlAccess")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("hosts", &self.hosts)
            .finish()
    }
}

impl ControlAccess {
    /// The checks of one server listening on `address`.
    pub(crate) fn for_server(&self, address: IpAddr, _port: u16) -> ControlGuard {
        let mut hosts = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "[::1]".to_owned(),
        ];
        if !address.is_unspecified() {
            hosts.push(match address {
                IpAddr::V4(v4) => v4.to_string(),
                IpAddr::V6(v6) => format!("[{v6}]"),
            });
        }
        hosts.extend(self.hosts.iter().cloned());
        ControlGuard {
            hosts,
            token: self.token.clone(),
        }
    }
}

/// The checks every control request passes before it is acted on.
#[derive(Clone)]
pub(crate) struct ControlGuard {
    hosts: Vec<String>,
    token: Option<String>,
}

impl std::fmt::Debug for ControlGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlGuard")
            .field("hosts", &self.hosts)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// The host name of a `Host` header value or an origin's authority: lowercase, without port
/// (IPv6 in brackets); `None` when it is not an authority at all.
fn host_name(authority: &str) -> Option<String> {
    let authority: http::uri::Authority = authority.trim().parse().ok()?;
    Some(authority.host().to_ascii_lowercase())
}

impl ControlGuard {
    fn known(&self, authority: &str) -> bool {
        host_name(authority).is_some_and(|name| self.hosts.contains(&name))
    }

    /// `None` when the request may go on; else the refusal.
    fn check(&self, request: &Request) -> Option<Reply> {
        match header(request, "host") {
            Some(host) if self.known(host) => {}
            _ => {
                return Some(json_response(
                    403,
                    &json!({ "error": "the control API answers only requests addressed to this machine by a known name (Host); add one with --control-host" }),
                ))
            }
        }
        if let Some(origin) = request.headers.get("origin") {
            let allowed = origin
                .to_str()
                .ok()
                .and_then(|origin| origin.split_once("://"))
                .is_some_and(|(_, authority)| self.known(authority));
            if !allowed {
                return Some(json_response(
                    403,
                    &json!({ "error": "cross-origin requests to the control API are refused" }),
                ));
            }
        }
        if let Some(expected) = &self.token {
            let given = bearer(request).unwrap_or_default();
            if !bool::from(subtle::ConstantTimeEq::ct_eq(
                given.as_bytes(),
                expected.as_bytes(),
            )) {
                return Some(json_response(
                    401,
                    &json!({ "error": "the control API needs Authorization: Bearer <control token>" }),
                ));
            }
        }
        // A cross-site page can send a POST without asking first, but not with this content
        // type; other methods that change state always make the browser ask first.
        let changes_state = request.method == http::Method::POST;
        let json_body = header(request, "content-type").is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
        });
        if changes_state && !json_body {
            return Some(json_response(
                415,
                &json!({ "error": "control requests that change state need Content-Type: application/json" }),
            ));
        }
        None
    }
}

/// The control API responder (one per provider server).
#[derive(Debug)]
pub(crate) struct ControlApi {
    runtime: Arc<ProviderRuntime>,
    journal: Arc<Journal>,
    guard: ControlGuard,
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

impl ControlApi {
    pub(crate) fn new(
        runtime: Arc<ProviderRuntime>,
        journal: Arc<Journal>,
        guard: ControlGuard,
    ) -> Self {
        ControlApi {
            runtime,
            journal,
            guard,
        }
    }

    fn requests(&self, request: &Request) -> Reply {
        let provider = request
            .url
            .query_pairs()
            .find(|(key, _)| key == "provider")
            .map(|(_, value)| value.into_owned());
        ok(&self.journal.entries(provider.as_deref()))
    }

    fn now(&self) -> Reply {
        let now = self.runtime.ctx.now();
        ok(&json!({ "now": now.to_rfc3339_opts(SecondsFormat::Secs, true) }))
    }

    /// Moves the clock forward, unless that would take it past [`time::latest`] (where later
    /// `now + …` arithmetic could overflow).
    fn advance(&self, request: &Request) -> Reply {
        let advance = match serde_json::from_slice::<Advance>(&request.body) {
            Ok(advance) => advance,
            Err(error) => return bad_request(&format!("expected {{\"seconds\": n}}: {error}")),
        };
        let reachable = i64::try_from(advance.seconds)
            .ok()
            .and_then(|seconds| time::checked_after(self.runtime.ctx.now(), seconds));
        if reachable.is_none() {
            return bad_request(&format!(
                "advancing by {} seconds would move the clock past {}",
                advance.seconds,
                time::latest().to_rfc3339_opts(SecondsFormat::Secs, true)
            ));
        }
        self.runtime
            .ctx
            .clock()
            .advance(Duration::from_secs(advance.seconds));
        self.now()
    }

    fn inject(&self, request: &Request) -> Reply {
        let fault = match serde_json::from_slice::<Fault>(&request.body) {
            Ok(fault) => fault,
            Err(error) => return bad_request(&format!("invalid fault: {error}")),
        };
        if let Err(message) = fault.validate() {
            return bad_request(&message);
        }
        self.runtime.inject(fault);
        ok(&self.runtime.ctx.faults().active())
    }

    fn trigger(&self, request: &Request) -> Reply {
        let event = match serde_json::from_slice::<SandboxEvent>(&request.body) {
            Ok(event) => event,
            Err(error) => return bad_request(&format!("invalid event: {error}")),
        };
        match self.runtime.trigger(&event) {
            Ok(created) => ok(&created),
            Err(error) => bad_request(&error.to_string()),
        }
    }
}

impl Respond for ControlApi {
    fn respond(&self, request: &Request) -> Reply {
        if let Some(refusal) = self.guard.check(request) {
            return refusal;
        }
        let path = request.url.path().trim_end_matches('/');
        let route = path.strip_prefix(CONTROL_PREFIX).unwrap_or(path);
        match (request.method.as_str(), route) {
            ("GET", "/credentials") => ok(&self.runtime.provider.credentials()),
            ("GET", "/clock") => self.now(),
            ("POST", "/clock/advance") => self.advance(request),
            ("POST", "/reset") => {
                self.runtime.reset();
                ok(&json!({}))
            }
            ("GET", "/faults") => ok(&self.runtime.ctx.faults().active()),
            ("POST", "/faults") => self.inject(request),
            ("DELETE", "/faults") => {
                self.runtime.ctx.faults().clear();
                ok(&json!({}))
            }
            ("POST", "/events") => self.trigger(request),
            ("GET", "/webhooks") => ok(&self.runtime.deliveries()),
            ("GET", "/ledger") => ok(&self.runtime.ledger()),
            ("GET", "/requests") => self.requests(request),
            ("GET", "/state") => ok(&json!({
                "state": self.runtime.provider.state_sizes(),
                "deliveries": self.runtime.deliveries().len(),
            })),
            _ => json_response(404, &json!({ "error": "unknown control endpoint" })),
        }
    }
}

fn ok<T: serde::Serialize>(body: &T) -> Reply {
    match serde_json::to_vec(body) {
        Ok(bytes) => Reply::new(200).set_body_raw(bytes, "application/json"),
        Err(error) => json_response(500, &json!({ "error": error.to_string() })),
    }
}

fn bad_request(message: &str) -> Reply {
    json_response(400, &json!({ "error": message }))
}

fn json_response(status: u16, body: &Value) -> Reply {
    Reply::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

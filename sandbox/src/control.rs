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
//!
//! Errors are `400`/`404` with `{"error": "<message>"}`. Faults never apply to these routes.

use std::sync::Arc;
use std::time::Duration;

use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::fault::Fault;
use crate::provider::{ProviderContext, SandboxProvider};
use crate::time;
use crate::{Delivery, Ledger, SandboxError, SandboxEvent};

/// The path prefix of the control API.
pub(crate) const CONTROL_PREFIX: &str = "/__bankkit";

/// One running provider: its module and its context. Shared by the handle and the control API.
#[derive(Debug)]
pub(crate) struct ProviderRuntime {
    pub(crate) provider: Arc<dyn SandboxProvider>,
    pub(crate) ctx: ProviderContext,
}

impl ProviderRuntime {
    pub(crate) fn reset(&self) {
        self.provider.reset();
        self.ctx.faults().clear();
        self.ctx.webhooks().clear();
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

/// The control API responder (one per provider server).
#[derive(Debug)]
pub(crate) struct ControlApi {
    runtime: Arc<ProviderRuntime>,
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

impl ControlApi {
    pub(crate) fn new(runtime: Arc<ProviderRuntime>) -> Self {
        ControlApi { runtime }
    }

    fn now(&self) -> ResponseTemplate {
        let now = self.runtime.ctx.now();
        ok(&json!({ "now": now.to_rfc3339_opts(SecondsFormat::Secs, true) }))
    }

    /// Moves the clock forward, unless that would take it past [`time::latest`] (where later
    /// `now + …` arithmetic could overflow).
    fn advance(&self, request: &Request) -> ResponseTemplate {
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

    fn inject(&self, request: &Request) -> ResponseTemplate {
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

    fn trigger(&self, request: &Request) -> ResponseTemplate {
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
    fn respond(&self, request: &Request) -> ResponseTemplate {
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
            _ => json_response(404, &json!({ "error": "unknown control endpoint" })),
        }
    }
}

fn ok<T: serde::Serialize>(body: &T) -> ResponseTemplate {
    match serde_json::to_vec(body) {
        Ok(bytes) => ResponseTemplate::new(200).set_body_raw(bytes, "application/json"),
        Err(error) => json_response(500, &json!({ "error": error.to_string() })),
    }
}

fn bad_request(message: &str) -> ResponseTemplate {
    json_response(400, &json!({ "error": message }))
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

//! Fault injection: make the next N matching requests fail in a chosen way.
//!
//! Every provider route is mounted through [`ProviderContext::route`](crate::ProviderContext::route),
//! which gives the route this registry. Before the route's responder runs, the route takes the
//! first active [`Fault`] whose method and path prefix match the request and acts on it. Faults
//! that lose the connection mark the reply; the server then closes the connection without
//! answering.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::sync::lock;
use crate::Reply;

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with this status instead of running the route (state unchanged).
    Status {
        /// HTTP status code.
        status: u16,
        /// Response body; a JSON string is sent as plain text (e.g. an HTML error page), any
        /// other value as JSON. `None` = the provider's own error body for this status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        /// Seconds for a `Retry-After` header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Run the route (its state change is committed at once) but hold the response back.
    Delay {
        /// Milliseconds of real time.
        ms: u64,
    },
    /// Answer 200 with a truncated, invalid JSON body and the provider's JSON `Content-Type`
    /// instead of running the route (state unchanged).
    MalformedBody,
    /// Close the connection without any response instead of running the route (state
    /// unchanged).
    DropConnection,
    /// Run the route and commit its state change, then close the connection without any
    /// response.
    DropAfterCommit,
}

/// A fault for the next `times` requests matching an optional method and path prefix.
///
/// As JSON (the body of `POST /__bankkit/faults`):
/// `{"kind":"status","status":429,"retry_after":30,"times":1,"method":"GET","path":"/personal/statement"}`;
/// `kind` is one of `status`, `delay` (with `ms`), `malformed_body`, `drop_connection`,
/// `drop_after_commit`; `times` defaults to 1; `method` and `path` (a prefix) default to any.
///
/// ```
/// use bankkit_sandbox::Fault;
///
/// let fault = Fault::status(429).retry_after(30).times(2).on("GET", "/personal/statement");
/// assert_eq!(fault.times, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What happens to a matching request.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many matching requests it affects.
    #[serde(default = "one")]
    pub times: u32,
    /// Only requests with this method (case-insensitive); `None` = any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path starts with this; `None` = any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    fn of(kind: FaultKind) -> Self {
        Fault {
            kind,
            times: 1,
            method: None,
            path: None,
        }
    }

    /// Answer with `status` and the provider's error body.
    pub fn status(status: u16) -> Self {
        Self::of(FaultKind::Status {
            status,
            body: None,
            retry_after: None,
        })
    }

    /// Hold the real response back for `delay` (the state change is committed at once).
    pub fn delay(delay: Duration) -> Self {
        Self::of(FaultKind::Delay {
            ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Answer 200 with a truncated JSON body.
    pub fn malformed_body() -> Self {
        Self::of(FaultKind::MalformedBody)
    }

    /// Close the connection without answering; nothing changes.
    pub fn drop_connection() -> Self {
        Self::of(FaultKind::DropConnection)
    }

    /// Commit the request's state change, then close the connection without answering.
    pub fn drop_after_commit() -> Self {
        Self::of(FaultKind::DropAfterCommit)
    }

    /// Adds a `Retry-After: seconds` header (status faults only; ignored by others).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(seconds);
        }
        self
    }

    /// Replaces the response body (status faults only; ignored by others).
    pub fn body(mut self, value: Value) -> Self {
        if let FaultKind::Status { body, .. } = &mut self.kind {
            *body = Some(value);
        }
        self
    }

    /// Affects the next `n` matching requests instead of one.
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Affects only requests with this method and a path starting with `path_prefix`.
    pub fn on(mut self, method: impl Into<String>, path_prefix: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self.path = Some(path_prefix.into());
        self
    }

    /// Affects only requests with this method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Affects only requests whose path starts with `path_prefix`.
    pub fn path(mut self, path_prefix: impl Into<String>) -> Self {
        self.path = Some(path_prefix.into());
        self
    }

    /// Checks the fault can be acted on.
    ///
    /// # Errors
    ///
    /// A message when the status code is not a valid HTTP status.
    pub fn validate(&self) -> Result<(), String> {
        if let FaultKind::Status { status, .. } = self.kind {
            if http::StatusCode::from_u16(status).is_err() {
                return Err(format!("invalid HTTP status {status}"));
            }
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_matches = match self.method.as_deref() {
            Some(expected) => expected.eq_ignore_ascii_case(method),
            None => true,
        };
        let path_matches = match self.path.as_deref() {
            Some(prefix) => path.starts_with(prefix),
            None => true,
        };
        method_matches && path_matches
    }
}

/// How a provider writes an error body for a given status.
pub type ErrorBodyFn = fn(u16) -> Value;

/// How a provider writes an error body for a given status and request path, for providers
/// whose error shape differs between parts of one server (e.g. Monobank's personal and
/// acquiring APIs).
pub type PathErrorBodyFn = fn(u16, &str) -> Value;

/// The faults waiting for requests on one provider server.
#[derive(Default)]
pub struct FaultRegistry {
    active: Mutex<Vec<Fault>>,
    error_body: Mutex<Option<ErrorBodyFn>>,
    path_error_body: Mutex<Option<PathErrorBodyFn>>,
    json_content_type: Mutex<Option<&'static str>>,
}

impl fmt::Debug for FaultRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultRegistry")
            .field("active", &*lock(&self.active))
            .finish_non_exhaustive()
    }
}

impl FaultRegistry {
    /// Adds a fault after those already waiting. A fault with `times == 0` is ignored.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.active).push(fault);
        }
    }

    /// Removes every waiting fault.
    pub fn clear(&self) {
        lock(&self.active).clear();
    }

    /// The faults still waiting, with their remaining counts.
    pub fn active(&self) -> Vec<Fault> {
        lock(&self.active).clone()
    }

    /// Sets how status faults without a body write it (the provider's error shape).
    pub fn set_error_body(&self, error_body: ErrorBodyFn) {
        *lock(&self.error_body) = Some(error_body);
    }

    /// Sets how status faults without a body write it when the shape depends on the request
    /// path (used instead of [`set_error_body`](Self::set_error_body)'s for injected faults;
    /// the server's own refusals, which may come before a path is known, keep that one).
    pub fn set_path_error_body(&self, error_body: PathErrorBodyFn) {
        *lock(&self.path_error_body) = Some(error_body);
    }

    /// Sets the `Content-Type` of JSON bodies that faults write (default `application/json`),
    /// for providers that always send another form (e.g. `application/json;charset=utf-8`).
    pub fn set_json_content_type(&self, content_type: &'static str) {
        *lock(&self.json_content_type) = Some(content_type);
    }

    fn json_content_type(&self) -> &'static str {
        lock(&self.json_content_type).unwrap_or("application/json")
    }

    /// Takes one use of the first fault matching the request.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut active = lock(&self.active);
        let index = active.iter().position(|f| f.matches(method, path))?;
        let fault = &mut active[index];
        let kind = fault.kind.clone();
        fault.times = fault.times.saturating_sub(1);
        if fault.times == 0 {
            active.remove(index);
        }
        Some(kind)
    }

    fn error_body(&self, status: http::StatusCode, path: Option<&str>) -> Value {
        if let (Some(path), Some(error_body)) = (path, *lock(&self.path_error_body)) {
            return error_body(status.as_u16(), path);
        }
        match *lock(&self.error_body) {
            Some(error_body) => error_body(status.as_u16()),
            None => json!({ "error": status.canonical_reason().unwrap_or("error") }),
        }
    }
}

/// What the route does about a fault it took.
pub(crate) enum FaultAction {
    /// Answer this instead of running the route (state unchanged).
    Answer(Reply),
    /// Run the route (its change is committed), then change its answer.
    RunThen(AfterRun),
}

/// How a fault changes the answer of a route that ran.
pub(crate) enum AfterRun {
    Delay(Duration),
    Drop,
}

impl AfterRun {
    pub(crate) fn apply(self, reply: Reply) -> Reply {
        match self {
            AfterRun::Delay(delay) => reply.set_delay(delay),
            AfterRun::Drop => reply.drop_connection(),
        }
    }
}

impl FaultRegistry {
    /// What to do about a fault of `kind` taken by a request for `path`.
    pub(crate) fn act_on(&self, kind: &FaultKind, path: &str) -> FaultAction {
        match kind {
            FaultKind::Status {
                status,
                body,
                retry_after,
            } => FaultAction::Answer(self.status_reply(
                *status,
                body.clone(),
                *retry_after,
                Some(path),
            )),
            FaultKind::Delay { ms } => {
                FaultAction::RunThen(AfterRun::Delay(Duration::from_millis(*ms)))
            }
            FaultKind::MalformedBody => FaultAction::Answer(Reply::new(200).set_body_raw(
                b"{\"truncated\": [{\"id\": \"".to_vec(),
                self.json_content_type(),
            )),
            FaultKind::DropConnection => FaultAction::Answer(Reply::new(502).drop_connection()),
            FaultKind::DropAfterCommit => FaultAction::RunThen(AfterRun::Drop),
        }
    }

    /// The provider's error answer for `status` (its error shape and JSON content type): for
    /// injected faults and for the server's own refusals (body too large, timeouts, …).
    pub(crate) fn error_reply(&self, status: u16) -> Reply {
        self.status_reply(status, None, None, None)
    }

    fn status_reply(
        &self,
        status: u16,
        body: Option<Value>,
        retry_after: Option<u64>,
        path: Option<&str>,
    ) -> Reply {
        let status =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let reply = Reply::new(status);
        let reply = match body {
            Some(Value::String(text)) => {
                reply.set_body_raw(text.into_bytes(), "text/plain; charset=utf-8")
            }
            Some(value) => {
                reply.set_body_raw(value.to_string().into_bytes(), self.json_content_type())
            }
            None => reply.set_body_raw(
                self.error_body(status, path).to_string().into_bytes(),
                self.json_content_type(),
            ),
        };
        match retry_after {
            Some(seconds) => reply.insert_header("retry-after", seconds.to_string().as_str()),
            None => reply,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_json_has_kind_times_method_and_path() {
        let fault = Fault::status(429)
            .retry_after(30)
            .on("GET", "/personal/statement");
        assert_eq!(
            serde_json::to_value(&fault).unwrap(),
            json!({"kind": "status", "status": 429, "retry_after": 30, "times": 1,
                   "method": "GET", "path": "/personal/statement"})
        );
        let parsed: Fault = serde_json::from_value(json!({"kind": "drop_connection"})).unwrap();
        assert_eq!(parsed, Fault::drop_connection());
    }

    #[test]
    fn a_fault_is_used_up_after_its_count() {
        let registry = FaultRegistry::default();
        registry.inject(Fault::malformed_body().times(2).method("get"));
        assert!(registry.take("POST", "/x").is_none());
        assert!(registry.take("GET", "/x").is_some());
        assert!(registry.take("GET", "/y").is_some());
        assert!(registry.take("GET", "/z").is_none());
    }
}

//! [`Reply`]: what a route answers, built the way wiremock's `Reply` is.

use std::fmt;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use hyper::body::Bytes;
use serde::Serialize;

/// The answer of a route: status, headers, body, and optionally a delay before it is sent.
///
/// Setters follow wiremock's `Reply` (same names, same effects), but never panic:
/// a header name or value that is not valid HTTP is left out, and a body that cannot be
/// serialised becomes an empty body with status 500.
///
/// ```
/// use bankkit_sandbox::Reply;
///
/// let reply = Reply::new(201)
///     .set_body_json(serde_json::json!({"id": "inv_1"}))
///     .insert_header("x-request-id", "r-1");
/// assert_eq!(reply.status(), 201);
/// assert_eq!(reply.headers()["content-type"], "application/json");
/// assert_eq!(reply.body(), br#"{"id":"inv_1"}"#);
/// ```
#[derive(Clone)]
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    delay: Option<Duration>,
    dropped: bool,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status.as_u16())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .field("delay", &self.delay)
            .field("dropped", &self.dropped)
            .finish()
    }
}

impl Reply {
    /// An empty answer with `status` (an invalid status answers 500).
    pub fn new<S: TryInto<StatusCode>>(status: S) -> Self {
        Reply {
            status: status
                .try_into()
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: None,
            dropped: false,
        }
    }

    /// Sets the body and its `Content-Type`.
    pub fn set_body_raw(mut self, body: impl Into<Bytes>, mime: &str) -> Self {
        self.body = body.into();
        self.insert_header(CONTENT_TYPE, mime)
    }

    /// Sets the body, leaving `Content-Type` as it is.
    pub fn set_body_bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the body to `body` as JSON and `Content-Type` to `application/json`.
    pub fn set_body_json<T: Serialize>(self, body: T) -> Self {
        match serde_json::to_vec(&body) {
            Ok(bytes) => self.set_body_raw(bytes, "application/json"),
            Err(_) => Reply::new(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// Sets the body to `body` and `Content-Type` to `text/plain`.
    pub fn set_body_string(self, body: impl Into<String>) -> Self {
        self.set_body_raw(body.into().into_bytes(), "text/plain")
    }

    /// Sets a header, replacing any value it had.
    pub fn insert_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        if let (Ok(name), Ok(value)) = (name.try_into(), value.try_into()) {
            self.headers.insert(name, value);
        }
        self
    }

    /// Adds a header value, keeping those already set.
    pub fn append_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        if let (Ok(name), Ok(value)) = (name.try_into(), value.try_into()) {
            self.headers.append(name, value);
        }
        self
    }

    /// Holds the answer back for `delay` of real time (the route's state change is already
    /// made; nothing else waits for it).
    pub fn set_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The delay set with [`set_delay`](Self::set_delay).
    pub fn delay(&self) -> Option<Duration> {
        self.delay
    }

    /// Closes the connection instead of sending this answer (an injected fault).
    pub(crate) fn drop_connection(mut self) -> Self {
        self.dropped = true;
        self
    }

    /// Whether the connection is closed instead of answering.
    pub(crate) fn is_dropped(&self) -> bool {
        self.dropped
    }

    pub(crate) fn into_response(self) -> http::Response<http_body_util::Full<Bytes>> {
        let mut response = http::Response::new(http_body_util::Full::new(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_headers_and_statuses_never_panic() {
        let reply = Reply::new(1000u16)
            .insert_header("bad header", "x")
            .append_header("x-ok", "line\nbreak");
        assert_eq!(reply.status(), 500);
        assert!(reply.headers().is_empty());
    }

    #[test]
    fn append_keeps_and_insert_replaces() {
        let reply = Reply::new(200)
            .append_header("x-a", "1")
            .append_header("x-a", "2")
            .insert_header("x-b", "1")
            .insert_header("x-b", "2");
        assert_eq!(reply.headers().get_all("x-a").iter().count(), 2);
        assert_eq!(reply.headers()["x-b"], "2");
    }
}

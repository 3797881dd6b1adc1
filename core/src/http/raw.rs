//! The escape hatch for endpoints a typed client does not wrap: [`RawRequest`] in,
//! [`RawResponse`] out, through the same auth, token refresh, retries, rate limits and error
//! mapping as the typed calls (each provider client's `raw` method).

use std::fmt;

use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{ApiRequest, ApiResponse, RequestSafety};
use crate::{Error, Result};

/// One call described by hand: method, path under the client's base URL, query and an
/// optional JSON body.
///
/// The path is relative to the base URL (`"personal/client-info"`); an absolute URL, a
/// network path (`//host`) or a `..` segment is refused, so a client's credentials never
/// leave for another host. GET and HEAD are retried like reads; other methods are sent once
/// unless [`RawRequest::retry_safe`] says a repeat does no harm.
///
/// ```
/// use bankkit_core::http::RawRequest;
///
/// let request = RawRequest::get("personal/statement/0/1700000000")
///     .query("limit", "10");
/// assert_eq!(request.path(), "personal/statement/0/1700000000");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct RawRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    retry_safe: bool,
}

impl fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies and queries can carry personal data: only their shape is shown.
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_params", &self.query.len())
            .field("body", &self.body.as_ref().map(|_| "json"))
            .field("retry_safe", &self.retry_safe)
            .finish()
    }
}

impl RawRequest {
    /// A request with `method` to `path`.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            retry_safe: false,
        }
    }

    /// A GET.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// A POST.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Lets a write be retried like a read (the endpoint is idempotent). Never set it for a
    /// call that moves money without an idempotency key the provider honours.
    pub fn retry_safe(mut self) -> Self {
        self.retry_safe = true;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The request for a client's [`HttpClient`](super::HttpClient), before the client adds
    /// its credentials.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a path that is not relative to the base URL.
    pub fn into_api_request(self) -> Result<ApiRequest> {
        let path = self.path.trim_start_matches('/');
        let escapes = url::Url::parse(&self.path).is_ok()
            || self.path.starts_with("//")
            || self.path.contains('\\')
            || path
                .split(['/', '?', '#'])
                .any(|segment| segment == ".." || segment.eq_ignore_ascii_case("%2e%2e"))
            || self.path.contains('?')
            || self.path.contains('#');
        if escapes || path.is_empty() {
            return Err(Error::invalid(
                "a raw request's path must be a relative path under the base URL, without \
                 scheme, host, `..`, query or fragment (give query parameters with `query`)",
            ));
        }
        let read = self.method == Method::GET || self.method == Method::HEAD;
        let safety = match (read, self.retry_safe) {
            (true, _) => RequestSafety::Read,
            (false, true) => RequestSafety::IdempotentWrite,
            (false, false) => RequestSafety::UnsafeWrite,
        };
        let mut request = ApiRequest::new(self.method, path.to_owned())
            .operation("raw")
            .safety(safety);
        for (name, value) in self.query {
            request = request.query(name, value);
        }
        if let Some(body) = &self.body {
            request = request.json(body)?;
        }
        Ok(request)
    }
}

/// A provider's 2xx answer to a [`RawRequest`]: status, headers and body. Error answers
/// become [`Error`]s as for the typed calls.
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body's bytes.
    pub body: Vec<u8>,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish_non_exhaustive()
    }
}

impl From<ApiResponse> for RawResponse {
    fn from(response: ApiResponse) -> Self {
        Self {
            status: response.status.as_u16(),
            headers: response.headers,
            body: response.body,
        }
    }
}

impl RawResponse {
    /// The body as JSON; `Value::Null` for an empty body.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not JSON.
    pub fn json(&self) -> Result<Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        self.json_as()
    }

    /// The body read as `T`.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body does not read as `T`.
    pub fn json_as<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::decode("raw response", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_would_leave_the_base_url_are_refused() {
        for path in [
            "https://evil.example/steal",
            "//evil.example/steal",
            "personal/../../admin",
            "a/%2E%2E/b",
            "a\\b",
            "personal/client-info?x=1",
            "",
            "/",
        ] {
            assert!(
                matches!(
                    RawRequest::get(path).into_api_request(),
                    Err(Error::InvalidRequest { .. })
                ),
                "{path}"
            );
        }
        assert!(RawRequest::get("/personal/client-info")
            .into_api_request()
            .is_ok());
    }

    #[test]
    fn an_empty_body_is_null_and_a_non_json_body_a_decode_error() {
        let response = |body: &[u8]| RawResponse {
            status: 200,
            headers: HeaderMap::new(),
            body: body.to_vec(),
        };
        assert_eq!(response(b"").json().unwrap(), Value::Null);
        assert_eq!(
            response(br#"{"a":1}"#).json().unwrap(),
            serde_json::json!({"a": 1})
        );
        assert!(matches!(
            response(b"<html>").json(),
            Err(Error::Decode { .. })
        ));
    }
}

//! [`RequestSigner`]: headers computed afresh for every attempt of a request.

use std::fmt;

use chrono::{DateTime, Utc};
use http::{HeaderMap, Method};

use crate::Result;

/// What a [`RequestSigner`] signs: the request's method, its path and the client clock's
/// time at the attempt.
///
/// `path` is the path given to [`ApiRequest`](super::ApiRequest), with one leading `/`
/// (`/personal/client-info`): the API's documented path, without the path prefix a base URL
/// may carry (a sandbox behind `http://host/monobank` still signs `/personal/client-info`)
/// and without the query string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningInput<'a> {
    /// The HTTP method.
    pub method: &'a Method,
    /// The documented API path, starting with `/`, without query.
    pub path: &'a str,
    /// The client clock's time when the attempt is about to be sent (after every rate
    /// limiter let it through).
    pub now: DateTime<Utc>,
}

impl<'a> SigningInput<'a> {
    /// An input, for tests of signers (the [`HttpClient`](super::HttpClient) builds its own).
    pub fn new(method: &'a Method, path: &'a str, now: DateTime<Utc>) -> Self {
        Self { method, path, now }
    }
}

/// Computes headers for each attempt of a request: signatures over the time of sending,
/// such as Monobank's provider API `X-Time` + `X-Sign`.
///
/// [`HttpClient`](super::HttpClient) calls [`RequestSigner::headers`] on every attempt,
/// after the clock was made ready and every rate limiter of the request let it through, so
/// a retried or paced request carries a signature over the time it is really sent. The
/// headers replace any of the same name set on the request. Mark secret values sensitive
/// ([`HeaderValue::set_sensitive`](http::HeaderValue::set_sensitive)); `Debug` of a signer
/// must not show key material.
///
/// ```
/// use std::sync::Arc;
/// use bankkit_core::http::{ApiRequest, RequestSigner, SigningInput};
/// use http::{HeaderMap, HeaderValue};
///
/// #[derive(Debug)]
/// struct Timestamp;
///
/// impl RequestSigner for Timestamp {
///     fn headers(&self, request: &SigningInput<'_>) -> bankkit_core::Result<HeaderMap> {
///         let mut headers = HeaderMap::new();
///         let seconds = request.now.timestamp().to_string();
///         headers.insert("x-time", HeaderValue::from_str(&seconds).map_err(|e| {
///             bankkit_core::Error::invalid(e.to_string())
///         })?);
///         Ok(headers)
///     }
/// }
///
/// let request = ApiRequest::get("personal/client-info").signed_by(Arc::new(Timestamp));
/// # let _ = request;
/// ```
pub trait RequestSigner: Send + Sync + fmt::Debug {
    /// The headers to add to one attempt of `request`.
    ///
    /// # Errors
    /// Whatever stops the request from being signed; the attempt is not sent and the
    /// error is returned to the caller (not retried unless it is retryable).
    fn headers(&self, request: &SigningInput<'_>) -> Result<HeaderMap>;
}

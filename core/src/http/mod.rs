//! HTTP plumbing shared by every provider client.
//!
//! One [`HttpClient`] per provider client: a rustls `reqwest` client, a base URL that can be
//! overridden (that is how tests and users point a client at the sandbox), per-request
//! timeouts, retries with exponential backoff and jitter (`backon`) for requests that are
//! safe to repeat, `Retry-After` honoured, and client-side [`RateLimiter`]s for documented
//! limits. Backoff, `Retry-After` and rate-limit waits go through the client's [`Clock`]
//! (made [ready](Clock::ready) before every attempt); the per-attempt and connect timeouts
//! are `reqwest`'s real-time timers. [`Pacing`] says whether a client keeps a provider's
//! documented limits itself, and on which clock.
//!
//! A provider describes a call as an [`ApiRequest`] and says how its error bodies read with
//! an [`ErrorMapper`]; it gets back an [`ApiResponse`] with a 2xx status, or a core
//! [`Error`]. A request whose headers depend on the time it is sent (a signature over
//! `X-Time`) carries a [`RequestSigner`], called again for every attempt.

mod pacing;
mod rate_limit;
mod raw;
mod retry;
mod signing;
#[cfg(test)]
mod wire_tests;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;
use url::Url;

pub use pacing::Pacing;
pub use rate_limit::RateLimiter;
pub use raw::{RawRequest, RawResponse};
pub use retry::{decide, Decision, RequestSafety, RetryPolicy};
pub use signing::{RequestSigner, SigningInput};

use crate::clock::{system_clock, Clock};
use crate::{Error, Result};

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `text` for use as one path segment (`pots/{id}/deposit`), so an id from
/// outside can never add a segment, a query or a fragment.
///
/// An empty id, `.` and `..` have no faithful encoding: URL resolution removes `.` and
/// `..` segments (also written `%2E`), and an empty one changes the endpoint
/// (`transactions/`). [`try_path_segment`] refuses them; this function, which cannot fail,
/// sends them as `%00`, `%2E%00` and `%2E%2E%00`: a segment that stays in place and names
/// nothing, so the provider answers "not found" (or "bad request") instead of serving
/// another endpoint. Prefer [`try_path_segment`] for ids from outside.
///
/// ```
/// use bankkit_core::http::path_segment;
/// assert_eq!(path_segment("a/b+c="), "a%2Fb%2Bc%3D");
/// assert_eq!(path_segment("pot_0001"), "pot_0001");
/// assert_eq!(path_segment(".."), "%2E%2E%00");
/// ```
pub fn path_segment(text: &str) -> String {
    try_path_segment(text).unwrap_or_else(|_| {
        let mut harmless = "%2E".repeat(text.len());
        harmless.push_str("%00");
        harmless
    })
}

/// Percent-encodes `text` for use as one path segment, as [`path_segment`] does, and
/// refuses an id that cannot be one.
///
/// ```
/// use bankkit_core::http::try_path_segment;
/// assert_eq!(try_path_segment("pot_0001")?, "pot_0001");
/// assert!(try_path_segment("..").is_err());
/// # Ok::<(), bankkit_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidRequest`] for an empty id, `.` or `..`: URL resolution would drop the
/// segment (`pots/../deposit` is `deposit`) or change the endpoint.
pub fn try_path_segment(text: &str) -> Result<String> {
    match text {
        "" => Err(Error::invalid("an id used in a URL path must not be empty")),
        "." | ".." => Err(Error::invalid(format!(
            "an id used in a URL path must not be {text:?}"
        ))),
        _ => Ok(percent_encoding::utf8_percent_encode(text, PATH_SEGMENT).to_string()),
    }
}

/// The text to show for a provider's error answer: the first of `candidates` (fields of
/// the error body, in order of preference) that is present and not blank, else the
/// status's canonical reason (`"Not Found"`), else `"error"`.
///
/// ```
/// use bankkit_core::http::{error_text, ApiResponse};
/// use http::{HeaderMap, StatusCode};
///
/// let response = ApiResponse::new(StatusCode::NOT_FOUND, HeaderMap::new(), "{}");
/// assert_eq!(error_text(&response, &[None, Some(" "), Some("no such pot")]), "no such pot");
/// assert_eq!(error_text(&response, &[None, Some("")]), "Not Found");
/// ```
pub fn error_text(response: &ApiResponse, candidates: &[Option<&str>]) -> String {
    candidates
        .iter()
        .flatten()
        .find(|text| !text.trim().is_empty())
        .map_or_else(
            || {
                response
                    .status
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_owned()
            },
            |text| (*text).to_owned(),
        )
}

/// Timeouts, retries and identification for one client.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Time allowed for one attempt, from sending to the last byte of the answer.
    pub timeout: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Which requests are retried.
    pub retry: RetryPolicy,
    /// First backoff delay.
    pub backoff_min: Duration,
    /// Longest backoff delay.
    pub backoff_max: Duration,
    /// A provider's `Retry-After` longer than this is not waited out inside one call.
    pub max_retry_after: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
            user_agent: concat!("bankkit/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl HttpOptions {
    /// Sets the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the backoff range.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min;
        self.backoff_max = max;
        self
    }
}

/// A request body.
///
/// Whatever the body, a request without content is sent with `Content-Length: 0` when its
/// method expects content (POST, PUT, PATCH) or its body is [`RequestBody::Empty`]: `hyper`
/// writes no length for an empty body, and gateways such as Azure API Management answer
/// `411 Length Required` to a POST with neither `Content-Length` nor a chunked body.
#[derive(Clone)]
#[non_exhaustive]
pub enum RequestBody {
    /// JSON bytes, sent with `Content-Type: application/json`.
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded` text.
    Form(String),
    /// No content, declared with `Content-Length: 0` whatever the method (a DELETE to a
    /// gateway that wants every write to carry a length).
    Empty,
}

impl RequestBody {
    fn is_empty(&self) -> bool {
        match self {
            Self::Json(bytes) => bytes.is_empty(),
            Self::Form(text) => text.is_empty(),
            Self::Empty => true,
        }
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies can carry credentials (OAuth forms): only their size is shown.
        match self {
            Self::Json(bytes) => write!(f, "Json({} bytes)", bytes.len()),
            Self::Form(text) => write!(f, "Form({} bytes)", text.len()),
            Self::Empty => f.write_str("Empty"),
        }
    }
}

/// Whether requests of `method` carry content, so that one without a body still declares
/// `Content-Length: 0` (RFC 9110 §8.6: a user agent should send it for such methods).
fn expects_content(method: &Method) -> bool {
    *method == Method::POST || *method == Method::PUT || *method == Method::PATCH
}

/// One API call, described as data.
#[derive(Clone)]
pub struct ApiRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<RequestBody>,
    safety: RequestSafety,
    operation: Cow<'static, str>,
    idempotency_key: Option<String>,
    limiters: Vec<Arc<RateLimiter>>,
    signer: Option<Arc<dyn RequestSigner>>,
}

impl ApiRequest {
    /// A request; `path` is joined to the client's base URL. GET and HEAD are reads,
    /// everything else an unsafe write until [`ApiRequest::safety`] says otherwise.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let safety = if method == Method::GET || method == Method::HEAD {
            RequestSafety::Read
        } else {
            RequestSafety::UnsafeWrite
        };
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            safety,
            operation: Cow::Borrowed("request"),
            idempotency_key: None,
            limiters: Vec::new(),
            signer: None,
        }
    }

    /// A GET request.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// A POST request.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// Names the operation in traces and errors (`"statement"`, `"oauth.refresh"`): a
    /// plain name of letters, digits, `_`, `.` and `-`, so that errors can name it
    /// ([`Error::operation`]).
    pub fn operation(mut self, operation: impl Into<Cow<'static, str>>) -> Self {
        self.operation = operation.into();
        self
    }

    /// The operation's name (`"request"` unless [`ApiRequest::operation`] named it).
    pub fn operation_name(&self) -> &str {
        &self.operation
    }

    /// Adds (replaces) a header. Mark secret values sensitive
    /// ([`crate::secret::sensitive_header`]).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if `body` cannot be serialised.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| Error::invalid(format!("request body: {e}")))?;
        self.body = Some(RequestBody::Json(bytes));
        Ok(self)
    }

    /// Sets a form body from pairs (repeated keys and bracket keys kept as given).
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        let mut encoder = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            encoder.append_pair(k.as_ref(), v.as_ref());
        }
        self.body = Some(RequestBody::Form(encoder.finish()));
        self
    }

    /// Sends no content but declares it with `Content-Length: 0`, whatever the method.
    ///
    /// POST, PUT and PATCH without a body already do; this is for other methods (a DELETE)
    /// sent to a gateway that refuses a write without a length.
    pub fn empty_body(mut self) -> Self {
        self.body = Some(RequestBody::Empty);
        self
    }

    /// Declares how safe the request is to repeat.
    pub fn safety(mut self, safety: RequestSafety) -> Self {
        self.safety = safety;
        self
    }

    /// Records the caller's idempotency key in traces (it is sent however the provider
    /// expects, by the provider's client).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Counts this request against a client-side limit before every attempt.
    pub fn rate_limited(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiters.push(limiter);
        self
    }

    /// Signs every attempt with `signer`: its headers are computed again for each attempt,
    /// after the rate limiters, over the clock's time then (see [`RequestSigner`]).
    pub fn signed_by(mut self, signer: Arc<dyn RequestSigner>) -> Self {
        self.signer = Some(signer);
        self
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers are left out: they carry credentials.
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("operation", &self.operation)
            .field("safety", &self.safety)
            .field("signed", &self.signer.is_some())
            .finish_non_exhaustive()
    }
}

/// A provider's answer.
///
/// `Debug` shows the status, the header names and the body's length only: token endpoint
/// answers carry tokens, and headers can carry session ids.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiResponse {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The provider and operation the answer is to, for errors reading it.
    context: Option<(&'static str, Cow<'static, str>)>,
}

impl ApiResponse {
    /// A response, for tests of error mappers.
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
            context: None,
        }
    }

    /// Reads the body as JSON.
    ///
    /// # Errors
    /// [`Error::Decode`] naming `what` when the body is not the expected JSON, in the
    /// context of the provider and operation when the answer came from
    /// [`HttpClient::send`].
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| self.in_context(Error::decode(what, e)))
    }

    /// Puts `error` in the context of the call this answer is to (see
    /// [`Error::in_context`]); unchanged for an answer made by hand.
    pub fn in_context(&self, error: Error) -> Error {
        match &self.context {
            Some((provider, operation)) => error.in_context(provider, operation),
            None => error,
        }
    }

    /// The body as text, lossily.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `Retry-After` header, in either form, measured from the system clock's now: see
    /// [`ApiResponse::retry_after_at`], which [`HttpClient`] calls with its own clock.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_at(chrono::Utc::now())
    }

    /// The `Retry-After` header: a number of seconds (`120`), or an HTTP date
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`) measured from `now` (a date already past is zero).
    /// `None` when absent or neither form.
    pub fn retry_after_at(&self, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
        let text = self
            .headers
            .get(http::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim();
        if let Ok(seconds) = text.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        let at = chrono::DateTime::parse_from_rfc2822(text).ok()?;
        Some(
            at.signed_duration_since(now)
                .to_std()
                .unwrap_or(Duration::ZERO),
        )
    }
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("header_names", &header_names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Turns a provider's non-2xx answer into a core [`Error`].
///
/// Implemented for plain functions `fn(&ApiResponse) -> Error`. A `RateLimited` without a
/// delay gets the response's `Retry-After`, if any, filled in by the client.
pub trait ErrorMapper: Send + Sync {
    /// The error for this answer.
    fn map_error(&self, response: &ApiResponse) -> Error;
}

impl<F> ErrorMapper for F
where
    F: Fn(&ApiResponse) -> Error + Send + Sync,
{
    fn map_error(&self, response: &ApiResponse) -> Error {
        self(response)
    }
}

/// The HTTP client of one provider client.
#[derive(Clone)]
pub struct HttpClient {
    provider: &'static str,
    base_url: Url,
    http: reqwest::Client,
    options: HttpOptions,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url.as_str())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client for `provider` at `base_url`.
    ///
    /// # Errors
    /// [`Error::Config`] for a base URL that is not an absolute http(s) URL, or when the
    /// TLS stack cannot start.
    pub fn new(
        provider: &'static str,
        base_url: &str,
        options: HttpOptions,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Self> {
        let mut base = crate::validate::http_url(base_url, "base_url")?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .user_agent(options.user_agent.clone())
            .build()
            .map_err(|e| Error::config("http", e))?;
        Ok(Self {
            provider,
            base_url: base,
            http,
            options,
            clock: clock.unwrap_or_else(system_clock),
        })
    }

    /// The base URL every path is joined to.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The clock this client waits on.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The options.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Sends `request`, retrying as the policy allows, and returns a 2xx answer.
    ///
    /// Every error is put in the context of this client's provider and the request's
    /// operation ([`Error::in_context`]): `monzo accounts: not found: no such account`. A
    /// transport error names the host and port and how the connection failed
    /// (`could not connect to api.monzo.com:443 (connection refused)`), never the URL's
    /// path or query. The answer returned remembers the context, so that
    /// [`ApiResponse::json`] names the call too.
    ///
    /// # Errors
    /// `Timeout` and `Transport` for network failures, whatever `errors` makes of a
    /// non-2xx answer, `InvalidRequest` for a path that does not form a URL, and whatever
    /// the clock's [`Clock::ready`] returns (a [`SandboxClock`](crate::clock::SandboxClock)
    /// that cannot read the sandbox clock).
    pub async fn send(&self, request: ApiRequest, errors: &dyn ErrorMapper) -> Result<ApiResponse> {
        let operation = request.operation.clone();
        match self.send_in_context(request, errors).await {
            Ok(mut answer) => {
                answer.context = Some((self.provider, operation));
                Ok(answer)
            }
            Err(error) => Err(error.in_context(self.provider, &operation)),
        }
    }

    async fn send_in_context(
        &self,
        request: ApiRequest,
        errors: &dyn ErrorMapper,
    ) -> Result<ApiResponse> {
        let url = self.url(&request.path)?;
        let attempts = self.options.retry.attempts_for(request.safety);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.options.backoff_min)
            .with_max_delay(self.options.backoff_max)
            .with_jitter()
            .with_max_times(attempts.saturating_sub(1) as usize);
        let span = tracing::info_span!(
            "bankkit.request",
            provider = self.provider,
            operation = %request.operation,
            method = %request.method,
            path = %request.path,
            idempotency_key = request.idempotency_key.as_deref().unwrap_or(""),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .send_with_retries(&url, &request, errors, backoff.build())
            .instrument(span.clone())
            .await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        result
    }

    /// Attempts until success, a final error, or the schedule runs out. The delays come
    /// from the `backon` schedule (exponential, jittered) unless the provider sent
    /// `Retry-After`; [`decide`] says whether to go on.
    async fn send_with_retries(
        &self,
        url: &Url,
        request: &ApiRequest,
        errors: &dyn ErrorMapper,
        mut schedule: impl Iterator<Item = Duration> + Send,
    ) -> Result<ApiResponse> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempt", attempt);
            let error = match self.attempt(url, request, errors).await {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let Some(backoff) = schedule.next() else {
                return Err(error);
            };
            match decide(
                self.options.retry,
                request.safety,
                attempt,
                &error,
                backoff,
                self.options.max_retry_after,
            ) {
                Decision::Stop => return Err(error),
                Decision::RetryAfter(wait) => {
                    tracing::debug!(attempt, ?wait, error = %error, "retrying");
                    self.clock.sleep(wait).await;
                }
            }
        }
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base_url
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::invalid(format!("path {path:?}: {e}")))
    }

    async fn attempt(
        &self,
        url: &Url,
        request: &ApiRequest,
        errors: &dyn ErrorMapper,
    ) -> Result<ApiResponse> {
        // A clock that follows the sandbox reads it before the limiters read the time.
        self.clock.ready().await?;
        for limiter in &request.limiters {
            limiter.acquire().await;
        }
        // Signed now, after the waits: a signature over the time of sending stays fresh
        // on a retry or behind a rate limiter.
        let mut headers = request.headers.clone();
        if let Some(signer) = &request.signer {
            let path = format!("/{}", request.path.trim_start_matches('/'));
            let input = SigningInput::new(&request.method, &path, self.clock.now());
            let mut last: Option<HeaderName> = None;
            for (name, value) in signer.headers(&input)? {
                match name {
                    Some(name) => {
                        headers.insert(name.clone(), value);
                        last = Some(name);
                    }
                    // A further value of the name before it.
                    None => {
                        if let Some(name) = &last {
                            headers.append(name.clone(), value);
                        }
                    }
                }
            }
        }
        let mut builder = self
            .http
            .request(request.method.clone(), url.clone())
            .timeout(self.options.timeout)
            .headers(headers);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        builder = match &request.body {
            Some(RequestBody::Json(bytes)) => builder
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Some(RequestBody::Form(text)) => builder
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(text.clone()),
            Some(RequestBody::Empty) | None => builder,
        };
        // hyper writes a length only for a body with content: without this header a
        // body-less POST goes out with neither `Content-Length` nor `Transfer-Encoding`.
        let declares_no_content = match &request.body {
            Some(body) => body.is_empty(),
            None => expects_content(&request.method),
        };
        if declares_no_content && !request.headers.contains_key(http::header::CONTENT_LENGTH) {
            builder = builder.header(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        let response = builder
            .send()
            .await
            .map_err(|e| self.network_error(url, e))?;
        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.network_error(url, e))?
            .to_vec();
        let answer = ApiResponse {
            status,
            headers,
            body,
            context: None,
        };
        if status.is_success() {
            return Ok(answer);
        }
        let error = match errors.map_error(&answer) {
            Error::RateLimited {
                retry_after: None,
                context,
            } => Error::RateLimited {
                retry_after: answer.retry_after_at(self.clock.now()),
                context,
            },
            other => other,
        };
        tracing::debug!(status = status.as_u16(), error = %error, "provider answered with an error");
        Err(error)
    }

    /// The error for a failed exchange with `url`: its host and port are named, never its
    /// path, query or user information.
    fn network_error(&self, url: &Url, error: reqwest::Error) -> Error {
        if error.is_decode() {
            return Error::decode("response body", error.without_url());
        }
        let host = match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => self.provider.to_owned(),
        };
        if error.is_timeout() {
            return Error::timeout_waiting_for(self.options.timeout, &host);
        }
        let kind = crate::error::TransportKind::of(&error);
        let message = if error.is_connect() {
            format!("could not connect to {host} ({kind})")
        } else {
            format!("lost the connection to {host} ({kind})")
        };
        Error::Transport {
            message,
            source: Some(Box::new(error.without_url())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::error::TransportKind;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn provider_error(r: &ApiResponse) -> Error {
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            return Error::rate_limited(None);
        }
        Error::Provider {
            status: r.status.as_u16(),
            code: None,
            message: r.text(),
        }
    }

    fn client(server: &MockServer, clock: &ManualClock, retry: RetryPolicy) -> HttpClient {
        let options = HttpOptions::default()
            .retry(retry)
            .timeout(Duration::from_millis(500));
        HttpClient::new("test", &server.uri(), options, Some(clock.shared())).unwrap()
    }

    fn clock() -> ManualClock {
        ManualClock::frozen_at("2026-01-01T00:00:00Z".parse().unwrap())
    }

    #[tokio::test]
    async fn server_errors_on_reads_are_retried() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&server)
            .await;
        let c = client(&server, &clock(), RetryPolicy::Reads { attempts: 3 });
        let r = c
            .send(ApiRequest::get("/x"), &provider_error)
            .await
            .unwrap();
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn unsafe_writes_are_sent_once() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        let c = client(
            &server,
            &clock(),
            RetryPolicy::IdempotentWrites { attempts: 5 },
        );
        let err = c
            .send(ApiRequest::post("/pay"), &provider_error)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Provider { status: 503, .. }));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn retry_after_is_honoured_on_the_clock() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let clock = clock();
        let start = clock.now();
        let c = client(&server, &clock, RetryPolicy::Reads { attempts: 2 });
        c.send(ApiRequest::get("/x"), &provider_error)
            .await
            .unwrap();
        assert_eq!((clock.now() - start).num_seconds(), 30);
    }

    #[tokio::test]
    async fn rate_limit_without_retries_reports_the_delay() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
            .mount(&server)
            .await;
        let c = client(&server, &clock(), RetryPolicy::Never);
        let err = c
            .send(ApiRequest::get("/x"), &provider_error)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(7)
        ));
    }

    #[tokio::test]
    async fn slow_answers_become_timeouts() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let c = client(&server, &clock(), RetryPolicy::Never);
        let err = c
            .send(ApiRequest::get("/x"), &provider_error)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn base_url_with_a_path_prefix_is_kept() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/prefix/x"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let options = HttpOptions::default();
        let c = HttpClient::new("t", &format!("{}/prefix", server.uri()), options, None).unwrap();
        c.send(ApiRequest::get("/x"), &provider_error)
            .await
            .unwrap();
    }

    #[test]
    fn dot_and_empty_ids_cannot_remove_or_change_a_path_segment() {
        let base = Url::parse("https://api.example/v1/").unwrap();
        for id in ["", ".", ".."] {
            assert!(
                matches!(try_path_segment(id), Err(Error::InvalidRequest { .. })),
                "{id:?}"
            );
            let joined = base
                .join(&format!("pots/{}/deposit", path_segment(id)))
                .unwrap();
            let segments: Vec<&str> = joined.path_segments().unwrap().collect();
            assert_eq!(segments.len(), 4, "{id:?} -> {joined}");
            assert_eq!(segments[..2], ["v1", "pots"], "{id:?} -> {joined}");
            assert_eq!(segments[3], "deposit", "{id:?} -> {joined}");
            assert!(segments[2].ends_with("%00"), "{id:?} -> {joined}");
        }
        // Ids that only look like dot segments once decoded are encoded, not decoded.
        for id in ["%2e%2e", ".%2E", "...", "a.b"] {
            let segment = try_path_segment(id).unwrap();
            let joined = base.join(&format!("pots/{segment}/deposit")).unwrap();
            assert_eq!(
                joined.path(),
                format!("/v1/pots/{segment}/deposit"),
                "{id:?}"
            );
        }
        assert_eq!(try_path_segment("pot_1").unwrap(), "pot_1");
    }

    #[test]
    fn error_text_takes_the_first_non_blank_candidate_else_the_reason() {
        let response = ApiResponse::new(StatusCode::BAD_REQUEST, HeaderMap::new(), "");
        assert_eq!(
            error_text(&response, &[Some(""), None, Some("bad amount"), Some("x")]),
            "bad amount"
        );
        assert_eq!(error_text(&response, &[None, Some("  ")]), "Bad Request");
        assert_eq!(error_text(&response, &[]), "Bad Request");
        let odd = ApiResponse::new(StatusCode::from_u16(599).unwrap(), HeaderMap::new(), "");
        assert_eq!(error_text(&odd, &[None]), "error");
    }

    #[test]
    fn response_debug_shows_header_names_and_body_length_only() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "set-cookie",
            HeaderValue::from_static("session=s3cr3t-cookie"),
        );
        let body = r#"{"access_token":"tok_SECRET_1","refresh_token":"rt_SECRET_2"}"#;
        let response = ApiResponse::new(StatusCode::OK, headers, body);
        let shown = format!("{response:?}");
        for secret in ["s3cr3t-cookie", "tok_SECRET_1", "rt_SECRET_2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("set-cookie"), "{shown}");
        assert!(shown.contains(&body.len().to_string()), "{shown}");
        assert!(shown.contains("200"), "{shown}");
    }

    fn with_retry_after(value: &str) -> ApiResponse {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_str(value).unwrap(),
        );
        ApiResponse::new(StatusCode::TOO_MANY_REQUESTS, headers, "")
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            with_retry_after("12").retry_after_at(now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            with_retry_after("Thu, 01 Jan 2026 00:01:30 GMT").retry_after_at(now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            with_retry_after("Wed, 31 Dec 2025 23:00:00 GMT").retry_after_at(now),
            Some(Duration::ZERO)
        );
        assert_eq!(with_retry_after("soon").retry_after_at(now), None);
        assert_eq!(
            ApiResponse::new(StatusCode::OK, HeaderMap::new(), "").retry_after_at(now),
            None
        );
    }

    #[tokio::test]
    async fn an_http_date_retry_after_is_measured_on_the_clients_clock() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "Thu, 01 Jan 2026 00:00:45 GMT"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let clock = clock();
        let start = clock.now();
        let c = client(&server, &clock, RetryPolicy::Reads { attempts: 2 });
        c.send(ApiRequest::get("/x"), &provider_error)
            .await
            .unwrap();
        assert_eq!((clock.now() - start).num_seconds(), 45);

        let server_again = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "Thu, 01 Jan 2026 00:01:45 GMT"),
            )
            .mount(&server_again)
            .await;
        let err = client(&server_again, &clock, RetryPolicy::Never)
            .send(ApiRequest::get("/x"), &provider_error)
            .await
            .unwrap_err();
        // The clock stands at 00:00:45 now.
        assert!(
            matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(60)),
            "{err:?}"
        );
    }

    /// Signs with the clock's seconds (`x-time`) and a count of the calls (`x-call`).
    #[derive(Debug, Default)]
    struct TimeSigner {
        calls: std::sync::atomic::AtomicU32,
        paths: std::sync::Mutex<Vec<String>>,
    }

    impl RequestSigner for TimeSigner {
        fn headers(&self, request: &SigningInput<'_>) -> Result<HeaderMap> {
            let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            self.paths.lock().unwrap().push(request.path.to_owned());
            let mut headers = HeaderMap::new();
            headers.insert(
                "x-time",
                HeaderValue::from_str(&request.now.timestamp().to_string()).unwrap(),
            );
            headers.insert("x-call", HeaderValue::from(call));
            headers.insert("x-fixed", HeaderValue::from_static("from-signer"));
            Ok(headers)
        }
    }

    fn header_of(request: &wiremock::Request, name: &str) -> String {
        request.headers[name].to_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn a_retried_request_is_signed_again_at_the_clocks_new_time() {
        // Arrange: a 429 asking for 30 s, then success; the clock moves only when waited on.
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let clock = clock();
        let start = clock.now().timestamp();
        let signer = Arc::new(TimeSigner::default());
        let c = client(&server, &clock, RetryPolicy::Reads { attempts: 2 });

        // Act
        let request = ApiRequest::get("x")
            .header(
                HeaderName::from_static("x-fixed"),
                HeaderValue::from_static("from-request"),
            )
            .signed_by(signer.clone());
        c.send(request, &provider_error).await.unwrap();

        // Assert: one signature per attempt, each over the time it was sent.
        let seen = server.received_requests().await.unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(header_of(&seen[0], "x-time"), start.to_string());
        assert_eq!(header_of(&seen[1], "x-time"), (start + 30).to_string());
        assert_eq!(header_of(&seen[0], "x-call"), "1");
        assert_eq!(header_of(&seen[1], "x-call"), "2");
        // The signer's headers replace the request's own of the same name.
        assert_eq!(header_of(&seen[1], "x-fixed"), "from-signer");
        assert_eq!(seen[1].headers.get_all("x-fixed").iter().count(), 1);
        assert_eq!(*signer.paths.lock().unwrap(), ["/x", "/x"]);
    }

    #[tokio::test]
    async fn a_signature_is_made_after_the_rate_limiter_waited() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let clock = clock();
        let start = clock.now().timestamp();
        let limiter = Arc::new(RateLimiter::new(
            "test",
            1,
            Duration::from_secs(60),
            clock.shared(),
        ));
        let signer = Arc::new(TimeSigner::default());
        let c = client(&server, &clock, RetryPolicy::Never);
        for _ in 0..2 {
            let request = ApiRequest::get("/x")
                .rate_limited(limiter.clone())
                .signed_by(signer.clone());
            c.send(request, &provider_error).await.unwrap();
        }
        let seen = server.received_requests().await.unwrap();
        assert_eq!(header_of(&seen[0], "x-time"), start.to_string());
        assert_eq!(header_of(&seen[1], "x-time"), (start + 60).to_string());
    }

    #[tokio::test]
    async fn the_signed_path_is_the_api_path_without_the_base_urls_prefix_or_query() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/prefix/personal/client-info"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let signer = Arc::new(TimeSigner::default());
        let c = HttpClient::new(
            "t",
            &format!("{}/prefix", server.uri()),
            HttpOptions::default(),
            None,
        )
        .unwrap();
        let request = ApiRequest::get("personal/client-info")
            .query("a", "b")
            .signed_by(signer.clone());
        c.send(request, &provider_error).await.unwrap();
        assert_eq!(*signer.paths.lock().unwrap(), ["/personal/client-info"]);
    }

    #[derive(Debug)]
    struct RefusingSigner;

    impl RequestSigner for RefusingSigner {
        fn headers(&self, _: &SigningInput<'_>) -> Result<HeaderMap> {
            Err(Error::config("key", "no key"))
        }
    }

    #[tokio::test]
    async fn a_signer_error_sends_nothing() {
        let server = MockServer::start().await;
        let c = client(&server, &clock(), RetryPolicy::Reads { attempts: 3 });
        let err = c
            .send(
                ApiRequest::get("/x").signed_by(Arc::new(RefusingSigner)),
                &provider_error,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert!(server.received_requests().await.unwrap().is_empty());
        let shown = format!(
            "{:?}",
            ApiRequest::get("/x").signed_by(Arc::new(RefusingSigner))
        );
        assert!(shown.contains("signed: true"), "{shown}");
    }

    #[tokio::test]
    async fn errors_name_the_provider_the_operation_and_only_the_host() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(404).set_body_string("no such pot"))
            .mount(&server)
            .await;
        let c = client(&server, &clock(), RetryPolicy::Never);
        let err = c
            .send(
                ApiRequest::get("/pots/x").operation("pots"),
                &provider_error,
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "test pots: provider error (HTTP 404): no such pot"
        );
        assert_eq!(
            (err.provider(), err.operation()),
            (Some("test"), Some("pots"))
        );
        let answer = ApiResponse::new(StatusCode::OK, HeaderMap::new(), "not json");
        assert!(answer.json::<u8>("x").unwrap_err().provider().is_none());

        // A closed port: the listener is dropped before the call.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}/v1");
        let c = HttpClient::new("test", &base, HttpOptions::default(), None).unwrap();
        let err = c
            .send(
                ApiRequest::get("/secret-path")
                    .query("token", "s3cr3t")
                    .operation("accounts"),
                &provider_error,
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("test accounts: could not connect to 127.0.0.1:{port} (connection refused)")
        );
        assert_eq!(err.transport_kind(), Some(TransportKind::ConnectionRefused));
        assert_eq!(err.host(), Some(format!("127.0.0.1:{port}").as_str()));
        assert!(err.was_refused());
        let shown = format!("{err} {err:?}");
        for secret in ["secret-path", "s3cr3t", "/v1"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn bad_base_urls_are_config_errors_naming_the_field() {
        let err = HttpClient::new("t", "not a url", HttpOptions::default(), None).unwrap_err();
        assert!(matches!(err, Error::Config { ref field, .. } if field == "base_url"));
        let err = HttpClient::new("t", "ftp://x", HttpOptions::default(), None).unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
    }
}

#[cfg(test)]
mod send_bounds {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn the_send_future_is_send_so_trait_methods_can_await_it() {
        let client = HttpClient::new("t", "http://127.0.0.1:9", HttpOptions::default(), None)
            .expect("valid base url");
        let mapper = |_: &ApiResponse| Error::invalid("x");
        let future = client.send(ApiRequest::get("/x"), &mapper);
        assert_send(&future);
    }
}

//! [`SandboxClock`]: a clock that follows a running bankkit sandbox over its control API.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use futures::future::BoxFuture;
use serde::Deserialize;
use url::Url;

use super::{shifted, Clock};
use crate::{Error, Result};

/// Time allowed for one request to the sandbox's control API.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed to open a connection to the sandbox.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How old a reading may grow before [`Clock::ready`] reads the sandbox clock again.
const DEFAULT_REFRESH_AFTER: Duration = Duration::from_secs(60);

/// A clock that follows a running bankkit sandbox: its time is the sandbox's, and waiting
/// on it moves the sandbox clock forward instead of sleeping.
///
/// Meant for an application in its own process pointed at a developer's standalone sandbox
/// (the `bankkit-sandbox` binary, started with `--limits off`), so that a client pacing
/// itself by the provider's documented limits (Monobank's one statement call per 60 s)
/// does not wait them out in real time. Tests in the sandbox's own process share its
/// [`ManualClock`](super::ManualClock) instead.
///
/// - **Reading.** The sandbox's time is read from `GET {base_url}/__bankkit/clock`
///   (`{"now": "<RFC 3339>"}`) by [`SandboxClock::connect`], [`SandboxClock::refresh`] and
///   [`Clock::ready`] (the first time, and again once the reading is older than
///   [`SandboxClock::refresh_after`], 60 s by default). In between, [`Clock::now`] adds the
///   time elapsed on the local monotonic clock to the last reading: no request per call.
///   Before the first reading, `now` is the system clock's time.
///   [`HttpClient`](crate::http::HttpClient) calls `ready` before every attempt, so a
///   client built on this clock reads the sandbox clock before its first request.
/// - **Waiting.** `sleep(d)` sends `POST {base_url}/__bankkit/clock/advance` with
///   `{"seconds": ceil(d)}` (less when the clock has already passed part of the wait, for
///   example because another sleeper advanced it) and takes the sandbox's answer as its new
///   reading. Waits are advanced one at a time. Should the sandbox not answer, or refuse,
///   the error is logged (`tracing`, level WARN) and the rest of the wait is slept in real
///   time, so pacing still holds.
/// - **Monotonic.** Once read, `now` never goes backwards, and after `sleep(d)` it is at
///   least `d` later than when the sleep began. The sandbox answers in whole seconds, so
///   this clock may run up to a second ahead of it; an in-process sandbox whose clock
///   stands still (frozen) is also overtaken by the local elapsed time.
///
/// **This moves the shared sandbox clock for everyone using that sandbox**: every
/// provider it imitates and every client and test talking to it see the time jump (tokens
/// expire, invoices lapse, webhook retries fall due). Use it only with your own sandbox,
/// never with one shared by other people or other test runs, and never against a real
/// provider (whose base URL has no control API: reading the clock fails with a typed
/// error).
///
/// Errors talking to the sandbox are [`Error`]s: [`Error::Config`] for a base URL that is
/// not an absolute http(s) URL, [`Error::Transport`] or [`Error::Timeout`] when the sandbox
/// cannot be reached, [`Error::Provider`] for an answer that is not 2xx, [`Error::Decode`]
/// for one that does not name a time.
///
/// Cloning gives another handle to the same reading.
///
/// ```no_run
/// use std::time::Duration;
/// use bankkit_core::clock::{Clock, SandboxClock};
///
/// # async fn demo() -> bankkit_core::Result<()> {
/// // The Monobank server of a sandbox started with `bankkit-sandbox --limits off`.
/// let clock = SandboxClock::connect("http://127.0.0.1:41234").await?;
/// let before = clock.now();
/// // Returns at once: the sandbox clock is advanced by 60 seconds instead.
/// clock.sleep(Duration::from_secs(60)).await;
/// assert!((clock.now() - before).num_seconds() >= 60);
///
/// // Give it to a client: every rate-limit wait and retry backoff then advances the
/// // sandbox clock.
/// let shared: std::sync::Arc<dyn Clock> = clock.shared();
/// # let _ = shared;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SandboxClock {
    inner: Arc<Inner>,
    refresh_after: Duration,
}

struct Inner {
    /// The sandbox server's base URL, ending in `/`.
    base_url: Url,
    clock_url: Url,
    advance_url: Url,
    http: reqwest::Client,
    /// The latest reading; `None` until the sandbox clock was first read.
    reading: Mutex<Option<Reading>>,
    /// Held while talking to the sandbox, so that reads and advances go one at a time.
    remote: tokio::sync::Mutex<()>,
}

/// The clock's time at one local instant.
#[derive(Clone, Copy, Debug)]
struct Reading {
    time: DateTime<Utc>,
    at: Instant,
}

impl Reading {
    /// The reading's time carried forward to `instant` on the local monotonic clock.
    fn at(&self, instant: Instant) -> DateTime<Utc> {
        let elapsed = instant.saturating_duration_since(self.at);
        shifted(
            self.time,
            TimeDelta::from_std(elapsed).unwrap_or(TimeDelta::MAX),
        )
    }
}

/// The body of the control API's clock answers.
#[derive(Deserialize)]
struct ClockAnswer {
    now: DateTime<Utc>,
}

/// The body of the control API's error answers.
#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
}

impl SandboxClock {
    /// A clock following the sandbox server at `base_url` (any provider's base URL of the
    /// sandbox: they share one clock). Sends nothing yet: the first reading is made by
    /// [`Clock::ready`], [`SandboxClock::refresh`] or the first sleep. Use
    /// [`SandboxClock::connect`] to read it at once.
    ///
    /// # Errors
    /// [`Error::Config`] naming `base_url` for a base URL that is not an absolute http(s)
    /// URL (or carries a user name or password), or when the TLS stack cannot start.
    pub fn new(base_url: &str) -> Result<Self> {
        let mut base = crate::validate::http_url(base_url, "base_url")?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let join = |path: &str| {
            base.join(path)
                .map_err(|e| Error::config("base_url", format!("{path}: {e}")))
        };
        let clock_url = join("__bankkit/clock")?;
        let advance_url = join("__bankkit/clock/advance")?;
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("bankkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config("http", e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                base_url: base,
                clock_url,
                advance_url,
                http,
                reading: Mutex::new(None),
                remote: tokio::sync::Mutex::new(()),
            }),
            refresh_after: DEFAULT_REFRESH_AFTER,
        })
    }

    /// A clock following the sandbox server at `base_url`, with its first reading made.
    ///
    /// # Errors
    /// As [`SandboxClock::new`] and [`SandboxClock::refresh`].
    pub async fn connect(base_url: &str) -> Result<Self> {
        let clock = Self::new(base_url)?;
        clock.refresh().await?;
        Ok(clock)
    }

    /// Sets how old a reading may grow before [`Clock::ready`] reads the sandbox clock
    /// again (default 60 s of local time), so that advances made by others are seen.
    /// [`Duration::MAX`] reads it only once.
    pub fn refresh_after(mut self, age: Duration) -> Self {
        self.refresh_after = age;
        self
    }

    /// The sandbox server's base URL.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Reads the sandbox clock (`GET /__bankkit/clock`) and returns this clock's time
    /// afterwards (never earlier than before: see the type's docs).
    ///
    /// # Errors
    /// [`Error::Transport`] or [`Error::Timeout`] when the sandbox cannot be reached,
    /// [`Error::Provider`] for an answer that is not 2xx, [`Error::Decode`] for a body that
    /// is not `{"now": "<RFC 3339>"}`.
    pub async fn refresh(&self) -> Result<DateTime<Utc>> {
        let _remote = self.inner.remote.lock().await;
        self.read_remote().await
    }

    /// Moves the sandbox clock forward by `by`, rounded up to whole seconds
    /// (`POST /__bankkit/clock/advance`), and returns this clock's time afterwards.
    ///
    /// This moves the clock of the whole sandbox, for every client using it.
    ///
    /// # Errors
    /// As [`SandboxClock::refresh`]; [`Error::Provider`] (400) when the sandbox refuses the
    /// advance (past the end of its calendar).
    pub async fn advance(&self, by: Duration) -> Result<DateTime<Utc>> {
        let _remote = self.inner.remote.lock().await;
        let sandbox_time = self.post_advance(whole_seconds_up(by)).await?;
        self.record(sandbox_time, Instant::now(), None);
        Ok(self.now())
    }

    /// This clock as a shared trait object.
    pub fn shared(&self) -> Arc<dyn Clock> {
        Arc::new(self.clone())
    }

    fn reading(&self) -> Option<Reading> {
        *self
            .inner
            .reading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `sandbox_time`, read at `at`, as the new reading: never earlier than what the
    /// previous reading gives for `at`, nor than `at_least`.
    fn record(&self, sandbox_time: DateTime<Utc>, at: Instant, at_least: Option<DateTime<Utc>>) {
        let mut reading = self
            .inner
            .reading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut time = sandbox_time;
        if let Some(previous) = *reading {
            time = time.max(previous.at(at));
        }
        if let Some(floor) = at_least {
            time = time.max(floor);
        }
        *reading = Some(Reading { time, at });
    }

    /// `GET /__bankkit/clock`, recorded. The caller holds `remote`.
    async fn read_remote(&self) -> Result<DateTime<Utc>> {
        let request = self.inner.http.get(self.inner.clock_url.clone());
        let sandbox_time = self.call(request, "GET /__bankkit/clock").await?;
        self.record(sandbox_time, Instant::now(), None);
        Ok(self.now())
    }

    /// `POST /__bankkit/clock/advance {"seconds": n}`: the sandbox's time afterwards. The
    /// caller holds `remote`.
    async fn post_advance(&self, seconds: u64) -> Result<DateTime<Utc>> {
        let body = serde_json::json!({ "seconds": seconds }).to_string();
        let request = self
            .inner
            .http
            .post(self.inner.advance_url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.call(request, "POST /__bankkit/clock/advance").await
    }

    /// Sends a control API request and reads the time it answers with.
    async fn call(&self, request: reqwest::RequestBuilder, what: &str) -> Result<DateTime<Utc>> {
        let response = request.send().await.map_err(|e| self.network_error(e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.network_error(e))?;
        if !status.is_success() {
            let detail = serde_json::from_slice::<ErrorAnswer>(&body)
                .map(|answer| answer.error)
                .unwrap_or_else(|_| status.canonical_reason().unwrap_or("error").to_owned());
            let hint = if status == http::StatusCode::NOT_FOUND {
                " (is the base URL a bankkit sandbox server?)"
            } else {
                ""
            };
            return Err(Error::Provider {
                status: status.as_u16(),
                code: None,
                message: format!("sandbox clock: {what}: {detail}{hint}"),
            });
        }
        serde_json::from_slice::<ClockAnswer>(&body)
            .map(|answer| answer.now)
            .map_err(|e| Error::decode(format!("sandbox clock answer to {what}"), e))
    }

    fn network_error(&self, error: reqwest::Error) -> Error {
        if error.is_timeout() {
            return Error::timeout(REQUEST_TIMEOUT);
        }
        Error::Transport {
            message: format!("could not reach the sandbox clock at {}", self.base_url()),
            source: Some(Box::new(error.without_url())),
        }
    }

    /// Makes sure there is a reading younger than `refresh_after`.
    async fn ensure_fresh(&self) -> Result<()> {
        let fresh =
            |reading: Option<Reading>| reading.is_some_and(|r| r.at.elapsed() < self.refresh_after);
        if fresh(self.reading()) {
            return Ok(());
        }
        let _remote = self.inner.remote.lock().await;
        if fresh(self.reading()) {
            return Ok(());
        }
        self.read_remote().await.map(|_| ())
    }

    /// Advances the sandbox clock until this clock reads at least `start + duration`
    /// (`start`: when the sleep began, `None` if there was no reading yet).
    async fn advance_to(&self, start: Option<DateTime<Utc>>, duration: Duration) -> Result<()> {
        let _remote = self.inner.remote.lock().await;
        let start = match start {
            Some(start) => start,
            None => self.read_remote().await?,
        };
        let target = shifted(
            start,
            TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX),
        );
        let remaining = (target - self.now()).to_std().unwrap_or(Duration::ZERO);
        if remaining.is_zero() {
            return Ok(());
        }
        let seconds = whole_seconds_up(remaining);
        tracing::debug!(seconds, "advancing the sandbox clock instead of sleeping");
        let sandbox_time = self.post_advance(seconds).await?;
        self.record(sandbox_time, Instant::now(), Some(target));
        Ok(())
    }
}

/// `duration` in whole seconds, rounded up (saturating).
fn whole_seconds_up(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

impl Clock for SandboxClock {
    fn now(&self) -> DateTime<Utc> {
        match self.reading() {
            Some(reading) => reading.at(Instant::now()),
            None => Utc::now(),
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let clock = self.clone();
        let start = self.reading().map(|_| self.now());
        let started = Instant::now();
        Box::pin(async move {
            if let Err(error) = clock.advance_to(start, duration).await {
                tracing::warn!(
                    error = %error,
                    "could not advance the sandbox clock; waiting in real time instead"
                );
                let remaining = duration.saturating_sub(started.elapsed());
                tokio::time::sleep(remaining).await;
            }
        })
    }

    fn ready(&self) -> BoxFuture<'static, Result<()>> {
        let clock = self.clone();
        Box::pin(async move { clock.ensure_fresh().await })
    }
}

impl fmt::Debug for SandboxClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxClock")
            .field("base_url", &self.base_url())
            .field("now", &self.reading().map(|_| self.now()))
            .field("refresh_after", &self.refresh_after)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{ApiRequest, ApiResponse, HttpClient, HttpOptions, RateLimiter};
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const T0: &str = "2026-11-01T00:00:00Z";

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn clock_answer(now: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_raw(format!(r#"{{"now":"{now}"}}"#), "application/json")
    }

    async fn sandbox_at(now: &str) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/__bankkit/clock"))
            .respond_with(clock_answer(now))
            .mount(&server)
            .await;
        server
    }

    async fn requests_to(server: &MockServer, route: &str) -> Vec<wiremock::Request> {
        server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == route)
            .collect()
    }

    #[tokio::test]
    async fn now_is_the_sandbox_time_extrapolated_without_a_request_per_call() {
        let server = sandbox_at(T0).await;
        let clock = SandboxClock::connect(&server.uri()).await.unwrap();
        let mut previous = clock.now();
        for _ in 0..1000 {
            let now = clock.now();
            assert!(now >= previous);
            previous = now;
        }
        assert!(previous >= at(T0), "{previous}");
        assert!(previous < at("2026-11-01T00:00:10Z"), "{previous}");
        assert_eq!(requests_to(&server, "/__bankkit/clock").await.len(), 1);
    }

    #[tokio::test]
    async fn sleep_advances_the_sandbox_clock_by_whole_seconds_instead_of_waiting() {
        let server = sandbox_at(T0).await;
        Mock::given(method("POST"))
            .and(path("/__bankkit/clock/advance"))
            .and(header("content-type", "application/json"))
            .and(body_json(serde_json::json!({"seconds": 60})))
            .respond_with(clock_answer("2026-11-01T00:01:00Z"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/__bankkit/clock/advance"))
            .and(body_json(serde_json::json!({"seconds": 2})))
            .respond_with(clock_answer("2026-11-01T00:01:02Z"))
            .expect(1)
            .mount(&server)
            .await;
        let clock = SandboxClock::connect(&server.uri()).await.unwrap();
        let started = Instant::now();

        let before = clock.now();
        tokio::time::timeout(
            Duration::from_secs(30),
            clock.sleep(Duration::from_secs(60)),
        )
        .await
        .expect("no real-time wait");
        assert!((clock.now() - before).num_seconds() >= 60);
        assert!(clock.now() >= at("2026-11-01T00:01:00Z"));
        clock.sleep(Duration::from_millis(1500)).await;
        assert!(clock.now() >= at("2026-11-01T00:01:02Z"));
        clock.sleep(Duration::ZERO).await;

        assert!(started.elapsed() < Duration::from_secs(10));
        server.verify().await;
    }

    #[tokio::test]
    async fn the_first_sleep_reads_the_clock_then_advances_it() {
        let server = sandbox_at(T0).await;
        Mock::given(method("POST"))
            .and(path("/__bankkit/clock/advance"))
            .and(body_json(serde_json::json!({"seconds": 30})))
            .respond_with(clock_answer("2026-11-01T00:00:30Z"))
            .expect(1)
            .mount(&server)
            .await;
        let clock = SandboxClock::new(&server.uri()).unwrap();
        assert!(format!("{clock:?}").contains("now: None"));
        clock.sleep(Duration::from_secs(30)).await;
        let now = clock.now();
        assert!(now >= at("2026-11-01T00:00:30Z") && now < at("2026-11-01T00:00:40Z"));
    }

    #[tokio::test]
    async fn advance_rounds_up_and_returns_the_new_time() {
        let server = sandbox_at(T0).await;
        Mock::given(method("POST"))
            .and(path("/__bankkit/clock/advance"))
            .and(body_json(serde_json::json!({"seconds": 1})))
            .respond_with(clock_answer("2026-11-01T00:00:01Z"))
            .expect(1)
            .mount(&server)
            .await;
        let clock = SandboxClock::connect(&server.uri()).await.unwrap();
        let now = clock.advance(Duration::from_millis(10)).await.unwrap();
        assert!(now >= at("2026-11-01T00:00:01Z"));
    }

    #[tokio::test]
    async fn now_never_goes_backwards_when_the_sandbox_clock_stands_still() {
        let server = sandbox_at(T0).await;
        let clock = SandboxClock::connect(&server.uri()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = clock.now();
        assert!(before > at(T0));
        let after = clock.refresh().await.unwrap();
        assert!(after >= before, "{after} < {before}");
    }

    #[tokio::test]
    async fn ready_reads_once_then_again_when_the_reading_is_old() {
        let server = sandbox_at(T0).await;
        let clock = SandboxClock::new(&server.uri()).unwrap();
        clock.ready().await.unwrap();
        clock.ready().await.unwrap();
        assert_eq!(requests_to(&server, "/__bankkit/clock").await.len(), 1);

        let eager = SandboxClock::new(&server.uri())
            .unwrap()
            .refresh_after(Duration::ZERO);
        eager.ready().await.unwrap();
        eager.ready().await.unwrap();
        assert_eq!(requests_to(&server, "/__bankkit/clock").await.len(), 3);
    }

    #[tokio::test]
    async fn errors_talking_to_the_sandbox_are_typed() {
        // Not a sandbox: no control API.
        let server = MockServer::start().await;
        let err = SandboxClock::connect(&server.uri()).await.unwrap_err();
        assert!(
            matches!(err, Error::Provider { status: 404, ref message, .. } if message.contains("bankkit sandbox")),
            "{err:?}"
        );

        // A body that names no time.
        let odd = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"now":"soon"}"#))
            .mount(&odd)
            .await;
        let err = SandboxClock::connect(&odd.uri()).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");

        // An advance the sandbox refuses carries its message.
        let refusing = sandbox_at(T0).await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_raw(
                r#"{"error":"advancing by 99 seconds would move the clock past 9999-12-31T23:59:59Z"}"#,
                "application/json",
            ))
            .mount(&refusing)
            .await;
        let clock = SandboxClock::connect(&refusing.uri()).await.unwrap();
        let err = clock.advance(Duration::from_secs(99)).await.unwrap_err();
        assert!(
            matches!(err, Error::Provider { status: 400, ref message, .. } if message.contains("past 9999")),
            "{err:?}"
        );

        // Nobody listening.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let err = SandboxClock::connect(&format!("http://{closed}"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Transport { .. } | Error::Timeout { .. }),
            "{err:?}"
        );

        // Not a URL.
        let err = SandboxClock::new("not a url").unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field == "base_url"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_refused_advance_falls_back_to_waiting_in_real_time() {
        let server = sandbox_at(T0).await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400))
            .mount(&server)
            .await;
        let clock = SandboxClock::connect(&server.uri()).await.unwrap();
        let started = Instant::now();
        let before = clock.now();
        clock.sleep(Duration::from_millis(300)).await;
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(clock.now() - before >= TimeDelta::milliseconds(300));
    }

    fn no_mapping(response: &ApiResponse) -> Error {
        Error::Provider {
            status: response.status.as_u16(),
            code: None,
            message: String::new(),
        }
    }

    #[tokio::test]
    async fn a_rate_limited_client_advances_the_sandbox_clock_instead_of_sleeping() {
        let server = sandbox_at(T0).await;
        Mock::given(method("POST"))
            .and(path("/__bankkit/clock/advance"))
            .and(body_json(serde_json::json!({"seconds": 60})))
            .respond_with(clock_answer("2026-11-01T00:01:00Z"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(ResponseTemplate::new(200))
            .expect(2)
            .mount(&server)
            .await;
        let clock = SandboxClock::new(&server.uri()).unwrap().shared();
        let http = HttpClient::new(
            "t",
            &server.uri(),
            HttpOptions::default(),
            Some(clock.clone()),
        )
        .unwrap();
        let limit = Arc::new(RateLimiter::new("t", 1, Duration::from_secs(60), clock));
        let started = Instant::now();

        let two_calls = async {
            for _ in 0..2 {
                let request = ApiRequest::get("/x").rate_limited(limit.clone());
                http.send(request, &no_mapping).await.unwrap();
            }
        };
        // A broken clock must fail this test, not hang it.
        tokio::time::timeout(Duration::from_secs(30), two_calls)
            .await
            .expect("two calls within 30 s of real time");

        assert!(started.elapsed() < Duration::from_secs(10));
        server.verify().await;
        // The clock was read before the first request, not after it.
        let paths: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| r.url.path().to_owned())
            .collect();
        assert_eq!(
            paths,
            ["/__bankkit/clock", "/x", "/__bankkit/clock/advance", "/x"]
        );
    }

    #[tokio::test]
    async fn a_client_on_an_unreachable_sandbox_clock_gets_a_typed_error() {
        let server = MockServer::start().await;
        let clock = SandboxClock::new(&server.uri()).unwrap().shared();
        let http =
            HttpClient::new("t", &server.uri(), HttpOptions::default(), Some(clock)).unwrap();
        let err = http
            .send(ApiRequest::get("/x"), &no_mapping)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Provider { status: 404, ref message, .. } if message.contains("sandbox clock")),
            "{err:?}"
        );
        assert!(requests_to(&server, "/x").await.is_empty());
    }
}

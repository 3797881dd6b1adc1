//! The HTTP/1.1 server of each provider host: limits, timeouts, the route table, the journal.
//!
//! Every public port is served here, on the caller's tokio runtime, straight into the host's
//! [`Routes`]: nothing of a request is kept once it is answered (only a [`JournalEntry`] in a
//! bounded ring). Before a request reaches a route the server enforces [`ServerLimits`] and
//! answers what it refuses in the provider's error shape:
//!
//! | what | answer |
//! |---|---|
//! | more open connections than `max_connections` | 503, connection closed |
//! | `CONNECT`, or a target in absolute form (`GET http://host/ HTTP/1.1`) | 405 / 400 |
//! | a request target longer than `max_uri_bytes` | 414 |
//! | headers longer than `max_header_bytes` in all | 431 (past 64 KiB hyper answers 431 itself) |
//! | a `Content-Length` or body over `max_body_bytes` | 413, connection closed |
//! | a body not complete within `body_read_timeout` | 408, connection closed |
//! | no complete request head within `header_read_timeout` of its first byte | connection closed |
//! | no byte within `idle_timeout` between requests | connection closed |
//!
//! A route that panics answers 500 (and is counted), never taking a task down with it.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bankkit_core::clock::{Clock, ManualClock};
use futures::FutureExt;
use http::{Request as HttpRequest, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use wiremock::Request;

use crate::fault::FaultRegistry;
use crate::journal::{Journal, JournalEntry};
use crate::{Reply, Routes};

/// Limits and timeouts of every sandbox server (per host: each provider host has its own
/// connection budget).
///
/// ```
/// use std::time::Duration;
/// use bankkit_sandbox::ServerLimits;
///
/// let limits = ServerLimits::default()
///     .max_body_bytes(32 * 1024 * 1024)
///     .idle_timeout(Duration::from_secs(5));
/// assert_eq!(limits.max_body_bytes, 32 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerLimits {
    /// Largest request body accepted (default 10 MiB); larger → 413.
    pub max_body_bytes: usize,
    /// Longest request target (path and query) accepted (default 8 KiB); longer → 414.
    pub max_uri_bytes: usize,
    /// Largest total of header names and values accepted (default 16 KiB); larger → 431.
    pub max_header_bytes: usize,
    /// Open connections per host (default 512); more are answered 503 and closed.
    pub max_connections: usize,
    /// Time to send a whole request head once its first byte arrived (default 10 s).
    pub header_read_timeout: Duration,
    /// Time to send a whole body once the head arrived (default 30 s); else 408.
    pub body_read_timeout: Duration,
    /// Time a connection may stay silent between requests (default 60 s).
    pub idle_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_body_bytes: 10 * 1024 * 1024,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl ServerLimits {
    /// Sets [`max_body_bytes`](Self::max_body_bytes).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets [`max_uri_bytes`](Self::max_uri_bytes).
    pub fn max_uri_bytes(mut self, bytes: usize) -> Self {
        self.max_uri_bytes = bytes;
        self
    }

    /// Sets [`max_header_bytes`](Self::max_header_bytes).
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes;
        self
    }

    /// Sets [`max_connections`](Self::max_connections) (at least 1).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Sets [`header_read_timeout`](Self::header_read_timeout).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`body_read_timeout`](Self::body_read_timeout).
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }
}

/// hyper's own ceiling on a request head (it answers 431 past it): far above
/// [`ServerLimits::max_header_bytes`]'s default, so that the provider-shaped answer comes first.
const HEAD_BUFFER_BYTES: usize = 64 * 1024;

/// One served host: a provider's API or one of its other hosts.
pub(crate) struct HostServer {
    /// The name in logs and the journal: `provider` or `provider.host`.
    pub(crate) name: String,
    pub(crate) routes: Routes,
    /// The provider's error shape, for the server's own refusals.
    pub(crate) faults: Arc<FaultRegistry>,
    pub(crate) journal: Arc<Journal>,
    pub(crate) limits: ServerLimits,
    pub(crate) clock: ManualClock,
    pub(crate) stats: Arc<ServerStats>,
}

impl fmt::Debug for HostServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostServer")
            .field("name", &self.name)
            .field("routes", &self.routes.len())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Counters shared by every server of one sandbox.
#[derive(Debug, Default)]
pub(crate) struct ServerStats {
    /// Routes that panicked (each answered 500).
    pub(crate) panics: AtomicU64,
    /// Connections refused at the connection cap.
    pub(crate) refused_connections: AtomicU64,
    /// Connections closed by the header-read or idle timeout.
    pub(crate) timed_out_connections: AtomicU64,
}

/// The service's error: the connection is closed without a response.
#[derive(Debug)]
struct ConnectionDropped;

impl fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed without an answer")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Serves `listener` with `host`'s routes; abort the handle to stop (open connections close
/// with their tasks when the runtime drops them, or at their next timeout).
pub(crate) fn spawn(listener: TcpListener, host: Arc<HostServer>) -> JoinHandle<()> {
    tokio::spawn(async move {
        // tokio's semaphore holds at most MAX_PERMITS: a larger cap means "no cap".
        let slots = Arc::new(Semaphore::new(
            host.limits.max_connections.min(Semaphore::MAX_PERMITS),
        ));
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors or similar: back off briefly and carry on.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            match Arc::clone(&slots).try_acquire_owned() {
                Ok(slot) => {
                    let host = Arc::clone(&host);
                    tokio::spawn(async move {
                        serve_connection(stream, host).await;
                        drop(slot);
                    });
                }
                Err(_) => {
                    host.stats
                        .refused_connections
                        .fetch_add(1, Ordering::Relaxed);
                    let reply = host.refusal(StatusCode::SERVICE_UNAVAILABLE);
                    tokio::spawn(refuse(stream, reply));
                }
            }
        }
    })
}

/// Answers the request of a connection over the cap with `reply` and closes it; gives up
/// after a second (a client that sends nothing holds nothing longer).
async fn refuse(stream: TcpStream, reply: Reply) {
    let reply = reply.insert_header(http::header::CONNECTION, "close");
    let service = service_fn(move |_request: HttpRequest<Incoming>| {
        let response = reply.clone().into_response();
        async move { Ok::<_, std::convert::Infallible>(response) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .max_buf_size(HEAD_BUFFER_BYTES)
        .serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(Duration::from_secs(1), connection).await;
}

/// Where a connection stands, for the header-read and idle timeouts.
#[derive(Debug)]
struct Activity {
    started: Instant,
    state: AtomicU8,
    /// Milliseconds since `started` when `state` last changed.
    since_ms: AtomicU64,
}

/// Waiting for a request, nothing of it read yet.
const IDLE: u8 = 0;
/// Bytes of a request head arrived; the route has not started.
const READING_HEAD: u8 = 1;
/// A request is being answered.
const BUSY: u8 = 2;

impl Activity {
    fn new() -> Self {
        Activity {
            started: Instant::now(),
            state: AtomicU8::new(IDLE),
            since_ms: AtomicU64::new(0),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn set(&self, state: u8) {
        self.since_ms.store(self.elapsed_ms(), Ordering::Relaxed);
        self.state.store(state, Ordering::Release);
    }

    fn bytes_read(&self) {
        if self
            .state
            .compare_exchange(IDLE, READING_HEAD, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            self.since_ms.store(self.elapsed_ms(), Ordering::Relaxed);
        }
    }

    /// How long until the connection's current timeout runs out (zero = now); `None` while a
    /// request is being answered.
    fn remaining(&self, limits: &ServerLimits) -> Option<Duration> {
        let limit = match self.state.load(Ordering::Acquire) {
            IDLE => limits.idle_timeout,
            READING_HEAD => limits.header_read_timeout,
            _ => return None,
        };
        let since = Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        let elapsed = self.started.elapsed().saturating_sub(since);
        Some(limit.saturating_sub(elapsed))
    }
}

/// A stream that tells its [`Activity`] when request bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

async fn serve_connection(stream: TcpStream, host: Arc<HostServer>) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: Arc::clone(&activity),
    });
    let service = {
        let host = Arc::clone(&host);
        let activity = Arc::clone(&activity);
        service_fn(move |request| {
            let host = Arc::clone(&host);
            let activity = Arc::clone(&activity);
            async move {
                activity.set(BUSY);
                let answered = host.handle(request).await;
                activity.set(IDLE);
                answered
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .max_buf_size(HEAD_BUFFER_BYTES)
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    loop {
        let wait = activity
            .remaining(&host.limits)
            .unwrap_or(host.limits.idle_timeout);
        tokio::select! {
            // An error here is a client going away or an injected drop: nothing to do.
            _ = connection.as_mut() => return,
            () = tokio::time::sleep(wait) => {
                if activity.remaining(&host.limits) == Some(Duration::ZERO) {
                    host.stats.timed_out_connections.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
    }
}

/// Why a request was refused before any route saw it.
enum Refusal {
    /// Answer with the provider's error body for this status.
    Status(StatusCode),
    /// As `Status`, and close the connection after (the body was not read whole).
    StatusAndClose(StatusCode),
}

impl HostServer {
    /// The provider's error answer for `status`.
    fn refusal(&self, status: StatusCode) -> Reply {
        self.faults.error_reply(status.as_u16())
    }

    async fn handle(
        &self,
        request: HttpRequest<Incoming>,
    ) -> Result<Response<Full<Bytes>>, ConnectionDropped> {
        let started = Instant::now();
        let at = Clock::now(&self.clock);
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let reply = match self.read(request).await {
            Ok(request) => self.answer(request).await,
            Err(Refusal::Status(status)) => self.refusal(status),
            Err(Refusal::StatusAndClose(status)) => self
                .refusal(status)
                .insert_header(http::header::CONNECTION, "close"),
        };
        if let Some(delay) = reply.delay() {
            tokio::time::sleep(delay).await;
        }
        let status = (!reply.is_dropped()).then(|| reply.status());
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            target: "bankkit_sandbox::request",
            provider = %self.name,
            %method,
            path = %path,
            status = status.map_or_else(|| "dropped".to_owned(), |s| s.to_string()),
            elapsed_ms,
            "request"
        );
        self.journal.record(JournalEntry {
            seq: 0,
            at,
            provider: self.name.clone(),
            method,
            path,
            status,
            elapsed_ms,
        });
        if reply.is_dropped() {
            return Err(ConnectionDropped);
        }
        Ok(reply.into_response())
    }

    /// Checks the request against the limits and reads its body.
    async fn read(&self, request: HttpRequest<Incoming>) -> Result<Request, Refusal> {
        let limits = &self.limits;
        let (parts, body) = request.into_parts();
        if parts.method == http::Method::CONNECT {
            return Err(Refusal::StatusAndClose(StatusCode::METHOD_NOT_ALLOWED));
        }
        if parts.uri.scheme().is_some() || parts.uri.authority().is_some() {
            return Err(Refusal::StatusAndClose(StatusCode::BAD_REQUEST));
        }
        let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        if target.len() > limits.max_uri_bytes {
            return Err(Refusal::Status(StatusCode::URI_TOO_LONG));
        }
        let header_bytes: usize = parts
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        if header_bytes > limits.max_header_bytes {
            return Err(Refusal::Status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
        }
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > limits.max_body_bytes as u64) {
            return Err(Refusal::StatusAndClose(StatusCode::PAYLOAD_TOO_LARGE));
        }
        let collected = tokio::time::timeout(
            limits.body_read_timeout,
            Limited::new(body, limits.max_body_bytes).collect(),
        )
        .await;
        let body = match collected {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
                return Err(Refusal::StatusAndClose(StatusCode::PAYLOAD_TOO_LARGE))
            }
            Ok(Err(_)) => return Err(Refusal::StatusAndClose(StatusCode::BAD_REQUEST)),
            Err(_) => return Err(Refusal::StatusAndClose(StatusCode::REQUEST_TIMEOUT)),
        };
        let url = format!("http://localhost{target}")
            .parse()
            .map_err(|_| Refusal::Status(StatusCode::BAD_REQUEST))?;
        Ok(Request {
            url,
            method: parts.method,
            headers: parts.headers,
            // Without a copy when the body came in one piece.
            body: Vec::from(body),
        })
    }

    /// The first matching route's answer (404 with no body when none matches, as wiremock
    /// does); a route that panics answers 500.
    async fn answer(&self, request: Request) -> Reply {
        let Some(route) = self.routes.find(&request) else {
            return Reply::new(StatusCode::NOT_FOUND);
        };
        match AssertUnwindSafe(route.answer(request)).catch_unwind().await {
            Ok(reply) => reply,
            Err(_) => {
                self.stats.panics.fetch_add(1, Ordering::Relaxed);
                tracing::error!(provider = %self.name, "a route panicked; answered 500");
                self.refusal(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

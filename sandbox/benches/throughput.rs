//! Sandbox throughput, side by side in one run, on the same response bytes and the same client:
//!
//! - (a) a bare axum handler answering the bytes of Monobank's `GET /bank/currency`;
//! - (b) a static wiremock mock answering those bytes (request recording off);
//! - (c) the sandbox's own `GET /bank/currency` on Monobank (where the bytes come from);
//! - (c0) for diagnosis, the sandbox's server with one route answering those bytes as a
//!   ready-made [`Reply`] (a provider module registered by this bench): (c0)/(b) is the cost of
//!   the server itself, (c)/(c0) that of Monobank's currency responder;
//! - (d) a stateful read: MoMo `GET /collection/v1_0/requesttopay/{ref}` with a bearer token, on
//!   a sandbox holding that one payment;
//! - (e) the same read on a sandbox where 100 000 payments were created first.
//!
//! Every server runs on a thread of its own with a single-threaded tokio runtime (wiremock
//! always does; the others are given the same), so each gets one core's worth of serving; the
//! client is a plain hyper HTTP/1.1 client on the bench's own runtime, with keep-alive
//! connections opened before the clock starts and a fixed number of requests in flight. After
//! a warm-up round the targets take turns, round after round, so machine noise hits them
//! alike; each target's figure is the median of its rounds. Prints requests per second and the
//! ratios (c)/(b), (d)/(b), (e)/(d) and (a)/(b), and the diagnostic (c0)/(b) and (c)/(c0).
//! It fails (exit code 1) when (c)/(b) or (e)/(d) is under 0.8, the targets the sandbox keeps.
//!
//! `cargo bench -p bankkit-sandbox --bench throughput`. Settings (environment):
//! `BANKKIT_BENCH_REQUESTS` requests per round and target (default 20 000; each round also
//! stops after `BANKKIT_BENCH_ROUND_SECONDS`, default 3), `BANKKIT_BENCH_ROUNDS` (default 7),
//! `BANKKIT_BENCH_PAYMENTS` payments created before (e) (default 100 000),
//! `BANKKIT_BENCH_CLIENT_THREADS` the client runtime's threads (default 2).

// Rates are measurements, not money: floats are right here.
#![allow(clippy::float_arithmetic)]

// The same allocator as the `bankkit-sandbox` binary (feature `mimalloc`, on by default);
// `--no-default-features` measures under the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::OnceLock;

use bankkit_sandbox::{
    Ledger, ProviderContext, Reply, Route, Routes, Sandbox, SandboxError, SandboxEvent,
    SandboxProvider, StateLimits,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = Error> = std::result::Result<T, E>;

/// Requests in flight: one keep-alive connection each.
const CONCURRENCY: usize = 32;
/// Requests in flight while creating payments for (e).
const CREATE_CONCURRENCY: usize = 32;
/// Longest time creating the payments for (e) may take.
const CREATE_LIMIT: Duration = Duration::from_secs(600);
/// The seeded MSISDN whose payments succeed.
const SUCCESS_MSISDN: &str = "46733123456";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

// ---- (c0): the sandbox's server with a ready-made answer -----------------------------------

/// The bytes (c0) answers, set before its sandbox starts.
static STATIC_BODY: OnceLock<Bytes> = OnceLock::new();

/// A provider module with one route, `GET /bank/currency`, answering [`STATIC_BODY`].
#[derive(Debug)]
struct StaticBody;

impl SandboxProvider for StaticBody {
    fn name(&self) -> &'static str {
        "bench_static"
    }

    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
        let body = STATIC_BODY.get().cloned().unwrap_or_default();
        routes.mount(ctx.route(
            Route::given(method("GET")).and(path("/bank/currency")),
            Reply::new(200).set_body_raw(body, "application/json"),
        ));
    }

    fn credentials(&self) -> Value {
        json!({})
    }

    fn ledger(&self) -> Ledger {
        Ledger::default()
    }

    fn trigger(&self, _event: &SandboxEvent) -> Result<Value, SandboxError> {
        Err(SandboxError::UnsupportedEvent(
            "bench_static has no events".to_owned(),
        ))
    }

    fn reset(&self) {}
}

fn build_static(_ctx: &ProviderContext) -> Arc<dyn SandboxProvider> {
    Arc::new(StaticBody)
}

bankkit_sandbox::register_provider!("bench_static", build_static);

// ---- servers, each on a thread of its own ------------------------------------------------

/// A server running on its own thread and single-threaded runtime; stops when dropped.
struct ServerThread {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `start` on a new thread's current-thread runtime; `start` returns what the caller
/// needs (e.g. base URLs) and something to keep alive (the server) until the thread stops.
fn server_thread<T, K, F, Fut>(name: &str, start: F) -> Result<(ServerThread, T)>
where
    T: Send + 'static,
    K: 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(T, K)>>,
{
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<T, String>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("server-{name}"))
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_tx.send(Err(format!("runtime: {error}")));
                    return;
                }
            };
            runtime.block_on(async move {
                match start().await {
                    Ok((value, keep)) => {
                        let _ = ready_tx.send(Ok(value));
                        let _ = stop_rx.await;
                        drop(keep);
                    }
                    Err(error) => {
                        let _ = ready_tx.send(Err(error.to_string()));
                    }
                }
            });
        })?;
    let server = ServerThread {
        stop: Some(stop_tx),
        thread: Some(thread),
    };
    let value = ready_rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|error| format!("server {name} did not start: {error}"))?
        .map_err(|error| format!("server {name}: {error}"))?;
    Ok((server, value))
}

fn socket_addr(base_url: &str) -> Result<SocketAddr> {
    let authority = base_url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// URL: {base_url}"))?;
    Ok(authority.trim_end_matches('/').parse()?)
}

async fn sandbox_server(provider: &'static str) -> Result<(ServerThread, SocketAddr)> {
    let (server, base_url) = server_thread(provider, move || async move {
        // Room for the payments made before (e) and the one read, whatever their number; rate
        // windows off, as `/bank/currency` otherwise answers once per 5 minutes.
        let sandbox = Sandbox::builder()
            .providers([provider])
            .rate_limits(false)
            .state_limits(StateLimits::default().max_payments(usize::MAX))
            .start()
            .await?;
        let handle = sandbox
            .provider(provider)
            .ok_or_else(|| format!("no {provider} in the sandbox"))?;
        Ok((handle.base_url(), sandbox))
    })?;
    Ok((server, socket_addr(&base_url)?))
}

fn axum_server(body: Bytes) -> Result<(ServerThread, SocketAddr)> {
    server_thread("axum", move || async move {
        use axum::serve::ListenerExt as _;
        let app = axum::Router::new().route(
            "/bank/currency",
            axum::routing::get(move || {
                let body = body.clone();
                async move { ([(http::header::CONTENT_TYPE, "application/json")], body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok((addr, AbortOnDrop(task)))
    })
}

fn wiremock_server(body: Bytes) -> Result<(ServerThread, SocketAddr)> {
    server_thread("wiremock", move || async move {
        // wiremock runs its server on a thread of its own anyway; this thread only holds it.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(body.to_vec(), "application/json"),
            )
            .mount(&server)
            .await;
        Ok((*server.address(), server))
    })
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

// ---- the client --------------------------------------------------------------------------

/// One request to send again and again, and what a good answer looks like.
#[derive(Clone)]
struct Target {
    name: &'static str,
    addr: SocketAddr,
    method: http::Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
    /// The exact answer body expected, if known; else any non-empty body.
    expect: Option<Bytes>,
}

impl Target {
    fn get(name: &'static str, addr: SocketAddr, path: &str) -> Self {
        Target {
            name,
            addr,
            method: http::Method::GET,
            path: path.to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
            expect: None,
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn request(&self) -> Result<http::Request<Full<Bytes>>> {
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(self.path.as_str())
            .header(http::header::HOST, self.addr.to_string());
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        Ok(builder.body(Full::new(self.body.clone()))?)
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends one request on `sender`; returns the status and body.
async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: http::Request<Full<Bytes>>,
) -> Result<(u16, Bytes)> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// One answer as the target expects it, or why not.
fn check(target: &Target, status: u16, body: &[u8]) -> Result<()> {
    if !(200..300).contains(&status) {
        return Err(format!(
            "{}: status {status}: {}",
            target.name,
            String::from_utf8_lossy(body)
        )
        .into());
    }
    match &target.expect {
        Some(expected) if expected.as_ref() != body => {
            Err(format!("{}: the body differs from the expected bytes", target.name).into())
        }
        None if body.is_empty() => Err(format!("{}: empty body", target.name).into()),
        _ => Ok(()),
    }
}

/// Sends up to `n` requests (stopping early at `limit`) with `CONCURRENCY` keep-alive
/// connections, opened before the clock starts; returns requests per second.
async fn round(target: &Target, n: usize, limit: Duration) -> Result<f64> {
    let mut senders = Vec::with_capacity(CONCURRENCY);
    for _ in 0..CONCURRENCY {
        senders.push(connect(target.addr).await?);
    }
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + limit;
    let mut workers = Vec::with_capacity(CONCURRENCY);
    for mut sender in senders {
        let issued = Arc::clone(&issued);
        let target = target.clone();
        workers.push(tokio::spawn(async move {
            let mut done = 0_usize;
            while issued.fetch_add(1, Ordering::Relaxed) < n && Instant::now() < deadline {
                let (status, body) = send(&mut sender, target.request()?).await?;
                check(&target, status, &body)?;
                done += 1;
            }
            Ok::<usize, Error>(done)
        }));
    }
    let mut done = 0;
    for worker in workers {
        done += worker.await??;
    }
    let elapsed = started.elapsed();
    Ok(done as f64 / elapsed.as_secs_f64())
}

// ---- MoMo set-up ------------------------------------------------------------------------

/// A client for set-up calls (one connection, sequential).
struct Setup {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Setup {
    async fn new(addr: SocketAddr) -> Result<Self> {
        Ok(Setup {
            addr,
            sender: connect(addr).await?,
        })
    }

    async fn call(
        &mut self,
        method: http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<(u16, Bytes)> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, self.addr.to_string());
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Full::new(Bytes::from(body.to_owned())))?;
        send(&mut self.sender, request).await
    }

    /// A call that must answer `want`; returns the body as JSON (`null` when empty).
    async fn expect(
        &mut self,
        want: u16,
        method: http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Value> {
        let (status, answer) = self.call(method.clone(), path, headers, body).await?;
        if status != want {
            return Err(format!(
                "{method} {path}: {status} (wanted {want}): {}",
                String::from_utf8_lossy(&answer)
            )
            .into());
        }
        if answer.is_empty() {
            return Ok(Value::Null);
        }
        Ok(serde_json::from_slice(&answer)?)
    }
}

fn field(value: &Value, name: &str) -> Result<String> {
    value
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no string `{name}` in {value}").into())
}

fn request_to_pay_body(external_id: &str) -> String {
    json!({
        "amount": "1.00",
        "currency": "EUR",
        "externalId": external_id,
        "payer": { "partyIdType": "MSISDN", "partyId": SUCCESS_MSISDN },
        "payerMessage": "Bench",
        "payeeNote": "Bench",
    })
    .to_string()
}

/// What (d) and (e) need: a provisioned API user's token and one payment's reference id.
struct MomoRead {
    key: String,
    token: String,
    reference: String,
}

/// Provisions an API user and key through the API, takes a collection token, creates one
/// request to pay, then `extra` more (32 in flight), and moves the clock past settlement.
async fn momo_setup(addr: SocketAddr, extra: usize) -> Result<MomoRead> {
    let mut setup = Setup::new(addr).await?;
    let credentials = setup
        .expect(200, http::Method::GET, "/__bankkit/credentials", &[], "")
        .await?;
    let key = field(&credentials, "collection_key")?;
    let user = uuid::Uuid::new_v4().to_string();
    setup
        .expect(
            201,
            http::Method::POST,
            "/v1_0/apiuser",
            &[
                ("Ocp-Apim-Subscription-Key", &key),
                ("X-Reference-Id", &user),
                ("Content-Type", "application/json"),
            ],
            r#"{"providerCallbackHost":"127.0.0.1"}"#,
        )
        .await?;
    let api_key = setup
        .expect(
            201,
            http::Method::POST,
            &format!("/v1_0/apiuser/{user}/apikey"),
            &[("Ocp-Apim-Subscription-Key", &key), ("Content-Length", "0")],
            "",
        )
        .await?;
    let api_key = field(&api_key, "apiKey")?;
    let basic = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{api_key}"))
    };
    let token = setup
        .expect(
            200,
            http::Method::POST,
            "/collection/token/",
            &[
                ("Ocp-Apim-Subscription-Key", &key),
                ("Authorization", &format!("Basic {basic}")),
                ("Content-Length", "0"),
            ],
            "",
        )
        .await?;
    let token = field(&token, "access_token")?;
    let create = {
        let (key, token) = (key.clone(), token.clone());
        move |reference: String| {
            Target {
                name: "create",
                addr,
                method: http::Method::POST,
                path: "/collection/v1_0/requesttopay".to_owned(),
                headers: Vec::new(),
                body: Bytes::from(request_to_pay_body(&reference)),
                expect: None,
            }
            .header("Ocp-Apim-Subscription-Key", key.clone())
            .header("Authorization", format!("Bearer {token}"))
            .header("X-Target-Environment", "sandbox")
            .header("Content-Type", "application/json")
            .header("X-Reference-Id", reference)
        }
    };
    let reference = uuid::Uuid::new_v4().to_string();
    let (status, body) = send(&mut setup.sender, create(reference.clone()).request()?).await?;
    if status != 202 {
        return Err(format!(
            "request to pay: {status}: {}",
            String::from_utf8_lossy(&body)
        )
        .into());
    }
    if extra > 0 {
        let started = Instant::now();
        let deadline = started + CREATE_LIMIT;
        let issued = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..CREATE_CONCURRENCY {
            let mut sender = connect(addr).await?;
            let issued = Arc::clone(&issued);
            let create = create.clone();
            workers.push(tokio::spawn(async move {
                while issued.fetch_add(1, Ordering::Relaxed) < extra {
                    if Instant::now() >= deadline {
                        return Err::<(), Error>("creating payments took too long".into());
                    }
                    let request = create(uuid::Uuid::new_v4().to_string()).request()?;
                    let (status, body) = send(&mut sender, request).await?;
                    if status != 202 {
                        return Err(format!(
                            "request to pay: {status}: {}",
                            String::from_utf8_lossy(&body)
                        )
                        .into());
                    }
                }
                Ok(())
            }));
        }
        for worker in workers {
            worker.await??;
        }
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "created {extra} more requests to pay in {elapsed:.1} s ({:.0}/s)",
            extra as f64 / elapsed
        );
        // The set-up connection may have sat idle past the server's idle timeout meanwhile.
        setup = Setup::new(addr).await?;
    }
    // Past the 5 s settlement: every payment is SUCCESSFUL and settled, as on a server that
    // has been running a while.
    setup
        .expect(
            200,
            http::Method::POST,
            "/__bankkit/clock/advance",
            &[("Content-Type", "application/json")],
            r#"{"seconds":10}"#,
        )
        .await?;
    let status = setup
        .expect(
            200,
            http::Method::GET,
            &format!("/collection/v1_0/requesttopay/{reference}"),
            &[
                ("Ocp-Apim-Subscription-Key", &key),
                ("Authorization", &format!("Bearer {token}")),
                ("X-Target-Environment", "sandbox"),
            ],
            "",
        )
        .await?;
    if field(&status, "status")? != "SUCCESSFUL" {
        return Err(format!("the payment did not succeed: {status}").into());
    }
    Ok(MomoRead {
        key,
        token,
        reference,
    })
}

fn status_target(name: &'static str, addr: SocketAddr, read: &MomoRead) -> Target {
    Target::get(
        name,
        addr,
        &format!("/collection/v1_0/requesttopay/{}", read.reference),
    )
    .header("Ocp-Apim-Subscription-Key", read.key.clone())
    .header("Authorization", format!("Bearer {}", read.token))
    .header("X-Target-Environment", "sandbox")
}

// ---- the run ----------------------------------------------------------------------------

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(setting("BANKKIT_BENCH_CLIENT_THREADS", 2).max(1))
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    let n = setting("BANKKIT_BENCH_REQUESTS", 20_000).max(1);
    let rounds = setting("BANKKIT_BENCH_ROUNDS", 7).max(1);
    let limit = Duration::from_secs(setting("BANKKIT_BENCH_ROUND_SECONDS", 3).max(1) as u64);
    let payments = setting("BANKKIT_BENCH_PAYMENTS", 100_000);

    // (c) first: its answer is the body (a) and (b) serve.
    let (_monobank, monobank) = sandbox_server("monobank").await?;
    let mut setup = Setup::new(monobank).await?;
    let (status, bytes) = setup
        .call(http::Method::GET, "/bank/currency", &[], "")
        .await?;
    if status != 200 || bytes.is_empty() {
        return Err(format!("GET /bank/currency answered {status}").into());
    }
    drop(setup);
    STATIC_BODY
        .set(bytes.clone())
        .map_err(|_| "the static body was set twice")?;
    let (_static, static_body) = sandbox_server("bench_static").await?;
    let (_axum, axum) = axum_server(bytes.clone())?;
    let (_wiremock, wiremock) = wiremock_server(bytes.clone())?;
    let (_fresh, fresh) = sandbox_server("momo").await?;
    let (_full, full) = sandbox_server("momo").await?;
    let fresh_read = momo_setup(fresh, 0).await?;
    let full_read = momo_setup(full, payments).await?;

    let same = |name, addr| Target {
        expect: Some(bytes.clone()),
        ..Target::get(name, addr, "/bank/currency")
    };
    let targets = [
        same("(a) bare axum handler", axum),
        same("(b) static wiremock mock", wiremock),
        same("(c) sandbox GET /bank/currency", monobank),
        same("(c0) sandbox server, ready-made reply", static_body),
        status_target("(d) sandbox MoMo status, fresh", fresh, &fresh_read),
        status_target("(e) sandbox MoMo status, after payments", full, &full_read),
    ];

    for target in &targets {
        round(target, n.min(2_000), limit).await?;
    }
    let mut rates = vec![Vec::with_capacity(rounds); targets.len()];
    for _ in 0..rounds {
        for (target, rates) in targets.iter().zip(rates.iter_mut()) {
            rates.push(round(target, n, limit).await?);
        }
    }
    let medians: Vec<f64> = rates.iter().map(|r| median(r)).collect();

    println!();
    println!(
        "{} bytes per /bank/currency answer; {CONCURRENCY} keep-alive connections; \
         {rounds} rounds of up to {n} requests or {} s per target; (e) after {payments} payments",
        bytes.len(),
        limit.as_secs()
    );
    println!(
        "{:<42} {:>10} {:>10} {:>10}",
        "target", "median/s", "min/s", "max/s"
    );
    for ((target, rates), median) in targets.iter().zip(&rates).zip(&medians) {
        let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rates.iter().copied().fold(0.0, f64::max);
        println!("{:<42} {median:>10.0} {min:>10.0} {max:>10.0}", target.name);
    }
    let ratio = |x: usize, y: usize| medians[x] / medians[y];
    let verdict = |value: f64, target: f64| {
        if value >= target {
            format!("meets >= {target}")
        } else {
            format!("MISSES >= {target}")
        }
    };
    println!();
    let (cb, db, ed, ab) = (ratio(2, 1), ratio(4, 1), ratio(5, 4), ratio(0, 1));
    let (c0b, cc0) = (ratio(3, 1), ratio(2, 3));
    println!(
        "(c)/(b) sandbox read / wiremock:        {cb:>6.2}  {}",
        verdict(cb, 0.8)
    );
    println!("(d)/(b) stateful read / wiremock:       {db:>6.2}");
    println!(
        "(e)/(d) read after payments / fresh:    {ed:>6.2}  {}",
        verdict(ed, 0.8)
    );
    println!("(a)/(b) axum / wiremock:                {ab:>6.2}");
    println!("diagnosis:");
    println!("(c0)/(b) sandbox server alone / wiremock: {c0b:>6.2}");
    println!("(c)/(c0) currency responder's share:      {cc0:>6.2}");
    let missed: Vec<String> = [("(c)/(b)", cb), ("(e)/(d)", ed)]
        .into_iter()
        .filter(|(_, value)| *value < 0.8)
        .map(|(name, value)| format!("{name} = {value:.2} < 0.8"))
        .collect();
    if missed.is_empty() {
        Ok(())
    } else {
        Err(missed.join("; ").into())
    }
}

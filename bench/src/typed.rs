//! The typed Monobank call against the same request made with raw `reqwest` and parsed
//! with `serde_json` into the same wire type, on one sandbox route, side by side.

use std::time::{Duration, Instant};

use bankkit_core::http::Pacing;
use bankkit_core::secret::secret;
use bankkit_monobank::{ClientInfo, MonobankClient};
use bankkit_sandbox::Sandbox;
use futures::{stream, StreamExt, TryStreamExt};

use crate::{option, secs, BenchResult};

/// Calls per block: typed and raw blocks alternate so drift hits both alike.
const BLOCK: usize = 100;

pub(crate) async fn run(options: &[String]) -> BenchResult<()> {
    let calls: usize = option(options, "--calls", 4000)?;
    let concurrency: usize = option(options, "--concurrency", 16)?;
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .rate_limits(false)
        .start()
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    let monobank = sandbox.monobank().ok_or("the sandbox has no monobank")?;
    let base = monobank.base_url();
    let token = monobank.credentials()["token"]
        .as_str()
        .ok_or("no monobank token")?
        .to_owned();
    let typed = MonobankClient::builder()
        .token(secret(token.clone()))
        .base_url(base.clone())
        .pacing(Pacing::Off)
        .build()
        .map_err(|e| format!("client: {e}"))?;
    let raw = Raw {
        client: reqwest::Client::new(),
        url: format!("{}/personal/client-info", base.trim_end_matches('/')),
        token,
    };
    let bytes = raw.bytes().await?;
    println!(
        "typed vs raw: GET /personal/client-info on the sandbox (rate limits off, pacing off), \
         {} bytes, {calls} calls each way, blocks of {BLOCK} interleaved",
        bytes.len()
    );
    // Warm up both (connections, allocator).
    measure(&typed, &raw, BLOCK * 2, 1).await?;
    for (label, in_flight) in [("sequential", 1), ("concurrent", concurrency)] {
        let (t, r) = measure(&typed, &raw, calls, in_flight).await?;
        let per = |d: Duration| d.as_secs_f64() * 1e6 / calls as f64;
        println!(
            "  {label:<10} (in flight {in_flight:>2}): typed {} ({:.1} µs/call), raw {} ({:.1} µs/call), typed/raw = {:.3}x",
            secs(t),
            per(t),
            secs(r),
            per(r),
            t.as_secs_f64() / r.as_secs_f64()
        );
    }
    Ok(())
}

struct Raw {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Raw {
    async fn bytes(&self) -> BenchResult<bytes::Bytes> {
        let response = self
            .client
            .get(&self.url)
            .header("X-Token", &self.token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("raw call: {}", response.status()));
        }
        response.bytes().await.map_err(|e| e.to_string())
    }

    async fn client_info(&self) -> BenchResult<ClientInfo> {
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }
}

/// Total time of `calls` typed and `calls` raw calls, `in_flight` at a time, in
/// alternating blocks.
async fn measure(
    typed: &MonobankClient,
    raw: &Raw,
    calls: usize,
    in_flight: usize,
) -> BenchResult<(Duration, Duration)> {
    let (mut t, mut r) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    while done < calls {
        let n = BLOCK.min(calls - done);
        let started = Instant::now();
        stream::iter(0..n)
            .map(|_| async { typed.client_info().await.map_err(|e| e.to_string()) })
            .buffer_unordered(in_flight)
            .try_for_each(|_| async { Ok(()) })
            .await?;
        t += started.elapsed();
        let started = Instant::now();
        stream::iter(0..n)
            .map(|_| raw.client_info())
            .buffer_unordered(in_flight)
            .try_for_each(|_| async { Ok(()) })
            .await?;
        r += started.elapsed();
        done += n;
    }
    Ok((t, r))
}

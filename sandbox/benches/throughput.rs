//! Sandbox throughput: the Monobank imitation (front proxy, fault wrapper, stateful
//! responder) against a bare wiremock server answering the same bytes, side by side in one
//! run. Prints requests per second for both and their ratio.
//!
//! `cargo bench -p bankkit-sandbox --bench throughput` (set `BANKKIT_BENCH_REQUESTS` to
//! change the number of requests per round).

// Rates are measurements, not money: floats are right here.
#![allow(clippy::float_arithmetic)]

use std::time::{Duration, Instant};

use bankkit_sandbox::Sandbox;
use futures::stream::{self, StreamExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONCURRENCY: usize = 16;
const ROUNDS: usize = 3;

/// Sends `n` GETs to `url` with `CONCURRENCY` in flight; returns the elapsed time.
async fn hammer(client: &reqwest::Client, url: &str, n: usize) -> Result<Duration, String> {
    let started = Instant::now();
    let failures = stream::iter(0..n)
        .map(|_| async {
            match client.get(url).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_err(),
                _ => true,
            }
        })
        .buffer_unordered(CONCURRENCY)
        .filter(|failed| std::future::ready(*failed))
        .count()
        .await;
    if failures > 0 {
        return Err(format!("{failures} of {n} requests failed"));
    }
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("BANKKIT_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let sandbox = Sandbox::builder().providers(["monobank"]).start().await?;
    let monobank = sandbox.monobank().ok_or("no monobank")?;
    let sandbox_url = format!("{}/bank/currency", monobank.base_url());

    let client = reqwest::Client::builder().no_proxy().build()?;
    let body = client.get(&sandbox_url).send().await?.bytes().await?;
    let bare = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(method("GET"))
        .and(path("/bank/currency"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_vec(), "application/json"))
        .mount(&bare)
        .await;
    let bare_url = format!("{}/bank/currency", bare.uri());

    // Warm up both, then alternate rounds so that machine noise hits both alike.
    hammer(&client, &sandbox_url, 200).await?;
    hammer(&client, &bare_url, 200).await?;
    let (mut sandbox_time, mut bare_time) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..ROUNDS {
        sandbox_time += hammer(&client, &sandbox_url, n).await?;
        bare_time += hammer(&client, &bare_url, n).await?;
    }
    let total = (n * ROUNDS) as u32;
    let rate = |t: Duration| f64::from(total) / t.as_secs_f64();
    println!("requests: {total} per target, {CONCURRENCY} in flight");
    println!("bare wiremock:      {:>8.0} req/s", rate(bare_time));
    println!("monobank sandbox:   {:>8.0} req/s", rate(sandbox_time));
    println!(
        "sandbox / bare:     {:>8.2}",
        bare_time.as_secs_f64() / sandbox_time.as_secs_f64()
    );
    Ok(())
}

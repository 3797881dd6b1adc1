//! A small HTTP/1.1 load generator: `concurrency` keep-alive connections, each sending one
//! request after another for a fixed time, every answer read to its end and checked.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::BenchResult;

/// What one load run did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub(crate) requests: u64,
    pub(crate) elapsed: Duration,
}

impl Load {
    pub(crate) fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// `GET base/path` with `headers` from `concurrency` connections for `duration`; every
/// answer must be 200 with a body of `expected_len` bytes.
pub(crate) async fn run(
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    expected_len: usize,
    concurrency: usize,
    duration: Duration,
) -> BenchResult<Load> {
    let authority = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (authority, path, stop, count) = (
            authority.clone(),
            path.to_owned(),
            stop.clone(),
            count.clone(),
        );
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(&authority)
                .await
                .map_err(|e| format!("connect {authority}: {e}"))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            while !stop.load(Ordering::Relaxed) {
                let mut request = Request::get(path.as_str()).header("host", authority.as_str());
                for (k, v) in &headers {
                    request = request.header(k.as_str(), v.as_str());
                }
                let request = request
                    .body(Empty::<Bytes>::new())
                    .map_err(|e| e.to_string())?;
                sender.ready().await.map_err(|e| e.to_string())?;
                let response = sender
                    .send_request(request)
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?
                    .to_bytes();
                if status != 200 || body.len() != expected_len {
                    return Err(format!(
                        "unexpected answer: {status}, {} bytes (expected {expected_len})",
                        body.len()
                    ));
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), String>(())
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let requests = count.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(Load { requests, elapsed })
}

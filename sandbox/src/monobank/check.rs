//! The bank's check of a new webhook URL: a GET that must answer exactly 200.
//!
//! This is the one outbound call made inside a responder. It runs on a thread of its own with
//! a private single-threaded runtime, never on an async runtime's worker, and gives up after
//! [`CHECK_TIMEOUT`]. While it runs, the Monobank server answers nothing else (responders run
//! under wiremock's lock), as a real client would only notice as a slow call.

use std::sync::mpsc;
use std::time::Duration;

/// How long the receiver has to answer the check (real time).
pub(crate) const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether `url` answers a GET with exactly 200 within [`CHECK_TIMEOUT`].
pub(crate) fn answers_200(url: &str) -> bool {
    let (sender, receiver) = mpsc::channel();
    let url = url.to_owned();
    let spawned = std::thread::Builder::new()
        .name("monobank-webhook-check".to_owned())
        .spawn(move || {
            // The receiver may be gone after a timeout; nothing to do then.
            let _ = sender.send(get_status(&url) == Some(200));
        });
    if spawned.is_err() {
        return false;
    }
    receiver
        .recv_timeout(CHECK_TIMEOUT + Duration::from_millis(500))
        .unwrap_or(false)
}

fn get_status(url: &str) -> Option<u16> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(CHECK_TIMEOUT)
            .build()
            .ok()?;
        let response = client.get(url).send().await.ok()?;
        Some(response.status().as_u16())
    })
}

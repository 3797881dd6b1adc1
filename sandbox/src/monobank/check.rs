//! The bank's check of a new webhook URL: a GET that must answer exactly 200.
//!
//! This is the one outbound call made while a request waits. It runs as an asynchronous route
//! ([`RespondAsync`](crate::RespondAsync)), holds no lock while it waits, and gives up after
//! [`CHECK_TIMEOUT`]; other requests to the Monobank server are answered meanwhile.

use std::time::Duration;

use crate::ProviderContext;

/// How long the receiver has to answer the check (real time).
pub(crate) const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether `url` answers a GET with exactly 200 within [`CHECK_TIMEOUT`].
pub(crate) async fn answers_200(ctx: &ProviderContext, url: &str) -> bool {
    let _ = ctx;
    let Ok(client) = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CHECK_TIMEOUT)
        .build()
    else {
        return false;
    };
    matches!(client.get(url).send().await, Ok(response) if response.status() == 200)
}

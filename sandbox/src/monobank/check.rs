//! The bank's check of a new webhook URL: a GET (personal webhook) or a test POST (provider
//! "corp" webhook) that must answer exactly 200.
//!
//! These are the only outbound calls made while a request waits. It runs as an asynchronous route
//! ([`RespondAsync`](crate::RespondAsync)), holds no lock while it waits, and gives up after
//! [`CHECK_TIMEOUT`]; other requests to the Monobank server are answered meanwhile. It obeys
//! the sandbox's outbound rules: a host off the allow list fails the check without any
//! connection (as an unreachable URL does), redirects are not followed (a 302 is not 200),
//! and it shares the sandbox's one HTTP client and its cap on requests in flight (waiting at
//! most [`CHECK_TIMEOUT`] for a turn).

use std::time::Duration;

use crate::outbound::{log_refusal, Target};
use crate::ProviderContext;

/// How long the receiver has to answer the check (real time).
pub(crate) const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether `url` is allowed and answers a GET with exactly 200 within [`CHECK_TIMEOUT`].
pub(crate) async fn answers_200(ctx: &ProviderContext, url: &str) -> bool {
    answers_200_to(ctx, url, None).await
}

/// Whether `url` is allowed and answers a POST of the JSON `body` with exactly 200 within
/// [`CHECK_TIMEOUT`].
pub(crate) async fn answers_200_to_post(ctx: &ProviderContext, url: &str, body: Vec<u8>) -> bool {
    answers_200_to(ctx, url, Some(body)).await
}

/// A GET (no body) or a JSON POST (`Some(body)`) that must answer exactly 200.
async fn answers_200_to(ctx: &ProviderContext, url: &str, post: Option<Vec<u8>>) -> bool {
    let outbound = ctx.webhooks().outbound();
    let url = match outbound.target(url) {
        Target::Allowed { url, .. } => url,
        Target::Refused(refusal) => {
            log_refusal(ctx.name(), "webhook URL check", &refusal);
            return false;
        }
    };
    let Some(client) = outbound.client() else {
        return false;
    };
    let permit = tokio::time::timeout(
        CHECK_TIMEOUT,
        std::sync::Arc::clone(outbound.permits()).acquire_owned(),
    )
    .await;
    let Ok(Ok(_permit)) = permit else {
        tracing::warn!(
            provider = ctx.name(),
            "webhook URL check failed: no turn among outbound requests in time"
        );
        return false;
    };
    let request = match post {
        None => client.get(url),
        Some(body) => client
            .post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body),
    };
    let response = request.timeout(CHECK_TIMEOUT).send().await;
    matches!(response, Ok(response) if response.status() == 200)
}

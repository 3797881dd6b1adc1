//! Faults on reads: every kind the sandbox can inject becomes the right core error, or is
//! absorbed by the retry policy, and never a panic.
//!
//! Every fault here is limited to `GET` requests ([`on_reads`]): a provider that mints or
//! refreshes a token with a `POST` before its first read (MoMo, Monzo) would otherwise meet
//! the fault on that `POST`, and the check would test the token call instead of the read.

use std::time::Duration;

use bankkit_core::http::RetryPolicy;
use bankkit_core::{Capability, Error};
use bankkit_sandbox::Fault;
use chrono::TimeDelta;
use futures::FutureExt;

use crate::{ensure, Check, CheckResult, Target};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "faults.rate_limited_with_retry_after",
            capability: Some(Capability::Balance),
            run: |t| rate_limited_with_retry_after(t).boxed(),
        },
        Check {
            name: "faults.server_error_on_read_retried",
            capability: Some(Capability::Balance),
            run: |t| server_error_on_read_retried(t).boxed(),
        },
        Check {
            name: "faults.server_error_without_retries",
            capability: Some(Capability::Balance),
            run: |t| server_error_without_retries(t).boxed(),
        },
        Check {
            name: "faults.timeout",
            capability: Some(Capability::Balance),
            run: |t| timeout(t).boxed(),
        },
        Check {
            name: "faults.malformed_body",
            capability: Some(Capability::Balance),
            run: |t| malformed_body(t).boxed(),
        },
        Check {
            name: "faults.dropped_connection",
            capability: Some(Capability::Balance),
            run: |t| dropped_connection(t).boxed(),
        },
    ]
}

/// `fault`, limited to reads (`GET`).
pub(crate) fn on_reads(fault: Fault) -> Fault {
    fault.method("GET")
}

fn never() -> bankkit_core::http::HttpOptions {
    Target::default_options().retry(RetryPolicy::Never)
}

async fn read_accounts(
    target: &Target,
    options: bankkit_core::http::HttpOptions,
) -> Result<Result<usize, Error>, String> {
    let provider = target.provider_with(options)?;
    let balance = provider.balance().ok_or("no balance accessor")?;
    Ok(balance.accounts().await.map(|a| a.len()))
}

/// A 429 with `Retry-After: 30` is waited out on the clock and the read succeeds.
async fn rate_limited_with_retry_after(target: &Target) -> CheckResult {
    target
        .sandbox()
        .inject(on_reads(Fault::status(429).retry_after(30).times(1)));
    let before = target.clock().now();
    read_accounts(target, Target::default_options())
        .await?
        .map_err(|e| format!("expected success after waiting, got {e}"))?;
    let waited = target.clock().now() - before;
    ensure(waited >= TimeDelta::seconds(30), || {
        format!("Retry-After 30 s but the clock moved {waited}")
    })?;
    let provider = target.provider_with(never())?;
    target
        .sandbox()
        .inject(on_reads(Fault::status(429).retry_after(30).times(1)));
    let balance = provider.balance().ok_or("no balance accessor")?;
    match balance.accounts().await {
        Err(Error::RateLimited {
            retry_after: Some(d),
            ..
        }) if d == Duration::from_secs(30) => Ok(()),
        other => Err(format!("without retries expected RateLimited(30 s), got {other:?}").into()),
    }
}

/// Two 503 answers on a read are retried and the third attempt succeeds.
async fn server_error_on_read_retried(target: &Target) -> CheckResult {
    target
        .sandbox()
        .inject(on_reads(Fault::status(503).times(2)));
    read_accounts(target, Target::default_options())
        .await?
        .map_err(|e| format!("expected success after retries, got {e}"))?;
    ensure(target.sandbox().faults().is_empty(), || {
        "the faults were not all met".into()
    })
}

/// With retries off, a 500 is a retryable provider error.
async fn server_error_without_retries(target: &Target) -> CheckResult {
    target
        .sandbox()
        .inject(on_reads(Fault::status(500).times(1)));
    match read_accounts(target, never()).await? {
        Err(e @ Error::Provider { status: 500, .. }) if e.is_retryable() => Ok(()),
        other => Err(format!("expected Provider(500), got {other:?}").into()),
    }
}

/// An answer slower than the client's timeout is `Timeout`.
async fn timeout(target: &Target) -> CheckResult {
    let options = never().timeout(Duration::from_millis(300));
    target
        .sandbox()
        .inject(on_reads(Fault::delay(Duration::from_millis(1500)).times(1)));
    match read_accounts(target, options).await? {
        Err(Error::Timeout { .. }) => Ok(()),
        other => Err(format!("expected Timeout, got {other:?}").into()),
    }
}

/// A 200 with a body that is not valid JSON is `Decode`.
async fn malformed_body(target: &Target) -> CheckResult {
    target
        .sandbox()
        .inject(on_reads(Fault::malformed_body().times(1)));
    match read_accounts(target, never()).await? {
        Err(Error::Decode { .. }) => Ok(()),
        other => Err(format!("expected Decode, got {other:?}").into()),
    }
}

/// A connection closed without an answer is `Transport`; with retries the read succeeds.
async fn dropped_connection(target: &Target) -> CheckResult {
    target
        .sandbox()
        .inject(on_reads(Fault::drop_connection().times(1)));
    match read_accounts(target, never()).await? {
        Err(Error::Transport { .. }) => {}
        other => return Err(format!("expected Transport, got {other:?}").into()),
    }
    target
        .sandbox()
        .inject(on_reads(Fault::drop_connection().times(1)));
    read_accounts(target, Target::default_options())
        .await?
        .map_err(|e| format!("expected success after a retry, got {e}"))?;
    Ok(())
}

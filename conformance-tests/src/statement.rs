//! Checks of [`bankkit_core::Statement`]: the stream returns exactly what the sandbox holds.

use std::collections::{BTreeMap, BTreeSet};

use bankkit_core::{
    AccountId, Capability, Statement, StatementLimits, StatementPage, StatementRequest, Transaction,
};
use bankkit_sandbox::{Fault, LedgerAccount};
use chrono::{DateTime, TimeDelta, Utc};
use futures::{FutureExt, TryStreamExt};

use crate::{ensure, Check, CheckResult, Target};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "statement.complete_across_windows_and_pages",
            capability: Some(Capability::Statement),
            run: |t| complete_across_windows_and_pages(t).boxed(),
        },
        Check {
            name: "statement.survives_token_expiry_mid_stream",
            capability: Some(Capability::Statement),
            run: |t| survives_token_expiry_mid_stream(t).boxed(),
        },
        Check {
            name: "statement.waits_out_rate_limits",
            capability: Some(Capability::Statement),
            run: |t| waits_out_rate_limits(t).boxed(),
        },
        Check {
            name: "statement.consecutive_reads_respect_limits",
            capability: Some(Capability::Statement),
            run: |t| consecutive_reads_respect_limits(t).boxed(),
        },
    ]
}

/// The sandbox account with the most transactions, and the times of its first and last.
fn busiest(target: &Target) -> Result<(LedgerAccount, DateTime<Utc>, DateTime<Utc>), String> {
    let account = target
        .ledger()
        .listed_accounts()
        .max_by_key(|a| a.transactions.len())
        .cloned()
        .ok_or("the sandbox has no accounts")?;
    let times = account.transactions.iter().map(|t| t.time);
    let first = times
        .clone()
        .min()
        .ok_or("the sandbox seeded no transactions")?;
    let last = times.max().ok_or("the sandbox seeded no transactions")?;
    Ok((account, first, last))
}

async fn stream(
    target: &Target,
    account: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Transaction>, String> {
    let provider = target.provider()?;
    let statement = provider.statement().ok_or("no statement accessor")?;
    collect(statement, account, from, to).await
}

async fn collect(
    statement: &dyn Statement,
    account: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Transaction>, String> {
    statement
        .transactions(AccountId::new(account), from, to)
        .try_collect()
        .await
        .map_err(|e| format!("statement stream: {e}"))
}

/// The start of the history the provider serves without re-authentication, with a margin
/// of two days so that a check moving the clock stays inside it.
fn served_from(target: &Target, statement: &dyn Statement, first: DateTime<Utc>) -> DateTime<Utc> {
    history_start(target.clock().now(), statement.limits().history, first)
}

/// `first`, or `now - history + 2 days` when that is later; `first` when the history is so
/// long that the subtraction would leave the calendar (no panic on overflow).
fn history_start(
    now: DateTime<Utc>,
    history: Option<std::time::Duration>,
    first: DateTime<Utc>,
) -> DateTime<Utc> {
    history
        .and_then(|h| TimeDelta::from_std(h).ok())
        .and_then(|history| now.checked_sub_signed(history))
        .and_then(|start| start.checked_add_signed(TimeDelta::days(2)))
        .map_or(first, |start| first.max(start))
}

/// Compares streamed transactions with the sandbox's for `[from, to)`.
fn compare(
    account: &LedgerAccount,
    got: &[Transaction],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> CheckResult {
    let expected: BTreeMap<&str, i64> = account
        .transactions
        .iter()
        .filter(|t| t.time >= from && t.time < to)
        .map(|t| (t.id.as_str(), t.amount_minor))
        .collect();
    let ids: BTreeSet<&str> = got.iter().map(|t| t.id.as_str()).collect();
    ensure(ids.len() == got.len(), || {
        format!(
            "{} duplicates among {} items",
            got.len() - ids.len(),
            got.len()
        )
    })?;
    let missing: Vec<_> = expected.keys().filter(|id| !ids.contains(*id)).collect();
    ensure(missing.is_empty(), || {
        format!(
            "{} of {} transactions missing, e.g. {:?}",
            missing.len(),
            expected.len(),
            missing.first()
        )
    })?;
    let extra: Vec<_> = ids
        .iter()
        .filter(|id| !expected.contains_key(*id))
        .collect();
    ensure(extra.is_empty(), || {
        format!(
            "{} transactions the sandbox does not hold in range, e.g. {:?}",
            extra.len(),
            extra.first()
        )
    })?;
    for t in got {
        let signed = t.signed_amount().to_minor().map_err(|e| e.to_string())?;
        let want = expected.get(t.id.as_str()).copied().unwrap_or_default();
        ensure(signed == want, || {
            format!("{}: amount {signed} but the sandbox holds {want}", t.id)
        })?;
        ensure(t.time >= from && t.time < to, || {
            format!("{} at {} is outside the range", t.id, t.time)
        })?;
    }
    Ok(())
}

/// The whole history of the busiest account, streamed across every window and page the
/// provider needs, equals the sandbox's transactions: no gap, no duplicate, same amounts.
async fn complete_across_windows_and_pages(target: &Target) -> CheckResult {
    let (account, first, last) = busiest(target)?;
    let provider = target.provider()?;
    let statement = provider.statement().ok_or("no statement accessor")?;
    let (from, to) = (
        served_from(target, statement, first),
        last + TimeDelta::seconds(1),
    );
    let got = collect(statement, &account.id, from, to).await?;
    compare(&account, &got, from, to)
}

/// A statement that moves the clock a day on after its first page: every token the
/// provider holds expires in the middle of the stream.
struct ExpiringMidStream<'a> {
    inner: &'a dyn Statement,
    clock: bankkit_core::clock::ManualClock,
    pages: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Statement for ExpiringMidStream<'_> {
    fn limits(&self) -> StatementLimits {
        self.inner.limits()
    }
    fn clock(&self) -> std::sync::Arc<dyn bankkit_core::Clock> {
        self.inner.clock()
    }
    async fn page(&self, request: &StatementRequest) -> bankkit_core::Result<StatementPage> {
        let page = self.inner.page(request).await?;
        if self.pages.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            self.clock
                .advance(std::time::Duration::from_secs(24 * 3600));
        }
        Ok(page)
    }
}

/// The credentials expire after the first page (the clock moves a day); the stream still
/// returns every transaction.
async fn survives_token_expiry_mid_stream(target: &Target) -> CheckResult {
    let (account, first, last) = busiest(target)?;
    let provider = target.provider()?;
    let inner = provider.statement().ok_or("no statement accessor")?;
    let (from, to) = (
        served_from(target, inner, first),
        last + TimeDelta::seconds(1),
    );
    let expiring = ExpiringMidStream {
        inner,
        clock: target.clock().clone(),
        pages: std::sync::atomic::AtomicUsize::new(0),
    };
    let got = collect(&expiring, &account.id, from, to).await?;
    ensure(
        expiring.pages.load(std::sync::atomic::Ordering::SeqCst) > 1,
        || "the range fitted one page, so nothing expired mid-stream".into(),
    )?;
    compare(&account, &got, from, to)
}

/// Rate-limit answers with `Retry-After`, more than one call's retries can absorb, are
/// waited out on the clock and the stream still completes.
async fn waits_out_rate_limits(target: &Target) -> CheckResult {
    let (account, _, last) = busiest(target)?;
    let (from, to) = (last - TimeDelta::days(3), last + TimeDelta::seconds(1));
    target
        .sandbox()
        .inject(Fault::status(429).retry_after(30).times(4));
    let before = target.clock().now();
    let got = stream(target, &account.id, from, to).await?;
    compare(&account, &got, from, to)?;
    let waited = target.clock().now() - before;
    ensure(waited >= TimeDelta::seconds(4 * 30), || {
        format!("the clock moved only {waited}: Retry-After was not honoured")
    })?;
    ensure(target.sandbox().faults().is_empty(), || {
        "not every 429 was met".into()
    })
}

/// Two statement reads in a row, with retries off, both succeed: the client keeps the
/// provider's documented limits itself (waiting on the clock) instead of being refused.
async fn consecutive_reads_respect_limits(target: &Target) -> CheckResult {
    let (account, _, last) = busiest(target)?;
    let options = Target::default_options().retry(bankkit_core::http::RetryPolicy::Never);
    let provider = target.provider_with(options)?;
    let statement = provider.statement().ok_or("no statement accessor")?;
    for (n, days) in [(1, 1), (2, 2), (3, 3)] {
        let request = bankkit_core::StatementRequest::new(
            AccountId::new(account.id.clone()),
            last - TimeDelta::days(days),
            last,
        );
        statement
            .page(&request)
            .await
            .map_err(|e| format!("read {n} of 3 failed: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_longer_than_the_calendar_does_not_overflow() {
        let now: DateTime<Utc> = "2026-11-01T12:00:00Z".parse().unwrap_or_default();
        let first = now - TimeDelta::days(400);
        let aeons = std::time::Duration::from_secs(1_000_000 * 365 * 86_400);
        assert_eq!(history_start(now, Some(aeons), first), first);
        assert_eq!(history_start(now, None, first), first);
        let month = std::time::Duration::from_secs(31 * 86_400);
        assert_eq!(
            history_start(now, Some(month), first),
            now - TimeDelta::days(29)
        );
    }
}

//! Peak memory of walking a statement through `bankkit_core::statement::transactions`:
//! one child process per size, each reporting its own peak RSS (`VmHWM`).
//!
//! The pages come from a `Statement` that generates them on demand (pages of 500, like
//! Monobank's, the page's items made when asked for and dropped once yielded), so the
//! figures are the stream's own memory, not a seeded store's.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use bankkit_core::clock::{system_clock, Clock};
use bankkit_core::money::{currency_from_code, Direction, Money};
use bankkit_core::statement::{
    transactions, PageCursor, Statement, StatementLimits, StatementPage, StatementRequest,
    Transaction,
};
use bankkit_core::{AccountId, TransactionId};
use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;

use crate::{option, BenchResult};

const PAGE: usize = 500;

pub(crate) fn run(options: &[String]) -> BenchResult<()> {
    let sizes: String = option(options, "--sizes", "10000,100000".to_owned())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    println!(
        "statement stream peak RSS: transactions() over generated pages of {PAGE}, \
         one child process per size"
    );
    let mut peaks = Vec::new();
    for size in sizes.split(',') {
        let output = Command::new(&exe)
            .args(["statement-child", size.trim()])
            .output()
            .map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let line = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        println!("  {line}");
        let peak: u64 = line
            .split("peak ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|kb| kb.parse().ok())
            .ok_or_else(|| format!("unreadable child output {line:?}"))?;
        peaks.push((size.trim().to_owned(), peak));
    }
    if let [(small, a), .., (large, b)] = peaks.as_slice() {
        println!(
            "  peak RSS {large} / {small} = {:.2}x ({} kB more)",
            *b as f64 / *a as f64,
            b.saturating_sub(*a)
        );
    }
    Ok(())
}

/// Walks `options[0]` transactions and prints the count, the time and the peak RSS.
pub(crate) fn child(options: &[String]) -> BenchResult<()> {
    let size: usize = options
        .first()
        .and_then(|s| s.parse().ok())
        .ok_or("statement-child needs a size")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let before = vm_hwm_kb()?;
    let started = Instant::now();
    let count = runtime.block_on(async {
        let generated = Generated::new(size)?;
        let from = generated.start;
        let to = from + TimeDelta::seconds(size as i64 + 1);
        transactions(&generated, AccountId::new("acc"), from, to)
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .map_err(|e| e.to_string())
    })?;
    let elapsed = started.elapsed();
    if count != size {
        return Err(format!("walked {count} transactions, expected {size}"));
    }
    let peak = vm_hwm_kb()?;
    println!(
        "{size:>7} transactions: peak {peak} kB (before the walk {before} kB), {:.0} ms",
        elapsed.as_secs_f64() * 1e3
    );
    Ok(())
}

fn vm_hwm_kb() -> BenchResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status (Linux only)".to_owned())
}

/// `size` transactions one second apart, served in pages of [`PAGE`], oldest first; the
/// cursor is the index of the page's first item.
struct Generated {
    size: usize,
    start: DateTime<Utc>,
    amount: Money,
}

impl Generated {
    fn new(size: usize) -> Result<Self, String> {
        let currency = currency_from_code("UAH").map_err(|e| e.to_string())?;
        Ok(Self {
            size,
            start: DateTime::from_timestamp(1_700_000_000, 0).ok_or("bad start")?,
            amount: Money::from_minor(12_345, currency).map_err(|e| e.to_string())?,
        })
    }
}

#[async_trait]
impl Statement for Generated {
    fn limits(&self) -> StatementLimits {
        StatementLimits::new(None, Some(PAGE))
    }

    fn clock(&self) -> Arc<dyn Clock> {
        system_clock()
    }

    async fn page(&self, request: &StatementRequest) -> bankkit_core::Result<StatementPage> {
        let first: usize = request
            .cursor
            .as_ref()
            .and_then(|c| c.0.parse().ok())
            .unwrap_or(0);
        let last = (first + PAGE).min(self.size);
        let items = (first..last)
            .map(|i| {
                Transaction::new(
                    TransactionId::new(format!("tx-{i:012}")),
                    request.account.clone(),
                    self.start + TimeDelta::seconds(i as i64),
                    self.amount,
                    Direction::Debit,
                    "generated",
                )
            })
            .collect();
        let next = (last < self.size).then(|| PageCursor(last.to_string()));
        Ok(StatementPage::new(items, next))
    }
}

//! Wall time of the conformance suite for every registered provider, in-process: the
//! sandbox's clock is advanced by the checks, never slept on.

use std::time::Instant;

use bankkit_sandbox::Sandbox;

use crate::{secs, BenchResult};

pub(crate) async fn run() -> BenchResult<()> {
    let sandbox = Sandbox::start()
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    let started = Instant::now();
    let report = bankkit_conformance::run(&sandbox).await;
    let elapsed = started.elapsed();
    let checks = report.outcomes.len();
    println!(
        "conformance: {} columns ({}), {checks} verdicts, all passed: {}, wall time {}",
        report.providers.len(),
        report.providers.join(", "),
        report.all_passed(),
        secs(elapsed)
    );
    if report.all_passed() {
        Ok(())
    } else {
        Err(report.matrix())
    }
}

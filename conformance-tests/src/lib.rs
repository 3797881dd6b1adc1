//! # bankkit-conformance
//!
//! One generic suite, written only against `Arc<dyn Provider>` and the sandbox's control
//! handle, run against every provider registered with [`bankkit_core::registry`] on the
//! in-process sandbox. A provider passes when every check of every capability it declares
//! passes; checks of capabilities it does not declare are reported as not applicable.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = bankkit_sandbox::Sandbox::start().await?;
//! let report = bankkit_conformance::run(&sandbox).await;
//! println!("{}", report.matrix());
//! assert!(report.all_passed());
//! # Ok(()) }
//! ```
//!
//! Adding a provider takes no change here: register it (and its sandbox imitation) and link
//! its crate; the runner finds it.

mod balance;
mod faults;
mod general;
mod payment;
mod report;
mod statement;
mod target;
mod variant;
mod webhook;

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use bankkit_core::registry;
use bankkit_core::Capability;
use bankkit_sandbox::Sandbox;
use futures::future::BoxFuture;
use futures::FutureExt;

// Linked so that the built-in providers register themselves.
use bankkit_momo as _;
use bankkit_monobank as _;
use bankkit_monzo as _;
use bankkit_morune as _;

pub use report::{Outcome, Report, Verdict};

/// The README's Rust snippets, compiled (and run unless marked `no_run`) as doctests of
/// this crate, which links every provider.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
pub use target::{Prepare, PrepareContext, Target};
pub use variant::{variants, Variant};

/// Why a check did not pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// It failed, for this reason.
    Fail(String),
    /// It does not apply to this provider (found out while running), for this reason.
    NotApplicable(String),
}

impl From<String> for CheckError {
    fn from(reason: String) -> Self {
        Self::Fail(reason)
    }
}

impl From<&str> for CheckError {
    fn from(reason: &str) -> Self {
        Self::Fail(reason.to_owned())
    }
}

/// What a check returns.
pub type CheckResult = Result<(), CheckError>;

/// A check: a named async function of a [`Target`].
pub type CheckFn = for<'a> fn(&'a Target) -> BoxFuture<'a, CheckResult>;

/// One check of the suite.
#[derive(Clone, Copy)]
pub struct Check {
    /// Dotted name, capability first (`"statement.complete"`).
    pub name: &'static str,
    /// The capability it needs; `None` for checks every provider must pass.
    pub capability: Option<Capability>,
    /// The check.
    pub run: CheckFn,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("capability", &self.capability)
            .finish()
    }
}

/// Every check, in the order they run.
pub fn checks() -> Vec<Check> {
    let mut all = Vec::new();
    all.extend(general::checks());
    all.extend(balance::checks());
    all.extend(statement::checks());
    all.extend(webhook::checks());
    all.extend(payment::checks());
    all.extend(faults::checks());
    all
}

/// The longest one check may take in real time before it counts as hung.
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs every check against every registered provider.
pub async fn run(sandbox: &Sandbox) -> Report {
    let names: Vec<&str> = registry::registered().iter().map(|r| r.name).collect();
    run_providers(sandbox, &names).await
}

/// Runs every check against the named providers, and against each of their
/// [`variants`] (a column of its own after the provider's).
pub async fn run_providers(sandbox: &Sandbox, names: &[&str]) -> Report {
    let mut report = Report::default();
    for name in names {
        run_target(&mut report, name, Target::new(sandbox, name)).await;
        for variant in variants().iter().filter(|v| v.provider == *name) {
            run_target(
                &mut report,
                variant.label,
                Target::variant(sandbox, variant).await,
            )
            .await;
        }
    }
    report
}

/// Every column [`run`] reports, in its order: each registered provider's name, followed
/// by the labels of its [`variants`].
pub fn columns() -> Vec<&'static str> {
    let variants = variants();
    let mut out = Vec::new();
    for registration in registry::registered() {
        out.push(registration.name);
        out.extend(
            variants
                .iter()
                .filter(|v| v.provider == registration.name)
                .map(|v| v.label),
        );
    }
    out
}

/// Runs every check against the chosen columns only, in [`columns`]' order. A registered
/// provider's name chooses it and its [`variants`]; a variant's label chooses that
/// variant alone.
///
/// # Errors
/// A message naming the unknown choices and listing what is registered, when a choice is
/// neither a registered provider nor a variant's label.
pub async fn run_chosen(sandbox: &Sandbox, chosen: &[&str]) -> Result<Report, String> {
    let variants = variants();
    let registered: Vec<&str> = registry::registered().iter().map(|r| r.name).collect();
    let unknown: Vec<&str> = chosen
        .iter()
        .copied()
        .filter(|c| !registered.contains(c) && !variants.iter().any(|v| v.label == *c))
        .collect();
    if !unknown.is_empty() {
        let labels: Vec<&str> = variants.iter().map(|v| v.label).collect();
        return Err(format!(
            "unknown provider{} {}; registered: {} (variants: {})",
            if unknown.len() == 1 { "" } else { "s" },
            unknown
                .iter()
                .map(|u| format!("{u:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            registered.join(", "),
            labels.join(", "),
        ));
    }
    let mut report = Report::default();
    for name in &registered {
        let provider_chosen = chosen.contains(name);
        if provider_chosen {
            run_target(&mut report, name, Target::new(sandbox, name)).await;
        }
        for variant in variants.iter().filter(|v| v.provider == *name) {
            if provider_chosen || chosen.contains(&variant.label) {
                run_target(
                    &mut report,
                    variant.label,
                    Target::variant(sandbox, variant).await,
                )
                .await;
            }
        }
    }
    Ok(report)
}

/// Runs every check against one target, as the report's column `label`.
async fn run_target(report: &mut Report, label: &str, target: Result<Target, String>) {
    report.providers.push(label.to_owned());
    let target = match target {
        Ok(target) => target,
        Err(reason) => {
            report.push(Outcome::new(label, "setup", Verdict::Fail(reason)));
            return;
        }
    };
    report
        .declared
        .insert(label.to_owned(), target.capabilities().clone());
    for check in checks() {
        let verdict = run_check(&target, &check).await;
        report.push(Outcome::new(label, check.name, verdict));
    }
}

/// Runs one check against one target: not applicable when the capability is not
/// declared; a panic or a hang is a failure.
pub async fn run_check(target: &Target, check: &Check) -> Verdict {
    if let Some(capability) = check.capability {
        if !target.capabilities().get(capability).is_supported() {
            return Verdict::NotApplicable(format!("{capability} not supported"));
        }
    }
    target.fresh_state();
    if let Err(reason) = target.prepare().await {
        return Verdict::Fail(format!("preparing the target: {reason}"));
    }
    let run = AssertUnwindSafe((check.run)(target)).catch_unwind();
    let verdict = match tokio::time::timeout(CHECK_TIMEOUT, run).await {
        Err(_) => Verdict::Fail(format!("did not finish within {CHECK_TIMEOUT:?}")),
        Ok(Err(panic)) => Verdict::Fail(format!("panicked: {}", panic_message(&panic))),
        Ok(Ok(Err(CheckError::Fail(reason)))) => Verdict::Fail(reason),
        Ok(Ok(Err(CheckError::NotApplicable(reason)))) => Verdict::NotApplicable(reason),
        Ok(Ok(Ok(()))) => Verdict::Pass,
    };
    target.sandbox().clear_faults();
    verdict
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// Fails with `message` unless `condition` holds.
pub(crate) fn ensure(condition: bool, message: impl FnOnce() -> String) -> CheckResult {
    if condition {
        Ok(())
    } else {
        Err(CheckError::Fail(message()))
    }
}

//! Results of a run and the provider x check matrix.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use bankkit_core::Capabilities;

/// How one check went for one provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It passed.
    Pass,
    /// It failed, for this reason.
    Fail(String),
    /// The provider does not declare the capability it checks.
    NotApplicable(String),
}

/// One provider's verdict on one check.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The provider.
    pub provider: String,
    /// The check.
    pub check: String,
    /// The verdict.
    pub verdict: Verdict,
}

impl Outcome {
    /// An outcome.
    pub fn new(provider: &str, check: &str, verdict: Verdict) -> Self {
        Self {
            provider: provider.to_owned(),
            check: check.to_owned(),
            verdict,
        }
    }
}

/// Every outcome of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The providers run, in order.
    pub providers: Vec<String>,
    /// The outcomes, in order.
    pub outcomes: Vec<Outcome>,
    /// What each provider (column) declared when it was run.
    pub declared: BTreeMap<String, Capabilities>,
}

impl Report {
    /// Adds an outcome.
    pub fn push(&mut self, outcome: Outcome) {
        self.outcomes.push(outcome);
    }

    /// Whether nothing failed and something ran.
    pub fn all_passed(&self) -> bool {
        !self.outcomes.is_empty()
            && self
                .outcomes
                .iter()
                .all(|o| !matches!(o.verdict, Verdict::Fail(_)))
    }

    /// The failed outcomes.
    pub fn failures(&self) -> Vec<&Outcome> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.verdict, Verdict::Fail(_)))
            .collect()
    }

    /// The verdict of `check` for `provider`.
    pub fn verdict(&self, provider: &str, check: &str) -> Option<&Verdict> {
        self.outcomes
            .iter()
            .find(|o| o.provider == provider && o.check == check)
            .map(|o| &o.verdict)
    }

    /// Counts of (passed, failed, not applicable).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for o in &self.outcomes {
            match o.verdict {
                Verdict::Pass => counts.0 += 1,
                Verdict::Fail(_) => counts.1 += 1,
                Verdict::NotApplicable(_) => counts.2 += 1,
            }
        }
        counts
    }

    /// The check x provider table, failures explained below it, and a closing count line.
    pub fn matrix(&self) -> String {
        let mut checks: Vec<&str> = Vec::new();
        for o in &self.outcomes {
            if !checks.contains(&o.check.as_str()) {
                checks.push(&o.check);
            }
        }
        let width = checks.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
        let col = self
            .providers
            .iter()
            .map(|p| p.len())
            .max()
            .unwrap_or(4)
            .max(4)
            + 2;
        let mut out = String::new();
        let _ = write!(out, "{:width$}", "check");
        for p in &self.providers {
            let _ = write!(out, "  {p:>col$}");
        }
        out.push('\n');
        for check in &checks {
            let _ = write!(out, "{check:width$}");
            for p in &self.providers {
                let cell = match self.verdict(p, check) {
                    Some(Verdict::Pass) => "pass",
                    Some(Verdict::Fail(_)) => "FAIL",
                    Some(Verdict::NotApplicable(_)) => "n/a",
                    None => "-",
                };
                let _ = write!(out, "  {cell:>col$}");
            }
            out.push('\n');
        }
        let failures = self.failures();
        if !failures.is_empty() {
            out.push_str("\nfailures:\n");
            for f in failures {
                if let Verdict::Fail(reason) = &f.verdict {
                    let _ = writeln!(out, "  {} / {}: {reason}", f.provider, f.check);
                }
            }
        }
        let (passed, failed, skipped) = self.counts();
        let _ = writeln!(
            out,
            "\nconformance: {passed} passed, {failed} failed, {skipped} not applicable"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_failure_fails_the_report_and_shows_in_the_matrix() {
        let mut r = Report {
            providers: vec!["a".into(), "b".into()],
            ..Report::default()
        };
        r.push(Outcome::new("a", "x.one", Verdict::Pass));
        r.push(Outcome::new("b", "x.one", Verdict::Fail("broken".into())));
        assert!(!r.all_passed());
        let m = r.matrix();
        assert!(m.contains("FAIL"));
        assert!(m.contains("b / x.one: broken"));
        assert!(m.contains("1 passed, 1 failed"));
    }

    #[test]
    fn an_empty_report_has_not_passed() {
        assert!(!Report::default().all_passed());
    }
}

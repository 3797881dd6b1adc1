#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The suite, run for every registered provider on the in-process sandbox, and a check
//! that the suite itself notices a broken provider.

use std::sync::Arc;

use async_trait::async_trait;
use bankkit_conformance::{checks, run, run_check, Target, Verdict};
use bankkit_core::registry::{BuildContext, ProviderConfig, ProviderRegistration, SandboxTarget};
use bankkit_core::{
    Balance, Capabilities, Provider, Result, Statement, StatementLimits, StatementPage,
    StatementRequest, Webhook,
};
use bankkit_sandbox::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_provider_passes_every_check_it_declares() {
    let sandbox = Sandbox::start().await.unwrap();
    let report = run(&sandbox).await;
    println!("{}", report.matrix());
    assert!(report.providers.iter().any(|p| p == "monobank"));
    assert!(report.all_passed(), "{}", report.matrix());
}

/// A provider that hides every tenth transaction of its statements.
#[derive(Debug)]
struct Lossy(Arc<dyn Provider>);

#[async_trait]
impl Statement for Lossy {
    fn limits(&self) -> StatementLimits {
        self.0.statement().unwrap().limits()
    }
    fn clock(&self) -> Arc<dyn bankkit_core::Clock> {
        self.0.statement().unwrap().clock()
    }
    async fn page(&self, request: &StatementRequest) -> Result<StatementPage> {
        let mut page = self.0.statement().unwrap().page(request).await?;
        let kept = page
            .items
            .drain(..)
            .enumerate()
            .filter(|(i, _)| i % 10 != 9)
            .map(|(_, t)| t)
            .collect();
        Ok(StatementPage::new(kept, page.next))
    }
}

impl Provider for Lossy {
    fn id(&self) -> &str {
        "lossy"
    }
    fn name(&self) -> &str {
        "Lossy wrapper"
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn balance(&self) -> Option<&dyn Balance> {
        self.0.balance()
    }
    fn statement(&self) -> Option<&dyn Statement> {
        Some(self)
    }
    fn webhook(&self) -> Option<&dyn Webhook> {
        self.0.webhook()
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct LossyConfig {
    inner: SandboxTarget,
}

#[typetag::serde(name = "lossy")]
impl ProviderConfig for LossyConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        let monobank = bankkit_core::registry::find("monobank").unwrap();
        let inner = (monobank.sandbox_config)(&self.inner)?.build(context)?;
        Ok(Arc::new(Lossy(inner)))
    }
}

fn lossy_capabilities() -> Capabilities {
    (bankkit_core::registry::find("monobank")
        .unwrap()
        .capabilities)()
}

fn lossy_sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    Ok(Box::new(LossyConfig {
        inner: target.clone(),
    }))
}

static LOSSY: ProviderRegistration = ProviderRegistration {
    name: "lossy",
    description: "monobank with every tenth statement item hidden",
    capabilities: lossy_capabilities,
    sample_config: "",
    sandbox_config: lossy_sandbox_config,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statement_check_fails_a_provider_that_loses_transactions() {
    let sandbox = Sandbox::start().await.unwrap();
    let target = Target::with_registration(&sandbox, &LOSSY, "monobank").unwrap();
    let check = checks()
        .into_iter()
        .find(|c| c.name == "statement.complete_across_windows_and_pages")
        .unwrap();
    match run_check(&target, &check).await {
        Verdict::Fail(reason) => assert!(reason.contains("missing"), "{reason}"),
        other => panic!("a lossy provider passed: {other:?}"),
    }
}

/// The README's first command: the binary runs the suite on its own embedded sandbox, prints
/// the matrix with a column per provider, and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_the_matrix_for_every_provider_and_exits_zero() {
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bankkit-conformance"))
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();

    assert!(output.status.success(), "{stdout}");
    let header: Vec<&str> = stdout.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["check", "momo", "monobank", "monzo"]);
    let summary = stdout
        .lines()
        .find(|line| line.starts_with("conformance: "))
        .unwrap();
    assert!(summary.contains(" 0 failed"), "{summary}");
    assert!(!summary.starts_with("conformance: 0 passed"), "{summary}");
}

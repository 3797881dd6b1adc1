#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The suite, run for every registered provider on the in-process sandbox, and a check
//! that the suite itself notices a broken provider.

use std::sync::Arc;

use async_trait::async_trait;
use bankkit_conformance::{checks, run, run_check, Outcome, Report, Target, Verdict};
use bankkit_core::money::Money;
use bankkit_core::registry::{BuildContext, ProviderConfig, ProviderRegistration, SandboxTarget};
use bankkit_core::secret::secret;
use bankkit_core::{
    Account, AccountBalance, AccountId, AccountKind, Balance, Capabilities, Capability, Error,
    Payment, PaymentId, Provider, Result, Statement, StatementLimits, StatementPage,
    StatementRequest, Support, Webhook, WebhookEvent, WebhookId, WebhookRegistration,
    WebhookRequest,
};
use bankkit_momo::{MomoClient, Product};
use bankkit_sandbox::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_provider_passes_every_check_it_declares() {
    let sandbox = Sandbox::start().await.unwrap();
    let report = run(&sandbox).await;
    println!("{}", report.matrix());
    assert!(report.providers.iter().any(|p| p == "monobank"));
    assert!(report.all_passed(), "{}", report.matrix());
    let unexpected = unexpected_verdicts(&report);
    assert!(
        unexpected.is_empty(),
        "{}\n{}",
        unexpected.join("\n"),
        report.matrix()
    );
    // The payment checks that apply to MoMo's operations really ran.
    for check in [
        "payment.collect_reaches_success",
        "payment.pay_out_reaches_success",
        "payment.failure_has_a_clear_reason",
        "payment.pending_is_not_final",
        "payment.refund_in_full",
        "payment.refund_in_parts",
        "payment.at_most_once.provider_dedupes",
        "payment.unsupported_operations_say_so",
        "payment.callback_verifies_and_parses",
        "payment.out_of_order_events_resolve_to_the_latest",
    ] {
        assert_eq!(
            report.verdict("momo", check),
            Some(&Verdict::Pass),
            "{check}"
        );
    }
    // Morune: invoices through a page, payoffs, lookup by order_id, signed webhooks.
    for check in [
        "payment.collect_reaches_success",
        "payment.pay_out_reaches_success",
        "payment.failure_has_a_clear_reason",
        "payment.pending_is_not_final",
        "payment.find_by_reference",
        "payment.at_most_once.lookup_or_local_record",
        "payment.unsupported_operations_say_so",
        "payment.callback_verifies_and_parses",
        "payment.out_of_order_events_resolve_to_the_latest",
    ] {
        assert_eq!(
            report.verdict("morune", check),
            Some(&Verdict::Pass),
            "{check}"
        );
    }
    // Monobank's provider API for one customer who approved access: the balance, statement,
    // secrets and fault checks all ran and passed; it declares no payments or webhooks.
    let provider_api = report
        .declared
        .get("monobank-provider-api")
        .expect("the provider-API column ran");
    assert!(provider_api.get(Capability::Balance).is_supported());
    assert!(provider_api.get(Capability::Statement).is_supported());
    for check in checks().iter().filter(|c| {
        matches!(
            c.capability,
            None | Some(Capability::Balance | Capability::Statement)
        )
    }) {
        assert_eq!(
            report.verdict("monobank-provider-api", check.name),
            Some(&Verdict::Pass),
            "{}",
            check.name
        );
    }
    // Monobank with a merchant token: every payment check but pay-outs and the
    // provider-dedupes rule (it keeps creates by a local record) really ran.
    for check in checks().iter().filter(|c| c.name.starts_with("payment.")) {
        let expected = if matches!(
            check.name,
            "payment.pay_out_reaches_success" | "payment.at_most_once.provider_dedupes"
        ) {
            None
        } else {
            Some(&Verdict::Pass)
        };
        match expected {
            Some(pass) => assert_eq!(
                report.verdict("monobank", check.name),
                Some(pass),
                "{}",
                check.name
            ),
            None => assert!(
                matches!(
                    report.verdict("monobank", check.name),
                    Some(Verdict::NotApplicable(_))
                ),
                "{}",
                check.name
            ),
        }
    }
}

/// Whether `check` may be not applicable to a provider declaring `capabilities` (found out
/// while running): only where the operation it exercises is not offered, or the event it
/// needs does not exist for the provider. Every other check of a declared capability must
/// pass — an `n/a` found while running (a sandbox that stopped offering test parties, say)
/// is not a pass.
fn may_be_not_applicable(check: &str, capabilities: &Capabilities) -> bool {
    use bankkit_core::payment::{AtMostOnce, PaymentOperation as Op};
    let ops = &capabilities.payment_operations;
    let all = |needed: &[Op]| needed.iter().all(|o| ops.offers(*o));
    match check {
        "payment.collect_reaches_success"
        | "payment.failure_has_a_clear_reason"
        | "payment.pending_is_not_final" => !ops.collects(),
        "payment.callback_verifies_and_parses"
        | "payment.out_of_order_events_resolve_to_the_latest" => {
            !ops.collects() || !capabilities.get(Capability::Webhook).is_supported()
        }
        "payment.pay_out_reaches_success" => !all(&[Op::PayOut]),
        "payment.refund_in_full" => !all(&[Op::Refund]),
        "payment.refund_in_parts" => !all(&[Op::PartialRefund]),
        "payment.hold_then_capture_in_full" => !all(&[Op::Hold, Op::Capture]),
        "payment.hold_then_capture_in_part" => !all(&[Op::Hold, Op::PartialCapture]),
        "payment.cancel_of_an_unpaid_payment" => !all(&[Op::CancelUnpaid, Op::CollectPage]),
        "payment.cancel_releases_a_hold" => !all(&[Op::Hold, Op::CancelHold]),
        "payment.find_by_reference" => !all(&[Op::Find]),
        "payment.at_most_once.provider_dedupes" => {
            ops.at_most_once != Some(AtMostOnce::ProviderDedupes) || !ops.collects()
        }
        "payment.at_most_once.lookup_or_local_record" => {
            !matches!(
                ops.at_most_once,
                Some(AtMostOnce::LookupByReference | AtMostOnce::LocalRecord)
            ) || !(ops.offers(Op::ChargeCard)
                || ops.offers(Op::CollectPhone)
                || ops.offers(Op::PayOut))
        }
        "payment.unsupported_operations_say_so" => Op::ALL.iter().all(|o| ops.offers(*o)),
        // A provider without card transactions, or whose registration sends no request.
        "webhook.delivery_verifies_and_parses" | "faults.lost_response_after_commit" => true,
        _ => false,
    }
}

/// Verdicts that are not what each provider's declared capabilities pin: checks every
/// provider must pass that did not, checks of declared capabilities that turned `n/a`
/// where [`may_be_not_applicable`] does not allow it, checks of undeclared capabilities
/// that ran, and declared capabilities without a single passing check.
fn unexpected_verdicts(report: &Report) -> Vec<String> {
    let all = checks();
    let mut unexpected = Vec::new();
    for provider in &report.providers {
        let declared_in_run = report.declared.get(provider).cloned();
        let Some(capabilities) = declared_in_run.or_else(|| {
            bankkit_core::registry::find(provider).map(|registration| (registration.capabilities)())
        }) else {
            unexpected.push(format!("{provider}: neither run nor registered"));
            continue;
        };
        let declared = |c: Capability| capabilities.get(c).is_supported();
        for Outcome { check, verdict, .. } in
            report.outcomes.iter().filter(|o| &o.provider == provider)
        {
            let Some(capability) = all.iter().find(|c| c.name == check).map(|c| c.capability)
            else {
                continue;
            };
            let ok = match (capability, verdict) {
                (_, Verdict::Pass) => capability.is_none_or(declared),
                (Some(c), Verdict::NotApplicable(_)) if !declared(c) => true,
                (Some(_), Verdict::NotApplicable(_)) => may_be_not_applicable(check, &capabilities),
                _ => false,
            };
            if !ok {
                unexpected.push(format!("{provider} / {check}: {verdict:?}"));
            }
        }
        for capability in Capability::ALL.into_iter().filter(|c| declared(*c)) {
            let passed = all
                .iter()
                .filter(|c| c.capability == Some(capability))
                .any(|c| report.verdict(provider, c.name) == Some(&Verdict::Pass));
            if !passed {
                unexpected.push(format!(
                    "{provider}: declares {capability} but no check of it passed"
                ));
            }
        }
    }
    unexpected
}

#[test]
fn pinned_verdicts_refuse_payment_checks_that_turned_not_applicable() {
    let mut report = Report {
        providers: vec!["momo".into()],
        ..Report::default()
    };
    for check in checks() {
        let verdict = if check.name.starts_with("payment.") {
            Verdict::NotApplicable("the sandbox offers no test party for this outcome".into())
        } else if check.capability == Some(Capability::Statement) {
            Verdict::NotApplicable("statement not supported".into())
        } else {
            Verdict::Pass
        };
        report.push(Outcome::new("momo", check.name, verdict));
    }
    assert!(report.all_passed(), "n/a alone does not fail a report");

    let unexpected = unexpected_verdicts(&report);

    for check in [
        "payment.collect_reaches_success",
        "payment.pay_out_reaches_success",
        "payment.refund_in_full",
        "payment.refund_in_parts",
        "payment.at_most_once.provider_dedupes",
        "payment.unsupported_operations_say_so",
    ] {
        assert!(
            unexpected.iter().any(|u| u.contains(check)),
            "{check} not flagged: {unexpected:?}"
        );
    }
    assert!(
        unexpected
            .iter()
            .any(|u| u.contains("declares payment but no check of it passed")),
        "{unexpected:?}"
    );
    assert!(!unexpected.iter().any(|u| u.contains("statement.")));
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
    assert_eq!(
        header,
        [
            "check",
            "momo",
            "monobank",
            "monobank-provider-api",
            "monzo",
            "morune"
        ]
    );
    let summary = stdout
        .lines()
        .find(|line| line.starts_with("conformance: "))
        .unwrap();
    assert!(summary.contains(" 0 failed"), "{summary}");
    assert!(!summary.starts_with("conformance: 0 passed"), "{summary}");
}

/// `--provider NAME` runs only that provider: the matrix has its column alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_only_the_chosen_provider() {
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bankkit-conformance"))
            .args(["--provider", "morune"])
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();

    assert!(output.status.success(), "{stdout}");
    let header: Vec<&str> = stdout.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["check", "morune"]);
}

/// An unknown `--provider` is an error listing the registered providers and variants.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_names_what_is_registered_for_an_unknown_provider() {
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bankkit-conformance"))
            .args(["--provider", "acme"])
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown provider \"acme\""), "{stderr}");
    assert!(
        stderr.contains("registered: momo, monobank, monzo, morune"),
        "{stderr}"
    );
    assert!(stderr.contains("monobank-provider-api"), "{stderr}");
    assert!(output.stdout.is_empty());
}

// ---------------------------------------------------------------------------------------
// Providers that break one rule each, to show the checks notice.

fn momo_inner(target: &SandboxTarget, context: &BuildContext) -> Result<Arc<dyn Provider>> {
    let momo = bankkit_core::registry::find("momo").unwrap();
    (momo.sandbox_config)(target)?.build(context)
}

fn monobank_inner(target: &SandboxTarget, context: &BuildContext) -> Result<Arc<dyn Provider>> {
    let monobank = bankkit_core::registry::find("monobank").unwrap();
    (monobank.sandbox_config)(target)?.build(context)
}

fn momo_capabilities() -> Capabilities {
    (bankkit_core::registry::find("momo").unwrap().capabilities)()
}

/// MoMo with a `verify_and_parse` that believes any body naming a known payment.
#[derive(Debug)]
struct Credulous(Arc<dyn Provider>);

impl Provider for Credulous {
    fn id(&self) -> &str {
        "credulous"
    }
    fn name(&self) -> &str {
        "MoMo accepting forged callbacks"
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn balance(&self) -> Option<&dyn Balance> {
        self.0.balance()
    }
    fn payment(&self) -> Option<&dyn Payment> {
        self.0.payment()
    }
    fn webhook(&self) -> Option<&dyn Webhook> {
        Some(self)
    }
}

#[async_trait]
impl Webhook for Credulous {
    async fn register(
        &self,
        url: &str,
        account: Option<&AccountId>,
    ) -> Result<WebhookRegistration> {
        self.0.webhook().unwrap().register(url, account).await
    }
    async fn list(&self) -> Result<Vec<WebhookRegistration>> {
        self.0.webhook().unwrap().list().await
    }
    async fn remove(&self, id: &WebhookId) -> Result<()> {
        self.0.webhook().unwrap().remove(id).await
    }
    async fn verify_and_parse(&self, request: WebhookRequest<'_>) -> Result<WebhookEvent> {
        let id = request
            .query_param("bankkit_payment")
            .ok_or_else(|| Error::Signature {
                message: "no payment named".into(),
            })?;
        let id: bankkit_momo::PaymentRef = id.parse()?;
        let payment = self.0.payment().unwrap().status(&id.payment_id()).await?;
        Ok(WebhookEvent::PaymentStatus { payment })
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct CredulousConfig {
    inner: SandboxTarget,
}

#[typetag::serde(name = "credulous")]
impl ProviderConfig for CredulousConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(Credulous(momo_inner(&self.inner, context)?)))
    }
}

static CREDULOUS: ProviderRegistration = ProviderRegistration {
    name: "credulous",
    description: "momo accepting forged callbacks",
    capabilities: momo_capabilities,
    sample_config: "",
    sandbox_config: |target| {
        Ok(Box::new(CredulousConfig {
            inner: target.clone(),
        }))
    },
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_check_fails_a_provider_that_accepts_a_forged_callback() {
    let sandbox = Sandbox::start().await.unwrap();
    let target = Target::with_registration(&sandbox, &CREDULOUS, "momo").unwrap();
    let check = checks()
        .into_iter()
        .find(|c| c.name == "payment.callback_verifies_and_parses")
        .unwrap();
    match run_check(&target, &check).await {
        Verdict::Fail(reason) => assert!(reason.contains("forgery"), "{reason}"),
        other => panic!("a provider accepting forged callbacks passed: {other:?}"),
    }
}

/// A provider whose reads send only a `POST` (a token mint) and no `GET`: a read fault
/// aimed at the token call instead of a read would let it pass the fault checks.
#[derive(Debug)]
struct PostOnly(MomoClient);

impl Provider for PostOnly {
    fn id(&self) -> &str {
        "post_only"
    }
    fn name(&self) -> &str {
        "reads answered from memory after a token mint"
    }
    fn capabilities(&self) -> Capabilities {
        post_only_capabilities()
    }
    fn balance(&self) -> Option<&dyn Balance> {
        Some(self)
    }
}

#[async_trait]
impl Balance for PostOnly {
    async fn accounts(&self) -> Result<Vec<Account>> {
        self.0.collection().create_access_token().await?;
        let eur = bankkit_core::money::currency_from_code("EUR")?;
        Ok(vec![Account::new(
            AccountId::new("collection"),
            AccountKind::Merchant,
            "collection",
            eur,
        )])
    }
    async fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        self.0.collection().create_access_token().await?;
        let eur = bankkit_core::money::currency_from_code("EUR")?;
        Ok(AccountBalance::new(
            account.clone(),
            Money::from_minor(0, eur)?,
            self.0.clock().now(),
        ))
    }
}

fn post_only_capabilities() -> Capabilities {
    Capabilities::none("reads only").with(Capability::Balance, Support::Supported)
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct PostOnlyConfig {
    inner: SandboxTarget,
}

#[typetag::serde(name = "post_only")]
impl ProviderConfig for PostOnlyConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        let t = &self.inner;
        let client = MomoClient::builder()
            .base_url(t.base_url.clone())
            .credentials(t.credential("api_user")?, secret(t.credential("api_key")?))
            .subscription_key(Product::Collection, secret(t.credential("collection_key")?))
            .target_environment(t.credential("target_environment")?)
            .clock(context.clock.clone())
            .http_options(context.http.clone())
            .build()?;
        Ok(Arc::new(PostOnly(client)))
    }
}

static POST_ONLY: ProviderRegistration = ProviderRegistration {
    name: "post_only",
    description: "reads that send only a POST",
    capabilities: post_only_capabilities,
    sample_config: "",
    sandbox_config: |target| {
        Ok(Box::new(PostOnlyConfig {
            inner: target.clone(),
        }))
    },
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_faults_land_on_reads_not_on_token_calls() {
    let sandbox = Sandbox::start().await.unwrap();
    let target = Target::with_registration(&sandbox, &POST_ONLY, "momo").unwrap();
    let read_faults: Vec<_> = checks()
        .into_iter()
        .filter(|c| c.name.starts_with("faults.") && c.capability == Some(Capability::Balance))
        .collect();
    assert_eq!(read_faults.len(), 6);
    for check in read_faults {
        // No read ever reaches the sandbox, so no read fault can be met.
        match run_check(&target, &check).await {
            Verdict::Fail(_) => {}
            other => panic!(
                "{}: a fault met by a token POST counted: {other:?}",
                check.name
            ),
        }
    }
}

/// Monobank with a config whose `Debug` hides the credentials but whose serialisation shows
/// them.
#[derive(serde::Serialize, serde::Deserialize)]
struct SerialisesSecrets {
    inner: SandboxTarget,
}

impl std::fmt::Debug for SerialisesSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SerialisesSecrets { .. }")
    }
}

#[typetag::serde(name = "serialises_secrets")]
impl ProviderConfig for SerialisesSecrets {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        monobank_inner(&self.inner, context)
    }
}

/// Monobank with a config that shows nothing but logs the credentials at `TRACE`.
#[derive(serde::Serialize, serde::Deserialize)]
struct LogsSecrets {
    #[serde(skip_serializing)]
    inner: Option<SandboxTarget>,
}

impl std::fmt::Debug for LogsSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogsSecrets { .. }")
    }
}

#[typetag::serde(name = "logs_secrets")]
impl ProviderConfig for LogsSecrets {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        let inner = self.inner.as_ref().unwrap();
        tracing::trace!(credentials = %inner.credentials, "building");
        monobank_inner(inner, context)
    }
}

static SERIALISES_SECRETS: ProviderRegistration = ProviderRegistration {
    name: "serialises_secrets",
    description: "monobank whose config serialises its token",
    capabilities: lossy_capabilities,
    sample_config: "",
    sandbox_config: |target| {
        Ok(Box::new(SerialisesSecrets {
            inner: target.clone(),
        }))
    },
};

static LOGS_SECRETS: ProviderRegistration = ProviderRegistration {
    name: "logs_secrets",
    description: "monobank that logs its token",
    capabilities: lossy_capabilities,
    sample_config: "",
    sandbox_config: |target| {
        Ok(Box::new(LogsSecrets {
            inner: Some(target.clone()),
        }))
    },
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secrets_check_fails_a_config_that_serialises_or_logs_a_secret() {
    let sandbox = Sandbox::start().await.unwrap();
    let check = checks()
        .into_iter()
        .find(|c| c.name == "secrets.never_in_debug_display_or_errors")
        .unwrap();
    for registration in [&SERIALISES_SECRETS, &LOGS_SECRETS] {
        let target = Target::with_registration(&sandbox, registration, "monobank").unwrap();
        match run_check(&target, &check).await {
            Verdict::Fail(reason) => {
                assert!(
                    reason.contains("<SECRET>"),
                    "{}: {reason}",
                    registration.name
                );
                let credentials = sandbox.provider("monobank").unwrap().credentials();
                let token = credentials["token"].as_str().unwrap();
                assert!(!reason.contains(token), "the failure shows the secret");
            }
            other => panic!("{} passed: {other:?}", registration.name),
        }
    }
}

/// MoMo that mints a fresh token (a `POST`) right before every collection: a lost answer
/// aimed at "the next POST" lands on the token call, not on the create.
#[derive(Debug)]
struct MintsFirst {
    inner: Arc<dyn Provider>,
    client: MomoClient,
}

impl Provider for MintsFirst {
    fn id(&self) -> &str {
        "mints_first"
    }
    fn name(&self) -> &str {
        "MoMo minting a token before each create"
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn balance(&self) -> Option<&dyn Balance> {
        self.inner.balance()
    }
    fn payment(&self) -> Option<&dyn Payment> {
        Some(self)
    }
    fn webhook(&self) -> Option<&dyn Webhook> {
        self.inner.webhook()
    }
}

#[async_trait]
impl Payment for MintsFirst {
    fn provider_id(&self) -> &str {
        "mints_first"
    }
    async fn collect(
        &self,
        request: bankkit_core::CollectRequest,
    ) -> Result<bankkit_core::PaymentDetails> {
        self.client.collection().create_access_token().await?;
        self.inner.payment().unwrap().collect(request).await
    }
    async fn pay_out(
        &self,
        request: bankkit_core::PayoutRequest,
    ) -> Result<bankkit_core::PaymentDetails> {
        self.inner.payment().unwrap().pay_out(request).await
    }
    async fn status(&self, id: &PaymentId) -> Result<bankkit_core::PaymentDetails> {
        self.inner.payment().unwrap().status(id).await
    }
    async fn cancel(&self, id: &PaymentId) -> Result<bankkit_core::PaymentDetails> {
        self.inner.payment().unwrap().cancel(id).await
    }
    async fn refund(&self, request: bankkit_core::RefundRequest) -> Result<bankkit_core::Refund> {
        self.inner.payment().unwrap().refund(request).await
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct MintsFirstConfig {
    inner: SandboxTarget,
}

#[typetag::serde(name = "mints_first")]
impl ProviderConfig for MintsFirstConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        let t = &self.inner;
        let client = MomoClient::builder()
            .base_url(t.base_url.clone())
            .credentials(t.credential("api_user")?, secret(t.credential("api_key")?))
            .subscription_key(Product::Collection, secret(t.credential("collection_key")?))
            .target_environment(t.credential("target_environment")?)
            .clock(context.clock.clone())
            .http_options(context.http.clone())
            .build()?;
        Ok(Arc::new(MintsFirst {
            inner: momo_inner(t, context)?,
            client,
        }))
    }
}

static MINTS_FIRST: ProviderRegistration = ProviderRegistration {
    name: "mints_first",
    description: "momo minting a token before each create",
    capabilities: momo_capabilities,
    sample_config: "",
    sandbox_config: |target| {
        Ok(Box::new(MintsFirstConfig {
            inner: target.clone(),
        }))
    },
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lost_answer_check_makes_sure_the_create_was_the_request_dropped() {
    let sandbox = Sandbox::start().await.unwrap();
    let target = Target::with_registration(&sandbox, &MINTS_FIRST, "momo").unwrap();
    let check = checks()
        .into_iter()
        .find(|c| c.name == "payment.at_most_once.provider_dedupes")
        .unwrap();
    match run_check(&target, &check).await {
        Verdict::Fail(reason) => assert!(reason.contains("was not the create"), "{reason}"),
        other => panic!("a lost token answer passed for a lost create answer: {other:?}"),
    }
}

//! One provider under test: how to build it against its sandbox imitation.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bankkit_core::clock::ManualClock;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::registry::{BuildContext, ProviderRegistration, SandboxTarget};
use bankkit_core::token::MemoryTokenStore;
use bankkit_core::{Capabilities, Provider};
use bankkit_sandbox::{Ledger, ProviderHandle, Sandbox};
use futures::future::BoxFuture;

use crate::variant::Variant;

/// A registered provider paired with its running sandbox imitation, and the credentials
/// it is built with: the sandbox's seeded ones, or those a [`Variant`] prepares (the same
/// provider reached through another API).
#[derive(Debug)]
pub struct Target {
    registration: &'static ProviderRegistration,
    sandbox: ProviderHandle,
    clock: ManualClock,
    capabilities: Capabilities,
    label: String,
    prepare: Option<Prepare>,
    hidden_kinds: &'static [&'static str],
    credentials: Mutex<serde_json::Value>,
}

/// How a variant gets its credentials: run against a freshly reset sandbox before each
/// check, it may call the sandbox's API and drive its control handle.
pub type Prepare = fn(PrepareContext) -> BoxFuture<'static, Result<serde_json::Value, String>>;

/// What a [`Prepare`] function works with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PrepareContext {
    /// The provider's sandbox imitation.
    pub sandbox: ProviderHandle,
    /// The clock shared by the sandbox and every provider built for the target.
    pub clock: ManualClock,
}

impl Target {
    /// The target for the registered provider `name`.
    ///
    /// # Errors
    /// A reason when the provider is not registered or has no sandbox imitation.
    pub fn new(sandbox: &Sandbox, name: &str) -> Result<Self, String> {
        let registration = bankkit_core::registry::find(name)
            .ok_or_else(|| format!("no provider named {name:?} is registered"))?;
        Self::with_registration(sandbox, registration, name)
    }

    /// A target for `registration` (registered or not) against the sandbox imitation
    /// called `sandbox_name`: how a provider wrapper or a work-in-progress provider is run
    /// through the checks.
    ///
    /// # Errors
    /// A reason when the sandbox has no such imitation or the provider cannot be built.
    pub fn with_registration(
        sandbox: &Sandbox,
        registration: &'static ProviderRegistration,
        sandbox_name: &str,
    ) -> Result<Self, String> {
        let handle = sandbox
            .provider(sandbox_name)
            .ok_or_else(|| format!("the sandbox has no imitation of {sandbox_name:?}"))?;
        let target = Self {
            registration,
            credentials: Mutex::new(serde_json::Value::Null),
            sandbox: handle,
            clock: sandbox.clock(),
            capabilities: (registration.capabilities)(),
            label: registration.name.to_owned(),
            prepare: None,
            hidden_kinds: &[],
        };
        let built = target.provider()?;
        if built.capabilities() != target.capabilities {
            return Err("the registry's capabilities differ from the provider's".into());
        }
        Ok(target)
    }

    /// The target of a [`Variant`]: its provider built with the credentials the variant
    /// prepares, declaring what the provider built with them declares.
    ///
    /// # Errors
    /// A reason when the provider is not registered, the sandbox has no imitation of it,
    /// or the variant cannot prepare its credentials or build the provider.
    pub async fn variant(sandbox: &Sandbox, variant: &Variant) -> Result<Self, String> {
        let registration = bankkit_core::registry::find(variant.provider)
            .ok_or_else(|| format!("no provider named {:?} is registered", variant.provider))?;
        let handle = sandbox
            .provider(variant.provider)
            .ok_or_else(|| format!("the sandbox has no imitation of {:?}", variant.provider))?;
        let mut target = Self {
            registration,
            credentials: Mutex::new(serde_json::Value::Null),
            sandbox: handle,
            clock: sandbox.clock(),
            capabilities: (registration.capabilities)(),
            label: variant.label.to_owned(),
            prepare: Some(variant.prepare),
            hidden_kinds: variant.hidden_kinds,
        };
        target.fresh_state();
        target.prepare().await?;
        target.capabilities = target.provider()?.capabilities();
        Ok(target)
    }

    /// The provider's name.
    pub fn name(&self) -> &'static str {
        self.registration.name
    }

    /// The column of the report: the provider's name, or the variant's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The sandbox's ledger as this target's credentials see it: without the kinds of
    /// account its [`Variant`] does not reach.
    pub fn ledger(&self) -> Ledger {
        let mut ledger = self.sandbox.ledger();
        ledger
            .accounts
            .retain(|account| !self.hidden_kinds.contains(&account.kind.as_str()));
        ledger
    }

    /// The credentials the provider is built with: the sandbox's seeded ones for a plain
    /// target, the prepared ones for a variant.
    pub fn credentials(&self) -> serde_json::Value {
        if self.prepare.is_none() {
            return self.sandbox.credentials();
        }
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Prepares the variant's credentials again (after [`Target::fresh_state`] reset the
    /// sandbox); nothing for a plain target.
    ///
    /// # Errors
    /// The variant's reason.
    pub async fn prepare(&self) -> Result<(), String> {
        let Some(prepare) = self.prepare else {
            return Ok(());
        };
        let credentials = prepare(PrepareContext {
            sandbox: self.sandbox.clone(),
            clock: self.clock.clone(),
        })
        .await?;
        *self
            .credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = credentials;
        Ok(())
    }

    /// The registration the provider is built from.
    pub fn registration(&self) -> &'static ProviderRegistration {
        self.registration
    }

    /// What the provider declares.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// The sandbox imitation's control handle.
    pub fn sandbox(&self) -> &ProviderHandle {
        &self.sandbox
    }

    /// The clock shared by the sandbox and every provider built here.
    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    /// The options checks use unless they need others: short timeouts, three attempts for
    /// reads and deduped writes, backoff in virtual time.
    pub fn default_options() -> HttpOptions {
        HttpOptions::default()
            .timeout(Duration::from_secs(2))
            .retry(RetryPolicy::IdempotentWrites { attempts: 3 })
            .backoff(Duration::from_millis(50), Duration::from_secs(2))
    }

    /// A fresh provider (empty caches, fresh limiters) pointed at the sandbox.
    ///
    /// # Errors
    /// A reason when the config cannot be made or built.
    pub fn provider(&self) -> Result<Arc<dyn Provider>, String> {
        self.provider_with(Self::default_options())
    }

    /// A fresh provider with other HTTP options.
    ///
    /// # Errors
    /// As [`Target::provider`].
    pub fn provider_with(&self, options: HttpOptions) -> Result<Arc<dyn Provider>, String> {
        let target = SandboxTarget::new(self.sandbox.base_url(), self.credentials());
        let config = (self.registration.sandbox_config)(&target)
            .map_err(|e| format!("sandbox config: {e}"))?;
        let context = BuildContext::default()
            .with_clock(self.clock.shared())
            .with_http(options)
            .with_token_store(Arc::new(MemoryTokenStore::new()));
        config.build(&context).map_err(|e| format!("build: {e}"))
    }

    /// Puts the sandbox back to its seed, clears faults, and moves the clock past every
    /// rate window so checks do not see each other.
    pub fn fresh_state(&self) {
        self.sandbox.reset();
        self.sandbox.clear_faults();
        self.clock.advance(Duration::from_secs(3600));
    }
}

//! The entry point to one provider: [`Provider`] and capability discovery.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::balance::Balance;
use crate::payment::{Payment, PaymentOperations};
use crate::statement::Statement;
use crate::webhook::Webhook;

/// One provider behind the core traits.
///
/// Each capability is an accessor returning `Some(&dyn Trait)` when the provider has it.
/// One it lacks is `None` and its [`Capabilities`] entry says why — never a stub that
/// errors.
///
/// Shared as `Arc<dyn Provider>`.
pub trait Provider: Send + Sync + fmt::Debug {
    /// A stable machine name, the same as the plugin registry's (`"monobank"`).
    fn id(&self) -> &str;

    /// A human name (`"Monobank (personal API)"`).
    fn name(&self) -> &str;

    /// What this provider can do.
    fn capabilities(&self) -> Capabilities;

    /// Accounts and balances.
    fn balance(&self) -> Option<&dyn Balance> {
        None
    }

    /// Statements.
    fn statement(&self) -> Option<&dyn Statement> {
        None
    }

    /// Payments.
    fn payment(&self) -> Option<&dyn Payment> {
        None
    }

    /// Webhooks.
    fn webhook(&self) -> Option<&dyn Webhook> {
        None
    }
}

/// One of the core capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Capability {
    /// [`Balance`].
    Balance,
    /// [`Statement`].
    Statement,
    /// [`Payment`].
    Payment,
    /// [`Webhook`].
    Webhook,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 4] = [
        Capability::Balance,
        Capability::Statement,
        Capability::Payment,
        Capability::Webhook,
    ];

    /// The capability's name in lower case.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Balance => "balance",
            Self::Statement => "statement",
            Self::Payment => "payment",
            Self::Webhook => "webhook",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a provider offers a capability.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "support")]
#[non_exhaustive]
pub enum Support {
    /// Offered.
    Supported,
    /// Not offered, and why.
    Unsupported {
        /// Why (for example "the personal API is read-only").
        reason: String,
    },
}

impl Support {
    /// Not offered, for `reason`.
    pub fn unsupported(reason: impl Into<String>) -> Self {
        Self::Unsupported {
            reason: reason.into(),
        }
    }

    /// Whether it is offered.
    pub fn is_supported(&self) -> bool {
        matches!(self, Self::Supported)
    }
}

/// What a provider can do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// Accounts and balances.
    pub balance: Support,
    /// Statements.
    pub statement: Support,
    /// Payments.
    pub payment: Support,
    /// Which payment operations are offered and how creates stay at most once: the one
    /// list of them (the [`Payment`] trait has no second one).
    pub payment_operations: PaymentOperations,
    /// Webhooks.
    pub webhook: Support,
}

impl Capabilities {
    /// Nothing supported, each for `reason`.
    pub fn none(reason: &str) -> Self {
        Self {
            balance: Support::unsupported(reason),
            statement: Support::unsupported(reason),
            payment: Support::unsupported(reason),
            payment_operations: PaymentOperations::default(),
            webhook: Support::unsupported(reason),
        }
    }

    /// Sets one capability's support.
    pub fn with(mut self, capability: Capability, support: Support) -> Self {
        *self.entry_mut(capability) = support;
        self
    }

    /// Sets the payment operations (and marks payments supported if any is offered).
    pub fn with_payment_operations(mut self, operations: PaymentOperations) -> Self {
        if !operations.is_empty() {
            self.payment = Support::Supported;
        }
        self.payment_operations = operations;
        self
    }

    /// The support of one capability.
    pub fn get(&self, capability: Capability) -> &Support {
        match capability {
            Capability::Balance => &self.balance,
            Capability::Statement => &self.statement,
            Capability::Payment => &self.payment,
            Capability::Webhook => &self.webhook,
        }
    }

    fn entry_mut(&mut self, capability: Capability) -> &mut Support {
        match capability {
            Capability::Balance => &mut self.balance,
            Capability::Statement => &mut self.statement,
            Capability::Payment => &mut self.payment,
            Capability::Webhook => &mut self.webhook,
        }
    }

    /// The capabilities offered.
    pub fn supported(&self) -> Vec<Capability> {
        Capability::ALL
            .into_iter()
            .filter(|c| self.get(*c).is_supported())
            .collect()
    }
}

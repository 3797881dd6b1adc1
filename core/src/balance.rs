//! Accounts and their balances: the [`Balance`] capability.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::AccountId;
use crate::money::{Currency, Money};
use crate::Result;

/// What kind of account this is, in core terms. The provider's own word is kept in
/// [`Account::provider_kind`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AccountKind {
    /// A personal card or current account.
    Current,
    /// A business (sole trader, company) account.
    Business,
    /// Money set aside inside another account: a jar, a pot, a savings space.
    Savings,
    /// A mobile-money or e-money wallet.
    Wallet,
    /// A merchant or collection account at a payment provider.
    Merchant,
    /// Anything else.
    Other,
}

/// One account as a provider lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The provider's id of the account.
    pub id: AccountId,
    /// A human name where the provider has one (jar title, pot name).
    pub name: Option<String>,
    /// The core kind.
    pub kind: AccountKind,
    /// The provider's own kind (`"black"`, `"uk_retail"`, `"jar"`), unchanged.
    pub provider_kind: String,
    /// The account's currency.
    pub currency: Currency,
    /// Masked card numbers, IBANs, sort code/account number: what a user recognises.
    pub identifiers: Vec<String>,
}

impl Account {
    /// An account with no name and no identifiers.
    pub fn new(
        id: AccountId,
        kind: AccountKind,
        provider_kind: impl Into<String>,
        currency: Currency,
    ) -> Self {
        Self {
            id,
            name: None,
            kind,
            provider_kind: provider_kind.into(),
            currency,
            identifiers: Vec::new(),
        }
    }

    /// Sets the name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds identifiers.
    pub fn with_identifiers(mut self, identifiers: impl IntoIterator<Item = String>) -> Self {
        self.identifiers.extend(identifiers);
        self
    }
}

/// The balance of one account at a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountBalance {
    /// The account.
    pub account_id: AccountId,
    /// What the owner can spend now (own money, without credit).
    pub available: Money,
    /// The booked balance, where the provider distinguishes it from `available`.
    pub current: Option<Money>,
    /// The balance including money set aside (pots), where the provider reports it.
    pub total: Option<Money>,
    /// Money held for pending card payments or frozen, where reported.
    pub pending: Option<Money>,
    /// The credit limit, where the account has one.
    pub credit_limit: Option<Money>,
    /// Spent today, where the provider reports it.
    pub spend_today: Option<Money>,
    /// A savings goal, where the account has one (jars).
    pub goal: Option<Money>,
    /// When the provider answered.
    pub as_of: DateTime<Utc>,
}

impl AccountBalance {
    /// A balance with just the available amount.
    pub fn new(account_id: AccountId, available: Money, as_of: DateTime<Utc>) -> Self {
        Self {
            account_id,
            available,
            current: None,
            total: None,
            pending: None,
            credit_limit: None,
            spend_today: None,
            goal: None,
            as_of,
        }
    }
}

/// Lists accounts and reads their balances.
#[async_trait]
pub trait Balance: Send + Sync {
    /// Every account the credentials can see.
    ///
    /// # Errors
    /// Any [`crate::Error`]; typically `Unauthorized`, `RateLimited`, `Timeout`.
    async fn accounts(&self) -> Result<Vec<Account>>;

    /// The balance of one account.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown account, and as [`Balance::accounts`].
    async fn balance(&self, account: &AccountId) -> Result<AccountBalance>;
}

//! A provider-neutral view of the sandbox's accounts and their transactions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every account of one provider with all its transactions, seeded and added since.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ledger {
    /// The accounts, in the provider's own order.
    pub accounts: Vec<LedgerAccount>,
}

/// The [`LedgerAccount::kind`] of an account the provider keeps for a merchant's takings
/// but does not list to its owner through its account API (Monobank's acquiring
/// settlement): tests count charges and refunds on it; checks of listed accounts leave it
/// out ([`Ledger::listed_accounts`]).
pub const SETTLEMENT_KIND: &str = "settlement";

impl Ledger {
    /// The accounts the provider's account API lists (every kind but
    /// [`SETTLEMENT_KIND`]).
    pub fn listed_accounts(&self) -> impl Iterator<Item = &LedgerAccount> {
        self.accounts.iter().filter(|a| a.kind != SETTLEMENT_KIND)
    }

    /// The account with this id, if any.
    pub fn account(&self, id: &str) -> Option<&LedgerAccount> {
        self.accounts.iter().find(|account| account.id == id)
    }
}

/// One account (card, business account, savings jar, pot, wallet…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerAccount {
    /// The provider's account id, as used in its API.
    pub id: String,
    /// What sort of account this is, in the provider's terms: `"card"`, `"fop"`, `"jar"`…
    pub kind: String,
    /// ISO 4217 alphabetic currency code, e.g. `"UAH"`.
    pub currency: String,
    /// Current balance in minor units.
    pub balance_minor: i64,
    /// Transactions, oldest first.
    pub transactions: Vec<LedgerTransaction>,
}

/// One transaction on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerTransaction {
    /// The provider's transaction id.
    pub id: String,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// Signed amount in the account's minor units: negative = money out.
    pub amount_minor: i64,
    /// The description the provider shows.
    pub description: String,
}

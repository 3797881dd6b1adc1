//! A provider-neutral view of the sandbox's accounts and their transactions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every account of one provider with all its transactions, seeded and added since.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ledger {
    /// The accounts, in the provider's own order.
    pub accounts: Vec<LedgerAccount>,
}

impl Ledger {
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

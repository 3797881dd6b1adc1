//! Moving money: the [`Payment`] capability.
//!
//! Collect money (an invoice the customer pays, a request-to-pay on a phone) and pay out
//! (a transfer, a deposit); read a payment's status; cancel or refund it. Every create
//! takes an [`IdempotencyKey`]: sending the same request again with the same key — after a
//! timeout, a dropped connection, a crash — never moves money twice. Providers that dedupe
//! on their side (MoMo `X-Reference-Id`, Monzo `dedupe_id`) derive their reference from the
//! key; elsewhere the provider looks the payment up by the key before sending again.
//!
//! A provider status bankkit does not know maps to [`PaymentStatus::Pending`], never to
//! success or failure; the raw value is kept in [`PaymentDetails::provider_status`].

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, PaymentId};
use crate::money::Money;
use crate::{Error, Result};

/// The caller's key for one intended payment, reused across every attempt to create it.
///
/// 1 to 255 printable ASCII characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks and wraps a key.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if the key is empty, longer than 255 characters or not
    /// printable ASCII.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        if key.is_empty() || key.len() > 255 {
            return Err(Error::invalid(
                "an idempotency key must be 1 to 255 characters long",
            ));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid(
                "an idempotency key must be printable ASCII without spaces",
            ));
        }
        Ok(Self(key))
    }

    /// A fresh random key (128 bits, hex).
    pub fn generate() -> Self {
        let bits: u128 = rand::random();
        Self(format!("{bits:032x}"))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::new(value)
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> Self {
        key.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.0)
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who pays or is paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
#[non_exhaustive]
pub enum Party {
    /// A mobile number in international form without `+` (MoMo).
    Msisdn(String),
    /// An e-mail address.
    Email(String),
    /// An IBAN.
    Iban(String),
    /// An account at the same provider.
    Account(AccountId),
    /// A party id the provider knows under its own kind name.
    Other {
        /// The provider's kind of id.
        kind: String,
        /// The id.
        value: String,
    },
}

/// A request to collect money from a payer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CollectRequest {
    /// The caller's key for this payment.
    pub idempotency_key: IdempotencyKey,
    /// How much.
    pub amount: Money,
    /// Who pays, where the provider asks the payer directly (MoMo); `None` for a payment page.
    pub payer: Option<Party>,
    /// What the payer sees.
    pub description: Option<String>,
    /// The caller's own order reference.
    pub reference: Option<String>,
    /// Where the provider sends status changes.
    pub callback_url: Option<String>,
    /// Where the payer's browser returns after a payment page.
    pub redirect_url: Option<String>,
    /// Free key-values echoed back by providers that support them.
    pub metadata: BTreeMap<String, String>,
}

impl CollectRequest {
    /// A request for `amount` under `idempotency_key`.
    pub fn new(idempotency_key: IdempotencyKey, amount: Money) -> Self {
        Self {
            idempotency_key,
            amount,
            payer: None,
            description: None,
            reference: None,
            callback_url: None,
            redirect_url: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the payer.
    pub fn payer(mut self, payer: Party) -> Self {
        self.payer = Some(payer);
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the caller's reference.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Sets the callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }
}

/// A request to pay money out to a payee.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayoutRequest {
    /// The caller's key for this payment.
    pub idempotency_key: IdempotencyKey,
    /// How much.
    pub amount: Money,
    /// Who receives it.
    pub payee: Party,
    /// What the payee sees.
    pub description: Option<String>,
    /// The caller's own reference.
    pub reference: Option<String>,
    /// Where the provider sends status changes.
    pub callback_url: Option<String>,
}

impl PayoutRequest {
    /// A payout of `amount` to `payee` under `idempotency_key`.
    pub fn new(idempotency_key: IdempotencyKey, amount: Money, payee: Party) -> Self {
        Self {
            idempotency_key,
            amount,
            payee,
            description: None,
            reference: None,
            callback_url: None,
        }
    }
}

/// A request to give back all or part of a successful payment.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefundRequest {
    /// The caller's key for this refund.
    pub idempotency_key: IdempotencyKey,
    /// The payment to refund.
    pub payment_id: PaymentId,
    /// How much; `None` refunds the whole remaining amount.
    pub amount: Option<Money>,
    /// Why.
    pub reason: Option<String>,
}

impl RefundRequest {
    /// A full refund of `payment_id`.
    pub fn new(idempotency_key: IdempotencyKey, payment_id: PaymentId) -> Self {
        Self {
            idempotency_key,
            payment_id,
            amount: None,
            reason: None,
        }
    }
}

/// What a payment does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentKind {
    /// Money coming in from a payer.
    Collection,
    /// Money going out to a payee.
    Payout,
    /// Money given back.
    Refund,
}

/// Where a payment stands, in core terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Created or in progress; also every provider status bankkit does not know.
    Pending,
    /// Funds are held and wait to be captured.
    Authorized,
    /// Money moved.
    Succeeded,
    /// No money moved; see [`PaymentDetails::failure`].
    Failed,
    /// Cancelled before money moved.
    Cancelled,
    /// Expired before the payer acted.
    Expired,
    /// Money moved and was given back in full.
    Refunded,
    /// Money moved and part of it was given back.
    PartiallyRefunded,
}

impl PaymentStatus {
    /// Whether the status can still change without the caller doing anything.
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Pending | Self::Authorized)
    }
}

/// Why a payment failed, in core terms, with the provider's words kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentFailure {
    /// The core reason.
    pub reason: FailureReason,
    /// The provider's code, unchanged.
    pub provider_code: Option<String>,
    /// The provider's message, unchanged.
    pub message: Option<String>,
}

impl PaymentFailure {
    /// A failure with a core reason.
    pub fn new(reason: FailureReason) -> Self {
        Self {
            reason,
            provider_code: None,
            message: None,
        }
    }
}

/// Why money did not move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureReason {
    /// The payer did not have enough money.
    InsufficientFunds,
    /// The payer declined or did not approve in time.
    PayerDeclined,
    /// The payer or payee is unknown or cannot receive.
    PartyNotFound,
    /// A limit (amount, count) was exceeded.
    LimitExceeded,
    /// The card or account is blocked, expired or restricted.
    Blocked,
    /// The request was invalid (amount, currency).
    Invalid,
    /// The provider failed internally.
    ProviderError,
    /// Any other reason; see the provider code.
    Other,
}

/// A payment as the provider reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentDetails {
    /// The provider's id.
    pub id: PaymentId,
    /// Collection, payout or refund.
    pub kind: PaymentKind,
    /// Core status.
    pub status: PaymentStatus,
    /// The provider's status, unchanged.
    pub provider_status: String,
    /// The amount requested.
    pub amount: Money,
    /// The caller's reference, where echoed.
    pub reference: Option<String>,
    /// A page where the payer pays, for invoices.
    pub payment_url: Option<String>,
    /// Why it failed, when it did.
    pub failure: Option<PaymentFailure>,
    /// When the provider created it, where reported.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed, where reported.
    pub updated_at: Option<DateTime<Utc>>,
}

impl PaymentDetails {
    /// Details with the required fields.
    pub fn new(
        id: PaymentId,
        kind: PaymentKind,
        status: PaymentStatus,
        provider_status: impl Into<String>,
        amount: Money,
    ) -> Self {
        Self {
            id,
            kind,
            status,
            provider_status: provider_status.into(),
            amount,
            reference: None,
            payment_url: None,
            failure: None,
            created_at: None,
            updated_at: None,
        }
    }
}

/// Which payment operations a provider offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentOperations {
    /// [`Payment::collect`].
    pub collect: bool,
    /// [`Payment::pay_out`].
    pub pay_out: bool,
    /// [`Payment::cancel`].
    pub cancel: bool,
    /// [`Payment::refund`].
    pub refund: bool,
}

impl PaymentOperations {
    /// Every operation.
    pub fn all() -> Self {
        Self {
            collect: true,
            pay_out: true,
            cancel: true,
            refund: true,
        }
    }
}

/// Collects and pays out money.
///
/// An operation missing from [`Payment::operations`] answers [`Error::Unsupported`].
#[async_trait]
pub trait Payment: Send + Sync {
    /// Which operations this provider offers.
    fn operations(&self) -> PaymentOperations;

    /// Asks a payer for money (an invoice, a request-to-pay).
    ///
    /// # Errors
    /// Any [`crate::Error`]. After `Timeout` or `Transport`, call again with the same
    /// key: the payment is created at most once.
    async fn collect(&self, request: CollectRequest) -> Result<PaymentDetails>;

    /// Sends money to a payee.
    ///
    /// # Errors
    /// As [`Payment::collect`].
    async fn pay_out(&self, request: PayoutRequest) -> Result<PaymentDetails>;

    /// The current state of a payment.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id.
    async fn status(&self, id: &PaymentId) -> Result<PaymentDetails>;

    /// Cancels a payment that has not completed.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it can no longer be cancelled.
    async fn cancel(&self, id: &PaymentId) -> Result<PaymentDetails>;

    /// Gives back all or part of a successful payment.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it cannot be refunded.
    async fn refund(&self, request: RefundRequest) -> Result<PaymentDetails>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_validated() {
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("a".repeat(256)).is_err());
        assert!(IdempotencyKey::new("has space").is_err());
        assert_eq!(IdempotencyKey::new("order-1").unwrap().as_str(), "order-1");
        assert_ne!(IdempotencyKey::generate(), IdempotencyKey::generate());
    }

    #[test]
    fn only_pending_and_authorized_are_not_final() {
        assert!(!PaymentStatus::Pending.is_final());
        assert!(!PaymentStatus::Authorized.is_final());
        assert!(PaymentStatus::Succeeded.is_final());
        assert!(PaymentStatus::Failed.is_final());
    }
}

//! Moving money: the [`Payment`] capability.
//!
//! - **Collect** money from a payer: an invoice with a payment page, a request-to-pay on a
//!   phone, or a direct charge of a card or a saved card ([`CollectRequest::payer`]). It is
//!   captured at once or held and captured later ([`CaptureMode`]), and may expire.
//! - **Capture** a hold in full or in part ([`Payment::capture`]), **cancel** an unpaid or
//!   held payment ([`Payment::cancel`]), **refund** a paid one in full or in part
//!   ([`Payment::refund`]; the refunds are listed on the payment).
//! - **Pay out** to a payee ([`PayoutRequest`]).
//! - Read a payment's **status**, or **find** it by the caller's reference.
//!
//! What a provider offers is said once, in [`Capabilities::payment_operations`]
//! (`crate::Capabilities`); an operation it lacks answers [`Error::Unsupported`].
//!
//! Every create takes an [`IdempotencyKey`]: sending it again with the same key — after a
//! timeout, a dropped connection, a crash — never moves money twice, by the rule the
//! provider declares ([`once::AtMostOnce`]).
//!
//! A provider status bankkit does not know maps to [`PaymentStatus::Pending`], never to
//! success or failure; the raw value is kept in [`PaymentDetails::provider_status`].
//!
//! [`Capabilities::payment_operations`]: crate::Capabilities::payment_operations

pub mod once;
mod party;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use self::once::AtMostOnce;
pub use self::party::{luhn, Card, CardExpiry, Iban, Party, Phone};
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

/// When a collected payment's money is taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaptureMode {
    /// Taken as soon as the payer pays.
    #[default]
    Immediate,
    /// Held on the payer's card until [`Payment::capture`] (or released by
    /// [`Payment::cancel`], or by the provider after its hold period).
    Hold,
}

/// A request to collect money from a payer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CollectRequest {
    /// The caller's key for this payment.
    pub idempotency_key: IdempotencyKey,
    /// How much.
    pub amount: Money,
    /// Who pays: `None` for a payment page the payer opens; a phone for a request-to-pay; a
    /// card or a saved card for a direct charge.
    pub payer: Option<Party>,
    /// Taken at once or held.
    pub capture: CaptureMode,
    /// How long the payer has to pay, where the provider lets the caller choose.
    pub expires_in: Option<Duration>,
    /// What the payer sees.
    pub description: Option<String>,
    /// The caller's own order reference (what [`Payment::find`] looks for).
    pub reference: Option<String>,
    /// Where the provider sends status changes.
    pub callback_url: Option<String>,
    /// Where the payer's browser returns after a payment page.
    pub redirect_url: Option<String>,
    /// Free key-values echoed back by providers that support them.
    pub metadata: BTreeMap<String, String>,
}

impl CollectRequest {
    /// A request for `amount` under `idempotency_key`, captured at once.
    pub fn new(idempotency_key: IdempotencyKey, amount: Money) -> Self {
        Self {
            idempotency_key,
            amount,
            payer: None,
            capture: CaptureMode::Immediate,
            expires_in: None,
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

    /// Holds the money until [`Payment::capture`].
    pub fn hold(mut self) -> Self {
        self.capture = CaptureMode::Hold;
        self
    }

    /// Sets how long the payer has to pay.
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(expires_in);
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

    /// Sets where the payer's browser returns.
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }

    /// Adds a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// Who bears a payout's fee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FeePayer {
    /// The sender: the payee receives the whole amount (the provider's default).
    #[default]
    Sender,
    /// The payee: the fee is taken from the amount.
    Payee,
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
    /// Who bears the fee, where the provider lets the caller choose.
    pub fee_payer: FeePayer,
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
            fee_payer: FeePayer::Sender,
            description: None,
            reference: None,
            callback_url: None,
        }
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

    /// Sets who bears the fee.
    pub fn fee_payer(mut self, fee_payer: FeePayer) -> Self {
        self.fee_payer = fee_payer;
        self
    }
}

/// A request to capture a held payment.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptureRequest {
    /// The held payment.
    pub payment_id: PaymentId,
    /// How much; `None` captures the whole hold. The rest of the hold is released.
    pub amount: Option<Money>,
}

impl CaptureRequest {
    /// Captures the whole hold of `payment_id`.
    pub fn new(payment_id: PaymentId) -> Self {
        Self {
            payment_id,
            amount: None,
        }
    }

    /// Captures only `amount`.
    pub fn amount(mut self, amount: Money) -> Self {
        self.amount = Some(amount);
        self
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

    /// Refunds only `amount`.
    pub fn amount(mut self, amount: Money) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Sets the reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// What a payment does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

impl fmt::Display for PaymentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Collection => "collection",
            Self::Payout => "payout",
            Self::Refund => "refund",
        })
    }
}

/// A payment at a provider: what it is ([`PaymentKind`]), the provider's kind of object
/// (`"invoice"`, `"requesttopay"`, `"transfer"`), its id there, and for a refund the payment
/// it belongs to when the provider identifies refunds within their payment.
///
/// Providers build and read the fields; nothing is parsed back out of a string.
///
/// ```
/// use bankkit_core::{PaymentId, PaymentKind};
///
/// let invoice = PaymentId::new(PaymentKind::Collection, "invoice", "p2_Xk3aB9");
/// let refund = PaymentId::new(PaymentKind::Refund, "cancel", "refund-1").within(&invoice);
/// assert_eq!(refund.parent(), Some("p2_Xk3aB9"));
/// assert_eq!(refund.to_string(), "refund cancel refund-1 of p2_Xk3aB9");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PaymentId {
    kind: PaymentKind,
    resource: String,
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
}

impl PaymentId {
    /// The payment `id` of the provider's `resource` kind.
    pub fn new(kind: PaymentKind, resource: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            kind,
            resource: resource.into(),
            id: id.into(),
            parent: None,
        }
    }

    /// The same id, belonging to `parent` (a refund within its payment).
    pub fn within(mut self, parent: &PaymentId) -> Self {
        self.parent = Some(parent.id.clone());
        self
    }

    /// Collection, payout or refund.
    pub fn kind(&self) -> PaymentKind {
        self.kind
    }

    /// The provider's kind of object.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The provider's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The provider's id of the payment this one belongs to.
    pub fn parent(&self) -> Option<&str> {
        self.parent.as_deref()
    }
}

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.kind, self.resource, self.id)?;
        if let Some(parent) = &self.parent {
            write!(f, " of {parent}")?;
        }
        Ok(())
    }
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
    /// Cancelled (or a hold released) before money moved.
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

    /// Keeps the provider's code and message.
    pub fn with_provider(mut self, code: Option<String>, message: Option<String>) -> Self {
        self.provider_code = code;
        self.message = message;
        self
    }
}

/// Why money did not move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureReason {
    /// The payer did not have enough money.
    InsufficientFunds,
    /// The payer declined, cancelled or did not approve in time.
    PayerDeclined,
    /// The payer or payee is unknown or cannot receive.
    PartyNotFound,
    /// A limit (amount, count) was exceeded.
    LimitExceeded,
    /// The card or account is blocked, expired or restricted.
    Blocked,
    /// Card data was wrong (number, expiry, CVV).
    InvalidCard,
    /// 3-D Secure or another authentication step failed.
    AuthenticationFailed,
    /// The request was invalid (amount, currency).
    Invalid,
    /// The provider failed internally.
    ProviderError,
    /// Any other reason; see the provider code.
    Other,
}

/// How a refund stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefundStatus {
    /// Accepted, not yet done; also every provider status bankkit does not know.
    Pending,
    /// The money went back.
    Succeeded,
    /// The refund failed; nothing went back.
    Failed,
}

/// A refund of (part of) a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Refund {
    /// The refund, where the provider identifies it.
    pub id: Option<PaymentId>,
    /// The payment refunded.
    pub payment_id: PaymentId,
    /// How much.
    pub amount: Money,
    /// Core status.
    pub status: RefundStatus,
    /// The provider's status, unchanged.
    pub provider_status: String,
    /// The caller's reference of the refund, where echoed.
    pub reference: Option<String>,
    /// When it was asked for, where reported.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed, where reported.
    pub updated_at: Option<DateTime<Utc>>,
}

impl Refund {
    /// A refund of `amount` of `payment_id`.
    pub fn new(
        payment_id: PaymentId,
        amount: Money,
        status: RefundStatus,
        provider_status: impl Into<String>,
    ) -> Self {
        Self {
            id: None,
            payment_id,
            amount,
            status,
            provider_status: provider_status.into(),
            reference: None,
            created_at: None,
            updated_at: None,
        }
    }
}

/// A payment as the provider reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentDetails {
    /// The provider's id.
    pub id: PaymentId,
    /// Core status.
    pub status: PaymentStatus,
    /// The provider's status, unchanged.
    pub provider_status: String,
    /// The amount requested.
    pub amount: Money,
    /// What was finally taken (after a partial capture and refunds), where reported.
    pub final_amount: Option<Money>,
    /// The provider's fee, where reported.
    pub fee: Option<Money>,
    /// What the merchant receives after the fee, where reported or derivable.
    pub net_amount: Option<Money>,
    /// Taken at once or held, where known.
    pub capture: Option<CaptureMode>,
    /// The refunds of this payment, where the provider lists them on it.
    pub refunds: Vec<Refund>,
    /// The caller's reference, where echoed.
    pub reference: Option<String>,
    /// A page where the payer pays, for invoices.
    pub payment_url: Option<String>,
    /// The payer's card as the provider masks it, where reported.
    pub masked_card: Option<String>,
    /// Why it failed, when it did.
    pub failure: Option<PaymentFailure>,
    /// When the provider created it, where reported.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed, where reported (the order of events: the later one wins).
    pub updated_at: Option<DateTime<Utc>>,
    /// When the payer can no longer pay, where known.
    pub expires_at: Option<DateTime<Utc>>,
}

impl PaymentDetails {
    /// Details with the required fields.
    pub fn new(
        id: PaymentId,
        status: PaymentStatus,
        provider_status: impl Into<String>,
        amount: Money,
    ) -> Self {
        Self {
            id,
            status,
            provider_status: provider_status.into(),
            amount,
            final_amount: None,
            fee: None,
            net_amount: None,
            capture: None,
            refunds: Vec::new(),
            reference: None,
            payment_url: None,
            masked_card: None,
            failure: None,
            created_at: None,
            updated_at: None,
            expires_at: None,
        }
    }

    /// Collection, payout or refund.
    pub fn kind(&self) -> PaymentKind {
        self.id.kind()
    }

    /// Whether this report of a payment is newer than `other` (of the same payment), for
    /// events that arrive out of order: the later `updated_at` wins; when the times are equal
    /// or unknown, a final status wins over one that is not.
    pub fn supersedes(&self, other: &PaymentDetails) -> bool {
        match (self.updated_at, other.updated_at) {
            (Some(mine), Some(theirs)) if mine != theirs => mine > theirs,
            _ => self.status.is_final() && !other.status.is_final(),
        }
    }

    /// The total of the refunds that succeeded or are pending.
    pub fn refunded(&self) -> Option<Money> {
        let mut total: Option<Money> = None;
        for refund in self
            .refunds
            .iter()
            .filter(|r| r.status != RefundStatus::Failed)
        {
            total = Some(match total {
                None => refund.amount,
                Some(sum) => sum.checked_add(&refund.amount).ok()?,
            });
        }
        total
    }
}

/// One payment operation a provider may offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentOperation {
    /// [`Payment::collect`] through a payment page (no payer given).
    CollectPage,
    /// [`Payment::collect`] from a phone (a request-to-pay).
    CollectPhone,
    /// [`Payment::collect`] by charging a card directly.
    ChargeCard,
    /// [`Payment::collect`] by charging a card the provider saved.
    ChargeSavedCard,
    /// [`CaptureMode::Hold`] on collect.
    Hold,
    /// [`Payment::capture`] of a whole hold.
    Capture,
    /// [`Payment::capture`] of part of a hold.
    PartialCapture,
    /// [`Payment::cancel`] of an unpaid payment.
    CancelUnpaid,
    /// [`Payment::cancel`] of a hold (releasing it).
    CancelHold,
    /// [`Payment::refund`] of a whole payment.
    Refund,
    /// [`Payment::refund`] of part of a payment.
    PartialRefund,
    /// [`Payment::pay_out`].
    PayOut,
    /// [`Payment::find`] by the caller's reference.
    Find,
}

impl PaymentOperation {
    /// Every operation.
    pub const ALL: [PaymentOperation; 13] = [
        Self::CollectPage,
        Self::CollectPhone,
        Self::ChargeCard,
        Self::ChargeSavedCard,
        Self::Hold,
        Self::Capture,
        Self::PartialCapture,
        Self::CancelUnpaid,
        Self::CancelHold,
        Self::Refund,
        Self::PartialRefund,
        Self::PayOut,
        Self::Find,
    ];
}

/// Which payment operations a provider offers, and how its creates stay at most once: the
/// one list, held in [`crate::Capabilities::payment_operations`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentOperations {
    /// The operations offered.
    pub offered: BTreeSet<PaymentOperation>,
    /// How a create sent again never moves money twice (`None` when nothing is offered).
    pub at_most_once: Option<AtMostOnce>,
}

impl PaymentOperations {
    /// `operations`, kept at most once by `rule`.
    pub fn new(operations: impl IntoIterator<Item = PaymentOperation>, rule: AtMostOnce) -> Self {
        Self {
            offered: operations.into_iter().collect(),
            at_most_once: Some(rule),
        }
    }

    /// Whether `operation` is offered.
    pub fn offers(&self, operation: PaymentOperation) -> bool {
        self.offered.contains(&operation)
    }

    /// Whether nothing is offered.
    pub fn is_empty(&self) -> bool {
        self.offered.is_empty()
    }

    /// Whether any way to collect is offered.
    pub fn collects(&self) -> bool {
        [
            PaymentOperation::CollectPage,
            PaymentOperation::CollectPhone,
            PaymentOperation::ChargeCard,
            PaymentOperation::ChargeSavedCard,
        ]
        .into_iter()
        .any(|o| self.offers(o))
    }
}

/// Collects and pays out money.
///
/// What a provider offers is in its [`crate::Capabilities::payment_operations`]; an
/// operation it lacks answers [`Error::Unsupported`] (the default of each method below).
#[async_trait]
pub trait Payment: Send + Sync {
    /// Asks a payer for money: an invoice with a payment page, a request-to-pay, or a direct
    /// charge of a card, per [`CollectRequest::payer`].
    ///
    /// # Errors
    /// Any [`crate::Error`]. After `Timeout` or `Transport`, call again with the same key:
    /// the payment is created at most once ([`Error::OutcomeUnknown`] when that cannot be
    /// known without sending twice).
    async fn collect(&self, request: CollectRequest) -> Result<PaymentDetails>;

    /// Sends money to a payee.
    ///
    /// # Errors
    /// As [`Payment::collect`].
    async fn pay_out(&self, request: PayoutRequest) -> Result<PaymentDetails> {
        let _ = request;
        Err(Error::unsupported(self.provider_id(), "pay_out"))
    }

    /// The current state of a payment (or of a refund, by its own id).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id.
    async fn status(&self, id: &PaymentId) -> Result<PaymentDetails>;

    /// The payment of `kind` the caller created with `reference`, if the provider has one.
    ///
    /// # Errors
    /// [`Error::Unsupported`] where the provider cannot look payments up.
    async fn find(&self, kind: PaymentKind, reference: &str) -> Result<Option<PaymentDetails>> {
        let _ = (kind, reference);
        Err(Error::unsupported(self.provider_id(), "find by reference"))
    }

    /// Takes all or part of a held payment; the rest of the hold is released.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the payment is not held, [`Error::InvalidRequest`] for an
    /// amount over the hold.
    async fn capture(&self, request: CaptureRequest) -> Result<PaymentDetails> {
        let _ = request;
        Err(Error::unsupported(self.provider_id(), "capture"))
    }

    /// Cancels a payment not yet paid, or releases a hold.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it can no longer be cancelled (refund it instead).
    async fn cancel(&self, id: &PaymentId) -> Result<PaymentDetails> {
        let _ = id;
        Err(Error::unsupported(self.provider_id(), "cancel"))
    }

    /// Gives back all or part of a successful payment.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it cannot be refunded (not paid, or already refunded).
    async fn refund(&self, request: RefundRequest) -> Result<Refund> {
        let _ = request;
        Err(Error::unsupported(self.provider_id(), "refund"))
    }

    /// The provider's id, for the default answers' messages.
    fn provider_id(&self) -> &str;
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
    fn debug_of_a_request_never_prints_a_card_phone_or_iban_whole() {
        let uah = crate::money::currency_from_code("UAH").unwrap();
        let amount = Money::from_minor(4200, uah).unwrap();
        let key = || IdempotencyKey::new("order-1").unwrap();
        let card = Card::new("4111111111111111".into(), "09/31", Some("321".into())).unwrap();
        let collect = CollectRequest::new(key(), amount).payer(Party::Card(card));
        let printed = format!("{collect:?}");
        assert!(!printed.contains("4111111111111111"), "{printed}");
        assert!(
            !printed.contains("321") && !printed.contains("0931"),
            "{printed}"
        );
        assert!(printed.contains("411111******1111"), "{printed}");

        let phone = Party::Phone(Phone::new("+380671234567").unwrap().at_bank("bank-1"));
        let payout = PayoutRequest::new(key(), amount, phone);
        let printed = format!("{payout:?}");
        assert!(!printed.contains("380671234567"), "{printed}");

        let iban = Party::Iban(Iban::new("UA213223130000026007233566001").unwrap());
        let printed = format!("{:?}", PayoutRequest::new(key(), amount, iban));
        assert!(
            !printed.contains("UA213223130000026007233566001"),
            "{printed}"
        );
        assert!(!printed.contains("3223130000026007"), "{printed}");

        let saved = CollectRequest::new(key(), amount).payer(Party::SavedCard("tok_live_1".into()));
        assert!(!format!("{saved:?}").contains("tok_live_1"));
    }

    #[test]
    fn payment_ids_say_what_they_identify() {
        let invoice = PaymentId::new(PaymentKind::Collection, "invoice", "p2_1");
        let refund = PaymentId::new(PaymentKind::Refund, "cancel", "r-1").within(&invoice);
        assert_eq!(refund.kind(), PaymentKind::Refund);
        assert_eq!(refund.parent(), Some("p2_1"));
        let json = serde_json::to_value(&refund).unwrap();
        assert_eq!(json["kind"], "refund");
        assert_eq!(serde_json::from_value::<PaymentId>(json).unwrap(), refund);
        assert_ne!(
            PaymentId::new(PaymentKind::Payout, "transfer", "x"),
            PaymentId::new(PaymentKind::Collection, "transfer", "x")
        );
    }

    #[test]
    fn the_later_report_of_a_payment_supersedes_the_earlier() {
        let money =
            Money::from_minor(100, crate::money::currency_from_code("UAH").unwrap()).unwrap();
        let id = PaymentId::new(PaymentKind::Collection, "invoice", "p1");
        let mut processing =
            PaymentDetails::new(id.clone(), PaymentStatus::Pending, "processing", money);
        let mut success = PaymentDetails::new(id, PaymentStatus::Succeeded, "success", money);
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:15:00Z")
            .unwrap()
            .to_utc();
        processing.updated_at = Some(t);
        success.updated_at = Some(t + chrono::Duration::seconds(1));
        assert!(success.supersedes(&processing));
        assert!(!processing.supersedes(&success));
        processing.updated_at = None;
        assert!(
            success.supersedes(&processing),
            "unknown times: the final status wins"
        );
        assert!(!processing.supersedes(&success));
    }

    #[test]
    fn only_pending_and_authorized_are_not_final() {
        assert!(!PaymentStatus::Pending.is_final());
        assert!(!PaymentStatus::Authorized.is_final());
        assert!(PaymentStatus::Succeeded.is_final());
        assert!(PaymentStatus::Failed.is_final());
    }
}

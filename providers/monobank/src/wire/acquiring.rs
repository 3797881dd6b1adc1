//! Monobank's acquiring API objects (`/api/merchant/...`) exactly as they travel
//! (monobank.md §3.3, §5; the bank's acquiring OpenAPI `v2412`, plus two `v2406` answers).
//!
//! - Money is integer minor units (`i64`); `ccy` is the ISO 4217 numeric code (`u16`),
//!   except in [`T2pPaymentStatus`], where it is alphabetic (`"UAH"`).
//! - Basket `qty`, discount `value` and `agentFeePercent` are decimals read from the JSON
//!   number's own text (never through `f64`).
//! - Times are RFC 3339 (`DateTime<FixedOffset>`, the offset kept as sent), except the
//!   tap-to-phone `dataTime` (`YYYY-MM-DD HH:MM:SS`, UTC) and the statement query's Unix
//!   seconds.
//! - Card data ([`CardNumber`], [`CardExpiry`], [`Cvv`], [`Cryptogram`]) and wallet card
//!   tokens ([`CardToken`]) are secrets: written in full only when serialised for the wire;
//!   `Debug` shows a card number as at most its first six and last four digits and never
//!   shows the rest.
//! - Optional fields are left out of requests when `None`.

use std::collections::BTreeMap;
use std::fmt;

use bankkit_core::secret::{ExposeSecret, SecretString};
use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Free key-value order data (`metadata`), echoed back in the statement.
pub type Metadata = BTreeMap<String, serde_json::Value>;

// ---------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------

/// Declares a newtype over a [`SecretString`] that serialises in full (for the wire) and
/// shows `[REDACTED]` in `Debug`.
macro_rules! secret_text {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps the value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The value itself; every read of it is explicit.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.expose_secret())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Self::new(String::deserialize(deserializer)?))
            }
        }
    };
}

secret_text! {
    /// A card's CVV2/CVC2 code. Never shown.
    Cvv
}

secret_text! {
    /// A card's expiry, `MMYY` (`"0642"`). Never shown.
    CardExpiry
}

secret_text! {
    /// A 3-D Secure or wallet cryptogram (`cavv`, `tavv`, Apple/Google Pay `cryptogram`).
    /// Never shown.
    Cryptogram
}

secret_text! {
    /// A saved card's token in a merchant wallet (`cardToken`): whoever holds it can charge
    /// the card through the merchant's token, so it is never shown.
    CardToken
}

/// Equal when the tokens are equal.
impl PartialEq for CardToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl Eq for CardToken {}

/// A card number (a PAN, a DPAN, or a wallet's device token).
///
/// Serialised in full (for the wire). `Debug` and [`CardNumber::masked`] show at most the
/// first six and the last four digits (`444403******1902`); a number shorter than 16
/// characters shows only its last four, one shorter than 12 nothing.
#[derive(Clone)]
pub struct CardNumber(SecretString);

impl CardNumber {
    /// Wraps a card number (spaces are kept as given; send digits only).
    pub fn new(number: impl Into<String>) -> Self {
        Self(SecretString::from(number.into()))
    }

    /// The number itself; every read of it is explicit.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The number with everything but the first six and last four characters replaced by
    /// `*` (see the type's docs for shorter numbers).
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.expose_secret().chars().collect();
        let len = chars.len();
        let shown = |from: usize, to: usize| -> String { chars[from..to].iter().collect() };
        if len >= 16 {
            format!(
                "{}{}{}",
                shown(0, 6),
                "*".repeat(len - 10),
                shown(len - 4, len)
            )
        } else if len >= 12 {
            format!("{}{}", "*".repeat(len - 4), shown(len - 4, len))
        } else {
            "[REDACTED]".to_owned()
        }
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({})", self.masked())
    }
}

impl From<String> for CardNumber {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for CardNumber {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl Serialize for CardNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for CardNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::new(String::deserialize(deserializer)?))
    }
}

// ---------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------

/// A `Decimal` as a JSON number, read from the number's text (never through `f64`).
mod decimal_number {
    use bankkit_core::money::JsonDecimal;
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        JsonDecimal::from(*value).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Decimal, D::Error> {
        Ok(JsonDecimal::deserialize(deserializer)?.decimal())
    }

    /// The same for an optional field.
    pub(super) mod option {
        use super::*;

        pub(in super::super) fn serialize<S: Serializer>(
            value: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => JsonDecimal::from(*value).serialize(serializer),
                None => serializer.serialize_none(),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            Ok(Option::<JsonDecimal>::deserialize(deserializer)?.map(|n| n.decimal()))
        }
    }
}

/// The tap-to-phone `dataTime`: `YYYY-MM-DD HH:MM:SS` in UTC.
mod t2p_time {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

    pub(super) fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(at) => serializer.serialize_str(&at.format(FORMAT).to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        use serde::de::Error as _;
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.is_empty() => Ok(None),
            Some(text) => NaiveDateTime::parse_from_str(&text, FORMAT)
                .map(|at| Some(at.and_utc()))
                .map_err(|e| D::Error::custom(format!("dataTime {text:?}: {e}"))),
        }
    }
}

/// A list the bank may send as absent, `null` or `[]`.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------

open_enum! {
    /// `paymentType` of an invoice or payment.
    pub enum PaymentType {
        /// Charge at once.
        Debit = "debit",
        /// Hold the amount (9 days) until finalized, or release it.
        Hold = "hold",
        /// Check the card without charging (`amount` 0, `saveCardData.saveCard` true).
        Verification = "verification",
    }
}

open_enum! {
    /// `displayType` of an invoice.
    pub enum DisplayType {
        /// A link for an embedded widget.
        Iframe = "iframe",
    }
}

open_enum! {
    /// Who starts a card-on-file or direct payment (`initiationKind`).
    pub enum InitiationKind {
        /// The merchant, without the payer taking part (a regular payment).
        Merchant = "merchant",
        /// The payer (may need 3-D Secure and a `redirectUrl`).
        Client = "client",
    }
}

open_enum! {
    /// The `status` of an invoice (also the statement's `status`).
    pub enum InvoiceState {
        /// Created, awaiting payment.
        Created = "created",
        /// Being paid.
        Processing = "processing",
        /// Amount held, awaiting finalization.
        Hold = "hold",
        /// Paid.
        Success = "success",
        /// Not paid.
        Failure = "failure",
        /// Refunded after success.
        Reversed = "reversed",
        /// Expired unpaid.
        Expired = "expired",
    }
}

open_enum! {
    /// The `status` of a cancellation (refund) request.
    pub enum CancelStatus {
        /// Being processed.
        Processing = "processing",
        /// Done.
        Success = "success",
        /// Refused.
        Failure = "failure",
    }
}

open_enum! {
    /// The `status` of a direct or card-token payment ([`PaymentResult`]).
    pub enum PaymentResultStatus {
        /// Being processed (possibly waiting for 3-D Secure at `tdsUrl`).
        Processing = "processing",
        /// Paid.
        Success = "success",
        /// Not paid.
        Failure = "failure",
    }
}

open_enum! {
    /// The answer `status` of `invoice/finalize`.
    pub enum FinalizeStatus {
        /// The finalization was accepted.
        Success = "success",
    }
}

open_enum! {
    /// Card scheme (`paymentSystem`).
    pub enum PaymentSystem {
        /// Visa.
        Visa = "visa",
        /// Mastercard.
        Mastercard = "mastercard",
    }
}

open_enum! {
    /// How the payer paid (`paymentMethod`).
    pub enum PaymentMethod {
        /// A card number typed in.
        Pan = "pan",
        /// Apple Pay.
        Apple = "apple",
        /// Google Pay.
        Google = "google",
        /// The monobank app.
        Monobank = "monobank",
        /// A saved card (wallet token).
        Wallet = "wallet",
        /// A direct card payment (`payment-direct`).
        Direct = "direct",
    }
}

open_enum! {
    /// State of a card being saved to a wallet (`walletData.status`).
    pub enum WalletStatus {
        /// Not saved yet.
        New = "new",
        /// Saved.
        Created = "created",
        /// Saving failed.
        Failed = "failed",
    }
}

open_enum! {
    /// `paymentScheme` of a statement item or payment info.
    pub enum PaymentScheme {
        /// Paid in full.
        Full = "full",
        /// Paid in 4 parts.
        BnplParts4 = "bnpl_parts_4",
        /// Pay later, 30 days.
        BnplLater30 = "bnpl_later_30",
    }
}

open_enum! {
    /// Who sets the amount of a QR till (`amountType`).
    pub enum QrAmountType {
        /// The merchant.
        Merchant = "merchant",
        /// The payer.
        Client = "client",
        /// A fixed amount.
        Fix = "fix",
    }
}

open_enum! {
    /// A fiscal check's `type`.
    pub enum FiscalCheckType {
        /// A sale.
        Sale = "sale",
        /// A return.
        Return = "return",
    }
}

open_enum! {
    /// A fiscal check's `status`.
    pub enum FiscalCheckStatus {
        /// New.
        New = "new",
        /// Being processed.
        Process = "process",
        /// Done.
        Done = "done",
        /// Failed.
        Failed = "failed",
    }
}

open_enum! {
    /// Who made a fiscal check (`fiscalizationSource`).
    pub enum FiscalizationSource {
        /// Checkbox.
        Checkbox = "checkbox",
        /// monopay.
        Monopay = "monopay",
        /// Vchasno.Kasa.
        Vchasnokasa = "vchasnokasa",
    }
}

open_enum! {
    /// A discount line's `type`.
    pub enum DiscountType {
        /// A discount.
        Discount = "DISCOUNT",
        /// An extra charge.
        ExtraCharge = "EXTRA_CHARGE",
    }
}

open_enum! {
    /// A discount line's `mode`.
    pub enum DiscountMode {
        /// `value` is a percentage.
        Percent = "PERCENT",
        /// `value` is an amount.
        Value = "VALUE",
    }
}

open_enum! {
    /// A card's `type` in `sync-payment`.
    pub enum PanType {
        /// A funding PAN.
        Fpan = "FPAN",
        /// A device PAN.
        Dpan = "DPAN",
    }
}

open_enum! {
    /// Tap-to-phone operation type.
    pub enum T2pPaymentType {
        /// A purchase.
        Purchase = "purchase",
        /// A refund.
        Refund = "refund",
        /// A reversal.
        Reverse = "reverse",
    }
}

open_enum! {
    /// Tap-to-phone payment status.
    pub enum T2pStatus {
        /// Not finished.
        Pending = "pending",
        /// Paid.
        Success = "success",
        /// Refused.
        Rejected = "rejected",
        /// The terminal did not answer.
        TxpDoesNotAnswer = "txp_does_not_answer",
        /// Not completed.
        TransactionNotCompleted = "transaction_not_completed",
    }
}

open_enum! {
    /// A subscription's `status` (also a filter of `subscription/list`).
    pub enum SubscriptionState {
        /// Charging.
        Active = "active",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

open_enum! {
    /// A subscription charge's `status`.
    pub enum SubscriptionPaymentStatus {
        /// Not charged yet.
        New = "new",
        /// Charged.
        Success = "success",
        /// Failed.
        Failed = "failed",
    }
}

open_enum! {
    /// What `subscription/edit` does.
    pub enum SubscriptionAction {
        /// Cancel the subscription.
        Cancel = "cancel",
    }
}

open_enum! {
    /// The acquiring API's `errCode` in an error answer (monobank.md §6.2). Payment
    /// failure codes of a paid invoice are [`crate::PaymentFailureCode`]s instead.
    pub enum AcquiringErrorCode {
        /// 400: invalid parameters.
        BadRequest = "BAD_REQUEST",
        /// 400: invalid parameters (numeric form).
        InvalidRequest1001 = "1001",
        /// 400: invalid `merchantPaymInfo`.
        InvalidMerchantPaymInfo = "INVALID_MERCHANT_PAYM_INFO",
        /// 400: the QR till's amount is being paid.
        OrderInProgress = "ORDER_IN_PROGRESS",
        /// 400: a paid hold invoice is not finalized yet.
        HoldInvoiceNotFinalized = "HOLD_INVOICE_NOT_FINALIZED",
        /// 400: wrong refund amount, or already refunded.
        WrongCancelAmount = "WRONG_CANCEL_AMOUNT",
        /// 400: unknown card token.
        TokenNotFound = "TOKEN_NOT_FOUND",
        /// 403: invalid `X-Token`.
        Forbidden = "FORBIDDEN",
        /// 404: a lookup by a parameter failed.
        NotFound = "NOT_FOUND",
        /// 404: a lookup by a parameter failed (numeric form).
        NotFound1004 = "1004",
        /// 405: wrong HTTP method.
        MethodNotAllowed = "METHOD_NOT_ALLOWED",
        /// 429: too many requests.
        TooManyRequests = "TMR",
        /// 500: unexpected failure.
        InternalError = "INTERNAL_ERROR",
        /// 500: the payment cannot be cancelled.
        CancelNotAvailable = "CANCEL_NOT_AVAILABLE",
    }
}

// ---------------------------------------------------------------------------------------
// Shared request parts
// ---------------------------------------------------------------------------------------

/// Order details of an invoice or payment (`merchantPaymInfo`). Mandatory with a fiscal
/// register link; invalid content is answered `INVALID_MERCHANT_PAYM_INFO`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantPaymInfo {
    /// The merchant's order or receipt number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Payment purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// A service note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Where to e-mail the fiscal check (with a Checkbox link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_emails: Option<Vec<String>>,
    /// Whole-basket discounts or extra charges (for fiscalization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discounts: Option<Vec<Discount>>,
    /// Free key-values, echoed in the statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The basket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basket_order: Option<Vec<BasketItem>>,
}

/// One basket line of [`MerchantPaymInfo`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasketItem {
    /// Product name.
    pub name: String,
    /// Quantity (a decimal, not minor units).
    #[serde(with = "decimal_number")]
    pub qty: Decimal,
    /// Price of one unit, minor units.
    pub sum: i64,
    /// `sum × qty`, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Unit name (`"шт."`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Product code (needed for fiscalization).
    pub code: String,
    /// Barcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Text before the product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Text after the product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// Tax rate ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Vec<i64>>,
    /// UKTZED code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uktzed: Option<String>,
    /// The split receiver this line is paid to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_receiver_id: Option<String>,
    /// Line discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discounts: Option<Vec<Discount>>,
}

/// A discount or extra charge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discount {
    /// Discount or extra charge.
    #[serde(rename = "type")]
    pub discount_type: DiscountType,
    /// Percentage or amount.
    pub mode: DiscountMode,
    /// The percentage or amount (a decimal number).
    #[serde(with = "decimal_number")]
    pub value: Decimal,
    /// Tax rate ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Vec<i64>>,
}

/// Save the payer's card to a wallet (`saveCardData`; enabled by the bank on request).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveCardData {
    /// Whether to save the card.
    pub save_card: bool,
    /// The payer's wallet id in the merchant's system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<String>,
}

/// One product line for a fiscal check (refund or partial finalization).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FiscalizationItem {
    /// Product name.
    pub name: String,
    /// Quantity (a decimal).
    #[serde(with = "decimal_number")]
    pub qty: Decimal,
    /// Price of one unit, minor units.
    pub sum: i64,
    /// Product code.
    pub code: String,
    /// Barcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Text before the product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Text after the product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// Tax rate ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Vec<i64>>,
    /// UKTZED code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uktzed: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Invoices
// ---------------------------------------------------------------------------------------

/// Body of `POST /api/merchant/invoice/create`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceCreateRequest {
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency (the bank's default: 980, UAH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccy: Option<u16>,
    /// Order details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_paym_info: Option<MerchantPaymInfo>,
    /// Where the payer is sent (GET) after paying, either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where the payer is sent after success (enabled by the bank on request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    /// Where the payer is sent after failure (enabled by the bank on request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_url: Option<String>,
    /// Where status changes are POSTed (signed, see [`crate::MerchantWebhookVerifier`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_hook_url: Option<String>,
    /// Validity in seconds (default 24 h; more than 30 days is cut to 30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<i64>,
    /// Debit, hold or verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<PaymentType>,
    /// Set the amount of this QR till.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_id: Option<String>,
    /// Submerchant terminal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Save the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_card_data: Option<SaveCardData>,
    /// The agent's commission, percent (a decimal).
    #[serde(
        default,
        with = "decimal_number::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub agent_fee_percent: Option<Decimal>,
    /// Ask for a widget link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_type: Option<DisplayType>,
    /// Ask for an `appUrl` deeplink too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_app_url: Option<bool>,
}

impl InvoiceCreateRequest {
    /// An invoice for `amount` minor units, everything else unset.
    pub fn new(amount: i64) -> Self {
        Self {
            amount,
            ..Self::default()
        }
    }
}

/// Answer of `invoice/create`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceCreated {
    /// The invoice id.
    pub invoice_id: String,
    /// The payment page.
    pub page_url: String,
    /// A `monobank://` deeplink, when `withAppUrl` was true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
}

/// An invoice's state: the answer of `invoice/status`, of `invoice/sync-payment`, and the
/// body of every acquiring webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceStatus {
    /// The invoice id.
    pub invoice_id: String,
    /// Its status.
    pub status: InvoiceState,
    /// Why it failed, in the bank's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The payment failure code (see [`crate::PaymentFailureCode`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_code: Option<String>,
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// Amount after payment and refunds, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_amount: Option<i64>,
    /// When the operation was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTime<FixedOffset>>,
    /// When it last changed: the larger one is the current state (webhooks may arrive out
    /// of order; see [`crate::current_status`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<DateTime<FixedOffset>>,
    /// The merchant's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Payment purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Accepted cancellation (refund) requests.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cancel_list: Vec<CancelListItem>,
    /// How it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_info: Option<PaymentInfo>,
    /// The saved card, when `saveCardData` was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_data: Option<WalletData>,
    /// Tips (`v2406` only; gone from `v2412`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tips_info: Option<TipsInfo>,
}

/// One cancellation (refund) request of an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelListItem {
    /// Its status.
    pub status: CancelStatus,
    /// Amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// ISO 4217 numeric currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccy: Option<u16>,
    /// When it was made.
    pub created_date: DateTime<FixedOffset>,
    /// When it last changed.
    pub modified_date: DateTime<FixedOffset>,
    /// Authorization code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// Retrieval reference number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrn: Option<String>,
    /// The merchant's reference of the cancellation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_ref: Option<String>,
}

/// How an invoice was paid (`paymentInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInfo {
    /// Masked card number.
    pub masked_pan: String,
    /// Authorization code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// Retrieval reference number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrn: Option<String>,
    /// Transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tran_id: Option<String>,
    /// Terminal id.
    pub terminal: String,
    /// The acquiring bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
    /// Card scheme.
    pub payment_system: PaymentSystem,
    /// Payment method.
    pub payment_method: PaymentMethod,
    /// Acquiring fee, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<i64>,
    /// The card issuer's country, ISO 3166-1 numeric (`"804"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The agent's fee, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_fee: Option<i64>,
}

/// A card saved while paying (`walletData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletData {
    /// The card's token (secret).
    pub card_token: CardToken,
    /// The wallet id.
    pub wallet_id: String,
    /// Whether it was saved.
    pub status: WalletStatus,
}

/// Tips paid with an invoice (`v2406`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TipsInfo {
    /// The employee tipped.
    pub employee_id: String,
    /// Amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
}

/// Body of `POST /api/merchant/invoice/cancel`: a full or partial refund (or release of a
/// hold).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceCancelRequest {
    /// The invoice.
    pub invoice_id: String,
    /// The merchant's reference of this cancellation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_ref: Option<String>,
    /// Amount to refund, minor units (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Returned lines for the fiscal return check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<FiscalizationItem>>,
}

/// Answer of `invoice/cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceCancelled {
    /// The cancellation's status.
    pub status: CancelStatus,
    /// When it was made.
    pub created_date: DateTime<FixedOffset>,
    /// When it last changed.
    pub modified_date: DateTime<FixedOffset>,
}

/// Body of `POST /api/merchant/invoice/remove` (only before payment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceRemoveRequest {
    /// The invoice.
    pub invoice_id: String,
}

/// Body of `POST /api/merchant/invoice/finalize`: capture a hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceFinalizeRequest {
    /// The invoice.
    pub invoice_id: String,
    /// Amount to capture, minor units.
    pub amount: i64,
    /// Lines for the fiscal check when the amount differs from the invoice's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<FiscalizationItem>>,
}

/// Answer of `invoice/finalize`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceFinalized {
    /// `success`: the request was accepted.
    pub status: FinalizeStatus,
}

/// Card data of `payment-direct` (`cardData`). Needs PCI DSS.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CardData {
    /// Card number.
    pub pan: CardNumber,
    /// Expiry, `MMYY`.
    pub exp: CardExpiry,
    /// CVV2.
    pub cvv: Cvv,
}

/// Body of `POST /api/merchant/invoice/payment-direct`: charge card data directly.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDirectRequest {
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency (default 980).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccy: Option<u16>,
    /// The card.
    pub card_data: CardData,
    /// Order details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_paym_info: Option<MerchantPaymInfo>,
    /// Where status changes are POSTed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_hook_url: Option<String>,
    /// Debit or hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<PaymentType>,
    /// Save the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_card_data: Option<SaveCardData>,
    /// Where the payer returns after 3-D Secure (required with `initiationKind=client`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Who starts the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiation_kind: Option<InitiationKind>,
}

impl PaymentDirectRequest {
    /// A payment of `amount` minor units with `card_data`, everything else unset.
    pub fn new(amount: i64, card_data: CardData) -> Self {
        Self {
            amount,
            ccy: None,
            card_data,
            merchant_paym_info: None,
            web_hook_url: None,
            payment_type: None,
            save_card_data: None,
            redirect_url: None,
            initiation_kind: None,
        }
    }
}

/// Answer of `payment-direct` and `wallet/payment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResult {
    /// The invoice created for the payment.
    pub invoice_id: String,
    /// Where to send the payer for 3-D Secure, when needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tds_url: Option<String>,
    /// The payment's status.
    pub status: PaymentResultStatus,
    /// Why it failed, in the bank's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// When it was created.
    pub created_date: DateTime<FixedOffset>,
    /// When it last changed.
    pub modified_date: DateTime<FixedOffset>,
}

/// Order details of `sync-payment` (a subset of [`MerchantPaymInfo`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncMerchantPaymInfo {
    /// The merchant's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Payment purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// Card data of `sync-payment`, with the 3-D Secure results.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncCardData {
    /// Card number (FPAN or DPAN).
    pub pan: CardNumber,
    /// Which kind of number.
    #[serde(rename = "type")]
    pub pan_type: PanType,
    /// Expiry, `MMYY`.
    pub exp: CardExpiry,
    /// CVV2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvv: Option<Cvv>,
    /// ECI indicator.
    pub eci_indicator: String,
    /// 3-D Secure CAVV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cavv: Option<Cryptogram>,
    /// Token cryptogram (TAVV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tavv: Option<Cryptogram>,
    /// 3-D Secure directory server transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ds_tran_id: Option<String>,
    /// Token requestor id.
    #[serde(default, rename = "tReqID", skip_serializing_if = "Option::is_none")]
    pub t_req_id: Option<String>,
    /// Merchant-initiated transaction flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mit: Option<String>,
    /// `sst` (a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sst: Option<i64>,
    /// `tid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
}

/// Apple Pay or Google Pay data of `sync-payment`, from the wallet's decrypted container.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletTokenData {
    /// The device token (a DPAN).
    pub token: CardNumber,
    /// Expiry, `MMYY`.
    pub exp: CardExpiry,
    /// ECI indicator.
    pub eci_indicator: String,
    /// The cryptogram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptogram: Option<Cryptogram>,
}

/// Body of `POST /api/merchant/invoice/sync-payment` (access granted by the bank). Exactly
/// one of `card_data`, `apple_pay` and `google_pay` is set.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPaymentRequest {
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// Order details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_paym_info: Option<SyncMerchantPaymInfo>,
    /// Card data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_data: Option<SyncCardData>,
    /// Apple Pay data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_pay: Option<WalletTokenData>,
    /// Google Pay data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_pay: Option<WalletTokenData>,
}

/// Answer of `invoice/receipt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The receipt: base64 of a PDF.
    #[serde(default)]
    pub file: String,
}

/// Answer of `invoice/fiscal-checks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiscalChecks {
    /// The checks.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub checks: Vec<FiscalCheck>,
}

/// One fiscal check of an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FiscalCheck {
    /// Check id.
    pub id: String,
    /// Sale or return.
    #[serde(rename = "type")]
    pub check_type: FiscalCheckType,
    /// Its status.
    pub status: FiscalCheckStatus,
    /// Status details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_description: Option<String>,
    /// The tax office's page for the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_url: Option<String>,
    /// The check: base64 of a PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Who made it.
    pub fiscalization_source: FiscalizationSource,
}

/// Answer of `invoice/payment-info` (deprecated endpoint, `v2406`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoicePaymentInfo {
    /// Masked card number.
    pub masked_pan: String,
    /// Authorization code.
    pub approval_code: String,
    /// Retrieval reference number.
    pub rrn: String,
    /// Authorized amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// Amount after refunds, minor units.
    pub final_amount: i64,
    /// When it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTime<FixedOffset>>,
    /// Terminal id.
    pub terminal: String,
    /// Full or in parts.
    pub payment_scheme: PaymentScheme,
    /// Payment method.
    pub payment_method: PaymentMethod,
    /// Acquiring fee, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<i64>,
    /// Whether the card is Ukrainian.
    pub domestic_card: bool,
    /// The card issuer's country, ISO 3166-1 numeric.
    pub country: String,
    /// Refunds.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cancel_list: Vec<CancelListItem>,
}

// ---------------------------------------------------------------------------------------
// Merchant
// ---------------------------------------------------------------------------------------

/// Answer of `GET /api/merchant/pubkey`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantPubkey {
    /// Base64 of a PEM X.509 (SubjectPublicKeyInfo) ECDSA public key.
    pub key: String,
}

/// Answer of `GET /api/merchant/details`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantDetails {
    /// Merchant id.
    pub merchant_id: String,
    /// Merchant name.
    pub merchant_name: String,
    /// EDRPOU (company registration number).
    pub edrpou: String,
}

/// Answer of `GET /api/merchant/statement`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantStatement {
    /// Items, newest first.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub list: Vec<MerchantStatementItem>,
}

/// One payment of the merchant statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantStatementItem {
    /// The invoice paid.
    pub invoice_id: String,
    /// Its status (`hold`, `processing`, `success`, `failure`).
    pub status: InvoiceState,
    /// Masked card number.
    pub masked_pan: String,
    /// When it happened.
    pub date: DateTime<FixedOffset>,
    /// Full or in parts.
    pub payment_scheme: PaymentScheme,
    /// Amount, minor units.
    pub amount: i64,
    /// What the merchant receives after fees, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profit_amount: Option<i64>,
    /// The agent's fee, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_fee: Option<i64>,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// Authorization code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// Retrieval reference number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrn: Option<String>,
    /// The merchant's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The QR till's short id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_qr_id: Option<String>,
    /// Payment purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Refunds.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cancel_list: Vec<StatementCancelItem>,
    /// Split payment receivers.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub split_receiver_list: Vec<SplitReceiverShare>,
    /// The invoice's `merchantPaymInfo.metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// A refund in the merchant statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementCancelItem {
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// When it happened.
    pub date: DateTime<FixedOffset>,
    /// Authorization code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// Retrieval reference number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrn: Option<String>,
    /// Masked card number.
    pub masked_pan: String,
}

/// A split receiver's share of a statement payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SplitReceiverShare {
    /// The receiver.
    pub split_receiver_id: String,
    /// Amount, minor units.
    pub amount: i64,
    /// What the receiver gets after fees, minor units.
    pub profit: i64,
    /// The agent's fee, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_fee: Option<i64>,
}

/// Answer of `GET /api/merchant/submerchant/list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submerchants {
    /// The submerchants.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub list: Vec<Submerchant>,
}

/// One submerchant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submerchant {
    /// Its terminal code (`code` of invoice create and statement).
    pub code: String,
    /// EDRPOU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edrpou: Option<String>,
    /// IBAN.
    pub iban: String,
    /// Owner's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// Answer of `GET /api/merchant/split-receiver/list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitReceivers {
    /// The receivers.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub list: Vec<SplitReceiver>,
}

/// A receiver of split payments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SplitReceiver {
    /// Its id (`splitReceiverId` of a basket line).
    pub split_receiver_id: String,
    /// EDRPOU.
    pub edrpou: String,
    /// Name.
    pub name: String,
}

/// Answer of `GET /api/merchant/employee/list` (deprecated endpoint, `v2406`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employees {
    /// Employees who can receive tips.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub list: Vec<Employee>,
}

/// An employee who can receive tips.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Employee {
    /// Id in the acquiring system.
    pub id: String,
    /// Id in the merchant's system.
    pub ext_ref: String,
    /// Name.
    pub name: String,
}

// ---------------------------------------------------------------------------------------
// QR tills
// ---------------------------------------------------------------------------------------

/// Answer of `GET /api/merchant/qr/list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrList {
    /// The QR tills.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub list: Vec<QrListItem>,
}

/// One QR till.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrListItem {
    /// Short id.
    pub short_qr_id: String,
    /// Id (`qrId` of invoice create).
    pub qr_id: String,
    /// Who sets the amount.
    pub amount_type: QrAmountType,
    /// Payment page.
    pub page_url: String,
}

/// Answer of `GET /api/merchant/qr/details`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrDetails {
    /// Short id.
    pub short_qr_id: String,
    /// The invoice to pay, while an amount is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// The amount set, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// ISO 4217 numeric currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccy: Option<u16>,
}

/// Body of `POST /api/merchant/qr/reset-amount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrResetRequest {
    /// The QR till.
    pub qr_id: String,
}

// ---------------------------------------------------------------------------------------
// Wallets (saved cards)
// ---------------------------------------------------------------------------------------

/// Answer of `GET /api/merchant/wallet`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    /// The saved cards.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub wallet: Vec<WalletCard>,
}

/// A saved card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletCard {
    /// Its token (secret).
    pub card_token: CardToken,
    /// Masked card number.
    pub masked_pan: String,
    /// The card issuer's country, ISO 3166-1 numeric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Body of `POST /api/merchant/wallet/payment`: charge a saved card.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletPaymentRequest {
    /// The card's token.
    pub card_token: CardToken,
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// Where the payer returns after 3-D Secure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where status changes are POSTed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_hook_url: Option<String>,
    /// Who starts the payment.
    pub initiation_kind: InitiationKind,
    /// Order details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_paym_info: Option<MerchantPaymInfo>,
    /// Debit or hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<PaymentType>,
}

impl WalletPaymentRequest {
    /// A payment of `amount` minor units in `ccy` with a saved card.
    pub fn new(
        card_token: CardToken,
        amount: i64,
        ccy: u16,
        initiation_kind: InitiationKind,
    ) -> Self {
        Self {
            card_token,
            amount,
            ccy,
            redirect_url: None,
            web_hook_url: None,
            initiation_kind,
            merchant_paym_info: None,
            payment_type: None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tap to phone
// ---------------------------------------------------------------------------------------

/// Answer of `GET /api/merchant/t2p/terminal/list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct T2pTerminals {
    /// The terminals (the bank may send the list empty, absent or `null`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub list: Vec<T2pTerminal>,
}

/// A tap-to-phone terminal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct T2pTerminal {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Terminal id.
    pub terminal: String,
}

/// Answer of `GET /api/merchant/t2p/terminal/payment/external/status` (last 90 days; poll
/// at most once per 5 s per id). No field is required by the schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct T2pPaymentStatus {
    /// The acquiring bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
    /// Terminal id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
    /// Purchase, refund or reversal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<T2pPaymentType>,
    /// Amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Currency, **alphabetic** ISO 4217 (`"UAH"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccy: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<T2pStatus>,
    /// When the payment was created (sent as `YYYY-MM-DD HH:MM:SS`, UTC).
    #[serde(default, with = "t2p_time", skip_serializing_if = "Option::is_none")]
    pub data_time: Option<DateTime<Utc>>,
    /// The bank's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_payment_id: Option<String>,
    /// The id from the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_payment_id: Option<String>,
    /// Transaction id (after settlement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Masked card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_pan: Option<String>,
    /// Card scheme name (`"visa"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_mask: Option<String>,
    /// Authorization code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// Retrieval reference number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrn: Option<String>,
    /// Processing response code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_code: Option<String>,
    /// Error text for rejected or unfinished payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The card issuer's country, ISO numeric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_card: Option<String>,
}

/// Body of `POST /api/merchant/pos-transaction-cancel`: refund a POS transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosTransactionCancelRequest {
    /// RRN of the original transaction.
    pub rrn: String,
    /// Amount to refund, minor units (at most what is left).
    pub amount: i64,
}

/// Answer of `pos-transaction-cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PosTransactionCancelled {
    /// Status of starting the refund (`"ok"`).
    pub status: String,
    /// The refund's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tran_id: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------------------

/// Where subscription events go.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionWebHookUrls {
    /// Charge events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_url: Option<String>,
    /// Status events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_url: Option<String>,
}

/// Body of `POST /api/merchant/subscription/create`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionCreateRequest {
    /// Amount of each charge, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency (default 980).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccy: Option<u16>,
    /// Where the payer returns after paying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where events go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_hook_urls: Option<SubscriptionWebHookUrls>,
    /// `{n}{d|w|m|y}`: `"1m"` monthly, `"2w"` every two weeks.
    pub interval: String,
    /// Validity of the first payment page, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<i64>,
}

/// Answer of `subscription/create`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionCreated {
    /// The subscription id.
    pub subscription_id: String,
    /// The first payment's page.
    pub page_url: String,
}

/// Answer of `GET /api/merchant/subscription/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionStatus {
    /// The subscription id.
    pub subscription_id: String,
    /// Active or cancelled.
    pub status: SubscriptionState,
    /// First charge.
    pub start_date: DateTime<FixedOffset>,
    /// When it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<DateTime<FixedOffset>>,
    /// Amount, minor units.
    pub amount: i64,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
    /// Interval (`"1m"`).
    pub interval: String,
    /// Next charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_charge_date: Option<DateTime<FixedOffset>>,
    /// Why it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_desc: Option<String>,
    /// Charge counts.
    pub summary: SubscriptionSummary,
    /// The card charged.
    pub wallet_data: SubscriptionWalletData,
}

/// Charge counts of a subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSummary {
    /// Successful charges.
    pub total_paid: i64,
    /// Failed charges.
    pub total_failed: i64,
}

/// The card of a subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionWalletData {
    /// The card's token (secret).
    pub card_token: CardToken,
    /// The wallet id.
    pub wallet_id: String,
    /// Whether the card was saved.
    pub status: WalletStatus,
    /// Why saving or charging failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_description: Option<String>,
}

/// Paging of subscription lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Items in all pages.
    pub total_items: i64,
    /// Items per page.
    pub items_per_page: i64,
    /// This page (from 1).
    pub current_page: i64,
    /// Number of pages.
    pub total_pages: i64,
}

/// Query of `GET /api/merchant/subscription/payments`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionPaymentsQuery {
    /// The subscription.
    pub subscription_id: String,
    /// From (sent as RFC 3339).
    pub date_from: DateTime<FixedOffset>,
    /// To.
    pub date_to: Option<DateTime<FixedOffset>>,
    /// Page size (the bank's default 20).
    pub limit: Option<u32>,
    /// Page (from 1).
    pub page: Option<u32>,
}

/// Answer of `subscription/payments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionPayments {
    /// The charges.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub payments: Vec<SubscriptionPayment>,
    /// Paging.
    pub pagination: Pagination,
}

/// One subscription charge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionPayment {
    /// Amount, minor units.
    pub amount: i64,
    /// Its status.
    pub status: SubscriptionPaymentStatus,
    /// When it was charged.
    pub charged_at: DateTime<FixedOffset>,
    /// ISO 4217 numeric currency.
    pub ccy: u16,
}

/// Query of `GET /api/merchant/subscription/list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionListQuery {
    /// From (sent as RFC 3339).
    pub date_from: DateTime<FixedOffset>,
    /// To.
    pub date_to: Option<DateTime<FixedOffset>>,
    /// Only active or only cancelled.
    pub status: Option<SubscriptionState>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page (from 1).
    pub page: Option<u32>,
}

/// Answer of `subscription/list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionList {
    /// The subscriptions.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub list: Vec<SubscriptionListItem>,
    /// Paging.
    pub pagination: Pagination,
}

/// One subscription in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionListItem {
    /// The subscription id.
    pub subscription_id: String,
    /// Amount, minor units.
    pub amount: i64,
    /// Interval.
    pub interval: String,
    /// First charge.
    pub start_date: DateTime<FixedOffset>,
    /// When it was created.
    pub created: DateTime<FixedOffset>,
    /// Next charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_charge_date: Option<DateTime<FixedOffset>>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<DateTime<FixedOffset>>,
    /// Active or cancelled.
    pub status: SubscriptionState,
}

/// Body of `POST /api/merchant/subscription/remove` (only before the first charge).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRemoveRequest {
    /// The subscription.
    pub subscription_id: String,
}

/// Body of `POST /api/merchant/subscription/edit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionEditRequest {
    /// The subscription.
    pub subscription_id: String,
    /// What to do (only `cancel`).
    pub action: SubscriptionAction,
    /// Refund this much, minor units (no refund when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<i64>,
}

// ---------------------------------------------------------------------------------------
// monopay widget keys
// ---------------------------------------------------------------------------------------

/// Body of `POST /api/merchant/monopay/pubkey-import`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonopayKeyImportRequest {
    /// The public key, base64.
    pub key_value: String,
    /// The merchant's name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// When it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<FixedOffset>>,
}

/// Answer of `monopay/pubkey-import`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonopayKeyImported {
    /// The new key's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<MonopayKeyId>,
}

/// A widget key's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonopayKeyId {
    /// The id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// Body of `POST /api/merchant/monopay/pubkey-delete`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonopayKeyDeleteRequest {
    /// The key.
    pub key_id: String,
}

/// Answer of `GET /api/merchant/monopay/pubkey-list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonopayKeys {
    /// The keys.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub result: Vec<MonopayKey>,
}

/// One widget key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonopayKey {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The public key, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_value: Option<String>,
    /// The merchant's name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// When it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<FixedOffset>>,
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// The acquiring API's error body. `errText` is informational ("do not use in business
/// logic"); match on `errCode`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcquiringErrorBody {
    /// The error code.
    pub err_code: AcquiringErrorCode,
    /// What went wrong, in the bank's words.
    #[serde(default)]
    pub err_text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basket_quantities_and_discounts_are_exact_decimals_both_ways() {
        let text = r#"{"name":"Чашка","qty":0.1,"sum":2100,"code":"SKU-7",
            "discounts":[{"type":"DISCOUNT","mode":"PERCENT","value":12.345678901234567}]}"#;
        let item: BasketItem = serde_json::from_str(text).unwrap();
        assert_eq!(item.qty, Decimal::new(1, 1));
        assert_eq!(
            item.discounts.as_ref().unwrap()[0].value.to_string(),
            "12.345678901234567"
        );
        let back = serde_json::to_string(&item).unwrap();
        assert!(back.contains(r#""qty":0.1"#), "{back}");
        assert!(back.contains(r#""value":12.345678901234567"#), "{back}");
        assert!(!back.contains("total"), "{back}");
        assert!(
            serde_json::from_str::<BasketItem>(r#"{"name":"x","qty":"2","sum":1,"code":"c"}"#)
                .is_err()
        );
    }

    #[test]
    fn agent_fee_percent_is_a_json_number_and_absent_when_none() {
        let mut request = InvoiceCreateRequest::new(4200);
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"amount":4200}"#
        );
        request.agent_fee_percent = Some(Decimal::new(142, 2));
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"amount":4200,"agentFeePercent":1.42}"#
        );
        let read: InvoiceCreateRequest =
            serde_json::from_str(r#"{"amount":1,"agentFeePercent":1.42}"#).unwrap();
        assert_eq!(read.agent_fee_percent, Some(Decimal::new(142, 2)));
    }

    #[test]
    fn unknown_enum_values_are_kept_and_written_back() {
        let source: FiscalizationSource = serde_json::from_str(r#""newkasa""#).unwrap();
        assert_eq!(source, FiscalizationSource::Other("newkasa".into()));
        assert_eq!(serde_json::to_string(&source).unwrap(), r#""newkasa""#);
        let known: FiscalizationSource = serde_json::from_str(r#""vchasnokasa""#).unwrap();
        assert_eq!(known, FiscalizationSource::Vchasnokasa);
        let state = InvoiceState::from("refunding");
        assert_eq!(state.as_str(), "refunding");
        assert_eq!(InvoiceState::from("hold"), InvoiceState::Hold);
        assert_eq!(PaymentMethod::from("direct").to_string(), "direct");
    }

    #[test]
    fn tap_to_phone_time_and_alphabetic_currency_are_read() {
        let status: T2pPaymentStatus = serde_json::from_str(
            r#"{"amount":3500,"ccy":"UAH","status":"success","dataTime":"2026-04-21 23:01:54"}"#,
        )
        .unwrap();
        assert_eq!(status.ccy.as_deref(), Some("UAH"));
        assert_eq!(
            status.data_time,
            Some("2026-04-21T23:01:54Z".parse().unwrap())
        );
        let back = serde_json::to_string(&status).unwrap();
        assert!(
            back.contains(r#""dataTime":"2026-04-21 23:01:54""#),
            "{back}"
        );
        assert!(serde_json::from_str::<T2pPaymentStatus>(r#"{"dataTime":"yesterday"}"#).is_err());
    }

    #[test]
    fn card_numbers_show_at_most_six_and_four_digits() {
        assert_eq!(
            CardNumber::new("4242424242424242").masked(),
            "424242******4242"
        );
        assert_eq!(CardNumber::new("4242424242421").masked(), "*********2421");
        assert_eq!(CardNumber::new("4242").masked(), "[REDACTED]");
        let shown = format!("{:?}", CardNumber::new("4111111111111111"));
        assert_eq!(shown, "CardNumber(411111******1111)");
        assert_eq!(format!("{:?}", Cvv::new("123")), "Cvv([REDACTED])");
        assert_eq!(
            serde_json::to_string(&CardData {
                pan: "4242424242424242".into(),
                exp: "0642".into(),
                cvv: "123".into(),
            })
            .unwrap(),
            r#"{"pan":"4242424242424242","exp":"0642","cvv":"123"}"#
        );
    }

    #[test]
    fn a_null_cancel_list_is_empty() {
        let status: InvoiceStatus = serde_json::from_str(
            r#"{"invoiceId":"p2_1","status":"created","amount":1,"ccy":980,"cancelList":null}"#,
        )
        .unwrap();
        assert!(status.cancel_list.is_empty());
    }

    #[test]
    fn a_null_or_absent_terminal_list_is_empty() {
        let none: T2pTerminals = serde_json::from_str(r#"{"list":null}"#).unwrap();
        assert!(none.list.is_empty());
        let absent: T2pTerminals = serde_json::from_str("{}").unwrap();
        assert!(absent.list.is_empty());
    }
}

//! Morune's JSON exactly as on the wire (morune.md §4, §6).
//!
//! Field names are Morune's. Unknown fields are ignored; unknown enum values are kept
//! (`Other(String)`). Amounts are [`Amount`]s (a JSON number **or** a numeric string, read
//! exactly), times are [`Timestamp`]s (`"Y-m-d H:i:s"`, no zone, the text kept).

use std::fmt;
use std::str::FromStr;

use bankkit_core::money::JsonDecimal;
use bankkit_core::Decimal;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// An amount of money as Morune writes it: a JSON number (`10.28`, `1e2`) or a numeric
/// string (`"95.50"`), read exactly into a [`Decimal`] (never through a float). Sent as a
/// JSON number.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount(pub Decimal);

impl Amount {
    /// The value.
    pub fn decimal(&self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for Amount {
    fn from(value: Decimal) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.0)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get().trim();
        let number = if text.starts_with('"') {
            let inner: String = serde_json::from_str(text).map_err(D::Error::custom)?;
            inner.trim().parse::<JsonDecimal>()
        } else {
            text.parse::<JsonDecimal>()
        };
        number.map(|n| Self(n.decimal())).map_err(|_| {
            D::Error::custom(format!(
                "{} is not an amount (a JSON number or numeric string that fits a decimal)",
                shorten(text)
            ))
        })
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        JsonDecimal::from(self.0).serialize(serializer)
    }
}

/// At most 40 characters of outside text, for messages.
fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A time as Morune writes it: `"Y-m-d H:i:s"` with no zone (`2023-04-06 16:27:59`).
///
/// The original text is kept ([`Timestamp::as_str`]). Morune does not say which zone it
/// means; [`Timestamp::at`] applies the offset the caller chooses (the provider's default is
/// Moscow time, +03:00, one integrator's assumption). A text that carries its own zone
/// (RFC 3339) keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct Timestamp {
    text: String,
    local: NaiveDateTime,
    offset: Option<FixedOffset>,
}

impl Timestamp {
    /// The text as Morune sent it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The wall-clock time, without a zone.
    pub fn local(&self) -> NaiveDateTime {
        self.local
    }

    /// The instant, reading a zone-less text at `offset`.
    pub fn at(&self, offset: FixedOffset) -> DateTime<Utc> {
        let offset = self.offset.unwrap_or(offset);
        match offset.from_local_datetime(&self.local) {
            chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
                at.with_timezone(&Utc)
            }
            // A fixed offset has no gaps.
            chrono::LocalResult::None => self.local.and_utc(),
        }
    }
}

impl FromStr for Timestamp {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        for format in [
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
        ] {
            if let Ok(local) = NaiveDateTime::parse_from_str(trimmed, format) {
                return Ok(Self {
                    text: text.to_owned(),
                    local,
                    offset: None,
                });
            }
        }
        if let Ok(at) = DateTime::parse_from_rfc3339(trimmed) {
            return Ok(Self {
                text: text.to_owned(),
                local: at.naive_local(),
                offset: Some(*at.offset()),
            });
        }
        Err(format!(
            "{:?} is not a time of the form \"Y-m-d H:i:s\"",
            shorten(text)
        ))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// A Morune enum value: the known ones, or any other text kept as it came.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this crate does not know, unchanged.
            Other(String),
        }

        impl $name {
            /// The value as Morune writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::from(text.as_str()))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// An invoice's `status` (§4.2; `refund` comes in webhooks, §6.1).
    InvoiceStatus {
        /// Created, not paid yet (or in progress).
        Created => "created",
        /// Paid.
        Success => "success",
        /// Rejected.
        Fail => "fail",
        /// Its lifetime ran out.
        Expired => "expired",
        /// Refunded.
        Refund => "refund",
    }
}

wire_enum! {
    /// A payoff's `status` (§4.6).
    PayoffStatus {
        /// In progress.
        Wait => "wait",
        /// Paid out.
        Success => "success",
        /// Rejected.
        Fail => "fail",
    }
}

wire_enum! {
    /// A payment tariff's `status` (§4.3).
    TariffStatus {
        /// The method is on.
        Enabled => "enabled",
        /// The method is off.
        Disabled => "disabled",
    }
}

/// The envelope of every answer (§1): `{data, status, status_check, error}`.
///
/// `data` is kept as raw JSON, read into the endpoint's type only after the envelope says
/// success (`status_check` true and `status` 200).
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    /// The answer's object, `null` on failure.
    #[serde(borrow, default)]
    pub data: Option<&'a RawValue>,
    /// The status, the same as the HTTP code.
    #[serde(default)]
    pub status: Option<i64>,
    /// Whether the call succeeded.
    #[serde(default)]
    pub status_check: Option<bool>,
    /// What went wrong: a string (usually Russian), an array or an object.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
}

/// `POST /invoice/create` (§4.1), without `shop_id` (the client adds it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct InvoiceCreate {
    /// The amount (`.` before kopecks).
    pub amount: Amount,
    /// The merchant's payment id (≤255), what `GET /invoice/info?order_id=` finds.
    pub order_id: String,
    /// `RUB` (Morune's default), `USD`, `EUR` or `UAH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Where the payment webhook goes (else the shop's setting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_url: Option<String>,
    /// A JSON text (≤500) echoed back in the webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<String>,
    /// Shown to the payer (≤255).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Where the payer goes after a failed payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_url: Option<String>,
    /// Where the payer goes after a successful payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    /// Lifetime in minutes (Morune's default 300, at most 7200 per the Enot text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire: Option<u32>,
    /// Only these methods are offered on the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_service: Option<Vec<String>>,
    /// These methods are hidden.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_service: Option<Vec<String>>,
}

impl Default for Amount {
    fn default() -> Self {
        Self(Decimal::ZERO)
    }
}

impl InvoiceCreate {
    /// An invoice for `amount` under `order_id`, with Morune's defaults for the rest.
    pub fn new(amount: Decimal, order_id: impl Into<String>) -> Self {
        Self {
            amount: Amount(amount),
            order_id: order_id.into(),
            ..Self::default()
        }
    }
}

/// The `data` of `POST /invoice/create` (fields from Enot's SDKs: medium confidence).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CreatedInvoice {
    /// The invoice id (a UUID).
    pub id: String,
    /// The amount.
    pub amount: Amount,
    /// The currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// The payment page.
    pub url: String,
    /// When the invoice expires.
    #[serde(default)]
    pub expired: Option<Timestamp>,
}

/// An invoice (`GET /invoice/info`, §4.2).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Invoice {
    /// The invoice id.
    pub invoice_id: String,
    /// The merchant's payment id.
    #[serde(default)]
    pub order_id: Option<String>,
    /// The shop.
    #[serde(default)]
    pub shop_id: Option<String>,
    /// The status.
    pub status: InvoiceStatus,
    /// The amount asked.
    pub invoice_amount: Amount,
    /// What was credited to the balance.
    #[serde(default)]
    pub credited: Option<Amount>,
    /// The currency (RUB when absent).
    #[serde(default)]
    pub currency: Option<String>,
    /// The method used, when paid.
    #[serde(default)]
    pub pay_service: Option<String>,
    /// The payer's masked card or phone.
    #[serde(default)]
    pub payer_details: Option<String>,
    /// The whole fee, in RUB.
    #[serde(default)]
    pub commission_amount: Option<Amount>,
    /// The whole fee, in percent.
    #[serde(default)]
    pub commission_percent: Option<Amount>,
    /// The shop's part of the fee.
    #[serde(default)]
    pub shop_commission_amount: Option<Amount>,
    /// The payer's part of the fee.
    #[serde(default)]
    pub user_commission_amount: Option<Amount>,
    /// The payer's part of the fee, in percent.
    #[serde(default)]
    pub user_commission_percent: Option<Amount>,
    /// What was sent as `custom_fields` (named `custom_field` in Enot's SDKs; either is
    /// read).
    #[serde(default, alias = "custom_field")]
    pub custom_fields: Option<serde_json::Value>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// When it expires.
    #[serde(default)]
    pub expired_at: Option<Timestamp>,
    /// When it was paid.
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
}

/// The `data` of `GET /shops/{shop_id}/payment-tariffs` (§4.3).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Tariffs {
    /// One per method.
    pub tariffs: Vec<Tariff>,
}

/// A payment method and its fees (§4.3).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Tariff {
    /// The method code (`card`, `sbp`, …), for `include_service`.
    pub service: String,
    /// Its display name.
    #[serde(default)]
    pub service_label: Option<String>,
    /// The whole fee, in percent.
    #[serde(default)]
    pub percent: Option<Amount>,
    /// The fixed fee.
    #[serde(default)]
    pub fix: Option<Amount>,
    /// The least amount.
    #[serde(default)]
    pub min_sum: Option<Amount>,
    /// The largest amount.
    #[serde(default)]
    pub max_sum: Option<Amount>,
    /// The shop's part of the fee, in percent.
    #[serde(default)]
    pub shop_percent: Option<Amount>,
    /// The payer's part of the fee, in percent.
    #[serde(default)]
    pub user_percent: Option<Amount>,
    /// The currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// On or off.
    pub status: TariffStatus,
}

/// The `data` of `GET /account/users/{userId}/balance` (§4.4).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserBalance {
    /// The whole balance.
    pub balance: Amount,
    /// What can be paid out now.
    pub active_balance: Amount,
    /// What is frozen for now.
    pub freeze_balance: Amount,
}

/// Who bears a payoff's fee: `subtract` (§4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Subtract {
    /// `1`: from the balance (the payee gets the whole amount).
    Balance,
    /// `2`: from the amount (Morune's default).
    Amount,
}

impl Serialize for Subtract {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(match self {
            Self::Balance => 1,
            Self::Amount => 2,
        })
    }
}

/// Extra data of a payoff (§4.5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PayoffData {
    /// The SBP bank id, from `GET /payoff/get-sbp-bank-list` (required for `sbp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbp_bank_type: Option<String>,
}

impl PayoffData {
    /// Data naming the SBP bank `bank`.
    pub fn sbp_bank(bank: impl Into<String>) -> Self {
        Self {
            sbp_bank_type: Some(bank.into()),
        }
    }
}

/// `POST /payoff/create` (§4.5), without `user_id` (the client adds it).
///
/// `Debug` shows `wallet_to` masked (it can be a card number).
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PayoffCreate {
    /// The payout method (`card`, `sbp`, a wallet service).
    pub service: String,
    /// The card number, phone or wallet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_to: Option<String>,
    /// The amount, in RUB.
    pub amount: Amount,
    /// The merchant's payoff id (≤255), what `GET /payoff/info?order_id=` finds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// A comment (≤255).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Where the payoff webhook goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_url: Option<String>,
    /// Who bears the fee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtract: Option<Subtract>,
    /// Extra data (the SBP bank).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payoff_data: Option<PayoffData>,
}

impl PayoffCreate {
    /// A payoff of `amount` by `service` to `wallet_to`.
    pub fn new(service: impl Into<String>, wallet_to: impl Into<String>, amount: Decimal) -> Self {
        Self {
            service: service.into(),
            wallet_to: Some(wallet_to.into()),
            amount: Amount(amount),
            ..Self::default()
        }
    }
}

impl fmt::Debug for PayoffCreate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayoffCreate")
            .field("service", &self.service)
            .field("wallet_to", &self.wallet_to.as_deref().map(mask))
            .field("amount", &self.amount)
            .field("order_id", &self.order_id)
            .field("comment", &self.comment)
            .field("hook_url", &self.hook_url)
            .field("subtract", &self.subtract)
            .field("payoff_data", &self.payoff_data)
            .finish()
    }
}

/// Everything but the last four characters as `*`.
pub(crate) fn mask(text: &str) -> String {
    let count = text.chars().count();
    let shown = if count > 8 { 4 } else { count / 3 };
    text.chars()
        .enumerate()
        .map(|(i, c)| if i + shown >= count { c } else { '*' })
        .collect()
}

/// The `data` of `POST /payoff/create` (fields from Enot's SDKs: medium confidence).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CreatedPayoff {
    /// The payoff id (a UUID).
    pub payoff_id: String,
    /// What was taken from the balance, in RUB.
    #[serde(default)]
    pub amount_withdraw_rub: Option<Amount>,
    /// The balance after.
    #[serde(default)]
    pub balance: Option<Amount>,
}

/// A payoff (`GET /payoff/info`, §4.6).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Payoff {
    /// The payoff id.
    pub payoff_id: String,
    /// The status.
    pub status: PayoffStatus,
    /// The merchant's payoff id.
    #[serde(default)]
    pub order_id: Option<String>,
    /// The payout method.
    #[serde(default)]
    pub service: Option<String>,
    /// The payee's card, phone or wallet (as Morune shows it).
    #[serde(default)]
    pub wallet: Option<String>,
    /// `api` (made through the API) or `payoff` (made in the cabinet).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `balance` or `amount`: who bore the fee.
    #[serde(default)]
    pub subtract: Option<String>,
    /// The amount, in RUB.
    pub amount: Amount,
    /// What was taken from the balance, in RUB.
    #[serde(default)]
    pub amount_withdraw_rub: Option<Amount>,
    /// The fee, in RUB.
    #[serde(default)]
    pub commission_rub: Option<Amount>,
    /// The currency the payee receives.
    #[serde(default)]
    pub receive_currency: Option<String>,
    /// What the payee receives, in `receive_currency`.
    #[serde(default)]
    pub amount_receive: Option<Amount>,
    /// The comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// When it was paid.
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
    /// Why it was rejected.
    #[serde(default)]
    pub error_message: Option<String>,
}

/// The `data` of `GET /payoff/get-sbp-bank-list` (§4.7, from Enot's SDKs: medium
/// confidence).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SbpBanks {
    /// The banks.
    pub banks: Vec<SbpBank>,
}

/// An SBP bank: its id is `payoff_data.sbp_bank_type`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SbpBank {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
}

/// A payment webhook's body (§6.1).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct PaymentWebhook {
    /// The invoice.
    pub invoice_id: String,
    /// `success`, `fail`, `expired` or `refund`.
    pub status: InvoiceStatus,
    /// The amount.
    pub amount: Amount,
    /// The currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// The merchant's payment id.
    #[serde(default)]
    pub order_id: Option<String>,
    /// What was sent as `custom_fields`.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Value>,
    /// `1` payment, `2` refund.
    #[serde(default, rename = "type")]
    pub kind: Option<i64>,
    /// `1` success, `20` refunded, `31` expired, `32` closed in error.
    #[serde(default)]
    pub code: Option<i64>,
    /// The method used (on success).
    #[serde(default)]
    pub pay_service: Option<String>,
    /// The payer's masked card or phone (on success).
    #[serde(default)]
    pub payer_details: Option<String>,
    /// What was credited, in RUB (on success).
    #[serde(default)]
    pub credited: Option<Amount>,
    /// When it was paid.
    #[serde(default)]
    pub pay_time: Option<Timestamp>,
    /// When it failed or expired.
    #[serde(default)]
    pub reject_time: Option<Timestamp>,
    /// How much was refunded.
    #[serde(default)]
    pub refund_amount: Option<Amount>,
    /// Why it was refunded.
    #[serde(default)]
    pub refund_reason: Option<String>,
    /// When it was refunded.
    #[serde(default)]
    pub refund_time: Option<Timestamp>,
}

/// A payoff webhook's body (§6.2).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct PayoffWebhook {
    /// The payoff.
    pub payoff_id: String,
    /// The merchant's payoff id.
    #[serde(default)]
    pub order_id: Option<String>,
    /// `success`, `fail` (`wait` presumably).
    pub status: PayoffStatus,
    /// The payout method.
    #[serde(default)]
    pub service: Option<String>,
    /// The payee as Morune shows it.
    #[serde(default)]
    pub wallet: Option<String>,
    /// The amount, in RUB.
    pub amount: Amount,
    /// The fee, in RUB.
    #[serde(default)]
    pub commission: Option<Amount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        amount: Amount,
    }

    fn amount(json: &str) -> Result<Decimal, String> {
        serde_json::from_str::<Holder>(&format!(r#"{{"amount":{json}}}"#))
            .map(|h| h.amount.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn amounts_are_exact_whether_numbers_or_strings() {
        assert_eq!(amount("10.28").unwrap(), Decimal::new(1028, 2));
        assert_eq!(amount(r#""95.50""#).unwrap(), Decimal::new(9550, 2));
        assert_eq!(amount("1e2").unwrap(), Decimal::new(100, 0));
        assert_eq!(amount("0.1").unwrap(), Decimal::new(1, 1));
        assert_eq!(
            amount("90071992547409.93").unwrap(),
            Decimal::new(9_007_199_254_740_993, 2)
        );
        for bad in [
            "1e400",
            r#""1e400""#,
            "123456789012345678901234567890123",
            r#""abc""#,
            "null",
            "true",
            r#""""#,
        ] {
            assert!(amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_are_sent_as_json_numbers_with_their_digits() {
        let body = InvoiceCreate::new(Decimal::new(15000, 2), "o-1");
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"amount":150.00,"order_id":"o-1"}"#);
    }

    #[test]
    fn zone_less_times_keep_their_text_and_read_at_the_given_offset() {
        let t: Timestamp = "2023-04-06 16:27:59".parse().unwrap();
        assert_eq!(t.as_str(), "2023-04-06 16:27:59");
        let moscow = FixedOffset::east_opt(3 * 3600).unwrap();
        assert_eq!(t.at(moscow).to_rfc3339(), "2023-04-06T13:27:59+00:00");
        let zoned: Timestamp = "2023-04-06T16:27:59+05:00".parse().unwrap();
        assert_eq!(zoned.at(moscow).to_rfc3339(), "2023-04-06T11:27:59+00:00");
        assert!("06.04.2023".parse::<Timestamp>().is_err());
    }

    #[test]
    fn unknown_statuses_are_kept() {
        let s: InvoiceStatus = serde_json::from_str(r#""on_hold""#).unwrap();
        assert_eq!(s, InvoiceStatus::Other("on_hold".into()));
        assert_eq!(s.as_str(), "on_hold");
        assert_eq!(InvoiceStatus::from("success"), InvoiceStatus::Success);
    }

    #[test]
    fn payoff_debug_masks_the_card() {
        let p = PayoffCreate::new("card", "4111111111111111", Decimal::new(100, 0));
        let shown = format!("{p:?}");
        assert!(!shown.contains("4111111111111111"), "{shown}");
        assert!(shown.contains("1111"), "{shown}");
    }
}

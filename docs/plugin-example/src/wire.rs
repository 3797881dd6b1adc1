//! Acme's JSON, exactly as on the wire (see the crate docs for the API). Unknown fields are
//! ignored; unknown statuses are kept ([`ChargeStatus::Other`]).

use std::fmt;

use bankkit_core::secret::{ExposeSecret, SecretString};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};

/// `GET /v1/accounts`.
#[derive(Debug, Deserialize)]
pub(crate) struct AccountList {
    pub(crate) accounts: Vec<Account>,
}

/// One account.
#[derive(Debug, Deserialize)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) currency: String,
    /// A decimal string, e.g. `"1234.56"`.
    pub(crate) balance: String,
}

/// Every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorAnswer {
    pub(crate) error: ErrorBody,
}

/// The inside of an error answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub(crate) code: String,
    pub(crate) message: String,
}

/// `POST /v1/charges`.
#[derive(Debug, Serialize)]
pub(crate) struct NewCharge {
    /// A decimal string in the currency's units (`"12.34"`).
    pub(crate) amount: String,
    /// ISO 4217 alphabetic code.
    pub(crate) currency: String,
    pub(crate) card: CardData,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reference: Option<String>,
    /// `false` only authorises (holds) the amount.
    pub(crate) capture: bool,
}

/// Card data sent with a charge: the only place the number and CVC leave their secret
/// wrappers, while being serialised. `Debug` shows the masked number.
#[derive(Serialize)]
pub(crate) struct CardData {
    #[serde(serialize_with = "expose")]
    pub(crate) number: SecretString,
    pub(crate) exp_month: u8,
    pub(crate) exp_year: u16,
    #[serde(
        serialize_with = "expose_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) cvc: Option<SecretString>,
    /// The number as shown in `Debug`: first six and last four digits.
    #[serde(skip)]
    pub(crate) masked: String,
}

impl fmt::Debug for CardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardData")
            .field("number", &self.masked)
            .field("exp_month", &"[REDACTED]")
            .field("exp_year", &"[REDACTED]")
            .field("cvc", &self.cvc.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

fn expose_option<S: Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

/// `POST /v1/charges/{id}/capture` and `POST /v1/charges/{id}/refunds`: an amount, or
/// nothing for all of it.
#[derive(Debug, Default, Serialize)]
pub(crate) struct AmountBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) amount: Option<String>,
}

/// A charge's status.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub(crate) enum ChargeStatus {
    /// Money taken.
    Succeeded,
    /// Declined; see `failure_code`.
    Failed,
    /// Being processed.
    Pending,
    /// Held, waiting for a capture or a cancel.
    Authorized,
    /// A hold released.
    Canceled,
    /// A status this client does not know, kept as sent.
    Other(String),
}

impl From<String> for ChargeStatus {
    fn from(status: String) -> Self {
        match status.as_str() {
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "pending" => Self::Pending,
            "authorized" => Self::Authorized,
            "canceled" => Self::Canceled,
            _ => Self::Other(status),
        }
    }
}

impl ChargeStatus {
    /// As Acme writes it.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Pending => "pending",
            Self::Authorized => "authorized",
            Self::Canceled => "canceled",
            Self::Other(status) => status,
        }
    }
}

/// A charge, as every charge endpoint answers it.
#[derive(Debug, Deserialize)]
pub(crate) struct Charge {
    pub(crate) id: String,
    pub(crate) status: ChargeStatus,
    /// What was asked for (and held, for a hold).
    pub(crate) amount: String,
    /// What was taken: the amount, or less after a partial capture.
    #[serde(default)]
    pub(crate) amount_captured: Option<String>,
    pub(crate) currency: String,
    #[serde(default)]
    pub(crate) reference: Option<String>,
    /// The `capture` the charge was created with (`false`: a hold).
    #[serde(default)]
    pub(crate) capture: Option<bool>,
    #[serde(default)]
    pub(crate) card: Option<ChargeCard>,
    #[serde(default)]
    pub(crate) failure_code: Option<String>,
    #[serde(default)]
    pub(crate) decline_code: Option<String>,
    #[serde(default)]
    pub(crate) failure_message: Option<String>,
    #[serde(default)]
    pub(crate) refunds: Vec<Refund>,
    pub(crate) created_at: DateTime<Utc>,
}

/// The card of a charge, as Acme shows it back.
#[derive(Debug, Deserialize)]
pub(crate) struct ChargeCard {
    pub(crate) last4: String,
}

/// A refund of a charge.
#[derive(Debug, Deserialize)]
pub(crate) struct Refund {
    pub(crate) id: String,
    pub(crate) charge: String,
    pub(crate) amount: String,
    /// Absent in older answers: the charge's currency then.
    #[serde(default)]
    pub(crate) currency: Option<String>,
    pub(crate) status: String,
    pub(crate) created_at: DateTime<Utc>,
}

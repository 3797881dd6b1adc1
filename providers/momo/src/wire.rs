//! Serde types exactly as MoMo sends and expects them (momo.md B3–B9).
//!
//! Field names are the API's (`availableBalance`, `partyIdType`, `referenceIdToRefund`).
//! Amounts are decimal **strings** on the wire and [`Decimal`] here; a JSON integer is also
//! read, a JSON float never (no `f64` anywhere). Unknown enum values are kept as
//! `Other(String)`, unknown fields are ignored. `reason` is read both as a bare string and as
//! the swagger's `{code, message}` object ([`Reason`]).

use bankkit_core::money::Decimal;
use bankkit_core::secret::SecretString;
use serde::{Deserialize, Serialize};

/// Decimal amounts as strings: written as `"15.50"`, read from a string or an integer.
pub mod decimal_string {
    use std::fmt;

    use bankkit_core::money::Decimal;
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    /// Writes the decimal as its text.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a decimal from a string (`"15.50"`) or an integer (`15`); never from a float.
    ///
    /// # Errors
    /// When the value is neither, or the text is not a decimal number.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }

    struct DecimalVisitor;

    impl Visitor<'_> for DecimalVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal amount as a string")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            Decimal::from_str_exact(v.trim())
                .map_err(|e| E::custom(format!("{v:?} is not a decimal amount: {e}")))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
    }
}

// ----- provisioning (B3) -----

/// `POST /v1_0/apiuser` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateApiUser {
    /// The host callbacks may go to (`X-Callback-Url` must use it).
    pub provider_callback_host: String,
}

impl CreateApiUser {
    /// A body for `host`.
    pub fn new(provider_callback_host: impl Into<String>) -> Self {
        Self {
            provider_callback_host: provider_callback_host.into(),
        }
    }
}

/// `GET /v1_0/apiuser/{apiUser}` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiUser {
    /// The registered callback host.
    #[serde(default)]
    pub provider_callback_host: Option<String>,
    /// `sandbox` or `mtn<country>`.
    #[serde(default)]
    pub target_environment: Option<String>,
    /// Sent by newer portals.
    #[serde(default)]
    pub payment_server_url: Option<String>,
}

/// `POST /v1_0/apiuser/{apiUser}/apikey` answer (201). The key cannot be read back later.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiKey {
    /// The new API key (32 hex characters).
    pub api_key: SecretString,
}

// ----- tokens (B4, B5) -----

/// `POST /{product}/token/` answer.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct AccessToken {
    /// The bearer token (a JWT).
    pub access_token: SecretString,
    /// `"access_token"` in the sandbox.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds until it expires (3600 in the sandbox).
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// `POST /{product}/v1_0/bc-authorize` form (CIBA consent request).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BcAuthorize {
    /// `ID:{msisdn}/MSISDN`.
    pub login_hint: String,
    /// `profile`, `all_info`, ...
    pub scope: String,
    /// `online` or `offline`.
    pub access_type: String,
}

impl BcAuthorize {
    /// A consent request for the account holder with `msisdn`.
    pub fn msisdn(msisdn: &str, scope: impl Into<String>, access_type: impl Into<String>) -> Self {
        Self {
            login_hint: format!("ID:{msisdn}/MSISDN"),
            scope: scope.into(),
            access_type: access_type.into(),
        }
    }
}

/// `POST /{product}/v1_0/bc-authorize` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BcAuthorizeResponse {
    /// The id to exchange at `oauth2/token/`.
    pub auth_req_id: String,
    /// Seconds to wait between polls.
    #[serde(default)]
    pub interval: Option<serde_json::Number>,
    /// Seconds until the request expires.
    #[serde(default)]
    pub expires_in: Option<serde_json::Number>,
}

/// `POST /{product}/oauth2/token/` answer (a consent token for `oauth2/v1_0/userinfo`).
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct OAuth2Token {
    /// The consent access token.
    pub access_token: SecretString,
    /// Token type.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds until it expires.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// Granted scope (newer portals).
    #[serde(default)]
    pub scope: Option<String>,
    /// Refresh token (newer portals).
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// Seconds until the refresh token expires (newer portals).
    #[serde(default)]
    pub refresh_token_expired_in: Option<u64>,
}

// ----- account holders (B5) -----

/// `GET /{product}/v1_0/account/balance[/{currency}]` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccountBalance {
    /// What can be spent, as a decimal string.
    #[serde(with = "decimal_string")]
    pub available_balance: Decimal,
    /// ISO 4217 code.
    pub currency: String,
}

/// `GET /{product}/v1_0/accountholder/{idType}/{id}/basicuserinfo` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BasicUserInfo {
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// Birth date.
    #[serde(default)]
    pub birthdate: Option<String>,
    /// Locale.
    #[serde(default)]
    pub locale: Option<String>,
    /// Gender.
    #[serde(default)]
    pub gender: Option<String>,
    /// Account status.
    #[serde(default)]
    pub status: Option<String>,
    /// Subject (older sandbox).
    #[serde(default)]
    pub sub: Option<String>,
    /// Full name (older sandbox).
    #[serde(default)]
    pub name: Option<String>,
    /// Last update (older sandbox; number or text).
    #[serde(default)]
    pub updated_at: Option<serde_json::Value>,
}

/// `GET /{product}/v1_0/accountholder/{idType}/{id}/active` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountHolderActive {
    /// Whether the holder is active and can receive.
    pub result: bool,
}

/// An address in [`UserInfo`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// One-line form.
    #[serde(default)]
    pub formatted: Option<String>,
    /// Street.
    #[serde(default)]
    pub street_address: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// Town.
    #[serde(default)]
    pub locality: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
}

/// `GET /{product}/oauth2/v1_0/userinfo` answer (full KYC, with consent). Fields whose type
/// varies between portals are kept as JSON values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// Subject.
    #[serde(default)]
    pub sub: Option<String>,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// Birth date.
    #[serde(default)]
    pub birthdate: Option<String>,
    /// Locale.
    #[serde(default)]
    pub locale: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Gender.
    #[serde(default)]
    pub gender: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the e-mail is verified.
    #[serde(default)]
    pub email_verified: Option<serde_json::Value>,
    /// Phone number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Whether the phone number is verified.
    #[serde(default)]
    pub phone_number_verified: Option<serde_json::Value>,
    /// Address.
    #[serde(default)]
    pub address: Option<Address>,
    /// Last update.
    #[serde(default)]
    pub updated_at: Option<serde_json::Value>,
    /// Credit score.
    #[serde(default)]
    pub credit_score: Option<serde_json::Value>,
    /// Whether the account is active.
    #[serde(default)]
    pub active: Option<serde_json::Value>,
    /// Country of birth.
    #[serde(default)]
    pub country_of_birth: Option<String>,
    /// Region of birth.
    #[serde(default)]
    pub region_of_birth: Option<String>,
    /// City of birth.
    #[serde(default)]
    pub city_of_birth: Option<String>,
    /// Occupation.
    #[serde(default)]
    pub occupation: Option<String>,
    /// Employer.
    #[serde(default)]
    pub employer_name: Option<String>,
    /// Identity document type.
    #[serde(default)]
    pub identification_type: Option<String>,
    /// Identity document number.
    #[serde(default)]
    pub identification_value: Option<String>,
}

/// `POST /{product}/v1_0/requesttopay/{referenceId}/deliverynotification` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryNotification {
    /// The message shown to the payer.
    pub notification_message: String,
}

impl DeliveryNotification {
    /// A notification with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            notification_message: message.into(),
        }
    }
}

// ----- parties, statuses, reasons -----

/// How a party is identified (`partyIdType`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum PartyIdType {
    /// A mobile number, international form without `+`.
    Msisdn,
    /// An e-mail address.
    Email,
    /// A party code.
    PartyCode,
    /// An alias (Postman collection).
    Alias,
    /// A value this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// A payer or payee (`{partyIdType, partyId}`). `Debug` shows only the id's last four
/// characters: request bodies are printed in logs, phone numbers must not be.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Party {
    /// The kind of id.
    pub party_id_type: PartyIdType,
    /// The id.
    pub party_id: String,
}

impl std::fmt::Debug for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.party_id.chars().count();
        let masked: String = self
            .party_id
            .chars()
            .enumerate()
            .map(|(i, c)| if i + 4 >= count && count > 6 { c } else { '*' })
            .collect();
        f.debug_struct("Party")
            .field("party_id_type", &self.party_id_type)
            .field("party_id", &masked)
            .finish()
    }
}

impl Party {
    /// A party identified by `party_id_type`.
    pub fn new(party_id_type: PartyIdType, party_id: impl Into<String>) -> Self {
        Self {
            party_id_type,
            party_id: party_id.into(),
        }
    }

    /// A party identified by mobile number.
    pub fn msisdn(msisdn: impl Into<String>) -> Self {
        Self::new(PartyIdType::Msisdn, msisdn)
    }
}

/// A transaction's status: documented `PENDING` → `SUCCESSFUL` | `FAILED`, `CREATED`
/// observed in the sandbox, anything else kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum TransactionStatus {
    /// Waiting for the payer or the network.
    Pending,
    /// Accepted, not yet pending (sandbox).
    Created,
    /// Money moved.
    Successful,
    /// No money moved; see `reason`.
    Failed,
    /// A value this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// Why a transaction failed: a bare code (`"PAYER_NOT_FOUND"`, what the sandbox and MTN's
/// community posts show) or the swagger's `{code, message}` object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Reason {
    /// `"reason": "NOT_ENOUGH_FUNDS"`.
    Code(String),
    /// `"reason": {"code": "NOT_ENOUGH_FUNDS", "message": "..."}`.
    Detailed {
        /// The code.
        #[serde(default)]
        code: Option<String>,
        /// The text.
        #[serde(default)]
        message: Option<String>,
    },
}

impl Reason {
    /// The code, whichever form it came in.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Code(code) => Some(code.as_str()),
            Self::Detailed { code, .. } => code.as_deref(),
        }
    }

    /// The message, when the object form carried one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Code(_) => None,
            Self::Detailed { message, .. } => message.as_deref(),
        }
    }
}

// ----- collection (B6) -----

/// `POST /collection/v1_0/requesttopay` body (also request-to-withdraw v1 and v2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequestToPay {
    /// How much, as a decimal string.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// The caller's reference (not required unique).
    pub external_id: String,
    /// Who pays.
    pub payer: Party,
    /// Shown to the payer (max 160 characters).
    pub payer_message: String,
    /// Shown to the payee (max 160 characters).
    pub payee_note: String,
}

/// `GET /collection/v1_0/requesttopay/{referenceId}` (and request-to-withdraw) answer.
/// A FAILED request answers 200 too, with `reason`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequestToPayResult {
    /// The network's transaction id, once there is one.
    #[serde(default)]
    pub financial_transaction_id: Option<String>,
    /// The caller's reference.
    #[serde(default)]
    pub external_id: Option<String>,
    /// How much.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Who pays.
    #[serde(default)]
    pub payer: Option<Party>,
    /// Shown to the payer.
    #[serde(default)]
    pub payer_message: Option<String>,
    /// Shown to the payee.
    #[serde(default)]
    pub payee_note: Option<String>,
    /// Where it stands.
    pub status: TransactionStatus,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<Reason>,
}

/// `POST /collection/v2_0/invoice` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Invoice {
    /// The caller's reference.
    pub external_id: String,
    /// How much, as a decimal string.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Seconds the invoice stays payable, as a string.
    pub validity_duration: String,
    /// Who should pay, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_payer: Option<Party>,
    /// Who is paid.
    pub payee: Party,
    /// What it is for.
    pub description: String,
}

/// `GET /collection/v2_0/invoice/{referenceId}` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceResult {
    /// The reference id it was created with.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// The caller's reference.
    #[serde(default)]
    pub external_id: Option<String>,
    /// How much.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Where it stands.
    pub status: TransactionStatus,
    /// The code the payer pays with.
    #[serde(default)]
    pub payment_reference: Option<String>,
    /// MoMo's invoice id.
    #[serde(default)]
    pub invoice_id: Option<String>,
    /// When it expires.
    #[serde(default)]
    pub expiry_date_time: Option<String>,
    /// Who should pay.
    #[serde(default)]
    pub intended_payer: Option<Party>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<Reason>,
}

/// `DELETE /collection/v2_0/invoice/{referenceId}` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelInvoice {
    /// The invoice's external id.
    pub external_id: String,
}

impl CancelInvoice {
    /// A cancellation of the invoice with `external_id`.
    pub fn new(external_id: impl Into<String>) -> Self {
        Self {
            external_id: external_id.into(),
        }
    }
}

/// `POST /collection/v2_0/preapproval` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PreApproval {
    /// Who approves future debits.
    pub payer: Party,
    /// The payer's currency.
    pub payer_currency: String,
    /// Shown to the payer.
    pub payer_message: String,
    /// Seconds the approval is valid.
    pub validity_time: u64,
}

/// `GET /collection/v2_0/preapproval/{referenceId}` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PreApprovalResult {
    /// Who approves.
    #[serde(default)]
    pub payer: Option<Party>,
    /// The payer's currency.
    #[serde(default)]
    pub payer_currency: Option<String>,
    /// Shown to the payer.
    #[serde(default)]
    pub payer_message: Option<String>,
    /// Where it stands.
    pub status: TransactionStatus,
    /// When it expires.
    #[serde(default)]
    pub expiration_date_time: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<Reason>,
}

/// An amount and currency inside a v2 payment (`money`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MoneyAmount {
    /// How much, as a decimal string.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
}

impl MoneyAmount {
    /// An amount.
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }
}

/// `POST /collection/v2_0/payment` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreatePayment {
    /// The caller's transaction id.
    pub external_transaction_id: String,
    /// How much.
    pub money: MoneyAmount,
    /// The customer's reference at the service provider.
    pub customer_reference: String,
    /// The service provider's user name.
    pub service_provider_user_name: String,
    /// Coupon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_id: Option<String>,
    /// Product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Product offering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_offering_id: Option<String>,
    /// Shown to the receiver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_message: Option<String>,
    /// Shown to the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_note: Option<String>,
    /// Retries MoMo may make.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_retries: Option<u32>,
    /// Whether the sender pays the charges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_sender_charges: Option<bool>,
}

impl CreatePayment {
    /// A payment with the required fields.
    pub fn new(
        external_transaction_id: impl Into<String>,
        money: MoneyAmount,
        customer_reference: impl Into<String>,
        service_provider_user_name: impl Into<String>,
    ) -> Self {
        Self {
            external_transaction_id: external_transaction_id.into(),
            money,
            customer_reference: customer_reference.into(),
            service_provider_user_name: service_provider_user_name.into(),
            coupon_id: None,
            product_id: None,
            product_offering_id: None,
            receiver_message: None,
            sender_note: None,
            max_number_of_retries: None,
            include_sender_charges: None,
        }
    }
}

/// `GET /collection/v2_0/payment/{referenceId}` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentResult {
    /// The reference id it was created with.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// Where it stands.
    pub status: TransactionStatus,
    /// The network's transaction id.
    #[serde(default)]
    pub financial_transaction_id: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<Reason>,
}

// ----- disbursement and remittance (B7, B8) -----

/// `POST /disbursement/v1_0/transfer` body (also deposit v1/v2 and remittance transfer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Transfer {
    /// How much, as a decimal string.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// The caller's reference.
    pub external_id: String,
    /// Who receives it.
    pub payee: Party,
    /// Shown to the payer.
    pub payer_message: String,
    /// Shown to the payee.
    pub payee_note: String,
}

/// `GET /disbursement/v1_0/{transfer|deposit|refund}/{referenceId}` and
/// `GET /remittance/v1_0/transfer/{referenceId}` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransferResult {
    /// How much.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// The network's transaction id (absent on deposits in the sandbox).
    #[serde(default)]
    pub financial_transaction_id: Option<String>,
    /// The caller's reference.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Who receives it.
    #[serde(default)]
    pub payee: Option<Party>,
    /// Shown to the payer.
    #[serde(default)]
    pub payer_message: Option<String>,
    /// Shown to the payee.
    #[serde(default)]
    pub payee_note: Option<String>,
    /// Where it stands.
    pub status: TransactionStatus,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<Reason>,
}

/// `POST /disbursement/v1_0/refund` (and v2) body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Refund {
    /// How much, as a decimal string.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// The caller's reference.
    pub external_id: String,
    /// Shown to the payer.
    pub payer_message: String,
    /// Shown to the payee.
    pub payee_note: String,
    /// The `X-Reference-Id` of the collection to refund.
    pub reference_id_to_refund: String,
}

/// A MoMo callback body: the status body of whatever was created (request-to-pay, transfer,
/// refund, ...), read loosely so that one type fits them all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Callback {
    /// The network's transaction id.
    #[serde(default)]
    pub financial_transaction_id: Option<String>,
    /// The caller's reference.
    #[serde(default)]
    pub external_id: Option<String>,
    /// How much.
    #[serde(default, with = "option_decimal_string")]
    pub amount: Option<Decimal>,
    /// ISO 4217 code.
    #[serde(default)]
    pub currency: Option<String>,
    /// Where it stands.
    pub status: TransactionStatus,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<Reason>,
}

/// Optional decimal strings.
mod option_decimal_string {
    use bankkit_core::money::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.collect_str(v),
            None => serializer.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    struct Wrapped(#[serde(with = "super::decimal_string")] Decimal);

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
    }
}

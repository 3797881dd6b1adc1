//! Monzo's objects exactly as on the wire (monzo.md A4), with the API's field names.
//!
//! Unknown fields are ignored; every enumerated value ends in `Other(String)`, so a value
//! Monzo adds later is kept rather than rejected. Amounts are `i64` minor units, as sent.
//! Timestamps that Monzo sends as an empty string when unset (`settled`, `updated`) read
//! as `None`.

use std::collections::BTreeMap;
use std::fmt;

use bankkit_core::secret::SecretString;
use bankkit_core::{AccountId, TransactionId, WebhookId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AttachmentId, PotId, ReceiptExternalId, UserId};

/// The answer of `POST /oauth2/token` (both grants). `Debug` never shows the tokens.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The new access token.
    pub access_token: SecretString,
    /// The OAuth client it was issued to.
    #[serde(default)]
    pub client_id: String,
    /// Seconds until the access token expires (21600 = 6 h in the docs).
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// The new, single-use refresh token (absent for non-confidential clients).
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// `"Bearer"`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// The user who authorised the client.
    #[serde(default)]
    pub user_id: Option<UserId>,
}

/// `GET /ping/whoami`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WhoAmI {
    /// Whether the token is valid.
    pub authenticated: bool,
    /// The OAuth client.
    #[serde(default)]
    pub client_id: String,
    /// The user.
    #[serde(default)]
    pub user_id: Option<UserId>,
}

/// An account's `type`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AccountType {
    /// A personal current account.
    UkRetail,
    /// A joint current account.
    UkRetailJoint,
    /// A business account.
    UkBusiness,
    /// Monzo rewards.
    UkRewards,
    /// Monzo Flex.
    UkMonzoFlex,
    /// A loan.
    UkLoan,
    /// A value this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// One owner of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Owner {
    /// The owner's user id.
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Full preferred name.
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// Preferred first name.
    #[serde(default)]
    pub preferred_first_name: Option<String>,
}

/// UK payment details of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocaleUk {
    /// Account number.
    #[serde(default)]
    pub account_number: Option<String>,
    /// Sort code.
    #[serde(default)]
    pub sort_code: Option<String>,
}

/// International payment details of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Iban {
    /// The IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// The BIC.
    #[serde(default)]
    pub bic: Option<String>,
}

/// An account's `payment_details`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentDetails {
    /// Sort code and account number.
    #[serde(default)]
    pub locale_uk: Option<LocaleUk>,
    /// IBAN, where present.
    #[serde(default)]
    pub iban: Option<Iban>,
}

/// An account (`GET /accounts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The account id (`acc_…`).
    pub id: AccountId,
    /// Encodes the kind (`user_…`, `monzoflex_…`, `loan_…`).
    #[serde(default)]
    pub description: String,
    /// When it was opened.
    pub created: DateTime<Utc>,
    /// Whether it is closed.
    #[serde(default)]
    pub closed: bool,
    /// The account type.
    #[serde(default, rename = "type")]
    pub account_type: Option<AccountType>,
    /// ISO 4217 currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Country (`GB`).
    #[serde(default)]
    pub country_code: Option<String>,
    /// The owners.
    #[serde(default)]
    pub owners: Vec<Owner>,
    /// Account number.
    #[serde(default)]
    pub account_number: Option<String>,
    /// Sort code.
    #[serde(default)]
    pub sort_code: Option<String>,
    /// Payment details.
    #[serde(default)]
    pub payment_details: Option<PaymentDetails>,
    /// `personal`, `joint`, `business`…
    #[serde(default)]
    pub owner_type: Option<String>,
    /// `standard`, `flex`…
    #[serde(default)]
    pub product_type: Option<String>,
    /// The Monzo legal entity.
    #[serde(default)]
    pub legal_entity: Option<String>,
    /// Country, three letters.
    #[serde(default)]
    pub country_code_alpha3: Option<String>,
    /// The business, for business accounts.
    #[serde(default)]
    pub business_id: Option<String>,
}

/// Spending in another currency today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocalSpend {
    /// Minor units.
    pub spend_today: i64,
    /// ISO 4217 currency.
    pub currency: String,
}

/// `GET /balance` (a bare object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Balance {
    /// The account's own balance, minor units.
    pub balance: i64,
    /// Balance plus every pot, minor units.
    pub total_balance: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Spent since about 4 am, minor units, negative when spent.
    pub spend_today: i64,
    /// Balance including flexible-savings pots.
    #[serde(default)]
    pub balance_including_flexible_savings: Option<i64>,
    /// Currency abroad.
    #[serde(default)]
    pub local_currency: Option<String>,
    /// Exchange rate abroad: a JSON number, or `""` (a fractional number is held by
    /// `serde_json` as an `f64`, so digits beyond its precision are not kept).
    #[serde(default)]
    pub local_exchange_rate: Option<serde_json::Value>,
    /// Spending abroad today.
    #[serde(default)]
    pub local_spend: Vec<LocalSpend>,
}

/// A pot's `type`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PotType {
    /// A plain pot.
    Default,
    /// A savings pot with interest.
    FlexibleSavings,
    /// A value this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// A pot (`GET /pots`, and the answer of deposit and withdraw).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pot {
    /// The pot id (`pot_…`).
    pub id: PotId,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its picture.
    #[serde(default)]
    pub style: String,
    /// Minor units.
    pub balance: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last changed.
    #[serde(default, with = "optional_time")]
    pub updated: Option<DateTime<Utc>>,
    /// Deleted pots are still listed.
    #[serde(default)]
    pub deleted: bool,
    /// Savings goal, minor units.
    #[serde(default)]
    pub goal_amount: Option<i64>,
    /// The pot type.
    #[serde(default, rename = "type")]
    pub pot_type: Option<PotType>,
    /// The product.
    #[serde(default)]
    pub product_id: Option<String>,
    /// The current account it belongs to.
    #[serde(default)]
    pub current_account_id: Option<AccountId>,
    /// Cover image.
    #[serde(default)]
    pub cover_image_url: Option<String>,
    /// ISA wrapper, if any.
    #[serde(default)]
    pub isa_wrapper: Option<String>,
    /// Round-ups go here.
    #[serde(default)]
    pub round_up: Option<bool>,
    /// Round-up multiplier.
    #[serde(default)]
    pub round_up_multiplier: Option<i64>,
    /// Tax pot.
    #[serde(default)]
    pub is_tax_pot: Option<bool>,
    /// Locked (added security): cannot be withdrawn from through the API.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Locked until.
    #[serde(default, with = "optional_time")]
    pub locked_until: Option<DateTime<Utc>>,
    /// Charity, for charity pots.
    #[serde(default)]
    pub charity_id: Option<String>,
    /// Usable for bills.
    #[serde(default)]
    pub available_for_bills: Option<bool>,
}

/// A transaction's `category` (an open list).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// General.
    General,
    /// Eating out.
    EatingOut,
    /// Expenses.
    Expenses,
    /// Transport.
    Transport,
    /// Cash.
    Cash,
    /// Bills.
    Bills,
    /// Entertainment.
    Entertainment,
    /// Shopping.
    Shopping,
    /// Holidays.
    Holidays,
    /// Groceries.
    Groceries,
    /// Top-ups.
    Mondo,
    /// Transfers.
    Transfers,
    /// A value this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// Why a transaction was declined.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum DeclineReason {
    /// Not enough money.
    InsufficientFunds,
    /// Card not activated.
    CardInactive,
    /// Card frozen.
    CardBlocked,
    /// Wrong CVC.
    InvalidCvc,
    /// Monzo's own `OTHER`.
    #[serde(rename = "OTHER")]
    OtherReason,
    /// Card closed.
    CardClosed,
    /// SCA needed, card not present.
    ScaNotAuthenticatedCardNotPresent,
    /// SCA needed.
    StrongCustomerAuthenticationRequired,
    /// The cardholder rejected the authentication.
    AuthenticationRejectedByCardholder,
    /// Authentication failed.
    AuthenticationVerificationFailed,
    /// Hard decline.
    DecisioningEngineHardDecline,
    /// A value this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// A merchant's address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// Street address.
    #[serde(default)]
    pub address: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
    /// Latitude: a JSON number as `serde_json` holds it (an integer stays exact; a
    /// fraction is held as an `f64`, so digits beyond its precision are not kept).
    #[serde(default)]
    pub latitude: Option<serde_json::Number>,
    /// Longitude: a JSON number as `serde_json` holds it (a fraction as an `f64`).
    #[serde(default)]
    pub longitude: Option<serde_json::Number>,
    /// Postcode.
    #[serde(default)]
    pub postcode: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// One-line form.
    #[serde(default)]
    pub short_formatted: Option<String>,
    /// Full form.
    #[serde(default)]
    pub formatted: Option<String>,
    /// Map zoom.
    #[serde(default)]
    pub zoom_level: Option<i64>,
    /// Whether the location is approximate.
    #[serde(default)]
    pub approximate: Option<bool>,
}

/// An expanded merchant (`expand[]=merchant`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Merchant {
    /// Merchant id (`merch_…`).
    pub id: String,
    /// Merchant group.
    #[serde(default)]
    pub group_id: Option<String>,
    /// Created.
    #[serde(default, with = "optional_time")]
    pub created: Option<DateTime<Utc>>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Logo URL.
    #[serde(default)]
    pub logo: Option<String>,
    /// Emoji.
    #[serde(default)]
    pub emoji: Option<String>,
    /// Category.
    #[serde(default)]
    pub category: Option<Category>,
    /// Address.
    #[serde(default)]
    pub address: Option<Address>,
    /// Online merchant.
    #[serde(default)]
    pub online: Option<bool>,
    /// Cash machine.
    #[serde(default)]
    pub atm: Option<bool>,
    /// Last changed.
    #[serde(default, with = "optional_time")]
    pub updated: Option<DateTime<Utc>>,
    /// Extra data, as sent.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// Feedback disabled.
    #[serde(default)]
    pub disable_feedback: Option<bool>,
}

/// A transaction's `merchant`: an id, or the object when expanded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MerchantRef {
    /// Not expanded: the merchant id.
    Id(String),
    /// Expanded.
    Expanded(Box<Merchant>),
}

/// The other side of a transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Counterparty {
    /// Account number.
    #[serde(default)]
    pub account_number: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Sort code.
    #[serde(default)]
    pub sort_code: Option<String>,
    /// Monzo user id, for Monzo-to-Monzo.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Account id, where given.
    #[serde(default)]
    pub account_id: Option<String>,
}

/// A transaction (`GET /transactions`, `GET /transactions/{id}`, webhook `data`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// Transaction id (`tx_…`).
    pub id: TransactionId,
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Minor units; negative = debit.
    pub amount: i64,
    /// When it happened.
    pub created: DateTime<Utc>,
    /// ISO 4217 currency of `amount`.
    pub currency: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Merchant id, or the object when expanded; `None` for transfers.
    #[serde(default)]
    pub merchant: Option<MerchantRef>,
    /// Annotations.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Notes.
    #[serde(default)]
    pub notes: String,
    /// A top-up.
    #[serde(default)]
    pub is_load: bool,
    /// When it settled; `None` (sent as `""`) while pending.
    #[serde(default, with = "optional_time")]
    pub settled: Option<DateTime<Utc>>,
    /// Category.
    #[serde(default)]
    pub category: Option<Category>,
    /// Present only on declined transactions.
    #[serde(default)]
    pub decline_reason: Option<DeclineReason>,
    /// Whether the amount may change.
    #[serde(default)]
    pub amount_is_pending: Option<bool>,
    /// ATM fees, as sent.
    #[serde(default)]
    pub atm_fees_detailed: Option<serde_json::Value>,
    /// Attachments, as sent.
    #[serde(default)]
    pub attachments: Option<serde_json::Value>,
    /// Flag.
    #[serde(default)]
    pub can_add_to_tab: Option<bool>,
    /// Flag.
    #[serde(default)]
    pub can_be_excluded_from_breakdown: Option<bool>,
    /// Flag.
    #[serde(default)]
    pub can_be_made_subscription: Option<bool>,
    /// Flag.
    #[serde(default)]
    pub can_match_transactions_in_categorization: Option<bool>,
    /// Flag.
    #[serde(default)]
    pub can_split_the_bill: Option<bool>,
    /// Category → minor units.
    #[serde(default)]
    pub categories: Option<BTreeMap<String, i64>>,
    /// The other side of a transfer.
    #[serde(default)]
    pub counterparty: Option<Counterparty>,
    /// Monzo's dedupe id.
    #[serde(default)]
    pub dedupe_id: Option<String>,
    /// Fees, as sent.
    #[serde(default)]
    pub fees: Option<serde_json::Value>,
    /// Counts in spending.
    #[serde(default)]
    pub include_in_spending: Option<bool>,
    /// International details, as sent.
    #[serde(default)]
    pub international: Option<serde_json::Value>,
    /// Labels, as sent.
    #[serde(default)]
    pub labels: Option<serde_json::Value>,
    /// Amount in the local currency, minor units.
    #[serde(default)]
    pub local_amount: Option<i64>,
    /// Local currency.
    #[serde(default)]
    pub local_currency: Option<String>,
    /// Whether this user started it.
    #[serde(default)]
    pub originator: Option<bool>,
    /// Parent account.
    #[serde(default)]
    pub parent_account_id: Option<String>,
    /// Payment scheme (`mastercard`, `payport_faster_payments`…).
    #[serde(default)]
    pub scheme: Option<String>,
    /// Last changed.
    #[serde(default, with = "optional_time")]
    pub updated: Option<DateTime<Utc>>,
    /// The user.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// `POST /attachment/upload`: where to send the file, and its URL afterwards.
///
/// `Debug` shows `upload_url` without its query (the presigned signature).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttachmentUpload {
    /// Where the file will be served from; pass it to register.
    pub file_url: String,
    /// Where to send the bytes (a presigned URL).
    pub upload_url: String,
}

/// A registered attachment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attachment {
    /// Attachment id.
    pub id: AttachmentId,
    /// The user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The transaction it is attached to.
    pub external_id: TransactionId,
    /// Where the file is.
    pub file_url: String,
    /// MIME type.
    pub file_type: String,
    /// Created.
    #[serde(default, with = "optional_time")]
    pub created: Option<DateTime<Utc>>,
}

/// A receipt line (one level of `sub_items`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptItem {
    /// What it is.
    pub description: String,
    /// Minor units.
    pub amount: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Quantity: a JSON number as `serde_json` holds it (an integer stays exact; a
    /// fraction such as `1.5` is held as an `f64`, so digits beyond its precision are not
    /// kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<serde_json::Number>,
    /// Unit of the quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Tax, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<i64>,
    /// Sub-items (same shape, one level only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_items: Vec<ReceiptItem>,
}

/// A receipt tax line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptTax {
    /// What it is (`VAT`).
    pub description: String,
    /// Minor units.
    pub amount: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Tax number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
}

/// How a receipt was paid.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReceiptPaymentType {
    /// Card.
    Card,
    /// Cash.
    Cash,
    /// Gift card.
    GiftCard,
    /// A value this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// A receipt payment line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptPayment {
    /// How.
    #[serde(rename = "type")]
    pub payment_type: ReceiptPaymentType,
    /// Minor units.
    pub amount: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Card BIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    /// Card last four digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_four: Option<String>,
    /// Authorisation code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<String>,
    /// EMV application id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aid: Option<String>,
    /// Merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    /// Terminal id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// Gift card type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift_card_type: Option<String>,
}

/// The merchant on a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptMerchant {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Online shop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Store name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_name: Option<String>,
    /// Store address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_address: Option<String>,
    /// Store postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_postcode: Option<String>,
}

/// A receipt (`PUT`/`GET /transaction-receipts`; JSON, unlike every other write).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Receipt {
    /// Set by Monzo; absent when creating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The transaction it belongs to.
    pub transaction_id: TransactionId,
    /// The caller's id: the same id again updates the receipt.
    pub external_id: ReceiptExternalId,
    /// Total, positive minor units.
    pub total: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Lines.
    pub items: Vec<ReceiptItem>,
    /// Taxes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxes: Vec<ReceiptTax>,
    /// Payments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<ReceiptPayment>,
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<ReceiptMerchant>,
}

/// The answer of `PUT /transaction-receipts`: documented as empty, shown with an id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptSaved {
    /// Monzo's id of the receipt, when it sends one.
    #[serde(default)]
    pub receipt_id: Option<String>,
}

/// A registered webhook.
///
/// `Debug` shows `url` without its query: a URL registered with a webhook secret carries
/// it there (`?secret=…`). `url` itself is as Monzo sent it, secret included;
/// [`crate::MonzoProvider`]'s registrations show it without.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// Webhook id.
    pub id: WebhookId,
    /// The account it covers.
    pub account_id: AccountId,
    /// Where events go (with the `secret` query pair when registered with one).
    pub url: String,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("url", &without_query(&self.url))
            .finish()
    }
}

impl fmt::Debug for AttachmentUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentUpload")
            .field("file_url", &self.file_url)
            .field("upload_url", &without_query(&self.upload_url))
            .finish()
    }
}

/// A URL for `Debug`: scheme, host, port and path, with any query shown as `?[REDACTED]`
/// and user info and fragment left out. Text that is not a URL is not shown at all.
fn without_query(text: &str) -> String {
    const REDACTED: &str = "[REDACTED]";
    let Ok(mut url) = url::Url::parse(text) else {
        return REDACTED.to_owned();
    };
    // Fails only for URLs that cannot have user info, which then have none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let shown = &url[..url::Position::AfterPath];
    if url.query().is_some() {
        format!("{shown}?{REDACTED}")
    } else {
        shown.to_owned()
    }
}

/// A webhook delivery body: `{"type": "transaction.created", "data": {…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event type; only `transaction.created` is documented.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The object, as sent (a transaction with merchant expanded for
    /// `transaction.created`).
    #[serde(default)]
    pub data: serde_json::Value,
}

/// A basic feed item (`POST /feed`); sent form-encoded as `params[…]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeedItem {
    /// The account whose feed gets it.
    pub account_id: AccountId,
    /// Opened when the item is tapped.
    pub url: Option<String>,
    /// `params[title]`.
    pub title: String,
    /// `params[image_url]`.
    pub image_url: String,
    /// `params[body]`.
    pub body: Option<String>,
    /// `params[background_color]`, `#RRGGBB`.
    pub background_color: Option<String>,
    /// `params[title_color]`, `#RRGGBB`.
    pub title_color: Option<String>,
    /// `params[body_color]`, `#RRGGBB`.
    pub body_color: Option<String>,
}

impl FeedItem {
    /// An item with the two required parameters.
    pub fn new(
        account_id: AccountId,
        title: impl Into<String>,
        image_url: impl Into<String>,
    ) -> Self {
        Self {
            account_id,
            url: None,
            title: title.into(),
            image_url: image_url.into(),
            body: None,
            background_color: None,
            title_color: None,
            body_color: None,
        }
    }
}

/// List and single envelopes.
#[derive(Deserialize)]
pub(crate) struct Accounts {
    pub(crate) accounts: Vec<Account>,
}

#[derive(Deserialize)]
pub(crate) struct Pots {
    pub(crate) pots: Vec<Pot>,
}

#[derive(Deserialize)]
pub(crate) struct Transactions {
    pub(crate) transactions: Vec<Transaction>,
}

#[derive(Deserialize)]
pub(crate) struct TransactionEnvelope {
    pub(crate) transaction: Transaction,
}

#[derive(Deserialize)]
pub(crate) struct Webhooks {
    pub(crate) webhooks: Vec<Webhook>,
}

#[derive(Deserialize)]
pub(crate) struct WebhookEnvelope {
    pub(crate) webhook: Webhook,
}

#[derive(Deserialize)]
pub(crate) struct AttachmentEnvelope {
    pub(crate) attachment: Attachment,
}

#[derive(Deserialize)]
pub(crate) struct ReceiptEnvelope {
    pub(crate) receipt: Receipt,
}

/// Timestamps Monzo sends as RFC 3339, `""` or `null` when unset.
mod optional_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => DateTime::parse_from_rfc3339(&text)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|e| serde::de::Error::custom(format!("{text:?}: {e}"))),
        }
    }

    pub(super) fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => serializer.serialize_str(&t.to_rfc3339()),
            None => serializer.serialize_str(""),
        }
    }
}

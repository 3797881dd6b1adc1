//! Monzo developer API bodies, written from the API facts (not shared with any client).
//!
//! Field names and key lists follow what the real API sends, not only the documented minimum:
//! third-party clients index into every key listed here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One owner of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Owner {
    pub(crate) user_id: String,
    pub(crate) preferred_name: String,
    pub(crate) preferred_first_name: String,
}

/// UK account number and sort code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LocaleUk {
    pub(crate) account_number: String,
    pub(crate) sort_code: String,
}

/// `payment_details` of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PaymentDetails {
    pub(crate) locale_uk: LocaleUk,
}

/// An entry of `GET /accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) closed: bool,
    pub(crate) created: String,
    pub(crate) description: String,
    #[serde(rename = "type")]
    pub(crate) account_type: String,
    pub(crate) owner_type: String,
    pub(crate) is_flex: bool,
    pub(crate) product_type: String,
    pub(crate) currency: String,
    pub(crate) legal_entity: String,
    pub(crate) country_code: String,
    pub(crate) country_code_alpha3: String,
    pub(crate) owners: Vec<Owner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sort_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payment_details: Option<PaymentDetails>,
}

/// One entry of `local_spend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LocalSpend {
    pub(crate) spend_today: i64,
    pub(crate) currency: String,
}

/// `GET /balance` (a bare object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Balance {
    pub(crate) balance: i64,
    pub(crate) total_balance: i64,
    pub(crate) balance_including_flexible_savings: i64,
    pub(crate) currency: String,
    pub(crate) spend_today: i64,
    pub(crate) local_currency: String,
    pub(crate) local_exchange_rate: i64,
    pub(crate) local_spend: Vec<LocalSpend>,
}

/// A savings pot (`GET /pots` entries and the bare answer of deposit/withdraw).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Pot {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) style: String,
    pub(crate) balance: i64,
    pub(crate) currency: String,
    pub(crate) goal_amount: Option<i64>,
    #[serde(rename = "type")]
    pub(crate) pot_type: String,
    pub(crate) product_id: String,
    pub(crate) current_account_id: String,
    pub(crate) cover_image_url: String,
    pub(crate) isa_wrapper: String,
    pub(crate) round_up: bool,
    pub(crate) round_up_multiplier: Option<i64>,
    pub(crate) is_tax_pot: bool,
    pub(crate) created: String,
    pub(crate) updated: String,
    pub(crate) deleted: bool,
    pub(crate) locked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) locked_until: Option<String>,
    pub(crate) charity_id: String,
    pub(crate) available_for_bills: bool,
    pub(crate) has_virtual_cards: bool,
}

/// A merchant's address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Address {
    pub(crate) short_formatted: String,
    pub(crate) formatted: String,
    pub(crate) address: String,
    pub(crate) city: String,
    pub(crate) region: String,
    pub(crate) country: String,
    pub(crate) postcode: String,
    pub(crate) latitude: f64,
    pub(crate) longitude: f64,
    pub(crate) zoom_level: i64,
    pub(crate) approximate: bool,
}

/// An expanded merchant (`expand[]=merchant`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Merchant {
    pub(crate) id: String,
    pub(crate) group_id: String,
    pub(crate) name: String,
    pub(crate) logo: String,
    pub(crate) emoji: String,
    pub(crate) category: String,
    pub(crate) online: bool,
    pub(crate) atm: bool,
    pub(crate) address: Address,
    pub(crate) created: String,
    pub(crate) updated: String,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) disable_feedback: bool,
}

/// A transaction as stored; `merchant` is the merchant id or `null` (expanded on the way out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Transaction {
    pub(crate) id: String,
    pub(crate) created: String,
    pub(crate) description: String,
    pub(crate) amount: i64,
    pub(crate) fees: BTreeMap<String, Value>,
    pub(crate) currency: String,
    pub(crate) merchant: Value,
    pub(crate) notes: String,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) labels: Option<Vec<String>>,
    pub(crate) attachments: Option<Vec<Attachment>>,
    pub(crate) international: Option<Value>,
    pub(crate) category: String,
    pub(crate) categories: Option<BTreeMap<String, i64>>,
    pub(crate) is_load: bool,
    /// RFC 3339 time, or `""` while not settled.
    pub(crate) settled: String,
    pub(crate) local_amount: i64,
    pub(crate) local_currency: String,
    pub(crate) updated: String,
    pub(crate) account_id: String,
    pub(crate) user_id: String,
    pub(crate) counterparty: Value,
    pub(crate) scheme: String,
    pub(crate) dedupe_id: String,
    pub(crate) originator: bool,
    pub(crate) include_in_spending: bool,
    pub(crate) can_be_excluded_from_breakdown: bool,
    pub(crate) can_be_made_subscription: bool,
    pub(crate) can_split_the_bill: bool,
    pub(crate) can_add_to_tab: bool,
    pub(crate) can_match_transactions_in_categorization: bool,
    pub(crate) amount_is_pending: bool,
    pub(crate) atm_fees_detailed: Option<Value>,
    pub(crate) parent_account_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) decline_reason: Option<String>,
}

/// A registered attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Attachment {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) external_id: String,
    pub(crate) file_url: String,
    pub(crate) file_type: String,
    pub(crate) created: String,
}

/// A webhook registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Webhook {
    pub(crate) account_id: String,
    pub(crate) id: String,
    pub(crate) url: String,
}

/// A receipt line (items and their one level of `sub_items`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReceiptItem {
    pub(crate) description: String,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) quantity: Option<f64>,
    #[serde(default)]
    pub(crate) unit: String,
    #[serde(default)]
    pub(crate) tax: i64,
    #[serde(default)]
    pub(crate) sub_items: Vec<ReceiptItem>,
}

/// A tax line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReceiptTax {
    pub(crate) description: String,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    #[serde(default)]
    pub(crate) tax_number: String,
}

/// A payment line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReceiptPayment {
    #[serde(rename = "type")]
    pub(crate) payment_type: String,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    #[serde(default)]
    pub(crate) bin: String,
    #[serde(default)]
    pub(crate) last_four: String,
    #[serde(default)]
    pub(crate) auth_code: String,
    #[serde(default)]
    pub(crate) aid: String,
    #[serde(default)]
    pub(crate) mid: String,
    #[serde(default)]
    pub(crate) tid: String,
    #[serde(default)]
    pub(crate) gift_card_type: String,
}

/// The merchant of a receipt: every key is echoed, empty when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReceiptMerchant {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) online: bool,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) store_name: String,
    #[serde(default)]
    pub(crate) store_address: String,
    #[serde(default)]
    pub(crate) store_postcode: String,
}

/// The JSON body of `PUT /transaction-receipts`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct ReceiptRequest {
    pub(crate) transaction_id: String,
    pub(crate) external_id: String,
    pub(crate) total: i64,
    pub(crate) currency: String,
    pub(crate) items: Vec<ReceiptItem>,
    #[serde(default)]
    pub(crate) taxes: Vec<ReceiptTax>,
    #[serde(default)]
    pub(crate) payments: Vec<ReceiptPayment>,
    #[serde(default)]
    pub(crate) merchant: Option<ReceiptMerchant>,
}

/// A stored receipt, as `GET /transaction-receipts` echoes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Receipt {
    pub(crate) id: String,
    pub(crate) external_id: String,
    pub(crate) transaction_id: String,
    pub(crate) total: i64,
    pub(crate) currency: String,
    pub(crate) items: Vec<ReceiptItem>,
    pub(crate) taxes: Vec<ReceiptTax>,
    pub(crate) payments: Vec<ReceiptPayment>,
    pub(crate) merchant: ReceiptMerchant,
    pub(crate) proof_of_purchase_id: String,
    pub(crate) barcode: Option<Value>,
}

/// The answer of `POST /oauth2/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) client_id: String,
    pub(crate) expires_in: i64,
    pub(crate) refresh_token: String,
    pub(crate) token_type: String,
    pub(crate) user_id: String,
}

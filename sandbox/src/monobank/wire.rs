//! Monobank personal API bodies, written from the API facts (not shared with any client).

use serde::Serialize;

/// `StatementItem`: one operation on an account or jar. Optional fields are omitted, never null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatementItem {
    pub(crate) id: String,
    /// Unix seconds.
    pub(crate) time: i64,
    pub(crate) description: String,
    pub(crate) mcc: u16,
    pub(crate) original_mcc: u16,
    pub(crate) hold: bool,
    /// Account currency, minor units, negative = debit.
    pub(crate) amount: i64,
    /// Transaction currency, minor units.
    pub(crate) operation_amount: i64,
    /// ISO 4217 numeric code of the transaction currency.
    pub(crate) currency_code: u16,
    pub(crate) commission_rate: i64,
    pub(crate) cashback_amount: i64,
    /// Account balance after the operation.
    pub(crate) balance: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) receipt_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) invoice_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) counter_edrpou: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) counter_iban: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) counter_name: Option<String>,
}

/// `ClientInfo` of `GET /personal/client-info`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientInfo {
    pub(crate) client_id: String,
    pub(crate) name: String,
    pub(crate) web_hook_url: String,
    pub(crate) permissions: String,
    pub(crate) accounts: Vec<Account>,
    pub(crate) jars: Vec<Jar>,
}

/// A card or FOP account in `ClientInfo.accounts`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) send_id: String,
    pub(crate) balance: i64,
    pub(crate) credit_limit: i64,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) currency_code: u16,
    pub(crate) cashback_type: String,
    pub(crate) masked_pan: Vec<String>,
    pub(crate) iban: String,
}

/// A savings jar in `ClientInfo.jars`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Jar {
    pub(crate) id: String,
    pub(crate) send_id: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) currency_code: u16,
    pub(crate) balance: i64,
    pub(crate) goal: i64,
}

/// `{"errorDescription": "…"}`, the personal API's error body.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody<'a> {
    pub(crate) error_description: &'a str,
}

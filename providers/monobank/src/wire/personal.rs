//! Monobank's personal API objects exactly as they travel (monobank.md §4).
//!
//! Field names are the API's (`camelCase` on the wire); money is integer minor units,
//! currencies are ISO 4217 numeric codes, times are Unix seconds. Enums the bank may extend
//! keep an unknown value in `Other(String)` instead of failing; unknown fields are ignored.
//! Conversion into core types lives in `convert.rs`.

use std::fmt;

use bankkit_core::money::JsonDecimal;
use serde::{Deserialize, Serialize};

/// One currency pair of `GET /bank/currency`.
///
/// Real data has two shapes: `rateBuy` + `rateSell`, or only `rateCross`. Rates are JSON
/// floats on the wire; they are read as [`JsonDecimal`], from the number's own text, so no
/// `f64` ever holds them (see [`crate::CurrencyRate`] for the decimals).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyInfo {
    /// ISO 4217 numeric code of the currency being priced (840 = USD).
    pub currency_code_a: u16,
    /// ISO 4217 numeric code of the currency the price is in (980 = UAH).
    pub currency_code_b: u16,
    /// When the rate was set, Unix seconds.
    pub date: i64,
    /// The bank's selling rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_sell: Option<JsonDecimal>,
    /// The bank's buying rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_buy: Option<JsonDecimal>,
    /// The cross rate, for pairs without buy and sell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_cross: Option<JsonDecimal>,
}

/// The answer of `GET /bank/sync`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankSync {
    /// Id of the bank's current public key (hex).
    #[serde(default)]
    pub server_key_id: String,
    /// The bank's public key: base64 of an uncompressed secp256k1 point.
    #[serde(default)]
    pub server_pub_key: String,
    /// The bank's clock, Unix milliseconds.
    #[serde(default)]
    pub server_time_msec: i64,
}

/// The answer of `GET /personal/client-info`. No field is required by the API's schema.
///
/// `Debug` shows only the scheme and host of `web_hook_url`: its path is where the docs
/// tell users to put a secret segment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientInfo {
    /// The client's id (the same as on send.monobank.ua).
    #[serde(default)]
    pub client_id: String,
    /// The client's name.
    #[serde(default)]
    pub name: String,
    /// The personal webhook URL; empty when none is set.
    #[serde(default)]
    pub web_hook_url: String,
    /// One letter per permission the token has (`"psfj"`).
    #[serde(default)]
    pub permissions: String,
    /// Card and FOP accounts.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Savings jars.
    #[serde(default)]
    pub jars: Vec<Jar>,
    /// Sole traders who gave this client accountant access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_clients: Vec<ManagedClient>,
}

impl fmt::Debug for ClientInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientInfo")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("web_hook_url", &scheme_and_host(&self.web_hook_url))
            .field("permissions", &self.permissions)
            .field("accounts", &self.accounts)
            .field("jars", &self.jars)
            .field("managed_clients", &self.managed_clients)
            .finish()
    }
}

/// `https://example.org/[REDACTED]` for `https://user@example.org/hooks/<secret>?x`: the
/// scheme and host (and port), without user info; whatever followed them is replaced by
/// `/[REDACTED]`. Empty stays empty; text without `scheme://` is not shown at all.
pub(crate) fn scheme_and_host(url: &str) -> String {
    const REDACTED: &str = "[REDACTED]";
    if url.is_empty() {
        return String::new();
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return REDACTED.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if end == rest.len() {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}/{REDACTED}")
    }
}

/// A card or FOP (sole trader) account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The account id, usable in the statement path.
    pub id: String,
    /// The id used on send.monobank.ua.
    #[serde(default)]
    pub send_id: String,
    /// Balance in minor units, **including** the credit limit.
    pub balance: i64,
    /// Credit limit in minor units.
    #[serde(default)]
    pub credit_limit: i64,
    /// The kind of account.
    #[serde(rename = "type")]
    pub account_type: AccountType,
    /// ISO 4217 numeric currency code.
    pub currency_code: u16,
    /// What cashback is paid in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashback_type: Option<CashbackType>,
    /// Masked card numbers (premium cards can have several).
    #[serde(default)]
    pub masked_pan: Vec<String>,
    /// The account's IBAN.
    #[serde(default)]
    pub iban: String,
}

/// The `type` of an [`Account`]. Values the bank adds later are kept in `Other`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountType {
    /// Black card.
    #[serde(rename = "black")]
    Black,
    /// White card.
    #[serde(rename = "white")]
    White,
    /// Platinum card.
    #[serde(rename = "platinum")]
    Platinum,
    /// Iron card.
    #[serde(rename = "iron")]
    Iron,
    /// FOP (sole trader) account.
    #[serde(rename = "fop")]
    Fop,
    /// Yellow (children's) card.
    #[serde(rename = "yellow")]
    Yellow,
    /// eAid (єПідтримка) card.
    #[serde(rename = "eAid")]
    EAid,
    /// A value this crate does not know yet, unchanged.
    #[serde(untagged)]
    Other(String),
}

/// The `cashbackType` of an [`Account`]. Values the bank adds later are kept in `Other`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CashbackType {
    /// No cashback.
    None,
    /// Cashback in hryvnias.
    #[serde(rename = "UAH")]
    Uah,
    /// Cashback in miles.
    Miles,
    /// A value this crate does not know yet, unchanged.
    #[serde(untagged)]
    Other(String),
}

/// A savings jar. Its id is a valid statement account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Jar {
    /// The jar id.
    pub id: String,
    /// The id used on send.monobank.ua.
    #[serde(default)]
    pub send_id: String,
    /// The jar's title.
    #[serde(default)]
    pub title: String,
    /// The jar's description.
    #[serde(default)]
    pub description: String,
    /// ISO 4217 numeric currency code.
    pub currency_code: u16,
    /// Balance in minor units.
    pub balance: i64,
    /// Savings goal in minor units (0 when none).
    #[serde(default)]
    pub goal: i64,
}

/// A sole trader who gave this client accountant access. No webhooks are sent for these
/// accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClient {
    /// The managed client's id.
    #[serde(default)]
    pub client_id: String,
    /// Tax id (the schema says string, examples send a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tin: Option<Tin>,
    /// The managed client's name.
    #[serde(default)]
    pub name: String,
    /// Their FOP accounts.
    #[serde(default)]
    pub accounts: Vec<Account>,
}

/// A tax identification number, as a string or a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Tin {
    /// Sent as text.
    Text(String),
    /// Sent as a JSON number.
    Number(u64),
}

/// One line of `GET /personal/statement/{account}/{from}/{to}`, also the webhook's item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementItem {
    /// Transaction id.
    pub id: String,
    /// When it happened, Unix seconds.
    pub time: i64,
    /// Merchant name or transfer text.
    #[serde(default)]
    pub description: String,
    /// Merchant category code (ISO 18245).
    #[serde(default)]
    pub mcc: i32,
    /// The merchant category code before the bank's correction.
    #[serde(default)]
    pub original_mcc: i32,
    /// Whether the amount is still on hold (authorised, not settled).
    #[serde(default)]
    pub hold: bool,
    /// Amount in the account's currency, minor units; negative = money out.
    pub amount: i64,
    /// Amount in the operation's currency, minor units.
    pub operation_amount: i64,
    /// ISO 4217 numeric code of the operation's currency.
    pub currency_code: u16,
    /// Commission, minor units.
    #[serde(default)]
    pub commission_rate: i64,
    /// Cashback, minor units.
    #[serde(default)]
    pub cashback_amount: i64,
    /// Account balance after the operation, minor units.
    pub balance: i64,
    /// The payer's note; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// check.gov.ua receipt number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Invoice id (FOP incoming payments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// Counterparty's EDRPOU (FOP statements only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_edrpou: Option<String>,
    /// Counterparty's IBAN (FOP statements only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_iban: Option<String>,
    /// Counterparty's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_name: Option<String>,
}

/// The body of a personal webhook POST: `{"type": "StatementItem", "data": {...}}`.
///
/// `data` is kept as JSON until `type` says what it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookBody {
    /// The event type; `"StatementItem"` is the only one documented.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's data.
    pub data: serde_json::Value,
}

/// The `data` of a `StatementItem` webhook event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementItemEvent {
    /// The account (or jar) the item belongs to.
    pub account: String,
    /// The new statement item.
    pub statement_item: StatementItem,
}

/// The personal API's error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// What went wrong, in the bank's words.
    pub error_description: String,
}

/// The body of `POST /personal/webhook`; an empty URL removes the webhook.
///
/// `Debug` shows only the scheme and host of the URL, as for [`ClientInfo`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetWebhook {
    /// Where events go.
    pub web_hook_url: String,
}

impl fmt::Debug for SetWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetWebhook")
            .field("web_hook_url", &scheme_and_host(&self.web_hook_url))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_info_example_from_the_facts_parses() {
        let text = r#"{"clientId":"7Hq2Lx0aZc","name":"Ткаченко Олена","webHookUrl":"","permissions":"psfj",
 "accounts":[{"id":"acc_Qm3xR8tY","sendId":"s_9KfLw","balance":1254033,"creditLimit":0,"type":"black",
   "currencyCode":980,"cashbackType":"UAH","maskedPan":["537541******4412"],"iban":"UA213223130000026201234567890"}],
 "jars":[{"id":"jar_Z4pL0v","sendId":"jar_s7","title":"Відпустка","description":"","currencyCode":980,"balance":150000,"goal":2000000}],
 "managedClients":[{"clientId":"m1","tin":3123456789,"name":"ФОП","accounts":[{"id":"f1","balance":1,"creditLimit":0,"type":"fop","currencyCode":980,"iban":"UA1"}]}],
 "someNewField":{"x":1}}"#;
        let info: ClientInfo = serde_json::from_str(text).unwrap();
        assert_eq!(info.accounts[0].account_type, AccountType::Black);
        assert_eq!(info.accounts[0].cashback_type, Some(CashbackType::Uah));
        assert_eq!(info.jars[0].goal, 2_000_000);
        assert_eq!(
            info.managed_clients[0].tin,
            Some(Tin::Number(3_123_456_789))
        );
        assert_eq!(
            info.managed_clients[0].accounts[0].account_type,
            AccountType::Fop
        );
    }

    #[test]
    fn unknown_enum_values_are_kept_and_written_back_unchanged() {
        let t: AccountType = serde_json::from_str(r#""madeUp""#).unwrap();
        assert_eq!(t, AccountType::Other("madeUp".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""madeUp""#);
        let e: AccountType = serde_json::from_str(r#""eAid""#).unwrap();
        assert_eq!(e, AccountType::EAid);
        let c: CashbackType = serde_json::from_str(r#""Bonus""#).unwrap();
        assert_eq!(c, CashbackType::Other("Bonus".into()));
        let n: CashbackType = serde_json::from_str(r#""None""#).unwrap();
        assert_eq!(n, CashbackType::None);
        let tin: Tin = serde_json::from_str(r#""0123456789""#).unwrap();
        assert_eq!(tin, Tin::Text("0123456789".into()));
    }

    #[test]
    fn statement_item_omits_absent_optional_fields() {
        let text = r#"{"id":"Tx_8fJ2kQ==","time":1763799000,"description":"Кав'ярня","mcc":5814,"originalMcc":5814,"hold":true,
  "amount":-6500,"operationAmount":-6500,"currencyCode":980,"commissionRate":0,"cashbackAmount":65,"balance":1247533}"#;
        let item: StatementItem = serde_json::from_str(text).unwrap();
        assert!(item.hold);
        assert_eq!(item.comment, None);
        let back = serde_json::to_value(&item).unwrap();
        assert!(back.get("comment").is_none());
        assert_eq!(back["operationAmount"], -6500);
    }

    #[test]
    fn client_info_debug_shows_only_scheme_and_host_of_the_webhook_url() {
        let text = r#"{"clientId":"7Hq2Lx0aZc","name":"Ткаченко Олена",
 "webHookUrl":"https://hook:pw@example.org:8443/hooks/monobank/k3Q9zX7secret?token=t0k3n#frag","permissions":"psfj",
 "accounts":[{"id":"acc_Qm3xR8tY","sendId":"s_9KfLw","balance":1254033,"creditLimit":0,"type":"black",
   "currencyCode":980,"cashbackType":"UAH","maskedPan":["537541******4412"],"iban":"UA213223130000026201234567890"}],
 "jars":[{"id":"jar_1","sendId":"jar_s","title":"Відпустка","description":"","currencyCode":980,"balance":100,"goal":1000}]}"#;
        let info: ClientInfo = serde_json::from_str(text).unwrap();
        let shown = format!("{info:?}");
        for hidden in [
            "k3Q9zX7secret",
            "hooks/monobank",
            "t0k3n",
            "frag",
            "pw@",
            "hook:",
        ] {
            assert!(!shown.contains(hidden), "{hidden} in {shown}");
        }
        assert!(
            shown.contains("web_hook_url: \"https://example.org:8443/[REDACTED]\""),
            "{shown}"
        );
        for kept in [
            "7Hq2Lx0aZc",
            "Ткаченко Олена",
            "psfj",
            "acc_Qm3xR8tY",
            "UA213223130000026201234567890",
            "jar_1",
            "managed_clients",
        ] {
            assert!(shown.contains(kept), "{kept} missing from {shown}");
        }
        let set = SetWebhook {
            web_hook_url: "https://example.org/hooks/monobank/k3Q9zX7secret".to_owned(),
        };
        assert!(!format!("{set:?}").contains("k3Q9zX7secret"));
        assert_eq!(scheme_and_host(""), "");
        assert_eq!(
            scheme_and_host("https://example.org"),
            "https://example.org"
        );
        assert_eq!(scheme_and_host("no scheme/secret"), "[REDACTED]");
    }

    #[test]
    fn currency_rates_keep_the_number_text() {
        let text = r#"[{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateBuy":41.05,"rateSell":41.620},
 {"currencyCodeA":826,"currencyCodeB":980,"date":1763801200,"rateCross":55.31}]"#;
        let rates: Vec<CurrencyInfo> = serde_json::from_str(text).unwrap();
        assert_eq!(rates[0].rate_buy.as_ref().unwrap().to_string(), "41.05");
        assert_eq!(rates[0].rate_sell.as_ref().unwrap().as_str(), "41.620");
        assert_eq!(rates[1].rate_cross.as_ref().unwrap().to_string(), "55.31");
        assert!(rates[1].rate_buy.is_none());
    }
}

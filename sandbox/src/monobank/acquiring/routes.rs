//! One responder for every acquiring endpoint: auth, then the endpoint's validation and its
//! change to the [`Merchant`].

use std::collections::VecDeque;
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use wiremock::Request;

use super::cards::{self, CardError, CardOutcome};
use super::pdf;
use super::seed::test_employees;
use super::state::{
    date, AcqError, Interval, Merchant, Mode, MonopayKey, NewInvoice, Payer, PaymentType, Status,
    Subscription, DEFAULT_VALIDITY_SECONDS,
};
use super::Acquiring;
use crate::request::{header, web_url, Params};
use crate::time::after;
use crate::{Reply, Respond};

/// Every acquiring endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    InvoiceCreate,
    InvoiceStatus,
    InvoiceCancel,
    InvoiceRemove,
    InvoiceFinalize,
    PaymentDirect,
    SyncPayment,
    Receipt,
    FiscalChecks,
    Pubkey,
    Details,
    Statement,
    QrList,
    QrDetails,
    QrResetAmount,
    Wallet,
    WalletCardDelete,
    WalletPayment,
    SubmerchantList,
    SplitReceiverList,
    T2pTerminalList,
    T2pPaymentStatus,
    PosTransactionCancel,
    SubscriptionCreate,
    SubscriptionStatus,
    SubscriptionPayments,
    SubscriptionList,
    SubscriptionRemove,
    SubscriptionEdit,
    MonopayKeyImport,
    MonopayKeyDelete,
    MonopayKeyList,
    EmployeeList,
    PaymentInfo,
}

/// (method, path, endpoint) of every acquiring route.
pub(crate) const ENDPOINTS: &[(&str, &str, Op)] = &[
    ("POST", "/api/merchant/invoice/create", Op::InvoiceCreate),
    ("GET", "/api/merchant/invoice/status", Op::InvoiceStatus),
    ("POST", "/api/merchant/invoice/cancel", Op::InvoiceCancel),
    ("POST", "/api/merchant/invoice/remove", Op::InvoiceRemove),
    (
        "POST",
        "/api/merchant/invoice/finalize",
        Op::InvoiceFinalize,
    ),
    (
        "POST",
        "/api/merchant/invoice/payment-direct",
        Op::PaymentDirect,
    ),
    (
        "POST",
        "/api/merchant/invoice/sync-payment",
        Op::SyncPayment,
    ),
    ("GET", "/api/merchant/invoice/receipt", Op::Receipt),
    (
        "GET",
        "/api/merchant/invoice/fiscal-checks",
        Op::FiscalChecks,
    ),
    ("GET", "/api/merchant/pubkey", Op::Pubkey),
    ("GET", "/api/merchant/details", Op::Details),
    ("GET", "/api/merchant/statement", Op::Statement),
    ("GET", "/api/merchant/qr/list", Op::QrList),
    ("GET", "/api/merchant/qr/details", Op::QrDetails),
    ("POST", "/api/merchant/qr/reset-amount", Op::QrResetAmount),
    ("GET", "/api/merchant/wallet", Op::Wallet),
    ("DELETE", "/api/merchant/wallet/card", Op::WalletCardDelete),
    ("POST", "/api/merchant/wallet/payment", Op::WalletPayment),
    ("GET", "/api/merchant/submerchant/list", Op::SubmerchantList),
    (
        "GET",
        "/api/merchant/split-receiver/list",
        Op::SplitReceiverList,
    ),
    (
        "GET",
        "/api/merchant/t2p/terminal/list",
        Op::T2pTerminalList,
    ),
    (
        "GET",
        "/api/merchant/t2p/terminal/payment/external/status",
        Op::T2pPaymentStatus,
    ),
    (
        "POST",
        "/api/merchant/pos-transaction-cancel",
        Op::PosTransactionCancel,
    ),
    (
        "POST",
        "/api/merchant/subscription/create",
        Op::SubscriptionCreate,
    ),
    (
        "GET",
        "/api/merchant/subscription/status",
        Op::SubscriptionStatus,
    ),
    (
        "GET",
        "/api/merchant/subscription/payments",
        Op::SubscriptionPayments,
    ),
    (
        "GET",
        "/api/merchant/subscription/list",
        Op::SubscriptionList,
    ),
    (
        "POST",
        "/api/merchant/subscription/remove",
        Op::SubscriptionRemove,
    ),
    (
        "POST",
        "/api/merchant/subscription/edit",
        Op::SubscriptionEdit,
    ),
    (
        "POST",
        "/api/merchant/monopay/pubkey-import",
        Op::MonopayKeyImport,
    ),
    (
        "POST",
        "/api/merchant/monopay/pubkey-delete",
        Op::MonopayKeyDelete,
    ),
    (
        "GET",
        "/api/merchant/monopay/pubkey-list",
        Op::MonopayKeyList,
    ),
    ("GET", "/api/merchant/employee/list", Op::EmployeeList),
    ("GET", "/api/merchant/invoice/payment-info", Op::PaymentInfo),
];

/// A JSON answer.
pub(crate) fn json_reply(status: u16, body: &Value) -> Reply {
    Reply::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

pub(crate) fn error_reply(error: &AcqError) -> Reply {
    json_reply(error.status, &error.body())
}

/// The acquiring error body for a status (injected faults on `/api/merchant/` paths).
pub(crate) fn error_body_for(status: u16) -> Value {
    let (code, text) = match status {
        400 => ("BAD_REQUEST", "bad request"),
        401 | 403 => ("FORBIDDEN", "forbidden"),
        404 => ("NOT_FOUND", "not found"),
        405 => ("METHOD_NOT_ALLOWED", "Method not allowed"),
        429 => ("TMR", "too many requests"),
        _ => ("INTERNAL_ERROR", "internal server error"),
    };
    json!({"errCode": code, "errText": text})
}

/// Answers one acquiring endpoint.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) acquiring: Arc<Acquiring>,
    pub(crate) op: Op,
}

impl Respond for Endpoint {
    fn respond(&self, request: &Request) -> Reply {
        let result = self
            .acquiring
            .mode_of(header(request, "x-token"))
            .and_then(|mode| {
                let acquiring = &self.acquiring;
                acquiring
                    .with(|merchant, now| handle(acquiring, merchant, self.op, mode, request, now))
            });
        match result {
            Ok(body) => json_reply(200, &body),
            Err(error) => error_reply(&error),
        }
    }
}

/// A known path asked with another method.
#[derive(Debug)]
pub(crate) struct MethodNotAllowed;

impl Respond for MethodNotAllowed {
    fn respond(&self, _request: &Request) -> Reply {
        error_reply(&AcqError::new(
            405,
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
        ))
    }
}

/// An unknown `/api/merchant/` path.
#[derive(Debug)]
pub(crate) struct NotFound;

impl Respond for NotFound {
    fn respond(&self, _request: &Request) -> Reply {
        error_reply(&AcqError::not_found("not found"))
    }
}

// ---- reading requests ------------------------------------------------------------------

type Body = Map<String, Value>;

fn json_body(request: &Request) -> Result<Body, AcqError> {
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(AcqError::bad_request(
            "invalid request body: expected a JSON object",
        )),
    }
}

fn empty(name: &str) -> AcqError {
    AcqError::bad_request(format!("empty '{name}'"))
}

fn invalid(name: &str) -> AcqError {
    AcqError::bad_request(format!("invalid '{name}'"))
}

fn required_str(body: &Body, name: &str) -> Result<String, AcqError> {
    match body.get(name) {
        None | Some(Value::Null) => Err(empty(name)),
        Some(Value::String(text)) if text.trim().is_empty() => Err(empty(name)),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(invalid(name)),
    }
}

fn optional_str(body: &Body, name: &str) -> Result<Option<String>, AcqError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(name)),
    }
}

fn optional_int(body: &Body, name: &str) -> Result<Option<i64>, AcqError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| invalid(name)),
        Some(_) => Err(invalid(name)),
    }
}

fn required_int(body: &Body, name: &str) -> Result<i64, AcqError> {
    optional_int(body, name)?.ok_or_else(|| empty(name))
}

/// A positive amount in minor units.
fn amount(body: &Body) -> Result<i64, AcqError> {
    let amount = required_int(body, "amount")?;
    if amount <= 0 {
        return Err(invalid("amount"));
    }
    Ok(amount)
}

/// `ccy`: 980 (default), 840 or 978.
fn ccy(body: &Body, required: bool) -> Result<u16, AcqError> {
    match optional_int(body, "ccy")? {
        None if required => Err(empty("ccy")),
        None => Ok(980),
        Some(code @ (980 | 840 | 978)) => u16::try_from(code).map_err(|_| invalid("ccy")),
        Some(_) => Err(invalid("ccy")),
    }
}

fn url_field(body: &Body, name: &str) -> Result<Option<String>, AcqError> {
    match optional_str(body, name)? {
        Some(url) if web_url(&url).is_none() => Err(invalid(name)),
        other => Ok(other),
    }
}

fn query_required(params: &Params, name: &str) -> Result<String, AcqError> {
    params
        .non_empty(name)
        .map(str::to_owned)
        .ok_or_else(|| empty(name))
}

fn payment_type(body: &Body, allowed: &[&str]) -> Result<PaymentType, AcqError> {
    match optional_str(body, "paymentType")? {
        None => Ok(PaymentType::Debit),
        Some(text) if allowed.contains(&text.as_str()) => {
            PaymentType::parse(&text).ok_or_else(|| invalid("paymentType"))
        }
        Some(_) => Err(invalid("paymentType")),
    }
}

fn paym_info_error(text: impl Into<String>) -> AcqError {
    AcqError::new(400, "INVALID_MERCHANT_PAYM_INFO", text)
}

fn check_discounts(value: &Value, at: &str) -> Result<(), AcqError> {
    let list = value
        .as_array()
        .ok_or_else(|| paym_info_error(format!("{at} must be an array")))?;
    for discount in list {
        let kind = discount.get("type").and_then(Value::as_str);
        let mode = discount.get("mode").and_then(Value::as_str);
        let amount = discount.get("value").and_then(Value::as_f64);
        if !matches!(kind, Some("DISCOUNT" | "EXTRA_CHARGE"))
            || !matches!(mode, Some("PERCENT" | "VALUE"))
            || !amount.is_some_and(|v| v >= 0.01)
        {
            return Err(paym_info_error(format!(
                "{at}: each needs type DISCOUNT|EXTRA_CHARGE, mode PERCENT|VALUE and value >= 0.01"
            )));
        }
    }
    Ok(())
}

/// `merchantPaymInfo`, checked (wrong content → `INVALID_MERCHANT_PAYM_INFO`).
fn merchant_paym_info(body: &Body) -> Result<Option<Map<String, Value>>, AcqError> {
    let info = match body.get("merchantPaymInfo") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(info)) => info,
        Some(_) => return Err(paym_info_error("merchantPaymInfo must be an object")),
    };
    for field in ["reference", "destination", "comment"] {
        match info.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) if text.chars().count() <= 280 => {}
            Some(_) => {
                return Err(paym_info_error(format!(
                    "'{field}' must be a string of at most 280 characters"
                )))
            }
        }
    }
    if let Some(emails) = info.get("customerEmails") {
        if !emails.as_array().is_some_and(|list| {
            list.iter()
                .all(|e| e.as_str().is_some_and(|e| e.contains('@')))
        }) {
            return Err(paym_info_error(
                "'customerEmails' must be an array of e-mail addresses",
            ));
        }
    }
    if let Some(metadata) = info.get("metadata") {
        if metadata.as_object().is_none_or(|map| map.len() > 10) {
            return Err(paym_info_error(
                "'metadata' must be an object of at most 10 keys",
            ));
        }
    }
    if let Some(discounts) = info.get("discounts") {
        check_discounts(discounts, "discounts")?;
    }
    if let Some(basket) = info.get("basketOrder") {
        let items = basket
            .as_array()
            .ok_or_else(|| paym_info_error("'basketOrder' must be an array"))?;
        for (index, item) in items.iter().enumerate() {
            let name_ok = item
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| !n.is_empty());
            let code_ok = item
                .get("code")
                .and_then(Value::as_str)
                .is_some_and(|c| !c.is_empty());
            let qty_ok = item
                .get("qty")
                .and_then(Value::as_f64)
                .is_some_and(|q| q > 0.0);
            let sum_ok = item
                .get("sum")
                .and_then(Value::as_i64)
                .is_some_and(|s| s >= 0);
            if !(name_ok && code_ok && qty_ok && sum_ok) {
                return Err(paym_info_error(format!(
                    "basketOrder[{index}] needs name, qty > 0, sum (minor units) and code"
                )));
            }
            if let Some(discounts) = item.get("discounts") {
                check_discounts(discounts, &format!("basketOrder[{index}].discounts"))?;
            }
        }
    }
    Ok(Some(info.clone()))
}

fn save_card(body: &Body) -> Result<Option<Option<String>>, AcqError> {
    match body.get("saveCardData") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(data)) => match data.get("saveCard") {
            Some(Value::Bool(true)) => Ok(Some(optional_str(data, "walletId")?)),
            Some(Value::Bool(false)) => Ok(None),
            None | Some(Value::Null) => Err(empty("saveCardData.saveCard")),
            Some(_) => Err(invalid("saveCardData.saveCard")),
        },
        Some(_) => Err(invalid("saveCardData")),
    }
}

fn card_error(error: &CardError, field: &str) -> AcqError {
    AcqError::bad_request(format!("invalid '{field}': {}", error.text()))
}

// ---- the endpoints ---------------------------------------------------------------------

fn handle(
    acquiring: &Acquiring,
    merchant: &mut Merchant,
    op: Op,
    mode: Mode,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Value, AcqError> {
    let query = || Params::query(request);
    match op {
        Op::InvoiceCreate => {
            let body = json_body(request)?;
            let new = new_invoice(&body, merchant)?;
            let with_app_url = matches!(body.get("withAppUrl"), Some(Value::Bool(true)));
            let id = merchant.create_invoice(mode, new, now);
            let mut answer = json!({"invoiceId": id, "pageUrl": acquiring.page_url(&id)});
            if with_app_url {
                if let Some(map) = answer.as_object_mut() {
                    map.insert("appUrl".into(), json!(format!("monobank://pay/{id}")));
                }
            }
            Ok(answer)
        }
        Op::InvoiceStatus => {
            let id = query_required(&query(), "invoiceId")?;
            Ok(find(merchant, mode, &id)?.status_json())
        }
        Op::InvoiceCancel => {
            let body = json_body(request)?;
            let id = required_str(&body, "invoiceId")?;
            let ext_ref = optional_str(&body, "extRef")?;
            let amount = optional_int(&body, "amount")?;
            find(merchant, mode, &id)?;
            let at = merchant.cancel(&id, amount, ext_ref, now)?;
            Ok(json!({"status": "success", "createdDate": date(at), "modifiedDate": date(at)}))
        }
        Op::InvoiceRemove => {
            let body = json_body(request)?;
            let id = required_str(&body, "invoiceId")?;
            let status = find(merchant, mode, &id)?.status;
            match status {
                Status::Created => merchant.expire_now(&id, now),
                Status::Expired => {}
                other => {
                    return Err(AcqError::bad_request(format!(
                        "invoice can not be removed: status '{}'",
                        other.as_str()
                    )))
                }
            }
            Ok(json!({}))
        }
        Op::InvoiceFinalize => {
            let body = json_body(request)?;
            let id = required_str(&body, "invoiceId")?;
            let amount = required_int(&body, "amount")?;
            find(merchant, mode, &id)?;
            merchant.finalize(&id, amount, now)?;
            Ok(json!({"status": "success"}))
        }
        Op::PaymentDirect => {
            let body = json_body(request)?;
            let card = object(&body, "cardData")?;
            let pan = required_str(card, "pan").map_err(|_| empty("cardData.pan"))?;
            let exp = required_str(card, "exp").map_err(|_| empty("cardData.exp"))?;
            let cvv = required_str(card, "cvv").map_err(|_| empty("cardData.cvv"))?;
            let kind = optional_str(&body, "initiationKind")?;
            if !matches!(kind.as_deref(), None | Some("merchant" | "client")) {
                return Err(invalid("initiationKind"));
            }
            let mut new = new_invoice(&body, merchant)?;
            new.payment_type = payment_type(&body, &["debit", "hold"])?;
            if kind.as_deref() == Some("client") && new.redirect_url.is_none() {
                return Err(empty("redirectUrl"));
            }
            let payer = direct_payer(&pan, &exp, Some(&cvv), "direct", now)?;
            let id = merchant.create_invoice(mode, new, now);
            merchant.pay(&id, &payer, now);
            Ok(payment_result(find(merchant, mode, &id)?.status_json()))
        }
        Op::SyncPayment => {
            let body = json_body(request)?;
            let amount = amount(&body)?;
            let ccy = ccy(&body, true)?;
            let sources: Vec<&str> = ["cardData", "applePay", "googlePay"]
                .into_iter()
                .filter(|key| body.get(*key).is_some_and(|v| !v.is_null()))
                .collect();
            let [source] = sources.as_slice() else {
                return Err(AcqError::bad_request(
                    "exactly one of 'cardData', 'applePay', 'googlePay' is required",
                ));
            };
            let data = object(&body, source)?;
            let field = |name: &str| {
                required_str(data, name).map_err(|_| empty(&format!("{source}.{name}")))
            };
            let (number, method) = if *source == "cardData" {
                let kind = field("type")?;
                if !matches!(kind.as_str(), "FPAN" | "DPAN") {
                    return Err(invalid("cardData.type"));
                }
                (field("pan")?, "pan")
            } else if *source == "applePay" {
                (field("token")?, "apple")
            } else {
                (field("token")?, "google")
            };
            let exp = field("exp")?;
            field("eciIndicator")?;
            let cvv = optional_str(data, "cvv")?;
            let payer = direct_payer(&number, &exp, cvv.as_deref(), method, now)?;
            let info = match body.get("merchantPaymInfo") {
                None | Some(Value::Null) => None,
                Some(Value::Object(info)) => Some(info.clone()),
                Some(_) => return Err(paym_info_error("merchantPaymInfo must be an object")),
            };
            let new = NewInvoice {
                amount,
                ccy,
                payment_type: PaymentType::Debit,
                validity: DEFAULT_VALIDITY_SECONDS,
                merchant_paym_info: info,
                redirect_url: None,
                web_hook_url: url_field(&body, "webHookUrl")?,
                save_card: None,
                qr_id: None,
                code: None,
            };
            let id = merchant.create_invoice(mode, new, now);
            merchant.pay(&id, &payer, now);
            Ok(find(merchant, mode, &id)?.status_json())
        }
        Op::Receipt => {
            let id = query_required(&query(), "invoiceId")?;
            let invoice = find(merchant, mode, &id)?;
            if mode == Mode::Test {
                return Err(AcqError::bad_request(
                    "receipt is not available with a test token",
                ));
            }
            if !matches!(invoice.status, Status::Success | Status::Reversed) {
                return Err(AcqError::bad_request("invoice is not paid"));
            }
            let lines = receipt_lines(merchant, invoice);
            Ok(
                json!({"file": base64::engine::general_purpose::STANDARD.encode(pdf::document(&lines))}),
            )
        }
        Op::FiscalChecks => {
            let id = query_required(&query(), "invoiceId")?;
            let invoice = find(merchant, mode, &id)?;
            Ok(json!({"checks": fiscal_checks(merchant, invoice)}))
        }
        Op::Pubkey => Ok(json!({"key": merchant.key().public_base64()})),
        Op::Details => Ok(json!({
            "merchantId": merchant.seed.merchant_id,
            "merchantName": merchant.seed.merchant_name,
            "edrpou": merchant.seed.edrpou,
        })),
        Op::Statement => {
            let params = query();
            let from = unix(&params, "from")?.ok_or_else(|| empty("from"))?;
            let to = unix(&params, "to")?.unwrap_or(now.timestamp());
            Ok(json!({"list": merchant.statement(mode, from, to, params.non_empty("code"))}))
        }
        Op::QrList => {
            let base = acquiring.page_base();
            let list: Vec<Value> = merchant
                .seed
                .qr_tills
                .iter()
                .map(|till| {
                    json!({"shortQrId": till.short_qr_id, "qrId": till.qr_id,
                           "amountType": till.amount_type, "pageUrl": format!("{base}/{}", till.qr_id)})
                })
                .collect();
            Ok(json!({"list": list}))
        }
        Op::QrDetails => {
            let qr_id = query_required(&query(), "qrId")?;
            let till = merchant
                .seed
                .qr_tills
                .iter()
                .find(|till| till.qr_id == qr_id)
                .ok_or_else(|| AcqError::not_found("invalid 'qrId'"))?;
            let mut answer = json!({"shortQrId": till.short_qr_id});
            if let Some(invoice) = merchant
                .qr_amounts
                .get(&qr_id)
                .and_then(|id| merchant.any_invoice(id))
            {
                if let Some(map) = answer.as_object_mut() {
                    map.insert("invoiceId".into(), json!(invoice.id));
                    map.insert("amount".into(), json!(invoice.amount));
                    map.insert("ccy".into(), json!(invoice.ccy));
                }
            }
            Ok(answer)
        }
        Op::QrResetAmount => {
            let body = json_body(request)?;
            let qr_id = required_str(&body, "qrId")?;
            if !merchant
                .seed
                .qr_tills
                .iter()
                .any(|till| till.qr_id == qr_id)
            {
                return Err(AcqError::not_found("invalid 'qrId'"));
            }
            if let Some(id) = merchant.qr_amounts.get(&qr_id).cloned() {
                let status = merchant.any_invoice(&id).map(|invoice| invoice.status);
                if status == Some(Status::Processing) {
                    return Err(AcqError::new(400, "ORDER_IN_PROGRESS", "order in progress"));
                }
                merchant.expire_now(&id, now);
                merchant.qr_amounts.remove(&qr_id);
            }
            Ok(json!({}))
        }
        Op::Wallet => {
            let wallet_id = query_required(&query(), "walletId")?;
            let mut wallet: Vec<(&String, Value)> = merchant
                .cards
                .iter()
                .filter(|(_, card)| card.wallet_id == wallet_id)
                .map(|(token, card)| {
                    (
                        token,
                        json!({"cardToken": token, "maskedPan": card.masked_pan, "country": "804"}),
                    )
                })
                .collect();
            wallet.sort_by(|a, b| a.0.cmp(b.0));
            Ok(json!({"wallet": wallet.into_iter().map(|(_, v)| v).collect::<Vec<_>>()}))
        }
        Op::WalletCardDelete => {
            let token = query_required(&query(), "cardToken")?;
            merchant
                .cards
                .remove(&token)
                .ok_or_else(|| AcqError::new(400, "TOKEN_NOT_FOUND", "card token not found"))?;
            Ok(json!({}))
        }
        Op::WalletPayment => {
            let body = json_body(request)?;
            let token = required_str(&body, "cardToken")?;
            let amount = amount(&body)?;
            let ccy = ccy(&body, true)?;
            let kind = required_str(&body, "initiationKind")?;
            if !matches!(kind.as_str(), "merchant" | "client") {
                return Err(invalid("initiationKind"));
            }
            let card = merchant
                .cards
                .get(&token)
                .cloned()
                .ok_or_else(|| AcqError::new(400, "TOKEN_NOT_FOUND", "card token not found"))?;
            let new = NewInvoice {
                amount,
                ccy,
                payment_type: payment_type(&body, &["debit", "hold"])?,
                validity: DEFAULT_VALIDITY_SECONDS,
                merchant_paym_info: merchant_paym_info(&body)?,
                redirect_url: url_field(&body, "redirectUrl")?,
                web_hook_url: url_field(&body, "webHookUrl")?,
                save_card: None,
                qr_id: None,
                code: None,
            };
            let payer = Payer {
                card: cards::Card {
                    masked_pan: card.masked_pan.clone(),
                    payment_system: card.payment_system,
                    outcome: card.outcome.clone(),
                },
                method: "wallet",
            };
            let id = merchant.create_invoice(mode, new, now);
            merchant.pay(&id, &payer, now);
            Ok(payment_result(find(merchant, mode, &id)?.status_json()))
        }
        Op::SubmerchantList => Ok(json!({"list": merchant.seed.submerchants})),
        Op::SplitReceiverList => Ok(json!({"list": merchant.seed.split_receivers})),
        Op::T2pTerminalList => Ok(json!({"list": merchant.seed.t2p_terminals})),
        Op::T2pPaymentStatus => {
            let id = query_required(&query(), "externalPaymentId")?;
            let oldest = after(now, -90 * 86_400);
            merchant
                .t2p_payments
                .iter()
                .find(|p| p.external_payment_id == id && p.time >= oldest)
                .map(super::seed::T2pPayment::status_json)
                .ok_or_else(|| AcqError::not_found("invalid 'externalPaymentId'"))
        }
        Op::PosTransactionCancel => {
            let body = json_body(request)?;
            let rrn = required_str(&body, "rrn")?;
            let amount = amount(&body)?;
            let payment = merchant
                .t2p_payments
                .iter()
                .find(|p| p.rrn == rrn && p.status == "success")
                .cloned()
                .ok_or_else(|| AcqError::not_found("invalid 'rrn'"))?;
            let refunded = merchant.pos_refunded.get(&rrn).copied().unwrap_or(0);
            if amount > payment.amount - refunded {
                return Err(AcqError::new(
                    400,
                    "WRONG_CANCEL_AMOUNT",
                    "wrong cancel amount",
                ));
            }
            merchant.pos_refunded.insert(rrn, refunded + amount);
            let tran_id = format!("acq{}", merchant.digits(9));
            Ok(json!({"status": "ok", "tranId": tran_id}))
        }
        Op::SubscriptionCreate => {
            let body = json_body(request)?;
            let amount = amount(&body)?;
            let ccy = ccy(&body, false)?;
            let interval_text = required_str(&body, "interval")?;
            let interval = Interval::parse(&interval_text).ok_or_else(|| invalid("interval"))?;
            let redirect_url = url_field(&body, "redirectUrl")?;
            if let Some(urls) = body.get("webHookUrls").filter(|v| !v.is_null()) {
                let urls = urls.as_object().ok_or_else(|| invalid("webHookUrls"))?;
                url_field(urls, "chargeUrl")?;
                url_field(urls, "statusUrl")?;
            }
            let validity = optional_int(&body, "validity")?.unwrap_or(DEFAULT_VALIDITY_SECONDS);
            if validity <= 0 {
                return Err(invalid("validity"));
            }
            let id = merchant.new_id("s2_", 10);
            let wallet_id = merchant.hex(32);
            merchant.add_subscription(Subscription {
                id: id.clone(),
                mode,
                amount,
                ccy,
                interval,
                redirect_url,
                created: now,
                expires_at: after(now, validity.min(super::state::MAX_VALIDITY_SECONDS)),
                start: None,
                next_charge: None,
                end: None,
                cancelled: false,
                cancellation_desc: None,
                card_token: None,
                wallet_id,
                wallet_status: "new",
                failure_description: None,
                payments: VecDeque::new(),
                total_paid: 0,
                total_failed: 0,
            });
            Ok(json!({"subscriptionId": id, "pageUrl": acquiring.page_url(&id)}))
        }
        Op::SubscriptionStatus => {
            let id = query_required(&query(), "subscriptionId")?;
            Ok(find_subscription(merchant, mode, &id)?.status_json())
        }
        Op::SubscriptionPayments => {
            let params = query();
            let id = query_required(&params, "subscriptionId")?;
            let (from, to) = date_range(&params)?;
            let (limit, page) = paging(&params)?;
            let subscription = find_subscription(merchant, mode, &id)?;
            let mut payments: Vec<Value> = subscription
                .payments
                .iter()
                .rev()
                .filter(|p| p.charged_at >= from && to.is_none_or(|to| p.charged_at <= to))
                .map(|p| {
                    json!({"amount": p.amount, "status": p.status,
                           "chargedAt": date(p.charged_at), "ccy": subscription.ccy})
                })
                .collect();
            let (pagination, range) = paginate(payments.len(), limit, page);
            payments = payments
                .get(range)
                .map(<[Value]>::to_vec)
                .unwrap_or_default();
            Ok(json!({"payments": payments, "pagination": pagination}))
        }
        Op::SubscriptionList => {
            let params = query();
            let (from, to) = date_range(&params)?;
            let (limit, page) = paging(&params)?;
            let status = params.non_empty("status");
            if !matches!(status, None | Some("active" | "cancelled")) {
                return Err(invalid("status"));
            }
            let mut list: Vec<&Subscription> = merchant
                .subscriptions
                .values()
                .filter(|s| s.mode == mode)
                .filter(|s| s.created >= from && to.is_none_or(|to| s.created <= to))
                .filter(|s| match status {
                    Some("active") => !s.cancelled,
                    Some(_) => s.cancelled,
                    None => true,
                })
                .collect();
            list.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
            let (pagination, range) = paginate(list.len(), limit, page);
            let list: Vec<Value> = list
                .get(range)
                .unwrap_or_default()
                .iter()
                .map(|s| s.list_json())
                .collect();
            Ok(json!({"list": list, "pagination": pagination}))
        }
        Op::SubscriptionRemove => {
            let body = json_body(request)?;
            let id = required_str(&body, "subscriptionId")?;
            let subscription = find_subscription(merchant, mode, &id)?;
            if subscription.total_paid > 0 || subscription.total_failed > 0 {
                return Err(AcqError::bad_request(
                    "subscription can not be removed: it has already been charged",
                ));
            }
            merchant.remove_subscription(&id);
            Ok(json!({}))
        }
        Op::SubscriptionEdit => {
            let body = json_body(request)?;
            let id = required_str(&body, "subscriptionId")?;
            let action = required_str(&body, "action")?;
            if action != "cancel" {
                return Err(invalid("action"));
            }
            let refund = optional_int(&body, "refundAmount")?;
            let subscription = find_subscription(merchant, mode, &id)?;
            if subscription.cancelled {
                return Err(AcqError::bad_request("subscription is already cancelled"));
            }
            let last_paid = subscription
                .payments
                .iter()
                .rev()
                .find(|p| p.status == "success")
                .map_or(0, |p| p.amount);
            if refund.is_some_and(|r| r <= 0 || r > last_paid) {
                return Err(AcqError::new(
                    400,
                    "WRONG_CANCEL_AMOUNT",
                    "wrong cancel amount",
                ));
            }
            merchant.cancel_subscription(&id, now, refund);
            Ok(json!({}))
        }
        Op::MonopayKeyImport => {
            let body = json_body(request)?;
            let key_value = required_str(&body, "keyValue")?;
            if base64::engine::general_purpose::STANDARD
                .decode(key_value.trim())
                .is_err()
            {
                return Err(invalid("keyValue"));
            }
            let expires_at = optional_str(&body, "expiresAt")?;
            if let Some(at) = &expires_at {
                DateTime::parse_from_rfc3339(at).map_err(|_| invalid("expiresAt"))?;
            }
            let key_id = merchant.new_id("", 14);
            let cap = merchant.max_keys();
            merchant.keys.insert(
                key_id.clone(),
                MonopayKey {
                    key_value,
                    key_name: optional_str(&body, "keyName")?,
                    expires_at,
                },
                None,
                cap,
            );
            Ok(json!({"result": {"keyId": key_id}}))
        }
        Op::MonopayKeyDelete => {
            let body = json_body(request)?;
            let key_id = required_str(&body, "keyId")?;
            merchant
                .keys
                .remove(&key_id)
                .ok_or_else(|| AcqError::not_found("invalid 'keyId'"))?;
            Ok(json!({}))
        }
        Op::MonopayKeyList => {
            let mut keys: Vec<(&String, Value)> = merchant
                .keys
                .iter()
                .map(|(id, key)| {
                    let mut entry = json!({"keyId": id, "keyValue": key.key_value});
                    if let Some(map) = entry.as_object_mut() {
                        if let Some(name) = &key.key_name {
                            map.insert("keyName".into(), json!(name));
                        }
                        if let Some(at) = &key.expires_at {
                            map.insert("expiresAt".into(), json!(at));
                        }
                    }
                    (id, entry)
                })
                .collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            Ok(json!({"result": keys.into_iter().map(|(_, v)| v).collect::<Vec<_>>()}))
        }
        Op::EmployeeList => Ok(json!({"list": match mode {
            Mode::Test => test_employees(),
            Mode::Live => merchant.seed.employees.clone(),
        }})),
        Op::PaymentInfo => {
            let id = query_required(&query(), "invoiceId")?;
            let invoice = find(merchant, mode, &id)?;
            if invoice.status == Status::Hold {
                return Err(AcqError::new(
                    400,
                    "HOLD_INVOICE_NOT_FINALIZED",
                    "hold invoice is not finalized",
                ));
            }
            let payment = invoice
                .payment
                .as_ref()
                .filter(|_| matches!(invoice.status, Status::Success | Status::Reversed))
                .ok_or_else(|| AcqError::bad_request("invoice is not paid"))?;
            let status = invoice.status_json();
            Ok(json!({
                "maskedPan": payment.masked_pan,
                "approvalCode": payment.approval_code,
                "rrn": payment.rrn,
                "amount": invoice.amount,
                "ccy": invoice.ccy,
                "finalAmount": invoice.final_amount.unwrap_or(0),
                "createdDate": date(invoice.created),
                "terminal": payment.terminal,
                "paymentScheme": "full",
                "paymentMethod": payment.payment_method,
                "fee": payment.fee.unwrap_or(0),
                "domesticCard": true,
                "country": "804",
                "cancelList": status.get("cancelList").cloned().unwrap_or(json!([])),
            }))
        }
    }
}

fn object<'a>(body: &'a Body, name: &str) -> Result<&'a Body, AcqError> {
    match body.get(name) {
        Some(Value::Object(map)) => Ok(map),
        None | Some(Value::Null) => Err(empty(name)),
        Some(_) => Err(invalid(name)),
    }
}

fn find<'a>(
    merchant: &'a Merchant,
    mode: Mode,
    id: &str,
) -> Result<&'a super::state::Invoice, AcqError> {
    merchant
        .invoice(mode, id)
        .ok_or_else(|| AcqError::not_found("invoice not found"))
}

fn find_subscription<'a>(
    merchant: &'a Merchant,
    mode: Mode,
    id: &str,
) -> Result<&'a Subscription, AcqError> {
    merchant
        .subscriptions
        .get(id)
        .filter(|s| s.mode == mode)
        .ok_or_else(|| AcqError::not_found("invalid 'subscriptionId'"))
}

/// The fields of invoice create (also used by payment-direct).
fn new_invoice(body: &Body, merchant: &Merchant) -> Result<NewInvoice, AcqError> {
    let payment_type = payment_type(body, &["debit", "hold", "verification"])?;
    let save_card = save_card(body)?;
    let amount = match payment_type {
        PaymentType::Verification => {
            let amount = required_int(body, "amount")?;
            if amount != 0 || save_card.is_none() {
                return Err(AcqError::bad_request(
                    "verification needs 'amount' 0 and 'saveCardData.saveCard' true",
                ));
            }
            0
        }
        _ => amount(body)?,
    };
    let validity = match optional_int(body, "validity")? {
        None => DEFAULT_VALIDITY_SECONDS,
        Some(seconds) if seconds > 0 => seconds,
        Some(_) => return Err(invalid("validity")),
    };
    let qr_id = optional_str(body, "qrId")?;
    if let Some(qr_id) = &qr_id {
        if !merchant
            .seed
            .qr_tills
            .iter()
            .any(|till| &till.qr_id == qr_id)
        {
            return Err(AcqError::not_found("invalid 'qrId'"));
        }
    }
    let code = optional_str(body, "code")?;
    if let Some(code) = &code {
        if !merchant
            .seed
            .submerchants
            .iter()
            .any(|s| s["code"].as_str() == Some(code))
        {
            return Err(invalid("code"));
        }
    }
    if let Some(display) = optional_str(body, "displayType")? {
        if display != "iframe" {
            return Err(invalid("displayType"));
        }
    }
    match body.get("agentFeePercent") {
        None | Some(Value::Null) | Some(Value::Number(_)) => {}
        Some(_) => return Err(invalid("agentFeePercent")),
    }
    url_field(body, "successUrl")?;
    url_field(body, "failUrl")?;
    Ok(NewInvoice {
        amount,
        ccy: ccy(body, false)?,
        payment_type,
        validity,
        merchant_paym_info: merchant_paym_info(body)?,
        redirect_url: url_field(body, "redirectUrl")?,
        web_hook_url: url_field(body, "webHookUrl")?,
        save_card,
        qr_id,
        code,
    })
}

/// A payer from card data sent to the API: bad format → 400; a Luhn failure is a declined
/// payment (`52`), as a processor would answer a number it cannot route.
fn direct_payer(
    pan: &str,
    exp: &str,
    cvv: Option<&str>,
    method: &'static str,
    now: DateTime<Utc>,
) -> Result<Payer, AcqError> {
    let card = match cards::read_card(pan, exp, cvv, now) {
        Ok(card) => card,
        Err(CardError::Luhn) => {
            let digits = cards::clean_pan(pan).unwrap_or_default();
            cards::Card {
                masked_pan: cards::mask(&digits),
                payment_system: if digits.starts_with('5') {
                    "mastercard"
                } else {
                    "visa"
                },
                outcome: CardOutcome::Decline("52", "Неправильний номер картки"),
            }
        }
        Err(error @ CardError::PanFormat) => return Err(card_error(&error, "pan")),
        Err(error @ CardError::ExpiryFormat) => return Err(card_error(&error, "exp")),
        Err(error @ CardError::Cvv) => return Err(card_error(&error, "cvv")),
    };
    Ok(Payer { card, method })
}

/// `PaymentResult` of payment-direct and wallet/payment, from the invoice's status.
fn payment_result(status: Value) -> Value {
    let mut result = Map::new();
    for field in [
        "invoiceId",
        "failureReason",
        "amount",
        "ccy",
        "createdDate",
        "modifiedDate",
    ] {
        if let Some(value) = status.get(field) {
            result.insert(field.into(), value.clone());
        }
    }
    let state = match status.get("status").and_then(Value::as_str) {
        Some("failure") => "failure",
        Some("processing") => "processing",
        _ => "success",
    };
    result.insert("status".into(), json!(state));
    Value::Object(result)
}

fn unix(params: &Params, name: &str) -> Result<Option<i64>, AcqError> {
    params
        .non_empty(name)
        .map(|text| text.parse::<i64>().map_err(|_| invalid(name)))
        .transpose()
}

fn date_range(params: &Params) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>), AcqError> {
    let parse = |name: &str| -> Result<Option<DateTime<Utc>>, AcqError> {
        params
            .non_empty(name)
            .map(|text| {
                DateTime::parse_from_rfc3339(text)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|_| invalid(name))
            })
            .transpose()
    };
    let from = parse("dateFrom")?.ok_or_else(|| empty("dateFrom"))?;
    Ok((from, parse("dateTo")?))
}

fn paging(params: &Params) -> Result<(usize, usize), AcqError> {
    let read = |name: &str, default: usize| -> Result<usize, AcqError> {
        match params.non_empty(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1_000).contains(n))
                .ok_or_else(|| invalid(name)),
        }
    };
    Ok((read("limit", 20)?, read("page", 1)?))
}

fn paginate(total: usize, limit: usize, page: usize) -> (Value, std::ops::Range<usize>) {
    let pages = total.div_ceil(limit.max(1));
    let start = (page - 1).saturating_mul(limit).min(total);
    let end = start.saturating_add(limit).min(total);
    (
        json!({"totalItems": total, "itemsPerPage": limit, "currentPage": page,
               "totalPages": pages}),
        start..end,
    )
}

fn money(amount: i64, ccy: u16) -> String {
    let alpha = match ccy {
        840 => "USD",
        978 => "EUR",
        _ => "UAH",
    };
    format!("{}.{:02} {alpha}", amount / 100, (amount % 100).abs())
}

fn receipt_lines(merchant: &Merchant, invoice: &super::state::Invoice) -> Vec<String> {
    let mut lines = vec![
        "monobank | Universal Bank".to_owned(),
        format!("Merchant EDRPOU {}", merchant.seed.edrpou),
        format!("Receipt for invoice {}", invoice.id),
        format!("Date {}", date(invoice.modified)),
        format!("Amount {}", money(invoice.amount, invoice.ccy)),
        format!(
            "Final amount {}",
            money(invoice.final_amount.unwrap_or(0), invoice.ccy)
        ),
    ];
    if let Some(payment) = &invoice.payment {
        lines.push(format!("Card {}", payment.masked_pan));
        if let Some(code) = &payment.approval_code {
            lines.push(format!("Approval code {code}"));
        }
        if let Some(rrn) = &payment.rrn {
            lines.push(format!("RRN {rrn}"));
        }
    }
    lines
}

fn fiscal_checks(merchant: &Merchant, invoice: &super::state::Invoice) -> Vec<Value> {
    if !matches!(invoice.status, Status::Success | Status::Reversed) {
        return Vec::new();
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let id_of = |n: u64| {
        let hex = format!(
            "{:016x}{:016x}",
            crate::rng::mix64(invoice.seq ^ n),
            crate::rng::mix64(n ^ 0x5a)
        );
        format!(
            "{}-{}-4{}-a{}-{}",
            hex.get(..8).unwrap_or_default(),
            hex.get(8..12).unwrap_or_default(),
            hex.get(13..16).unwrap_or_default(),
            hex.get(17..20).unwrap_or_default(),
            hex.get(20..32).unwrap_or_default()
        )
    };
    let mut checks = vec![json!({
        "id": id_of(0),
        "type": "sale",
        "status": "done",
        "statusDescription": "",
        "taxUrl": "https://cabinet.tax.gov.ua/cashregs/check",
        "file": engine.encode(pdf::document(&receipt_lines(merchant, invoice))),
        "fiscalizationSource": "monopay",
    })];
    for (n, cancel) in (1u64..).zip(&invoice.cancel_list) {
        let lines = vec![
            format!("Return for invoice {}", invoice.id),
            format!("Amount {}", money(cancel.amount, invoice.ccy)),
            format!("Date {}", date(cancel.created)),
        ];
        checks.push(json!({
            "id": id_of(n),
            "type": "return",
            "status": "done",
            "statusDescription": "",
            "taxUrl": "https://cabinet.tax.gov.ua/cashregs/check",
            "file": engine.encode(pdf::document(&lines)),
            "fiscalizationSource": "monopay",
        }));
    }
    checks
}

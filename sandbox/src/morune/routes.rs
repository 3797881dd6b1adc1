//! The API endpoints (#1–#7 of the provider notes): authentication, Laravel-style validation
//! with Russian messages, and the `{data, status, status_check[, error]}` envelope on every
//! answer.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use wiremock::Request;

use super::state::{
    payout_service, tariff, Duplicates, MoruneError, NewInvoice, NewPayoff, Subtract, CURRENCIES,
    DEFAULT_EXPIRE_MINUTES, MAX_EXPIRE_MINUTES, SBP_BANKS, TARIFFS,
};
use super::MoruneSandbox;
use crate::request::header;
use crate::{Reply, Respond};

/// Which endpoint a route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    CreateInvoice,
    InvoiceInfo,
    Tariffs,
    Balance,
    CreatePayoff,
    PayoffInfo,
    SbpBanks,
}

/// Every endpoint: method, path pattern, operation.
pub(crate) const ENDPOINTS: [(&str, &str, Op); 7] = [
    ("POST", r"^/invoice/create/?$", Op::CreateInvoice),
    ("GET", r"^/invoice/info/?$", Op::InvoiceInfo),
    ("GET", r"^/shops/[^/]+/payment-tariffs/?$", Op::Tariffs),
    ("GET", r"^/account/users/[^/]+/balance/?$", Op::Balance),
    ("POST", r"^/payoff/create/?$", Op::CreatePayoff),
    ("GET", r"^/payoff/info/?$", Op::PayoffInfo),
    ("GET", r"^/payoff/get-sbp-bank-list/?$", Op::SbpBanks),
];

/// The envelope of a success.
pub(crate) fn ok(data: Value) -> Reply {
    Reply::new(200).set_body_json(json!({
        "data": data, "status": 200, "status_check": true,
    }))
}

/// The envelope of an error.
pub(crate) fn fail(error: &MoruneError) -> Reply {
    Reply::new(error.status).set_body_json(error.body())
}

/// The error body for a status with no message of its own (injected faults).
pub(crate) fn error_body_for(status: u16) -> Value {
    let message = match status {
        400 => "Некорректный запрос.",
        401 => "Ошибка авторизации.",
        403 => "Ошибка доступа.",
        404 => "Объект не найден.",
        405 => "Метод не поддерживается.",
        408 => "Время ожидания запроса истекло.",
        413 => "Слишком большой запрос.",
        422 => "Ошибка валидации.",
        429 => "Слишком много запросов.",
        502..=504 => "Сервис временно недоступен.",
        _ => "Внутренняя ошибка системы.",
    };
    MoruneError::new(status, message).body()
}

// ---- validation, Laravel style ----

/// The attribute as Laravel names it in a message (`order_id` → `order id`).
fn attr(name: &str) -> String {
    name.replace('_', " ")
}

fn required(name: &str) -> MoruneError {
    MoruneError::invalid(format!("Поле {} обязательно для заполнения.", attr(name)))
}

fn not_uuid(name: &str) -> MoruneError {
    MoruneError::invalid(format!("Поле {} должно быть в формате UUID.", attr(name)))
}

fn not_string(name: &str) -> MoruneError {
    MoruneError::invalid(format!("Поле {} должно быть строкой.", attr(name)))
}

fn too_long(name: &str, max: usize) -> MoruneError {
    MoruneError::invalid(format!(
        "Количество символов в поле {} не может превышать {max}.",
        attr(name)
    ))
}

fn not_in(name: &str) -> MoruneError {
    MoruneError::invalid(format!(
        "Выбранное значение для {} некорректно.",
        attr(name)
    ))
}

fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The request's input: the JSON object body (or form body) for writes, the query for reads.
#[derive(Debug)]
pub(crate) struct Input(Map<String, Value>);

impl Input {
    fn of(request: &Request) -> Input {
        if request.method.as_str() == "GET" {
            return Input::pairs(request.url.query_pairs());
        }
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(map)) => Input(map),
            // Not JSON: read it as a form, as a framework does (an empty body is no field).
            _ => Input::pairs(url::form_urlencoded::parse(&request.body)),
        }
    }

    /// Parameters as strings; the first of a repeated name counts.
    fn pairs<'a>(
        pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    ) -> Input {
        let mut map = Map::new();
        for (key, value) in pairs {
            if !map.contains_key(key.as_ref()) {
                map.insert(key.into_owned(), Value::String(value.into_owned()));
            }
        }
        Input(map)
    }

    /// A present, non-null, non-empty value.
    fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .get(name)
            .filter(|value| !value.is_null() && value.as_str() != Some(""))
    }

    /// An optional string of at most `max` characters (numbers are taken as their text).
    fn string(&self, name: &str, max: usize) -> Result<Option<String>, MoruneError> {
        let text = match self.get(name) {
            None => return Ok(None),
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(not_string(name)),
        };
        if text.chars().count() > max {
            return Err(too_long(name, max));
        }
        Ok(Some(text))
    }

    fn required_string(&self, name: &str, max: usize) -> Result<String, MoruneError> {
        self.string(name, max)?.ok_or_else(|| required(name))
    }

    fn uuid(&self, name: &str) -> Result<Option<String>, MoruneError> {
        match self.string(name, 255)? {
            None => Ok(None),
            Some(text) if is_uuid(&text) => Ok(Some(text.to_ascii_lowercase())),
            Some(_) => Err(not_uuid(name)),
        }
    }

    fn required_uuid(&self, name: &str) -> Result<String, MoruneError> {
        self.uuid(name)?.ok_or_else(|| required(name))
    }

    /// A positive amount in kopecks: a JSON number or numeric string, at most 2 decimals.
    fn amount(&self, name: &str) -> Result<i64, MoruneError> {
        let text = match self.get(name) {
            None => return Err(required(name)),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(text)) => text.trim().to_owned(),
            Some(_) => return Err(not_numeric(name)),
        };
        let minor = parse_minor(&text).ok_or_else(|| not_numeric(name))?;
        if minor < 100 {
            return Err(MoruneError::invalid(format!(
                "Поле {} должно быть не меньше 1.",
                attr(name)
            )));
        }
        Ok(minor)
    }

    /// An optional integer.
    fn integer(&self, name: &str) -> Result<Option<i64>, MoruneError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_integer(name)),
            Some(Value::String(text)) => text
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| not_integer(name)),
            Some(_) => Err(not_integer(name)),
        }
    }

    /// An optional http(s) URL of at most `max` characters.
    fn url(&self, name: &str, max: usize) -> Result<Option<String>, MoruneError> {
        let Some(text) = self.string(name, max)? else {
            return Ok(None);
        };
        match url::Url::parse(&text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(Some(text)),
            _ => Err(MoruneError::invalid(format!(
                "Поле {} имеет ошибочный формат URL.",
                attr(name)
            ))),
        }
    }

    /// An optional array of method codes from the tariff.
    fn services(&self, name: &str) -> Result<Option<Vec<&'static str>>, MoruneError> {
        let items = match self.get(name) {
            None => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(MoruneError::invalid(format!(
                    "Поле {} должно быть массивом.",
                    attr(name)
                )))
            }
        };
        let mut codes = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().and_then(tariff) {
                Some(known) => codes.push(known.service),
                None => return Err(not_in(&format!("{name}.{i}"))),
            }
        }
        Ok(Some(codes))
    }
}

fn not_numeric(name: &str) -> MoruneError {
    MoruneError::invalid(format!("Поле {} должно быть числом.", attr(name)))
}

fn not_integer(name: &str) -> MoruneError {
    MoruneError::invalid(format!("Поле {} должно быть целым числом.", attr(name)))
}

/// `"10.28"` → 1028; at most two decimals, no sign, no exponent.
fn parse_minor(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // `10.50` written by a float printer as `10.5`; more places must be zeros.
    let (kept, rest) = fraction.split_at(fraction.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{kept:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(cents)
}

// ---- endpoints ----

/// One endpoint.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) sandbox: Arc<MoruneSandbox>,
    pub(crate) op: Op,
}

impl Respond for Endpoint {
    fn respond(&self, request: &Request) -> Reply {
        let input = Input::of(request);
        let answer = match self.op {
            Op::CreateInvoice => self.create_invoice(request, &input),
            Op::InvoiceInfo => self.invoice_info(request, &input),
            Op::Tariffs => self.tariffs(request),
            Op::Balance => self.balance(request),
            Op::CreatePayoff => self.create_payoff(request, &input),
            Op::PayoffInfo => self.payoff_info(request, &input),
            Op::SbpBanks => self.sbp_banks(request, &input),
        };
        match answer {
            Ok(data) => ok(data),
            Err(error) => fail(&error),
        }
    }
}

/// A path segment (`/shops/{id}/…` → segment 1).
fn segment(request: &Request, index: usize) -> String {
    request
        .url
        .path()
        .trim_matches('/')
        .split('/')
        .nth(index)
        .unwrap_or_default()
        .to_owned()
}

fn same(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

impl Endpoint {
    /// 401 unless `shop_id` is the shop and `x-api-key` its key.
    fn shop_auth(&self, request: &Request, shop_id: &str) -> Result<(), MoruneError> {
        let seed = &self.sandbox.seed;
        let key = header(request, "x-api-key").unwrap_or_default();
        if shop_id == seed.shop_id && same(key, &seed.api_key) {
            Ok(())
        } else {
            Err(MoruneError::new(
                401,
                "Ошибка авторизации (неверный shop_id или секретный ключ).",
            ))
        }
    }

    /// 401 unless `user_id` is the user and `x-api-signature-sha256` their key.
    fn user_auth(&self, request: &Request, user_id: &str) -> Result<(), MoruneError> {
        let seed = &self.sandbox.seed;
        let key = header(request, "x-api-signature-sha256").unwrap_or_default();
        if user_id == seed.user_id && same(key, &seed.user_api_key) {
            Ok(())
        } else {
            Err(MoruneError::new(
                401,
                "Ошибка авторизации (неверный user_id или секретный ключ).",
            ))
        }
    }

    fn create_invoice(&self, request: &Request, input: &Input) -> Result<Value, MoruneError> {
        let shop_id = input.required_uuid("shop_id")?;
        self.shop_auth(request, &shop_id)?;
        let amount = input.amount("amount")?;
        let order_id = input.required_string("order_id", 255)?;
        let currency = match input.string("currency", 10)? {
            None => "RUB",
            Some(code) => CURRENCIES
                .iter()
                .map(|(known, _)| *known)
                .find(|known| *known == code)
                .ok_or_else(|| not_in("currency"))?,
        };
        let hook_url = input.url("hook_url", 500)?;
        let custom_fields = match input.get("custom_fields") {
            None => None,
            Some(Value::String(text)) if text.chars().count() > 500 => {
                return Err(too_long("custom_fields", 500))
            }
            Some(value @ (Value::String(_) | Value::Object(_))) => Some(value.clone()),
            Some(_) => return Err(not_string("custom_fields")),
        };
        let comment = input.string("comment", 255)?;
        let fail_url = input.url("fail_url", 255)?;
        let success_url = input.url("success_url", 255)?;
        let expire_minutes = match input.integer("expire")? {
            None => DEFAULT_EXPIRE_MINUTES,
            Some(minutes) if minutes < 1 => {
                return Err(MoruneError::invalid("Поле expire должно быть не меньше 1."))
            }
            Some(minutes) if minutes > MAX_EXPIRE_MINUTES => {
                return Err(MoruneError::invalid(format!(
                    "Поле expire не может быть больше {MAX_EXPIRE_MINUTES}."
                )))
            }
            Some(minutes) => minutes,
        };
        let include = input.services("include_service")?;
        let exclude = input.services("exclude_service")?.unwrap_or_default();
        let new = NewInvoice {
            amount,
            order_id,
            currency,
            hook_url,
            custom_fields,
            comment,
            fail_url,
            success_url,
            expire_minutes,
            include,
            exclude,
        };
        let rub = super::state::to_rub(new.amount, new.currency);
        let enabled: Vec<&'static str> = TARIFFS
            .iter()
            .filter(|t| t.enabled)
            .filter(|t| {
                new.include
                    .as_ref()
                    .is_none_or(|only| only.contains(&t.service))
            })
            .filter(|t| !new.exclude.contains(&t.service))
            .map(|t| t.service)
            .collect();
        if enabled.is_empty() {
            return Err(MoruneError::new(
                404,
                "Тариф не найден или отключён для выбранных способов оплаты.",
            ));
        }
        let methods: Vec<&'static str> = enabled
            .into_iter()
            .filter(|service| tariff(service).is_some_and(|t| (t.min..=t.max).contains(&rub)))
            .collect();
        if methods.is_empty() {
            return Err(MoruneError::new(
                403,
                "Сумма не входит в допустимый диапазон выбранных способов оплаты.",
            ));
        }
        let page = self.sandbox.page_base();
        self.sandbox.with(|shop, now| {
            if let Some(existing) = shop.invoice_by_order(&new.order_id) {
                return match shop.duplicates {
                    Duplicates::Existing => Ok(existing.created_json(&page)),
                    Duplicates::Reject => Err(MoruneError::invalid(
                        "Такое значение поля order id уже существует.",
                    )),
                };
            }
            Ok(shop.create_invoice(new, methods, now).created_json(&page))
        })
    }

    fn invoice_info(&self, request: &Request, input: &Input) -> Result<Value, MoruneError> {
        let shop_id = input.required_uuid("shop_id")?;
        self.shop_auth(request, &shop_id)?;
        let invoice_id = input.uuid("invoice_id")?;
        let order_id = input.string("order_id", 255)?;
        if invoice_id.is_none() && order_id.is_none() {
            return Err(MoruneError::invalid(
                "Поле invoice id обязательно для заполнения, когда order id не указано.",
            ));
        }
        self.sandbox.with(|shop, _| {
            let found = match (&invoice_id, &order_id) {
                (Some(id), _) => shop.invoices.get(id),
                (None, Some(order)) => shop.invoice_by_order(order),
                (None, None) => None,
            };
            found
                .filter(|invoice| order_id.as_ref().is_none_or(|o| *o == invoice.order_id))
                .map(|invoice| invoice.info_json(&shop.seed.shop_id))
                .ok_or_else(|| MoruneError::new(404, "Счёт не найден."))
        })
    }

    fn tariffs(&self, request: &Request) -> Result<Value, MoruneError> {
        let shop_id = segment(request, 1);
        if !is_uuid(&shop_id) {
            return Err(not_uuid("shop_id"));
        }
        self.shop_auth(request, &shop_id.to_ascii_lowercase())?;
        let tariffs: Vec<Value> = TARIFFS
            .iter()
            .map(|t| {
                json!({
                    "service": t.service,
                    "service_label": t.label,
                    "percent": super::state::number(t.percent_bp),
                    "fix": super::state::number(t.fix),
                    "min_sum": super::state::number(t.min),
                    "max_sum": super::state::number(t.max),
                    "shop_percent": super::state::number(t.percent_bp),
                    "user_percent": super::state::number(0),
                    "currency": "RUB",
                    "status": if t.enabled { "enabled" } else { "disabled" },
                })
            })
            .collect();
        Ok(json!({ "tariffs": tariffs }))
    }

    fn balance(&self, request: &Request) -> Result<Value, MoruneError> {
        let user_id = segment(request, 2);
        if !is_uuid(&user_id) {
            return Err(not_uuid("user_id"));
        }
        self.user_auth(request, &user_id.to_ascii_lowercase())?;
        Ok(self.sandbox.with(|shop, _| shop.balance_json()))
    }

    fn create_payoff(&self, request: &Request, input: &Input) -> Result<Value, MoruneError> {
        let user_id = input.required_uuid("user_id")?;
        self.user_auth(request, &user_id)?;
        let service_code = input.required_string("service", 255)?;
        let service = payout_service(&service_code).ok_or_else(|| not_in("service"))?;
        let wallet = input.required_string("wallet_to", 255)?;
        let amount = input.amount("amount")?;
        let order_id = input.string("order_id", 255)?;
        let comment = input.string("comment", 255)?;
        let hook_url = input.url("hook_url", 500)?;
        let subtract = match input.integer("subtract")? {
            None | Some(2) => Subtract::Amount,
            Some(1) => Subtract::Balance,
            Some(_) => return Err(not_in("subtract")),
        };
        let sbp_bank = match input.get("payoff_data") {
            None => None,
            Some(Value::Object(data)) => match data.get("sbp_bank_type") {
                None | Some(Value::Null) => None,
                Some(Value::String(bank)) => Some(bank.clone()),
                Some(other) => Some(other.to_string()),
            },
            Some(_) => {
                return Err(MoruneError::invalid(
                    "Поле payoff data должно быть массивом.",
                ))
            }
        };
        if service.service == "sbp" {
            match &sbp_bank {
                None => return Err(required("payoff_data.sbp_bank_type")),
                Some(bank) if !SBP_BANKS.iter().any(|(id, _)| id == bank) => {
                    return Err(not_in("payoff_data.sbp_bank_type"))
                }
                Some(_) => {}
            }
        }
        if !(service.min..=service.max).contains(&amount) {
            return Err(MoruneError::new(
                403,
                "Сумма не входит в допустимый диапазон для выбранного способа выплаты.",
            ));
        }
        let new = NewPayoff {
            service: service.service,
            wallet,
            amount,
            order_id,
            comment,
            hook_url,
            subtract,
            sbp_bank,
        };
        self.sandbox.with(|shop, now| {
            if let Some(order) = &new.order_id {
                if let Some(existing) = shop.payoff_by_order(order) {
                    return match shop.duplicates {
                        Duplicates::Existing => Ok(json!({
                            "payoff_id": existing.id,
                            "amount_withdraw_rub": super::state::number(existing.withdraw),
                            "balance": super::state::number(shop.active + shop.frozen),
                        })),
                        Duplicates::Reject => Err(MoruneError::invalid(
                            "Такое значение поля order id уже существует.",
                        )),
                    };
                }
            }
            let payoff = shop.create_payoff(new, service, now)?;
            Ok(json!({
                "payoff_id": payoff.id,
                "amount_withdraw_rub": super::state::number(payoff.withdraw),
                "balance": super::state::number(shop.active + shop.frozen),
            }))
        })
    }

    fn payoff_info(&self, request: &Request, input: &Input) -> Result<Value, MoruneError> {
        let user_id = input.required_uuid("user_id")?;
        self.user_auth(request, &user_id)?;
        let id = input.uuid("id")?;
        let order_id = input.string("order_id", 255)?;
        if id.is_none() && order_id.is_none() {
            return Err(MoruneError::invalid(
                "Поле id обязательно для заполнения, когда order id не указано.",
            ));
        }
        self.sandbox.with(|shop, _| {
            let found = match (&id, &order_id) {
                (Some(id), _) => shop.payoffs.get(id),
                (None, Some(order)) => shop.payoff_by_order(order),
                (None, None) => None,
            };
            found
                .filter(|p| order_id.is_none() || p.new.order_id == order_id)
                .map(super::state::Payoff::info_json)
                .ok_or_else(|| MoruneError::new(404, "Выплата не найдена."))
        })
    }

    fn sbp_banks(&self, request: &Request, input: &Input) -> Result<Value, MoruneError> {
        let user_id = input.required_uuid("user_id")?;
        self.user_auth(request, &user_id)?;
        let banks: Vec<Value> = SBP_BANKS
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect();
        Ok(json!({ "banks": banks }))
    }
}

/// A known path with another method: 405 in the envelope.
#[derive(Debug)]
pub(crate) struct MethodNotAllowed;

impl Respond for MethodNotAllowed {
    fn respond(&self, _request: &Request) -> Reply {
        fail(&MoruneError::new(
            405,
            "Метод не поддерживается для этого адреса.",
        ))
    }
}

/// Any other path: 404 in the envelope.
#[derive(Debug)]
pub(crate) struct NotFound;

impl Respond for NotFound {
    fn respond(&self, _request: &Request) -> Reply {
        fail(&MoruneError::new(404, "Маршрут не найден."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_kopecks() {
        assert_eq!(parse_minor("10.28"), Some(1028));
        assert_eq!(parse_minor("10.5"), Some(1050));
        assert_eq!(parse_minor("100"), Some(10_000));
        assert_eq!(parse_minor("17.230"), Some(1723));
        assert_eq!(parse_minor("17.234"), None);
        assert_eq!(parse_minor("-1"), None);
        assert_eq!(parse_minor("1e3"), None);
        assert_eq!(parse_minor(""), None);
    }

    #[test]
    fn uuids_are_checked_by_shape() {
        assert!(is_uuid("0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13"));
        assert!(!is_uuid("0b7f3c2e5a614d8e9c1a2f4e6d8b0a13"));
        assert!(!is_uuid("0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a1z"));
    }
}

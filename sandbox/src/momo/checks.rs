//! Answers and the checks every MoMo request goes through: subscription key, bearer token,
//! target environment, `X-Reference-Id`, `X-Callback-Url`, amounts and texts.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use wiremock::Request;

use crate::Reply;

use super::seed;
use super::state::{Momo, Product};
use crate::request::{self, header};

/// The exact `Content-Type` of every JSON answer (no space: some clients compare it exactly).
pub(crate) const JSON: &str = "application/json;charset=utf-8";

/// APIM's answer for a wrong subscription key.
pub(crate) const INVALID_KEY: &str =
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";
/// APIM's answer for a missing subscription key.
pub(crate) const MISSING_KEY: &str =
    "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
/// APIM's JWT check failing (unknown, expired or wrong-product token).
pub(crate) const INVALID_TOKEN: &str = "Unauthorized. Access token is missing or invalid.";

/// An error answer: status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl ApiError {
    /// `{"code": …, "message": …}`, the documented error shape.
    pub(crate) fn coded(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: json!({ "code": code, "message": message.into() }),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::coded(400, "BAD_REQUEST", message)
    }

    pub(crate) fn not_found() -> Self {
        Self::coded(
            404,
            "RESOURCE_NOT_FOUND",
            "Requested resource was not found.",
        )
    }

    pub(crate) fn duplicate() -> Self {
        ApiError {
            status: 409,
            body: json!({
                "message": "Duplicated reference id. Creation of resource failed.",
                "code": "RESOURCE_ALREADY_EXIST",
            }),
        }
    }

    pub(crate) fn invalid_currency() -> Self {
        Self::coded(500, "INVALID_CURRENCY", "Currency not supported.")
    }

    /// The API manager's own `{"statusCode", "message"}` shape.
    pub(crate) fn apim(status: u16, message: &str) -> Self {
        ApiError {
            status,
            body: json!({ "statusCode": status, "message": message }),
        }
    }

    /// The token endpoints' `{"error": …}` shape.
    pub(crate) fn oauth(status: u16, error: &str) -> Self {
        ApiError {
            status,
            body: json!({ "error": error }),
        }
    }
}

/// The body of an injected status fault: the documented `{code, message}` shape.
pub(crate) fn error_body_for(status: u16) -> Value {
    let (code, message) = match status {
        400 => (
            "BAD_REQUEST",
            "Bad request, e.g. invalid data was sent in the request.",
        ),
        401 => ("UNAUTHORIZED", INVALID_TOKEN),
        404 => ("RESOURCE_NOT_FOUND", "Requested resource was not found."),
        405 => (
            "METHOD_NOT_ALLOWED",
            "The method is not allowed for this resource.",
        ),
        408 => ("REQUEST_TIMEOUT", "The request was not received in time."),
        409 => (
            "RESOURCE_ALREADY_EXIST",
            "Duplicated reference id. Creation of resource failed.",
        ),
        413 => ("PAYLOAD_TOO_LARGE", "The request body is too large."),
        414 => ("URI_TOO_LONG", "The request URI is too long."),
        431 => (
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            "The request headers are too large.",
        ),
        429 => (
            "TOO_MANY_REQUESTS",
            "Rate limit is exceeded. Try again later.",
        ),
        503 => ("SERVICE_UNAVAILABLE", "Service is unavailable."),
        _ => (
            "INTERNAL_PROCESSING_ERROR",
            "An internal error occurred while processing.",
        ),
    };
    json!({ "code": code, "message": message })
}

pub(crate) fn json_response(status: u16, body: &Value) -> Reply {
    Reply::new(status).set_body_raw(body.to_string().into_bytes(), JSON)
}

pub(crate) fn empty(status: u16) -> Reply {
    Reply::new(status)
}

pub(crate) fn respond_with(result: Result<Reply, ApiError>) -> Reply {
    result.unwrap_or_else(|error| json_response(error.status, &error.body))
}

/// `segment`-th piece of the path (0 = the first after the leading slash).
pub(crate) fn path_segment(request: &Request, index: usize) -> String {
    request
        .url
        .path()
        .trim_start_matches('/')
        .split('/')
        .nth(index)
        .unwrap_or_default()
        .to_owned()
}

/// The product named by the path's first segment.
pub(crate) fn product_of(request: &Request) -> Option<Product> {
    Product::from_name(&path_segment(request, 0))
}

/// `Ocp-Apim-Subscription-Key` must be `product`'s key (`None`: any product's key, as for
/// provisioning).
pub(crate) fn subscription(
    momo: &Momo,
    request: &Request,
    product: Option<Product>,
) -> Result<(), ApiError> {
    let key = header(request, "ocp-apim-subscription-key")
        .ok_or_else(|| ApiError::apim(401, MISSING_KEY))?;
    let keys = &momo.credentials.keys;
    let valid = match product {
        Some(product) => keys[product.index()] == key,
        None => keys.iter().any(|k| k == key),
    };
    if valid {
        Ok(())
    } else {
        Err(ApiError::apim(401, INVALID_KEY))
    }
}

/// `Authorization: Bearer <token>` (scheme in any case) minted for `product` and not
/// expired; returns the token's API user. A token in use moves to the back of the token
/// cap's queue (`Momo::token_used`).
pub(crate) fn bearer(
    momo: &mut Momo,
    request: &Request,
    product: Product,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let token = request::bearer(request).ok_or_else(|| ApiError::apim(401, INVALID_TOKEN))?;
    let user = match momo.tokens.get(token) {
        Some(t) if t.product == product && t.consent_of.is_none() && now < t.expires_at => {
            t.api_user.clone()
        }
        _ => return Err(ApiError::apim(401, INVALID_TOKEN)),
    };
    momo.token_used(token, now);
    Ok(user)
}

/// `Authorization: Basic base64(api_user:api_key)` (scheme in any case); returns the API
/// user. A header that is not Basic → 401 `invalid_client`; not decodable, or wrong user or
/// key → 500 `login_failed`.
pub(crate) fn basic(momo: &Momo, request: &Request) -> Result<String, ApiError> {
    let (user, key) = request::basic(request)
        .ok_or_else(|| ApiError::oauth(401, "invalid_client"))?
        .ok_or_else(|| ApiError::oauth(500, "login_failed"))?;
    match momo.users.get(&user) {
        Some(data) if data.api_key.as_deref() == Some(key.as_str()) => Ok(user),
        _ => Err(ApiError::oauth(500, "login_failed")),
    }
}

/// `X-Target-Environment` must be `sandbox`.
pub(crate) fn target_environment(request: &Request) -> Result<(), ApiError> {
    match header(request, "x-target-environment") {
        Some(seed::TARGET_ENVIRONMENT) => Ok(()),
        _ => Err(ApiError::coded(
            500,
            "NOT_ALLOWED_TARGET_ENVIRONMENT",
            "Access to target environment is forbidden.",
        )),
    }
}

/// Whether `value` is a UUID version 4 in canonical hyphenated form (hex in either case).
pub(crate) fn is_uuid_v4(value: &str) -> bool {
    value.len() == 36
        && uuid::Uuid::try_parse(value)
            .is_ok_and(|id| id.get_version_num() == 4 && id.get_variant() == uuid::Variant::RFC4122)
}

/// `X-Reference-Id`: present and a UUID v4, else 400.
pub(crate) fn reference_id(request: &Request) -> Result<String, ApiError> {
    match header(request, "x-reference-id") {
        Some(id) if is_uuid_v4(id.trim()) => Ok(id.trim().to_owned()),
        Some(_) => Err(ApiError::bad_request(
            "X-Reference-Id must be a UUID version 4.",
        )),
        None => Err(ApiError::bad_request("Missing header X-Reference-Id.")),
    }
}

/// `X-Callback-Url`: absent → none; present but empty or not a URL → 400; host other than
/// the API user's `providerCallbackHost` → 500 `INVALID_CALLBACK_URL_HOST`.
pub(crate) fn callback_url(
    momo: &Momo,
    request: &Request,
    api_user: &str,
) -> Result<Option<String>, ApiError> {
    let Some(raw) = request.headers.get("x-callback-url") else {
        return Ok(None);
    };
    let value = raw.to_str().unwrap_or_default().trim();
    if value.is_empty() {
        return Err(ApiError::bad_request("X-Callback-Url must not be empty."));
    }
    let url = request::web_url(value)
        .ok_or_else(|| ApiError::bad_request("X-Callback-Url is not a valid URL."))?;
    let registered = momo
        .users
        .get(api_user)
        .map(|user| user.callback_host.as_str())
        .unwrap_or_default();
    match url.host_str() {
        Some(host) if host.eq_ignore_ascii_case(registered) => Ok(Some(value.to_owned())),
        _ => Err(ApiError::coded(
            500,
            "INVALID_CALLBACK_URL_HOST",
            "Callback URL host does not match the registered providerCallbackHost.",
        )),
    }
}

/// The checks of a business call: subscription key, bearer token of `product`, target
/// environment; returns the API user.
pub(crate) fn business(
    momo: &mut Momo,
    request: &Request,
    product: Product,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    subscription(momo, request, Some(product))?;
    let user = bearer(momo, request, product, now)?;
    target_environment(request)?;
    Ok(user)
}

/// An amount: a decimal string with at most two decimals, more than zero; returns cents.
pub(crate) fn amount(value: Option<&Value>, field: &str) -> Result<(String, i64), ApiError> {
    let text = value
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request(format!("{field} must be a decimal string.")))?;
    let invalid = || ApiError::bad_request(format!("{field} is not a valid amount."));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 13
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || (text.contains('.') && fraction.is_empty())
    {
        return Err(invalid());
    }
    let whole: i64 = whole.parse().map_err(|_| invalid())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
    let total = whole.saturating_mul(100).saturating_add(cents);
    if total <= 0 {
        return Err(invalid());
    }
    Ok((text.to_owned(), total))
}

/// A cents amount as MoMo writes balances: `"1000"`, `"1000.5"`, `"1000.05"`.
pub(crate) fn format_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    match cents % 100 {
        0 => format!("{sign}{}", cents / 100),
        n if n % 10 == 0 => format!("{sign}{}.{}", cents / 100, n / 10),
        n => format!("{sign}{}.{n:02}", cents / 100),
    }
}

/// An optional free text (`payerMessage`, `payeeNote`, …): a string of at most 160
/// characters without `'` or `&`.
pub(crate) fn text(body: &Value, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => {
            if text.chars().count() > 160 {
                Err(ApiError::bad_request(format!(
                    "{field} must be at most 160 characters."
                )))
            } else if text.contains(['\'', '&']) {
                Err(ApiError::bad_request(format!(
                    "{field} contains a character that is not allowed."
                )))
            } else {
                Ok(text.clone())
            }
        }
        Some(_) => Err(ApiError::bad_request(format!("{field} must be a string."))),
    }
}

/// An optional plain string field.
pub(crate) fn string(body: &Value, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(ApiError::bad_request(format!("{field} must be a string."))),
    }
}

/// The request body as a JSON object, else 400.
pub(crate) fn json_body(request: &Request) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        )),
    }
}

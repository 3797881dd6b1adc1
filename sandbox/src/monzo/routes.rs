//! What every Monzo route shares: JSON answers, the error shape, required parameters, bearer
//! auth, and the answers for unknown paths (404) and wrong verbs (405). Parsing itself
//! ([`Params`], [`bearer`]) is the sandbox's shared [`crate::request`].

use serde::Serialize;
use serde_json::{json, Value};
use wiremock::Request;

use crate::{Reply, Respond};

use super::state::{ApiError, Bank};
use chrono::{DateTime, Utc};

/// A JSON response with `Content-Type: application/json`.
pub(crate) fn json_response<T: Serialize>(status: u16, body: &T) -> Reply {
    match serde_json::to_vec(body) {
        Ok(bytes) => Reply::new(status).set_body_raw(bytes, "application/json"),
        Err(_) => error_response(&ApiError::new(
            500,
            "internal_service",
            "Internal server error",
        )),
    }
}

/// `{"code", "message"}`; 401 answers also carry the OAuth `error` and `error_description`.
pub(crate) fn error_json(error: &ApiError) -> Value {
    if error.status == 401 {
        json!({
            "code": error.code,
            "error": "invalid_token",
            "error_description": error.message,
            "message": error.message,
        })
    } else {
        json!({ "code": error.code, "message": error.message })
    }
}

pub(crate) fn error_response(error: &ApiError) -> Reply {
    Reply::new(error.status).set_body_raw(
        error_json(error).to_string().into_bytes(),
        "application/json",
    )
}

pub(crate) fn respond_with(result: Result<Reply, ApiError>) -> Reply {
    result.unwrap_or_else(|error| error_response(&error))
}

/// `{}`, the body of empty successes.
pub(crate) fn empty() -> Reply {
    json_response(200, &json!({}))
}

/// The error body for a status (used for injected status faults), in the API's shape.
pub(crate) fn error_body_for(status: u16) -> Value {
    let (code, message) = match status {
        400 => ("bad_request", "Bad request"),
        401 => ("unauthorized.bad_access_token", "Access token is not valid"),
        403 => (
            "forbidden.insufficient_permissions",
            "Access forbidden due to insufficient permissions",
        ),
        404 => ("not_found", "Not found"),
        405 => ("method_not_allowed", "Method not allowed"),
        406 => ("bad_response", "Not acceptable"),
        408 => ("request_timeout", "The request was not received in time"),
        412 => ("precondition_failed", "Precondition failed"),
        413 => ("request_entity_too_large", "The request body is too large"),
        414 => ("request_uri_too_long", "The request URI is too long"),
        429 => ("rate_limited", "Too many requests"),
        431 => (
            "request_header_fields_too_large",
            "The request headers are too large",
        ),
        503 => ("unavailable", "Service unavailable, try again later"),
        504 => ("timeout", "Gateway timeout"),
        _ => ("internal_service", "Internal server error"),
    };
    error_json(&ApiError::new(status, code, message))
}

use crate::request::{bearer, Params};

/// Monzo's rules on top of the shared [`Params`].
pub(crate) trait MonzoParams {
    /// The non-empty value of `name`, or 400 `bad_request.missing_param.<name>`.
    fn required(&self, name: &str) -> Result<&str, ApiError>;

    /// Whether `expand[]=merchant` or `expand=merchant` was sent.
    fn expands_merchant(&self) -> bool;
}

impl MonzoParams for Params {
    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.non_empty(name)
            .ok_or_else(|| ApiError::missing_param(name))
    }

    fn expands_merchant(&self) -> bool {
        self.all("expand[]")
            .chain(self.all("expand"))
            .any(|value| value == "merchant")
    }
}

/// The grant of the request's access token (approved or not), or the 401 to answer.
pub(crate) fn authenticate(
    bank: &Bank,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let token = bearer(request).ok_or_else(|| {
        ApiError::new(
            401,
            "unauthorized.bad_access_token",
            "Authorization header with a bearer access token is required",
        )
    })?;
    bank.authenticate(token, now)
}

/// As [`authenticate`], and the user must have approved access in the app (else 403
/// `forbidden.insufficient_permissions`).
pub(crate) fn authorize(
    bank: &Bank,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let grant = authenticate(bank, request, now)?;
    match bank.approved(grant) {
        Some(_) => Ok(grant),
        None => Err(ApiError::new(
            403,
            "forbidden.insufficient_permissions",
            "Access forbidden due to insufficient permissions: approve access in the Monzo app",
        )),
    }
}

/// A known account id from a parameter, or 400 `bad_request.bad_param.<name>`.
pub(crate) fn account_param(bank: &Bank, params: &Params, name: &str) -> Result<usize, ApiError> {
    let id = params.required(name)?;
    bank.account_index(id)
        .ok_or_else(|| ApiError::bad_param(name, "no such account"))
}

/// Path segment number `index` (0-based; e.g. 1 is the id in `/webhooks/{id}`).
pub(crate) fn path_segment(request: &Request, index: usize) -> &str {
    request
        .url
        .path_segments()
        .and_then(|mut segments| segments.nth(index))
        .unwrap_or_default()
}

/// Any path the API does not have: 404.
#[derive(Debug)]
pub(crate) struct NotFound;

impl Respond for NotFound {
    fn respond(&self, _request: &Request) -> Reply {
        error_response(&ApiError::new(404, "not_found", "Not found"))
    }
}

/// A known path with the wrong verb: 405.
#[derive(Debug)]
pub(crate) struct MethodNotAllowed;

impl Respond for MethodNotAllowed {
    fn respond(&self, request: &Request) -> Reply {
        error_response(&ApiError::new(
            405,
            "method_not_allowed",
            format!("Method {} is not allowed here", request.method),
        ))
    }
}

//! Monobank's error answers → [`bankkit_core::Error`] (monobank.md §6, §12.6).
//!
//! The personal API answers errors as `{"errorDescription": "..."}`. In front of it sits a
//! firewall that answers bursts with a 403 HTML page instead. The wording of the bank's
//! messages comes from third-party code (the facts file marks it unverified), so matching
//! on text is limited to the few phrases seen there and everything else falls back on the
//! status code.
//!
//! The acquiring API answers `{"errCode": "...", "errText": "..."}`: the mapping goes by
//! status and `errCode`, never by `errText` (the bank says it is informational only), and
//! keeps both in the error. [`PaymentFailureCode`] reads the *payment* failure codes of an
//! invoice's status (`errCode` of a failed payment, §6.3).

use std::time::Duration;

use bankkit_core::http::ApiResponse;
use bankkit_core::payment::FailureReason;
use bankkit_core::{Error, ForbiddenReason};

use crate::wire::acquiring::{AcquiringErrorBody, AcquiringErrorCode};
use crate::wire::ErrorBody;

/// How long to wait after a 429 that names no delay: the documented limit is one request
/// per 60 s (monobank.md §7; no `Retry-After` is documented).
pub(crate) const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// The longest piece of a non-JSON body quoted in an error message.
const QUOTE_LIMIT: usize = 200;

/// The core error for a non-2xx answer of the personal API.
pub(crate) fn map_error(response: &ApiResponse) -> Error {
    error_for(
        response.status.as_u16(),
        response.retry_after(),
        &response.body,
    )
}

/// The core error for `status` with `body`; `retry_after` is the answer's `Retry-After`.
fn error_for(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Error {
    if status == 429 {
        return Error::rate_limited(retry_after.or(Some(DEFAULT_RATE_LIMIT_WAIT)));
    }
    let Ok(ErrorBody { error_description }) = serde_json::from_slice::<ErrorBody>(body) else {
        return without_error_body(status, body);
    };
    let message = error_description;
    let lower = message.to_lowercase();
    match status {
        401 => Error::Unauthorized { message },
        403 if lower.contains("x-token") => Error::Unauthorized { message },
        403 if lower.contains("permission") => Error::Forbidden {
            reason: ForbiddenReason::InsufficientPermissions,
            message,
        },
        403 => Error::Forbidden {
            reason: ForbiddenReason::Other(message.clone()),
            message,
        },
        404 => Error::NotFound { message },
        400 if lower.contains("invalid account") => Error::NotFound { message },
        400..=499 => Error::InvalidRequest { message },
        _ => Error::Provider {
            status,
            code: None,
            message,
        },
    }
}

/// The core error for a non-2xx answer of a signed provider API call: as
/// [`map_error`], except that a 401 without an error body names the signature, not the
/// `X-Token` (401 on the access check is handled by that call itself), and that a 403
/// with an error body is `Unauthorized` unless it speaks of a permission: on a signed call
/// the bank's 403 ("Forbidden" in the spec, text undocumented) refuses the key, the
/// signature or the `X-Time`, which the caller fixes as credentials. The firewall's HTML
/// 403 stays `Forbidden` (`Blocked`).
pub(crate) fn map_provider_error(response: &ApiResponse) -> Error {
    let body = serde_json::from_slice::<ErrorBody>(&response.body);
    match (response.status.as_u16(), body) {
        (401, Err(_)) => Error::Unauthorized {
            message: "the bank refused the signed request (X-Key-Id, X-Sign, or a request id \
                      the customer has not granted)"
                .to_owned(),
        },
        (403, Ok(ErrorBody { error_description }))
            if !error_description.to_lowercase().contains("permission") =>
        {
            Error::Unauthorized {
                message: error_description,
            }
        }
        _ => map_error(response),
    }
}

/// `error` with every occurrence of `secret` in its messages replaced by `[REDACTED]`:
/// for answers to calls made with a customer's request id, in case the bank quotes it.
pub(crate) fn redact(error: Error, secret: &str) -> Error {
    if secret.is_empty() {
        return error;
    }
    let clean = |text: String| text.replace(secret, "[REDACTED]");
    match error {
        Error::Unauthorized { message } => Error::Unauthorized {
            message: clean(message),
        },
        Error::Forbidden { reason, message } => Error::Forbidden {
            reason: match reason {
                ForbiddenReason::Other(text) => ForbiddenReason::Other(clean(text)),
                other => other,
            },
            message: clean(message),
        },
        Error::NotFound { message } => Error::NotFound {
            message: clean(message),
        },
        Error::InvalidRequest { message } => Error::InvalidRequest {
            message: clean(message),
        },
        Error::Conflict { message } => Error::Conflict {
            message: clean(message),
        },
        Error::Provider {
            status,
            code,
            message,
        } => Error::Provider {
            status,
            code,
            message: clean(message),
        },
        other => other,
    }
}

/// Answers without the JSON error body: the firewall's block page, proxies, outages.
fn without_error_body(status: u16, body: &[u8]) -> Error {
    match status {
        401 => Error::Unauthorized {
            message: "the bank refused the X-Token".to_owned(),
        },
        403 => Error::Forbidden {
            reason: ForbiddenReason::Blocked,
            message: "403 without a JSON error body: the bank's firewall blocks this address \
                      (it lifts after about 24 hours)"
                .to_owned(),
        },
        404 => Error::NotFound {
            message: quote(status, body),
        },
        400..=499 => Error::InvalidRequest {
            message: quote(status, body),
        },
        _ => Error::Provider {
            status,
            code: None,
            message: quote(status, body),
        },
    }
}

/// The start of a body as text, for messages.
fn quote(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The core error for a non-2xx answer of the acquiring API (`/api/merchant/...`).
///
/// | answer | core error |
/// |---|---|
/// | 403 `FORBIDDEN` (invalid `X-Token`) | `Unauthorized` |
/// | 403 without a JSON body (the firewall) | `Forbidden` (`Blocked`) |
/// | 404 `NOT_FOUND` / `1004`, 400 `TOKEN_NOT_FOUND` | `NotFound` |
/// | 429 `TMR` | `RateLimited` (with `Retry-After` when sent) |
/// | 400 `WRONG_CANCEL_AMOUNT`, `ORDER_IN_PROGRESS`, `HOLD_INVOICE_NOT_FINALIZED`; 500 `CANCEL_NOT_AVAILABLE` | `Conflict` |
/// | other 4xx (`BAD_REQUEST`, `1001`, `INVALID_MERCHANT_PAYM_INFO`, 405) | `InvalidRequest` |
/// | 500 `INTERNAL_ERROR`, other 5xx | `Provider` (status, `errCode`, `errText`) |
///
/// Messages read `"<errCode>: <errText>"`, so both are kept.
pub(crate) fn map_acquiring_error(response: &ApiResponse) -> Error {
    acquiring_error_for(response.status.as_u16(), &response.body)
}

/// The core error for an acquiring answer `status` with `body`.
fn acquiring_error_for(status: u16, body: &[u8]) -> Error {
    let Ok(AcquiringErrorBody { err_code, err_text }) =
        serde_json::from_slice::<AcquiringErrorBody>(body)
    else {
        if status == 429 {
            return Error::rate_limited(None);
        }
        return without_error_body(status, body);
    };
    let message = if err_text.trim().is_empty() {
        err_code.as_str().to_owned()
    } else {
        format!("{err_code}: {err_text}")
    };
    match (status, &err_code) {
        (429, _) => Error::rate_limited(None),
        (401, _) | (403, AcquiringErrorCode::Forbidden) => Error::Unauthorized { message },
        (403, _) => Error::Forbidden {
            reason: ForbiddenReason::Other(message.clone()),
            message,
        },
        (404, _) | (400, AcquiringErrorCode::TokenNotFound) => Error::NotFound { message },
        (
            _,
            AcquiringErrorCode::WrongCancelAmount
            | AcquiringErrorCode::OrderInProgress
            | AcquiringErrorCode::HoldInvoiceNotFinalized
            | AcquiringErrorCode::CancelNotAvailable,
        ) => Error::Conflict { message },
        (400..=499, _) => Error::InvalidRequest { message },
        _ => Error::Provider {
            status,
            code: Some(err_code.as_str().to_owned()),
            message: err_text,
        },
    }
}

/// Who can fix a payment failure, as the bank's table says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureContact {
    /// The bank that issued the card.
    Issuer,
    /// monobank (merchant setup, the bank's own failures).
    Monobank,
    /// The integration: the request itself was wrong.
    Api,
    /// The payer.
    Payer,
}

/// A payment failure code from an invoice's status or webhook (`errCode`, monobank.md
/// §6.3), such as `"59"` (insufficient funds) or `"8002"` (the payer cancelled).
///
/// Known codes carry the core [`FailureReason`], an English description and who to
/// contact; unknown codes are kept as they are and map to [`FailureReason::Other`].
///
/// ```
/// use bankkit_core::payment::FailureReason;
/// use bankkit_monobank::PaymentFailureCode;
///
/// let code = PaymentFailureCode::new("59");
/// assert_eq!(code.reason(), FailureReason::InsufficientFunds);
/// assert_eq!(PaymentFailureCode::new("8002").reason(), FailureReason::PayerDeclined);
/// assert_eq!(PaymentFailureCode::new("77777").reason(), FailureReason::Other);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PaymentFailureCode(String);

impl PaymentFailureCode {
    /// Wraps a code as sent (surrounding spaces removed).
    pub fn new(code: impl Into<String>) -> Self {
        let code = code.into();
        Self(code.trim().to_owned())
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The core reason; [`FailureReason::Other`] for a code not in the bank's table.
    pub fn reason(&self) -> FailureReason {
        self.entry()
            .map_or(FailureReason::Other, |(_, reason, _, _)| *reason)
    }

    /// What the code means, in English, for known codes.
    pub fn description(&self) -> Option<&'static str> {
        self.entry().map(|(_, _, text, _)| *text)
    }

    /// Who can fix it, for known codes.
    pub fn contact(&self) -> Option<FailureContact> {
        self.entry().map(|(_, _, _, contact)| *contact)
    }

    /// Whether the bank's table lists the code.
    pub fn is_known(&self) -> bool {
        self.entry().is_some()
    }

    fn entry(&self) -> Option<&'static FailureEntry> {
        FAILURE_CODES.iter().find(|(code, ..)| *code == self.0)
    }
}

impl std::fmt::Display for PaymentFailureCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type FailureEntry = (&'static str, FailureReason, &'static str, FailureContact);

/// The bank's table of payment failure codes ("Помилки в процесі оплати", acquiring
/// OpenAPI `v2412`). Where the table lists a code twice, the first reading is kept.
const FAILURE_CODES: &[FailureEntry] = {
    use FailureContact::{Api, Issuer, Monobank, Payer};
    use FailureReason::{
        Blocked, InsufficientFunds, Invalid, LimitExceeded, PartyNotFound, PayerDeclined,
        ProviderError,
    };
    &[
        ("6", Blocked, "blocked by the card issuer", Issuer),
        ("40", Blocked, "card lost; spending restricted", Issuer),
        ("41", Blocked, "card lost; spending restricted", Issuer),
        ("50", Blocked, "card spending restricted", Issuer),
        ("51", Blocked, "card expired", Issuer),
        ("52", Invalid, "wrong card number", Issuer),
        ("54", ProviderError, "technical failure", Issuer),
        ("55", Blocked, "declined by the card issuer", Issuer),
        (
            "56",
            Blocked,
            "the card type does not support this payment",
            Issuer,
        ),
        ("57", Blocked, "transaction not supported", Issuer),
        ("58", Blocked, "card restricted for purchases", Issuer),
        ("59", InsufficientFunds, "insufficient funds", Issuer),
        (
            "60",
            LimitExceeded,
            "card's spending count limit exceeded",
            Issuer,
        ),
        (
            "61",
            LimitExceeded,
            "card's internet limit exceeded",
            Issuer,
        ),
        ("62", Blocked, "PIN tries exceeded", Issuer),
        (
            "63",
            LimitExceeded,
            "card's internet limit exceeded",
            Issuer,
        ),
        ("67", ProviderError, "merchant setup error", Monobank),
        ("68", Blocked, "declined by the card scheme", Issuer),
        ("71", Blocked, "blocked by the card issuer", Issuer),
        ("72", Blocked, "blocked by the card issuer", Issuer),
        ("73", ProviderError, "routing error", Monobank),
        ("74", ProviderError, "merchant setup error", Monobank),
        ("75", Blocked, "blocked by the card issuer", Issuer),
        ("80", Invalid, "wrong CVV", Issuer),
        ("81", Invalid, "wrong CVV2", Issuer),
        (
            "82",
            Blocked,
            "transaction not allowed under these conditions",
            Issuer,
        ),
        (
            "83",
            LimitExceeded,
            "too many payment attempts with the card",
            Issuer,
        ),
        ("84", PayerDeclined, "wrong 3-D Secure CAVV", Monobank),
        ("98", ProviderError, "merchant setup error", Monobank),
        ("1000", ProviderError, "internal error", Monobank),
        ("1001", Invalid, "bad request", Api),
        ("1005", ProviderError, "internal error", Monobank),
        ("1010", ProviderError, "internal error", Monobank),
        ("1014", Invalid, "full card details are needed", Payer),
        ("1034", PayerDeclined, "3-D Secure check failed", Issuer),
        ("1035", PayerDeclined, "3-D Secure check failed", Issuer),
        ("1036", ProviderError, "internal error", Monobank),
        ("1044", ProviderError, "merchant setup error", Monobank),
        ("1045", PayerDeclined, "3-D Secure check failed", Issuer),
        ("1053", ProviderError, "merchant setup error", Monobank),
        ("1054", PayerDeclined, "3-D Secure check failed", Monobank),
        ("1056", Blocked, "only cards of Ukrainian banks", Monobank),
        ("1064", Blocked, "only Mastercard or Visa cards", Issuer),
        ("1066", ProviderError, "merchant setup error", Monobank),
        (
            "1077",
            Invalid,
            "amount below the card scheme's minimum",
            Api,
        ),
        ("1080", Invalid, "wrong card expiry", Issuer),
        ("1090", PartyNotFound, "client not found", Monobank),
        ("1115", ProviderError, "merchant setup error", Monobank),
        ("1121", ProviderError, "merchant setup error", Monobank),
        (
            "1145",
            Invalid,
            "below the minimum transfer amount",
            Monobank,
        ),
        ("1165", Blocked, "blocked by the card issuer", Issuer),
        ("1187", Invalid, "the recipient's name is required", Api),
        ("1193", Blocked, "blocked by the card issuer", Issuer),
        (
            "1194",
            Blocked,
            "works only with cards of other banks",
            Monobank,
        ),
        ("1200", Invalid, "CVV required", Issuer),
        (
            "1405",
            Blocked,
            "the card scheme restricted transfers",
            Issuer,
        ),
        ("1406", Blocked, "card blocked by risk management", Issuer),
        ("1407", Blocked, "blocked by risk management", Monobank),
        ("1408", Blocked, "blocked by the card issuer", Issuer),
        (
            "1411",
            Blocked,
            "temporarily restricted for hryvnia cards",
            Monobank,
        ),
        ("1413", Blocked, "blocked by the card issuer", Issuer),
        ("1419", Invalid, "wrong card expiry", Issuer),
        ("1420", ProviderError, "internal error", Monobank),
        ("1421", PayerDeclined, "3-D Secure check failed", Issuer),
        ("1422", PayerDeclined, "error during 3-D Secure", Issuer),
        ("1425", PayerDeclined, "error during 3-D Secure", Issuer),
        ("1428", Blocked, "blocked by the card issuer", Issuer),
        ("1429", PayerDeclined, "3-D Secure check failed", Issuer),
        ("1433", Invalid, "check the recipient's name", Monobank),
        ("1436", Blocked, "card not served", Monobank),
        (
            "1439",
            Blocked,
            "not allowed under the eVidnovlennia programme",
            Monobank,
        ),
        (
            "1458",
            PayerDeclined,
            "declined at the 3-D Secure step",
            Issuer,
        ),
        ("8001", PayerDeclined, "the payment link expired", Payer),
        ("8002", PayerDeclined, "the payer cancelled", Payer),
        ("8003", ProviderError, "technical failure", Monobank),
        ("8004", PayerDeclined, "3-D Secure problem", Issuer),
        (
            "8005",
            LimitExceeded,
            "the merchant's acceptance limits were exceeded",
            Monobank,
        ),
        (
            "8006",
            LimitExceeded,
            "the merchant's acceptance limits were exceeded",
            Monobank,
        ),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Error {
        error_for(status, None, body.as_bytes())
    }

    fn json(description: &str) -> String {
        serde_json::json!({ "errorDescription": description }).to_string()
    }

    fn signed_answer(status: u16, body: &str) -> Error {
        let response = ApiResponse::new(
            http::StatusCode::from_u16(status).unwrap(),
            http::HeaderMap::new(),
            body.as_bytes().to_vec(),
        );
        map_provider_error(&response)
    }

    #[test]
    fn a_signed_calls_403_is_unauthorized_unless_it_is_a_permission_or_the_firewall() {
        let e = signed_answer(403, &json("Request time is out of range"));
        assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
        let e = signed_answer(403, &json("Permission denied"));
        assert!(
            matches!(
                e,
                Error::Forbidden {
                    reason: ForbiddenReason::InsufficientPermissions,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = signed_answer(403, "<html><body>blocked</body></html>");
        assert!(
            matches!(
                e,
                Error::Forbidden {
                    reason: ForbiddenReason::Blocked,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = signed_answer(401, "");
        assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    }

    #[test]
    fn unknown_token_is_unauthorized_on_401_and_403() {
        let e = answer(
            401,
            &json("Missing one of required headers 'X-Token' or 'X-Key-Id'"),
        );
        assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
        let e = answer(403, &json("Unknown 'X-Token'"));
        assert!(
            matches!(e, Error::Unauthorized { ref message } if message.contains("X-Token")),
            "{e:?}"
        );
        let e = answer(401, "");
        assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    }

    #[test]
    fn firewall_block_page_is_forbidden_blocked() {
        let e = answer(403, "<html><body>Request blocked</body></html>");
        assert!(
            matches!(e, Error::Forbidden { reason: ForbiddenReason::Blocked, ref message } if !message.contains("<html>")),
            "{e:?}"
        );
        let e = answer(403, "glory to Ukraine! glory to the heroes!");
        assert!(
            matches!(
                e,
                Error::Forbidden {
                    reason: ForbiddenReason::Blocked,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn too_many_requests_is_rate_limited_with_the_header_or_sixty_seconds() {
        let e = answer(429, &json("Too many requests"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        let e = error_for(429, Some(Duration::from_secs(17)), b"");
        assert!(
            matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(17))
        );
    }

    #[test]
    fn too_long_period_is_an_invalid_request() {
        let e = answer(400, &json("Period must be no more than 31 days"));
        assert!(
            matches!(e, Error::InvalidRequest { ref message } if message.contains("31 days")),
            "{e:?}"
        );
    }

    #[test]
    fn invalid_account_is_not_found() {
        let e = answer(400, &json("invalid account"));
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
        let e = answer(400, &json("Invalid account: abc"));
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    }

    #[test]
    fn other_client_errors_are_invalid_requests() {
        let e = answer(400, &json("check webHookUrl failed"));
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
        let e = answer(405, "Method Not Allowed");
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
        let e = answer(404, &json("not found"));
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    }

    #[test]
    fn server_errors_are_retryable_provider_errors() {
        let e = answer(502, "Bad Gateway");
        assert!(matches!(e, Error::Provider { status: 502, .. }), "{e:?}");
        assert!(e.is_retryable());
        let e = answer(500, &json("internal error"));
        assert!(
            matches!(e, Error::Provider { status: 500, ref message, .. } if message == "internal error")
        );
    }

    #[test]
    fn long_non_json_bodies_are_cut() {
        let body = "x".repeat(1000);
        let e = answer(500, &body);
        assert!(e.to_string().len() < 400);
    }

    fn acquiring(status: u16, code: &str, text: &str) -> Error {
        let body = serde_json::json!({ "errCode": code, "errText": text }).to_string();
        acquiring_error_for(status, body.as_bytes())
    }

    #[test]
    fn acquiring_forbidden_is_unauthorized_and_keeps_code_and_text() {
        let e = acquiring(403, "FORBIDDEN", "forbidden");
        assert!(
            matches!(e, Error::Unauthorized { ref message } if message == "FORBIDDEN: forbidden"),
            "{e:?}"
        );
    }

    #[test]
    fn acquiring_html_403_is_the_firewall_block() {
        let e = acquiring_error_for(
            403,
            b"<html><head><title>403 Forbidden</title></head></html>",
        );
        assert!(
            matches!(e, Error::Forbidden { reason: ForbiddenReason::Blocked, ref message } if !message.contains("<html>")),
            "{e:?}"
        );
    }

    #[test]
    fn acquiring_not_found_codes_are_not_found() {
        for (status, code) in [(404, "NOT_FOUND"), (404, "1004"), (400, "TOKEN_NOT_FOUND")] {
            let e = acquiring(status, code, "invalid 'qrId'");
            assert!(
                matches!(e, Error::NotFound { ref message } if message.starts_with(code)),
                "{code}: {e:?}"
            );
        }
    }

    #[test]
    fn acquiring_too_many_requests_is_rate_limited() {
        let e = acquiring(429, "TMR", "too many requests");
        assert!(
            matches!(
                e,
                Error::RateLimited {
                    retry_after: None,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.is_retryable());
        let e = acquiring_error_for(429, b"slow down");
        assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    }

    #[test]
    fn acquiring_bad_requests_are_invalid_requests() {
        for code in [
            "BAD_REQUEST",
            "1001",
            "INVALID_MERCHANT_PAYM_INFO",
            "SOMETHING_NEW",
        ] {
            let e = acquiring(400, code, "empty 'invoiceId'");
            assert!(
                matches!(e, Error::InvalidRequest { ref message } if message == &format!("{code}: empty 'invoiceId'")),
                "{code}: {e:?}"
            );
        }
        let e = acquiring(405, "METHOD_NOT_ALLOWED", "Method not allowed");
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    }

    #[test]
    fn acquiring_state_conflicts_are_conflicts() {
        for (status, code) in [
            (400, "WRONG_CANCEL_AMOUNT"),
            (400, "ORDER_IN_PROGRESS"),
            (400, "HOLD_INVOICE_NOT_FINALIZED"),
            (500, "CANCEL_NOT_AVAILABLE"),
        ] {
            let e = acquiring(status, code, "no");
            assert!(
                matches!(e, Error::Conflict { ref message } if message == &format!("{code}: no")),
                "{code}: {e:?}"
            );
            assert!(!e.is_retryable());
        }
    }

    #[test]
    fn acquiring_internal_errors_are_retryable_provider_errors_with_the_code() {
        let e = acquiring(500, "INTERNAL_ERROR", "internal server error");
        assert!(
            matches!(e, Error::Provider { status: 500, ref code, ref message }
                if code.as_deref() == Some("INTERNAL_ERROR") && message == "internal server error"),
            "{e:?}"
        );
        assert!(e.is_retryable());
        let e = acquiring_error_for(502, b"<html>Bad Gateway</html>");
        assert!(
            matches!(
                e,
                Error::Provider {
                    status: 502,
                    code: None,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn payment_failure_codes_map_to_core_reasons() {
        let cases = [
            ("59", FailureReason::InsufficientFunds),
            ("51", FailureReason::Blocked),
            ("40", FailureReason::Blocked),
            ("6", FailureReason::Blocked),
            ("61", FailureReason::LimitExceeded),
            ("8005", FailureReason::LimitExceeded),
            ("1034", FailureReason::PayerDeclined),
            ("8004", FailureReason::PayerDeclined),
            ("80", FailureReason::Invalid),
            ("52", FailureReason::Invalid),
            ("1080", FailureReason::Invalid),
            ("8001", FailureReason::PayerDeclined),
            ("8002", FailureReason::PayerDeclined),
            ("1090", FailureReason::PartyNotFound),
            ("1000", FailureReason::ProviderError),
            ("8003", FailureReason::ProviderError),
        ];
        for (code, reason) in cases {
            let failure = PaymentFailureCode::new(code);
            assert_eq!(failure.reason(), reason, "{code}");
            assert!(
                failure.is_known() && failure.description().is_some(),
                "{code}"
            );
        }
        assert_eq!(PaymentFailureCode::new(" 59 ").as_str(), "59");
        assert_eq!(
            PaymentFailureCode::new("8002").contact(),
            Some(FailureContact::Payer)
        );
        assert_eq!(
            PaymentFailureCode::new("67").contact(),
            Some(FailureContact::Monobank)
        );
    }

    #[test]
    fn unknown_payment_failure_codes_are_kept_as_other() {
        let failure = PaymentFailureCode::new("9999");
        assert_eq!(failure.reason(), FailureReason::Other);
        assert_eq!(failure.to_string(), "9999");
        assert!(!failure.is_known());
        assert_eq!(failure.description(), None);
    }

    #[test]
    fn the_failure_table_lists_each_code_once() {
        let mut codes: Vec<&str> = FAILURE_CODES.iter().map(|(code, ..)| *code).collect();
        let all = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all);
    }
}

//! Monobank's error answers → [`bankkit_core::Error`] (monobank.md §6.1, §12.6).
//!
//! The personal API answers errors as `{"errorDescription": "..."}`. In front of it sits a
//! firewall that answers bursts with a 403 HTML page instead. The wording of the bank's
//! messages comes from third-party code (the facts file marks it unverified), so matching
//! on text is limited to the few phrases seen there and everything else falls back on the
//! status code.

use std::time::Duration;

use bankkit_core::http::ApiResponse;
use bankkit_core::{Error, ForbiddenReason};

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
        return Error::RateLimited {
            retry_after: retry_after.or(Some(DEFAULT_RATE_LIMIT_WAIT)),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Error {
        error_for(status, None, body.as_bytes())
    }

    fn json(description: &str) -> String {
        serde_json::json!({ "errorDescription": description }).to_string()
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
            matches!(e, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(17))
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
}

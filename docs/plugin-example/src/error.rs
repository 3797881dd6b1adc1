//! Acme's error answers as [`bankkit_core::Error`].

use bankkit_core::http::ApiResponse;
use bankkit_core::{Error, ForbiddenReason};

use crate::wire::ErrorAnswer;

/// How much of a body that is not an Acme error an error message quotes.
pub(crate) const QUOTED_BODY: usize = 200;

/// At most `max` characters of `text` (cut on a character boundary), `…` marking a cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Acme's error answers as core errors, by status: 400 `InvalidRequest`, 401
/// `Unauthorized`, 403 `Forbidden`, 404 `NotFound`, 409 `Conflict` (a capture, cancel or
/// refund that does not fit the charge's state), 429 `RateLimited`, anything else (5xx
/// included) `Provider`. A body that is not Acme's error shape is quoted, shortened.
///
/// Acme's code is kept in the message (`amount_too_large: …`), so a caller can tell
/// refusals apart without parsing.
pub(crate) fn map_error(response: &ApiResponse) -> Error {
    let (code, message) = match response.json::<ErrorAnswer>("error body") {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (String::new(), truncate(&response.text(), QUOTED_BODY)),
    };
    let coded = || {
        if code.is_empty() {
            message.clone()
        } else {
            format!("{code}: {message}")
        }
    };
    match response.status.as_u16() {
        400 => Error::InvalidRequest { message: coded() },
        401 => Error::Unauthorized { message },
        403 => Error::Forbidden {
            reason: ForbiddenReason::Other(if code.is_empty() {
                "forbidden".to_owned()
            } else {
                code
            }),
            message,
        },
        404 => Error::NotFound { message },
        409 => Error::Conflict { message: coded() },
        // `HttpClient` reads `Retry-After` itself, on its own clock.
        429 => Error::rate_limited(None),
        status => Error::Provider {
            status,
            code: (!code.is_empty()).then_some(code),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use bankkit_core::http::ApiResponse;
    use http::{HeaderMap, StatusCode};

    use super::*;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn each_status_maps_to_its_core_error() {
        let body = r#"{"error":{"code":"c","message":"m"}}"#;
        let map = |status| map_error(&answer(status, body));
        assert!(matches!(map(400), Error::InvalidRequest { ref message } if message == "c: m"));
        assert!(matches!(map(401), Error::Unauthorized { .. }));
        assert!(matches!(
            map(403),
            Error::Forbidden { reason: ForbiddenReason::Other(ref c), .. } if c == "c"
        ));
        assert!(matches!(map(404), Error::NotFound { .. }));
        assert!(matches!(map(409), Error::Conflict { .. }));
        assert!(matches!(map(429), Error::RateLimited { .. }));
        let e = map(503);
        assert!(matches!(e, Error::Provider { status: 503, .. }) && e.is_retryable());
        assert!(matches!(map(500), Error::Provider { status: 500, .. }));
    }

    #[test]
    fn a_foreign_body_is_quoted_shortened_on_a_character_boundary() {
        let page = "é".repeat(1000);
        match map_error(&answer(502, &page)) {
            Error::Provider { message, .. } => {
                assert_eq!(message.chars().count(), QUOTED_BODY + 1);
                assert!(message.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(truncate("short", QUOTED_BODY), "short");
    }
}

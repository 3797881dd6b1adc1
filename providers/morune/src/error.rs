//! Morune's envelope and its errors into [`bankkit_core::Error`] (morune.md §1, §5): the
//! one place an answer is judged.
//!
//! Every answer is `{"data": …, "status": <int>, "status_check": <bool>, "error": …}`. It
//! succeeded only when `status_check` is `true` **and** `status` is 200 — whatever the HTTP
//! code says, so a 200 whose envelope says failure is an error too. `error` is a string
//! (usually Russian, e.g. `"Поле user id должно быть в формате UUID."`), an array or an
//! object of per-field messages; its text reaches the caller unchanged.
//!
//! | status (the envelope's, else the HTTP code) | core error |
//! |---|---|
//! | 400, 422 | `InvalidRequest` |
//! | 401 | `Unauthorized` (wrong id or key) |
//! | 403 | `Forbidden` (amount not allowed for the method, inactive shop) |
//! | 404 | `NotFound` |
//! | 409 | `Conflict` |
//! | 429 | `RateLimited` |
//! | 5xx | `Provider` (retryable for reads) |
//! | anything else, or 200 with `status_check: false` | `Provider` with that status |

use bankkit_core::http::ApiResponse;
use bankkit_core::{Error, ForbiddenReason, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::wire::Envelope;

/// The text of an envelope's `error`: a string as it is; an array's items joined with
/// `"; "`; an object's members as `field: text` joined with `"; "` (a member's array of
/// messages joined with `", "`).
pub(crate) fn error_message(error: &Value) -> String {
    match error {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(error_message)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(members) => members
            .iter()
            .map(|(field, value)| {
                let text = match value {
                    Value::Array(items) => items
                        .iter()
                        .map(error_message)
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => error_message(other),
                };
                format!("{field}: {text}")
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The core error for `status` with Morune's `message`.
pub(crate) fn error_for(status: u16, message: String) -> Error {
    match status {
        400 | 422 => Error::InvalidRequest { message },
        401 => Error::Unauthorized { message },
        403 => Error::Forbidden {
            reason: ForbiddenReason::Other("Morune refused access".to_owned()),
            message,
        },
        404 => Error::NotFound { message },
        409 => Error::Conflict { message },
        429 => Error::rate_limited(None),
        _ => Error::Provider {
            status,
            code: None,
            message,
        },
    }
}

/// What to say when Morune gave no text: the status's reason.
fn or_reason(message: String, status: u16) -> String {
    if !message.trim().is_empty() {
        return message;
    }
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
        .to_owned()
}

/// The core error for a non-2xx answer (the [`bankkit_core::http::ErrorMapper`] of every
/// call): the envelope's status and text where the body is one, else the HTTP status.
pub(crate) fn map_error(response: &ApiResponse) -> Error {
    let http_status = response.status.as_u16();
    match serde_json::from_slice::<Envelope<'_>>(&response.body) {
        Ok(envelope) => {
            let status = envelope
                .status
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (400..600).contains(s))
                .unwrap_or(http_status);
            let text = envelope
                .error
                .as_ref()
                .map(error_message)
                .unwrap_or_default();
            error_for(status, or_reason(text, status))
        }
        // Not an envelope (a proxy's HTML page): its body is not shown.
        Err(_) => error_for(http_status, or_reason(String::new(), http_status)),
    }
}

/// Reads a 2xx answer: checks the envelope and reads its `data` as `T`.
///
/// # Errors
/// The mapped error when the envelope says failure; [`Error::Decode`] naming `what` when
/// the body is not an envelope or `data` is not a `T`.
pub(crate) fn read<T: DeserializeOwned>(response: &ApiResponse, what: &str) -> Result<T> {
    let envelope: Envelope<'_> = serde_json::from_slice(&response.body)
        .map_err(|e| Error::decode(format!("Morune {what} answer"), e))?;
    let status = envelope.status.unwrap_or(0);
    if envelope.status_check != Some(true) || status != 200 {
        let status = u16::try_from(status)
            .ok()
            .filter(|s| (400..600).contains(s))
            .unwrap_or(200);
        let text = envelope
            .error
            .as_ref()
            .map(error_message)
            .unwrap_or_default();
        let text = if text.trim().is_empty() {
            format!(
                "Morune answered {what} with status {} and status_check {}",
                envelope
                    .status
                    .map_or_else(|| "absent".to_owned(), |s| s.to_string()),
                envelope
                    .status_check
                    .map_or_else(|| "absent".to_owned(), |s| s.to_string()),
            )
        } else {
            text
        };
        return Err(error_for(status, text));
    }
    let data = envelope
        .data
        .ok_or_else(|| Error::decode(format!("Morune {what} answer"), "it has no data"))?;
    serde_json::from_str(data.get()).map_err(|e| Error::decode(format!("Morune {what}"), e))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};

    use super::*;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.to_owned(),
        )
    }

    #[test]
    fn russian_messages_in_every_shape_reach_the_error_unchanged() {
        let string = answer(
            422,
            r#"{"data":null,"error":"Поле user id должно быть в формате UUID.","status":422,"status_check":false}"#,
        );
        assert!(matches!(map_error(&string),
            Error::InvalidRequest { ref message } if message == "Поле user id должно быть в формате UUID."));

        let array = answer(
            422,
            r#"{"data":null,"error":["Поле amount обязательно.","Поле order id обязательно."],"status":422,"status_check":false}"#,
        );
        assert!(matches!(map_error(&array),
            Error::InvalidRequest { ref message } if message == "Поле amount обязательно.; Поле order id обязательно."));

        let object = answer(
            422,
            r#"{"data":null,"error":{"amount":["Поле amount обязательно."],"shop_id":["Поле shop id должно быть в формате UUID."]},"status":422,"status_check":false}"#,
        );
        let err = map_error(&object);
        assert!(
            matches!(&err, Error::InvalidRequest { message }
            if message == "amount: Поле amount обязательно.; shop_id: Поле shop id должно быть в формате UUID."),
            "{err:?}"
        );
    }

    #[test]
    fn statuses_map_to_core_errors() {
        let body = |s: u16| {
            format!(r#"{{"data":null,"error":"Ошибка","status":{s},"status_check":false}}"#)
        };
        assert!(matches!(
            map_error(&answer(401, &body(401))),
            Error::Unauthorized { .. }
        ));
        assert!(matches!(
            map_error(&answer(403, &body(403))),
            Error::Forbidden { .. }
        ));
        assert!(matches!(
            map_error(&answer(404, &body(404))),
            Error::NotFound { .. }
        ));
        assert!(matches!(
            map_error(&answer(500, &body(500))),
            Error::Provider { status: 500, .. }
        ));
        assert!(
            matches!(map_error(&answer(502, "<html>bad gateway</html>")),
            Error::Provider { status: 502, ref message, .. } if message == "Bad Gateway")
        );
    }

    #[test]
    fn a_200_whose_envelope_says_failure_is_an_error() {
        let r = answer(
            200,
            r#"{"data":null,"error":"Магазин не активен","status":403,"status_check":false}"#,
        );
        let err = read::<Value>(&r, "invoice").unwrap_err();
        assert!(
            matches!(err, Error::Forbidden { ref message, .. } if message == "Магазин не активен"),
            "{err:?}"
        );

        let r = answer(200, r#"{"data":{"x":1},"status":200,"status_check":false}"#);
        assert!(matches!(
            read::<Value>(&r, "invoice").unwrap_err(),
            Error::Provider { status: 200, .. }
        ));

        let r = answer(200, r#"{"data":{"x":1},"status":200,"status_check":true}"#);
        assert_eq!(read::<Value>(&r, "invoice").unwrap()["x"], 1);

        let r = answer(200, "not json");
        assert!(matches!(
            read::<Value>(&r, "invoice").unwrap_err(),
            Error::Decode { .. }
        ));
    }
}

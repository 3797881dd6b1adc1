//! MoMo's error answers into [`bankkit_core::Error`] (momo.md B9, B4, B1).
//!
//! Three body shapes: the documented `{"code":"UPPER_SNAKE","message":"…"}`, the token
//! endpoint's `{"error":"login_failed"}`, and Azure API Management's
//! `{"statusCode":401,"message":"Access denied due to invalid subscription key…"}`.
//!
//! | answer | core error |
//! |---|---|
//! | 400 (any code) | `InvalidRequest` |
//! | 401 from APIM (subscription key) | `Unauthorized`, naming the product's subscription key |
//! | 401 on a business call otherwise (bearer expired / invalid) | `TokenExpired` — the token manager re-mints once |
//! | 401 on a call without a bearer token (Basic-auth `bc-authorize` and CIBA `oauth2/token/`, provisioning) | `Unauthorized` — there is no token to refresh |
//! | 401 / 500 `login_failed` on `/token/` | `Unauthorized`, naming the API user and key as the cause |
//! | 403 | `Forbidden` |
//! | 404 (`RESOURCE_NOT_FOUND`) | `NotFound` |
//! | 409 (`RESOURCE_ALREADY_EXIST`) | `Conflict` — a create was already accepted |
//! | 429 | `RateLimited` |
//! | 500 `INVALID_CURRENCY`, `INVALID_CALLBACK_URL_HOST`, `PAYER_NOT_FOUND`, `PAYEE_NOT_FOUND`, `VALIDATION_ERROR` | `InvalidRequest` (repeating it cannot help) |
//! | 500 `NOT_ALLOWED`, `NOT_ALLOWED_TARGET_ENVIRONMENT`, `PAYEE_NOT_ALLOWED_TO_RECEIVE`, `SENDER_ACCOUNT_NOT_ACTIVE` | `Forbidden` with the code as reason |
//! | 500 `NOT_ENOUGH_FUNDS`, `PAYER_LIMIT_REACHED`, `PAYEE_LIMIT_REACHED` | `InvalidRequest` (the payment was refused, not the server) |
//! | other 5xx (`INTERNAL_PROCESSING_ERROR`, 503 `SERVICE_UNAVAILABLE`) | `Provider` (retryable) |

use bankkit_core::http::{error_text, ApiResponse};
use bankkit_core::{Error, ForbiddenReason};
use serde::Deserialize;

/// Any of MoMo's error bodies.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

impl ErrorBody {
    fn read(response: &ApiResponse) -> Self {
        serde_json::from_slice(&response.body).unwrap_or_default()
    }

    /// APIM's answer about the subscription key (not its answer about the bearer token,
    /// which has the same shape).
    fn is_subscription_key(&self) -> bool {
        self.message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("subscription key"))
    }

    fn said(&self, response: &ApiResponse) -> String {
        error_text(response, &[self.message.as_deref(), self.error.as_deref()])
    }
}

/// What to say about a rejected subscription key.
fn subscription_key_message(product: &str, said: &str) -> String {
    format!(
        "the {product} subscription key (Ocp-Apim-Subscription-Key) was refused: check \
         {product}_key against your MoMo developer portal subscription ({said})"
    )
}

/// The core error for an answer to `POST /{product}/token/` with the credentials of
/// `api_user`.
pub(crate) fn map_token_error(response: &ApiResponse, product: &str, api_user: &str) -> Error {
    let body = ErrorBody::read(response);
    let said = body.said(response);
    let status = response.status.as_u16();
    if body.is_subscription_key() {
        return Error::Unauthorized {
            message: subscription_key_message(product, &said),
        };
    }
    if status == 401 || body.error.as_deref() == Some("login_failed") {
        return Error::Unauthorized {
            message: format!(
                "MoMo refused the API user {api_user} and its API key when minting a \
                 {product} token ({said}): check api_user and api_key (the key is shown only \
                 once, when it is created; create a new one if in doubt)"
            ),
        };
    }
    map_error_for(response, product)
}

/// The core error for an answer to a call sent **without** a bearer token (`bc-authorize`
/// and the CIBA `oauth2/token/` with Basic `api_user:api_key`, provisioning with the
/// subscription key only): a 401 there is `Unauthorized` naming what was refused — not
/// `TokenExpired`, as there is no token to refresh. `credentials` says what the call was
/// sent with (`"the API user … and its API key"`).
pub(crate) fn map_error_without_token(
    response: &ApiResponse,
    product: &str,
    credentials: &str,
) -> Error {
    match map_error_for(response, product) {
        Error::TokenExpired { message } => Error::Unauthorized {
            message: format!("MoMo refused {credentials} ({message})"),
        },
        other => other,
    }
}

/// The core error for an answer to a business call of `product`.
pub(crate) fn map_error_for(response: &ApiResponse, product: &str) -> Error {
    let body = ErrorBody::read(response);
    let status = response.status.as_u16();
    let said = body.said(response);
    let code = body.code.clone().filter(|c| !c.is_empty());
    let described = match &code {
        Some(code) => format!("{said} ({code})"),
        None => said.clone(),
    };
    if body.error.as_deref() == Some("login_failed") {
        return Error::Unauthorized {
            message: format!("MoMo refused the API user or API key ({said})"),
        };
    }
    match status {
        400 => return Error::InvalidRequest { message: described },
        401 if body.is_subscription_key() => {
            return Error::Unauthorized {
                message: subscription_key_message(product, &said),
            }
        }
        401 => return Error::TokenExpired { message: described },
        403 => {
            return Error::Forbidden {
                reason: ForbiddenReason::Other(code.unwrap_or_else(|| "forbidden".to_owned())),
                message: said,
            }
        }
        404 => return Error::NotFound { message: described },
        409 => return Error::Conflict { message: described },
        429 => return Error::rate_limited(None),
        _ => {}
    }
    match code.as_deref() {
        Some(
            "INVALID_CURRENCY"
            | "INVALID_CALLBACK_URL_HOST"
            | "PAYER_NOT_FOUND"
            | "PAYEE_NOT_FOUND"
            | "VALIDATION_ERROR"
            | "BAD_REQUEST"
            | "NOT_ENOUGH_FUNDS"
            | "PAYER_LIMIT_REACHED"
            | "PAYEE_LIMIT_REACHED",
        ) => Error::InvalidRequest { message: described },
        Some(
            c @ ("NOT_ALLOWED"
            | "NOT_ALLOWED_TARGET_ENVIRONMENT"
            | "PAYEE_NOT_ALLOWED_TO_RECEIVE"
            | "SENDER_ACCOUNT_NOT_ACTIVE"),
        ) => Error::Forbidden {
            reason: ForbiddenReason::Other(c.to_owned()),
            message: said,
        },
        _ => Error::Provider {
            status,
            code,
            message: said,
        },
    }
}

#[cfg(test)]
mod tests {
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
    fn error_answers_map_to_core_kinds() {
        let apim = r#"{"statusCode":401,"message":"Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}"#;
        let e = map_error_for(&answer(401, apim), "collection");
        assert!(
            matches!(e, Error::Unauthorized { ref message } if message.contains("collection_key")),
            "{e:?}"
        );

        let e = map_error_for(&answer(401, "{}"), "collection");
        assert!(matches!(e, Error::TokenExpired { .. }), "{e:?}");
        let bearer =
            r#"{"statusCode":401,"message":"Unauthorized. Access token is missing or invalid."}"#;
        let e = map_error_for(&answer(401, bearer), "collection");
        assert!(matches!(e, Error::TokenExpired { .. }), "{e:?}");

        let e = map_token_error(
            &answer(500, r#"{"error":"login_failed"}"#),
            "disbursement",
            "c72025f5-5cd1-4630-99e4-8ba4722fad56",
        );
        match e {
            Error::Unauthorized { message } => {
                assert!(message.contains("c72025f5-5cd1-4630-99e4-8ba4722fad56"));
                assert!(message.contains("api_key"));
            }
            other => panic!("{other:?}"),
        }
        let e = map_token_error(&answer(401, apim), "remittance", "u");
        assert!(
            matches!(e, Error::Unauthorized { ref message } if message.contains("remittance_key"))
        );

        let dup = r#"{"message":"Duplicated reference id. Creation of resource failed.","code":"RESOURCE_ALREADY_EXIST"}"#;
        let e = map_error_for(&answer(409, dup), "collection");
        assert!(
            matches!(e, Error::Conflict { ref message } if message.contains("RESOURCE_ALREADY_EXIST"))
        );

        let e = map_error_for(
            &answer(
                404,
                r#"{"code":"RESOURCE_NOT_FOUND","message":"Requested resource was not found."}"#,
            ),
            "collection",
        );
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");

        let e = map_error_for(
            &answer(
                500,
                r#"{"code":"INVALID_CURRENCY","message":"Currency not supported."}"#,
            ),
            "collection",
        );
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
        assert!(!e.is_retryable());

        let e = map_error_for(
            &answer(400, r#"{"code":"VALIDATION_ERROR","message":"bad"}"#),
            "collection",
        );
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");

        let e = map_error_for(
            &answer(500, r#"{"code":"NOT_ALLOWED","message":"x"}"#),
            "collection",
        );
        assert!(
            matches!(e, Error::Forbidden { reason: ForbiddenReason::Other(ref c), .. } if c == "NOT_ALLOWED")
        );

        let e = map_error_for(
            &answer(500, r#"{"code":"INTERNAL_PROCESSING_ERROR","message":"x"}"#),
            "collection",
        );
        assert!(
            matches!(e, Error::Provider { status: 500, ref code, .. } if code.as_deref() == Some("INTERNAL_PROCESSING_ERROR"))
        );
        assert!(e.is_retryable());

        let e = map_error_for(
            &answer(503, r#"{"code":"SERVICE_UNAVAILABLE","message":"down"}"#),
            "collection",
        );
        assert!(e.is_retryable(), "{e:?}");

        let e = map_error_for(&answer(429, ""), "collection");
        assert!(matches!(e, Error::RateLimited { .. }));

        let e = map_error_for(&answer(502, "<html>bad gateway</html>"), "collection");
        assert!(matches!(e, Error::Provider { status: 502, .. }));
    }

    #[test]
    fn a_401_without_a_bearer_token_is_unauthorized_not_token_expired() {
        let e = map_error_without_token(
            &answer(401, r#"{"message":"Unauthorized"}"#),
            "collection",
            "the API user u and its API key",
        );
        assert!(
            matches!(e, Error::Unauthorized { ref message } if message.contains("API user u")),
            "{e:?}"
        );
        assert!(!e.is_retryable());
        // Other answers map as on any call.
        let e = map_error_without_token(&answer(404, "{}"), "collection", "x");
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
        let apim =
            r#"{"statusCode":401,"message":"Access denied due to invalid subscription key."}"#;
        let e = map_error_without_token(&answer(401, apim), "collection", "x");
        assert!(
            matches!(e, Error::Unauthorized { ref message } if message.contains("collection_key")),
            "{e:?}"
        );
    }
}

//! Monzo's error bodies (`{"code": "forbidden.verification_required", "message": "…"}`)
//! into [`bankkit_core::Error`] (monzo.md A7).
//!
//! The dotted `code` decides the kind; the status decides when there is no code, and
//! always for 429 and 5xx.

use bankkit_core::http::{error_text, ApiResponse};
use bankkit_core::{Error, ForbiddenReason};
use serde::Deserialize;

/// What Monzo sends with an error status. Auth errors may add the OAuth `error` and
/// `error_description`; Monzo's error library may add `params`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// Shown with a `forbidden.insufficient_permissions` answer.
const APPROVE_IN_APP: &str = "the user has not approved this application yet: approve access \
                              in the Monzo app (strong customer authentication), then retry";

/// Shown with a `forbidden.verification_required` answer.
const REAUTHENTICATE_FOR_HISTORY: &str =
    "the user must re-authenticate (strong customer authentication) to read further back than \
     90 days; Monzo serves the full history only in the 5 minutes after the user authorises";

/// Shown with a refused refresh token.
const REAUTHORISE: &str = "Monzo refused the refresh token (used, evicted or revoked): send the \
                           user through the authorisation URL again and exchange the new code; \
                           the stored tokens were left as they were";

/// The core error for a Monzo error answer.
pub(crate) fn map_error(response: &ApiResponse) -> Error {
    let body: ErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
    let status = response.status.as_u16();
    let code = body.code.filter(|c| !c.is_empty());
    let said = error_text(
        response,
        &[
            body.message.as_deref(),
            body.error_description.as_deref(),
            body.error.as_deref(),
        ],
    );
    let described = match &code {
        Some(code) => format!("{said} ({code})"),
        None => said.clone(),
    };

    if status == 429 {
        return Error::rate_limited(None);
    }
    if status >= 500 {
        return Error::Provider {
            status,
            code,
            message: said,
        };
    }
    let prefix = code
        .as_deref()
        .map(|c| c.split('.').next().unwrap_or(c))
        .unwrap_or("");
    let code_str = code.as_deref().unwrap_or("");
    match prefix {
        // An evicted token was replaced by a newer one: usually by a refresh another task
        // or process sharing the token store just made. Treated like an expired one, the
        // token manager re-reads the store (or refreshes) and retries once; if the newer
        // token came from a login elsewhere, the refresh is refused and the user is asked to
        // authorise again.
        "unauthorized"
            if code_str.starts_with("unauthorized.bad_access_token.expired")
                || code_str.starts_with("unauthorized.bad_access_token.evicted") =>
        {
            Error::TokenExpired { message: described }
        }
        "unauthorized" if code_str.starts_with("unauthorized.bad_refresh_token") => {
            Error::ReauthorizationRequired {
                message: format!("{REAUTHORISE}: {described}"),
            }
        }
        "unauthorized" => Error::Unauthorized { message: described },
        "forbidden" => forbidden(code_str, described),
        "bad_request" => Error::InvalidRequest { message: described },
        "not_found" => Error::NotFound { message: described },
        "rate_limited" => Error::rate_limited(None),
        "" => match status {
            400 => Error::InvalidRequest { message: described },
            401 => Error::Unauthorized { message: described },
            403 => Error::Forbidden {
                reason: ForbiddenReason::Other("forbidden".to_owned()),
                message: described,
            },
            404 => Error::NotFound { message: described },
            _ => Error::Provider {
                status,
                code: None,
                message: said,
            },
        },
        _ => Error::Provider {
            status,
            code,
            message: said,
        },
    }
}

fn forbidden(code: &str, described: String) -> Error {
    if code.starts_with("forbidden.verification_required") {
        Error::Forbidden {
            reason: ForbiddenReason::VerificationRequired,
            message: format!("{REAUTHENTICATE_FOR_HISTORY}: {described}"),
        }
    } else if code.starts_with("forbidden.insufficient_permissions") {
        Error::Forbidden {
            reason: ForbiddenReason::InsufficientPermissions,
            message: format!("{APPROVE_IN_APP}: {described}"),
        }
    } else {
        Error::Forbidden {
            reason: ForbiddenReason::Other(code.to_owned()),
            message: described,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bankkit_core::http::{ApiRequest, HttpClient, HttpOptions, RetryPolicy};
    use http::{HeaderMap, StatusCode};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    fn answer(status: u16, body: &str) -> Error {
        let response = ApiResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.as_bytes().to_vec(),
        );
        map_error(&response)
    }

    fn body(code: &str) -> String {
        format!(r#"{{"code":"{code}","message":"Monzo says no","params":{{}}}}"#)
    }

    /// Every row: status, code, the kind expected.
    #[test]
    fn error_codes_map_to_core_kinds() {
        type Check = fn(&Error) -> bool;
        let table: &[(u16, &str, &str, Check)] = &[
            (401, "unauthorized.bad_access_token", "Unauthorized", |e| {
                matches!(e, Error::Unauthorized { .. })
            }),
            (
                401,
                "unauthorized.bad_access_token.evicted",
                "TokenExpired",
                |e| matches!(e, Error::TokenExpired { .. }),
            ),
            (
                401,
                "unauthorized.bad_access_token.expired",
                "TokenExpired",
                |e| matches!(e, Error::TokenExpired { .. }),
            ),
            (
                401,
                "unauthorized.bad_refresh_token",
                "ReauthorizationRequired",
                |e| matches!(e, Error::ReauthorizationRequired { .. }),
            ),
            (
                401,
                "unauthorized.bad_refresh_token.evicted",
                "ReauthorizationRequired",
                |e| matches!(e, Error::ReauthorizationRequired { .. }),
            ),
            (
                400,
                "unauthorized.bad_refresh_token",
                "ReauthorizationRequired",
                |e| matches!(e, Error::ReauthorizationRequired { .. }),
            ),
            (
                403,
                "forbidden.verification_required",
                "VerificationRequired",
                |e| {
                    matches!(
                        e,
                        Error::Forbidden {
                            reason: ForbiddenReason::VerificationRequired,
                            ..
                        }
                    )
                },
            ),
            (
                403,
                "forbidden.insufficient_permissions",
                "InsufficientPermissions",
                |e| {
                    matches!(
                        e,
                        Error::Forbidden {
                            reason: ForbiddenReason::InsufficientPermissions,
                            ..
                        }
                    )
                },
            ),
            (
                403,
                "forbidden.something_new",
                "Forbidden(Other)",
                |e| matches!(e, Error::Forbidden { reason: ForbiddenReason::Other(r), .. } if r == "forbidden.something_new"),
            ),
            (
                400,
                "bad_request.bad_param.invalid_code",
                "InvalidRequest",
                |e| matches!(e, Error::InvalidRequest { .. }),
            ),
            (
                400,
                "bad_request.unsupported_account",
                "InvalidRequest",
                |e| matches!(e, Error::InvalidRequest { .. }),
            ),
            (404, "not_found.transaction", "NotFound", |e| {
                matches!(e, Error::NotFound { .. })
            }),
            (429, "rate_limited", "RateLimited", |e| {
                matches!(e, Error::RateLimited { .. })
            }),
            (429, "", "RateLimited", |e| {
                matches!(e, Error::RateLimited { .. })
            }),
            (
                500,
                "internal_service",
                "Provider 500",
                |e| matches!(e, Error::Provider { status: 500, code: Some(c), .. } if c == "internal_service"),
            ),
            (
                504,
                "timeout",
                "Provider 504",
                |e| matches!(e, Error::Provider { status: 504, code: Some(c), .. } if c == "timeout"),
            ),
            (406, "bad_response.not_acceptable", "Provider 406", |e| {
                matches!(e, Error::Provider { status: 406, .. })
            }),
            (405, "", "Provider 405", |e| {
                matches!(e, Error::Provider { status: 405, .. })
            }),
            (401, "", "Unauthorized (status only)", |e| {
                matches!(e, Error::Unauthorized { .. })
            }),
            (400, "", "InvalidRequest (status only)", |e| {
                matches!(e, Error::InvalidRequest { .. })
            }),
            (404, "", "NotFound (status only)", |e| {
                matches!(e, Error::NotFound { .. })
            }),
            (502, "", "Provider 502", |e| {
                matches!(e, Error::Provider { status: 502, .. })
            }),
        ];
        for (status, code, expected, check) in table {
            let error = if code.is_empty() {
                answer(*status, "<html>gateway</html>")
            } else {
                answer(*status, &body(code))
            };
            assert!(
                check(&error),
                "{status} {code}: expected {expected}, got {error:?}"
            );
        }
    }

    #[test]
    fn forbidden_reasons_explain_what_the_user_must_do() {
        let approve = answer(403, &body("forbidden.insufficient_permissions")).to_string();
        assert!(
            approve.contains("approve access in the Monzo app"),
            "{approve}"
        );
        let history = answer(403, &body("forbidden.verification_required")).to_string();
        assert!(
            history.contains(
                "the user must re-authenticate (strong customer authentication) to read further back than 90 days"
            ),
            "{history}"
        );
        let reauth = answer(401, &body("unauthorized.bad_refresh_token")).to_string();
        assert!(reauth.contains("authorisation URL again"), "{reauth}");
    }

    #[test]
    fn oauth_style_bodies_use_their_description() {
        let e = answer(
            401,
            r#"{"code":"unauthorized.bad_access_token","error":"invalid_token","error_description":"expired token","message":""}"#,
        );
        assert!(
            matches!(e, Error::Unauthorized { ref message } if message.contains("expired token")),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn rate_limits_carry_retry_after_when_given() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "42")
                    .set_body_raw(body("rate_limited"), "application/json"),
            )
            .mount(&server)
            .await;
        let client = HttpClient::new(
            "monzo",
            &server.uri(),
            HttpOptions::default().retry(RetryPolicy::Never),
            None,
        )
        .unwrap();
        let e = client
            .send(ApiRequest::get("/x"), &map_error)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(42)),
            "{e:?}"
        );
    }
}

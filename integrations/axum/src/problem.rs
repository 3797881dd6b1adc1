//! Errors as RFC 9457 problem details (`application/problem+json`).

use std::fmt;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use bankkit_core::Error;
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer: RFC 9457 problem details with bankkit's `provider` and stable `code`.
///
/// `type` is `urn:bankkit:problem:<code>`; `code` is one of the codes listed in
/// `docs/web.md` and never changes for a given kind of failure; `detail` is for people and
/// never holds a credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[non_exhaustive]
pub struct Problem {
    /// `urn:bankkit:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened in this case.
    pub detail: String,
    /// The provider's registry name, when the problem concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// A stable machine-readable code (`unknown_provider`, `rate_limited`, …).
    pub code: String,
    /// The HTTP status the provider answered with, for `provider_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_status: Option<u16>,
    /// Seconds to wait before trying again, for `rate_limited` (also sent as `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.detail)
    }
}

impl std::error::Error for Problem {}

impl Problem {
    /// A problem with `status`, stable `code`, `title` and `detail`.
    pub fn new(
        status: StatusCode,
        code: &str,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            problem_type: format!("urn:bankkit:problem:{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            provider: None,
            code: code.to_owned(),
            provider_status: None,
            retry_after: None,
        }
    }

    /// Names the provider the problem concerns.
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// A 400 answer for a request the router could not read.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    /// A 404 answer.
    pub fn not_found(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, "Not found", detail)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The answer for a [`bankkit_core::Error`] from `provider` (see the table in
    /// `docs/web.md`).
    ///
    /// The credentials a user stored being refused by the provider (`Unauthorized`,
    /// `TokenExpired`, `ReauthorizationRequired`, `Forbidden`) is not the app user's own
    /// authentication failing, so it is a `502` with its own code, never a `401`/`403` that
    /// a browser app would take for its session ending.
    pub fn from_error(error: &Error, provider: Option<&str>) -> Self {
        use StatusCode as S;
        let detail = without_values(&error.to_string());
        let mut problem = match error {
            Error::Unauthorized { .. } => Self::new(
                S::BAD_GATEWAY,
                "provider_unauthorized",
                "The provider refused the stored credentials",
                detail,
            ),
            Error::TokenExpired { .. } => Self::new(
                S::BAD_GATEWAY,
                "provider_token_expired",
                "The provider's access token expired",
                detail,
            ),
            Error::ReauthorizationRequired { .. } => Self::new(
                S::BAD_GATEWAY,
                "reauthorization_required",
                "The user must authorise the application at the provider again",
                detail,
            ),
            Error::Forbidden { .. } => Self::new(
                S::BAD_GATEWAY,
                "provider_forbidden",
                "The provider refused access with the stored credentials",
                detail,
            ),
            Error::NotFound { .. } => Self::new(S::NOT_FOUND, "not_found", "Not found", detail),
            Error::RateLimited { retry_after, .. } => {
                let mut p = Self::new(
                    S::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "The provider asks to slow down",
                    detail,
                );
                p.retry_after = retry_after.map(|d| Duration::as_secs(&d));
                p
            }
            Error::InvalidRequest { .. } => Self::new(
                S::BAD_REQUEST,
                "invalid_request",
                "The request is invalid",
                detail,
            ),
            Error::Money { .. } => {
                Self::new(S::BAD_REQUEST, "invalid_money", "Invalid amount", detail)
            }
            Error::Conflict { .. } => Self::new(S::CONFLICT, "conflict", "Conflict", detail),
            Error::OutcomeUnknown { .. } => Self::new(
                S::CONFLICT,
                "outcome_unknown",
                "A request under this idempotency key was sent before and its outcome is unknown",
                detail,
            ),
            Error::Unsupported { .. } => Self::new(
                S::NOT_IMPLEMENTED,
                "unsupported",
                "The provider does not offer this",
                detail,
            ),
            Error::Provider { status, .. } => {
                let mut p = Self::new(
                    S::BAD_GATEWAY,
                    "provider_error",
                    "The provider answered with an error",
                    detail,
                );
                p.provider_status = Some(*status);
                p
            }
            Error::Timeout { .. } => Self::new(
                S::GATEWAY_TIMEOUT,
                "provider_timeout",
                "The provider did not answer in time",
                detail,
            ),
            Error::Transport { .. } => Self::new(
                S::BAD_GATEWAY,
                "provider_unreachable",
                "The provider could not be reached",
                detail,
            ),
            Error::Decode { .. } => Self::new(
                S::BAD_GATEWAY,
                "provider_decode",
                "The provider's answer could not be read",
                detail,
            ),
            Error::Config { .. } => Self::new(
                S::BAD_REQUEST,
                "invalid_config",
                "The provider configuration is invalid",
                detail,
            ),
            Error::Signature { .. } => Self::new(
                S::UNAUTHORIZED,
                "signature_invalid",
                "The webhook did not verify",
                detail,
            ),
            Error::Storage { .. } => Self::new(
                S::INTERNAL_SERVER_ERROR,
                "storage",
                "Storage failed",
                "the credential or token store could not be read or written",
            ),
            _ => Self::new(
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "an unexpected error occurred",
            ),
        };
        if matches!(error, Error::Storage { .. }) || problem.status >= 500 {
            tracing::warn!(provider, code = %problem.code, error = %detail_for_log(error), "provider call failed");
        }
        problem.provider = provider.map(str::to_owned);
        problem
    }
}

fn detail_for_log(error: &Error) -> String {
    without_values(&error.to_string())
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `message` without any value it quotes from the input (a secret put in the wrong place,
/// a card number in a bad body): `invalid type: string "…", expected u64` keeps the kind of
/// value only; any other double-quoted text becomes `"…"`. Field names in backticks
/// (`missing field `token``) are kept: they come from the program, not the request.
pub(crate) fn without_values(message: &str) -> String {
    // serde_json appends " at line L column C": the path says where.
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(at) = message.find(prefix) {
            let (before, rest) = message.split_at(at);
            let rest = &rest[prefix.len()..];
            let (unexpected, expected) = match rest.rfind(", expected ") {
                Some(at) => (&rest[..at], Some(&rest[at..])),
                None => (rest, None),
            };
            let kind = unexpected
                .split(['"', '`'])
                .next()
                .unwrap_or_default()
                .trim();
            let kind = if kind.is_empty() { "value" } else { kind };
            return format!(
                "{before}{prefix}{kind}{}",
                expected.map(redact_quoted).unwrap_or_default()
            );
        }
    }
    if let Some(at) = message.find("unknown variant `") {
        let (before, rest) = message.split_at(at);
        let rest = &rest["unknown variant `".len()..];
        let expected = rest.find("`, ").map_or("", |at| &rest[at + 1..]);
        return format!("{before}unknown variant{}", redact_quoted(expected));
    }
    redact_quoted(message)
}

fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
                out.push_str("…\"");
            }
        } else {
            out.push(c);
            quoted = c == '"';
        }
    }
    if quoted {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_dropped_but_field_names_kept() {
        assert_eq!(
            without_values(
                r#"timeout_secs: invalid type: string "sk_SECRET", expected u64 at line 1 column 9"#
            ),
            "timeout_secs: invalid type: string, expected u64"
        );
        assert_eq!(
            without_values("missing field `token`"),
            "missing field `token`"
        );
        assert_eq!(without_values(r#"bad "sk_SECRET" here"#), r#"bad "…" here"#);
        assert_eq!(
            without_values("mode: unknown variant `sk_SECRET`, expected `a` or `b`"),
            "mode: unknown variant, expected `a` or `b`"
        );
    }

    #[test]
    fn refused_credentials_are_a_bad_gateway_not_the_app_users_401() {
        let problem = Problem::from_error(
            &Error::Unauthorized {
                message: "unknown token".into(),
            },
            Some("monobank"),
        );
        assert_eq!(problem.status, 502);
        assert_eq!(problem.code, "provider_unauthorized");
        assert_eq!(problem.provider.as_deref(), Some("monobank"));
    }
}

//! The one error type of every bankkit crate.
//!
//! Provider crates map their error bodies into [`Error`] in their own `error.rs`; callers
//! match on the variant (or on [`Error::is_retryable`]) and never on provider text.
//! Messages never contain a secret: credentials are [`secrecy`] types and are not formatted.

use std::fmt;
use std::time::Duration;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to a provider.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The credentials were missing, wrong, expired or revoked.
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// What the provider said, or what is missing.
        message: String,
    },

    /// The access token has expired; refreshing it may help (token managers do so once).
    #[error("access token expired: {message}")]
    TokenExpired {
        /// What the provider said.
        message: String,
    },

    /// The stored credentials can no longer be refreshed (the refresh token was used,
    /// evicted or revoked): the user must authorise the application again. The stored
    /// tokens are left as they were.
    #[error("the user must authorise again: {message}")]
    ReauthorizationRequired {
        /// What the provider said.
        message: String,
    },

    /// The credentials are valid but not allowed to do this.
    #[error("forbidden ({reason}): {message}")]
    Forbidden {
        /// Why, as far as the provider tells.
        reason: ForbiddenReason,
        /// What the provider said.
        message: String,
    },

    /// The account, payment or other object does not exist.
    #[error("not found: {message}")]
    NotFound {
        /// What was looked for.
        message: String,
    },

    /// Too many requests; try again after `retry_after` when the provider says.
    #[error("rate limited{}", RetryAfterSuffix(*retry_after))]
    RateLimited {
        /// How long the provider asks to wait, when known.
        retry_after: Option<Duration>,
    },

    /// The request was rejected as invalid (bad field, range too long, ...).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What was wrong.
        message: String,
    },

    /// The request conflicts with existing state (for example a duplicate reference).
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicted.
        message: String,
    },

    /// The provider does not offer this capability.
    #[error("{provider} does not support {capability}")]
    Unsupported {
        /// Provider id.
        provider: String,
        /// The capability or operation asked for.
        capability: String,
    },

    /// Any other error answer from the provider.
    #[error("provider error (HTTP {status}{}): {message}", CodeSuffix(code.as_deref()))]
    Provider {
        /// HTTP status code.
        status: u16,
        /// The provider's own error code, when it sends one.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },

    /// No answer within the configured timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),

    /// The connection failed or was dropped before an answer arrived.
    #[error("transport error: {message}")]
    Transport {
        /// What happened.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// An answer arrived but could not be read.
    #[error("could not decode {what}: {message}")]
    Decode {
        /// What was being read (for example `"statement items"`).
        what: String,
        /// Why it failed.
        message: String,
    },

    /// A configuration value is missing or invalid.
    #[error("invalid configuration: {field}: {message}")]
    Config {
        /// The field at fault (dotted path where nested).
        field: String,
        /// What is wrong with it.
        message: String,
    },

    /// A token store could not be read or written.
    #[error("token storage error: {message}")]
    Storage {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A webhook signature did not verify.
    #[error("signature verification failed: {message}")]
    Signature {
        /// Why verification failed.
        message: String,
    },

    /// A money-moving request was sent before under the same idempotency key, its outcome is
    /// unknown (the answer was lost) and the provider offers no way to look it up: it is not
    /// sent again. Check the provider's records (a statement, the merchant cabinet) before
    /// deciding what to do.
    #[error("outcome unknown: {message}")]
    OutcomeUnknown {
        /// What was sent and when.
        message: String,
    },

    /// A value was not a valid amount of money for its currency.
    #[error("invalid money: {message}")]
    Money {
        /// What is wrong.
        message: String,
    },
}

/// Why a provider refused an authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForbiddenReason {
    /// The user must authenticate again (strong customer authentication) before this data is
    /// available.
    VerificationRequired,
    /// The token lacks a permission, or the user has not approved access yet.
    InsufficientPermissions,
    /// The caller's network address is blocked by the provider's firewall.
    Blocked,
    /// Another reason, as the provider named it.
    Other(String),
}

impl fmt::Display for ForbiddenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::VerificationRequired => {
                f.write_str("the user must re-authenticate before this data can be read")
            }
            Self::InsufficientPermissions => {
                f.write_str("the token lacks permission or access is not yet approved")
            }
            Self::Blocked => f.write_str("the provider's firewall blocks this client"),
            Self::Other(reason) => f.write_str(reason),
        }
    }
}

struct RetryAfterSuffix(Option<Duration>);

impl fmt::Display for RetryAfterSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "; retry after {}s", d.as_secs()),
            None => Ok(()),
        }
    }
}

struct CodeSuffix<'a>(Option<&'a str>);

impl fmt::Display for CodeSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, ", code {code}"),
            None => Ok(()),
        }
    }
}

impl Error {
    /// Whether trying the same request again later may succeed.
    ///
    /// True for rate limits, timeouts, transport failures, provider 5xx answers and
    /// provider 408 (Request Timeout) answers.
    /// Whether it is *safe* to retry (a payment create) is a separate question the retry
    /// policy answers.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout(_) | Self::Transport { .. } => true,
            Self::Provider { status, .. } => *status >= 500 || *status == 408,
            _ => false,
        }
    }

    /// Whether the provider (or bankkit, before sending) refused the request, so that it
    /// certainly changed nothing: a 4xx answer other than 408, an invalid request or
    /// configuration, missing credentials, a connection that could not be opened.
    ///
    /// False where the request may have been applied: timeouts, dropped connections,
    /// 5xx answers, answers that could not be read.
    pub fn was_refused(&self) -> bool {
        match self {
            Self::Unauthorized { .. }
            | Self::TokenExpired { .. }
            | Self::ReauthorizationRequired { .. }
            | Self::Forbidden { .. }
            | Self::NotFound { .. }
            | Self::RateLimited { .. }
            | Self::InvalidRequest { .. }
            | Self::Conflict { .. }
            | Self::Unsupported { .. }
            | Self::Config { .. }
            | Self::Money { .. } => true,
            Self::Provider { status, .. } => (400..500).contains(status) && *status != 408,
            Self::Transport {
                source: Some(source),
                ..
            } => source
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_connect),
            _ => false,
        }
    }

    /// How long the provider asked to wait before the next attempt, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Shorthand for a [`Error::Decode`].
    pub fn decode(what: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::Decode {
            what: what.into(),
            message: message.to_string(),
        }
    }

    /// Shorthand for a [`Error::Config`].
    pub fn config(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::Config {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// Shorthand for an [`Error::InvalidRequest`].
    pub fn invalid(message: impl fmt::Display) -> Self {
        Self::InvalidRequest {
            message: message.to_string(),
        }
    }

    /// Shorthand for an [`Error::Storage`] with a cause.
    pub fn storage(
        message: impl fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Storage {
            message: message.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// Shorthand for [`Error::Unsupported`].
    pub fn unsupported(provider: impl Into<String>, capability: impl Into<String>) -> Self {
        Self::Unsupported {
            provider: provider.into(),
            capability: capability.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_timeouts_and_server_errors_are_retryable() {
        assert!(Error::RateLimited { retry_after: None }.is_retryable());
        assert!(Error::Timeout(Duration::from_secs(1)).is_retryable());
        let server = Error::Provider {
            status: 503,
            code: None,
            message: "down".into(),
        };
        assert!(server.is_retryable());
        let client = Error::Provider {
            status: 400,
            code: None,
            message: "bad".into(),
        };
        assert!(!client.is_retryable());
        assert!(!Error::invalid("x").is_retryable());
        let request_timeout = Error::Provider {
            status: 408,
            code: None,
            message: "slow".into(),
        };
        assert!(request_timeout.is_retryable());
    }

    #[test]
    fn messages_are_lower_case_and_carry_structure() {
        let e = Error::RateLimited {
            retry_after: Some(Duration::from_secs(60)),
        };
        assert_eq!(e.to_string(), "rate limited; retry after 60s");
        let e = Error::Provider {
            status: 500,
            code: Some("INTERNAL".into()),
            message: "oops".into(),
        };
        assert_eq!(
            e.to_string(),
            "provider error (HTTP 500, code INTERNAL): oops"
        );
        assert_eq!(
            Error::config("providers[0].token", "missing").to_string(),
            "invalid configuration: providers[0].token: missing"
        );
    }
}

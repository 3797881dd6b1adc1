//! The one error type of every bankkit crate.
//!
//! Provider crates map their error bodies into [`Error`] in their own `error.rs`; callers
//! match on the variant (or on [`Error::is_retryable`]) and never on provider text.
//! Messages never contain a secret: credentials are [`secrecy`] types and are not formatted.
//!
//! # Which provider, which call
//!
//! An error that comes out of a provider call names the provider and the operation first,
//! on one line:
//!
//! ```text
//! monobank client_info: unauthorized: Unknown 'X-Token'
//! monzo accounts: could not connect to api.example.com:443 (connection refused)
//! ```
//!
//! The variants keep their shape, so `matches!(e, Error::Unauthorized { .. })` and every
//! existing pattern go on working. The context is written into the variant's text field
//! (`message`, or `what` for [`Error::Decode`]) as a `"{provider} {operation}: "` lead by
//! the one place that knows both, [`HttpClient::send`](crate::http::HttpClient::send) (and
//! [`ApiResponse::json`](crate::http::ApiResponse::json) for an answer that cannot be
//! read); `Display` moves the lead before the variant's own words. Read it back with
//! [`Error::provider`], [`Error::operation`] and, for a failed connection,
//! [`Error::host`] and [`Error::transport_kind`]. A transport error shows the host and
//! port only: never the path, the query or user information, which may carry secrets.
//!
//! A timeout names the host it waited for (`monzo accounts: timed out after 30s waiting for
//! api.monzo.com:443`; [`Error::transport_kind`] says [`TransportKind::Timeout`]); a rate
//! limit names the call too (`monobank statement: rate limited; retry after 60s`).

use std::fmt;
use std::sync::RwLock;
use std::time::Duration;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to a provider.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The credentials were missing, wrong, expired or revoked.
    #[error("{}", Line("unauthorized: ", message))]
    Unauthorized {
        /// What the provider said, or what is missing.
        message: String,
    },

    /// The access token has expired; refreshing it may help (token managers do so once).
    #[error("{}", Line("access token expired: ", message))]
    TokenExpired {
        /// What the provider said.
        message: String,
    },

    /// The stored credentials can no longer be refreshed (the refresh token was used,
    /// evicted or revoked): the user must authorise the application again. The stored
    /// tokens are left as they were.
    #[error("{}", Line("the user must authorise again: ", message))]
    ReauthorizationRequired {
        /// What the provider said.
        message: String,
    },

    /// The credentials are valid but not allowed to do this.
    #[error("{}", Line(format_args!("forbidden ({reason}): "), message))]
    Forbidden {
        /// Why, as far as the provider tells.
        reason: ForbiddenReason,
        /// What the provider said.
        message: String,
    },

    /// The account, payment or other object does not exist.
    #[error("{}", Line("not found: ", message))]
    NotFound {
        /// What was looked for.
        message: String,
    },

    /// Too many requests; try again after `retry_after` when the provider says.
    #[error("{context}rate limited{}", RetryAfterSuffix(*retry_after))]
    RateLimited {
        /// How long the provider asks to wait, when known.
        retry_after: Option<Duration>,
        /// Which call was limited (`"monzo accounts: "`), empty when unknown; see
        /// [`Error::rate_limited`] and [`Error::in_context`].
        context: String,
    },

    /// The request was rejected as invalid (bad field, range too long, ...).
    #[error("{}", Line("invalid request: ", message))]
    InvalidRequest {
        /// What was wrong.
        message: String,
    },

    /// The request conflicts with existing state (for example a duplicate reference).
    #[error("{}", Line("conflict: ", message))]
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
    #[error("{}", Line(format_args!("provider error (HTTP {status}{}): ", CodeSuffix(code.as_deref())), message))]
    Provider {
        /// HTTP status code.
        status: u16,
        /// The provider's own error code, when it sends one.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },

    /// No answer within the configured timeout.
    #[error("{message}")]
    Timeout {
        /// The timeout that ran out.
        after: Duration,
        /// What timed out, one line (`monzo accounts: timed out after 30s waiting for
        /// api.monzo.com:443`); see [`Error::timeout`].
        message: String,
    },

    /// The connection failed or was dropped before an answer arrived.
    #[error("{}", TransportLine(message))]
    Transport {
        /// What happened.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// An answer arrived but could not be read.
    #[error("{}: {message}", Line("could not decode ", what))]
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
    #[error("{}", Line("signature verification failed: ", message))]
    Signature {
        /// Why verification failed.
        message: String,
    },

    /// A money-moving request was sent before under the same idempotency key, its outcome is
    /// unknown (the answer was lost) and the provider offers no way to look it up: it is not
    /// sent again. Check the provider's records (a statement, the merchant cabinet) before
    /// deciding what to do.
    #[error("{}", Line("outcome unknown: ", message))]
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

/// How a connection to a provider failed, as far as the error chain tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The host refused the connection (nothing listens on the port).
    ConnectionRefused,
    /// The host name could not be resolved.
    Dns,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// No answer within the configured timeout.
    Timeout,
    /// The connection was reset or closed before the answer was complete.
    Reset,
    /// Anything else.
    Other,
}

impl TransportKind {
    /// Classifies an error chain: reqwest's own flags first, then the I/O errors and the
    /// texts of the errors below it.
    pub fn of(error: &(dyn std::error::Error + 'static)) -> Self {
        if let Some(e) = error.downcast_ref::<reqwest::Error>() {
            if e.is_timeout() {
                return Self::Timeout;
            }
        }
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
        let mut kind = Self::Other;
        while let Some(e) = next {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind as K;
                match io.kind() {
                    K::ConnectionRefused => return Self::ConnectionRefused,
                    K::TimedOut => return Self::Timeout,
                    K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe
                    | K::UnexpectedEof
                    | K::NotConnected => return Self::Reset,
                    _ => {}
                }
            }
            let text = e.to_string().to_ascii_lowercase();
            if text.contains("dns error") || text.contains("failed to lookup address") {
                return Self::Dns;
            }
            if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
                kind = Self::Tls;
            } else if kind == Self::Other
                && (text.contains("connection closed")
                    || text.contains("connection reset")
                    || text.contains("incomplete message")
                    || text.contains("channel closed"))
            {
                kind = Self::Reset;
            }
            next = e.source();
        }
        kind
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ConnectionRefused => "connection refused",
            Self::Dns => "DNS lookup failed",
            Self::Tls => "TLS handshake failed",
            Self::Timeout => "timed out",
            Self::Reset => "connection reset or closed",
            Self::Other => "connection failed",
        })
    }
}

/// Provider ids an error was put in the context of: a text field's lead is read as a
/// context only when its first word is one of them.
static PROVIDERS: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());

fn remember_provider(provider: &'static str) {
    let known = PROVIDERS
        .read()
        .map(|list| list.contains(&provider))
        .unwrap_or(false);
    if !known {
        if let Ok(mut list) = PROVIDERS.write() {
            if !list.contains(&provider) {
                list.push(provider);
            }
        }
    }
}

/// Splits `"{provider} {operation}: {rest}"` into its parts when `provider` is a known id
/// and `operation` a plain name (letters, digits, `_`, `.`, `-`).
fn split_context(text: &str) -> Option<(&str, &str, &str)> {
    let (provider, after) = text.split_once(' ')?;
    let (operation, rest) = after.split_once(": ")?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    if !plain(provider) || !plain(operation) {
        return None;
    }
    let known = PROVIDERS
        .read()
        .map(|list| list.contains(&provider))
        .unwrap_or(false);
    known.then_some((provider, operation, rest))
}

/// A variant's words and its text field, the context (if any) first.
struct Line<'a, L>(L, &'a str);

impl<L: fmt::Display> fmt::Display for Line<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match split_context(self.1) {
            Some((provider, operation, rest)) => {
                write!(f, "{provider} {operation}: {}{rest}", self.0)
            }
            None => write!(f, "{}{}", self.0, self.1),
        }
    }
}

/// A transport error: with a context the message says it all
/// (`monzo accounts: could not connect to api.example.com:443 (connection refused)`).
struct TransportLine<'a>(&'a str);

impl fmt::Display for TransportLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match split_context(self.0) {
            Some((provider, operation, rest)) => write!(f, "{provider} {operation}: {rest}"),
            None => write!(f, "transport error: {}", self.0),
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
    /// The provider whose call failed, when the error came out of a provider call
    /// (`"monobank"`).
    pub fn provider(&self) -> Option<&str> {
        split_context(self.context_text()?).map(|(provider, _, _)| provider)
    }

    /// The operation that failed, when the error came out of a provider call
    /// (`"client_info"`, `"oauth.refresh"`).
    pub fn operation(&self) -> Option<&str> {
        split_context(self.context_text()?).map(|(_, operation, _)| operation)
    }

    /// The host and port a failed connection was for (`"api.monzo.com:443"`), for an
    /// [`Error::Transport`] made by the HTTP client. Never a path or a query.
    pub fn host(&self) -> Option<&str> {
        let Self::Transport { message, .. } = self else {
            return None;
        };
        let (_, _, rest) = split_context(message)?;
        let before_kind = &rest[..rest.rfind(" (")?];
        before_kind.rsplit(' ').next()
    }

    /// How the connection failed: for [`Error::Transport`] (classified from its source,
    /// [`TransportKind::Other`] without one) and [`Error::Timeout`]
    /// ([`TransportKind::Timeout`]); `None` for every other variant.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Self::Timeout { .. } => Some(TransportKind::Timeout),
            Self::Transport { source, .. } => Some(
                source
                    .as_deref()
                    .map_or(TransportKind::Other, |e| TransportKind::of(e)),
            ),
            _ => None,
        }
    }

    /// Puts the error in the context of `provider`'s `operation`: its text field gets the
    /// `"{provider} {operation}: "` lead (once). Variants without a text field, and
    /// configuration errors (about the caller's settings, not the call), are unchanged.
    #[must_use]
    pub fn in_context(mut self, provider: &'static str, operation: &str) -> Self {
        if self.provider().is_some() {
            return self;
        }
        remember_provider(provider);
        if let Some(text) = self.context_text_mut() {
            *text = format!("{provider} {operation}: {text}");
        }
        self
    }

    fn context_text(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { message }
            | Self::TokenExpired { message }
            | Self::ReauthorizationRequired { message }
            | Self::Forbidden { message, .. }
            | Self::NotFound { message }
            | Self::InvalidRequest { message }
            | Self::Conflict { message }
            | Self::Provider { message, .. }
            | Self::Transport { message, .. }
            | Self::Signature { message }
            | Self::Timeout { message, .. }
            | Self::RateLimited {
                context: message, ..
            }
            | Self::OutcomeUnknown { message } => Some(message),
            Self::Decode { what, .. } => Some(what),
            _ => None,
        }
    }

    fn context_text_mut(&mut self) -> Option<&mut String> {
        match self {
            Self::Unauthorized { message }
            | Self::TokenExpired { message }
            | Self::ReauthorizationRequired { message }
            | Self::Forbidden { message, .. }
            | Self::NotFound { message }
            | Self::InvalidRequest { message }
            | Self::Conflict { message }
            | Self::Provider { message, .. }
            | Self::Transport { message, .. }
            | Self::Signature { message }
            | Self::Timeout { message, .. }
            | Self::RateLimited {
                context: message, ..
            }
            | Self::OutcomeUnknown { message } => Some(message),
            Self::Decode { what, .. } => Some(what),
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed.
    ///
    /// True for rate limits, timeouts, transport failures, provider 5xx answers and
    /// provider 408 (Request Timeout) answers.
    /// Whether it is *safe* to retry (a payment create) is a separate question the retry
    /// policy answers.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
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
            Self::RateLimited { retry_after, .. } => *retry_after,
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

    /// Too many requests, with the provider's delay when it named one
    /// ([`Error::RateLimited`]; the call is added by [`Error::in_context`]).
    pub fn rate_limited(retry_after: Option<Duration>) -> Self {
        Self::RateLimited {
            retry_after,
            context: String::new(),
        }
    }

    /// A timeout after `after`, without a host ([`Error::Timeout`]).
    pub fn timeout(after: Duration) -> Self {
        Self::Timeout {
            after,
            message: format!("timed out after {after:?}"),
        }
    }

    /// A timeout after `after` waiting for `host` (host and port only, never a path).
    pub fn timeout_waiting_for(after: Duration, host: &str) -> Self {
        Self::Timeout {
            after,
            message: format!("timed out after {after:?} waiting for {host}"),
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
        assert!(Error::rate_limited(None).is_retryable());
        assert!(Error::timeout(Duration::from_secs(1)).is_retryable());
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
        let e = Error::rate_limited(Some(Duration::from_secs(60)));
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

    #[test]
    fn a_context_comes_first_and_reads_back() {
        let e = Error::Unauthorized {
            message: "Unknown 'X-Token'".into(),
        }
        .in_context("monobank", "client_info");
        assert_eq!(
            e.to_string(),
            "monobank client_info: unauthorized: Unknown 'X-Token'"
        );
        assert!(matches!(e, Error::Unauthorized { .. }));
        assert_eq!(e.provider(), Some("monobank"));
        assert_eq!(e.operation(), Some("client_info"));
        assert_eq!(e.host(), None);
        assert_eq!(e.transport_kind(), None);
        // Once only.
        let again = e.in_context("monzo", "accounts");
        assert_eq!(again.provider(), Some("monobank"));

        let e = Error::Provider {
            status: 502,
            code: Some("BAD_GATEWAY".into()),
            message: "upstream".into(),
        }
        .in_context("monobank", "acquiring.invoice_create");
        assert_eq!(
            e.to_string(),
            "monobank acquiring.invoice_create: provider error (HTTP 502, code BAD_GATEWAY): upstream"
        );
        let e = Error::decode("accounts", "expected value").in_context("monobank", "accounts");
        assert_eq!(
            e.to_string(),
            "monobank accounts: could not decode accounts: expected value"
        );
        let e = Error::Transport {
            message: "could not connect to api.example.com:443 (connection refused)".into(),
            source: None,
        }
        .in_context("monobank", "accounts");
        assert_eq!(
            e.to_string(),
            "monobank accounts: could not connect to api.example.com:443 (connection refused)"
        );
        assert_eq!(e.host(), Some("api.example.com:443"));
        assert_eq!(e.transport_kind(), Some(TransportKind::Other));
        assert_eq!(
            Error::timeout(Duration::from_secs(30)).transport_kind(),
            Some(TransportKind::Timeout)
        );
    }

    #[test]
    fn text_that_only_looks_like_a_context_is_not_one() {
        let e = Error::invalid("bad amount: too big");
        assert_eq!(e.to_string(), "invalid request: bad amount: too big");
        assert_eq!(e.provider(), None);
        assert_eq!(e.operation(), None);
        let e = Error::Transport {
            message: "could not connect".into(),
            source: None,
        };
        assert_eq!(e.to_string(), "transport error: could not connect");
        assert_eq!(e.host(), None);
        // Configuration errors are about the caller's settings: left as they are.
        let e = Error::config("key", "no key").in_context("monobank", "client_info");
        assert_eq!(e.to_string(), "invalid configuration: key: no key");
    }
}

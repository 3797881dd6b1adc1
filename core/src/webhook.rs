//! What providers send to you: the [`Webhook`] capability.
//!
//! Register a receiver URL where the API allows it, then hand every request your receiver
//! gets to [`Webhook::verify_and_parse`]: it checks the provider's signature (or, for
//! providers that do not sign, the documented substitute) and turns the body into a core
//! [`WebhookEvent`].

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, WebhookId};
use crate::payment::PaymentDetails;
use crate::statement::Transaction;
use crate::Result;

/// A receiver URL registered at the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookRegistration {
    /// The provider's id of the registration (or a fixed id where there is only one).
    pub id: WebhookId,
    /// Where events go.
    pub url: String,
    /// The account it covers, where registrations are per account.
    pub account_id: Option<AccountId>,
}

impl WebhookRegistration {
    /// A registration.
    pub fn new(id: WebhookId, url: impl Into<String>, account_id: Option<AccountId>) -> Self {
        Self {
            id,
            url: url.into(),
            account_id,
        }
    }
}

/// An event a provider sent, in core terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum WebhookEvent {
    /// A new or changed transaction on an account.
    Transaction {
        /// The account.
        account_id: AccountId,
        /// The transaction.
        transaction: Transaction,
    },
    /// A payment changed status.
    PaymentStatus {
        /// The payment as it now stands.
        payment: PaymentDetails,
    },
    /// An event bankkit has no core type for; the body is kept.
    Other {
        /// The provider's event type.
        event_type: String,
        /// The body as sent.
        body: serde_json::Value,
    },
}

/// A request a provider sent to your receiver, exactly as received.
///
/// `Debug` shows the path with query values redacted (providers that do not sign put a
/// secret there), the header names only (signatures) and the body's length.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct WebhookRequest<'a> {
    /// The path and query the request was sent to (`/hooks/monzo?secret=...`), where the
    /// receiver knows it; providers that do not sign use a secret in it.
    pub uri: Option<&'a str>,
    /// The headers.
    pub headers: &'a http::HeaderMap,
    /// The body bytes; never re-serialise them before verifying.
    pub body: &'a [u8],
}

impl<'a> WebhookRequest<'a> {
    /// A request with its headers and body.
    pub fn new(headers: &'a http::HeaderMap, body: &'a [u8]) -> Self {
        Self {
            uri: None,
            headers,
            body,
        }
    }

    /// Adds the path and query it was sent to.
    pub fn with_uri(mut self, uri: &'a str) -> Self {
        self.uri = Some(uri);
        self
    }

    /// The value of query parameter `name` in [`WebhookRequest::uri`], percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.uri?.split_once('?')?.1;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

impl fmt::Debug for WebhookRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uri = self.uri.map(redact_query);
        let header_names: Vec<&str> = self.headers.keys().map(http::HeaderName::as_str).collect();
        f.debug_struct("WebhookRequest")
            .field("uri", &uri)
            .field("header_names", &header_names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// `uri` with every query value (and any fragment) replaced by `[REDACTED]`; parameter
/// names are kept.
fn redact_query(uri: &str) -> String {
    let uri = uri.split_once('#').map_or(uri, |(before, _)| before);
    let Some((path, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let names: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            format!("{name}=[REDACTED]")
        })
        .collect();
    format!("{path}?{}", names.join("&"))
}

/// Registers receivers and reads what providers send to them.
#[async_trait]
pub trait Webhook: Send + Sync {
    /// Registers `url` to receive events (for `account` where registrations are per
    /// account).
    ///
    /// # Errors
    /// Any [`crate::Error`]; `InvalidRequest` when the provider's check of the URL fails.
    async fn register(&self, url: &str, account: Option<&AccountId>)
        -> Result<WebhookRegistration>;

    /// The registered receivers.
    ///
    /// # Errors
    /// Any [`crate::Error`].
    async fn list(&self) -> Result<Vec<WebhookRegistration>>;

    /// Removes a registration.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown id.
    async fn remove(&self, id: &WebhookId) -> Result<()>;

    /// Checks that a request really comes from the provider and reads it.
    ///
    /// # Errors
    /// [`crate::Error::Signature`] when it does not verify; [`crate::Error::Decode`] when
    /// the body is not an event.
    async fn verify_and_parse(&self, request: WebhookRequest<'_>) -> Result<WebhookEvent>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_read_from_the_uri() {
        let headers = http::HeaderMap::new();
        let request = WebhookRequest::new(&headers, b"{}").with_uri("/hook?a=1&secret=s%3Dx");
        assert_eq!(request.query_param("secret").as_deref(), Some("s=x"));
        assert_eq!(request.query_param("missing"), None);
        assert_eq!(WebhookRequest::new(&headers, b"").query_param("a"), None);
    }

    #[test]
    fn debug_hides_query_values_header_values_and_the_body() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-signature",
            http::HeaderValue::from_static("sig_SECRET_VALUE"),
        );
        let body = br#"{"card":"SECRET_BODY"}"#;
        let request = WebhookRequest::new(&headers, body)
            .with_uri("/hooks/monzo?secret=hook_SECRET_123&account=acc_1#frag_SECRET");
        let shown = format!("{request:?}");
        for secret in [
            "hook_SECRET_123",
            "sig_SECRET_VALUE",
            "SECRET_BODY",
            "frag_SECRET",
            "acc_1",
        ] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(
            shown.contains("/hooks/monzo?secret=[REDACTED]&account=[REDACTED]"),
            "{shown}"
        );
        assert!(shown.contains("x-signature"), "{shown}");
        assert!(shown.contains(&body.len().to_string()), "{shown}");
        // The query is still there for the code that reads it.
        assert_eq!(
            request.query_param("secret").as_deref(),
            Some("hook_SECRET_123")
        );
        assert!(format!("{:?}", WebhookRequest::new(&headers, b"")).contains("None"));
    }
}

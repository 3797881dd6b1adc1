//! What providers send to you: the [`Webhook`] capability.
//!
//! Register a receiver URL where the API allows it, then hand every request your receiver
//! gets to [`Webhook::verify_and_parse`]: it checks the provider's signature (or, for
//! providers that do not sign, the documented substitute) and turns the body into a core
//! [`WebhookEvent`].

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
    /// `headers` and `body` are exactly as received; never re-serialise the body first.
    ///
    /// # Errors
    /// [`crate::Error::Signature`] when it does not verify; [`crate::Error::Decode`] when
    /// the body is not an event.
    async fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent>;
}

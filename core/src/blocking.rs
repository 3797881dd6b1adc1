//! The same calls without `async`, for scripts and programs with a plain `fn main`
//! (feature `blocking`, in the way `reqwest::blocking` wraps `reqwest`).
//!
//! A [`BlockingProvider`] owns a small Tokio runtime and drives the async provider on it;
//! each call blocks the calling thread until the provider answers. Statements come as an
//! iterator that fetches page by page, so a long history is never held whole in memory.
//!
//! ```no_run
//! use bankkit_core::blocking::BlockingProvider;
//!
//! fn main() -> Result<(), bankkit_core::Error> {
//!     // The provider crates must be linked for the registry to know them, e.g.
//!     // `use bankkit_monobank as _;`.
//!     let providers = BlockingProvider::from_toml(
//!         r#"[[providers]]
//!            provider = "monobank"
//!            token = "your 44-character personal token""#,
//!     )?;
//!     for provider in &providers {
//!         for account in provider.accounts()? {
//!             println!("{}: {:?}", account.id, provider.balance(&account.id)?.available);
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Calling it from inside an async runtime (a Tokio task) would stall that runtime, so it
//! is refused with [`Error::InvalidRequest`]: use the async API there. As with
//! `reqwest::blocking`, make and drop a `BlockingProvider` outside async code too (Tokio
//! does not let a runtime be dropped inside another).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;

use crate::payment::{
    CaptureRequest, CollectRequest, PaymentDetails, PaymentId, PaymentKind, PayoutRequest, Refund,
    RefundRequest,
};
use crate::registry::{self, BuildContext};
use crate::statement::Transaction;
use crate::webhook::{WebhookEvent, WebhookRegistration, WebhookRequest};
use crate::{Account, AccountBalance, AccountId, Capabilities, Error, Provider, Result, WebhookId};

/// A provider whose calls block the calling thread.
///
/// Cloning shares the provider and the runtime.
#[derive(Clone)]
pub struct BlockingProvider {
    inner: Arc<dyn Provider>,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl fmt::Debug for BlockingProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingProvider")
            .field("provider", &self.inner)
            .finish_non_exhaustive()
    }
}

/// Refuses a blocking call made from inside an async runtime (it would stall it).
fn outside_a_runtime() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid(
            "a blocking bankkit call inside an async runtime would stall it: \
             use the async API there",
        ));
    }
    Ok(())
}

fn runtime() -> Result<Arc<tokio::runtime::Runtime>> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bankkit-blocking")
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| Error::config("runtime", e))
}

impl BlockingProvider {
    /// Wraps `provider`, with a runtime of its own.
    ///
    /// # Errors
    /// [`Error::Config`] when the runtime cannot start.
    pub fn new(provider: Arc<dyn Provider>) -> Result<Self> {
        Ok(Self {
            inner: provider,
            runtime: runtime()?,
        })
    }

    /// Every provider of a providers file (TOML, `[[providers]]`), built with the default
    /// context (system clock, default HTTP options, memory token store) and sharing one
    /// runtime.
    ///
    /// # Errors
    /// As [`registry::providers_from_toml`].
    pub fn from_toml(text: &str) -> Result<Vec<Self>> {
        Self::from_toml_with(text, &BuildContext::default())
    }

    /// As [`BlockingProvider::from_toml`], with a build context of the caller's (a file
    /// token store, other HTTP options).
    ///
    /// # Errors
    /// As [`registry::providers_from_toml`].
    pub fn from_toml_with(text: &str, context: &BuildContext) -> Result<Vec<Self>> {
        let runtime = runtime()?;
        // Providers may start timers or tasks as they are built: build them inside it.
        let built = {
            let _inside = runtime.enter();
            registry::providers_from_toml(text, context)?
        };
        Ok(built
            .into_iter()
            .map(|inner| Self {
                inner,
                runtime: runtime.clone(),
            })
            .collect())
    }

    /// The async provider underneath.
    pub fn provider(&self) -> &Arc<dyn Provider> {
        &self.inner
    }

    /// The provider's registry name.
    pub fn id(&self) -> &str {
        self.inner.id()
    }

    /// What the provider can do.
    pub fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn block<T>(&self, call: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        outside_a_runtime()?;
        self.runtime.block_on(call)
    }

    fn unsupported(&self, capability: &str) -> Error {
        Error::unsupported(self.inner.id(), capability)
    }

    /// [`crate::Balance::accounts`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let balance = self
            .inner
            .balance()
            .ok_or_else(|| self.unsupported("balance"))?;
        self.block(balance.accounts())
    }

    /// [`crate::Balance::balance`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        let balance = self
            .inner
            .balance()
            .ok_or_else(|| self.unsupported("balance"))?;
        self.block(balance.balance(account))
    }

    /// The transactions of `account` in `[from, to)`, fetched window by window and page by
    /// page as the iterator is read ([`crate::statement::transactions`]).
    ///
    /// # Errors
    /// `Unsupported` without the capability, and the refusal of a blocking call inside an
    /// async runtime; each item then carries the errors of the walk.
    pub fn transactions(
        &self,
        account: AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Transactions<'_>> {
        let statement = self
            .inner
            .statement()
            .ok_or_else(|| self.unsupported("statement"))?;
        outside_a_runtime()?;
        Ok(Transactions {
            stream: crate::statement::transactions(statement, account, from, to),
            runtime: &self.runtime,
            ended: false,
        })
    }

    fn payment(&self) -> Result<&dyn crate::Payment> {
        self.inner
            .payment()
            .ok_or_else(|| self.unsupported("payment"))
    }

    /// [`crate::Payment::collect`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn collect(&self, request: CollectRequest) -> Result<PaymentDetails> {
        let payment = self.payment()?;
        self.block(payment.collect(request))
    }

    /// [`crate::Payment::pay_out`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn pay_out(&self, request: PayoutRequest) -> Result<PaymentDetails> {
        let payment = self.payment()?;
        self.block(payment.pay_out(request))
    }

    /// [`crate::Payment::status`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn status(&self, id: &PaymentId) -> Result<PaymentDetails> {
        let payment = self.payment()?;
        self.block(payment.status(id))
    }

    /// [`crate::Payment::find`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn find(&self, kind: PaymentKind, reference: &str) -> Result<Option<PaymentDetails>> {
        let payment = self.payment()?;
        self.block(payment.find(kind, reference))
    }

    /// [`crate::Payment::capture`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn capture(&self, request: CaptureRequest) -> Result<PaymentDetails> {
        let payment = self.payment()?;
        self.block(payment.capture(request))
    }

    /// [`crate::Payment::cancel`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn cancel(&self, id: &PaymentId) -> Result<PaymentDetails> {
        let payment = self.payment()?;
        self.block(payment.cancel(id))
    }

    /// [`crate::Payment::refund`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn refund(&self, request: RefundRequest) -> Result<Refund> {
        let payment = self.payment()?;
        self.block(payment.refund(request))
    }

    fn webhook(&self) -> Result<&dyn crate::Webhook> {
        self.inner
            .webhook()
            .ok_or_else(|| self.unsupported("webhook"))
    }

    /// [`crate::Webhook::register`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn register_webhook(
        &self,
        url: &str,
        account: Option<&AccountId>,
    ) -> Result<WebhookRegistration> {
        let webhook = self.webhook()?;
        self.block(webhook.register(url, account))
    }

    /// [`crate::Webhook::list`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn webhooks(&self) -> Result<Vec<WebhookRegistration>> {
        let webhook = self.webhook()?;
        self.block(webhook.list())
    }

    /// [`crate::Webhook::remove`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn remove_webhook(&self, id: &WebhookId) -> Result<()> {
        let webhook = self.webhook()?;
        self.block(webhook.remove(id))
    }

    /// [`crate::Webhook::verify_and_parse`].
    ///
    /// # Errors
    /// As the async call; `Unsupported` without the capability.
    pub fn verify_and_parse(&self, request: WebhookRequest<'_>) -> Result<WebhookEvent> {
        let webhook = self.webhook()?;
        self.block(webhook.verify_and_parse(request))
    }
}

/// The transactions of one walk, read one at a time ([`BlockingProvider::transactions`]).
pub struct Transactions<'a> {
    stream: futures::stream::BoxStream<'a, Result<Transaction>>,
    runtime: &'a tokio::runtime::Runtime,
    /// Set after a refused read, so a loop over the iterator ends.
    ended: bool,
}

impl fmt::Debug for Transactions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transactions").finish_non_exhaustive()
    }
}

impl Iterator for Transactions<'_> {
    type Item = Result<Transaction>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        if let Err(refused) = outside_a_runtime() {
            self.ended = true;
            return Some(Err(refused));
        }
        self.runtime.block_on(self.stream.next())
    }
}

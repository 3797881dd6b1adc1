//! # bankkit-core
//!
//! Provider-agnostic traits over bank and payment-provider APIs, with exact money, one error
//! type, shared HTTP plumbing, token stores and a plugin registry.
//!
//! A provider crate (`bankkit-monobank`, ...) implements the traits; an application holds
//! providers as `Arc<dyn Provider>` and asks each what it can do:
//!
//! ```
//! use std::sync::Arc;
//! use bankkit_core::{Capability, Provider};
//!
//! fn describe(provider: &Arc<dyn Provider>) {
//!     for capability in Capability::ALL {
//!         let support = provider.capabilities().get(capability).clone();
//!         println!("{}: {capability}: {support:?}", provider.id());
//!     }
//!     if let Some(balance) = provider.balance() {
//!         // balance.accounts().await ...
//! #       let _ = balance;
//!     }
//! }
//! ```
//!
//! - [`Balance`]: accounts and their balances.
//! - [`Statement`]: transactions, one page at a time, and
//!   [`statement::transactions`], the one stream that walks windows and pages.
//! - [`Payment`]: collect (page, phone, card; at once or held), capture, cancel, refund
//!   (partial too), pay out, status, find by reference; every create takes an
//!   [`IdempotencyKey`] and is kept at most once ([`payment::once`]).
//! - [`Webhook`]: register receivers and [`Webhook::verify_and_parse`] what arrives.
//! - [`TokenStore`]: versioned storage of rotating credentials, with single-flight refresh.
//! - [`Money`]: a `Decimal` and an ISO 4217 currency; never a float (JSON numbers are read
//!   exactly as [`money::JsonDecimal`]).
//! - [`Error`]: one `#[non_exhaustive]` enum with [`Error::is_retryable`].
//! - [`http`]: timeouts, retries, `Retry-After`, client-side rate limits (kept, turned off
//!   or kept on a sandbox's clock: [`http::Pacing`]). Backoff and `Retry-After` waits go
//!   through the injectable [`Clock`] ([`SandboxClock`] follows a running sandbox); the
//!   per-attempt and connect timeouts are `reqwest`'s real-time timers and do not follow it.
//! - [`registry`]: providers register as plugins; configs are `typetag` trait objects;
//!   [`validate`] checks their fields.

pub mod balance;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod clock;
pub mod credentials;
pub mod error;
mod fsutil;
pub mod http;
mod ids;
pub mod money;
pub mod payment;
pub mod provider;
pub mod registry;
pub mod secret;
pub mod statement;
pub mod token;
pub mod validate;
pub mod webhook;

pub use balance::{Account, AccountBalance, AccountKind, Balance};
pub use clock::{Clock, ManualClock, SandboxClock, SystemClock};
pub use error::{Error, ForbiddenReason, Result};
pub use ids::{AccountId, TransactionId, WebhookId};
pub use money::{Currency, Decimal, Direction, Money};
pub use payment::{
    CaptureMode, CaptureRequest, CollectRequest, IdempotencyKey, Party, Payment, PaymentDetails,
    PaymentId, PaymentKind, PaymentOperation, PaymentStatus, PayoutRequest, Refund, RefundRequest,
    RefundStatus,
};
pub use provider::{Capabilities, Capability, Provider, Support};
pub use statement::{
    PageCursor, Statement, StatementLimits, StatementPage, StatementRequest, Transaction,
    TransactionStatus,
};
pub use token::{TokenSet, TokenStore};
pub use webhook::{Webhook, WebhookEvent, WebhookRegistration, WebhookRequest};

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use typetag;

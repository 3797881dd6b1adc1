//! bankkit-sandbox: stateful, faithful imitations of bank and payment-provider HTTP APIs, for
//! tests (in-process) and for any language (the `bankkit-sandbox` binary).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bankkit_sandbox::Sandbox;
//!
//! // Arrange: every registered provider on its own local port.
//! let sandbox = Sandbox::start().await?;
//! let monobank = sandbox.monobank().ok_or("monobank not started")?;
//! let token = monobank.credentials()["token"].as_str().unwrap_or_default().to_owned();
//!
//! // Act: a plain HTTP call, as any client would make.
//! let response = reqwest::Client::new()
//!     .get(format!("{}/personal/client-info", monobank.base_url()))
//!     .header("X-Token", token)
//!     .send()
//!     .await?;
//!
//! // Assert
//! assert_eq!(response.status(), 200);
//! let info: serde_json::Value = response.json().await?;
//! assert_eq!(info["permissions"], "psfj");
//! # Ok(()) }
//! ```
//!
//! # How it fits together
//!
//! - **Providers.** Each imitated API is a module implementing [`SandboxProvider`] over its own
//!   shared state, registered by name ([`register_provider!`]; Monobank's personal,
//!   provider and acquiring APIs, Monzo's developer API, MTN MoMo's Open API and Morune's API are built
//!   in). Each is
//!   served on a port of
//!   its own, as real APIs live on separate hosts. Its [`Routes`] are wiremock matchers in
//!   front of responders ([`Respond`]: synchronous and short, no I/O, no sleeping;
//!   [`RespondAsync`] for the rare route that waits on the outside world) answering a
//!   [`Reply`].
//! - **State and seed.** A provider generates its data (clients, accounts, months of
//!   transactions, credentials) from the sandbox seed, relative to the clock's time at start,
//!   so the same seed gives the same data. [`Sandbox::reset`] returns to it.
//! - **Clock.** One [`ManualClock`] is shared by every provider: rate-limit windows, "now" in
//!   responses, new transactions and webhook retry times all read it. In-process it is frozen
//!   at [`default_start_time`] until a test advances it; the binary follows the wall clock.
//! - **Faults.** Provider routes are mounted through [`ProviderContext::route`], which puts the
//!   provider's [`FaultRegistry`] in front of the responder: the next N requests matching a
//!   [`Fault`] get a status, a delay, a malformed body, or a lost connection (before or after
//!   the change is committed).
//! - **Server.** Each port is served by the sandbox's own HTTP/1.1 server, on the caller's
//!   runtime: [`ServerLimits`] (body and head sizes, connection cap, header-read, body-read and
//!   idle timeouts) are checked before any route runs and refusals come in the provider's
//!   error shape; nothing of a request is kept once answered, except a line in the bounded
//!   request journal ([`JournalEntry`]) and one log line. wiremock's `MockServer` is not used:
//!   it keeps every matched request, answers on one thread under one lock and has no limits
//!   (see docs/sandbox.md).
//! - **Webhooks.** Providers hand [`OutgoingWebhook`]s to a shared outbox; a background task
//!   delivers them over real HTTP when due on the sandbox clock, records every attempt
//!   ([`Delivery`]) and retries per the provider's [`RetryPolicy`] in clock time.
//! - **Control.** Each provider's API server (its [`base_url`](ProviderHandle::base_url))
//!   answers a JSON control API under `/__bankkit/` (credentials, clock, reset, faults,
//!   events, webhook log, ledger); a provider's other hosts (e.g. Monzo's `auth` host) do not.
//!   [`Sandbox`] and [`ProviderHandle`] offer the same as methods.
//!
//! # Control API
//!
//! | method + path | body | answer |
//! |---|---|---|
//! | `GET /__bankkit/credentials` | | the provider's credentials, e.g. `{"token": "…"}` |
//! | `GET /__bankkit/clock` | | `{"now": "<RFC 3339>"}` |
//! | `POST /__bankkit/clock/advance` | `{"seconds": n}` | `{"now": "<RFC 3339>"}`; 400 past 9999-12-31T23:59:59Z |
//! | `POST /__bankkit/reset` | | `{}`: state back to seed, faults and delivery log cleared |
//! | `GET /__bankkit/faults` | | `[Fault…]` still waiting |
//! | `POST /__bankkit/faults` | a [`Fault`] | `[Fault…]` still waiting |
//! | `DELETE /__bankkit/faults` | | `{}` |
//! | `POST /__bankkit/events` | a [`SandboxEvent`] | what the event created |
//! | `GET /__bankkit/webhooks` | | `[Delivery…]`, oldest first |
//! | `GET /__bankkit/ledger` | | a [`Ledger`] |
//! | `GET /__bankkit/requests[?provider=NAME]` | | `[JournalEntry…]`, oldest first |
//! | `GET /__bankkit/state` | | `{"state": {…counts}, "deliveries": n}`: how much the provider holds ([`ProviderHandle::state_sizes`]) |
//!
//! Errors are 400/404 with `{"error": "<message>"}`. Faults never apply to these routes.
//! Control requests must name a known host in `Host` and `Origin` (403), a `POST` must say
//! `Content-Type: application/json` (415), and with a control token every request carries
//! `Authorization: Bearer <token>` (401).
//!
//! # Adding a provider
//!
//! Write a module (in this crate or your own) with a [`SandboxProvider`] implementation and
//! `register_provider!("name", build)`. A crate outside this one must be linked into the final
//! binary (e.g. `use acme_sandbox as _;`) for its registration to be seen.

mod bounded;
mod control;
mod error;
mod event;
mod fault;
mod html;
mod journal;
mod ledger;
mod limits;
mod momo;
mod monobank;
mod monzo;
mod morune;
mod outbound;
mod provider;
mod reply;
mod request;
mod rng;
mod route;
mod sandbox;
mod server;
mod sync;
mod time;
mod webhook;

pub use async_trait::async_trait;
pub use bankkit_core::clock::{Clock, ManualClock};
pub use inventory;
pub use wiremock;

pub use crate::error::SandboxError;
pub use crate::event::SandboxEvent;
pub use crate::fault::{ErrorBodyFn, Fault, FaultKind, FaultRegistry, PathErrorBodyFn};
pub use crate::journal::{JournalEntry, DEFAULT_JOURNAL_CAPACITY};
pub use crate::ledger::{Ledger, LedgerAccount, LedgerTransaction, SETTLEMENT_KIND};
pub use crate::limits::StateLimits;
pub use crate::outbound::{
    OutboundPolicy, DEFAULT_DELIVERY_LOG_CAPACITY, DEFAULT_MAX_CONCURRENT_DELIVERIES,
};
pub use crate::provider::{
    BuildProvider, ProviderContext, ProviderRegistration, SandboxProvider, TestOutcome, TestParty,
};
pub use crate::reply::Reply;
pub use crate::rng::{base64, hash_name, mix64, SeededRng};
pub use crate::route::{ReplyFuture, Respond, RespondAsync, Route, RouteBuilder, Routes};
pub use crate::sandbox::{
    default_start_time, registered_providers, ProviderHandle, Sandbox, SandboxBuilder, DEFAULT_SEED,
};
pub use crate::server::ServerLimits;
pub use crate::webhook::{
    AcceptedStatus, Delivery, DeliveryAttempt, DeliveryState, GiveUpHook, OutgoingWebhook,
    RetryPolicy, WebhookSender,
};

/// The provider modules built into this crate, listed directly (modules of other crates come
/// through `inventory`).
fn builtin_providers() -> [&'static ProviderRegistration; 4] {
    [
        &momo::REGISTRATION,
        &monobank::REGISTRATION,
        &monzo::REGISTRATION,
        &morune::REGISTRATION,
    ]
}

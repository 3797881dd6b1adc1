//! # bankkit-axum
//!
//! An [`axum::Router`] that gives each signed-in user of a web app their own bank and
//! payment-provider routes: they store credentials for a provider once, then read
//! accounts, balances and streamed statements, make payments and receive webhooks through
//! it. The app nests it under a path of its choice and says who the user is through its
//! own extractor ([`UserId`]); the router does no login.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::extract::FromRequestParts;
//! use bankkit_axum::{BankkitRouter, UserId};
//! use bankkit_core::credentials::MemoryCredentialStore;
//! use bankkit_core::token::MemoryTokenStore;
//! use bankkit_monobank as _; // link every provider crate the app offers
//!
//! /// The app's signed-in user (here: put in the extensions by its auth layer).
//! #[derive(Clone)]
//! struct SignedIn(String);
//!
//! impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
//!     type Rejection = http::StatusCode;
//!     async fn from_request_parts(
//!         parts: &mut http::request::Parts,
//!         _: &S,
//!     ) -> Result<Self, Self::Rejection> {
//!         parts.extensions.get::<SignedIn>().cloned().ok_or(http::StatusCode::UNAUTHORIZED)
//!     }
//! }
//!
//! impl UserId for SignedIn {
//!     fn user_id(&self) -> &str {
//!         &self.0
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bank = BankkitRouter::<SignedIn>::new(
//!     Arc::new(MemoryCredentialStore::new()), // each user's provider configs
//!     Arc::new(MemoryTokenStore::new()),      // rotating tokens, scoped per user
//! )
//! .public_url("https://app.example/bank")
//! .on_event(|user, provider, event| println!("{user}/{provider}: {event:?}"))
//! .build();
//! let app = axum::Router::new().nest("/bank", bank);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! - **Routes** (`docs/web.md` has the table): `PUT`/`DELETE /providers/{provider}/credentials`,
//!   `GET /providers`, accounts and balances, `…/accounts/{account}/statement` streamed as
//!   JSON lines, payments (collect, payouts, status, refunds; creates need an
//!   `Idempotency-Key` header), webhook registrations and the receiver
//!   `POST /hooks/{provider}/{user}`, Monobank's public rates, and `GET /openapi.json`
//!   ([`openapi_document`]).
//! - **Errors** are RFC 9457 problem details ([`Problem`], `application/problem+json`) with
//!   the `provider` and a stable `code`, mapped from [`bankkit_core::Error`]
//!   ([`Problem::from_error`]); none quotes a secret.
//! - **Payment ids** travel in URLs as [`encode_payment_id`] makes them: unpadded base64url
//!   of the [`PaymentId`](bankkit_core::PaymentId)'s JSON (`url_id` in every answer).
//! - **Stores**: any [`CredentialStore`](bankkit_core::credentials::CredentialStore) and
//!   [`TokenStore`](bankkit_core::TokenStore); each user's providers get
//!   [`ScopedTokenStore::new(store, user)`](bankkit_core::token::ScopedTokenStore), and are
//!   cached per user and provider until the stored config changes.
//!
//! | feature | enables | default |
//! |---|---|---|
//! | `monobank` | `GET /monobank/currency` and `GET /monobank/currency/{a}/{b}` | yes |

// A `Problem` is the answer of a failed request, built once and sent: its size does not
// matter on that path.
#![allow(clippy::result_large_err)]

mod extract;
mod handlers;
#[cfg(feature = "monobank")]
mod monobank;
mod openapi;
mod payment_id;
mod problem;
mod router;

pub use openapi::document as openapi_document;
pub use payment_id::{decode_payment_id, encode_payment_id};
pub use problem::{Problem, PROBLEM_JSON};
pub use router::{BankkitRouter, EventHandler, UserId};

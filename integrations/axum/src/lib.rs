//! # bankkit-axum
//!
//! An [`axum::Router`] that gives each signed-in user of a web app their own bank and
//! payment-provider routes: they store credentials for a provider once, then read
//! accounts, balances and statements, make payments and receive webhooks through it.
//!
//! See `docs/web.md` for the routes table and the problem codes.

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

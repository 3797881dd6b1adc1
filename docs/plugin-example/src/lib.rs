//! An example provider plugin for bankkit: "Acme Bank", a small fictional JSON API with
//! accounts, balances and card charges, written the way a third party adds a provider
//! without touching bankkit's crates.
//!
//! The crate does three things:
//!
//! 1. implements the core traits it can ([`AcmeProvider`]: `Balance` and `Payment`; the rest
//!    are declared unsupported through capabilities);
//! 2. registers itself with the plugin registry (`bankkit_core::register_provider!`) and its
//!    config ([`AcmeConfig`]) as a `typetag` trait object named `"acme"`;
//! 3. registers an imitation of its API with the sandbox (`bankkit_sandbox::register_provider!`),
//!    so that the conformance runner can test it offline.
//!
//! Linking the crate is all it takes for the registry, the sandbox and the conformance runner
//! to find it:
//!
//! ```
//! use bankkit_example_plugin as _;
//!
//! let names: Vec<_> = bankkit_core::registry::registered().iter().map(|r| r.name).collect();
//! assert!(names.contains(&"acme"));
//! ```
//!
//! # The Acme API
//!
//! Acme's (fictional) documentation, which both the client and the sandbox imitation are
//! written from. Every request carries `Authorization: Bearer <api key>`; bodies are JSON;
//! amounts are decimal strings in the currency's units (`"12.34"`); times are RFC 3339 UTC.
//! Every error is `{"error": {"code": "…", "message": "…"}}` with status 400 (invalid
//! request), 401 (bad key), 404 (unknown id), 409 (the charge's state does not allow it),
//! 429 or 5xx.
//!
//! **Accounts**
//!
//! - `GET /v1/accounts` → `{"accounts": [{id, name, type, currency, balance}]}`
//! - `GET /v1/accounts/{id}` → one account
//!
//! **Charges**
//!
//! - `POST /v1/charges` with
//!   `{amount, currency, card: {number, exp_month, exp_year, cvc?}, reference?, capture}`
//!   → `201` charge. `capture: false` only authorises (holds) the amount for 7 days.
//!   Charges are made in the currency of one of the merchant's current accounts and settle
//!   into it (`400 currency_not_supported` otherwise). **Acme does not dedupe**: the same
//!   body sent twice is two charges. There is no search by `reference`.
//! - `GET /v1/charges/{id}` → charge
//! - `POST /v1/charges/{id}/capture` with `{amount?}` → charge: takes all of an
//!   `authorized` charge, or part of it (the rest is released). `409
//!   charge_not_capturable` unless authorized, `400 amount_too_large` over the hold.
//! - `POST /v1/charges/{id}/cancel` → charge: releases a hold (`canceled`); `409
//!   charge_not_cancelable` unless authorized.
//! - `POST /v1/charges/{id}/refunds` with `{amount?}` → `201` refund: gives back all that
//!   is left, or part of it. `409 charge_not_refundable` unless succeeded, `409
//!   charge_already_refunded`, `400 amount_too_large` over what is left.
//!
//! A charge:
//!
//! ```json
//! {
//!   "id": "ch_3Kq9…", "object": "charge",
//!   "status": "succeeded",            // succeeded | failed | pending | authorized | canceled
//!   "amount": "50.00", "amount_captured": "32.00", "amount_refunded": "10.00",
//!   "currency": "EUR", "reference": "order-1001", "capture": false,
//!   "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
//!   "failure_code": null,             // card_declined, expired_card, incorrect_cvc, …
//!   "decline_code": null,             // for card_declined: insufficient_funds, lost_card, …
//!   "failure_message": null,
//!   "refunds": [{"id": "re_…", "object": "refund", "charge": "ch_3Kq9…", "amount": "10.00",
//!                "currency": "EUR", "status": "succeeded", "created_at": "…"}],
//!   "created_at": "2026-11-02T10:00:00Z"
//! }
//! ```
//!
//! A declined card is not an error: the charge is created with `status: "failed"` and a
//! `failure_code`.
//!
//! # How the provider keeps a charge from being made twice
//!
//! Acme neither dedupes nor finds a charge by reference, so [`AcmeProvider`] records each
//! charge and refund under the caller's `IdempotencyKey` *before* sending it
//! (`bankkit_core::payment::once`, rule `AtMostOnce::LocalRecord`): in memory, or in the
//! file named by [`AcmeConfig::idempotency_file`] so that the record outlives the process.
//! A call again with the same key returns the recorded outcome; after a lost answer it is
//! `Error::OutcomeUnknown`, never a second charge.

mod client;
mod config;
mod convert;
mod error;
mod imitation;
mod provider;
mod wire;

pub use config::AcmeConfig;
pub use provider::AcmeProvider;

bankkit_core::register_provider!(bankkit_core::registry::ProviderRegistration {
    name: "acme",
    description: "Acme Bank (example plugin)",
    capabilities: provider::capabilities,
    sample_config: "api_key = \"acme_test_key\"\nbase_url = \"https://api.acme.example\"",
    sandbox_config: config::sandbox_config,
});

bankkit_sandbox::register_provider!("acme", imitation::build);

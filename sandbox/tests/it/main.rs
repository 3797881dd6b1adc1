//! The sandbox over HTTP, one module per area. One test binary for the whole crate keeps
//! builds small and quick to link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod acquiring_common;
mod browser_common;
mod common;
mod momo_common;
mod monobank_provider_common;
mod monzo_common;
mod morune_common;

mod binary;
mod browser;
mod control_api;
mod exposure;
mod faults;
mod load;
mod momo_access;
mod momo_callbacks;
mod momo_collection;
mod momo_numbers;
mod momo_payments;
mod monobank_acquiring;
mod monobank_acquiring_webhooks;
mod monobank_page;
mod monobank_personal_api;
mod monobank_provider;
mod monobank_provider_browser;
mod monobank_statement;
mod monobank_webhooks;
mod monzo_accounts;
mod monzo_content;
mod monzo_errors;
mod monzo_oauth;
mod monzo_transactions;
mod monzo_webhooks;
mod morune_api;
mod morune_browser;
mod morune_page;
mod morune_payoffs;
mod morune_webhooks;
mod outbound;
mod sandbox_builder;
mod server_limits;
mod state_bounds;

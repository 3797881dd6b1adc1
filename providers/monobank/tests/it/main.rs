//! The provider's integration tests, one module per area, built as one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod acquiring;
mod blocking;
mod config;
mod error_context;
mod generated;
mod pacing;
mod payments;
mod provider_api;
mod provider_api_sandbox;
mod sandbox;

//! The provider's integration tests, one module per area, built as one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod config;
mod error_context;
mod generated;
mod sandbox;
mod tokens;
mod wire;

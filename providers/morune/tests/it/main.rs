//! The provider's integration tests against local stand-ins on 127.0.0.1, one module per
//! area, built as one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod error_context;
mod generated;
mod provider;
mod sandbox;

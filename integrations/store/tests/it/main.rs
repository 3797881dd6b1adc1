//! bankkit-store against SQLite always and PostgreSQL when `BANKKIT_TEST_POSTGRES_URL` is
//! set (with `CI` set and no URL, the PostgreSQL tests fail). Some tests run this binary
//! again as a child process: see [`child`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

// Linked for the registry: stored configs are checked against it.
use bankkit_monzo as _;

mod child;
mod common;
mod crash;
mod keys;
mod round_trip;
mod single_flight;
mod timeouts;

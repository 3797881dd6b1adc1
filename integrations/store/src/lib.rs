//! Credential and token stores for bankkit on SQLite (the embedded default) and
//! PostgreSQL, with every secret encrypted at rest.
//!
//! [`SqlStore`] implements core's [`CredentialStore`](bankkit_core::credentials::CredentialStore)
//! (each user's provider configs) and [`TokenStore`](bankkit_core::TokenStore) (rotating
//! tokens, versioned, with a refresh lock every process sharing the database respects), so a
//! refresh is single-flight across processes and machines.
//!
//! ```
//! use bankkit_core::credentials::{CredentialStore, StoredConfig};
//! use bankkit_core::{Error, TokenSet, TokenStore};
//! use bankkit_store::{Keyring, SqlStore};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! // Arrange: a store in memory, its tables created.
//! let keyring = Keyring::new("2026-11", *Keyring::generate_key());
//! let store = SqlStore::connect("sqlite::memory:", keyring).await?;
//! store.migrate().await?;
//!
//! // Act: two saves of one key, each under the refresh lock.
//! let key = "monzo:user_1";
//! let first = {
//!     let _lock = store.lock(key).await?;
//!     store.save(key, TokenSet::new("access-1".into())).await?
//! };
//! let second = store.save(key, TokenSet::new("access-2".into())).await?;
//!
//! // Assert: versions grow by one; another key has nothing stored.
//! assert_eq!((first, second), (1, 2));
//! assert_eq!(store.load(key).await?.map(|t| t.version), Some(2));
//! assert!(store.load("monzo:user_2").await?.is_none());
//! # Ok::<(), Error>(()) }).unwrap();
//! ```
//!
//! - **Connecting**: [`SqlStore::connect`] takes `sqlite://path?mode=rwc`,
//!   `sqlite::memory:` or `postgres://…`; [`StoreOptions`] sets the pool size, the timeout
//!   and the SQLite lock lease.
//! - **Migrations** ship in the crate; [`SqlStore::migrate`] applies them.
//! - **Encryption**: XChaCha20-Poly1305 under the [`Keyring`]'s current key, a random nonce
//!   per write, each ciphertext bound to its row. Rows keep their key id; old keys still
//!   read, and [`SqlStore::reencrypt`] moves rows to the current key. A wrong or unknown key
//!   is an [`Error::Storage`](bankkit_core::Error::Storage) naming the key id.
//! - **Timeouts**: every call, lock waits included, ends within the timeout, as
//!   [`Error::Storage`](bankkit_core::Error::Storage) when it ran out.
//! - **Refresh locks**: PostgreSQL `pg_advisory_lock` held on a connection by the guard
//!   (released when the guard drops or the session ends); SQLite a lease row renewed while
//!   held, which lapses when its process dies.
//!
//! The guide `docs/stores.md` has the tables, key rotation step by step, the lock design and
//! how PostgreSQL and SQLite differ.
//!
//! | Feature | Default | Enables |
//! |---|---|---|
//! | `sqlite` | yes | `sqlite:` URLs (SQLite compiled in) |
//! | `postgres` | no | `postgres://` URLs |

mod keyring;
mod lock;
mod store;

pub use keyring::{Keyring, KEY_LEN};
pub use store::{Reencrypted, SqlStore, StoreOptions};

/// The guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/stores.md")]
struct StoresGuide;

//! Credential and token stores for bankkit on SQLite (the embedded default) and
//! PostgreSQL, with every secret encrypted at rest.
//!
//! ```
//! use bankkit_core::credentials::{CredentialStore, StoredConfig};
//! use bankkit_core::{TokenSet, TokenStore};
//! use bankkit_store::{Keyring, SqlStore};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let keyring = Keyring::new("2026-11", *Keyring::generate_key());
//! let store = SqlStore::connect("sqlite::memory:", keyring).await?;
//! store.migrate().await?;
//!
//! let v1 = store.save("monzo:user_1", TokenSet::new("access-1".into())).await?;
//! let v2 = store.save("monzo:user_1", TokenSet::new("access-2".into())).await?;
//! assert_eq!((v1, v2), (1, 2));
//! let stored = store.load("monzo:user_1").await?.expect("saved above");
//! assert_eq!(stored.version, 2);
//! # Ok::<(), bankkit_core::Error>(()) }).unwrap();
//! ```

mod keyring;
mod lock;
mod store;

pub use keyring::{Keyring, KEY_LEN};
pub use store::{Reencrypted, SqlStore, StoreOptions};

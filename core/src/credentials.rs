//! Credential stores: each end user's provider configs, for an app that serves many users.
//!
//! A config is kept as the JSON the user (or the app) supplied, secrets included — a
//! [`ProviderConfig`] serialises its secrets as `"[REDACTED]"`, so it cannot be written out
//! and read back. [`StoredConfig`] checks that the JSON is a config the registry knows
//! before anything is stored, and keeps the text secret.
//!
//! ```
//! use bankkit_core::credentials::{CredentialStore, MemoryCredentialStore, StoredConfig};
//! # #[derive(Debug, serde::Serialize, serde::Deserialize)]
//! # struct Acme { token: String }
//! # #[typetag::serde(name = "acme-doc")]
//! # impl bankkit_core::registry::ProviderConfig for Acme {
//! #     fn build(&self, _: &bankkit_core::registry::BuildContext)
//! #         -> bankkit_core::Result<std::sync::Arc<dyn bankkit_core::Provider>> { unimplemented!() }
//! # }
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = MemoryCredentialStore::new();
//! let config = StoredConfig::from_json(r#"{"provider": "acme-doc", "token": "s3cr3t"}"#)?;
//! assert!(!format!("{config:?}").contains("s3cr3t"));
//! store.put("user-1", config).await?;
//! assert_eq!(store.providers("user-1").await?, ["acme-doc"]);
//! assert!(store.get("user-2", "acme-doc").await?.is_none());
//! # Ok::<(), bankkit_core::Error>(()) }).unwrap();
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::registry::ProviderConfig;
use crate::{Error, Result};

/// One provider config of one user, as JSON with its `"provider"` tag and its secrets.
///
/// `Debug` shows the provider only.
#[derive(Clone)]
pub struct StoredConfig {
    provider: String,
    json: SecretString,
}

impl fmt::Debug for StoredConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredConfig")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl StoredConfig {
    /// Checks `json` (one config object with its `"provider"` tag, as in a providers file)
    /// against the registry and keeps it.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field at fault, or the unknown provider; the message
    /// quotes no value but the provider's name.
    pub fn from_json(json: &str) -> Result<Self> {
        let config = parse(json)?;
        Ok(Self {
            provider: config.typetag_name().to_owned(),
            json: SecretString::from(json.to_owned()),
        })
    }

    /// The provider's registry name (the config's `"provider"` tag).
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The config, ready to [`build`](ProviderConfig::build).
    ///
    /// # Errors
    /// As [`StoredConfig::from_json`] (a provider crate that is no longer linked, say).
    pub fn config(&self) -> Result<Box<dyn ProviderConfig>> {
        parse(self.json.expose_secret())
    }

    /// The JSON text, secrets included: for a store to encrypt and write.
    pub fn expose_json(&self) -> &str {
        self.json.expose_secret()
    }
}

fn parse(json: &str) -> Result<Box<dyn ProviderConfig>> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize::<_, Box<dyn ProviderConfig>>(&mut deserializer).map_err(|e| {
        let message = e.inner().to_string();
        // serde_json appends " at line L column C"; the path says more.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        let path = e.path().to_string();
        // The provider name is the one value worth echoing (`unknown variant `nobody``);
        // anything else quoted may be a secret put in the wrong place.
        let at_tag = path == "." || path == "provider";
        let message = if at_tag && message.starts_with("unknown variant `") {
            message.to_owned()
        } else {
            crate::registry::without_values(message)
        };
        let field = if path == "." {
            "config".to_owned()
        } else {
            path
        };
        Error::config(field, message)
    })
}

/// Where an app keeps its users' provider configs: one per user and provider.
///
/// `user` is the app's own id for its user; `provider` the registry name. Implementations
/// keep the JSON secret at rest (see `bankkit-store`) or in memory
/// ([`MemoryCredentialStore`]).
#[async_trait]
pub trait CredentialStore: Send + Sync + fmt::Debug {
    /// Adds or replaces `user`'s config for its provider.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store cannot be written; the old config is intact.
    async fn put(&self, user: &str, config: StoredConfig) -> Result<()>;

    /// `user`'s config for `provider`, if any.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store cannot be read or decrypted.
    async fn get(&self, user: &str, provider: &str) -> Result<Option<StoredConfig>>;

    /// Removes `user`'s config for `provider`; whether there was one.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store cannot be written.
    async fn remove(&self, user: &str, provider: &str) -> Result<bool>;

    /// The providers `user` has a config for, by name.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store cannot be read.
    async fn providers(&self, user: &str) -> Result<Vec<String>>;
}

/// Keeps configs in memory (tests, single-process programs). Clones share the map.
#[derive(Clone, Default)]
pub struct MemoryCredentialStore {
    entries: Arc<Mutex<BTreeMap<(String, String), StoredConfig>>>,
}

impl MemoryCredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), StoredConfig>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryCredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryCredentialStore")
            .field("configs", &self.entries().len())
            .finish()
    }
}

#[async_trait]
impl CredentialStore for MemoryCredentialStore {
    async fn put(&self, user: &str, config: StoredConfig) -> Result<()> {
        self.entries()
            .insert((user.to_owned(), config.provider.clone()), config);
        Ok(())
    }

    async fn get(&self, user: &str, provider: &str) -> Result<Option<StoredConfig>> {
        Ok(self
            .entries()
            .get(&(user.to_owned(), provider.to_owned()))
            .cloned())
    }

    async fn remove(&self, user: &str, provider: &str) -> Result<bool> {
        Ok(self
            .entries()
            .remove(&(user.to_owned(), provider.to_owned()))
            .is_some())
    }

    async fn providers(&self, user: &str) -> Result<Vec<String>> {
        Ok(self
            .entries()
            .keys()
            .filter(|(owner, _)| owner == user)
            .map(|(_, provider)| provider.clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Acme {
        token: String,
    }

    #[typetag::serde(name = "acme-test")]
    impl ProviderConfig for Acme {
        fn build(
            &self,
            _: &crate::registry::BuildContext,
        ) -> Result<std::sync::Arc<dyn crate::Provider>> {
            Err(Error::config("token", "not buildable in tests"))
        }
    }

    #[test]
    fn unknown_providers_and_bad_json_are_config_errors_without_values() {
        let unknown = StoredConfig::from_json(r#"{"provider": "nope", "token": "s3cr3t"}"#);
        let Err(Error::Config { message, .. }) = unknown else {
            panic!("{unknown:?}");
        };
        assert!(message.contains("nope"), "{message}");
        assert!(!message.contains("s3cr3t"), "{message}");
        assert!(matches!(
            StoredConfig::from_json("not json"),
            Err(Error::Config { .. })
        ));
        // A secret where a known provider expects something else is not echoed.
        let misplaced = StoredConfig::from_json(r#"{"provider": "acme-test", "token": 7}"#);
        let Err(Error::Config { message, .. }) = misplaced else {
            panic!("{misplaced:?}");
        };
        assert!(!message.contains('7'), "{message}");
        let quoted = StoredConfig::from_json(r#"{"provider": "acme-test", "token": ["s3cr3t"]}"#);
        let Err(Error::Config { message, .. }) = quoted else {
            panic!("{quoted:?}");
        };
        assert!(!message.contains("s3cr3t"), "{message}");
    }
}

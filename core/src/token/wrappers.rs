//! Token stores made of another: one scoped to an app's end user, one that tells the app of
//! every save.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{RefreshLock, TokenSet, TokenStore, Versioned};
use crate::Result;

/// A view of another store in which every key is prefixed with one end user's scope, so that
/// providers built for different users of one app never read each other's tokens, whatever
/// keys they use.
///
/// ```
/// use std::sync::Arc;
/// use bankkit_core::token::{MemoryTokenStore, ScopedTokenStore, TokenSet, TokenStore};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let shared = Arc::new(MemoryTokenStore::new());
/// let alice = ScopedTokenStore::new(shared.clone(), "alice");
/// let bob = ScopedTokenStore::new(shared.clone(), "bob");
/// alice.save("monzo:app", TokenSet::new("a".to_owned().into())).await.unwrap();
/// assert!(bob.load("monzo:app").await.unwrap().is_none());
/// assert!(shared.load("user:alice/monzo:app").await.unwrap().is_some());
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct ScopedTokenStore {
    inner: Arc<dyn TokenStore>,
    prefix: String,
}

impl ScopedTokenStore {
    /// `inner`, with keys `user:<user>/<key>`.
    pub fn new(inner: Arc<dyn TokenStore>, user: &str) -> Self {
        Self {
            inner,
            prefix: format!("user:{user}/"),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl TokenStore for ScopedTokenStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<TokenSet>>> {
        self.inner.load(&self.key(key)).await
    }

    async fn save(&self, key: &str, tokens: TokenSet) -> Result<u64> {
        self.inner.save(&self.key(key), tokens).await
    }

    async fn lock(&self, key: &str) -> Result<RefreshLock> {
        self.inner.lock(&self.key(key)).await
    }
}

/// What a [`TokenHook`] is told of one save. The tokens themselves stay secret
/// (`SecretString`), so an audit log that prints this shows none.
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenSaved<'a> {
    /// The key, as the inner store saw it.
    pub key: &'a str,
    /// The version the save got.
    pub version: u64,
    /// The saved set.
    pub tokens: &'a TokenSet,
    /// When the access token stops working, when known.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Called after every successful save of an [`ObservedTokenStore`]; keep it short (it runs
/// on the saving task).
pub type TokenHook = Arc<dyn Fn(&TokenSaved<'_>) + Send + Sync>;

/// Another store, with hooks told of every token saved (audit, cache invalidation) — an app
/// observes rotations without writing a store of its own.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use bankkit_core::token::{MemoryTokenStore, ObservedTokenStore, TokenSet, TokenStore};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// let store = ObservedTokenStore::new(Arc::new(MemoryTokenStore::new()))
///     .on_save(move |saved| log.lock().unwrap().push((saved.key.to_owned(), saved.version)));
/// store.save("monzo:app", TokenSet::new("a".to_owned().into())).await.unwrap();
/// assert_eq!(*seen.lock().unwrap(), [("monzo:app".to_owned(), 1)]);
/// # });
/// ```
#[derive(Clone)]
pub struct ObservedTokenStore {
    inner: Arc<dyn TokenStore>,
    hooks: Vec<TokenHook>,
}

impl fmt::Debug for ObservedTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObservedTokenStore")
            .field("inner", &self.inner)
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl ObservedTokenStore {
    /// `inner`, with no hook yet.
    pub fn new(inner: Arc<dyn TokenStore>) -> Self {
        Self {
            inner,
            hooks: Vec::new(),
        }
    }

    /// Adds a hook, called after every successful save, in the order added.
    pub fn on_save(mut self, hook: impl Fn(&TokenSaved<'_>) + Send + Sync + 'static) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }
}

#[async_trait]
impl TokenStore for ObservedTokenStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<TokenSet>>> {
        self.inner.load(key).await
    }

    async fn save(&self, key: &str, tokens: TokenSet) -> Result<u64> {
        let expires_at = tokens.expires_at;
        let version = self.inner.save(key, tokens.clone()).await?;
        let saved = TokenSaved {
            key,
            version,
            tokens: &tokens,
            expires_at,
        };
        for hook in &self.hooks {
            hook(&saved);
        }
        Ok(version)
    }

    async fn lock(&self, key: &str) -> Result<RefreshLock> {
        self.inner.lock(key).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::token::MemoryTokenStore;

    #[tokio::test]
    async fn hooks_see_every_save_in_order_and_scopes_keep_users_apart() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
        let observed: Arc<dyn TokenStore> = Arc::new(
            ObservedTokenStore::new(shared.clone())
                .on_save(move |saved| log.lock().unwrap().push(saved.key.to_owned())),
        );
        let alice = ScopedTokenStore::new(observed.clone(), "alice");
        let bob = ScopedTokenStore::new(observed, "bob");

        alice
            .save("k", TokenSet::new("a1".to_owned().into()))
            .await
            .unwrap();
        bob.save("k", TokenSet::new("b1".to_owned().into()))
            .await
            .unwrap();
        alice
            .save("k", TokenSet::new("a2".to_owned().into()))
            .await
            .unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            ["user:alice/k", "user:bob/k", "user:alice/k"]
        );
        assert_eq!(alice.load("k").await.unwrap().unwrap().version, 2);
        assert_eq!(bob.load("k").await.unwrap().unwrap().version, 1);
    }
}

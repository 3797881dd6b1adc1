//! A token store that lives in the process's memory.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::{next_version, RefreshLock, TokenSet, TokenStore, Versioned};
use crate::Result;

/// Keeps token sets in memory, for tests and for single-process programs that obtain fresh
/// credentials at start-up.
///
/// Cloning gives another handle to the same map, so one store can be shared as
/// `Arc<dyn TokenStore>` or by clone. The refresh lock of a key is an in-process async
/// mutex; nothing is shared with other processes.
///
/// ```
/// use bankkit_core::token::{MemoryTokenStore, TokenSet, TokenStore};
/// # tokio_test_block(async {
/// let store = MemoryTokenStore::new();
/// let v1 = store.save("monzo:user_1", TokenSet::new("access-1".into())).await.unwrap();
/// let v2 = store.save("monzo:user_1", TokenSet::new("access-2".into())).await.unwrap();
/// assert!(v2 > v1);
/// assert_eq!(store.load("monzo:user_1").await.unwrap().unwrap().version, v2);
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone, Default)]
pub struct MemoryTokenStore {
    entries: Arc<Mutex<HashMap<String, Versioned<TokenSet>>>>,
    locks: KeyedLocks,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryTokenStore")
            .field("keys", &keys)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<TokenSet>>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(entries.get(key).cloned())
    }

    async fn save(&self, key: &str, tokens: TokenSet) -> Result<u64> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let version = next_version(entries.get(key).map(|current| current.version))?;
        entries.insert(key.to_owned(), Versioned::new(version, tokens));
        Ok(version)
    }

    async fn lock(&self, key: &str) -> Result<RefreshLock> {
        let guard = self.locks.lock(key).await;
        Ok(RefreshLock::new(vec![Box::new(guard)]))
    }
}

/// One async mutex per key, created on first use, for in-process refresh locks.
#[derive(Clone, Default)]
pub(super) struct KeyedLocks {
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl KeyedLocks {
    /// Waits for and takes the mutex of `key`; dropping the guard releases it.
    pub(super) async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let mutex = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(key.to_owned()).or_default())
        };
        mutex.lock_owned().await
    }
}

impl fmt::Debug for KeyedLocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedLocks").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_save_past_the_last_version_is_a_storage_error_and_keeps_the_old_value() {
        let store = MemoryTokenStore::new();
        store.entries.lock().unwrap().insert(
            "k".to_owned(),
            Versioned::new(u64::MAX, TokenSet::new("old".into())),
        );
        let err = store
            .save("k", TokenSet::new("new".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, crate::Error::Storage { .. }), "{err:?}");
        let kept = store.load("k").await.unwrap().unwrap();
        assert_eq!(kept.version, u64::MAX);
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&kept.value.access_token),
            "old"
        );
    }
}

//! Refresh locks: an in-process mutex per key in front of the database's lock, so tasks of
//! one process queue in memory and only one of them at a time waits on the database.
//!
//! - PostgreSQL: `pg_advisory_lock` on a connection of a pool kept for locks, held by the
//!   guard; dropping the guard unlocks and returns the connection. A process that dies ends
//!   its session, which releases the lock.
//! - SQLite: a lease row in `bankkit_token_locks` (holder id, expiry), renewed while held and
//!   deleted on drop; a process that dies stops renewing, and the lease lapses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// One async mutex per key, removed from the map once nobody holds or waits for it.
#[derive(Debug, Default, Clone)]
pub(crate) struct KeyedLocks {
    map: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl KeyedLocks {
    pub(crate) async fn lock(&self, key: &str) -> KeyGuard {
        let mutex = {
            let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry(key.to_owned()).or_default().clone()
        };
        let guard = mutex.clone().lock_owned().await;
        KeyGuard {
            locks: self.clone(),
            key: key.to_owned(),
            mutex,
            guard: Some(guard),
        }
    }
}

/// Holds one key's in-process mutex.
pub(crate) struct KeyGuard {
    locks: KeyedLocks,
    key: String,
    mutex: Arc<tokio::sync::Mutex<()>>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        let mut map = self
            .locks
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.guard.take();
        // Clones are only made under the map's mutex: two references (the map's and ours)
        // mean nobody else holds or waits.
        if Arc::strong_count(&self.mutex) == 2 {
            map.remove(&self.key);
        }
    }
}

/// A stable 64-bit FNV-1a hash, for advisory lock ids.
#[cfg(feature = "postgres")]
pub(crate) fn fnv1a_64(bytes: &[u8]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keyed_locks_exclude_per_key_and_forget_released_keys() {
        let locks = KeyedLocks::default();
        let a = locks.lock("a").await;
        let _b = locks.lock("b").await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), locks.lock("a"));
        assert!(waiting.await.is_err());
        drop(a);
        drop(locks.lock("a").await);
        let map = locks.map.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(map.len(), 1);
    }
}

//! One refresh per expiry, however many tasks or processes notice it.

use std::future::Future;

use super::{TokenSet, TokenStore, Versioned};
use crate::Result;

/// Refreshes the tokens of `key` unless someone else already has, and returns the current
/// tokens with their version.
///
/// Call it with the version you saw when the token turned out expired or was rejected
/// (`None` if nothing was stored). It takes the store's refresh lock of `key` (waiting while
/// another task or process holds it), then reads the store again:
///
/// - if the stored version differs from `seen_version`, someone refreshed in the meantime:
///   the stored tokens are returned and `refresh` is never called;
/// - otherwise `refresh` is called with the stored tokens (`None` if there are none), its
///   result is saved and returned with the new version.
///
/// The lock is held until the result is saved, so with many callers sharing a store exactly
/// one of them refreshes. If `refresh` fails nothing is saved, the stored tokens are left as
/// they were and its error is returned unchanged; a caller told that the refresh token was
/// rejected may read the store once more (another process may have refreshed) before asking
/// the user to authorise again.
///
/// # Errors
/// The error of `refresh`, or [`crate::Error::Storage`] when the store cannot be locked, read
/// or written.
///
/// # Example
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use bankkit_core::token::{refresh_single_flight, MemoryTokenStore, TokenSet, TokenStore};
///
/// # tokio_test_block(async {
/// let store = MemoryTokenStore::new();
/// let seen = store.save("monzo:user_1", TokenSet::new("expired".into())).await.unwrap();
/// let refreshes = &AtomicUsize::new(0);
///
/// // Two callers saw the same expired version; only the first one refreshes.
/// for _ in 0..2 {
///     let current = refresh_single_flight(&store, "monzo:user_1", Some(seen), |old| async move {
///         assert!(old.is_some());
///         refreshes.fetch_add(1, Ordering::SeqCst);
///         Ok(TokenSet::new("fresh".into()))
///     })
///     .await
///     .unwrap();
///     assert_eq!(current.version, seen + 1);
/// }
/// assert_eq!(refreshes.load(Ordering::SeqCst), 1);
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub async fn refresh_single_flight<F, Fut>(
    store: &dyn TokenStore,
    key: &str,
    seen_version: Option<u64>,
    refresh: F,
) -> Result<Versioned<TokenSet>>
where
    F: FnOnce(Option<TokenSet>) -> Fut,
    Fut: Future<Output = Result<TokenSet>> + Send,
{
    let _lock = store.lock(key).await?;
    let current = store.load(key).await?;
    let current = match current {
        Some(current) if Some(current.version) != seen_version => {
            tracing::debug!(key, version = current.version, "tokens already refreshed");
            return Ok(current);
        }
        current => current.map(|current| current.value),
    };
    let tokens = refresh(current).await?;
    let version = store.save(key, tokens.clone()).await?;
    tracing::debug!(key, version, "tokens refreshed");
    Ok(Versioned::new(version, tokens))
}

//! [`ManagedToken`]: the access token a client sends, kept fresh in a [`TokenStore`].
//!
//! Provider clients whose credentials rotate (OAuth access and refresh tokens, bearer tokens
//! made from API keys) hold one `ManagedToken` and call [`ManagedToken::call`] around each
//! request. It hands out the stored access token, refreshes it before it expires, and when the
//! provider answers [`Error::TokenExpired`] refreshes once and retries once. Every refresh is
//! single-flight through the store ([`refresh_single_flight`]): one refresh per expiry however
//! many tasks or processes share the store, and a rotated refresh token is saved before anyone
//! can use it again.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;

use super::{refresh_single_flight, TokenSet, TokenStore, Versioned};
use crate::clock::Clock;
use crate::{Error, Result};

/// Obtains new tokens: the provider-specific half of a refresh.
#[async_trait]
pub trait TokenRefresher: Send + Sync {
    /// New tokens to replace `current` (`None` when nothing is stored yet).
    ///
    /// # Errors
    /// [`Error::ReauthorizationRequired`] when the provider refuses the refresh token (used,
    /// evicted, revoked); other errors as they come.
    async fn refresh(&self, current: Option<TokenSet>) -> Result<TokenSet>;
}

/// The access token of one set of credentials, refreshed single-flight through a store.
#[derive(Clone)]
pub struct ManagedToken {
    store: Arc<dyn TokenStore>,
    key: String,
    clock: Arc<dyn Clock>,
    margin: Duration,
    refresher: Arc<dyn TokenRefresher>,
}

impl fmt::Debug for ManagedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedToken")
            .field("key", &self.key)
            .field("store", &self.store)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl ManagedToken {
    /// Tokens of `key` in `store`, refreshed by `refresher` when they expire within
    /// `margin` of the clock's now.
    pub fn new(
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
        clock: Arc<dyn Clock>,
        margin: Duration,
        refresher: Arc<dyn TokenRefresher>,
    ) -> Self {
        Self {
            store,
            key: key.into(),
            clock,
            margin,
            refresher,
        }
    }

    /// The store key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// The current tokens, refreshed first if they are missing or expire within the margin.
    ///
    /// # Errors
    /// As [`ManagedToken::refresh`].
    pub async fn current(&self) -> Result<Versioned<TokenSet>> {
        match self.store.load(&self.key).await? {
            Some(tokens) if !tokens.value.expires_within(self.clock.now(), self.margin) => {
                Ok(tokens)
            }
            Some(tokens) => self.refresh(Some(tokens.version)).await,
            None => self.refresh(None).await,
        }
    }

    /// Refreshes unless the stored version already differs from `seen_version`.
    ///
    /// When the provider refuses the refresh, the store is read once more: if another
    /// process refreshed meanwhile, its tokens are used. Otherwise the stored tokens are left
    /// as they are and the error is returned.
    ///
    /// # Errors
    /// [`Error::ReauthorizationRequired`] when the user must authorise again; the refresher's
    /// other errors; [`Error::Storage`].
    pub async fn refresh(&self, seen_version: Option<u64>) -> Result<Versioned<TokenSet>> {
        let refresher = self.refresher.clone();
        let result = refresh_single_flight(self.store.as_ref(), &self.key, seen_version, |old| {
            let refresher = refresher.clone();
            async move { refresher.refresh(old).await }
        })
        .await;
        match result {
            Err(Error::ReauthorizationRequired { message }) => {
                match self.store.load(&self.key).await? {
                    Some(tokens) if Some(tokens.version) != seen_version => Ok(tokens),
                    _ => Err(Error::ReauthorizationRequired { message }),
                }
            }
            other => other,
        }
    }

    /// Runs `call` with the current access token; if the provider answers
    /// [`Error::TokenExpired`], refreshes once and runs it once more.
    ///
    /// # Errors
    /// The call's error, or the refresh's.
    pub async fn call<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let tokens = self.current().await?;
        match call(tokens.value.access_token.clone()).await {
            Err(Error::TokenExpired { .. }) => {
                tracing::debug!(key = %self.key, "access token rejected as expired; refreshing");
                let fresh = self.refresh(Some(tokens.version)).await?;
                call(fresh.value.access_token).await
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use secrecy::ExposeSecret;

    use super::*;
    use crate::clock::ManualClock;
    use crate::token::MemoryTokenStore;

    struct Counting {
        refreshes: AtomicUsize,
        refuse: bool,
    }

    #[async_trait]
    impl TokenRefresher for Counting {
        async fn refresh(&self, current: Option<TokenSet>) -> Result<TokenSet> {
            if self.refuse {
                return Err(Error::ReauthorizationRequired {
                    message: "refresh token used".into(),
                });
            }
            let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(current.is_some());
            tokio::task::yield_now().await;
            Ok(TokenSet::new(format!("access-{n}").into()))
        }
    }

    fn managed(refuse: bool) -> (ManagedToken, Arc<Counting>, ManualClock, MemoryTokenStore) {
        let clock = ManualClock::frozen_at("2026-01-01T00:00:00Z".parse().unwrap());
        let store = MemoryTokenStore::new();
        let refresher = Arc::new(Counting {
            refreshes: AtomicUsize::new(0),
            refuse,
        });
        let token = ManagedToken::new(
            Arc::new(store.clone()),
            "k",
            clock.shared(),
            Duration::from_secs(60),
            refresher.clone(),
        );
        (token, refresher, clock, store)
    }

    #[tokio::test]
    async fn a_token_about_to_expire_is_refreshed_before_use() {
        let (token, refresher, clock, store) = managed(false);
        let expires = clock.now() + chrono::TimeDelta::seconds(30);
        store
            .save("k", TokenSet::new("old".into()).with_expires_at(expires))
            .await
            .unwrap();
        let current = token.current().await.unwrap();
        assert_eq!(current.value.access_token.expose_secret(), "access-1");
        assert_eq!(refresher.refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_expired_answer_refreshes_once_and_retries_once() {
        let (token, refresher, _, store) = managed(false);
        store.save("k", TokenSet::new("old".into())).await.unwrap();
        let calls = AtomicUsize::new(0);
        let result = token
            .call(|access| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if access.expose_secret() == "old" {
                        Err(Error::TokenExpired {
                            message: "expired".into(),
                        })
                    } else {
                        Ok(access.expose_secret().to_owned())
                    }
                }
            })
            .await
            .unwrap();
        assert_eq!(result, "access-1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(refresher.refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn fifty_concurrent_calls_on_an_expired_token_refresh_once() {
        let (token, refresher, _, store) = managed(false);
        store.save("k", TokenSet::new("old".into())).await.unwrap();
        let calls = (0..50).map(|_| {
            token.call(|access| async move {
                if access.expose_secret() == "old" {
                    Err(Error::TokenExpired {
                        message: "expired".into(),
                    })
                } else {
                    Ok(())
                }
            })
        });
        for result in futures::future::join_all(calls).await {
            result.unwrap();
        }
        assert_eq!(refresher.refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_refused_refresh_asks_to_reauthorise_and_keeps_the_stored_tokens() {
        let (token, _, _, store) = managed(true);
        let version = store
            .save(
                "k",
                TokenSet::new("old".into()).with_refresh_token("rt".into()),
            )
            .await
            .unwrap();
        let err = token.refresh(Some(version)).await.unwrap_err();
        assert!(
            matches!(err, Error::ReauthorizationRequired { .. }),
            "{err:?}"
        );
        let kept = store.load("k").await.unwrap().unwrap();
        assert_eq!(kept.version, version);
        assert_eq!(kept.value.access_token.expose_secret(), "old");
    }
}

//! Token stores: where rotating credentials (OAuth access/refresh tokens, bearer tokens)
//! live between calls and between processes.
//!
//! Every saved value carries a version. A refresh is *single-flight*: the caller that saw
//! an expired token at version `v` takes the store's refresh lock, reads again, and only
//! refreshes if the version is still `v`; everyone else finds the new token. See
//! [`refresh_single_flight`].

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::{Error, Result};

mod file;
mod managed;
mod memory;
mod single_flight;
mod wrappers;

pub use file::FileTokenStore;
pub use managed::{ManagedToken, TokenRefresher};
pub use memory::MemoryTokenStore;
pub use single_flight::refresh_single_flight;
pub use wrappers::{ObservedTokenStore, ScopedTokenStore, TokenHook, TokenSaved};

/// A set of credentials that rotate.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenSet {
    /// The token sent with each request.
    pub access_token: SecretString,
    /// The token that obtains a new access token, where the provider issues one.
    pub refresh_token: Option<SecretString>,
    /// When the access token stops working, when known.
    pub expires_at: Option<DateTime<Utc>>,
    /// Non-secret extras the provider returns with a token (user id, scope, ...).
    pub extra: BTreeMap<String, String>,
}

impl TokenSet {
    /// A token set with just an access token.
    pub fn new(access_token: SecretString) -> Self {
        Self {
            access_token,
            refresh_token: None,
            expires_at: None,
            extra: BTreeMap::new(),
        }
    }

    /// Sets the refresh token.
    pub fn with_refresh_token(mut self, refresh_token: SecretString) -> Self {
        self.refresh_token = Some(refresh_token);
        self
    }

    /// Sets the expiry time.
    pub fn with_expires_at(mut self, expires_at: DateTime<Utc>) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Sets the expiry `seconds` after `now`, as OAuth's `expires_in` says. An expiry beyond
    /// the last time `DateTime` can hold leaves the expiry unknown (`None`), which
    /// [`TokenSet::expires_within`] treats as "does not expire".
    ///
    /// ```
    /// use bankkit_core::TokenSet;
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// let tokens = TokenSet::new("access".into()).with_expires_in(3600, now);
    /// assert_eq!(tokens.expires_at, Some("2026-01-01T01:00:00Z".parse()?));
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    pub fn with_expires_in(mut self, seconds: u64, now: DateTime<Utc>) -> Self {
        self.expires_at = i64::try_from(seconds)
            .ok()
            .and_then(chrono::TimeDelta::try_seconds)
            .and_then(|delta| now.checked_add_signed(delta));
        self
    }

    /// Adds a non-secret extra value.
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Whether the access token expires before `now + margin`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: std::time::Duration) -> bool {
        match self.expires_at {
            Some(at) => {
                let margin = chrono::TimeDelta::from_std(margin).unwrap_or(chrono::TimeDelta::MAX);
                match now.checked_add_signed(margin) {
                    Some(limit) => at <= limit,
                    None => true,
                }
            }
            None => false,
        }
    }
}

/// A stored value and the version it was saved as. Versions only grow.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Versioned<T> {
    /// Increases by one at every save of the key.
    pub version: u64,
    /// The value.
    pub value: T,
}

impl<T> Versioned<T> {
    /// Wraps a value with its version.
    pub fn new(version: u64, value: T) -> Self {
        Self { version, value }
    }
}

/// The version a save of a key gets, after `current` (the stored one, if any).
///
/// # Errors
/// [`Error::Storage`] when the version would pass `u64::MAX`: versions only grow, and a
/// repeated version would let a stale refresh overwrite a newer token.
pub(crate) fn next_version(current: Option<u64>) -> Result<u64> {
    match current {
        None => Ok(1),
        Some(version) => version.checked_add(1).ok_or_else(|| Error::Storage {
            message: "the token version cannot grow any further (u64::MAX reached)".to_owned(),
            source: None,
        }),
    }
}

/// Held while a caller refreshes a key; dropping it lets the next caller in.
pub struct RefreshLock {
    _guards: Vec<Box<dyn Send + Sync>>,
}

impl RefreshLock {
    /// A lock made of guards that release when dropped (in-process mutex, OS file lock, ...).
    pub fn new(guards: Vec<Box<dyn Send + Sync>>) -> Self {
        Self { _guards: guards }
    }
}

impl fmt::Debug for RefreshLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshLock").finish_non_exhaustive()
    }
}

/// Loads and saves rotating credentials, versioned so a refresh can be single-flight.
///
/// Keys name one set of credentials (for example `"monzo:user_123"`).
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The current token set for `key` and its version, or `None` if nothing is stored.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the store cannot be read.
    async fn load(&self, key: &str) -> Result<Option<Versioned<TokenSet>>>;

    /// Saves `tokens` for `key` and returns the new version.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the store cannot be written; the old value is intact.
    async fn save(&self, key: &str, tokens: TokenSet) -> Result<u64>;

    /// Takes the exclusive refresh lock of `key`, waiting for it if another task (or, for
    /// stores shared between processes, another process) holds it.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the lock cannot be taken.
    async fn lock(&self, key: &str) -> Result<RefreshLock>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_start_at_one_grow_by_one_and_refuse_to_overflow() {
        assert_eq!(next_version(None).unwrap(), 1);
        assert_eq!(next_version(Some(41)).unwrap(), 42);
        assert!(matches!(
            next_version(Some(u64::MAX)),
            Err(Error::Storage { .. })
        ));
    }

    #[test]
    fn expires_in_is_added_to_now_without_overflow() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let tokens = TokenSet::new("a".into()).with_expires_in(21_600, now);
        assert_eq!(
            tokens.expires_at,
            Some("2026-01-01T06:00:00Z".parse().unwrap())
        );
        let zero = TokenSet::new("a".into()).with_expires_in(0, now);
        assert_eq!(zero.expires_at, Some(now));
        for huge in [u64::MAX, i64::MAX as u64, 400_000 * 365 * 86_400] {
            let tokens = TokenSet::new("a".into())
                .with_expires_at(now)
                .with_expires_in(huge, now);
            assert_eq!(tokens.expires_at, None, "{huge}");
        }
    }
}

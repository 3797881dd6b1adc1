#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The in-memory token store.

use std::sync::Arc;
use std::time::Duration;

use bankkit_core::token::{MemoryTokenStore, TokenSet, TokenStore};
use secrecy::ExposeSecret;

const ACCESS: &str = "sk_live_SECRET_123";
const REFRESH: &str = "rt_live_SECRET_456";

fn tokens(access: &str) -> TokenSet {
    TokenSet::new(access.into())
        .with_refresh_token(REFRESH.into())
        .with_expires_at("2026-11-01T06:00:00Z".parse().unwrap())
        .with_extra("user_id", "user_123")
}

#[tokio::test]
async fn saving_and_loading_a_key_roundtrips_with_growing_versions() {
    let store = MemoryTokenStore::new();
    assert!(store.load("monzo:user_123").await.unwrap().is_none());

    let first = store
        .save("monzo:user_123", tokens("access-1"))
        .await
        .unwrap();
    let loaded = store.load("monzo:user_123").await.unwrap().unwrap();
    assert_eq!(loaded.version, first);
    assert_eq!(loaded.value.access_token.expose_secret(), "access-1");
    assert_eq!(
        loaded.value.refresh_token.as_ref().unwrap().expose_secret(),
        REFRESH
    );
    assert_eq!(
        loaded.value.expires_at,
        Some("2026-11-01T06:00:00Z".parse().unwrap())
    );
    assert_eq!(loaded.value.extra.get("user_id").unwrap(), "user_123");

    let second = store
        .save("monzo:user_123", tokens("access-2"))
        .await
        .unwrap();
    assert!(second > first, "{second} should be greater than {first}");
    let loaded = store.load("monzo:user_123").await.unwrap().unwrap();
    assert_eq!(loaded.version, second);
    assert_eq!(loaded.value.access_token.expose_secret(), "access-2");
}

#[tokio::test]
async fn keys_are_stored_and_versioned_independently() {
    let store = MemoryTokenStore::new();
    store.save("a", tokens("access-a1")).await.unwrap();
    store.save("a", tokens("access-a2")).await.unwrap();
    let b = store.save("b", tokens("access-b1")).await.unwrap();
    assert_eq!(b, 1);
    let a = store.load("a").await.unwrap().unwrap();
    assert_eq!(a.version, 2);
    assert_eq!(a.value.access_token.expose_secret(), "access-a2");
    assert_eq!(
        store
            .load("b")
            .await
            .unwrap()
            .unwrap()
            .value
            .access_token
            .expose_secret(),
        "access-b1"
    );
}

#[tokio::test]
async fn clones_and_shared_handles_see_one_store() {
    let store = MemoryTokenStore::new();
    let shared: Arc<dyn TokenStore> = Arc::new(store.clone());
    shared.save("k", tokens("access-1")).await.unwrap();
    assert_eq!(store.load("k").await.unwrap().unwrap().version, 1);
}

#[tokio::test]
async fn debug_output_of_tokens_versions_and_store_never_shows_the_secrets() {
    let store = MemoryTokenStore::new();
    store.save("monzo:user_123", tokens(ACCESS)).await.unwrap();
    let loaded = store.load("monzo:user_123").await.unwrap().unwrap();

    for shown in [
        format!("{:?}", tokens(ACCESS)),
        format!("{loaded:?}"),
        format!("{:?}", loaded.value),
        format!("{store:?}"),
        // What a caller logging a load result would print, pretty-printed.
        format!("{:#?}", store.load("monzo:user_123").await),
    ] {
        assert!(!shown.contains(ACCESS), "access token shown in {shown}");
        assert!(!shown.contains(REFRESH), "refresh token shown in {shown}");
    }
    // The non-secret parts are still there to help debugging, and the secret fields are
    // printed (redacted), so the checks above look at real field output.
    let shown_loaded = format!("{loaded:?}");
    assert!(shown_loaded.contains("user_123"));
    assert!(shown_loaded.contains("access_token"), "{shown_loaded}");
    assert!(shown_loaded.contains("refresh_token"), "{shown_loaded}");
    assert!(shown_loaded.contains("REDACTED"), "{shown_loaded}");
    assert!(format!("{store:?}").contains("keys: 1"), "{store:?}");
}

#[tokio::test]
async fn a_held_refresh_lock_makes_the_next_locker_of_that_key_wait_until_it_is_dropped() {
    let store = MemoryTokenStore::new();
    let held = store.lock("k").await.unwrap();

    let waiting = tokio::time::timeout(Duration::from_millis(100), store.lock("k")).await;
    assert!(
        waiting.is_err(),
        "a second lock was granted while the first was held"
    );
    // Other keys are not blocked.
    let other = tokio::time::timeout(Duration::from_secs(10), store.lock("other")).await;
    assert!(other.is_ok());

    drop(held);
    let next = tokio::time::timeout(Duration::from_secs(10), store.lock("k")).await;
    assert!(next.is_ok(), "the lock was not released on drop");
}

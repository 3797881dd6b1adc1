#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `refresh_single_flight` over every token store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::token::{
    refresh_single_flight, FileTokenStore, MemoryTokenStore, TokenSet, TokenStore,
};
use bankkit_core::Error;
use secrecy::ExposeSecret;

const KEY: &str = "monzo:user_123";

/// 50 tasks that all saw the same expired version race to refresh it.
async fn fifty_concurrent_callers_refresh_once(store: Arc<dyn TokenStore>) {
    let seen = store
        .save(
            KEY,
            TokenSet::new("expired-access".into()).with_refresh_token("refresh-1".into()),
        )
        .await
        .unwrap();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(tokio::sync::Barrier::new(50));

    let tasks: Vec<_> = (0..50)
        .map(|task| {
            let store = Arc::clone(&store);
            let refreshes = Arc::clone(&refreshes);
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                refresh_single_flight(&*store, KEY, Some(seen), move |current| async move {
                    let current = current.expect("the stored tokens are passed in");
                    assert_eq!(current.refresh_token.unwrap().expose_secret(), "refresh-1");
                    refreshes.fetch_add(1, Ordering::SeqCst);
                    // Widen the race window: everyone else piles up meanwhile.
                    tokio::time::sleep(Duration::from_millis(3)).await;
                    Ok(TokenSet::new(
                        format!("fresh-access-from-task-{task}").into(),
                    ))
                })
                .await
                .unwrap()
            })
        })
        .collect();

    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }

    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    let winner = results[0].value.access_token.expose_secret().to_owned();
    assert!(winner.starts_with("fresh-access-from-task-"), "{winner}");
    for result in &results {
        assert_eq!(result.version, seen + 1);
        assert_eq!(result.value.access_token.expose_secret(), winner);
    }
    let stored = store.load(KEY).await.unwrap().unwrap();
    assert_eq!(stored.version, seen + 1);
    assert_eq!(stored.value.access_token.expose_secret(), winner);
}

mod memory_store {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
    async fn refresh_happens_once_for_fifty_concurrent_calls() {
        fifty_concurrent_callers_refresh_once(Arc::new(MemoryTokenStore::new())).await;
    }
}

mod file_store {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
    async fn refresh_happens_once_for_fifty_concurrent_calls() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("tokens.json"));
        fifty_concurrent_callers_refresh_once(Arc::new(store)).await;
    }
}

fn stores() -> (tempfile::TempDir, Vec<Arc<dyn TokenStore>>) {
    let dir = tempfile::tempdir().unwrap();
    let file = FileTokenStore::new(dir.path().join("tokens.json"));
    (dir, vec![Arc::new(MemoryTokenStore::new()), Arc::new(file)])
}

#[tokio::test]
async fn a_caller_that_saw_an_older_version_gets_the_stored_tokens_without_refreshing() {
    let (_dir, stores) = stores();
    for store in stores {
        let old = store
            .save(KEY, TokenSet::new("access-1".into()))
            .await
            .unwrap();
        let new = store
            .save(KEY, TokenSet::new("access-2".into()))
            .await
            .unwrap();

        let called = AtomicUsize::new(0);
        let result = refresh_single_flight(&*store, KEY, Some(old), |_| async {
            called.fetch_add(1, Ordering::SeqCst);
            Ok(TokenSet::new("access-3".into()))
        })
        .await
        .unwrap();

        assert_eq!(called.load(Ordering::SeqCst), 0, "{store:?}");
        assert_eq!(result.version, new);
        assert_eq!(result.value.access_token.expose_secret(), "access-2");
    }
}

#[tokio::test]
async fn a_failed_refresh_saves_nothing_and_returns_its_error_unchanged() {
    let (_dir, stores) = stores();
    for store in stores {
        let seen = store
            .save(KEY, TokenSet::new("access-1".into()))
            .await
            .unwrap();

        let error = refresh_single_flight(&*store, KEY, Some(seen), |_| async {
            Err(Error::Unauthorized {
                message: "refresh token revoked".into(),
            })
        })
        .await
        .unwrap_err();

        assert!(
            matches!(&error, Error::Unauthorized { message } if message == "refresh token revoked"),
            "{error:?}"
        );
        let stored = store.load(KEY).await.unwrap().unwrap();
        assert_eq!(stored.version, seen, "{store:?}");
        assert_eq!(stored.value.access_token.expose_secret(), "access-1");

        // The lock was released: the next refresh goes through.
        let next = refresh_single_flight(&*store, KEY, Some(seen), |_| async {
            Ok(TokenSet::new("access-2".into()))
        })
        .await
        .unwrap();
        assert_eq!(next.version, seen + 1);
    }
}

#[tokio::test]
async fn the_first_refresh_of_an_empty_key_is_given_no_tokens_and_saved_as_version_one() {
    let (_dir, stores) = stores();
    for store in stores {
        let result = refresh_single_flight(&*store, KEY, None, |current| async move {
            assert!(current.is_none());
            Ok(TokenSet::new("access-1".into()))
        })
        .await
        .unwrap();
        assert_eq!(result.version, 1);
        let stored = store.load(KEY).await.unwrap().unwrap();
        assert_eq!(stored.version, 1, "{store:?}");
        assert_eq!(stored.value.access_token.expose_secret(), "access-1");
    }
}

//! A process killed (SIGKILL) in the middle of a save transaction, holding the refresh
//! lock and saving in a loop, leaves no half-written row and no lock behind.

use std::time::{Duration, Instant};

use bankkit_core::secret::ExposeSecret;
use bankkit_core::{Error, TokenSet, TokenStore};
use bankkit_store::{SqlStore, StoreOptions};
use sqlx::Connection;

use crate::child::{self, READY};
use crate::common::{keyring, on_both_databases, unique, TestDb};

const TIMEOUT: Duration = Duration::from_secs(5);
const LEASE: Duration = Duration::from_secs(1);

fn options() -> StoreOptions {
    StoreOptions::new().timeout(TIMEOUT).lock_lease(LEASE)
}

on_both_databases!(killed_mid_transaction_leaves_the_old_row_intact_and_the_lock_free);

async fn killed_mid_transaction_leaves_the_old_row_intact_and_the_lock_free(db: TestDb) {
    let store = db.store_with(keyring(), options()).await;
    let (key, busy) = (unique("crash"), unique("busy"));
    assert_eq!(
        store
            .save(&key, TokenSet::new("before".into()))
            .await
            .unwrap(),
        1
    );

    let mut child = child::spawn(
        "crash",
        &[
            ("BANKKIT_STORE_URL", db.url.clone()),
            ("BANKKIT_STORE_KEY", key.clone()),
            ("BANKKIT_STORE_BUSY_KEY", busy.clone()),
        ],
    );
    child::wait_for_line(&mut child, READY, Duration::from_secs(60)).await;

    // The child holds the refresh lock: another process cannot take it meanwhile.
    let impatient = db
        .store_with(keyring(), options().timeout(Duration::from_millis(300)))
        .await;
    assert!(matches!(
        impatient.lock(&key).await,
        Err(Error::Storage { .. })
    ));

    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "the child was killed: {status}");

    let started = Instant::now();
    let stored = store.load(&key).await.unwrap().unwrap();
    assert_eq!(stored.version, 1, "the uncommitted version is gone");
    assert_eq!(stored.value.access_token.expose_secret(), "before");
    assert_eq!(
        store
            .save(&key, TokenSet::new("after".into()))
            .await
            .unwrap(),
        2
    );
    let lock = store.lock(&key).await.unwrap();
    assert!(
        started.elapsed() < TIMEOUT,
        "took {:?} to recover",
        started.elapsed()
    );
    drop(lock);

    // The key the child was saving in a loop when killed: a whole row, one version on.
    let last = store.load(&busy).await.unwrap().unwrap();
    assert!(last.version >= 3, "the child saved {} times", last.version);
    assert_eq!(
        last.value.access_token.expose_secret(),
        format!("busy-{}", last.version)
    );
    assert_eq!(
        store.save(&busy, TokenSet::new("x".into())).await.unwrap(),
        last.version + 1
    );
}

/// Takes the refresh lock, saves one key in a loop, begins a save of the other by hand and
/// leaves it open, says it is ready and waits to be killed.
pub async fn child() {
    let url = std::env::var("BANKKIT_STORE_URL").unwrap();
    let key = std::env::var("BANKKIT_STORE_KEY").unwrap();
    let busy = std::env::var("BANKKIT_STORE_BUSY_KEY").unwrap();
    let store = SqlStore::connect_with(&url, keyring(), options())
        .await
        .unwrap();
    let _lock = store.lock(&key).await.unwrap();

    let saver = store.clone();
    let (saved, mut three_saves) = tokio::sync::watch::channel(0u64);
    tokio::spawn(async move {
        // Versions match the access token, so the parent can tell a whole row.
        loop {
            let next = saver
                .load(&busy)
                .await
                .unwrap()
                .map_or(1, |t| t.version + 1);
            let version = saver
                .save(&busy, TokenSet::new(format!("busy-{next}").into()))
                .await
                .unwrap();
            assert_eq!(version, next);
            saved.send_replace(version);
        }
    });
    three_saves.wait_for(|n| *n >= 3).await.unwrap();

    let half_written = "UPDATE bankkit_tokens SET version = version + 1, ciphertext = nonce \
                        WHERE token_key = $1";
    if url.starts_with("sqlite:") {
        // The saver stops at the write lock this transaction holds; fine, it has saved.
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        let done = sqlx::query(half_written)
            .bind(&key)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
        child::say(READY);
        tokio::time::sleep(Duration::from_secs(600)).await;
        drop(tx);
    } else {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        let done = sqlx::query(half_written)
            .bind(&key)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
        child::say(READY);
        tokio::time::sleep(Duration::from_secs(600)).await;
        drop(tx);
    }
}

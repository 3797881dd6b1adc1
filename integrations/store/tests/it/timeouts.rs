//! A database that is down, slow or locked is an `Error::Storage` within the timeout,
//! never a hang.

use std::time::{Duration, Instant};

use bankkit_core::{Error, TokenSet, TokenStore};
use bankkit_store::{SqlStore, StoreOptions};
use sqlx::Connection;

use crate::common::{keyring, on_both_databases, unique, Kind, TestDb};

const TIMEOUT: Duration = Duration::from_secs(1);
/// What a loaded machine may add to the timeout. Without the timeout these calls wait for
/// ever (or the 30 s of a `pg_sleep`), so the bound still tells the two apart.
const MARGIN: Duration = Duration::from_secs(10);

fn options() -> StoreOptions {
    StoreOptions::new().timeout(TIMEOUT)
}

#[track_caller]
fn assert_storage_error_in_time<T: std::fmt::Debug>(
    result: bankkit_core::Result<T>,
    started: Instant,
) -> String {
    let elapsed = started.elapsed();
    assert!(elapsed < TIMEOUT + MARGIN, "took {elapsed:?}");
    match result {
        Err(Error::Storage { message, .. }) => message,
        other => panic!("expected Error::Storage, got {other:?}"),
    }
}

#[tokio::test]
async fn closed_port_is_a_storage_error_within_the_timeout() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let result = SqlStore::connect_with(
        &format!("postgres://u:p@127.0.0.1:{port}/db"),
        keyring(),
        options(),
    )
    .await;
    let message = assert_storage_error_in_time(result, started);
    assert!(!message.contains(":p@"), "{message}");
}

#[tokio::test]
async fn server_that_never_answers_is_a_storage_error_within_the_timeout() {
    // Accepted by the kernel's backlog, never answered.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let started = Instant::now();
    let result = SqlStore::connect_with(
        &format!("postgres://u:p@127.0.0.1:{port}/db"),
        keyring(),
        options(),
    )
    .await;
    let message = assert_storage_error_in_time(result, started);
    assert!(started.elapsed() >= TIMEOUT - Duration::from_millis(50));
    assert!(message.contains("timeout"), "{message}");
    drop(listener);
}

#[tokio::test]
async fn urls_of_other_databases_are_config_errors() {
    let result = SqlStore::connect("mysql://u:p@localhost/db", keyring()).await;
    assert!(matches!(result, Err(Error::Config { ref field, .. }) if field == "url"));
}

on_both_databases!(
    locked_or_slow_database_is_a_storage_error_within_the_timeout,
    refresh_lock_held_elsewhere_is_a_storage_error_within_the_timeout,
);

async fn locked_or_slow_database_is_a_storage_error_within_the_timeout(db: TestDb) {
    let store = db.store_with(keyring(), options()).await;
    let key = unique("slow");
    store.save(&key, TokenSet::new("a".into())).await.unwrap();

    match db.kind {
        Kind::Sqlite => {
            // Another connection holds the write lock.
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .await
                .unwrap();
            let started = Instant::now();
            let message = assert_storage_error_in_time(
                store.save(&key, TokenSet::new("b".into())).await,
                started,
            );
            assert!(message.contains("timeout"), "{message}");
            sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
        }
        Kind::Postgres => {
            // Another session locks the table and sleeps far longer than the timeout.
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
            sqlx::query("LOCK TABLE bankkit_tokens IN ACCESS EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .unwrap();
            let sleeper = tokio::spawn(async move {
                let _ = sqlx::query("SELECT pg_sleep(30)").execute(&mut conn).await;
            });
            for call in ["load", "save"] {
                let started = Instant::now();
                let message = if call == "load" {
                    assert_storage_error_in_time(store.load(&key).await, started)
                } else {
                    assert_storage_error_in_time(
                        store.save(&key, TokenSet::new("b".into())).await,
                        started,
                    )
                };
                assert!(message.contains("timeout"), "{call}: {message}");
            }
            // The server notices a closed socket only when it next writes: end the
            // sleeping session from another one.
            let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query("SELECT pg_terminate_backend($1)")
                .bind(pid)
                .execute(&mut admin)
                .await
                .unwrap();
            sleeper.await.unwrap();
        }
    }
    // Once the other session is gone, the store works again.
    let started = Instant::now();
    loop {
        match store.save(&key, TokenSet::new("c".into())).await {
            Ok(_) => break,
            Err(e) if started.elapsed() < Duration::from_secs(10) => {
                eprintln!("retrying: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

async fn refresh_lock_held_elsewhere_is_a_storage_error_within_the_timeout(db: TestDb) {
    let holder = db.store_with(keyring(), options()).await;
    let waiter = db.store_with(keyring(), options()).await;
    let key = unique("locked");
    let held = holder.lock(&key).await.unwrap();

    let started = Instant::now();
    let message = assert_storage_error_in_time(waiter.lock(&key).await, started);
    assert!(started.elapsed() >= TIMEOUT - Duration::from_millis(50));
    assert!(
        message.contains(&key) && message.contains("timeout"),
        "{message}"
    );
    // Other keys are not held up.
    drop(waiter.lock(&unique("other")).await.unwrap());

    // Released, it is taken (a wait past the timeout would be an error).
    drop(held);
    drop(waiter.lock(&key).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_lease_is_renewed_while_held_and_lapses_when_not_released() {
    let db = TestDb::sqlite().await;
    let lease = Duration::from_millis(300);
    let holder = db.store_with(keyring(), options().lock_lease(lease)).await;
    let waiter = db
        .store_with(
            keyring(),
            options()
                .lock_lease(lease)
                .timeout(Duration::from_millis(400)),
        )
        .await;
    let key = unique("lease");

    // Held four leases long: renewed, so never taken over.
    let held = holder.lock(&key).await.unwrap();
    for _ in 0..3 {
        assert!(matches!(
            waiter.lock(&key).await,
            Err(Error::Storage { .. })
        ));
    }
    drop(held);
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(waiter.lock(&key).await.unwrap());

    // A holder that stopped renewing without releasing (its process died): the lease
    // lapses and the next caller gets the lock.
    // (An upsert: the release just above deletes its own row in the background, by holder.)
    db.execute(&format!(
        "INSERT INTO bankkit_token_locks (token_key, holder, expires_at) \
         VALUES ('{key}', 'dead', {}) \
         ON CONFLICT (token_key) DO UPDATE SET holder = excluded.holder, \
         expires_at = excluded.expires_at",
        chrono::Utc::now().timestamp_millis() + 200
    ))
    .await;
    let started = Instant::now();
    drop(waiter.lock(&key).await.unwrap());
    assert!(started.elapsed() >= Duration::from_millis(150));
}

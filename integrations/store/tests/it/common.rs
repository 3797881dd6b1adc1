//! Test databases: a SQLite file in a temporary directory, or a fresh schema in the
//! PostgreSQL database `BANKKIT_TEST_POSTGRES_URL` names.

use std::time::Duration;

use bankkit_store::{Keyring, SqlStore, StoreOptions};
use sqlx::{Connection, Row};

/// The variable naming the PostgreSQL database the tests may use.
pub const POSTGRES_URL_VAR: &str = "BANKKIT_TEST_POSTGRES_URL";

/// The key most tests encrypt under.
pub fn keyring() -> Keyring {
    Keyring::new("k1", [0x11; 32])
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}

/// Whether CI is set (to anything but empty, `0` or `false`), as the sandbox's browser test
/// reads it.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The PostgreSQL URL, or `None` (after saying so) when the tests run locally without one.
///
/// # Panics
/// When CI is set and the URL is not: CI never passes without running these tests.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                !in_ci(),
                "CI is set but {POSTGRES_URL_VAR} is not: the PostgreSQL tests must run in CI"
            );
            eprintln!("skipped: set {POSTGRES_URL_VAR} to run the PostgreSQL tests");
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

#[derive(Debug)]
pub struct TestDb {
    pub kind: Kind,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database's own URL and the test's schema in it.
    schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("store.db").display()
        );
        let db = Self {
            kind: Kind::Sqlite,
            url,
            _dir: Some(dir),
            schema: None,
        };
        db.store().await.migrate().await.unwrap();
        db
    }

    /// A fresh schema in the test database, or `None` when there is none (see
    /// [`postgres_url`]).
    pub async fn postgres() -> Option<Self> {
        let base = postgres_url()?;
        let schema = unique("t").replace('-', "_");
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options[search_path]={schema}");
        let db = Self {
            kind: Kind::Postgres,
            url,
            _dir: None,
            schema: Some((base, schema)),
        };
        db.store().await.migrate().await.unwrap();
        Some(db)
    }

    /// Something to call once the test is done with the database: drops the test's
    /// PostgreSQL schema (a SQLite directory goes with the `TestDb`).
    pub fn cleanup(&self) -> impl std::future::Future<Output = ()> + 'static {
        let schema = self.schema.clone();
        async move {
            if let Some((base, schema)) = schema {
                let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
                sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
            }
        }
    }

    pub fn path(&self) -> Option<std::path::PathBuf> {
        self._dir.as_ref().map(|dir| dir.path().join("store.db"))
    }

    pub fn options(&self) -> StoreOptions {
        StoreOptions::new().timeout(Duration::from_secs(5))
    }

    pub async fn store(&self) -> SqlStore {
        self.store_with(keyring(), self.options()).await
    }

    pub async fn store_with(&self, keyring: Keyring, options: StoreOptions) -> SqlStore {
        SqlStore::connect_with(&self.url, keyring, options)
            .await
            .unwrap()
    }

    /// Runs one statement outside the store, on a connection of its own.
    pub async fn execute(&self, sql: &str) {
        match self.kind {
            Kind::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
        }
    }

    /// `SELECT *` of `table`, every value as text (bytes as they are, and for
    /// PostgreSQL's `bytea` as its hex form too), and for SQLite the database files too.
    pub async fn dump(&self, table: &str) -> Vec<u8> {
        let mut out = Vec::new();
        match self.kind {
            Kind::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                let rows = sqlx::query(&format!("SELECT * FROM {table}"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                for row in &rows {
                    for i in 0..row.len() {
                        let value: Option<Vec<u8>> = row.try_get_unchecked(i).unwrap();
                        out.extend(value.unwrap_or_default());
                        out.push(b'|');
                    }
                    out.push(b'\n');
                }
                conn.close().await.unwrap();
                let path = self.path().unwrap();
                for suffix in ["", "-wal"] {
                    let file = format!("{}{suffix}", path.display());
                    if let Ok(bytes) = std::fs::read(&file) {
                        out.extend(bytes);
                    }
                }
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                let escaped: Vec<String> = sqlx::query_scalar(&format!(
                    "SELECT encode(ciphertext, 'escape') FROM {table}"
                ))
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for line in rows.iter().chain(&escaped) {
                    out.extend(line.as_bytes());
                    out.push(b'\n');
                }
                conn.close().await.unwrap();
            }
        }
        out
    }
}

/// Whether `haystack` holds `needle`, as bytes or as lower-case hex.
pub fn contains_secret(haystack: &[u8], needle: &str) -> bool {
    let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
    [needle.as_bytes(), hex.as_bytes()]
        .iter()
        .any(|n| haystack.windows(n.len()).any(|w| w == *n))
}

/// Defines `$name::sqlite` and `$name::postgres`, each running `async fn $name(TestDb)`.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::common::TestDb::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = crate::common::TestDb::postgres().await {
                    let cleanup = db.cleanup();
                    super::$name(db).await;
                    cleanup.await;
                }
            }
        }
    )*};
}
pub(crate) use on_both_databases;

//! [`SqlStore`]: one type for both databases; the SQL is shared where the dialects agree
//! (`$n` parameters, `ON CONFLICT … RETURNING`), and only migrations and locks differ.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bankkit_core::credentials::{CredentialStore, StoredConfig};
use bankkit_core::token::{RefreshLock, Versioned};
use bankkit_core::{Error, Result, TokenSet, TokenStore};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use zeroize::{Zeroize, Zeroizing};

use crate::keyring::{aad, Keyring, Sealed};
use crate::lock::{KeyGuard, KeyedLocks};

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("bankkit-store needs the `sqlite` or the `postgres` feature (or both)");

const CREDENTIALS: &str = "bankkit_credentials";
const TOKENS: &str = "bankkit_tokens";

/// How a [`SqlStore`] connects and how long it waits.
///
/// ```
/// use std::time::Duration;
/// use bankkit_store::StoreOptions;
/// let options = StoreOptions::new()
///     .max_connections(8)
///     .timeout(Duration::from_secs(3))
///     .migrate_on_connect(true);
/// assert_eq!(options.get_timeout(), Duration::from_secs(3));
/// ```
#[derive(Clone, Debug)]
pub struct StoreOptions {
    max_connections: u32,
    timeout: Duration,
    lock_lease: Duration,
    migrate_on_connect: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 5,
            timeout: Duration::from_secs(10),
            lock_lease: Duration::from_secs(5),
            migrate_on_connect: false,
        }
    }
}

impl StoreOptions {
    /// The defaults: 5 connections, a 10 s timeout, a 5 s lock lease, no migration on
    /// connect.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most connections the pool opens (at least 1; PostgreSQL keeps as many again
    /// for refresh locks, opened only when used). An in-memory SQLite database always
    /// uses one.
    pub fn max_connections(mut self, connections: u32) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// How long any call may take, waiting for a connection, a database lock or a
    /// refresh lock included, before it fails with [`Error::Storage`]. PostgreSQL sessions
    /// get it as `statement_timeout` and `lock_timeout`, SQLite connections as
    /// `busy_timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// SQLite only: how long a refresh lock lasts without renewal (default 5 s). The holder
    /// renews it every third of this while alive, so this is how long a killed process (or
    /// a `lock` call abandoned just after taking the row) blocks the next refresh of its
    /// key. Keep it below the timeout, so that waiters outlast a dead holder.
    pub fn lock_lease(mut self, lease: Duration) -> Self {
        self.lock_lease = lease.max(Duration::from_millis(30));
        self
    }

    /// Whether [`SqlStore::connect_with`] runs [`SqlStore::migrate`] (default: no).
    pub fn migrate_on_connect(mut self, migrate: bool) -> Self {
        self.migrate_on_connect = migrate;
        self
    }

    /// The timeout of every call.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }
}

/// Credentials and tokens in SQLite or PostgreSQL, encrypted at rest under a [`Keyring`].
///
/// Implements [`CredentialStore`] (one row per user and provider) and [`TokenStore`]
/// (one row per token key, with a version every save increments in one statement, and a
/// refresh lock shared by every process using the database). See the crate docs for the
/// tables, the locks and the timeouts.
///
/// Cloning gives another handle on the same pool and in-process locks.
#[derive(Clone)]
pub struct SqlStore {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    keyring: Keyring,
    options: StoreOptions,
    locks: KeyedLocks,
}

enum Backend {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres {
        pool: sqlx::PgPool,
        locks: sqlx::PgPool,
    },
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// Runs `$body` with `$pool` bound to the backend's pool, whichever it is.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.inner.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite($pool) => $body,
            #[cfg(feature = "postgres")]
            Backend::Postgres { pool: $pool, .. } => $body,
        }
    };
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.inner.backend.name())
            .field("keyring", &self.inner.keyring)
            .field("options", &self.inner.options)
            .finish()
    }
}

/// How many rows [`SqlStore::reencrypt`] moved to the current key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reencrypted {
    /// Credential rows rewritten.
    pub credentials: u64,
    /// Token rows rewritten.
    pub tokens: u64,
}

/// What a token row's ciphertext holds: the whole token set.
#[derive(Serialize, Deserialize)]
struct TokenPlain {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    extra: BTreeMap<String, String>,
}

impl Drop for TokenPlain {
    fn drop(&mut self) {
        self.access_token.zeroize();
        self.refresh_token.zeroize();
    }
}

impl SqlStore {
    /// Connects with the default [`StoreOptions`]. See [`SqlStore::connect_with`].
    ///
    /// # Errors
    /// As [`SqlStore::connect_with`].
    pub async fn connect(url: &str, keyring: Keyring) -> Result<Self> {
        Self::connect_with(url, keyring, StoreOptions::default()).await
    }

    /// Connects to `url`: `sqlite://path?mode=rwc` (creates the file), `sqlite:path`,
    /// `sqlite::memory:`, or `postgres://user:password@host:port/database`. One connection
    /// is opened at once, so a database that is down fails here.
    ///
    /// # Errors
    /// [`Error::Config`] naming `url` for a URL of another kind or that does not parse;
    /// [`Error::Storage`] when no connection is made within the timeout, or migrating
    /// fails.
    pub async fn connect_with(url: &str, keyring: Keyring, options: StoreOptions) -> Result<Self> {
        let backend = if url.starts_with("sqlite:") {
            connect_sqlite(url, &options).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            connect_postgres(url, &options).await?
        } else {
            return Err(Error::config(
                "url",
                "must start with sqlite: or postgres:// (or postgresql://)",
            ));
        };
        let store = Self {
            inner: Arc::new(Inner {
                backend,
                keyring,
                options,
                locks: KeyedLocks::default(),
            }),
        };
        if store.inner.options.migrate_on_connect {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Creates or updates the tables with the migrations shipped in this crate
    /// (`migrations/sqlite`, `migrations/postgres`), recorded in sqlx's
    /// `_sqlx_migrations` table. Migrations the application applied to the same database
    /// with sqlx are left alone. Safe to run from several processes at once.
    ///
    /// # Errors
    /// [`Error::Storage`] when a migration fails or does not finish within the timeout.
    pub async fn migrate(&self) -> Result<()> {
        let run = async {
            match &self.inner.backend {
                #[cfg(feature = "sqlite")]
                Backend::Sqlite(pool) => {
                    let mut migrator = sqlx::migrate!("./migrations/sqlite");
                    migrator.set_ignore_missing(true);
                    migrator.run(pool).await
                }
                #[cfg(feature = "postgres")]
                Backend::Postgres { pool, .. } => {
                    let mut migrator = sqlx::migrate!("./migrations/postgres");
                    migrator.set_ignore_missing(true);
                    migrator.run(pool).await
                }
            }
        };
        match tokio::time::timeout(self.inner.options.timeout, run).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::storage(
                format!("could not migrate the {} store", self.inner.backend.name()),
                e,
            )),
            Err(_) => Err(self.timed_out("migrating the store")),
        }
    }

    /// The keyring secrets are encrypted under.
    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// The options the store was connected with.
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// Closes every connection; calls made afterwards fail with [`Error::Storage`].
    pub async fn close(&self) {
        match &self.inner.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(pool) => pool.close().await,
            #[cfg(feature = "postgres")]
            Backend::Postgres { pool, locks } => {
                locks.close().await;
                pool.close().await;
            }
        }
    }

    /// Saves `tokens` under `key` only if its stored version is still `expected` (`None`:
    /// only if nothing is stored), in one statement. Returns the new version, or `None`
    /// when the version had moved on and nothing was written.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store cannot be written.
    pub async fn compare_and_save(
        &self,
        key: &str,
        expected: Option<u64>,
        tokens: TokenSet,
    ) -> Result<Option<u64>> {
        let row = self.seal_tokens(key, &tokens)?;
        let now = Utc::now();
        let version = match expected {
            None => {
                let sql = "INSERT INTO bankkit_tokens \
                     (token_key, version, key_id, nonce, ciphertext, expires_at, updated_at) \
                     VALUES ($1, 1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (token_key) DO NOTHING RETURNING version";
                self.timed("saving tokens", async {
                    on_pool!(self, |pool| {
                        sqlx::query(sql)
                            .bind(key)
                            .bind(&row.key_id)
                            .bind(&row.nonce)
                            .bind(&row.ciphertext)
                            .bind(tokens.expires_at)
                            .bind(now)
                            .fetch_optional(pool)
                            .await?
                            .map(|row| row.try_get::<i64, _>(0))
                            .transpose()
                    })
                })
                .await?
            }
            Some(expected) => {
                let Ok(expected) = i64::try_from(expected) else {
                    return Ok(None);
                };
                let sql = "UPDATE bankkit_tokens SET version = version + 1, key_id = $2, \
                     nonce = $3, ciphertext = $4, expires_at = $5, updated_at = $6 \
                     WHERE token_key = $1 AND version = $7 RETURNING version";
                self.timed("saving tokens", async {
                    on_pool!(self, |pool| {
                        sqlx::query(sql)
                            .bind(key)
                            .bind(&row.key_id)
                            .bind(&row.nonce)
                            .bind(&row.ciphertext)
                            .bind(tokens.expires_at)
                            .bind(now)
                            .bind(expected)
                            .fetch_optional(pool)
                            .await?
                            .map(|row| row.try_get::<i64, _>(0))
                            .transpose()
                    })
                })
                .await?
            }
        };
        version.map(|v| version_of(key, v)).transpose()
    }

    /// Removes the tokens of `key`; whether there were any.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store cannot be written.
    pub async fn remove_tokens(&self, key: &str) -> Result<bool> {
        let done = self
            .timed("removing tokens", async {
                on_pool!(self, |pool| {
                    sqlx::query("DELETE FROM bankkit_tokens WHERE token_key = $1")
                        .bind(key)
                        .execute(pool)
                        .await
                        .map(|done| done.rows_affected())
                })
            })
            .await?;
        Ok(done > 0)
    }

    /// Rewrites every row written under an older key with the current key, so the older
    /// key can leave the keyring. A row saved meanwhile is left as that save wrote it
    /// (under the current key). Run it after adding a new current key.
    ///
    /// # Errors
    /// [`Error::Storage`] when a row names a key the keyring does not hold, does not
    /// decrypt, or the store cannot be read or written; rows done before stay done.
    pub async fn reencrypt(&self) -> Result<Reencrypted> {
        let current = self.inner.keyring.current_id().to_owned();
        let mut done = Reencrypted::default();

        let rows: Vec<(String, i64, Sealed)> = self
            .timed("reading tokens to re-encrypt", async {
                on_pool!(self, |pool| {
                    let rows = sqlx::query(
                        "SELECT token_key, version, key_id, nonce, ciphertext \
                         FROM bankkit_tokens WHERE key_id <> $1",
                    )
                    .bind(&current)
                    .fetch_all(pool)
                    .await?;
                    rows.iter()
                        .map(|row| {
                            Ok((
                                row.try_get("token_key")?,
                                row.try_get("version")?,
                                sealed_of(row)?,
                            ))
                        })
                        .collect::<Result<Vec<_>, sqlx::Error>>()
                })
            })
            .await?;
        for (key, version, old) in rows {
            let plain = self.inner.keyring.open(
                &format!("the tokens of {key}"),
                &aad(TOKENS, &[&key]),
                &old,
            )?;
            let new = self.inner.keyring.seal(&aad(TOKENS, &[&key]), &plain)?;
            let changed = self
                .timed("re-encrypting tokens", async {
                    on_pool!(self, |pool| {
                        sqlx::query(
                            "UPDATE bankkit_tokens SET key_id = $1, nonce = $2, ciphertext = $3 \
                             WHERE token_key = $4 AND version = $5 AND nonce = $6",
                        )
                        .bind(&new.key_id)
                        .bind(&new.nonce)
                        .bind(&new.ciphertext)
                        .bind(&key)
                        .bind(version)
                        .bind(&old.nonce)
                        .execute(pool)
                        .await
                        .map(|done| done.rows_affected())
                    })
                })
                .await?;
            done.tokens += changed;
        }

        let rows: Vec<(String, String, Sealed)> = self
            .timed("reading credentials to re-encrypt", async {
                on_pool!(self, |pool| {
                    let rows = sqlx::query(
                        "SELECT user_id, provider, key_id, nonce, ciphertext \
                         FROM bankkit_credentials WHERE key_id <> $1",
                    )
                    .bind(&current)
                    .fetch_all(pool)
                    .await?;
                    rows.iter()
                        .map(|row| {
                            Ok((
                                row.try_get("user_id")?,
                                row.try_get("provider")?,
                                sealed_of(row)?,
                            ))
                        })
                        .collect::<Result<Vec<_>, sqlx::Error>>()
                })
            })
            .await?;
        for (user, provider, old) in rows {
            let associated = aad(CREDENTIALS, &[&user, &provider]);
            let plain = self.inner.keyring.open(
                &format!("the {provider} config of user {user}"),
                &associated,
                &old,
            )?;
            let new = self.inner.keyring.seal(&associated, &plain)?;
            let changed = self
                .timed("re-encrypting credentials", async {
                    on_pool!(self, |pool| {
                        sqlx::query(
                            "UPDATE bankkit_credentials SET key_id = $1, nonce = $2, ciphertext = $3 \
                             WHERE user_id = $4 AND provider = $5 AND nonce = $6",
                        )
                        .bind(&new.key_id)
                        .bind(&new.nonce)
                        .bind(&new.ciphertext)
                        .bind(&user)
                        .bind(&provider)
                        .bind(&old.nonce)
                        .execute(pool)
                        .await
                        .map(|done| done.rows_affected())
                    })
                })
                .await?;
            done.credentials += changed;
        }
        Ok(done)
    }

    fn seal_tokens(&self, key: &str, tokens: &TokenSet) -> Result<Sealed> {
        let plain = TokenPlain {
            access_token: tokens.access_token.expose_secret().to_owned(),
            refresh_token: tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            expires_at: tokens.expires_at,
            extra: tokens.extra.clone(),
        };
        let json = serde_json::to_vec(&plain)
            .map(Zeroizing::new)
            .map_err(|e| Error::Storage {
                message: format!(
                    "could not serialise the tokens of {key} ({:?})",
                    e.classify()
                ),
                source: None,
            })?;
        self.inner.keyring.seal(&aad(TOKENS, &[key]), &json)
    }

    fn open_tokens(&self, key: &str, sealed: &Sealed) -> Result<TokenSet> {
        let what = format!("the tokens of {key}");
        let json = self
            .inner
            .keyring
            .open(&what, &aad(TOKENS, &[key]), sealed)?;
        let mut plain: TokenPlain = serde_json::from_slice(&json).map_err(|e| Error::Storage {
            message: format!(
                "{what} decrypted but are not a token set ({:?})",
                e.classify()
            ),
            source: None,
        })?;
        let mut tokens = TokenSet::new(SecretString::from(std::mem::take(&mut plain.access_token)));
        if let Some(refresh) = plain.refresh_token.take() {
            tokens = tokens.with_refresh_token(SecretString::from(refresh));
        }
        if let Some(at) = plain.expires_at {
            tokens = tokens.with_expires_at(at);
        }
        for (name, value) in std::mem::take(&mut plain.extra) {
            tokens = tokens.with_extra(name, value);
        }
        Ok(tokens)
    }

    /// Runs `call` within the timeout; its errors and the timeout become
    /// [`Error::Storage`] saying what was being done.
    async fn timed<T>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T> {
        self.timed_until(Instant::now() + self.inner.options.timeout, what, call)
            .await
    }

    /// As [`SqlStore::timed`], ending at `deadline`.
    async fn timed_until<T>(
        &self,
        deadline: Instant,
        what: &str,
        call: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T> {
        match tokio::time::timeout_at(deadline.into(), call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(storage_error(what, self.inner.options.timeout, e)),
            Err(_) => Err(self.timed_out(what)),
        }
    }

    fn timed_out(&self, what: &str) -> Error {
        Error::Storage {
            message: format!(
                "{what}: no answer from the {} database within the timeout ({:?})",
                self.inner.backend.name(),
                self.inner.options.timeout
            ),
            source: None,
        }
    }

    fn lock_timed_out(&self, key: &str) -> Error {
        Error::Storage {
            message: format!(
                "the refresh lock of {key} was not free within the timeout ({:?})",
                self.inner.options.timeout
            ),
            source: None,
        }
    }
}

fn storage_error(what: &str, timeout: Duration, e: sqlx::Error) -> Error {
    let message = match &e {
        sqlx::Error::PoolTimedOut => {
            format!("{what}: no database connection within the timeout ({timeout:?})")
        }
        sqlx::Error::Database(db) if is_timeout(db.as_ref()) => format!(
            "{what}: the database did not finish within the timeout ({timeout:?}): {}",
            db.message()
        ),
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::Decode(_) => format!("{what}: a stored row is corrupt: {e}"),
        _ => format!("{what}: {e}"),
    };
    Error::storage(message, e)
}

/// Whether a database error is a timeout: PostgreSQL's statement or lock timeout, or
/// SQLite's busy timeout running out.
fn is_timeout(e: &dyn sqlx::error::DatabaseError) -> bool {
    let code = e.code().map(|code| code.into_owned()).unwrap_or_default();
    match code.as_str() {
        // query_canceled (statement_timeout), lock_not_available (lock_timeout)
        "57014" | "55P03" => true,
        code => code
            .parse::<u32>()
            .is_ok_and(|code| code & 0xff == 5 || code & 0xff == 6),
    }
}

fn sealed_of<R>(row: &R) -> Result<Sealed, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Vec<u8>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Sealed {
        key_id: row.try_get("key_id")?,
        nonce: row.try_get("nonce")?,
        ciphertext: row.try_get("ciphertext")?,
    })
}

fn version_of(key: &str, version: i64) -> Result<u64> {
    u64::try_from(version)
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| Error::Storage {
            message: format!("the tokens of {key} are corrupt: version {version}"),
            source: None,
        })
}

#[cfg(feature = "sqlite")]
async fn connect_sqlite(url: &str, options: &StoreOptions) -> Result<Backend> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
    use std::str::FromStr;

    let connect = SqliteConnectOptions::from_str(url)
        .map_err(|_| Error::config("url", "is not a valid SQLite URL"))?
        .busy_timeout(options.timeout);
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let pool = if memory {
        // One connection keeps the database alive and avoids shared-cache table locks.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(options.max_connections)
    };
    let connect = if memory {
        connect
    } else {
        connect.journal_mode(SqliteJournalMode::Wal)
    };
    let pool = pool.acquire_timeout(options.timeout);
    match tokio::time::timeout(options.timeout, pool.connect_with(connect)).await {
        Ok(Ok(pool)) => Ok(Backend::Sqlite(pool)),
        Ok(Err(e)) => Err(storage_error(
            "could not open the SQLite database",
            options.timeout,
            e,
        )),
        Err(_) => Err(Error::Storage {
            message: format!(
                "could not open the SQLite database within the timeout ({:?})",
                options.timeout
            ),
            source: None,
        }),
    }
}

#[cfg(not(feature = "sqlite"))]
async fn connect_sqlite(_url: &str, _options: &StoreOptions) -> Result<Backend> {
    Err(Error::config(
        "url",
        "is a SQLite URL, but bankkit-store was built without its `sqlite` feature",
    ))
}

#[cfg(feature = "postgres")]
async fn connect_postgres(url: &str, options: &StoreOptions) -> Result<Backend> {
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use std::str::FromStr;

    let millis = options.timeout.as_millis().max(1);
    let connect = PgConnectOptions::from_str(url)
        .map_err(|_| Error::config("url", "is not a valid PostgreSQL URL"))?
        .application_name("bankkit-store")
        .options([
            ("statement_timeout", millis.to_string()),
            ("lock_timeout", millis.to_string()),
        ]);
    let locks = PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.timeout)
        .connect_lazy_with(connect.clone());
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.timeout);
    match tokio::time::timeout(options.timeout, pool.connect_with(connect)).await {
        Ok(Ok(pool)) => Ok(Backend::Postgres { pool, locks }),
        Ok(Err(e)) => Err(storage_error(
            "could not connect to PostgreSQL",
            options.timeout,
            e,
        )),
        Err(_) => Err(Error::Storage {
            message: format!(
                "could not connect to PostgreSQL within the timeout ({:?})",
                options.timeout
            ),
            source: None,
        }),
    }
}

#[cfg(not(feature = "postgres"))]
async fn connect_postgres(_url: &str, _options: &StoreOptions) -> Result<Backend> {
    Err(Error::config(
        "url",
        "is a PostgreSQL URL, but bankkit-store was built without its `postgres` feature",
    ))
}

#[async_trait]
impl TokenStore for SqlStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<TokenSet>>> {
        let row: Option<(i64, Sealed)> = self
            .timed("loading tokens", async {
                on_pool!(self, |pool| {
                    let row = sqlx::query(
                        "SELECT version, key_id, nonce, ciphertext \
                         FROM bankkit_tokens WHERE token_key = $1",
                    )
                    .bind(key)
                    .fetch_optional(pool)
                    .await?;
                    row.map(|row| Ok((row.try_get("version")?, sealed_of(&row)?)))
                        .transpose()
                })
            })
            .await?;
        let Some((version, sealed)) = row else {
            return Ok(None);
        };
        let version = version_of(key, version)?;
        Ok(Some(Versioned::new(
            version,
            self.open_tokens(key, &sealed)?,
        )))
    }

    async fn save(&self, key: &str, tokens: TokenSet) -> Result<u64> {
        let row = self.seal_tokens(key, &tokens)?;
        let now = Utc::now();
        let version = self
            .timed("saving tokens", async {
                on_pool!(self, |pool| {
                    sqlx::query(
                        "INSERT INTO bankkit_tokens \
                         (token_key, version, key_id, nonce, ciphertext, expires_at, updated_at) \
                         VALUES ($1, 1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (token_key) DO UPDATE SET \
                         version = bankkit_tokens.version + 1, key_id = excluded.key_id, \
                         nonce = excluded.nonce, ciphertext = excluded.ciphertext, \
                         expires_at = excluded.expires_at, updated_at = excluded.updated_at \
                         WHERE bankkit_tokens.version < 9223372036854775807 \
                         RETURNING version",
                    )
                    .bind(key)
                    .bind(&row.key_id)
                    .bind(&row.nonce)
                    .bind(&row.ciphertext)
                    .bind(tokens.expires_at)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?
                    .map(|row| row.try_get::<i64, _>(0))
                    .transpose()
                })
            })
            .await?;
        match version {
            Some(version) => version_of(key, version),
            None => Err(Error::Storage {
                message: format!("the token version of {key} cannot grow any further"),
                source: None,
            }),
        }
    }

    async fn lock(&self, key: &str) -> Result<RefreshLock> {
        let started = Instant::now();
        let deadline = started + self.inner.options.timeout;
        let in_process =
            tokio::time::timeout(self.inner.options.timeout, self.inner.locks.lock(key))
                .await
                .map_err(|_| self.lock_timed_out(key))?;
        match &self.inner.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(pool) => {
                sqlite_lock::acquire(self, pool, key, deadline, in_process).await
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres { locks, .. } => {
                pg_lock::acquire(self, locks, key, deadline, in_process).await
            }
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite_lock {
    //! A lease row per key: taken when absent or lapsed, renewed while held, deleted on
    //! release.

    use super::*;
    use chacha20poly1305::aead::rand_core::RngCore;
    use chacha20poly1305::aead::OsRng;

    fn now_millis() -> i64 {
        let now = Utc::now().timestamp_millis();
        now.max(0)
    }

    fn millis(duration: Duration) -> i64 {
        i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
    }

    pub(super) async fn acquire(
        store: &SqlStore,
        pool: &sqlx::SqlitePool,
        key: &str,
        deadline: Instant,
        in_process: KeyGuard,
    ) -> Result<RefreshLock> {
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        let holder: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let lease = store.inner.options.lock_lease;
        let mut pause = Duration::from_millis(10);
        loop {
            // The wait ends at the deadline itself, never a pause before it.
            if Instant::now() >= deadline {
                return Err(store.lock_timed_out(key));
            }
            let now = now_millis();
            let taken = store
                .timed_until(deadline, "taking the refresh lock", async {
                    sqlx::query(
                        "INSERT INTO bankkit_token_locks (token_key, holder, expires_at) \
                         VALUES ($1, $2, $3) \
                         ON CONFLICT (token_key) DO UPDATE SET holder = excluded.holder, \
                         expires_at = excluded.expires_at \
                         WHERE bankkit_token_locks.expires_at <= $4",
                    )
                    .bind(key)
                    .bind(&holder)
                    .bind(now.saturating_add(millis(lease)))
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected() == 1)
                })
                .await?;
            if taken {
                break;
            }
            tokio::time::sleep_until((Instant::now() + pause).min(deadline).into()).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        let renewal = tokio::spawn(renew(pool.clone(), key.to_owned(), holder.clone(), lease));
        Ok(RefreshLock::new(vec![Box::new(Lease {
            pool: pool.clone(),
            key: key.to_owned(),
            holder,
            timeout: store.inner.options.timeout,
            renewal,
            in_process: Mutex::new(Some(in_process)),
        })]))
    }

    async fn renew(pool: sqlx::SqlitePool, key: String, holder: String, lease: Duration) {
        loop {
            tokio::time::sleep(lease / 3).await;
            let renewed = sqlx::query(
                "UPDATE bankkit_token_locks SET expires_at = $1 \
                 WHERE token_key = $2 AND holder = $3",
            )
            .bind(now_millis().saturating_add(millis(lease)))
            .bind(&key)
            .bind(&holder)
            .execute(&pool)
            .await;
            match renewed {
                Ok(done) if done.rows_affected() == 1 => {}
                Ok(_) => {
                    tracing::warn!(key, "the refresh lock lapsed while held");
                    return;
                }
                Err(e) => tracing::warn!(key, error = %e, "could not renew the refresh lock"),
            }
        }
    }

    struct Lease {
        pool: sqlx::SqlitePool,
        key: String,
        holder: String,
        timeout: Duration,
        renewal: tokio::task::JoinHandle<()>,
        in_process: Mutex<Option<KeyGuard>>,
    }

    impl Drop for Lease {
        fn drop(&mut self) {
            self.renewal.abort();
            let in_process = self
                .in_process
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                // No runtime to delete the row: the lease lapses by itself.
                return;
            };
            let (pool, key, holder, timeout) = (
                self.pool.clone(),
                std::mem::take(&mut self.key),
                std::mem::take(&mut self.holder),
                self.timeout,
            );
            runtime.spawn(async move {
                let release = sqlx::query(
                    "DELETE FROM bankkit_token_locks WHERE token_key = $1 AND holder = $2",
                )
                .bind(&key)
                .bind(&holder)
                .execute(&pool);
                if let Ok(Err(e)) = tokio::time::timeout(timeout, release).await {
                    tracing::warn!(key, error = %e, "could not release the refresh lock; its lease will lapse");
                }
                drop(in_process);
            });
        }
    }
}

#[cfg(feature = "postgres")]
mod pg_lock {
    //! `pg_advisory_lock` on a connection held by the guard.

    use super::*;
    use crate::lock::fnv1a_64;
    use sqlx::pool::PoolConnection;
    use sqlx::Postgres;

    /// A lock connection that is closed, not returned to the pool, unless taken out: a
    /// session whose lock request was abandoned could otherwise be granted the lock later
    /// and keep it.
    struct CloseUnlessTaken(Option<PoolConnection<Postgres>>);

    impl Drop for CloseUnlessTaken {
        fn drop(&mut self) {
            if let Some(conn) = self.0.take() {
                drop(conn.detach());
            }
        }
    }

    pub(super) fn lock_id(key: &str) -> i64 {
        fnv1a_64(format!("bankkit-store/tokens/{key}").as_bytes())
    }

    pub(super) async fn acquire(
        store: &SqlStore,
        locks: &sqlx::PgPool,
        key: &str,
        deadline: Instant,
        in_process: KeyGuard,
    ) -> Result<RefreshLock> {
        let id = lock_id(key);
        let remaining = deadline.saturating_duration_since(Instant::now());
        let attempt = async {
            let mut conn = CloseUnlessTaken(Some(locks.acquire().await?));
            if let Some(c) = conn.0.as_mut() {
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(id)
                    .execute(&mut **c)
                    .await?;
            }
            Ok::<_, sqlx::Error>(conn.0.take())
        };
        let conn = match tokio::time::timeout(remaining, attempt).await {
            Ok(Ok(Some(conn))) => conn,
            Ok(Ok(None)) | Err(_) => return Err(store.lock_timed_out(key)),
            Ok(Err(sqlx::Error::Database(e))) if is_timeout(e.as_ref()) => {
                return Err(store.lock_timed_out(key))
            }
            Ok(Err(e)) => {
                return Err(storage_error(
                    &format!("taking the refresh lock of {key}"),
                    store.inner.options.timeout,
                    e,
                ))
            }
        };
        Ok(RefreshLock::new(vec![Box::new(Advisory {
            state: Mutex::new(Some((conn, in_process))),
            id,
            timeout: store.inner.options.timeout,
        })]))
    }

    struct Advisory {
        state: Mutex<Option<(PoolConnection<Postgres>, KeyGuard)>>,
        id: i64,
        timeout: Duration,
    }

    impl Drop for Advisory {
        fn drop(&mut self) {
            let Some((mut conn, in_process)) = self
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            else {
                return;
            };
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                // Closing the session releases its advisory locks.
                drop(conn.detach());
                return;
            };
            let (id, timeout) = (self.id, self.timeout);
            runtime.spawn(async move {
                let unlock = sqlx::query_scalar::<_, bool>("SELECT pg_advisory_unlock($1)")
                    .bind(id)
                    .fetch_one(&mut *conn);
                match tokio::time::timeout(timeout, unlock).await {
                    Ok(Ok(true)) => drop(conn),
                    _ => drop(conn.detach()),
                }
                drop(in_process);
            });
        }
    }
}

#[async_trait]
impl CredentialStore for SqlStore {
    async fn put(&self, user: &str, config: StoredConfig) -> Result<()> {
        let provider = config.provider().to_owned();
        let sealed = self.inner.keyring.seal(
            &aad(CREDENTIALS, &[user, &provider]),
            config.expose_json().as_bytes(),
        )?;
        let now = Utc::now();
        self.timed("saving a config", async {
            on_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO bankkit_credentials \
                     (user_id, provider, key_id, nonce, ciphertext, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (user_id, provider) DO UPDATE SET key_id = excluded.key_id, \
                     nonce = excluded.nonce, ciphertext = excluded.ciphertext, \
                     updated_at = excluded.updated_at",
                )
                .bind(user)
                .bind(&provider)
                .bind(&sealed.key_id)
                .bind(&sealed.nonce)
                .bind(&sealed.ciphertext)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
            })
        })
        .await
    }

    async fn get(&self, user: &str, provider: &str) -> Result<Option<StoredConfig>> {
        let sealed: Option<Sealed> = self
            .timed("loading a config", async {
                on_pool!(self, |pool| {
                    let row = sqlx::query(
                        "SELECT key_id, nonce, ciphertext FROM bankkit_credentials \
                         WHERE user_id = $1 AND provider = $2",
                    )
                    .bind(user)
                    .bind(provider)
                    .fetch_optional(pool)
                    .await?;
                    row.map(|row| sealed_of(&row)).transpose()
                })
            })
            .await?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let what = format!("the {provider} config of user {user}");
        let plain =
            self.inner
                .keyring
                .open(&what, &aad(CREDENTIALS, &[user, provider]), &sealed)?;
        let json = std::str::from_utf8(&plain).map_err(|_| Error::Storage {
            message: format!("{what} decrypted but is not UTF-8 text"),
            source: None,
        })?;
        let config = StoredConfig::from_json(json)?;
        if config.provider() != provider {
            return Err(Error::Storage {
                message: format!("{what} holds a config of {}", config.provider()),
                source: None,
            });
        }
        Ok(Some(config))
    }

    async fn remove(&self, user: &str, provider: &str) -> Result<bool> {
        let removed = self
            .timed("removing a config", async {
                on_pool!(self, |pool| {
                    sqlx::query(
                        "DELETE FROM bankkit_credentials WHERE user_id = $1 AND provider = $2",
                    )
                    .bind(user)
                    .bind(provider)
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected())
                })
            })
            .await?;
        Ok(removed > 0)
    }

    async fn providers(&self, user: &str) -> Result<Vec<String>> {
        self.timed("listing configs", async {
            on_pool!(self, |pool| {
                sqlx::query_scalar::<_, String>(
                    "SELECT provider FROM bankkit_credentials WHERE user_id = $1 ORDER BY provider",
                )
                .bind(user)
                .fetch_all(pool)
                .await
            })
        })
        .await
    }
}

//! A token store in one JSON file, safe to share between tasks and between processes.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

use super::memory::KeyedLocks;
use super::{next_version, RefreshLock, TokenSet, TokenStore, Versioned};
use crate::fsutil::{self, blocking, fnv1a_64, lock_failure, sibling, OsFileLock};
use crate::{Error, Result};

/// The version of the file layout written by this code.
const FORMAT_VERSION: u32 = 1;

/// Keeps token sets in one JSON file that several tasks and processes may share.
///
/// The file holds every key:
///
/// ```json
/// {
///   "version": 1,
///   "entries": {
///     "monzo:user_123": {
///       "version": 4,
///       "access_token": "...",
///       "refresh_token": "...",
///       "expires_at": "2026-11-01T06:00:00Z",
///       "extra": { "user_id": "user_123" }
///     }
///   }
/// }
/// ```
///
/// - **Private**: on unix the file is created with mode `0600` (owner read/write only).
///   It holds the tokens in clear text, so keep it somewhere only the owner can reach.
/// - **Atomic**: a save writes the whole file to a temporary file in the same directory,
///   flushes it to disk and renames it over the old one, so a crash leaves either the old
///   or the new file, never a half-written one.
/// - **Shared**: a save takes an OS lock on `<path>.lock` around its read-modify-write, so
///   processes saving different keys never lose each other's keys. [`TokenStore::lock`]
///   takes an in-process mutex and an OS lock on a per-key file
///   (`<path>.<hash of key>.refresh.lock`), so two processes never refresh one key at the
///   same time. Lock files are left in place: removing them while another process waits
///   on them would break the lock.
///
/// A missing (or empty) file is an empty store. The directory must exist. A file that
/// cannot be read is an [`Error::Storage`] whose message names the file and never a token.
///
/// Cloning gives another handle with the same in-process locks.
///
/// ```no_run
/// use bankkit_core::token::{FileTokenStore, TokenSet, TokenStore};
/// # async fn example() -> bankkit_core::Result<()> {
/// let store = FileTokenStore::new("/var/lib/myapp/tokens.json")
///     .with_lock_timeout(std::time::Duration::from_secs(10));
/// let version = store.save("monzo:user_1", TokenSet::new("access".into())).await?;
/// assert_eq!(store.load("monzo:user_1").await?.map(|t| t.version), Some(version));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct FileTokenStore {
    inner: Arc<Inner>,
    lock_timeout: Duration,
}

struct Inner {
    path: PathBuf,
    refresh_locks: KeyedLocks,
    /// Serialises this handle's saves before they queue on the OS lock, so waiting saves
    /// wait on the async runtime rather than in blocking threads.
    write_lock: tokio::sync::Mutex<()>,
    /// Whether this handle has looked for temporary files left by a dead writer.
    swept: AtomicBool,
    #[cfg(test)]
    fail_after_partial_write: std::sync::atomic::AtomicBool,
}

impl FileTokenStore {
    /// How long a save or a refresh lock waits for an OS lock held elsewhere: 30 s.
    pub const DEFAULT_LOCK_TIMEOUT: Duration = fsutil::DEFAULT_LOCK_TIMEOUT;

    /// A store kept in the file at `path`. Nothing is read or created until first use.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            inner: Arc::new(Inner {
                path: path.into(),
                refresh_locks: KeyedLocks::default(),
                write_lock: tokio::sync::Mutex::new(()),
                swept: AtomicBool::new(false),
                #[cfg(test)]
                fail_after_partial_write: AtomicBool::new(false),
            }),
            lock_timeout: Self::DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// Waits at most `timeout` for the save lock or a refresh lock held by another process
    /// (or handle) before failing with [`Error::Storage`]. The default is
    /// [`DEFAULT_LOCK_TIMEOUT`](Self::DEFAULT_LOCK_TIMEOUT). A zero timeout tries once.
    /// Applies to this handle and the clones made from it afterwards.
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// How long this handle waits for a lock held elsewhere.
    pub fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    /// The moment a lock wait starting now gives up.
    fn lock_deadline(&self) -> Instant {
        fsutil::deadline_after(self.lock_timeout)
    }

    /// The path of the token file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The lock file that serialises saves: `<path>.lock`.
    fn write_lock_path(&self) -> PathBuf {
        sibling(&self.inner.path, ".lock")
    }

    /// The lock file that serialises refreshes of `key`: `<path>.<hash>.refresh.lock`.
    fn refresh_lock_path(&self, key: &str) -> PathBuf {
        sibling(
            &self.inner.path,
            &format!(".{:016x}.refresh.lock", fnv1a_64(key.as_bytes())),
        )
    }
}

impl fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("path", &self.inner.path)
            .field("lock_timeout", &self.lock_timeout)
            .finish()
    }
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<TokenSet>>> {
        // Saves replace the file by renaming, so a read without the lock sees either the old
        // or the new file, whole.
        let store = self.clone();
        let key = key.to_owned();
        blocking(move || {
            store.sweep_if_free();
            let mut file = read_store(&store.inner.path)?;
            Ok(file.entries.remove(&key).map(StoredEntry::into_versioned))
        })
        .await
    }

    async fn save(&self, key: &str, tokens: TokenSet) -> Result<u64> {
        let deadline = self.lock_deadline();
        let _in_process = self.inner.write_lock.lock().await;
        let store = self.clone();
        let lock_path = self.write_lock_path();
        let key = key.to_owned();
        blocking(move || {
            let path = &store.inner.path;
            let _os_lock = OsFileLock::acquire_until(&lock_path, deadline).map_err(|e| {
                lock_failure(
                    &format!("token file {}", path.display()),
                    &lock_path,
                    store.lock_timeout,
                    e,
                )
            })?;
            // Holding the lock: any temporary file of this store is a dead writer's.
            fsutil::remove_stale_temps(path);
            store.inner.swept.store(true, Ordering::SeqCst);
            let mut file = read_store(path)?;
            let version = next_version(file.entries.get(&key).map(|current| current.version))?;
            file.entries
                .insert(key, StoredEntry::from_tokens(version, tokens));
            store.write_atomic(&file)?;
            Ok(version)
        })
        .await
    }

    async fn lock(&self, key: &str) -> Result<RefreshLock> {
        let in_process = self.inner.refresh_locks.lock(key).await;
        let deadline = self.lock_deadline();
        let lock_path = self.refresh_lock_path(key);
        let path = self.inner.path.clone();
        let timeout = self.lock_timeout;
        let os_lock = blocking(move || {
            OsFileLock::acquire_until(&lock_path, deadline).map_err(|e| {
                lock_failure(
                    &format!("a refresh lock of token file {}", path.display()),
                    &lock_path,
                    timeout,
                    e,
                )
            })
        })
        .await?;
        // Dropped in order: the OS lock first, then the in-process mutex.
        Ok(RefreshLock::new(vec![
            Box::new(os_lock),
            Box::new(in_process),
        ]))
    }
}

impl FileTokenStore {
    /// On this handle's first load, removes temporary files left by a dead writer if the
    /// save lock is free right now (a busy lock means a live save, whose temporary file
    /// must stay; the next save or load cleans up). Blocking.
    fn sweep_if_free(&self) {
        if self.inner.swept.swap(true, Ordering::SeqCst) {
            return;
        }
        match OsFileLock::try_acquire(&self.write_lock_path()) {
            Ok(Some(_lock)) => {
                fsutil::remove_stale_temps(&self.inner.path);
            }
            Ok(None) => self.inner.swept.store(false, Ordering::SeqCst),
            // A directory this process cannot write to: nothing it could remove either.
            Err(error) => {
                tracing::debug!(
                    file = %self.inner.path.display(),
                    %error,
                    "could not check a token file for temporary files"
                );
            }
        }
    }

    /// Writes `file` to a temporary file next to the target, flushes it and renames it over
    /// the target. On error the target is untouched and the temporary file is removed.
    fn write_atomic(&self, file: &StoreFile) -> Result<()> {
        let path = &self.inner.path;
        let mut bytes = serde_json::to_vec_pretty(file).map_err(|e| Error::Storage {
            // Serialising plain strings cannot fail on the values; do not echo the error
            // body anyway, it could quote one.
            message: format!(
                "could not serialise token file {} ({:?} error)",
                path.display(),
                e.classify()
            ),
            source: None,
        })?;
        bytes.push(b'\n');
        #[cfg(test)]
        let partial = self
            .inner
            .fail_after_partial_write
            .load(std::sync::atomic::Ordering::SeqCst);
        #[cfg(not(test))]
        let partial = false;
        fsutil::write_atomic(path, &bytes, partial).map_err(|e| {
            Error::storage(format!("could not write token file {}", path.display()), e)
        })
    }
}

/// The whole file.
#[derive(Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    #[serde(default)]
    entries: BTreeMap<String, StoredEntry>,
}

/// Just the layout version, read first so a newer layout is refused with a clear message.
#[derive(Deserialize)]
struct StoreHeader {
    version: u32,
}

/// One key's token set as stored. Secrets stay [`SecretString`] and are exposed only
/// while serialising.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    version: u64,
    #[serde(serialize_with = "serialize_secret")]
    access_token: SecretString,
    #[serde(default, serialize_with = "serialize_optional_secret")]
    refresh_token: Option<SecretString>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    extra: BTreeMap<String, String>,
}

impl StoredEntry {
    fn from_tokens(version: u64, tokens: TokenSet) -> Self {
        Self {
            version,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_at: tokens.expires_at,
            extra: tokens.extra,
        }
    }

    fn into_versioned(self) -> Versioned<TokenSet> {
        Versioned::new(
            self.version,
            TokenSet {
                access_token: self.access_token,
                refresh_token: self.refresh_token,
                expires_at: self.expires_at,
                extra: self.extra,
            },
        )
    }
}

fn serialize_secret<S: Serializer>(
    secret: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

fn serialize_optional_secret<S: Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

/// Reads and parses the token file; a missing or empty file is an empty store.
fn read_store(path: &Path) -> Result<StoreFile> {
    let bytes = match fsutil::read_if_present(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(StoreFile::empty()),
        Err(e) => {
            return Err(Error::storage(
                format!("could not read token file {}", path.display()),
                e,
            ))
        }
    };
    let header: StoreHeader = serde_json::from_slice(&bytes).map_err(|e| corrupt_file(path, &e))?;
    if header.version != FORMAT_VERSION {
        return Err(Error::Storage {
            message: format!(
                "token file {} has format version {}, this version of bankkit reads only \
                 version {FORMAT_VERSION}",
                path.display(),
                header.version
            ),
            source: None,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| corrupt_file(path, &e))
}

impl StoreFile {
    fn empty() -> Self {
        Self {
            version: FORMAT_VERSION,
            entries: BTreeMap::new(),
        }
    }
}

/// A storage error for a file that does not parse. serde_json's own message can quote a
/// value from the file (a token), so only its category and position are kept.
fn corrupt_file(path: &Path, error: &serde_json::Error) -> Error {
    Error::Storage {
        message: format!(
            "token file {} is not a valid bankkit token file ({:?} error at line {}, column {})",
            path.display(),
            error.classify(),
            error.line(),
            error.column()
        ),
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[tokio::test]
    async fn a_save_that_fails_after_a_partial_write_leaves_the_old_file_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let store = FileTokenStore::new(&path);
        store
            .save("monzo:user_1", TokenSet::new("old-access".into()))
            .await
            .unwrap();
        let before = fs::read(&path).unwrap();

        store
            .inner
            .fail_after_partial_write
            .store(true, Ordering::SeqCst);
        let error = store
            .save("monzo:user_1", TokenSet::new("new-access".into()))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Storage { .. }), "{error:?}");

        assert_eq!(fs::read(&path).unwrap(), before);
        let loaded = store.load("monzo:user_1").await.unwrap().unwrap();
        assert_eq!(loaded.version, 1);
        assert_eq!(loaded.value.access_token.expose_secret(), "old-access");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .filter(|name| name.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

        store
            .inner
            .fail_after_partial_write
            .store(false, Ordering::SeqCst);
        let version = store
            .save("monzo:user_1", TokenSet::new("new-access".into()))
            .await
            .unwrap();
        assert_eq!(version, 2);
    }

    #[test]
    fn lock_file_names_are_stable_across_processes_and_distinct_per_key() {
        // FNV-1a test vectors.
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let store = FileTokenStore::new("/tmp/tokens.json");
        assert_ne!(store.refresh_lock_path("a"), store.refresh_lock_path("b"));
        assert_eq!(
            store.refresh_lock_path("a"),
            PathBuf::from("/tmp/tokens.json.af63dc4c8601ec8c.refresh.lock")
        );
        assert_eq!(
            store.write_lock_path(),
            PathBuf::from("/tmp/tokens.json.lock")
        );
    }

    fn temp_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn temporary_files_left_by_a_dead_writer_go_at_the_first_load_and_at_every_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let stale = dir.path().join(".tokens.json.AbC123.tmp");
        // Another store's temporary file (`tokens.json.x`) and an unrelated file stay.
        let other = dir.path().join(".tokens.json.x.AbC123.tmp");
        let unrelated = dir.path().join("notes.tmp");
        for file in [&stale, &other, &unrelated] {
            fs::write(file, "{\"secret\": \"copy\"}").unwrap();
        }

        // While the save lock is held (a live save), a load leaves the file alone ...
        let held = OsFileLock::try_acquire(&sibling(&path, ".lock"))
            .unwrap()
            .unwrap();
        let store = FileTokenStore::new(&path);
        assert!(store.load("k").await.unwrap().is_none());
        assert!(stale.exists());
        drop(held);
        // ... and the next load of the handle, with the lock free, removes it.
        assert!(store.load("k").await.unwrap().is_none());
        assert_eq!(
            temp_files(dir.path()),
            [".tokens.json.x.AbC123.tmp", "notes.tmp"]
        );

        // A save removes one whenever it finds one.
        fs::write(&stale, "copy").unwrap();
        store
            .save("k", TokenSet::new("access".into()))
            .await
            .unwrap();
        assert!(!stale.exists());
        assert!(other.exists() && unrelated.exists());
    }

    #[tokio::test]
    async fn a_held_save_lock_or_refresh_lock_is_a_storage_error_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let holder = FileTokenStore::new(&path);
        holder
            .save("k", TokenSet::new("secret-access".into()))
            .await
            .unwrap();
        let waiter = FileTokenStore::new(&path).with_lock_timeout(Duration::from_millis(200));
        assert_eq!(waiter.lock_timeout(), Duration::from_millis(200));
        assert_eq!(
            FileTokenStore::new(&path).lock_timeout(),
            FileTokenStore::DEFAULT_LOCK_TIMEOUT
        );

        let save_lock = OsFileLock::try_acquire(&holder.write_lock_path())
            .unwrap()
            .unwrap();
        let started = Instant::now();
        let error = waiter
            .save("k", TokenSet::new("secret-new".into()))
            .await
            .unwrap_err();
        let waited = started.elapsed();
        assert!(matches!(error, Error::Storage { .. }), "{error:?}");
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        assert!(waited < Duration::from_secs(10), "{waited:?}");
        let message = error.to_string();
        assert!(message.contains("tokens.json.lock"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        drop(save_lock);
        assert_eq!(
            waiter
                .save("k", TokenSet::new("secret-new".into()))
                .await
                .unwrap(),
            2
        );

        let refresh = holder.lock("k").await.unwrap();
        let error = waiter.lock("k").await.unwrap_err();
        assert!(matches!(error, Error::Storage { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(".refresh.lock"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        // Another key's refresh lock is free.
        drop(waiter.lock("other").await.unwrap());
        drop(refresh);
        drop(waiter.lock("k").await.unwrap());
    }
}

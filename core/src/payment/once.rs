//! At most once: a payment create sent again under the same [`IdempotencyKey`] never moves
//! money twice, by one of three rules, chosen per kind of provider ([`AtMostOnce`]).
//!
//! 1. **The provider dedupes** ([`AtMostOnce::ProviderDedupes`]): the provider's own
//!    idempotency field is derived from the key (MoMo `X-Reference-Id`, Monzo `dedupe_id`),
//!    so sending again is safe; the provider answers the second send with the first
//!    payment (or a "duplicate" the provider crate turns into it).
//! 2. **The provider can find a payment by the caller's reference**
//!    ([`AtMostOnce::LookupByReference`]): the reference is derived from the key, and before
//!    sending again after an unknown outcome the payment is looked up; only when the
//!    provider says it does not exist is it sent again.
//! 3. **Neither** ([`AtMostOnce::LocalRecord`]): a durable local record of key → request
//!    fingerprint and outcome ([`IdempotencyStore`]), written *before* the request is sent.
//!    A key seen before returns the recorded outcome; a key whose earlier send has no known
//!    outcome is looked up where the provider allows, and otherwise answers
//!    [`Error::OutcomeUnknown`] for a request that moves money — it is never sent a second
//!    time. A request that moves no money by itself (an invoice whose page nobody has
//!    opened) may be sent again.
//!
//! In every rule the same key with a different request is an [`Error::Conflict`].
//! [`AtMostOnceCall`] runs rules 2 and 3 for a provider crate; rule 1 needs nothing but the
//! derived key.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::IdempotencyKey;
use crate::fsutil::{self, blocking, lock_failure, sibling, OsFileLock};
use crate::{Error, Result};

/// How a provider keeps a create from moving money twice. See the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AtMostOnce {
    /// The provider dedupes on a key derived from ours.
    ProviderDedupes,
    /// The provider finds a payment by a reference derived from our key; it is looked up
    /// before sending again.
    LookupByReference,
    /// A durable local record of key → fingerprint and outcome, written before sending.
    LocalRecord,
}

/// A stable fingerprint of a request: SHA-256 (hex) of its JSON with sorted keys.
///
/// Build it from what identifies the request (amount, currency, payer kind, masked card
/// number, reference), never from secrets in the clear: the fingerprint is stored.
///
/// # Errors
/// [`Error::InvalidRequest`] if `request` cannot be serialised as JSON.
pub fn fingerprint(request: &impl Serialize) -> Result<String> {
    // serde_json's maps are sorted (no `preserve_order`), so equal requests give equal text.
    let value = serde_json::to_value(request)
        .map_err(|e| Error::invalid(format!("the request cannot be fingerprinted: {e}")))?;
    let digest = Sha256::digest(value.to_string().as_bytes());
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// What [`IdempotencyStore::begin`] found for a key.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Begin {
    /// Never seen: a pending record is now written, send the request.
    Fresh,
    /// Sent before and answered: the recorded outcome.
    Done(Value),
    /// Sent before (or being sent now by another task or process) with no known outcome.
    Unknown {
        /// When the earlier send began.
        since: DateTime<Utc>,
    },
}

/// Durable records of idempotency keys for [`AtMostOnce::LocalRecord`].
///
/// Keys are scoped by the caller (`"<provider>:<operation>:<key>"`).
#[async_trait]
pub trait IdempotencyStore: Send + Sync + fmt::Debug {
    /// Atomically: if `key` is unknown, records it as pending with `fingerprint` and answers
    /// [`Begin::Fresh`]; otherwise answers what is recorded.
    ///
    /// # Errors
    /// [`Error::Conflict`] when `key` is recorded with another fingerprint;
    /// [`Error::Storage`] when the record cannot be read or written.
    async fn begin(&self, key: &str, fingerprint: &str, now: DateTime<Utc>) -> Result<Begin>;

    /// Records the outcome of the send of `key`.
    ///
    /// # Errors
    /// [`Error::Storage`].
    async fn complete(&self, key: &str, outcome: Value) -> Result<()>;

    /// Forgets `key`: its request was refused and moved nothing, so the caller may send it
    /// again (after fixing it).
    ///
    /// # Errors
    /// [`Error::Storage`].
    async fn forget(&self, key: &str) -> Result<()>;
}

/// One key's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<Value>,
}

impl Record {
    fn begin(
        entries: &mut HashMap<String, Record>,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Begin> {
        match entries.get(key) {
            Some(record) if record.fingerprint != fingerprint => Err(Error::Conflict {
                message: format!(
                    "the idempotency key {} was already used for a different request",
                    display_key(key)
                ),
            }),
            Some(record) => Ok(match &record.outcome {
                Some(outcome) => Begin::Done(outcome.clone()),
                None => Begin::Unknown {
                    since: record.since,
                },
            }),
            None => {
                entries.insert(
                    key.to_owned(),
                    Record {
                        fingerprint: fingerprint.to_owned(),
                        since: now,
                        outcome: None,
                    },
                );
                Ok(Begin::Fresh)
            }
        }
    }
}

/// The key as shown in messages: its last part (the caller's key), not the scope.
fn display_key(key: &str) -> &str {
    key.rsplit(':').next().unwrap_or(key)
}

/// Records in memory: at most once within one process and its lifetime.
#[derive(Clone, Debug, Default)]
pub struct MemoryIdempotencyStore {
    entries: Arc<Mutex<HashMap<String, Record>>>,
}

impl MemoryIdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotencyStore {
    async fn begin(&self, key: &str, fingerprint: &str, now: DateTime<Utc>) -> Result<Begin> {
        Record::begin(&mut self.entries(), key, fingerprint, now)
    }

    async fn complete(&self, key: &str, outcome: Value) -> Result<()> {
        if let Some(record) = self.entries().get_mut(key) {
            record.outcome = Some(outcome);
        }
        Ok(())
    }

    async fn forget(&self, key: &str) -> Result<()> {
        self.entries().remove(key);
        Ok(())
    }
}

/// The version of the record file layout written by this code.
const FILE_FORMAT_VERSION: u32 = 1;

/// Records in one JSON file, shared by the tasks and processes that use it: at most once
/// across restarts and workers on one machine.
///
/// Every change takes an OS lock on `<path>.lock`, reads the file, changes it and replaces it
/// atomically (temporary file, flush, rename), so a crash leaves the old or the new file.
/// A temporary file left by a process killed mid-write is removed by the next change. A
/// lock held by another process for longer than the lock timeout (30 s by default, see
/// [`with_lock_timeout`](Self::with_lock_timeout)) makes the change fail with
/// [`Error::Storage`].
/// The pending record is on disk before the request is sent. Records older than the
/// retention (30 days by default) are dropped when the file is next written. Outcomes are
/// payment details (no card numbers or tokens); fingerprints are hashes. The file is
/// created with mode `0600`.
#[derive(Clone, Debug)]
pub struct FileIdempotencyStore {
    path: PathBuf,
    retention: ChronoDuration,
    lock_timeout: std::time::Duration,
}

#[derive(Serialize, Deserialize)]
struct RecordFile {
    version: u32,
    #[serde(default)]
    entries: HashMap<String, Record>,
}

impl FileIdempotencyStore {
    /// A store in the file at `path` (its directory must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            retention: ChronoDuration::days(30),
            lock_timeout: fsutil::DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// Waits at most `timeout` (30 s by default; zero tries once) for the file's lock held
    /// by another process before failing with [`Error::Storage`].
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Keeps records for `retention` after their send began (at least a day).
    pub fn with_retention(mut self, retention: std::time::Duration) -> Self {
        self.retention = ChronoDuration::from_std(retention)
            .unwrap_or(ChronoDuration::MAX)
            .max(ChronoDuration::days(1));
        self
    }

    /// The record file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `change` on the file's records under the OS lock and writes them back when it
    /// says so, dropping records that began more than the retention before `now` (the
    /// caller's clock, the one records are stamped with; nothing is dropped without it).
    async fn change<T, F>(&self, now: Option<DateTime<Utc>>, change: F) -> Result<T>
    where
        F: FnOnce(&mut HashMap<String, Record>) -> Result<(T, bool)> + Send + 'static,
        T: Send + 'static,
    {
        let path = self.path.clone();
        let retention = self.retention;
        let timeout = self.lock_timeout;
        let deadline = fsutil::deadline_after(timeout);
        blocking(move || {
            let lock_path = sibling(&path, ".lock");
            let _lock = OsFileLock::acquire_until(&lock_path, deadline).map_err(|e| {
                lock_failure(
                    &format!("idempotency file {}", path.display()),
                    &lock_path,
                    timeout,
                    e,
                )
            })?;
            // Holding the lock: any temporary file of this store is a dead writer's.
            fsutil::remove_stale_temps(&path);
            let mut file = read_records(&path)?;
            let (answer, write) = change(&mut file.entries)?;
            if write {
                if let Some(oldest) = now.and_then(|now| now.checked_sub_signed(retention)) {
                    file.entries.retain(|_, record| record.since >= oldest);
                }
                let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| Error::Storage {
                    message: format!(
                        "could not serialise idempotency file {}: {e}",
                        path.display()
                    ),
                    source: None,
                })?;
                bytes.push(b'\n');
                fsutil::write_atomic(&path, &bytes, false).map_err(|e| {
                    Error::storage(
                        format!("could not write idempotency file {}", path.display()),
                        e,
                    )
                })?;
            }
            Ok(answer)
        })
        .await
    }
}

fn read_records(path: &Path) -> Result<RecordFile> {
    let bytes = fsutil::read_if_present(path).map_err(|e| {
        Error::storage(
            format!("could not read idempotency file {}", path.display()),
            e,
        )
    })?;
    let Some(bytes) = bytes else {
        return Ok(RecordFile {
            version: FILE_FORMAT_VERSION,
            entries: HashMap::new(),
        });
    };
    let file: RecordFile = serde_json::from_slice(&bytes).map_err(|e| Error::Storage {
        message: format!(
            "idempotency file {} is not a valid bankkit record file ({:?} error at line {}, \
             column {})",
            path.display(),
            e.classify(),
            e.line(),
            e.column()
        ),
        source: None,
    })?;
    if file.version != FILE_FORMAT_VERSION {
        return Err(Error::Storage {
            message: format!(
                "idempotency file {} has format version {}, this version of bankkit reads \
                 only version {FILE_FORMAT_VERSION}",
                path.display(),
                file.version
            ),
            source: None,
        });
    }
    Ok(file)
}

#[async_trait]
impl IdempotencyStore for FileIdempotencyStore {
    async fn begin(&self, key: &str, fingerprint: &str, now: DateTime<Utc>) -> Result<Begin> {
        let (key, fingerprint) = (key.to_owned(), fingerprint.to_owned());
        self.change(Some(now), move |entries| {
            let begin = Record::begin(entries, &key, &fingerprint, now)?;
            let write = begin == Begin::Fresh;
            Ok((begin, write))
        })
        .await
    }

    async fn complete(&self, key: &str, outcome: Value) -> Result<()> {
        let key = key.to_owned();
        self.change(None, move |entries| {
            let write = match entries.get_mut(&key) {
                Some(record) => {
                    record.outcome = Some(outcome);
                    true
                }
                None => false,
            };
            Ok(((), write))
        })
        .await
    }

    async fn forget(&self, key: &str) -> Result<()> {
        let key = key.to_owned();
        self.change(None, move |entries| {
            Ok(((), entries.remove(&key).is_some()))
        })
        .await
    }
}

/// One create run under [`AtMostOnce::LocalRecord`] (optionally with a lookup).
///
/// ```
/// use bankkit_core::payment::once::{fingerprint, AtMostOnceCall, MemoryIdempotencyStore};
/// use bankkit_core::IdempotencyKey;
/// # async fn demo() -> bankkit_core::Result<()> {
/// let store = MemoryIdempotencyStore::new();
/// let key = IdempotencyKey::new("order-1001")?;
/// let print = fingerprint(&("charge", 4200, "UAH"))?;
/// let first: String = AtMostOnceCall::new(&store, "acme:charge", &key, &print, chrono::Utc::now())
///     .moves_money(true)
///     .run(|| async { Ok("charge_1".to_owned()) })
///     .await?;
/// // The same key again returns the recorded outcome without sending.
/// let again: String = AtMostOnceCall::new(&store, "acme:charge", &key, &print, chrono::Utc::now())
///     .moves_money(true)
///     .run(|| async { Ok("charge_2".to_owned()) })
///     .await?;
/// assert_eq!(first, again);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AtMostOnceCall<'a> {
    store: &'a dyn IdempotencyStore,
    key: String,
    fingerprint: &'a str,
    now: DateTime<Utc>,
    moves_money: bool,
}

impl<'a> AtMostOnceCall<'a> {
    /// A call for `key` in `scope` (`"<provider>:<operation>"`) whose request has
    /// `fingerprint`, at `now` (the provider's clock).
    pub fn new(
        store: &'a dyn IdempotencyStore,
        scope: &str,
        key: &IdempotencyKey,
        fingerprint: &'a str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            store,
            key: format!("{scope}:{key}"),
            fingerprint,
            now,
            moves_money: true,
        }
    }

    /// Whether the request moves money by itself (default `true`). One that does not (an
    /// invoice create) is sent again when an earlier send has no known outcome and cannot be
    /// looked up.
    pub fn moves_money(mut self, moves_money: bool) -> Self {
        self.moves_money = moves_money;
        self
    }

    /// Sends with `send` unless the key's outcome is recorded; no lookup.
    ///
    /// # Errors
    /// `send`'s error; [`Error::Conflict`] for the key with another request;
    /// [`Error::OutcomeUnknown`] for a money-moving request whose earlier send has no known
    /// outcome; [`Error::Storage`].
    pub async fn run<T, S, SF>(self, send: S) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        S: FnOnce() -> SF,
        SF: Future<Output = Result<T>>,
    {
        self.run_inner(send, None::<fn() -> std::future::Ready<Result<Option<T>>>>)
            .await
    }

    /// As [`run`](Self::run), but an earlier send with no known outcome is first looked up
    /// with `lookup`: `Some` is that outcome (recorded and returned), `None` means the
    /// provider has no such payment, so it is sent.
    ///
    /// # Errors
    /// As [`run`](Self::run), and `lookup`'s error.
    pub async fn run_with_lookup<T, S, SF, L, LF>(self, send: S, lookup: L) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        S: FnOnce() -> SF,
        SF: Future<Output = Result<T>>,
        L: FnOnce() -> LF,
        LF: Future<Output = Result<Option<T>>>,
    {
        self.run_inner(send, Some(lookup)).await
    }

    async fn run_inner<T, S, SF, L, LF>(self, send: S, lookup: Option<L>) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        S: FnOnce() -> SF,
        SF: Future<Output = Result<T>>,
        L: FnOnce() -> LF,
        LF: Future<Output = Result<Option<T>>>,
    {
        match self
            .store
            .begin(&self.key, self.fingerprint, self.now)
            .await?
        {
            Begin::Fresh => {}
            Begin::Done(outcome) => {
                return serde_json::from_value(outcome).map_err(|e| Error::Storage {
                    message: format!("a recorded outcome of {} does not read back: {e}", self.key),
                    source: None,
                })
            }
            Begin::Unknown { since } => {
                if let Some(lookup) = lookup {
                    if let Some(found) = lookup().await? {
                        self.record(&found).await?;
                        return Ok(found);
                    }
                    tracing::info!(key = %self.key, "an earlier send is not found; sending again");
                } else if self.moves_money {
                    return Err(Error::OutcomeUnknown {
                        message: format!(
                            "the request under idempotency key {} was sent at {since} and its \
                             outcome is unknown; it cannot be looked up, so it is not sent \
                             again: check the provider's records",
                            display_key(&self.key)
                        ),
                    });
                } else {
                    tracing::info!(
                        key = %self.key,
                        "an earlier send that moves no money has no known outcome; sending again"
                    );
                }
            }
        }
        match send().await {
            Ok(outcome) => {
                self.record(&outcome).await?;
                Ok(outcome)
            }
            Err(error) if error.was_refused() => {
                self.store.forget(&self.key).await?;
                Err(error)
            }
            // The request may have been applied: the pending record stays, so the next call
            // with this key looks it up or answers `OutcomeUnknown`.
            Err(error) => Err(error),
        }
    }

    async fn record<T: Serialize>(&self, outcome: &T) -> Result<()> {
        let value = serde_json::to_value(outcome).map_err(|e| Error::Storage {
            message: format!("the outcome of {} cannot be recorded: {e}", self.key),
            source: None,
        })?;
        self.store.complete(&self.key, value).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn key(k: &str) -> IdempotencyKey {
        IdempotencyKey::new(k).unwrap()
    }

    async fn charge(
        store: &dyn IdempotencyStore,
        k: &str,
        amount: i64,
        sends: &AtomicUsize,
        answer: Result<i64>,
    ) -> Result<i64> {
        let print = fingerprint(&amount).unwrap();
        AtMostOnceCall::new(store, "test:charge", &key(k), &print, Utc::now())
            .run(|| async {
                sends.fetch_add(1, Ordering::SeqCst);
                answer
            })
            .await
    }

    async fn the_local_record_rule(store: &dyn IdempotencyStore) {
        let sends = AtomicUsize::new(0);
        assert_eq!(charge(store, "k1", 100, &sends, Ok(7)).await.unwrap(), 7);
        assert_eq!(charge(store, "k1", 100, &sends, Ok(8)).await.unwrap(), 7);
        assert_eq!(
            sends.load(Ordering::SeqCst),
            1,
            "a recorded key is not sent again"
        );

        let conflict = charge(store, "k1", 200, &sends, Ok(9)).await.unwrap_err();
        assert!(matches!(conflict, Error::Conflict { .. }), "{conflict}");

        let lost = charge(
            store,
            "k2",
            100,
            &sends,
            Err(Error::timeout(Duration::from_secs(1))),
        );
        assert!(matches!(lost.await.unwrap_err(), Error::Timeout { .. }));
        let unknown = charge(store, "k2", 100, &sends, Ok(10)).await.unwrap_err();
        assert!(matches!(unknown, Error::OutcomeUnknown { .. }), "{unknown}");
        assert_eq!(
            sends.load(Ordering::SeqCst),
            2,
            "an unknown outcome is never sent again"
        );

        let refused = charge(store, "k3", 100, &sends, Err(Error::invalid("bad amount")));
        assert!(matches!(
            refused.await.unwrap_err(),
            Error::InvalidRequest { .. }
        ));
        assert_eq!(charge(store, "k3", 100, &sends, Ok(11)).await.unwrap(), 11);
    }

    #[tokio::test]
    async fn memory_records_keep_a_money_moving_create_to_one_send() {
        the_local_record_rule(&MemoryIdempotencyStore::new()).await;
    }

    #[tokio::test]
    async fn file_records_keep_a_money_moving_create_to_one_send_across_handles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("once.json");
        the_local_record_rule(&FileIdempotencyStore::new(&path)).await;
        // A new handle (another process) sees the same records.
        let sends = AtomicUsize::new(0);
        let other = FileIdempotencyStore::new(&path);
        assert_eq!(charge(&other, "k1", 100, &sends, Ok(99)).await.unwrap(), 7);
        let unknown = charge(&other, "k2", 100, &sends, Ok(99)).await.unwrap_err();
        assert!(matches!(unknown, Error::OutcomeUnknown { .. }));
        assert_eq!(sends.load(Ordering::SeqCst), 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn a_lookup_resolves_an_unknown_outcome_and_a_miss_sends_again() {
        let store = MemoryIdempotencyStore::new();
        let print = fingerprint(&1).unwrap();
        let call = || AtMostOnceCall::new(&store, "t:c", &key("k"), &print, Utc::now());
        let lost: Result<i64> = call()
            .run(|| async { Err(Error::timeout(Duration::from_secs(1))) })
            .await;
        assert!(lost.is_err());
        let found: i64 = call()
            .run_with_lookup(|| async { Ok(2) }, || async { Ok(Some(1)) })
            .await
            .unwrap();
        assert_eq!(found, 1, "the looked-up payment is returned, not a new one");
        let recorded: i64 = call().run(|| async { Ok(3) }).await.unwrap();
        assert_eq!(recorded, 1);

        let lost: Result<i64> = AtMostOnceCall::new(&store, "t:c", &key("m"), &print, Utc::now())
            .run(|| async { Err(Error::timeout(Duration::from_secs(1))) })
            .await;
        assert!(lost.is_err());
        let sent: i64 = AtMostOnceCall::new(&store, "t:c", &key("m"), &print, Utc::now())
            .run_with_lookup(|| async { Ok(5) }, || async { Ok(None) })
            .await
            .unwrap();
        assert_eq!(sent, 5, "a payment the provider does not have is sent");
    }

    #[tokio::test]
    async fn a_create_that_moves_no_money_is_sent_again_after_an_unknown_outcome() {
        let store = MemoryIdempotencyStore::new();
        let print = fingerprint(&1).unwrap();
        let call = || {
            AtMostOnceCall::new(&store, "t:invoice", &key("k"), &print, Utc::now())
                .moves_money(false)
        };
        let lost: Result<i64> = call()
            .run(|| async { Err(Error::timeout(Duration::from_secs(1))) })
            .await;
        assert!(lost.is_err());
        assert_eq!(call().run(|| async { Ok(2) }).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn records_expire_on_the_callers_clock_not_the_machines() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileIdempotencyStore::new(dir.path().join("once.json"));
        // A provider whose clock is 40 days behind the machine's (a sandbox clock, say).
        let past = Utc::now() - ChronoDuration::days(40);
        assert_eq!(store.begin("k", "f", past).await.unwrap(), Begin::Fresh);
        assert_eq!(
            store.begin("k", "f", past).await.unwrap(),
            Begin::Unknown { since: past },
            "a record stamped on the caller's clock is kept"
        );
        // Thirty-one days later on that clock, it is dropped when the file is next written.
        let later = past + ChronoDuration::days(31);
        assert_eq!(
            store.begin("other", "f", later).await.unwrap(),
            Begin::Fresh
        );
        assert_eq!(store.begin("k", "f", later).await.unwrap(), Begin::Fresh);
    }

    #[tokio::test]
    async fn a_change_removes_a_dead_writers_temporary_file_and_a_held_lock_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("once.json");
        let stale = dir.path().join(".once.json.Ab12Cd.tmp");
        std::fs::write(&stale, b"{}").unwrap();
        let store = FileIdempotencyStore::new(&path).with_lock_timeout(Duration::from_millis(200));
        assert_eq!(
            store.begin("k", "f", Utc::now()).await.unwrap(),
            Begin::Fresh
        );
        assert!(!stale.exists(), "the temporary file was left");

        let held = OsFileLock::try_acquire(&sibling(&path, ".lock"))
            .unwrap()
            .unwrap();
        let started = std::time::Instant::now();
        let error = store.forget("k").await.unwrap_err();
        assert!(matches!(error, Error::Storage { .. }), "{error:?}");
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(error.to_string().contains("once.json.lock"), "{error}");
        drop(held);
        store.forget("k").await.unwrap();
    }

    #[tokio::test]
    async fn a_corrupt_record_file_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("once.json");
        std::fs::write(&path, b"{not json").unwrap();
        let error = FileIdempotencyStore::new(&path)
            .begin("k", "f", Utc::now())
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Storage { .. }), "{error}");
    }

    #[test]
    fn fingerprints_ignore_key_order_and_differ_by_content() {
        let a = fingerprint(&serde_json::json!({"amount": 1, "ccy": 980})).unwrap();
        let b = fingerprint(&serde_json::json!({"ccy": 980, "amount": 1})).unwrap();
        let c = fingerprint(&serde_json::json!({"ccy": 980, "amount": 2})).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
    }
}

//! Small file helpers shared by the file-backed stores: OS locks, atomic replacement of a
//! whole file, owner-only permissions, and running blocking file work off the runtime.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Runs blocking file work off the async runtime's threads.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::storage("a file task did not finish", e))?
}

/// How long the file stores wait for one of their OS locks before giving up, by default.
pub(crate) const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The moment a lock wait of `timeout` starting now gives up (a timeout too long for the
/// clock is about a century).
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// The first and the longest pause between two attempts to take a busy lock.
const LOCK_POLL_FIRST: Duration = Duration::from_millis(1);
const LOCK_POLL_MAX: Duration = Duration::from_millis(50);

/// An exclusive OS lock on a file, released when dropped (closing the file releases it too).
#[derive(Debug)]
pub(crate) struct OsFileLock {
    file: File,
}

impl OsFileLock {
    /// Opens (creating if needed, mode `0600`) `path` and takes an exclusive lock on it,
    /// trying again with a growing pause (1 ms up to 50 ms) until `deadline`. A lock still
    /// held at the deadline is an error of kind [`io::ErrorKind::TimedOut`]; the lock is
    /// always tried at least once, so a deadline already past still takes a free lock.
    /// Blocking: call it from [`blocking`].
    pub(crate) fn acquire_until(path: &Path, deadline: Instant) -> io::Result<Self> {
        let file = open_lock_file(path)?;
        let mut pause = LOCK_POLL_FIRST;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { file }),
                Err(TryLockError::Error(e)) => return Err(e),
                Err(TryLockError::WouldBlock) => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the lock is held by another process or handle",
                ));
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(LOCK_POLL_MAX);
        }
    }

    /// Takes the lock on `path` if it is free right now; `None` when someone holds it.
    pub(crate) fn try_acquire(path: &Path) -> io::Result<Option<Self>> {
        let file = open_lock_file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Opens (creating if needed, mode `0600`) a lock file.
fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The message of a failed lock: `what` (say "token file /x/tokens.json") is locked, naming
/// the lock file and the wait when the lock was busy until the deadline.
pub(crate) fn lock_failure(what: &str, lock_path: &Path, timeout: Duration, e: io::Error) -> Error {
    let message = if e.kind() == io::ErrorKind::TimedOut {
        format!(
            "{what} is locked: {} was still held after waiting {} ms (another process may \
             be stuck while holding it)",
            lock_path.display(),
            timeout.as_millis()
        )
    } else {
        format!("could not lock {what} ({})", lock_path.display())
    };
    Error::storage(message, e)
}

impl Drop for OsFileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock as well, so a failure here changes nothing.
        let _ = self.file.unlock();
    }
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Reads `path`; `None` when it does not exist or holds only whitespace.
pub(crate) fn read_if_present(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(None),
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The length of the random part of a temporary file's name.
const TEMP_RANDOM_LEN: usize = 12;

/// The start of the names of `path`'s temporary files: `.<file name>.`. A temporary file is
/// named `.<file name>.<letters and digits>.tmp`, in the directory of `path`.
fn temp_prefix(path: &Path) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(path.file_name().unwrap_or_else(|| "store".as_ref()));
    prefix.push(".");
    prefix
}

/// Whether `name` is the name of one of `path`'s temporary files:
/// `.<file name>.<letters and digits>.tmp` (a store named `<file name>.x` has temporary
/// files with a dot in that part, so they are not taken for this store's).
fn is_temp_of(prefix: &OsStr, name: &OsStr) -> bool {
    let Some(rest) = name
        .as_encoded_bytes()
        .strip_prefix(prefix.as_encoded_bytes())
    else {
        return false;
    };
    let Some(random) = rest.strip_suffix(b".tmp") else {
        return false;
    };
    !random.is_empty() && random.iter().all(u8::is_ascii_alphanumeric)
}

/// Removes every temporary file of `path` left in its directory, returning how many went.
///
/// Call it only while holding the store's write lock: temporary files exist only inside a
/// locked write, so any found then was left by a writer that died mid-write (each is a
/// copy of the store's contents). A file that cannot be removed is logged and skipped.
pub(crate) fn remove_stale_temps(path: &Path) -> usize {
    let dir = parent_dir(path);
    let prefix = temp_prefix(path);
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            tracing::warn!(dir = %dir.display(), %error, "could not list a store's directory");
            return 0;
        }
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !is_temp_of(&prefix, &name) {
            continue;
        }
        let stale = entry.path();
        match fs::remove_file(&stale) {
            Ok(()) => {
                removed += 1;
                tracing::info!(file = %stale.display(), "removed a temporary file left by an interrupted save");
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::warn!(file = %stale.display(), %error, "could not remove a temporary file left by an interrupted save");
            }
        }
    }
    if removed > 0 {
        sync_dir(dir);
    }
    removed
}

/// Writes `bytes` to a temporary owner-only file next to `path`
/// (`.<file name>.<letters and digits>.tmp`, created with mode `0600`), flushes it and
/// renames it over `path`, so a crash leaves the old or the new file, never a half-written
/// one. On error `path` is untouched and the temporary file is removed; a temporary file
/// left by a crash is removed by [`remove_stale_temps`].
///
/// `partial` (tests only) writes half of the bytes and fails, as a crash mid-write would.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], partial: bool) -> io::Result<()> {
    let dir = parent_dir(path);
    let prefix = temp_prefix(path);
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .rand_bytes(TEMP_RANDOM_LEN)
        .tempfile_in(dir)?;
    restrict_to_owner(temp.as_file())?;
    if partial {
        temp.write_all(&bytes[..bytes.len() / 2])?;
        return Err(io::Error::other("injected failure after a partial write"));
    }
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

#[cfg(unix)]
fn restrict_to_owner(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_to_owner(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Flushes the directory entry of a rename to disk. The rename has happened already, so a
/// failure is logged rather than reported as a failed write.
#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Err(error) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), %error, "could not flush a store's directory");
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

/// 64-bit FNV-1a: a stable hash for lock file names (the same in every process and build).
pub(crate) fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_file_names_match_only_this_stores_pattern() {
        let prefix = temp_prefix(Path::new("/x/tokens.json"));
        let yes = [".tokens.json.a1B2c3.tmp", ".tokens.json.Zz09aabbccdd.tmp"];
        let no = [
            ".tokens.json.x.a1B2c3.tmp",
            ".tokens.json..tmp",
            ".tokens.json.a1B2c3.tmp.bak",
            "tokens.json.a1B2c3.tmp",
            ".tokens.jsonx.a1B2c3.tmp",
            "tokens.json.lock",
            "tokens.json",
        ];
        for name in yes {
            assert!(is_temp_of(&prefix, OsStr::new(name)), "{name}");
        }
        for name in no {
            assert!(!is_temp_of(&prefix, OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn a_busy_lock_times_out_and_a_free_one_is_taken_after_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = OsFileLock::acquire_until(&path, Instant::now()).unwrap();
        let started = Instant::now();
        let error = OsFileLock::acquire_until(&path, Instant::now() + Duration::from_millis(100))
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert!(OsFileLock::try_acquire(&path).unwrap().is_none());
        drop(held);
        assert!(OsFileLock::acquire_until(&path, Instant::now()).is_ok());
    }
}

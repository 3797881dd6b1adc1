//! Small file helpers shared by the file-backed stores: OS locks, atomic replacement of a
//! whole file, owner-only permissions, and running blocking file work off the runtime.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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

/// An exclusive OS lock on a file, released when dropped (closing the file releases it too).
#[derive(Debug)]
pub(crate) struct OsFileLock {
    file: File,
}

impl OsFileLock {
    /// Opens (creating if needed, mode `0600`) `path` and waits for an exclusive lock on it.
    /// Blocking.
    pub(crate) fn acquire(path: &Path) -> io::Result<Self> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        file.lock()?;
        Ok(Self { file })
    }
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

/// Writes `bytes` to a temporary owner-only file next to `path`, flushes it and renames it
/// over `path`, so a crash leaves the old or the new file, never a half-written one. On error
/// `path` is untouched and the temporary file is removed.
///
/// `partial` (tests only) writes half of the bytes and fails, as a crash mid-write would.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], partial: bool) -> io::Result<()> {
    let dir = parent_dir(path);
    let mut prefix = OsString::from(".");
    prefix.push(path.file_name().unwrap_or_else(|| "store".as_ref()));
    prefix.push(".");
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
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

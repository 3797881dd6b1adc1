#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `FileTokenStore` against writers that die or stop mid-save.
//!
//! The tests re-run this test binary as a child process (the `#[ignore]`d
//! `crash_child_process` test, told what to do through environment variables; without them
//! it does nothing). A *writer* child saves new tokens in a loop and reports each one on
//! stdout before saving it; the parent kills it (SIGKILL) at a random moment and checks the
//! file. A *holder* child takes the save lock and a refresh lock and keeps them, as a stuck
//! process would; a writer is also stopped (SIGSTOP) in the middle of a save.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bankkit_core::token::{FileTokenStore, TokenSet, TokenStore};
use bankkit_core::Error;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use secrecy::ExposeSecret;

const CHILD: &str = "crash_child_process";
const MODE_VAR: &str = "BANKKIT_TOKEN_CRASH_MODE";
const DIR_VAR: &str = "BANKKIT_TOKEN_CRASH_DIR";
const RUN_VAR: &str = "BANKKIT_TOKEN_CRASH_RUN";
const SEED_VAR: &str = "BANKKIT_TOKEN_CRASH_SEED";
/// Marks the child's own lines (libtest may print on the same line first).
const MARK: &str = "CRASH_REPORT ";
const KEY: &str = "monzo:user_123";
const RUNS: usize = 100;
/// The longest random pause between the child's first report and its kill.
const MAX_KILL_DELAY_MICROS: u64 = 30_000;

fn store_path(dir: &Path) -> PathBuf {
    dir.join("tokens.json")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A child process killed when the test lets go of it, so a failing test leaves no
/// stopped or looping child behind.
struct Guarded(Child);

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the child in `mode`; its reports arrive on the receiver, which disconnects when
/// the child's stdout closes (it exited or was killed).
fn spawn_child(mode: &str, dir: &Path, run: usize) -> (Guarded, Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            CHILD,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MODE_VAR, mode)
        .env(DIR_VAR, dir)
        .env(RUN_VAR, run.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some((_, report)) = line.split_once(MARK) {
                if sender.send(report.to_owned()).is_err() {
                    break;
                }
            }
        }
    });
    (Guarded(child), receiver)
}

/// The names of the store's temporary files in `dir` (`.tokens.json.<random>.tmp`).
fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tokens.json.") && name.ends_with(".tmp"))
        .collect()
}

/// The access token of `KEY` in the file as it is on disk; `None` when the file does not
/// exist yet. Panics when the file does not parse.
fn token_on_disk(path: &Path) -> Option<String> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("could not read {}: {e}", path.display()),
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
    assert_eq!(value["version"], 1, "layout version");
    Some(
        value["entries"][KEY]["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token for {KEY} in {}", path.display()))
            .to_owned(),
    )
}

fn seed() -> u64 {
    match std::env::var(SEED_VAR) {
        Ok(seed) => seed.parse().unwrap(),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64),
    }
}

#[test]
fn a_writer_killed_at_random_moments_leaves_the_old_or_new_token_and_no_temporary_file() {
    let seed = seed();
    println!("crash test seed: {seed} (replay with {SEED_VAR}={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let started = Instant::now();

    // The token the file held after the previous run.
    let mut held: Option<String> = None;
    let (mut left_temp, mut kept_old, mut saves) = (0, 0, 0);
    for run in 0..RUNS {
        let (mut child, reports) = spawn_child("writer", dir.path(), run);
        let first = reports
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("run {run} (seed {seed}): the writer did not start: {e}"));
        std::thread::sleep(Duration::from_micros(
            rng.gen_range(0..=MAX_KILL_DELAY_MICROS),
        ));
        child.0.kill().unwrap();
        let status = child.0.wait().unwrap();
        assert!(!status.success(), "run {run}: the writer stopped by itself");
        let mut all = vec![first];
        all.extend(reports.iter());

        // The last save begun, and the token before it.
        let begun: Vec<&str> = all
            .iter()
            .filter_map(|report| report.strip_prefix("SAVING "))
            .collect();
        let new = *begun.last().unwrap();
        let old = if begun.len() >= 2 {
            Some(begun[begun.len() - 2].to_owned())
        } else {
            held.clone()
        };
        saves += begun.len();

        let on_disk = token_on_disk(&path);
        assert!(
            on_disk.as_deref() == Some(new) || on_disk == old,
            "run {run} (seed {seed}): the file holds {on_disk:?}, expected {new:?} or {old:?}"
        );
        if on_disk != Some(new.to_owned()) {
            kept_old += 1;
        }
        #[cfg(unix)]
        if on_disk.is_some() {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "run {run}: file mode");
        }
        if !temp_files(dir.path()).is_empty() {
            left_temp += 1;
        }

        // Opening the store (its first load) removes what the dead writer left.
        let loaded = rt
            .block_on(FileTokenStore::new(&path).load(KEY))
            .unwrap_or_else(|e| panic!("run {run} (seed {seed}): load failed: {e}"));
        assert_eq!(
            loaded.map(|tokens| tokens.value.access_token.expose_secret().to_owned()),
            on_disk,
            "run {run}"
        );
        assert_eq!(
            temp_files(dir.path()),
            Vec::<String>::new(),
            "run {run} (seed {seed}): temporary files survived the next open"
        );
        held = on_disk;
    }
    let summary = format!(
        "{RUNS} writers killed in {:.1} s (seed {seed}): {saves} saves begun, {kept_old} \
         files kept the previous token, {left_temp} kills left a temporary file (removed by \
         the next open)",
        started.elapsed().as_secs_f64()
    );
    println!("{summary}");
}

#[test]
fn a_save_behind_a_stuck_lock_holder_fails_after_the_timeout_then_succeeds_once_it_dies() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let timeout = Duration::from_millis(500);
    let store = FileTokenStore::new(&path).with_lock_timeout(timeout);
    rt.block_on(store.save(KEY, TokenSet::new("secret-before".into())))
        .unwrap();

    let (mut child, reports) = spawn_child("holder", dir.path(), 0);
    let report = reports.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(report, "LOCKED");

    let started = Instant::now();
    let error = rt
        .block_on(store.save(KEY, TokenSet::new("secret-after".into())))
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(error, Error::Storage { .. }), "{error:?}");
    assert!(waited >= timeout, "gave up after {waited:?}");
    assert!(waited < Duration::from_secs(10), "gave up after {waited:?}");
    let message = error.to_string();
    assert!(message.contains("tokens.json.lock"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    let unchanged = rt.block_on(store.load(KEY)).unwrap().unwrap();
    assert_eq!(
        unchanged.value.access_token.expose_secret(),
        "secret-before"
    );

    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let version = rt
        .block_on(store.save(KEY, TokenSet::new("secret-after".into())))
        .unwrap();
    assert_eq!(version, 2);
    let saved = rt.block_on(store.load(KEY)).unwrap().unwrap();
    assert_eq!(saved.value.access_token.expose_secret(), "secret-after");
}

/// Sends `signal` (`STOP`, `CONT`) to the process `pid`.
#[cfg(unix)]
fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

/// Whether someone holds the save lock of the store at `path`.
#[cfg(unix)]
fn save_lock_is_held(path: &Path) -> bool {
    let lock = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(PathBuf::from(format!("{}.lock", path.display())))
        .unwrap();
    match lock.try_lock() {
        Ok(()) => false,
        Err(fs::TryLockError::WouldBlock) => true,
        Err(fs::TryLockError::Error(e)) => panic!("{e}"),
    }
}

#[cfg(unix)]
#[test]
fn a_writer_stopped_mid_save_keeps_its_temporary_file_and_others_time_out_until_it_dies() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let timeout = Duration::from_millis(500);
    let (mut child, reports) = spawn_child("writer", dir.path(), 0);
    let mut all = vec![reports.recv_timeout(Duration::from_secs(60)).unwrap()];

    // Stop the writer until it is caught holding the save lock with its temporary file
    // written (most of a save is spent flushing that file to disk).
    let mut attempts = 0;
    let temps = loop {
        attempts += 1;
        assert!(attempts < 500, "never caught the writer mid-save");
        std::thread::sleep(Duration::from_millis(2));
        signal(child.0.id(), "STOP");
        // Let the stop land before looking.
        std::thread::sleep(Duration::from_millis(10));
        let temps = temp_files(dir.path());
        if save_lock_is_held(&path) && !temps.is_empty() {
            break temps;
        }
        signal(child.0.id(), "CONT");
    };
    println!("writer stopped mid-save after {attempts} attempt(s), temporary files {temps:?}");

    // A new handle's first load reads the file and leaves the live save's file alone.
    let store = FileTokenStore::new(&path).with_lock_timeout(timeout);
    rt.block_on(store.load(KEY)).unwrap();
    assert_eq!(
        temp_files(dir.path()),
        temps,
        "a live save's file was removed"
    );

    let started = Instant::now();
    let error = rt
        .block_on(store.save(KEY, TokenSet::new("parent-access".into())))
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(error, Error::Storage { .. }), "{error:?}");
    assert!(waited >= timeout, "gave up after {waited:?}");
    assert!(waited < Duration::from_secs(10), "gave up after {waited:?}");

    child.0.kill().unwrap();
    child.0.wait().unwrap();
    all.extend(reports.iter());
    let begun: Vec<&str> = all
        .iter()
        .filter_map(|report| report.strip_prefix("SAVING "))
        .collect();
    let on_disk = token_on_disk(&path);
    let last = begun.len() - 1;
    let expected = [Some(begun[last]), last.checked_sub(1).map(|i| begun[i])];
    assert!(
        expected.contains(&on_disk.as_deref()),
        "the file holds {on_disk:?}, expected one of {expected:?}"
    );

    let version = rt
        .block_on(store.save(KEY, TokenSet::new("parent-access".into())))
        .unwrap();
    assert!(version >= 1);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    let saved = rt.block_on(store.load(KEY)).unwrap().unwrap();
    assert_eq!(saved.value.access_token.expose_secret(), "parent-access");
}

fn report(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}{line}").unwrap();
    out.flush().unwrap();
}

/// The child side of the tests above; does nothing unless run by them.
#[test]
#[ignore = "child process of the crash tests in this file"]
fn crash_child_process() {
    let (Ok(mode), Some(dir)) = (std::env::var(MODE_VAR), std::env::var_os(DIR_VAR)) else {
        return;
    };
    let path = store_path(Path::new(&dir));
    // A child whose parent died stops by itself.
    let give_up = Instant::now() + Duration::from_secs(60);
    match mode.as_str() {
        "writer" => {
            let run = std::env::var(RUN_VAR).unwrap();
            let rt = runtime();
            let store = FileTokenStore::new(&path);
            let mut n = 0u64;
            while Instant::now() < give_up {
                n += 1;
                let token = format!("run{run}-access-{n}");
                report(&format!("SAVING {token}"));
                let tokens = TokenSet::new(token.clone().into())
                    .with_refresh_token(format!("run{run}-refresh-{n}").into());
                rt.block_on(store.save(KEY, tokens)).unwrap();
                report(&format!("SAVED {token}"));
            }
        }
        "holder" => {
            let lock = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(PathBuf::from(format!("{}.lock", path.display())))
                .unwrap();
            lock.lock().unwrap();
            let rt = runtime();
            let refresh = rt.block_on(FileTokenStore::new(&path).lock(KEY)).unwrap();
            report("LOCKED");
            while Instant::now() < give_up {
                std::thread::sleep(Duration::from_millis(100));
            }
            drop(refresh);
        }
        other => panic!("unknown child mode {other}"),
    }
}

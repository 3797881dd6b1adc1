#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Two OS processes sharing one `FileTokenStore`.
//!
//! The test re-runs this test binary twice as helper processes (the `#[ignore]`d
//! `refresh_race_helper_process` test, told what to do through environment variables).
//! Both helpers wait at a start line (a file the parent creates once both are ready), then
//! race `refresh_single_flight` with the same seen version. Each refresh appends a line to
//! a counter file and takes 200 ms, so the loser is sure to arrive while the winner holds
//! the lock.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bankkit_core::token::{refresh_single_flight, FileTokenStore, TokenSet, TokenStore};
use secrecy::ExposeSecret;

const HELPER: &str = "refresh_race_helper_process";
const DIR_VAR: &str = "BANKKIT_TOKEN_RACE_DIR";
const SEEN_VAR: &str = "BANKKIT_TOKEN_RACE_SEEN_VERSION";
const KEY: &str = "monzo:user_123";

struct RaceFiles {
    store: PathBuf,
    counter: PathBuf,
    start: PathBuf,
}

impl RaceFiles {
    fn in_dir(dir: &Path) -> Self {
        Self {
            store: dir.join("tokens.json"),
            counter: dir.join("refreshes.log"),
            start: dir.join("start"),
        }
    }

    fn ready_marker(dir: &Path, pid: u32) -> PathBuf {
        dir.join(format!("ready-{pid}"))
    }
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[tokio::test]
async fn two_processes_racing_a_refresh_through_the_file_store_produce_one_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let files = RaceFiles::in_dir(dir.path());
    let store = FileTokenStore::new(&files.store);
    let seen = store
        .save(KEY, TokenSet::new("expired-access".into()))
        .await
        .unwrap();

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    HELPER,
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(DIR_VAR, dir.path())
                .env(SEEN_VAR, seen.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();

    let pids: Vec<u32> = children.iter().map(std::process::Child::id).collect();
    wait_for("both helpers to be ready", Duration::from_secs(60), || {
        pids.iter()
            .all(|pid| RaceFiles::ready_marker(dir.path(), *pid).exists())
    });
    fs::write(&files.start, b"go").unwrap();

    let mut reported = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "helper failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            // libtest prints "test <name> ... " on the same line first.
            .find_map(|line| line.split_once("RACE_RESULT ").map(|(_, result)| result))
            .unwrap_or_else(|| panic!("helper did not report: {stdout}"))
            .to_owned();
        reported.push(line);
    }

    let refreshes = fs::read_to_string(&files.counter).unwrap();
    assert_eq!(refreshes.lines().count(), 1, "refreshes: {refreshes:?}");
    let winner_pid = refreshes.trim();
    let expected = format!("version={} token=fresh-access-from-{winner_pid}", seen + 1);
    assert_eq!(reported, vec![expected.clone(), expected]);

    let stored = store.load(KEY).await.unwrap().unwrap();
    assert_eq!(stored.version, seen + 1);
    assert_eq!(
        stored.value.access_token.expose_secret(),
        format!("fresh-access-from-{winner_pid}")
    );
}

/// One side of the race above; does nothing unless run by it.
#[tokio::test]
#[ignore = "helper process of two_processes_racing_a_refresh_through_the_file_store_produce_one_refresh"]
async fn refresh_race_helper_process() {
    let Some(dir) = std::env::var_os(DIR_VAR).map(PathBuf::from) else {
        return;
    };
    let seen: u64 = std::env::var(SEEN_VAR).unwrap().parse().unwrap();
    let files = RaceFiles::in_dir(&dir);
    let pid = std::process::id();
    let store = FileTokenStore::new(&files.store);

    fs::write(RaceFiles::ready_marker(&dir, pid), b"").unwrap();
    let start = files.start.clone();
    tokio::task::spawn_blocking(move || {
        wait_for("the start signal", Duration::from_secs(60), || {
            start.exists()
        });
    })
    .await
    .unwrap();

    let counter = files.counter.clone();
    let result = refresh_single_flight(&store, KEY, Some(seen), move |current| async move {
        assert_eq!(
            current.unwrap().access_token.expose_secret(),
            "expired-access"
        );
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&counter)
            .unwrap();
        // One write per line: appends from the two processes cannot interleave.
        log.write_all(format!("{pid}\n").as_bytes()).unwrap();
        drop(log);
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(TokenSet::new(format!("fresh-access-from-{pid}").into()))
    })
    .await
    .unwrap();

    // Fake test data: printing the token is how the parent compares the two processes.
    println!(
        "\nRACE_RESULT version={} token={}",
        result.version,
        result.value.access_token.expose_secret()
    );
}

//! The child half of the multi-process tests: this binary run again with
//! `BANKKIT_STORE_CHILD` naming what to do. Without it, the test does nothing.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The variable selecting the child's task.
pub const CHILD_VAR: &str = "BANKKIT_STORE_CHILD";
/// What a child prints when it has reached the point the parent waits for.
pub const READY: &str = "BANKKIT-STORE-CHILD-READY";

#[test]
fn entry() {
    let Ok(mode) = std::env::var(CHILD_VAR) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        match mode.as_str() {
            "crash" => crate::crash::child().await,
            "single-flight" => crate::single_flight::child().await,
            other => panic!("unknown child mode {other}"),
        }
    });
}

/// Starts this test binary as a child running `mode`, with `envs`.
pub fn spawn(mode: &str, envs: &[(&str, String)]) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "child::entry", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (name, value) in envs {
        command.env(name, value);
    }
    command.spawn().unwrap()
}

/// Reads the child's output until a line starts with `marker`, and returns that line.
pub async fn wait_for_line(child: &mut Child, marker: &str, within: Duration) -> String {
    let stdout = child.stdout.as_mut().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    tokio::time::timeout(within, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains(marker) {
                return line;
            }
        }
        panic!("the child ended without printing {marker}");
    })
    .await
    .unwrap_or_else(|_| panic!("no {marker} from the child within {within:?}"))
}

/// Tells a child waiting in [`wait_for_go`] to go on.
pub async fn go(child: &mut Child) {
    use tokio::io::AsyncWriteExt;
    let stdin = child.stdin.as_mut().unwrap();
    stdin.write_all(b"go\n").await.unwrap();
    stdin.flush().await.unwrap();
}

/// Waits for the parent's [`go`].
pub async fn wait_for_go() {
    let mut line = String::new();
    BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await
        .unwrap();
    assert_eq!(line.trim(), "go");
}

/// Prints the line the parent waits for.
pub fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

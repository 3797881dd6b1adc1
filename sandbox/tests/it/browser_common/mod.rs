//! A headless Chromium driven over WebDriver, for tests of the sandbox's HTML pages.
//!
//! [`with_browser`] finds `chromedriver` and Chromium, starts `chromedriver` on a free port of
//! 127.0.0.1 (a child process killed on drop), opens a session in a fresh profile with the
//! flags that keep Chromium off the network, runs the test body with the session's client and
//! closes the session whether the body passed or panicked.
//!
//! Where the tools are:
//! - `BANKKIT_CHROMEDRIVER`: path of `chromedriver`; otherwise `chromedriver` on `PATH`.
//! - `BANKKIT_CHROMIUM`: path of the browser; otherwise the first of `chromium`,
//!   `chromium-browser`, `google-chrome-stable`, `google-chrome` on `PATH`.
//!
//! When one is missing the test fails if the browser is required — `CI` is set (to anything
//! but `""`, `0` or `false`) or `BANKKIT_CHROMEDRIVER` is set — and otherwise prints a
//! `skipped: …` line and returns without running the body.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::ffi::OsStr;
use std::future::Future;
use std::net::{Ipv4Addr, TcpListener};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder};
use futures::FutureExt as _;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Map, Value};

/// How long chromedriver may take to answer `/status`, and a session to open.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Page loads (navigation, form submission) in the browser.
const PAGE_LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Chromium's flags: headless, no GPU or process sandbox, shared memory in `/tmp`, and no
/// connection of its own anywhere (updates, sync, QUIC probes, proxies), so that it only
/// ever opens the pages a test asks for.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--window-size=1024,768",
];

const INSTALL_HINT: &str = "install chromium chromium-driver";

/// Runs `body` with a WebDriver client of a fresh headless Chromium; see the module docs for
/// when it skips instead. `test` names the test in the skip line. Returns whether `body` ran.
#[must_use = "a skipped test must not go on to check what its body would have done"]
pub async fn with_browser<F, Fut>(test: &str, body: F) -> bool
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()>,
{
    let tools = match Tools::locate() {
        Ok(tools) => tools,
        Err(missing) => {
            if browser_required() {
                panic!(
                    "{test}: {missing} ({INSTALL_HINT}, or set BANKKIT_CHROMEDRIVER and \
                     BANKKIT_CHROMIUM); the browser test may not be skipped when CI or \
                     BANKKIT_CHROMEDRIVER is set"
                );
            }
            eprintln!("{test}: skipped: {missing} ({INSTALL_HINT})");
            return false;
        }
    };
    let driver = Driver::start(test, &tools.chromedriver).await;
    let profile = tempfile::Builder::new()
        .prefix("chromium-profile-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let client = driver.session(&tools.chromium, profile.path()).await;
    client
        .update_timeouts(TimeoutConfiguration::new(
            None,
            Some(PAGE_LOAD_TIMEOUT),
            Some(Duration::ZERO),
        ))
        .await
        .unwrap();

    let outcome = AssertUnwindSafe(body(client.clone())).catch_unwind().await;
    // Quitting the session ends Chromium; chromedriver is killed when `driver` drops.
    let closed = client.close().await;
    drop(driver);
    drop(profile);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    closed.unwrap();
    true
}

/// Whether a missing browser fails the test rather than skipping it.
fn browser_required() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    ci || std::env::var_os("BANKKIT_CHROMEDRIVER").is_some()
}

struct Tools {
    chromedriver: PathBuf,
    chromium: PathBuf,
}

impl Tools {
    /// Both tools, or a sentence saying which one is missing.
    fn locate() -> Result<Tools, String> {
        let chromedriver = from_env_or_path("BANKKIT_CHROMEDRIVER", &["chromedriver"])
            .map_err(|place| format!("chromedriver not found{place}"))?;
        let chromium = from_env_or_path(
            "BANKKIT_CHROMIUM",
            &[
                "chromium",
                "chromium-browser",
                "google-chrome-stable",
                "google-chrome",
            ],
        )
        .map_err(|place| format!("chromium not found{place}"))?;
        Ok(Tools {
            chromedriver,
            chromium,
        })
    }
}

/// The file `variable` names (it must exist), or the first of `names` on `PATH`; the error
/// says where it looked when that is not obvious.
fn from_env_or_path(variable: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(" at {variable}={}", path.display()))
        };
    }
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&dirs).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| " on PATH".to_owned())
}

/// A running chromedriver on 127.0.0.1, killed on drop.
pub struct Driver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it reports ready; its log goes to
    /// `target/tmp/chromedriver-{test}.log`. A port taken between choosing it and chromedriver
    /// binding it makes chromedriver exit; then another port is tried.
    async fn start(test: &str, chromedriver: &Path) -> Driver {
        let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chromedriver-{test}.log"));
        let _ = std::fs::remove_file(&log);
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .arg(arg_with("--log-path=", log.as_os_str()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
            let mut driver = Driver {
                child,
                url: format!("http://127.0.0.1:{port}"),
                log: log.clone(),
            };
            match driver.wait_ready().await {
                Ok(()) => return driver,
                Err(error) => last_error = error,
            }
        }
        panic!("chromedriver did not start: {last_error}");
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "chromedriver exited with {status}; log: {}",
                    self.log.display()
                ));
            }
            if let Ok(response) = http.get(format!("{}/status", self.url)).send().await {
                if let Ok(body) = response.json::<Value>().await {
                    if body["value"]["ready"] == json!(true) {
                        return Ok(());
                    }
                }
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "no ready /status at {} after {START_TIMEOUT:?}; log: {}",
                    self.url,
                    self.log.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens a session of headless `chromium` with `profile` as its user data directory.
    async fn session(&self, chromium: &Path, profile: &Path) -> Client {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let mut capabilities = Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("pageLoadStrategy".into(), json!("normal"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium.display().to_string(), "args": args }),
        );
        // WebDriver here is plain HTTP on 127.0.0.1: a connector without TLS is all it needs.
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        match tokio::time::timeout(START_TIMEOUT, builder.connect(&self.url)).await {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => panic!(
                "no WebDriver session with {}: {error}; log: {}",
                chromium.display(),
                self.log.display()
            ),
            Err(_) => panic!(
                "no WebDriver session after {START_TIMEOUT:?}; log: {}",
                self.log.display()
            ),
        }
    }
}

fn arg_with(prefix: &str, value: &OsStr) -> std::ffi::OsString {
    let mut arg = std::ffi::OsString::from(prefix);
    arg.push(value);
    arg
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

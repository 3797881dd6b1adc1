//! The sandbox against WireMock (Java): the same route answering the same bytes, loaded
//! by one generator with the same concurrency, in alternating rounds.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bankkit_sandbox::Sandbox;
use serde_json::json;

use crate::load::{self, Load};
use crate::{option, BenchResult};

const PATH: &str = "/personal/client-info";
const ROUNDS: usize = 3;

pub(crate) async fn run(options: &[String]) -> BenchResult<()> {
    let seconds: f64 = option(options, "--seconds", 3.0)?;
    let concurrency: usize = option(options, "--concurrency", 16)?;
    let jar = find_jar()?;
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .rate_limits(false)
        .start()
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    let monobank = sandbox.monobank().ok_or("the sandbox has no monobank")?;
    let base = monobank.base_url();
    let token = monobank.credentials()["token"]
        .as_str()
        .ok_or("no monobank token")?
        .to_owned();
    let body = reqwest::Client::new()
        .get(format!("{}{PATH}", base.trim_end_matches('/')))
        .header("X-Token", &token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    let body = String::from_utf8(body.to_vec()).map_err(|e| e.to_string())?;

    let wiremock = WireMock::start(&jar).await?;
    wiremock.stub(&token, &body).await?;
    let headers = [("X-Token", token.as_str())];
    let len = body.len();
    let duration = Duration::from_secs_f64(seconds);
    println!(
        "sandbox vs WireMock {}: GET {PATH} (X-Token checked), {len} bytes, {concurrency} \
         keep-alive connections, {ROUNDS} alternating rounds of {seconds} s after a warm-up \
         round each",
        jar.file_name().and_then(|n| n.to_str()).unwrap_or("?")
    );
    // Warm-up: the JVM compiles its hot paths, both sides open their connections.
    load::run(&base, PATH, &headers, len, concurrency, duration).await?;
    load::run(&wiremock.base, PATH, &headers, len, concurrency, duration).await?;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(load::run(&base, PATH, &headers, len, concurrency, duration).await?);
        theirs.push(load::run(&wiremock.base, PATH, &headers, len, concurrency, duration).await?);
    }
    let total = |runs: &[Load]| {
        let requests: u64 = runs.iter().map(|l| l.requests).sum();
        let elapsed = runs.iter().map(|l| l.elapsed).sum();
        Load { requests, elapsed }.per_second()
    };
    let show = |runs: &[Load]| {
        runs.iter()
            .map(|l| format!("{:.0}", l.per_second()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (a, b) = (total(&ours), total(&theirs));
    println!("  sandbox  : {a:>8.0} req/s (rounds: {})", show(&ours));
    println!("  WireMock : {b:>8.0} req/s (rounds: {})", show(&theirs));
    println!("  sandbox/WireMock = {:.2}x", a / b);
    Ok(())
}

/// The WireMock standalone jar: `WIREMOCK_JAR`, else under `WIREMOCK_NPM_DIR`.
fn find_jar() -> BenchResult<PathBuf> {
    const HELP: &str = "the wiremock bench needs Java 17+ and WireMock's standalone jar. Either \
        set WIREMOCK_JAR=/path/to/wiremock-standalone-<version>.jar, or install the npm \
        package outside the repository (`npm install --prefix /tmp/wm wiremock`) and set \
        WIREMOCK_NPM_DIR=/tmp/wm (the jar is node_modules/wiremock/build/wiremock-standalone-*.jar).";
    if let Some(jar) = std::env::var_os("WIREMOCK_JAR") {
        let jar = PathBuf::from(jar);
        return if jar.is_file() {
            Ok(jar)
        } else {
            Err(format!(
                "WIREMOCK_JAR={} is not a file; {HELP}",
                jar.display()
            ))
        };
    }
    let Some(dir) = std::env::var_os("WIREMOCK_NPM_DIR") else {
        return Err(format!(
            "neither WIREMOCK_JAR nor WIREMOCK_NPM_DIR is set; {HELP}"
        ));
    };
    let build = PathBuf::from(dir).join("node_modules/wiremock/build");
    std::fs::read_dir(&build)
        .map_err(|e| format!("{}: {e}; {HELP}", build.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("wiremock-standalone-") && n.ends_with(".jar"))
        })
        .ok_or_else(|| {
            format!(
                "no wiremock-standalone-*.jar in {}; {HELP}",
                build.display()
            )
        })
}

/// A WireMock server in a child JVM, stopped when dropped.
struct WireMock {
    child: Child,
    base: String,
}

impl WireMock {
    async fn start(jar: &PathBuf) -> BenchResult<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new("java")
            .arg("-jar")
            .arg(jar)
            .args(["--port", &port.to_string(), "--bind-address", "127.0.0.1"])
            .args(["--no-request-journal", "--disable-banner"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting java (is Java 17+ installed?): {e}"))?;
        let wiremock = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let health = format!("{}/__admin/mappings", wiremock.base);
        for _ in 0..300 {
            if reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(wiremock);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err("WireMock did not answer within 30 s".into())
    }

    async fn stub(&self, token: &str, body: &str) -> BenchResult<()> {
        let mapping = json!({
            "request": {
                "method": "GET",
                "urlPath": PATH,
                "headers": {"X-Token": {"equalTo": token}},
            },
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json"},
                "body": body,
            },
        });
        let response = reqwest::Client::new()
            .post(format!("{}/__admin/mappings", self.base))
            .json(&mapping)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("WireMock refused the stub: {}", response.status()))
        }
    }
}

impl Drop for WireMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

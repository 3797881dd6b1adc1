//! `bankkit-sandbox`: run the provider imitations as local HTTP servers for any language.
//!
//! ```text
//! bankkit-sandbox [--provider NAME ...] [--port NAME=PORT ...] [--seed N] [--json]
//! ```
//!
//! Prints each provider's base URL, other hosts and credentials (a table, or with `--json`
//! exactly one line `{"providers": {"<name>": {"base_url": "…", "hosts": {…}, "credentials":
//! {…}}}}` once every server listens), logs one line per request to stderr, and stops on
//! Ctrl-C or SIGTERM. A provider's other host takes a port as `--port NAME.HOST=PORT` (e.g.
//! `monzo.auth=8081`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use bankkit_sandbox::{ManualClock, Sandbox, DEFAULT_SEED};
use clap::Parser;
use serde_json::{json, Map, Value};

/// Local imitations of bank and payment-provider APIs.
#[derive(Debug, Parser)]
#[command(name = "bankkit-sandbox", version, about)]
struct Args {
    /// Start only this provider (repeatable; default: every registered provider).
    #[arg(long = "provider", value_name = "NAME")]
    providers: Vec<String>,
    /// Serve a provider (or one of its other hosts, `NAME.HOST`) on a fixed port of 127.0.0.1
    /// (repeatable; default: a free port).
    #[arg(long = "port", value_name = "NAME=PORT", value_parser = parse_port)]
    ports: Vec<(String, u16)>,
    /// Seed for the generated data.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Print one line of JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_port(value: &str) -> Result<(String, u16), String> {
    let (name, port) = value
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=PORT, got `{value}`"))?;
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("invalid port `{port}`"))?;
    Ok((name.to_owned(), port))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let mut builder = Sandbox::builder()
        .clock(ManualClock::following_wall_clock())
        .seed(args.seed)
        .record_requests(false);
    if !args.providers.is_empty() {
        builder = builder.providers(args.providers.clone());
    }
    for (name, port) in &args.ports {
        builder = builder.port(name.clone(), *port);
    }
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("bankkit-sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };

    // Listen for signals before telling anyone where we are, so that a Ctrl-C sent right
    // after the summary still stops the server cleanly.
    let shutdown = match Shutdown::listen() {
        Ok(shutdown) => shutdown,
        Err(error) => {
            eprintln!("bankkit-sandbox: cannot listen for signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = print_summary(&sandbox, args.json) {
        eprintln!("bankkit-sandbox: cannot write to stdout: {error}");
        return ExitCode::FAILURE;
    }
    tracing::info!("listening; stop with Ctrl-C");
    shutdown.wait().await;
    tracing::info!("stopping");
    drop(sandbox);
    ExitCode::SUCCESS
}

fn print_summary(sandbox: &Sandbox, as_json: bool) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if as_json {
        let mut providers = Map::new();
        for handle in sandbox.providers() {
            providers.insert(
                handle.name().to_owned(),
                json!({
                    "base_url": handle.base_url(),
                    "hosts": handle.hosts(),
                    "credentials": handle.credentials(),
                }),
            );
        }
        writeln!(
            stdout,
            "{}",
            json!({ "providers": Value::Object(providers) })
        )?;
    } else {
        let mut rows: Vec<(String, String, String)> = Vec::new();
        for handle in sandbox.providers() {
            rows.push((
                handle.name().to_owned(),
                handle.base_url(),
                handle.credentials().to_string(),
            ));
            for (host, url) in handle.hosts() {
                rows.push((format!("{}.{host}", handle.name()), url, "-".to_owned()));
            }
        }
        let name_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(8);
        let url_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(8);
        writeln!(
            stdout,
            "{:name_width$}  {:url_width$}  CREDENTIALS",
            "PROVIDER", "BASE URL"
        )?;
        for (name, url, credentials) in rows {
            writeln!(
                stdout,
                "{name:name_width$}  {url:url_width$}  {credentials}"
            )?;
        }
    }
    stdout.flush()
}

/// Ctrl-C, and SIGTERM where there is one, registered as soon as this is made.
struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves on the first of the signals.
    async fn wait(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

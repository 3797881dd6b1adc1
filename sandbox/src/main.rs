//! `bankkit-sandbox`: run the provider imitations as local HTTP servers for any language.
//!
//! ```text
//! bankkit-sandbox [--provider NAME ...] [--port NAME=PORT ...] [--seed N] [--json]
//!                 [--host ADDR] [--limits on|off|NAME=on|off ...] [--allow-host HOST ...]
//!                 [--max-deliveries N] [--delivery-log N] [--control-token TOKEN]
//!                 [--control-host NAME ...] [--max-body-bytes N] ...
//!                 [--max-payments N] [--max-tokens N] [--token-grace SECONDS]
//!                 [--max-upload-bytes N] [--upload-lifetime SECONDS]
//!                 [--max-added-transactions N]
//!                 [--momo-numbers documented|measured] [--momo-extended-numbers]
//!                 [--momo-reason string|object] [--morune-duplicates reject|existing]
//!                 [--monobank-registration auto|manual] [--monobank-sign-personal-webhooks]
//!                 [--monobank-time-tolerance SECONDS]
//! ```
//!
//! Prints each provider's base URL, other hosts, credentials and test parties (a table, or with
//! `--json` exactly one line `{"providers": {"<name>": {"base_url": "…", "hosts": {…},
//! "credentials": {…}, "test_parties": {…}}}}` once every server listens), logs one line per
//! request to stderr, and stops on Ctrl-C or SIGTERM. A provider's other host takes a port as
//! `--port NAME.HOST=PORT` (e.g. `monzo.auth=8081`). `--help` lists every option.

// A long-running server: an allocator that stays fast as the heap fills with kept state
// (feature `mimalloc`, on by default).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use std::net::IpAddr;
use std::time::Duration;

use bankkit_sandbox::{
    ManualClock, OutboundPolicy, ProviderHandle, Sandbox, SandboxBuilder, ServerLimits,
    StateLimits, TestOutcome, DEFAULT_DELIVERY_LOG_CAPACITY, DEFAULT_JOURNAL_CAPACITY,
    DEFAULT_MAX_CONCURRENT_DELIVERIES, DEFAULT_SEED,
};
use clap::Parser;
use serde_json::{json, Map, Value};

/// Local imitations of bank and payment-provider APIs.
// No `Debug`: the arguments hold the control token.
#[derive(Parser)]
#[command(name = "bankkit-sandbox", version, about)]
struct Args {
    /// Start only this provider (repeatable; default: every registered provider).
    #[arg(long = "provider", value_name = "NAME")]
    providers: Vec<String>,
    /// Serve a provider (or one of its other hosts, `NAME.HOST`) on a fixed port (repeatable;
    /// default: a free port).
    #[arg(long = "port", value_name = "NAME=PORT", value_parser = parse_port)]
    ports: Vec<(String, u16)>,
    /// Seed for the generated data.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Print one line of JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Listen on this address instead of 127.0.0.1. Anything else exposes the sandbox, its
    /// credentials and its control API to whoever can reach the address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Rate windows: `on` (default, as the real APIs), `off` (fast mode for an app in another
    /// process, which would otherwise wait them out in real time), or `NAME=on|off` for one
    /// provider (repeatable).
    #[arg(long = "limits", value_name = "on|off|NAME=on|off", value_parser = parse_limits)]
    limits: Vec<(Option<String>, bool)>,
    /// Let webhooks, callbacks and URL checks go to this host too (repeatable; default:
    /// loopback addresses and `localhost` only).
    #[arg(long = "allow-host", value_name = "HOST")]
    allow_hosts: Vec<String>,
    /// Webhook deliveries in flight at once, across providers.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONCURRENT_DELIVERIES)]
    max_deliveries: usize,
    /// Finished webhook deliveries kept in each provider's delivery log (oldest dropped
    /// first; pending ones are always kept).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_DELIVERY_LOG_CAPACITY)]
    delivery_log: usize,
    /// Require `Authorization: Bearer TOKEN` on every control-API request (also read from
    /// BANKKIT_SANDBOX_CONTROL_TOKEN).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "BANKKIT_SANDBOX_CONTROL_TOKEN",
        hide_env_values = true
    )]
    control_token: Option<String>,
    /// Also accept control-API requests addressed (`Host`) to this name (repeatable).
    #[arg(long = "control-host", value_name = "NAME")]
    control_hosts: Vec<String>,
    /// Largest request body accepted; larger ones are answered 413.
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Open connections per provider host; more are answered 503.
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Seconds a connection may stay silent between requests.
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<u64>,
    /// Seconds to send a whole request head once it started.
    #[arg(long, value_name = "SECONDS")]
    header_read_timeout: Option<u64>,
    /// Seconds to send a whole request body once its head arrived; else 408.
    #[arg(long, value_name = "SECONDS")]
    body_read_timeout: Option<u64>,
    /// Requests kept for `GET /__bankkit/requests`.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_JOURNAL_CAPACITY)]
    journal: usize,
    /// MoMo payments kept, every kind together; past it the oldest finished go first
    /// (default 100000).
    #[arg(long, value_name = "N")]
    max_payments: Option<usize>,
    /// Tokens kept of each kind (MoMo tokens, Monzo access and refresh tokens; default 10000).
    #[arg(long, value_name = "N")]
    max_tokens: Option<usize>,
    /// Seconds an expired or retired token (or an expired consent request) is kept before it
    /// is dropped (default 86400).
    #[arg(long, value_name = "SECONDS")]
    token_grace: Option<u64>,
    /// Bytes of all Monzo uploads together (default 67108864, 64 MiB).
    #[arg(long, value_name = "BYTES")]
    max_upload_bytes: Option<usize>,
    /// Seconds a Monzo upload is kept after it was announced or last stored (default 3600).
    #[arg(long, value_name = "SECONDS")]
    upload_lifetime: Option<u64>,
    /// Transactions added to one account after seeding that are kept (Monzo, Monobank;
    /// default 10000).
    #[arg(long, value_name = "N")]
    max_added_transactions: Option<usize>,
    /// MoMo magic-number table: `documented` (MTN's documentation; default) or `measured`
    /// (what a team measured on the live sandbox). Kept across resets.
    #[arg(long, value_name = "documented|measured", value_parser = ["documented", "measured"])]
    momo_numbers: Option<String>,
    /// Also apply the third-party "extended" MoMo numbers (…455–…464 fail with their codes,
    /// payment v2 by amount; one source, lower confidence). Kept across resets.
    #[arg(long)]
    momo_extended_numbers: bool,
    /// How MoMo writes `reason` in failed statuses and callbacks: `string` (default, as MTN's
    /// sandbox answers) or `object` (`{"code","message"}`, the swagger's model). Kept across
    /// resets.
    #[arg(long, value_name = "string|object", value_parser = ["string", "object"])]
    momo_reason: Option<String>,
    /// What Morune answers a second `invoice/create` or `payoff/create` with an `order_id`
    /// it already holds: `reject` (default, 422) or `existing` (the existing invoice or
    /// payoff). Kept across resets.
    #[arg(long, value_name = "reject|existing", value_parser = ["reject", "existing"])]
    morune_duplicates: Option<String>,
    /// How Monobank's provider API decides a company's registration: `auto` (default,
    /// approved at once) or `manual` (held as `New` until the `provider_registration` control
    /// event). Kept across resets.
    #[arg(long, value_name = "auto|manual", value_parser = ["auto", "manual"])]
    monobank_registration: Option<String>,
    /// Sign Monobank personal webhooks with the `/bank/sync` key (`X-Sign`, `X-Key-Id`), as
    /// third-party reports describe; off by default. Kept across resets.
    #[arg(long)]
    monobank_sign_personal_webhooks: bool,
    /// Largest difference in seconds between a Monobank provider-API request's `X-Time` and
    /// the sandbox clock (default 300). Kept across resets.
    #[arg(long, value_name = "SECONDS")]
    monobank_time_tolerance: Option<u32>,
}

fn parse_switch(value: &str) -> Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("expected on or off, got `{other}`")),
    }
}

fn parse_limits(value: &str) -> Result<(Option<String>, bool), String> {
    match value.split_once('=') {
        None => Ok((None, parse_switch(value)?)),
        Some((name, switch)) => Ok((Some(name.to_owned()), parse_switch(switch)?)),
    }
}

impl Args {
    fn limits(&self) -> ServerLimits {
        let mut limits = ServerLimits::default();
        if let Some(bytes) = self.max_body_bytes {
            limits = limits.max_body_bytes(bytes);
        }
        if let Some(n) = self.max_connections {
            limits = limits.max_connections(n);
        }
        if let Some(seconds) = self.idle_timeout {
            limits = limits.idle_timeout(Duration::from_secs(seconds));
        }
        if let Some(seconds) = self.header_read_timeout {
            limits = limits.header_read_timeout(Duration::from_secs(seconds));
        }
        if let Some(seconds) = self.body_read_timeout {
            limits = limits.body_read_timeout(Duration::from_secs(seconds));
        }
        limits
    }

    fn state_limits(&self) -> StateLimits {
        let mut limits = StateLimits::default();
        if let Some(n) = self.max_payments {
            limits = limits.max_payments(n);
        }
        if let Some(n) = self.max_tokens {
            limits = limits.max_tokens(n);
        }
        if let Some(seconds) = self.token_grace {
            limits = limits.token_grace(Duration::from_secs(seconds));
        }
        if let Some(bytes) = self.max_upload_bytes {
            limits = limits.max_upload_bytes(bytes);
        }
        if let Some(seconds) = self.upload_lifetime {
            limits = limits.upload_lifetime(Duration::from_secs(seconds));
        }
        if let Some(n) = self.max_added_transactions {
            limits = limits.max_added_transactions(n);
        }
        limits
    }

    fn builder(&self) -> SandboxBuilder {
        let mut outbound = OutboundPolicy::default()
            .max_concurrent(self.max_deliveries)
            .delivery_log(self.delivery_log);
        for host in &self.allow_hosts {
            outbound = outbound.allow_host(host.clone());
        }
        let mut builder = Sandbox::builder()
            .clock(ManualClock::following_wall_clock())
            .seed(self.seed)
            .address(self.host)
            .limits(self.limits())
            .outbound(outbound)
            .journal_capacity(self.journal)
            .state_limits(self.state_limits());
        if !self.providers.is_empty() {
            builder = builder.providers(self.providers.clone());
        }
        for (name, port) in &self.ports {
            builder = builder.port(name.clone(), *port);
        }
        for (provider, on) in &self.limits {
            builder = match provider {
                None => builder.rate_limits(*on),
                Some(name) => builder.provider_rate_limits(name.clone(), *on),
            };
        }
        if let Some(token) = &self.control_token {
            builder = builder.control_token(token.clone());
        }
        for host in &self.control_hosts {
            builder = builder.control_host(host.clone());
        }
        for event in self.momo_events() {
            builder = builder.default_event("momo", event);
        }
        if let Some(mode) = &self.morune_duplicates {
            builder = builder.default_event(
                "morune",
                json!({"type": "duplicate_order_id", "mode": mode}),
            );
        }
        for event in self.monobank_events() {
            builder = builder.default_event("monobank", event);
        }
        builder
    }

    /// The Monobank control events the `--monobank-…` options stand for.
    fn monobank_events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        if let Some(mode) = &self.monobank_registration {
            events.push(json!({"type": "provider_registration_mode", "mode": mode}));
        }
        if self.monobank_sign_personal_webhooks {
            events.push(json!({"type": "personal_webhook_signing", "on": true}));
        }
        if let Some(seconds) = self.monobank_time_tolerance {
            events.push(json!({"type": "provider_time_tolerance", "seconds": seconds}));
        }
        events
    }

    /// The MoMo control events the `--momo-…` options stand for.
    fn momo_events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        if self.momo_numbers.is_some() || self.momo_extended_numbers {
            let mut event =
                json!({"type": "magic_numbers", "extended": self.momo_extended_numbers});
            if let Some(table) = &self.momo_numbers {
                event["table"] = json!(table);
            }
            events.push(event);
        }
        if let Some(format) = &self.momo_reason {
            events.push(json!({"type": "reason_format", "format": format}));
        }
        events
    }
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

    if !args.host.is_loopback() {
        tracing::warn!(
            address = %args.host,
            "listening beyond this machine: anyone who can reach this address can read the \
             seeded credentials and drive the control API (consider --control-token)"
        );
    }
    let sandbox = match args.builder().start().await {
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
                    "test_parties": test_parties(&handle),
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
                one_line_credentials(handle.credentials()),
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

/// Credentials for the table: a multi-line value (a PEM key) is shown by its first line only;
/// `--json` and `GET /__bankkit/credentials` give it whole.
fn one_line_credentials(credentials: Value) -> String {
    let Value::Object(map) = credentials else {
        return credentials.to_string();
    };
    let shown: Map<String, Value> = map
        .into_iter()
        .map(
            |(name, value)| match value.as_str().and_then(|text| text.split_once('\n')) {
                Some((first, _)) => (name, Value::String(format!("{first} … (see --json)"))),
                None => (name, value),
            },
        )
        .collect();
    Value::Object(shown).to_string()
}

/// The provider's test parties by outcome (`success`, `failure`, `pending`), those it has.
fn test_parties(handle: &ProviderHandle) -> Value {
    let mut parties = Map::new();
    for outcome in [
        TestOutcome::Success,
        TestOutcome::Failure,
        TestOutcome::Pending,
    ] {
        if let Some(party) = handle.test_party(outcome) {
            if let (Ok(Value::String(name)), Ok(party)) =
                (serde_json::to_value(outcome), serde_json::to_value(party))
            {
                parties.insert(name, party);
            }
        }
    }
    Value::Object(parties)
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

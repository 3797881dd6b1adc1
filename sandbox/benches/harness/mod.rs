//! What the soak bench (`benches/soak.rs`) and the load test (`tests/it/load.rs`) share: the
//! `bankkit-sandbox` binary started as a child process, its resident memory, and a [`World`]
//! of base URLs, credentials and ids to send requests with.
//!
//! `benches/soak.rs` includes it with `mod harness;`, `tests/it/load.rs` with a `#[path]`
//! attribute; as `harness/mod.rs` it is not a bench target of its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// The seeded MSISDN whose payments succeed.
pub(crate) const SUCCESS_MSISDN: &str = "46733123456";

/// The child process, killed when dropped (also when the bench or test fails half-way).
pub(crate) struct Running(Child);

impl Running {
    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `--limits off --json` followed by `args`, logging only warnings
/// (one log line per request would cost the server more than some requests do), and reads its
/// one-line JSON summary.
pub(crate) async fn start(args: &[&str]) -> Result<(Running, Value)> {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_bankkit-sandbox"))
            .args(["--limits", "off", "--json"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?,
    );
    let stdout = child.0.stdout.take().ok_or("no stdout")?;
    let read = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .map_err(|_| "the sandbox printed nothing within 60 s")???;
    let summary: Value = serde_json::from_str(&line)
        .map_err(|error| format!("summary line `{}`: {error}", line.trim()))?;
    Ok((child, summary))
}

/// A process's resident set size in KiB (`VmRSS`), and its peak (`VmHWM`).
pub(crate) fn rss_kib(pid: u32) -> Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let read = |name: &str| -> Result<u64> {
        let line = status
            .lines()
            .find(|line| line.starts_with(name))
            .ok_or_else(|| format!("no {name} in /proc/{pid}/status"))?;
        Ok(line
            .trim_start_matches(name)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?)
    };
    Ok((read("VmRSS:")?, read("VmHWM:")?))
}

/// The string at `pointer` in `value`.
pub(crate) fn text(value: &Value, pointer: &str) -> Result<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no string at {pointer} in {value}").into())
}

/// A call whose answer must be a 2xx with JSON (or empty: `null`).
pub(crate) async fn json_ok(request: RequestBuilder, what: &str) -> Result<Value> {
    let response = request
        .send()
        .await
        .map_err(|error| format!("{what}: {error}"))?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        return Err(format!("{what}: {status}: {body}").into());
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    Ok(serde_json::from_str(&body).map_err(|error| format!("{what}: {error}: {body}"))?)
}

/// A MoMo request to pay of 1.00 EUR from [`SUCCESS_MSISDN`].
pub(crate) fn request_to_pay(reference: &str, payer_message: &str, payee_note: &str) -> Value {
    json!({
        "amount": "1.00",
        "currency": "EUR",
        "externalId": reference,
        "payer": { "partyIdType": "MSISDN", "partyId": SUCCESS_MSISDN },
        "payerMessage": payer_message,
        "payeeNote": payee_note,
    })
}

/// A MoMo transfer of 0.01 EUR to [`SUCCESS_MSISDN`], with `note` as both messages.
pub(crate) fn transfer(reference: &str, note: &str) -> Value {
    json!({
        "amount": "0.01",
        "currency": "EUR",
        "externalId": reference,
        "payee": { "partyIdType": "MSISDN", "partyId": SUCCESS_MSISDN },
        "payerMessage": note,
        "payeeNote": note,
    })
}

/// What the requests need: base URLs, credentials, ids found at start.
pub(crate) struct World {
    pub(crate) http: Client,
    pub(crate) monobank: String,
    pub(crate) monobank_token: String,
    pub(crate) monzo: String,
    pub(crate) monzo_token: String,
    /// The first Monzo `uk_retail` account.
    pub(crate) monzo_account: String,
    /// Its first open, unlocked pot.
    pub(crate) monzo_pot: String,
    pub(crate) momo: String,
    pub(crate) collection_key: String,
    pub(crate) disbursement_key: String,
    /// The MoMo API user and key as a Basic `Authorization` value, for minting tokens.
    pub(crate) basic: String,
    /// Tokens minted at start.
    pub(crate) collection_token: String,
    pub(crate) disbursement_token: String,
}

impl World {
    /// Reads base URLs and credentials from the binary's `summary`, finds the Monzo account and
    /// pot, and mints a MoMo collection and a disbursement token. The client keeps up to
    /// `idle_per_host` idle connections per host (one per concurrent client).
    pub(crate) async fn new(summary: &Value, idle_per_host: usize) -> Result<World> {
        let http = Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(idle_per_host)
            .build()?;
        let providers = &summary["providers"];
        let monzo = text(providers, "/monzo/base_url")?;
        let monzo_token = text(providers, "/monzo/credentials/access_token")?;
        let accounts = json_ok(
            http.get(format!("{monzo}/accounts?account_type=uk_retail"))
                .bearer_auth(&monzo_token),
            "monzo accounts",
        )
        .await?;
        let monzo_account = text(&accounts, "/accounts/0/id")?;
        let pots = json_ok(
            http.get(format!("{monzo}/pots?current_account_id={monzo_account}"))
                .bearer_auth(&monzo_token),
            "monzo pots",
        )
        .await?;
        let monzo_pot = pots["pots"]
            .as_array()
            .and_then(|pots| {
                pots.iter()
                    .find(|pot| pot["deleted"] != true && pot["locked"] != true)
            })
            .and_then(|pot| pot["id"].as_str())
            .ok_or("no open, unlocked pot")?
            .to_owned();

        let credentials = &providers["momo"]["credentials"];
        let basic = {
            use base64::Engine as _;
            let pair = format!(
                "{}:{}",
                text(credentials, "/api_user")?,
                text(credentials, "/api_key")?
            );
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        let mut world = World {
            monobank: text(providers, "/monobank/base_url")?,
            monobank_token: text(providers, "/monobank/credentials/token")?,
            monzo,
            monzo_token,
            monzo_account,
            monzo_pot,
            momo: text(providers, "/momo/base_url")?,
            collection_key: text(credentials, "/collection_key")?,
            disbursement_key: text(credentials, "/disbursement_key")?,
            basic,
            collection_token: String::new(),
            disbursement_token: String::new(),
            http,
        };
        world.collection_token = text(
            &json_ok(world.momo_token(true), "momo token").await?,
            "/access_token",
        )?;
        world.disbursement_token = text(
            &json_ok(world.momo_token(false), "momo token").await?,
            "/access_token",
        )?;
        Ok(world)
    }

    /// A Monobank personal API `GET` with the right `X-Token`.
    pub(crate) fn monobank(&self, path: &str) -> RequestBuilder {
        self.http
            .get(format!("{}{path}", self.monobank))
            .header("X-Token", &self.monobank_token)
    }

    /// A Monzo call with the right bearer token.
    pub(crate) fn monzo(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.monzo))
            .bearer_auth(&self.monzo_token)
    }

    /// The Monobank statement of account 0 over the last 30 days.
    pub(crate) fn monobank_statement(&self) -> RequestBuilder {
        let to = chrono::Utc::now().timestamp();
        let from = to - 30 * 86_400;
        self.monobank(&format!("/personal/statement/0/{from}/{to}"))
    }

    /// The Monzo account's balance.
    pub(crate) fn monzo_balance(&self) -> RequestBuilder {
        self.monzo(
            Method::GET,
            &format!("/balance?account_id={}", self.monzo_account),
        )
    }

    /// The Monzo account's transactions of the last week, at most 100.
    pub(crate) fn monzo_transactions(&self) -> RequestBuilder {
        let since = (chrono::Utc::now() - chrono::Duration::days(7))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.monzo(
            Method::GET,
            &format!(
                "/transactions?account_id={}&since={since}&limit=100",
                self.monzo_account
            ),
        )
    }

    /// The Monzo account's pots.
    pub(crate) fn monzo_pots(&self) -> RequestBuilder {
        self.monzo(
            Method::GET,
            &format!("/pots?current_account_id={}", self.monzo_account),
        )
    }

    /// A request minting a MoMo collection (or disbursement) token (no body, so
    /// `Content-Length: 0`, which the gateway requires).
    pub(crate) fn momo_token(&self, collection: bool) -> RequestBuilder {
        let (product, key) = if collection {
            ("collection", &self.collection_key)
        } else {
            ("disbursement", &self.disbursement_key)
        };
        self.http
            .post(format!("{}/{product}/token/", self.momo))
            .header("Ocp-Apim-Subscription-Key", key)
            .header("Authorization", &self.basic)
            .header(reqwest::header::CONTENT_LENGTH, 0)
    }

    /// A MoMo collection (or disbursement) call with the product's subscription key and
    /// `minted`, or else the token minted at start.
    pub(crate) fn momo_business(
        &self,
        method: Method,
        path: &str,
        collection: bool,
        minted: Option<&str>,
    ) -> RequestBuilder {
        let (key, token) = if collection {
            (&self.collection_key, &self.collection_token)
        } else {
            (&self.disbursement_key, &self.disbursement_token)
        };
        self.http
            .request(method, format!("{}{path}", self.momo))
            .header("Ocp-Apim-Subscription-Key", key)
            .bearer_auth(minted.unwrap_or(token))
            .header("X-Target-Environment", "sandbox")
    }
}

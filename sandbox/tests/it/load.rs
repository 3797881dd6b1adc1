//! A bounded load test of the `bankkit-sandbox` binary: many clients at once, mixed reads and
//! payments on every provider, and afterwards every accepted payment is in the provider's
//! state exactly once.
//!
//! 64 clients for `BANKKIT_LOAD_SECONDS` (default 30) seconds of real time. The duration is a
//! bound, not a throughput target: nothing here depends on how many requests fit in it (a
//! loaded machine just sends fewer), and each request may take up to 30 s.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error + Send + Sync>;

const CLIENTS: usize = 64;
/// The seeded MSISDN whose payments succeed.
const SUCCESS_MSISDN: &str = "46733123456";
/// MoMo amounts: request to pay 1.00 EUR, transfer 0.01 EUR (in cents).
const REQUEST_TO_PAY_CENTS: i64 = 100;
const TRANSFER_CENTS: i64 = 1;
/// Money put on the Monzo current account first, so that 1p pot deposits never run out.
const MONZO_TOP_UP: i64 = 10_000_000;

/// Kills the child even if the test fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_mib(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or_else(|| "unknown".to_owned(), |kib| format!("{} MiB", kib / 1024))
}

fn text(value: &Value, pointer: &str) -> Result<String, Error> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no string at {pointer} in {value}").into())
}

/// Base URLs, credentials and the ids the clients use.
struct World {
    http: Client,
    monobank: String,
    monobank_token: String,
    monzo: String,
    monzo_token: String,
    monzo_account: String,
    monzo_pot: String,
    momo: String,
    collection_key: String,
    disbursement_key: String,
    basic: String,
    collection_token: String,
    disbursement_token: String,
}

/// A call whose answer must be a 2xx with JSON (or empty: `null`).
async fn json_ok(request: RequestBuilder, what: &str) -> Result<Value, Error> {
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

impl World {
    async fn new(summary: &Value) -> Result<World, Error> {
        let http = Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(CLIENTS)
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
            .and_then(|pots| pots.iter().find(|pot| pot["deleted"] != true))
            .and_then(|pot| pot["id"].as_str())
            .ok_or("the Monzo current account has no pot")?
            .to_owned();

        let momo = text(providers, "/momo/base_url")?;
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
        let collection_key = text(credentials, "/collection_key")?;
        let disbursement_key = text(credentials, "/disbursement_key")?;
        let token = |product: &str, key: &str| {
            http.post(format!("{momo}/{product}/token/"))
                .header("Ocp-Apim-Subscription-Key", key)
                .header("Authorization", &basic)
        };
        let collection = json_ok(token("collection", &collection_key), "momo token").await?;
        let disbursement = json_ok(token("disbursement", &disbursement_key), "momo token").await?;
        Ok(World {
            monobank: text(providers, "/monobank/base_url")?,
            monobank_token: text(providers, "/monobank/credentials/token")?,
            monzo,
            monzo_token,
            monzo_account,
            monzo_pot,
            momo,
            collection_key,
            disbursement_key,
            basic,
            collection_token: text(&collection, "/access_token")?,
            disbursement_token: text(&disbursement, "/access_token")?,
            http,
        })
    }

    fn monobank(&self, path: &str) -> RequestBuilder {
        self.http
            .get(format!("{}{path}", self.monobank))
            .header("X-Token", &self.monobank_token)
    }

    fn monzo(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.monzo))
            .bearer_auth(&self.monzo_token)
    }

    fn momo(&self, method: Method, path: &str, collection: bool) -> RequestBuilder {
        let (key, token) = if collection {
            (&self.collection_key, &self.collection_token)
        } else {
            (&self.disbursement_key, &self.disbursement_token)
        };
        self.http
            .request(method, format!("{}{path}", self.momo))
            .header("Ocp-Apim-Subscription-Key", key)
            .bearer_auth(token)
            .header("X-Target-Environment", "sandbox")
    }

    /// A control-API call on `base`.
    fn control(&self, method: Method, base: &str, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{base}/__bankkit/{path}"))
            .header("Content-Type", "application/json")
    }

    async fn monzo_pot_balance(&self) -> Result<i64, Error> {
        let pots = json_ok(
            self.monzo(
                Method::GET,
                &format!("/pots?current_account_id={}", self.monzo_account),
            ),
            "monzo pots",
        )
        .await?;
        pots["pots"]
            .as_array()
            .and_then(|pots| pots.iter().find(|pot| pot["id"] == self.monzo_pot.as_str()))
            .and_then(|pot| pot["balance"].as_i64())
            .ok_or_else(|| format!("pot {} not listed: {pots}", self.monzo_pot).into())
    }
}

/// What the clients saw.
#[derive(Default)]
struct Outcome {
    requests: u64,
    by_op: BTreeMap<&'static str, u64>,
    /// Every answer that was not a 2xx (or no answer at all): op, status, body.
    failures: Vec<(&'static str, String, String)>,
    request_to_pay: Vec<String>,
    transfers: Vec<String>,
    monzo_deposited: i64,
    monobank_items: Vec<String>,
}

const OPS: &[&str] = &[
    "momo.request_to_pay",
    "monobank.client_info",
    "monzo.accounts",
    "momo.request_to_pay_status",
    "monzo.pot_deposit",
    "monobank.statement",
    "momo.transfer",
    "monzo.balance",
    "monobank.currency",
    "momo.transfer_status",
    "monzo.transactions",
    "monobank.statement_item",
    "momo.balance",
    "monzo.pots",
    "momo.token",
];

/// One client: walks the mix from its own offset until `deadline`.
async fn client(world: Arc<World>, index: usize, deadline: Instant, outcome: Arc<Mutex<Outcome>>) {
    let mut step = index;
    let mut last_request_to_pay: Option<String> = None;
    let mut last_transfer: Option<String> = None;
    let mut serial = 0_u64;
    while Instant::now() < deadline {
        let op = OPS[step % OPS.len()];
        step += 1;
        serial += 1;
        let reference = uuid::Uuid::new_v4().to_string();
        let now = chrono::Utc::now();
        let deposit = i64::try_from(serial % 5 + 1).unwrap_or(1);
        let request = match op {
            "momo.request_to_pay" => world
                .momo(Method::POST, "/collection/v1_0/requesttopay", true)
                .header("X-Reference-Id", &reference)
                .json(&json!({
                    "amount": "1.00",
                    "currency": "EUR",
                    "externalId": reference,
                    "payer": { "partyIdType": "MSISDN", "partyId": SUCCESS_MSISDN },
                    "payerMessage": "Load test",
                    "payeeNote": "Load test",
                })),
            "momo.request_to_pay_status" => match &last_request_to_pay {
                Some(id) => world.momo(
                    Method::GET,
                    &format!("/collection/v1_0/requesttopay/{id}"),
                    true,
                ),
                None => continue,
            },
            "momo.transfer" => world
                .momo(Method::POST, "/disbursement/v1_0/transfer", false)
                .header("X-Reference-Id", &reference)
                .json(&json!({
                    "amount": "0.01",
                    "currency": "EUR",
                    "externalId": reference,
                    "payee": { "partyIdType": "MSISDN", "partyId": SUCCESS_MSISDN },
                    "payerMessage": "Load test",
                    "payeeNote": "Load test",
                })),
            "momo.transfer_status" => match &last_transfer {
                Some(id) => world.momo(
                    Method::GET,
                    &format!("/disbursement/v1_0/transfer/{id}"),
                    false,
                ),
                None => continue,
            },
            "momo.balance" => world.momo(Method::GET, "/collection/v1_0/account/balance", true),
            "momo.token" => world
                .http
                .post(format!("{}/collection/token/", world.momo))
                .header("Ocp-Apim-Subscription-Key", &world.collection_key)
                .header("Authorization", &world.basic),
            "monobank.client_info" => world.monobank("/personal/client-info"),
            "monobank.statement" => {
                let to = now.timestamp();
                world.monobank(&format!("/personal/statement/0/{}/{to}", to - 30 * 86_400))
            }
            "monobank.currency" => world.monobank("/bank/currency"),
            "monobank.statement_item" => world
                .control(Method::POST, &world.monobank, "events")
                .json(&json!({
                    "type": "statement_item",
                    "amount_minor": -1_500,
                    "description": format!("Load test {index}-{serial}"),
                })),
            "monzo.accounts" => world.monzo(Method::GET, "/accounts"),
            "monzo.balance" => world.monzo(
                Method::GET,
                &format!("/balance?account_id={}", world.monzo_account),
            ),
            "monzo.transactions" => {
                let since = (now - chrono::Duration::days(7))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                world.monzo(
                    Method::GET,
                    &format!(
                        "/transactions?account_id={}&since={since}&limit=100",
                        world.monzo_account
                    ),
                )
            }
            "monzo.pots" => world.monzo(
                Method::GET,
                &format!("/pots?current_account_id={}", world.monzo_account),
            ),
            "monzo.pot_deposit" => world
                .monzo(Method::PUT, &format!("/pots/{}/deposit", world.monzo_pot))
                .form(&[
                    ("source_account_id", world.monzo_account.clone()),
                    ("amount", deposit.to_string()),
                    ("dedupe_id", format!("load-{reference}")),
                ]),
            _ => continue,
        };
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status();
                match response.text().await {
                    Ok(body) => Ok((status, body)),
                    Err(error) => Err(format!("{status}, body lost: {error}")),
                }
            }
            Err(error) => Err(format!("no answer: {error}")),
        };
        // What this answer proves, checked outside the lock.
        let mut problem = None;
        let mut accepted = false;
        let mut item_id = None;
        match &answer {
            Ok((status, body)) if status.is_success() => {
                accepted = true;
                let parsed = serde_json::from_str::<Value>(body).unwrap_or(Value::Null);
                match op {
                    "momo.request_to_pay_status" | "momo.transfer_status" => {
                        let wanted = if op == "momo.request_to_pay_status" {
                            &last_request_to_pay
                        } else {
                            &last_transfer
                        };
                        if parsed["externalId"].as_str() != wanted.as_deref() {
                            problem = Some(format!("{status}: another payment's status: {body}"));
                        }
                    }
                    "monobank.statement_item" => match parsed["id"].as_str() {
                        Some(id) => item_id = Some(id.to_owned()),
                        None => problem = Some(format!("{status}: no item id: {body}")),
                    },
                    _ => {}
                }
            }
            Ok((status, body)) => problem = Some(format!("{status}: {body}")),
            Err(error) => problem = Some(error.clone()),
        }
        if accepted && op == "momo.request_to_pay" {
            last_request_to_pay = Some(reference.clone());
        }
        if accepted && op == "momo.transfer" {
            last_transfer = Some(reference.clone());
        }
        let Ok(mut outcome) = outcome.lock() else {
            return;
        };
        outcome.requests += 1;
        *outcome.by_op.entry(op).or_default() += 1;
        if let Some(problem) = problem {
            let (status, body) = problem.split_once(": ").unwrap_or((problem.as_str(), ""));
            outcome
                .failures
                .push((op, status.to_owned(), body.chars().take(300).collect()));
            continue;
        }
        match op {
            "momo.request_to_pay" => outcome.request_to_pay.push(reference),
            "momo.transfer" => outcome.transfers.push(reference),
            "monzo.pot_deposit" => outcome.monzo_deposited += deposit,
            "monobank.statement_item" => outcome.monobank_items.extend(item_id),
            _ => {}
        }
    }
}

/// How many times each id occurs among the transactions of `account` in a ledger.
fn ledger_ids(ledger: &Value, account: &str) -> Result<(HashMap<String, usize>, i64), Error> {
    let account = ledger["accounts"]
        .as_array()
        .and_then(|accounts| accounts.iter().find(|a| a["id"] == account))
        .ok_or_else(|| format!("no account {account} in the ledger"))?;
    let mut ids = HashMap::new();
    for transaction in account["transactions"].as_array().into_iter().flatten() {
        let id = transaction["id"]
            .as_str()
            .ok_or("a transaction without id")?;
        *ids.entry(id.to_owned()).or_insert(0) += 1;
    }
    let balance = account["balance_minor"]
        .as_i64()
        .ok_or("an account without balance_minor")?;
    Ok((ids, balance))
}

/// The accepted ids that do not occur exactly once, and the ledger ids nobody sent.
fn mismatches(accepted: &[String], ledger: &HashMap<String, usize>) -> Vec<String> {
    let mut wrong: Vec<String> = accepted
        .iter()
        .filter(|id| ledger.get(*id) != Some(&1))
        .map(|id| format!("{id} ×{}", ledger.get(id).copied().unwrap_or(0)))
        .collect();
    let sent: std::collections::HashSet<&String> = accepted.iter().collect();
    wrong.extend(
        ledger
            .keys()
            .filter(|id| !sent.contains(id))
            .map(|id| format!("{id} (never accepted)")),
    );
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_get_only_expected_answers_and_every_accepted_payment_lands_once(
) -> Result<(), Error> {
    let seconds: u64 = std::env::var("BANKKIT_LOAD_SECONDS")
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(30);
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_bankkit-sandbox"))
            .args(["--limits", "off", "--json"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?,
    );
    let pid = child.0.id();
    let stdout = child.0.stdout.take().ok_or("no stdout")?;
    let line = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .map_err(|_| "the sandbox printed nothing within 60 s")???;
    let summary: Value = serde_json::from_str(&line)
        .map_err(|error| format!("summary line `{}`: {error}", line.trim()))?;
    let world = Arc::new(World::new(&summary).await?);

    json_ok(
        world
            .control(Method::POST, &world.monzo, "events")
            .json(&json!({
                "type": "card_transaction",
                "account_id": world.monzo_account,
                "amount_minor": MONZO_TOP_UP,
                "description": "Load test top-up",
            })),
        "monzo top-up",
    )
    .await?;
    let pot_before = world.monzo_pot_balance().await?;
    let momo_before = json_ok(
        world.control(Method::GET, &world.momo, "ledger"),
        "momo ledger",
    )
    .await?;
    let (_, collection_before) = ledger_ids(&momo_before, "collection")?;
    let (_, disbursement_before) = ledger_ids(&momo_before, "disbursement")?;
    // What the run measured, also kept in target/tmp/load-report.txt for CI to print.
    let mut report = vec![format!("load: sandbox RSS at start {}", rss_mib(pid))];
    eprintln!("{}", report[0]);

    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|index| {
            tokio::spawn(client(
                Arc::clone(&world),
                index,
                deadline,
                Arc::clone(&outcome),
            ))
        })
        .collect();
    for client in clients {
        client.await?;
    }
    let elapsed = started.elapsed();
    report.push(format!("load: sandbox RSS at end {}", rss_mib(pid)));

    let outcome = std::mem::take(&mut *outcome.lock().map_err(|_| "a client panicked")?);
    report.push(format!(
        "load: {} requests from {CLIENTS} clients in {:.1} s: {:?}",
        outcome.requests,
        elapsed.as_secs_f64(),
        outcome.by_op
    ));
    for line in &report[1..] {
        eprintln!("{line}");
    }
    if !outcome.failures.is_empty() {
        let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (op, status, _) in &outcome.failures {
            *counts.entry((op, status.as_str())).or_default() += 1;
        }
        let examples: Vec<String> = outcome
            .failures
            .iter()
            .take(20)
            .map(|(op, status, body)| format!("  {op}: {status}: {body}"))
            .collect();
        panic!(
            "{} unexpected answers (by request and status: {counts:?}); the first:\n{}",
            outcome.failures.len(),
            examples.join("\n")
        );
    }
    assert!(
        !outcome.request_to_pay.is_empty()
            && !outcome.transfers.is_empty()
            && outcome.monzo_deposited > 0
            && !outcome.monobank_items.is_empty(),
        "every kind of write was accepted at least once: {:?}",
        outcome.by_op
    );

    // Past the 5 s settlement of the last payments (the clock is shared by every provider).
    json_ok(
        world
            .control(Method::POST, &world.momo, "clock/advance")
            .json(&json!({ "seconds": 60 })),
        "advance the clock",
    )
    .await?;

    let momo_after = json_ok(
        world.control(Method::GET, &world.momo, "ledger"),
        "momo ledger",
    )
    .await?;
    let (collection, collection_balance) = ledger_ids(&momo_after, "collection")?;
    let wrong = mismatches(&outcome.request_to_pay, &collection);
    assert!(
        wrong.is_empty(),
        "{} of {} accepted requests to pay are not in the collection ledger exactly once: {:?}",
        wrong.len(),
        outcome.request_to_pay.len(),
        &wrong[..wrong.len().min(20)]
    );
    let count = |ids: &[String]| i64::try_from(ids.len()).unwrap_or(i64::MAX);
    assert_eq!(
        collection_balance - collection_before,
        count(&outcome.request_to_pay) * REQUEST_TO_PAY_CENTS,
        "the collection balance moved by the accepted requests to pay"
    );
    let (disbursement, disbursement_balance) = ledger_ids(&momo_after, "disbursement")?;
    let wrong = mismatches(&outcome.transfers, &disbursement);
    assert!(
        wrong.is_empty(),
        "{} of {} accepted transfers are not in the disbursement ledger exactly once: {:?}",
        wrong.len(),
        outcome.transfers.len(),
        &wrong[..wrong.len().min(20)]
    );
    assert_eq!(
        disbursement_before - disbursement_balance,
        count(&outcome.transfers) * TRANSFER_CENTS,
        "the disbursement balance moved by the accepted transfers"
    );

    let pot_after = world.monzo_pot_balance().await?;
    assert_eq!(
        pot_after - pot_before,
        outcome.monzo_deposited,
        "the pot moved by exactly the accepted deposits"
    );

    let monobank_ledger = json_ok(
        world.control(Method::GET, &world.monobank, "ledger"),
        "monobank ledger",
    )
    .await?;
    let mut items: HashMap<String, usize> = HashMap::new();
    for account in monobank_ledger["accounts"].as_array().into_iter().flatten() {
        for transaction in account["transactions"].as_array().into_iter().flatten() {
            if let Some(id) = transaction["id"].as_str() {
                *items.entry(id.to_owned()).or_insert(0) += 1;
            }
        }
    }
    let missing: Vec<&String> = outcome
        .monobank_items
        .iter()
        .filter(|id| items.get(*id) != Some(&1))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} added statement items are not in the ledger exactly once: {:?}",
        missing.len(),
        outcome.monobank_items.len(),
        &missing[..missing.len().min(20)]
    );
    report.push(format!(
        "load: {} requests to pay, {} transfers, {} p into the pot, {} statement items — each once",
        outcome.request_to_pay.len(),
        outcome.transfers.len(),
        outcome.monzo_deposited,
        outcome.monobank_items.len()
    ));
    eprintln!("{}", report[report.len() - 1]);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("load-report.txt");
    std::fs::write(&path, report.join("\n") + "\n")?;
    drop(child);
    Ok(())
}

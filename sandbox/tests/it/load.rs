//! A bounded load test of the `bankkit-sandbox` binary: many clients at once, mixed reads and
//! payments on every provider, and afterwards every accepted payment is in the provider's
//! state exactly once.
//!
//! 64 clients for `BANKKIT_LOAD_SECONDS` (default 30) seconds of real time. The duration is a
//! bound, not a throughput target: nothing here depends on how many requests fit in it (a
//! loaded machine just sends fewer), and each request may take up to 30 s.

#[path = "../../benches/harness/mod.rs"]
mod harness;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::{json_ok, rss_kib, Error, World};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

const CLIENTS: usize = 64;
/// MoMo amounts: request to pay 1.00 EUR, transfer 0.01 EUR (in cents).
const REQUEST_TO_PAY_CENTS: i64 = 100;
const TRANSFER_CENTS: i64 = 1;
/// Money put on the Monzo current account first, so that 1p pot deposits never run out.
const MONZO_TOP_UP: i64 = 10_000_000;

fn rss_mib(pid: u32) -> String {
    rss_kib(pid).map_or_else(
        |_| "unknown".to_owned(),
        |(kib, _)| format!("{} MiB", kib / 1024),
    )
}

/// Calls only the load test makes.
impl World {
    /// A control-API call on `base`.
    fn control(&self, method: Method, base: &str, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{base}/__bankkit/{path}"))
            .header("Content-Type", "application/json")
    }

    /// The balance of the pot the clients deposit into.
    async fn monzo_pot_balance(&self) -> Result<i64, Error> {
        let pots = json_ok(self.monzo_pots(), "monzo pots").await?;
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
        let deposit = i64::try_from(serial % 5 + 1).unwrap_or(1);
        let request = match op {
            "momo.request_to_pay" => world
                .momo_business(Method::POST, "/collection/v1_0/requesttopay", true, None)
                .header("X-Reference-Id", &reference)
                .json(&harness::request_to_pay(
                    &reference,
                    "Load test",
                    "Load test",
                )),
            "momo.request_to_pay_status" => match &last_request_to_pay {
                Some(id) => world.momo_business(
                    Method::GET,
                    &format!("/collection/v1_0/requesttopay/{id}"),
                    true,
                    None,
                ),
                None => continue,
            },
            "momo.transfer" => world
                .momo_business(Method::POST, "/disbursement/v1_0/transfer", false, None)
                .header("X-Reference-Id", &reference)
                .json(&harness::transfer(&reference, "Load test")),
            "momo.transfer_status" => match &last_transfer {
                Some(id) => world.momo_business(
                    Method::GET,
                    &format!("/disbursement/v1_0/transfer/{id}"),
                    false,
                    None,
                ),
                None => continue,
            },
            "momo.balance" => {
                world.momo_business(Method::GET, "/collection/v1_0/account/balance", true, None)
            }
            "momo.token" => world.momo_token(true),
            "monobank.client_info" => world.monobank("/personal/client-info"),
            "monobank.statement" => world.monobank_statement(),
            "monobank.currency" => world.monobank("/bank/currency"),
            "monobank.statement_item" => world
                .control(Method::POST, &world.monobank, "events")
                .json(&json!({
                    "type": "statement_item",
                    "amount_minor": -1_500,
                    "description": format!("Load test {index}-{serial}"),
                })),
            "monzo.accounts" => world.monzo(Method::GET, "/accounts"),
            "monzo.balance" => world.monzo_balance(),
            "monzo.transactions" => world.monzo_transactions(),
            "monzo.pots" => world.monzo_pots(),
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
    let (child, summary) = harness::start(&[]).await?;
    let pid = child.pid();
    let world = Arc::new(World::new(&summary, CLIENTS).await?);

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

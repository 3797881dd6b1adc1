//! Soak: the `bankkit-sandbox` binary (every provider, `--limits off`) under a long mixed load,
//! watching its resident memory.
//!
//! Starts the binary (the release build next to this bench) as a child process, with state
//! caps small enough to fill early (`--max-payments 20000 --max-tokens 2000
//! --max-added-transactions 2000`, or `BANKKIT_SOAK_SERVER_ARGS`), then sends
//! `BANKKIT_SOAK_REQUESTS` (default 2 000 000) requests, 32 in flight, cycling through reads
//! and writes on every provider plus requests that must be refused:
//!
//! - Monobank: client info, a 30-day statement, currency rates; a wrong `X-Token`, an unknown
//!   path;
//! - Monzo: accounts, balance, transactions of the last week, pots, pot deposits and
//!   withdrawals of 1p (each with a new `dedupe_id`); a wrong bearer token, an unknown path, a
//!   deposit with a garbage form;
//! - MoMo: a collection token, request to pay + its status, transfer + its status, balance; a
//!   wrong bearer token, an unknown path, a garbage JSON body, a 64 KiB garbage body, a request
//!   target over 8 KiB (414) and headers over 16 KiB (431).
//!
//! It prints the child's VmRSS (from `/proc/<pid>/status`) at start and every 100 000 requests,
//! then sends 100 requests with 20 MB bodies (MoMo request to pay, answered 400 after the body
//! was read) and prints VmRSS before and after. Finally it says whether VmRSS after the
//! warm-up (the first half of the run: the caps fill and the tables holding capped state reach
//! their final size) stayed within 10 %, and lists every answer that was not the expected one.
//! It **fails** (exit code 1) when memory grew more than 10 % after the warm-up or when any
//! answer was unexpected. The child is killed at the end, also on error.
//!
//! `cargo bench -p bankkit-sandbox --bench soak`; `BANKKIT_SOAK_REQUESTS=200000` for a
//! shorter run; `BANKKIT_SOAK_MAX_SECONDS` (default 3600) bounds the whole load phase;
//! `BANKKIT_SOAK_WARMUP` (default half the requests) is the number of requests after which
//! memory must stay within 10 %; `BANKKIT_SOAK_SERVER_ARGS` replaces the cap options (empty:
//! the server's defaults, whose caps are still filling after 2 000 000 requests).

// Rates and percentages are measurements, not money: floats are right here.
#![allow(clippy::float_arithmetic)]

mod harness;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use harness::{json_ok, request_to_pay, rss_kib, text, Error, Result, World};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

/// Requests in flight during the mixed load.
const CONCURRENCY: usize = 32;
/// Requests with a 20 MB body (in two halves), and how many of them in flight.
const BIG_BODIES: usize = 100;
const BIG_CONCURRENCY: usize = 4;
const BIG_BODY_BYTES: usize = 20_000_000;
/// The server's body limit for this run: 25 MiB.
const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// How often VmRSS is printed.
const EVERY: usize = 100_000;

/// A request target over the 8 KiB limit.
static LONG_PATH: LazyLock<String> =
    LazyLock::new(|| format!("/bank/currency?padding={}", "x".repeat(9 * 1024)));
/// A header value over the 16 KiB limit.
static LONG_HEADER: LazyLock<String> = LazyLock::new(|| "x".repeat(17 * 1024));
/// A 64 KiB body that is not JSON.
static GARBAGE: LazyLock<Vec<u8>> =
    LazyLock::new(|| (0..64 * 1024).map(|i| b"{[<\"\\\0"[i % 6]).collect());

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The mix, in order; each worker walks it from its own offset.
const OPS: &[&str] = &[
    "monobank.client_info",
    "momo.request_to_pay",
    "monzo.accounts",
    "monobank.currency",
    "momo.request_to_pay_status",
    "monzo.balance",
    "monobank.statement",
    "momo.transfer",
    "monzo.transactions",
    "momo.transfer_status",
    "monzo.pots",
    "momo.balance",
    "monzo.pot_deposit",
    "monobank.wrong_token",
    "momo.token",
    "momo.disbursement_token",
    "monzo.pot_withdraw",
    "monzo.wrong_token",
    "momo.wrong_token",
    "monobank.unknown_path",
    "monzo.unknown_path",
    "momo.unknown_path",
    "momo.garbage_json",
    "monzo.garbage_form",
    "momo.garbage_64k",
    "monobank.uri_too_long",
    "momo.headers_too_large",
];

/// A worker's own memory: the last payments it created, for the status reads.
#[derive(Default)]
struct Mine {
    request_to_pay: Option<String>,
    transfer: Option<String>,
    /// The collection token this worker minted last: used from then on, as a client would
    /// (the sandbox keeps at most `--max-tokens` tokens, dropping the first to expire).
    collection_token: Option<String>,
    /// The same for disbursement.
    disbursement_token: Option<String>,
}

/// The request for `op`, and the statuses that are right for it.
fn build(world: &World, op: &str, mine: &mut Mine) -> Result<(RequestBuilder, &'static [u16])> {
    let new_id = || uuid::Uuid::new_v4().to_string();
    Ok(match op {
        "monobank.client_info" => (world.monobank("/personal/client-info"), &[200]),
        "monobank.currency" => (world.monobank("/bank/currency"), &[200]),
        "monobank.statement" => (world.monobank_statement(), &[200]),
        "monobank.wrong_token" => (
            world
                .http
                .get(format!("{}/personal/client-info", world.monobank))
                .header("X-Token", "wrong-token"),
            &[403],
        ),
        "monobank.unknown_path" => (world.monobank("/personal/nothing-here"), &[404]),
        "monobank.uri_too_long" => (world.monobank(&LONG_PATH), &[414]),
        "monzo.accounts" => (world.monzo(Method::GET, "/accounts"), &[200]),
        "monzo.balance" => (world.monzo_balance(), &[200]),
        "monzo.transactions" => (world.monzo_transactions(), &[200]),
        "monzo.pots" => (world.monzo_pots(), &[200]),
        "monzo.pot_deposit" | "monzo.pot_withdraw" => {
            let (direction, account) = if op == "monzo.pot_deposit" {
                ("deposit", "source_account_id")
            } else {
                ("withdraw", "destination_account_id")
            };
            (
                world
                    .monzo(
                        Method::PUT,
                        &format!("/pots/{}/{direction}", world.monzo_pot),
                    )
                    .form(&[
                        (account, world.monzo_account.as_str()),
                        ("amount", "1"),
                        ("dedupe_id", &new_id()),
                    ]),
                &[200],
            )
        }
        "monzo.wrong_token" => (
            world
                .http
                .get(format!("{}/accounts", world.monzo))
                .bearer_auth("wrong-token"),
            &[401],
        ),
        "monzo.unknown_path" => (world.monzo(Method::GET, "/nothing-here"), &[404]),
        "monzo.garbage_form" => (
            world
                .monzo(Method::PUT, &format!("/pots/{}/deposit", world.monzo_pot))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("%%%&&&==;;\u{0}garbage"),
            &[400],
        ),
        "momo.token" => (world.momo_token(true), &[200]),
        "momo.disbursement_token" => (world.momo_token(false), &[200]),
        "momo.request_to_pay" => {
            let reference = new_id();
            let request = world
                .momo_business(
                    Method::POST,
                    "/collection/v1_0/requesttopay",
                    true,
                    mine.collection_token.as_deref(),
                )
                .header("X-Reference-Id", &reference)
                .json(&request_to_pay(&reference, "Soak", "Soak"));
            mine.request_to_pay = Some(reference);
            (request, &[202])
        }
        "momo.request_to_pay_status" => match &mine.request_to_pay {
            Some(reference) => (
                world.momo_business(
                    Method::GET,
                    &format!("/collection/v1_0/requesttopay/{reference}"),
                    true,
                    mine.collection_token.as_deref(),
                ),
                &[200],
            ),
            None => (
                world.momo_business(
                    Method::GET,
                    &format!("/collection/v1_0/requesttopay/{}", new_id()),
                    true,
                    mine.collection_token.as_deref(),
                ),
                &[404],
            ),
        },
        "momo.transfer" => {
            let reference = new_id();
            let request = world
                .momo_business(
                    Method::POST,
                    "/disbursement/v1_0/transfer",
                    false,
                    mine.disbursement_token.as_deref(),
                )
                .header("X-Reference-Id", &reference)
                .json(&harness::transfer(&reference, "Soak"));
            mine.transfer = Some(reference);
            (request, &[202])
        }
        "momo.transfer_status" => match &mine.transfer {
            Some(reference) => (
                world.momo_business(
                    Method::GET,
                    &format!("/disbursement/v1_0/transfer/{reference}"),
                    false,
                    mine.disbursement_token.as_deref(),
                ),
                &[200],
            ),
            None => (
                world.momo_business(
                    Method::GET,
                    &format!("/disbursement/v1_0/transfer/{}", new_id()),
                    false,
                    None,
                ),
                &[404],
            ),
        },
        "momo.balance" => (
            world.momo_business(
                Method::GET,
                "/collection/v1_0/account/balance",
                true,
                mine.collection_token.as_deref(),
            ),
            &[200],
        ),
        "momo.wrong_token" => (
            world
                .http
                .get(format!("{}/collection/v1_0/account/balance", world.momo))
                .header("Ocp-Apim-Subscription-Key", &world.collection_key)
                .bearer_auth("wrong-token")
                .header("X-Target-Environment", "sandbox"),
            &[401],
        ),
        "momo.unknown_path" => (
            world.momo_business(
                Method::GET,
                "/collection/v9_9/nothing",
                true,
                mine.collection_token.as_deref(),
            ),
            &[404],
        ),
        "momo.garbage_json" | "momo.garbage_64k" => {
            let body = if op == "momo.garbage_json" {
                b"{\"amount\": [1, 2".to_vec()
            } else {
                GARBAGE.clone()
            };
            (
                world
                    .momo_business(
                        Method::POST,
                        "/collection/v1_0/requesttopay",
                        true,
                        mine.collection_token.as_deref(),
                    )
                    .header("X-Reference-Id", new_id())
                    .header("Content-Type", "application/json")
                    .body(body),
                &[400],
            )
        }
        "momo.headers_too_large" => (
            world
                .momo_business(
                    Method::GET,
                    "/collection/v1_0/account/balance",
                    true,
                    mine.collection_token.as_deref(),
                )
                .header("X-Padding", &*LONG_HEADER),
            &[431],
        ),
        other => return Err(format!("unknown op {other}").into()),
    })
}

/// What came back, by op and status ("error" for no answer).
#[derive(Default)]
struct Tally {
    answers: BTreeMap<(&'static str, String), u64>,
    unexpected: BTreeMap<(&'static str, String), (u64, String)>,
}

impl Tally {
    fn record(&mut self, op: &'static str, outcome: String, expected: bool, sample: String) {
        *self.answers.entry((op, outcome.clone())).or_default() += 1;
        if !expected {
            let entry = self.unexpected.entry((op, outcome)).or_default();
            entry.0 += 1;
            if entry.1.is_empty() {
                entry.1 = sample.chars().take(300).collect();
            }
        }
    }
}

async fn send(request: RequestBuilder) -> (String, Vec<u8>, Option<u16>) {
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => (status.to_string(), body.to_vec(), Some(status)),
                Err(error) => (
                    format!("{status}+body error"),
                    error.to_string().into_bytes(),
                    None,
                ),
            }
        }
        Err(error) => ("error".to_owned(), error.to_string().into_bytes(), None),
    }
}

/// What each provider holds (`GET /__bankkit/state`), on one line.
async fn print_state(world: &World) {
    let mut line = String::new();
    for (name, base) in [
        ("monobank", &world.monobank),
        ("monzo", &world.monzo),
        ("momo", &world.momo),
    ] {
        let state = match world
            .http
            .get(format!("{base}/__bankkit/state"))
            .send()
            .await
        {
            Ok(response) => response.json::<Value>().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        line.push_str(&format!(" {name} {state}"));
    }
    println!("{:<28}{line}", "");
}

fn print_rss(pid: u32, label: &str, started: Instant) -> Result<u64> {
    let (rss, peak) = rss_kib(pid)?;
    println!(
        "{label:<28} {:>8.1} s   VmRSS {:>8.1} MiB   VmHWM {:>8.1} MiB",
        started.elapsed().as_secs_f64(),
        mib(rss),
        mib(peak)
    );
    Ok(rss)
}

#[tokio::main]
async fn main() -> Result<()> {
    let total = setting("BANKKIT_SOAK_REQUESTS", 2_000_000);
    let max_time = Duration::from_secs(setting("BANKKIT_SOAK_MAX_SECONDS", 3600) as u64);
    // Until every cap has filled and the tables holding capped state have reached their
    // final size; with small caps (see BANKKIT_SOAK_SERVER_ARGS) that is sooner.
    let warm_up = setting("BANKKIT_SOAK_WARMUP", total / 2).max(1);

    let extra = std::env::var("BANKKIT_SOAK_SERVER_ARGS").unwrap_or_else(|_| {
        "--max-payments 20000 --max-tokens 2000 --max-added-transactions 2000".to_owned()
    });
    let max_body_bytes = MAX_BODY_BYTES.to_string();
    let args: Vec<&str> = ["--max-body-bytes", max_body_bytes.as_str()]
        .into_iter()
        .chain(extra.split_whitespace())
        .collect();
    let (child, summary) = harness::start(&args).await?;
    let pid = child.pid();
    let started = Instant::now();
    print_rss(pid, "started", started)?;
    let world = Arc::new(World::new(&summary, 2 * CONCURRENCY).await?);
    print_rss(pid, "set up", started)?;

    let issued = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + max_time;
    let mut workers = Vec::new();
    for worker in 0..CONCURRENCY {
        let (world, issued, done, tally) = (
            Arc::clone(&world),
            Arc::clone(&issued),
            Arc::clone(&done),
            Arc::clone(&tally),
        );
        workers.push(tokio::spawn(async move {
            let mut mine = Mine::default();
            let mut step = worker * 7;
            while issued.fetch_add(1, Ordering::Relaxed) < total && Instant::now() < deadline {
                let op = OPS[step % OPS.len()];
                step += 1;
                let (request, expected) = build(&world, op, &mut mine)?;
                let (outcome, body, status) = send(request).await;
                let ok = status.is_some_and(|s| expected.contains(&s));
                if ok && matches!(op, "momo.token" | "momo.disbursement_token") {
                    let minted = serde_json::from_slice::<Value>(&body)
                        .ok()
                        .and_then(|token| token["access_token"].as_str().map(str::to_owned));
                    if op == "momo.token" {
                        mine.collection_token = minted;
                    } else {
                        mine.disbursement_token = minted;
                    }
                }
                if let Ok(mut tally) = tally.lock() {
                    tally.record(op, outcome, ok, String::from_utf8_lossy(&body).into_owned());
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), Error>(())
        }));
    }

    // RSS every 100 000 answers, until the workers are done.
    let mut series: Vec<(usize, u64)> = Vec::new();
    let mut next = EVERY.min(total);
    let mut last = (Instant::now(), 0_usize);
    let mut warm_rss = None;
    loop {
        let finished = workers.iter().all(|w| w.is_finished());
        let count = done.load(Ordering::Relaxed);
        if count >= warm_up && warm_rss.is_none() {
            warm_rss = Some(rss_kib(pid)?.0);
        }
        if count >= next || (finished && count > last.1) {
            let rate = (count - last.1) as f64 / last.0.elapsed().as_secs_f64();
            let rss = print_rss(pid, &format!("after {count} requests"), started)?;
            print_state(&world).await;
            println!("{:<28} {rate:>8.0} req/s over the last stretch", "");
            series.push((count, rss));
            last = (Instant::now(), count);
            while next <= count {
                next += EVERY;
            }
        }
        if finished {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for worker in workers {
        worker.await??;
    }
    let loaded = done.load(Ordering::Relaxed);
    if loaded < total {
        println!("stopped at the time limit after {loaded} of {total} requests");
    }

    // Big bodies: read whole by the server, then refused by the route. Two halves, so that
    // memory the allocator keeps after the first (not a leak) can be told from growth.
    let before_big = print_rss(pid, "before 20 MB bodies", started)?;
    let big_statuses = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    // A token of its own: the load's first one may be gone by now (the token cap).
    let big_token = Arc::new(text(
        &json_ok(world.momo_token(true), "momo token").await?,
        "/access_token",
    )?);
    let mut after_halves = Vec::new();
    for half in 0..2 {
        let big_issued = Arc::new(AtomicUsize::new(0));
        let mut big_workers = Vec::new();
        for _ in 0..BIG_CONCURRENCY {
            let (world, statuses, issued, token) = (
                Arc::clone(&world),
                Arc::clone(&big_statuses),
                Arc::clone(&big_issued),
                Arc::clone(&big_token),
            );
            big_workers.push(tokio::spawn(async move {
                loop {
                    let index = issued.fetch_add(1, Ordering::Relaxed);
                    if index >= BIG_BODIES / 2 || Instant::now() >= deadline {
                        break;
                    }
                    let reference = uuid::Uuid::new_v4().to_string();
                    // Half valid JSON with one huge text (parsed, then refused: over 160
                    // characters), half not JSON at all.
                    let body = if index % 2 == 0 {
                        let message = "x".repeat(BIG_BODY_BYTES);
                        serde_json::to_vec(&request_to_pay(&reference, &message, "Soak"))?
                    } else {
                        vec![b'{'; BIG_BODY_BYTES]
                    };
                    let request = world
                        .momo_business(
                            Method::POST,
                            "/collection/v1_0/requesttopay",
                            true,
                            Some(token.as_str()),
                        )
                        .header("X-Reference-Id", &reference)
                        .header("Content-Type", "application/json")
                        .body(body);
                    let (outcome, _, _) = send(request).await;
                    if let Ok(mut statuses) = statuses.lock() {
                        *statuses.entry(outcome).or_default() += 1;
                    }
                }
                Ok::<(), Error>(())
            }));
        }
        for worker in big_workers {
            worker.await??;
        }
        after_halves.push(print_rss(
            pid,
            &format!("after {} x 20 MB bodies", BIG_BODIES / 2 * (half + 1)),
            started,
        )?);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled_big = print_rss(pid, "2 s later", started)?;
    if let Ok(statuses) = big_statuses.lock() {
        println!("20 MB bodies answered: {statuses:?}");
    }

    // The verdict.
    println!();
    println!("RSS series (requests → MiB):");
    for (count, rss) in &series {
        println!("  {count:>9}  {:>8.1}", mib(*rss));
    }
    let mut failures = Vec::new();
    if let (Some(warm), Some((_, end))) = (warm_rss, series.last()) {
        let change = (*end as f64 - warm as f64) / warm as f64 * 100.0;
        if change.abs() > 10.0 {
            failures.push(format!(
                "memory changed {change:+.1} % after the warm-up (more than 10 %)"
            ));
        }
        println!(
            "after warm-up ({warm_up} requests) {:.1} MiB, at the end {:.1} MiB: {change:+.1} % → {}",
            mib(warm),
            mib(*end),
            if change.abs() <= 10.0 {
                "within 10 %"
            } else {
                "NOT within 10 %"
            }
        );
    }
    let percent = |rss: u64| (rss as f64 - before_big as f64) / before_big as f64 * 100.0;
    let halves: Vec<String> = after_halves
        .iter()
        .map(|rss| format!("{:.1} MiB ({:+.1} %)", mib(*rss), percent(*rss)))
        .collect();
    println!(
        "20 MB bodies: before {:.1} MiB, after each half {}, 2 s later {:.1} MiB ({:+.1} %)",
        mib(before_big),
        halves.join(", "),
        mib(settled_big),
        percent(settled_big)
    );
    if let Ok(tally) = tally.lock() {
        println!();
        println!("answers by request kind and status:");
        for ((op, outcome), count) in &tally.answers {
            println!("  {op:<28} {outcome:<16} {count:>9}");
        }
        if tally.unexpected.is_empty() {
            println!("no unexpected answers");
        } else {
            failures.push(format!(
                "{} kinds of unexpected answers",
                tally.unexpected.len()
            ));
            println!("UNEXPECTED answers:");
            for ((op, outcome), (count, sample)) in &tally.unexpected {
                println!("  {op:<28} {outcome:<16} {count:>9}  e.g. {sample}");
            }
        }
    }
    drop(child);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; ").into())
    }
}

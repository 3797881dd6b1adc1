//! Walks a long statement from a running Monobank API — the standalone sandbox, say — as an app
//! in its own process would, and tells how long it took.
//!
//! ```sh
//! cargo run -p bankkit-sandbox -- --provider monobank --limits off --json   # in one shell
//! MONOBANK_BASE_URL=http://127.0.0.1:PORT MONOBANK_TOKEN=... MONOBANK_PACING=off \
//!   cargo run -p bankkit-monobank --example statement_from_server           # in another
//! ```
//!
//! `MONOBANK_PACING` is `provider` (the default: the documented 60 s windows), `off`, or
//! `sandbox_clock`; `DAYS` is the length of the statement (default 100).

use std::time::Instant;

use bankkit_core::registry::{self, BuildContext};
// Links the crate so that its `monobank` config is registered.
use bankkit_monobank as _;
use chrono::{TimeDelta, Utc};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::var("MONOBANK_BASE_URL")?;
    let token = std::env::var("MONOBANK_TOKEN")?;
    let pacing = std::env::var("MONOBANK_PACING").unwrap_or_else(|_| "provider".to_owned());
    let days: i64 = std::env::var("DAYS").map_or(Ok(100), |days| days.parse())?;
    let config = serde_json::json!({"providers": [{
        "provider": "monobank",
        "token": token,
        "base_url": base_url,
        "pacing": pacing,
    }]});
    let provider = registry::providers_from_json(&config.to_string(), &BuildContext::default())?
        .into_iter()
        .next()
        .ok_or("no provider built")?;
    let balance = provider.balance().ok_or("no balance capability")?;
    let statement = provider.statement().ok_or("no statement capability")?;
    let accounts = balance.accounts().await?;
    let card = accounts
        .iter()
        .find(|account| account.currency.code() == "UAH")
        .ok_or("no UAH account")?;

    let to = Utc::now();
    let started = Instant::now();
    let items: Vec<_> = statement
        .transactions(card.id.clone(), to - TimeDelta::days(days), to)
        .try_collect()
        .await?;
    println!(
        "{} transactions over {days} days on {} in {:.2?} (pacing {pacing})",
        items.len(),
        card.id,
        started.elapsed()
    );
    Ok(())
}

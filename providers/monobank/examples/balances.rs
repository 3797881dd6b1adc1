//! Lists every account and its balance, and the last week of the UAH card's statement.
//!
//! Runs offline against the in-process sandbox: `cargo run -p bankkit-monobank --example
//! balances`. For the real bank, build the client with your token and no `base_url`.

use bankkit_core::secret::secret;
use bankkit_core::{Balance, Statement};
use bankkit_monobank::{MonobankClient, MonobankProvider};
use chrono::TimeDelta;
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = bankkit_sandbox::Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await?;
    let monobank = sandbox.monobank().ok_or("the sandbox has no monobank")?;
    let token = monobank.credentials()["token"]
        .as_str()
        .ok_or("no token in the sandbox credentials")?
        .to_owned();

    // The sandbox's clock: the 60 s rate limits pass in virtual time.
    let client = MonobankClient::builder()
        .token(secret(token))
        .base_url(monobank.base_url())
        .clock(sandbox.clock().shared())
        .build()?;
    let provider = MonobankProvider::new(client);

    let accounts = provider.accounts().await?;
    for account in &accounts {
        let balance = provider.balance(&account.id).await?;
        println!(
            "{:<24} {:<8} {:<10} {:>16}  {}",
            account.id,
            account.provider_kind,
            format!("{:?}", account.kind),
            balance.available.to_string(),
            account.name.as_deref().unwrap_or(""),
        );
    }

    if let Some(card) = accounts.iter().find(|a| a.currency.code() == "UAH") {
        let to = sandbox.now();
        let statement: &dyn Statement = &provider;
        let week: Vec<_> = statement
            .transactions(card.id.clone(), to - TimeDelta::days(7), to)
            .try_collect()
            .await?;
        println!("\nlast 7 days on {}: {} transactions", card.id, week.len());
        for t in week.iter().take(10) {
            println!(
                "  {} {:?} {:>12} {}",
                t.time,
                t.direction,
                t.amount.to_string(),
                t.description
            );
        }
    }
    Ok(())
}

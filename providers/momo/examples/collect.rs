//! Provisioning, a request-to-pay, a transfer and the balances, against the in-process
//! sandbox.
//!
//! `cargo run -p bankkit-momo --example collect`. For MTN's sandbox, provision with
//! `Provisioning::new("https://sandbox.momodeveloper.mtn.com", …)` and build the client
//! without `base_url`.

use std::time::Duration;

use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::Party;
use bankkit_core::secret::secret;
use bankkit_core::{Balance, CollectRequest, IdempotencyKey, Payment, PayoutRequest};
use bankkit_momo::wire::CreateApiUser;
use bankkit_momo::{MomoClient, MomoProvider, Product, Provisioning, ReferenceId};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = bankkit_sandbox::Sandbox::builder()
        .providers(["momo"])
        .start()
        .await?;
    let handle = sandbox.provider("momo").ok_or("the sandbox has no momo")?;
    let credentials = handle.credentials();
    let field = |name: &str| -> Result<String, Box<dyn std::error::Error>> {
        Ok(credentials[name]
            .as_str()
            .ok_or_else(|| format!("no {name} in the sandbox credentials"))?
            .to_owned())
    };

    // 1. Provision an API user and its key (sandbox only; production uses the portal).
    let provisioning = Provisioning::new(
        &handle.base_url(),
        secret(field("collection_key")?),
        Default::default(),
        None,
    )?;
    let api_user = ReferenceId::random();
    provisioning
        .create_api_user(&api_user, &CreateApiUser::new(field("callback_host")?))
        .await?;
    let api_key = provisioning.create_api_key(&api_user).await?.api_key;
    println!("provisioned API user {api_user}");

    // 2. A client for two products, on the sandbox clock.
    let client = MomoClient::builder()
        .base_url(handle.base_url())
        .credentials(api_user.as_str(), api_key)
        .subscription_key(Product::Collection, secret(field("collection_key")?))
        .subscription_key(Product::Disbursement, secret(field("disbursement_key")?))
        .clock(sandbox.clock().shared())
        .build()?;
    let momo = MomoProvider::new(client);
    let eur = currency_from_code("EUR")?;

    // 3. Collect 15.50 EUR, pay out 5 EUR.
    let collected = momo
        .collect(
            CollectRequest::new(
                IdempotencyKey::new("order-42")?,
                Money::parse("15.50", eur)?,
            )
            .payer(Party::phone("46733123456")?)
            .description("Order 42"),
        )
        .await?;
    let paid = momo
        .pay_out(PayoutRequest::new(
            IdempotencyKey::new("payout-7")?,
            Money::parse("5", eur)?,
            Party::phone("46733123456")?,
        ))
        .await?;
    println!(
        "{} is {:?}, {} is {:?}",
        collected.id, collected.status, paid.id, paid.status
    );

    // 4. Let the payer approve, then read the outcome and the balances.
    sandbox.advance(Duration::from_secs(10));
    for id in [&collected.id, &paid.id] {
        let now = momo.status(id).await?;
        println!("{id}: {:?} ({})", now.status, now.provider_status);
    }
    for account in momo.accounts().await? {
        let balance = momo.balance(&account.id).await?;
        println!("{}: {}", account.id, balance.available);
    }
    Ok(())
}

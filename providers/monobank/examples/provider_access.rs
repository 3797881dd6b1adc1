//! The provider ("corporate") API from start to a customer's balances: register the
//! company's key, ask a customer for access, print the accept URL, wait until they accept,
//! then list their accounts and balances.
//!
//! ```text
//! MONOBANK_BASE_URL=https://api.monobank.ua \
//! MONOBANK_PROVIDER_KEY_FILE=company-secp256k1.pem \
//!     cargo run -p bankkit-monobank --example provider_access
//! ```
//!
//! Make the key with `openssl ecparam -name secp256k1 -genkey -noout -out company-secp256k1.pem`.
//! `MONOBANK_BASE_URL` defaults to the real bank; point it at a server imitating the
//! provider API to try the flow offline. Set `MONOBANK_REGISTER=1` to send the
//! registration (once per key; the bank reviews it before the other calls work).

use std::time::Duration;

use bankkit_core::Balance;
use bankkit_monobank::{
    MonobankClient, MonobankProvider, ProviderKey, Registration, RegistrationState,
    DEFAULT_BASE_URL,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url =
        std::env::var("MONOBANK_BASE_URL").unwrap_or_else(|_| DEFAULT_BASE_URL.to_owned());
    let key_file = std::env::var("MONOBANK_PROVIDER_KEY_FILE")
        .map_err(|_| "set MONOBANK_PROVIDER_KEY_FILE to the company's secp256k1 PEM key")?;
    let key = ProviderKey::from_pem(&std::fs::read_to_string(&key_file)?)?;
    println!("key id (X-Key-Id): {}", key.key_id());

    let company = MonobankClient::builder()
        .provider_key(key)
        .base_url(base_url)
        .build()?;
    let api = company.provider_api();

    if std::env::var("MONOBANK_REGISTER").is_ok_and(|v| v == "1") {
        let logo = std::fs::read("logo.png").unwrap_or_default();
        let registration = Registration::new(
            "Example Ltd",
            "Shows customers their spending by category",
            "Olena Tkachenko",
            "380671234567",
            "api@example.com",
            logo,
        );
        let answer = api.register(&registration).await?;
        println!("registration sent: {}", answer.status);
    }
    let status = api.registration_status().await?;
    println!("registration: {}", status.status);
    if status.status != RegistrationState::Approved {
        println!("the bank has not approved the key yet");
        return Ok(());
    }

    // One access request per customer; the accept URL carries the request id: show it
    // to that customer only (as a QR code, or a redirect on a phone).
    let access = api.request_access(None).await?;
    println!("ask the customer to open: {}", access.accept_url);
    let customer = api
        .wait_for_access(&access, Duration::from_secs(5), Duration::from_secs(600))
        .await?;

    // Keep `access.request_id` (a secret) to read this customer later.
    let provider = MonobankProvider::new(customer);
    for account in provider.accounts().await? {
        let balance = provider.balance(&account.id).await?;
        println!(
            "{:<24} {:<6} {:>16}",
            account.id,
            account.currency.code(),
            balance.available.to_string()
        );
    }
    Ok(())
}

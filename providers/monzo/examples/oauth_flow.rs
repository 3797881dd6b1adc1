//! The whole OAuth flow, then accounts and balances, against the in-process sandbox.
//!
//! `cargo run -p bankkit-monzo --example oauth_flow`. For the real API, build the client
//! without `base_url`/`auth_url`, send the user to the printed URL, and call
//! `exchange_code` from your redirect handler.

use std::sync::Arc;

use bankkit_core::secret::secret;
use bankkit_core::token::MemoryTokenStore;
use bankkit_core::Balance;
use bankkit_monzo::{MonzoClient, MonzoProvider};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = bankkit_sandbox::Sandbox::builder()
        .providers(["monzo"])
        .start()
        .await?;
    let monzo = sandbox
        .provider("monzo")
        .ok_or("the sandbox has no monzo")?;
    let credentials = monzo.credentials();
    let field = |name: &str| -> Result<String, Box<dyn std::error::Error>> {
        Ok(credentials[name]
            .as_str()
            .ok_or_else(|| format!("no {name} in the sandbox credentials"))?
            .to_owned())
    };

    let client = MonzoClient::builder()
        .credentials(field("client_id")?, secret(field("client_secret")?))
        .redirect_uri(field("redirect_uri")?)
        .base_url(monzo.base_url())
        .auth_url(field("auth_url")?)
        .token_store(Arc::new(MemoryTokenStore::new()))
        .clock(sandbox.clock().shared())
        .build()?;

    // 1. Send the user to the consent page; keep `request.state` for the redirect.
    let request = client.authorization_url();
    println!("authorise at: {}", request.url);

    // 2. The "browser": the sandbox consents at once and redirects with code and state.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = browser.get(&request.url).send().await?;
    let location = answer
        .headers()
        .get("location")
        .ok_or("no redirect")?
        .to_str()?;
    let location = url::Url::parse(location)?;
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };

    // 3. Exchange the code (the state is checked first); the tokens go to the store.
    client
        .exchange_code(&param("code"), &param("state"), &request)
        .await?;
    let me = client.whoami().await?;
    println!("authorised as {:?}", me.user_id);

    // 4. Use the provider.
    let provider = MonzoProvider::new(client);
    for account in provider.accounts().await? {
        let balance = provider.balance(&account.id).await?;
        println!(
            "{:<28} {:<16} {:>14}  {}",
            account.id.as_str(),
            account.provider_kind,
            balance.available.to_string(),
            account.name.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

//! # bankkit-monobank
//!
//! Monobank's **personal API** for bankkit: accounts and jars with their balances,
//! statements, and the personal webhook, behind the core traits
//! ([`bankkit_core::Balance`], [`bankkit_core::Statement`], [`bankkit_core::Webhook`]).
//! The **acquiring API** ("plata by mono", `/api/merchant/...`) has a typed client:
//! [`MonobankClient::acquiring`] ([`Acquiring`]), its wire types in [`wire::acquiring`], and
//! webhook verification ([`MerchantWebhookVerifier`]). The corporate API is not covered.
//!
//! Against the in-process sandbox (point [`MonobankClientBuilder::base_url`] at
//! `https://api.monobank.ua`, the default, for the real bank):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bankkit_core::secret::secret;
//! use bankkit_core::{Balance, Provider};
//! use bankkit_monobank::{MonobankClient, MonobankProvider};
//!
//! // Arrange: a sandbox imitating Monobank, and a client sharing its (virtual) clock.
//! let sandbox = bankkit_sandbox::Sandbox::builder().providers(["monobank"]).start().await?;
//! let monobank = sandbox.monobank().ok_or("no monobank in the sandbox")?;
//! let token = monobank.credentials()["token"].as_str().ok_or("no token")?.to_owned();
//! let client = MonobankClient::builder()
//!     .token(secret(token))
//!     .base_url(monobank.base_url())
//!     .clock(sandbox.clock().shared())
//!     .build()?;
//! let provider = MonobankProvider::new(client);
//!
//! // Act: list accounts and read a balance (one `client-info` call for both).
//! let accounts = provider.accounts().await?;
//! let first = Balance::balance(&provider, &accounts[0].id).await?;
//!
//! // Assert
//! assert_eq!(provider.id(), "monobank");
//! println!("{}: {} available", accounts[0].id, first.available);
//! # Ok(()) }
//! ```
//!
//! - [`MonobankClient`]: one typed call per endpoint (`/bank/currency`, `/bank/sync`,
//!   `/personal/client-info`, `/personal/statement/...`, `POST /personal/webhook`), wire
//!   types in and out, and the documented limit of one `client-info` and one `statement`
//!   call per 60 s spaced on the client's clock ([`MonobankClientBuilder::pacing`] and the
//!   config's `pacing` turn that off, or keep it on a sandbox's clock).
//! - [`MonobankProvider`]: the core traits. Statements are pages of at most 500 items in
//!   windows of at most 31 days + 1 hour; walk any range with
//!   [`bankkit_core::statement::transactions`], which waits out the 60 s limits on the
//!   provider's clock.
//! - **Balances**: Monobank's card `balance` includes the credit limit. `available` is
//!   own money (`balance - creditLimit`), `current` is `balance`, `credit_limit` is
//!   `creditLimit`. Jars are savings accounts with their goal.
//! - **Webhooks**: one URL per token. The personal API documents no signature;
//!   [`bankkit_core::Webhook::verify_and_parse`] checks a reported (unconfirmed) `X-Sign`
//!   when present (secp256k1, key from `/bank/sync`, see [`sign`]) and that an event names
//!   one of the token's accounts; unsigned events are accepted. It never reads the request
//!   URI, so keep a secret path segment in the URL and reject other paths in the receiver
//!   itself.
//!   `Debug` of [`wire::ClientInfo`] shows only the scheme and host of the webhook URL.
//! - [`MonobankConfig`]: the plugin config (`provider = "monobank"`). Link the crate
//!   (`use bankkit_monobank as _;`) for the registry to find it.
//! - Errors become [`bankkit_core::Error`]: a missing or unknown token is `Unauthorized`,
//!   the firewall's HTML 403 is `Forbidden` (`Blocked`), 429 is `RateLimited` (60 s when
//!   the bank names no delay), an unknown account is `NotFound`, a too-long window is
//!   `InvalidRequest`.
//!
//! **Acquiring.** [`MonobankClientBuilder::merchant_token`] (config: `merchant_token`) is
//! sent only to `/api/merchant/...`, the personal token only to the personal API; a call
//! whose token is missing is a config error and sends nothing. One typed call per
//! endpoint: invoices (create, status, cancel, remove, finalize, `payment-direct`,
//! `sync-payment`, receipt, fiscal checks), merchant details, statement and key, QR tills,
//! wallets, submerchants, split receivers, tap to phone, POS refunds, subscriptions and
//! monopay keys. Calls that move money are never retried. Errors `{errCode, errText}`
//! become [`bankkit_core::Error`] by status and code; [`PaymentFailureCode`] reads a failed
//! payment's code into a core [`FailureReason`](bankkit_core::payment::FailureReason).
//! Card data and card tokens are secret types: `Debug` shows at most a card's first six
//! and last four digits.
//!
//! **Signatures.** [`sign`] has the secp256k1 signing of Monobank's provider API
//! ([`ProviderKey`]: `X-Sign`, `X-Key-Id`); the provider API calls are not built yet.
//!
//! The tokens are [`bankkit_core::secret::SecretString`]s from config to the header; no
//! `Debug`, `Display` or error shows them.

mod client;
mod config;
mod convert;
mod error;
mod provider;
pub mod sign;
mod webhook;
pub mod wire;

use bankkit_core::registry::{ProviderConfig, ProviderRegistration, SandboxTarget};
use bankkit_core::secret::secret;
use bankkit_core::Result;

pub use client::{Acquiring, MonobankClient, MonobankClientBuilder, DEFAULT_BASE_URL};
pub use config::MonobankConfig;
pub use convert::CurrencyRate;
pub use error::{FailureContact, PaymentFailureCode};
pub use provider::{
    capabilities, capabilities_for, MonobankProvider, CLIENT_INFO_CACHE, MAX_STATEMENT_WINDOW,
    PERSONAL_WEBHOOK_ID, STATEMENT_PAGE_SIZE,
};
pub use sign::{KeyError, ProviderKey, Secp256k1PublicKey};
pub use webhook::{current_status, MerchantPublicKey, MerchantWebhookVerifier, X_SIGN};
pub use wire::{
    Account, AccountType, BankSync, CashbackType, ClientInfo, CurrencyInfo, Jar, ManagedClient,
    StatementItem,
};

/// A config pointing at the sandbox's Monobank imitation (`{"token": "..."}` credentials,
/// plus `"merchant_token"` where the sandbox offers the acquiring API).
fn sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    let mut config =
        MonobankConfig::new(secret(target.credential("token")?)).with_base_url(&target.base_url);
    if target.credentials.get("merchant_token").is_some() {
        config = config.with_merchant_token(secret(target.credential("merchant_token")?));
    }
    Ok(Box::new(config))
}

bankkit_core::register_provider!(ProviderRegistration {
    name: "monobank",
    description: "Monobank: personal API (accounts, jars, balances, statements, webhook) and \
                  acquiring (invoices, card and saved-card charges, holds, refunds, signed webhooks)",
    capabilities,
    sample_config: "token = \"your 44-character personal token from https://api.monobank.ua/\"\n\
                    # merchant_token = \"your acquiring merchant token (or a test token)\"\n\
                    # base_url = \"https://api.monobank.ua\"\n\
                    # timeout_secs = 30\n\
                    # pacing = \"provider\"   # \"off\" or \"sandbox_clock\" for your own sandbox run with --limits off\n",
    sandbox_config,
});

#[cfg(test)]
mod tests {
    use super::*;

    fn target(credentials: serde_json::Value) -> SandboxTarget {
        SandboxTarget::new("http://127.0.0.1:9", credentials)
    }

    #[test]
    fn sandbox_config_reads_the_merchant_token_when_the_sandbox_offers_one() {
        let with = sandbox_config(&target(
            serde_json::json!({"token": "personal-1", "merchant_token": "merchant-1"}),
        ))
        .unwrap();
        let json = serde_json::to_string(&with).unwrap();
        assert!(json.contains(r#""merchant_token":"[REDACTED]""#), "{json}");
        assert!(!json.contains("merchant-1"), "{json}");

        let without = sandbox_config(&target(serde_json::json!({"token": "personal-1"}))).unwrap();
        let json = serde_json::to_string(&without).unwrap();
        assert!(!json.contains("merchant_token"), "{json}");

        let bad = sandbox_config(&target(
            serde_json::json!({"token": "personal-1", "merchant_token": 7}),
        ));
        assert!(
            matches!(bad, Err(bankkit_core::Error::Config { ref field, .. }) if field == "credentials.merchant_token")
        );
    }
}

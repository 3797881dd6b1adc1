//! # bankkit-monobank
//!
//! Monobank's **personal API** for bankkit: accounts and jars with their balances,
//! statements, and the personal webhook, behind the core traits
//! ([`bankkit_core::Balance`], [`bankkit_core::Statement`], [`bankkit_core::Webhook`]).
//! The **acquiring API** ("plata by mono", `/api/merchant/...`) has a typed client:
//! [`MonobankClient::acquiring`] ([`Acquiring`]), its wire types in [`wire::acquiring`], and
//! webhook verification ([`MerchantWebhookVerifier`]). The **provider ("corporate") API**,
//! signed with a company's secp256k1 key, has a typed client too:
//! [`MonobankClient::provider_api`] ([`ProviderApi`]), and a per-customer client for the
//! core traits ([`MonobankClient::for_customer`]).
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
//! **Provider API.** A company registers its secp256k1 key ([`ProviderKey`], see [`sign`])
//! with the bank once; after approval it asks each customer for access and reads their
//! accounts with the request id the customer approved. Every request is signed for each
//! attempt (`X-Key-Id`, `X-Time`, `X-Sign`; `X-Request-Id` for a customer), so retries and
//! paced calls carry a fresh `X-Time`.
//!
//! - [`ProviderApi`]: registration and its status, company settings and webhook, access
//!   request and check ([`ProviderApi::wait_for_access`] polls on the client's clock), and
//!   a customer's `client-info` and statement. Wire types in [`wire::provider_api`].
//! - [`MonobankClient::for_customer`]: a client whose personal calls are signed for one
//!   customer; [`MonobankProvider`] over it gives [`bankkit_core::Balance`] and
//!   [`bankkit_core::Statement`] for that customer (no webhook: the provider API's
//!   webhook belongs to the company). The config does the same with `provider_key` (or
//!   `provider_key_file`), `provider_key_id` and `request_id`.
//! - [`access_callback_request_id`] reads the `X-Callback` GET the bank sends when the
//!   customer accepts.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use bankkit_core::clock::ManualClock;
//! use bankkit_core::{Balance, Provider};
//! use bankkit_monobank::{MonobankClient, MonobankProvider, ProviderKey};
//! use wiremock::matchers::{header_exists, method, path};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! // Arrange: a stand-in for the bank that grants access at once.
//! let bank = MockServer::start().await;
//! Mock::given(method("POST")).and(path("/personal/auth/request"))
//!     .and(header_exists("x-sign"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
//!         {"tokenRequestId": "uLkwh3NzFAfEkj7urj5C7AU_",
//!          "acceptUrl": "https://mbnk.app/auth/uLkwh3NzFAfEkj7urj5C7AU_"})))
//!     .mount(&bank).await;
//! Mock::given(method("GET")).and(path("/personal/auth/request"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
//!     .mount(&bank).await;
//! Mock::given(method("GET")).and(path("/personal/client-info"))
//!     .and(header_exists("x-request-id"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
//!         {"clientId": "3MSaMMtczs", "name": "Мазепа Іван", "accounts": [{"id": "kKGVoZuHWzqVoZuH",
//!          "balance": 10000000, "creditLimit": 0, "type": "black", "currencyCode": 980}]})))
//!     .mount(&bank).await;
//! let clock = ManualClock::frozen_at("2026-11-01T12:00:00Z".parse()?);
//! let company = MonobankClient::builder()
//!     .provider_key(ProviderKey::from_bytes(&[7; 32])?) // ProviderKey::from_pem for a real key
//!     .base_url(bank.uri())
//!     .clock(clock.shared())
//!     .build()?;
//!
//! // Act: ask for access, show the accept URL, wait until the customer accepts.
//! let access = company.provider_api().request_access(None).await?;
//! println!("open {} in the Monobank app", access.accept_url);
//! let customer = company
//!     .provider_api()
//!     .wait_for_access(&access, Duration::from_secs(5), Duration::from_secs(600))
//!     .await?;
//! let provider = MonobankProvider::new(customer);
//! let accounts = provider.accounts().await?;
//!
//! // Assert
//! assert_eq!(accounts[0].id.as_str(), "kKGVoZuHWzqVoZuH");
//! assert!(provider.webhook().is_none(), "the provider API's webhook is the company's");
//! # Ok(()) }
//! ```
//!
//! **Signatures.** [`sign`] has the secp256k1 signing of Monobank's provider API
//! ([`ProviderKey`]: `X-Sign`, `X-Key-Id`) and the check of personal webhooks' reported
//! signatures.
//!
//! **Currency rates** (`/bank/currency`) are refreshed by the bank at most once per 5
//! minutes: the client answers its last copy again for [`CURRENCY_CACHE`] instead of
//! sending (unless pacing is off), and answers it when the bank says 429.
//!
//! The tokens, the provider key and customers' request ids are
//! [`bankkit_core::secret::SecretString`]s (or [`ProviderKey`]) from config to the header;
//! no `Debug`, `Display` or error shows them.

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

pub use client::{
    access_callback_request_id, Acquiring, MonobankClient, MonobankClientBuilder, ProviderApi,
    CURRENCY_CACHE, DEFAULT_BASE_URL,
};
pub use config::MonobankConfig;
pub use convert::CurrencyRate;
pub use error::{FailureContact, PaymentFailureCode};
pub use provider::{
    capabilities, capabilities_for, MonobankProvider, PersonalAccess, CLIENT_INFO_CACHE,
    MAX_STATEMENT_WINDOW, PERSONAL_WEBHOOK_ID, STATEMENT_PAGE_SIZE,
};
pub use sign::{KeyError, ProviderKey, Secp256k1PublicKey};
pub use webhook::{current_status, MerchantPublicKey, MerchantWebhookVerifier, X_SIGN};
pub use wire::provider_api::{
    AccessRequest, AccessStatus, CorpSettings, Registration, RegistrationAnswer, RegistrationState,
    RegistrationStatus,
};
pub use wire::{
    Account, AccountType, BankSync, CashbackType, ClientInfo, CurrencyInfo, Jar, ManagedClient,
    StatementItem,
};

/// A config pointing at the sandbox's Monobank imitation: `{"token": "..."}` credentials,
/// plus `"merchant_token"` where the sandbox offers the acquiring API, and
/// `"provider_key"` (PEM), `"provider_key_id"` and `"request_id"` where it offers the
/// provider API. With a `"request_id"` the config reads that customer through the provider
/// API and carries no personal token (the two together are ambiguous).
fn sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    let optional = |name: &str| {
        target
            .credentials
            .get(name)
            .is_some()
            .then(|| target.credential(name))
            .transpose()
    };
    let provider_key = optional("provider_key")?;
    let request_id = optional("request_id")?;
    let mut config = match &request_id {
        Some(_) => MonobankConfig::empty(),
        None => MonobankConfig::new(secret(target.credential("token")?)),
    }
    .with_base_url(&target.base_url);
    if let Some(merchant_token) = optional("merchant_token")? {
        config = config.with_merchant_token(secret(merchant_token));
    }
    if let Some(pem) = provider_key {
        config = config.with_provider_key(secret(pem), target.credential("provider_key_id")?);
    }
    if let Some(request_id) = request_id {
        config = config.with_request_id(secret(request_id));
    }
    Ok(Box::new(config))
}

bankkit_core::register_provider!(ProviderRegistration {
    name: "monobank",
    description: "Monobank: personal API (accounts, jars, balances, statements, webhook), \
                  provider API (a customer's balances and statements, signed with the \
                  company's secp256k1 key) and acquiring (invoices, card and saved-card \
                  charges, holds, refunds, signed webhooks)",
    capabilities,
    sample_config: "token = \"your 44-character personal token from https://api.monobank.ua/\"\n\
                    # merchant_token = \"your acquiring merchant token (or a test token)\"\n\
                    # For one customer of the provider API, instead of `token`:\n\
                    # provider_key_file = \"/path/to/company-secp256k1.pem\"   # or provider_key = \"-----BEGIN EC PRIVATE KEY-----...\"\n\
                    # provider_key_id = \"the keyId the bank returned for the key\"\n\
                    # request_id = \"the customer's tokenRequestId\"\n\
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

    #[test]
    fn sandbox_config_with_a_request_id_reads_the_customer_without_the_personal_token() {
        let pem = "-----BEGIN EC PRIVATE KEY-----\nMHQCAQEEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBoAcGBSuBBAAKoUQDQgAEG4TF\nVnsSZECZXT7VqroFZdceGDRgSBn/nBf16dXdB49wvq+PWItUFQf+1qZCxatC39+BIKf2Od5RItR6\naajo0Q==\n-----END EC PRIVATE KEY-----\n";
        let key_id = "43ae6cb97acdaf354b8286ddb29b492c95e95870";
        let config = sandbox_config(&target(serde_json::json!({
            "token": "personal-1", "merchant_token": "merchant-1",
            "provider_key": pem, "provider_key_id": key_id, "request_id": "req-secret-1"
        })))
        .unwrap();
        let json = serde_json::to_string(&config).unwrap();
        assert!(
            !json.contains("personal-1") && !json.contains(r#""token""#),
            "{json}"
        );
        assert!(
            !json.contains("req-secret-1") && !json.contains("PRIVATE KEY"),
            "{json}"
        );
        assert!(json.contains(r#""request_id":"[REDACTED]""#), "{json}");
        assert!(json.contains(key_id), "{json}");
        let provider = config
            .build(&bankkit_core::registry::BuildContext::default())
            .unwrap();
        assert!(provider.balance().is_some() && provider.payment().is_some());

        // A key without a request id keeps the personal token and adds the provider API.
        let company = sandbox_config(&target(serde_json::json!({
            "token": "personal-1", "provider_key": pem, "provider_key_id": key_id
        })))
        .unwrap();
        let json = serde_json::to_string(&company).unwrap();
        assert!(json.contains(r#""token":"[REDACTED]""#), "{json}");
        assert!(json.contains(r#""provider_key":"[REDACTED]""#), "{json}");
        assert!(!json.contains("request_id"), "{json}");
        // A key without its id is a config error naming the credential.
        let missing = sandbox_config(&target(
            serde_json::json!({"token": "personal-1", "provider_key": pem}),
        ));
        assert!(
            matches!(missing, Err(bankkit_core::Error::Config { ref field, .. }) if field == "credentials.provider_key_id")
        );
    }
}

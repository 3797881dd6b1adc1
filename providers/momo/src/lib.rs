//! # bankkit-momo
//!
//! The MTN **MoMo Open API** for bankkit: sandbox provisioning, and the collection,
//! disbursement and remittance products, behind the core traits
//! ([`bankkit_core::Balance`], [`bankkit_core::Payment`], [`bankkit_core::Webhook`]), plus
//! a typed call for every documented endpoint on [`MomoClient`].
//!
//! A request-to-pay, collected through the core [`bankkit_core::Payment`] trait against
//! the in-process sandbox (for MTN's sandbox, leave out `with_base_url`):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use bankkit_core::money::{currency_from_code, Money};
//! use bankkit_core::payment::Party;
//! use bankkit_core::registry::BuildContext;
//! use bankkit_core::secret::secret;
//! use bankkit_core::{CollectRequest, IdempotencyKey, Payment, PaymentStatus};
//! use bankkit_momo::{MomoConfig, Product};
//!
//! // Arrange: the sandbox's API user and collection key, on the sandbox clock.
//! let sandbox = bankkit_sandbox::Sandbox::builder().providers(["momo"]).start().await?;
//! let handle = sandbox.provider("momo").ok_or("no momo in the sandbox")?;
//! let credential = |name: &str| handle.credentials()[name].as_str().unwrap_or_default().to_owned();
//! let momo = MomoConfig::new(credential("api_user"), secret(credential("api_key")))
//!     .with_subscription_key(Product::Collection, secret(credential("collection_key")))
//!     .with_base_url(handle.base_url())
//!     .provider(&BuildContext::default().with_clock(sandbox.clock().shared()))?;
//!
//! // Act: ask the payer for 15.50 EUR; the key makes a retry safe.
//! let request = CollectRequest::new(
//!     IdempotencyKey::new("order-42")?,
//!     Money::parse("15.50", currency_from_code("EUR")?)?,
//! )
//! .payer(Party::phone("46733123456")?)
//! .description("Order 42");
//! let payment = momo.collect(request).await?;
//! sandbox.advance(Duration::from_secs(10));
//! let now = momo.status(&payment.id).await?;
//!
//! // Assert: it waited for the payer's approval, then succeeded.
//! assert_eq!(payment.status, PaymentStatus::Pending);
//! assert_eq!(payment.id.resource(), "requesttopay");
//! assert_eq!(now.status, PaymentStatus::Succeeded);
//! # Ok(()) }
//! ```
//!
//! The reference id derivation, which makes retries safe, runs anywhere:
//!
//! ```
//! use bankkit_core::IdempotencyKey;
//! use bankkit_momo::ReferenceId;
//!
//! let key = IdempotencyKey::new("order-42")?;
//! let id = ReferenceId::from_idempotency_key(&key);
//! assert_eq!(id, ReferenceId::from_idempotency_key(&key)); // same key, same X-Reference-Id
//! assert_eq!(id.as_str().as_bytes()[14], b'4'); // a UUID v4, as MoMo requires
//! # Ok::<(), bankkit_core::Error>(())
//! ```
//!
//! `examples/collect.rs` runs provisioning, a request-to-pay and a transfer against the
//! in-process sandbox.
//!
//! - [`MomoClient`]: [`MomoClient::collection`], [`MomoClient::disbursement`] and
//!   [`MomoClient::remittance`] handles with one typed call per endpoint, sharing the
//!   product-common calls of [`ProductApi`] (token, balance, account holders, CIBA consent,
//!   delivery notification); [`Provisioning`] for sandbox API users and keys. Wire types in
//!   [`wire`]; amounts are decimal strings on the wire and `Decimal` here.
//! - **Tokens**: one per product, minted with the API user and key
//!   (`POST /{product}/token/`), kept in a [`bankkit_core::TokenStore`] under
//!   `momo:<api_user>:<product>` by core's [`bankkit_core::token::ManagedToken`]:
//!   single-flight, 60 s before expiry, and once more after a 401. MoMo's
//!   `500 {"error":"login_failed"}` is `Unauthorized` naming the API user.
//! - **Idempotency**: the `X-Reference-Id` of every create made through the traits is
//!   [`ReferenceId::from_idempotency_key`]; creates are retried with the same id, and MoMo's
//!   409 for a repeat means "already accepted": the existing payment is returned (as
//!   `Pending` when its status cannot be read yet; a `Conflict` for another amount or party).
//! - [`MomoProvider`]: accounts are the configured products; collect = request-to-pay, pay
//!   out = transfer, refund = disbursement refund (needs the collection and disbursement
//!   products); no cancel, no statements. Callbacks go to
//!   the registered callback URL with the payment id in the query; MoMo does not sign them,
//!   so `verify_and_parse` re-reads the payment's status before believing one.
//! - [`MomoConfig`]: the plugin config (`provider = "momo"`). Link the crate
//!   (`use bankkit_momo as _;`) for the registry to find it.
//!
//! The API key, subscription keys and tokens are
//! [`bankkit_core::secret::SecretString`]s from config to the wire; no `Debug`, `Display`
//! or error shows them.

mod auth;
mod client;
mod config;
mod convert;
mod error;
mod ids;
mod provider;
mod webhook;
pub mod wire;

use bankkit_core::registry::{ProviderConfig, ProviderRegistration, SandboxTarget};
use bankkit_core::secret::secret;
use bankkit_core::Result;

pub use client::{
    token_key, CollectionApi, DisbursementApi, MomoClient, MomoClientBuilder, PreApprovalId,
    Product, ProductApi, Provisioning, RemittanceApi, DEFAULT_BASE_URL, DEFAULT_TARGET_ENVIRONMENT,
    TOKEN_MARGIN,
};
pub use config::MomoConfig;
pub use ids::{PaymentRef, PaymentResource, ReferenceId};
pub use provider::{capabilities, MomoProvider, CALLBACK_REGISTRATION, NO_STATEMENTS};
pub use webhook::PAYMENT_PARAMETER;

/// A config pointing at the sandbox's MoMo imitation. Its credentials are
/// `{"api_user", "api_key", "collection_key", "disbursement_key", "remittance_key",
/// "target_environment", "callback_host"}`; a missing product key leaves that product out.
fn sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    let mut config = MomoConfig::new(
        target.credential("api_user")?,
        secret(target.credential("api_key")?),
    )
    .with_base_url(&target.base_url);
    for product in Product::ALL {
        if let Ok(key) = target.credential(product.key_field()) {
            config = config.with_subscription_key(product, secret(key));
        }
    }
    if let Ok(environment) = target.credential("target_environment") {
        config = config.with_target_environment(environment);
    }
    Ok(Box::new(config))
}

bankkit_core::register_provider!(ProviderRegistration {
    name: "momo",
    description: "MTN MoMo Open API: collection, disbursement, remittance balances, \
                  request-to-pay, transfers, refunds, callbacks",
    capabilities,
    sample_config: "api_user = \"c72025f5-5cd1-4630-99e4-8ba4722fad56\"\n\
                    api_key = \"your API key\"\n\
                    collection_key = \"your collection subscription key\"\n\
                    disbursement_key = \"your disbursement subscription key\"\n\
                    # remittance_key = \"your remittance subscription key\"\n\
                    # target_environment = \"sandbox\"\n\
                    # base_url = \"https://sandbox.momodeveloper.mtn.com\"\n\
                    # callback_url = \"https://shop.example/momo/callback\"\n\
                    # currency = \"EUR\"\n\
                    # timeout_secs = 30\n",
    sandbox_config,
});

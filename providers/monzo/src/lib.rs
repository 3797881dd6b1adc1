//! # bankkit-monzo
//!
//! Monzo's **developer API** (OAuth2) for bankkit: accounts and pots with their balances,
//! transactions, and webhooks behind the core traits ([`bankkit_core::Balance`],
//! [`bankkit_core::Statement`], [`bankkit_core::Webhook`]), plus a typed call for every
//! documented endpoint on [`MonzoClient`].
//!
//! The OAuth flow: send the user to [`MonzoClient::authorization_url`], keep the returned
//! `state`, and pass the code and state of the redirect to [`MonzoClient::exchange_code`],
//! which refuses a state that does not match before anything is sent:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bankkit_core::secret::secret;
//! use bankkit_core::Error;
//! use bankkit_monzo::MonzoClient;
//!
//! // Arrange: a client for the real API (nothing is sent in this example).
//! let client = MonzoClient::builder()
//!     .credentials("oauth2client_00009abc", secret("mnzconf.your-client-secret"))
//!     .redirect_uri("https://example.org/monzo/callback")
//!     .build()?;
//!
//! // Act: the URL to send the user to, and a code that comes back with a forged state.
//! let request = client.authorization_url();
//! let forged = client.exchange_code("code_123", "not-the-state", &request).await;
//!
//! // Assert
//! assert!(request.url.starts_with("https://auth.monzo.com/?client_id=oauth2client_00009abc"));
//! assert!(request.url.contains(&format!("state={}", request.state)));
//! assert!(matches!(forged, Err(Error::InvalidRequest { .. })));
//! # Ok(()) }
//! ```
//!
//! `examples/oauth_flow.rs` runs the whole flow, consent page included, against the
//! in-process sandbox.
//!
//! - [`MonzoClient`]: one typed call per endpoint (OAuth, whoami, accounts, balance, pots
//!   and pot moves, transactions with a [`ListTransactions`] builder, annotations, feed
//!   items, attachments, receipts, webhooks); wire types in [`wire`]. Every write is
//!   form-encoded with bracket keys (`metadata[notes]`, `params[title]`, `expand[]`) except
//!   receipts, which are JSON.
//! - **Tokens** live in a [`bankkit_core::TokenStore`] (the build context's, under
//!   `monzo:<client_id>` or `token_key`) and are refreshed single-flight by core's
//!   [`bankkit_core::token::ManagedToken`]: 60 s before they expire, and once after an
//!   `unauthorized.bad_access_token.expired` answer. Monzo's refresh tokens are single-use;
//!   the rotated one is saved before anyone can use it again, and a refused refresh is
//!   [`bankkit_core::Error::ReauthorizationRequired`] with the stored tokens left intact.
//! - [`MonzoProvider`]: the core traits. Pots are `Savings` accounts. Statements walk
//!   `since`/`before`/`limit=100` pages; history beyond 90 days is
//!   `Forbidden(VerificationRequired)`. No [`bankkit_core::Payment`]: money only moves
//!   between an account and its pots, through [`MonzoProvider::deposit_into_pot`] and
//!   [`MonzoProvider::withdraw_from_pot`], idempotent by a `dedupe_id` taken from the
//!   [`bankkit_core::IdempotencyKey`].
//! - **Webhooks** are not signed by Monzo. Configure a `webhook_secret`: it is appended to
//!   registered URLs as `?secret=…` and required (constant-time compare) by
//!   [`bankkit_core::Webhook::verify_and_parse`], which refuses every delivery when no
//!   secret is configured (the config refuses a blank one; the provider treats an empty or
//!   blank one as none) and every delivery whose URL lacks the secret. Listed
//!   registrations never show a `secret` query pair.
//! - Errors: Monzo's dotted `code`s become [`bankkit_core::Error`] kinds —
//!   `forbidden.insufficient_permissions` (approve in the app) and
//!   `forbidden.verification_required` (re-authenticate for older history) are distinct
//!   `Forbidden` reasons.
//! - [`MonzoConfig`]: the plugin config (`provider = "monzo"`). Link the crate
//!   (`use bankkit_monzo as _;`) for the registry to find it.
//!
//! The client secret, tokens and webhook secret are
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

pub use auth::AuthorizationRequest;
pub use client::{
    ListTransactions, MonzoClient, MonzoClientBuilder, Since, DEFAULT_AUTH_URL, DEFAULT_BASE_URL,
    MAX_TRANSACTIONS_PER_PAGE, REFRESH_MARGIN,
};
pub use config::MonzoConfig;
pub use ids::{AttachmentId, PotId, ReceiptExternalId, UserId};
pub use provider::{capabilities, MonzoProvider, HISTORY_WINDOW, NO_PAYMENTS};
pub use webhook::{SECRET_PARAMETER, TRANSACTION_CREATED};

/// The webhook secret of configs made for the sandbox, so that conformance checks can
/// verify deliveries.
pub const SANDBOX_WEBHOOK_SECRET: &str = "bankkit-sandbox-monzo-webhook-secret";

/// A config pointing at the sandbox's Monzo imitation. Its credentials are
/// `{"client_id", "client_secret", "redirect_uri", "user_id", "access_token",
/// "refresh_token", "auth_url"}`; the tokens are keyed `monzo:<client_id>:<user_id>`.
fn sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    let client_id = target.credential("client_id")?;
    let user_id = target.credential("user_id")?;
    Ok(Box::new(
        MonzoConfig::new(
            client_id.clone(),
            secret(target.credential("client_secret")?),
            target.credential("redirect_uri")?,
        )
        .with_tokens(
            Some(secret(target.credential("access_token")?)),
            Some(secret(target.credential("refresh_token")?)),
        )
        .with_base_url(&target.base_url)
        .with_auth_url(target.credential("auth_url")?)
        .with_token_key(format!("monzo:{client_id}:{user_id}"))
        .with_webhook_secret(secret(SANDBOX_WEBHOOK_SECRET)),
    ))
}

bankkit_core::register_provider!(ProviderRegistration {
    name: "monzo",
    description: "Monzo developer API (OAuth2): accounts, pots, balances, transactions, webhooks",
    capabilities,
    sample_config: "client_id = \"oauth2client_00009abc\"\n\
                    client_secret = \"your client secret from https://developers.monzo.com/\"\n\
                    redirect_uri = \"https://example.org/monzo/callback\"\n\
                    # access_token = \"...\"\n\
                    # refresh_token = \"...\"\n\
                    # webhook_secret = \"a long random string\"\n\
                    # token_key = \"monzo:user_00009abc\"\n\
                    # base_url = \"https://api.monzo.com\"\n\
                    # auth_url = \"https://auth.monzo.com\"\n\
                    # timeout_secs = 30\n",
    sandbox_config,
});

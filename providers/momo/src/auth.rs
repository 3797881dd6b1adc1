//! Credentials (momo.md B2, B4): the Basic header of the API user, the bearer header of a
//! token, and the [`TokenRefresher`] that mints a product's token for core's
//! [`bankkit_core::token::ManagedToken`]. MoMo issues no refresh token: a new token is
//! minted with the API user and key each time.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bankkit_core::clock::Clock;
use bankkit_core::http::{ApiRequest, HttpClient, RequestSafety};
use bankkit_core::secret::{ExposeSecret, SecretString};
use bankkit_core::token::{TokenRefresher, TokenSet};
use bankkit_core::{Error, Result};
use base64::Engine as _;
use http::header::AUTHORIZATION;
use http::{HeaderName, HeaderValue};

use crate::client::Product;
use crate::error::map_token_error;
use crate::wire::AccessToken;

/// `Ocp-Apim-Subscription-Key`.
pub(crate) const SUBSCRIPTION_KEY: HeaderName =
    HeaderName::from_static("ocp-apim-subscription-key");

/// The API user and its key.
#[derive(Clone)]
pub(crate) struct ApiCredentials {
    pub(crate) api_user: String,
    pub(crate) api_key: SecretString,
}

impl fmt::Debug for ApiCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiCredentials")
            .field("api_user", &self.api_user)
            .field("api_key", &"[REDACTED]")
            .finish()
    }
}

impl ApiCredentials {
    /// `Basic base64(api_user:api_key)`, marked sensitive.
    pub(crate) fn basic(&self) -> Result<HeaderValue> {
        let pair = format!("{}:{}", self.api_user, self.api_key.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
        let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
            .map_err(|_| Error::config("api_key", "cannot be sent in a header"))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// A subscription key header value, marked sensitive.
pub(crate) fn subscription_key(key: &SecretString, product: Product) -> Result<HeaderValue> {
    bankkit_core::secret::sensitive_header(key, product.key_field())
}

/// `POST /{product}/token/` with Basic credentials: a fresh bearer token.
pub(crate) async fn mint_token(
    http: &HttpClient,
    product: Product,
    credentials: &ApiCredentials,
    key: &SecretString,
) -> Result<AccessToken> {
    let request = ApiRequest::post(format!("{}/token/", product.as_str()))
        .operation(format!("{}.token", product.as_str()))
        // Minting twice is harmless: retried like a deduped write.
        .safety(RequestSafety::IdempotentWrite)
        .header(AUTHORIZATION, credentials.basic()?)
        .header(SUBSCRIPTION_KEY, subscription_key(key, product)?);
    let api_user = credentials.api_user.clone();
    let mapper =
        move |r: &bankkit_core::http::ApiResponse| map_token_error(r, product.as_str(), &api_user);
    http.send(request, &mapper)
        .await?
        .json("MoMo token response")
}

/// Mints a product's token when core's `ManagedToken` asks (before expiry, or after a 401).
pub(crate) struct MomoRefresher {
    pub(crate) http: HttpClient,
    pub(crate) product: Product,
    pub(crate) credentials: Arc<ApiCredentials>,
    pub(crate) subscription_key: SecretString,
    pub(crate) clock: Arc<dyn Clock>,
}

#[async_trait]
impl TokenRefresher for MomoRefresher {
    async fn refresh(&self, _current: Option<TokenSet>) -> Result<TokenSet> {
        let answer = mint_token(
            &self.http,
            self.product,
            &self.credentials,
            &self.subscription_key,
        )
        .await?;
        let mut tokens = TokenSet::new(answer.access_token);
        if let Some(seconds) = answer.expires_in {
            tokens = tokens.with_expires_in(seconds, self.clock.now());
        }
        tracing::debug!(product = self.product.as_str(), "MoMo token minted");
        Ok(tokens
            .with_extra("product", self.product.as_str())
            .with_extra("api_user", self.credentials.api_user.clone()))
    }
}

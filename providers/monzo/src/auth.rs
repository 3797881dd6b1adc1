//! OAuth2 for Monzo (monzo.md A2): the authorisation URL and its `state`, the two token
//! grants, and the [`TokenRefresher`] that core's [`bankkit_core::token::ManagedToken`]
//! calls single-flight.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bankkit_core::clock::Clock;
use bankkit_core::http::{ApiRequest, HttpClient};
use bankkit_core::secret::{ExposeSecret, SecretString};
use bankkit_core::token::{TokenRefresher, TokenSet};
use bankkit_core::{Error, Result};
use subtle::ConstantTimeEq;

use crate::error::map_error;
use crate::wire::TokenResponse;

/// The OAuth client registered at <https://developers.monzo.com/>.
pub(crate) struct OAuthApp {
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) redirect_uri: String,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// Where to send the user to authorise the application, and the `state` that must come
/// back with the code.
///
/// Keep it (for example in the user's session) until the redirect arrives, then hand it to
/// [`crate::MonzoClient::exchange_code`], which refuses a code whose `state` differs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// `https://auth.monzo.com/?client_id=…&redirect_uri=…&response_type=code&state=…`.
    pub url: String,
    /// The random CSRF token in `url` (256 bits, hex).
    pub state: String,
}

impl AuthorizationRequest {
    /// Whether `returned` is this request's state (constant-time).
    pub fn state_matches(&self, returned: &str) -> bool {
        self.state.as_bytes().ct_eq(returned.as_bytes()).into()
    }
}

/// A fresh 256-bit state, hex.
pub(crate) fn random_state() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Tokens from the config, stored only when the store holds nothing for the key.
#[derive(Clone)]
pub(crate) struct InitialTokens {
    pub(crate) access_token: Option<SecretString>,
    pub(crate) refresh_token: Option<SecretString>,
}

/// Sends `POST /oauth2/token` with `form` (never retried: a refresh token is single-use).
pub(crate) async fn token_grant(http: &HttpClient, form: &[(&str, &str)]) -> Result<TokenResponse> {
    let grant = form
        .iter()
        .find(|(name, _)| *name == "grant_type")
        .map(|(_, value)| *value);
    let operation = match grant {
        Some("authorization_code") => "oauth.exchange_code",
        Some("refresh_token") => "oauth.refresh",
        _ => "oauth.token",
    };
    let request = ApiRequest::post("oauth2/token")
        .operation(operation)
        .form(form);
    http.send(request, &map_error)
        .await?
        .json("Monzo token response")
}

/// The token set to store for a token answer received at `now`.
///
/// A missing `refresh_token` is stored as none — never the previous one, which Monzo has
/// already invalidated (refresh tokens are single-use).
pub(crate) fn token_set(response: &TokenResponse, clock: &dyn Clock) -> TokenSet {
    let mut tokens = TokenSet::new(response.access_token.clone());
    if let Some(refresh) = response
        .refresh_token
        .as_ref()
        .filter(|r| !r.expose_secret().is_empty())
    {
        tokens = tokens.with_refresh_token(refresh.clone());
    }
    if let Some(seconds) = response.expires_in {
        tokens = tokens.with_expires_in(seconds, clock.now());
    }
    if !response.client_id.is_empty() {
        tokens = tokens.with_extra("client_id", response.client_id.clone());
    }
    if let Some(user) = &response.user_id {
        tokens = tokens.with_extra("user_id", user.as_str());
    }
    tokens
}

/// The refresh-token grant, called by `ManagedToken` under the store's refresh lock.
pub(crate) struct MonzoRefresher {
    pub(crate) http: HttpClient,
    pub(crate) app: Arc<OAuthApp>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) key: String,
    pub(crate) initial: InitialTokens,
}

impl MonzoRefresher {
    /// `grant_type=refresh_token`.
    async fn refresh_with(&self, refresh_token: &SecretString) -> Result<TokenSet> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.app.client_id.as_str()),
            ("client_secret", self.app.client_secret.expose_secret()),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        let response = token_grant(&self.http, &form).await?;
        tracing::debug!(key = %self.key, "Monzo tokens refreshed");
        Ok(token_set(&response, self.clock.as_ref()))
    }
}

#[async_trait]
impl TokenRefresher for MonzoRefresher {
    async fn refresh(&self, current: Option<TokenSet>) -> Result<TokenSet> {
        match current {
            // Nothing stored yet: seed the configured tokens, if any.
            None => match (&self.initial.access_token, &self.initial.refresh_token) {
                (Some(access), refresh) => {
                    let mut tokens = TokenSet::new(access.clone());
                    if let Some(refresh) = refresh {
                        tokens = tokens.with_refresh_token(refresh.clone());
                    }
                    Ok(tokens)
                }
                (None, Some(refresh)) => self.refresh_with(refresh).await,
                (None, None) => Err(Error::ReauthorizationRequired {
                    message: format!(
                        "no Monzo tokens are stored under {:?}: send the user to \
                         MonzoClient::authorization_url and pass the returned code to \
                         exchange_code",
                        self.key
                    ),
                }),
            },
            Some(tokens) => match tokens
                .refresh_token
                .as_ref()
                .filter(|r| !r.expose_secret().is_empty())
            {
                Some(refresh) => self.refresh_with(refresh).await,
                None => Err(Error::ReauthorizationRequired {
                    message: format!(
                        "the Monzo access token under {:?} expired and there is no refresh \
                         token (non-confidential client, or none was returned): the user must \
                         authorise the application again",
                        self.key
                    ),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_random_and_compared_exactly() {
        let a = random_state();
        let b = random_state();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        let request = AuthorizationRequest {
            url: String::new(),
            state: a.clone(),
        };
        assert!(request.state_matches(&a));
        assert!(!request.state_matches(&b));
        assert!(!request.state_matches(""));
        assert!(!request.state_matches(&a[..63]));
    }
}

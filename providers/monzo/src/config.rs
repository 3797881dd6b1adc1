//! [`MonzoConfig`]: the provider's configuration, loadable as a plugin config.

use std::sync::Arc;

use bankkit_core::registry::{BuildContext, ProviderConfig};
use bankkit_core::secret::SecretString;
use bankkit_core::{validate, Provider, Result};
use serde::{Deserialize, Serialize};

use crate::client::{MonzoClient, DEFAULT_AUTH_URL, DEFAULT_BASE_URL};
use crate::provider::MonzoProvider;

/// Configuration of the Monzo developer API.
///
/// In a providers file:
///
/// ```toml
/// [[providers]]
/// provider = "monzo"
/// client_id = "oauth2client_00009abc"
/// client_secret = "mnzconf.…"
/// redirect_uri = "https://example.org/monzo/callback"
/// # access_token = "…"     # seeded into the token store only if it holds nothing
/// # refresh_token = "…"
/// # webhook_secret = "…"   # put into webhook URLs and checked on delivery
/// # base_url = "https://api.monzo.com"
/// # auth_url = "https://auth.monzo.com"
/// # token_key = "monzo:user_00009abc"   # default monzo:<client_id>
/// # timeout_secs = 30
/// ```
///
/// Tokens live in the build context's token store; the ones given here only seed it.
/// `Debug` never shows a secret, and serialising a config writes `"[REDACTED]"` in their
/// place.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MonzoConfig {
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret.
    #[serde(serialize_with = "bankkit_core::secret::serialize_redacted")]
    pub client_secret: SecretString,
    /// The redirect URI registered with the OAuth client.
    pub redirect_uri: String,
    /// An access token obtained elsewhere (seeded into an empty store).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub access_token: Option<SecretString>,
    /// A refresh token obtained elsewhere (seeded into an empty store).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub refresh_token: Option<SecretString>,
    /// The secret put into webhook URLs and required on delivery (Monzo signs nothing).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_secret: Option<SecretString>,
    /// Where the API lives (default `https://api.monzo.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Where users authorise (default `https://auth.monzo.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    /// The token store key (default `monzo:<client_id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_key: Option<String>,
    /// Time allowed for one attempt, in seconds (default: the build context's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

impl MonzoConfig {
    /// A config for the real API.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            access_token: None,
            refresh_token: None,
            webhook_secret: None,
            base_url: None,
            auth_url: None,
            token_key: None,
            timeout_secs: None,
        }
    }

    /// Sets the initial tokens.
    pub fn with_tokens(
        mut self,
        access_token: Option<SecretString>,
        refresh_token: Option<SecretString>,
    ) -> Self {
        self.access_token = access_token;
        self.refresh_token = refresh_token;
        self
    }

    /// Sets the webhook secret.
    pub fn with_webhook_secret(mut self, secret: SecretString) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// Points the config at another API base URL (the sandbox).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Points the config at another authorisation URL.
    pub fn with_auth_url(mut self, auth_url: impl Into<String>) -> Self {
        self.auth_url = Some(auth_url.into());
        self
    }

    /// Sets the token store key.
    pub fn with_token_key(mut self, key: impl Into<String>) -> Self {
        self.token_key = Some(key.into());
        self
    }

    /// Sets the per-attempt timeout in seconds.
    pub fn with_timeout_secs(mut self, seconds: u64) -> Self {
        self.timeout_secs = Some(seconds);
        self
    }

    /// Builds the client this config describes, on the context's clock, HTTP options and
    /// token store.
    ///
    /// # Errors
    /// [`Error::Config`](bankkit_core::Error::Config) naming the field at fault.
    pub fn client(&self, context: &BuildContext) -> Result<MonzoClient> {
        let http = validate::timeout_secs(context.http.clone(), self.timeout_secs, "timeout_secs")?;
        let mut builder = MonzoClient::builder()
            .credentials(self.client_id.clone(), self.client_secret.clone())
            .redirect_uri(self.redirect_uri.clone())
            .base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))
            .auth_url(self.auth_url.as_deref().unwrap_or(DEFAULT_AUTH_URL))
            .token_store(context.token_store.clone())
            .initial_tokens(self.access_token.clone(), self.refresh_token.clone())
            .clock(context.clock.clone())
            .http_options(http);
        if let Some(key) = &self.token_key {
            builder = builder.token_key(key.clone());
        }
        builder.build()
    }

    /// Builds the provider.
    ///
    /// # Errors
    /// As [`MonzoConfig::client`]; `webhook_secret` when it is empty.
    pub fn provider(&self, context: &BuildContext) -> Result<MonzoProvider> {
        let mut provider = MonzoProvider::new(self.client(context)?);
        if let Some(secret) = &self.webhook_secret {
            validate::non_blank_secret(secret, "webhook_secret")?;
            provider = provider.with_webhook_secret(secret.clone());
        }
        Ok(provider)
    }
}

#[typetag::serde(name = "monzo")]
impl ProviderConfig for MonzoConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(self.provider(context)?))
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::registry::load_json;
    use bankkit_core::secret::secret;
    use bankkit_core::Error;

    use super::*;

    const SECRET: &str = "mnzconf.Xq3LpZ8vT2wR9sK1";
    const ACCESS: &str = "eyJhbGciOiJFUzI1NiJ9.access.A1";
    const REFRESH: &str = "eyJhbGciOiJFUzI1NiJ9.refresh.R1";
    const HOOK: &str = "hook-secret-7f3a";

    fn config() -> MonzoConfig {
        MonzoConfig::new(
            "oauth2client_0001",
            secret(SECRET),
            "https://example.org/callback",
        )
    }

    fn field_of(result: Result<MonzoProvider>) -> String {
        match result {
            Err(Error::Config { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn bad_values_name_their_fields() {
        let context = BuildContext::default();
        let mut c = config();
        c.client_id = String::new();
        assert_eq!(field_of(c.provider(&context)), "client_id");
        let c = MonzoConfig::new("id", secret(""), "https://example.org/cb");
        assert_eq!(field_of(c.provider(&context)), "client_secret");
        let c = MonzoConfig::new("id", secret(SECRET), "not a url");
        assert_eq!(field_of(c.provider(&context)), "redirect_uri");
        assert_eq!(
            field_of(config().with_base_url("ftp://x").provider(&context)),
            "base_url"
        );
        assert_eq!(
            field_of(config().with_auth_url("nope").provider(&context)),
            "auth_url"
        );
        assert_eq!(
            field_of(config().with_timeout_secs(0).provider(&context)),
            "timeout_secs"
        );
        assert_eq!(
            field_of(config().with_token_key(" ").provider(&context)),
            "token_key"
        );
        assert_eq!(
            field_of(config().with_webhook_secret(secret("")).provider(&context)),
            "webhook_secret"
        );
        assert_eq!(
            field_of(
                config()
                    .with_tokens(Some(secret("bad\ntoken")), None)
                    .provider(&context)
            ),
            "access_token"
        );
    }

    #[test]
    fn unknown_fields_are_rejected_without_showing_secrets() {
        let e = load_json(&format!(
            r#"{{"providers":[{{"provider":"monzo","client_id":"c","client_secret":"{SECRET}","redirect_uri":"https://e.org/cb","clientsecret":"x"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.to_string().contains("clientsecret"), "{e}");
        assert!(!e.to_string().contains(SECRET));
    }

    #[test]
    fn serialised_and_debug_configs_hide_every_secret() {
        let config = config()
            .with_tokens(Some(secret(ACCESS)), Some(secret(REFRESH)))
            .with_webhook_secret(secret(HOOK));
        let provider = config.provider(&BuildContext::default()).unwrap();
        let boxed: Box<dyn ProviderConfig> = Box::new(config.clone());
        let json = serde_json::to_string(&boxed).unwrap();
        assert!(json.contains(r#""provider":"monzo""#), "{json}");
        for shown in [
            format!("{config:?}"),
            json,
            format!("{provider:?}"),
            format!("{:?}", provider.client()),
        ] {
            for s in [SECRET, ACCESS, REFRESH, HOOK] {
                assert!(!shown.contains(s), "{s} shown in {shown}");
            }
        }
    }
}

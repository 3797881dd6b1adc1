//! [`MoruneConfig`]: the provider's configuration, loadable as a plugin config.

use std::sync::Arc;

use bankkit_core::payment::once::FileIdempotencyStore;
use bankkit_core::registry::{BuildContext, ProviderConfig};
use bankkit_core::secret::SecretString;
use bankkit_core::{validate, Error, Provider, Result};
use chrono::FixedOffset;
use serde::{Deserialize, Serialize};

use crate::client::{MoruneClient, ShopCredentials, UserCredentials, DEFAULT_BASE_URL};
use crate::provider::MoruneProvider;

/// Configuration of Morune.
///
/// Both credential families are optional; what the provider offers follows what is set
/// (the shop: invoices and payment webhooks; the user: balance, payoffs and payoff
/// webhooks). In a providers file:
///
/// ```toml
/// [[providers]]
/// provider = "morune"
/// shop_id = "9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b"
/// api_key = "…"                   # the shop's secret key (x-api-key)
/// shop_additional_key = "…"       # signs payment webhooks
/// user_id = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
/// user_api_key = "…"              # the user's secret key (x-api-signature-sha256)
/// user_additional_key = "…"       # signs payoff webhooks
/// # base_url = "https://api.morune.com"
/// # hook_url = "https://shop.example/morune/webhook"
/// # utc_offset = "+03:00"          # how Morune's zone-less times are read
/// # idempotency_file = "/var/lib/app/morune-once.json"
/// # timeout_secs = 30
/// ```
///
/// `Debug` never shows a key, and serialising a config writes `"[REDACTED]"` in their
/// place.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MoruneConfig {
    /// The shop id (a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_id: Option<String>,
    /// The shop's secret key (`x-api-key`).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub api_key: Option<SecretString>,
    /// The shop's additional key (payment webhooks).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub shop_additional_key: Option<SecretString>,
    /// The user id (a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's secret key (`x-api-signature-sha256`).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_api_key: Option<SecretString>,
    /// The user's additional key (payoff webhooks).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_additional_key: Option<SecretString>,
    /// Where the API lives (default `https://api.morune.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The `hook_url` sent with creates that have no `callback_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_url: Option<String>,
    /// The offset Morune's zone-less times are read at (default `+03:00`, Moscow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<String>,
    /// A file keeping idempotency records across restarts (default: in memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_file: Option<String>,
    /// Time allowed for one attempt, in seconds (default: the build context's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

impl MoruneConfig {
    /// An empty config (add a family with [`MoruneConfig::with_shop`] and/or
    /// [`MoruneConfig::with_user`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the shop credentials.
    pub fn with_shop(mut self, shop_id: impl Into<String>, api_key: SecretString) -> Self {
        self.shop_id = Some(shop_id.into());
        self.api_key = Some(api_key);
        self
    }

    /// Sets the shop's additional key (payment webhooks).
    pub fn with_shop_additional_key(mut self, key: SecretString) -> Self {
        self.shop_additional_key = Some(key);
        self
    }

    /// Sets the user credentials.
    pub fn with_user(mut self, user_id: impl Into<String>, api_key: SecretString) -> Self {
        self.user_id = Some(user_id.into());
        self.user_api_key = Some(api_key);
        self
    }

    /// Sets the user's additional key (payoff webhooks).
    pub fn with_user_additional_key(mut self, key: SecretString) -> Self {
        self.user_additional_key = Some(key);
        self
    }

    /// Points the config at another base URL (a sandbox).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the default `hook_url`.
    pub fn with_hook_url(mut self, url: impl Into<String>) -> Self {
        self.hook_url = Some(url.into());
        self
    }

    /// Sets the offset zone-less times are read at (`"+03:00"`).
    pub fn with_utc_offset(mut self, offset: impl Into<String>) -> Self {
        self.utc_offset = Some(offset.into());
        self
    }

    /// Keeps idempotency records in a file.
    pub fn with_idempotency_file(mut self, path: impl Into<String>) -> Self {
        self.idempotency_file = Some(path.into());
        self
    }

    /// Sets the per-attempt timeout in seconds.
    pub fn with_timeout_secs(mut self, seconds: u64) -> Self {
        self.timeout_secs = Some(seconds);
        self
    }

    fn shop(&self) -> Result<Option<ShopCredentials>> {
        match (&self.shop_id, &self.api_key) {
            (None, None) => {
                if self.shop_additional_key.is_some() {
                    return Err(Error::config(
                        "shop_id",
                        "shop_additional_key is set but shop_id and api_key are not",
                    ));
                }
                Ok(None)
            }
            (Some(shop_id), Some(api_key)) => {
                let mut shop = ShopCredentials::new(shop_id.clone(), api_key.clone());
                if let Some(key) = &self.shop_additional_key {
                    shop = shop.with_additional_key(key.clone());
                }
                Ok(Some(shop))
            }
            (None, Some(_)) => Err(Error::config("shop_id", "must be set with api_key")),
            (Some(_), None) => Err(Error::config("api_key", "must be set with shop_id")),
        }
    }

    fn user(&self) -> Result<Option<UserCredentials>> {
        match (&self.user_id, &self.user_api_key) {
            (None, None) => {
                if self.user_additional_key.is_some() {
                    return Err(Error::config(
                        "user_id",
                        "user_additional_key is set but user_id and user_api_key are not",
                    ));
                }
                Ok(None)
            }
            (Some(user_id), Some(api_key)) => {
                let mut user = UserCredentials::new(user_id.clone(), api_key.clone());
                if let Some(key) = &self.user_additional_key {
                    user = user.with_additional_key(key.clone());
                }
                Ok(Some(user))
            }
            (None, Some(_)) => Err(Error::config("user_id", "must be set with user_api_key")),
            (Some(_), None) => Err(Error::config("user_api_key", "must be set with user_id")),
        }
    }

    /// Builds the client this config describes, on the context's clock and HTTP options.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field at fault.
    pub fn client(&self, context: &BuildContext) -> Result<MoruneClient> {
        let http = validate::timeout_secs(context.http.clone(), self.timeout_secs, "timeout_secs")?;
        let mut builder = MoruneClient::builder()
            .base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))
            .clock(context.clock.clone())
            .http_options(http);
        if let Some(shop) = self.shop()? {
            builder = builder.shop(shop);
        }
        if let Some(user) = self.user()? {
            builder = builder.user(user);
        }
        builder.build()
    }

    /// Builds the provider.
    ///
    /// # Errors
    /// As [`MoruneConfig::client`]; `hook_url` or `utc_offset` when invalid.
    pub fn provider(&self, context: &BuildContext) -> Result<MoruneProvider> {
        let mut provider = MoruneProvider::new(self.client(context)?);
        if let Some(url) = &self.hook_url {
            validate::http_url(url, "hook_url")?;
            provider = provider.with_hook_url(url.clone());
        }
        if let Some(offset) = &self.utc_offset {
            let parsed: FixedOffset = offset
                .trim()
                .parse()
                .map_err(|_| Error::config("utc_offset", "must look like +03:00"))?;
            provider = provider.with_utc_offset(parsed);
        }
        if let Some(path) = &self.idempotency_file {
            if path.trim().is_empty() {
                return Err(Error::config("idempotency_file", "must not be empty"));
            }
            provider = provider.with_idempotency_store(Arc::new(FileIdempotencyStore::new(path)));
        }
        Ok(provider)
    }
}

#[typetag::serde(name = "morune")]
impl ProviderConfig for MoruneConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(self.provider(context)?))
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::registry::load_json;
    use bankkit_core::secret::secret;
    use bankkit_core::PaymentOperation;

    use super::*;

    const SHOP: &str = "9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b";
    const USER: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    const SHOP_KEY: &str = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0";
    const SHOP_EXTRA: &str = "shop-extra-SECRET-1";
    const USER_KEY: &str = "0f9e8d7c6b5a49382716f5e4d3c2b1a098765432";
    const USER_EXTRA: &str = "user-extra-SECRET-2";

    fn full() -> MoruneConfig {
        MoruneConfig::new()
            .with_shop(SHOP, secret(SHOP_KEY))
            .with_shop_additional_key(secret(SHOP_EXTRA))
            .with_user(USER, secret(USER_KEY))
            .with_user_additional_key(secret(USER_EXTRA))
    }

    fn field_of(result: Result<MoruneProvider>) -> String {
        match result {
            Err(Error::Config { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn capabilities_follow_the_credentials_present() {
        let context = BuildContext::default();
        let shop_only = MoruneConfig::new()
            .with_shop(SHOP, secret(SHOP_KEY))
            .provider(&context)
            .unwrap();
        let caps = shop_only.capabilities();
        assert!(caps
            .payment_operations
            .offers(PaymentOperation::CollectPage));
        assert!(caps.payment_operations.offers(PaymentOperation::Find));
        assert!(!caps.payment_operations.offers(PaymentOperation::PayOut));
        assert!(!caps.balance.is_supported());
        assert!(shop_only.balance().is_none());

        let user_only = MoruneConfig::new()
            .with_user(USER, secret(USER_KEY))
            .provider(&context)
            .unwrap();
        let caps = user_only.capabilities();
        assert!(caps.payment_operations.offers(PaymentOperation::PayOut));
        assert!(!caps
            .payment_operations
            .offers(PaymentOperation::CollectPage));
        assert!(caps.balance.is_supported());
        assert!(!caps.statement.is_supported());

        let none = MoruneConfig::new().provider(&context).unwrap();
        assert!(none.capabilities().supported().is_empty());
        assert!(none.payment().is_none());
    }

    #[test]
    fn bad_values_name_their_fields() {
        let context = BuildContext::default();
        let mut c = full();
        c.api_key = None;
        assert_eq!(field_of(c.provider(&context)), "api_key");
        let mut c = full();
        c.user_id = None;
        assert_eq!(field_of(c.provider(&context)), "user_id");
        let mut c = full();
        c.shop_id = Some(" ".into());
        assert_eq!(field_of(c.provider(&context)), "shop_id");
        let mut c = full();
        c.user_api_key = Some(secret("bad\nkey"));
        assert_eq!(field_of(c.provider(&context)), "user_api_key");
        assert_eq!(
            field_of(full().with_hook_url("nope").provider(&context)),
            "hook_url"
        );
        assert_eq!(
            field_of(full().with_utc_offset("Moscow").provider(&context)),
            "utc_offset"
        );
        assert_eq!(
            field_of(full().with_base_url("ftp://x").provider(&context)),
            "base_url"
        );
        assert_eq!(
            field_of(full().with_timeout_secs(0).provider(&context)),
            "timeout_secs"
        );
        let extra_alone = MoruneConfig::new().with_user_additional_key(secret(USER_EXTRA));
        assert_eq!(field_of(extra_alone.provider(&context)), "user_id");
    }

    #[test]
    fn serialised_and_debug_configs_hide_every_secret() {
        let config = full();
        let provider = config.provider(&BuildContext::default()).unwrap();
        let boxed: Box<dyn ProviderConfig> = Box::new(config.clone());
        let json = serde_json::to_string(&boxed).unwrap();
        assert!(json.contains(r#""provider":"morune""#), "{json}");
        assert!(json.contains(r#""api_key":"[REDACTED]""#), "{json}");
        let err = load_json(&format!(
            r#"{{"providers":[{{"provider":"morune","shop_id":"{SHOP}","api_key":"{SHOP_KEY}","apikey":"x"}}]}}"#
        ))
        .unwrap_err();
        assert!(err.to_string().contains("apikey"), "{err}");
        for shown in [
            format!("{config:?}"),
            json,
            format!("{provider:?}"),
            format!("{:?}", provider.client()),
            format!("{err:?}"),
            err.to_string(),
        ] {
            for s in [SHOP_KEY, SHOP_EXTRA, USER_KEY, USER_EXTRA] {
                assert!(!shown.contains(s), "{s} shown in {shown}");
            }
        }
    }

    #[test]
    fn configs_load_from_toml() {
        let providers = bankkit_core::registry::load_toml(&format!(
            "[[providers]]\nprovider = \"morune\"\nuser_id = \"{USER}\"\nuser_api_key = \"{USER_KEY}\"\nutc_offset = \"+05:00\"\n"
        ))
        .unwrap();
        let built = providers[0].build(&BuildContext::default()).unwrap();
        assert_eq!(built.id(), "morune");
        assert!(built.balance().is_some());
    }
}

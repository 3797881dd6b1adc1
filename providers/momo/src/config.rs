//! [`MomoConfig`]: the provider's configuration, loadable as a plugin config.

use std::sync::Arc;

use bankkit_core::registry::{BuildContext, ProviderConfig};
use bankkit_core::secret::SecretString;
use bankkit_core::{validate, Error, Provider, Result};
use serde::{Deserialize, Serialize};

use crate::client::{MomoClient, Product, DEFAULT_BASE_URL, DEFAULT_TARGET_ENVIRONMENT};
use crate::convert::configured_currency;
use crate::provider::MomoProvider;
use crate::webhook::check_url;

/// Configuration of the MoMo Open API.
///
/// In a providers file:
///
/// ```toml
/// [[providers]]
/// provider = "momo"
/// api_user = "c72025f5-5cd1-4630-99e4-8ba4722fad56"
/// api_key = "…"
/// collection_key = "…"        # a product without a subscription key is not offered
/// disbursement_key = "…"
/// # remittance_key = "…"
/// # target_environment = "sandbox"    # production: mtn<country>
/// # base_url = "https://sandbox.momodeveloper.mtn.com"
/// # callback_url = "https://shop.example/momo/callback"
/// # currency = "EUR"                  # default EUR for the sandbox target
/// # timeout_secs = 30
/// ```
///
/// Tokens are minted per product and kept in the build context's token store under
/// `momo:<api_user>:<product>`. `Debug` never shows a key, and serialising a config writes
/// `"[REDACTED]"` in their place.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MomoConfig {
    /// The API user (a UUID).
    pub api_user: String,
    /// The API user's key.
    #[serde(serialize_with = "bankkit_core::secret::serialize_redacted")]
    pub api_key: SecretString,
    /// The collection product's subscription key.
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub collection_key: Option<SecretString>,
    /// The disbursement product's subscription key.
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub disbursement_key: Option<SecretString>,
    /// The remittance product's subscription key.
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub remittance_key: Option<SecretString>,
    /// `X-Target-Environment` (default `sandbox`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_environment: Option<String>,
    /// Where the API lives (default `https://sandbox.momodeveloper.mtn.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The callback URL for creates without their own (host = the API user's
    /// `providerCallbackHost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The account currency; payments in others are refused early (default `EUR` for the
    /// `sandbox` target, none otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Time allowed for one attempt, in seconds (default: the build context's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

impl MomoConfig {
    /// A config for `api_user` with no product yet.
    pub fn new(api_user: impl Into<String>, api_key: SecretString) -> Self {
        Self {
            api_user: api_user.into(),
            api_key,
            collection_key: None,
            disbursement_key: None,
            remittance_key: None,
            target_environment: None,
            base_url: None,
            callback_url: None,
            currency: None,
            timeout_secs: None,
        }
    }

    /// Sets a product's subscription key.
    pub fn with_subscription_key(mut self, product: Product, key: SecretString) -> Self {
        match product {
            Product::Collection => self.collection_key = Some(key),
            Product::Disbursement => self.disbursement_key = Some(key),
            Product::Remittance => self.remittance_key = Some(key),
        }
        self
    }

    /// Sets `X-Target-Environment`.
    pub fn with_target_environment(mut self, target: impl Into<String>) -> Self {
        self.target_environment = Some(target.into());
        self
    }

    /// Points the config at another base URL (the bankkit sandbox).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the callback URL.
    pub fn with_callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Sets the account currency.
    pub fn with_currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = Some(currency.into());
        self
    }

    /// Sets the per-attempt timeout in seconds.
    pub fn with_timeout_secs(mut self, seconds: u64) -> Self {
        self.timeout_secs = Some(seconds);
        self
    }

    fn keys(&self) -> [(Product, &Option<SecretString>); 3] {
        [
            (Product::Collection, &self.collection_key),
            (Product::Disbursement, &self.disbursement_key),
            (Product::Remittance, &self.remittance_key),
        ]
    }

    /// Builds the client this config describes, on the context's clock, HTTP options and
    /// token store.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field at fault.
    pub fn client(&self, context: &BuildContext) -> Result<MomoClient> {
        let http = validate::timeout_secs(context.http.clone(), self.timeout_secs, "timeout_secs")?;
        let mut builder = MomoClient::builder()
            .credentials(self.api_user.clone(), self.api_key.clone())
            .base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))
            .target_environment(
                self.target_environment
                    .as_deref()
                    .unwrap_or(DEFAULT_TARGET_ENVIRONMENT),
            )
            .token_store(context.token_store.clone())
            .clock(context.clock.clone())
            .http_options(http);
        for (product, key) in self.keys() {
            if let Some(key) = key {
                builder = builder.subscription_key(product, key.clone());
            }
        }
        builder.build()
    }

    /// Builds the provider.
    ///
    /// # Errors
    /// As [`MomoConfig::client`]; `callback_url` or `currency` when invalid.
    pub fn provider(&self, context: &BuildContext) -> Result<MomoProvider> {
        let client = self.client(context)?;
        let target = self
            .target_environment
            .as_deref()
            .unwrap_or(DEFAULT_TARGET_ENVIRONMENT);
        let currency = match (&self.currency, target) {
            (Some(code), _) => Some(configured_currency(code)?),
            (None, DEFAULT_TARGET_ENVIRONMENT) => Some(configured_currency("EUR")?),
            (None, _) => None,
        };
        let mut provider = MomoProvider::new(client);
        if let Some(currency) = currency {
            provider = provider.with_currency(currency);
        }
        if let Some(url) = &self.callback_url {
            check_url(url).map_err(|e| Error::config("callback_url", e))?;
            provider = provider.with_callback_url(url.clone());
        }
        Ok(provider)
    }
}

#[typetag::serde(name = "momo")]
impl ProviderConfig for MomoConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(self.provider(context)?))
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::registry::load_json;
    use bankkit_core::secret::secret;

    use super::*;

    const USER: &str = "c72025f5-5cd1-4630-99e4-8ba4722fad56";
    const API_KEY: &str = "f1db798c98df4bcf83b538175893bbf0";
    const COLLECTION: &str = "0b6b0c8d1d7f4a5fa1f3c2b9e8d7c6a5";
    const DISBURSEMENT: &str = "1c7c1d9e2e8a5b6ab2a4d3cafe9e8d7b";

    fn config() -> MomoConfig {
        MomoConfig::new(USER, secret(API_KEY))
            .with_subscription_key(Product::Collection, secret(COLLECTION))
            .with_subscription_key(Product::Disbursement, secret(DISBURSEMENT))
    }

    fn field_of(result: Result<MomoProvider>) -> String {
        match result {
            Err(Error::Config { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn bad_values_name_their_fields() {
        let context = BuildContext::default();
        let mut c = config();
        c.api_user = " ".into();
        assert_eq!(field_of(c.provider(&context)), "api_user");
        let mut c = config();
        c.api_key = secret("");
        assert_eq!(field_of(c.provider(&context)), "api_key");
        let c = MomoConfig::new(USER, secret(API_KEY));
        assert_eq!(field_of(c.provider(&context)), "collection_key");
        let c = config().with_subscription_key(Product::Remittance, secret("bad\nkey"));
        assert_eq!(field_of(c.provider(&context)), "remittance_key");
        assert_eq!(
            field_of(config().with_base_url("ftp://x").provider(&context)),
            "base_url"
        );
        assert_eq!(
            field_of(config().with_target_environment("").provider(&context)),
            "target_environment"
        );
        assert_eq!(
            field_of(config().with_callback_url("nope").provider(&context)),
            "callback_url"
        );
        assert_eq!(
            field_of(config().with_currency("EURO").provider(&context)),
            "currency"
        );
        assert_eq!(
            field_of(config().with_timeout_secs(0).provider(&context)),
            "timeout_secs"
        );
    }

    #[test]
    fn products_without_a_key_are_not_offered() {
        let provider = MomoConfig::new(USER, secret(API_KEY))
            .with_subscription_key(Product::Collection, secret(COLLECTION))
            .provider(&BuildContext::default())
            .unwrap();
        let ops = provider.capabilities().payment_operations;
        use bankkit_core::PaymentOperation;
        assert!(ops.offers(PaymentOperation::CollectPhone));
        assert!(!ops.offers(PaymentOperation::PayOut));
        assert!(!ops.offers(PaymentOperation::Refund));
        assert!(!ops.offers(PaymentOperation::CancelUnpaid));
        assert_eq!(provider.client().products(), vec![Product::Collection]);
    }

    #[test]
    fn unknown_fields_are_rejected_without_showing_secrets() {
        let e = load_json(&format!(
            r#"{{"providers":[{{"provider":"momo","api_user":"{USER}","api_key":"{API_KEY}","collection_key":"{COLLECTION}","apikey":"x"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.to_string().contains("apikey"), "{e}");
        assert!(!e.to_string().contains(API_KEY));
        assert!(!e.to_string().contains(COLLECTION));
    }

    #[test]
    fn serialised_and_debug_configs_hide_every_secret() {
        let config = config();
        let provider = config.provider(&BuildContext::default()).unwrap();
        let boxed: Box<dyn ProviderConfig> = Box::new(config.clone());
        let json = serde_json::to_string(&boxed).unwrap();
        assert!(json.contains(r#""provider":"momo""#), "{json}");
        let err = MomoConfig::new(USER, secret(API_KEY))
            .provider(&BuildContext::default())
            .unwrap_err();
        for shown in [
            format!("{config:?}"),
            json,
            format!("{provider:?}"),
            format!("{:?}", provider.client()),
            format!("{:?}", provider.client().provisioning()),
            format!("{err:?}"),
            err.to_string(),
        ] {
            for s in [API_KEY, COLLECTION, DISBURSEMENT] {
                assert!(!shown.contains(s), "{s} shown in {shown}");
            }
        }
    }
}

//! [`MonobankConfig`]: the provider's configuration, loadable as a plugin config.

use std::path::PathBuf;
use std::sync::Arc;

use bankkit_core::http::Pacing;
use bankkit_core::registry::{BuildContext, ProviderConfig};
use bankkit_core::secret::{ExposeSecret, SecretString};
use bankkit_core::{validate, Error, Provider, Result};
use serde::{Deserialize, Serialize};

use crate::client::{MonobankClient, DEFAULT_BASE_URL};
use crate::provider::MonobankProvider;
use crate::sign::{KeyError, ProviderKey};

/// Configuration of the Monobank personal API, provider ("corporate") API and acquiring
/// API.
///
/// In a providers file:
///
/// ```toml
/// [[providers]]
/// provider = "monobank"
/// token = "your 44-character personal token"
/// # merchant_token = "your merchant token (acquiring), or a test token"
/// # base_url = "https://api.monobank.ua"
/// # timeout_secs = 30
/// # pacing = "provider"   # or "off", or "sandbox_clock"
/// ```
///
/// or, for one customer of the provider API (no personal `token`):
///
/// ```toml
/// [[providers]]
/// provider = "monobank"
/// provider_key_file = "/etc/myapp/monobank-secp256k1.pem"   # or provider_key = "-----BEGIN EC PRIVATE KEY-----..."
/// provider_key_id = "28a75537175a018645e6f8b14be7681791e701e0"
/// request_id = "the customer's tokenRequestId"
/// # merchant_token = "..."
/// ```
///
/// **Credentials.** `token` (the personal API), `merchant_token` (the acquiring API,
/// `/api/merchant/...`) and a provider key (the provider API) are each optional, but at
/// least one is required; a config with none is a config error naming `token`. Each
/// credential is sent only to its own API.
///
/// **Provider key.** The company's secp256k1 private key as PEM (SEC1 `EC PRIVATE KEY` or
/// PKCS#8 `PRIVATE KEY`): inline in `provider_key`, or read from `provider_key_file` (not
/// both). `provider_key_id` is required with it and must equal the key's id (lowercase
/// hex SHA-1 of its public point, the `keyId` the bank returns once the registration is
/// approved): a mismatch is caught here rather than as refused requests. `request_id` (a
/// customer's `tokenRequestId`, once they granted access) makes the provider read that
/// customer's balances and statements, signed with the key; it cannot go with `token`
/// (whose accounts would they be?). Without `request_id` the key serves
/// [`MonobankProvider::client`]`().`[`provider_api`](MonobankClient::provider_api)`()`.
///
/// Config errors name the field: `provider_key_file` (cannot be read), `provider_key` or
/// `provider_key_file` (not PEM, not a secp256k1 key, a P-256 key), `provider_key_file`
/// (both set), `provider_key_id` (missing, not the key's, or without a key), `request_id`
/// (without a key, with `token`, blank), `token` (no credential at all).
///
/// `pacing` says how the client spaces `client-info` and `statement` calls (see
/// [`Pacing`]): `"provider"` (the default) keeps the bank's one call per 60 s on the build
/// context's clock; `"off"` sends every call at once; `"sandbox_clock"` keeps the limits on
/// the clock of the sandbox at `base_url` and advances that clock instead of waiting (the
/// build context's clock is then not used). The last two are for an app in its own process
/// pointed at a developer's own sandbox started with `bankkit-sandbox --limits off`; any
/// other value is a config error.
///
/// `Debug` never shows the tokens, the inline key or the request id, and serialising a
/// config writes `"[REDACTED]"` in their place, so a written-out config cannot leak them
/// (nor be loaded back as is).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MonobankConfig {
    /// The personal token from <https://api.monobank.ua/>, sent as `X-Token` to the
    /// personal API.
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub token: Option<SecretString>,
    /// The merchant token (from <https://web.monobank.ua/>, or a test token from
    /// <https://api.monobank.ua/>), sent as `X-Token` to the acquiring API.
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_token: Option<SecretString>,
    /// The company's secp256k1 private key for the provider API, as PEM text.
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub provider_key: Option<SecretString>,
    /// A file holding the provider key as PEM (instead of `provider_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_key_file: Option<PathBuf>,
    /// The provider key's id (`X-Key-Id`), required with a key and checked against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_key_id: Option<String>,
    /// The request id of the customer whose accounts `Balance` and `Statement` read
    /// (needs a provider key; not with `token`).
    #[serde(
        default,
        serialize_with = "bankkit_core::secret::serialize_redacted_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<SecretString>,
    /// Where the API lives (default `https://api.monobank.ua`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Time allowed for one attempt, in seconds (default: the build context's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// How calls the bank limits are paced (default [`Pacing::Provider`]).
    #[serde(default, skip_serializing_if = "Pacing::is_default")]
    pub pacing: Pacing,
    /// A file keeping the at-most-once records of payment creates (see
    /// [`bankkit_core::payment::once`]); in memory when unset. Use one per machine when
    /// several processes or restarts must never charge twice for one idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_file: Option<std::path::PathBuf>,
}

impl MonobankConfig {
    /// A config for the real personal API with `token`.
    pub fn new(token: SecretString) -> Self {
        Self {
            token: Some(token),
            ..Self::empty()
        }
    }

    /// A config for the real acquiring API only, with `merchant_token`.
    pub fn merchant(merchant_token: SecretString) -> Self {
        Self {
            merchant_token: Some(merchant_token),
            ..Self::empty()
        }
    }

    /// A config for the real provider API with the company's key (PEM text) and its id,
    /// without a personal token; add a customer with [`with_request_id`](Self::with_request_id).
    pub fn provider_api(
        provider_key_pem: SecretString,
        provider_key_id: impl Into<String>,
    ) -> Self {
        Self::empty().with_provider_key(provider_key_pem, provider_key_id)
    }

    /// A config for the real provider API with the company's key read from a PEM file
    /// when the client is built, and the key's id, without a personal token.
    pub fn provider_api_with_key_file(
        path: impl Into<PathBuf>,
        provider_key_id: impl Into<String>,
    ) -> Self {
        Self::empty().with_provider_key_file(path, provider_key_id)
    }

    /// A config with no credential (filled in by the `with_` methods).
    pub(crate) fn empty() -> Self {
        Self {
            token: None,
            merchant_token: None,
            provider_key: None,
            provider_key_file: None,
            provider_key_id: None,
            request_id: None,
            base_url: None,
            timeout_secs: None,
            pacing: Pacing::default(),
            idempotency_file: None,
        }
    }

    /// Adds (or replaces) the provider key, as PEM text, and its id.
    pub fn with_provider_key(
        mut self,
        provider_key_pem: SecretString,
        provider_key_id: impl Into<String>,
    ) -> Self {
        self.provider_key = Some(provider_key_pem);
        self.provider_key_file = None;
        self.provider_key_id = Some(provider_key_id.into());
        self
    }

    /// Adds (or replaces) the provider key, read from a PEM file when the client is built,
    /// and its id.
    pub fn with_provider_key_file(
        mut self,
        path: impl Into<PathBuf>,
        provider_key_id: impl Into<String>,
    ) -> Self {
        self.provider_key = None;
        self.provider_key_file = Some(path.into());
        self.provider_key_id = Some(provider_key_id.into());
        self
    }

    /// Reads one customer's accounts through the provider API (needs a provider key and
    /// no personal token).
    pub fn with_request_id(mut self, request_id: SecretString) -> Self {
        self.request_id = Some(request_id);
        self
    }

    /// Adds (or replaces) the merchant token of the acquiring API.
    pub fn with_merchant_token(mut self, merchant_token: SecretString) -> Self {
        self.merchant_token = Some(merchant_token);
        self
    }

    /// Points the config at another base URL (the sandbox).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the per-attempt timeout in seconds.
    pub fn with_timeout_secs(mut self, seconds: u64) -> Self {
        self.timeout_secs = Some(seconds);
        self
    }

    /// Sets how calls the bank limits are paced.
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Builds the client this config describes, on the context's clock (or, with
    /// [`Pacing::SandboxClock`], the sandbox's) and HTTP options.
    ///
    /// # Errors
    /// [`Error::Config`] naming `token` (also when no credential is set),
    /// `merchant_token`, `provider_key`, `provider_key_file`, `provider_key_id`,
    /// `request_id`, `base_url` or `timeout_secs` (see the type's docs).
    pub fn client(&self, context: &BuildContext) -> Result<MonobankClient> {
        let provider_key = self.provider_key()?;
        if self.token.is_none() && self.merchant_token.is_none() && provider_key.is_none() {
            return Err(Error::config(
                "token",
                "set `token` (personal API), `merchant_token` (acquiring API), a provider \
                 key (`provider_key` or `provider_key_file`, provider API), or several",
            ));
        }
        if let Some(request_id) = &self.request_id {
            if provider_key.is_none() {
                return Err(Error::config(
                    "request_id",
                    "a request id needs the company's provider key \
                     (`provider_key` or `provider_key_file`) to sign with",
                ));
            }
            if self.token.is_some() {
                return Err(Error::config(
                    "request_id",
                    "`request_id` and `token` together are ambiguous: Balance and Statement \
                     would read either the token owner's or the customer's accounts; keep one",
                ));
            }
            validate::non_blank_secret(request_id, "request_id")?;
        }
        let http = validate::timeout_secs(context.http.clone(), self.timeout_secs, "timeout_secs")?;
        let mut builder = MonobankClient::builder();
        if let Some(token) = &self.token {
            builder = builder.token(token.clone());
        }
        if let Some(merchant_token) = &self.merchant_token {
            builder = builder.merchant_token(merchant_token.clone());
        }
        if let Some(key) = provider_key {
            builder = builder.provider_key(key);
        }
        if let Some(request_id) = &self.request_id {
            builder = builder.request_id(request_id.clone());
        }
        let builder = builder
            .base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))
            .http_options(http)
            .pacing(self.pacing);
        let builder = match self.pacing {
            Pacing::SandboxClock => builder,
            _ => builder.clock(context.clock.clone()),
        };
        builder.build()
    }
}

impl MonobankConfig {
    /// The provider key from `provider_key` or `provider_key_file`, checked against
    /// `provider_key_id`; `None` when neither is set.
    fn provider_key(&self) -> Result<Option<ProviderKey>> {
        let (field, pem) = match (&self.provider_key, &self.provider_key_file) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "provider_key_file",
                    "set either `provider_key` (PEM text) or `provider_key_file`, not both",
                ))
            }
            (Some(pem), None) => ("provider_key", pem.clone()),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::config(
                        "provider_key_file",
                        format!("cannot read {}: {}", path.display(), e.kind()),
                    )
                })?;
                ("provider_key_file", SecretString::from(text))
            }
            (None, None) => {
                if self.provider_key_id.is_some() {
                    return Err(Error::config(
                        "provider_key_id",
                        "a key id without a key: set `provider_key` or `provider_key_file`",
                    ));
                }
                return Ok(None);
            }
        };
        let key = ProviderKey::from_pem(pem.expose_secret()).map_err(|e| key_error(field, &e))?;
        match self.provider_key_id.as_deref().map(str::trim) {
            None | Some("") => Err(Error::config(
                "provider_key_id",
                format!(
                    "required with a provider key: the keyId the bank returns for it (this \
                     key's id is {})",
                    key.key_id()
                ),
            )),
            Some(id) if !id.eq_ignore_ascii_case(key.key_id()) => Err(Error::config(
                "provider_key_id",
                format!(
                    "{id:?} is not the id of the configured key (its id is {}): the key and \
                     the id belong to different keys",
                    key.key_id()
                ),
            )),
            Some(_) => Ok(Some(key)),
        }
    }
}

/// A key that could not be read, as a config error naming `field`.
fn key_error(field: &str, error: &KeyError) -> Error {
    let hint = match error {
        KeyError::NotPem { .. } => "; expected a PEM secp256k1 private key",
        _ => "",
    };
    Error::config(field, format!("{error}{hint}"))
}

#[typetag::serde(name = "monobank")]
impl ProviderConfig for MonobankConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        let mut provider = MonobankProvider::new(self.client(context)?);
        if let Some(path) = &self.idempotency_file {
            provider = provider.with_idempotency_store(Arc::new(
                bankkit_core::payment::once::FileIdempotencyStore::new(path),
            ));
        }
        Ok(Arc::new(provider))
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::registry::load_json;
    use bankkit_core::secret::secret;
    use bankkit_core::Error;

    use super::*;

    const TOKEN: &str = "uZ3pQk7w1R5tY9aB2cD4eF6gH8iJ0kL1mN3oP5qR7sT9";

    #[test]
    fn empty_token_names_the_token_field() {
        let e = MonobankConfig::new(secret(""))
            .build(&BuildContext::default())
            .unwrap_err();
        assert!(
            matches!(e, Error::Config { ref field, .. } if field == "token"),
            "{e:?}"
        );
    }

    #[test]
    fn bad_base_url_and_zero_timeout_name_their_fields() {
        let e = MonobankConfig::new(secret(TOKEN))
            .with_base_url("not a url")
            .build(&BuildContext::default())
            .unwrap_err();
        assert!(
            matches!(e, Error::Config { ref field, .. } if field == "base_url"),
            "{e:?}"
        );
        let e = MonobankConfig::new(secret(TOKEN))
            .with_timeout_secs(0)
            .build(&BuildContext::default())
            .unwrap_err();
        assert!(
            matches!(e, Error::Config { ref field, .. } if field == "timeout_secs"),
            "{e:?}"
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let e = load_json(&format!(
            r#"{{"providers":[{{"provider":"monobank","token":"{TOKEN}","tokn":"x"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.to_string().contains("tokn"), "{e}");
        assert!(!e.to_string().contains(TOKEN));
    }

    #[test]
    fn pacing_is_written_only_when_it_is_not_the_default_and_reads_back() {
        let off = MonobankConfig::new(secret(TOKEN)).with_pacing(Pacing::Off);
        let json = serde_json::to_string(&off).unwrap();
        assert!(json.contains(r#""pacing":"off""#), "{json}");
        let json = serde_json::to_string(&MonobankConfig::new(secret(TOKEN))).unwrap();
        assert!(!json.contains("pacing"), "{json}");
        let read: MonobankConfig = serde_json::from_str(&format!(
            r#"{{"token":"{TOKEN}","pacing":"sandbox_clock"}}"#
        ))
        .unwrap();
        assert_eq!(read.pacing, Pacing::SandboxClock);
    }

    const MERCHANT: &str = "mT0k3n-merchant-9aB2cD4eF6gH8iJ0kL1mN3oP5qR7s";

    #[test]
    fn a_config_needs_a_personal_or_a_merchant_token() {
        let e = load_json(r#"{"providers":[{"provider":"monobank"}]}"#)
            .unwrap()
            .remove(0)
            .build(&BuildContext::default())
            .unwrap_err();
        assert!(
            matches!(e, Error::Config { ref field, ref message } if field == "token" && message.contains("merchant_token")),
            "{e:?}"
        );
        let merchant_only = load_json(&format!(
            r#"{{"providers":[{{"provider":"monobank","merchant_token":"{MERCHANT}"}}]}}"#
        ))
        .unwrap();
        merchant_only[0].build(&BuildContext::default()).unwrap();
        let e = MonobankConfig::merchant(secret(" "))
            .build(&BuildContext::default())
            .unwrap_err();
        assert!(
            matches!(e, Error::Config { ref field, .. } if field == "merchant_token"),
            "{e:?}"
        );
    }

    #[test]
    fn existing_personal_configs_load_unchanged() {
        let configs = load_json(&format!(
            r#"{{"providers":[{{"provider":"monobank","token":"{TOKEN}"}}]}}"#
        ))
        .unwrap();
        let provider = configs[0].build(&BuildContext::default()).unwrap();
        assert_eq!(provider.id(), "monobank");
    }

    #[test]
    fn both_tokens_are_hidden_in_debug_and_serialised_configs() {
        let config = MonobankConfig::new(secret(TOKEN)).with_merchant_token(secret(MERCHANT));
        let shown = format!("{config:?}");
        assert!(
            !shown.contains(TOKEN) && !shown.contains(MERCHANT),
            "{shown}"
        );
        let json = serde_json::to_string(&config).unwrap();
        assert!(!json.contains(TOKEN) && !json.contains(MERCHANT), "{json}");
        assert!(json.contains(r#""merchant_token":"[REDACTED]""#), "{json}");
        let client = config.client(&BuildContext::default()).unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains(TOKEN) && !shown.contains(MERCHANT),
            "{shown}"
        );
        let personal_only = serde_json::to_string(&MonobankConfig::new(secret(TOKEN))).unwrap();
        assert!(!personal_only.contains("merchant_token"), "{personal_only}");
    }

    #[test]
    fn serialised_and_debug_configs_hide_the_token() {
        let config = MonobankConfig::new(secret(TOKEN)).with_base_url("http://127.0.0.1:1");
        assert!(!format!("{config:?}").contains(TOKEN));
        let boxed: Box<dyn ProviderConfig> = Box::new(config);
        let json = serde_json::to_string(&boxed).unwrap();
        assert!(json.contains(r#""provider":"monobank""#), "{json}");
        assert!(json.contains("[REDACTED]"));
        assert!(!json.contains(TOKEN));
    }
}

//! [`MonobankConfig`]: the provider's configuration, loadable as a plugin config.

use std::sync::Arc;

use bankkit_core::http::Pacing;
use bankkit_core::registry::{BuildContext, ProviderConfig};
use bankkit_core::secret::SecretString;
use bankkit_core::{validate, Provider, Result};
use serde::{Deserialize, Serialize};

use crate::client::{MonobankClient, DEFAULT_BASE_URL};
use crate::provider::MonobankProvider;

/// Configuration of the Monobank personal API.
///
/// In a providers file:
///
/// ```toml
/// [[providers]]
/// provider = "monobank"
/// token = "your 44-character personal token"
/// # base_url = "https://api.monobank.ua"
/// # timeout_secs = 30
/// # pacing = "provider"   # or "off", or "sandbox_clock"
/// ```
///
/// `pacing` says how the client spaces `client-info` and `statement` calls (see
/// [`Pacing`]): `"provider"` (the default) keeps the bank's one call per 60 s on the build
/// context's clock; `"off"` sends every call at once; `"sandbox_clock"` keeps the limits on
/// the clock of the sandbox at `base_url` and advances that clock instead of waiting (the
/// build context's clock is then not used). The last two are for an app in its own process
/// pointed at a developer's own sandbox started with `bankkit-sandbox --limits off`; any
/// other value is a config error.
///
/// `Debug` never shows the token, and serialising a config writes `"[REDACTED]"` in its
/// place, so a written-out config cannot leak it (nor be loaded back as is).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MonobankConfig {
    /// The personal token from <https://api.monobank.ua/>, sent as `X-Token`.
    #[serde(serialize_with = "bankkit_core::secret::serialize_redacted")]
    pub token: SecretString,
    /// Where the API lives (default `https://api.monobank.ua`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Time allowed for one attempt, in seconds (default: the build context's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// How calls the bank limits are paced (default [`Pacing::Provider`]).
    #[serde(default, skip_serializing_if = "Pacing::is_default")]
    pub pacing: Pacing,
}

impl MonobankConfig {
    /// A config for the real API with `token`.
    pub fn new(token: SecretString) -> Self {
        Self {
            token,
            base_url: None,
            timeout_secs: None,
            pacing: Pacing::default(),
        }
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
    /// [`Error::Config`](bankkit_core::Error::Config) naming `token`, `base_url` or `timeout_secs`.
    pub fn client(&self, context: &BuildContext) -> Result<MonobankClient> {
        let http = validate::timeout_secs(context.http.clone(), self.timeout_secs, "timeout_secs")?;
        let builder = MonobankClient::builder()
            .token(self.token.clone())
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

#[typetag::serde(name = "monobank")]
impl ProviderConfig for MonobankConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(MonobankProvider::new(self.client(context)?)))
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

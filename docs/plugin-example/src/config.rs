//! [`AcmeConfig`]: what a providers file says about Acme, and how it becomes a provider.

use std::path::PathBuf;
use std::sync::Arc;

use bankkit_core::http::HttpClient;
use bankkit_core::payment::once::{FileIdempotencyStore, IdempotencyStore, MemoryIdempotencyStore};
use bankkit_core::registry::{BuildContext, ProviderConfig, SandboxTarget};
use bankkit_core::secret::{secret, SecretString};
use bankkit_core::{Error, Provider, Result};
use serde::{Deserialize, Serialize};

use crate::client::AcmeClient;
use crate::provider::AcmeProvider;

/// Configuration of the Acme provider (`provider = "acme"` in a providers file).
///
/// ```toml
/// [[providers]]
/// provider = "acme"
/// api_key = "..."
/// idempotency_file = "/var/lib/shop/acme-charges.json"   # optional
/// ```
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcmeConfig {
    /// The API key, sent as a bearer token.
    #[serde(serialize_with = "bankkit_core::secret::serialize_redacted")]
    pub api_key: SecretString,
    /// Where the API lives.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Where charges and refunds are recorded before they are sent (a JSON file, shared by
    /// every process that charges through this Acme account on this machine). Without it
    /// the record lives in memory: a charge whose answer was lost is still never sent twice
    /// by this provider, but a restart forgets it. Acme itself does not dedupe, so set it
    /// in production.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_file: Option<PathBuf>,
}

fn default_base_url() -> String {
    "https://api.acme.example".to_owned()
}

impl AcmeConfig {
    /// The record of creates: the file when one is configured, else memory.
    fn idempotency_store(&self) -> Result<Arc<dyn IdempotencyStore>> {
        let Some(path) = &self.idempotency_file else {
            return Ok(Arc::new(MemoryIdempotencyStore::new()));
        };
        if path.as_os_str().is_empty() {
            return Err(Error::config("idempotency_file", "must not be empty"));
        }
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => std::path::Path::new("."),
        };
        if !directory.is_dir() {
            return Err(Error::config(
                "idempotency_file",
                format!("the directory {} does not exist", directory.display()),
            ));
        }
        Ok(Arc::new(FileIdempotencyStore::new(path)))
    }
}

#[typetag::serde(name = "acme")]
impl ProviderConfig for AcmeConfig {
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>> {
        bankkit_core::validate::non_blank_secret(&self.api_key, "api_key")?;
        let http = HttpClient::new(
            "acme",
            &self.base_url,
            context.http.clone(),
            Some(context.clock.clone()),
        )?;
        let client = AcmeClient::new(http, self.api_key.clone());
        Ok(Arc::new(AcmeProvider::new(
            client,
            self.idempotency_store()?,
        )))
    }
}

/// A config for the sandbox's imitation of Acme (its URL and seeded key).
pub(crate) fn sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    Ok(Box::new(AcmeConfig {
        api_key: secret(target.credential("api_key")?),
        base_url: target.base_url.clone(),
        idempotency_file: None,
    }))
}

//! The Acme client, its wire types, and the core traits on top.

use std::sync::Arc;

use async_trait::async_trait;
use bankkit_core::http::{ApiRequest, ApiResponse, HttpClient};
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::registry::{BuildContext, ProviderConfig, SandboxTarget};
use bankkit_core::secret::{secret, sensitive_header, ExposeSecret, SecretString};
use bankkit_core::{
    Account, AccountBalance, AccountId, AccountKind, Balance, Capabilities, Capability, Error,
    Provider, Result, Support,
};
use serde::{Deserialize, Serialize};

/// Configuration of the Acme provider (`provider = "acme"` in a providers file).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcmeConfig {
    /// The API key, sent as a bearer token.
    #[serde(serialize_with = "bankkit_core::secret::serialize_redacted")]
    pub api_key: SecretString,
    /// Where the API lives.
    #[serde(default = "default_base_url")]
    pub base_url: String,
}

fn default_base_url() -> String {
    "https://api.acme.example".to_owned()
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
        Ok(Arc::new(AcmeProvider {
            http,
            api_key: self.api_key.clone(),
        }))
    }
}

pub(crate) fn capabilities() -> Capabilities {
    let reason = "the Acme API only reports balances";
    Capabilities::none(reason).with(Capability::Balance, Support::Supported)
}

pub(crate) fn sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    Ok(Box::new(AcmeConfig {
        api_key: secret(target.credential("api_key")?),
        base_url: target.base_url.clone(),
    }))
}

/// Wire shapes of the Acme API.
#[derive(Deserialize)]
struct AccountList {
    accounts: Vec<WireAccount>,
}

#[derive(Deserialize)]
struct WireAccount {
    id: String,
    name: String,
    currency: String,
    /// A decimal string, e.g. `"1234.56"`.
    balance: String,
}

#[derive(Deserialize)]
struct WireError {
    error: WireErrorBody,
}

#[derive(Deserialize)]
struct WireErrorBody {
    code: String,
    message: String,
}

fn map_error(response: &ApiResponse) -> Error {
    let (code, message) = match response.json::<WireError>("error body") {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (String::new(), response.text()),
    };
    match response.status.as_u16() {
        401 => Error::Unauthorized { message },
        404 => Error::NotFound { message },
        429 => Error::RateLimited { retry_after: None },
        status => Error::Provider {
            status,
            code: (!code.is_empty()).then_some(code),
            message,
        },
    }
}

/// Acme Bank behind the core traits.
#[derive(Debug)]
pub struct AcmeProvider {
    http: HttpClient,
    api_key: SecretString,
}

impl AcmeProvider {
    fn get(&self, path: String) -> Result<ApiRequest> {
        let bearer = secret(format!("Bearer {}", self.api_key.expose_secret()));
        let header = sensitive_header(&bearer, "api_key")?;
        Ok(ApiRequest::get(path).header(http::header::AUTHORIZATION, header))
    }

    async fn wire_accounts(&self) -> Result<Vec<WireAccount>> {
        let request = self.get("/v1/accounts".to_owned())?.operation("accounts");
        let response = self.http.send(request, &map_error).await?;
        Ok(response.json::<AccountList>("account list")?.accounts)
    }
}

impl Provider for AcmeProvider {
    fn id(&self) -> &str {
        "acme"
    }
    fn name(&self) -> &str {
        "Acme Bank (example plugin)"
    }
    fn capabilities(&self) -> Capabilities {
        capabilities()
    }
    fn balance(&self) -> Option<&dyn Balance> {
        Some(self)
    }
}

#[async_trait]
impl Balance for AcmeProvider {
    async fn accounts(&self) -> Result<Vec<Account>> {
        self.wire_accounts()
            .await?
            .into_iter()
            .map(|a| {
                let currency = currency_from_code(&a.currency)?;
                Ok(
                    Account::new(AccountId::new(a.id), AccountKind::Current, "acme", currency)
                        .with_name(a.name),
                )
            })
            .collect()
    }

    async fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        let request = self
            .get(format!("/v1/accounts/{}", account.as_str()))?
            .operation("account");
        let response = self.http.send(request, &map_error).await?;
        let wire: WireAccount = response.json("account")?;
        let money = Money::parse(&wire.balance, currency_from_code(&wire.currency)?)?;
        Ok(AccountBalance::new(
            account.clone(),
            money,
            self.http.clock().now(),
        ))
    }
}

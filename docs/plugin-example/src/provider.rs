//! The Acme client, its wire types, and the core traits on top.

use std::sync::Arc;

use async_trait::async_trait;
use bankkit_core::http::{path_segment, ApiRequest, ApiResponse, HttpClient};
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::registry::{BuildContext, ProviderConfig, SandboxTarget};
use bankkit_core::secret::{bearer_header, secret, SecretString};
use bankkit_core::{
    Account, AccountBalance, AccountId, AccountKind, Balance, Capabilities, Capability, Error,
    ForbiddenReason, Provider, Result, Support,
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

/// How much of a body that is not an Acme error an error message quotes.
const QUOTED_BODY: usize = 200;

/// At most `max` characters of `text` (cut on a character boundary), `…` marking a cut.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Acme's error answers as core errors, by status: 400 `InvalidRequest`, 401
/// `Unauthorized`, 403 `Forbidden`, 404 `NotFound`, 429 `RateLimited`, anything else
/// (5xx included) `Provider`. A body that is not Acme's error shape is quoted, shortened.
fn map_error(response: &ApiResponse) -> Error {
    let (code, message) = match response.json::<WireError>("error body") {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (String::new(), truncate(&response.text(), QUOTED_BODY)),
    };
    match response.status.as_u16() {
        400 => Error::InvalidRequest { message },
        401 => Error::Unauthorized { message },
        403 => Error::Forbidden {
            reason: ForbiddenReason::Other(if code.is_empty() {
                "forbidden".to_owned()
            } else {
                code
            }),
            message,
        },
        404 => Error::NotFound { message },
        429 => Error::RateLimited { retry_after: None },
        status => Error::Provider {
            status,
            code: (!code.is_empty()).then_some(code),
            message,
        },
    }
}

/// The path of one account; the id is escaped, so it cannot reach another path.
fn account_path(account: &AccountId) -> String {
    format!("/v1/accounts/{}", path_segment(account.as_str()))
}

/// Acme Bank behind the core traits.
#[derive(Debug)]
pub struct AcmeProvider {
    http: HttpClient,
    api_key: SecretString,
}

impl AcmeProvider {
    fn get(&self, path: String) -> Result<ApiRequest> {
        let header = bearer_header(&self.api_key)?;
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
        let request = self.get(account_path(account))?.operation("account");
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

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};

    use super::*;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn account_ids_are_escaped_in_the_path() {
        assert_eq!(
            account_path(&AccountId::new("acc_main")),
            "/v1/accounts/acc_main"
        );
        assert_eq!(
            account_path(&AccountId::new("../admin?x=1")),
            "/v1/accounts/..%2Fadmin%3Fx%3D1"
        );
    }

    #[test]
    fn each_status_maps_to_its_core_error() {
        let body = r#"{"error":{"code":"c","message":"m"}}"#;
        let map = |status| map_error(&answer(status, body));
        assert!(matches!(map(400), Error::InvalidRequest { .. }));
        assert!(matches!(map(401), Error::Unauthorized { .. }));
        assert!(matches!(
            map(403),
            Error::Forbidden { reason: ForbiddenReason::Other(ref c), .. } if c == "c"
        ));
        assert!(matches!(map(404), Error::NotFound { .. }));
        assert!(matches!(map(429), Error::RateLimited { .. }));
        let e = map(503);
        assert!(matches!(e, Error::Provider { status: 503, .. }) && e.is_retryable());
        assert!(matches!(map(500), Error::Provider { status: 500, .. }));
    }

    #[test]
    fn a_foreign_body_is_quoted_shortened_on_a_character_boundary() {
        let page = "é".repeat(1000);
        match map_error(&answer(502, &page)) {
            Error::Provider { message, .. } => {
                assert_eq!(message.chars().count(), QUOTED_BODY + 1);
                assert!(message.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(truncate("short", QUOTED_BODY), "short");
    }
}

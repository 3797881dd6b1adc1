//! The provider API's own routes: registration, its status, company settings and webhook,
//! creating and checking access requests.

use std::sync::Arc;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;
use wiremock::Request;

use super::signed::{self, Scheme};
use super::state::{
    AccessRequest, AccessState, Companies, Company, RegistrationStatus, KNOWN_PERMISSIONS,
};
use super::ProviderApi;
use crate::monobank::check;
use crate::monobank::keys;
use crate::monobank::routes::{
    json_response, respond_with, INVALID_WEBHOOK_BODY, WEBHOOK_CHECK_FAILED,
};
use crate::monobank::state::ApiError;
use crate::request::web_url;
use crate::{Reply, ReplyFuture, Respond, RespondAsync};

pub(crate) const INVALID_BODY: &str = "Invalid request body";
pub(crate) const INVALID_PUBKEY: &str =
    "Invalid 'pubkey': expected base64 of a PEM secp256k1 public key";
pub(crate) const INVALID_LOGO: &str = "Invalid 'logo': expected base64";
pub(crate) const UNKNOWN_PUBKEY: &str = "Unknown 'pubkey': no registration for this key";
pub(crate) const PERMISSION_DENIED: &str = "Permission denied, check 'X-Permissions'";
pub(crate) const INVALID_CALLBACK: &str = "Invalid 'X-Callback': expected an http(s) URL";
pub(crate) const REQUEST_NOT_FOUND: &str = "Request is not exist";
pub(crate) const NOT_APPROVED_YET: &str = "Request is unauthorized yet";
pub(crate) const REFUSED: &str = "Request was refused by the client";

/// Longest `logo` accepted (base64 text).
const MAX_LOGO_CHARS: usize = 256 * 1024;
/// Longest other text field accepted.
const MAX_TEXT_CHARS: usize = 1_000;

/// The approved access request `id` of company `key_id`: 404 when unknown or another
/// company's, 401 while pending or after a refusal.
pub(crate) fn granted<'a>(
    companies: &'a mut Companies,
    id: &str,
    key_id: &str,
) -> Result<&'a mut AccessRequest, ApiError> {
    let request = companies
        .request_mut(id)
        .filter(|request| request.key_id == key_id)
        .ok_or_else(|| ApiError::new(404, REQUEST_NOT_FOUND))?;
    match request.state {
        AccessState::Approved => Ok(request),
        AccessState::Pending => Err(ApiError::new(401, NOT_APPROVED_YET)),
        AccessState::Refused => Err(ApiError::new(401, REFUSED)),
    }
}

/// A required text field of a registration: present, not blank, not too long.
fn field(value: Option<String>, name: &str, max_chars: usize) -> Result<String, ApiError> {
    let value = value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::new(400, format!("{INVALID_BODY}: '{name}' is required")))?;
    if value.chars().count() > max_chars {
        return Err(ApiError::new(
            400,
            format!("{INVALID_BODY}: '{name}' is too long"),
        ));
    }
    Ok(value)
}

/// `RegistrationKeyRequest`; every field is required (checked after parsing).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegistrationBody {
    pubkey: Option<String>,
    name: Option<String>,
    description: Option<String>,
    contact_person: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    logo: Option<String>,
}

/// `RegistrationStatusRequest`.
#[derive(Deserialize)]
struct StatusBody {
    pubkey: Option<String>,
}

/// Checks `X-Time` and `X-Sign` (over `X-Time + path`) with the key the body names.
fn verify_with_body_key(
    api: &ProviderApi,
    request: &Request,
    key: &k256::ecdsa::VerifyingKey,
) -> Result<(), ApiError> {
    let (time_text, time) = signed::read_time(request)?;
    let sign = signed::required(request, "X-Sign")?;
    let tolerance = api.with(|companies| companies.time_tolerance);
    signed::check_time(time, api.now(), tolerance)?;
    signed::check_sign(key, &format!("{time_text}{}", request.url.path()), sign)
}

/// `POST /personal/auth/registration`.
#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) api: Arc<ProviderApi>,
}

impl Registration {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        signed::read_time(request)?;
        signed::required(request, "X-Sign")?;
        let body: RegistrationBody =
            serde_json::from_slice(&request.body).map_err(|_| ApiError::new(400, INVALID_BODY))?;
        let pubkey = field(body.pubkey, "pubkey", 4_096)?;
        let name = field(body.name, "name", MAX_TEXT_CHARS)?;
        let description = field(body.description, "description", MAX_TEXT_CHARS)?;
        let contact_person = field(body.contact_person, "contactPerson", MAX_TEXT_CHARS)?;
        let phone = field(body.phone, "phone", MAX_TEXT_CHARS)?;
        let email = field(body.email, "email", MAX_TEXT_CHARS)?;
        let logo = field(body.logo, "logo", MAX_LOGO_CHARS)?;
        let public = keys::public_key_from_base64_pem(&pubkey)
            .ok_or_else(|| ApiError::new(400, INVALID_PUBKEY))?;
        let compact: String = logo.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| ApiError::new(400, INVALID_LOGO))?;
        verify_with_body_key(&self.api, request, &public)?;
        let company = Company {
            key_id: keys::key_id(&public),
            pubkey,
            public,
            name,
            description,
            contact_person,
            phone,
            email,
            logo,
            permission: "psf".to_owned(),
            status: RegistrationStatus::New,
            webhook: None,
            seeded: false,
        };
        let (known, status) = self.api.with(|companies| {
            let known = companies.company(&company.key_id).is_some();
            (known, companies.register(company))
        });
        // A new registration is received as `New`, whatever happens to it next.
        let status = if known {
            status
        } else {
            RegistrationStatus::New
        };
        Ok(json_response(200, &json!({ "status": status.as_str() })))
    }
}

impl Respond for Registration {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `POST /personal/auth/registration/status`.
#[derive(Debug)]
pub(crate) struct RegistrationStatusRoute {
    pub(crate) api: Arc<ProviderApi>,
}

impl RegistrationStatusRoute {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        signed::read_time(request)?;
        signed::required(request, "X-Sign")?;
        let body: StatusBody =
            serde_json::from_slice(&request.body).map_err(|_| ApiError::new(400, INVALID_BODY))?;
        let pubkey = field(body.pubkey, "pubkey", 4_096)?;
        let public = keys::public_key_from_base64_pem(&pubkey)
            .ok_or_else(|| ApiError::new(400, INVALID_PUBKEY))?;
        verify_with_body_key(&self.api, request, &public)?;
        let key_id = keys::key_id(&public);
        let status = self
            .api
            .with(|companies| companies.company(&key_id).map(|company| company.status))
            .ok_or_else(|| ApiError::new(400, UNKNOWN_PUBKEY))?;
        Ok(json_response(
            200,
            &json!({ "status": status.as_str(), "keyId": key_id }),
        ))
    }
}

impl Respond for RegistrationStatusRoute {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `GET /personal/corp/settings`.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) api: Arc<ProviderApi>,
}

impl Settings {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let verified = self.api.authenticate(request, Scheme::TimeAndPath)?;
        let settings = self
            .api
            .with(|companies| {
                companies
                    .company(&verified.key_id)
                    .map(Company::settings_json)
            })
            .ok_or_else(|| ApiError::new(403, signed::UNKNOWN_KEY_ID))?;
        Ok(json_response(200, &settings))
    }
}

impl Respond for Settings {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

#[derive(Deserialize)]
struct WebhookBody {
    #[serde(rename = "webHookUrl")]
    web_hook_url: String,
}

/// `POST /personal/corp/webhook`: set (after the test POST) or remove (`""`) the company's
/// webhook.
#[derive(Debug)]
pub(crate) struct CorpWebhook {
    pub(crate) api: Arc<ProviderApi>,
}

impl CorpWebhook {
    async fn handle(api: Arc<ProviderApi>, request: Request) -> Result<Reply, ApiError> {
        let verified = api.authenticate(&request, Scheme::TimeAndPath)?;
        let body: WebhookBody = serde_json::from_slice(&request.body)
            .map_err(|_| ApiError::new(400, INVALID_WEBHOOK_BODY))?;
        let url = body.web_hook_url.trim().to_owned();
        // No lock is held while the bank tests the URL.
        if !url.is_empty() && !check::answers_200_to_post(&api.ctx, &url, b"{}".to_vec()).await {
            return Err(ApiError::new(400, WEBHOOK_CHECK_FAILED));
        }
        api.with(|companies| {
            let company = companies
                .company_mut(&verified.key_id)
                .ok_or_else(|| ApiError::new(403, signed::UNKNOWN_KEY_ID))?;
            company.webhook = if url.is_empty() { None } else { Some(url) };
            Ok(json_response(200, &json!({})))
        })
    }
}

impl RespondAsync for CorpWebhook {
    fn respond(&self, request: Request) -> ReplyFuture {
        let api = Arc::clone(&self.api);
        Box::pin(async move { respond_with(Self::handle(api, request).await) })
    }
}

/// The letters of `X-Permissions`, each once, if every one is known and granted to the
/// company.
fn requested_permissions(asked: &str, granted: &str) -> Result<String, ApiError> {
    let mut letters = String::new();
    for letter in asked.trim().chars() {
        if !KNOWN_PERMISSIONS.contains(letter) || !granted.contains(letter) {
            return Err(ApiError::new(400, PERMISSION_DENIED));
        }
        if !letters.contains(letter) {
            letters.push(letter);
        }
    }
    if letters.is_empty() {
        return Err(ApiError::new(400, PERMISSION_DENIED));
    }
    Ok(letters)
}

/// `POST /personal/auth/request`: a new access request.
#[derive(Debug)]
pub(crate) struct CreateAccessRequest {
    pub(crate) api: Arc<ProviderApi>,
}

impl CreateAccessRequest {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let verified = self.api.authenticate(request, Scheme::AccessRequest)?;
        let callback = match signed::optional(request, "X-Callback")? {
            None => None,
            Some(value) => Some(
                web_url(value.trim())
                    .map(String::from)
                    .ok_or_else(|| ApiError::new(400, INVALID_CALLBACK))?,
            ),
        };
        let now = self.api.now();
        let created = self.api.with(|companies| {
            let granted = companies
                .company(&verified.key_id)
                .map(|company| company.permission.clone())
                .ok_or_else(|| ApiError::new(403, signed::UNKNOWN_KEY_ID))?;
            let permissions = match &verified.permissions {
                Some(asked) => requested_permissions(asked, &granted)?,
                None => granted,
            };
            Ok(companies.new_request(&verified.key_id, permissions, callback, now))
        })?;
        Ok(json_response(
            200,
            &json!({
                "tokenRequestId": created.id,
                "acceptUrl": self.api.accept_url(&created.id),
            }),
        ))
    }
}

impl Respond for CreateAccessRequest {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `GET /personal/auth/request`: 200 (empty body) once the customer approved.
#[derive(Debug)]
pub(crate) struct CheckAccessRequest {
    pub(crate) api: Arc<ProviderApi>,
}

impl CheckAccessRequest {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let verified = self.api.authenticate(request, Scheme::WithRequestId)?;
        let id = verified.request_id.unwrap_or_default();
        self.api.with(|companies| {
            granted(companies, &id, &verified.key_id)?;
            Ok(Reply::new(200).set_body_raw(Vec::new(), "application/json"))
        })
    }
}

impl Respond for CheckAccessRequest {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asked_permissions_must_be_known_and_granted() {
        assert_eq!(requested_permissions("ps", "psf").unwrap(), "ps");
        assert_eq!(requested_permissions("sps", "psf").unwrap(), "sp");
        for asked in ["psj", "x", "", " "] {
            assert_eq!(
                requested_permissions(asked, "psf").unwrap_err(),
                ApiError::new(400, PERMISSION_DENIED),
                "{asked:?}"
            );
        }
    }
}

//! The provider API's control events.
//!
//! | event | does | returns |
//! |---|---|---|
//! | `{"type":"provider_registration","pubkey"\|"key_id":…,"decision":"approve"\|"decline"}` | decides a `New` registration | `{"status","keyId"}` |
//! | `{"type":"provider_registration_mode","mode":"auto"\|"manual"}` | how new registrations are decided | `{"mode"}` |
//! | `{"type":"provider_registrations"}` | nothing | `{"registrations":[…]}`, the seeded one first |
//! | `{"type":"provider_access","request_id":…,"decision":"approve"\|"refuse"}` | the customer's answer, as on the accept page | the request |
//! | `{"type":"provider_access_requests"}` | nothing | `{"requests":[…]}`, oldest first |
//! | `{"type":"provider_time_tolerance","seconds":N}` | largest `X-Time` difference accepted | `{"seconds"}` |

use serde::Deserialize;
use serde_json::{json, Value};

use super::state::{DecideError, RegistrationMode};
use super::ProviderApi;
use crate::monobank::keys;
use crate::SandboxError;

fn invalid(message: impl Into<String>) -> SandboxError {
    SandboxError::InvalidEvent(message.into())
}

fn parse<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, SandboxError> {
    serde_json::from_value(value.clone()).map_err(|error| invalid(error.to_string()))
}

#[derive(Deserialize)]
struct RegistrationDecision {
    #[serde(default)]
    pubkey: Option<String>,
    #[serde(default)]
    key_id: Option<String>,
    decision: String,
}

#[derive(Deserialize)]
struct Mode {
    mode: String,
}

#[derive(Deserialize)]
struct AccessDecision {
    request_id: String,
    decision: String,
}

#[derive(Deserialize)]
struct Tolerance {
    seconds: u32,
}

/// Handles `value` if it is one of the provider API's events (`None` otherwise).
pub(crate) fn handle(api: &ProviderApi, value: &Value) -> Option<Result<Value, SandboxError>> {
    let result = match value.get("type").and_then(Value::as_str)? {
        "provider_registration" => registration(api, value),
        "provider_registration_mode" => mode(api, value),
        "provider_registrations" => Ok(json!({
            "registrations": api.with(|companies| companies.companies_json()),
        })),
        "provider_access" => access(api, value),
        "provider_access_requests" => Ok(json!({
            "requests": api.with(|companies| companies.requests_json()),
        })),
        "provider_time_tolerance" => parse::<Tolerance>(value).map(|tolerance| {
            api.with(|companies| companies.time_tolerance = i64::from(tolerance.seconds));
            json!({ "seconds": tolerance.seconds })
        }),
        _ => return None,
    };
    Some(result)
}

fn registration(api: &ProviderApi, value: &Value) -> Result<Value, SandboxError> {
    let event: RegistrationDecision = parse(value)?;
    let approve = match event.decision.as_str() {
        "approve" => true,
        "decline" => false,
        other => {
            return Err(invalid(format!(
                "`decision` must be \"approve\" or \"decline\", not {other:?}"
            )))
        }
    };
    let key_id = match (&event.key_id, &event.pubkey) {
        (Some(key_id), _) => key_id.clone(),
        (None, Some(pubkey)) => keys::public_key_from_base64_pem(pubkey)
            .map(|key| keys::key_id(&key))
            .ok_or_else(|| invalid("`pubkey` is not base64 of a PEM secp256k1 public key"))?,
        (None, None) => return Err(invalid("provider_registration needs `pubkey` or `key_id`")),
    };
    api.with(|companies| {
        companies
            .decide_registration(&key_id, approve)
            .map(|company| json!({ "status": company.status.as_str(), "keyId": company.key_id }))
            .ok_or_else(|| invalid(format!("no registration with key id {key_id}")))
    })
}

fn mode(api: &ProviderApi, value: &Value) -> Result<Value, SandboxError> {
    let event: Mode = parse(value)?;
    let mode = match event.mode.as_str() {
        "auto" => RegistrationMode::Auto,
        "manual" => RegistrationMode::Manual,
        other => {
            return Err(invalid(format!(
                "`mode` must be \"auto\" or \"manual\", not {other:?}"
            )))
        }
    };
    api.with(|companies| companies.mode = mode);
    Ok(json!({ "mode": event.mode }))
}

fn access(api: &ProviderApi, value: &Value) -> Result<Value, SandboxError> {
    let event: AccessDecision = parse(value)?;
    let approve = match event.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        other => {
            return Err(invalid(format!(
                "`decision` must be \"approve\" or \"refuse\", not {other:?}"
            )))
        }
    };
    match api.decide_access(&event.request_id, approve) {
        Ok(request) => {
            let name = api.with(|companies| {
                companies
                    .company(&request.key_id)
                    .map(|company| company.name.clone())
            });
            Ok(request.to_json(name.as_deref()))
        }
        Err(DecideError::Unknown) => Err(invalid(format!(
            "unknown access request `{}`",
            event.request_id
        ))),
        Err(DecideError::AlreadyDecided(state)) => Err(invalid(format!(
            "access request `{}` is already {}",
            event.request_id,
            state.as_str()
        ))),
    }
}

//! Targets beyond one per registered provider: the same provider reached through another
//! of its APIs, with credentials that only a flow against the sandbox can produce.

use bankkit_core::secret::ExposeSecret as _;
use bankkit_monobank::sign::ProviderKey;
use bankkit_monobank::{AccessStatus, MonobankClient};
use bankkit_sandbox::SandboxEvent;
use futures::FutureExt as _;
use serde_json::{json, Value};

use crate::target::{Prepare, PrepareContext};

/// One more column of the report: `provider` built with what `prepare` returns.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The registered provider.
    pub provider: &'static str,
    /// The column's name.
    pub label: &'static str,
    /// Produces the credentials, against a freshly reset sandbox.
    pub prepare: Prepare,
    /// Kinds of sandbox ledger account these credentials do not reach (left out of what
    /// the checks expect to be listed).
    pub hidden_kinds: &'static [&'static str],
}

/// Every variant.
pub fn variants() -> Vec<Variant> {
    vec![Variant {
        provider: "monobank",
        label: "monobank-provider-api",
        prepare: |context| monobank_provider_api(context).boxed(),
        // The provider API's client-info schema lists no jars (monobank.md §4.2).
        hidden_kinds: &["jar"],
    }]
}

/// Monobank's provider API for one customer: the seeded provider key asks for access
/// (signed `POST /personal/auth/request`), the customer approves it in the sandbox (the
/// accept page's decision, sent through the control handle), the grant is checked (signed
/// `GET /personal/auth/request`), and the provider reads that customer's accounts with the
/// key and the request id, without the customer's personal token.
async fn monobank_provider_api(context: PrepareContext) -> Result<Value, String> {
    let seeded = context.sandbox.credentials();
    let text = |name: &str| {
        seeded
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("the sandbox seeded no {name}"))
    };
    let (pem, key_id) = (text("provider_key")?, text("provider_key_id")?);
    let key = ProviderKey::from_pem(&pem).map_err(|e| format!("the seeded provider key: {e}"))?;
    let company = MonobankClient::builder()
        .provider_key(key)
        .base_url(context.sandbox.base_url())
        .clock(context.clock.shared())
        .build()
        .map_err(|e| format!("provider API client: {e}"))?;
    let access = company
        .provider_api()
        .request_access(None)
        .await
        .map_err(|e| format!("access request: {e}"))?;
    let request_id = access.request_id.expose_secret().to_owned();
    context
        .sandbox
        .trigger(SandboxEvent::Custom(json!({
            "type": "provider_access",
            "request_id": request_id,
            "decision": "approve",
        })))
        .map_err(|e| format!("approving the access request: {e}"))?;
    match company
        .provider_api()
        .access_status(&access.request_id)
        .await
    {
        Ok(AccessStatus::Granted) => {}
        Ok(other) => return Err(format!("after approval the access is {other:?}")),
        Err(e) => return Err(format!("access check: {e}")),
    }
    Ok(json!({
        "provider_key": pem,
        "provider_key_id": key_id,
        "request_id": request_id,
    }))
}

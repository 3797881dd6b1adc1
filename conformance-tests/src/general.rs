//! Checks every provider must pass, whatever it declares.

use bankkit_core::registry::{BuildContext, SandboxTarget};
use bankkit_core::{Capability, Provider};
use futures::FutureExt;

use crate::{ensure, Check, CheckResult, Target};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "capabilities.declared_match_accessors",
            capability: None,
            run: |t| declared_match_accessors(t).boxed(),
        },
        Check {
            name: "secrets.never_in_debug_display_or_errors",
            capability: None,
            run: |t| secrets_never_shown(t).boxed(),
        },
    ]
}

/// Each accessor is `Some` exactly when the capability is declared, and the id is the
/// registry's name.
async fn declared_match_accessors(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    ensure(provider.id() == target.name(), || {
        format!(
            "id {:?} differs from the registry name {:?}",
            provider.id(),
            target.name()
        )
    })?;
    let caps = provider.capabilities();
    for capability in Capability::ALL {
        let declared = caps.get(capability).is_supported();
        let present = accessor_present(provider.as_ref(), capability);
        ensure(declared == present, || {
            format!("{capability}: declared {declared} but accessor present {present}")
        })?;
    }
    Ok(())
}

fn accessor_present(provider: &dyn Provider, capability: Capability) -> bool {
    match capability {
        Capability::Balance => provider.balance().is_some(),
        Capability::Statement => provider.statement().is_some(),
        Capability::Payment => provider.payment().is_some(),
        Capability::Webhook => provider.webhook().is_some(),
        _ => false,
    }
}

/// Whether a credential's name says it is a secret (`token`, `access_token`,
/// `client_secret`, `api_key`, ...); ids and URLs are not.
fn is_secret(name: &str) -> bool {
    ["token", "secret", "key", "password"]
        .iter()
        .any(|word| name.contains(word))
}

/// Every secret string credential the sandbox seeded.
fn secrets(credentials: &serde_json::Value) -> Vec<String> {
    match credentials {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(name, _)| is_secret(name))
            .filter_map(|(_, v)| v.as_str())
            .filter(|s| s.len() >= 8)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Neither the config, nor the provider, nor an error from a call with wrong credentials
/// shows a credential in `Debug` or `Display`.
async fn secrets_never_shown(target: &Target) -> CheckResult {
    let real = target.sandbox().credentials();
    let mut wrong = real.clone();
    if let serde_json::Value::Object(map) = &mut wrong {
        for (_, value) in map.iter_mut().filter(|(name, _)| is_secret(name)) {
            if let Some(text) = value.as_str() {
                *value = serde_json::Value::String(format!(
                    "wrong{}",
                    text.chars().rev().collect::<String>()
                ));
            }
        }
    }
    let mut needles = secrets(&real);
    needles.extend(secrets(&wrong));
    ensure(!needles.is_empty(), || {
        "the sandbox seeded no credentials".into()
    })?;

    let mut printed = Vec::new();
    for credentials in [&real, &wrong] {
        let sandbox = SandboxTarget::new(target.sandbox().base_url(), credentials.clone());
        let registration = bankkit_core::registry::find(target.name()).ok_or("not registered")?;
        let config = (registration.sandbox_config)(&sandbox).map_err(|e| e.to_string())?;
        printed.push(format!("{config:?}"));
        let context = BuildContext::default()
            .with_clock(target.clock().shared())
            .with_http(Target::default_options());
        let provider = config.build(&context).map_err(|e| e.to_string())?;
        printed.push(format!("{provider:?}"));
        if let Some(balance) = provider.balance() {
            if let Err(error) = balance.accounts().await {
                printed.push(format!("{error:?}"));
                printed.push(error.to_string());
            }
        }
    }
    for text in &printed {
        for secret in &needles {
            ensure(!text.contains(secret.as_str()), || {
                format!(
                    "a credential appears in: {}",
                    text.replace(secret.as_str(), "<SECRET>")
                )
            })?;
        }
    }
    Ok(())
}

//! Checks every provider must pass, whatever it declares.

use bankkit_core::{Capability, Provider};
use futures::FutureExt;

use crate::{ensure, Check, CheckResult, Target};

pub(crate) fn checks() -> Vec<Check> {
    vec![Check {
        name: "capabilities.declared_match_accessors",
        capability: None,
        run: |t| declared_match_accessors(t).boxed(),
    }]
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

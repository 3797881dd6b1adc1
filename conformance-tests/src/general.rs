//! Checks every provider must pass, whatever it declares.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use bankkit_core::registry::{BuildContext, SandboxTarget};
use bankkit_core::{Capability, Provider};
use futures::FutureExt;
use tracing::instrument::WithSubscriber;

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
    // A key's id is public (sent in every header, derived from the public key).
    !name.ends_with("key_id")
        && ["token", "secret", "key", "password", "request_id"]
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

/// `credentials` with the secrets named by `which` replaced by wrong ones (the same wrong
/// value for a name whichever variant it is in).
fn with_wrong(credentials: &serde_json::Value, which: impl Fn(&str) -> bool) -> serde_json::Value {
    let mut wrong = credentials.clone();
    if let serde_json::Value::Object(map) = &mut wrong {
        for (_, value) in map
            .iter_mut()
            .filter(|(name, _)| is_secret(name) && which(name))
        {
            if let Some(text) = value.as_str() {
                *value = serde_json::Value::String(format!(
                    "wrong{}",
                    text.chars().rev().collect::<String>()
                ));
            }
        }
    }
    wrong
}

/// A `MakeWriter` for the capturing subscriber: every writer appends to one buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Neither the config (`Debug`, and serialised through typetag), nor the provider, nor an
/// error from a call with wrong credentials shows a credential in `Debug` or `Display`, and
/// nothing logged at `TRACE` while doing all that shows one either.
///
/// The calls run with the real credentials, with every secret wrong at once, and with each
/// secret wrong alone (so that every credential's own error path is rendered).
async fn secrets_never_shown(target: &Target) -> CheckResult {
    let real = target.credentials();
    let all_wrong = with_wrong(&real, |_| true);
    let mut needles = secrets(&real);
    needles.extend(secrets(&all_wrong));
    ensure(!needles.is_empty(), || {
        "the sandbox seeded no credentials".into()
    })?;
    let mut variants = vec![real.clone(), all_wrong];
    if let serde_json::Value::Object(map) = &real {
        for name in map.keys().filter(|name| is_secret(name)) {
            variants.push(with_wrong(&real, |n| n == name));
        }
    }

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::NEW)
        .with_writer(move || writer.clone())
        .finish();
    let mut printed = render(target, &variants, &needles)
        .with_subscriber(subscriber)
        .await?;
    let logs = captured.text();
    ensure(!logs.trim().is_empty(), || {
        "nothing was logged at TRACE while calling the provider: the capture is broken".into()
    })?;
    printed.push(logs);

    for text in &printed {
        ensure(!needles.iter().any(|s| text.contains(s.as_str())), || {
            format!("a credential appears in: {}", redact(text, &needles))
        })?;
    }
    Ok(())
}

/// `text` with every secret replaced by `<SECRET>` (a failure message must not show the
/// secrets it is about).
fn redact(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret.as_str(), "<SECRET>")
    })
}

/// What the config, the provider and the errors of a call show, for each set of
/// credentials.
async fn render(
    target: &Target,
    variants: &[serde_json::Value],
    needles: &[String],
) -> Result<Vec<String>, crate::CheckError> {
    let registration = target.registration();
    let mut printed = Vec::new();
    for (i, credentials) in variants.iter().enumerate() {
        let sandbox = SandboxTarget::new(target.sandbox().base_url(), credentials.clone());
        let config = (registration.sandbox_config)(&sandbox).map_err(|e| e.to_string())?;
        printed.push(format!("{config:?}"));
        printed.push(
            serde_json::to_string(&config).map_err(|e| format!("serialising the config: {e}"))?,
        );
        let context = BuildContext::default()
            .with_clock(target.clock().shared())
            .with_http(Target::default_options());
        let provider = match config.build(&context) {
            Ok(provider) => provider,
            // With the real credentials (the first variant) the provider must build.
            Err(error) if i == 0 => {
                let reason = format!("build with the sandbox's credentials: {error}");
                return Err(redact(&reason, needles).into());
            }
            Err(error) => {
                printed.push(format!("{error:?}"));
                printed.push(error.to_string());
                continue;
            }
        };
        printed.push(format!("{provider:?}"));
        tracing::trace!(provider = ?provider, "built for the secrets check");
        if let Some(balance) = provider.balance() {
            if let Err(error) = balance.accounts().await {
                printed.push(format!("{error:?}"));
                printed.push(error.to_string());
            }
        }
    }
    Ok(printed)
}

//! Plugins: providers register themselves, configs become providers.
//!
//! A provider crate submits one [`ProviderRegistration`] with [`register_provider!`](crate::register_provider) and
//! implements [`ProviderConfig`] with `#[typetag::serde(name = "<id>")]`. A user then loads a
//! list of provider configs from TOML or JSON and gets `Arc<dyn Provider>`s, and tools such
//! as the conformance runner find every linked provider through [`registered`].
//!
//! A provider from another crate is found only if that crate is linked into the program:
//! name it somewhere, for example `use bankkit_acme as _;`.
//!
//! ```
//! use bankkit_core::registry::{self, BuildContext};
//! // No provider crate is linked into this doctest, so the list is empty
//! // and an unknown provider name is a config error.
//! let err = registry::load_toml(r#"
//!     [[providers]]
//!     provider = "nobody"
//! "#).unwrap_err();
//! assert!(err.to_string().starts_with("invalid configuration: providers[0]"));
//! assert!(err.to_string().contains("unknown variant `nobody`"));
//! ```

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::{system_clock, Clock};
use crate::http::HttpOptions;
use crate::provider::{Capabilities, Provider};
use crate::token::{MemoryTokenStore, TokenStore};
use crate::{Error, Result};

/// What a config needs from its surroundings to build a provider.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BuildContext {
    /// The clock every wait goes through.
    pub clock: Arc<dyn Clock>,
    /// Timeouts and retries, unless the config overrides them.
    pub http: HttpOptions,
    /// Where rotating tokens are kept.
    pub token_store: Arc<dyn TokenStore>,
}

impl Default for BuildContext {
    fn default() -> Self {
        Self {
            clock: system_clock(),
            http: HttpOptions::default(),
            token_store: Arc::new(MemoryTokenStore::new()),
        }
    }
}

impl BuildContext {
    /// Sets the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the HTTP options.
    pub fn with_http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// Sets the token store.
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = store;
        self
    }
}

/// A provider's configuration, serialisable as a trait object.
///
/// In TOML or JSON the field `provider` names the implementation; the rest are its fields.
#[typetag::serde(tag = "provider")]
pub trait ProviderConfig: Send + Sync + fmt::Debug {
    /// Checks the values and builds the provider.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field at fault.
    fn build(&self, context: &BuildContext) -> Result<Arc<dyn Provider>>;
}

/// Where a provider's sandbox imitation listens and the credentials it accepts.
///
/// `Debug` shows the credential names, never their values.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SandboxTarget {
    /// The base URL of the provider's sandbox server.
    pub base_url: String,
    /// The credentials the sandbox seeded, in the sandbox's JSON shape.
    pub credentials: serde_json::Value,
}

impl fmt::Debug for SandboxTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self
            .credentials
            .as_object()
            .map(|map| map.keys().map(String::as_str).collect())
            .unwrap_or_default();
        f.debug_struct("SandboxTarget")
            .field("base_url", &self.base_url)
            .field("credentials", &names)
            .finish()
    }
}

impl SandboxTarget {
    /// A target.
    pub fn new(base_url: impl Into<String>, credentials: serde_json::Value) -> Self {
        Self {
            base_url: base_url.into(),
            credentials,
        }
    }

    /// A string credential by name.
    ///
    /// # Errors
    /// [`Error::Config`] naming `credentials.<name>` when it is missing or not a string.
    pub fn credential(&self, name: &str) -> Result<String> {
        self.credentials
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| Error::config(format!("credentials.{name}"), "missing or not a string"))
    }
}

/// One registered provider implementation.
#[derive(Debug)]
pub struct ProviderRegistration {
    /// The id, equal to the config's `provider` tag and to [`Provider::id`].
    pub name: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// What it can do.
    pub capabilities: fn() -> Capabilities,
    /// A sample TOML config table (without `provider = ...`), for documentation and tools.
    pub sample_config: &'static str,
    /// A config pointing at the provider's sandbox imitation.
    pub sandbox_config: fn(&SandboxTarget) -> Result<Box<dyn ProviderConfig>>,
}

inventory::collect!(ProviderRegistration);

/// Registers a provider implementation with the plugin registry.
///
/// ```ignore
/// bankkit_core::register_provider!(bankkit_core::registry::ProviderRegistration {
///     name: "acme",
///     description: "Acme Bank",
///     capabilities: acme_capabilities,
///     sample_config: "token = \"...\"",
///     sandbox_config: acme_sandbox_config,
/// });
/// ```
#[macro_export]
macro_rules! register_provider {
    ($registration:expr) => {
        $crate::inventory::submit! { $registration }
    };
}

/// Every registered provider implementation linked into this program, by name.
pub fn registered() -> Vec<&'static ProviderRegistration> {
    let mut all: Vec<_> = inventory::iter::<ProviderRegistration>().collect();
    all.sort_by_key(|r| r.name);
    all
}

/// The registered implementation called `name`.
pub fn find(name: &str) -> Option<&'static ProviderRegistration> {
    inventory::iter::<ProviderRegistration>().find(|r| r.name == name)
}

#[derive(Deserialize)]
struct ProvidersFile {
    providers: Vec<Box<dyn ProviderConfig>>,
}

/// A deserialisation error as a config error naming the field: the path where it
/// happened, extended by the field a "missing field" message names. The message never
/// quotes a value from the file (see [`without_values`]).
fn config_error(path: &serde_path_to_error::Path, message: &str) -> Error {
    let path = path.to_string();
    // Parsers add context on further lines ("in `token`", a source excerpt): the path
    // already says where.
    let message = message.trim().lines().next().unwrap_or_default();
    // The provider name is the one value worth echoing (`unknown variant `nobody``): it is
    // the tag of a config, at `providers[i].provider`, never a secret.
    let at_provider_tag = message.starts_with("unknown variant `")
        && path
            .strip_prefix("providers[")
            .and_then(|rest| rest.split_once(']'))
            .is_some_and(|(index, rest)| {
                index.bytes().all(|b| b.is_ascii_digit())
                    && (rest.is_empty() || rest == ".provider")
            });
    let message = if at_provider_tag {
        message.to_owned()
    } else {
        without_values(message)
    };
    let message = message.as_str();
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        let field = if path == "." {
            missing.to_owned()
        } else {
            format!("{path}.{missing}")
        };
        return Error::config(field, "missing");
    }
    let field = if path == "." {
        "providers".to_owned()
    } else {
        path
    };
    Error::config(field, message)
}

/// `message` without any value it quotes from the input, which may be a secret put in the
/// wrong place (a token where a number belongs):
///
/// - `invalid type: string "sk_live…", expected u64` and `invalid value: …` keep only the
///   kind of value (`invalid type: string, expected u64`);
/// - `unknown variant `sk_live…`, expected one of …` drops the variant given;
/// - any other double-quoted text becomes `"…"`.
///
/// Field names (`missing field `token``, `unknown field `tokn``) and what was expected are
/// kept: they come from the program, not the file.
pub(crate) fn without_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) = match rest.rfind(", expected ") {
                Some(at) => (&rest[..at], Some(&rest[at..])),
                None => (rest, None),
            };
            // `string "…"`, `integer `5``, `character `c``: keep the kind before the value.
            let kind = unexpected
                .split(['"', '`'])
                .next()
                .unwrap_or_default()
                .trim();
            let kind = if kind.is_empty() { "value" } else { kind };
            return format!(
                "{prefix}{kind}{}",
                expected.map(redact_quoted).unwrap_or_default()
            );
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let expected = rest.find("`, ").map_or("", |at| &rest[at + 1..]);
        return format!("unknown variant{}", redact_quoted(expected));
    }
    redact_quoted(message)
}

/// `text` with every double-quoted part replaced by `"…"`.
fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
                out.push_str("…\"");
            }
        } else {
            out.push(c);
            quoted = c == '"';
        }
    }
    if quoted {
        out.push('…');
    }
    out
}

/// Reads `[[providers]]` tables from TOML.
///
/// # Errors
/// [`Error::Config`] naming the field at fault (`providers[0].token`), or an unknown
/// provider name.
pub fn load_toml(text: &str) -> Result<Vec<Box<dyn ProviderConfig>>> {
    let deserializer = toml::Deserializer::new(text);
    let file: ProvidersFile = serde_path_to_error::deserialize(deserializer)
        .map_err(|e| config_error(e.path(), e.inner().message()))?;
    Ok(file.providers)
}

/// Reads `{"providers": [...]}` from JSON.
///
/// # Errors
/// As [`load_toml`].
pub fn load_json(text: &str) -> Result<Vec<Box<dyn ProviderConfig>>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let file: ProvidersFile = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        // serde_json appends " at line L column C"; the path says more.
        let message = e.inner().to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        config_error(e.path(), &message)
    })?;
    Ok(file.providers)
}

/// Builds every config into a provider.
///
/// # Errors
/// The first config that fails, its field prefixed with `providers[i]`.
pub fn build_all(
    configs: &[Box<dyn ProviderConfig>],
    context: &BuildContext,
) -> Result<Vec<Arc<dyn Provider>>> {
    configs
        .iter()
        .enumerate()
        .map(|(i, config)| {
            config.build(context).map_err(|e| match e {
                Error::Config { field, message } => {
                    Error::config(format!("providers[{i}].{field}"), message)
                }
                other => other,
            })
        })
        .collect()
}

/// Reads TOML provider configs and builds them.
///
/// # Errors
/// As [`load_toml`] and [`build_all`].
pub fn providers_from_toml(text: &str, context: &BuildContext) -> Result<Vec<Arc<dyn Provider>>> {
    build_all(&load_toml(text)?, context)
}

/// Reads JSON provider configs and builds them.
///
/// # Errors
/// As [`load_json`] and [`build_all`].
pub fn providers_from_json(text: &str, context: &BuildContext) -> Result<Vec<Arc<dyn Provider>>> {
    build_all(&load_json(text)?, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sandbox_target_debug_names_credentials_without_their_values() {
        let target = SandboxTarget::new(
            "http://127.0.0.1:1",
            serde_json::json!({"token": "uZ3pQk7w1R5tY9aB", "client_id": "c"}),
        );

        let printed = format!("{target:?}");

        assert!(
            printed.contains("token") && printed.contains("client_id"),
            "{printed}"
        );
        assert!(!printed.contains("uZ3pQk7w1R5tY9aB"), "{printed}");
        assert_eq!(target.credential("token").unwrap(), "uZ3pQk7w1R5tY9aB");
    }

    #[test]
    fn unknown_providers_are_config_errors_at_their_index() {
        let err = load_toml("[[providers]]\nprovider = \"nobody\"\n").unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field.starts_with("providers[0]")),
            "{err:?}"
        );
        assert!(err.to_string().contains("nobody"), "{err}");
        let err = load_json(r#"{"providers": [{"provider": "nobody"}]}"#).unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field.starts_with("providers[0]")),
            "{err:?}"
        );
        assert!(!err.to_string().contains(" at line "), "{err}");
    }

    /// A provider config only these tests know, with a secret and typed fields.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SecretiveConfig {
        #[serde(serialize_with = "crate::secret::serialize_redacted")]
        token: secrecy::SecretString,
        #[serde(default)]
        timeout_secs: Option<u64>,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Live,
        Test,
    }

    #[typetag::serde(name = "registry_test_secretive")]
    impl ProviderConfig for SecretiveConfig {
        fn build(&self, _: &BuildContext) -> Result<Arc<dyn Provider>> {
            Err(Error::unsupported("registry_test_secretive", "building"))
        }
    }

    const SECRET: &str = "sk_live_SECRET_0123456789";

    #[test]
    fn a_secret_in_the_wrong_place_is_not_quoted_in_the_error() {
        let cases_toml = [
            (
                format!("[[providers]]\nprovider = \"registry_test_secretive\"\ntoken = \"t\"\ntimeout_secs = \"{SECRET}\"\n"),
                "providers[0].timeout_secs",
            ),
            (
                format!("[[providers]]\nprovider = \"registry_test_secretive\"\ntoken = \"t\"\nmode = \"{SECRET}\"\n"),
                "providers[0].mode",
            ),
            (
                format!("[[providers]]\nprovider = \"registry_test_secretive\"\ntoken = {{ value = \"{SECRET}\" }}\n"),
                "providers[0].token",
            ),
            (
                format!("[[providers]]\nprovider = \"registry_test_secretive\"\ntoken = [\"{SECRET}\"]\n"),
                "providers[0].token",
            ),
        ];
        let cases_json = [
            (
                format!(
                    r#"{{"providers":[{{"provider":"registry_test_secretive","token":"t","timeout_secs":"{SECRET}"}}]}}"#
                ),
                "providers[0].timeout_secs",
            ),
            (
                format!(
                    r#"{{"providers":[{{"provider":"registry_test_secretive","token":"t","mode":"{SECRET}"}}]}}"#
                ),
                "providers[0].mode",
            ),
            (
                format!(
                    r#"{{"providers":[{{"provider":"registry_test_secretive","token":{{"value":"{SECRET}"}}}}]}}"#
                ),
                "providers[0].token",
            ),
            (
                r#"{"providers":[{"provider":"registry_test_secretive","token":"t","timeout_secs":-1.5e400}]}"#
                    .to_owned(),
                "providers[0].timeout_secs",
            ),
        ];
        let results = cases_toml
            .iter()
            .map(|(text, field)| (load_toml(text), *field))
            .chain(
                cases_json
                    .iter()
                    .map(|(text, field)| (load_json(text), *field)),
            );
        for (result, expected_field) in results {
            let err = result.unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(SECRET), "secret shown in {shown}");
            assert!(!shown.contains("sk_live"), "secret shown in {shown}");
            assert!(
                matches!(&err, Error::Config { field, .. } if field == expected_field),
                "{err:?}"
            );
        }
        // What remains still says what is wrong.
        let err = load_json(&cases_json[0].0).unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid type: string, expected u64"),
            "{err}"
        );
        let err = load_json(&cases_json[1].0).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("mode: unknown variant, expected `live` or `test`"),
            "{err}"
        );
        // A config that is right loads.
        let ok = load_toml("[[providers]]\nprovider = \"registry_test_secretive\"\ntoken = \"t\"\nmode = \"live\"\n");
        assert_eq!(ok.unwrap().len(), 1);
    }

    #[test]
    fn messages_lose_quoted_values_but_keep_field_names_and_expectations() {
        assert_eq!(
            without_values(r#"invalid type: string "a, \"b\", expected c", expected u64"#),
            "invalid type: string, expected u64"
        );
        assert_eq!(
            without_values("invalid value: integer `-1`, expected a positive number"),
            "invalid value: integer, expected a positive number"
        );
        assert_eq!(without_values("invalid type: map"), "invalid type: map");
        assert_eq!(
            without_values("unknown variant `s3cr3t`, expected `live` or `test`"),
            "unknown variant, expected `live` or `test`"
        );
        assert_eq!(
            without_values(r#"custom failure for "s3cr3t" here"#),
            r#"custom failure for "…" here"#
        );
        assert_eq!(
            without_values(r#"unterminated "s3cr3t"#),
            r#"unterminated "…"#
        );
        assert_eq!(
            without_values("unknown field `tokn`, expected `token`"),
            "unknown field `tokn`, expected `token`"
        );
    }

    #[test]
    fn a_file_without_a_providers_list_names_it() {
        let err = load_toml("title = \"x\"\n").unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field == "providers"),
            "{err:?}"
        );
        let err = load_json("{}").unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field == "providers"),
            "{err:?}"
        );
    }
}

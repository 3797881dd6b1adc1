//! Secrets: tokens, API keys and client secrets as [`secrecy`] types.
//!
//! `Debug` prints `[REDACTED]`; the only way to the text is `expose_secret()`, so every read
//! is easy to find. Configs deserialise secrets; nothing serialises them except token stores.

pub use secrecy::{ExposeSecret, SecretString};

/// Makes a [`SecretString`] from text.
pub fn secret(text: impl Into<String>) -> SecretString {
    SecretString::from(text.into())
}

/// Builds a header value from a secret, marked sensitive so that `http` and `reqwest`
/// never print it.
///
/// # Errors
/// [`crate::Error::Config`] naming `field` if the secret contains characters a header
/// cannot carry (the secret itself is not shown).
pub fn sensitive_header(secret: &SecretString, field: &str) -> crate::Result<http::HeaderValue> {
    let mut value = http::HeaderValue::from_str(secret.expose_secret())
        .map_err(|_| crate::Error::config(field, "contains characters not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Serialises a secret as `"[REDACTED]"`: for `#[serde(serialize_with = ...)]` on config
/// fields, so a config written back out (typetag configs must be serialisable) never carries
/// the secret.
///
/// # Errors
/// The serialiser's.
pub fn serialize_redacted<S: serde::Serializer>(
    _: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("[REDACTED]")
}

/// [`serialize_redacted`] for an optional secret (`None` stays `null`).
///
/// # Errors
/// The serialiser's.
pub fn serialize_redacted_option<S: serde::Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(_) => serializer.serialize_str("[REDACTED]"),
        None => serializer.serialize_none(),
    }
}

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

/// The `Authorization` value `Bearer <token>`, marked sensitive so that `http` and
/// `reqwest` never print it.
///
/// ```
/// use bankkit_core::secret::{bearer_header, secret};
///
/// let value = bearer_header(&secret("tok_123"))?;
/// assert_eq!(value.to_str().ok(), Some("Bearer tok_123"));
/// assert!(value.is_sensitive());
/// # Ok::<(), bankkit_core::Error>(())
/// ```
///
/// # Errors
/// [`crate::Error::Unauthorized`] ("the access token cannot be sent in a header") if the
/// token contains characters a header cannot carry: the credentials are unusable as they
/// are. The token itself is not shown.
pub fn bearer_header(token: &SecretString) -> crate::Result<http::HeaderValue> {
    let mut value = http::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .map_err(|_| crate::Error::Unauthorized {
            message: "the access token cannot be sent in a header".to_owned(),
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_headers_are_sensitive_and_bad_tokens_are_unauthorized_without_the_token() {
        let value = bearer_header(&secret("tok_A1")).unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer tok_A1");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("tok_A1"));

        let err = bearer_header(&secret("tok_SECRET\nInjected: 1")).unwrap_err();
        assert!(
            matches!(err, crate::Error::Unauthorized { ref message }
                if message == "the access token cannot be sent in a header"),
            "{err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("tok_SECRET"));
    }
}

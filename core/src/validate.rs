//! Checks for client builders and provider configs. Each failure is an [`Error::Config`]
//! naming the field, and never shows a secret.
//!
//! ```
//! use bankkit_core::validate;
//! use bankkit_core::secret::SecretString;
//!
//! let id = validate::required(Some("oauth2client_1".to_owned()), "client_id")?;
//! let err = validate::required_secret(Some(SecretString::from("  ")), "client_secret").unwrap_err();
//! assert_eq!(err.to_string(), "invalid configuration: client_secret: must not be empty");
//! let url = validate::http_url("https://auth.example", "auth_url")?;
//! assert_eq!(url.host_str(), Some("auth.example"));
//! # assert_eq!(id, "oauth2client_1");
//! # Ok::<(), bankkit_core::Error>(())
//! ```

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::http::HttpOptions;
use crate::{Error, Result};

const EMPTY: &str = "must not be empty";

/// The value, unless it is missing or blank.
///
/// # Errors
/// [`Error::Config`] naming `field`: "must not be empty".
pub fn required(value: Option<String>, field: &str) -> Result<String> {
    value
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| Error::config(field, EMPTY))
}

/// The secret, unless it is missing or blank.
///
/// # Errors
/// [`Error::Config`] naming `field`: "must not be empty" (the secret is not shown).
pub fn required_secret(value: Option<SecretString>, field: &str) -> Result<SecretString> {
    let secret = value.ok_or_else(|| Error::config(field, EMPTY))?;
    non_blank_secret(&secret, field)?;
    Ok(secret)
}

/// Checks that a secret given is not blank.
///
/// # Errors
/// [`Error::Config`] naming `field`: "must not be empty".
pub fn non_blank_secret(secret: &SecretString, field: &str) -> Result<()> {
    if secret.expose_secret().trim().is_empty() {
        return Err(Error::config(field, EMPTY));
    }
    Ok(())
}

/// Parses an absolute `http` or `https` URL without credentials in it.
///
/// URLs end up in `Debug` output and traces, so a `user:password@` part is refused rather
/// than carried along: pass credentials as their own (secret) settings.
///
/// # Errors
/// [`Error::Config`] naming `field` for text that is not a URL, has another scheme, or
/// contains a user name or password (the URL is not shown).
pub fn http_url(text: &str, field: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|e| Error::config(field, e))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(Error::config(field, "must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            field,
            "must not contain a user name or password",
        ));
    }
    Ok(url)
}

/// `base` with its per-attempt timeout set from a config's `timeout_secs`, if given.
///
/// ```
/// use std::time::Duration;
/// use bankkit_core::{http::HttpOptions, validate};
///
/// let options = validate::timeout_secs(HttpOptions::default(), Some(5), "timeout_secs")?;
/// assert_eq!(options.timeout, Duration::from_secs(5));
/// assert!(validate::timeout_secs(HttpOptions::default(), Some(0), "timeout_secs").is_err());
/// # Ok::<(), bankkit_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Config`] naming `field`: "must be at least 1" for zero.
pub fn timeout_secs(base: HttpOptions, secs: Option<u64>, field: &str) -> Result<HttpOptions> {
    match secs {
        None => Ok(base),
        Some(0) => Err(Error::config(field, "must be at least 1")),
        Some(seconds) => Ok(base.timeout(Duration::from_secs(seconds))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_blank_values_name_the_field() {
        for value in [None, Some(String::new()), Some(" \t".to_owned())] {
            let err = required(value, "api_user").unwrap_err();
            assert_eq!(
                err.to_string(),
                "invalid configuration: api_user: must not be empty"
            );
        }
        assert_eq!(required(Some("u".to_owned()), "api_user").unwrap(), "u");
    }

    #[test]
    fn blank_secrets_are_refused_without_showing_them() {
        let blank = SecretString::from("   ");
        let err = required_secret(Some(blank), "api_key").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: api_key: must not be empty"
        );
        assert!(required_secret(None, "api_key").is_err());
        let kept = required_secret(Some(SecretString::from("k3y")), "api_key").unwrap();
        assert_eq!(kept.expose_secret(), "k3y");
    }

    #[test]
    fn only_absolute_http_urls_pass() {
        assert!(http_url("http://127.0.0.1:8080", "base_url").is_ok());
        for bad in ["ftp://example.org", "/relative", "not a url"] {
            let err = http_url(bad, "base_url").unwrap_err();
            assert!(err.to_string().contains("base_url"), "{err}");
        }
    }

    #[test]
    fn urls_with_credentials_are_refused_without_showing_them() {
        for bad in [
            "https://user:pa55word@api.example/",
            "https://user@api.example/",
            "http://:pa55word@127.0.0.1:8080",
        ] {
            let err = http_url(bad, "base_url").unwrap_err();
            assert!(
                matches!(err, Error::Config { ref field, .. } if field == "base_url"),
                "{err:?}"
            );
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("pa55word"), "{shown}");
            assert!(
                !shown.contains("api.example") && !shown.contains("127.0.0.1"),
                "{shown}"
            );
        }
    }

    #[test]
    fn timeout_secs_keeps_the_base_sets_a_positive_value_and_refuses_zero() {
        let base = HttpOptions::default().timeout(Duration::from_secs(30));
        assert_eq!(
            timeout_secs(base.clone(), None, "timeout_secs")
                .unwrap()
                .timeout,
            Duration::from_secs(30)
        );
        assert_eq!(
            timeout_secs(base.clone(), Some(7), "timeout_secs")
                .unwrap()
                .timeout,
            Duration::from_secs(7)
        );
        let err = timeout_secs(base, Some(0), "providers[0].timeout_secs").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: providers[0].timeout_secs: must be at least 1"
        );
    }
}

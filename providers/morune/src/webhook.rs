//! Morune's signed webhooks (morune.md §6): the canonical JSON, HMAC-SHA256 and the two
//! bodies.
//!
//! The header `x-api-sha256-signature` carries the lowercase hex HMAC-SHA256 of the body
//! **re-serialised canonically**: object keys sorted A→Z (by code point, at every level),
//! compact (`,` and `:` without spaces), strings in raw UTF-8 without `\/` or `\uXXXX`
//! escapes (only `"`, `\` and control characters are escaped), numbers and literals exactly
//! as received (`1` stays `1`, `"250.00"` stays a string). The key is the shop's
//! additional key for payment webhooks and the user's additional key for payoff webhooks.
//!
//! Whether nested objects are sorted is not documented (PHP's `ksort` sorts the top level
//! only, Python's `sort_keys` every level; the docs' test vector cannot tell). The body is
//! checked against the form sorted at every level and, when that differs, against the
//! form sorted at the top level only; either, signed with the key, is accepted. The
//! comparison is constant-time.

use std::collections::BTreeSet;
use std::fmt;

use bankkit_core::secret::{ExposeSecret, SecretString};
use bankkit_core::{Error, Result};
use hmac::{Hmac, Mac};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-api-sha256-signature";

type HmacSha256 = Hmac<Sha256>;

/// An object's members in the order they came, values as raw JSON.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Members<'a>, M::Error> {
                let mut members = Vec::new();
                let mut seen = BTreeSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!(
                            "the key {key:?} appears twice"
                        )));
                    }
                    let value: &'a RawValue = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

fn invalid(e: impl fmt::Display) -> Error {
    Error::decode("Morune webhook body", e)
}

/// Writes `raw` canonically; objects below the top level (`depth > 0`) are sorted only
/// when `sort_nested`.
fn write_value(raw: &RawValue, out: &mut String, sort_nested: bool, depth: usize) -> Result<()> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'{') => {
            let Members(mut members) = serde_json::from_str(text).map_err(invalid)?;
            if depth == 0 || sort_nested {
                members.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).map_err(invalid)?);
                out.push(':');
                write_value(value, out, sort_nested, depth + 1)?;
            }
            out.push('}');
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(invalid)?;
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out, sort_nested, depth + 1)?;
            }
            out.push(']');
        }
        Some(b'"') => {
            let string: String = serde_json::from_str(text).map_err(invalid)?;
            out.push_str(&serde_json::to_string(&string).map_err(invalid)?);
        }
        // Numbers, true, false, null: as received (already checked by the parser).
        Some(_) => out.push_str(text),
        None => return Err(invalid("an empty value")),
    }
    Ok(())
}

/// The canonical form Morune signs: keys sorted at every level, compact, raw UTF-8,
/// numbers as received.
///
/// ```
/// use bankkit_morune::canonical_json;
///
/// let body = r#"{ "type": 1, "amount": "250.00", "custom_fields": {"z": "a\/b", "a": "тест"} }"#;
/// assert_eq!(
///     canonical_json(body.as_bytes())?,
///     r#"{"amount":"250.00","custom_fields":{"a":"тест","z":"a/b"},"type":1}"#
/// );
/// # Ok::<(), bankkit_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Decode`] when the body is not one JSON object (or repeats a key).
pub fn canonical_json(body: &[u8]) -> Result<String> {
    canonical(body, true)
}

fn canonical(body: &[u8], sort_nested: bool) -> Result<String> {
    let raw: &RawValue = serde_json::from_slice(body).map_err(invalid)?;
    if !raw.get().trim_start().starts_with('{') {
        return Err(invalid("a webhook body must be a JSON object"));
    }
    let mut out = String::with_capacity(body.len());
    write_value(raw, &mut out, sort_nested, 0)?;
    Ok(out)
}

fn mac(key: &SecretString, message: &str) -> Result<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(key.expose_secret().as_bytes())
        .map_err(|_| Error::config("additional_key", "cannot be used as an HMAC key"))?;
    mac.update(message.as_bytes());
    Ok(mac)
}

/// The signature Morune sends for `body` under `key`: lowercase hex HMAC-SHA256 of
/// [`canonical_json`].
///
/// ```
/// use bankkit_core::secret::secret;
/// use bankkit_morune::sign;
///
/// let body = br#"{"amount":"100.00","credited":"95.50","custom_fields":{"user":1},"invoice_id":"a3e9ff6f-c5c1-3bcd-854e-4bc995b1ae7a","order_id":"c78d8fe9-ab44-3f21-a37a-ce4ca269cb47","pay_service":"card","pay_time":"2023-04-06 16:27:59","payer_details":"553691******1279","status":"success","type":1}"#;
/// assert_eq!(
///     sign(body, &secret("example"))?,
///     "e582b14dd13f8111711e3cb66a982fd7bff28a0ddece8bde14a34a5bb4449136"
/// );
/// # Ok::<(), bankkit_core::Error>(())
/// ```
///
/// # Errors
/// As [`canonical_json`].
pub fn sign(body: &[u8], key: &SecretString) -> Result<String> {
    let digest = mac(key, &canonical_json(body)?)?.finalize().into_bytes();
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.trim().as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| Some(hex_digit(pair[0])? << 4 | hex_digit(pair[1])?))
        .collect()
}

/// Checks `signature` (hex) against `body` under `key`, in constant time, and returns the
/// canonical text that was signed (read the body's fields from it).
///
/// # Errors
/// [`Error::Signature`] when the signature is not 64 hex digits or does not match;
/// [`Error::Decode`] when the body is not a JSON object.
pub fn verify(body: &[u8], signature: &str, key: &SecretString) -> Result<String> {
    let expected = from_hex(signature).ok_or_else(|| Error::Signature {
        message: format!("{SIGNATURE_HEADER} is not 64 hexadecimal digits"),
    })?;
    let sorted = canonical(body, true)?;
    if mac(key, &sorted)?.verify_slice(&expected).is_ok() {
        return Ok(sorted);
    }
    let top_level = canonical(body, false)?;
    if top_level != sorted && mac(key, &top_level)?.verify_slice(&expected).is_ok() {
        return Ok(sorted);
    }
    Err(Error::Signature {
        message: format!(
            "{SIGNATURE_HEADER} does not match the body (check the additional key: the \
             shop's for payment webhooks, the user's for payoff webhooks)"
        ),
    })
}

/// Which webhook a body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Has `invoice_id`: signed with the shop's additional key.
    Payment,
    /// Has `payoff_id`: signed with the user's additional key.
    Payoff,
}

/// Which webhook `body` is, by its id member.
///
/// # Errors
/// [`Error::Decode`] when it is not a JSON object naming an invoice or a payoff.
pub(crate) fn kind_of(body: &[u8]) -> Result<Kind> {
    let Members(members) = serde_json::from_slice(body).map_err(invalid)?;
    let has = |name: &str| members.iter().any(|(k, _)| k == name);
    if has("invoice_id") {
        Ok(Kind::Payment)
    } else if has("payoff_id") {
        Ok(Kind::Payoff)
    } else {
        Err(invalid("it has neither invoice_id nor payoff_id"))
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::secret::secret;

    use super::*;

    /// The Enot/Morune docs' test vector: secret `example`.
    const DOCS_BODY: &str = r#"{"amount":"100.00","credited":"95.50","custom_fields":{"user":1},"invoice_id":"a3e9ff6f-c5c1-3bcd-854e-4bc995b1ae7a","order_id":"c78d8fe9-ab44-3f21-a37a-ce4ca269cb47","pay_service":"card","pay_time":"2023-04-06 16:27:59","payer_details":"553691******1279","status":"success","type":1}"#;
    const DOCS_SIGNATURE: &str = "e582b14dd13f8111711e3cb66a982fd7bff28a0ddece8bde14a34a5bb4449136";

    /// morune.md §6.3, worked payment example (Cyrillic and `/` in a nested object).
    const PAYMENT_BODY: &str = r#"{"amount":"250.00","code":1,"credited":"240.25","currency":"RUB","custom_fields":{"note":"тест/1","user":"u-77"},"invoice_id":"0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13","order_id":"ord-2024-0007","pay_service":"sbp","pay_time":"2024-05-01 12:30:45","payer_details":"+7900*****12","status":"success","type":1}"#;
    const PAYMENT_KEY: &str = "mock-additional-key-42";
    const PAYMENT_SIGNATURE: &str =
        "44c8ecc2f27c5343cc1fe299565fb30288b8e48c08883f0622f144ba413e0d24";

    /// morune.md §6.3, worked payoff example.
    const PAYOFF_BODY: &str = r#"{"amount":"500.00","commission":"15.00","order_id":"wd-0001","payoff_id":"9d3c1b7a-2e4f-4a6b-8c0d-1e2f3a4b5c6d","service":"card","status":"success","wallet":"220000******1234"}"#;
    const PAYOFF_KEY: &str = "mock-user-additional-key";
    const PAYOFF_SIGNATURE: &str =
        "4243e82bc9ca2f241965f59177422528e45f55ea3265aab3a75b9af53881920d";

    #[test]
    fn the_docs_test_vector_and_both_worked_examples_verify() {
        assert_eq!(
            sign(DOCS_BODY.as_bytes(), &secret("example")).unwrap(),
            DOCS_SIGNATURE
        );
        assert_eq!(
            canonical_json(PAYMENT_BODY.as_bytes()).unwrap(),
            PAYMENT_BODY
        );
        assert_eq!(
            sign(PAYMENT_BODY.as_bytes(), &secret(PAYMENT_KEY)).unwrap(),
            PAYMENT_SIGNATURE
        );
        assert_eq!(
            sign(PAYOFF_BODY.as_bytes(), &secret(PAYOFF_KEY)).unwrap(),
            PAYOFF_SIGNATURE
        );
        verify(DOCS_BODY.as_bytes(), DOCS_SIGNATURE, &secret("example")).unwrap();
        verify(
            PAYMENT_BODY.as_bytes(),
            &PAYMENT_SIGNATURE.to_uppercase(),
            &secret(PAYMENT_KEY),
        )
        .unwrap();
    }

    #[test]
    fn reordered_spaced_and_escaped_bodies_verify_as_the_same_message() {
        let reordered = r#"{
            "type": 1, "status": "success", "payer_details": "+7900*****12",
            "pay_time": "2024-05-01 12:30:45", "pay_service": "sbp", "order_id": "ord-2024-0007",
            "invoice_id": "0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13",
            "custom_fields": {"user": "u-77", "note": "\u0442\u0435\u0441\u0442\/1"},
            "currency": "RUB", "credited": "240.25", "code": 1, "amount": "250.00"
        }"#;
        let signed = verify(
            reordered.as_bytes(),
            PAYMENT_SIGNATURE,
            &secret(PAYMENT_KEY),
        )
        .unwrap();
        assert_eq!(signed, PAYMENT_BODY);
    }

    #[test]
    fn tampered_bodies_and_wrong_keys_are_rejected() {
        let tampered = PAYMENT_BODY.replace("250.00", "2500.00");
        let err = verify(tampered.as_bytes(), PAYMENT_SIGNATURE, &secret(PAYMENT_KEY)).unwrap_err();
        assert!(matches!(err, Error::Signature { .. }), "{err:?}");
        // A number changed only in form is another message: 1 and 1.0 are not the same.
        let reformatted = PAYMENT_BODY.replace(r#""code":1"#, r#""code":1.0"#);
        assert!(verify(
            reformatted.as_bytes(),
            PAYMENT_SIGNATURE,
            &secret(PAYMENT_KEY)
        )
        .is_err());
        // A string amount made a number is another message too.
        let unquoted = PAYOFF_BODY.replace(r#""500.00""#, "500.00");
        assert!(verify(unquoted.as_bytes(), PAYOFF_SIGNATURE, &secret(PAYOFF_KEY)).is_err());
        assert!(verify(
            PAYOFF_BODY.as_bytes(),
            PAYOFF_SIGNATURE,
            &secret(PAYMENT_KEY)
        )
        .is_err());
        assert!(verify(PAYOFF_BODY.as_bytes(), "zz", &secret(PAYOFF_KEY)).is_err());
        assert!(verify(b"[1]", PAYOFF_SIGNATURE, &secret(PAYOFF_KEY)).is_err());
        let twice = r#"{"amount":"1.00","amount":"500.00"}"#;
        assert!(matches!(
            verify(twice.as_bytes(), PAYOFF_SIGNATURE, &secret(PAYOFF_KEY)),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn slashes_and_non_ascii_are_signed_raw() {
        let body = r#"{"b":"https://x.example/a/b","a":"Привет \"мир\"\n"}"#;
        assert_eq!(
            canonical_json(body.as_bytes()).unwrap(),
            r#"{"a":"Привет \"мир\"\n","b":"https://x.example/a/b"}"#
        );
    }

    #[test]
    fn a_signer_that_sorts_only_the_top_level_is_accepted_too() {
        let body = r#"{"custom_fields":{"z":1,"a":2},"invoice_id":"i-1"}"#;
        let top_level = canonical(body.as_bytes(), false).unwrap();
        assert_eq!(
            top_level,
            r#"{"custom_fields":{"z":1,"a":2},"invoice_id":"i-1"}"#
        );
        let key = secret("k");
        let digest = mac(&key, &top_level).unwrap().finalize().into_bytes();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        verify(body.as_bytes(), &hex, &key).unwrap();
    }

    #[test]
    fn bodies_are_told_apart_by_their_id() {
        assert_eq!(kind_of(PAYMENT_BODY.as_bytes()).unwrap(), Kind::Payment);
        assert_eq!(kind_of(PAYOFF_BODY.as_bytes()).unwrap(), Kind::Payoff);
        assert!(kind_of(br#"{"x":1}"#).is_err());
    }
}

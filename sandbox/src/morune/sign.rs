//! Webhook signing as the Morune (Enot v2) docs describe it: the body's keys sorted A→Z at
//! every level, written compactly (`,` and `:` without spaces), strings in raw UTF-8 without
//! `\/` or `\uXXXX` escapes; `x-api-sha256-signature` is the lowercase hex HMAC-SHA256 of
//! those bytes under the shop's (payments) or the user's (payoffs) additional key. The
//! canonical bytes are also the body that is sent.

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The signature header.
pub(crate) const SIGNATURE_HEADER: &str = "x-api-sha256-signature";

/// `value` with the keys of every object (at any depth) inserted in A→Z order, so that it
/// writes out canonically whatever order the JSON map keeps.
pub(crate) fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut sorted = Map::new();
            for key in keys {
                if let Some(inner) = map.get(key) {
                    sorted.insert(key.clone(), canonical(inner));
                }
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The lowercase hex signature of `bytes` under `key`.
pub(crate) fn sign(key: &str, bytes: &[u8]) -> String {
    hmac_sha256(key.as_bytes(), bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The example of the Enot/Morune webhook page: secret `example`.
    #[test]
    fn the_docs_test_vector_signs_to_the_published_hash() {
        let body = json!({
            "type": 1,
            "status": "success",
            "payer_details": "553691******1279",
            "pay_time": "2023-04-06 16:27:59",
            "pay_service": "card",
            "order_id": "c78d8fe9-ab44-3f21-a37a-ce4ca269cb47",
            "invoice_id": "a3e9ff6f-c5c1-3bcd-854e-4bc995b1ae7a",
            "custom_fields": {"user": 1},
            "credited": "95.50",
            "amount": "100.00",
        });
        let bytes = canonical(&body).to_string();
        assert_eq!(
            bytes,
            r#"{"amount":"100.00","credited":"95.50","custom_fields":{"user":1},"invoice_id":"a3e9ff6f-c5c1-3bcd-854e-4bc995b1ae7a","order_id":"c78d8fe9-ab44-3f21-a37a-ce4ca269cb47","pay_service":"card","pay_time":"2023-04-06 16:27:59","payer_details":"553691******1279","status":"success","type":1}"#
        );
        assert_eq!(
            sign("example", bytes.as_bytes()),
            "e582b14dd13f8111711e3cb66a982fd7bff28a0ddece8bde14a34a5bb4449136"
        );
    }

    /// Cyrillic and `/` stay raw; nested keys are sorted too.
    #[test]
    fn the_worked_payment_example_keeps_utf8_and_slashes_raw() {
        let body = json!({
            "status": "success", "type": 1, "code": 1,
            "custom_fields": {"user": "u-77", "note": "тест/1"},
            "amount": "250.00", "credited": "240.25", "currency": "RUB",
            "invoice_id": "0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13",
            "order_id": "ord-2024-0007", "pay_service": "sbp",
            "pay_time": "2024-05-01 12:30:45", "payer_details": "+7900*****12",
        });
        let bytes = canonical(&body).to_string();
        assert!(bytes.contains(r#""custom_fields":{"note":"тест/1","user":"u-77"}"#));
        assert_eq!(
            sign("mock-additional-key-42", bytes.as_bytes()),
            "44c8ecc2f27c5343cc1fe299565fb30288b8e48c08883f0622f144ba413e0d24"
        );
    }

    #[test]
    fn the_worked_payoff_example_signs_to_its_hash() {
        let body = json!({
            "wallet": "220000******1234", "status": "success", "service": "card",
            "payoff_id": "9d3c1b7a-2e4f-4a6b-8c0d-1e2f3a4b5c6d", "order_id": "wd-0001",
            "commission": "15.00", "amount": "500.00",
        });
        assert_eq!(
            sign(
                "mock-user-additional-key",
                canonical(&body).to_string().as_bytes()
            ),
            "4243e82bc9ca2f241965f59177422528e45f55ea3265aab3a75b9af53881920d"
        );
    }

    #[test]
    fn long_keys_are_hashed_first() {
        // RFC 4231 test case 6: a 131-byte key.
        let key = [0xaau8; 131];
        let mac = hmac_sha256(
            &key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}

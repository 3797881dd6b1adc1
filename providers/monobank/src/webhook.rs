//! What the bank POSTs to a personal webhook (monobank.md §9.1).
//!
//! The body is `{"type": "StatementItem", "data": {"account": "...", "statementItem":
//! {...}}}`. The personal API documents **no signature**. Third parties report an `X-Sign`
//! header (secp256k1 over the body, key from `/bank/sync`), but it is unconfirmed, so this
//! crate does not rely on it. What can be checked is done by
//! [`crate::MonobankProvider`]: the event must name one of the token's own accounts. That
//! stops events for accounts the receiver never had, not a forger who knows an account id;
//! put a hard-to-guess secret path segment in the webhook URL
//! (`https://example.org/hooks/monobank/<random>`) and reject requests to other paths.

use bankkit_core::{Error, Result};

use crate::wire::{StatementItemEvent, WebhookBody};

/// The only event type the bank documents.
pub(crate) const STATEMENT_ITEM: &str = "StatementItem";

/// Reads a webhook body strictly: valid JSON, `type` `"StatementItem"`, `data` with an
/// account and a whole statement item.
///
/// # Errors
/// [`Error::Decode`] for anything else (including another event type: the body cannot be
/// checked against the token's accounts, so it is not passed on).
pub(crate) fn parse(body: &[u8]) -> Result<StatementItemEvent> {
    let envelope: WebhookBody =
        serde_json::from_slice(body).map_err(|e| Error::decode("Monobank webhook body", e))?;
    if envelope.event_type != STATEMENT_ITEM {
        return Err(Error::decode(
            "Monobank webhook body",
            format!(
                "unknown event type {:?} (only {STATEMENT_ITEM:?} is documented)",
                envelope.event_type
            ),
        ));
    }
    let event: StatementItemEvent = serde_json::from_value(envelope.data)
        .map_err(|e| Error::decode("Monobank webhook StatementItem data", e))?;
    if event.account.is_empty() {
        return Err(Error::decode(
            "Monobank webhook StatementItem data",
            "empty account",
        ));
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"type":"StatementItem","data":{"account":"acc_Qm3xR8tY","statementItem":{"id":"Tx_9a1B==","time":1763799900,
 "description":"Переказ","mcc":4829,"originalMcc":4829,"hold":false,"amount":-10000,"operationAmount":-10000,
 "currencyCode":980,"commissionRate":0,"cashbackAmount":0,"balance":1237533,"comment":"на каву"}}}"#;

    #[test]
    fn documented_example_parses() {
        let event = parse(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(event.account, "acc_Qm3xR8tY");
        assert_eq!(event.statement_item.amount, -10_000);
        assert_eq!(event.statement_item.comment.as_deref(), Some("на каву"));
    }

    #[test]
    fn other_event_types_and_broken_bodies_are_decode_errors() {
        let other = EXAMPLE.replace("\"StatementItem\",\"data\"", "\"Other\",\"data\"");
        assert!(matches!(parse(other.as_bytes()), Err(Error::Decode { .. })));
        assert!(matches!(parse(b"not json"), Err(Error::Decode { .. })));
        assert!(matches!(
            parse(br#"{"type":"StatementItem","data":{"account":"a"}}"#),
            Err(Error::Decode { .. })
        ));
    }
}

//! Events a test (or the control API) can make happen inside a provider.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use crate::TestOutcome;

/// Something that happens at the provider without a client asking for it.
///
/// As JSON (the body of `POST /__bankkit/events`):
/// `{"type":"card_transaction","account_id":null,"amount_minor":-12000,"description":"Сільпо"}`
/// is [`SandboxEvent::CardTransaction`]; any other object is [`SandboxEvent::Custom`], which the
/// provider interprets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SandboxEvent {
    /// An incoming or outgoing card transaction on an account (None = the provider's default
    /// account).
    CardTransaction {
        /// The account; `None` picks the provider's default account.
        account_id: Option<String>,
        /// Signed amount in the account's minor units: negative = money out.
        amount_minor: i64,
        /// The description the statement will show.
        description: String,
    },
    /// The payer of a payment acts on it as on the provider's payment page: pays it
    /// ([`TestOutcome::Success`]), fails it ([`TestOutcome::Failure`]) or starts paying and
    /// never finishes ([`TestOutcome::Pending`]). `payment_id` is the provider's own id (an
    /// invoice id). As JSON: `{"type":"payer_acts","payment_id":"…","outcome":"success"}`.
    PayerActs {
        /// The provider's id of the payment.
        payment_id: String,
        /// What the payer does.
        outcome: TestOutcome,
    },
    /// Provider-specific event as JSON (same as the body of `POST /__bankkit/events`).
    Custom(Value),
}

impl SandboxEvent {
    /// A card transaction on the provider's default account.
    pub fn card_transaction(amount_minor: i64, description: impl Into<String>) -> Self {
        SandboxEvent::CardTransaction {
            account_id: None,
            amount_minor,
            description: description.into(),
        }
    }
}

#[derive(Deserialize)]
struct PayerActsFields {
    payment_id: String,
    outcome: TestOutcome,
}

#[derive(Deserialize)]
struct CardTransactionFields {
    #[serde(default)]
    account_id: Option<String>,
    amount_minor: i64,
    #[serde(default)]
    description: String,
}

impl Serialize for SandboxEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SandboxEvent::CardTransaction {
                account_id,
                amount_minor,
                description,
            } => json!({
                "type": "card_transaction",
                "account_id": account_id,
                "amount_minor": amount_minor,
                "description": description,
            })
            .serialize(serializer),
            SandboxEvent::PayerActs {
                payment_id,
                outcome,
            } => json!({
                "type": "payer_acts",
                "payment_id": payment_id,
                "outcome": outcome,
            })
            .serialize(serializer),
            SandboxEvent::Custom(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for SandboxEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if value.get("type").and_then(Value::as_str) == Some("payer_acts") {
            let fields: PayerActsFields =
                serde_json::from_value(value).map_err(D::Error::custom)?;
            return Ok(SandboxEvent::PayerActs {
                payment_id: fields.payment_id,
                outcome: fields.outcome,
            });
        }
        if value.get("type").and_then(Value::as_str) == Some("card_transaction") {
            let fields: CardTransactionFields =
                serde_json::from_value(value).map_err(D::Error::custom)?;
            Ok(SandboxEvent::CardTransaction {
                account_id: fields.account_id,
                amount_minor: fields.amount_minor,
                description: fields.description,
            })
        } else {
            Ok(SandboxEvent::Custom(value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_transaction_round_trips_through_json() {
        let event = SandboxEvent::CardTransaction {
            account_id: Some("abc".into()),
            amount_minor: -500,
            description: "Кава".into(),
        };
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<SandboxEvent>(&text).unwrap(), event);
    }

    #[test]
    fn payer_acts_round_trips_through_json() {
        let event = SandboxEvent::PayerActs {
            payment_id: "p2_1".into(),
            outcome: TestOutcome::Failure,
        };
        let text = serde_json::to_string(&event).unwrap();
        assert!(text.contains(r#""type":"payer_acts""#), "{text}");
        assert_eq!(serde_json::from_str::<SandboxEvent>(&text).unwrap(), event);
    }

    #[test]
    fn other_objects_are_custom_events() {
        let event: SandboxEvent = serde_json::from_str(r#"{"type":"invoice_paid"}"#).unwrap();
        assert_eq!(event, SandboxEvent::Custom(json!({"type": "invoice_paid"})));
    }
}

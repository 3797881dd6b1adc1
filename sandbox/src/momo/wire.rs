//! The sandbox's own JSON for MoMo status bodies (the same body goes out as the callback).

use serde_json::{json, Map, Value};

use super::state::{Kind, Outcome, Party, Payment, ReasonFormat, Standing};
use crate::time::rfc3339;

pub(crate) fn party(party: &Party) -> Value {
    json!({ "partyIdType": party.id_type, "partyId": party.id })
}

/// The message written beside a failure code.
pub(crate) fn reason_message(code: &str) -> &'static str {
    match code {
        "APPROVAL_REJECTED" => "The payer rejected the request.",
        "EXPIRED" => "The request expired before the payer approved it.",
        "PAYER_NOT_FOUND" => "The payer could not be found.",
        "PAYEE_NOT_FOUND" => "The payee could not be found.",
        "NOT_ENOUGH_FUNDS" => "The sender does not have enough funds.",
        "NOT_ALLOWED_TARGET_ENVIRONMENT" => "Access to target environment is forbidden.",
        "INVALID_CALLBACK_URL_HOST" => "Callback URL host is not allowed.",
        "INVALID_CURRENCY" => "Currency not supported.",
        "COULD_NOT_PERFORM_TRANSACTION" => "The payer did not confirm the transaction in time.",
        "TRANSFER_TYPE_UNKNOWN" => "The transfer type is unknown.",
        _ => "An internal error occurred while processing.",
    }
}

/// `reason` in the chosen form.
pub(crate) fn reason(format: ReasonFormat, code: &str) -> Value {
    match format {
        ReasonFormat::Object => json!({ "code": code, "message": reason_message(code) }),
        ReasonFormat::String => Value::String(code.to_owned()),
    }
}

/// The GET status body of `payment` standing as `standing`.
pub(crate) fn status_body(payment: &Payment, standing: Standing, format: ReasonFormat) -> Value {
    let status = standing.status();
    let is_final = matches!(standing, Standing::Final(..));
    let mut body = Map::new();
    let mut put = |key: &str, value: Value| {
        body.insert(key.to_owned(), value);
    };
    match payment.kind {
        Kind::Invoice => {
            put("referenceId", json!(payment.reference_id));
            put("externalId", json!(payment.external_id));
            put("amount", json!(payment.amount));
            put("currency", json!(payment.currency));
            put("status", json!(status));
            put(
                "paymentReference",
                payment.extra["paymentReference"].clone(),
            );
            put("invoiceId", payment.extra["invoiceId"].clone());
            put(
                "expiryDateTime",
                json!(payment.expires_at.map(rfc3339).unwrap_or_default()),
            );
            if let Some(payer) = &payment.party {
                put("intendedPayer", party(payer));
            }
            put("description", payment.extra["description"].clone());
        }
        Kind::Preapproval => {
            if let Some(payer) = &payment.party {
                put("payer", party(payer));
            }
            put("payerCurrency", json!(payment.currency));
            put("payerMessage", json!(payment.payer_message));
            put("status", json!(status));
            put(
                "expirationDateTime",
                json!(payment.expires_at.map(rfc3339).unwrap_or_default()),
            );
        }
        Kind::Payment => {
            put("referenceId", json!(payment.reference_id));
            put("status", json!(status));
            if is_final {
                put(
                    "financialTransactionId",
                    json!(payment.financial_transaction_id),
                );
            }
            if let Value::Object(extra) = &payment.extra {
                for (key, value) in extra {
                    put(key, value.clone());
                }
            }
        }
        kind => {
            if is_final && kind != Kind::Deposit {
                put(
                    "financialTransactionId",
                    json!(payment.financial_transaction_id),
                );
            }
            put("externalId", json!(payment.external_id));
            put("amount", json!(payment.amount));
            put("currency", json!(payment.currency));
            if let Some(who) = &payment.party {
                let key = if matches!(kind, Kind::RequestToPay | Kind::Withdraw) {
                    "payer"
                } else {
                    "payee"
                };
                put(key, party(who));
            }
            put("payerMessage", json!(payment.payer_message));
            put("payeeNote", json!(payment.payee_note));
            put("status", json!(status));
        }
    }
    if let Standing::Final(_, Outcome::Failed(code)) = standing {
        put("reason", reason(format, code));
    }
    Value::Object(body)
}

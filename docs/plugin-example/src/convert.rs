//! Acme's wire types to core types and core requests to Acme's: the only place they meet.

use bankkit_core::money::{currency_from_code, Currency, Money};
use bankkit_core::payment::once::fingerprint;
use bankkit_core::payment::{Card, FailureReason, PaymentFailure};
use bankkit_core::{
    Account, AccountId, AccountKind, CaptureMode, CollectRequest, Error, PaymentDetails, PaymentId,
    PaymentKind, PaymentStatus, Refund, RefundStatus, Result,
};
use serde_json::json;

use crate::wire::{self, CardData, ChargeStatus, NewCharge};

/// The resource name of a charge in its [`PaymentId`].
pub(crate) const CHARGE: &str = "charge";
/// The resource name of a refund in its [`PaymentId`] (always within its charge).
pub(crate) const REFUND: &str = "refund";

/// The id of Acme charge `id`.
pub(crate) fn charge_id(id: &str) -> PaymentId {
    PaymentId::new(PaymentKind::Collection, CHARGE, id)
}

/// The id of Acme refund `id` of `charge`.
pub(crate) fn refund_id(id: &str, charge: &PaymentId) -> PaymentId {
    PaymentId::new(PaymentKind::Refund, REFUND, id).within(charge)
}

/// The Acme charge id inside `id`, if `id` names a charge.
pub(crate) fn charge_of(id: &PaymentId) -> Result<&str> {
    if id.kind() == PaymentKind::Collection && id.resource() == CHARGE {
        Ok(id.id())
    } else {
        Err(Error::invalid(format!("{id} is not an Acme charge")))
    }
}

/// An account as core sees it.
pub(crate) fn account(account: wire::Account) -> Result<Account> {
    let currency = currency_from_code(&account.currency)?;
    Ok(Account::new(
        AccountId::new(account.id),
        AccountKind::Current,
        "acme",
        currency,
    )
    .with_name(account.name))
}

/// `money` as Acme writes amounts: a decimal string in the currency's units. Only positive
/// amounts are sent.
pub(crate) fn amount_text(money: &Money) -> Result<String> {
    if money.is_negative() || money.amount().is_zero() {
        return Err(Error::invalid(format!(
            "an Acme amount must be positive, not {money}"
        )));
    }
    Ok(money.amount().to_string())
}

/// `amount` if it is in `currency`.
pub(crate) fn same_currency(amount: &Money, currency: Currency) -> Result<()> {
    if amount.currency() == currency {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{amount} is not in {}, the charge's currency",
            currency.code()
        )))
    }
}

/// The charge `request` asks for, paid with `card`.
pub(crate) fn new_charge(request: &CollectRequest, card: &Card) -> Result<NewCharge> {
    Ok(NewCharge {
        amount: amount_text(&request.amount)?,
        currency: request.amount.currency().code().to_owned(),
        card: CardData {
            number: card.number().clone(),
            exp_month: card.expiry().month(),
            exp_year: card.expiry().year(),
            cvc: card.cvv().cloned(),
            masked: card.masked_number(),
        },
        reference: request.reference.clone(),
        capture: request.capture != CaptureMode::Hold,
    })
}

/// What identifies a charge request, for the local record: amount, currency, the masked
/// card number, the capture mode and the reference — never the number, expiry or CVC.
pub(crate) fn charge_fingerprint(request: &CollectRequest, card: &Card) -> Result<String> {
    fingerprint(&json!({
        "operation": "charge",
        "amount": request.amount.amount().to_string(),
        "currency": request.amount.currency().code(),
        "card": card.masked_number(),
        "capture": request.capture,
        "reference": request.reference,
    }))
}

/// What identifies a refund request, for the local record.
pub(crate) fn refund_fingerprint(charge: &str, amount: Option<&Money>) -> Result<String> {
    fingerprint(&json!({
        "operation": "refund",
        "charge": charge,
        "amount": amount.map(|a| a.amount().to_string()),
        "currency": amount.map(|a| a.currency().code()),
    }))
}

/// Acme's failure codes (and, for `card_declined`, the issuer's `decline_code`) as core
/// reasons; Acme's code and message are kept unchanged.
pub(crate) fn failure(
    code: Option<&str>,
    decline_code: Option<&str>,
    message: Option<&str>,
) -> PaymentFailure {
    let reason = match (code, decline_code) {
        (_, Some("insufficient_funds")) => FailureReason::InsufficientFunds,
        (_, Some("lost_card" | "stolen_card" | "restricted_card")) => FailureReason::Blocked,
        (_, Some("card_velocity_exceeded" | "withdrawal_count_limit_exceeded")) => {
            FailureReason::LimitExceeded
        }
        (Some("expired_card"), _) => FailureReason::Blocked,
        (Some("incorrect_number" | "incorrect_cvc" | "invalid_expiry"), _) => {
            FailureReason::InvalidCard
        }
        (Some("authentication_required" | "authentication_failed"), _) => {
            FailureReason::AuthenticationFailed
        }
        (Some("amount_too_large"), _) => FailureReason::LimitExceeded,
        (Some("processing_error"), _) => FailureReason::ProviderError,
        _ => FailureReason::Other,
    };
    PaymentFailure::new(reason).with_provider(code.map(str::to_owned), message.map(str::to_owned))
}

/// A refund's status in core terms; one bankkit does not know is `Pending`.
fn refund_status(status: &str) -> RefundStatus {
    match status {
        "succeeded" => RefundStatus::Succeeded,
        "failed" => RefundStatus::Failed,
        _ => RefundStatus::Pending,
    }
}

/// A refund of `charge` (whose currency is `currency`) in core terms.
pub(crate) fn refund(
    refund: &wire::Refund,
    charge: &PaymentId,
    currency: Option<Currency>,
) -> Result<Refund> {
    if refund.charge != charge.id() {
        return Err(Error::decode(
            "refund",
            format!(
                "Acme answered a refund of {}, not of {}",
                refund.charge,
                charge.id()
            ),
        ));
    }
    let currency = match (&refund.currency, currency) {
        (Some(code), _) => currency_from_code(code)?,
        (None, Some(currency)) => currency,
        (None, None) => {
            return Err(Error::decode(
                "refund",
                "the refund names no currency and its charge is not known",
            ))
        }
    };
    let mut core = Refund::new(
        charge.clone(),
        Money::parse(&refund.amount, currency)?,
        refund_status(&refund.status),
        refund.status.clone(),
    );
    core.id = Some(refund_id(&refund.id, charge));
    core.created_at = Some(refund.created_at);
    Ok(core)
}

/// A refund read by its own id: its details as a payment of kind `Refund`.
pub(crate) fn refund_details(refund: &Refund) -> PaymentDetails {
    let id = refund
        .id
        .clone()
        .unwrap_or_else(|| refund.payment_id.clone());
    let status = match refund.status {
        RefundStatus::Succeeded => PaymentStatus::Succeeded,
        RefundStatus::Failed => PaymentStatus::Failed,
        _ => PaymentStatus::Pending,
    };
    let mut details =
        PaymentDetails::new(id, status, refund.provider_status.clone(), refund.amount);
    details.created_at = refund.created_at;
    details
}

/// A charge in core terms.
///
/// `succeeded` is `Refunded` or `PartiallyRefunded` once refunds (succeeded or pending)
/// cover all or part of what was taken; a status bankkit does not know is `Pending`.
pub(crate) fn details(charge: wire::Charge) -> Result<PaymentDetails> {
    let currency = currency_from_code(&charge.currency)?;
    let id = charge_id(&charge.id);
    let amount = Money::parse(&charge.amount, currency)?;
    let captured = charge
        .amount_captured
        .as_deref()
        .map(|a| Money::parse(a, currency))
        .transpose()?;
    let refunds = charge
        .refunds
        .iter()
        .map(|r| refund(r, &id, Some(currency)))
        .collect::<Result<Vec<_>>>()?;

    let mut details =
        PaymentDetails::new(id, PaymentStatus::Pending, charge.status.as_str(), amount);
    details.refunds = refunds;
    let refunded = details.refunded();
    details.status = match &charge.status {
        ChargeStatus::Succeeded => {
            let taken = captured.unwrap_or(amount);
            match refunded {
                Some(r) if r.amount() >= taken.amount() => PaymentStatus::Refunded,
                Some(r) if !r.amount().is_zero() => PaymentStatus::PartiallyRefunded,
                _ => PaymentStatus::Succeeded,
            }
        }
        ChargeStatus::Failed => PaymentStatus::Failed,
        ChargeStatus::Authorized => PaymentStatus::Authorized,
        ChargeStatus::Canceled => PaymentStatus::Cancelled,
        ChargeStatus::Pending | ChargeStatus::Other(_) => PaymentStatus::Pending,
    };
    if charge.status == ChargeStatus::Succeeded {
        let taken = captured.unwrap_or(amount);
        details.final_amount = Some(match refunded {
            Some(r) => Money::new(taken.amount() - r.amount(), currency)?,
            None => taken,
        });
    }
    details.capture = charge.capture.map(|capture| {
        if capture {
            CaptureMode::Immediate
        } else {
            CaptureMode::Hold
        }
    });
    if charge.status == ChargeStatus::Failed {
        details.failure = Some(failure(
            charge.failure_code.as_deref(),
            charge.decline_code.as_deref(),
            charge.failure_message.as_deref(),
        ));
    }
    details.reference = charge.reference;
    details.masked_card = charge.card.map(|card| format!("**** {}", card.last4));
    details.created_at = Some(charge.created_at);
    Ok(details)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(json: serde_json::Value) -> wire::Charge {
        serde_json::from_value(json).unwrap()
    }

    fn base() -> serde_json::Value {
        json!({
            "id": "ch_1", "status": "succeeded", "amount": "50.00", "amount_captured": "50.00",
            "currency": "EUR", "reference": "order-7", "capture": true,
            "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
            "refunds": [], "created_at": "2026-11-02T10:00:00Z"
        })
    }

    #[test]
    fn statuses_map_and_unknown_ones_are_pending() {
        for (wire, core) in [
            ("succeeded", PaymentStatus::Succeeded),
            ("failed", PaymentStatus::Failed),
            ("pending", PaymentStatus::Pending),
            ("authorized", PaymentStatus::Authorized),
            ("canceled", PaymentStatus::Cancelled),
            ("disputed", PaymentStatus::Pending),
        ] {
            let mut json = base();
            json["status"] = json!(wire);
            let details = details(charge(json)).unwrap();
            assert_eq!(details.status, core, "{wire}");
            assert_eq!(details.provider_status, wire);
        }
    }

    #[test]
    fn refunds_make_a_charge_partially_then_fully_refunded() {
        let mut json = base();
        json["refunds"] = json!([{"id": "re_1", "charge": "ch_1", "amount": "20.00",
            "status": "succeeded", "created_at": "2026-11-02T11:00:00Z"}]);
        let partly = details(charge(json.clone())).unwrap();
        assert_eq!(partly.status, PaymentStatus::PartiallyRefunded);
        assert_eq!(partly.final_amount.unwrap().amount().to_string(), "30.00");
        let refund = &partly.refunds[0];
        assert_eq!(refund.id.as_ref().unwrap().parent(), Some("ch_1"));
        assert_eq!(refund.payment_id, partly.id);

        json["refunds"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "re_2", "charge": "ch_1", "amount": "30.00",
                "currency": "EUR", "status": "pending", "created_at": "2026-11-02T12:00:00Z"}));
        let fully = details(charge(json)).unwrap();
        assert_eq!(fully.status, PaymentStatus::Refunded);
        assert_eq!(fully.refunds[1].status, RefundStatus::Pending);
    }

    #[test]
    fn a_partial_capture_is_the_final_amount() {
        let mut json = base();
        json["amount_captured"] = json!("32.00");
        let details = details(charge(json)).unwrap();
        assert_eq!(details.amount.amount().to_string(), "50.00");
        assert_eq!(details.final_amount.unwrap().amount().to_string(), "32.00");
    }

    #[test]
    fn failure_codes_become_core_reasons_with_the_code_kept() {
        let mut json = base();
        json["status"] = json!("failed");
        json["failure_code"] = json!("card_declined");
        json["decline_code"] = json!("insufficient_funds");
        json["failure_message"] = json!("The card has insufficient funds.");
        let failure = details(charge(json)).unwrap().failure.unwrap();
        assert_eq!(failure.reason, FailureReason::InsufficientFunds);
        assert_eq!(failure.provider_code.as_deref(), Some("card_declined"));

        let reason = |code, decline| failure_of(code, decline);
        assert_eq!(reason("expired_card", None), FailureReason::Blocked);
        assert_eq!(reason("incorrect_cvc", None), FailureReason::InvalidCard);
        assert_eq!(
            reason("card_declined", Some("stolen_card")),
            FailureReason::Blocked
        );
        assert_eq!(
            reason("processing_error", None),
            FailureReason::ProviderError
        );
        assert_eq!(
            reason("card_declined", Some("do_not_honor")),
            FailureReason::Other
        );
        assert_eq!(reason("something_new", None), FailureReason::Other);
    }

    fn failure_of(code: &str, decline: Option<&str>) -> FailureReason {
        failure(Some(code), decline, None).reason
    }

    #[test]
    fn the_card_sent_prints_masked_and_the_fingerprint_holds_no_card_data() {
        let card = Card::new("4242424242424242".into(), "09/31", Some("987".into())).unwrap();
        let amount = Money::parse("12.34", currency_from_code("EUR").unwrap()).unwrap();
        let request = CollectRequest::new(bankkit_core::IdempotencyKey::generate(), amount)
            .reference("order-1")
            .hold();
        let body = new_charge(&request, &card).unwrap();
        let printed = format!("{body:?}");
        assert!(printed.contains("424242******4242"), "{printed}");
        assert!(!printed.contains("4242424242424242") && !printed.contains("987"));
        assert!(!printed.contains("2031"), "{printed}");

        let sent = serde_json::to_value(&body).unwrap();
        assert_eq!(sent["card"]["number"], "4242424242424242");
        assert_eq!(sent["card"]["cvc"], "987");
        assert_eq!(sent["card"]["exp_month"], 9);
        assert_eq!(sent["card"]["exp_year"], 2031);
        assert_eq!(sent["amount"], "12.34");
        assert_eq!(sent["capture"], false);
        assert!(sent["card"].get("masked").is_none());

        let print = charge_fingerprint(&request, &card).unwrap();
        let other_card = Card::new("4000000000000002".into(), "09/31", None).unwrap();
        assert_ne!(print, charge_fingerprint(&request, &other_card).unwrap());
        let captured = CollectRequest::new(request.idempotency_key.clone(), amount);
        assert_ne!(
            charge_fingerprint(&captured.reference("order-1"), &card).unwrap(),
            print,
            "the capture mode is part of the fingerprint"
        );
    }

    #[test]
    fn only_positive_amounts_are_sent() {
        let eur = currency_from_code("EUR").unwrap();
        assert!(amount_text(&Money::parse("0", eur).unwrap()).is_err());
        assert!(amount_text(&Money::parse("-1.00", eur).unwrap()).is_err());
        assert_eq!(
            amount_text(&Money::parse("7.5", eur).unwrap()).unwrap(),
            "7.50"
        );
    }
}

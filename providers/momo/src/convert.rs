//! MoMo wire types ↔ core types: the only place they meet.

use bankkit_core::money::{currency_from_code, Currency, Decimal, Money};
use bankkit_core::payment::{FailureReason, Party as CoreParty, PaymentFailure, RefundStatus};
use bankkit_core::{
    CollectRequest, Error, PaymentDetails, PaymentId, PaymentKind, PaymentStatus, PayoutRequest,
    Refund as CoreRefund, RefundRequest, Result,
};

use crate::ids::{PaymentRef, PaymentResource, ReferenceId};
use crate::wire::{
    Party, PartyIdType, Reason, Refund, RequestToPay, RequestToPayResult, TransactionStatus,
    Transfer, TransferResult,
};

/// The longest `payerMessage`/`payeeNote` MoMo accepts.
pub(crate) const MAX_NOTE: usize = 160;

/// A core party as a MoMo payer/payee: `Phone` (at no named bank) → `MSISDN`, `Email` →
/// `EMAIL`, `Other { kind, value }` → `kind` upper-cased (`party_code` → `PARTY_CODE`).
///
/// # Errors
/// [`Error::InvalidRequest`] for a card, IBAN, wallet, account, or a phone at a named bank,
/// which MoMo cannot address.
pub(crate) fn party(party: &CoreParty) -> Result<Party> {
    match party {
        CoreParty::Phone(phone) if phone.bank().is_none() => Ok(Party::msisdn(phone.number())),
        CoreParty::Email(email) => Ok(Party::new(PartyIdType::Email, email.clone())),
        CoreParty::Other { kind, value } => {
            let kind = match kind.to_ascii_uppercase().as_str() {
                "MSISDN" => PartyIdType::Msisdn,
                "EMAIL" => PartyIdType::Email,
                "PARTY_CODE" => PartyIdType::PartyCode,
                "ALIAS" => PartyIdType::Alias,
                other => PartyIdType::Other(other.to_owned()),
            };
            Ok(Party::new(kind, value.clone()))
        }
        other => Err(Error::invalid(format!(
            "MoMo addresses parties by MSISDN, e-mail or party code, not by {}",
            match other {
                CoreParty::Phone(_) => "a phone at a named bank",
                other => other.kind(),
            }
        ))),
    }
}

/// A note MoMo accepts: at most 160 characters, without `'` and `&` (refused with 400).
pub(crate) fn note(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\'' | '&'))
        .take(MAX_NOTE)
        .collect()
}

/// A wire amount and currency as money.
///
/// # Errors
/// [`Error::Money`] for an unknown currency or an amount finer than it.
pub(crate) fn money(amount: Decimal, currency: &str) -> Result<Money> {
    Money::new(amount, currency_from_code(currency)?)
}

/// The core status of a MoMo status. Exhaustive: an unknown status is `Pending` (raw kept
/// in `provider_status`), never success or failure.
pub(crate) fn payment_status(status: &TransactionStatus) -> PaymentStatus {
    match status {
        TransactionStatus::Pending | TransactionStatus::Created => PaymentStatus::Pending,
        TransactionStatus::Successful => PaymentStatus::Succeeded,
        TransactionStatus::Failed => PaymentStatus::Failed,
        TransactionStatus::Other(raw) => {
            tracing::warn!(status = %raw, "unknown MoMo status; treated as pending");
            PaymentStatus::Pending
        }
    }
}

/// The status as MoMo wrote it.
pub(crate) fn status_text(status: &TransactionStatus) -> String {
    match status {
        TransactionStatus::Pending => "PENDING".to_owned(),
        TransactionStatus::Created => "CREATED".to_owned(),
        TransactionStatus::Successful => "SUCCESSFUL".to_owned(),
        TransactionStatus::Failed => "FAILED".to_owned(),
        TransactionStatus::Other(raw) => raw.clone(),
    }
}

/// `PayerNotFound` → `PAYER_NOT_FOUND`; `PAYER_NOT_FOUND` unchanged. Some scenario tables
/// name the codes in camel case.
fn upper_snake(code: &str) -> String {
    if !code.chars().any(|c| c.is_ascii_lowercase()) {
        return code.to_owned();
    }
    let mut out = String::with_capacity(code.len() + 8);
    for (i, c) in code.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The core reason of a MoMo failure code (momo.md B9). `EXPIRED` and
/// `COULD_NOT_PERFORM_TRANSACTION` (the payer did not enter the PIN in time) and
/// `TRANSACTION_CANCELED` are the payer not approving: `PayerDeclined`.
pub(crate) fn failure_reason(code: &str) -> FailureReason {
    match upper_snake(code).as_str() {
        "NOT_ENOUGH_FUNDS" => FailureReason::InsufficientFunds,
        "APPROVAL_REJECTED"
        | "PAYMENT_NOT_APPROVED"
        | "EXPIRED"
        | "COULD_NOT_PERFORM_TRANSACTION"
        | "TRANSACTION_CANCELED" => FailureReason::PayerDeclined,
        "PAYER_NOT_FOUND" | "PAYEE_NOT_FOUND" => FailureReason::PartyNotFound,
        "PAYER_LIMIT_REACHED" | "PAYEE_LIMIT_REACHED" => FailureReason::LimitExceeded,
        "SENDER_ACCOUNT_NOT_ACTIVE"
        | "PAYEE_NOT_ALLOWED_TO_RECEIVE"
        | "NOT_ALLOWED"
        | "NOT_ALLOWED_TARGET_ENVIRONMENT" => FailureReason::Blocked,
        "INVALID_CURRENCY" | "INVALID_CALLBACK_URL_HOST" => FailureReason::Invalid,
        "INTERNAL_PROCESSING_ERROR" | "SERVICE_UNAVAILABLE" => FailureReason::ProviderError,
        _ => FailureReason::Other,
    }
}

/// The failure of a FAILED status, from its `reason` (either form); no reason is `Other`.
pub(crate) fn failure(reason: Option<&Reason>) -> PaymentFailure {
    let code = reason.and_then(Reason::code).map(str::to_owned);
    let mut failure =
        PaymentFailure::new(code.as_deref().map_or(FailureReason::Other, failure_reason));
    failure.provider_code = code;
    failure.message = reason.and_then(Reason::message).map(str::to_owned);
    failure
}

/// The fields every status body shares.
pub(crate) struct StatusView<'a> {
    pub(crate) amount: Decimal,
    pub(crate) currency: &'a str,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) status: &'a TransactionStatus,
    pub(crate) reason: Option<&'a Reason>,
    /// The payer (collections) or payee (transfers, deposits, refunds), when the body names
    /// one: what a reused idempotency key is checked against.
    pub(crate) party: Option<&'a Party>,
}

impl<'a> From<&'a RequestToPayResult> for StatusView<'a> {
    fn from(r: &'a RequestToPayResult) -> Self {
        Self {
            amount: r.amount,
            currency: &r.currency,
            external_id: r.external_id.as_deref(),
            status: &r.status,
            reason: r.reason.as_ref(),
            party: r.payer.as_ref(),
        }
    }
}

impl<'a> From<&'a TransferResult> for StatusView<'a> {
    fn from(r: &'a TransferResult) -> Self {
        Self {
            amount: r.amount,
            currency: &r.currency,
            external_id: r.external_id.as_deref(),
            status: &r.status,
            reason: r.reason.as_ref(),
            party: r.payee.as_ref(),
        }
    }
}

/// Whether two MoMo parties are the same: same id type and id (an MSISDN without its `+`
/// and spaces, an e-mail address in any case).
pub(crate) fn same_party(a: &Party, b: &Party) -> bool {
    if a.party_id_type != b.party_id_type {
        return false;
    }
    let normal = |party: &Party| -> String {
        let id = party.party_id.trim();
        match party.party_id_type {
            PartyIdType::Msisdn => id
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '+')
                .collect(),
            PartyIdType::Email => id.to_lowercase(),
            _ => id.to_owned(),
        }
    };
    normal(a) == normal(b)
}

/// The kind of a party as MoMo writes it (`MSISDN`), for messages that must not repeat a
/// phone number or address.
pub(crate) fn party_kind(party: &Party) -> &str {
    match &party.party_id_type {
        PartyIdType::Msisdn => "MSISDN",
        PartyIdType::Email => "EMAIL",
        PartyIdType::PartyCode => "PARTY_CODE",
        PartyIdType::Alias => "ALIAS",
        PartyIdType::Other(other) => other,
    }
}

/// The core kind of a resource.
pub(crate) fn kind(resource: PaymentResource) -> PaymentKind {
    match resource {
        PaymentResource::RequestToPay | PaymentResource::RequestToWithdraw => {
            PaymentKind::Collection
        }
        PaymentResource::Transfer
        | PaymentResource::Deposit
        | PaymentResource::RemittanceTransfer => PaymentKind::Payout,
        PaymentResource::Refund => PaymentKind::Refund,
    }
}

/// Payment details from a status body.
///
/// # Errors
/// [`Error::Money`] for an unreadable amount or currency.
pub(crate) fn details(id: &PaymentRef, view: StatusView<'_>) -> Result<PaymentDetails> {
    let status = payment_status(view.status);
    let mut details = PaymentDetails::new(
        id.payment_id(),
        status,
        status_text(view.status),
        money(view.amount, view.currency)?,
    );
    details.reference = view.external_id.map(str::to_owned);
    if status == PaymentStatus::Failed {
        details.failure = Some(failure(view.reason));
    }
    Ok(details)
}

/// Details of a create MoMo just accepted (202): pending.
pub(crate) fn accepted(id: &PaymentRef, amount: Money, reference: &str) -> PaymentDetails {
    let mut details =
        PaymentDetails::new(id.payment_id(), PaymentStatus::Pending, "PENDING", amount);
    details.reference = Some(reference.to_owned());
    details
}

/// The caller's reference, or the idempotency key when there is none: MoMo's `externalId`.
fn external_id(reference: Option<&str>, key: &bankkit_core::IdempotencyKey) -> String {
    reference.map_or_else(|| key.to_string(), str::to_owned)
}

/// The request-to-pay body of a collect from `payer`: the description (or the external id)
/// as both notes.
pub(crate) fn request_to_pay(request: &CollectRequest, payer: Party) -> RequestToPay {
    let external_id = external_id(request.reference.as_deref(), &request.idempotency_key);
    let message = note(request.description.as_deref().unwrap_or(&external_id));
    RequestToPay {
        amount: request.amount.amount(),
        currency: request.amount.currency().code().to_owned(),
        external_id,
        payer,
        payer_message: message.clone(),
        payee_note: message,
    }
}

/// The disbursement transfer body of a pay-out to `payee`.
pub(crate) fn transfer(request: &PayoutRequest, payee: Party) -> Transfer {
    let external_id = external_id(request.reference.as_deref(), &request.idempotency_key);
    let message = note(request.description.as_deref().unwrap_or(&external_id));
    Transfer {
        amount: request.amount.amount(),
        currency: request.amount.currency().code().to_owned(),
        external_id,
        payee,
        payer_message: message.clone(),
        payee_note: message,
    }
}

/// The disbursement refund (v1) body of `amount` of the request-to-pay `original`; the
/// idempotency key is its external id.
pub(crate) fn refund(request: &RefundRequest, amount: Money, original: &ReferenceId) -> Refund {
    let message = note(request.reason.as_deref().unwrap_or("Refund"));
    Refund {
        amount: amount.amount(),
        currency: amount.currency().code().to_owned(),
        external_id: request.idempotency_key.to_string(),
        payer_message: message.clone(),
        payee_note: message,
        reference_id_to_refund: original.to_string(),
    }
}

/// A refund resource's details as a core refund of `payment`.
pub(crate) fn refund_of(details: PaymentDetails, payment: PaymentId) -> CoreRefund {
    let status = match details.status {
        PaymentStatus::Succeeded => RefundStatus::Succeeded,
        PaymentStatus::Failed => RefundStatus::Failed,
        _ => RefundStatus::Pending,
    };
    let mut refund = CoreRefund::new(payment, details.amount, status, details.provider_status);
    refund.id = Some(details.id);
    refund.reference = details.reference;
    refund.created_at = details.created_at;
    refund.updated_at = details.updated_at;
    refund
}

/// The currency of a configured code.
///
/// # Errors
/// [`Error::Config`] naming `currency`.
pub(crate) fn configured_currency(code: &str) -> Result<Currency> {
    currency_from_code(code).map_err(|e| Error::config("currency", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_maps_and_unknown_is_pending() {
        let table = [
            (
                TransactionStatus::Pending,
                PaymentStatus::Pending,
                "PENDING",
            ),
            (
                TransactionStatus::Created,
                PaymentStatus::Pending,
                "CREATED",
            ),
            (
                TransactionStatus::Successful,
                PaymentStatus::Succeeded,
                "SUCCESSFUL",
            ),
            (TransactionStatus::Failed, PaymentStatus::Failed, "FAILED"),
            (
                TransactionStatus::Other("ONGOING".into()),
                PaymentStatus::Pending,
                "ONGOING",
            ),
        ];
        for (wire, core, text) in table {
            assert_eq!(payment_status(&wire), core, "{wire:?}");
            assert_eq!(status_text(&wire), text);
        }
    }

    #[test]
    fn every_reason_maps_to_a_core_reason() {
        use FailureReason::*;
        let table = [
            ("NOT_ENOUGH_FUNDS", InsufficientFunds),
            ("APPROVAL_REJECTED", PayerDeclined),
            ("PAYMENT_NOT_APPROVED", PayerDeclined),
            ("EXPIRED", PayerDeclined),
            ("COULD_NOT_PERFORM_TRANSACTION", PayerDeclined),
            ("TRANSACTION_CANCELED", PayerDeclined),
            ("PAYER_NOT_FOUND", PartyNotFound),
            ("PAYEE_NOT_FOUND", PartyNotFound),
            ("PayerNotFound", PartyNotFound),
            ("PAYER_LIMIT_REACHED", LimitExceeded),
            ("PAYEE_LIMIT_REACHED", LimitExceeded),
            ("SENDER_ACCOUNT_NOT_ACTIVE", Blocked),
            ("PAYEE_NOT_ALLOWED_TO_RECEIVE", Blocked),
            ("NOT_ALLOWED", Blocked),
            ("NOT_ALLOWED_TARGET_ENVIRONMENT", Blocked),
            ("INVALID_CURRENCY", Invalid),
            ("INVALID_CALLBACK_URL_HOST", Invalid),
            ("INTERNAL_PROCESSING_ERROR", ProviderError),
            ("SERVICE_UNAVAILABLE", ProviderError),
            ("ONGOING", Other),
            ("PAYER_DELAYED", Other),
            ("PAYEE_DELAYED", Other),
            ("LOW_BALANCE_OR_PAYEE_LIMIT_REACHED_OR_NOT_ALLOWED", Other),
            ("SOMETHING_NEW", Other),
        ];
        for (code, reason) in table {
            assert_eq!(failure_reason(code), reason, "{code}");
        }
    }

    #[test]
    fn failures_keep_the_provider_code_and_message_in_both_forms() {
        let f = failure(Some(&Reason::Code("NOT_ENOUGH_FUNDS".into())));
        assert_eq!(f.reason, FailureReason::InsufficientFunds);
        assert_eq!(f.provider_code.as_deref(), Some("NOT_ENOUGH_FUNDS"));
        assert_eq!(f.message, None);
        let f = failure(Some(&Reason::Detailed {
            code: Some("PAYER_NOT_FOUND".into()),
            message: Some("Payer not found".into()),
        }));
        assert_eq!(f.reason, FailureReason::PartyNotFound);
        assert_eq!(f.message.as_deref(), Some("Payer not found"));
        assert_eq!(failure(None).reason, FailureReason::Other);
    }

    #[test]
    fn notes_are_cut_to_what_momo_accepts() {
        assert_eq!(note("Tom's & Co"), "Toms  Co");
        assert_eq!(note(&"x".repeat(200)).len(), MAX_NOTE);
    }

    #[test]
    fn parties_compare_by_type_and_normalised_id() {
        let a = Party::msisdn("46733123450");
        assert!(same_party(&a, &Party::msisdn("+46733123450")));
        assert!(same_party(&a, &Party::msisdn(" 46733123450 ")));
        assert!(!same_party(&a, &Party::msisdn("46733123451")));
        assert!(!same_party(
            &a,
            &Party::new(PartyIdType::PartyCode, "46733123450")
        ));
        assert!(same_party(
            &Party::new(PartyIdType::Email, "A@B.example"),
            &Party::new(PartyIdType::Email, "a@b.example")
        ));
        assert_eq!(party_kind(&a), "MSISDN");
    }

    #[test]
    fn status_views_keep_the_payer_and_the_payee() {
        let rtp: RequestToPayResult = serde_json::from_str(
            r#"{"amount":"5","currency":"EUR","status":"PENDING","payer":{"partyIdType":"MSISDN","partyId":"46733123450"}}"#,
        )
        .unwrap();
        let view = StatusView::from(&rtp);
        assert_eq!(view.party, Some(&Party::msisdn("46733123450")));
        let transfer: TransferResult = serde_json::from_str(
            r#"{"amount":"5","currency":"EUR","status":"PENDING","payee":{"partyIdType":"MSISDN","partyId":"46733123456"}}"#,
        )
        .unwrap();
        assert_eq!(
            StatusView::from(&transfer).party,
            Some(&Party::msisdn("46733123456"))
        );
    }

    #[test]
    fn core_parties_become_momo_parties() {
        let p = party(&CoreParty::phone("+46733123450").unwrap()).unwrap();
        assert_eq!(p, Party::msisdn("46733123450"));
        let p = party(&CoreParty::Email("a@b.example".into())).unwrap();
        assert_eq!(p.party_id_type, PartyIdType::Email);
        let p = party(&CoreParty::Other {
            kind: "party_code".into(),
            value: "X1".into(),
        })
        .unwrap();
        assert_eq!(p.party_id_type, PartyIdType::PartyCode);
        let iban = bankkit_core::payment::Iban::new("GB82WEST12345698765432").unwrap();
        assert!(party(&CoreParty::Iban(iban)).is_err());
        let at_bank = bankkit_core::payment::Phone::new("46733123450")
            .unwrap()
            .at_bank("100000000111");
        assert!(party(&CoreParty::Phone(at_bank)).is_err());
    }
}

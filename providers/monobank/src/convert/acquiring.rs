//! Acquiring wire types ↔ core payment types.

use bankkit_core::money::{currency_from_numeric, Money};
use bankkit_core::payment::{
    CaptureMode, Card, PaymentFailure, PaymentOperation, PaymentOperations, RefundStatus,
};
use bankkit_core::{
    CollectRequest, Error, PaymentDetails, PaymentId, PaymentKind, PaymentStatus, Refund, Result,
};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::error::PaymentFailureCode;
use crate::wire::acquiring::{
    CancelListItem, CancelStatus, CardData, CardExpiry, CardNumber, CardToken, Cvv, InitiationKind,
    InvoiceCreateRequest, InvoiceState, InvoiceStatus, MerchantPaymInfo, PaymentDirectRequest,
    PaymentResult, PaymentResultStatus, PaymentType, WalletPaymentRequest,
};

/// The `resource` of an invoice's payment id.
pub(crate) const INVOICE: &str = "invoice";

/// The `resource` of a refund's payment id (its id is the `extRef`, its parent the invoice).
pub(crate) const CANCEL: &str = "cancel";

/// The longest invoice validity the bank keeps (longer ones are cut to it).
const MAX_VALIDITY_SECS: u64 = 30 * 24 * 3600;

/// The payment operations of a merchant token.
pub(crate) fn operations() -> PaymentOperations {
    use PaymentOperation::*;
    PaymentOperations::new(
        [
            CollectPage,
            ChargeCard,
            ChargeSavedCard,
            Hold,
            Capture,
            PartialCapture,
            CancelUnpaid,
            CancelHold,
            Refund,
            PartialRefund,
            Find,
        ],
        bankkit_core::payment::AtMostOnce::LocalRecord,
    )
}

/// The payment id of invoice `invoice_id`.
pub(crate) fn invoice_id(invoice_id: &str) -> PaymentId {
    PaymentId::new(PaymentKind::Collection, INVOICE, invoice_id)
}

/// The payment id of the refund `ext_ref` of `invoice`.
pub(crate) fn refund_id(invoice: &PaymentId, ext_ref: &str) -> PaymentId {
    PaymentId::new(PaymentKind::Refund, CANCEL, ext_ref).within(invoice)
}

/// An amount in minor units and an ISO numeric currency as money.
///
/// # Errors
/// [`Error::Money`] for an unknown currency.
pub(crate) fn money(minor: i64, ccy: u16) -> Result<Money> {
    Money::from_minor(minor, currency_from_numeric(ccy)?)
}

/// Money as minor units and the ISO numeric currency.
///
/// # Errors
/// [`Error::Money`] when the currency has no numeric code or the amount does not fit.
pub(crate) fn minor_and_ccy(amount: &Money) -> Result<(i64, u16)> {
    let ccy = amount.currency().numeric();
    Ok((amount.to_minor()?, ccy))
}

/// `merchantPaymInfo` of a collection: `reference` (the caller's, or the key),
/// `destination` (the description), `metadata`.
fn paym_info(request: &CollectRequest, reference: &str) -> MerchantPaymInfo {
    MerchantPaymInfo {
        reference: Some(reference.to_owned()),
        destination: request.description.clone(),
        metadata: (!request.metadata.is_empty()).then(|| {
            request
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect()
        }),
        ..MerchantPaymInfo::default()
    }
}

fn payment_type(capture: CaptureMode) -> PaymentType {
    match capture {
        CaptureMode::Hold => PaymentType::Hold,
        _ => PaymentType::Debit,
    }
}

/// The `invoice/create` body of a collection through the payment page.
///
/// # Errors
/// [`Error::Money`] for an amount that is not whole minor units.
pub(crate) fn invoice(request: &CollectRequest, reference: &str) -> Result<InvoiceCreateRequest> {
    let (amount, ccy) = minor_and_ccy(&request.amount)?;
    let mut body = InvoiceCreateRequest::new(amount);
    body.ccy = Some(ccy);
    body.merchant_paym_info = Some(paym_info(request, reference));
    body.redirect_url = request.redirect_url.clone();
    body.web_hook_url = request.callback_url.clone();
    body.validity = request
        .expires_in
        .map(|d| d.as_secs().clamp(1, MAX_VALIDITY_SECS) as i64);
    body.payment_type = Some(payment_type(request.capture));
    Ok(body)
}

/// The `payment-direct` body of a charge of `card`.
///
/// # Errors
/// [`Error::Money`] for an amount that is not whole minor units.
pub(crate) fn direct(
    request: &CollectRequest,
    card: &Card,
    reference: &str,
) -> Result<PaymentDirectRequest> {
    use bankkit_core::secret::ExposeSecret;
    let (amount, ccy) = minor_and_ccy(&request.amount)?;
    let card_data = CardData {
        pan: CardNumber::new(card.number().expose_secret()),
        exp: CardExpiry::new(card.expiry().mmyy()),
        cvv: Cvv::new(
            card.cvv()
                .map(|c| c.expose_secret().to_owned())
                .ok_or_else(|| Error::invalid("a direct card payment needs the card's CVV"))?,
        ),
    };
    let mut body = PaymentDirectRequest::new(amount, card_data);
    body.ccy = Some(ccy);
    body.merchant_paym_info = Some(paym_info(request, reference));
    body.web_hook_url = request.callback_url.clone();
    body.redirect_url = request.redirect_url.clone();
    body.payment_type = Some(payment_type(request.capture));
    body.initiation_kind = Some(InitiationKind::Merchant);
    Ok(body)
}

/// The `wallet/payment` body of a charge of a saved card.
///
/// # Errors
/// [`Error::Money`] for an amount that is not whole minor units.
pub(crate) fn wallet(
    request: &CollectRequest,
    token: &str,
    reference: &str,
) -> Result<WalletPaymentRequest> {
    let (amount, ccy) = minor_and_ccy(&request.amount)?;
    let mut body =
        WalletPaymentRequest::new(CardToken::new(token), amount, ccy, InitiationKind::Merchant);
    body.merchant_paym_info = Some(paym_info(request, reference));
    body.web_hook_url = request.callback_url.clone();
    body.redirect_url = request.redirect_url.clone();
    body.payment_type = Some(payment_type(request.capture));
    Ok(body)
}

/// What identifies a collection for the at-most-once record: never the card number or a
/// token in clear (the masked number only).
#[derive(Serialize)]
pub(crate) struct Fingerprint<'a> {
    operation: &'a str,
    amount: String,
    capture: CaptureMode,
    reference: &'a str,
    payer: Option<String>,
    description: Option<&'a str>,
    callback_url: Option<&'a str>,
    redirect_url: Option<&'a str>,
    expires_in_secs: Option<u64>,
    metadata: &'a std::collections::BTreeMap<String, String>,
}

impl<'a> Fingerprint<'a> {
    /// The fingerprint of `request` sent as `operation` with `reference`; `payer` is what
    /// identifies the payer without a secret (a masked card, a token's hash).
    pub(crate) fn of(
        operation: &'a str,
        request: &'a CollectRequest,
        reference: &'a str,
        payer: Option<String>,
    ) -> Self {
        Self {
            operation,
            amount: request.amount.to_string(),
            capture: request.capture,
            reference,
            payer,
            description: request.description.as_deref(),
            callback_url: request.callback_url.as_deref(),
            redirect_url: request.redirect_url.as_deref(),
            expires_in_secs: request.expires_in.map(|d| d.as_secs()),
            metadata: &request.metadata,
        }
    }
}

fn utc(at: Option<DateTime<FixedOffset>>) -> Option<DateTime<Utc>> {
    at.map(|t| t.with_timezone(&Utc))
}

/// The core status of an invoice: refunds make a success partly or wholly refunded.
fn status(state: &InvoiceState, refunds: &[Refund], final_amount: Option<i64>) -> PaymentStatus {
    match state {
        InvoiceState::Created | InvoiceState::Processing => PaymentStatus::Pending,
        InvoiceState::Hold => PaymentStatus::Authorized,
        InvoiceState::Success => {
            let refunded = refunds.iter().any(|r| r.status != RefundStatus::Failed);
            if refunded && final_amount == Some(0) {
                PaymentStatus::Refunded
            } else if refunded {
                PaymentStatus::PartiallyRefunded
            } else {
                PaymentStatus::Succeeded
            }
        }
        InvoiceState::Failure => PaymentStatus::Failed,
        // `reversed` with nothing given back is a hold the bank released by itself (after
        // 9 days): no money moved.
        InvoiceState::Reversed if refunds.is_empty() => PaymentStatus::Cancelled,
        InvoiceState::Reversed => PaymentStatus::Refunded,
        InvoiceState::Expired => PaymentStatus::Expired,
        other => {
            tracing::warn!(status = %other, "unknown Monobank invoice status; treated as pending");
            PaymentStatus::Pending
        }
    }
}

/// A refund on an invoice's `cancelList`.
///
/// # Errors
/// [`Error::Money`] for an unknown currency.
pub(crate) fn refund(
    invoice: &PaymentId,
    item: &CancelListItem,
    invoice_ccy: u16,
) -> Result<Refund> {
    let status = match item.status {
        CancelStatus::Success => RefundStatus::Succeeded,
        CancelStatus::Failure => RefundStatus::Failed,
        _ => RefundStatus::Pending,
    };
    let ccy = item.ccy.unwrap_or(invoice_ccy);
    let mut refund = Refund::new(
        invoice.clone(),
        money(item.amount.unwrap_or(0), ccy)?,
        status,
        item.status.as_str(),
    );
    refund.id = item.ext_ref.as_deref().map(|r| refund_id(invoice, r));
    refund.reference = item.ext_ref.clone();
    refund.created_at = Some(item.created_date.with_timezone(&Utc));
    refund.updated_at = Some(item.modified_date.with_timezone(&Utc));
    Ok(refund)
}

/// The failure of a failed invoice, from its `failureReason` and `errCode`.
fn failure(status: &InvoiceStatus) -> PaymentFailure {
    let code = status.err_code.clone();
    let reason = code
        .as_deref()
        .map_or(bankkit_core::payment::FailureReason::Other, |c| {
            PaymentFailureCode::new(c).reason()
        });
    PaymentFailure::new(reason).with_provider(code, status.failure_reason.clone())
}

/// Payment details of an invoice status (also a webhook body).
///
/// # Errors
/// [`Error::Money`] for an unknown currency.
pub(crate) fn details(status: &InvoiceStatus) -> Result<PaymentDetails> {
    let id = invoice_id(&status.invoice_id);
    let refunds = status
        .cancel_list
        .iter()
        .map(|item| refund(&id, item, status.ccy))
        .collect::<Result<Vec<_>>>()?;
    let core = self::status(&status.status, &refunds, status.final_amount);
    let mut details = PaymentDetails::new(
        id,
        core,
        status.status.as_str(),
        money(status.amount, status.ccy)?,
    );
    details.final_amount = status
        .final_amount
        .map(|m| money(m, status.ccy))
        .transpose()?;
    if let Some(info) = &status.payment_info {
        details.masked_card = Some(info.masked_pan.clone());
        details.fee = info.fee.map(|f| money(f, status.ccy)).transpose()?;
    }
    if let (Some(taken), Some(fee)) = (details.final_amount, details.fee) {
        details.net_amount = Some(Money::new(taken.amount() - fee.amount(), taken.currency())?);
    }
    details.refunds = refunds;
    details.reference = status.reference.clone();
    details.created_at = utc(status.created_date);
    details.updated_at = utc(status.modified_date);
    if core == PaymentStatus::Failed {
        details.failure = Some(failure(status));
    }
    Ok(details)
}

/// Payment details of a created invoice (`created`, with its page).
pub(crate) fn created(
    invoice: &str,
    page_url: &str,
    request: &CollectRequest,
    reference: &str,
    now: DateTime<Utc>,
) -> PaymentDetails {
    let mut details = PaymentDetails::new(
        invoice_id(invoice),
        PaymentStatus::Pending,
        "created",
        request.amount,
    );
    details.payment_url = Some(page_url.to_owned());
    details.reference = Some(reference.to_owned());
    details.capture = Some(request.capture);
    details.created_at = Some(now);
    let validity = request
        .expires_in
        .map_or(24 * 3600, |d| d.as_secs().clamp(1, MAX_VALIDITY_SECS));
    details.expires_at = i64::try_from(validity)
        .ok()
        .and_then(|s| now.checked_add_signed(chrono::Duration::seconds(s)));
    details
}

/// Payment details of a direct or wallet payment's answer.
///
/// # Errors
/// [`Error::Money`] for an unknown currency.
pub(crate) fn paid(
    result: &PaymentResult,
    request: &CollectRequest,
    reference: &str,
) -> Result<PaymentDetails> {
    let status = match result.status {
        PaymentResultStatus::Success if request.capture == CaptureMode::Hold => {
            PaymentStatus::Authorized
        }
        PaymentResultStatus::Success => PaymentStatus::Succeeded,
        PaymentResultStatus::Failure => PaymentStatus::Failed,
        _ => PaymentStatus::Pending,
    };
    let mut details = PaymentDetails::new(
        invoice_id(&result.invoice_id),
        status,
        result.status.as_str(),
        money(result.amount, result.ccy)?,
    );
    details.reference = Some(reference.to_owned());
    details.capture = Some(request.capture);
    details.payment_url = result.tds_url.clone();
    details.created_at = Some(result.created_date.with_timezone(&Utc));
    details.updated_at = Some(result.modified_date.with_timezone(&Utc));
    if status == PaymentStatus::Failed {
        // `failureReason` is the bank's text ("Недостатньо коштів"), not a code: the code
        // (`errCode`) is only on the invoice's status.
        details.failure = Some(
            PaymentFailure::new(bankkit_core::payment::FailureReason::Other)
                .with_provider(None, result.failure_reason.clone()),
        );
    }
    Ok(details)
}

#[cfg(test)]
mod tests {
    use bankkit_core::money::currency_from_code;
    use bankkit_core::payment::once::fingerprint;
    use bankkit_core::IdempotencyKey;

    use super::*;

    #[test]
    fn every_field_sent_is_in_the_fingerprint() {
        let uah = currency_from_code("UAH").unwrap();
        let request = CollectRequest::new(
            IdempotencyKey::new("k").unwrap(),
            Money::from_minor(4200, uah).unwrap(),
        );
        let print =
            |r: &CollectRequest| fingerprint(&Fingerprint::of("invoice", r, "ref", None)).unwrap();
        let base = print(&request);
        assert_eq!(base, print(&request.clone()));
        for changed in [
            request.clone().callback_url("https://shop.example/hook"),
            request.clone().redirect_url("https://shop.example/done"),
            request
                .clone()
                .expires_in(std::time::Duration::from_secs(600)),
            request.clone().metadata("order", "1"),
            request.clone().description("Замовлення"),
            request.clone().hold(),
        ] {
            assert_ne!(print(&changed), base, "{changed:?}");
        }
    }
}

//! Wire types ↔ core types: the only place they meet.

use std::time::Duration;

use bankkit_core::money::{currency_from_code, Currency, Money};
use bankkit_core::payment::{FailureReason, FeePayer, PaymentFailure, RefundStatus};
use bankkit_core::secret::ExposeSecret;
use bankkit_core::{
    CollectRequest, Decimal, Error, Party, PaymentDetails, PaymentId, PaymentKind, PaymentStatus,
    PayoutRequest, Refund, Result,
};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::wire::{
    self, Amount, CreatedInvoice, Invoice, InvoiceCreate, InvoiceStatus, PaymentWebhook, Payoff,
    PayoffCreate, PayoffData, PayoffStatus, PayoffWebhook, Subtract, Timestamp,
};

/// The resource of a collection's [`PaymentId`]: an invoice, by `invoice_id`.
pub const INVOICE: &str = "invoice";
/// The resource of a payout's [`PaymentId`]: a payoff, by `payoff_id`.
pub const PAYOFF: &str = "payoff";

/// Morune's default invoice lifetime, in minutes.
pub const DEFAULT_EXPIRE_MINUTES: u32 = 300;
/// The longest invoice lifetime, in minutes (5 days, per the Enot docs' text).
pub const MAX_EXPIRE_MINUTES: u32 = 7200;

/// The payout method for a card.
const CARD: &str = "card";
/// The payout method for a phone at an SBP bank.
const SBP: &str = "sbp";

fn rub() -> Result<Currency> {
    currency_from_code("RUB")
}

fn currency(code: Option<&str>) -> Result<Currency> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => currency_from_code(&code.to_ascii_uppercase()),
        None => rub(),
    }
}

fn money(amount: &Amount, currency: Currency) -> Result<Money> {
    Money::new(amount.decimal(), currency)
}

fn time(at: Option<&Timestamp>, offset: FixedOffset) -> Option<DateTime<Utc>> {
    at.map(|t| t.at(offset))
}

/// The `order_id` of a create: the caller's reference, else the idempotency key.
pub(crate) fn order_id(reference: Option<&str>, key: &bankkit_core::IdempotencyKey) -> String {
    reference
        .map(str::to_owned)
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| key.to_string())
}

/// `expire` in minutes for `expires_in` (rounded up to a whole minute).
///
/// # Errors
/// [`Error::InvalidRequest`] past [`MAX_EXPIRE_MINUTES`].
pub(crate) fn expire_minutes(expires_in: Option<Duration>) -> Result<Option<u32>> {
    let Some(expires_in) = expires_in else {
        return Ok(None);
    };
    let minutes = expires_in.as_secs().div_ceil(60).max(1);
    match u32::try_from(minutes) {
        Ok(m) if m <= MAX_EXPIRE_MINUTES => Ok(Some(m)),
        _ => Err(Error::invalid(format!(
            "a Morune invoice lives at most {MAX_EXPIRE_MINUTES} minutes (5 days), not \
             {minutes}"
        ))),
    }
}

/// The invoice create for a collect.
///
/// # Errors
/// [`Error::InvalidRequest`] for a lifetime over 5 days or metadata that cannot be sent.
pub(crate) fn invoice_create(
    request: &CollectRequest,
    order_id: &str,
    hook_url: Option<String>,
) -> Result<InvoiceCreate> {
    let mut body = InvoiceCreate::new(request.amount.amount(), order_id);
    body.currency = Some(request.amount.currency().code().to_owned());
    body.expire = expire_minutes(request.expires_in)?;
    body.comment = request.description.clone();
    body.hook_url = hook_url;
    body.success_url = request.redirect_url.clone();
    body.fail_url = request.redirect_url.clone();
    if !request.metadata.is_empty() {
        body.custom_fields = Some(
            serde_json::to_string(&request.metadata)
                .map_err(|e| Error::invalid(format!("metadata: {e}")))?,
        );
    }
    Ok(body)
}

/// A collection's payment id.
pub(crate) fn invoice_id(id: &str) -> PaymentId {
    PaymentId::new(PaymentKind::Collection, INVOICE, id)
}

/// A payout's payment id.
pub(crate) fn payoff_id(id: &str) -> PaymentId {
    PaymentId::new(PaymentKind::Payout, PAYOFF, id)
}

/// A just-created invoice.
///
/// # Errors
/// [`Error::Money`] for an amount the currency cannot hold.
pub(crate) fn created_invoice(
    created: &CreatedInvoice,
    request: &CollectRequest,
    order_id: &str,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> Result<PaymentDetails> {
    let currency = match created.currency.as_deref() {
        Some(code) => currency(Some(code))?,
        None => request.amount.currency(),
    };
    let mut details = PaymentDetails::new(
        invoice_id(&created.id),
        PaymentStatus::Pending,
        InvoiceStatus::Created.as_str(),
        money(&created.amount, currency)?,
    );
    details.reference = Some(order_id.to_owned());
    details.payment_url = Some(created.url.clone());
    details.created_at = Some(now);
    details.updated_at = Some(now);
    details.expires_at = time(created.expired.as_ref(), offset).or_else(|| {
        let minutes = expire_minutes(request.expires_in)
            .ok()
            .flatten()
            .unwrap_or(DEFAULT_EXPIRE_MINUTES);
        now.checked_add_signed(chrono::Duration::minutes(i64::from(minutes)))
    });
    Ok(details)
}

/// The core status of an invoice.
pub(crate) fn invoice_status(status: &InvoiceStatus) -> PaymentStatus {
    match status {
        InvoiceStatus::Created => PaymentStatus::Pending,
        InvoiceStatus::Success => PaymentStatus::Succeeded,
        InvoiceStatus::Fail => PaymentStatus::Failed,
        InvoiceStatus::Expired => PaymentStatus::Expired,
        InvoiceStatus::Refund => PaymentStatus::Refunded,
        InvoiceStatus::Other(raw) => {
            tracing::warn!(status = %raw, "unknown Morune invoice status; read as pending");
            PaymentStatus::Pending
        }
    }
}

/// The core status of a payoff.
pub(crate) fn payoff_status(status: &PayoffStatus) -> PaymentStatus {
    match status {
        PayoffStatus::Wait => PaymentStatus::Pending,
        PayoffStatus::Success => PaymentStatus::Succeeded,
        PayoffStatus::Fail => PaymentStatus::Failed,
        PayoffStatus::Other(raw) => {
            tracing::warn!(status = %raw, "unknown Morune payoff status; read as pending");
            PaymentStatus::Pending
        }
    }
}

/// The masked card of a payer, where the method was a card.
fn masked_card(service: Option<&str>, details: Option<&str>) -> Option<String> {
    match (service, details) {
        (Some(CARD), Some(d)) if !d.is_empty() => Some(d.to_owned()),
        _ => None,
    }
}

/// An invoice as read from `GET /invoice/info`.
///
/// Fees (`commission_amount`) and the credited amount are in RUB, as Morune reports them.
///
/// # Errors
/// [`Error::Money`] for an amount the currency cannot hold.
pub(crate) fn invoice(invoice: &Invoice, offset: FixedOffset) -> Result<PaymentDetails> {
    let currency = currency(invoice.currency.as_deref())?;
    let status = invoice_status(&invoice.status);
    let mut details = PaymentDetails::new(
        invoice_id(&invoice.invoice_id),
        status,
        invoice.status.as_str(),
        money(&invoice.invoice_amount, currency)?,
    );
    details.reference = invoice.order_id.clone();
    details.fee = invoice
        .commission_amount
        .as_ref()
        .map(|a| money(a, rub()?))
        .transpose()?;
    details.net_amount = invoice
        .credited
        .as_ref()
        .map(|a| money(a, rub()?))
        .transpose()?;
    details.masked_card = masked_card(
        invoice.pay_service.as_deref(),
        invoice.payer_details.as_deref(),
    );
    details.created_at = time(invoice.created_at.as_ref(), offset);
    details.expires_at = time(invoice.expired_at.as_ref(), offset);
    details.updated_at = time(invoice.paid_at.as_ref(), offset).or(details.created_at);
    if status == PaymentStatus::Failed {
        details.failure = Some(invoice_failure(Some("fail")));
    }
    Ok(details)
}

/// Why an invoice failed. Morune gives no reason for a rejected invoice (`status` `fail`;
/// webhook `code` 32, "closed in error"): the payer's payment was refused or abandoned on
/// the page, so the core reason is `PayerDeclined`, with Morune's status or code kept.
fn invoice_failure(code: Option<&str>) -> PaymentFailure {
    PaymentFailure::new(FailureReason::PayerDeclined).with_provider(
        code.map(str::to_owned),
        Some("the invoice was rejected (Morune gives no reason)".to_owned()),
    )
}

/// The payoff create for a pay out.
///
/// # Errors
/// [`Error::InvalidRequest`] for a currency other than RUB, a payee Morune cannot pay
/// (only a card, a phone at an SBP bank or a wallet of a service), or a phone without its
/// bank.
pub(crate) fn payoff_create(
    request: &PayoutRequest,
    order_id: &str,
    hook_url: Option<String>,
) -> Result<PayoffCreate> {
    if request.amount.currency() != rub()? {
        return Err(Error::invalid(format!(
            "Morune pays out in RUB, not {}",
            request.amount.currency().code()
        )));
    }
    let (service, wallet_to, bank) = match &request.payee {
        Party::Card(card) => (
            CARD.to_owned(),
            card.number().expose_secret().to_owned(),
            None,
        ),
        Party::Phone(phone) => {
            let bank = phone
                .bank()
                .filter(|b| !b.trim().is_empty())
                .ok_or_else(|| {
                    Error::invalid(
                        "an SBP payoff needs the payee's bank: Phone::at_bank with an id from \
                     the SBP bank list (MoruneClient::sbp_banks)",
                    )
                })?;
            (
                SBP.to_owned(),
                phone.number().to_owned(),
                Some(bank.to_owned()),
            )
        }
        Party::Wallet { service, id } => (service.clone(), id.clone(), None),
        other => {
            return Err(Error::invalid(format!(
                "Morune pays out to a card, a phone at an SBP bank or a wallet of a service, \
                 not to a {}",
                other.kind()
            )))
        }
    };
    let mut body = PayoffCreate::new(service, wallet_to, request.amount.amount());
    body.order_id = Some(order_id.to_owned());
    body.comment = request.description.clone();
    body.hook_url = hook_url;
    body.subtract = Some(match request.fee_payer {
        FeePayer::Payee => Subtract::Amount,
        _ => Subtract::Balance,
    });
    body.payoff_data = bank.map(|bank| PayoffData {
        sbp_bank_type: Some(bank),
    });
    Ok(body)
}

/// A just-created payoff.
///
/// # Errors
/// [`Error::Money`] for an amount RUB cannot hold.
pub(crate) fn created_payoff(
    created: &wire::CreatedPayoff,
    request: &PayoutRequest,
    order_id: &str,
    now: DateTime<Utc>,
) -> Result<PaymentDetails> {
    let mut details = PaymentDetails::new(
        payoff_id(&created.payoff_id),
        PaymentStatus::Pending,
        PayoffStatus::Wait.as_str(),
        request.amount,
    );
    details.reference = Some(order_id.to_owned());
    details.final_amount = created
        .amount_withdraw_rub
        .as_ref()
        .map(|a| money(a, rub()?))
        .transpose()?;
    if let Party::Card(card) = &request.payee {
        details.masked_card = Some(card.masked_number());
    }
    details.created_at = Some(now);
    details.updated_at = Some(now);
    Ok(details)
}

/// A payoff as read from `GET /payoff/info`: `amount_withdraw_rub` is what was taken
/// (`final_amount`), `commission_rub` the fee, `amount_receive` what the payee gets.
///
/// # Errors
/// [`Error::Money`] for an amount the currency cannot hold.
pub(crate) fn payoff(payoff: &Payoff, offset: FixedOffset) -> Result<PaymentDetails> {
    let rub = rub()?;
    let status = payoff_status(&payoff.status);
    let mut details = PaymentDetails::new(
        payoff_id(&payoff.payoff_id),
        status,
        payoff.status.as_str(),
        money(&payoff.amount, rub)?,
    );
    details.reference = payoff.order_id.clone();
    details.final_amount = payoff
        .amount_withdraw_rub
        .as_ref()
        .map(|a| money(a, rub))
        .transpose()?;
    details.fee = payoff
        .commission_rub
        .as_ref()
        .map(|a| money(a, rub))
        .transpose()?;
    details.net_amount = match (&payoff.amount_receive, payoff.receive_currency.as_deref()) {
        (Some(amount), code) => Some(money(amount, currency(code)?)?),
        (None, _) => None,
    };
    if payoff.service.as_deref() == Some(CARD) {
        details.masked_card = payoff.wallet.clone();
    }
    details.created_at = time(payoff.created_at.as_ref(), offset);
    details.updated_at = time(payoff.paid_at.as_ref(), offset).or(details.created_at);
    if status == PaymentStatus::Failed {
        details.failure = Some(
            PaymentFailure::new(FailureReason::Other)
                .with_provider(None, payoff.error_message.clone()),
        );
    }
    Ok(details)
}

/// A payment webhook as core details: `refund` is `Refunded` (or `PartiallyRefunded` for
/// less than the amount), with the refund listed.
///
/// # Errors
/// [`Error::Money`] for an amount the currency cannot hold.
pub(crate) fn payment_webhook(
    hook: &PaymentWebhook,
    offset: FixedOffset,
) -> Result<PaymentDetails> {
    let currency = currency(hook.currency.as_deref())?;
    let amount = money(&hook.amount, currency)?;
    let mut status = invoice_status(&hook.status);
    let mut details = PaymentDetails::new(
        invoice_id(&hook.invoice_id),
        status,
        hook.status.as_str(),
        amount,
    );
    details.reference = hook.order_id.clone();
    details.net_amount = hook
        .credited
        .as_ref()
        .map(|a| money(a, rub()?))
        .transpose()?;
    details.masked_card = masked_card(hook.pay_service.as_deref(), hook.payer_details.as_deref());
    details.updated_at = time(
        hook.refund_time
            .as_ref()
            .or(hook.reject_time.as_ref())
            .or(hook.pay_time.as_ref()),
        offset,
    );
    if hook.status == InvoiceStatus::Refund {
        let refunded = match &hook.refund_amount {
            Some(a) => money(a, currency)?,
            None => amount,
        };
        if refunded.amount() < amount.amount() {
            status = PaymentStatus::PartiallyRefunded;
            details.status = status;
        }
        let mut refund = Refund::new(
            details.id.clone(),
            refunded,
            RefundStatus::Succeeded,
            hook.status.as_str(),
        );
        refund.created_at = time(hook.refund_time.as_ref(), offset);
        refund.updated_at = refund.created_at;
        details.refunds.push(refund);
    }
    if status == PaymentStatus::Failed {
        details.failure = Some(invoice_failure(hook.code.map(|c| c.to_string()).as_deref()));
    } else if status == PaymentStatus::Expired {
        details.failure = Some(
            PaymentFailure::new(FailureReason::PayerDeclined)
                .with_provider(hook.code.map(|c| c.to_string()), None),
        );
    }
    Ok(details)
}

/// A payoff webhook as core details (`commission` is the fee).
///
/// # Errors
/// [`Error::Money`] for an amount RUB cannot hold.
pub(crate) fn payoff_webhook(hook: &PayoffWebhook) -> Result<PaymentDetails> {
    let rub = rub()?;
    let mut details = PaymentDetails::new(
        payoff_id(&hook.payoff_id),
        payoff_status(&hook.status),
        hook.status.as_str(),
        money(&hook.amount, rub)?,
    );
    details.reference = hook.order_id.clone();
    details.fee = hook
        .commission
        .as_ref()
        .map(|a| money(a, rub))
        .transpose()?;
    if hook.service.as_deref() == Some(CARD) {
        details.masked_card = hook.wallet.clone();
    }
    if details.status == PaymentStatus::Failed {
        details.failure = Some(PaymentFailure::new(FailureReason::Other));
    }
    Ok(details)
}

/// What identifies a create, for the idempotency record (no card number or phone in the
/// clear: the payee is its kind and masked form).
#[derive(Serialize)]
pub(crate) struct Fingerprint<'a> {
    operation: &'a str,
    amount: Decimal,
    currency: &'a str,
    order_id: &'a str,
    party: Option<String>,
}

impl<'a> Fingerprint<'a> {
    /// The fingerprint of a create of `operation`.
    pub(crate) fn new(
        operation: &'a str,
        amount: &'a Money,
        order_id: &'a str,
        party: Option<&Party>,
    ) -> Self {
        Self {
            operation,
            amount: amount.amount(),
            currency: amount.currency().code(),
            order_id,
            party: party.map(|p| format!("{p:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::IdempotencyKey;

    use super::*;

    fn rub_money(text: &str) -> Money {
        Money::parse(text, rub().unwrap()).unwrap()
    }

    #[test]
    fn every_invoice_and_payoff_status_maps() {
        let cases = [
            ("created", PaymentStatus::Pending),
            ("success", PaymentStatus::Succeeded),
            ("fail", PaymentStatus::Failed),
            ("expired", PaymentStatus::Expired),
            ("refund", PaymentStatus::Refunded),
            ("something_new", PaymentStatus::Pending),
        ];
        for (raw, expected) in cases {
            assert_eq!(invoice_status(&InvoiceStatus::from(raw)), expected, "{raw}");
        }
        for (raw, expected) in [
            ("wait", PaymentStatus::Pending),
            ("success", PaymentStatus::Succeeded),
            ("fail", PaymentStatus::Failed),
            ("queued", PaymentStatus::Pending),
        ] {
            assert_eq!(payoff_status(&PayoffStatus::from(raw)), expected, "{raw}");
        }
    }

    #[test]
    fn lifetimes_round_up_to_minutes_and_stop_at_five_days() {
        assert_eq!(expire_minutes(None).unwrap(), None);
        assert_eq!(
            expire_minutes(Some(Duration::from_secs(61))).unwrap(),
            Some(2)
        );
        assert_eq!(
            expire_minutes(Some(Duration::from_secs(1))).unwrap(),
            Some(1)
        );
        assert_eq!(
            expire_minutes(Some(Duration::from_secs(7200 * 60))).unwrap(),
            Some(7200)
        );
        assert!(expire_minutes(Some(Duration::from_secs(7200 * 60 + 1))).is_err());
    }

    #[test]
    fn payees_become_services() {
        let key = IdempotencyKey::new("k-1").unwrap();
        let card =
            bankkit_core::payment::Card::new("4111111111111111".into(), "12/30", None).unwrap();
        let request = PayoutRequest::new(key.clone(), rub_money("100"), Party::Card(card));
        let body = payoff_create(&request, "k-1", None).unwrap();
        assert_eq!(body.service, "card");
        assert_eq!(body.wallet_to.as_deref(), Some("4111111111111111"));
        assert_eq!(body.subtract, Some(Subtract::Balance));

        let phone = Party::Phone(
            bankkit_core::payment::Phone::new("+7 900 123-45-67")
                .unwrap()
                .at_bank("100000000111"),
        );
        let request =
            PayoutRequest::new(key.clone(), rub_money("100"), phone).fee_payer(FeePayer::Payee);
        let body = payoff_create(&request, "k-1", None).unwrap();
        assert_eq!(body.service, "sbp");
        assert_eq!(body.wallet_to.as_deref(), Some("79001234567"));
        assert_eq!(body.subtract, Some(Subtract::Amount));
        assert_eq!(
            body.payoff_data.and_then(|d| d.sbp_bank_type).as_deref(),
            Some("100000000111")
        );

        let no_bank = PayoutRequest::new(
            key.clone(),
            rub_money("100"),
            Party::phone("79001234567").unwrap(),
        );
        assert!(matches!(
            payoff_create(&no_bank, "k-1", None),
            Err(Error::InvalidRequest { .. })
        ));

        let wallet = Party::Wallet {
            service: "perfect_money".into(),
            id: "U1234567".into(),
        };
        let body = payoff_create(
            &PayoutRequest::new(key.clone(), rub_money("1"), wallet),
            "k",
            None,
        )
        .unwrap();
        assert_eq!(body.service, "perfect_money");

        let usd = Money::parse("1", currency_from_code("USD").unwrap()).unwrap();
        let card =
            bankkit_core::payment::Card::new("4111111111111111".into(), "12/30", None).unwrap();
        assert!(
            payoff_create(&PayoutRequest::new(key, usd, Party::Card(card)), "k", None).is_err()
        );
    }
}

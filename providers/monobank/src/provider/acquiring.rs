//! [`Payment`] for a merchant token: invoices with a payment page, direct and saved-card
//! charges, holds and their capture, cancel, refunds in parts, lookup by reference.

use async_trait::async_trait;
use bankkit_core::payment::once::{fingerprint, AtMostOnceCall};
use bankkit_core::payment::{CaptureRequest, RefundStatus};
use bankkit_core::secret::ExposeSecret;
use bankkit_core::{
    CollectRequest, Error, Party, Payment, PaymentDetails, PaymentId, PaymentKind, PaymentStatus,
    Refund, RefundRequest, Result,
};

use super::MonobankProvider;
use crate::client::PROVIDER;
use crate::convert::acquiring::{self as convert, Fingerprint, CANCEL, INVOICE};
use crate::wire::acquiring::{
    InvoiceCancelRequest, InvoiceFinalizeRequest, InvoiceState, InvoiceStatus,
};

/// How far back a lookup by reference reads the merchant statement.
const LOOKUP_WINDOW_SECS: i64 = 31 * 24 * 3600;

impl MonobankProvider {
    /// The invoice behind a collection's payment id.
    fn invoice_of<'a>(&self, id: &'a PaymentId) -> Result<&'a str> {
        if id.resource() == INVOICE && id.kind() == PaymentKind::Collection {
            Ok(id.id())
        } else {
            Err(Error::NotFound {
                message: format!("{id} is not a Monobank invoice"),
            })
        }
    }

    async fn invoice(&self, invoice_id: &str) -> Result<InvoiceStatus> {
        self.client.acquiring().invoice_status(invoice_id).await
    }

    /// The paid payment with `reference` in the merchant statement of the last 31 days,
    /// read through its invoice's status; `None` when the statement has none.
    async fn find_paid(&self, reference: &str) -> Result<Option<PaymentDetails>> {
        let now = self.client.clock().now().timestamp();
        let statement = self
            .client
            .acquiring()
            .statement(now - LOOKUP_WINDOW_SECS, Some(now + 1), None)
            .await?;
        let Some(item) = statement
            .list
            .iter()
            .find(|item| item.reference.as_deref() == Some(reference))
        else {
            return Ok(None);
        };
        let status = self.invoice(&item.invoice_id).await?;
        convert::details(&status).map(Some)
    }

    /// A charge's answer, with the failure of a declined one read from its invoice: the
    /// answer gives the bank's text only, the invoice's status also its code (`errCode`),
    /// which says why in core terms. The answer stands as it is when the status cannot be
    /// read: the charge is done either way.
    async fn with_failure_code(&self, mut details: PaymentDetails) -> PaymentDetails {
        if details.status != PaymentStatus::Failed {
            return details;
        }
        match self
            .invoice(details.id.id())
            .await
            .and_then(|s| convert::details(&s))
        {
            Ok(read) if read.failure.is_some() => details.failure = read.failure,
            Ok(_) => {}
            Err(error) => {
                tracing::debug!(
                    invoice = details.id.id(),
                    %error,
                    "the code of a declined charge could not be read"
                );
            }
        }
        details
    }

    /// A money-moving charge kept at most once by the local record; a lost answer is looked
    /// up in the merchant statement by its reference.
    async fn charge<F, Fut>(
        &self,
        operation: &str,
        request: &CollectRequest,
        reference: &str,
        payer: Option<String>,
        send: F,
    ) -> Result<PaymentDetails>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<PaymentDetails>>,
    {
        let print = fingerprint(&Fingerprint::of(operation, request, reference, payer))?;
        let scope = format!("{PROVIDER}:{operation}");
        AtMostOnceCall::new(
            self.once.as_ref(),
            &scope,
            &request.idempotency_key,
            &print,
            self.client.clock().now(),
        )
        .moves_money(true)
        .run_with_lookup(send, || async {
            match self.find_paid(reference).await? {
                Some(found) if found.amount == request.amount => Ok(Some(found)),
                Some(found) => Err(Error::Conflict {
                    message: format!(
                        "the reference {reference} belongs to {} of {}",
                        found.id, found.amount
                    ),
                }),
                // Not in the statement: not proof that it was never charged (the charge may
                // still be processing), so it is not sent again.
                None => Err(Error::OutcomeUnknown {
                    message: format!(
                        "a {operation} under idempotency key {} was sent, its answer was lost \
                         and the merchant statement has no payment with reference \
                         {reference} yet; it is not sent again",
                        request.idempotency_key
                    ),
                }),
            }
        })
        .await
    }
}

#[async_trait]
impl Payment for MonobankProvider {
    fn provider_id(&self) -> &str {
        PROVIDER
    }

    /// No payer: an invoice with a payment page (`invoice/create`; kept at most once by the
    /// local record, and sent again after a lost answer — an invoice whose page reached no
    /// one moves no money). A card: `payment-direct`; a saved card: `wallet/payment` (both
    /// move money: a lost answer is looked up in the merchant statement by reference and
    /// otherwise answers `OutcomeUnknown`, never a second charge).
    async fn collect(&self, request: CollectRequest) -> Result<PaymentDetails> {
        let reference = request
            .reference
            .clone()
            .unwrap_or_else(|| request.idempotency_key.to_string());
        match &request.payer {
            None => {
                let body = convert::invoice(&request, &reference)?;
                let print = fingerprint(&Fingerprint::of("invoice", &request, &reference, None))?;
                let now = self.client.clock().now();
                AtMostOnceCall::new(
                    self.once.as_ref(),
                    &format!("{PROVIDER}:invoice"),
                    &request.idempotency_key,
                    &print,
                    now,
                )
                .moves_money(false)
                .run(|| async {
                    let created = self.client.acquiring().create_invoice(&body).await?;
                    Ok(convert::created(
                        &created.invoice_id,
                        &created.page_url,
                        &request,
                        &reference,
                        now,
                    ))
                })
                .await
            }
            Some(Party::Card(card)) => {
                let body = convert::direct(&request, card, &reference)?;
                self.charge(
                    "payment-direct",
                    &request,
                    &reference,
                    Some(card.masked_number()),
                    || async {
                        let result = self.client.acquiring().payment_direct(&body).await?;
                        let details = convert::paid(&result, &request, &reference)?;
                        Ok(self.with_failure_code(details).await)
                    },
                )
                .await
            }
            Some(Party::SavedCard(token)) => {
                let body = convert::wallet(&request, token.expose_secret(), &reference)?;
                // The token is part of what identifies the charge (hashed, never stored as
                // is): the same key with another saved card is a conflict, not the first
                // card's payment.
                let payer = format!("saved card {}", fingerprint(&token.expose_secret())?);
                self.charge(
                    "wallet-payment",
                    &request,
                    &reference,
                    Some(payer),
                    || async {
                        let result = self.client.acquiring().wallet_payment(&body).await?;
                        let details = convert::paid(&result, &request, &reference)?;
                        Ok(self.with_failure_code(details).await)
                    },
                )
                .await
            }
            Some(other) => Err(Error::invalid(format!(
                "Monobank acquiring collects through a payment page, a card or a saved card, \
                 not from a {}",
                other.kind()
            ))),
        }
    }

    /// An invoice's status; a refund's (`cancel` resource) is read from its invoice's
    /// `cancelList` by its `extRef`.
    async fn status(&self, id: &PaymentId) -> Result<PaymentDetails> {
        if id.resource() == CANCEL && id.kind() == PaymentKind::Refund {
            let invoice = id.parent().ok_or_else(|| Error::NotFound {
                message: format!("{id} names no invoice"),
            })?;
            let status = self.invoice(invoice).await?;
            let details = convert::details(&status)?;
            let refund = details
                .refunds
                .iter()
                .find(|r| r.reference.as_deref() == Some(id.id()))
                .ok_or_else(|| Error::NotFound {
                    message: format!("invoice {invoice} has no refund {}", id.id()),
                })?;
            let status = match refund.status {
                RefundStatus::Succeeded => PaymentStatus::Succeeded,
                RefundStatus::Failed => PaymentStatus::Failed,
                _ => PaymentStatus::Pending,
            };
            let mut out = PaymentDetails::new(
                id.clone(),
                status,
                refund.provider_status.clone(),
                refund.amount,
            );
            out.reference = refund.reference.clone();
            out.created_at = refund.created_at;
            out.updated_at = refund.updated_at;
            return Ok(out);
        }
        let status = self.invoice(self.invoice_of(id)?).await?;
        convert::details(&status)
    }

    /// A paid payment with the caller's `reference`, from the merchant statement of the
    /// last 31 days (the bank lists paid, held and failed payments there; an invoice nobody
    /// paid is not found).
    async fn find(&self, kind: PaymentKind, reference: &str) -> Result<Option<PaymentDetails>> {
        if kind != PaymentKind::Collection {
            return Ok(None);
        }
        self.find_paid(reference).await
    }

    /// `invoice/finalize` of a hold, for its whole amount or a part.
    async fn capture(&self, request: CaptureRequest) -> Result<PaymentDetails> {
        let invoice = self.invoice_of(&request.payment_id)?;
        let current = self.invoice(invoice).await?;
        if current.status != InvoiceState::Hold {
            return Err(Error::Conflict {
                message: format!("invoice {invoice} is {}, not held", current.status),
            });
        }
        let amount = match request.amount {
            Some(amount) => {
                let (minor, ccy) = convert::minor_and_ccy(&amount)?;
                if ccy != current.ccy || minor > current.amount || minor <= 0 {
                    return Err(Error::invalid(format!(
                        "a capture of {amount} does not fit the hold of invoice {invoice}"
                    )));
                }
                minor
            }
            None => current.amount,
        };
        self.client
            .acquiring()
            .finalize_invoice(&InvoiceFinalizeRequest {
                invoice_id: invoice.to_owned(),
                amount,
                items: None,
            })
            .await?;
        self.status(&request.payment_id).await
    }

    /// `invoice/remove` of an unpaid invoice, or `invoice/cancel` of a hold (released); both
    /// answer `Cancelled`. A later [`Payment::status`] reads the invoice as it stands: a
    /// removed invoice is `expired` (`Expired`), and a released hold whose release is listed
    /// in `cancelList` is `reversed` like a payment refunded in full (`Refunded`: the status
    /// alone does not tell the two apart).
    async fn cancel(&self, id: &PaymentId) -> Result<PaymentDetails> {
        let invoice = self.invoice_of(id)?;
        let current = self.invoice(invoice).await?;
        match current.status {
            InvoiceState::Created => {
                self.client.acquiring().remove_invoice(invoice).await?;
                let mut details = convert::details(&current)?;
                details.status = PaymentStatus::Cancelled;
                details.provider_status = "removed".to_owned();
                Ok(details)
            }
            InvoiceState::Hold => {
                self.client
                    .acquiring()
                    .cancel_invoice(&InvoiceCancelRequest {
                        invoice_id: invoice.to_owned(),
                        ..InvoiceCancelRequest::default()
                    })
                    .await?;
                // The bank shows a released hold as `reversed` with the release in its
                // `cancelList`, as it shows a payment refunded in full; nothing was taken,
                // so the answer is `Cancelled` with no refund.
                let mut details = self.status(id).await?;
                details.status = PaymentStatus::Cancelled;
                details.refunds.clear();
                Ok(details)
            }
            other => Err(Error::Conflict {
                message: format!(
                    "invoice {invoice} is {other} and cannot be cancelled (refund a paid one)"
                ),
            }),
        }
    }

    /// `invoice/cancel` of a paid invoice, for an amount (a part) or what is left, with the
    /// idempotency key as `extRef`. At most once by lookup: the invoice's `cancelList` is
    /// read first, and a refund with this `extRef` is returned instead of sending again.
    /// The lookup keeps a retry after a lost answer to one refund; two calls with one key
    /// running at the same time are not kept apart (send a key's retries one after another).
    async fn refund(&self, request: RefundRequest) -> Result<Refund> {
        let invoice = self.invoice_of(&request.payment_id)?.to_owned();
        let ext_ref = request.idempotency_key.to_string();
        let current = self.invoice(&invoice).await?;
        let details = convert::details(&current)?;
        if let Some(existing) = details
            .refunds
            .iter()
            .find(|r| r.reference.as_deref() == Some(ext_ref.as_str()))
        {
            if request.amount.is_some_and(|a| a != existing.amount) {
                return Err(Error::Conflict {
                    message: format!(
                        "the idempotency key {ext_ref} was already used for a refund of {}",
                        existing.amount
                    ),
                });
            }
            return Ok(existing.clone());
        }
        if current.status != InvoiceState::Success {
            return Err(Error::Conflict {
                message: format!(
                    "invoice {invoice} is {} and cannot be refunded",
                    current.status
                ),
            });
        }
        let left = current.final_amount.unwrap_or(current.amount);
        let amount = match request.amount {
            Some(amount) => {
                let (minor, ccy) = convert::minor_and_ccy(&amount)?;
                if ccy != current.ccy || minor <= 0 || minor > left {
                    return Err(Error::invalid(format!(
                        "a refund of {amount} does not fit what is left of invoice {invoice} \
                         ({})",
                        convert::money(left, current.ccy)?
                    )));
                }
                minor
            }
            None => left,
        };
        let answer = self
            .client
            .acquiring()
            .cancel_invoice(&InvoiceCancelRequest {
                invoice_id: invoice.clone(),
                ext_ref: Some(ext_ref.clone()),
                amount: Some(amount),
                items: None,
            })
            .await?;
        let mut refund = Refund::new(
            request.payment_id.clone(),
            convert::money(amount, current.ccy)?,
            match answer.status.as_str() {
                "success" => RefundStatus::Succeeded,
                "failure" => RefundStatus::Failed,
                _ => RefundStatus::Pending,
            },
            answer.status.as_str(),
        );
        refund.id = Some(convert::refund_id(&request.payment_id, &ext_ref));
        refund.reference = Some(ext_ref);
        refund.created_at = Some(answer.created_date.to_utc());
        refund.updated_at = Some(answer.modified_date.to_utc());
        Ok(refund)
    }
}

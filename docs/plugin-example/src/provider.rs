//! [`AcmeProvider`]: the core traits on top of [`AcmeClient`], and what it declares.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::once::{AtMostOnceCall, IdempotencyStore};
use bankkit_core::payment::{AtMostOnce, PaymentOperation, PaymentOperations};
use bankkit_core::{
    Account, AccountBalance, AccountId, Balance, Capabilities, Capability, CaptureRequest,
    CollectRequest, Error, Party, Payment, PaymentDetails, PaymentId, PaymentKind, Provider,
    Refund, RefundRequest, Result, Support,
};

use crate::client::AcmeClient;
use crate::convert;
use crate::wire::AmountBody;

/// The provider's machine name.
pub(crate) const PROVIDER: &str = "acme";

/// Why what Acme lacks is unsupported.
const NOT_OFFERED: &str = "the Acme API has no statements or webhooks";

/// What Acme offers, said once: balances, and card charges — captured at once or held,
/// holds captured in full or in part or released, refunds in full or in part. No payment
/// page, no payouts, no lookup by reference. Acme neither dedupes creates nor finds a
/// charge by reference, so creates are kept at most once by a local record
/// ([`AtMostOnce::LocalRecord`]).
pub(crate) fn capabilities() -> Capabilities {
    let operations = PaymentOperations::new(
        [
            PaymentOperation::ChargeCard,
            PaymentOperation::Hold,
            PaymentOperation::Capture,
            PaymentOperation::PartialCapture,
            PaymentOperation::CancelHold,
            PaymentOperation::Refund,
            PaymentOperation::PartialRefund,
        ],
        AtMostOnce::LocalRecord,
    );
    Capabilities::none(NOT_OFFERED)
        .with(Capability::Balance, Support::Supported)
        .with_payment_operations(operations)
}

/// Acme Bank behind the core traits: [`Balance`] and [`Payment`].
///
/// - **Accounts** are Acme's accounts (kind `Current`); a balance is the account's
///   `balance`.
/// - **Payments**: `collect` charges a [`Party::Card`] (`POST /v1/charges`), captured at
///   once or held ([`bankkit_core::CaptureMode::Hold`] sends `capture: false`); `capture`,
///   `cancel` (of a hold) and `refund` call the charge's endpoints; `status` reads the
///   charge (or, for a refund's id, the charge it belongs to). Ids are
///   `PaymentId(Collection, "charge", ch_…)` and `PaymentId(Refund, "refund", re_…)`
///   within their charge.
/// - **At most once**: Acme does not dedupe and cannot look a charge up by reference, so a
///   charge or refund is written to the [`IdempotencyStore`] (memory, or the config's
///   `idempotency_file`) *before* it is sent, and its outcome after. The same key again
///   returns the recorded outcome; after a lost answer it is
///   [`Error::OutcomeUnknown`] — never a second charge; the same key with another request is
///   a [`Error::Conflict`].
pub struct AcmeProvider {
    client: AcmeClient,
    once: Arc<dyn IdempotencyStore>,
}

impl fmt::Debug for AcmeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The record store is left out: a memory store would print every record it holds.
        f.debug_struct("AcmeProvider")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl AcmeProvider {
    pub(crate) fn new(client: AcmeClient, once: Arc<dyn IdempotencyStore>) -> Self {
        Self { client, once }
    }

    /// A call kept at most once by the local record, for `key` in `scope`.
    fn once<'a>(
        &'a self,
        scope: &str,
        key: &bankkit_core::IdempotencyKey,
        fingerprint: &'a str,
    ) -> AtMostOnceCall<'a> {
        AtMostOnceCall::new(
            self.once.as_ref(),
            scope,
            key,
            fingerprint,
            self.client.clock().now(),
        )
        // A charge takes the money (or holds it) as it is created; so does a refund.
        .moves_money(true)
    }

    /// The body of a capture or refund of `amount` (all when `None`) of `charge`. Acme
    /// reads the amount in the charge's currency, so a given amount's currency is checked
    /// against the charge first.
    async fn amount_body(&self, charge: &str, amount: Option<&Money>) -> Result<AmountBody> {
        let Some(amount) = amount else {
            return Ok(AmountBody::default());
        };
        let text = convert::amount_text(amount)?;
        let charge = self.client.charge(charge).await?;
        convert::same_currency(amount, currency_from_code(&charge.currency)?)?;
        Ok(AmountBody { amount: Some(text) })
    }
}

impl Provider for AcmeProvider {
    fn id(&self) -> &str {
        PROVIDER
    }
    fn name(&self) -> &str {
        "Acme Bank (example plugin)"
    }
    fn capabilities(&self) -> Capabilities {
        capabilities()
    }
    fn balance(&self) -> Option<&dyn Balance> {
        Some(self)
    }
    fn payment(&self) -> Option<&dyn Payment> {
        Some(self)
    }
}

#[async_trait]
impl Balance for AcmeProvider {
    async fn accounts(&self) -> Result<Vec<Account>> {
        self.client
            .accounts()
            .await?
            .into_iter()
            .map(convert::account)
            .collect()
    }

    async fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        let wire = self.client.account(account.as_str()).await?;
        let money = Money::parse(&wire.balance, currency_from_code(&wire.currency)?)?;
        Ok(AccountBalance::new(
            account.clone(),
            money,
            self.client.clock().now(),
        ))
    }
}

#[async_trait]
impl Payment for AcmeProvider {
    fn provider_id(&self) -> &str {
        PROVIDER
    }

    /// Charges the card of [`CollectRequest::payer`]; with a hold, only authorises it.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for any payer but a card (Acme has no payment page);
    /// [`Error::InvalidRequest`] for an amount that is not positive or a currency Acme
    /// refuses; [`Error::OutcomeUnknown`] when an earlier call with the key was sent and
    /// its answer lost; [`Error::Conflict`] for the key with another request.
    async fn collect(&self, request: CollectRequest) -> Result<PaymentDetails> {
        let card = match &request.payer {
            Some(Party::Card(card)) => card,
            Some(other) => {
                return Err(Error::unsupported(
                    PROVIDER,
                    format!("collect from a {} (Acme charges cards only)", other.kind()),
                ))
            }
            None => {
                return Err(Error::unsupported(
                    PROVIDER,
                    "collect through a payment page (Acme charges cards only)",
                ))
            }
        };
        let body = convert::new_charge(&request, card)?;
        let print = convert::charge_fingerprint(&request, card)?;
        let key = request.idempotency_key.as_str();
        self.once("acme:charge", &request.idempotency_key, &print)
            .run(|| async {
                let charge = self.client.create_charge(&body, key).await?;
                convert::details(charge)
            })
            .await
    }

    /// The charge, or the refund (read from the charge it belongs to).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for an id that is not Acme's; [`Error::NotFound`] for an
    /// unknown charge or refund.
    async fn status(&self, id: &PaymentId) -> Result<PaymentDetails> {
        if id.kind() == PaymentKind::Refund && id.resource() == convert::REFUND {
            let charge_id = id
                .parent()
                .ok_or_else(|| Error::invalid(format!("{id} names no charge")))?;
            let charge = convert::details(self.client.charge(charge_id).await?)?;
            return charge
                .refunds
                .iter()
                .find(|r| r.id.as_ref() == Some(id))
                .map(convert::refund_details)
                .ok_or_else(|| Error::NotFound {
                    message: format!("Acme lists no {id}"),
                });
        }
        let charge = convert::charge_of(id)?;
        convert::details(self.client.charge(charge).await?)
    }

    /// Captures all of a hold, or part of it (the rest is released).
    ///
    /// # Errors
    /// [`Error::Conflict`] when the charge is not held; [`Error::InvalidRequest`] for an
    /// amount over the hold or in another currency.
    async fn capture(&self, request: CaptureRequest) -> Result<PaymentDetails> {
        let charge = convert::charge_of(&request.payment_id)?;
        let body = self.amount_body(charge, request.amount.as_ref()).await?;
        convert::details(self.client.capture(charge, &body).await?)
    }

    /// Releases a hold.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the charge is not held (a taken charge is refunded
    /// instead).
    async fn cancel(&self, id: &PaymentId) -> Result<PaymentDetails> {
        let charge = convert::charge_of(id)?;
        convert::details(self.client.cancel(charge).await?)
    }

    /// Refunds all that is left of a charge, or part of it; kept at most once like a
    /// charge.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the charge took no money or is refunded already;
    /// [`Error::InvalidRequest`] for more than what is left; [`Error::OutcomeUnknown`] and
    /// [`Error::Conflict`] as for [`Payment::collect`].
    async fn refund(&self, request: RefundRequest) -> Result<Refund> {
        let charge = convert::charge_of(&request.payment_id)?;
        let body = self.amount_body(charge, request.amount.as_ref()).await?;
        let print = convert::refund_fingerprint(charge, request.amount.as_ref())?;
        let key = request.idempotency_key.as_str();
        let currency = request.amount.map(|a| a.currency());
        self.once("acme:refund", &request.idempotency_key, &print)
            .run(|| async {
                let refund = self.client.refund(charge, &body, key).await?;
                convert::refund(&refund, &request.payment_id, currency)
            })
            .await
    }
}

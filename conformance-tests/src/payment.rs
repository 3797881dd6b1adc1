//! Checks of [`bankkit_core::Payment`]: payments reach final states in the sandbox, failures
//! carry clear reasons, holds are captured in full or in part, unpaid payments and holds are
//! cancelled, refunds in full and in parts are listed, payments are found by reference, a
//! create retried after a lost answer never pays twice (by the provider's declared rule),
//! callbacks verify and parse, and out-of-order events resolve to the latest.
//!
//! Each check runs only for providers that declare the operations it needs in
//! `Capabilities::payment_operations`. Outcomes are chosen through the sandbox's test
//! parties (`ProviderHandle::test_party`) and, for payment pages, the
//! [`SandboxEvent::PayerActs`] event: the suite never knows a provider's magic values.

use std::time::Duration;

use bankkit_core::http::RetryPolicy;
use bankkit_core::money::{currency_from_code, Decimal, Money};
use bankkit_core::payment::{
    AtMostOnce, Card, FailureReason, Party, PaymentOperation, PaymentOperations, RefundStatus,
};
use bankkit_core::{
    Capability, CaptureRequest, CollectRequest, Error, IdempotencyKey, Payment, PaymentDetails,
    PaymentId, PaymentKind, PaymentStatus, PayoutRequest, Provider, RefundRequest, WebhookEvent,
    WebhookRequest,
};
use bankkit_sandbox::{Fault, SandboxEvent, TestOutcome};
use futures::FutureExt;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ensure, Check, CheckError, CheckResult, Target};

macro_rules! payment_checks {
    ($($name:literal => $run:ident),* $(,)?) => {
        vec![$(Check {
            name: $name,
            capability: Some(Capability::Payment),
            run: |t| $run(t).boxed(),
        }),*]
    };
}

pub(crate) fn checks() -> Vec<Check> {
    payment_checks![
        "payment.collect_reaches_success" => collect_reaches_success,
        "payment.pay_out_reaches_success" => pay_out_reaches_success,
        "payment.failure_has_a_clear_reason" => failure_has_a_clear_reason,
        "payment.pending_is_not_final" => pending_is_not_final,
        "payment.refund_in_full" => refund_in_full,
        "payment.refund_in_parts" => refund_in_parts,
        "payment.hold_then_capture_in_full" => hold_then_capture_in_full,
        "payment.hold_then_capture_in_part" => hold_then_capture_in_part,
        "payment.cancel_of_an_unpaid_payment" => cancel_of_an_unpaid_payment,
        "payment.cancel_releases_a_hold" => cancel_releases_a_hold,
        "payment.find_by_reference" => find_by_reference,
        "payment.at_most_once.provider_dedupes" => provider_dedupes_after_lost_answer,
        "payment.at_most_once.lookup_or_local_record" => local_record_after_lost_answer,
        "payment.unsupported_operations_say_so" => unsupported_operations_say_so,
        "payment.callback_verifies_and_parses" => callback_verifies_and_parses,
        "payment.out_of_order_events_resolve_to_the_latest" => out_of_order_events,
    ]
}

/// The provider's payment capability and its declared operations.
fn payment_of(provider: &dyn Provider) -> Result<(&dyn Payment, PaymentOperations), CheckError> {
    let payment = provider.payment().ok_or("no payment accessor")?;
    Ok((payment, provider.capabilities().payment_operations))
}

/// Not applicable unless every one of `needed` is offered.
fn require(ops: &PaymentOperations, needed: &[PaymentOperation]) -> CheckResult {
    match needed.iter().find(|o| !ops.offers(**o)) {
        Some(missing) => Err(CheckError::NotApplicable(format!(
            "{missing:?} not offered"
        ))),
        None => Ok(()),
    }
}

/// A party the sandbox makes succeed, fail or stay pending, as the sandbox names it.
fn test_party(target: &Target, outcome: TestOutcome) -> Result<Party, CheckError> {
    let party = target.sandbox().test_party(outcome).ok_or_else(|| {
        CheckError::NotApplicable("the sandbox offers no test party for this outcome".into())
    })?;
    let bad = |e: Error| CheckError::Fail(format!("the sandbox's test party: {e}"));
    Ok(match party.kind.as_str() {
        "msisdn" | "phone" => Party::phone(party.value).map_err(bad)?,
        "email" => Party::Email(party.value),
        "card" => {
            Party::Card(Card::new(party.value.into(), "12/30", Some("123".into())).map_err(bad)?)
        }
        _ => Party::Other {
            kind: party.kind,
            value: party.value,
        },
    })
}

/// How a check's collection is paid.
enum Payer {
    /// The request names the payer (a phone, a card); the sandbox's test party decides.
    Named(Party),
    /// A payment page: the payer acts through [`SandboxEvent::PayerActs`].
    Page,
}

/// How to collect with `outcome`: a phone request-to-pay where offered, else a payment page,
/// else a direct card charge.
fn payer(
    target: &Target,
    ops: &PaymentOperations,
    outcome: TestOutcome,
) -> Result<Payer, CheckError> {
    if ops.offers(PaymentOperation::CollectPhone) {
        return Ok(Payer::Named(test_party(target, outcome)?));
    }
    if ops.offers(PaymentOperation::CollectPage) {
        return Ok(Payer::Page);
    }
    if ops.offers(PaymentOperation::ChargeCard) {
        return Ok(Payer::Named(test_party(target, outcome)?));
    }
    Err(CheckError::NotApplicable(
        "no way to collect is offered".into(),
    ))
}

/// Collects `request` from a payer who ends with `outcome`; the created payment.
async fn collect_with(
    target: &Target,
    payment: &dyn Payment,
    ops: &PaymentOperations,
    request: CollectRequest,
    outcome: TestOutcome,
) -> Result<PaymentDetails, CheckError> {
    let payer = payer(target, ops, outcome)?;
    let request = match &payer {
        Payer::Named(party) => request.payer(party.clone()),
        Payer::Page => request,
    };
    let created = payment
        .collect(request)
        .await
        .map_err(|e| format!("collect: {e}"))?;
    ensure(created.kind() == PaymentKind::Collection, || {
        format!("created a {}, not a collection", created.kind())
    })?;
    if let Payer::Page = payer {
        ensure(created.payment_url.is_some(), || {
            "a payment-page collection has no payment_url".into()
        })?;
        target
            .sandbox()
            .trigger(SandboxEvent::PayerActs {
                payment_id: created.id.id().to_owned(),
                outcome,
            })
            .map_err(|e| format!("the payer could not act on {}: {e}", created.id))?;
    }
    Ok(created)
}

/// `minor` minor units in the currency of the sandbox's first account.
fn money(target: &Target, minor: i64) -> Result<Money, CheckError> {
    let ledger = target.ledger();
    let code = ledger
        .accounts
        .first()
        .map(|a| a.currency.clone())
        .ok_or("the sandbox has no accounts")?;
    let currency = currency_from_code(&code).map_err(|e| e.to_string())?;
    Money::from_minor(minor, currency).map_err(|e| e.to_string().into())
}

/// How many of the sandbox's transactions, on any account, move exactly `minor`.
fn ledger_count(target: &Target, minor: i64) -> usize {
    target
        .ledger()
        .accounts
        .iter()
        .flat_map(|a| a.transactions.iter())
        .filter(|t| t.amount_minor == minor)
        .count()
}

/// Reads the payment's status, moving the clock on, until `done` holds (or gives up).
async fn settle_until(
    target: &Target,
    payment: &dyn Payment,
    id: &PaymentId,
    done: impl Fn(&PaymentDetails) -> bool,
) -> Result<PaymentDetails, CheckError> {
    let mut details = payment
        .status(id)
        .await
        .map_err(|e| format!("status of {id}: {e}"))?;
    for _ in 0..30 {
        if done(&details) {
            return Ok(details);
        }
        target.clock().advance(Duration::from_secs(10));
        details = payment
            .status(id)
            .await
            .map_err(|e| format!("status of {id}: {e}"))?;
    }
    Ok(details)
}

/// Reads the payment's status until it is final (or gives up).
async fn settle(
    target: &Target,
    payment: &dyn Payment,
    id: &PaymentId,
) -> Result<PaymentDetails, CheckError> {
    settle_until(target, payment, id, |d| d.status.is_final()).await
}

/// Reads the payment's status until its refunds have settled (or gives up).
async fn settle_refunds(
    target: &Target,
    payment: &dyn Payment,
    id: &PaymentId,
) -> Result<PaymentDetails, CheckError> {
    settle_until(target, payment, id, |d| {
        d.status.is_final() && d.refunds.iter().all(|r| r.status != RefundStatus::Pending)
    })
    .await
}

fn key() -> IdempotencyKey {
    IdempotencyKey::generate()
}

/// A collection from a payer the sandbox approves reaches `Succeeded`, and the sandbox holds
/// exactly one movement of that amount.
async fn collect_reaches_success(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    let amount = money(target, 1723)?;
    let request = CollectRequest::new(key(), amount).description("Conformance order 1723");
    let created = collect_with(target, payment, &ops, request, TestOutcome::Success).await?;
    let done = settle(target, payment, &created.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!("ended {:?} ({})", done.status, done.provider_status)
    })?;
    ensure(done.amount == amount, || {
        format!("amount {} != {amount}", done.amount)
    })?;
    if let (Some(fee), Some(net)) = (done.fee, done.net_amount) {
        ensure(fee.checked_add(&net).ok() == Some(amount), || {
            format!("fee {fee} and net {net} do not add up to {amount}")
        })?;
    }
    let count = ledger_count(target, 1723);
    ensure(count == 1, || {
        format!("the sandbox holds {count} movements of it")
    })
}

/// A payout to a party the sandbox accepts reaches `Succeeded` and moves money once.
async fn pay_out_reaches_success(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(&ops, &[PaymentOperation::PayOut])?;
    let amount = money(target, 841)?;
    let request = PayoutRequest::new(key(), amount, test_party(target, TestOutcome::Success)?);
    let created = payment
        .pay_out(request)
        .await
        .map_err(|e| format!("pay out: {e}"))?;
    let done = settle(target, payment, &created.id).await?;
    ensure(
        done.status == PaymentStatus::Succeeded && done.kind() == PaymentKind::Payout,
        || {
            format!(
                "ended {} {:?} ({})",
                done.kind(),
                done.status,
                done.provider_status
            )
        },
    )?;
    let count = ledger_count(target, -841);
    ensure(count == 1, || {
        format!("the sandbox holds {count} movements of it")
    })
}

/// A collection the payer fails ends `Failed` with a core reason other than `Other` and the
/// provider's code kept, and moves no money.
async fn failure_has_a_clear_reason(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    let request = CollectRequest::new(key(), money(target, 5550)?);
    let created = collect_with(target, payment, &ops, request, TestOutcome::Failure).await?;
    let done = settle(target, payment, &created.id).await?;
    ensure(done.status == PaymentStatus::Failed, || {
        format!("ended {:?} ({})", done.status, done.provider_status)
    })?;
    let failure = done.failure.ok_or("failed without a failure reason")?;
    ensure(failure.reason != FailureReason::Other, || {
        format!("reason is Other ({:?})", failure.provider_code)
    })?;
    ensure(failure.provider_code.is_some(), || {
        "the provider's code was lost".into()
    })?;
    let count = ledger_count(target, 5550);
    ensure(count == 0, || "a failed payment moved money".into())
}

/// A payment the sandbox keeps pending is reported as not final, never as a success.
async fn pending_is_not_final(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    let request = CollectRequest::new(key(), money(target, 3330)?);
    let created = collect_with(target, payment, &ops, request, TestOutcome::Pending).await?;
    target.clock().advance(Duration::from_secs(60));
    let now = payment
        .status(&created.id)
        .await
        .map_err(|e| format!("status: {e}"))?;
    ensure(!now.status.is_final(), || {
        format!("a pending payment reads {:?}", now.status)
    })
}

/// A paid collection of `minor`, settled.
async fn paid(
    target: &Target,
    payment: &dyn Payment,
    ops: &PaymentOperations,
    minor: i64,
) -> Result<PaymentDetails, CheckError> {
    let request = CollectRequest::new(key(), money(target, minor)?);
    let created = collect_with(target, payment, ops, request, TestOutcome::Success).await?;
    let done = settle(target, payment, &created.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!(
            "the collection ended {:?} ({})",
            done.status, done.provider_status
        )
    })?;
    Ok(done)
}

/// Refunds `amount` (all when `None`) of `paid`; the refund once it has settled.
async fn refund_and_settle(
    target: &Target,
    payment: &dyn Payment,
    paid: &PaymentId,
    amount: Option<Money>,
) -> Result<(bankkit_core::Refund, PaymentDetails), CheckError> {
    let mut request = RefundRequest::new(key(), paid.clone());
    if let Some(amount) = amount {
        request = request.amount(amount);
    }
    let refund = payment
        .refund(request)
        .await
        .map_err(|e| format!("refund: {e}"))?;
    ensure(refund.payment_id == *paid, || {
        format!("the refund names {}, not {paid}", refund.payment_id)
    })?;
    // A provider with refunds of their own reports them by their own id; others list them
    // on the payment.
    let settled = match &refund.id {
        Some(id) if id.kind() == PaymentKind::Refund && id.parent().is_none() => {
            let done = settle(target, payment, id).await?;
            let mut refund = refund.clone();
            refund.status = match done.status {
                PaymentStatus::Succeeded => RefundStatus::Succeeded,
                PaymentStatus::Failed => RefundStatus::Failed,
                _ => RefundStatus::Pending,
            };
            refund
        }
        _ => {
            let after = settle_refunds(target, payment, paid).await?;
            after
                .refunds
                .iter()
                .rev()
                .find(|r| Some(r.amount) == amount.or(Some(r.amount)) && r.id == refund.id)
                .cloned()
                .ok_or_else(|| format!("the refund is not listed on {paid}: {:?}", after.refunds))?
        }
    };
    let after = settle_refunds(target, payment, paid).await?;
    Ok((settled, after))
}

/// A successful collection refunded in full: the refund succeeds for the whole amount and
/// the payment reads `Refunded` where the provider lists refunds on it.
async fn refund_in_full(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(&ops, &[PaymentOperation::Refund])?;
    let collected = paid(target, payment, &ops, 2150).await?;
    let (refund, after) = refund_and_settle(target, payment, &collected.id, None).await?;
    ensure(refund.status == RefundStatus::Succeeded, || {
        format!(
            "the refund ended {:?} ({})",
            refund.status, refund.provider_status
        )
    })?;
    ensure(refund.amount.amount() == Decimal::new(2150, 2), || {
        format!("refunded {}", refund.amount)
    })?;
    if !after.refunds.is_empty() {
        ensure(after.status == PaymentStatus::Refunded, || {
            format!("after a full refund the payment reads {:?}", after.status)
        })?;
    }
    Ok(())
}

/// A successful collection refunded in two parts: each refund is for its amount, the first
/// leaves the payment partially refunded, the second completes it, and asking for more than
/// what is left is refused.
async fn refund_in_parts(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(&ops, &[PaymentOperation::PartialRefund])?;
    let collected = paid(target, payment, &ops, 3000).await?;
    let (first, after_first) =
        refund_and_settle(target, payment, &collected.id, Some(money(target, 1000)?)).await?;
    ensure(
        first.status == RefundStatus::Succeeded && first.amount == money(target, 1000)?,
        || format!("the first part refund: {first:?}"),
    )?;
    let lists = !after_first.refunds.is_empty();
    if lists {
        ensure(
            after_first.status == PaymentStatus::PartiallyRefunded,
            || {
                format!(
                    "after a part refund the payment reads {:?}",
                    after_first.status
                )
            },
        )?;
        ensure(after_first.refunded() == Some(money(target, 1000)?), || {
            format!("refunds listed: {:?}", after_first.refunds)
        })?;
    }
    let too_much = payment
        .refund(RefundRequest::new(key(), collected.id.clone()).amount(money(target, 2500)?))
        .await;
    ensure(
        matches!(
            too_much,
            Err(Error::InvalidRequest { .. } | Error::Conflict { .. })
        ),
        || format!("refunding more than what is left answered {too_much:?}"),
    )?;
    let (second, after) =
        refund_and_settle(target, payment, &collected.id, Some(money(target, 2000)?)).await?;
    ensure(second.status == RefundStatus::Succeeded, || {
        format!("the second part refund: {second:?}")
    })?;
    if lists {
        ensure(
            after.status == PaymentStatus::Refunded && after.refunds.len() == 2,
            || {
                format!(
                    "after both parts: {:?} with {:?}",
                    after.status, after.refunds
                )
            },
        )?;
    }
    Ok(())
}

/// A held collection of `minor`, authorised by the payer.
async fn held(
    target: &Target,
    payment: &dyn Payment,
    ops: &PaymentOperations,
    minor: i64,
) -> Result<PaymentDetails, CheckError> {
    let request = CollectRequest::new(key(), money(target, minor)?).hold();
    let created = collect_with(target, payment, ops, request, TestOutcome::Success).await?;
    let done = settle_until(target, payment, &created.id, |d| {
        d.status != PaymentStatus::Pending
    })
    .await?;
    ensure(done.status == PaymentStatus::Authorized, || {
        format!(
            "a paid hold reads {:?} ({})",
            done.status, done.provider_status
        )
    })?;
    Ok(done)
}

/// A hold captured in full ends `Succeeded` with the whole amount taken.
async fn hold_then_capture_in_full(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(&ops, &[PaymentOperation::Hold, PaymentOperation::Capture])?;
    let hold = held(target, payment, &ops, 4100).await?;
    payment
        .capture(CaptureRequest::new(hold.id.clone()))
        .await
        .map_err(|e| format!("capture: {e}"))?;
    let done = settle(target, payment, &hold.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!(
            "after capture: {:?} ({})",
            done.status, done.provider_status
        )
    })?;
    let taken = done.final_amount.unwrap_or(done.amount);
    ensure(taken == money(target, 4100)?, || format!("took {taken}"))
}

/// A hold captured in part ends `Succeeded` with only that part taken; capturing more than
/// the hold is refused.
async fn hold_then_capture_in_part(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(
        &ops,
        &[PaymentOperation::Hold, PaymentOperation::PartialCapture],
    )?;
    let hold = held(target, payment, &ops, 5000).await?;
    let over = payment
        .capture(CaptureRequest::new(hold.id.clone()).amount(money(target, 5001)?))
        .await;
    ensure(
        matches!(
            over,
            Err(Error::InvalidRequest { .. } | Error::Conflict { .. })
        ),
        || format!("capturing more than the hold answered {over:?}"),
    )?;
    payment
        .capture(CaptureRequest::new(hold.id.clone()).amount(money(target, 3200)?))
        .await
        .map_err(|e| format!("capture in part: {e}"))?;
    let done = settle(target, payment, &hold.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!("after a part capture: {:?}", done.status)
    })?;
    ensure(done.final_amount == Some(money(target, 3200)?), || {
        format!(
            "a part capture reports final amount {:?}",
            done.final_amount
        )
    })
}

/// An unpaid payment cancelled reads `Cancelled` and can no longer be paid.
async fn cancel_of_an_unpaid_payment(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(
        &ops,
        &[
            PaymentOperation::CancelUnpaid,
            PaymentOperation::CollectPage,
        ],
    )?;
    let created = payment
        .collect(CollectRequest::new(key(), money(target, 777)?))
        .await
        .map_err(|e| format!("collect: {e}"))?;
    let cancelled = payment
        .cancel(&created.id)
        .await
        .map_err(|e| format!("cancel: {e}"))?;
    ensure(cancelled.status == PaymentStatus::Cancelled, || {
        format!("a cancelled payment reads {:?}", cancelled.status)
    })?;
    let pay = target.sandbox().trigger(SandboxEvent::PayerActs {
        payment_id: created.id.id().to_owned(),
        outcome: TestOutcome::Success,
    });
    ensure(pay.is_err(), || {
        "a cancelled payment could still be paid".into()
    })?;
    ensure(ledger_count(target, 777) == 0, || {
        "a cancelled payment moved money".into()
    })
}

/// A hold released by cancel reads `Cancelled` and takes nothing.
async fn cancel_releases_a_hold(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(
        &ops,
        &[PaymentOperation::Hold, PaymentOperation::CancelHold],
    )?;
    let hold = held(target, payment, &ops, 6100).await?;
    payment
        .cancel(&hold.id)
        .await
        .map_err(|e| format!("cancel of a hold: {e}"))?;
    let done = settle_until(target, payment, &hold.id, |d| {
        d.status != PaymentStatus::Authorized && d.status.is_final()
    })
    .await?;
    ensure(
        matches!(
            done.status,
            PaymentStatus::Cancelled | PaymentStatus::Refunded
        ),
        || {
            format!(
                "a released hold reads {:?} ({})",
                done.status, done.provider_status
            )
        },
    )?;
    let net: i64 = target
        .ledger()
        .accounts
        .iter()
        .flat_map(|a| a.transactions.iter())
        .filter(|t| t.amount_minor.abs() == 6100)
        .map(|t| t.amount_minor)
        .sum();
    ensure(net == 0, || {
        format!("a released hold left {net} in the ledger")
    })
}

/// A paid collection is found by the caller's reference; an unknown reference is `None`.
async fn find_by_reference(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    require(&ops, &[PaymentOperation::Find])?;
    let reference = format!("order-{}", IdempotencyKey::generate());
    let request = CollectRequest::new(key(), money(target, 1999)?).reference(&reference);
    let created = collect_with(target, payment, &ops, request, TestOutcome::Success).await?;
    settle(target, payment, &created.id).await?;
    let found = payment
        .find(PaymentKind::Collection, &reference)
        .await
        .map_err(|e| format!("find: {e}"))?
        .ok_or("the paid collection was not found by its reference")?;
    ensure(found.id.id() == created.id.id(), || {
        format!("found {} for the reference of {}", found.id, created.id)
    })?;
    let missing = payment
        .find(PaymentKind::Collection, "conformance-no-such-order")
        .await
        .map_err(|e| format!("find of an unknown reference: {e}"))?;
    ensure(missing.is_none(), || {
        format!("an unknown reference found {missing:?}")
    })
}

/// Makes the provider mint or refresh the credentials it needs (a read), so that the next
/// `POST` it sends is the create a check aims a fault at, not a token call.
async fn warm_up(provider: &dyn Provider) -> CheckResult {
    if let Some(balance) = provider.balance() {
        balance
            .accounts()
            .await
            .map_err(|e| format!("warm-up read: {e}"))?;
    }
    Ok(())
}

/// Moves the clock on (as [`settle`] does) until the sandbox holds a movement of exactly
/// `minor`; how many it holds then.
fn wait_for_ledger(target: &Target, minor: i64) -> usize {
    for _ in 0..30 {
        let count = ledger_count(target, minor);
        if count > 0 {
            return count;
        }
        target.clock().advance(Duration::from_secs(10));
    }
    ledger_count(target, minor)
}

/// [`AtMostOnce::ProviderDedupes`]: the sandbox commits a collection and drops the answer:
/// the client retries with the same key, the call succeeds, a second call with the key
/// returns the same payment, and the sandbox holds exactly one payment.
///
/// Then the same with retries off, to make sure the request whose answer was lost is the
/// create itself (not a token call before it): the caller gets a retryable error, the
/// sandbox holds the payment already, and a retry with the key returns it — still one.
async fn provider_dedupes_after_lost_answer(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    if ops.at_most_once != Some(AtMostOnce::ProviderDedupes) {
        return Err(CheckError::NotApplicable(format!(
            "the provider keeps creates at most once by {:?}",
            ops.at_most_once
        )));
    }
    let Payer::Named(payer) = payer(target, &ops, TestOutcome::Success)? else {
        return Err(CheckError::NotApplicable(
            "collections go through a page".into(),
        ));
    };
    let key = key();
    let amount = money(target, 1337)?;
    let request = CollectRequest::new(key.clone(), amount).payer(payer.clone());
    // Warm up right before injecting (credentials minted, caches filled), so that the next
    // POST the provider sends is the create itself.
    warm_up(provider.as_ref()).await?;
    target
        .sandbox()
        .inject(Fault::drop_after_commit().method("POST").times(1));
    let first = payment
        .collect(request.clone())
        .await
        .map_err(|e| format!("collect with a lost answer: {e}"))?;
    ensure(target.sandbox().faults().is_empty(), || {
        "the lost answer was never sent: the create made no POST".into()
    })?;
    let again = payment
        .collect(request)
        .await
        .map_err(|e| format!("collect again with the same key: {e}"))?;
    ensure(again.id == first.id, || {
        format!(
            "the same key gave two payments: {} and {}",
            first.id, again.id
        )
    })?;
    let done = settle(target, payment, &first.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!("ended {:?}", done.status)
    })?;
    let count = ledger_count(target, 1337);
    ensure(count == 1, || {
        format!("the sandbox holds {count} payments, not 1")
    })?;

    // Retries off: the lost answer reaches the caller, and the sandbox shows it was the
    // create's.
    let once = target.provider_with(Target::default_options().retry(RetryPolicy::Never))?;
    let once_payment = once.payment().ok_or("no payment accessor")?;
    let request =
        CollectRequest::new(IdempotencyKey::generate(), money(target, 1338)?).payer(payer);
    warm_up(once.as_ref()).await?;
    target
        .sandbox()
        .inject(Fault::drop_after_commit().method("POST").times(1));
    match once_payment.collect(request.clone()).await {
        Err(e) if e.is_retryable() => {}
        other => {
            return Err(format!(
                "with retries off, a create whose answer was lost must fail with a retryable \
                 error, got {other:?}"
            )
            .into())
        }
    }
    ensure(target.sandbox().faults().is_empty(), || {
        "the fault was not consumed: the create made no POST".into()
    })?;
    let committed = wait_for_ledger(target, 1338);
    ensure(committed == 1, || {
        format!(
            "after the lost answer the sandbox holds {committed} payments of it, not 1: the \
             POST that was dropped was not the create"
        )
    })?;
    let retried = once_payment
        .collect(request)
        .await
        .map_err(|e| format!("the caller's retry with the same key: {e}"))?;
    let done = settle(target, once_payment, &retried.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!("the retried create ended {:?}", done.status)
    })?;
    let count = ledger_count(target, 1338);
    ensure(count == 1, || {
        format!("after the caller's retry the sandbox holds {count} payments, not 1")
    })
}

/// [`AtMostOnce::LookupByReference`] and [`AtMostOnce::LocalRecord`]: a direct charge, a
/// phone collection or (where no collection moves money by itself) a payout whose answer is
/// lost after the provider committed it is never sent a second time. The first call fails; the call again with the same key returns the same
/// payment (found by reference) or [`Error::OutcomeUnknown`] (no way to look it up) — never
/// a second charge; the same key with another amount is a `Conflict`.
async fn local_record_after_lost_answer(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    let rule = ops.at_most_once;
    if !matches!(
        rule,
        Some(AtMostOnce::LookupByReference | AtMostOnce::LocalRecord)
    ) {
        return Err(CheckError::NotApplicable(format!(
            "the provider keeps creates at most once by {rule:?}"
        )));
    }
    // A create that itself moves money: a collection from a named payer (a card, a phone),
    // else a payout.
    let create = if ops.offers(PaymentOperation::ChargeCard)
        || ops.offers(PaymentOperation::CollectPhone)
    {
        MoneyMovingCreate::Collect(test_party(target, TestOutcome::Success)?)
    } else if ops.offers(PaymentOperation::PayOut) {
        MoneyMovingCreate::PayOut(test_party(target, TestOutcome::Success)?)
    } else {
        return Err(CheckError::NotApplicable(
            "no money-moving create (card charge, phone collection or payout) is offered".into(),
        ));
    };
    let key = key();
    warm_up(provider.as_ref()).await?;
    target
        .sandbox()
        .inject(Fault::drop_after_commit().method("POST").times(1));
    let first = create.send(payment, &key, money(target, 2718)?).await;
    ensure(target.sandbox().faults().is_empty(), || {
        "the fault was not consumed: the create made no POST".into()
    })?;
    ensure(first.is_err(), || {
        format!(
            "a money-moving create whose answer was lost must not be sent again on its own; \
             it returned {first:?}"
        )
    })?;
    let moved = create.ledger_minor(2718);
    let committed = wait_for_ledger(target, moved);
    ensure(committed == 1, || {
        format!("after the lost answer the sandbox holds {committed} movements of it, not 1")
    })?;
    match create.send(payment, &key, money(target, 2718)?).await {
        Ok(found) => {
            let done = settle(target, payment, &found.id).await?;
            ensure(done.status == PaymentStatus::Succeeded, || {
                format!("the found payment reads {:?}", done.status)
            })?;
        }
        Err(Error::OutcomeUnknown { .. }) if rule == Some(AtMostOnce::LocalRecord) => {}
        Err(e) => {
            return Err(format!(
                "the same key again must return the payment or OutcomeUnknown, got {e}"
            )
            .into())
        }
    }
    let count = ledger_count(target, moved);
    ensure(count == 1, || {
        format!("after the call again the sandbox holds {count} movements, not 1")
    })?;
    let conflict = create.send(payment, &key, money(target, 2719)?).await;
    ensure(matches!(conflict, Err(Error::Conflict { .. })), || {
        format!("the same key with another amount answered {conflict:?}")
    })?;
    ensure(ledger_count(target, create.ledger_minor(2719)) == 0, || {
        "the conflicting request moved money".into()
    })
}

/// A create that moves money by itself, for the at-most-once checks.
enum MoneyMovingCreate {
    /// A collection from this payer.
    Collect(Party),
    /// A payout to this payee.
    PayOut(Party),
}

impl MoneyMovingCreate {
    async fn send(
        &self,
        payment: &dyn Payment,
        key: &IdempotencyKey,
        amount: Money,
    ) -> bankkit_core::Result<PaymentDetails> {
        match self {
            Self::Collect(payer) => {
                payment
                    .collect(CollectRequest::new(key.clone(), amount).payer(payer.clone()))
                    .await
            }
            Self::PayOut(payee) => {
                payment
                    .pay_out(PayoutRequest::new(key.clone(), amount, payee.clone()))
                    .await
            }
        }
    }

    /// The signed ledger movement of `minor`: in for a collection, out for a payout.
    fn ledger_minor(&self, minor: i64) -> i64 {
        match self {
            Self::Collect(_) => minor,
            Self::PayOut(_) => -minor,
        }
    }
}

/// Every operation not offered answers `Unsupported`, never a fake success.
async fn unsupported_operations_say_so(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    let id = PaymentId::new(PaymentKind::Collection, "conformance", "unknown");
    let amount = money(target, 100)?;
    let payee = Party::Other {
        kind: "test".into(),
        value: "x".into(),
    };
    let mut checked = Vec::new();
    let missing = |op: PaymentOperation| !ops.offers(op);
    if !ops.collects() {
        checked.push((
            "collect",
            payment
                .collect(CollectRequest::new(key(), amount))
                .await
                .map(drop),
        ));
    }
    if missing(PaymentOperation::PayOut) {
        let result = payment
            .pay_out(PayoutRequest::new(key(), amount, payee.clone()))
            .await;
        checked.push(("pay_out", result.map(drop)));
    }
    if missing(PaymentOperation::CancelUnpaid) && missing(PaymentOperation::CancelHold) {
        checked.push(("cancel", payment.cancel(&id).await.map(drop)));
    }
    if missing(PaymentOperation::Refund) && missing(PaymentOperation::PartialRefund) {
        let result = payment.refund(RefundRequest::new(key(), id.clone())).await;
        checked.push(("refund", result.map(drop)));
    }
    if missing(PaymentOperation::Capture) && missing(PaymentOperation::PartialCapture) {
        checked.push((
            "capture",
            payment
                .capture(CaptureRequest::new(id.clone()))
                .await
                .map(drop),
        ));
    }
    if missing(PaymentOperation::Find) {
        let result = payment.find(PaymentKind::Collection, "conformance").await;
        checked.push(("find", result.map(drop)));
    }
    if missing(PaymentOperation::Hold) && ops.collects() {
        let result = payment
            .collect(CollectRequest::new(key(), amount).hold())
            .await;
        checked.push(("collect with a hold", result.map(drop)));
    }
    if checked.is_empty() {
        return Err(CheckError::NotApplicable(
            "every operation is offered".into(),
        ));
    }
    for (name, result) in checked {
        match result {
            Err(Error::Unsupported { .. }) => {}
            other => return Err(format!("{name} is not offered but answered {other:?}").into()),
        }
    }
    Ok(())
}

/// Starts a receiver that answers 200 to everything.
async fn receiver() -> MockServer {
    let receiver = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    receiver
}

/// The callbacks `receiver` got, as (path and query, headers, body).
async fn callbacks(receiver: &MockServer) -> Vec<(String, http::HeaderMap, Vec<u8>)> {
    receiver
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method == http::Method::PUT || r.method == http::Method::POST)
        .map(|r| {
            let uri = match r.url.query() {
                Some(query) => format!("{}?{query}", r.url.path()),
                None => r.url.path().to_owned(),
            };
            (uri, r.headers, r.body)
        })
        .collect()
}

/// Collects with a callback URL at a fresh receiver and lets the payer pay; the receiver
/// and the settled payment.
async fn paid_with_callbacks(
    target: &Target,
    payment: &dyn Payment,
    ops: &PaymentOperations,
    minor: i64,
) -> Result<(MockServer, PaymentDetails), CheckError> {
    let receiver = receiver().await;
    let request = CollectRequest::new(key(), money(target, minor)?)
        .callback_url(format!("{}/hooks/payments", receiver.uri()));
    let created = collect_with(target, payment, ops, request, TestOutcome::Success).await?;
    let done = settle(target, payment, &created.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!("ended {:?}", done.status)
    })?;
    // Every callback of this payment was queued by the time it read final: wait until each
    // one sent to this receiver is delivered (or given up).
    let url = receiver.uri();
    target
        .sandbox()
        .wait_for_delivery_log(
            |log| {
                let mine: Vec<_> = log.iter().filter(|d| d.url.starts_with(&url)).collect();
                !mine.is_empty() && mine.iter().all(|d| d.state.is_final())
            },
            Duration::from_secs(15),
        )
        .await;
    Ok((receiver, done))
}

/// The callback of a collection that reached its final state verifies and parses into that
/// payment; the genuine request replayed with its status or amount changed is refused.
async fn callback_verifies_and_parses(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    let Some(webhook) = provider.webhook() else {
        return Err(CheckError::NotApplicable("no webhook capability".into()));
    };
    let (receiver, done) = paid_with_callbacks(target, payment, &ops, 4242).await?;
    let received = callbacks(&receiver).await;
    ensure(!received.is_empty(), || {
        "the receiver got no callback".into()
    })?;
    // Callbacks may arrive in any order: every one verifies and names the payment, and one
    // of them carries its final status (that one is forged below).
    let mut last = None;
    for (uri, headers, body) in &received {
        let event = webhook
            .verify_and_parse(WebhookRequest::new(headers, body).with_uri(uri))
            .await
            .map_err(|e| format!("verify_and_parse of a real callback: {e}"))?;
        match event {
            WebhookEvent::PaymentStatus { payment } => {
                ensure(payment.id == done.id, || {
                    format!("the callback names {} not {}", payment.id, done.id)
                })?;
                if payment.status == PaymentStatus::Succeeded {
                    last = Some((uri, headers, body));
                }
            }
            other => return Err(format!("expected a payment status event, got {other:?}").into()),
        }
    }
    let (uri, headers, body) = last.ok_or_else(|| {
        format!(
            "none of the {} callbacks says the payment succeeded",
            received.len()
        )
    })?;
    // The genuine request replayed with its status or amount changed is a forgery: refused
    // as such (a signature that no longer matches, or a status re-read that disagrees).
    let forged = forgeries(body);
    ensure(!forged.is_empty(), || {
        format!(
            "cannot forge the callback (no status, amount or digit in {:?})",
            String::from_utf8_lossy(body)
        )
    })?;
    for (what, body) in forged {
        match webhook
            .verify_and_parse(WebhookRequest::new(headers, &body).with_uri(uri))
            .await
        {
            Err(Error::Signature { .. }) => {}
            other => {
                return Err(format!(
                    "the real callback replayed with {what} was not refused as a forgery \
                     (expected a Signature error): {other:?}"
                )
                .into())
            }
        }
    }
    Ok(())
}

/// Every callback of one payment, parsed in reverse order of arrival, resolves (by
/// `PaymentDetails::supersedes`) to the payment's final state.
async fn out_of_order_events(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let (payment, ops) = payment_of(provider.as_ref())?;
    let Some(webhook) = provider.webhook() else {
        return Err(CheckError::NotApplicable("no webhook capability".into()));
    };
    let (receiver, done) = paid_with_callbacks(target, payment, &ops, 4343).await?;
    let mut latest: Option<PaymentDetails> = None;
    let received = callbacks(&receiver).await;
    for (uri, headers, body) in received.iter().rev() {
        let event = webhook
            .verify_and_parse(WebhookRequest::new(headers, body).with_uri(uri))
            .await
            .map_err(|e| format!("verify_and_parse: {e}"))?;
        if let WebhookEvent::PaymentStatus { payment } = event {
            if latest.as_ref().is_none_or(|l| payment.supersedes(l)) {
                latest = Some(payment);
            }
        }
    }
    let latest = latest.ok_or("no payment status event arrived")?;
    ensure(latest.status == done.status, || {
        format!(
            "{} events in reverse order resolve to {:?}, not {:?}",
            received.len(),
            latest.status,
            done.status
        )
    })
}

/// Forged copies of a callback body: its `status` changed, its `amount` changed (any depth
/// of a JSON body); for a body with neither, one digit changed.
fn forgeries(body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        for field in ["status", "amount"] {
            let mut forged = json.clone();
            if let Some(change) = forge_field(&mut forged, field) {
                if let Ok(bytes) = serde_json::to_vec(&forged) {
                    out.push((format!("its {field} changed ({change})"), bytes));
                }
            }
        }
    }
    if out.is_empty() {
        if let Some(i) = body.iter().position(u8::is_ascii_digit) {
            let mut forged = body.to_vec();
            forged[i] = if body[i] == b'9' { b'1' } else { body[i] + 1 };
            out.push(("one digit changed".to_owned(), forged));
        }
    }
    out
}

/// Changes the first field called `name` (any case, any depth) to another plausible value;
/// what it did.
fn forge_field(value: &mut serde_json::Value, name: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if key.eq_ignore_ascii_case(name) {
                    if let Some(change) = forge_value(field, name) {
                        return Some(change);
                    }
                }
            }
            map.values_mut().find_map(|v| forge_field(v, name))
        }
        Value::Array(items) => items.iter_mut().find_map(|v| forge_field(v, name)),
        _ => None,
    }
}

fn forge_value(field: &mut serde_json::Value, name: &str) -> Option<String> {
    use serde_json::Value;
    let old = field.clone();
    let new = match (&old, name) {
        (Value::String(s), "status") => {
            let failed = if s.chars().any(|c| c.is_ascii_lowercase()) {
                "failed"
            } else {
                "FAILED"
            };
            if s.eq_ignore_ascii_case(failed) {
                Value::String(
                    if failed == "failed" {
                        "success"
                    } else {
                        "SUCCESSFUL"
                    }
                    .into(),
                )
            } else {
                Value::String(failed.into())
            }
        }
        (Value::String(s), "amount") => {
            let changed = s
                .trim()
                .parse::<Decimal>()
                .map(|d| (d + Decimal::ONE).to_string())
                .unwrap_or_else(|_| "999999".to_owned());
            Value::String(changed)
        }
        (Value::Number(n), "amount") => {
            let changed = n
                .to_string()
                .parse::<Decimal>()
                .map(|d| (d + Decimal::ONE).to_string())
                .unwrap_or_else(|_| "999999".to_owned());
            serde_json::from_str(&changed).ok()?
        }
        _ => return None,
    };
    *field = new;
    Some(format!("{old} -> {field}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_forged_by_status_and_by_amount() {
        let body = br#"{"externalId":"x","amount":"42.42","currency":"EUR","status":"SUCCESSFUL"}"#;
        let forged = forgeries(body);
        assert_eq!(forged.len(), 2, "{forged:?}");
        let status: serde_json::Value = serde_json::from_slice(&forged[0].1).unwrap();
        assert_eq!(status["status"], "FAILED");
        assert_eq!(status["amount"], "42.42");
        let amount: serde_json::Value = serde_json::from_slice(&forged[1].1).unwrap();
        assert_eq!(amount["amount"], "43.42");
        assert_eq!(amount["status"], "SUCCESSFUL");

        let nested = br#"{"data":{"status":"success","amount":100}}"#;
        let forged = forgeries(nested);
        let status: serde_json::Value = serde_json::from_slice(&forged[0].1).unwrap();
        assert_eq!(status["data"]["status"], "failed");
        let amount: serde_json::Value = serde_json::from_slice(&forged[1].1).unwrap();
        assert_eq!(amount["data"]["amount"], 101);

        let forged = forgeries(b"id=7&ok=1");
        assert_eq!(forged[0].1, b"id=8&ok=1");
        assert!(forgeries(b"no digits").is_empty());
    }
}

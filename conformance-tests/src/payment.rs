//! Checks of [`bankkit_core::Payment`]: payments reach final states in the sandbox, failures
//! carry clear reasons, refunds work, a create retried after a lost answer pays once, and
//! callbacks verify and parse.
//!
//! Outcomes are chosen through the sandbox's test parties (`ProviderHandle::test_party`):
//! the suite never knows a provider's magic numbers.

use std::time::Duration;

use bankkit_core::http::RetryPolicy;
use bankkit_core::money::{currency_from_code, Decimal, Money};
use bankkit_core::payment::{FailureReason, Party};
use bankkit_core::{
    Capability, CollectRequest, Error, IdempotencyKey, Payment, PaymentDetails, PaymentId,
    PaymentKind, PaymentStatus, PayoutRequest, Provider, RefundRequest, WebhookEvent,
    WebhookRequest,
};
use bankkit_sandbox::{Fault, TestOutcome};
use futures::FutureExt;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ensure, Check, CheckError, CheckResult, Target};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "payment.collect_reaches_success",
            capability: Some(Capability::Payment),
            run: |t| collect_reaches_success(t).boxed(),
        },
        Check {
            name: "payment.pay_out_reaches_success",
            capability: Some(Capability::Payment),
            run: |t| pay_out_reaches_success(t).boxed(),
        },
        Check {
            name: "payment.failure_has_a_clear_reason",
            capability: Some(Capability::Payment),
            run: |t| failure_has_a_clear_reason(t).boxed(),
        },
        Check {
            name: "payment.pending_is_not_final",
            capability: Some(Capability::Payment),
            run: |t| pending_is_not_final(t).boxed(),
        },
        Check {
            name: "payment.refund_of_a_collection",
            capability: Some(Capability::Payment),
            run: |t| refund_of_a_collection(t).boxed(),
        },
        Check {
            name: "payment.retry_after_lost_answer_pays_once",
            capability: Some(Capability::Payment),
            run: |t| retry_after_lost_answer_pays_once(t).boxed(),
        },
        Check {
            name: "payment.unsupported_operations_say_so",
            capability: Some(Capability::Payment),
            run: |t| unsupported_operations_say_so(t).boxed(),
        },
        Check {
            name: "payment.callback_verifies_and_parses",
            capability: Some(Capability::Payment),
            run: |t| callback_verifies_and_parses(t).boxed(),
        },
    ]
}

/// A party the sandbox makes succeed, fail or stay pending.
fn party(target: &Target, outcome: TestOutcome) -> Result<Party, CheckError> {
    let party = target.sandbox().test_party(outcome).ok_or_else(|| {
        CheckError::NotApplicable("the sandbox offers no test party for this outcome".into())
    })?;
    Ok(match party.kind.as_str() {
        "msisdn" => Party::Msisdn(party.value),
        "email" => Party::Email(party.value),
        "iban" => Party::Iban(party.value),
        _ => Party::Other {
            kind: party.kind,
            value: party.value,
        },
    })
}

/// `minor` minor units in the currency of the sandbox's first account.
fn money(target: &Target, minor: i64) -> Result<Money, CheckError> {
    let ledger = target.sandbox().ledger();
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
        .sandbox()
        .ledger()
        .accounts
        .iter()
        .flat_map(|a| a.transactions.iter())
        .filter(|t| t.amount_minor == minor)
        .count()
}

/// Reads the payment's status, moving the clock on, until it is final (or gives up).
async fn settle(
    target: &Target,
    payment: &dyn Payment,
    id: &PaymentId,
) -> Result<PaymentDetails, CheckError> {
    let mut details = payment
        .status(id)
        .await
        .map_err(|e| format!("status of {id}: {e}"))?;
    for _ in 0..30 {
        if details.status.is_final() {
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

fn key() -> IdempotencyKey {
    IdempotencyKey::generate()
}

/// A collection from a party the sandbox approves reaches `Succeeded`, and the sandbox holds
/// exactly one movement of that amount.
async fn collect_reaches_success(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    if !payment.operations().collect {
        return Err(CheckError::NotApplicable("collect not offered".into()));
    }
    let amount = money(target, 1723)?;
    let request = CollectRequest::new(key(), amount)
        .payer(party(target, TestOutcome::Success)?)
        .description("Conformance order 1723");
    let created = payment
        .collect(request)
        .await
        .map_err(|e| format!("collect: {e}"))?;
    ensure(created.kind == PaymentKind::Collection, || {
        format!("created a {:?}, not a collection", created.kind)
    })?;
    let done = settle(target, payment, &created.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!("ended {:?} ({})", done.status, done.provider_status)
    })?;
    ensure(done.amount == amount, || {
        format!("amount {} != {amount}", done.amount)
    })?;
    let count = ledger_count(target, 1723);
    ensure(count == 1, || {
        format!("the sandbox holds {count} movements of it")
    })
}

/// A payout to a party the sandbox accepts reaches `Succeeded` and moves money once.
async fn pay_out_reaches_success(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    if !payment.operations().pay_out {
        return Err(CheckError::NotApplicable("pay out not offered".into()));
    }
    let amount = money(target, 841)?;
    let request = PayoutRequest::new(key(), amount, party(target, TestOutcome::Success)?);
    let created = payment
        .pay_out(request)
        .await
        .map_err(|e| format!("pay out: {e}"))?;
    let done = settle(target, payment, &created.id).await?;
    ensure(
        done.status == PaymentStatus::Succeeded && done.kind == PaymentKind::Payout,
        || {
            format!(
                "ended {:?} {:?} ({})",
                done.kind, done.status, done.provider_status
            )
        },
    )?;
    let count = ledger_count(target, -841);
    ensure(count == 1, || {
        format!("the sandbox holds {count} movements of it")
    })
}

/// A collection from a party the sandbox refuses ends `Failed` with a core reason other
/// than `Other` and the provider's code kept.
async fn failure_has_a_clear_reason(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    if !payment.operations().collect {
        return Err(CheckError::NotApplicable("collect not offered".into()));
    }
    let request =
        CollectRequest::new(key(), money(target, 555)?).payer(party(target, TestOutcome::Failure)?);
    let created = payment
        .collect(request)
        .await
        .map_err(|e| format!("collect: {e}"))?;
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
    let count = ledger_count(target, 555);
    ensure(count == 0, || "a failed payment moved money".into())
}

/// A payment the sandbox keeps pending is reported as not final, never as a success.
async fn pending_is_not_final(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    if !payment.operations().collect {
        return Err(CheckError::NotApplicable("collect not offered".into()));
    }
    let request =
        CollectRequest::new(key(), money(target, 333)?).payer(party(target, TestOutcome::Pending)?);
    let created = payment
        .collect(request)
        .await
        .map_err(|e| format!("collect: {e}"))?;
    target.clock().advance(Duration::from_secs(60));
    let now = payment
        .status(&created.id)
        .await
        .map_err(|e| format!("status: {e}"))?;
    ensure(!now.status.is_final(), || {
        format!("a pending payment reads {:?}", now.status)
    })
}

/// A successful collection refunded in full: the refund reaches `Succeeded`.
async fn refund_of_a_collection(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    let ops = payment.operations();
    if !(ops.collect && ops.refund) {
        return Err(CheckError::NotApplicable(
            "collect and refund not both offered".into(),
        ));
    }
    let request = CollectRequest::new(key(), money(target, 2150)?)
        .payer(party(target, TestOutcome::Success)?);
    let collected = payment
        .collect(request)
        .await
        .map_err(|e| format!("collect: {e}"))?;
    let collected = settle(target, payment, &collected.id).await?;
    ensure(collected.status == PaymentStatus::Succeeded, || {
        format!("the collection ended {:?}", collected.status)
    })?;
    let refund = payment
        .refund(RefundRequest::new(key(), collected.id.clone()))
        .await
        .map_err(|e| format!("refund: {e}"))?;
    let refund = settle(target, payment, &refund.id).await?;
    ensure(
        refund.status == PaymentStatus::Succeeded && refund.kind == PaymentKind::Refund,
        || format!("the refund ended {:?} {:?}", refund.kind, refund.status),
    )?;
    ensure(refund.amount.amount() == Decimal::new(2150, 2), || {
        format!("refunded {}", refund.amount)
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

/// The sandbox commits a collection and drops the answer: the client retries with the same
/// key, the call succeeds, a second call with the key returns the same payment, and the
/// sandbox holds exactly one payment.
///
/// Then the same with retries off, to make sure the request whose answer was lost is the
/// create itself (not a token call before it): the caller gets a retryable error, the
/// sandbox holds the payment already, and a retry with the key returns it — still one.
async fn retry_after_lost_answer_pays_once(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    if !payment.operations().collect {
        return Err(CheckError::NotApplicable("collect not offered".into()));
    }
    let key = key();
    let amount = money(target, 1337)?;
    let payer = party(target, TestOutcome::Success)?;
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

/// Every operation not in `operations()` answers `Unsupported`, never a fake success.
async fn unsupported_operations_say_so(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    let ops = payment.operations();
    let id = PaymentId::new("conformance-unknown");
    let amount = money(target, 100)?;
    let payee = Party::Other {
        kind: "test".into(),
        value: "x".into(),
    };
    let mut checked = 0;
    let outcomes = [
        (!ops.collect, "collect"),
        (!ops.pay_out, "pay_out"),
        (!ops.cancel, "cancel"),
        (!ops.refund, "refund"),
    ];
    for (missing, name) in outcomes {
        if !missing {
            continue;
        }
        checked += 1;
        let result = match name {
            "collect" => payment.collect(CollectRequest::new(key(), amount)).await,
            "pay_out" => {
                payment
                    .pay_out(PayoutRequest::new(key(), amount, payee.clone()))
                    .await
            }
            "cancel" => payment.cancel(&id).await,
            _ => payment.refund(RefundRequest::new(key(), id.clone())).await,
        };
        match result {
            Err(Error::Unsupported { .. }) => {}
            other => return Err(format!("{name} is not offered but answered {other:?}").into()),
        }
    }
    if checked == 0 {
        return Err(CheckError::NotApplicable(
            "every operation is offered".into(),
        ));
    }
    Ok(())
}

/// A receiver registered through the webhook capability gets the callback of a collection
/// that reached its final state; what arrived verifies and parses into that payment.
async fn callback_verifies_and_parses(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let payment = provider.payment().ok_or("no payment accessor")?;
    let Some(webhook) = provider.webhook() else {
        return Err(CheckError::NotApplicable("no webhook capability".into()));
    };
    if !payment.operations().collect {
        return Err(CheckError::NotApplicable("collect not offered".into()));
    }
    let receiver = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    webhook
        .register(&format!("{}/hooks/payments", receiver.uri()), None)
        .await
        .map_err(|e| format!("register: {e}"))?;
    let request = CollectRequest::new(key(), money(target, 4242)?)
        .payer(party(target, TestOutcome::Success)?);
    let created = payment
        .collect(request)
        .await
        .map_err(|e| format!("collect: {e}"))?;
    let done = settle(target, payment, &created.id).await?;
    ensure(done.status == PaymentStatus::Succeeded, || {
        format!("ended {:?}", done.status)
    })?;
    target
        .sandbox()
        .wait_for_deliveries(1, Duration::from_secs(15))
        .await;
    let requests = receiver.received_requests().await.unwrap_or_default();
    let callback = requests
        .iter()
        .rev()
        .find(|r| r.method == http::Method::PUT || r.method == http::Method::POST)
        .ok_or("the receiver got no callback")?;
    let uri = match callback.url.query() {
        Some(query) => format!("{}?{query}", callback.url.path()),
        None => callback.url.path().to_owned(),
    };
    let event = webhook
        .verify_and_parse(WebhookRequest::new(&callback.headers, &callback.body).with_uri(&uri))
        .await
        .map_err(|e| format!("verify_and_parse of a real callback: {e}"))?;
    match event {
        WebhookEvent::PaymentStatus { payment } => {
            ensure(payment.id == created.id, || {
                format!("the callback names {} not {}", payment.id, created.id)
            })?;
            ensure(payment.status == PaymentStatus::Succeeded, || {
                format!("the callback says {:?}", payment.status)
            })?;
        }
        other => return Err(format!("expected a payment status event, got {other:?}").into()),
    }
    // The genuine request replayed with its status or amount changed is a forgery: refused
    // as such (a signature that no longer matches, or a status re-read that disagrees).
    let forged = forgeries(&callback.body);
    ensure(!forged.is_empty(), || {
        format!(
            "cannot forge the callback (no status, amount or digit in {:?})",
            String::from_utf8_lossy(&callback.body)
        )
    })?;
    for (what, body) in forged {
        match webhook
            .verify_and_parse(WebhookRequest::new(&callback.headers, &body).with_uri(&uri))
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

//! Payment-like resources: create (202, empty), status (200), invoice and preapproval
//! cancellation, the preapproval list, and the callbacks sent when they end.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use wiremock::Request;

use crate::{Reply, Respond};

use super::checks::{
    self, business, callback_url, empty, json_body, json_response, path_segment, reference_id,
    respond_with, ApiError, JSON,
};
use super::seed;
use super::state::{
    magic_plan, payment_plan, End, Kind, Momo, Outcome, Party, Payment, Plan, Standing, State,
    SETTLE_SECONDS,
};
use super::wire;
use crate::time::{after, checked_after};
use crate::{AcceptedStatus, OutgoingWebhook, RetryPolicy, WebhookSender};

/// Real time a callback receiver has to answer (the newer documented policy).
pub(crate) const CALLBACK_TIMEOUT: Duration = Duration::from_secs(2);

/// The newer documented retry policy, bounded: 20 retries 1 s apart, then 30 retries 2 min
/// apart (the "short block"); the unbounded hourly "long block" is left out.
pub(crate) fn callback_policy() -> RetryPolicy {
    let mut retry_delays = vec![Duration::from_secs(1); 20];
    retry_delays.extend([Duration::from_secs(120); 30]);
    RetryPolicy {
        attempt_timeout: CALLBACK_TIMEOUT,
        retry_delays,
        accepted: AcceptedStatus::AnySuccess,
    }
}

/// Queues the callback of `payment` for when it ends (`at`), with the status body it will
/// then have.
fn schedule_callback(
    sender: &WebhookSender,
    momo: &Momo,
    payment: &Payment,
    at: DateTime<Utc>,
    outcome: Outcome,
) -> Option<u64> {
    let url = payment.callback_url.clone()?;
    let body = wire::status_body(payment, Standing::Final(at, outcome), momo.reason_format);
    Some(send_callback(sender, momo, payment.kind, url, body, at))
}

fn send_callback(
    sender: &WebhookSender,
    momo: &Momo,
    kind: Kind,
    url: String,
    body: Value,
    at: DateTime<Utc>,
) -> u64 {
    sender.send(
        OutgoingWebhook::new(url, kind.event_type(), body)
            .method(momo.callback_method.clone())
            .content_type(JSON)
            .policy(callback_policy())
            .due_at(at),
    )
}

fn party(value: Option<&Value>, field: &str) -> Result<Party, ApiError> {
    let missing = || ApiError::bad_request(format!("{field} must be {{partyIdType, partyId}}."));
    let value = value.ok_or_else(missing)?;
    let id_type = value
        .get("partyIdType")
        .and_then(Value::as_str)
        .ok_or_else(missing)?;
    if !["MSISDN", "EMAIL", "PARTY_CODE", "ALIAS"]
        .iter()
        .any(|known| known.eq_ignore_ascii_case(id_type))
    {
        return Err(ApiError::bad_request(format!(
            "{field}.partyIdType {id_type} is not supported."
        )));
    }
    let id = value
        .get("partyId")
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(missing)?;
    Ok(Party {
        id_type: id_type.to_owned(),
        id: id.to_owned(),
    })
}

/// Seconds given as an integer or a string of digits.
fn duration_field(body: &Value, field: &str) -> Result<i64, ApiError> {
    let invalid = || ApiError::bad_request(format!("{field} must be a number of seconds."));
    let seconds = match body.get(field) {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(invalid)?,
        Some(Value::String(s)) => s.trim().parse::<i64>().map_err(|_| invalid())?,
        _ => return Err(invalid()),
    };
    if seconds <= 0 {
        return Err(invalid());
    }
    Ok(seconds)
}

/// When a validity of `field` seconds (from the body) ends, counted from `now`; 400 when the
/// value is not a positive number of seconds or ends past the year 9999.
fn expiry(body: &Value, field: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let seconds = duration_field(body, field)?;
    checked_after(now, seconds)
        .ok_or_else(|| ApiError::bad_request(format!("{field} is too large.")))
}

fn currency(value: &str) -> Result<String, ApiError> {
    if value == seed::CURRENCY {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid_currency())
    }
}

/// A new payment of `kind` from the request body (before its plan is known).
fn draft(
    momo: &mut Momo,
    kind: Kind,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Payment, ApiError> {
    let mut payment = Payment {
        kind,
        reference_id: String::new(),
        api_user: String::new(),
        created_at: now,
        amount: String::new(),
        amount_minor: 0,
        currency: String::new(),
        external_id: String::new(),
        party: None,
        payer_message: String::new(),
        payee_note: String::new(),
        financial_transaction_id: String::new(),
        extra: Value::Null,
        refund_of: None,
        plan: Plan {
            interim: "PENDING",
            end: End::Never,
        },
        resolved: None,
        cancelled_at: None,
        expires_at: None,
        callback_url: None,
        callback_delivery: None,
        settled: None,
        seq: 0,
        cancellation: None,
    };
    let raw_currency;
    match kind {
        Kind::Preapproval => {
            payment.party = Some(party(body.get("payer"), "payer")?);
            payment.payer_message = checks::text(body, "payerMessage")?;
            payment.expires_at = Some(expiry(body, "validityTime", now)?);
            raw_currency = checks::string(body, "payerCurrency")?;
        }
        Kind::Payment => {
            let external = checks::string(body, "externalTransactionId")?;
            let customer = checks::string(body, "customerReference")?;
            let provider_user = checks::string(body, "serviceProviderUserName")?;
            if external.is_empty() || customer.is_empty() || provider_user.is_empty() {
                return Err(ApiError::bad_request(
                    "externalTransactionId, customerReference and serviceProviderUserName are required.",
                ));
            }
            let money = body
                .get("money")
                .ok_or_else(|| ApiError::bad_request("money is required."))?;
            (payment.amount, payment.amount_minor) =
                checks::amount(money.get("amount"), "money.amount")?;
            raw_currency = checks::string(money, "currency")?;
            checks::text(body, "receiverMessage")?;
            checks::text(body, "senderNote")?;
            payment.external_id = external;
            payment.payer_message = checks::text(body, "senderNote")?;
            payment.party = Some(Party {
                id_type: "MSISDN".to_owned(),
                id: customer,
            });
            let mut extra = Map::new();
            for key in [
                "externalTransactionId",
                "money",
                "customerReference",
                "serviceProviderUserName",
                "couponId",
                "productId",
                "productOfferingId",
                "receiverMessage",
                "senderNote",
                "maxNumberOfRetries",
                "includeSenderCharges",
            ] {
                if let Some(value) = body.get(key).filter(|v| !v.is_null()) {
                    extra.insert(key.to_owned(), value.clone());
                }
            }
            payment.extra = Value::Object(extra);
        }
        _ => {
            (payment.amount, payment.amount_minor) = checks::amount(body.get("amount"), "amount")?;
            raw_currency = checks::string(body, "currency")?;
            payment.external_id = checks::string(body, "externalId")?;
            payment.payer_message = checks::text(body, "payerMessage")?;
            payment.payee_note = checks::text(body, "payeeNote")?;
            match kind {
                Kind::RequestToPay | Kind::Withdraw => {
                    payment.party = Some(party(body.get("payer"), "payer")?);
                }
                Kind::Transfer | Kind::Deposit | Kind::RemittanceTransfer => {
                    payment.party = Some(party(body.get("payee"), "payee")?);
                }
                Kind::Invoice => {
                    if let Some(payer) = body.get("intendedPayer").filter(|v| !v.is_null()) {
                        payment.party = Some(party(Some(payer), "intendedPayer")?);
                    }
                    if let Some(payee) = body.get("payee").filter(|v| !v.is_null()) {
                        party(Some(payee), "payee")?;
                    }
                    payment.expires_at = Some(expiry(body, "validityDuration", now)?);
                    let description = checks::text(body, "description")?;
                    payment.extra = json!({
                        "paymentReference": momo.rng.digits(10),
                        "invoiceId": momo.rng.digits(8),
                        "description": description,
                    });
                }
                Kind::Refund => {
                    let original = checks::string(body, "referenceIdToRefund")?;
                    if !checks::is_uuid_v4(&original) {
                        return Err(ApiError::bad_request(
                            "referenceIdToRefund must be the UUID of a collection.",
                        ));
                    }
                    payment.refund_of = Some(original);
                }
                _ => {}
            }
        }
    }
    payment.currency = currency(&raw_currency)?;
    Ok(payment)
}

/// The collection kinds a refund can point at.
const REFUNDABLE: [Kind; 4] = [
    Kind::RequestToPay,
    Kind::Withdraw,
    Kind::Invoice,
    Kind::Payment,
];

/// A refund's rules: the original is a SUCCESSFUL collection (else 404 unknown / 400 not
/// successful) and the refunds not failed stay within its amount (else 400). The refund is
/// paid to the original payer.
fn check_refund(momo: &Momo, payment: &mut Payment, now: DateTime<Utc>) -> Result<(), ApiError> {
    let original_id = payment.refund_of.clone().unwrap_or_default();
    let original = REFUNDABLE
        .iter()
        .find_map(|kind| momo.payment(*kind, &original_id))
        .ok_or_else(ApiError::not_found)?;
    if !original.succeeded(now) {
        return Err(ApiError::bad_request(
            "The transaction to refund is not SUCCESSFUL.",
        ));
    }
    let refunded: i64 = momo
        .refunds_of(&original_id)
        .filter(|p| !matches!(p.final_at(now), Some((_, Outcome::Failed(_)))))
        .filter(|p| !matches!(p.plan.end, End::At(_, Outcome::Failed(_))))
        .map(|p| p.amount_minor)
        .fold(0_i64, i64::saturating_add);
    if payment.amount_minor > original.amount_minor.saturating_sub(refunded) {
        return Err(ApiError::bad_request(
            "The refund amount is more than what is left to refund.",
        ));
    }
    payment.party = original.party.clone();
    Ok(())
}

/// The plan of a new payment: magic numbers, invoice expiry, then funds for debits.
fn plan_for(momo: &Momo, payment: &Payment, now: DateTime<Utc>) -> Plan {
    let party_id = payment.party.as_ref().map_or("", |p| p.id.as_str());
    let mut plan = match payment.kind {
        Kind::Payment => payment_plan(momo.numbers, payment.amount_minor, party_id, now),
        kind => magic_plan(momo.numbers, kind.side(), party_id, now),
    };
    if payment.kind == Kind::Invoice {
        if let Some(expiry) = payment.expires_at {
            let late = match plan.end {
                End::At(at, _) => at > expiry,
                End::Never | End::WhenAskedAfter(_) => true,
            };
            if late {
                plan.end = End::At(expiry, Outcome::Failed("EXPIRED"));
            }
        }
    }
    if payment.kind.sign() < 0
        && plan.may_succeed()
        && payment.amount_minor > momo.available_for_debit(payment.kind.product())
    {
        plan = Plan {
            interim: "PENDING",
            end: End::At(
                after(now, SETTLE_SECONDS),
                Outcome::Failed("NOT_ENOUGH_FUNDS"),
            ),
        };
    }
    plan
}

/// `POST` of a payment-like resource → 202, empty body.
#[derive(Debug)]
pub(crate) struct Create {
    pub(crate) state: Arc<State>,
    pub(crate) kind: Kind,
}

impl Respond for Create {
    fn respond(&self, request: &Request) -> Reply {
        let sender = self.state.ctx().webhooks().clone();
        let kind = self.kind;
        respond_with(self.state.with(|momo, now| {
            let api_user = business(momo, request, kind.product(), now)?;
            let id = reference_id(request)?;
            if momo.exists(kind, &id) {
                return Err(ApiError::duplicate());
            }
            let callback = callback_url(momo, request, &api_user)?;
            let body = json_body(request)?;
            let mut payment = draft(momo, kind, &body, now)?;
            if kind == Kind::Refund {
                check_refund(momo, &mut payment, now)?;
            }
            payment.reference_id = id;
            payment.api_user = api_user;
            payment.callback_url = callback;
            payment.financial_transaction_id = momo.next_transaction_id();
            payment.plan = plan_for(momo, &payment, now);
            if let End::At(at, outcome) = payment.plan.end {
                payment.callback_delivery = schedule_callback(&sender, momo, &payment, at, outcome);
            }
            momo.insert(payment);
            Ok(empty(202))
        }))
    }
}

/// `GET` of a payment-like resource's status; asking a …453 (documented table) 30 s or more
/// after creation makes it succeed.
#[derive(Debug)]
pub(crate) struct Status {
    pub(crate) state: Arc<State>,
    pub(crate) kind: Kind,
}

impl Respond for Status {
    fn respond(&self, request: &Request) -> Reply {
        let sender = self.state.ctx().webhooks().clone();
        let kind = self.kind;
        let id = path_segment(request, 3);
        respond_with(self.state.with(|momo, now| {
            business(momo, request, kind.product(), now)?;
            let payment = momo.payment(kind, &id).ok_or_else(ApiError::not_found)?;
            let ripe = matches!(payment.plan.end, End::WhenAskedAfter(at) if at <= now)
                && payment.resolved.is_none()
                && payment.cancelled_at.is_none();
            if ripe {
                momo.modify(kind, &id, |payment| {
                    payment.resolved = Some((now, Outcome::Success));
                });
                momo.settle(now);
                if let Some(payment) = momo.payment(kind, &id) {
                    schedule_callback(&sender, momo, payment, now, Outcome::Success);
                }
            }
            let payment = momo.payment(kind, &id).ok_or_else(ApiError::not_found)?;
            let body = wire::status_body(payment, payment.standing(now), momo.reason_format);
            Ok(json_response(200, &body))
        }))
    }
}

/// `DELETE /collection/v2_0/invoice/{referenceId}` with a new `X-Reference-Id` → 202.
#[derive(Debug)]
pub(crate) struct CancelInvoice {
    pub(crate) state: Arc<State>,
}

impl Respond for CancelInvoice {
    fn respond(&self, request: &Request) -> Reply {
        let sender = self.state.ctx().webhooks().clone();
        let id = path_segment(request, 3);
        respond_with(self.state.with(|momo, now| {
            let api_user = business(momo, request, Kind::Invoice.product(), now)?;
            let cancellation = reference_id(request)?;
            if momo.invoice_cancellations.contains(&cancellation) {
                return Err(ApiError::duplicate());
            }
            let callback = callback_url(momo, request, &api_user)?;
            if !request.body.is_empty() && request.body.as_slice() != b"null" {
                json_body(request)?;
            }
            let invoice = momo
                .payment(Kind::Invoice, &id)
                .ok_or_else(ApiError::not_found)?;
            if !matches!(invoice.standing(now), Standing::Interim(_)) {
                return Err(ApiError::bad_request("The invoice is no longer pending."));
            }
            let scheduled = invoice.callback_delivery;
            if let Some(delivery) = scheduled {
                sender.cancel(delivery);
            }
            momo.invoice_cancellations.insert(cancellation.clone());
            let format = momo.reason_format;
            let body = momo.modify(Kind::Invoice, &id, |invoice| {
                invoice.cancelled_at = Some(now);
                invoice.callback_delivery = None;
                invoice.cancellation = Some(cancellation);
                wire::status_body(invoice, Standing::Cancelled, format)
            });
            if let (Some(url), Some(body)) = (callback, body) {
                send_callback(&sender, momo, Kind::Invoice, url, body, now);
            }
            Ok(empty(202))
        }))
    }
}

/// `DELETE /collection/v1_0/preapproval/{preapprovalId}` → 200, empty.
#[derive(Debug)]
pub(crate) struct CancelPreapproval {
    pub(crate) state: Arc<State>,
}

impl Respond for CancelPreapproval {
    fn respond(&self, request: &Request) -> Reply {
        let sender = self.state.ctx().webhooks().clone();
        let id = path_segment(request, 3);
        respond_with(self.state.with(|momo, now| {
            business(momo, request, Kind::Preapproval.product(), now)?;
            let preapproval = momo
                .payment(Kind::Preapproval, &id)
                .ok_or_else(ApiError::not_found)?;
            match preapproval.standing(now) {
                Standing::Final(_, Outcome::Failed(_)) => {
                    return Err(ApiError::bad_request("The preapproval is not active."))
                }
                Standing::Cancelled => return Ok(empty(200)),
                _ => {}
            }
            if let Some(delivery) = preapproval.callback_delivery {
                sender.cancel(delivery);
            }
            momo.modify(Kind::Preapproval, &id, |preapproval| {
                preapproval.cancelled_at = Some(now);
                preapproval.resolved = None;
                preapproval.callback_delivery = None;
            });
            Ok(empty(200))
        }))
    }
}

/// `GET /collection/v1_0/preapprovals/{idType}/{id}`: the payer's approved, unexpired,
/// uncancelled preapprovals.
#[derive(Debug)]
pub(crate) struct ListPreapprovals {
    pub(crate) state: Arc<State>,
}

impl Respond for ListPreapprovals {
    fn respond(&self, request: &Request) -> Reply {
        let id_type = path_segment(request, 3);
        let id = path_segment(request, 4);
        respond_with(self.state.with(|momo, now| {
            business(momo, request, Kind::Preapproval.product(), now)?;
            let list: Vec<Value> = momo
                .preapprovals_of(&id_type, &id)
                .filter(|p| {
                    matches!(p.standing(now), Standing::Final(_, Outcome::Success))
                        && p.expires_at.is_some_and(|expiry| now < expiry)
                })
                .map(|p| {
                    let mut body = wire::status_body(p, p.standing(now), momo.reason_format);
                    if let Value::Object(map) = &mut body {
                        map.insert("preApprovalId".to_owned(), json!(p.reference_id));
                    }
                    body
                })
                .collect();
            Ok(json_response(200, &Value::Array(list)))
        }))
    }
}

//! The merchant behind the acquiring API: invoices and their life cycle, wallet card tokens,
//! subscriptions, monopay keys, the merchant's money (ledger), and the webhooks they send.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Months, SecondsFormat, TimeDelta, Utc};
use serde_json::{json, Map, Value};

use super::cards::{Card, CardOutcome};
use super::seed::MerchantSeed;
use super::sign::WebhookKey;
use crate::bounded::BoundedMap;
use crate::rng::{mix64, SeededRng};
use crate::time::after;
use crate::webhook::{AcceptedStatus, OutgoingWebhook, RetryPolicy, WebhookSender};
use crate::{LedgerAccount, LedgerTransaction, StateLimits};

/// Invoice validity when none is given: 24 h.
pub(crate) const DEFAULT_VALIDITY_SECONDS: i64 = 24 * 3_600;
/// Longer validities are cut to 30 days.
pub(crate) const MAX_VALIDITY_SECONDS: i64 = 30 * 86_400;
/// A hold not finalized within 9 days is cancelled.
pub(crate) const HOLD_SECONDS: i64 = 9 * 86_400;
/// The acquiring fee, in tenths of a percent: 1.3 %.
pub(crate) const FEE_PER_MILLE: i64 = 13;
/// Webhooks: the receiver has this long to answer one attempt (real time).
pub(crate) const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// Webhooks: 3 attempts in all, the retries this far apart (sandbox clock).
pub(crate) const WEBHOOK_RETRY_DELAYS: [Duration; 2] =
    [Duration::from_secs(60), Duration::from_secs(60)];
/// Subscription payments kept per subscription (the oldest go first).
const MAX_SUBSCRIPTION_PAYMENTS: usize = 1_000;
/// Charges one subscription makes in one catch-up at most; a longer gap skips ahead.
const MAX_CATCH_UP_CHARGES: usize = 1_000;

/// Acquiring times: RFC 3339 in whole seconds with `Z`.
pub(crate) fn date(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An error the acquiring API answers with: status, `errCode`, `errText`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AcqError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) text: String,
}

impl AcqError {
    pub(crate) fn new(status: u16, code: &str, text: impl Into<String>) -> Self {
        AcqError {
            status,
            code: code.to_owned(),
            text: text.into(),
        }
    }

    /// 400 `BAD_REQUEST`.
    pub(crate) fn bad_request(text: impl Into<String>) -> Self {
        AcqError::new(400, "BAD_REQUEST", text)
    }

    /// 404 `NOT_FOUND`.
    pub(crate) fn not_found(text: impl Into<String>) -> Self {
        AcqError::new(404, "NOT_FOUND", text)
    }

    /// The `{"errCode","errText"}` body.
    pub(crate) fn body(&self) -> Value {
        json!({"errCode": self.code, "errText": self.text})
    }
}

/// Which merchant a token acts as: the real one (merchant token) or the test merchant
/// (personal token used as a test token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Mode {
    Live,
    Test,
}

/// `InvoiceStatus.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Created,
    Processing,
    Hold,
    Success,
    Failure,
    Reversed,
    Expired,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Processing => "processing",
            Status::Hold => "hold",
            Status::Success => "success",
            Status::Failure => "failure",
            Status::Reversed => "reversed",
            Status::Expired => "expired",
        }
    }

    /// Nothing more can happen to it.
    fn is_final(self) -> bool {
        matches!(self, Status::Failure | Status::Reversed | Status::Expired)
    }
}

/// `paymentType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PaymentType {
    Debit,
    Hold,
    Verification,
}

impl PaymentType {
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "debit" => Some(PaymentType::Debit),
            "hold" => Some(PaymentType::Hold),
            "verification" => Some(PaymentType::Verification),
            _ => None,
        }
    }
}

/// `paymentInfo` of a paid (or declined) invoice.
#[derive(Debug, Clone)]
pub(crate) struct PaymentInfo {
    pub(crate) masked_pan: String,
    pub(crate) approval_code: Option<String>,
    pub(crate) rrn: Option<String>,
    pub(crate) tran_id: Option<String>,
    pub(crate) terminal: String,
    pub(crate) payment_system: &'static str,
    pub(crate) payment_method: &'static str,
    pub(crate) fee: Option<i64>,
    /// When the payer paid (statement `date`, ledger time).
    pub(crate) paid_at: DateTime<Utc>,
}

/// One `cancelList` entry (a refund, or the release of a hold).
#[derive(Debug, Clone)]
pub(crate) struct CancelItem {
    pub(crate) amount: i64,
    pub(crate) created: DateTime<Utc>,
    pub(crate) approval_code: String,
    pub(crate) rrn: String,
    pub(crate) ext_ref: Option<String>,
}

/// `walletData` of an invoice that saved its card.
#[derive(Debug, Clone)]
pub(crate) struct WalletData {
    pub(crate) card_token: String,
    pub(crate) wallet_id: String,
    pub(crate) status: &'static str,
}

/// What a new invoice is made of (validated by the route).
#[derive(Debug, Clone)]
pub(crate) struct NewInvoice {
    pub(crate) amount: i64,
    pub(crate) ccy: u16,
    pub(crate) payment_type: PaymentType,
    pub(crate) validity: i64,
    pub(crate) merchant_paym_info: Option<Map<String, Value>>,
    pub(crate) redirect_url: Option<String>,
    pub(crate) web_hook_url: Option<String>,
    /// `saveCardData.saveCard` with its `walletId`, if asked.
    pub(crate) save_card: Option<Option<String>>,
    pub(crate) qr_id: Option<String>,
    pub(crate) code: Option<String>,
}

/// One invoice.
#[derive(Debug, Clone)]
pub(crate) struct Invoice {
    pub(crate) id: String,
    pub(crate) seq: u64,
    pub(crate) mode: Mode,
    pub(crate) amount: i64,
    pub(crate) ccy: u16,
    pub(crate) status: Status,
    pub(crate) payment_type: PaymentType,
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) merchant_paym_info: Option<Map<String, Value>>,
    pub(crate) redirect_url: Option<String>,
    pub(crate) web_hook_url: Option<String>,
    pub(crate) final_amount: Option<i64>,
    pub(crate) failure: Option<(String, String)>,
    pub(crate) payment: Option<PaymentInfo>,
    pub(crate) cancel_list: Vec<CancelItem>,
    pub(crate) save_card: Option<Option<String>>,
    pub(crate) wallet: Option<WalletData>,
    pub(crate) hold_until: Option<DateTime<Utc>>,
    /// The auto-cancel webhook queued for `hold_until` (withdrawn on finalize or cancel).
    pub(crate) hold_webhook: Option<u64>,
    /// The last two webhook bodies sent, oldest first (for the out-of-order control).
    pub(crate) sent: VecDeque<Value>,
    pub(crate) qr_id: Option<String>,
    pub(crate) code: Option<String>,
}

impl Invoice {
    fn info_str(&self, field: &str) -> Option<&str> {
        self.merchant_paym_info
            .as_ref()
            .and_then(|info| info.get(field))
            .and_then(Value::as_str)
    }

    pub(crate) fn reference(&self) -> Option<&str> {
        self.info_str("reference")
    }

    pub(crate) fn destination(&self) -> Option<&str> {
        self.info_str("destination")
    }

    /// Whether a payer may still pay it.
    pub(crate) fn payable(&self) -> bool {
        self.status == Status::Created
    }

    /// The `InvoiceStatus` body (the status answer and the webhook body).
    pub(crate) fn status_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("invoiceId".into(), json!(self.id));
        body.insert("status".into(), json!(self.status.as_str()));
        if let Some((code, reason)) = &self.failure {
            body.insert("failureReason".into(), json!(reason));
            body.insert("errCode".into(), json!(code));
        }
        body.insert("amount".into(), json!(self.amount));
        body.insert("ccy".into(), json!(self.ccy));
        if let Some(final_amount) = self.final_amount {
            body.insert("finalAmount".into(), json!(final_amount));
        }
        body.insert("createdDate".into(), json!(date(self.created)));
        body.insert("modifiedDate".into(), json!(date(self.modified)));
        if let Some(reference) = self.reference() {
            body.insert("reference".into(), json!(reference));
        }
        if let Some(destination) = self.destination() {
            body.insert("destination".into(), json!(destination));
        }
        if !self.cancel_list.is_empty() {
            let list: Vec<Value> = self
                .cancel_list
                .iter()
                .map(|item| {
                    let mut entry = json!({
                        "status": "success",
                        "amount": item.amount,
                        "ccy": self.ccy,
                        "createdDate": date(item.created),
                        "modifiedDate": date(item.created),
                        "approvalCode": item.approval_code,
                        "rrn": item.rrn,
                    });
                    if let (Some(ext_ref), Some(map)) = (&item.ext_ref, entry.as_object_mut()) {
                        map.insert("extRef".into(), json!(ext_ref));
                    }
                    entry
                })
                .collect();
            body.insert("cancelList".into(), Value::Array(list));
        }
        if let Some(payment) = &self.payment {
            let mut info = Map::new();
            info.insert("maskedPan".into(), json!(payment.masked_pan));
            if let Some(code) = &payment.approval_code {
                info.insert("approvalCode".into(), json!(code));
            }
            if let Some(rrn) = &payment.rrn {
                info.insert("rrn".into(), json!(rrn));
            }
            if let Some(tran_id) = &payment.tran_id {
                info.insert("tranId".into(), json!(tran_id));
            }
            info.insert("terminal".into(), json!(payment.terminal));
            info.insert("bank".into(), json!("Універсал Банк"));
            info.insert("paymentSystem".into(), json!(payment.payment_system));
            info.insert("paymentMethod".into(), json!(payment.payment_method));
            if let Some(fee) = payment.fee {
                info.insert("fee".into(), json!(fee));
            }
            info.insert("country".into(), json!("804"));
            body.insert("paymentInfo".into(), Value::Object(info));
        }
        if let Some(wallet) = &self.wallet {
            body.insert(
                "walletData".into(),
                json!({"cardToken": wallet.card_token, "walletId": wallet.wallet_id,
                       "status": wallet.status}),
            );
        }
        Value::Object(body)
    }

    /// When it may be dropped under the cap: final invoices by when they ended, others never
    /// before those.
    fn drop_rank(&self) -> Option<DateTime<Utc>> {
        (self.status.is_final() || self.status == Status::Success).then_some(self.modified)
    }

    /// The next change's time: strictly after the last one (so that `modifiedDate` orders the
    /// webhooks even on a frozen clock), and not before the clock.
    fn stamp(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.max(after(self.modified, 1))
    }
}

/// A card saved in a wallet (`saveCardData`).
#[derive(Debug, Clone)]
pub(crate) struct WalletCard {
    pub(crate) wallet_id: String,
    pub(crate) masked_pan: String,
    pub(crate) payment_system: &'static str,
    pub(crate) outcome: CardOutcome,
}

/// `interval` of a subscription: `{n}{d|w|m|y}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interval {
    count: u32,
    unit: char,
}

impl Interval {
    pub(crate) fn parse(text: &str) -> Option<Interval> {
        let unit = text.chars().last()?;
        if !matches!(unit, 'd' | 'w' | 'm' | 'y') {
            return None;
        }
        let count: u32 = text.get(..text.len().saturating_sub(1))?.parse().ok()?;
        (1..=1_000)
            .contains(&count)
            .then_some(Interval { count, unit })
    }

    /// `time` plus one interval (`None` past chrono's range).
    pub(crate) fn after(self, time: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.unit {
            'd' => time.checked_add_signed(TimeDelta::days(i64::from(self.count))),
            'w' => time.checked_add_signed(TimeDelta::weeks(i64::from(self.count))),
            'm' => time.checked_add_months(Months::new(self.count)),
            _ => time.checked_add_months(Months::new(self.count.saturating_mul(12))),
        }
    }

    pub(crate) fn text(self) -> String {
        format!("{}{}", self.count, self.unit)
    }
}

/// One charge of a subscription.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionPayment {
    pub(crate) amount: i64,
    pub(crate) status: &'static str,
    pub(crate) charged_at: DateTime<Utc>,
}

/// A subscription (regular charges of a saved card).
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) mode: Mode,
    pub(crate) amount: i64,
    pub(crate) ccy: u16,
    pub(crate) interval: Interval,
    pub(crate) redirect_url: Option<String>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) next_charge: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) cancelled: bool,
    pub(crate) cancellation_desc: Option<String>,
    pub(crate) card_token: Option<String>,
    pub(crate) wallet_id: String,
    pub(crate) wallet_status: &'static str,
    pub(crate) failure_description: Option<String>,
    pub(crate) payments: VecDeque<SubscriptionPayment>,
    pub(crate) total_paid: u64,
    pub(crate) total_failed: u64,
}

impl Subscription {
    pub(crate) fn status_json(&self) -> Value {
        let mut body = json!({
            "subscriptionId": self.id,
            "status": if self.cancelled { "cancelled" } else { "active" },
            "startDate": date(self.start.unwrap_or(self.created)),
            "amount": self.amount,
            "ccy": self.ccy,
            "interval": self.interval.text(),
            "summary": {"totalPaid": self.total_paid, "totalFailed": self.total_failed},
            "walletData": {
                "cardToken": self.card_token.clone().unwrap_or_default(),
                "walletId": self.wallet_id,
                "status": self.wallet_status,
            },
        });
        if let Some(map) = body.as_object_mut() {
            if let Some(end) = self.end {
                map.insert("endDate".into(), json!(date(end)));
            }
            if let (Some(next), false) = (self.next_charge, self.cancelled) {
                map.insert("nextChargeDate".into(), json!(date(next)));
            }
            if let Some(desc) = &self.cancellation_desc {
                map.insert("cancellationDesc".into(), json!(desc));
            }
            if let (Some(description), Some(wallet)) = (
                &self.failure_description,
                map.get_mut("walletData").and_then(Value::as_object_mut),
            ) {
                wallet.insert("failureDescription".into(), json!(description));
            }
        }
        body
    }

    pub(crate) fn list_json(&self) -> Value {
        let mut body = json!({
            "subscriptionId": self.id,
            "amount": self.amount,
            "interval": self.interval.text(),
            "startDate": date(self.start.unwrap_or(self.created)),
            "created": date(self.created),
            "status": if self.cancelled { "cancelled" } else { "active" },
        });
        if let Some(map) = body.as_object_mut() {
            if let (Some(next), false) = (self.next_charge, self.cancelled) {
                map.insert("nextChargeDate".into(), json!(date(next)));
            }
            if let Some(end) = self.end {
                map.insert("endDate".into(), json!(date(end)));
            }
        }
        body
    }
}

/// A key imported for monopay.
#[derive(Debug, Clone)]
pub(crate) struct MonopayKey {
    pub(crate) key_value: String,
    pub(crate) key_name: Option<String>,
    pub(crate) expires_at: Option<String>,
}

/// One ledger account's money.
#[derive(Debug, Clone, Default)]
struct Book {
    balance: i64,
    transactions: VecDeque<LedgerTransaction>,
}

/// A payer's means of payment, read and checked.
#[derive(Debug, Clone)]
pub(crate) struct Payer {
    pub(crate) card: Card,
    /// `paymentInfo.paymentMethod`.
    pub(crate) method: &'static str,
}

/// The whole acquiring state.
#[derive(Debug)]
pub(crate) struct Merchant {
    pub(crate) seed: MerchantSeed,
    key: WebhookKey,
    webhooks: WebhookSender,
    limits: StateLimits,
    rng: SeededRng,
    next_id: u64,
    pub(crate) invoices: BoundedMap<String, Invoice>,
    /// Pending deadlines (an unpaid invoice's expiry, a hold's auto-cancel), by time.
    deadlines: BTreeSet<(DateTime<Utc>, String)>,
    pub(crate) cards: BoundedMap<String, WalletCard>,
    pub(crate) subscriptions: BoundedMap<String, Subscription>,
    /// Active subscriptions' next charges, by time.
    charges: BTreeSet<(DateTime<Utc>, String)>,
    pub(crate) keys: BoundedMap<String, MonopayKey>,
    /// QR tills with an amount set: qrId → invoice id.
    pub(crate) qr_amounts: HashMap<String, String>,
    /// Tap-to-phone payments (seeded, then added by events; the oldest added go first).
    pub(crate) t2p_payments: VecDeque<super::seed::T2pPayment>,
    /// Tap-to-phone refunds so far, by rrn.
    pub(crate) pos_refunded: HashMap<String, i64>,
    books: BTreeMap<(Mode, u16), Book>,
}

fn currency_alpha(ccy: u16) -> &'static str {
    match ccy {
        840 => "USD",
        978 => "EUR",
        _ => "UAH",
    }
}

impl Merchant {
    pub(crate) fn new(
        seed: MerchantSeed,
        key: WebhookKey,
        webhooks: WebhookSender,
        limits: StateLimits,
    ) -> Merchant {
        let rng = SeededRng::new(mix64(seed.id_key));
        let t2p_payments = seed.t2p_payments.iter().cloned().collect();
        Merchant {
            t2p_payments,
            seed,
            key,
            webhooks,
            limits,
            rng,
            next_id: 0,
            invoices: BoundedMap::default(),
            deadlines: BTreeSet::new(),
            cards: BoundedMap::default(),
            subscriptions: BoundedMap::default(),
            charges: BTreeSet::new(),
            keys: BoundedMap::default(),
            qr_amounts: HashMap::new(),
            pos_refunded: HashMap::new(),
            books: BTreeMap::new(),
        }
    }

    /// How many monopay keys are kept (the oldest go first).
    pub(crate) fn max_keys(&self) -> usize {
        self.limits.max_tokens
    }

    pub(crate) fn key(&self) -> &WebhookKey {
        &self.key
    }

    /// A fresh id: `prefix` and `len` characters `[A-Za-z0-9]`, unique in the sandbox.
    pub(crate) fn new_id(&mut self, prefix: &str, len: usize) -> String {
        loop {
            self.next_id += 1;
            let mut stream = SeededRng::new(mix64(self.seed.id_key ^ self.next_id));
            let id = format!("{prefix}{}", stream.alnum(len));
            if !self.invoices.contains_key(&id)
                && !self.subscriptions.contains_key(&id)
                && !self.cards.contains_key(&id)
                && !self.keys.contains_key(&id)
            {
                return id;
            }
        }
    }

    pub(crate) fn digits(&mut self, len: usize) -> String {
        self.rng.digits(len)
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        self.rng.hex(len)
    }

    // ---- invoices ----------------------------------------------------------------------

    /// The invoice `id` of this mode.
    pub(crate) fn invoice(&self, mode: Mode, id: &str) -> Option<&Invoice> {
        self.invoices.get(id).filter(|invoice| invoice.mode == mode)
    }

    /// An invoice of any mode (payment page, control events).
    pub(crate) fn any_invoice(&self, id: &str) -> Option<&Invoice> {
        self.invoices.get(id)
    }

    /// Creates an invoice at `now`; returns its id.
    pub(crate) fn create_invoice(
        &mut self,
        mode: Mode,
        new: NewInvoice,
        now: DateTime<Utc>,
    ) -> String {
        let id = self.new_id("p2_", 9);
        let validity = new.validity.clamp(1, MAX_VALIDITY_SECONDS);
        let expires_at = after(now, validity);
        let invoice = Invoice {
            id: id.clone(),
            seq: self.next_id,
            mode,
            amount: new.amount,
            ccy: new.ccy,
            status: Status::Created,
            payment_type: new.payment_type,
            created: now,
            modified: now,
            expires_at,
            merchant_paym_info: new.merchant_paym_info,
            redirect_url: new.redirect_url,
            web_hook_url: new.web_hook_url,
            final_amount: None,
            failure: None,
            payment: None,
            cancel_list: Vec::new(),
            save_card: new.save_card,
            wallet: None,
            hold_until: None,
            hold_webhook: None,
            sent: VecDeque::new(),
            qr_id: new.qr_id.clone(),
            code: new.code,
        };
        if let Some(qr_id) = new.qr_id {
            if let Some(old) = self.qr_amounts.insert(qr_id, id.clone()) {
                self.expire_now(&old, now);
            }
        }
        self.deadlines.insert((expires_at, id.clone()));
        let dropped = self
            .invoices
            .insert(id.clone(), invoice, None, self.limits.max_payments);
        for (_, old) in dropped {
            self.forget(&old);
        }
        id
    }

    /// Removes a dropped invoice from every index.
    fn forget(&mut self, invoice: &Invoice) {
        self.clear_deadline(invoice);
        if let Some(delivery) = invoice.hold_webhook {
            self.webhooks.cancel(delivery);
        }
        if let Some(qr_id) = &invoice.qr_id {
            if self.qr_amounts.get(qr_id) == Some(&invoice.id) {
                self.qr_amounts.remove(qr_id);
            }
        }
    }

    fn clear_deadline(&mut self, invoice: &Invoice) {
        if invoice.status == Status::Created {
            self.deadlines
                .remove(&(invoice.expires_at, invoice.id.clone()));
        }
        if let Some(until) = invoice.hold_until {
            self.deadlines.remove(&(until, invoice.id.clone()));
        }
    }

    /// Changes invoice `id` with `change`, keeping indexes in step, then sends its webhook
    /// when `notify` and a status body is due.
    fn update(&mut self, id: &str, notify: bool, change: impl FnOnce(&mut Invoice)) {
        let Some(invoice) = self.invoices.get_mut(id) else {
            return;
        };
        change(invoice);
        let rank = invoice.drop_rank();
        let finished_qr = (invoice.status != Status::Created
            && invoice.status != Status::Processing)
            .then(|| invoice.qr_id.clone())
            .flatten();
        self.invoices.rerank(id, rank);
        if let Some(qr_id) = finished_qr {
            if self.qr_amounts.get(&qr_id).map(String::as_str) == Some(id) {
                self.qr_amounts.remove(&qr_id);
            }
        }
        if notify {
            self.notify(id);
        }
    }

    /// Sends invoice `id`'s status to its `webHookUrl` (if any), signed.
    fn notify(&mut self, id: &str) {
        let Some(invoice) = self.invoices.get_mut(id) else {
            return;
        };
        let body = invoice.status_json();
        invoice.sent.push_back(body.clone());
        while invoice.sent.len() > 2 {
            invoice.sent.pop_front();
        }
        if let Some(url) = invoice.web_hook_url.clone() {
            let id = self.send_signed(url, body, None);
            let _ = id;
        }
    }

    /// Queues a signed webhook of `body` to `url` (at `due`, or now); returns its delivery id.
    pub(crate) fn send_signed(&self, url: String, body: Value, due: Option<DateTime<Utc>>) -> u64 {
        let policy = RetryPolicy {
            attempt_timeout: WEBHOOK_TIMEOUT,
            retry_delays: WEBHOOK_RETRY_DELAYS.to_vec(),
            accepted: AcceptedStatus::Exactly(200),
        };
        let webhook = OutgoingWebhook::new(url, "InvoiceStatus", body).policy(policy);
        let signature = self.key.sign(&webhook.body_bytes());
        let mut webhook = webhook.header("X-Sign", signature);
        if let Some(due) = due {
            webhook = webhook.due_at(due);
        }
        self.webhooks.send(webhook)
    }

    /// Re-sends the status an invoice had before its current one, now (webhooks out of
    /// order); the body sent, or `None` when fewer than two statuses were sent.
    pub(crate) fn resend_previous(&mut self, id: &str) -> Option<Value> {
        let invoice = self.invoices.get(id)?;
        if invoice.sent.len() < 2 {
            return None;
        }
        let body = invoice.sent.front()?.clone();
        let url = invoice.web_hook_url.clone()?;
        self.send_signed(url, body.clone(), None);
        Some(body)
    }

    /// Applies what the clock brought up to `now`: unpaid invoices expire, holds past 9 days
    /// are cancelled (their webhook was queued for that time), subscriptions charge.
    pub(crate) fn catch_up(&mut self, now: DateTime<Utc>) {
        while let Some((at, id)) = self.deadlines.first().cloned() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            let status = self.invoices.get(&id).map(|invoice| invoice.status);
            match status {
                Some(Status::Created) => self.update(&id, false, |invoice| {
                    invoice.status = Status::Expired;
                    invoice.modified = at;
                }),
                Some(Status::Hold) => {
                    self.update(&id, false, |invoice| {
                        release_hold(invoice, at);
                        invoice.hold_webhook = None;
                    });
                    // The webhook itself was queued for `at`; remember its body.
                    if let Some(invoice) = self.invoices.get_mut(&id) {
                        let body = invoice.status_json();
                        invoice.sent.push_back(body);
                        while invoice.sent.len() > 2 {
                            invoice.sent.pop_front();
                        }
                    }
                }
                _ => {}
            }
        }
        self.charge_subscriptions(now);
    }

    /// Ends an unpaid invoice now (`remove`, or a QR till given a new amount): `expired`,
    /// without a webhook.
    pub(crate) fn expire_now(&mut self, id: &str, now: DateTime<Utc>) {
        let Some(invoice) = self.invoices.get(id).cloned() else {
            return;
        };
        if invoice.status != Status::Created {
            return;
        }
        self.clear_deadline(&invoice);
        self.update(id, false, |invoice| {
            invoice.status = Status::Expired;
            invoice.modified = invoice.stamp(now);
        });
    }

    fn book(
        &mut self,
        mode: Mode,
        ccy: u16,
        id: String,
        time: DateTime<Utc>,
        amount: i64,
        text: String,
    ) {
        let cap = self.limits.max_added_transactions.max(1);
        let book = self.books.entry((mode, ccy)).or_default();
        book.balance = book.balance.saturating_add(amount);
        book.transactions.push_back(LedgerTransaction {
            id,
            time,
            amount_minor: amount,
            description: text,
        });
        while book.transactions.len() > cap {
            book.transactions.pop_front();
        }
    }

    /// The merchant's money as ledger accounts: `merchant` (UAH, merchant token),
    /// `merchant_usd`/`merchant_eur`, and `merchant_test…` for the test token.
    pub(crate) fn ledger_accounts(&self) -> Vec<LedgerAccount> {
        let mut accounts = Vec::new();
        let live = (Mode::Live, 980);
        let mut keys: Vec<(Mode, u16)> = self.books.keys().copied().collect();
        if !keys.contains(&live) {
            keys.insert(0, live);
        }
        for (mode, ccy) in keys {
            let book = self.books.get(&(mode, ccy)).cloned().unwrap_or_default();
            let mut id = String::from("merchant");
            if ccy != 980 {
                id.push('_');
                id.push_str(&currency_alpha(ccy).to_ascii_lowercase());
            }
            if mode == Mode::Test {
                id.push_str("_test");
            }
            accounts.push(LedgerAccount {
                id,
                kind: crate::ledger::SETTLEMENT_KIND.to_owned(),
                currency: currency_alpha(ccy).to_owned(),
                balance_minor: book.balance,
                transactions: book.transactions.into_iter().collect(),
            });
        }
        accounts
    }

    /// The payer pays invoice `id` at `now` (it must be payable): `processing`, then the
    /// card's outcome. Sends the webhooks.
    pub(crate) fn pay(&mut self, id: &str, payer: &Payer, now: DateTime<Utc>) {
        let Some(invoice) = self.invoices.get(id).cloned() else {
            return;
        };
        if !invoice.payable() {
            return;
        }
        self.clear_deadline(&invoice);
        let terminal = self.seed.terminal.clone();
        self.update(id, true, |invoice| {
            invoice.status = Status::Processing;
            invoice.modified = now.max(invoice.modified);
            invoice.payment = Some(PaymentInfo {
                masked_pan: payer.card.masked_pan.clone(),
                approval_code: None,
                rrn: None,
                tran_id: None,
                terminal,
                payment_system: payer.card.payment_system,
                payment_method: payer.method,
                fee: None,
                paid_at: now,
            });
        });
        match payer.card.outcome.clone() {
            CardOutcome::Stuck => {}
            CardOutcome::Decline(code, reason) => self.update(id, true, |invoice| {
                invoice.status = Status::Failure;
                invoice.modified = invoice.stamp(now);
                invoice.failure = Some((code.to_owned(), reason.to_owned()));
            }),
            CardOutcome::Approve => self.approve(id, payer, now),
        }
    }

    fn approve(&mut self, id: &str, payer: &Payer, now: DateTime<Utc>) {
        let (approval_code, rrn, tran_id) = (self.digits(6), self.digits(12), self.digits(9));
        let Some(invoice) = self.invoices.get(id).cloned() else {
            return;
        };
        let wallet = match &invoice.save_card {
            Some(wallet_id) => {
                let wallet_id = wallet_id.clone().unwrap_or_else(|| self.hex(32));
                let card_token = self.new_id("", 14);
                let dropped = self.cards.insert(
                    card_token.clone(),
                    WalletCard {
                        wallet_id: wallet_id.clone(),
                        masked_pan: payer.card.masked_pan.clone(),
                        payment_system: payer.card.payment_system,
                        outcome: payer.card.outcome.clone(),
                    },
                    None,
                    self.limits.max_tokens,
                );
                drop(dropped);
                Some(WalletData {
                    card_token,
                    wallet_id,
                    status: "created",
                })
            }
            None => None,
        };
        let charged = match invoice.payment_type {
            PaymentType::Verification => 0,
            _ => invoice.amount,
        };
        let stamp = invoice.stamp(now);
        let hold = invoice.payment_type == PaymentType::Hold;
        self.update(id, !hold, |invoice| {
            invoice.modified = stamp;
            invoice.final_amount = Some(charged);
            invoice.wallet = wallet;
            if let Some(payment) = &mut invoice.payment {
                payment.approval_code = Some(approval_code);
                payment.rrn = Some(rrn);
                payment.tran_id = Some(tran_id);
                payment.fee = Some(fee(charged));
            }
            invoice.status = if hold { Status::Hold } else { Status::Success };
        });
        if hold {
            let until = after(stamp, HOLD_SECONDS);
            self.deadlines.insert((until, id.to_owned()));
            self.update(id, false, |invoice| invoice.hold_until = Some(until));
            self.notify(id);
            self.schedule_hold_release(id, until);
        } else if charged > 0 {
            self.book(
                invoice.mode,
                invoice.ccy,
                format!("charge-{id}"),
                now,
                charged,
                format!("Оплата рахунку {id}"),
            );
        }
    }

    /// Queues the webhook a hold's automatic cancellation will send at `until`.
    fn schedule_hold_release(&mut self, id: &str, until: DateTime<Utc>) {
        let Some(invoice) = self.invoices.get(id) else {
            return;
        };
        let Some(url) = invoice.web_hook_url.clone() else {
            return;
        };
        let mut released = invoice.clone();
        release_hold(&mut released, until);
        let delivery = self.send_signed(url, released.status_json(), Some(until));
        if let Some(invoice) = self.invoices.get_mut(id) {
            invoice.hold_webhook = Some(delivery);
        }
    }

    /// Captures `amount` (≤ held) of a hold.
    pub(crate) fn finalize(
        &mut self,
        id: &str,
        amount: i64,
        now: DateTime<Utc>,
    ) -> Result<(), AcqError> {
        let invoice = self
            .invoices
            .get(id)
            .cloned()
            .ok_or_else(|| AcqError::not_found("invoice not found"))?;
        if invoice.status != Status::Hold {
            return Err(AcqError::bad_request(format!(
                "invoice is not on hold (status '{}')",
                invoice.status.as_str()
            )));
        }
        let held = invoice.final_amount.unwrap_or(invoice.amount);
        if amount <= 0 || amount > held {
            return Err(AcqError::bad_request(format!(
                "invalid 'amount': must be from 1 to the held {held}"
            )));
        }
        self.clear_deadline(&invoice);
        if let Some(delivery) = invoice.hold_webhook {
            self.webhooks.cancel(delivery);
        }
        self.update(id, true, |invoice| {
            invoice.status = Status::Success;
            invoice.modified = invoice.stamp(now);
            invoice.final_amount = Some(amount);
            invoice.hold_until = None;
            invoice.hold_webhook = None;
            if let Some(payment) = &mut invoice.payment {
                payment.fee = Some(fee(amount));
            }
        });
        self.book(
            invoice.mode,
            invoice.ccy,
            format!("charge-{id}"),
            now,
            amount,
            format!("Оплата рахунку {id}"),
        );
        Ok(())
    }

    /// Refunds (success) or releases (hold) invoice `id`; returns the cancel's time.
    pub(crate) fn cancel(
        &mut self,
        id: &str,
        amount: Option<i64>,
        ext_ref: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, AcqError> {
        let invoice = self
            .invoices
            .get(id)
            .cloned()
            .ok_or_else(|| AcqError::not_found("invoice not found"))?;
        let remaining = invoice.final_amount.unwrap_or(0);
        let wrong = || AcqError::new(400, "WRONG_CANCEL_AMOUNT", "wrong cancel amount");
        match invoice.status {
            Status::Success | Status::Hold | Status::Reversed => {}
            _ => {
                return Err(AcqError::new(
                    500,
                    "CANCEL_NOT_AVAILABLE",
                    format!(
                        "cancel is not available for an invoice in status '{}'",
                        invoice.status.as_str()
                    ),
                ))
            }
        }
        let amount = amount.unwrap_or(remaining);
        if amount <= 0 || amount > remaining {
            return Err(wrong());
        }
        if invoice.status == Status::Hold && amount != remaining {
            return Err(wrong());
        }
        let (approval_code, rrn) = (self.digits(6), self.digits(12));
        let hold = invoice.status == Status::Hold;
        if hold {
            self.clear_deadline(&invoice);
            if let Some(delivery) = invoice.hold_webhook {
                self.webhooks.cancel(delivery);
            }
        }
        self.update(id, true, |invoice| {
            invoice.modified = invoice.stamp(now);
            invoice.cancel_list.push(CancelItem {
                amount,
                created: now,
                approval_code,
                rrn,
                ext_ref,
            });
            let left = remaining - amount;
            invoice.final_amount = Some(left);
            if left == 0 {
                invoice.status = Status::Reversed;
            }
            invoice.hold_until = None;
            invoice.hold_webhook = None;
        });
        if !hold {
            let n = invoice.cancel_list.len() + 1;
            self.book(
                invoice.mode,
                invoice.ccy,
                format!("refund-{id}-{n}"),
                now,
                -amount,
                format!("Повернення за рахунком {id}"),
            );
        }
        Ok(now)
    }

    /// Paid invoices of `mode` with `from <= date <= to` (Unix s), newest first.
    pub(crate) fn statement(
        &self,
        mode: Mode,
        from: i64,
        to: i64,
        code: Option<&str>,
    ) -> Vec<Value> {
        let mut items: Vec<&Invoice> = self
            .invoices
            .values()
            .filter(|invoice| invoice.mode == mode)
            .filter(|invoice| code.is_none() || invoice.code.as_deref() == code)
            .filter(|invoice| {
                invoice.payment.as_ref().is_some_and(|payment| {
                    let at = payment.paid_at.timestamp();
                    from <= at && at <= to
                })
            })
            .collect();
        items.sort_by_key(|invoice| {
            std::cmp::Reverse((invoice.payment.as_ref().map(|p| p.paid_at), invoice.seq))
        });
        items
            .into_iter()
            .filter_map(|invoice| {
                let payment = invoice.payment.as_ref()?;
                let status = match invoice.status {
                    Status::Hold => "hold",
                    Status::Processing => "processing",
                    Status::Failure => "failure",
                    _ => "success",
                };
                let amount = invoice.amount;
                let mut item = json!({
                    "invoiceId": invoice.id,
                    "status": status,
                    "maskedPan": payment.masked_pan,
                    "date": date(payment.paid_at),
                    "paymentScheme": "full",
                    "amount": amount,
                    "profitAmount": amount - payment.fee.unwrap_or(0),
                    "ccy": invoice.ccy,
                });
                let map = item.as_object_mut()?;
                if let Some(code) = &payment.approval_code {
                    map.insert("approvalCode".into(), json!(code));
                }
                if let Some(rrn) = &payment.rrn {
                    map.insert("rrn".into(), json!(rrn));
                }
                if let Some(reference) = invoice.reference() {
                    map.insert("reference".into(), json!(reference));
                }
                if let Some(destination) = invoice.destination() {
                    map.insert("destination".into(), json!(destination));
                }
                if let Some(qr_id) = &invoice.qr_id {
                    if let Some(till) = self.seed.qr_tills.iter().find(|t| &t.qr_id == qr_id) {
                        map.insert("shortQrId".into(), json!(till.short_qr_id));
                    }
                }
                if let Some(metadata) = invoice
                    .merchant_paym_info
                    .as_ref()
                    .and_then(|info| info.get("metadata"))
                {
                    map.insert("metadata".into(), metadata.clone());
                }
                if !invoice.cancel_list.is_empty() {
                    let list: Vec<Value> = invoice
                        .cancel_list
                        .iter()
                        .map(|c| {
                            json!({"amount": c.amount, "ccy": invoice.ccy, "date": date(c.created),
                                   "approvalCode": c.approval_code, "rrn": c.rrn,
                                   "maskedPan": payment.masked_pan})
                        })
                        .collect();
                    map.insert("cancelList".into(), Value::Array(list));
                }
                Some(item)
            })
            .collect()
    }

    // ---- subscriptions -----------------------------------------------------------------

    pub(crate) fn add_subscription(&mut self, subscription: Subscription) {
        let dropped = self.subscriptions.insert(
            subscription.id.clone(),
            subscription,
            None,
            self.limits.max_payments,
        );
        for (id, old) in dropped {
            if let Some(next) = old.next_charge {
                self.charges.remove(&(next, id));
            }
        }
    }

    /// The payer pays a subscription's first charge on its page: the card is saved and
    /// charged now, and then every interval.
    pub(crate) fn start_subscription(&mut self, id: &str, payer: &Payer, now: DateTime<Utc>) {
        let card_token = self.new_id("", 14);
        let Some(subscription) = self.subscriptions.get(id) else {
            return;
        };
        if subscription.start.is_some() || subscription.cancelled || subscription.expires_at <= now
        {
            return;
        }
        let wallet_id = subscription.wallet_id.clone();
        self.cards.insert(
            card_token.clone(),
            WalletCard {
                wallet_id,
                masked_pan: payer.card.masked_pan.clone(),
                payment_system: payer.card.payment_system,
                outcome: payer.card.outcome.clone(),
            },
            None,
            self.limits.max_tokens,
        );
        let declined = matches!(payer.card.outcome, CardOutcome::Decline(..));
        if let Some(subscription) = self.subscriptions.get_mut(id) {
            subscription.card_token = Some(card_token);
            if declined {
                subscription.wallet_status = "failed";
                subscription.failure_description = Some("Недостатньо коштів на картці".into());
                return;
            }
            subscription.wallet_status = "created";
            subscription.start = Some(now);
            subscription.next_charge = Some(now);
            self.charges.insert((now, id.to_owned()));
        }
        self.charge_subscriptions(now);
    }

    fn charge_subscriptions(&mut self, now: DateTime<Utc>) {
        while let Some((at, id)) = self.charges.first().cloned() {
            if at > now {
                break;
            }
            self.charges.pop_first();
            let Some(subscription) = self.subscriptions.get(&id).cloned() else {
                continue;
            };
            if subscription.cancelled {
                continue;
            }
            let outcome = subscription
                .card_token
                .as_ref()
                .and_then(|token| self.cards.get(token))
                .map(|card| card.outcome.clone())
                .unwrap_or(CardOutcome::Decline("1000", "card not found"));
            let mut at = at;
            let mut charged = 0;
            let mut payments = Vec::new();
            while at <= now {
                if charged >= MAX_CATCH_UP_CHARGES {
                    // Too long a gap: skip to the next charge after now.
                    while at <= now {
                        match subscription.interval.after(at) {
                            Some(next) => at = next,
                            None => break,
                        }
                    }
                    break;
                }
                let status = match outcome {
                    CardOutcome::Approve => "success",
                    CardOutcome::Decline(..) => "failed",
                    CardOutcome::Stuck => "new",
                };
                payments.push(SubscriptionPayment {
                    amount: subscription.amount,
                    status,
                    charged_at: at,
                });
                charged += 1;
                match subscription.interval.after(at) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            for payment in &payments {
                if payment.status == "success" {
                    let n = subscription.total_paid + 1;
                    self.book(
                        subscription.mode,
                        subscription.ccy,
                        format!("subscription-{id}-{}", payment.charged_at.timestamp()),
                        payment.charged_at,
                        payment.amount,
                        format!("Підписка {id}, платіж {n}"),
                    );
                }
            }
            if let Some(subscription) = self.subscriptions.get_mut(&id) {
                for payment in payments {
                    match payment.status {
                        "success" => subscription.total_paid += 1,
                        "failed" => subscription.total_failed += 1,
                        _ => {}
                    }
                    subscription.payments.push_back(payment);
                }
                while subscription.payments.len() > MAX_SUBSCRIPTION_PAYMENTS {
                    subscription.payments.pop_front();
                }
                subscription.next_charge = Some(at);
            }
            if at > now {
                self.charges.insert((at, id));
            }
        }
    }

    /// Cancels a subscription at `now` (no more charges).
    pub(crate) fn cancel_subscription(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
        refund: Option<i64>,
    ) {
        let Some(subscription) = self.subscriptions.get_mut(id) else {
            return;
        };
        if let Some(next) = subscription.next_charge {
            self.charges.remove(&(next, id.to_owned()));
        }
        subscription.cancelled = true;
        subscription.end = Some(now);
        subscription.cancellation_desc = Some("Скасовано мерчантом".to_owned());
        let (mode, ccy) = (subscription.mode, subscription.ccy);
        self.subscriptions.rerank(id, Some(now));
        if let Some(amount) = refund.filter(|amount| *amount > 0) {
            self.book(
                mode,
                ccy,
                format!("subscription-refund-{id}"),
                now,
                -amount,
                format!("Повернення за підпискою {id}"),
            );
        }
    }

    pub(crate) fn remove_subscription(&mut self, id: &str) {
        if let Some(subscription) = self.subscriptions.remove(id) {
            if let Some(next) = subscription.next_charge {
                self.charges.remove(&(next, id.to_owned()));
            }
        }
    }

    /// Adds a tap-to-phone payment (control event); the oldest added ones go past the cap.
    pub(crate) fn add_t2p_payment(&mut self, payment: super::seed::T2pPayment) {
        let seeded = self.seed.t2p_payments.len();
        self.t2p_payments.push_back(payment);
        while self.t2p_payments.len() > seeded + self.limits.max_payments.max(1) {
            self.t2p_payments.remove(seeded);
        }
    }

    /// Counts of what is held.
    pub(crate) fn sizes(&self) -> Value {
        json!({
            "invoices": self.invoices.len(),
            "invoice_deadlines": self.deadlines.len(),
            "wallet_cards": self.cards.len(),
            "subscriptions": self.subscriptions.len(),
            "monopay_keys": self.keys.len(),
            "t2p_payments": self.t2p_payments.len(),
            "merchant_ledger_transactions":
                self.books.values().map(|book| book.transactions.len()).sum::<usize>(),
        })
    }
}

/// A hold cancelled (by the merchant or after 9 days): `reversed`, nothing charged.
fn release_hold(invoice: &mut Invoice, at: DateTime<Utc>) {
    invoice.status = Status::Reversed;
    invoice.modified = at;
    invoice.final_amount = Some(0);
    invoice.hold_until = None;
}

/// The fee on `amount`: 1.3 %, rounded half up to a minor unit.
pub(crate) fn fee(amount: i64) -> i64 {
    amount.saturating_mul(FEE_PER_MILLE).saturating_add(500) / 1_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_one_point_three_percent_rounded() {
        assert_eq!(fee(4200), 55);
        assert_eq!(fee(10_000), 130);
        assert_eq!(fee(0), 0);
    }

    #[test]
    fn intervals_read_n_and_a_unit() {
        let start: DateTime<Utc> = "2026-01-31T10:00:00Z".parse().unwrap();
        assert_eq!(
            Interval::parse("1m")
                .unwrap()
                .after(start)
                .unwrap()
                .to_rfc3339(),
            "2026-02-28T10:00:00+00:00"
        );
        assert_eq!(
            Interval::parse("2w")
                .unwrap()
                .after(start)
                .unwrap()
                .to_rfc3339(),
            "2026-02-14T10:00:00+00:00"
        );
        assert!(Interval::parse("0d").is_none());
        assert!(Interval::parse("1h").is_none());
        assert!(Interval::parse("m").is_none());
    }
}

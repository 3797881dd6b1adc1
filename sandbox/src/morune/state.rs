//! The shop and its owner (the user) behind the Morune API: seeded credentials, tariffs and
//! SBP banks, invoices and payoffs with their life cycles on the sandbox clock, the user's
//! frozen and active balance, the ledger, and the signed webhooks they send.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::sign::{canonical, sign, SIGNATURE_HEADER};
use crate::bounded::BoundedMap;
use crate::rng::SeededRng;
use crate::time::after;
use crate::webhook::{AcceptedStatus, OutgoingWebhook, RetryPolicy, WebhookSender};
use crate::{LedgerAccount, LedgerTransaction, StateLimits};

/// Invoice lifetime when `expire` is not given, in minutes (documented default).
pub(crate) const DEFAULT_EXPIRE_MINUTES: i64 = 300;
/// The longest `expire` accepted, in minutes (5 days, documented); more is a 422.
pub(crate) const MAX_EXPIRE_MINUTES: i64 = 7_200;
/// How long a paid invoice's credited amount stays frozen before it becomes active.
pub(crate) const FREEZE_SECONDS: i64 = 24 * 3_600;
/// How long a payoff stays `wait` before it succeeds or fails.
pub(crate) const PAYOFF_SECONDS: i64 = 60;
/// The user's active balance at the start, in kopecks (250 000.00 RUB).
pub(crate) const OPENING_BALANCE: i64 = 25_000_000;
/// Webhooks: 3 attempts, the retries 60 s apart on the sandbox clock, any 2xx accepted.
const WEBHOOK_RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(60), Duration::from_secs(60)];

/// Card (or wallet) numbers with a fixed outcome, for invoices and payoffs alike.
pub(crate) const SUCCESS_CARD: &str = "4242424242424242";
/// Fails (invoice `fail`, payoff `fail` with an `error_message`).
pub(crate) const FAIL_CARD: &str = "4000000000000002";
/// Never finishes (invoice stays `created` until it expires, payoff stays `wait`).
pub(crate) const PENDING_CARD: &str = "4000000000000010";
/// Why a payoff to [`FAIL_CARD`] is rejected.
pub(crate) const PAYOFF_FAIL_MESSAGE: &str = "Платёж отклонён банком получателя";

/// What a payer's card, phone or wallet makes of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Fail,
    Pending,
}

/// The outcome for a card, phone or wallet as typed (spaces and dashes ignored).
pub(crate) fn outcome_of(value: &str) -> Outcome {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    match compact.as_str() {
        FAIL_CARD => Outcome::Fail,
        PENDING_CARD => Outcome::Pending,
        _ => Outcome::Success,
    }
}

/// An error the API answers with, inside the usual envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MoruneError {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl MoruneError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        MoruneError {
            status,
            message: message.into(),
        }
    }

    /// 422 with a validation message.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }

    /// `{"data":null,"error":…,"status":N,"status_check":false}`.
    pub(crate) fn body(&self) -> Value {
        json!({"data": null, "error": self.message, "status": self.status, "status_check": false})
    }
}

/// Kopecks as a JSON number of roubles (`1723` → `17.23`).
pub(crate) fn number(minor: i64) -> Value {
    // Read back from the decimal text: the nearest float, written as the shortest text that
    // reads back to it (`17.23`), with no float arithmetic on the way.
    serde_json::from_str(&text(minor)).unwrap_or(Value::Null)
}

/// Kopecks as a decimal string with two places (`1723` → `"17.23"`).
pub(crate) fn text(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `"Y-m-d H:i:s"` in Moscow time (UTC+3, no daylight saving).
pub(crate) fn moscow(time: DateTime<Utc>) -> String {
    let local = time.naive_utc().checked_add_signed(TimeDelta::hours(3));
    local
        .unwrap_or(time.naive_utc())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `percent_bp` hundredths of a percent of `amount`, rounded half up, plus `fix`.
pub(crate) fn fee(amount: i64, percent_bp: i64, fix: i64) -> i64 {
    let scaled = i128::from(amount) * i128::from(percent_bp);
    let rounded = (scaled + 5_000).div_euclid(10_000);
    i64::try_from(rounded)
        .unwrap_or(i64::MAX)
        .saturating_add(fix)
}

/// One payment method of the shop's tariff.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tariff {
    pub(crate) service: &'static str,
    pub(crate) label: &'static str,
    /// Total fee, hundredths of a percent (all of it charged to the shop).
    pub(crate) percent_bp: i64,
    /// Fixed fee, kopecks.
    pub(crate) fix: i64,
    /// Smallest and largest payment, kopecks of RUB.
    pub(crate) min: i64,
    pub(crate) max: i64,
    pub(crate) enabled: bool,
    /// What the payer types on the page.
    pub(crate) payer: PayerKind,
}

/// What identifies the payer of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayerKind {
    Card,
    Phone,
    Wallet,
}

/// The shop's seeded payment tariff, in the order `payment-tariffs` lists it.
pub(crate) const TARIFFS: [Tariff; 6] = [
    Tariff {
        service: "card",
        label: "Банковская карта РФ",
        percent_bp: 500,
        fix: 0,
        min: 1_000,
        max: 30_000_000,
        enabled: true,
        payer: PayerKind::Card,
    },
    Tariff {
        service: "sbp",
        label: "СБП",
        percent_bp: 350,
        fix: 0,
        min: 1_000,
        max: 50_000_000,
        enabled: true,
        payer: PayerKind::Phone,
    },
    Tariff {
        service: "qiwi",
        label: "QIWI Кошелёк",
        percent_bp: 700,
        fix: 0,
        min: 1_000,
        max: 1_500_000,
        enabled: false,
        payer: PayerKind::Phone,
    },
    Tariff {
        service: "yoomoney",
        label: "ЮMoney",
        percent_bp: 600,
        fix: 0,
        min: 1_000,
        max: 1_500_000,
        enabled: true,
        payer: PayerKind::Wallet,
    },
    Tariff {
        service: "perfect_money",
        label: "Perfect Money",
        percent_bp: 400,
        fix: 0,
        min: 10_000,
        max: 5_000_000,
        enabled: true,
        payer: PayerKind::Wallet,
    },
    Tariff {
        service: "usdt_trc20",
        label: "USDT TRC20",
        percent_bp: 200,
        fix: 5_000,
        min: 50_000,
        max: 100_000_000,
        enabled: true,
        payer: PayerKind::Wallet,
    },
];

/// The tariff of a method code.
pub(crate) fn tariff(service: &str) -> Option<&'static Tariff> {
    TARIFFS.iter().find(|tariff| tariff.service == service)
}

/// A payout method: fee and limits (kopecks of RUB).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PayoutService {
    pub(crate) service: &'static str,
    pub(crate) percent_bp: i64,
    pub(crate) fix: i64,
    pub(crate) min: i64,
    pub(crate) max: i64,
}

/// The payout methods `payoff/create` accepts.
pub(crate) const PAYOUT_SERVICES: [PayoutService; 5] = [
    PayoutService {
        service: "card",
        percent_bp: 300,
        fix: 0,
        min: 100,
        max: 15_000_000,
    },
    PayoutService {
        service: "sbp",
        percent_bp: 150,
        fix: 0,
        min: 100,
        max: 15_000_000,
    },
    PayoutService {
        service: "yoomoney",
        percent_bp: 200,
        fix: 0,
        min: 100,
        max: 1_500_000,
    },
    PayoutService {
        service: "qiwi",
        percent_bp: 200,
        fix: 0,
        min: 100,
        max: 1_500_000,
    },
    PayoutService {
        service: "usdt_trc20",
        percent_bp: 100,
        fix: 10_000,
        min: 100_000,
        max: 100_000_000,
    },
];

/// A payout method by code.
pub(crate) fn payout_service(service: &str) -> Option<&'static PayoutService> {
    PAYOUT_SERVICES.iter().find(|s| s.service == service)
}

/// SBP member banks (`get-sbp-bank-list`).
pub(crate) const SBP_BANKS: [(&str, &str); 10] = [
    ("100000000111", "Сбербанк"),
    ("100000000004", "Т-Банк"),
    ("110000000005", "Банк ВТБ"),
    ("100000000008", "Альфа-Банк"),
    ("100000000001", "Газпромбанк"),
    ("100000000007", "Райффайзенбанк"),
    ("100000000012", "Росбанк"),
    ("100000000013", "Совкомбанк"),
    ("100000000015", "Банк Открытие"),
    ("100000000016", "Почта Банк"),
];

/// Invoice currencies and their RUB value in kopecks per 100 minor units (fixed rates).
pub(crate) const CURRENCIES: [(&str, i64); 4] =
    [("RUB", 100), ("USD", 9_000), ("EUR", 10_000), ("UAH", 225)];

/// The RUB value of `amount` minor units of `currency`.
pub(crate) fn to_rub(amount: i64, currency: &str) -> i64 {
    let rate = CURRENCIES
        .iter()
        .find(|(code, _)| *code == currency)
        .map_or(100, |(_, rate)| *rate);
    let value = i128::from(amount) * i128::from(rate) / 100;
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A UUID (v4 layout) from the generator.
pub(crate) fn uuid(rng: &mut SeededRng) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// The seeded shop and user.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    pub(crate) shop_id: String,
    pub(crate) api_key: String,
    pub(crate) shop_additional_key: String,
    pub(crate) user_id: String,
    pub(crate) user_api_key: String,
    pub(crate) user_additional_key: String,
    pub(crate) shop_name: String,
    pub(crate) ids: u64,
    pub(crate) started_at: DateTime<Utc>,
}

impl Seed {
    pub(crate) fn generate(seed: u64, started_at: DateTime<Utc>) -> Seed {
        let mut rng = SeededRng::for_stream(seed, "morune");
        Seed {
            shop_id: uuid(&mut rng),
            api_key: rng.hex(40),
            shop_additional_key: rng.hex(40),
            user_id: uuid(&mut rng),
            user_api_key: rng.hex(40),
            user_additional_key: rng.hex(40),
            shop_name: "Магазин «Песочница»".to_owned(),
            ids: rng.next_u64(),
            started_at,
        }
    }
}

/// `status` of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvoiceStatus {
    Created,
    Success,
    Fail,
    Expired,
}

impl InvoiceStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Created => "created",
            InvoiceStatus::Success => "success",
            InvoiceStatus::Fail => "fail",
            InvoiceStatus::Expired => "expired",
        }
    }
}

/// A validated `invoice/create` request.
#[derive(Debug, Clone)]
pub(crate) struct NewInvoice {
    pub(crate) amount: i64,
    pub(crate) order_id: String,
    pub(crate) currency: &'static str,
    pub(crate) hook_url: Option<String>,
    pub(crate) custom_fields: Option<Value>,
    pub(crate) comment: Option<String>,
    pub(crate) fail_url: Option<String>,
    pub(crate) success_url: Option<String>,
    pub(crate) expire_minutes: i64,
    pub(crate) include: Option<Vec<&'static str>>,
    pub(crate) exclude: Vec<&'static str>,
}

/// One invoice.
#[derive(Debug, Clone)]
pub(crate) struct Invoice {
    pub(crate) id: String,
    pub(crate) order_id: String,
    /// Minor units of `currency`.
    pub(crate) amount: i64,
    pub(crate) currency: &'static str,
    /// The amount in kopecks of RUB.
    pub(crate) rub_amount: i64,
    pub(crate) hook_url: Option<String>,
    pub(crate) custom_fields: Option<Value>,
    pub(crate) comment: Option<String>,
    pub(crate) fail_url: Option<String>,
    pub(crate) success_url: Option<String>,
    /// Methods the page offers, in tariff order.
    pub(crate) methods: Vec<&'static str>,
    pub(crate) status: InvoiceStatus,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expired_at: DateTime<Utc>,
    pub(crate) paid_at: Option<DateTime<Utc>>,
    pub(crate) rejected_at: Option<DateTime<Utc>>,
    pub(crate) pay_service: Option<&'static str>,
    pub(crate) payer_details: Option<String>,
    pub(crate) commission: i64,
    pub(crate) commission_percent_bp: i64,
    pub(crate) credited: Option<i64>,
    /// The `expired` webhook queued for `expired_at`, withdrawn if the invoice ends sooner.
    pub(crate) expiry_hook: Option<u64>,
}

impl Invoice {
    /// `data` of `invoice/create`.
    pub(crate) fn created_json(&self, page_base: &str) -> Value {
        json!({
            "id": self.id,
            "amount": number(self.amount),
            "currency": self.currency,
            "url": format!("{page_base}/{}", self.id),
            "expired": moscow(self.expired_at),
        })
    }

    /// `custom_fields` as given: a JSON string stays a string, an object becomes its JSON.
    fn custom_field_text(&self) -> Value {
        match &self.custom_fields {
            None => Value::Null,
            Some(Value::String(text)) => Value::String(text.clone()),
            Some(other) => Value::String(other.to_string()),
        }
    }

    /// `custom_fields` for a webhook: an object (a JSON string holding one is parsed).
    fn custom_fields_object(&self) -> Option<Value> {
        match &self.custom_fields {
            None => None,
            Some(Value::String(text)) => Some(
                serde_json::from_str::<Value>(text)
                    .ok()
                    .filter(Value::is_object)
                    .unwrap_or_else(|| Value::String(text.clone())),
            ),
            Some(other) => Some(other.clone()),
        }
    }

    /// `data` of `invoice/info`.
    pub(crate) fn info_json(&self, shop_id: &str) -> Value {
        json!({
            "invoice_id": self.id,
            "order_id": self.order_id,
            "shop_id": shop_id,
            "status": self.status.as_str(),
            "invoice_amount": number(self.amount),
            "credited": self.credited.map_or(Value::Null, number),
            "currency": self.currency,
            "pay_service": self.pay_service,
            "payer_details": self.payer_details,
            "commission_amount": number(self.commission),
            "commission_percent": number(self.commission_percent_bp),
            "shop_commission_amount": number(self.commission),
            "user_commission_amount": number(0),
            "user_commission_percent": number(0),
            "custom_field": self.custom_field_text(),
            "created_at": moscow(self.created_at),
            "expired_at": moscow(self.expired_at),
            "paid_at": self.paid_at.map(moscow),
        })
    }

    /// The payment webhook body (§6.1) for the invoice's current status.
    pub(crate) fn webhook_json(&self) -> Value {
        let mut body = json!({
            "invoice_id": self.id,
            "status": self.status.as_str(),
            "amount": text(self.amount),
            "currency": self.currency,
            "order_id": self.order_id,
            "type": 1,
        });
        if let Some(custom) = self.custom_fields_object() {
            body["custom_fields"] = custom;
        }
        match self.status {
            InvoiceStatus::Success => {
                body["code"] = json!(1);
                body["pay_service"] = json!(self.pay_service);
                body["payer_details"] = json!(self.payer_details);
                body["credited"] = json!(text(self.credited.unwrap_or(0)));
                body["pay_time"] = json!(self.paid_at.map(moscow));
            }
            InvoiceStatus::Expired => {
                body["code"] = json!(31);
                body["reject_time"] = json!(self.rejected_at.map(moscow));
            }
            InvoiceStatus::Fail | InvoiceStatus::Created => {
                body["code"] = json!(32);
                body["reject_time"] = json!(self.rejected_at.map(moscow));
            }
        }
        body
    }
}

/// `subtract` of a payoff: who bears the fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subtract {
    /// `1`: the fee comes off the balance on top of the amount.
    Balance,
    /// `2` (default): the fee comes out of the amount sent.
    Amount,
}

impl Subtract {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Subtract::Balance => "balance",
            Subtract::Amount => "amount",
        }
    }
}

/// `status` of a payoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayoffStatus {
    Wait,
    Success,
    Fail,
}

impl PayoffStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PayoffStatus::Wait => "wait",
            PayoffStatus::Success => "success",
            PayoffStatus::Fail => "fail",
        }
    }
}

/// A validated `payoff/create` request.
#[derive(Debug, Clone)]
pub(crate) struct NewPayoff {
    pub(crate) service: &'static str,
    pub(crate) wallet: String,
    pub(crate) amount: i64,
    pub(crate) order_id: Option<String>,
    pub(crate) comment: Option<String>,
    pub(crate) hook_url: Option<String>,
    pub(crate) subtract: Subtract,
    pub(crate) sbp_bank: Option<String>,
}

/// One payoff.
#[derive(Debug, Clone)]
pub(crate) struct Payoff {
    pub(crate) id: String,
    pub(crate) new: NewPayoff,
    pub(crate) commission: i64,
    /// What left the balance.
    pub(crate) withdraw: i64,
    /// What the receiver gets.
    pub(crate) receive: i64,
    pub(crate) status: PayoffStatus,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) paid_at: Option<DateTime<Utc>>,
    pub(crate) error_message: Option<String>,
    /// The final webhook queued for the time the payoff finishes, and that time.
    pub(crate) hook: Option<u64>,
    pub(crate) done_at: Option<DateTime<Utc>>,
}

impl Payoff {
    /// `data` of `payoff/info`.
    pub(crate) fn info_json(&self) -> Value {
        json!({
            "payoff_id": self.id,
            "status": self.status.as_str(),
            "order_id": self.new.order_id,
            "service": self.new.service,
            "wallet": self.new.wallet,
            "type": "api",
            "subtract": self.new.subtract.as_str(),
            "amount": number(self.new.amount),
            "amount_withdraw_rub": number(self.withdraw),
            "commission_rub": number(self.commission),
            "receive_currency": "RUB",
            "amount_receive": text(self.receive),
            "comment": self.new.comment,
            "created_at": moscow(self.created_at),
            "paid_at": self.paid_at.map(moscow),
            "error_message": self.error_message,
        })
    }

    /// Ends the payoff with `outcome` at `at`.
    fn finish(&mut self, outcome: Outcome, at: DateTime<Utc>) {
        if outcome == Outcome::Fail {
            self.status = PayoffStatus::Fail;
            self.error_message = Some(PAYOFF_FAIL_MESSAGE.to_owned());
        } else {
            self.status = PayoffStatus::Success;
            self.paid_at = Some(at);
        }
    }

    /// The payoff webhook body (§6.2).
    fn webhook_json(&self) -> Value {
        json!({
            "payoff_id": self.id,
            "order_id": self.new.order_id,
            "status": self.status.as_str(),
            "service": self.new.service,
            "wallet": self.new.wallet,
            "amount": text(self.new.amount),
            "commission": text(self.commission),
        })
    }
}

/// What a duplicate `order_id` gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Duplicates {
    /// 422 `"Такое значение поля order id уже существует."` (default).
    Reject,
    /// The existing invoice or payoff, 200, nothing new made.
    Existing,
}

/// Everything the Morune sandbox holds.
#[derive(Debug)]
pub(crate) struct Shop {
    pub(crate) seed: Seed,
    webhooks: WebhookSender,
    limits: StateLimits,
    rng: SeededRng,
    pub(crate) duplicates: Duplicates,
    pub(crate) invoices: BoundedMap<String, Invoice>,
    invoice_orders: HashMap<String, String>,
    /// Open invoices by expiry time.
    open: BTreeSet<(DateTime<Utc>, String)>,
    pub(crate) payoffs: BoundedMap<String, Payoff>,
    payoff_orders: HashMap<String, String>,
    /// Payoffs due to finish, by time; each with its outcome.
    waiting: BTreeMap<(DateTime<Utc>, String), Outcome>,
    /// Kopecks.
    pub(crate) active: i64,
    pub(crate) frozen: i64,
    /// Frozen amounts by the time they become active.
    lots: BTreeMap<(DateTime<Utc>, u64), i64>,
    lot_seq: u64,
    transactions: VecDeque<LedgerTransaction>,
}

impl Shop {
    pub(crate) fn new(seed: Seed, webhooks: WebhookSender, limits: StateLimits) -> Shop {
        let rng = SeededRng::new(seed.ids);
        let opening = LedgerTransaction {
            id: "opening-balance".to_owned(),
            time: seed.started_at,
            amount_minor: OPENING_BALANCE,
            description: "Начальный остаток".to_owned(),
        };
        Shop {
            seed,
            webhooks,
            limits,
            rng,
            duplicates: Duplicates::Reject,
            invoices: BoundedMap::default(),
            invoice_orders: HashMap::new(),
            open: BTreeSet::new(),
            payoffs: BoundedMap::default(),
            payoff_orders: HashMap::new(),
            waiting: BTreeMap::new(),
            active: OPENING_BALANCE,
            frozen: 0,
            lots: BTreeMap::new(),
            lot_seq: 0,
            transactions: VecDeque::from([opening]),
        }
    }

    /// Brings everything due by `now` about: expiries, payoff outcomes, unfrozen money.
    pub(crate) fn catch_up(&mut self, now: DateTime<Utc>) {
        while let Some((at, id)) = self.open.first().cloned() {
            if at > now {
                break;
            }
            self.open.remove(&(at, id.clone()));
            self.close_invoice(&id, InvoiceStatus::Expired, at, None);
        }
        while let Some(((at, id), outcome)) = self.waiting.first_key_value() {
            let (at, id, outcome) = (*at, id.clone(), *outcome);
            if at > now {
                break;
            }
            self.waiting.remove(&(at, id.clone()));
            self.finish_payoff(&id, outcome, at);
        }
        while let Some(entry) = self.lots.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let amount = entry.remove();
            self.frozen -= amount;
            self.active += amount;
        }
    }

    pub(crate) fn balance_json(&self) -> Value {
        json!({
            "balance": number(self.active + self.frozen),
            "active_balance": number(self.active),
            "freeze_balance": number(self.frozen),
        })
    }

    pub(crate) fn sizes(&self) -> Value {
        json!({
            "invoices": self.invoices.len(),
            "payoffs": self.payoffs.len(),
            "ledger_transactions": self.transactions.len(),
        })
    }

    fn book(&mut self, id: String, time: DateTime<Utc>, amount: i64, description: String) {
        self.transactions.push_back(LedgerTransaction {
            id,
            time,
            amount_minor: amount,
            description,
        });
        // The opening balance is seeded and stays; added ones are capped.
        while self.transactions.len() > self.limits.max_added_transactions.max(1) + 1 {
            self.transactions.remove(1);
        }
    }

    pub(crate) fn ledger_account(&self) -> LedgerAccount {
        LedgerAccount {
            id: self.seed.user_id.clone(),
            kind: "user".to_owned(),
            currency: "RUB".to_owned(),
            balance_minor: self.active + self.frozen,
            transactions: self.transactions.iter().cloned().collect(),
        }
    }

    /// Queues a signed webhook for `due`; returns its delivery id.
    fn send(
        &self,
        url: &str,
        event_type: String,
        body: &Value,
        key: &str,
        due: DateTime<Utc>,
    ) -> u64 {
        let webhook = OutgoingWebhook::new(url, event_type, canonical(body))
            .policy(RetryPolicy {
                attempt_timeout: Duration::from_secs(5),
                retry_delays: WEBHOOK_RETRY_DELAYS.to_vec(),
                accepted: AcceptedStatus::AnySuccess,
            })
            .due_at(due);
        let signature = sign(key, &webhook.body_bytes());
        self.webhooks
            .send(webhook.header(SIGNATURE_HEADER, signature))
    }

    // ---- invoices ----

    /// The invoice an `order_id` names, if still held.
    pub(crate) fn invoice_by_order(&self, order_id: &str) -> Option<&Invoice> {
        self.invoice_orders
            .get(order_id)
            .and_then(|id| self.invoices.get(id))
    }

    /// Creates an invoice (duplicates already handled by the caller).
    pub(crate) fn create_invoice(
        &mut self,
        new: NewInvoice,
        methods: Vec<&'static str>,
        now: DateTime<Utc>,
    ) -> Invoice {
        let id = uuid(&mut self.rng);
        let invoice = Invoice {
            id: id.clone(),
            order_id: new.order_id.clone(),
            amount: new.amount,
            currency: new.currency,
            rub_amount: to_rub(new.amount, new.currency),
            hook_url: new.hook_url,
            custom_fields: new.custom_fields,
            comment: new.comment,
            fail_url: new.fail_url,
            success_url: new.success_url,
            methods,
            status: InvoiceStatus::Created,
            created_at: now,
            expired_at: after(now, new.expire_minutes.saturating_mul(60)),
            paid_at: None,
            rejected_at: None,
            pay_service: None,
            payer_details: None,
            commission: 0,
            commission_percent_bp: 0,
            credited: None,
            expiry_hook: None,
        };
        let mut invoice = invoice;
        if let Some(url) = &invoice.hook_url {
            // Queued now so that it goes out when the clock passes `expired_at`, request or not.
            let mut expired = invoice.clone();
            expired.status = InvoiceStatus::Expired;
            expired.rejected_at = Some(expired.expired_at);
            let key = self.seed.shop_additional_key.clone();
            invoice.expiry_hook = Some(self.send(
                url,
                "invoice.expired".to_owned(),
                &expired.webhook_json(),
                &key,
                expired.expired_at,
            ));
        }
        self.open.insert((invoice.expired_at, id.clone()));
        self.invoice_orders.insert(new.order_id, id.clone());
        let dropped =
            self.invoices
                .insert(id.clone(), invoice.clone(), None, self.limits.max_payments);
        for (gone, old) in dropped {
            if let Some(hook) = old.expiry_hook {
                self.webhooks.cancel(hook);
            }
            self.open.remove(&(old.expired_at, gone.clone()));
            if self.invoice_orders.get(&old.order_id) == Some(&gone) {
                self.invoice_orders.remove(&old.order_id);
            }
        }
        invoice
    }

    /// Pays (or fails, or leaves open) a `created` invoice as the page does: `method` one of
    /// its methods, `payer` the card, phone or wallet typed. Returns the invoice after.
    pub(crate) fn pay(
        &mut self,
        id: &str,
        method: &'static str,
        payer: &str,
        now: DateTime<Utc>,
    ) -> Option<Invoice> {
        self.settle(id, method, Some(payer), outcome_of(payer), now)
    }

    /// Ends a `created` invoice with `outcome` (`Pending` leaves it open); `payer` is what
    /// the payer typed, if anything. Returns the invoice after.
    pub(crate) fn settle(
        &mut self,
        id: &str,
        method: &'static str,
        payer: Option<&str>,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Option<Invoice> {
        let invoice = self.invoices.get(id)?;
        if invoice.status != InvoiceStatus::Created {
            return Some(invoice.clone());
        }
        let expired_at = invoice.expired_at;
        let status = match outcome {
            Outcome::Pending => return Some(invoice.clone()),
            Outcome::Fail => InvoiceStatus::Fail,
            Outcome::Success => InvoiceStatus::Success,
        };
        self.open.remove(&(expired_at, id.to_owned()));
        self.close_invoice(id, status, now, Some((method, payer.unwrap_or_default())));
        self.invoices.get(id).cloned()
    }

    /// Moves an open invoice to a final status at `at`, books the money and sends the webhook.
    fn close_invoice(
        &mut self,
        id: &str,
        status: InvoiceStatus,
        at: DateTime<Utc>,
        payer: Option<(&'static str, &str)>,
    ) {
        let Some(invoice) = self.invoices.get_mut(id) else {
            return;
        };
        invoice.status = status;
        if let Some((method, typed)) = payer {
            invoice.pay_service = Some(method);
            invoice.payer_details = Some(mask(typed)).filter(|masked| !masked.is_empty());
        }
        if status == InvoiceStatus::Success {
            let tariff = invoice.pay_service.and_then(tariff);
            let (percent_bp, fix) = tariff.map_or((0, 0), |t| (t.percent_bp, t.fix));
            let commission = fee(invoice.rub_amount, percent_bp, fix).min(invoice.rub_amount);
            invoice.commission = commission;
            invoice.commission_percent_bp = percent_bp;
            invoice.credited = Some(invoice.rub_amount - commission);
            invoice.paid_at = Some(at);
        } else {
            invoice.rejected_at = Some(at);
        }
        let invoice = invoice.clone();
        self.invoices.rerank(id, Some(at));
        if let Some(credited) = invoice.credited {
            self.frozen += credited;
            self.lot_seq += 1;
            self.lots
                .insert((after(at, FREEZE_SECONDS), self.lot_seq), credited);
            self.book(
                format!("invoice-{id}"),
                at,
                invoice.rub_amount,
                format!("Оплата счёта {}", invoice.order_id),
            );
            if invoice.commission > 0 {
                self.book(
                    format!("invoice-fee-{id}"),
                    at,
                    -invoice.commission,
                    format!("Комиссия за счёт {}", invoice.order_id),
                );
            }
        }
        // The `expired` webhook was queued at creation for this very time.
        if status != InvoiceStatus::Expired {
            if let Some(hook) = invoice.expiry_hook {
                self.webhooks.cancel(hook);
            }
            if let Some(url) = &invoice.hook_url {
                let key = self.seed.shop_additional_key.clone();
                self.send(
                    url,
                    format!("invoice.{}", status.as_str()),
                    &invoice.webhook_json(),
                    &key,
                    at,
                );
            }
        }
    }

    // ---- payoffs ----

    pub(crate) fn payoff_by_order(&self, order_id: &str) -> Option<&Payoff> {
        self.payoff_orders
            .get(order_id)
            .and_then(|id| self.payoffs.get(id))
    }

    /// Creates a payoff and debits the active balance; 403 when it is not enough.
    pub(crate) fn create_payoff(
        &mut self,
        new: NewPayoff,
        service: &PayoutService,
        now: DateTime<Utc>,
    ) -> Result<Payoff, MoruneError> {
        let commission = fee(new.amount, service.percent_bp, service.fix);
        let (withdraw, receive) = match new.subtract {
            Subtract::Balance => (new.amount.saturating_add(commission), new.amount),
            Subtract::Amount => (new.amount, new.amount - commission),
        };
        if receive <= 0 {
            return Err(MoruneError::invalid(
                "Сумма выплаты меньше комиссии за выплату.",
            ));
        }
        if withdraw > self.active {
            return Err(MoruneError::new(403, "Недостаточно средств на балансе."));
        }
        let id = uuid(&mut self.rng);
        let outcome = outcome_of(&new.wallet);
        let payoff = Payoff {
            id: id.clone(),
            new,
            commission,
            withdraw,
            receive,
            status: PayoffStatus::Wait,
            created_at: now,
            paid_at: None,
            error_message: None,
            hook: None,
            done_at: None,
        };
        let mut payoff = payoff;
        self.active -= withdraw;
        let mut order = payoff.new.order_id.clone().unwrap_or_default();
        if let Some(bank) = payoff.new.sbp_bank.as_deref() {
            let name = SBP_BANKS
                .iter()
                .find(|(id, _)| *id == bank)
                .map_or(bank, |(_, name)| name);
            order = format!("{order} (СБП, {name})");
        }
        match payoff.new.subtract {
            Subtract::Amount => self.book(
                format!("payoff-{id}"),
                now,
                -withdraw,
                format!("Выплата {order}"),
            ),
            Subtract::Balance => {
                self.book(
                    format!("payoff-{id}"),
                    now,
                    -payoff.new.amount,
                    format!("Выплата {order}"),
                );
                if commission > 0 {
                    self.book(
                        format!("payoff-fee-{id}"),
                        now,
                        -commission,
                        format!("Комиссия за выплату {order}"),
                    );
                }
            }
        }
        if outcome != Outcome::Pending {
            let done_at = after(now, PAYOFF_SECONDS);
            self.waiting.insert((done_at, id.clone()), outcome);
            payoff.done_at = Some(done_at);
            if let Some(url) = payoff.new.hook_url.clone() {
                // Queued now so that it goes out when the clock gets there, request or not.
                let mut done = payoff.clone();
                done.finish(outcome, done_at);
                let key = self.seed.user_additional_key.clone();
                payoff.hook = Some(self.send(
                    &url,
                    format!("payoff.{}", done.status.as_str()),
                    &done.webhook_json(),
                    &key,
                    done_at,
                ));
            }
        }
        if let Some(order_id) = &payoff.new.order_id {
            self.payoff_orders.insert(order_id.clone(), id.clone());
        }
        let dropped = self
            .payoffs
            .insert(id, payoff.clone(), None, self.limits.max_payments);
        for (gone, old) in dropped {
            if let Some(done_at) = old.done_at {
                self.waiting.remove(&(done_at, gone.clone()));
            }
            if let Some(hook) = old.hook {
                self.webhooks.cancel(hook);
            }
            if let Some(order_id) = &old.new.order_id {
                if self.payoff_orders.get(order_id) == Some(&gone) {
                    self.payoff_orders.remove(order_id);
                }
            }
        }
        Ok(payoff)
    }

    fn finish_payoff(&mut self, id: &str, outcome: Outcome, at: DateTime<Utc>) {
        let Some(payoff) = self.payoffs.get_mut(id) else {
            return;
        };
        payoff.finish(outcome, at);
        let payoff = payoff.clone();
        self.payoffs.rerank(id, Some(at));
        if payoff.status == PayoffStatus::Fail {
            self.active += payoff.withdraw;
            self.book(
                format!("payoff-return-{id}"),
                at,
                payoff.withdraw,
                format!(
                    "Возврат выплаты {}",
                    payoff.new.order_id.as_deref().unwrap_or_default()
                ),
            );
        }
    }
}

/// Masks a card (`424242******4242`), phone (`+7900*****12`) or wallet for `payer_details`.
pub(crate) fn mask(typed: &str) -> String {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '(' && *c != ')')
        .collect();
    let chars: Vec<char> = compact.chars().collect();
    let digits = chars.iter().all(char::is_ascii_digit);
    let (head, tail) = if digits && chars.len() >= 13 {
        (6, 4)
    } else if chars.len() >= 8 {
        (5, 2)
    } else {
        return compact;
    };
    let stars = chars.len() - head - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(stars));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_both_ways() {
        assert_eq!(text(1723), "17.23");
        assert_eq!(text(5), "0.05");
        assert_eq!(text(-841), "-8.41");
        assert_eq!(number(1723).to_string(), "17.23");
    }

    #[test]
    fn fees_round_half_up() {
        assert_eq!(fee(1723, 500, 0), 86); // 86.15
        assert_eq!(fee(1730, 500, 0), 87); // 86.5
        assert_eq!(fee(10_000, 200, 5_000), 5_200);
    }

    #[test]
    fn masks_cards_and_phones() {
        assert_eq!(mask("4242 4242 4242 4242"), "424242******4242");
        assert_eq!(mask("+79001234512"), "+7900*****12");
    }

    #[test]
    fn moscow_time_is_three_hours_ahead() {
        let time = DateTime::parse_from_rfc3339("2023-04-06T13:27:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(moscow(time), "2023-04-06 16:27:59");
    }
}

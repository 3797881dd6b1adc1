//! Everything that changes in the MoMo sandbox: API users, tokens, consents, product
//! accounts, payments and the switches the control events flip.
//!
//! Payment outcomes are decided when the payment is created ([`Plan`]) and read at the
//! clock's now; balances move lazily in [`Momo::settle`], which every route (and the ledger)
//! runs first, so the result is the same as if money had moved at the transition time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::seed::{self, Holder};
use crate::rng::SeededRng;
use crate::sync::lock;
use crate::time::after;
use crate::{Ledger, LedgerAccount, LedgerTransaction, ProviderContext};

/// Lifetime of an access token and of a consent (oauth2) token, seconds.
pub(crate) const TOKEN_SECONDS: i64 = 3600;
/// Lifetime of a refresh token handed out with a consent token, seconds.
pub(crate) const REFRESH_TOKEN_SECONDS: i64 = 86_400;
/// Lifetime of a `bc-authorize` request, seconds.
pub(crate) const AUTH_REQUEST_SECONDS: i64 = 600;
/// Polling interval `bc-authorize` announces, seconds.
pub(crate) const AUTH_REQUEST_INTERVAL: i64 = 5;
/// A payment with an ordinary outcome reaches it this long after creation.
pub(crate) const SETTLE_SECONDS: i64 = 5;
/// The documented "timeout" number (…452) fails `EXPIRED` this long after creation.
pub(crate) const TIMEOUT_SECONDS: i64 = 60;
/// The documented "ongoing" number (…453) succeeds when asked again this long after creation.
pub(crate) const ONGOING_SECONDS: i64 = 30;
/// The measured …454 goes `CREATED` → `SUCCESSFUL` this long after creation.
pub(crate) const MEASURED_CREATED_SECONDS: i64 = 25;
/// Payment v2 amount 3000 is pending this long, then succeeds.
pub(crate) const PAYMENT_PENDING_SECONDS: i64 = 30;

/// One of the three products: its own subscription key, token, account and path prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Product {
    Collection,
    Disbursement,
    Remittance,
}

impl Product {
    pub(crate) const ALL: [Product; 3] = [
        Product::Collection,
        Product::Disbursement,
        Product::Remittance,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Product::Collection => "collection",
            Product::Disbursement => "disbursement",
            Product::Remittance => "remittance",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Product> {
        Product::ALL.into_iter().find(|p| p.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Product::Collection => 0,
            Product::Disbursement => 1,
            Product::Remittance => 2,
        }
    }
}

/// Which side of a payment the magic MSISDN is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Payer,
    Payee,
}

/// What kind of resource an `X-Reference-Id` names (each its own namespace for 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    RequestToPay,
    Withdraw,
    Invoice,
    Preapproval,
    Payment,
    Transfer,
    Deposit,
    Refund,
    RemittanceTransfer,
}

impl Kind {
    pub(crate) fn product(self) -> Product {
        match self {
            Kind::RequestToPay
            | Kind::Withdraw
            | Kind::Invoice
            | Kind::Preapproval
            | Kind::Payment => Product::Collection,
            Kind::Transfer | Kind::Deposit | Kind::Refund => Product::Disbursement,
            Kind::RemittanceTransfer => Product::Remittance,
        }
    }

    pub(crate) fn side(self) -> Side {
        match self.product() {
            Product::Collection => Side::Payer,
            _ => Side::Payee,
        }
    }

    /// +1: a success credits the product account; -1: debits it; 0: no money moves.
    pub(crate) fn sign(self) -> i64 {
        match self {
            Kind::Preapproval => 0,
            _ if self.product() == Product::Collection => 1,
            _ => -1,
        }
    }

    /// The callback's event type in the delivery log.
    pub(crate) fn event_type(self) -> &'static str {
        match self {
            Kind::RequestToPay => "requesttopay",
            Kind::Withdraw => "requesttowithdraw",
            Kind::Invoice => "invoice",
            Kind::Preapproval => "preapproval",
            Kind::Payment => "payment",
            Kind::Transfer => "transfer",
            Kind::Deposit => "deposit",
            Kind::Refund => "refund",
            Kind::RemittanceTransfer => "remittance.transfer",
        }
    }
}

/// A party as in the API: `{"partyIdType": "MSISDN", "partyId": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Party {
    pub(crate) id_type: String,
    pub(crate) id: String,
}

/// How a payment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failed(&'static str),
}

/// When a payment leaves its interim state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// At this clock time, with this outcome.
    At(DateTime<Utc>, Outcome),
    /// Never (stays in its interim state).
    Never,
    /// Succeeds when its status is asked at or after this time.
    WhenAskedAfter(DateTime<Utc>),
}

/// The outcome decided at creation: the interim status and the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) interim: &'static str,
    pub(crate) end: End,
}

impl Plan {
    fn at(created: DateTime<Utc>, seconds: i64, outcome: Outcome) -> Plan {
        Plan {
            interim: "PENDING",
            end: End::At(after(created, seconds), outcome),
        }
    }

    /// Whether it will (or may) end successfully.
    pub(crate) fn may_succeed(&self) -> bool {
        matches!(
            self.end,
            End::At(_, Outcome::Success) | End::WhenAskedAfter(_)
        )
    }
}

/// Which table of magic MSISDN outcomes applies to new payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MagicTable {
    /// MTN's documented table (default).
    Documented,
    /// What a team measured on the live sandbox.
    Measured,
}

/// How a failed status writes `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReasonFormat {
    /// `{"code": "…", "message": "…"}` (documented; default).
    Object,
    /// `"…"` (seen in the field).
    String,
}

/// The outcome a payment with this party gets under `table`.
pub(crate) fn magic_plan(
    table: MagicTable,
    side: Side,
    party_id: &str,
    created: DateTime<Utc>,
) -> Plan {
    let suffix = party_id
        .strip_prefix("467331234")
        .filter(|rest| rest.len() == 2)
        .unwrap_or("");
    let fail = |code| Plan::at(created, SETTLE_SECONDS, Outcome::Failed(code));
    // The extended (third-party) table, on both tables: numbers the documented table calls
    // plain "success".
    let extended = match (side, suffix) {
        (Side::Payer, "55") => Some("PAYER_NOT_FOUND"),
        (Side::Payer, "58") => Some("NOT_ALLOWED_TARGET_ENVIRONMENT"),
        (Side::Payer, "59") => Some("INVALID_CALLBACK_URL_HOST"),
        (Side::Payer, "60") => Some("INVALID_CURRENCY"),
        (Side::Payer, "61") => Some("INTERNAL_PROCESSING_ERROR"),
        (Side::Payer, "63") => Some("COULD_NOT_PERFORM_TRANSACTION"),
        (Side::Payer, "64") => Some("TRANSFER_TYPE_UNKNOWN"),
        (Side::Payee, "55") => Some("NOT_ENOUGH_FUNDS"),
        (Side::Payee, "57") => Some("PAYEE_NOT_FOUND"),
        (Side::Payee, "62") => Some("INTERNAL_PROCESSING_ERROR"),
        _ => None,
    };
    if let Some(code) = extended {
        return fail(code);
    }
    match (table, suffix) {
        (_, "50") => fail("INTERNAL_PROCESSING_ERROR"),
        (_, "51") => fail("APPROVAL_REJECTED"),
        (MagicTable::Documented, "52") => {
            Plan::at(created, TIMEOUT_SECONDS, Outcome::Failed("EXPIRED"))
        }
        (MagicTable::Measured, "52") => fail("EXPIRED"),
        (MagicTable::Documented, "53") => Plan {
            interim: "PENDING",
            end: End::WhenAskedAfter(after(created, ONGOING_SECONDS)),
        },
        (MagicTable::Measured, "53") | (MagicTable::Documented, "54") => Plan {
            interim: "PENDING",
            end: End::Never,
        },
        (MagicTable::Measured, "54") => Plan {
            interim: "CREATED",
            end: End::At(after(created, MEASURED_CREATED_SECONDS), Outcome::Success),
        },
        _ => Plan::at(created, SETTLE_SECONDS, Outcome::Success),
    }
}

/// A payment v2's outcome: by amount (1000 success, 2000 failed, 3000 pending → success,
/// 7000 transfer type unknown), otherwise by `customerReference` as a payer.
pub(crate) fn payment_plan(
    table: MagicTable,
    amount_minor: i64,
    customer: &str,
    created: DateTime<Utc>,
) -> Plan {
    match amount_minor {
        200_000 => Plan::at(
            created,
            SETTLE_SECONDS,
            Outcome::Failed("INTERNAL_PROCESSING_ERROR"),
        ),
        300_000 => Plan::at(created, PAYMENT_PENDING_SECONDS, Outcome::Success),
        700_000 => Plan::at(
            created,
            SETTLE_SECONDS,
            Outcome::Failed("TRANSFER_TYPE_UNKNOWN"),
        ),
        _ => magic_plan(table, Side::Payer, customer, created),
    }
}

/// One payment-like resource (request to pay, withdrawal, invoice, preapproval, payment v2,
/// transfer, deposit, refund, remittance transfer).
#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub(crate) kind: Kind,
    pub(crate) reference_id: String,
    pub(crate) api_user: String,
    pub(crate) created_at: DateTime<Utc>,
    /// The amount as the client wrote it (echoed back).
    pub(crate) amount: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) external_id: String,
    pub(crate) party: Option<Party>,
    pub(crate) payer_message: String,
    pub(crate) payee_note: String,
    pub(crate) financial_transaction_id: String,
    /// Kind-specific fields of the request to echo (invoice, preapproval, payment v2).
    pub(crate) extra: Value,
    pub(crate) refund_of: Option<String>,
    pub(crate) plan: Plan,
    /// The end reached by asking (…453), or by cancelling.
    pub(crate) resolved: Option<(DateTime<Utc>, Outcome)>,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
    /// Invoices and preapprovals: when they stop being payable / usable.
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) callback_url: Option<String>,
    /// The callback queued for the planned end (withdrawn on cancel).
    pub(crate) callback_delivery: Option<u64>,
    /// Ledger order once its end has been applied.
    pub(crate) settled: Option<u64>,
}

/// Where a payment stands at some time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    Interim(&'static str),
    Final(DateTime<Utc>, Outcome),
    Cancelled,
}

impl Standing {
    pub(crate) fn status(self) -> &'static str {
        match self {
            Standing::Interim(status) => status,
            Standing::Final(_, Outcome::Success) => "SUCCESSFUL",
            Standing::Final(_, Outcome::Failed(_)) => "FAILED",
            Standing::Cancelled => "CANCELLED",
        }
    }
}

impl Payment {
    /// The end reached by `now`, if any.
    pub(crate) fn final_at(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Outcome)> {
        if let Some(resolved) = self.resolved {
            return Some(resolved);
        }
        if self.cancelled_at.is_some() {
            // Only cancellable while not final: a cancelled payment never ends.
            return None;
        }
        match self.plan.end {
            End::At(at, outcome) if at <= now => Some((at, outcome)),
            _ => None,
        }
    }

    pub(crate) fn standing(&self, now: DateTime<Utc>) -> Standing {
        match self.final_at(now) {
            Some((at, outcome)) => Standing::Final(at, outcome),
            None if self.cancelled_at.is_some() => Standing::Cancelled,
            None => Standing::Interim(self.plan.interim),
        }
    }

    /// Whether it has succeeded by `now`.
    pub(crate) fn succeeded(&self, now: DateTime<Utc>) -> bool {
        matches!(self.final_at(now), Some((_, Outcome::Success)))
    }
}

/// An API user (provisioned or seeded).
#[derive(Debug, Clone)]
pub(crate) struct ApiUser {
    pub(crate) callback_host: String,
    pub(crate) api_key: Option<String>,
}

/// An access token (per product) or a consent token from `oauth2/token/`.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) product: Product,
    pub(crate) api_user: String,
    pub(crate) expires_at: DateTime<Utc>,
    /// The account holder who consented, for consent tokens.
    pub(crate) consent_of: Option<String>,
}

/// A `bc-authorize` request waiting for its `oauth2/token/` exchange.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub(crate) product: Product,
    pub(crate) api_user: String,
    pub(crate) msisdn: String,
    pub(crate) scope: String,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) used: bool,
}

/// The whole MoMo world.
#[derive(Debug)]
pub(crate) struct Momo {
    pub(crate) credentials: seed::Credentials,
    pub(crate) users: BTreeMap<String, ApiUser>,
    pub(crate) tokens: HashMap<String, Token>,
    pub(crate) auth_requests: HashMap<String, AuthRequest>,
    /// Settled balance in cents, per product.
    pub(crate) balances: [i64; 3],
    pub(crate) holders: Vec<Holder>,
    pub(crate) payments: Vec<Payment>,
    pub(crate) index: HashMap<(Kind, String), usize>,
    pub(crate) invoice_cancellations: HashSet<String>,
    pub(crate) table: MagicTable,
    pub(crate) reason_format: ReasonFormat,
    pub(crate) callback_method: http::Method,
    pub(crate) rng: SeededRng,
    next_transaction_id: u64,
    next_settled: u64,
}

impl Momo {
    pub(crate) fn seeded(seed: u64) -> Momo {
        let mut rng = SeededRng::for_stream(seed, super::NAME);
        let credentials = seed::credentials(&mut rng);
        let mut users = BTreeMap::new();
        users.insert(
            credentials.api_user.clone(),
            ApiUser {
                callback_host: seed::CALLBACK_HOST.to_owned(),
                api_key: Some(credentials.api_key.clone()),
            },
        );
        let next_transaction_id = 100_000_000 + rng.next_u64() % 800_000_000;
        Momo {
            credentials,
            users,
            tokens: HashMap::new(),
            auth_requests: HashMap::new(),
            balances: seed::BALANCES,
            holders: seed::holders(),
            payments: Vec::new(),
            index: HashMap::new(),
            invoice_cancellations: HashSet::new(),
            table: MagicTable::Documented,
            reason_format: ReasonFormat::Object,
            callback_method: http::Method::PUT,
            rng,
            next_transaction_id,
            next_settled: 0,
        }
    }

    /// A fresh UUID v4 (lowercase canonical form) from the seeded stream.
    pub(crate) fn uuid(&mut self) -> String {
        seed::uuid(&mut self.rng)
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        self.rng.hex(len)
    }

    pub(crate) fn next_transaction_id(&mut self) -> String {
        self.next_transaction_id += 1;
        self.next_transaction_id.to_string()
    }

    pub(crate) fn holder(&self, id_type: &str, id: &str) -> Option<&Holder> {
        self.holders
            .iter()
            .find(|h| h.id_type.eq_ignore_ascii_case(id_type) && h.id == id)
    }

    pub(crate) fn payment(&self, kind: Kind, reference_id: &str) -> Option<&Payment> {
        let index = *self.index.get(&(kind, reference_id.to_owned()))?;
        self.payments.get(index)
    }

    pub(crate) fn payment_mut(&mut self, kind: Kind, reference_id: &str) -> Option<&mut Payment> {
        let index = *self.index.get(&(kind, reference_id.to_owned()))?;
        self.payments.get_mut(index)
    }

    pub(crate) fn exists(&self, kind: Kind, reference_id: &str) -> bool {
        self.index.contains_key(&(kind, reference_id.to_owned()))
    }

    pub(crate) fn insert(&mut self, payment: Payment) {
        self.index.insert(
            (payment.kind, payment.reference_id.clone()),
            self.payments.len(),
        );
        self.payments.push(payment);
    }

    /// Balance of `product` minus debits that may still succeed (what a new debit can use).
    pub(crate) fn available_for_debit(&self, product: Product) -> i64 {
        let reserved: i64 = self
            .payments
            .iter()
            .filter(|p| {
                p.kind.product() == product
                    && p.kind.sign() < 0
                    && p.settled.is_none()
                    && p.resolved.is_none()
                    && p.cancelled_at.is_none()
                    && p.plan.may_succeed()
            })
            .map(|p| p.amount_minor)
            .fold(0_i64, i64::saturating_add);
        self.balances[product.index()].saturating_sub(reserved)
    }

    /// Applies every end reached by `now` that has not been applied yet, in time order:
    /// successes move the product's balance and enter the ledger.
    pub(crate) fn settle(&mut self, now: DateTime<Utc>) {
        let mut due: Vec<(DateTime<Utc>, usize)> = self
            .payments
            .iter()
            .enumerate()
            .filter(|(_, p)| p.settled.is_none())
            .filter_map(|(i, p)| p.final_at(now).map(|(at, _)| (at, i)))
            .collect();
        due.sort();
        for (_, i) in due {
            self.next_settled += 1;
            let order = self.next_settled;
            let Some(payment) = self.payments.get_mut(i) else {
                continue;
            };
            payment.settled = Some(order);
            if payment.succeeded(now) {
                let product = payment.kind.product().index();
                let delta = payment.amount_minor.saturating_mul(payment.kind.sign());
                self.balances[product] = self.balances[product].saturating_add(delta);
            }
        }
    }

    pub(crate) fn ledger(&self, now: DateTime<Utc>) -> Ledger {
        let accounts = Product::ALL
            .into_iter()
            .map(|product| {
                let mut settled: Vec<&Payment> = self
                    .payments
                    .iter()
                    .filter(|p| {
                        p.kind.product() == product
                            && p.kind.sign() != 0
                            && p.settled.is_some()
                            && p.succeeded(now)
                    })
                    .collect();
                settled.sort_by_key(|p| p.settled);
                LedgerAccount {
                    id: product.name().to_owned(),
                    kind: "product".to_owned(),
                    currency: seed::CURRENCY.to_owned(),
                    balance_minor: self.balances[product.index()],
                    transactions: settled
                        .into_iter()
                        .map(|p| LedgerTransaction {
                            id: p.reference_id.clone(),
                            time: p.final_at(now).map_or(p.created_at, |(at, _)| at),
                            amount_minor: p.amount_minor.saturating_mul(p.kind.sign()),
                            description: if p.external_id.is_empty() {
                                p.payer_message.clone()
                            } else {
                                p.external_id.clone()
                            },
                        })
                        .collect(),
                }
            })
            .collect();
        Ledger { accounts }
    }
}

/// The shared state behind every route.
#[derive(Debug)]
pub(crate) struct State {
    ctx: ProviderContext,
    momo: Mutex<Momo>,
}

impl State {
    pub(crate) fn new(ctx: ProviderContext) -> Arc<State> {
        let momo = Momo::seeded(ctx.seed());
        Arc::new(State {
            ctx,
            momo: Mutex::new(momo),
        })
    }

    pub(crate) fn ctx(&self) -> &ProviderContext {
        &self.ctx
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// Runs `f` on the state after applying every end reached by now.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Momo, DateTime<Utc>) -> R) -> R {
        let now = self.now();
        let mut momo = lock(&self.momo);
        momo.settle(now);
        f(&mut momo, now)
    }

    pub(crate) fn reset(&self) {
        *lock(&self.momo) = Momo::seeded(self.ctx.seed());
    }
}

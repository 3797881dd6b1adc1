//! Everything that changes in the MoMo sandbox: API users, tokens, consents, product
//! accounts, payments and the switches the control events flip.
//!
//! Payment outcomes are decided when the payment is created ([`Plan`]) and read at the
//! clock's now; balances move lazily in [`Momo::settle`], which every route (and the ledger)
//! runs first, so the result is the same as if money had moved at the transition time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::seed::{self, AccountHolder, Holder};
use crate::bounded::BoundedMap;
use crate::limits::StateLimits;
use crate::rng::SeededRng;
use crate::sync::lock;
use crate::time::after;
use crate::time::later;
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
    /// `"…"`: what MTN's sandbox and its own community posts show (default).
    String,
    /// `{"code": "…", "message": "…"}`: the swagger's `ErrorReason` model.
    Object,
}

/// The magic numbers in force for new payments: a table, and whether the third-party
/// "extended" numbers apply on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Numbers {
    pub(crate) table: MagicTable,
    pub(crate) extended: bool,
}

impl Numbers {
    /// MTN's documented table alone.
    pub(crate) const DEFAULT: Numbers = Numbers {
        table: MagicTable::Documented,
        extended: false,
    };
}

/// The outcome a payment with this party gets under `numbers`.
pub(crate) fn magic_plan(
    numbers: Numbers,
    side: Side,
    party_id: &str,
    created: DateTime<Utc>,
) -> Plan {
    let suffix = party_id
        .strip_prefix("467331234")
        .filter(|rest| rest.len() == 2)
        .unwrap_or("");
    let fail = |code| Plan::at(created, SETTLE_SECONDS, Outcome::Failed(code));
    // The extended (third-party) numbers, opt-in on either table: numbers the documented
    // table calls plain "success".
    let extended = match (side, suffix) {
        _ if !numbers.extended => None,
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
    match (numbers.table, suffix) {
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

/// A payment v2's outcome: with the extended numbers, by amount (1000 success, 2000 failed,
/// 3000 pending → success, 7000 transfer type unknown); otherwise by `customerReference` as
/// a payer.
pub(crate) fn payment_plan(
    numbers: Numbers,
    amount_minor: i64,
    customer: &str,
    created: DateTime<Utc>,
) -> Plan {
    match amount_minor {
        _ if !numbers.extended => magic_plan(numbers, Side::Payer, customer, created),
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
        _ => magic_plan(numbers, Side::Payer, customer, created),
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
    /// Creation order (set when it is kept).
    pub(crate) seq: u64,
    /// The `X-Reference-Id` of the call that cancelled it (invoices).
    pub(crate) cancellation: Option<String>,
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

/// A payment's key: its kind and `X-Reference-Id` (each kind is its own namespace).
pub(crate) type PaymentKey = (Kind, String);

/// What the indexes hold about one payment, derived from its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Books {
    /// What it holds back from its product's balance: a debit that may still succeed.
    reserved: i64,
    /// When its end is (or was) reached, while not applied yet.
    due: Option<DateTime<Utc>>,
    /// When it finished (its end applied, or cancelled).
    finished: Option<DateTime<Utc>>,
}

impl Payment {
    fn books(&self) -> Books {
        let reserving = self.kind.sign() < 0
            && self.settled.is_none()
            && self.resolved.is_none()
            && self.cancelled_at.is_none()
            && self.plan.may_succeed();
        let end = self.final_at(DateTime::<Utc>::MAX_UTC).map(|(at, _)| at);
        let (due, finished) = match self.settled {
            None => (end, self.cancelled_at),
            Some(_) => (None, end.or(self.cancelled_at).or(Some(self.created_at))),
        };
        Books {
            reserved: if reserving { self.amount_minor } else { 0 },
            due,
            finished,
        }
    }

    fn key(&self) -> PaymentKey {
        (self.kind, self.reference_id.clone())
    }

    /// The key of the preapproval list this payment is on (payer id type in upper case, id).
    fn payer_key(&self) -> Option<(String, String)> {
        let party = self.party.as_ref()?;
        Some((party.id_type.to_ascii_uppercase(), party.id.clone()))
    }
}

/// The whole MoMo world.
///
/// Payments are kept in a [`BoundedMap`] by kind and reference id (finished ones first in
/// line to be dropped, in the order they finished, then the oldest pending), with indexes
/// that keep every request's cost independent of how many there are: the settle index (the
/// payments whose end is known but not applied yet, by its time), the amounts pending debits
/// hold back, refunds by the payment they refund, and preapprovals by payer.
#[derive(Debug)]
pub(crate) struct Momo {
    pub(crate) credentials: seed::Credentials,
    pub(crate) users: BoundedMap<String, ApiUser>,
    pub(crate) tokens: BoundedMap<String, Token>,
    pub(crate) auth_requests: BoundedMap<String, AuthRequest>,
    /// Settled balance in cents, per product.
    pub(crate) balances: [i64; 3],
    pub(crate) holders: Vec<Holder>,
    payments: BoundedMap<PaymentKey, Payment>,
    /// Payments whose end is known and not applied yet, by (end time, creation order).
    due: BTreeMap<(DateTime<Utc>, u64), PaymentKey>,
    /// Per product, the debits that may still succeed.
    reserved: [i64; 3],
    /// Refund reference ids by the reference id they refund.
    refunds: HashMap<String, Vec<String>>,
    /// Preapproval reference ids by payer, in creation order.
    preapprovals: HashMap<(String, String), BTreeMap<u64, String>>,
    /// `X-Reference-Id`s of invoice cancellations (dropped with their invoice).
    pub(crate) invoice_cancellations: HashSet<String>,
    pub(crate) numbers: Numbers,
    pub(crate) reason_format: ReasonFormat,
    pub(crate) callback_method: http::Method,
    pub(crate) rng: SeededRng,
    limits: StateLimits,
    next_transaction_id: u64,
    next_settled: u64,
    next_seq: u64,
}

impl Momo {
    pub(crate) fn seeded(seed: u64, limits: StateLimits) -> Momo {
        let mut rng = SeededRng::for_stream(seed, super::NAME);
        let credentials = seed::credentials(&mut rng);
        let mut users = BoundedMap::default();
        users.pin(
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
            tokens: BoundedMap::default(),
            auth_requests: BoundedMap::default(),
            balances: seed::BALANCES,
            holders: seed::holders(),
            payments: BoundedMap::default(),
            due: BTreeMap::new(),
            reserved: [0; 3],
            refunds: HashMap::new(),
            preapprovals: HashMap::new(),
            invoice_cancellations: HashSet::new(),
            numbers: Numbers::DEFAULT,
            reason_format: ReasonFormat::String,
            callback_method: http::Method::PUT,
            rng,
            limits,
            next_transaction_id,
            next_settled: 0,
            next_seq: 0,
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

    /// The account holder `id_type`/`id`: a seeded one, else any well-formed id (MTN's
    /// canned profile); `None` for a malformed id.
    pub(crate) fn holder(&self, id_type: &str, id: &str) -> Option<AccountHolder<'_>> {
        let named = self
            .holders
            .iter()
            .find(|h| h.id_type.eq_ignore_ascii_case(id_type) && h.id == id);
        match named {
            Some(holder) => Some(AccountHolder::Named(holder)),
            None if seed::well_formed(id_type, id) => Some(AccountHolder::Canned),
            None => None,
        }
    }

    // ---- API users, tokens, consent requests -------------------------------------------

    /// Adds a provisioned API user; the oldest provisioned ones go past the cap.
    pub(crate) fn add_user(&mut self, id: String, user: ApiUser) {
        self.users.insert(id, user, None, self.limits.max_api_users);
    }

    /// Adds a token, kept until its expiry plus the grace; the first to expire go past the
    /// cap.
    pub(crate) fn add_token(&mut self, token: String, data: Token) {
        let drop_at = later(data.expires_at, self.limits.token_grace_delta());
        self.tokens
            .insert(token, data, Some(drop_at), self.limits.max_tokens);
    }

    /// A token was used at `now`: under the token cap, tokens in use go last (the least
    /// recently used go first, as the first to expire did), so a client that keeps minting
    /// tokens does not lose the one it is using. It is still refused after its expiry.
    pub(crate) fn token_used(&mut self, token: &str, now: DateTime<Utc>) {
        // Never earlier than the token's own expiry plus the grace (it expires within one
        // lifetime of any use).
        let drop_at = later(
            later(now, chrono::TimeDelta::seconds(TOKEN_SECONDS)),
            self.limits.token_grace_delta(),
        );
        self.tokens.rerank(token, Some(drop_at));
    }

    /// Adds a `bc-authorize` request, kept until its expiry plus the grace.
    pub(crate) fn add_auth_request(&mut self, id: String, request: AuthRequest) {
        let drop_at = later(request.expires_at, self.limits.token_grace_delta());
        self.auth_requests
            .insert(id, request, Some(drop_at), self.limits.max_consents);
    }

    /// Drops tokens and consent requests whose expiry plus grace has passed.
    pub(crate) fn expire(&mut self, now: DateTime<Utc>) {
        self.tokens.expire(now);
        self.auth_requests.expire(now);
    }

    // ---- payments ----------------------------------------------------------------------

    pub(crate) fn payment(&self, kind: Kind, reference_id: &str) -> Option<&Payment> {
        self.payments.get(&(kind, reference_id.to_owned()))
    }

    pub(crate) fn exists(&self, kind: Kind, reference_id: &str) -> bool {
        self.payments.contains_key(&(kind, reference_id.to_owned()))
    }

    /// Changes a payment and keeps every index in step; `None` for an unknown payment.
    pub(crate) fn modify<R>(
        &mut self,
        kind: Kind,
        reference_id: &str,
        change: impl FnOnce(&mut Payment) -> R,
    ) -> Option<R> {
        let key = (kind, reference_id.to_owned());
        let payment = self.payments.get_mut(&key)?;
        let before = payment.books();
        let result = change(payment);
        let after = payment.books();
        let seq = payment.seq;
        self.rebook(&key, seq, product_of(kind), before, after);
        Some(result)
    }

    /// Adds a new payment (its plan decided); past the cap, the first finished payment (else
    /// the oldest) is dropped.
    pub(crate) fn insert(&mut self, mut payment: Payment) {
        self.next_seq += 1;
        payment.seq = self.next_seq;
        let key = payment.key();
        let books = payment.books();
        if let Some(original) = &payment.refund_of {
            self.refunds
                .entry(original.clone())
                .or_default()
                .push(payment.reference_id.clone());
        }
        if payment.kind == Kind::Preapproval {
            if let Some(payer) = payment.payer_key() {
                self.preapprovals
                    .entry(payer)
                    .or_default()
                    .insert(payment.seq, payment.reference_id.clone());
            }
        }
        let empty = Books {
            reserved: 0,
            due: None,
            finished: None,
        };
        let (seq, product) = (payment.seq, product_of(payment.kind));
        let dropped = self.payments.insert(
            key.clone(),
            payment,
            books.finished,
            self.limits.max_payments,
        );
        self.rebook(&key, seq, product, empty, books);
        for (_, old) in dropped {
            self.forget(&old);
        }
    }

    /// Moves a payment's entries in the indexes from `before` to `after`.
    fn rebook(&mut self, key: &PaymentKey, seq: u64, product: usize, before: Books, after: Books) {
        if let Some(reserved) = self.reserved.get_mut(product) {
            *reserved = reserved
                .saturating_sub(before.reserved)
                .saturating_add(after.reserved);
        }
        if before.due != after.due {
            if let Some(at) = before.due {
                self.due.remove(&(at, seq));
            }
            if let Some(at) = after.due {
                self.due.insert((at, seq), key.clone());
            }
        }
        if before.finished != after.finished {
            self.payments.rerank(key, after.finished);
        }
    }

    /// Removes a dropped payment from every index.
    fn forget(&mut self, payment: &Payment) {
        let books = payment.books();
        if let Some(reserved) = self.reserved.get_mut(product_of(payment.kind)) {
            *reserved = reserved.saturating_sub(books.reserved);
        }
        if let Some(at) = books.due {
            self.due.remove(&(at, payment.seq));
        }
        if let Some(original) = &payment.refund_of {
            if let Some(refunds) = self.refunds.get_mut(original) {
                refunds.retain(|id| *id != payment.reference_id);
                if refunds.is_empty() {
                    self.refunds.remove(original);
                }
            }
        }
        if payment.kind == Kind::Preapproval {
            if let Some(payer) = payment.payer_key() {
                if let Some(list) = self.preapprovals.get_mut(&payer) {
                    list.remove(&payment.seq);
                    if list.is_empty() {
                        self.preapprovals.remove(&payer);
                    }
                }
            }
        }
        if let Some(cancellation) = &payment.cancellation {
            self.invoice_cancellations.remove(cancellation);
        }
    }

    /// The refunds (kept) of the payment with this reference id.
    pub(crate) fn refunds_of<'a>(&'a self, original: &str) -> impl Iterator<Item = &'a Payment> {
        self.refunds
            .get(original)
            .into_iter()
            .flatten()
            .filter_map(|id| self.payment(Kind::Refund, id))
    }

    /// The preapprovals (kept) whose payer is `id_type`/`id` (type in any case), oldest
    /// first.
    pub(crate) fn preapprovals_of<'a>(
        &'a self,
        id_type: &str,
        id: &str,
    ) -> impl Iterator<Item = &'a Payment> {
        self.preapprovals
            .get(&(id_type.to_ascii_uppercase(), id.to_owned()))
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter_map(|id| self.payment(Kind::Preapproval, id))
    }

    /// Balance of `product` minus debits that may still succeed (what a new debit can use).
    pub(crate) fn available_for_debit(&self, product: Product) -> i64 {
        self.balances[product.index()].saturating_sub(self.reserved[product.index()])
    }

    /// Applies every end reached by `now` that has not been applied yet, in time order:
    /// successes move the product's balance and enter the ledger. Only the due entries of the
    /// settle index are touched: O(due + log n).
    pub(crate) fn settle(&mut self, now: DateTime<Utc>) {
        loop {
            let key = match self.due.first_key_value() {
                Some(((at, _), key)) if *at <= now => key.clone(),
                _ => break,
            };
            self.next_settled += 1;
            let order = self.next_settled;
            let applied = self.modify(key.0, &key.1, |payment| {
                payment.settled = Some(order);
                payment
                    .succeeded(now)
                    .then(|| payment.amount_minor.saturating_mul(payment.kind.sign()))
            });
            match applied {
                Some(Some(delta)) => {
                    let product = key.0.product().index();
                    self.balances[product] = self.balances[product].saturating_add(delta);
                }
                Some(None) => {}
                // Not kept any more (never the case: dropping one leaves the index), but
                // never loop on it either.
                None => {
                    self.due.pop_first();
                }
            }
        }
    }

    /// How many of each kind of state are held (see [`crate::SandboxProvider::state_sizes`]).
    pub(crate) fn sizes(&self) -> Value {
        json!({
            "payments": self.payments.len(),
            "settle_index": self.due.len(),
            "settled": self.next_settled,
            "tokens": self.tokens.len(),
            "consents": self.auth_requests.len(),
            "api_users": self.users.droppable(),
        })
    }

    pub(crate) fn ledger(&self, now: DateTime<Utc>) -> Ledger {
        let accounts = Product::ALL
            .into_iter()
            .map(|product| {
                let mut settled: Vec<&Payment> = self
                    .payments
                    .values()
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

/// The index of a kind's product in per-product arrays.
fn product_of(kind: Kind) -> usize {
    kind.product().index()
}

/// The shared state behind every route.
#[derive(Debug)]
pub(crate) struct State {
    ctx: ProviderContext,
    momo: Mutex<Momo>,
}

impl State {
    pub(crate) fn new(ctx: ProviderContext) -> Arc<State> {
        let momo = Momo::seeded(ctx.seed(), ctx.state_limits().clone());
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

    /// Runs `f` on the state after applying every end reached by now and dropping what
    /// expired.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Momo, DateTime<Utc>) -> R) -> R {
        let now = self.now();
        let mut momo = lock(&self.momo);
        momo.settle(now);
        momo.expire(now);
        f(&mut momo, now)
    }

    pub(crate) fn reset(&self) {
        *lock(&self.momo) = Momo::seeded(self.ctx.seed(), self.ctx.state_limits().clone());
    }
}

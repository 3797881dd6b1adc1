//! The imitation's state: account balances, their movements, and charges with their
//! refunds, behind one lock. Everything here is short and does no I/O.

use std::collections::{HashMap, VecDeque};

use bankkit_core::money::{currency_from_code, exponent, Money};
use bankkit_sandbox::{LedgerAccount, LedgerTransaction, SeededRng};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ACCOUNTS, DECLINING_CARD, PENDING_CARD};

/// Charges kept; the oldest goes first when a new one would pass it.
pub(super) const MAX_CHARGES: usize = 10_000;
/// Movements kept per account for the ledger; balances are kept whatever is dropped.
pub(super) const MAX_MOVEMENTS: usize = 10_000;
/// Refunds one charge may have.
const MAX_REFUNDS: usize = 50;
/// The largest amount Acme charges, in minor units (999 999.99).
const MAX_AMOUNT_MINOR: i64 = 99_999_999;
/// How long a hold lasts before Acme releases it.
const HOLD_DAYS: i64 = 7;

/// An Acme error: status, code, message.
pub(super) type Refusal = (u16, &'static str, String);

fn refuse(status: u16, code: &'static str, message: impl Into<String>) -> Refusal {
    (status, code, message.into())
}

/// The body of `POST /v1/charges`, as Acme's documentation lists it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChargeParams {
    amount: String,
    currency: String,
    card: CardParams,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default = "captured_by_default")]
    capture: bool,
}

fn captured_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CardParams {
    number: String,
    exp_month: u32,
    exp_year: u32,
    #[serde(default)]
    cvc: Option<String>,
}

/// The body of a capture or a refund.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AmountParams {
    #[serde(default)]
    amount: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Succeeded,
    Failed,
    Pending,
    Authorized,
    Canceled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Pending => "pending",
            Self::Authorized => "authorized",
            Self::Canceled => "canceled",
        }
    }
}

#[derive(Debug)]
struct Failure {
    code: &'static str,
    decline_code: Option<&'static str>,
    message: &'static str,
}

#[derive(Debug)]
struct RefundRecord {
    id: String,
    amount: i64,
    created_at: DateTime<Utc>,
}

#[derive(Debug)]
struct Charge {
    id: String,
    status: Status,
    amount: i64,
    captured: i64,
    currency: &'static str,
    exponent: u32,
    account: usize,
    reference: Option<String>,
    capture: bool,
    brand: &'static str,
    last4: String,
    exp_month: u32,
    exp_year: u32,
    failure: Option<Failure>,
    refunds: Vec<RefundRecord>,
    created_at: DateTime<Utc>,
}

impl Charge {
    fn refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    fn decimal(&self, minor: i64) -> String {
        decimal(minor, self.exponent)
    }

    fn refund_json(&self, refund: &RefundRecord) -> Value {
        json!({
            "id": refund.id,
            "object": "refund",
            "charge": self.id,
            "amount": self.decimal(refund.amount),
            "currency": self.currency,
            "status": "succeeded",
            "created_at": time(refund.created_at),
        })
    }

    fn json(&self) -> Value {
        let failure = self.failure.as_ref();
        json!({
            "id": self.id,
            "object": "charge",
            "status": self.status.as_str(),
            "amount": self.decimal(self.amount),
            "amount_captured": self.decimal(self.captured),
            "amount_refunded": self.decimal(self.refunded()),
            "currency": self.currency,
            "reference": self.reference,
            "capture": self.capture,
            "card": {
                "brand": self.brand,
                "last4": self.last4,
                "exp_month": self.exp_month,
                "exp_year": self.exp_year,
            },
            "failure_code": failure.map(|f| f.code),
            "decline_code": failure.and_then(|f| f.decline_code),
            "failure_message": failure.map(|f| f.message),
            "refunds": self.refunds.iter().map(|r| self.refund_json(r)).collect::<Vec<_>>(),
            "created_at": time(self.created_at),
        })
    }
}

/// A balance change on an account, for the ledger.
#[derive(Debug)]
struct Movement {
    id: String,
    time: DateTime<Utc>,
    amount_minor: i64,
    description: String,
}

/// `minor` units as a decimal string with `exponent` places.
fn decimal(minor: i64, exponent: u32) -> String {
    bankkit_core::Decimal::new(minor, exponent).to_string()
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn brand(number: &str) -> &'static str {
    match number.as_bytes() {
        [b'4', ..] => "visa",
        [b'5', b'1'..=b'5', ..] => "mastercard",
        [b'3', b'4' | b'7', ..] => "amex",
        _ => "unknown",
    }
}

/// Everything the imitation holds.
#[derive(Debug)]
pub(super) struct Books {
    rng: SeededRng,
    balances: Vec<i64>,
    movements: Vec<VecDeque<Movement>>,
    charges: HashMap<String, Charge>,
    order: VecDeque<String>,
    max_charges: usize,
}

impl Books {
    /// The seeded state: the accounts' opening balances, no charges.
    pub(super) fn seeded(seed: u64) -> Self {
        Self::with_cap(seed, MAX_CHARGES)
    }

    pub(super) fn with_cap(seed: u64, max_charges: usize) -> Self {
        Self {
            rng: SeededRng::for_stream(seed, "acme"),
            balances: ACCOUNTS.iter().map(|a| a.balance_minor).collect(),
            movements: ACCOUNTS.iter().map(|_| VecDeque::new()).collect(),
            charges: HashMap::new(),
            order: VecDeque::new(),
            max_charges: max_charges.max(1),
        }
    }

    pub(super) fn balance(&self, account: usize) -> i64 {
        self.balances.get(account).copied().unwrap_or_default()
    }

    pub(super) fn sizes(&self) -> Value {
        json!({
            "charges": self.charges.len(),
            "movements": self.movements.iter().map(VecDeque::len).sum::<usize>(),
        })
    }

    pub(super) fn ledger_account(&self, index: usize) -> Option<LedgerAccount> {
        let account = ACCOUNTS.get(index)?;
        Some(LedgerAccount {
            id: account.id.to_owned(),
            kind: account.kind.to_owned(),
            currency: account.currency.to_owned(),
            balance_minor: self.balance(index),
            transactions: self
                .movements
                .get(index)
                .map(|moves| {
                    moves
                        .iter()
                        .map(|m| LedgerTransaction {
                            id: m.id.clone(),
                            time: m.time,
                            amount_minor: m.amount_minor,
                            description: m.description.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    fn book(&mut self, account: usize, id: &str, at: DateTime<Utc>, minor: i64, what: String) {
        if let Some(balance) = self.balances.get_mut(account) {
            *balance = balance.saturating_add(minor);
        }
        if let Some(moves) = self.movements.get_mut(account) {
            if moves.len() >= MAX_MOVEMENTS {
                moves.pop_front();
            }
            moves.push_back(Movement {
                id: id.to_owned(),
                time: at,
                amount_minor: minor,
                description: what,
            });
        }
    }

    /// `POST /v1/charges`.
    pub(super) fn create(
        &mut self,
        params: ChargeParams,
        now: DateTime<Utc>,
    ) -> Result<Value, Refusal> {
        let account = ACCOUNTS
            .iter()
            .position(|a| a.kind == "current" && a.currency == params.currency)
            .ok_or_else(|| {
                refuse(
                    400,
                    "currency_not_supported",
                    format!(
                        "charges in {:?} are not supported: the merchant has no current account \
                         in it",
                        params.currency
                    ),
                )
            })?;
        let currency = ACCOUNTS[account].currency;
        let exponent = currency_from_code(currency)
            .and_then(exponent)
            .map_err(|_| refuse(400, "currency_not_supported", "no minor unit"))?;
        let amount = parse_amount(&params.amount, currency)?;
        let card = params.card;
        if !(12..=19).contains(&card.number.len())
            || !card.number.bytes().all(|b| b.is_ascii_digit())
            || !bankkit_core::payment::luhn(&card.number)
        {
            return Err(refuse(
                400,
                "invalid_number",
                "the card number is not a valid card number",
            ));
        }
        if !(1..=12).contains(&card.exp_month) {
            return Err(refuse(
                400,
                "invalid_expiry_month",
                "exp_month must be 1 to 12",
            ));
        }
        if !(2000..=2099).contains(&card.exp_year) {
            return Err(refuse(
                400,
                "invalid_expiry_year",
                "exp_year must have four digits",
            ));
        }
        if let Some(cvc) = &card.cvc {
            if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refuse(400, "invalid_cvc", "cvc must have 3 or 4 digits"));
            }
        }
        if params
            .reference
            .as_ref()
            .is_some_and(|r| r.is_empty() || r.len() > 255)
        {
            return Err(refuse(
                400,
                "invalid_reference",
                "reference must have 1 to 255 characters",
            ));
        }

        let expired = {
            use chrono::Datelike;
            (card.exp_year, card.exp_month) < (u32::try_from(now.year()).unwrap_or(0), now.month())
        };
        let (status, failure) = if expired {
            let failure = Failure {
                code: "expired_card",
                decline_code: None,
                message: "The card has expired.",
            };
            (Status::Failed, Some(failure))
        } else if card.number == DECLINING_CARD {
            let failure = Failure {
                code: "card_declined",
                decline_code: Some("insufficient_funds"),
                message: "The card has insufficient funds.",
            };
            (Status::Failed, Some(failure))
        } else if card.number == PENDING_CARD {
            (Status::Pending, None)
        } else if params.capture {
            (Status::Succeeded, None)
        } else {
            (Status::Authorized, None)
        };
        let id = format!("ch_{}", self.rng.alnum(24));
        let captured = if status == Status::Succeeded {
            amount
        } else {
            0
        };
        let charge = Charge {
            id: id.clone(),
            status,
            amount,
            captured,
            currency,
            exponent,
            account,
            reference: params.reference,
            capture: params.capture,
            brand: brand(&card.number),
            last4: card.number[card.number.len() - 4..].to_owned(),
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            failure,
            refunds: Vec::new(),
            created_at: now,
        };
        if captured > 0 {
            self.book(account, &id, now, captured, format!("Card payment {id}"));
        }
        let answer = charge.json();
        if self.order.len() >= self.max_charges {
            if let Some(oldest) = self.order.pop_front() {
                self.charges.remove(&oldest);
            }
        }
        self.order.push_back(id.clone());
        self.charges.insert(id, charge);
        Ok(answer)
    }

    /// The charge `id`, its hold released if it outlived the hold period.
    fn charge(&mut self, id: &str, now: DateTime<Utc>) -> Result<&mut Charge, Refusal> {
        let charge = self
            .charges
            .get_mut(id)
            .ok_or_else(|| refuse(404, "not_found", format!("no such charge: {id}")))?;
        if charge.status == Status::Authorized
            && now - charge.created_at > Duration::days(HOLD_DAYS)
        {
            charge.status = Status::Canceled;
        }
        Ok(charge)
    }

    /// `GET /v1/charges/{id}`.
    pub(super) fn read(&mut self, id: &str, now: DateTime<Utc>) -> Result<Value, Refusal> {
        Ok(self.charge(id, now)?.json())
    }

    /// `POST /v1/charges/{id}/capture`.
    pub(super) fn capture(
        &mut self,
        id: &str,
        params: AmountParams,
        now: DateTime<Utc>,
    ) -> Result<Value, Refusal> {
        let charge = self.charge(id, now)?;
        if charge.status != Status::Authorized {
            return Err(refuse(
                409,
                "charge_not_capturable",
                format!("charge {id} is {}, not authorized", charge.status.as_str()),
            ));
        }
        let amount = match &params.amount {
            Some(text) => parse_amount(text, charge.currency)?,
            None => charge.amount,
        };
        if amount > charge.amount {
            return Err(refuse(
                400,
                "amount_too_large",
                format!(
                    "the capture is larger than the {} held",
                    charge.decimal(charge.amount)
                ),
            ));
        }
        charge.status = Status::Succeeded;
        charge.captured = amount;
        let answer = charge.json();
        let account = charge.account;
        self.book(
            account,
            id,
            now,
            amount,
            format!("Card payment {id} (captured)"),
        );
        Ok(answer)
    }

    /// `POST /v1/charges/{id}/cancel`.
    pub(super) fn cancel(&mut self, id: &str, now: DateTime<Utc>) -> Result<Value, Refusal> {
        let charge = self.charge(id, now)?;
        if charge.status != Status::Authorized {
            return Err(refuse(
                409,
                "charge_not_cancelable",
                format!(
                    "charge {id} is {}: only a hold can be canceled",
                    charge.status.as_str()
                ),
            ));
        }
        charge.status = Status::Canceled;
        Ok(charge.json())
    }

    /// `POST /v1/charges/{id}/refunds`.
    pub(super) fn refund(
        &mut self,
        id: &str,
        params: AmountParams,
        now: DateTime<Utc>,
    ) -> Result<Value, Refusal> {
        let refund_id = format!("re_{}", self.rng.alnum(24));
        let charge = self.charge(id, now)?;
        if charge.status != Status::Succeeded {
            return Err(refuse(
                409,
                "charge_not_refundable",
                format!(
                    "charge {id} is {}: only a succeeded charge is refunded",
                    charge.status.as_str()
                ),
            ));
        }
        let left = charge.captured - charge.refunded();
        if left <= 0 {
            return Err(refuse(
                409,
                "charge_already_refunded",
                format!("charge {id} is refunded in full"),
            ));
        }
        if charge.refunds.len() >= MAX_REFUNDS {
            return Err(refuse(
                409,
                "too_many_refunds",
                format!("charge {id} has {MAX_REFUNDS} refunds"),
            ));
        }
        let amount = match &params.amount {
            Some(text) => parse_amount(text, charge.currency)?,
            None => left,
        };
        if amount > left {
            return Err(refuse(
                400,
                "amount_too_large",
                format!(
                    "the refund is larger than the {} left to refund",
                    charge.decimal(left)
                ),
            ));
        }
        let refund = RefundRecord {
            id: refund_id.clone(),
            amount,
            created_at: now,
        };
        let answer = charge.refund_json(&refund);
        charge.refunds.push(refund);
        let account = charge.account;
        self.book(
            account,
            &refund_id,
            now,
            -amount,
            format!("Refund {refund_id} of {id}"),
        );
        Ok(answer)
    }
}

/// A positive decimal amount in `currency`, in minor units.
fn parse_amount(text: &str, currency: &str) -> Result<i64, Refusal> {
    let bad = || {
        refuse(
            400,
            "invalid_amount",
            format!("{text:?} is not a valid amount in {currency}"),
        )
    };
    let currency = currency_from_code(currency).map_err(|_| bad())?;
    let minor = Money::parse(text, currency)
        .and_then(|m| m.to_minor())
        .map_err(|_| bad())?;
    if minor <= 0 {
        return Err(bad());
    }
    if minor > MAX_AMOUNT_MINOR {
        return Err(refuse(
            400,
            "amount_too_large",
            format!("{text} is over Acme's limit"),
        ));
    }
    Ok(minor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imitation::SUCCEEDING_CARD;

    fn now() -> DateTime<Utc> {
        bankkit_sandbox::default_start_time()
    }

    fn params(number: &str, amount: &str, capture: bool) -> ChargeParams {
        serde_json::from_value(json!({
            "amount": amount, "currency": "EUR", "capture": capture,
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }))
        .unwrap()
    }

    fn amount(text: Option<&str>) -> AmountParams {
        serde_json::from_value(json!({ "amount": text })).unwrap()
    }

    #[test]
    fn magic_cards_succeed_fail_or_stay_pending_and_bad_numbers_are_refused() {
        let mut books = Books::seeded(1);
        let ok = books
            .create(params(SUCCEEDING_CARD, "12.34", true), now())
            .unwrap();
        assert_eq!(
            (ok["status"].clone(), ok["amount_captured"].clone()),
            (json!("succeeded"), json!("12.34"))
        );
        let failed = books
            .create(params(DECLINING_CARD, "5.55", true), now())
            .unwrap();
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["failure_code"], "card_declined");
        assert_eq!(failed["decline_code"], "insufficient_funds");
        let pending = books
            .create(params(PENDING_CARD, "3.33", true), now())
            .unwrap();
        let later = now() + Duration::days(30);
        let id = pending["id"].as_str().unwrap();
        assert_eq!(books.read(id, later).unwrap()["status"], "pending");

        let bad = books.create(params("4242424242424241", "1.00", true), now());
        assert!(matches!(bad, Err((400, "invalid_number", _))));
        let fine = books.create(params(SUCCEEDING_CARD, "1.001", true), now());
        assert!(matches!(fine, Err((400, "invalid_amount", _))));
        let mut gbp = params(SUCCEEDING_CARD, "1.00", true);
        gbp.currency = "GBP".into();
        assert!(matches!(
            books.create(gbp, now()),
            Err((400, "currency_not_supported", _))
        ));
        assert!(matches!(books.read("ch_nope", now()), Err((404, ..))));

        let ledger = books.ledger_account(0).unwrap();
        assert_eq!(ledger.currency, "EUR");
        assert_eq!(ledger.balance_minor, 123_456 + 1234);
        assert_eq!(
            ledger.transactions.len(),
            1,
            "only the charge that succeeded moved money"
        );
    }

    #[test]
    fn holds_are_captured_cancelled_or_released_and_refunds_fit_what_was_taken() {
        let mut books = Books::seeded(1);
        let hold = books
            .create(params(SUCCEEDING_CARD, "50.00", false), now())
            .unwrap();
        let id = hold["id"].as_str().unwrap().to_owned();
        assert_eq!(hold["status"], "authorized");
        assert!(matches!(
            books.refund(&id, amount(None), now()),
            Err((409, ..))
        ));
        assert!(matches!(
            books.capture(&id, amount(Some("50.01")), now()),
            Err((400, "amount_too_large", _))
        ));
        let captured = books.capture(&id, amount(Some("32.00")), now()).unwrap();
        assert_eq!(captured["amount_captured"], "32.00");
        assert!(matches!(
            books.capture(&id, amount(None), now()),
            Err((409, ..))
        ));
        assert!(matches!(books.cancel(&id, now()), Err((409, ..))));

        assert!(matches!(
            books.refund(&id, amount(Some("32.01")), now()),
            Err((400, "amount_too_large", _))
        ));
        let part = books.refund(&id, amount(Some("12.00")), now()).unwrap();
        assert_eq!(
            (part["charge"].as_str(), part["amount"].as_str()),
            (Some(id.as_str()), Some("12.00"))
        );
        let rest = books.refund(&id, amount(None), now()).unwrap();
        assert_eq!(rest["amount"], "20.00");
        assert!(matches!(
            books.refund(&id, amount(None), now()),
            Err((409, "charge_already_refunded", _))
        ));
        let moves: Vec<i64> = books
            .ledger_account(0)
            .unwrap()
            .transactions
            .iter()
            .map(|t| t.amount_minor)
            .collect();
        assert_eq!(moves, [3200, -1200, -2000]);

        let released = books
            .create(params(SUCCEEDING_CARD, "61.00", false), now())
            .unwrap();
        let released = released["id"].as_str().unwrap();
        assert_eq!(books.cancel(released, now()).unwrap()["status"], "canceled");
        let old = books
            .create(params(SUCCEEDING_CARD, "7.00", false), now())
            .unwrap();
        let old = old["id"].as_str().unwrap();
        assert_eq!(
            books.read(old, now() + Duration::days(8)).unwrap()["status"],
            "canceled"
        );
        assert_eq!(books.ledger_account(0).unwrap().transactions.len(), 3);
    }

    #[test]
    fn charges_are_capped_oldest_first_and_balances_are_kept() {
        let mut books = Books::with_cap(1, 3);
        let ids: Vec<String> = (0..5)
            .map(|_| {
                let charge = books
                    .create(params(SUCCEEDING_CARD, "1.00", true), now())
                    .unwrap();
                charge["id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(books.sizes()["charges"], 3);
        assert!(matches!(books.read(&ids[0], now()), Err((404, ..))));
        assert!(books.read(&ids[4], now()).is_ok());
        assert_eq!(books.balance(0), 123_456 + 500);
    }

    #[test]
    fn a_body_error_never_quotes_a_card_number() {
        let sent = json!({
            "amount": "1.00", "currency": "EUR", "capture": true,
            "card": {"number": 4242424242424242_u64, "exp_month": 12, "exp_year": 2030},
        });
        let error = serde_json::from_value::<ChargeParams>(sent).err().unwrap();
        // The imitation's `body` passes serde's text on only for field names.
        assert!(!error.to_string().starts_with("unknown field"));
        assert!(!error.to_string().starts_with("missing field"));
        use bankkit_core::payment::luhn;
        assert!(luhn(PENDING_CARD) && luhn(DECLINING_CARD) && luhn(SUCCEEDING_CARD));
    }
}

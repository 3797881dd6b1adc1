//! The sandbox imitation of the Acme API, registered with `bankkit-sandbox` so the
//! conformance runner can test the provider offline.
//!
//! It is written from the (fictional) API's documentation in the crate docs, not from the
//! client's types: the two share no code, so a misread field fails a check instead of
//! passing on both sides.
//!
//! - **Accounts**: `acc_main` (current, EUR) and `acc_savings` (savings, GBP). Charges are
//!   made in the currency of a current account and settle into it: each charge taken (at
//!   once or by a capture) is a positive movement of its amount, each refund a negative
//!   one, and the balances the API reports move with them.
//! - **Magic cards** (any future expiry, any CVC): `4242424242424242` succeeds (or is held),
//!   `4000000000000002` fails `card_declined` / `insufficient_funds`, `4000000000000010`
//!   stays `pending` however far the clock moves. Any other number passing the Luhn check
//!   succeeds; one failing it is a 400 `invalid_number`; an expired card fails
//!   `expired_card`.
//! - **Holds** last 7 days on the sandbox clock, then read `canceled`.
//! - **Bounds**: at most 10 000 charges (the oldest goes first) and 10 000 movements per
//!   account in the ledger (balances are kept); at most 50 refunds per charge.
//! - Every refusal, injected faults included, is in Acme's error shape
//!   `{"error": {"code", "message"}}`.

mod charges;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bankkit_sandbox::{
    Ledger, ProviderContext, Reply, Respond, Route, Routes, SandboxError, SandboxEvent,
    SandboxProvider, TestOutcome, TestParty,
};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::Request;

use self::charges::{AmountParams, Books, ChargeParams, Refusal};

const API_KEY: &str = "acme_test_key_0123456789";

/// A card whose charges succeed.
const SUCCEEDING_CARD: &str = "4242424242424242";
/// A card whose charges fail for insufficient funds.
const DECLINING_CARD: &str = "4000000000000002";
/// A card whose charges stay pending.
const PENDING_CARD: &str = "4000000000000010";

/// One seeded account.
struct SeededAccount {
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    currency: &'static str,
    balance_minor: i64,
}

/// The seeded accounts; the first is the merchant's current account charges settle into.
const ACCOUNTS: [SeededAccount; 2] = [
    SeededAccount {
        id: "acc_main",
        name: "Main",
        kind: "current",
        currency: "EUR",
        balance_minor: 123_456,
    },
    SeededAccount {
        id: "acc_savings",
        name: "Savings",
        kind: "savings",
        currency: "GBP",
        balance_minor: 500_000,
    },
];

/// The imitation and its state.
#[derive(Debug)]
pub(crate) struct Acme {
    state: Arc<State>,
}

#[derive(Debug)]
struct State {
    ctx: ProviderContext,
    books: Mutex<Books>,
}

impl State {
    fn books(&self) -> MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }
}

pub(crate) fn build(ctx: &ProviderContext) -> Arc<dyn SandboxProvider> {
    Arc::new(Acme {
        state: Arc::new(State {
            ctx: ctx.clone(),
            books: Mutex::new(Books::seeded(ctx.seed())),
        }),
    })
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::new(status).set_body_json(json!({"error": {"code": code, "message": message}}))
}

fn refused((status, code, message): Refusal) -> Reply {
    error(status, code, &message)
}

fn authorised(request: &Request) -> bool {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {API_KEY}"))
}

fn unauthorised() -> Reply {
    error(401, "unauthorized", "missing or unknown API key")
}

/// The request's JSON body as `T`. Serde's message is passed on only when it names a
/// field, never a value: a value could be a card number.
fn body<T: DeserializeOwned>(request: &Request) -> Result<T, Refusal> {
    serde_json::from_slice(&request.body).map_err(|e| {
        let text = e.to_string();
        let message = if text.starts_with("unknown field") || text.starts_with("missing field") {
            text
        } else {
            format!(
                "the body is not valid for this endpoint (line {}, column {})",
                e.line(),
                e.column()
            )
        };
        (400, "invalid_request", message)
    })
}

fn account_json(books: &Books, index: usize) -> Option<Value> {
    let account = ACCOUNTS.get(index)?;
    let minor = books.balance(index);
    Some(json!({
        "id": account.id,
        "name": account.name,
        "type": account.kind,
        "currency": account.currency,
        "balance": bankkit_core::Decimal::new(minor, 2).to_string(),
    }))
}

struct ListAccounts(Arc<State>);

impl Respond for ListAccounts {
    fn respond(&self, request: &Request) -> Reply {
        if !authorised(request) {
            return unauthorised();
        }
        let books = self.0.books();
        let accounts: Vec<Value> = (0..ACCOUNTS.len())
            .filter_map(|i| account_json(&books, i))
            .collect();
        Reply::new(200).set_body_json(json!({ "accounts": accounts }))
    }
}

struct GetAccount(Arc<State>);

impl Respond for GetAccount {
    fn respond(&self, request: &Request) -> Reply {
        if !authorised(request) {
            return unauthorised();
        }
        let id = request.url.path().trim_start_matches("/v1/accounts/");
        let books = self.0.books();
        match ACCOUNTS
            .iter()
            .position(|a| a.id == id)
            .and_then(|i| account_json(&books, i))
        {
            Some(account) => Reply::new(200).set_body_json(account),
            None => error(404, "not_found", "no such account"),
        }
    }
}

/// What a charge route does.
#[derive(Clone, Copy)]
enum ChargeAction {
    Create,
    Read,
    Capture,
    Cancel,
    Refund,
}

struct Charges {
    state: Arc<State>,
    action: ChargeAction,
}

impl Respond for Charges {
    fn respond(&self, request: &Request) -> Reply {
        if !authorised(request) {
            return unauthorised();
        }
        // `/v1/charges/{id}[/…]`: the routes' patterns guarantee the id segment.
        let id = request.url.path().split('/').nth(3).unwrap_or_default();
        let now = self.state.now();
        let answer = match self.action {
            ChargeAction::Create => body::<ChargeParams>(request)
                .and_then(|params| self.state.books().create(params, now))
                .map(|charge| (201, charge)),
            ChargeAction::Read => self.state.books().read(id, now).map(|c| (200, c)),
            ChargeAction::Capture => body::<AmountParams>(request)
                .and_then(|params| self.state.books().capture(id, params, now))
                .map(|charge| (200, charge)),
            ChargeAction::Cancel => self.state.books().cancel(id, now).map(|c| (200, c)),
            ChargeAction::Refund => body::<AmountParams>(request)
                .and_then(|params| self.state.books().refund(id, params, now))
                .map(|refund| (201, refund)),
        };
        match answer {
            Ok((status, value)) => Reply::new(status).set_body_json(value),
            Err(refusal) => refused(refusal),
        }
    }
}

struct NotFound;

impl Respond for NotFound {
    fn respond(&self, _: &Request) -> Reply {
        error(404, "not_found", "no such endpoint")
    }
}

impl SandboxProvider for Acme {
    fn name(&self) -> &'static str {
        "acme"
    }

    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
        ctx.set_error_body(|status| {
            json!({"error": {"code": format!("http_{status}"), "message": "injected fault"}})
        });
        let state = || self.state.clone();
        let charges = |verb: &str, pattern: &str, action| {
            ctx.route(
                Route::given(method(verb)).and(path_regex(pattern)),
                Charges {
                    state: state(),
                    action,
                },
            )
        };
        let table = [
            ctx.route(
                Route::given(method("GET")).and(path("/v1/accounts")),
                ListAccounts(state()),
            ),
            ctx.route(
                Route::given(method("GET")).and(path_regex(r"^/v1/accounts/[^/]+$")),
                GetAccount(state()),
            ),
            charges("POST", r"^/v1/charges$", ChargeAction::Create),
            charges("GET", r"^/v1/charges/[^/]+$", ChargeAction::Read),
            charges(
                "POST",
                r"^/v1/charges/[^/]+/capture$",
                ChargeAction::Capture,
            ),
            charges("POST", r"^/v1/charges/[^/]+/cancel$", ChargeAction::Cancel),
            charges("POST", r"^/v1/charges/[^/]+/refunds$", ChargeAction::Refund),
            ctx.route(Route::any(), NotFound).with_priority(10),
        ];
        for route in table {
            routes.mount(route);
        }
    }

    fn credentials(&self) -> Value {
        json!({ "api_key": API_KEY })
    }

    fn ledger(&self) -> Ledger {
        let books = self.state.books();
        Ledger {
            accounts: (0..ACCOUNTS.len())
                .filter_map(|i| books.ledger_account(i))
                .collect(),
        }
    }

    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        Err(SandboxError::UnsupportedEvent(match event {
            SandboxEvent::PayerActs { .. } => {
                "acme charges cards directly: there is no payment page to act on".to_owned()
            }
            other => format!("{other:?}"),
        }))
    }

    fn reset(&self) {
        *self.state.books() = Books::seeded(self.state.ctx.seed());
    }

    fn test_party(&self, outcome: TestOutcome) -> Option<TestParty> {
        let card = match outcome {
            TestOutcome::Success => SUCCEEDING_CARD,
            TestOutcome::Failure => DECLINING_CARD,
            TestOutcome::Pending => PENDING_CARD,
            _ => return None,
        };
        Some(TestParty {
            kind: "card".to_owned(),
            value: card.to_owned(),
        })
    }

    fn state_sizes(&self) -> Value {
        self.state.books().sizes()
    }
}

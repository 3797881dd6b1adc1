//! Morune (`api.morune.com`, the Enot v2 API under another host): invoices with a payment
//! page, the shop's payment tariffs, the user's balance, payoffs and the SBP bank list, for
//! one seeded shop and its owner.
//!
//! - **Endpoints** (paths at the root, as the real API): `POST /invoice/create`,
//!   `GET /invoice/info`, `GET /shops/{shop_id}/payment-tariffs` (shop calls, header
//!   `x-api-key`); `GET /account/users/{user_id}/balance`, `POST /payoff/create`,
//!   `GET /payoff/info`, `GET /payoff/get-sbp-bank-list` (user calls, header
//!   `x-api-signature-sha256` carrying the user's key as is). Bodies are JSON (a form body is
//!   read too); reads take query parameters.
//! - **Envelope**: every answer, errors and injected faults included, is
//!   `{"data": …, "status": <HTTP status>, "status_check": <status == 200>}`, with
//!   `"data": null` and `"error": "<Russian text>"` on failure. 401 for a wrong id or key, 404
//!   for an unknown invoice or payoff (and path), 405 for a known path with another method,
//!   422 for validation in Laravel's Russian wording: `"Поле user id должно быть в формате
//!   UUID."` (verbatim from the docs), `"Поле amount обязательно для заполнения."`,
//!   `"Поле invoice id обязательно для заполнения, когда order id не указано."` and so on.
//!   Ids are checked for UUID shape first (422), then the key (401), then the rest (422).
//! - **Invoices**: `expire` defaults to 300 minutes; more than 7200 is a 422 (`"Поле expire не
//!   может быть больше 7200."`; the docs give only the maximum, the refusal is inferred).
//!   `created` → `success` / `fail` (payment page or event) or `expired` when `expired_at`
//!   passes on the sandbox clock. Fees follow the tariff of the method paid with; the shop
//!   bears all of it (`shop_commission_amount` = `commission_amount`, `credited` = amount −
//!   fee). USD, EUR and UAH invoices are valued in RUB at fixed rates (90, 100, 2.25).
//! - **Duplicates**: a second `invoice/create` or `payoff/create` with an `order_id` already
//!   held is refused with 422 `"Такое значение поля order id уже существует."` (inferred:
//!   the docs say nothing); the event `{"type":"duplicate_order_id","mode":"existing"}` (binary:
//!   `--morune-duplicates existing`) answers the existing object instead.
//! - **Balance**: a paid invoice's `credited` amount is frozen (`freeze_balance`) for 24 h of
//!   sandbox clock, then active (`active_balance`); `balance` is their sum. The user starts with
//!   250 000.00 RUB active. A payoff debits `active_balance` when created (403 when it is not
//!   enough), finishes 60 s later (`wait` → `success`, or `fail` and the money returns), and
//!   `subtract` 1 adds the fee on top of the amount, 2 (default) takes it out of the amount.
//! - **Magic numbers** (card, phone or wallet, for payments and payoffs): `4000000000000002`
//!   fails, `4000000000000010` never finishes (invoice stays `created`, payoff `wait`), anything
//!   else succeeds.
//! - **Webhooks**: on each final invoice status to its `hook_url` (§6.1 body: amounts as
//!   strings, `type` 1, `code` 1 / 31 expired / 32 failed, `pay_service`, `payer_details`,
//!   `credited`, `pay_time` or `reject_time`), and on each final payoff status to its
//!   `hook_url` (§6.2 body). The body is the canonical JSON (keys sorted at every level,
//!   compact, raw UTF-8, no `\/`) and `x-api-sha256-signature` is its lowercase hex
//!   HMAC-SHA256 under the shop's (payments) or user's (payoffs) additional key. 3 attempts,
//!   60 s apart on the sandbox clock, until a 2xx (inferred: nothing is published).
//! - **Payment page**: `url` = `{pay host}/{invoice_id}`, elements `shop`, `amount`, `order`,
//!   `comment`, `method` (select), `pan`, `pay`, `fail`, `error`, `status` (`data-status`).
//! - **Events**: [`SandboxEvent::PayerActs`] and `{"type":"pay_invoice","invoice_id":…,
//!   "outcome":"success"|"failure"|"pending","method":…,"payer":…}` pay an invoice as the page
//!   does; `duplicate_order_id` sets the duplicate mode.
//! - **Times** are `"Y-m-d H:i:s"` in Moscow time (UTC+3; inferred, the docs give no zone).
//! - **Bounded state**: invoices and payoffs each capped by `max_payments` (finished first),
//!   the ledger by `max_added_transactions`.

mod page;
mod routes;
mod sign;
mod state;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use wiremock::matchers::{any, method, path_regex};

use self::page::PaymentPage;
use self::routes::{Endpoint, MethodNotAllowed, NotFound, ENDPOINTS};
use self::state::{Duplicates, Outcome, Seed, Shop};
use crate::sync::lock;
use crate::{
    Ledger, ProviderContext, ProviderRegistration, Route, Routes, SandboxError, SandboxEvent,
    SandboxProvider, TestOutcome, TestParty,
};

/// The provider's name in the registry.
pub(crate) const NAME: &str = "morune";

/// The payment page host.
pub(crate) const PAY_HOST: &str = "pay";

/// The built-in registration.
pub(crate) static REGISTRATION: ProviderRegistration = ProviderRegistration {
    name: NAME,
    build,
    hosts: &[PAY_HOST],
};

pub(crate) fn build(ctx: &ProviderContext) -> Arc<dyn SandboxProvider> {
    ctx.set_error_body(routes::error_body_for);
    let seed = Seed::generate(ctx.seed(), ctx.started_at());
    let shop = Shop::new(
        seed.clone(),
        ctx.webhooks().clone(),
        ctx.state_limits().clone(),
    );
    Arc::new(Morune {
        core: Arc::new(MoruneSandbox {
            ctx: ctx.clone(),
            seed,
            shop: Mutex::new(shop),
        }),
    })
}

/// The state shared by the routes and the page.
#[derive(Debug)]
pub(crate) struct MoruneSandbox {
    ctx: ProviderContext,
    seed: Seed,
    shop: Mutex<Shop>,
}

impl MoruneSandbox {
    /// Runs `f` on the shop, brought up to the clock's now (keep `f` short).
    fn with<T>(&self, f: impl FnOnce(&mut Shop, DateTime<Utc>) -> T) -> T {
        let now = self.ctx.now();
        let mut shop = lock(&self.shop);
        shop.catch_up(now);
        f(&mut shop, now)
    }

    /// Where the payment page is served.
    fn page_base(&self) -> String {
        self.ctx
            .host_url(PAY_HOST)
            .unwrap_or(self.ctx.base_url())
            .to_owned()
    }

    /// Pays, fails or leaves open an invoice as its payer would on the page.
    fn payer_acts(
        &self,
        id: &str,
        outcome: TestOutcome,
        method: Option<&str>,
        payer: Option<&str>,
    ) -> Result<Value, SandboxError> {
        let outcome = match outcome {
            TestOutcome::Success => Outcome::Success,
            TestOutcome::Failure => Outcome::Fail,
            _ => Outcome::Pending,
        };
        self.with(|shop, now| {
            let invoice = shop
                .invoices
                .get(id)
                .ok_or_else(|| SandboxError::InvalidEvent(format!("unknown invoice `{id}`")))?;
            if invoice.status != state::InvoiceStatus::Created {
                return Err(SandboxError::InvalidEvent(format!(
                    "invoice {id} is {}, not payable",
                    invoice.status.as_str()
                )));
            }
            let service = match method {
                None => invoice.methods.first().copied(),
                Some(wanted) => invoice.methods.iter().copied().find(|m| *m == wanted),
            }
            .ok_or_else(|| {
                SandboxError::InvalidEvent(format!("invoice {id} does not offer that method"))
            })?;
            let payer = payer.map_or_else(
                || match state::tariff(service).map(|t| t.payer) {
                    Some(state::PayerKind::Phone) => "+79001234567".to_owned(),
                    Some(state::PayerKind::Wallet) => "4100118000000000".to_owned(),
                    _ => state::SUCCESS_CARD.to_owned(),
                },
                str::to_owned,
            );
            let shop_id = shop.seed.shop_id.clone();
            shop.settle(id, service, Some(&payer), outcome, now)
                .map(|invoice| invoice.info_json(&shop_id))
                .ok_or_else(|| SandboxError::InvalidEvent(format!("unknown invoice `{id}`")))
        })
    }
}

/// The Morune module.
#[derive(Debug)]
struct Morune {
    core: Arc<MoruneSandbox>,
}

impl Morune {
    fn custom(&self, event: &Value) -> Result<Value, SandboxError> {
        let field = |name: &str| event.get(name).and_then(Value::as_str);
        match field("type") {
            Some("pay_invoice") => {
                let id = field("invoice_id").ok_or_else(|| {
                    SandboxError::InvalidEvent("pay_invoice needs `invoice_id`".into())
                })?;
                let outcome = match event.get("outcome") {
                    None | Some(Value::Null) => TestOutcome::Success,
                    Some(Value::String(fail)) if fail == "fail" => TestOutcome::Failure,
                    Some(value) => serde_json::from_value(value.clone()).map_err(|_| {
                        SandboxError::InvalidEvent(
                            "`outcome` is \"success\", \"failure\" (or \"fail\") or \"pending\""
                                .into(),
                        )
                    })?,
                };
                self.core
                    .payer_acts(id, outcome, field("method"), field("payer"))
            }
            Some("duplicate_order_id") => {
                let mode = match field("mode") {
                    Some("reject") => Duplicates::Reject,
                    Some("existing") => Duplicates::Existing,
                    _ => {
                        return Err(SandboxError::InvalidEvent(
                            "duplicate_order_id needs \"mode\": \"reject\" or \"existing\"".into(),
                        ))
                    }
                };
                self.core.with(|shop, _| shop.duplicates = mode);
                Ok(json!({ "mode": field("mode") }))
            }
            other => Err(SandboxError::UnsupportedEvent(format!(
                "morune knows `pay_invoice` and `duplicate_order_id`, not {}",
                other.unwrap_or("an event without a type")
            ))),
        }
    }
}

impl SandboxProvider for Morune {
    fn name(&self) -> &'static str {
        NAME
    }

    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
        for (verb, pattern, op) in ENDPOINTS {
            routes.mount(ctx.route(
                Route::given(method(verb)).and(path_regex(pattern)),
                Endpoint {
                    sandbox: Arc::clone(&self.core),
                    op,
                },
            ));
            routes.mount(
                ctx.route(Route::given(path_regex(pattern)), MethodNotAllowed)
                    .with_priority(8),
            );
        }
        routes.mount(ctx.route(Route::given(any()), NotFound).with_priority(10));
    }

    fn mount_host(&self, host: &str, routes: &mut Routes, ctx: &ProviderContext) {
        if host == PAY_HOST {
            routes.mount(ctx.route(
                Route::given(any()),
                PaymentPage {
                    sandbox: Arc::clone(&self.core),
                },
            ));
        }
    }

    fn credentials(&self) -> Value {
        let seed = &self.core.seed;
        json!({
            "shop_id": seed.shop_id,
            "api_key": seed.api_key,
            "shop_additional_key": seed.shop_additional_key,
            "user_id": seed.user_id,
            "user_api_key": seed.user_api_key,
            "user_additional_key": seed.user_additional_key,
        })
    }

    fn ledger(&self) -> Ledger {
        Ledger {
            accounts: vec![self.core.with(|shop, _| shop.ledger_account())],
        }
    }

    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        match event {
            SandboxEvent::PayerActs {
                payment_id,
                outcome,
            } => self.core.payer_acts(payment_id, *outcome, None, None),
            SandboxEvent::Custom(value) => self.custom(value),
            _ => Err(SandboxError::UnsupportedEvent(
                "morune has no card transactions; pay an invoice instead".to_owned(),
            )),
        }
    }

    fn reset(&self) {
        let core = &self.core;
        *lock(&core.shop) = Shop::new(
            core.seed.clone(),
            core.ctx.webhooks().clone(),
            core.ctx.state_limits().clone(),
        );
    }

    fn test_party(&self, outcome: TestOutcome) -> Option<TestParty> {
        let value = match outcome {
            TestOutcome::Success => state::SUCCESS_CARD,
            TestOutcome::Failure => state::FAIL_CARD,
            _ => state::PENDING_CARD,
        };
        Some(TestParty {
            kind: "card".to_owned(),
            value: value.to_owned(),
        })
    }

    fn state_sizes(&self) -> Value {
        self.core.with(|shop, _| shop.sizes())
    }
}

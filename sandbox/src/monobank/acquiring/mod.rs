//! Monobank acquiring API ("plata by mono", `/api/merchant/…` on the same origin as the
//! personal API) and its payment page, for one seeded merchant.
//!
//! - **Endpoints**: all 32 of the v2412 spec plus the legacy `employee/list` and
//!   `invoice/payment-info`, at their real paths and methods (see [`routes::ENDPOINTS`]). Bodies
//!   are JSON with `Content-Type: application/json`; errors are `{"errCode","errText"}`:
//!   400 `BAD_REQUEST` (`"empty 'invoiceId'"`, `"invalid 'ccy'"`, …),
//!   `INVALID_MERCHANT_PAYM_INFO`, `ORDER_IN_PROGRESS`, `HOLD_INVOICE_NOT_FINALIZED`,
//!   `WRONG_CANCEL_AMOUNT`, `TOKEN_NOT_FOUND`; 403 `FORBIDDEN` for a missing or unknown
//!   `X-Token`; 404 `NOT_FOUND` for an unknown id or path under `/api/merchant/`; 405
//!   `METHOD_NOT_ALLOWED` for a known path with another method; 500 `CANCEL_NOT_AVAILABLE` for
//!   a cancel of an invoice that was never paid. 429 `TMR` and 500 `INTERNAL_ERROR` come only
//!   from injected faults (no acquiring rate numbers are published), which answer in this
//!   shape on `/api/merchant/` paths.
//! - **Tokens**: `merchant_token` (credentials) is the merchant's token. The personal `token`
//!   is a *test token* here: it acts as a separate test merchant (its invoices, subscriptions
//!   and ledger accounts are its own), `invoice/receipt` answers it 400 `BAD_REQUEST` `"receipt
//!   is not available with a test token"` (a 403 would tell a client its token is bad), and
//!   `employee/list` gives three test employees.
//! - **Cards**: any Luhn-valid Visa (4…) or Mastercard (5…, 2…) number with a future expiry and
//!   a 3-digit CVV pays. Magic cards: `4242424242424242` / `5555555555554444` pay,
//!   `4000000000000002` fails with `59` (insufficient funds), `4000000000000010` stays
//!   `processing` for ever; another scheme fails with `1064`, a past expiry with `51`. Card data
//!   sent to the API (`payment-direct`, `sync-payment`) that fails Luhn makes a failed payment
//!   with `52` (wrong card number), as a processor declines a number it cannot route; a
//!   malformed number, expiry or CVV is a 400. The page refuses a bad number on the form.
//! - **Life cycle** (sandbox clock): `created` → `processing` → `success` / `hold` / `failure`;
//!   `expired` after `validity` (default 24 h, at most 30 days) without a webhook; `remove`
//!   expires an unpaid invoice. A hold is cancelled (`reversed`, `finalAmount` 0) 9 days after
//!   it was taken unless `finalize` (1 ≤ amount ≤ held) made it `success`. `cancel` of a
//!   success refunds `amount` (default: the rest), adds a `cancelList` entry and lowers
//!   `finalAmount`; nothing left → `reversed`; more than is left → `WRONG_CANCEL_AMOUNT`.
//!   `cancel` of a hold releases it whole. Each status change's `modifiedDate` is at least a
//!   second after the previous one, so `modifiedDate` orders an invoice's events even on a
//!   frozen clock. The fee is 1.3 % rounded half up (`paymentInfo.fee`).
//! - **Money-moving calls are not deduplicated**: `payment-direct`, `wallet/payment` and
//!   `sync-payment` create and charge a new invoice each time. The ledger's `merchant` account
//!   (UAH; `merchant_usd`, `merchant_eur`, `…_test` for the test merchant) gets every charge
//!   (positive) and refund (negative).
//! - **Webhooks**: every status change except `expired` (and partial refunds) POSTs the
//!   `InvoiceStatus` body to `webHookUrl` with `X-Sign` = base64 DER ECDSA P-256/SHA-256 over
//!   the exact body bytes; the key comes from the seed and `GET /api/merchant/pubkey` serves
//!   it. 3 attempts, 60 s apart (sandbox clock), until exactly 200.
//! - **Payment page**: `pageUrl` = `{pay host}/{invoiceId}`: an HTML page (merchant, amount,
//!   destination) with a form POSTing `pan`, `exp` (`MM/YY`), `cvv` (submit button `id="pay"`)
//!   back to it; paying redirects (303) to `redirectUrl`, or shows a result page whose
//!   `id="status"` carries `data-status`; a bad card gives the form again (422).
//! - **Events**: `{"type":"pay_invoice","invoice_id":…,"outcome":"success"|"failure"|"pending",
//!   "card":…}` pays an invoice (or a subscription's first charge) as the page does and
//!   returns its status; `{"type":"acquiring_webhooks_out_of_order","invoice_id":…}` sends
//!   the previous status's webhook again now, after the current one;
//!   `{"type":"t2p_payment","amount":…,"status":…,"external_payment_id":…}` adds a
//!   tap-to-phone payment.
//! - **Bounded state**: invoices and subscriptions are capped by `max_payments` (finished
//!   invoices first), wallet cards and monopay keys by `max_tokens`, the merchant ledger by
//!   `max_added_transactions` per account.

mod cards;
mod page;
mod pdf;
pub(crate) mod routes;
mod seed;
mod sign;
mod state;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};

use self::page::PaymentPage;
use self::routes::{Endpoint, MethodNotAllowed, NotFound, ENDPOINTS};
use self::seed::MerchantSeed;
use self::sign::WebhookKey;
use self::state::{AcqError, Merchant, Mode, Payer};
use crate::sync::lock;
use crate::{LedgerAccount, ProviderContext, Route, Routes, SandboxError, TestOutcome, TestParty};

pub(crate) use self::routes::error_body_for;

/// The payment page host (`pay.mbnk.biz` for real).
pub(crate) const PAY_HOST: &str = "pay";

/// The acquiring side of the Monobank sandbox.
#[derive(Debug)]
pub(crate) struct Acquiring {
    ctx: ProviderContext,
    seed: MerchantSeed,
    key: WebhookKey,
    personal_token: String,
    merchant: Mutex<Merchant>,
}

impl Acquiring {
    pub(crate) fn new(ctx: &ProviderContext, personal_token: String) -> Arc<Acquiring> {
        let seed = seed::generate(ctx.seed(), ctx.started_at());
        let key = WebhookKey::from_seed(ctx.seed());
        let merchant = Merchant::new(
            seed.clone(),
            key.clone(),
            ctx.webhooks().clone(),
            ctx.state_limits().clone(),
        );
        Arc::new(Acquiring {
            ctx: ctx.clone(),
            seed,
            key,
            personal_token,
            merchant: Mutex::new(merchant),
        })
    }

    /// The merchant token.
    pub(crate) fn merchant_token(&self) -> &str {
        &self.seed.merchant_token
    }

    pub(crate) fn merchant_name(&self) -> String {
        self.seed.merchant_name.clone()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// Which merchant `X-Token` acts as; 403 `FORBIDDEN` when missing or unknown.
    fn mode_of(&self, token: Option<&str>) -> Result<Mode, AcqError> {
        use subtle::ConstantTimeEq as _;
        let token = token.unwrap_or_default().as_bytes();
        if bool::from(token.ct_eq(self.seed.merchant_token.as_bytes())) {
            Ok(Mode::Live)
        } else if bool::from(token.ct_eq(self.personal_token.as_bytes())) {
            Ok(Mode::Test)
        } else {
            Err(AcqError::new(403, "FORBIDDEN", "forbidden"))
        }
    }

    /// Runs `f` on the merchant, brought up to the clock's now (keep `f` short).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Merchant, DateTime<Utc>) -> T) -> T {
        let now = self.ctx.now();
        let mut merchant = lock(&self.merchant);
        merchant.catch_up(now);
        f(&mut merchant, now)
    }

    /// Where pages are served: the `pay` host (or the API's own URL without one).
    fn page_base(&self) -> String {
        self.ctx
            .host_url(PAY_HOST)
            .unwrap_or(self.ctx.base_url())
            .to_owned()
    }

    fn page_url(&self, id: &str) -> String {
        format!("{}/{id}", self.page_base())
    }

    pub(crate) fn reset(&self) {
        *lock(&self.merchant) = Merchant::new(
            self.seed.clone(),
            self.key.clone(),
            self.ctx.webhooks().clone(),
            self.ctx.state_limits().clone(),
        );
    }

    pub(crate) fn ledger_accounts(&self) -> Vec<LedgerAccount> {
        self.with(|merchant, _| merchant.ledger_accounts())
    }

    pub(crate) fn sizes(&self) -> Value {
        self.with(|merchant, _| merchant.sizes())
    }

    /// Mounts the acquiring routes on the API server (before the personal API's catch-all).
    pub(crate) fn mount(self: &Arc<Self>, routes: &mut Routes, ctx: &ProviderContext) {
        for (verb, route_path, op) in ENDPOINTS {
            routes.mount(ctx.route(
                Route::given(method(*verb)).and(path(*route_path)),
                Endpoint {
                    acquiring: Arc::clone(self),
                    op: *op,
                },
            ));
            routes.mount(
                ctx.route(Route::given(path(*route_path)), MethodNotAllowed)
                    .with_priority(8),
            );
        }
        routes.mount(
            ctx.route(Route::given(path_regex(r"^/api/merchant(/|$)")), NotFound)
                .with_priority(9),
        );
    }

    /// Mounts the payment page on the `pay` host.
    pub(crate) fn mount_page(self: &Arc<Self>, routes: &mut Routes, ctx: &ProviderContext) {
        let page = || PaymentPage {
            acquiring: Arc::clone(self),
        };
        routes.mount(ctx.route(Route::given(method("GET")), page()));
        routes.mount(ctx.route(Route::given(method("POST")), page()));
        routes.mount(
            ctx.route(Route::given(wiremock::matchers::any()), page())
                .with_priority(10),
        );
    }

    /// A magic card for `outcome`.
    pub(crate) fn test_party(outcome: TestOutcome) -> Option<TestParty> {
        let pan = match outcome {
            TestOutcome::Success => cards::SUCCESS_CARD,
            TestOutcome::Failure => cards::INSUFFICIENT_FUNDS_CARD,
            TestOutcome::Pending => cards::PROCESSING_CARD,
        };
        Some(TestParty {
            kind: "card".to_owned(),
            value: pan.to_owned(),
        })
    }

    /// The `pay_invoice` event.
    pub(crate) fn pay_event(&self, event: &Value) -> Result<Value, SandboxError> {
        let id = event
            .get("invoice_id")
            .and_then(Value::as_str)
            .ok_or_else(|| SandboxError::InvalidEvent("pay_invoice needs `invoice_id`".into()))?;
        let pan = match (
            event.get("card").and_then(Value::as_str),
            event.get("outcome"),
        ) {
            (Some(card), _) => card.to_owned(),
            (None, None | Some(Value::Null)) => cards::SUCCESS_CARD.to_owned(),
            (None, Some(outcome)) => {
                let outcome: TestOutcome =
                    serde_json::from_value(outcome.clone()).map_err(|_| {
                        SandboxError::InvalidEvent(
                            "`outcome` must be \"success\", \"failure\" or \"pending\"".into(),
                        )
                    })?;
                Self::test_party(outcome)
                    .map(|party| party.value)
                    .unwrap_or_default()
            }
        };
        let card = cards::read_card(&pan, "12/99", None, self.now())
            .map_err(|error| SandboxError::InvalidEvent(format!("card: {}", error.text())))?;
        let payer = Payer {
            card,
            method: "pan",
        };
        self.with(|merchant, now| {
            if let Some(invoice) = merchant.any_invoice(id) {
                if !invoice.payable() {
                    return Err(SandboxError::InvalidEvent(format!(
                        "invoice {id} is {}, not payable",
                        invoice.status.as_str()
                    )));
                }
                merchant.pay(id, &payer, now);
                return Ok(merchant
                    .any_invoice(id)
                    .map(state::Invoice::status_json)
                    .unwrap_or(Value::Null));
            }
            if merchant.subscriptions.contains_key(id) {
                merchant.start_subscription(id, &payer, now);
                return Ok(merchant
                    .subscriptions
                    .get(id)
                    .map(state::Subscription::status_json)
                    .unwrap_or(Value::Null));
            }
            Err(SandboxError::InvalidEvent(format!(
                "unknown invoice `{id}`"
            )))
        })
    }

    /// The `t2p_payment` event: a tap-to-phone payment made now on the first terminal.
    pub(crate) fn t2p_event(&self, event: &Value) -> Result<Value, SandboxError> {
        let amount = event
            .get("amount")
            .and_then(Value::as_i64)
            .filter(|amount| *amount > 0)
            .ok_or_else(|| {
                SandboxError::InvalidEvent("t2p_payment needs a positive `amount`".into())
            })?;
        let status = match event
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("success")
        {
            "success" => "success",
            "pending" => "pending",
            "rejected" => "rejected",
            "txp_does_not_answer" => "txp_does_not_answer",
            "transaction_not_completed" => "transaction_not_completed",
            other => {
                return Err(SandboxError::InvalidEvent(format!(
                    "unknown tap-to-phone status `{other}`"
                )))
            }
        };
        self.with(|merchant, now| {
            let mut rng = crate::rng::SeededRng::new(crate::rng::mix64(
                merchant.seed.id_key
                    ^ now.timestamp().unsigned_abs()
                    ^ merchant.t2p_payments.len() as u64,
            ));
            let payment = seed::T2pPayment {
                external_payment_id: event
                    .get("external_payment_id")
                    .and_then(Value::as_str)
                    .map_or_else(|| seed::uuid(&mut rng), str::to_owned),
                internal_payment_id: seed::uuid(&mut rng),
                terminal: merchant
                    .seed
                    .t2p_terminals
                    .first()
                    .and_then(|terminal| terminal["terminal"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                payment_type: "purchase",
                amount,
                status,
                time: now,
                transaction_id: rng.digits(11),
                masked_pan: format!("424242******{}", rng.digits(2)),
                card_mask: "visa",
                approval_code: rng.digits(6),
                rrn: rng.digits(12),
                response_code: if status == "success" { "1" } else { "0" },
                error_message: None,
            };
            let body = payment.status_json();
            merchant.add_t2p_payment(payment);
            Ok(body)
        })
    }

    /// The `acquiring_webhooks_out_of_order` event.
    pub(crate) fn out_of_order_event(&self, event: &Value) -> Result<Value, SandboxError> {
        let id = event
            .get("invoice_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                SandboxError::InvalidEvent(
                    "acquiring_webhooks_out_of_order needs `invoice_id`".into(),
                )
            })?;
        self.with(|merchant, _| {
            if merchant.any_invoice(id).is_none() {
                return Err(SandboxError::InvalidEvent(format!(
                    "unknown invoice `{id}`"
                )));
            }
            merchant
                .resend_previous(id)
                .map(|body| json!({"resent": body}))
                .ok_or_else(|| {
                    SandboxError::InvalidEvent(format!(
                        "invoice {id} has no webHookUrl or fewer than two statuses sent"
                    ))
                })
        })
    }
}

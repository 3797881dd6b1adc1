//! Monobank personal API (`https://api.monobank.ua`): public rates and server key, client info,
//! webhook and statements, for one seeded client; the provider ("corporate") API on the same
//! origin with its accept page; and the acquiring API with its payment page.
//!
//! - **Auth**: `X-Token` must equal the seeded 44-character token (credentials
//!   `{"token": "…"}`). A missing header answers 401 `Missing one of required headers 'X-Token'
//!   or 'X-Key-Id'`; any other token 403 `Unknown 'X-Token'`. Which of 401/403 the real API
//!   uses is not documented; 403 for a wrong token matches most observed clients. A request
//!   with `X-Key-Id` and no `X-Token` is a provider-API call (see [`provider_api`]).
//! - **Rate limits**: per token, on the sandbox clock, client-info and statement each answer at
//!   most once per 60 s, with separate budgets (statement is per token, not per account);
//!   excess → 429 `Too many requests` without `Retry-After`. Only answered (200) requests spend
//!   the budget; the limit is checked after auth and before validating the statement path.
//!   `GET /bank/currency` answers at most once per 5 minutes (the bank refreshes the rates no
//!   more often; 429 `Too many requests` meanwhile), for the whole sandbox: requests carry no
//!   peer address, and local callers share 127.0.0.1 anyway. With rate limits off
//!   (`--limits off`) none of these apply.
//! - **Statement**: `/personal/statement/{account}/{from}[/{to}]`, optional trailing slash;
//!   `to` defaults to now and is inclusive, like `from`; `0` is the default UAH card; jar ids
//!   are accounts. A window over 2 682 000 s → 400 `Period must be no more than 31 days`;
//!   unknown account → 400 `invalid account`; `to < from` or a non-numeric time → 400. At most
//!   500 items, the newest of the window, newest first. Seeded item times are distinct per
//!   account; events added at one frozen instant share a time (then the later one is first).
//! - **Server key**: `GET /bank/sync` serves a secp256k1 key derived from the seed:
//!   `serverKeyId` (hex SHA-1 of the uncompressed point `0x04‖X‖Y`) and `serverPubKey` (base64
//!   of those 65 bytes), with `serverTimeMsec` from the sandbox clock.
//! - **Webhook**: `POST /personal/webhook {"webHookUrl": …}`; anything else as body → 400. A
//!   non-empty URL is checked with a GET that must answer exactly 200 within 3 s, else 400
//!   `check webHookUrl failed`; `""` removes it. Success is 200 `{}`. Events are POSTed as
//!   `{"type":"StatementItem","data":{"account":…,"statementItem":{…}}}`; a delivery that gets
//!   no 200 within 5 s is retried 60 s and then 600 s later (sandbox clock); after the third
//!   failure the webhook is switched off (`webHookUrl` becomes `""`). Deliveries are unsigned
//!   by default (personal webhook signatures are reported only by third parties); with
//!   `{"type":"personal_webhook_signing","on":true}` (`--monobank-sign-personal-webhooks`) they
//!   carry `X-Sign` = base64 of the raw 64-byte `r‖s` ECDSA secp256k1 signature over SHA-256
//!   of the exact body bytes, with the `/bank/sync` key, and `X-Key-Id` = `serverKeyId`.
//! - **Events**: [`SandboxEvent::CardTransaction`] adds an operation at the clock's now (mcc
//!   5999 for debits, held; 4829 for credits). The custom event
//!   `{"type":"statement_item","account_id":…,"amount_minor":…,"description":…}` also takes
//!   `mcc`, `hold`, `operation_amount`, `currency_code`, `commission_rate`, `cashback_amount`,
//!   `comment`, `receipt_id`, `invoice_id`, `counter_edrpou`, `counter_iban`, `counter_name`.
//!   Both return the new `StatementItem`, and send it to the personal webhook and to the corp
//!   webhooks of companies the client granted access.
//!
//! The provider API (signed `/personal/auth/…`, `/personal/corp/…`, credentials
//! `provider_key`, `provider_key_id`) and its accept page (host `accept`) are described in
//! [`provider_api`]; the acquiring API (`/api/merchant/…`, credentials `merchant_token`) and
//! its payment page (host `pay`) in [`acquiring`].

pub(crate) mod acquiring;
mod check;
mod keys;
mod provider_api;
mod routes;
mod seed;
mod state;
mod wire;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::{any, method, path, path_regex};

use self::acquiring::{Acquiring, PAY_HOST};
use self::provider_api::{ProviderApi, ACCEPT_HOST};
use self::routes::{
    ClientInfoRoute, CurrencyRates, NotFound, ServerSync, SetWebhook, StatementRoute,
    STATEMENT_PATH,
};
use self::state::{NewItem, State};
use crate::{
    Ledger, ProviderContext, ProviderRegistration, Route, Routes, SandboxError, SandboxEvent,
    SandboxProvider, TestOutcome, TestParty,
};

/// The provider's name in the registry.
pub(crate) const NAME: &str = "monobank";

/// The built-in registration.
pub(crate) static REGISTRATION: ProviderRegistration = ProviderRegistration {
    name: NAME,
    build,
    hosts: &[PAY_HOST, ACCEPT_HOST],
};

pub(crate) fn build(ctx: &ProviderContext) -> Arc<dyn SandboxProvider> {
    ctx.set_error_body(routes::error_body_for);
    ctx.set_path_error_body(error_body_for_path);
    let state = State::new(ctx.clone());
    let acquiring = Acquiring::new(ctx, state.token());
    let provider_api = ProviderApi::new(ctx, Arc::clone(&state));
    Arc::new(MonobankSandbox {
        state,
        acquiring,
        provider_api,
    })
}

/// The error body of an injected fault: the acquiring shape under `/api/merchant/`, else the
/// personal API's.
fn error_body_for_path(status: u16, path: &str) -> Value {
    if path == "/api/merchant" || path.starts_with("/api/merchant/") {
        acquiring::error_body_for(status)
    } else {
        routes::error_body_for(status)
    }
}

/// The Monobank module: personal API, provider API and acquiring.
#[derive(Debug)]
struct MonobankSandbox {
    state: Arc<State>,
    acquiring: Arc<Acquiring>,
    provider_api: Arc<ProviderApi>,
}

/// The `personal_webhook_signing` custom event.
#[derive(Debug, Deserialize)]
struct WebhookSigningEvent {
    on: bool,
}

/// The `statement_item` custom event.
#[derive(Debug, Deserialize)]
struct StatementItemEvent {
    #[serde(default)]
    account_id: Option<String>,
    amount_minor: i64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    mcc: Option<u16>,
    #[serde(default)]
    hold: Option<bool>,
    #[serde(default)]
    operation_amount: Option<i64>,
    #[serde(default)]
    currency_code: Option<u16>,
    #[serde(default)]
    commission_rate: i64,
    #[serde(default)]
    cashback_amount: i64,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    receipt_id: Option<String>,
    #[serde(default)]
    invoice_id: Option<String>,
    #[serde(default)]
    counter_edrpou: Option<String>,
    #[serde(default)]
    counter_iban: Option<String>,
    #[serde(default)]
    counter_name: Option<String>,
}

impl SandboxProvider for MonobankSandbox {
    fn name(&self) -> &'static str {
        NAME
    }

    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
        self.acquiring.mount(routes, ctx);
        self.provider_api.mount(routes, ctx);
        let state = &self.state;
        let table = [
            ctx.route(
                Route::given(method("GET")).and(path("/bank/currency")),
                CurrencyRates::new(Arc::clone(state)),
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/bank/sync")),
                ServerSync {
                    state: Arc::clone(state),
                },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/personal/client-info")),
                ClientInfoRoute {
                    state: Arc::clone(state),
                },
            ),
            ctx.route_async(
                Route::given(method("POST")).and(path("/personal/webhook")),
                SetWebhook {
                    state: Arc::clone(state),
                },
            ),
            ctx.route(
                Route::given(method("GET")).and(path_regex(STATEMENT_PATH)),
                StatementRoute {
                    state: Arc::clone(state),
                },
            ),
            ctx.route(Route::given(any()), NotFound).with_priority(10),
        ];
        for route in table {
            routes.mount(route);
        }
    }

    fn mount_host(&self, host: &str, routes: &mut Routes, ctx: &ProviderContext) {
        if host == PAY_HOST {
            self.acquiring.mount_page(routes, ctx);
        } else if host == ACCEPT_HOST {
            self.provider_api.mount_page(routes, ctx);
        }
    }

    fn credentials(&self) -> Value {
        let (provider_key, provider_key_id) = self.provider_api.credentials();
        json!({
            "token": self.state.token(),
            "merchant_token": self.acquiring.merchant_token(),
            "provider_key": provider_key,
            "provider_key_id": provider_key_id,
        })
    }

    fn ledger(&self) -> Ledger {
        let mut ledger = self.state.with_bank(|bank| bank.ledger());
        ledger.accounts.extend(self.acquiring.ledger_accounts());
        ledger
    }

    fn test_party(&self, outcome: TestOutcome) -> Option<TestParty> {
        Acquiring::test_party(outcome)
    }

    fn state_sizes(&self) -> Value {
        let mut sizes = self.acquiring.sizes();
        if let (Some(sizes), Value::Object(provider)) =
            (sizes.as_object_mut(), self.provider_api.sizes())
        {
            sizes.extend(provider);
        }
        sizes
    }

    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        if let SandboxEvent::Custom(value) = event {
            if let Some(result) = provider_api::handle_event(&self.provider_api, value) {
                return result;
            }
        }
        let added = match event {
            SandboxEvent::CardTransaction {
                account_id,
                amount_minor,
                description,
            } => self.state.add_operation(
                account_id.as_deref(),
                NewItem {
                    description: description.clone(),
                    amount: *amount_minor,
                    hold: Some(*amount_minor < 0),
                    ..NewItem::default()
                },
            ),
            SandboxEvent::PayerActs {
                payment_id,
                outcome,
            } => {
                return self.acquiring.pay_event(&json!({
                    "type": "pay_invoice",
                    "invoice_id": payment_id,
                    "outcome": outcome,
                }))
            }
            SandboxEvent::Custom(value)
                if value.get("type").and_then(Value::as_str) == Some("statement_item") =>
            {
                let event: StatementItemEvent = serde_json::from_value(value.clone())
                    .map_err(|error| SandboxError::InvalidEvent(error.to_string()))?;
                self.state.add_operation(
                    event.account_id.as_deref(),
                    NewItem {
                        description: event.description,
                        amount: event.amount_minor,
                        mcc: event.mcc,
                        hold: event.hold,
                        operation_amount: event.operation_amount,
                        currency_code: event.currency_code,
                        commission_rate: event.commission_rate,
                        cashback_amount: event.cashback_amount,
                        comment: event.comment,
                        receipt_id: event.receipt_id,
                        invoice_id: event.invoice_id,
                        counter_edrpou: event.counter_edrpou,
                        counter_iban: event.counter_iban,
                        counter_name: event.counter_name,
                    },
                )
            }
            SandboxEvent::Custom(value)
                if value.get("type").and_then(Value::as_str) == Some("pay_invoice") =>
            {
                return self.acquiring.pay_event(value);
            }
            SandboxEvent::Custom(value)
                if value.get("type").and_then(Value::as_str) == Some("t2p_payment") =>
            {
                return self.acquiring.t2p_event(value);
            }
            SandboxEvent::Custom(value)
                if value.get("type").and_then(Value::as_str)
                    == Some("acquiring_webhooks_out_of_order") =>
            {
                return self.acquiring.out_of_order_event(value);
            }
            SandboxEvent::Custom(value)
                if value.get("type").and_then(Value::as_str)
                    == Some("personal_webhook_signing") =>
            {
                let event: WebhookSigningEvent = serde_json::from_value(value.clone())
                    .map_err(|error| SandboxError::InvalidEvent(error.to_string()))?;
                self.state.set_sign_personal_webhooks(event.on);
                return Ok(json!({ "on": event.on }));
            }
            SandboxEvent::Custom(value) => {
                return Err(SandboxError::UnsupportedEvent(format!(
                    "monobank knows `card_transaction`, `statement_item`, `pay_invoice`, \
                     `t2p_payment`, `acquiring_webhooks_out_of_order`, \
                     `personal_webhook_signing`, `provider_registration`, \
                     `provider_registration_mode`, `provider_registrations`, `provider_access`, \
                     `provider_access_requests` and `provider_time_tolerance`, not {}",
                    value.get("type").unwrap_or(&Value::Null)
                )))
            }
        }?;
        self.provider_api.statement_item_added(&added);
        Ok(added.item)
    }

    fn reset(&self) {
        self.state.reset();
        self.acquiring.reset();
        self.provider_api.reset();
    }
}

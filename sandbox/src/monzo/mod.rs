//! Monzo developer API (`https://api.monzo.com`, consent page on `https://auth.monzo.com`)
//! for one seeded user and one OAuth client.
//!
//! - **State, seed and clock.** [`state::Bank`] holds the user's accounts (a closed
//!   `uk_prepaid`, the `uk_retail` current account, a `uk_retail_joint`), three pots (one
//!   locked), merchants and about 150 days of transactions generated from the sandbox seed
//!   relative to the clock's start (see `seed`), plus tokens, webhooks, receipts and uploads.
//!   Every route is one small responder over the shared [`state::State`]; times in answers,
//!   token expiry, the SCA window and webhook retries read the sandbox clock. Faults apply to
//!   every route (mounted through [`ProviderContext::route`]); injected status faults answer
//!   in Monzo's error shape.
//! - **Credentials** (`/__bankkit/credentials`): `client_id`, `client_secret`,
//!   `redirect_uri`, `user_id`, `access_token`, `refresh_token` (seeded, issued and approved
//!   at start, and again on reset) and `auth_url` — the authorisation host. As for real
//!   (`auth.monzo.com` beside `api.monzo.com`), it is a server of its own (host `auth`, port
//!   option `monzo.auth=PORT`) serving only the consent page at its root.
//! - **Consent page** `GET /?client_id&redirect_uri&response_type=code&state` on the
//!   authorisation host (values may
//!   come unencoded): redirects (302) at once to `redirect_uri?code=…&state=…`, or
//!   `?error=access_denied&state=…` when the `consent` control says refuse. A redirect URI is
//!   allowed when it is the registered one or any `http(s)` loopback URI. Unknown client,
//!   `response_type` other than `code` or a bad redirect URI → a 400 HTML page. Codes are
//!   single-use and live 10 minutes.
//! - **Tokens.** Access tokens live 6 h (`expires_in` 21600). One active access token per
//!   client and user: a code exchange or a refresh evicts older ones (401
//!   `unauthorized.bad_access_token.evicted`); past expiry → `…expired`; unknown or logged
//!   out → `unauthorized.bad_access_token`. Refresh tokens are single-use (reuse → 401
//!   `unauthorized.bad_refresh_token`); a new login evicts the older logins' refresh tokens
//!   (`unauthorized.bad_refresh_token.evicted`). Wrong client id or secret → 401
//!   `unauthorized.bad_client_credentials` (inferred). Logout revokes the access token and its
//!   refresh token.
//! - **In-app approval (SCA).** In `automatic` mode (default) a new authorisation is approved
//!   at exchange; in `manual` mode its tokens answer 403 `forbidden.insufficient_permissions`
//!   everywhere but `/ping/whoami` and `/oauth2/logout` until the `approve` event. Refreshing
//!   keeps the approval. For five minutes after approval the whole history can be listed;
//!   afterwards `GET /transactions` whose `since` (a time, or the time of the transaction it
//!   names) is more than 90 days back, or that has no `since` at all, answers 403
//!   `forbidden.verification_required` (the code is inferred; the strict reading of "only the
//!   last 90 days").
//! - **Errors** are `{"code","message"}` with dotted codes whose prefix gives the status
//!   (`bad_request.missing_param.<name>`, `bad_request.bad_param.<name>`, `not_found.<what>_not_found`,
//!   …); 401s add `"error":"invalid_token"` and `error_description`. Unknown paths → 404
//!   `not_found`; a known path with the wrong verb → 405 `method_not_allowed`. Every answer
//!   is `application/json` except the consent page and the upload storage.
//! - **Pots.** Deposit/withdraw move money between the pot and its current account, record a
//!   `uk_retail_pot` transaction and answer the pot; a repeated `dedupe_id` for the same pot
//!   and direction replays the first answer without moving money again. Not enough money →
//!   400 `bad_request.insufficient_funds`; withdrawing from a locked pot → 403
//!   `forbidden.pot_locked` (inferred).
//! - **Attachments.** `POST /attachment/upload` hands out `file_url` and `upload_url` under
//!   `/__uploads/` on this server (imitating the storage host): `PUT` (exactly
//!   `content_length` bytes) or `POST` stores the file, `GET` on `file_url` serves it with
//!   `file_type` as `Content-Type` (so `file_type` must be a media type, else 400
//!   `bad_request.bad_param.file_type`).
//! - **Webhooks** are not signed. `transaction.created` is POSTed as JSON to every webhook of
//!   the account; a delivery without a 2xx is retried after 30, 60, 120 and 240 s of sandbox
//!   clock (five attempts in all), then given up.
//! - **Events.** [`SandboxEvent::CardTransaction`] (account `None` = the current account) adds
//!   an unsettled transaction at the clock's now — a card payment at a merchant named by the
//!   description for a debit, a Faster Payment from that name for a credit — moves the
//!   balance, sends `transaction.created` and returns the transaction (merchant expanded);
//!   an amount that would overflow the balance is [`SandboxError::InvalidEvent`], with
//!   nothing changed (pot moves that would overflow: 400 `bad_request.bad_param.amount`).
//!   Custom events: `{"type":"approve"}` approves waiting authorisations;
//!   `{"type":"app_approval","mode":"manual"|"automatic"}`;
//!   `{"type":"consent","decision":"refuse"|"allow"}`. Reset restores the defaults.
//! - **Ledger.** Every account `GET /accounts` lists (kind = its `type`, balance = `balance`
//!   without pots, with its transactions) and every pot (kind `pot`, its balance).
//! - **Bounded state** ([`crate::StateLimits`]): access tokens are dropped after expiry plus
//!   the grace, refresh tokens that were used, evicted or logged out after the grace,
//!   authorisation codes after their 10 minutes plus the grace, uploads an hour after they
//!   were announced or stored; all are capped, and so are upload bytes, attachments,
//!   receipts, webhooks per account, pot moves remembered for `dedupe_id` and transactions
//!   added per account (the seeded user, tokens and history stay). Dropped things answer as
//!   ids never issued.

mod accounts;
mod content;
mod history;
mod oauth;
mod routes;
mod seed;
mod state;
mod transactions;
mod webhooks;
mod wire;

use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::matchers::{any, method, path, path_regex};

use self::accounts::{GetBalance, ListAccounts, ListPots, MovePot};
use self::content::{
    CreateFeedItem, DeleteReceipt, DeregisterAttachment, GetReceipt, PutReceipt,
    RegisterAttachment, UploadAttachment, UploadStorage,
};
use self::oauth::{ConsentPage, Logout, PageNotFound, Token, WhoAmI};
use self::routes::{MethodNotAllowed, NotFound};
use self::state::{ApprovalMode, Consent, PotMove, State};
use self::transactions::{AnnotateTransaction, GetTransaction, ListTransactions};
use self::webhooks::{CreateWebhook, DeleteWebhook, ListWebhooks};
use crate::{
    Ledger, ProviderContext, ProviderRegistration, Route, Routes, SandboxError, SandboxEvent,
    SandboxProvider,
};

/// The provider's name in the registry.
pub(crate) const NAME: &str = "monzo";

/// The authorisation host (`auth.monzo.com` for real), a server beside the API's.
pub(crate) const AUTH_HOST: &str = "auth";

/// The built-in registration.
pub(crate) static REGISTRATION: ProviderRegistration = ProviderRegistration {
    name: NAME,
    build,
    hosts: &[AUTH_HOST],
};

/// Paths of the API, for 405 on a wrong verb.
const KNOWN_PATHS: &[&str] = &[
    r"^/ping/whoami$",
    r"^/oauth2/(token|logout)$",
    r"^/accounts$",
    r"^/balance$",
    r"^/pots$",
    r"^/pots/[^/]+/(deposit|withdraw)$",
    r"^/transactions(/[^/]+)?$",
    r"^/feed$",
    r"^/attachment/(upload|register|deregister)$",
    r"^/transaction-receipts$",
    r"^/webhooks(/[^/]+)?$",
    r"^/__uploads/.+$",
];

pub(crate) fn build(ctx: &ProviderContext) -> Arc<dyn SandboxProvider> {
    ctx.set_error_body(routes::error_body_for);
    Arc::new(MonzoSandbox {
        state: State::new(ctx.clone()),
    })
}

/// The Monzo developer API module.
#[derive(Debug)]
struct MonzoSandbox {
    state: Arc<State>,
}

impl MonzoSandbox {
    /// A card payment (debit) or incoming Faster Payment (credit) at the clock's now.
    fn card_transaction(
        &self,
        account_id: Option<&str>,
        amount: i64,
        description: &str,
    ) -> Result<Value, SandboxError> {
        let now = self.state.now();
        let (transaction, urls) = self.state.with_bank(|bank| {
            let account = match account_id {
                Some(id) => bank.account_index(id),
                None => bank.main_account(),
            }
            .ok_or_else(|| SandboxError::UnknownAccount(account_id.unwrap_or("").to_owned()))?;
            if bank.accounts[account].wire.closed {
                return Err(SandboxError::InvalidEvent(
                    "the account is closed".to_owned(),
                ));
            }
            // Checked before anything changes (a merchant, the id counter).
            let overflow = || {
                SandboxError::InvalidEvent(format!(
                    "amount_minor {amount} would overflow the account's balance"
                ))
            };
            if !bank.can_move(account, amount) {
                return Err(overflow());
            }
            let new = if amount < 0 {
                let merchant = seed::merchant_named(bank, description, now);
                let mut new = seed::card_payment_at(account, now, amount, Some(&merchant), None);
                new.description = seed::description_for(description);
                new
            } else {
                let mut rng = bank.rng();
                let mut new =
                    seed::bank_transfer(account, now, amount, description, description, &mut rng);
                new.settled = None;
                new
            };
            let transaction = bank.push_transaction(new).ok_or_else(overflow)?;
            let json = bank.transaction_json(&transaction, true);
            let urls: Vec<String> = bank
                .webhooks
                .iter()
                .filter(|w| w.account_id == transaction.account_id)
                .map(|w| w.url.clone())
                .collect();
            Ok((json, urls))
        })?;
        webhooks::send_transaction_created(&self.state, urls, &transaction);
        Ok(transaction)
    }

    fn custom(&self, event: &Value) -> Result<Value, SandboxError> {
        let field = |name: &str| event.get(name).and_then(Value::as_str);
        let now = self.state.now();
        match field("type") {
            Some("approve") => {
                let approved = self.state.with_bank(|bank| bank.approve_all(now));
                Ok(json!({ "approved": approved }))
            }
            Some("app_approval") => {
                let mode = match field("mode") {
                    Some("manual") => ApprovalMode::Manual,
                    Some("automatic") => ApprovalMode::Automatic,
                    _ => {
                        return Err(SandboxError::InvalidEvent(
                            "app_approval needs \"mode\": \"manual\" or \"automatic\"".to_owned(),
                        ))
                    }
                };
                self.state.with_bank(|bank| bank.approval = mode);
                Ok(json!({ "mode": field("mode") }))
            }
            Some("consent") => {
                let decision = match field("decision") {
                    Some("refuse") => Consent::Refuse,
                    Some("allow" | "approve") => Consent::Allow,
                    _ => {
                        return Err(SandboxError::InvalidEvent(
                            "consent needs \"decision\": \"allow\" or \"refuse\"".to_owned(),
                        ))
                    }
                };
                self.state.with_bank(|bank| bank.consent = decision);
                Ok(json!({ "decision": field("decision") }))
            }
            other => Err(SandboxError::UnsupportedEvent(format!(
                "monzo knows `card_transaction`, `approve`, `app_approval` and `consent`, not {}",
                other.unwrap_or("an event without a type")
            ))),
        }
    }
}

impl SandboxProvider for MonzoSandbox {
    fn name(&self) -> &'static str {
        NAME
    }

    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
        let state = || Arc::clone(&self.state);
        let table = [
            ctx.route(
                Route::given(method("POST")).and(path("/oauth2/token")),
                Token { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path("/oauth2/logout")),
                Logout { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/ping/whoami")),
                WhoAmI { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/accounts")),
                ListAccounts { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/balance")),
                GetBalance { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/pots")),
                ListPots { state: state() },
            ),
            ctx.route(
                Route::given(method("PUT")).and(path_regex(r"^/pots/[^/]+/deposit$")),
                MovePot {
                    state: state(),
                    direction: PotMove::Deposit,
                },
            ),
            ctx.route(
                Route::given(method("PUT")).and(path_regex(r"^/pots/[^/]+/withdraw$")),
                MovePot {
                    state: state(),
                    direction: PotMove::Withdraw,
                },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/transactions")),
                ListTransactions { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path_regex(r"^/transactions/[^/]+$")),
                GetTransaction { state: state() },
            ),
            ctx.route(
                Route::given(method("PATCH")).and(path_regex(r"^/transactions/[^/]+$")),
                AnnotateTransaction { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path("/feed")),
                CreateFeedItem { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path("/attachment/upload")),
                UploadAttachment { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path("/attachment/register")),
                RegisterAttachment { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path("/attachment/deregister")),
                DeregisterAttachment { state: state() },
            ),
            ctx.route(
                Route::given(path_regex(r"^/__uploads/.+$")),
                UploadStorage { state: state() },
            ),
            ctx.route(
                Route::given(method("PUT")).and(path("/transaction-receipts")),
                PutReceipt { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/transaction-receipts")),
                GetReceipt { state: state() },
            ),
            ctx.route(
                Route::given(method("DELETE")).and(path("/transaction-receipts")),
                DeleteReceipt { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path("/webhooks")),
                CreateWebhook { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path("/webhooks")),
                ListWebhooks { state: state() },
            ),
            ctx.route(
                Route::given(method("DELETE")).and(path_regex(r"^/webhooks/[^/]+$")),
                DeleteWebhook { state: state() },
            ),
        ];
        for route in table {
            routes.mount(route);
        }
        for known in KNOWN_PATHS {
            routes.mount(
                ctx.route(Route::given(path_regex(*known)), MethodNotAllowed)
                    .with_priority(8),
            );
        }
        routes.mount(ctx.route(Route::given(any()), NotFound).with_priority(10));
    }

    fn mount_host(&self, host: &str, routes: &mut Routes, ctx: &ProviderContext) {
        if host != AUTH_HOST {
            return;
        }
        let consent = ConsentPage {
            state: Arc::clone(&self.state),
        };
        routes.mount(ctx.route(Route::given(method("GET")).and(path("/")), consent));
        routes.mount(
            ctx.route(Route::given(any()), PageNotFound)
                .with_priority(10),
        );
    }

    fn state_sizes(&self) -> Value {
        self.state.with_bank(|bank| bank.sizes())
    }

    fn credentials(&self) -> Value {
        let ctx = self.state.ctx();
        let auth_url = ctx.host_url(AUTH_HOST).unwrap_or(ctx.base_url());
        self.state.with_bank(|bank| {
            json!({
                "client_id": bank.client.id,
                "client_secret": bank.client.secret,
                "redirect_uri": bank.client.redirect_uri,
                "user_id": bank.user.id,
                "access_token": bank.seeded_access_token,
                "refresh_token": bank.seeded_refresh_token,
                "auth_url": auth_url,
            })
        })
    }

    fn ledger(&self) -> Ledger {
        self.state.with_bank(|bank| bank.ledger())
    }

    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        match event {
            SandboxEvent::CardTransaction {
                account_id,
                amount_minor,
                description,
            } => self.card_transaction(account_id.as_deref(), *amount_minor, description),
            SandboxEvent::PayerActs { .. } => Err(SandboxError::UnsupportedEvent(
                "monzo has no payment page for a payer to act on".to_owned(),
            )),
            SandboxEvent::Custom(value) => self.custom(value),
        }
    }

    fn reset(&self) {
        self.state.reset();
    }
}

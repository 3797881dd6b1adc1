//! Monobank's API for service providers (the "corporate" API, spec `v2303`), on the personal
//! API's origin, and the page where a customer accepts a company's access request (host
//! `accept`, `mbnk.app` for real).
//!
//! - **Registration**: `POST /personal/auth/registration` (`X-Time`, `X-Sign` over `X-Time +
//!   path` with the key in the body; `pubkey` = base64 of a PEM secp256k1 public key, `name`,
//!   `description`, `contactPerson`, `phone`, `email`, `logo` (base64), all required) answers
//!   `{"status":"New"}`. By default the registration is approved at once (the status call then
//!   says `Approved`); in manual mode (`--monobank-registration manual`, or the event
//!   `{"type":"provider_registration_mode","mode":"manual"}`) it stays `New` until
//!   `{"type":"provider_registration","pubkey"|"key_id":…,"decision":"approve"|"decline"}`.
//!   Registering a key again changes nothing and answers its status;
//!   `{"type":"provider_registrations"}` lists them.
//!   `POST /personal/auth/registration/status` (same signing, body `{pubkey}`) answers
//!   `{status, keyId}`; `keyId` is the hex SHA-1 of the uncompressed point, sent whatever the
//!   status. A company gets the permissions `psf`.
//! - **Company calls** (`X-Key-Id`, `X-Request-Id` (any value), `X-Time`, `X-Sign` over
//!   `X-Time + path`): `GET /personal/corp/settings` → `{id, pubkey, name, permission, logo,
//!   webhook?}` (`id` is the key id: the spec requires `id` without describing it);
//!   `POST /personal/corp/webhook {"webHookUrl": …}` first POSTs `{}` to the URL (3 s, exactly
//!   200, else 400 `check webHookUrl failed`), then answers `{}`; `""` removes it. New
//!   statement items of a customer who approved a request with `s` are POSTed to the
//!   company's webhook in the personal shape `{"type":"StatementItem","data":{…}}` (the spec
//!   gives no body; assumed), unsigned, with the personal retry policy (5 s, +60 s, +600 s),
//!   never switched off; FOP items need `f`, jar items `j`.
//! - **Access requests**: `POST /personal/auth/request` (`X-Key-Id`, `X-Time`, `X-Sign` over
//!   `X-Time + path`, optional `X-Callback`) asks for all of the company's permissions; the
//!   older form with `X-Permissions` (e.g. `ps`) is signed over `X-Time + X-Permissions +
//!   path` and asks for those letters only (a letter the bank does not know or did not grant
//!   the company → 400 `Permission denied, check 'X-Permissions'`). Answer: `{tokenRequestId,
//!   acceptUrl}` with `acceptUrl` = `{accept host}/auth/{tokenRequestId}`.
//!   `GET /personal/auth/request` (`X-Key-Id`, `X-Time`, `X-Request-Id`, `X-Sign` over
//!   `X-Time + X-Request-Id + path`): 200 with an empty body once approved; 401 `Request is
//!   unauthorized yet` while pending; 401 `Request was refused by the client` after a refusal;
//!   404 `Request is not exist` for an unknown id or one of another company.
//! - **Customer data**: `GET /personal/client-info` and `GET /personal/statement/{account}/
//!   {from}[/{to}]` with `X-Key-Id` instead of `X-Token` (signed as the access check) answer
//!   the data of the customer who approved, by the personal rules (31 days + 1 h, 500 items,
//!   the same 400 texts) and the same windows: one call per endpoint per 60 s per request id
//!   (429 `Too many requests`; lifted with rate limits off). Client info has no `jars` (the
//!   provider spec lists none); without `p` it is only `{accounts}`; FOP accounts need `f`.
//!   `webHookUrl` is the company's corp webhook. A statement needs `s` (403 `Permission
//!   denied: statement access was not granted`); a jar needs `j`, a FOP account `f` (else 400
//!   `invalid account`).
//! - **Signed requests** are checked as [`signed`] describes: missing headers 400, a bad
//!   `X-Time` 400, an unknown or unapproved key, an `X-Time` more than 300 s from the sandbox
//!   clock (event `{"type":"provider_time_tolerance","seconds":N}`,
//!   `--monobank-time-tolerance N`) or a bad signature 403. The signed path excludes the query.
//! - **Accept page**: `GET {accept host}/auth/{id}` shows the company (`#company`) and the
//!   permissions asked (`#permissions`) with Approve (`#approve`) and Refuse (`#refuse`)
//!   buttons posting `decision=approve|refuse` back; the answer shows `#status` with
//!   `data-status`. The seeded customer decides. On approval, with `X-Callback` given, the
//!   bank GETs the callback with `X-Request-Id: <tokenRequestId>` (one attempt, 5 s, through
//!   the webhook outbox; a failure does not undo the approval). The event
//!   `{"type":"provider_access","request_id":…,"decision":"approve"|"refuse"}` decides without
//!   a browser and returns the request; `{"type":"provider_access_requests"}` lists them.
//! - **Seed**: one approved company whose private key comes from the seed: credentials
//!   `provider_key` (SEC1 PEM) and `provider_key_id`.
//! - **Bounds**: registrations besides the seeded one by `max_api_users` (oldest first),
//!   access requests by `max_consents` (refused ones first, then the oldest); a logo of at
//!   most 256 KiB of base64, other texts of at most 1 000 characters.

mod client_data;
mod events;
mod page;
mod routes;
mod signed;
mod state;

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Match, Request};

use self::page::AcceptPage;
use self::state::{AccessRequest, Companies, Company, DecideError, RegistrationStatus};
use super::keys::SeededKey;
use super::routes::STATEMENT_PATH;
use super::state::{
    AccountKind, AddedItem, ApiError, State, WEBHOOK_RETRY_DELAYS, WEBHOOK_TIMEOUT,
};
use crate::sync::lock;
use crate::webhook::{AcceptedStatus, OutgoingWebhook, RetryPolicy};
use crate::{ProviderContext, Route, Routes};

pub(crate) use self::events::handle as handle_event;

/// The accept page's host (`mbnk.app` for real).
pub(crate) const ACCEPT_HOST: &str = "accept";

/// Default largest difference between `X-Time` and the sandbox clock, in seconds.
pub(crate) const DEFAULT_TIME_TOLERANCE_SECONDS: i64 = 300;

/// A 1×1 PNG: the seeded company's logo.
const SEEDED_LOGO: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// Matches a request that carries `X-Key-Id` and no `X-Token`: a personal route called the
/// provider way.
#[derive(Debug)]
struct SignedByKey;

impl Match for SignedByKey {
    fn matches(&self, request: &Request) -> bool {
        request.headers.contains_key("x-key-id") && !request.headers.contains_key("x-token")
    }
}

/// The provider API's state and what it shares with the personal API.
#[derive(Debug)]
pub(crate) struct ProviderApi {
    ctx: ProviderContext,
    bank: Arc<State>,
    seeded_key: SeededKey,
    seeded: Companies,
    companies: Mutex<Companies>,
}

impl ProviderApi {
    pub(crate) fn new(ctx: &ProviderContext, bank: Arc<State>) -> Arc<ProviderApi> {
        let seeded_key = SeededKey::from_seed(ctx.seed(), "monobank-provider-key");
        let company = Company {
            key_id: seeded_key.key_id().to_owned(),
            pubkey: seeded_key.public_pem_base64(),
            public: *seeded_key.verifying_key(),
            name: "ТОВ «Бюджетник»".to_owned(),
            description: "Особистий фінансовий помічник: статистика витрат за виписками \
                          клієнтів"
                .to_owned(),
            contact_person: "Роман Шевченко".to_owned(),
            phone: "380671234567".to_owned(),
            email: "api@budgetnyk.example".to_owned(),
            logo: SEEDED_LOGO.to_owned(),
            permission: "psf".to_owned(),
            status: RegistrationStatus::Approved,
            webhook: None,
            seeded: true,
        };
        let limits = ctx.state_limits();
        let seeded = Companies::new(
            company,
            crate::rng::mix64(ctx.seed() ^ crate::rng::hash_name("monobank-access-requests")),
            DEFAULT_TIME_TOLERANCE_SECONDS,
            limits.max_api_users,
            limits.max_consents,
        );
        Arc::new(ProviderApi {
            ctx: ctx.clone(),
            bank,
            seeded_key,
            companies: Mutex::new(seeded.clone()),
            seeded,
        })
    }

    /// Runs `f` with the companies locked (keep `f` short; it may lock the bank inside).
    fn with<T>(&self, f: impl FnOnce(&mut Companies) -> T) -> T {
        f(&mut lock(&self.companies))
    }

    /// The sandbox clock, in Unix seconds.
    fn now(&self) -> i64 {
        self.ctx.now().timestamp()
    }

    /// `(provider_key, provider_key_id)`: the seeded company's private key (SEC1 PEM) and key id.
    pub(crate) fn credentials(&self) -> (String, String) {
        (
            self.seeded_key.private_pem(),
            self.seeded_key.key_id().to_owned(),
        )
    }

    fn accept_url(&self, id: &str) -> String {
        let base = self
            .ctx
            .host_url(ACCEPT_HOST)
            .unwrap_or(self.ctx.base_url());
        format!("{base}/auth/{id}")
    }

    /// Reads and checks a company-signed request (see [`signed`]).
    fn authenticate(
        &self,
        request: &Request,
        scheme: signed::Scheme,
    ) -> Result<signed::Verified, ApiError> {
        let headers = signed::SignedHeaders::read(request, scheme)?;
        let (key, tolerance) = self.with(|companies| {
            let company = companies
                .company(headers.key_id)
                .ok_or_else(|| ApiError::new(403, signed::UNKNOWN_KEY_ID))?;
            if company.status != RegistrationStatus::Approved {
                return Err(ApiError::new(403, signed::KEY_NOT_APPROVED));
            }
            Ok((company.public, companies.time_tolerance))
        })?;
        headers.verify(&key, request.url.path(), self.now(), tolerance)
    }

    /// The customer approves or refuses access request `id`; an approval with a callback
    /// sends the bank's GET to it.
    pub(crate) fn decide_access(
        &self,
        id: &str,
        approve: bool,
    ) -> Result<AccessRequest, DecideError> {
        let client_id = self.bank.with_bank(|bank| bank.client_id.clone());
        let now = self.now();
        let decided =
            self.with(|companies| companies.decide_request(id, approve, &client_id, now))?;
        if approve {
            if let Some(callback) = &decided.callback {
                let webhook = OutgoingWebhook::new(callback.clone(), "AccessCallback", Value::Null)
                    .method(http::Method::GET)
                    .without_body()
                    .header("X-Request-Id", decided.id.clone())
                    .policy(RetryPolicy::default());
                self.ctx.webhooks().send(webhook);
            }
        }
        Ok(decided)
    }

    /// Sends a new statement item to the corp webhooks of the companies that may see it.
    pub(crate) fn statement_item_added(&self, added: &AddedItem) {
        let Some((client_id, needs)) = self.bank.with_bank(|bank| {
            let account = bank.accounts.iter().find(|a| a.id == added.account)?;
            Some((bank.client_id.clone(), permission_for(&account.kind)))
        }) else {
            return;
        };
        let urls = self.with(|companies| {
            companies.corp_webhooks_for(&client_id, |request| {
                request.allows('s') && needs.is_none_or(|letter| request.allows(letter))
            })
        });
        let body = json!({
            "type": "StatementItem",
            "data": { "account": added.account, "statementItem": added.item },
        });
        for url in urls {
            let policy = RetryPolicy {
                attempt_timeout: WEBHOOK_TIMEOUT,
                retry_delays: WEBHOOK_RETRY_DELAYS.to_vec(),
                accepted: AcceptedStatus::Exactly(200),
            };
            self.ctx
                .webhooks()
                .send(OutgoingWebhook::new(url, "StatementItem", body.clone()).policy(policy));
        }
    }

    /// Mounts the provider routes on the API server (before the personal routes they share
    /// paths with).
    pub(crate) fn mount(self: &Arc<Self>, routes: &mut Routes, ctx: &ProviderContext) {
        let api = || Arc::clone(self);
        routes.mount(ctx.route(
            Route::given(method("POST")).and(path("/personal/auth/registration")),
            routes::Registration { api: api() },
        ));
        routes.mount(ctx.route(
            Route::given(method("POST")).and(path("/personal/auth/registration/status")),
            routes::RegistrationStatusRoute { api: api() },
        ));
        routes.mount(ctx.route(
            Route::given(method("GET")).and(path("/personal/corp/settings")),
            routes::Settings { api: api() },
        ));
        routes.mount(ctx.route_async(
            Route::given(method("POST")).and(path("/personal/corp/webhook")),
            routes::CorpWebhook { api: api() },
        ));
        routes.mount(ctx.route(
            Route::given(method("POST")).and(path("/personal/auth/request")),
            routes::CreateAccessRequest { api: api() },
        ));
        routes.mount(ctx.route(
            Route::given(method("GET")).and(path("/personal/auth/request")),
            routes::CheckAccessRequest { api: api() },
        ));
        routes.mount(
            ctx.route(
                Route::given(method("GET"))
                    .and(path("/personal/client-info"))
                    .and(SignedByKey),
                client_data::SignedClientInfo { api: api() },
            )
            .with_priority(4),
        );
        routes.mount(
            ctx.route(
                Route::given(method("GET"))
                    .and(path_regex(STATEMENT_PATH))
                    .and(SignedByKey),
                client_data::SignedStatement { api: api() },
            )
            .with_priority(4),
        );
    }

    /// Mounts the accept page on the `accept` host.
    pub(crate) fn mount_page(self: &Arc<Self>, routes: &mut Routes, ctx: &ProviderContext) {
        routes.mount(ctx.route(
            Route::given(wiremock::matchers::any()),
            AcceptPage {
                api: Arc::clone(self),
            },
        ));
    }

    pub(crate) fn reset(&self) {
        *lock(&self.companies) = self.seeded.clone();
    }

    /// `{"provider_registrations": n, "provider_access_requests": m}` (the seeded company not
    /// counted).
    pub(crate) fn sizes(&self) -> Value {
        let (registrations, requests) = self.with(|companies| companies.sizes());
        json!({
            "provider_registrations": registrations,
            "provider_access_requests": requests,
        })
    }
}

/// The permission letter an account's data needs besides `s`: `f` for FOP accounts, `j` for
/// jars.
fn permission_for(kind: &AccountKind) -> Option<char> {
    match kind {
        AccountKind::Card { card_type, .. } if card_type == "fop" => Some('f'),
        AccountKind::Card { .. } => None,
        AccountKind::Jar { .. } => Some('j'),
    }
}

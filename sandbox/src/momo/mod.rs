//! MTN MoMo Open API (`https://sandbox.momodeveloper.mtn.com`): sandbox provisioning, tokens
//! and the collection, disbursement and remittance products on one server.
//!
//! - **Credentials** (`/__bankkit/credentials`): `api_user` (a UUID v4) and `api_key` (32
//!   hex) of a pre-provisioned API user, `collection_key`, `disbursement_key` and
//!   `remittance_key` (the three subscription keys), `target_environment` (`"sandbox"`) and
//!   `callback_host` (`"127.0.0.1"`, the user's `providerCallbackHost`; real MoMo wants a
//!   hostname, the sandbox's receivers in tests listen on 127.0.0.1). Provisioning more users
//!   (`POST /v1_0/apiuser` → 201, `GET /v1_0/apiuser/{id}`, `POST …/apikey` → 201
//!   `{"apiKey"}`) accepts any of the three subscription keys.
//! - **Gateway.** A `POST` or `PUT` with neither `Content-Length` nor `Transfer-Encoding:
//!   chunked` (e.g. a token or API-key call without `Content-Length: 0`) → 411 Length
//!   Required, `text/html; charset=us-ascii`, the HTML page of Microsoft's HTTP server in
//!   front of Azure API Management, connection closed, on every path and before any other
//!   check. MTN's 411 is reported by a team using the live sandbox (2026) and matches what
//!   the same gateway does for other Azure APIs (MicrosoftDocs/azure-docs#25296); the exact
//!   bytes are inferred.
//! - **Headers.** `Ocp-Apim-Subscription-Key` must be the product's own key (missing or wrong
//!   → APIM's 401 `{"statusCode":401,"message":"Access denied due to missing|invalid
//!   subscription key…"}`). `POST /{product}/token/` takes Basic `api_user:api_key` (wrong →
//!   500 `{"error":"login_failed"}`; not Basic at all → 401 `{"error":"invalid_client"}`) and
//!   answers `{"access_token": <JWT-like>, "token_type": "access_token", "expires_in": 3600}`.
//!   Business calls need `Bearer` with a token of the same product that has not expired on
//!   the sandbox clock (else APIM's 401 `{"statusCode":401,"message":"Unauthorized. Access
//!   token is missing or invalid."}` — the message is inferred) and `X-Target-Environment:
//!   sandbox` (else 500 `NOT_ALLOWED_TARGET_ENVIRONMENT`). Creating calls need `X-Reference-Id`
//!   as a UUID v4 (else 400); reusing one for the same kind of resource → 409
//!   `RESOURCE_ALREADY_EXIST`, also after a response was lost. `X-Callback-Url` is optional;
//!   present but empty or not a URL → 400, a host other than the user's
//!   `providerCallbackHost` (port ignored) → 500 `INVALID_CALLBACK_URL_HOST`. Order of
//!   checks: length (411), key, token, environment, reference id, duplicate, callback, body
//!   (400), currency (500). Bodies of GETs (a literal `null`) and unknown headers are ignored.
//! - **Answers.** Creates: 202 with an empty body (provisioning: 201); GETs 200; JSON always
//!   with `Content-Type: application/json;charset=utf-8` exactly. Errors are
//!   `{"code","message"}` (400 `BAD_REQUEST`, 404 `RESOURCE_NOT_FOUND`, 500 `…`); unknown
//!   paths and wrong verbs → APIM's 404 `{"statusCode":404,"message":"Resource not found"}`.
//!   Injected status faults answer `{"code","message"}`, in the same content type (500
//!   `INTERNAL_PROCESSING_ERROR`, 503 `SERVICE_UNAVAILABLE`, …).
//! - **Bodies.** Amounts are decimal strings with at most two decimals (a JSON number → 400),
//!   echoed as sent; only `EUR` (else 500 `INVALID_CURRENCY` "Currency not supported.");
//!   `payerMessage`/`payeeNote` (and other free texts) at most 160 characters without `'` or
//!   `&` (else 400). Party id types `MSISDN`, `EMAIL`, `PARTY_CODE`, `ALIAS`.
//! - **Outcomes** are decided at creation from the party (payer for collection, payee for
//!   disbursement and remittance) and read at the clock's now. Documented table (default;
//!   MTN's sandbox documentation, 2018 mirror, repeated in MTN's 2024 sandbox notebook —
//!   confirmed): `46733123450` FAILED `INTERNAL_PROCESSING_ERROR` and `…451` (rejected) FAILED
//!   `APPROVAL_REJECTED` 5 s after creation; `…452` (timeout) FAILED `EXPIRED` after 60 s;
//!   `…453` (ongoing) PENDING, SUCCESSFUL when its status is asked 30 s or more after
//!   creation; `…454` PENDING for ever; **every other number** SUCCESSFUL after 5 s, on every
//!   create. Measured table (`{"type":"magic_numbers","table":"measured"}`, `--momo-numbers
//!   measured`; one team's measurement of the live sandbox, 2026): `…450`–`…452` FAILED after
//!   5 s (same codes), `…453` PENDING for ever, `…454` `CREATED` then SUCCESSFUL after 25 s.
//!   Extended numbers (`{"type":"magic_numbers","extended":true}`, `--momo-extended-numbers`,
//!   on either table; one third-party page, lower confidence): payer `…455`
//!   `PAYER_NOT_FOUND`, `…458` `NOT_ALLOWED_TARGET_ENVIRONMENT`, `…459`
//!   `INVALID_CALLBACK_URL_HOST`, `…460` `INVALID_CURRENCY`, `…461`
//!   `INTERNAL_PROCESSING_ERROR`, `…463` `COULD_NOT_PERFORM_TRANSACTION`, `…464`
//!   `TRANSFER_TYPE_UNKNOWN`; payee `…455` `NOT_ENOUGH_FUNDS`, `…457` `PAYEE_NOT_FOUND`,
//!   `…462` `INTERNAL_PROCESSING_ERROR` (all after 5 s); payment v2 by amount: 2000 FAILED,
//!   3000 PENDING then SUCCESSFUL after 30 s, 7000 FAILED `TRANSFER_TYPE_UNKNOWN`. Without
//!   them a payment v2 goes by `customerReference` as a payer. The numbers in force when a
//!   payment is created apply to it. A failed status (and its callback) carries `reason` as
//!   the bare code (default: what MTN's community posts and clients show) or as the
//!   swagger's `{"code","message"}` object (`{"type":"reason_format","format":"object"}`,
//!   `--momo-reason object`); the form is the one in force when the body is written.
//! - **Money.** Each product has one EUR account (seeded 2500, 5000 and 3000 EUR). A
//!   SUCCESSFUL request to pay, withdrawal, invoice or payment v2 credits collection; a
//!   SUCCESSFUL transfer, deposit or refund debits disbursement; a remittance transfer
//!   debits remittance. A debit larger than the balance less the debits still pending fails
//!   `NOT_ENOUGH_FUNDS` (5 s). A refund names a SUCCESSFUL collection in
//!   `referenceIdToRefund` (unknown → 404, not successful → 400), is paid to its payer, and
//!   refunds (not failed) stay within its amount (else 400).
//! - **Invoices** (v2_0): PENDING until the intended payer's outcome; one still pending at
//!   `expiryDateTime` (`validityDuration` seconds) FAILS `EXPIRED`. A `validityDuration` (or
//!   a preapproval's `validityTime`) that would end past the year 9999 → 400. `DELETE` with a new
//!   `X-Reference-Id` cancels a pending invoice (status `CANCELLED`; a final one → 400).
//!   **Preapprovals** (v2_0 and v1_0 paths): SUCCESSFUL = approved, by the payer's outcome;
//!   `GET /collection/v1_0/preapprovals/{type}/{id}` lists the approved, unexpired ones (the
//!   status body plus `preApprovalId`); `DELETE /collection/v1_0/preapproval/{id}` → 200 and
//!   status `CANCELLED`.
//! - **Consent.** `bc-authorize` (Basic or Bearer, form `login_hint=ID:{msisdn}/MSISDN`,
//!   `scope`, `access_type`) for a known account holder → `{"auth_req_id","interval":5,
//!   "expires_in":600}`, approved at once; `oauth2/token/` exchanges it once (Basic) for a
//!   consent token (also `scope`, `refresh_token`, `refresh_token_expired_in`) that only
//!   `oauth2/v1_0/userinfo` accepts. Account holders (for `basicuserinfo`, `active`,
//!   `bc-authorize` and consent): as in MTN's sandbox, every well-formed id is an active
//!   holder. `basicuserinfo` answers the canned `{"sub":"0","name":"Sand Box",
//!   "given_name":"Sand","family_name":"Box","birthdate":"1976-08-13","locale":"sv_SE",
//!   "gender":"MALE","updated_at":<now>}` (recorded in the MTN-Group JavaScript, PHP and
//!   Android SDK docs, 2023); consent `userinfo` the canned full KYC recorded in MTN's 2024
//!   sandbox notebook. That includes the magic numbers `…450`–`…454`: the documented table is
//!   about payment outcomes. Well formed: an MSISDN of 1 to 15 digits, an e-mail
//!   `local@domain.tld`, a party code that is a UUID (the swagger's validation rules). Named
//!   extras keep profiles of their own: `46733123456` and `maja.sandberg@example.se`,
//!   `256772123456`, `233241234567`, `237677123456` (inactive: `{"result": false}`) and party
//!   code `MOMOSHOP01`. A malformed id → 404 `RESOURCE_NOT_FOUND` (as an unknown holder; MTN
//!   documents no other answer).
//! - **Callbacks** go to `X-Callback-Url` when a payment ends (SUCCESSFUL or FAILED), queued
//!   at creation for the planned end time (or when a …453 is asked), `PUT` by default
//!   (`{"type":"callback_method","method":"POST"}` for POST), body = the GET status body,
//!   `Content-Type: application/json;charset=utf-8`, not signed. Retries (newer documented
//!   policy, bounded): 2 s to answer with a 2xx, then 20 retries 1 s apart and 30 retries
//!   2 min apart on the sandbox clock, then given up. Cancelling an invoice or preapproval
//!   withdraws its queued callback (a cancelled invoice's status goes to the cancel call's
//!   own `X-Callback-Url`, if any). No callbacks for consent.
//! - **Events.** Custom only: `magic_numbers` (`"table"` and/or `"extended"`; answers both
//!   as they now stand), `reason_format`, `callback_method` as above (each returns what it
//!   set); [`SandboxEvent::CardTransaction`] is unsupported. Reset restores the defaults: the
//!   module's own, or those the builder's `default_event` (the binary's `--momo-…` options)
//!   set.
//! - **Ledger.** Accounts `collection`, `disbursement`, `remittance` (kind `product`, EUR);
//!   transactions are the payments that reached SUCCESSFUL (id = `X-Reference-Id`, + credits,
//!   − debits, description = `externalId`, else `payerMessage`).
//! - **Test parties.** MSISDNs: success `46733123456`, failure `46733123450`, pending
//!   `46733123454` (`46733123453` under the measured table).
//! - **Not imitated.** The remittance v2 cash transfer (`/remittance/v2_0/cashtransfer`): its
//!   request fields appear in an MTN community post, but neither its path nor its status
//!   body could be confirmed from MTN's published documentation or SDKs.
//! - **Bounded state** ([`crate::StateLimits`]): payments of every kind together are capped
//!   (finished ones dropped first, in the order they finished, then the oldest pending);
//!   tokens and `bc-authorize` requests are dropped after their expiry plus the grace and
//!   capped; provisioned API users are capped (the seeded one stays). A dropped payment or
//!   user answers 404 `RESOURCE_NOT_FOUND`, a dropped token the unknown token's 401, a
//!   dropped `auth_req_id` `invalid_grant`. Ends are applied from an index ordered by due
//!   time, so a request settles only what is due (state sizes: `payments`, `settle_index`,
//!   `settled`, `tokens`, `consents`, `api_users`).

mod checks;
mod payments;
mod routes;
mod seed;
mod state;
mod wire;

use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::matchers::{any, method, path_regex};

use self::payments::{CancelInvoice, CancelPreapproval, Create, ListPreapprovals, Status};
use self::routes::{
    Common, CommonRoute, CreateApiKey, CreateApiUser, CreateToken, GetApiUser, LengthRequired,
    NotFound, WithoutLength,
};
use self::state::{Kind, MagicTable, Numbers, ReasonFormat, State};
use crate::{
    Ledger, ProviderContext, ProviderRegistration, Route, Routes, SandboxError, SandboxEvent,
    SandboxProvider, TestOutcome, TestParty,
};

/// The provider's name in the registry.
pub(crate) const NAME: &str = "momo";

/// The built-in registration.
pub(crate) static REGISTRATION: ProviderRegistration = ProviderRegistration {
    name: NAME,
    build,
    hosts: &[],
};

/// Any product's path prefix.
const PRODUCT: &str = "(collection|disbursement|remittance)";

/// What `magic_numbers` answers: the table and the extended switch now in force.
fn numbers_json(numbers: Numbers) -> Value {
    let table = match numbers.table {
        MagicTable::Documented => "documented",
        MagicTable::Measured => "measured",
    };
    json!({ "table": table, "extended": numbers.extended })
}

pub(crate) fn build(ctx: &ProviderContext) -> Arc<dyn SandboxProvider> {
    ctx.set_error_body(checks::error_body_for);
    ctx.set_json_content_type(checks::JSON);
    Arc::new(MomoSandbox {
        state: State::new(ctx.clone()),
    })
}

/// The MTN MoMo Open API module.
#[derive(Debug)]
struct MomoSandbox {
    state: Arc<State>,
}

impl MomoSandbox {
    fn custom(&self, event: &Value) -> Result<Value, SandboxError> {
        let field = |name: &str| event.get(name).and_then(Value::as_str);
        let invalid = |message: &str| Err(SandboxError::InvalidEvent(message.to_owned()));
        match field("type") {
            Some("magic_numbers") => {
                let table = match event.get("table") {
                    None => None,
                    Some(Value::String(name)) if name == "documented" => {
                        Some(MagicTable::Documented)
                    }
                    Some(Value::String(name)) if name == "measured" => Some(MagicTable::Measured),
                    Some(_) => {
                        return invalid("magic_numbers \"table\" is \"documented\" or \"measured\"")
                    }
                };
                let extended = match event.get("extended") {
                    None => None,
                    Some(Value::Bool(on)) => Some(*on),
                    Some(_) => return invalid("magic_numbers \"extended\" is true or false"),
                };
                if table.is_none() && extended.is_none() {
                    return invalid(
                        "magic_numbers needs \"table\": \"documented\" or \"measured\", \
                         and/or \"extended\": true or false",
                    );
                }
                let numbers = self.state.with(|momo, _| {
                    if let Some(table) = table {
                        momo.numbers.table = table;
                    }
                    if let Some(extended) = extended {
                        momo.numbers.extended = extended;
                    }
                    momo.numbers
                });
                Ok(numbers_json(numbers))
            }
            Some("reason_format") => {
                let format = match field("format") {
                    Some("object") => ReasonFormat::Object,
                    Some("string") => ReasonFormat::String,
                    _ => {
                        return invalid("reason_format needs \"format\": \"object\" or \"string\"")
                    }
                };
                self.state.with(|momo, _| momo.reason_format = format);
                Ok(json!({ "format": field("format") }))
            }
            Some("callback_method") => {
                let method = match field("method").map(str::to_ascii_uppercase).as_deref() {
                    Some("PUT") => http::Method::PUT,
                    Some("POST") => http::Method::POST,
                    _ => return invalid("callback_method needs \"method\": \"PUT\" or \"POST\""),
                };
                let name = method.as_str().to_owned();
                self.state.with(|momo, _| momo.callback_method = method);
                Ok(json!({ "method": name }))
            }
            other => Err(SandboxError::UnsupportedEvent(format!(
                "momo knows `magic_numbers`, `reason_format` and `callback_method`, not {}",
                other.unwrap_or("an event without a type")
            ))),
        }
    }
}

impl SandboxProvider for MomoSandbox {
    fn name(&self) -> &'static str {
        NAME
    }

    fn mount(&self, routes: &mut Routes, ctx: &ProviderContext) {
        let state = || Arc::clone(&self.state);
        let common = |verb: &str, pattern: &str, op: Common| {
            ctx.route(
                Route::given(method(verb)).and(path_regex(format!("^/{PRODUCT}/{pattern}/?$"))),
                CommonRoute { state: state(), op },
            )
        };
        let create = |pattern: &str, kind: Kind| {
            ctx.route(
                Route::given(method("POST")).and(path_regex(format!("^/{pattern}/?$"))),
                Create {
                    state: state(),
                    kind,
                },
            )
        };
        let status = |pattern: &str, kind: Kind| {
            ctx.route(
                Route::given(method("GET")).and(path_regex(format!("^/{pattern}/[^/]+/?$"))),
                Status {
                    state: state(),
                    kind,
                },
            )
        };
        let table = [
            // Ahead of every MoMo route (the control API, mounted first, keeps its own paths).
            Route::given(WithoutLength)
                .respond_with(LengthRequired)
                .with_priority(1),
            ctx.route(
                Route::given(method("POST")).and(path_regex(r"^/v1_0/apiuser/?$")),
                CreateApiUser { state: state() },
            ),
            ctx.route(
                Route::given(method("GET")).and(path_regex(r"^/v1_0/apiuser/[^/]+/?$")),
                GetApiUser { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path_regex(r"^/v1_0/apiuser/[^/]+/apikey/?$")),
                CreateApiKey { state: state() },
            ),
            ctx.route(
                Route::given(method("POST")).and(path_regex(format!("^/{PRODUCT}/token/?$"))),
                CreateToken { state: state() },
            ),
            common("GET", "v1_0/account/balance", Common::Balance),
            common("GET", "v1_0/account/balance/[^/]+", Common::BalanceIn),
            common(
                "GET",
                "v1_0/accountholder/[^/]+/[^/]+/basicuserinfo",
                Common::BasicUserInfo,
            ),
            common(
                "GET",
                "v1_0/accountholder/[^/]+/[^/]+/active",
                Common::Active,
            ),
            common("POST", "v1_0/bc-authorize", Common::BcAuthorize),
            common("POST", "oauth2/token", Common::ConsentToken),
            common("GET", "oauth2/v1_0/userinfo", Common::UserInfo),
            common(
                "POST",
                "v1_0/requesttopay/[^/]+/deliverynotification",
                Common::DeliveryNotification,
            ),
            create("collection/v1_0/requesttopay", Kind::RequestToPay),
            status("collection/v1_0/requesttopay", Kind::RequestToPay),
            create("collection/v(1|2)_0/requesttowithdraw", Kind::Withdraw),
            status("collection/v1_0/requesttowithdraw", Kind::Withdraw),
            create("collection/v2_0/invoice", Kind::Invoice),
            status("collection/v2_0/invoice", Kind::Invoice),
            ctx.route(
                Route::given(method("DELETE"))
                    .and(path_regex(r"^/collection/v2_0/invoice/[^/]+/?$")),
                CancelInvoice { state: state() },
            ),
            create("collection/v(1|2)_0/preapproval", Kind::Preapproval),
            status("collection/v(1|2)_0/preapproval", Kind::Preapproval),
            ctx.route(
                Route::given(method("DELETE"))
                    .and(path_regex(r"^/collection/v(1|2)_0/preapproval/[^/]+/?$")),
                CancelPreapproval { state: state() },
            ),
            ctx.route(
                Route::given(method("GET"))
                    .and(path_regex(r"^/collection/v1_0/preapprovals/[^/]+/[^/]+/?$")),
                ListPreapprovals { state: state() },
            ),
            create("collection/v2_0/payment", Kind::Payment),
            status("collection/v2_0/payment", Kind::Payment),
            create("disbursement/v1_0/transfer", Kind::Transfer),
            status("disbursement/v1_0/transfer", Kind::Transfer),
            create("disbursement/v(1|2)_0/deposit", Kind::Deposit),
            status("disbursement/v1_0/deposit", Kind::Deposit),
            create("disbursement/v(1|2)_0/refund", Kind::Refund),
            status("disbursement/v1_0/refund", Kind::Refund),
            create("remittance/v1_0/transfer", Kind::RemittanceTransfer),
            status("remittance/v1_0/transfer", Kind::RemittanceTransfer),
            ctx.route(Route::given(any()), NotFound).with_priority(10),
        ];
        for route in table {
            routes.mount(route);
        }
    }

    fn state_sizes(&self) -> Value {
        self.state.with(|momo, _| momo.sizes())
    }

    fn credentials(&self) -> Value {
        self.state.with(|momo, _| {
            let c = &momo.credentials;
            json!({
                "api_user": c.api_user,
                "api_key": c.api_key,
                "collection_key": c.keys[0],
                "disbursement_key": c.keys[1],
                "remittance_key": c.keys[2],
                "target_environment": seed::TARGET_ENVIRONMENT,
                "callback_host": seed::CALLBACK_HOST,
            })
        })
    }

    fn ledger(&self) -> Ledger {
        self.state.with(|momo, now| momo.ledger(now))
    }

    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        match event {
            SandboxEvent::CardTransaction { .. } => Err(SandboxError::UnsupportedEvent(
                "momo has no card transactions".to_owned(),
            )),
            SandboxEvent::PayerActs { .. } => Err(SandboxError::UnsupportedEvent(
                "momo has no payment page for a payer to act on".to_owned(),
            )),
            SandboxEvent::Custom(value) => self.custom(value),
        }
    }

    fn reset(&self) {
        self.state.reset();
    }

    fn test_party(&self, outcome: TestOutcome) -> Option<TestParty> {
        let table = self.state.with(|momo, _| momo.numbers.table);
        let value = match outcome {
            TestOutcome::Success => seed::SUCCESS_MSISDN,
            TestOutcome::Failure => seed::FAILURE_MSISDN,
            TestOutcome::Pending => match table {
                MagicTable::Documented => seed::PENDING_MSISDN,
                MagicTable::Measured => seed::MEASURED_PENDING_MSISDN,
            },
        };
        Some(TestParty {
            kind: "msisdn".to_owned(),
            value: value.to_owned(),
        })
    }
}

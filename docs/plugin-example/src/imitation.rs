//! The sandbox imitation of the Acme API, registered with `bankkit-sandbox` so the
//! conformance runner can test the provider offline.
//!
//! It is written from the (fictional) API's documentation, not from the client's types: the
//! two share no code, so a misread field fails a check instead of passing on both sides.

use std::sync::Arc;

use bankkit_sandbox::{
    Ledger, LedgerAccount, ProviderContext, Reply, Respond, Route, Routes, SandboxError,
    SandboxEvent, SandboxProvider,
};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::Request;

const API_KEY: &str = "acme_test_key_0123456789";

/// The seeded accounts: id, name, currency, balance in minor units.
const ACCOUNTS: [(&str, &str, &str, i64); 2] = [
    ("acc_main", "Main", "EUR", 123_456),
    ("acc_savings", "Savings", "GBP", 500_000),
];

#[derive(Debug)]
pub(crate) struct Acme;

pub(crate) fn build(_: &ProviderContext) -> Arc<dyn SandboxProvider> {
    Arc::new(Acme)
}

fn wire_account(id: &str, name: &str, currency: &str, minor: i64) -> Value {
    json!({
        "id": id,
        "name": name,
        "currency": currency,
        "balance": format!("{}.{:02}", minor / 100, (minor % 100).abs()),
    })
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::new(status).set_body_json(json!({"error": {"code": code, "message": message}}))
}

fn authorised(request: &Request) -> bool {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {API_KEY}"))
}

struct ListAccounts;

impl Respond for ListAccounts {
    fn respond(&self, request: &Request) -> Reply {
        if !authorised(request) {
            return error(401, "unauthorized", "missing or unknown API key");
        }
        let accounts: Vec<Value> = ACCOUNTS
            .iter()
            .map(|(id, name, ccy, minor)| wire_account(id, name, ccy, *minor))
            .collect();
        Reply::new(200).set_body_json(json!({ "accounts": accounts }))
    }
}

struct GetAccount;

impl Respond for GetAccount {
    fn respond(&self, request: &Request) -> Reply {
        if !authorised(request) {
            return error(401, "unauthorized", "missing or unknown API key");
        }
        let id = request.url.path().trim_start_matches("/v1/accounts/");
        match ACCOUNTS.iter().find(|(a, ..)| *a == id) {
            Some((id, name, ccy, minor)) => {
                Reply::new(200).set_body_json(wire_account(id, name, ccy, *minor))
            }
            None => error(404, "not_found", "no such account"),
        }
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
        routes.mount(ctx.route(
            Route::given(method("GET")).and(path("/v1/accounts")),
            ListAccounts,
        ));
        routes.mount(ctx.route(
            Route::given(method("GET")).and(path_regex(r"^/v1/accounts/[^/]+$")),
            GetAccount,
        ));
    }

    fn credentials(&self) -> Value {
        json!({ "api_key": API_KEY })
    }

    fn ledger(&self) -> Ledger {
        Ledger {
            accounts: ACCOUNTS
                .iter()
                .map(|(id, _, ccy, minor)| LedgerAccount {
                    id: (*id).to_owned(),
                    kind: "current".to_owned(),
                    currency: (*ccy).to_owned(),
                    balance_minor: *minor,
                    transactions: Vec::new(),
                })
                .collect(),
        }
    }

    fn trigger(&self, event: &SandboxEvent) -> Result<Value, SandboxError> {
        Err(SandboxError::UnsupportedEvent(format!("{event:?}")))
    }

    fn reset(&self) {}
}

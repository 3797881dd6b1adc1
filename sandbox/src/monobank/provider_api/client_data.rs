//! The customer's data the provider way: `GET /personal/client-info` and
//! `GET /personal/statement/…` signed with `X-Key-Id` and an approved `X-Request-Id`.

use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::Request;

use super::routes::granted;
use super::signed::Scheme;
use super::state::AccessRequest;
use super::{permission_for, ProviderApi};
use crate::monobank::routes::{
    json_response, respond_with, StatementQuery, INVALID_ACCOUNT, TOO_MANY_REQUESTS,
};
use crate::monobank::state::{ApiError, Bank, RATE_WINDOW_SECONDS};
use crate::{Reply, Respond};

pub(crate) const STATEMENT_NOT_GRANTED: &str =
    "Permission denied: statement access was not granted";

/// Whether a window that last answered at `last` is still closed at `now`.
fn window_closed(last: Option<i64>, now: i64) -> bool {
    last.is_some_and(|last| now.saturating_sub(last) < RATE_WINDOW_SECONDS)
}

/// `UserInfo` of the provider spec: no `jars`; only `accounts` without `p`; FOP accounts only
/// with `f`; `webHookUrl` is the company's webhook.
fn client_info(bank: &Bank, grant: &AccessRequest, company_webhook: Option<String>) -> Value {
    let info = bank.client_info();
    let accounts: Vec<_> = info
        .accounts
        .into_iter()
        .filter(|account| account.kind != "fop" || grant.allows('f'))
        .collect();
    if grant.allows('p') {
        json!({
            "clientId": info.client_id,
            "name": info.name,
            "webHookUrl": company_webhook.unwrap_or_default(),
            "permissions": grant.permissions,
            "accounts": accounts,
        })
    } else {
        json!({ "accounts": accounts })
    }
}

/// Signed `GET /personal/client-info`.
#[derive(Debug)]
pub(crate) struct SignedClientInfo {
    pub(crate) api: Arc<ProviderApi>,
}

impl SignedClientInfo {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let verified = self.api.authenticate(request, Scheme::WithRequestId)?;
        let id = verified.request_id.unwrap_or_default();
        let now = self.api.now();
        let limits = self.api.ctx.rate_limits();
        self.api.with(|companies| {
            let webhook = companies
                .company(&verified.key_id)
                .and_then(|company| company.webhook.clone());
            let grant = granted(companies, &id, &verified.key_id)?;
            if limits && window_closed(grant.client_info_at, now) {
                return Err(ApiError::new(429, TOO_MANY_REQUESTS));
            }
            let body = self
                .api
                .bank
                .with_bank(|bank| client_info(bank, grant, webhook));
            grant.client_info_at = Some(now);
            Ok(json_response(200, &body))
        })
    }
}

impl Respond for SignedClientInfo {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// Signed `GET /personal/statement/{account}/{from}[/{to}]`.
#[derive(Debug)]
pub(crate) struct SignedStatement {
    pub(crate) api: Arc<ProviderApi>,
}

impl SignedStatement {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let verified = self.api.authenticate(request, Scheme::WithRequestId)?;
        let id = verified.request_id.unwrap_or_default();
        let now = self.api.now();
        let query = StatementQuery::parse(request.url.path(), now)?;
        let limits = self.api.ctx.rate_limits();
        self.api.with(|companies| {
            let grant = granted(companies, &id, &verified.key_id)?;
            if !grant.allows('s') {
                return Err(ApiError::new(403, STATEMENT_NOT_GRANTED));
            }
            if limits && window_closed(grant.statement_at, now) {
                return Err(ApiError::new(429, TOO_MANY_REQUESTS));
            }
            let items = self.api.bank.with_bank(|bank| {
                let index = bank
                    .account_index(&query.account)
                    .filter(|&index| {
                        bank.accounts.get(index).is_some_and(|account| {
                            permission_for(&account.kind).is_none_or(|letter| grant.allows(letter))
                        })
                    })
                    .ok_or_else(|| ApiError::new(400, INVALID_ACCOUNT))?;
                query.check_window()?;
                Ok(bank.statement(index, query.from, query.to))
            })?;
            grant.statement_at = Some(now);
            Ok(json_response(200, &items))
        })
    }
}

impl Respond for SignedStatement {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

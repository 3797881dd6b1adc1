//! Transactions: `GET /transactions`, `GET /transactions/{id}`, `PATCH /transactions/{id}`.
//!
//! The list is oldest first; `since` (RFC 3339, inclusive, or a transaction id, exclusive) and
//! `before` (RFC 3339, exclusive) bound it and `limit` (default 30, at most 100) cuts it after
//! the oldest ones, so a client pages forward by passing the last id as `since`. Five minutes
//! after the user approved access in the app, only the last 90 days can be read: a list whose
//! `since` is older, or that has no `since` (from the beginning), answers 403
//! `forbidden.verification_required`.

use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::{json, Value};
use wiremock::Request;

use crate::{Reply, Respond};

use super::routes::{
    account_param, authorize, json_response, path_segment, respond_with, MonzoParams,
};
use super::state::{parse_time, ApiError, State, FULL_HISTORY_SECONDS, HISTORY_DAYS};
use crate::request::Params;
use crate::time::rfc3339;

/// Default and largest `limit`.
pub(crate) const DEFAULT_LIMIT: usize = 30;
pub(crate) const MAX_LIMIT: usize = 100;

/// `GET /transactions/{id}[?expand[]=merchant]`.
#[derive(Debug)]
pub(crate) struct GetTransaction {
    pub(crate) state: Arc<State>,
}

impl Respond for GetTransaction {
    fn respond(&self, request: &Request) -> Reply {
        let params = Params::query(request);
        let now = self.state.now();
        let id = path_segment(request, 1);
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let transaction = bank
                .transactions
                .get(id)
                .ok_or_else(|| ApiError::not_found("transaction"))?;
            let transaction = bank.transaction_json(transaction, params.expands_merchant());
            Ok(json_response(200, &json!({ "transaction": transaction })))
        }))
    }
}

/// `GET /transactions?account_id=&since=&before=&limit=&expand[]=merchant`.
#[derive(Debug)]
pub(crate) struct ListTransactions {
    pub(crate) state: Arc<State>,
}

impl ListTransactions {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let params = Params::query(request);
        let now = self.state.now();
        self.state.with_bank(|bank| {
            let grant = authorize(bank, request, now)?;
            let account = account_param(bank, &params, "account_id")?;
            let limit = match params.get("limit").filter(|l| !l.is_empty()) {
                None => DEFAULT_LIMIT,
                Some(text) => {
                    let limit = text
                        .parse::<usize>()
                        .map_err(|_| ApiError::bad_param("limit", "must be a positive integer"))?;
                    if limit == 0 || limit > MAX_LIMIT {
                        return Err(ApiError::bad_param("limit", "must be between 1 and 100"));
                    }
                    limit
                }
            };
            let before = match params.get("before").filter(|b| !b.is_empty()) {
                None => None,
                Some(text) => Some(
                    parse_time(text)
                        .ok_or_else(|| ApiError::bad_param("before", "must be an RFC 3339 time"))?,
                ),
            };
            let on_account: Vec<_> = bank.transactions.of_account(account).collect();
            // Where the list starts: an index into `on_account`, and the time it stands for.
            let (start, since_time) = match params.get("since").filter(|s| !s.is_empty()) {
                None => (0, None),
                Some(text) => match parse_time(text) {
                    Some(time) => (
                        on_account.partition_point(|stored| stored.created < time),
                        Some(time),
                    ),
                    None => {
                        let position = on_account
                            .iter()
                            .position(|stored| stored.transaction.id == text)
                            .ok_or_else(|| {
                                ApiError::bad_param(
                                    "since",
                                    "must be an RFC 3339 time or a transaction id",
                                )
                            })?;
                        (
                            position + 1,
                            on_account.get(position).map(|stored| stored.created),
                        )
                    }
                },
            };
            let approved_at = bank.approved(grant).unwrap_or(now);
            let full_history = now - approved_at <= TimeDelta::seconds(FULL_HISTORY_SECONDS);
            let oldest_allowed = now - TimeDelta::days(HISTORY_DAYS);
            if !full_history && since_time.is_none_or(|since| since < oldest_allowed) {
                return Err(ApiError::new(
                    403,
                    "forbidden.verification_required",
                    format!(
                        "Verification required: more than five minutes after authentication, only \
                         transactions since {} can be listed; set `since` accordingly or \
                         authenticate again",
                        rfc3339(oldest_allowed)
                    ),
                ));
            }
            let expand = params.expands_merchant();
            let transactions: Vec<Value> = on_account
                .iter()
                .skip(start)
                .filter(|stored| before.is_none_or(|before| stored.created < before))
                .take(limit)
                .map(|stored| bank.transaction_json(&stored.transaction, expand))
                .collect();
            Ok(json_response(200, &json!({ "transactions": transactions })))
        })
    }
}

impl Respond for ListTransactions {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `PATCH /transactions/{id}` with `metadata[key]=value`: an empty value deletes the key; the
/// key `notes` sets the top-level `notes` instead.
#[derive(Debug)]
pub(crate) struct AnnotateTransaction {
    pub(crate) state: Arc<State>,
}

impl AnnotateTransaction {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        let id = path_segment(request, 1);
        let changes = form.map("metadata");
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            if !bank.transactions.contains(id) {
                return Err(ApiError::not_found("transaction"));
            }
            if changes.is_empty() {
                return Err(ApiError::missing_param("metadata"));
            }
            let transaction = bank
                .transactions
                .get_mut(id)
                .ok_or_else(|| ApiError::not_found("transaction"))?;
            for (key, value) in changes {
                if key == "notes" {
                    transaction.notes = value;
                } else if value.is_empty() {
                    transaction.metadata.remove(&key);
                } else {
                    transaction.metadata.insert(key, value);
                }
            }
            transaction.updated = rfc3339(now);
            let transaction = bank
                .transactions
                .get(id)
                .map_or(Value::Null, |t| bank.transaction_json(t, false));
            Ok(json_response(200, &json!({ "transaction": transaction })))
        })
    }
}

impl Respond for AnnotateTransaction {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

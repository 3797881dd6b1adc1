//! Webhook registrations: `POST /webhooks`, `GET /webhooks`, `DELETE /webhooks/{id}`, and the
//! delivery of `transaction.created` events.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::Request;

use crate::{Reply, Respond};

use super::routes::{
    account_param, authorize, empty, json_response, path_segment, respond_with, MonzoParams,
};
use super::state::{ApiError, State};
use super::wire::Webhook;
use crate::request::{web_url, Params};
use crate::{AcceptedStatus, OutgoingWebhook, RetryPolicy};

/// How long a receiver has to answer one delivery attempt (real time).
pub(crate) const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);
/// Sandbox-clock delays between the five attempts (exponential backoff).
pub(crate) const RETRY_DELAYS: [Duration; 4] = [
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
    Duration::from_secs(240),
];

/// Posts `{"type":"transaction.created","data":…}` to every webhook of the transaction's
/// account.
pub(crate) fn send_transaction_created(state: &State, urls: Vec<String>, transaction: &Value) {
    let body = json!({ "type": "transaction.created", "data": transaction });
    for url in urls {
        let policy = RetryPolicy {
            attempt_timeout: DELIVERY_TIMEOUT,
            retry_delays: RETRY_DELAYS.to_vec(),
            accepted: AcceptedStatus::AnySuccess,
        };
        state
            .ctx()
            .webhooks()
            .send(OutgoingWebhook::new(url, "transaction.created", body.clone()).policy(policy));
    }
}

/// `POST /webhooks` (form `account_id`, `url`).
#[derive(Debug)]
pub(crate) struct CreateWebhook {
    pub(crate) state: Arc<State>,
}

impl CreateWebhook {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let account = account_param(bank, &form, "account_id")?;
            let url = form.required("url")?;
            if web_url(url).is_none() {
                return Err(ApiError::bad_param("url", "must be an http(s) URL"));
            }
            let webhook = Webhook {
                account_id: bank.accounts[account].wire.id.clone(),
                id: bank.new_id("webhook"),
                url: url.to_owned(),
            };
            bank.add_webhook(webhook.clone());
            Ok(json_response(200, &json!({ "webhook": webhook })))
        })
    }
}

impl Respond for CreateWebhook {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `GET /webhooks?account_id=`.
#[derive(Debug)]
pub(crate) struct ListWebhooks {
    pub(crate) state: Arc<State>,
}

impl Respond for ListWebhooks {
    fn respond(&self, request: &Request) -> Reply {
        let params = Params::query(request);
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let account = account_param(bank, &params, "account_id")?;
            let id = &bank.accounts[account].wire.id;
            let webhooks: Vec<_> = bank
                .webhooks
                .iter()
                .filter(|w| &w.account_id == id)
                .collect();
            Ok(json_response(200, &json!({ "webhooks": webhooks })))
        }))
    }
}

/// `DELETE /webhooks/{id}`.
#[derive(Debug)]
pub(crate) struct DeleteWebhook {
    pub(crate) state: Arc<State>,
}

impl Respond for DeleteWebhook {
    fn respond(&self, request: &Request) -> Reply {
        let now = self.state.now();
        let id = path_segment(request, 1).to_owned();
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let index = bank
                .webhooks
                .iter()
                .position(|w| w.id == id)
                .ok_or_else(|| ApiError::not_found("webhook"))?;
            bank.webhooks.remove(index);
            Ok(empty())
        }))
    }
}

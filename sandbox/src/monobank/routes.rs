//! One responder per Monobank personal API route, each over the shared [`State`].

use std::sync::{Arc, Mutex};

use hyper::body::Bytes;

use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::Request;

use crate::{Reply, ReplyFuture, Respond, RespondAsync};

use super::check;
use super::state::{ApiError, Limited, State, STATEMENT_WINDOW_SECONDS};
use super::wire::ErrorBody;
use crate::sync::lock;

/// `{"errorDescription": …}` bodies, as third-party clients have seen them.
pub(crate) const MISSING_TOKEN: &str = "Missing one of required headers 'X-Token' or 'X-Key-Id'";
pub(crate) const UNKNOWN_TOKEN: &str = "Unknown 'X-Token'";
pub(crate) const TOO_MANY_REQUESTS: &str = "Too many requests";
pub(crate) const PERIOD_TOO_LONG: &str = "Period must be no more than 31 days";
pub(crate) const INVALID_ACCOUNT: &str = "invalid account";
pub(crate) const WEBHOOK_CHECK_FAILED: &str = "check webHookUrl failed";
pub(crate) const INVALID_WEBHOOK_BODY: &str =
    "Invalid request body: expected JSON {\"webHookUrl\": string}";

/// A JSON response with `Content-Type: application/json`.
pub(crate) fn json_response<T: Serialize>(status: u16, body: &T) -> Reply {
    match serde_json::to_vec(body) {
        Ok(bytes) => Reply::new(status).set_body_raw(bytes, "application/json"),
        Err(_) => error_response(&ApiError::new(500, "Internal error")),
    }
}

pub(crate) fn error_response(error: &ApiError) -> Reply {
    let body = json!({ "errorDescription": error.description });
    Reply::new(error.status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

/// The personal API's error body for a status (used for injected status faults).
pub(crate) fn error_body_for(status: u16) -> serde_json::Value {
    let description = match status {
        401 => MISSING_TOKEN,
        403 => UNKNOWN_TOKEN,
        429 => TOO_MANY_REQUESTS,
        404 => "Not found",
        400 => "Bad request",
        405 => "Method not allowed",
        408 => "Request timeout",
        413 => "Request body too large",
        414 => "Request URI too long",
        431 => "Request headers too large",
        503 => "Service unavailable",
        _ => "Internal error",
    };
    serde_json::to_value(ErrorBody {
        error_description: description,
    })
    .unwrap_or_default()
}

/// Checks `X-Token`: missing → 401, not the seeded token → 403.
fn authorize(state: &State, request: &Request) -> Result<String, ApiError> {
    let token = request
        .headers
        .get("x-token")
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::new(401, MISSING_TOKEN))?;
    if token == state.token() {
        Ok(token.to_owned())
    } else {
        Err(ApiError::new(403, UNKNOWN_TOKEN))
    }
}

pub(crate) fn respond_with(result: Result<Reply, ApiError>) -> Reply {
    result.unwrap_or_else(|error| error_response(&error))
}

/// `GET /bank/currency`: public rates, in both shapes (buy + sell, or cross only). With rate
/// limits on, asked again within 5 minutes of the last answer → 429 (for the whole sandbox).
#[derive(Debug)]
pub(crate) struct CurrencyRates {
    pub(crate) state: Arc<State>,
    /// The body of the current refresh window, written once per window: the public rates are
    /// the most requested route, and they change only when the window does.
    cached: Mutex<Option<(i64, Bytes)>>,
}

impl CurrencyRates {
    pub(crate) fn new(state: Arc<State>) -> Self {
        CurrencyRates {
            state,
            cached: Mutex::new(None),
        }
    }

    fn body(refreshed: i64) -> Option<Bytes> {
        let buy_sell = [
            (840, 980, 41.05, 41.62),
            (978, 980, 47.6, 48.35),
            (978, 840, 1.152, 1.166),
        ];
        let cross = [
            (985, 980, 11.42),
            (826, 980, 55.31),
            (756, 980, 51.87),
            (203, 980, 1.984),
            (124, 980, 30.02),
            (392, 980, 0.2731),
            (949, 980, 0.9903),
        ];
        let mut rates = Vec::new();
        for (a, b, buy, sell) in buy_sell {
            rates.push(
                json!({"currencyCodeA": a, "currencyCodeB": b, "date": refreshed,
                              "rateBuy": buy, "rateSell": sell}),
            );
        }
        for (offset, (a, b, rate)) in (1i64..).zip(cross) {
            rates.push(json!({"currencyCodeA": a, "currencyCodeB": b,
                              "date": refreshed - offset * 37, "rateCross": rate}));
        }
        serde_json::to_vec(&rates).ok().map(Bytes::from)
    }
}

impl Respond for CurrencyRates {
    fn respond(&self, _request: &Request) -> Reply {
        let now = self.state.now();
        if self.state.ctx().rate_limits()
            && !self.state.with_bank(|bank| bank.take_currency_turn(now))
        {
            return error_response(&ApiError::new(429, TOO_MANY_REQUESTS));
        }
        // Rates are refreshed at most once per 5 minutes: stamp them with the last refresh.
        let refreshed = now / 300 * 300;
        let mut cached = lock(&self.cached);
        let body = match &*cached {
            Some((window, body)) if *window == refreshed => Some(body.clone()),
            _ => {
                let body = Self::body(refreshed);
                if let Some(body) = &body {
                    *cached = Some((refreshed, body.clone()));
                }
                body
            }
        };
        drop(cached);
        match body {
            Some(body) => Reply::new(200).set_body_raw(body, "application/json"),
            None => error_response(&ApiError::new(500, "Internal error")),
        }
    }
}

/// `GET /bank/sync`: the server's key id (hex SHA-1 of the uncompressed point), public key
/// (base64 of the 65-byte uncompressed secp256k1 point, derived from the seed) and time in
/// milliseconds.
#[derive(Debug)]
pub(crate) struct ServerSync {
    pub(crate) state: Arc<State>,
}

impl Respond for ServerSync {
    fn respond(&self, _request: &Request) -> Reply {
        json_response(
            200,
            &json!({
                "serverKeyId": self.state.server_key().key_id(),
                "serverPubKey": self.state.server_key().public_point_base64(),
                "serverTimeMsec": self.state.ctx().now().timestamp_millis(),
            }),
        )
    }
}

/// `GET /personal/client-info`: at most once per 60 s per token.
#[derive(Debug)]
pub(crate) struct ClientInfoRoute {
    pub(crate) state: Arc<State>,
}

impl ClientInfoRoute {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let token = authorize(&self.state, request)?;
        let now = self.state.now();
        let limits = self.state.ctx().rate_limits();
        self.state.with_bank(|bank| {
            if limits && bank.rate_limited(&token, Limited::ClientInfo, now) {
                return Err(ApiError::new(429, TOO_MANY_REQUESTS));
            }
            bank.spend_budget(&token, Limited::ClientInfo, now);
            Ok(json_response(200, &bank.client_info()))
        })
    }
}

impl Respond for ClientInfoRoute {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

#[derive(Deserialize)]
struct WebhookRequest {
    #[serde(rename = "webHookUrl")]
    web_hook_url: String,
}

/// `POST /personal/webhook`: set (after the GET check) or remove (`""`) the webhook URL.
#[derive(Debug)]
pub(crate) struct SetWebhook {
    pub(crate) state: Arc<State>,
}

impl SetWebhook {
    async fn handle(state: Arc<State>, request: Request) -> Result<Reply, ApiError> {
        authorize(&state, &request)?;
        let body: WebhookRequest = serde_json::from_slice(&request.body)
            .map_err(|_| ApiError::new(400, INVALID_WEBHOOK_BODY))?;
        let url = body.web_hook_url.trim().to_owned();
        // No lock is held while the bank checks the URL: other requests go on meanwhile.
        if !url.is_empty() && !check::answers_200(state.ctx(), &url).await {
            return Err(ApiError::new(400, WEBHOOK_CHECK_FAILED));
        }
        state.with_bank(|bank| bank.web_hook_url = url);
        Ok(json_response(200, &json!({})))
    }
}

impl RespondAsync for SetWebhook {
    fn respond(&self, request: Request) -> ReplyFuture {
        let state = Arc::clone(&self.state);
        Box::pin(async move { respond_with(Self::handle(state, request).await) })
    }
}

/// `GET /personal/statement/{account}/{from}[/{to}][/]`: at most once per 60 s per token.
#[derive(Debug)]
pub(crate) struct StatementRoute {
    pub(crate) state: Arc<State>,
}

/// The path regex the statement route is mounted on.
pub(crate) const STATEMENT_PATH: &str = r"^/personal/statement/[^/]+/[^/]+(/[^/]*)?/?$";

fn parse_time(segment: &str, name: &str) -> Result<i64, ApiError> {
    segment.parse::<i64>().map_err(|_| {
        ApiError::new(
            400,
            format!("Invalid '{name}' value: expected Unix seconds"),
        )
    })
}

/// What a statement path asks for: `{account}/{from}[/{to}]`, `to` defaulting to now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatementQuery {
    pub(crate) account: String,
    pub(crate) from: i64,
    pub(crate) to: i64,
}

impl StatementQuery {
    /// Reads `path` (`/personal/statement/…`, optional trailing slash); 400 for a time that is
    /// not Unix seconds, 404 for another shape.
    pub(crate) fn parse(path: &str, now: i64) -> Result<StatementQuery, ApiError> {
        let rest = path
            .strip_prefix("/personal/statement/")
            .unwrap_or_default();
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let segments: Vec<&str> = rest.split('/').collect();
        let (account, from, to) = match segments.as_slice() {
            [account, from] => (*account, parse_time(from, "from")?, now),
            [account, from, to] => (*account, parse_time(from, "from")?, parse_time(to, "to")?),
            _ => return Err(ApiError::new(404, "Not found")),
        };
        Ok(StatementQuery {
            account: account.to_owned(),
            from,
            to,
        })
    }

    /// The window rules: `to` not before `from`, at most 31 days + 1 hour.
    pub(crate) fn check_window(&self) -> Result<(), ApiError> {
        if self.to < self.from {
            return Err(ApiError::new(400, "'to' must not be earlier than 'from'"));
        }
        if self.to.saturating_sub(self.from) > STATEMENT_WINDOW_SECONDS {
            return Err(ApiError::new(400, PERIOD_TOO_LONG));
        }
        Ok(())
    }
}

impl StatementRoute {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let token = authorize(&self.state, request)?;
        let now = self.state.now();
        let query = StatementQuery::parse(request.url.path(), now)?;
        let limits = self.state.ctx().rate_limits();
        self.state.with_bank(|bank| {
            if limits && bank.rate_limited(&token, Limited::Statement, now) {
                return Err(ApiError::new(429, TOO_MANY_REQUESTS));
            }
            let index = bank
                .account_index(&query.account)
                .ok_or_else(|| ApiError::new(400, INVALID_ACCOUNT))?;
            query.check_window()?;
            bank.spend_budget(&token, Limited::Statement, now);
            Ok(json_response(
                200,
                &bank.statement(index, query.from, query.to),
            ))
        })
    }
}

impl Respond for StatementRoute {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// Anything else: 404 with the API's error body.
#[derive(Debug)]
pub(crate) struct NotFound;

impl Respond for NotFound {
    fn respond(&self, _request: &Request) -> Reply {
        error_response(&ApiError::new(404, "Not found"))
    }
}

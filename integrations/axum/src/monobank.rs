//! Monobank's public exchange rates (`GET /bank/currency`), with no user credentials.

use axum::extract::State;
use axum::Json;
use bankkit_core::money::{currency_from_code, currency_from_numeric};
use bankkit_core::registry::BuildContext;
use bankkit_core::{Currency, Error};
use bankkit_monobank::{CurrencyRate, MonobankClient};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

use crate::extract::ApiPath;
use crate::problem::Problem;
use crate::router::Shared;

/// One client for every request, so that its cache keeps the bank's 5-minute refresh.
pub(crate) struct Rates {
    client: Result<MonobankClient, Problem>,
}

impl Rates {
    pub(crate) fn new(base_url: Option<String>, context: &BuildContext) -> Self {
        let mut builder = MonobankClient::builder()
            .clock(context.clock.clone())
            .http_options(context.http.clone());
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        Self {
            client: builder
                .build()
                .map_err(|e| Problem::from_error(&e, Some("monobank"))),
        }
    }
}

/// One exchange rate: the bank buys and sells `base` at these prices in `quote`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RateView {
    /// ISO 4217 alpha code of the currency priced (`"USD"`).
    base: String,
    /// Its ISO 4217 numeric code (`840`).
    base_numeric: u16,
    /// ISO 4217 alpha code of the price's currency (`"UAH"`).
    quote: String,
    /// Its numeric code (`980`).
    quote_numeric: u16,
    /// When the bank set the rate.
    date: DateTime<Utc>,
    /// The bank buys `base` at this price (a decimal string).
    buy: Option<String>,
    /// The bank sells `base` at this price.
    sell: Option<String>,
    /// The cross rate, for pairs without buy and sell.
    cross: Option<String>,
}

impl From<&CurrencyRate> for RateView {
    fn from(rate: &CurrencyRate) -> Self {
        Self {
            base: rate.base.code().to_owned(),
            base_numeric: rate.base.numeric(),
            quote: rate.quote.code().to_owned(),
            quote_numeric: rate.quote.numeric(),
            date: rate.date,
            buy: rate.buy.map(|d| d.to_string()),
            sell: rate.sell.map(|d| d.to_string()),
            cross: rate.cross.map(|d| d.to_string()),
        }
    }
}

async fn rates(shared: &Shared) -> Result<Vec<CurrencyRate>, Problem> {
    let client = shared.monobank.client.as_ref().map_err(Clone::clone)?;
    let infos = client
        .currency_rates()
        .await
        .map_err(|e| Problem::from_error(&e, Some("monobank")))?;
    Ok(infos
        .iter()
        .filter_map(|info| match CurrencyRate::try_from(info) {
            Ok(rate) => Some(rate),
            Err(e) => {
                tracing::debug!(error = %e, "skipping a Monobank rate");
                None
            }
        })
        .collect())
}

/// `GET /monobank/currency`
#[utoipa::path(get, path = "/monobank/currency", tag = "monobank",
    responses(
        (status = 200, description = "Every rate the bank publishes (refreshed by the bank at most every 5 minutes)", body = Vec<RateView>),
        (status = 429, description = "The bank asks to slow down", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn currency_rates(
    State(shared): State<Arc<Shared>>,
) -> Result<Json<Vec<RateView>>, Problem> {
    Ok(Json(
        rates(&shared).await?.iter().map(RateView::from).collect(),
    ))
}

fn currency(text: &str) -> Result<Currency, Problem> {
    let found = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<u16>()
            .map_err(|_| Error::Money {
                message: "not an ISO 4217 numeric code".to_owned(),
            })
            .and_then(currency_from_numeric)
    } else {
        currency_from_code(&text.to_ascii_uppercase())
    };
    found.map_err(|_| {
        Problem::bad_request(
            "invalid_currency",
            "a currency is an ISO 4217 alpha (`USD`) or numeric (`840`) code",
        )
        .with_provider("monobank")
    })
}

/// `GET /monobank/currency/{a}/{b}`
#[utoipa::path(get, path = "/monobank/currency/{a}/{b}", tag = "monobank",
    params(("a" = String, Path, description = "The currency priced: ISO 4217 alpha (`USD`) or numeric (`840`)"),
           ("b" = String, Path, description = "The currency of the price (`UAH` or `980`)")),
    responses(
        (status = 200, description = "The rate of the pair", body = RateView),
        (status = 400, description = "Not a currency code", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The bank publishes no rate for the pair", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn currency_pair(
    State(shared): State<Arc<Shared>>,
    ApiPath((a, b)): ApiPath<(String, String)>,
) -> Result<Json<RateView>, Problem> {
    let (base, quote) = (currency(&a)?, currency(&b)?);
    rates(&shared)
        .await?
        .iter()
        .find(|rate| rate.base == base && rate.quote == quote)
        .map(|rate| Json(RateView::from(rate)))
        .ok_or_else(|| {
            Problem::not_found(
                "not_found",
                format!(
                    "the bank publishes no {}/{} rate",
                    base.code(),
                    quote.code()
                ),
            )
            .with_provider("monobank")
        })
}

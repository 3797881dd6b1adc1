//! The route handlers.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bankkit_core::credentials::StoredConfig;
use bankkit_core::money::currency_from_code;
use bankkit_core::payment::{Card, FeePayer, Iban, Phone};
use bankkit_core::{
    Account, AccountBalance, AccountId, CollectRequest, Error, IdempotencyKey, Money, Party,
    PaymentDetails, PaymentId, PayoutRequest, Provider, Refund, RefundRequest, Transaction,
    WebhookId, WebhookRegistration, WebhookRequest,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::extract::{json_body, ApiPath, ApiQuery};
use crate::payment_id::{decode_payment_id, encode_payment_id};
use crate::problem::Problem;
use crate::router::{CurrentUser, Shared};

type Shared_ = State<Arc<Shared>>;
type Answer<T> = Result<T, Problem>;

/// The header carrying the idempotency key of a create.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The media type of a streamed statement.
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// The longest `?days=` a statement may ask for.
const MAX_DAYS: u32 = 3660;

fn capability_missing(provider: &dyn Provider, capability: &str) -> Problem {
    let reason = match capability {
        "balance" => provider.capabilities().balance,
        "statement" => provider.capabilities().statement,
        "payment" => provider.capabilities().payment,
        _ => provider.capabilities().webhook,
    };
    let detail = match reason {
        bankkit_core::Support::Unsupported { reason } => {
            format!("{} does not offer {capability}: {reason}", provider.id())
        }
        _ => format!("{} does not offer {capability}", provider.id()),
    };
    Problem::new(
        StatusCode::NOT_IMPLEMENTED,
        "unsupported",
        "The provider does not offer this",
        detail,
    )
    .with_provider(provider.id())
}

fn on(provider: &str) -> impl Fn(Error) -> Problem + '_ {
    move |e| Problem::from_error(&e, Some(provider))
}

// ---------------------------------------------------------------- providers, credentials

/// One of the user's providers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProviderSummary {
    /// The registry name (`"monobank"`).
    provider: String,
    /// A human name, when the provider could be built.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// The capabilities offered (`balance`, `statement`, `payment`, `webhook`).
    supported: Vec<String>,
    /// The full capability record, with reasons for what is not offered.
    #[schema(value_type = Object)]
    capabilities: serde_json::Value,
    /// Why the provider could not be built from the stored config, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<Problem>,
}

impl ProviderSummary {
    fn of(provider: &dyn Provider) -> Self {
        let capabilities = provider.capabilities();
        Self {
            provider: provider.id().to_owned(),
            name: Some(provider.name().to_owned()),
            supported: capabilities
                .supported()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            capabilities: serde_json::to_value(&capabilities).unwrap_or_default(),
            problem: None,
        }
    }
}

/// `GET /providers`
#[utoipa::path(get, path = "/providers", tag = "providers",
    responses((status = 200, description = "The user's providers with their capabilities", body = Vec<ProviderSummary>)))]
pub(crate) async fn list_providers(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
) -> Answer<Json<Vec<ProviderSummary>>> {
    let names = shared
        .credentials
        .providers(&user)
        .await
        .map_err(|e| Problem::from_error(&e, None))?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        out.push(match shared.provider(&user, &name).await {
            Ok(provider) => ProviderSummary::of(provider.as_ref()),
            Err(problem) => ProviderSummary {
                provider: name,
                name: None,
                supported: Vec::new(),
                capabilities: serde_json::Value::Null,
                problem: Some(problem),
            },
        });
    }
    Ok(Json(out))
}

/// `PUT /providers/{provider}/credentials`
#[utoipa::path(put, path = "/providers/{provider}/credentials", tag = "providers",
    params(("provider" = String, Path, description = "The provider's registry name")),
    request_body(content = Object, description = "The provider's config object, with or without its `\"provider\"` tag (as in a providers file)"),
    responses(
        (status = 200, description = "Stored; the provider as built from it", body = ProviderSummary),
        (status = 400, description = "Not a valid config", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown provider", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn put_credentials(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
    body: Bytes,
) -> Answer<Json<ProviderSummary>> {
    Shared::registered(&provider)?;
    let object: serde_json::Map<String, serde_json::Value> = json_body(&body)?;
    if let Some(field) = shared.refused_field(&object) {
        return Err(Problem::bad_request(
            "config_field_not_allowed",
            format!(
                "`{field}` cannot be set by a user: it would point the server at another \
                 URL or at its own files (the app may allow it)"
            ),
        )
        .with_provider(&provider));
    }
    let stored = stored_config(&provider, &body)?;
    // Build before storing: a config that cannot become a provider is refused.
    let built = shared.build(&user, stored.clone())?;
    if let Err(e) = shared.credentials.put(&user, stored).await {
        shared.forget(&user, &provider);
        return Err(Problem::from_error(&e, Some(&provider)));
    }
    Ok(Json(ProviderSummary::of(built.as_ref())))
}

/// The body of a credentials PUT as a stored config of `provider`: a JSON object, tagged
/// with `provider` (added when absent, refused when it names another).
fn stored_config(provider: &str, body: &[u8]) -> Answer<StoredConfig> {
    let object: serde_json::Map<String, serde_json::Value> = json_body(body)?;
    let text = std::str::from_utf8(body)
        .map_err(|_| Problem::bad_request("invalid_body", "the body is not UTF-8"))?
        .trim();
    let json = match object.get("provider") {
        Some(serde_json::Value::String(tag)) if tag == provider => text.to_owned(),
        Some(_) => {
            return Err(Problem::bad_request(
                "provider_mismatch",
                format!("the body's \"provider\" is not {provider:?}, the provider in the path"),
            )
            .with_provider(provider))
        }
        None => {
            // Keep the text as sent (numbers exactly): insert the tag after the brace.
            let rest = text.strip_prefix('{').unwrap_or(text);
            let tag = serde_json::to_string(provider).unwrap_or_default();
            if rest.trim_start().starts_with('}') {
                format!("{{\"provider\":{tag}}}")
            } else {
                format!("{{\"provider\":{tag},{rest}")
            }
        }
    };
    StoredConfig::from_json(&json).map_err(|e| {
        let mut problem = Problem::from_error(&e, Some(provider));
        problem.code = "invalid_config".to_owned();
        problem
    })
}

/// `DELETE /providers/{provider}/credentials`
#[utoipa::path(delete, path = "/providers/{provider}/credentials", tag = "providers",
    params(("provider" = String, Path, description = "The provider's registry name")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "None stored, or unknown provider", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_credentials(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
) -> Answer<StatusCode> {
    Shared::registered(&provider)?;
    let removed = shared
        .credentials
        .remove(&user, &provider)
        .await
        .map_err(on(&provider))?;
    shared.forget(&user, &provider);
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(
            "no_credentials",
            format!("no credentials are stored for {provider}"),
        )
        .with_provider(provider))
    }
}

// ---------------------------------------------------------------- balances

/// `GET /providers/{provider}/accounts`
#[utoipa::path(get, path = "/providers/{provider}/accounts", tag = "balances",
    params(("provider" = String, Path, description = "The provider's registry name")),
    responses(
        (status = 200, description = "The accounts the stored credentials see (core `Account`s)", body = Vec<Object>),
        (status = 404, description = "Unknown provider or no credentials", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "No balance capability", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn accounts(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
) -> Answer<Json<Vec<Account>>> {
    let p = shared.provider(&user, &provider).await?;
    let balance = p
        .balance()
        .ok_or_else(|| capability_missing(p.as_ref(), "balance"))?;
    Ok(Json(balance.accounts().await.map_err(on(&provider))?))
}

/// `GET /providers/{provider}/balances`
#[utoipa::path(get, path = "/providers/{provider}/balances", tag = "balances",
    params(("provider" = String, Path, description = "The provider's registry name")),
    responses(
        (status = 200, description = "The balance of every account (core `AccountBalance`s)", body = Vec<Object>),
        (status = 501, description = "No balance capability", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn balances(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
) -> Answer<Json<Vec<AccountBalance>>> {
    let p = shared.provider(&user, &provider).await?;
    let balance = p
        .balance()
        .ok_or_else(|| capability_missing(p.as_ref(), "balance"))?;
    let accounts = balance.accounts().await.map_err(on(&provider))?;
    let mut out = Vec::with_capacity(accounts.len());
    for account in accounts {
        out.push(balance.balance(&account.id).await.map_err(on(&provider))?);
    }
    Ok(Json(out))
}

/// `GET /providers/{provider}/accounts/{account}/balance`
#[utoipa::path(get, path = "/providers/{provider}/accounts/{account}/balance", tag = "balances",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("account" = String, Path, description = "The provider's account id")),
    responses(
        (status = 200, description = "The account's balance (core `AccountBalance`)", body = Object),
        (status = 404, description = "Unknown account", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn balance(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath((provider, account)): ApiPath<(String, String)>,
) -> Answer<Json<AccountBalance>> {
    let p = shared.provider(&user, &provider).await?;
    let balance = p
        .balance()
        .ok_or_else(|| capability_missing(p.as_ref(), "balance"))?;
    Ok(Json(
        balance
            .balance(&AccountId::new(account))
            .await
            .map_err(on(&provider))?,
    ))
}

// ---------------------------------------------------------------- statements

/// The range of a statement: `from` (and optionally `to`, default now), or `days` back
/// from now. Times are RFC 3339.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatementQuery {
    /// Start of the range, inclusive (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// End of the range, exclusive (RFC 3339); now when absent.
    to: Option<DateTime<Utc>>,
    /// The last `days` days up to now (instead of `from`), at most 3660.
    days: Option<u32>,
}

impl StatementQuery {
    fn range(&self, now: DateTime<Utc>) -> Answer<(DateTime<Utc>, DateTime<Utc>)> {
        let to = self.to.unwrap_or(now);
        let from = match (self.from, self.days) {
            (Some(_), Some(_)) => {
                return Err(Problem::bad_request(
                    "invalid_query",
                    "give either `from` or `days`, not both",
                ))
            }
            (Some(from), None) => from,
            (None, Some(days)) if (1..=MAX_DAYS).contains(&days) => {
                to - chrono::TimeDelta::days(i64::from(days))
            }
            (None, Some(_)) => {
                return Err(Problem::bad_request(
                    "invalid_query",
                    format!("`days` must be 1 to {MAX_DAYS}"),
                ))
            }
            (None, None) => {
                return Err(Problem::bad_request(
                    "invalid_query",
                    "give `from` (RFC 3339) or `days`",
                ))
            }
        };
        if from >= to {
            return Err(Problem::bad_request(
                "invalid_query",
                "`from` must be before `to`",
            ));
        }
        Ok((from, to))
    }
}

/// One line of a statement stream that is not a transaction: the error that ended it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StreamError {
    /// Why the stream ended early; the lines before it stand.
    error: Problem,
}

/// `GET /providers/{provider}/accounts/{account}/statement`
#[utoipa::path(get, path = "/providers/{provider}/accounts/{account}/statement", tag = "statements",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("account" = String, Path, description = "The provider's account id"),
           StatementQuery),
    responses(
        (status = 200, description = "Every transaction in the range as JSON lines (one core `Transaction` per line, oldest window first), streamed as the provider's pages arrive. A failure after the first line ends the stream with a last line `{\"error\": <problem>}`.", content_type = "application/x-ndjson", body = Object),
        (status = 400, description = "Bad range", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "No statement capability", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn statement(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath((provider, account)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<StatementQuery>,
) -> Answer<Response> {
    let p = shared.provider(&user, &provider).await?;
    if p.statement().is_none() {
        return Err(capability_missing(p.as_ref(), "statement"));
    }
    let now = p
        .statement()
        .map_or_else(|| shared.context.clock.now(), |s| s.clock().now());
    let (from, to) = query.range(now)?;
    // The stream borrows the provider: a task owns both and hands items over a small
    // channel, so at most a few pages are held whatever the range, and a client that goes
    // away stops the walk.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Transaction, Error>>(64);
    let owned = p.clone();
    tokio::spawn(async move {
        let Some(statement) = owned.statement() else {
            return;
        };
        let mut items = statement.transactions(AccountId::new(account), from, to);
        while let Some(item) = items.next().await {
            let last = item.is_err();
            if sender.send(item).await.is_err() || last {
                break;
            }
        }
    });
    let first = receiver.recv().await;
    if let Some(Err(error)) = &first {
        return Err(Problem::from_error(error, Some(&provider)));
    }
    let rest = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let lines = futures::stream::iter(first)
        .chain(rest)
        .map(move |item| Ok::<_, Infallible>(Bytes::from(line(item, &provider))));
    let mut response = Body::from_stream(lines).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    Ok(response)
}

fn line(item: Result<Transaction, Error>, provider: &str) -> Vec<u8> {
    let mut out = match item {
        Ok(transaction) => serde_json::to_vec(&transaction),
        Err(error) => serde_json::to_vec(&StreamError {
            error: Problem::from_error(&error, Some(provider)),
        }),
    }
    .unwrap_or_default();
    out.push(b'\n');
    out
}

// ---------------------------------------------------------------- payments

/// An amount: a decimal string (never a float) and an ISO 4217 code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AmountBody {
    /// `"12.50"`: at most the currency's minor-unit digits.
    amount: String,
    /// `"UAH"`, `"EUR"`.
    currency: String,
}

impl AmountBody {
    fn money(&self) -> Answer<Money> {
        let currency = currency_from_code(&self.currency.to_ascii_uppercase())
            .map_err(|e| Problem::from_error(&e, None))?;
        Money::parse(&self.amount, currency).map_err(|e| Problem::from_error(&e, None))
    }
}

/// Who pays or is paid. Card data is read once into a secret and never echoed.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum PartyBody {
    /// A mobile number (MoMo's MSISDN), optionally at a named bank.
    Phone {
        /// The number.
        number: String,
        /// A bank id, where the provider needs one.
        bank: Option<String>,
    },
    /// An e-mail address.
    Email {
        /// The address.
        address: String,
    },
    /// An IBAN.
    Iban {
        /// The IBAN.
        iban: String,
    },
    /// An account at the same provider.
    Account {
        /// The account id.
        id: String,
    },
    /// A wallet of a named service.
    Wallet {
        /// The service.
        service: String,
        /// The wallet id.
        id: String,
    },
    /// A card charged or paid directly.
    Card {
        /// The card number.
        number: String,
        /// `MM/YY`.
        expiry: String,
        /// The CVV.
        cvv: Option<String>,
    },
    /// A card the provider saved, by its token.
    SavedCard {
        /// The provider's card token.
        token: String,
    },
    /// An id the provider knows under its own kind name.
    Other {
        /// The kind.
        kind: String,
        /// The id.
        value: String,
    },
}

impl PartyBody {
    fn party(self) -> Answer<Party> {
        let bad = |e: Error| Problem::from_error(&e, None);
        Ok(match self {
            Self::Phone { number, bank } => {
                let phone = Phone::new(number).map_err(bad)?;
                Party::Phone(match bank {
                    Some(bank) => phone.at_bank(bank),
                    None => phone,
                })
            }
            Self::Email { address } => Party::Email(address),
            Self::Iban { iban } => Party::Iban(Iban::new(iban).map_err(bad)?),
            Self::Account { id } => Party::Account(AccountId::new(id)),
            Self::Wallet { service, id } => Party::Wallet { service, id },
            Self::Card {
                number,
                expiry,
                cvv,
            } => Party::Card(Card::new(number.into(), &expiry, cvv.map(Into::into)).map_err(bad)?),
            Self::SavedCard { token } => Party::SavedCard(token.into()),
            Self::Other { kind, value } => Party::Other { kind, value },
        })
    }
}

/// `POST …/payments/collect`
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CollectBody {
    /// How much.
    amount: AmountBody,
    /// Who pays; none for a payment page.
    payer: Option<PartyBody>,
    /// Hold the money for a later capture instead of taking it at once.
    #[serde(default)]
    hold: bool,
    /// Seconds the payer has before the payment expires.
    expires_in_secs: Option<u64>,
    /// Shown to the payer.
    description: Option<String>,
    /// The app's own reference (order id).
    reference: Option<String>,
    /// Where the provider reports status changes.
    callback_url: Option<String>,
    /// Where the payer returns after a payment page.
    redirect_url: Option<String>,
    /// Extra data kept with the payment where the provider allows.
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

/// `POST …/payments/payouts`
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PayoutBody {
    /// How much.
    amount: AmountBody,
    /// Who is paid.
    payee: PartyBody,
    /// Who pays the fee (`sender` or `receiver`), where the provider lets one choose.
    #[schema(value_type = Option<String>)]
    fee_payer: Option<FeePayer>,
    /// Shown to the payee.
    description: Option<String>,
    /// The app's own reference.
    reference: Option<String>,
    /// Where the provider reports status changes.
    callback_url: Option<String>,
}

/// `POST …/payments/{id}/refunds`
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefundBody {
    /// Part of the payment; the whole when absent.
    amount: Option<AmountBody>,
    /// Why.
    reason: Option<String>,
}

/// A payment as the provider reports it (the core `PaymentDetails` fields), with `url_id`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PaymentView {
    /// The payment's id in this router's URLs (`GET …/payments/{url_id}`).
    url_id: String,
    /// The core `PaymentDetails`, flattened.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    details: PaymentDetails,
}

impl From<PaymentDetails> for PaymentView {
    fn from(details: PaymentDetails) -> Self {
        Self {
            url_id: encode_payment_id(&details.id),
            details,
        }
    }
}

/// A refund (the core `Refund` fields), with the `url_id` of the refund where it has an id.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RefundView {
    /// The refund's id in this router's URLs, where the provider gives refunds an id.
    url_id: Option<String>,
    /// The core `Refund`, flattened.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    refund: Refund,
}

fn idempotency_key(headers: &HeaderMap) -> Answer<IdempotencyKey> {
    let value = headers.get(IDEMPOTENCY_KEY).ok_or_else(|| {
        Problem::bad_request(
            "idempotency_key_required",
            "a create needs an Idempotency-Key header: the same key sent again never makes a second payment",
        )
    })?;
    let text = value.to_str().map_err(|_| {
        Problem::bad_request("invalid_idempotency_key", "the Idempotency-Key is not text")
    })?;
    IdempotencyKey::new(text).map_err(|e| {
        let mut problem = Problem::from_error(&e, None);
        problem.code = "invalid_idempotency_key".to_owned();
        problem
    })
}

/// `POST /providers/{provider}/payments/collect`
#[utoipa::path(post, path = "/providers/{provider}/payments/collect", tag = "payments",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("Idempotency-Key" = String, Header, description = "Required: the same key sent again never makes a second payment")),
    request_body = CollectBody,
    responses(
        (status = 201, description = "Created (or the one created before under this key)", body = PaymentView),
        (status = 400, description = "Bad body or no Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key was used for another request", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "No payments", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn collect(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<(StatusCode, Json<PaymentView>)> {
    let key = idempotency_key(&headers)?;
    let body: CollectBody = json_body(&body)?;
    let mut request = CollectRequest::new(key, body.amount.money()?);
    if let Some(payer) = body.payer {
        request = request.payer(payer.party()?);
    }
    if body.hold {
        request = request.hold();
    }
    if let Some(seconds) = body.expires_in_secs {
        request = request.expires_in(Duration::from_secs(seconds));
    }
    if let Some(description) = body.description {
        request = request.description(description);
    }
    if let Some(reference) = body.reference {
        request = request.reference(reference);
    }
    if let Some(url) = body.callback_url {
        request = request.callback_url(url);
    }
    if let Some(url) = body.redirect_url {
        request = request.redirect_url(url);
    }
    for (k, v) in body.metadata {
        request = request.metadata(k, v);
    }
    let p = shared.provider(&user, &provider).await?;
    let payment = p
        .payment()
        .ok_or_else(|| capability_missing(p.as_ref(), "payment"))?;
    let details = payment.collect(request).await.map_err(on(&provider))?;
    Ok((StatusCode::CREATED, Json(details.into())))
}

/// `POST /providers/{provider}/payments/payouts`
#[utoipa::path(post, path = "/providers/{provider}/payments/payouts", tag = "payments",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("Idempotency-Key" = String, Header, description = "Required: the same key sent again never makes a second payment")),
    request_body = PayoutBody,
    responses(
        (status = 201, description = "Created (or the one created before under this key)", body = PaymentView),
        (status = 400, description = "Bad body or no Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "No payouts", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn pay_out(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<(StatusCode, Json<PaymentView>)> {
    let key = idempotency_key(&headers)?;
    let body: PayoutBody = json_body(&body)?;
    let mut request = PayoutRequest::new(key, body.amount.money()?, body.payee.party()?);
    if let Some(fee_payer) = body.fee_payer {
        request = request.fee_payer(fee_payer);
    }
    if let Some(description) = body.description {
        request = request.description(description);
    }
    if let Some(reference) = body.reference {
        request = request.reference(reference);
    }
    if let Some(url) = body.callback_url {
        request = request.callback_url(url);
    }
    let p = shared.provider(&user, &provider).await?;
    let payment = p
        .payment()
        .ok_or_else(|| capability_missing(p.as_ref(), "payment"))?;
    let details = payment.pay_out(request).await.map_err(on(&provider))?;
    Ok((StatusCode::CREATED, Json(details.into())))
}

/// `GET /providers/{provider}/payments/{id}`
#[utoipa::path(get, path = "/providers/{provider}/payments/{id}", tag = "payments",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("id" = String, Path, description = "The payment's `url_id`: unpadded base64url of the core `PaymentId`'s JSON")),
    responses(
        (status = 200, description = "The payment now", body = PaymentView),
        (status = 400, description = "Not a payment id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown payment", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn payment_status(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath((provider, id)): ApiPath<(String, String)>,
) -> Answer<Json<PaymentView>> {
    let id: PaymentId = decode_payment_id(&id)?;
    let p = shared.provider(&user, &provider).await?;
    let payment = p
        .payment()
        .ok_or_else(|| capability_missing(p.as_ref(), "payment"))?;
    Ok(Json(
        payment.status(&id).await.map_err(on(&provider))?.into(),
    ))
}

/// `POST /providers/{provider}/payments/{id}/refunds`
#[utoipa::path(post, path = "/providers/{provider}/payments/{id}/refunds", tag = "payments",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("id" = String, Path, description = "The payment's `url_id`"),
           ("Idempotency-Key" = String, Header, description = "Required")),
    request_body = RefundBody,
    responses(
        (status = 201, description = "The refund", body = RefundView),
        (status = 400, description = "Bad body or no Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not refundable", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn refund(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath((provider, id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<(StatusCode, Json<RefundView>)> {
    let id = decode_payment_id(&id)?;
    let key = idempotency_key(&headers)?;
    let body: RefundBody = if body.is_empty() {
        RefundBody {
            amount: None,
            reason: None,
        }
    } else {
        json_body(&body)?
    };
    let mut request = RefundRequest::new(key, id);
    if let Some(amount) = body.amount {
        request = request.amount(amount.money()?);
    }
    if let Some(reason) = body.reason {
        request = request.reason(reason);
    }
    let p = shared.provider(&user, &provider).await?;
    let payment = p
        .payment()
        .ok_or_else(|| capability_missing(p.as_ref(), "payment"))?;
    let refund = payment.refund(request).await.map_err(on(&provider))?;
    Ok((
        StatusCode::CREATED,
        Json(RefundView {
            url_id: refund.id.as_ref().map(encode_payment_id),
            refund,
        }),
    ))
}

// ---------------------------------------------------------------- webhooks

/// `POST …/webhooks`
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookBody {
    /// Where the provider sends events; the router's own receiver
    /// (`{public_url}/hooks/{provider}/{user}`) when absent and a public URL is set.
    url: Option<String>,
    /// The account, where the provider registers per account.
    account: Option<String>,
}

/// `POST /providers/{provider}/webhooks`
#[utoipa::path(post, path = "/providers/{provider}/webhooks", tag = "webhooks",
    params(("provider" = String, Path, description = "The provider's registry name")),
    request_body = WebhookBody,
    responses(
        (status = 201, description = "Registered (core `WebhookRegistration`)", body = Object),
        (status = 400, description = "Bad body, or the provider's check of the URL failed", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "No webhooks", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn register_webhook(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
    body: Bytes,
) -> Answer<(StatusCode, Json<WebhookRegistration>)> {
    let body: WebhookBody = json_body(&body)?;
    let url = match (body.url, &shared.public_url) {
        (Some(url), _) => url,
        (None, Some(base)) => format!("{base}/hooks/{}/{}", segment(&provider), segment(&user)),
        (None, None) => {
            return Err(Problem::bad_request(
                "invalid_body",
                "url: missing (the router has no public URL to register its own receiver)",
            ))
        }
    };
    let p = shared.provider(&user, &provider).await?;
    let webhook = p
        .webhook()
        .ok_or_else(|| capability_missing(p.as_ref(), "webhook"))?;
    let account = body.account.map(AccountId::new);
    let registration = webhook
        .register(&url, account.as_ref())
        .await
        .map_err(on(&provider))?;
    Ok((StatusCode::CREATED, Json(registration)))
}

/// Percent-encodes one path segment.
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET /providers/{provider}/webhooks`
#[utoipa::path(get, path = "/providers/{provider}/webhooks", tag = "webhooks",
    params(("provider" = String, Path, description = "The provider's registry name")),
    responses(
        (status = 200, description = "The registered receivers (core `WebhookRegistration`s)", body = Vec<Object>),
        (status = 501, description = "No webhooks", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_webhooks(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(provider): ApiPath<String>,
) -> Answer<Json<Vec<WebhookRegistration>>> {
    let p = shared.provider(&user, &provider).await?;
    let webhook = p
        .webhook()
        .ok_or_else(|| capability_missing(p.as_ref(), "webhook"))?;
    Ok(Json(webhook.list().await.map_err(on(&provider))?))
}

/// `DELETE /providers/{provider}/webhooks/{id}`
#[utoipa::path(delete, path = "/providers/{provider}/webhooks/{id}", tag = "webhooks",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("id" = String, Path, description = "The registration's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Unknown registration", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn remove_webhook(
    State(shared): Shared_,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath((provider, id)): ApiPath<(String, String)>,
) -> Answer<StatusCode> {
    let p = shared.provider(&user, &provider).await?;
    let webhook = p
        .webhook()
        .ok_or_else(|| capability_missing(p.as_ref(), "webhook"))?;
    webhook
        .remove(&WebhookId::new(id))
        .await
        .map_err(on(&provider))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /hooks/{provider}/{user}`
#[utoipa::path(post, path = "/hooks/{provider}/{user}", tag = "webhooks",
    params(("provider" = String, Path, description = "The provider's registry name"),
           ("user" = String, Path, description = "The app's id of the user whose credentials verify the delivery")),
    request_body(content = Object, description = "What the provider sends, verified over the exact bytes"),
    responses(
        (status = 200, description = "Verified and handed to the app's `on_event`"),
        (status = 400, description = "Not an event", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Did not verify", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider or user credentials", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn receive_webhook(
    State(shared): Shared_,
    ApiPath((provider, user)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<StatusCode> {
    let p = shared.provider(&user, &provider).await?;
    let webhook = p
        .webhook()
        .ok_or_else(|| capability_missing(p.as_ref(), "webhook"))?;
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let request = WebhookRequest::new(&headers, &body).with_uri(&path_and_query);
    match webhook.verify_and_parse(request).await {
        Ok(event) => {
            if let Some(handler) = &shared.on_event {
                handler(&user, &provider, event);
            } else {
                tracing::debug!(%provider, "webhook verified; no on_event handler set");
            }
            Ok(StatusCode::OK)
        }
        Err(error) => {
            tracing::info!(%provider, error = %crate::problem::without_values(&error.to_string()), "webhook refused");
            let mut problem = Problem::from_error(&error, Some(&provider));
            if problem.status >= 500 || problem.status == 404 {
                // A delivery that is not an event, whatever the provider crate called it.
                problem = Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_webhook",
                    "The webhook could not be read",
                    problem.detail,
                )
                .with_provider(provider);
            }
            Err(problem)
        }
    }
}

/// `GET /hooks/{provider}/{user}`: the check some providers make of a new receiver URL
/// (Monobank's must answer exactly 200).
pub(crate) async fn webhook_url_check() -> StatusCode {
    StatusCode::OK
}

// ---------------------------------------------------------------- misc

/// `GET /openapi.json`
pub(crate) async fn openapi() -> Response {
    let mut response = Json(crate::openapi::document()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// Any other path or method.
pub(crate) async fn no_route(OriginalUri(uri): OriginalUri) -> Problem {
    Problem::not_found(
        "no_route",
        format!("no route {}", crate::problem::without_values(uri.path())),
    )
}

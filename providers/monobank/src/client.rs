//! [`MonobankClient`]: one typed call per endpoint of the personal API (monobank.md §3.1),
//! through [`MonobankClient::acquiring`] of the acquiring API (§3.3, in `acquiring.rs`), and
//! through [`MonobankClient::provider_api`] of the provider API (§3.2, in
//! `provider_api.rs`).

mod acquiring;
mod provider_api;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::clock::Clock;
use bankkit_core::http::{
    path_segment, ApiRequest, ApiResponse, HttpClient, HttpOptions, Pacing, RateLimiter,
    RawRequest, RawResponse, RequestSafety, RequestSigner,
};
use bankkit_core::secret::{sensitive_header, ExposeSecret, SecretString};
use bankkit_core::{validate, Error, Result};
use chrono::{DateTime, Utc};
use http::{HeaderName, HeaderValue};

use crate::error::{map_error, map_provider_error, redact};
use crate::sign::ProviderKey;
use crate::wire::{BankSync, ClientInfo, CurrencyInfo, SetWebhook, StatementItem};
use provider_api::{CustomerLimiters, CustomerPacing, ProviderSigner};

pub use acquiring::Acquiring;
pub use provider_api::{access_callback_request_id, ProviderApi};

/// Where the real API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.monobank.ua";

/// The provider id, used in traces and errors.
pub(crate) const PROVIDER: &str = "monobank";

/// The documented spacing of `client-info` and `statement` calls (monobank.md §7).
const PERSONAL_LIMIT_PERIOD: Duration = Duration::from_secs(60);

/// How long `GET /bank/currency` answers are reused: the bank refreshes its rates at most
/// once per 5 minutes and answers faster polling with 429 (monobank.md §7).
pub const CURRENCY_CACHE: Duration = Duration::from_secs(300);

/// The code of the internal error a 429 of `/bank/currency` becomes when a cached copy is
/// at hand (so it is not retried); it never reaches a caller.
const RATES_REFUSED: &str = "monobank.currency_rate_limited";

const X_TOKEN: HeaderName = HeaderName::from_static("x-token");
const X_CMS: HeaderName = HeaderName::from_static("x-cms");
const X_CMS_VERSION: HeaderName = HeaderName::from_static("x-cms-version");

/// A client of Monobank's personal API for one personal token, and of the acquiring API
/// for one merchant token.
///
/// One typed call per endpoint; wire types in and out (see [`crate::wire`] types such as
/// [`ClientInfo`]). Point it at the sandbox (or anywhere) with
/// [`MonobankClientBuilder::base_url`].
///
/// **Two tokens.** Personal calls send the personal token
/// ([`MonobankClientBuilder::token`]); acquiring calls ([`MonobankClient::acquiring`]) send
/// the merchant token ([`MonobankClientBuilder::merchant_token`]). Either may be missing: a
/// call whose token is not configured fails with [`Error::Config`] naming the missing field
/// (`token` or `merchant_token`) and sends nothing.
///
/// **Rate limits.** The bank allows one `client-info` and one `statement` request per 60
/// seconds per token (monobank.md §7). The client spaces those calls itself, on its
/// [`Clock`], with one limiter per endpoint: the facts say the limit is per endpoint per
/// token, and whether the two endpoints share one budget is undocumented. If the bank
/// still answers 429, the wait it asks for (or 60 s) is honoured by the retry policy of
/// the [`HttpOptions`]. Keep one client per token: two clients with the same token do not
/// see each other's calls. [`MonobankClientBuilder::pacing`] turns the limiters off
/// ([`Pacing::Off`]) or keeps them on the clock of the sandbox at the base URL
/// ([`Pacing::SandboxClock`]), for an app pointed at a developer's own sandbox.
///
/// **Provider API.** With the company's secp256k1 key
/// ([`MonobankClientBuilder::provider_key`]) the signed provider ("corporate") API is
/// reached through [`MonobankClient::provider_api`]. [`MonobankClient::for_customer`] (or
/// [`MonobankClientBuilder::request_id`]) makes a **customer handle**: a client whose
/// personal calls ([`client_info`](Self::client_info), [`statement`](Self::statement))
/// are signed for one customer's request id instead of sending a token, paced per request
/// id, so [`MonobankProvider`](crate::MonobankProvider) reads that customer's balances and
/// statements exactly as with a personal token.
///
/// **Currency rates.** The bank refreshes `/bank/currency` at most once per 5 minutes and
/// answers faster polling with 429: unless pacing is off, [`currency_rates`](Self::currency_rates)
/// answers the last rates again for [`CURRENCY_CACHE`] on the client's clock.
///
/// `Debug` never shows the tokens, the key or a request id.
#[derive(Clone)]
pub struct MonobankClient {
    http: HttpClient,
    token: Option<HeaderValue>,
    merchant_token: Option<HeaderValue>,
    cms: Option<HeaderValue>,
    cms_version: Option<HeaderValue>,
    pacing: Pacing,
    /// `None` when pacing is off.
    client_info_limit: Option<Arc<RateLimiter>>,
    /// `None` when pacing is off.
    statement_limit: Option<Arc<RateLimiter>>,
    /// The company's key for the provider API.
    provider_key: Option<Arc<ProviderKey>>,
    /// Set on a customer handle: personal calls are signed for this customer.
    customer: Option<Arc<ProviderSigner>>,
    /// The pacing of customer reads, per request id (shared with customer handles).
    customer_pacing: Arc<CustomerPacing>,
    /// The last `/bank/currency` answer (shared by clones and customer handles).
    currency: Arc<tokio::sync::Mutex<Option<CachedRates>>>,
}

/// A `/bank/currency` answer and when it arrived (client clock).
struct CachedRates {
    fetched_at: DateTime<Utc>,
    rates: Vec<CurrencyInfo>,
}

impl fmt::Debug for MonobankClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonobankClient")
            .field("base_url", &self.http.base_url().as_str())
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field(
                "merchant_token",
                &self.merchant_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("cms", &self.cms)
            .field("cms_version", &self.cms_version)
            .field("pacing", &self.pacing)
            .field(
                "provider_key_id",
                &self.provider_key.as_ref().map(|key| key.key_id()),
            )
            .field("request_id", &self.customer.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

/// Builds a [`MonobankClient`].
#[derive(Default)]
pub struct MonobankClientBuilder {
    token: Option<SecretString>,
    merchant_token: Option<SecretString>,
    cms: Option<String>,
    cms_version: Option<String>,
    base_url: Option<String>,
    clock: Option<Arc<dyn Clock>>,
    http_options: Option<HttpOptions>,
    pacing: Pacing,
    provider_key: Option<ProviderKey>,
    request_id: Option<SecretString>,
}

impl fmt::Debug for MonobankClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonobankClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field(
                "merchant_token",
                &self.merchant_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("cms", &self.cms)
            .field("cms_version", &self.cms_version)
            .field("base_url", &self.base_url)
            .field("clock", &self.clock)
            .field("http_options", &self.http_options)
            .field("pacing", &self.pacing)
            .field("provider_key", &self.provider_key)
            .field(
                "request_id",
                &self.request_id.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

impl MonobankClientBuilder {
    /// The personal token from <https://api.monobank.ua/> (sent as `X-Token`). Without one,
    /// only the public calls ([`MonobankClient::currency_rates`],
    /// [`MonobankClient::bank_sync`]) work.
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    /// The merchant token of the acquiring API (sent as `X-Token` on `/api/merchant/...`
    /// calls): from <https://web.monobank.ua/>, or a test token from
    /// <https://api.monobank.ua/> for the bank's test mode.
    pub fn merchant_token(mut self, token: SecretString) -> Self {
        self.merchant_token = Some(token);
        self
    }

    /// The company's secp256k1 key for the provider ("corporate") API
    /// ([`MonobankClient::provider_api`]); its [`key_id`](ProviderKey::key_id) is sent as
    /// `X-Key-Id`.
    pub fn provider_key(mut self, key: ProviderKey) -> Self {
        self.provider_key = Some(key);
        self
    }

    /// Makes a customer handle (see [`MonobankClient::for_customer`]): personal calls are
    /// signed with the [`provider_key`](Self::provider_key) for the customer who granted
    /// access under `request_id`, instead of sending a personal token.
    pub fn request_id(mut self, request_id: SecretString) -> Self {
        self.request_id = Some(request_id);
        self
    }

    /// The name of the CMS plugin making the calls, sent as `X-Cms` on invoice create,
    /// `payment-direct`, `sync-payment` and `wallet/payment`.
    pub fn cms(mut self, name: impl Into<String>) -> Self {
        self.cms = Some(name.into());
        self
    }

    /// The CMS plugin's version, sent as `X-Cms-Version` with [`cms`](Self::cms).
    pub fn cms_version(mut self, version: impl Into<String>) -> Self {
        self.cms_version = Some(version.into());
        self
    }

    /// Where the API lives (default [`DEFAULT_BASE_URL`]); point it at the sandbox in tests.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The clock every wait (rate limits, retries) goes through (default: the system clock).
    /// Not with [`Pacing::SandboxClock`], which brings its own.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How the client paces `client-info` and `statement` calls (default
    /// [`Pacing::Provider`]: one of each per 60 s, on the client's clock).
    ///
    /// [`Pacing::Off`] builds no limiter: every call goes out at once (for a sandbox started
    /// with `--limits off`; the real bank answers 429). [`Pacing::SandboxClock`] keeps the
    /// limits on a [`SandboxClock`](bankkit_core::clock::SandboxClock) following the
    /// sandbox at the base URL, so each wait advances the sandbox clock instead of passing
    /// in real time; that moves the clock for everyone using that sandbox.
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Timeouts and retries (default [`HttpOptions::default`]).
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http_options = Some(options);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming `token` (or `merchant_token`) for an empty token or one a
    /// header cannot carry, `cms` or `cms_version` for a value a header cannot carry,
    /// `base_url` for a base URL that is not an absolute http(s) URL, `pacing` for
    /// [`Pacing::SandboxClock`] together with a [`clock`](MonobankClientBuilder::clock),
    /// `request_id` for a request id without a provider key, together with a personal
    /// token (whose accounts would the personal calls read?), blank, or one a header cannot
    /// carry.
    pub fn build(self) -> Result<MonobankClient> {
        if self.request_id.is_some() {
            if self.provider_key.is_none() {
                return Err(Error::config(
                    "request_id",
                    "a request id needs the company's provider key to sign with",
                ));
            }
            if self.token.is_some() {
                return Err(Error::config(
                    "request_id",
                    "a request id and a personal token together are ambiguous: the personal \
                     calls would read either the token's or the customer's accounts; use one",
                ));
            }
        }
        let token = match &self.token {
            None => None,
            Some(token) => {
                validate::non_blank_secret(token, "token")?;
                Some(sensitive_header(token, "token")?)
            }
        };
        let merchant_token = match &self.merchant_token {
            None => None,
            Some(token) => {
                validate::non_blank_secret(token, "merchant_token")?;
                Some(sensitive_header(token, "merchant_token")?)
            }
        };
        let cms = plain_header(self.cms.as_deref(), "cms")?;
        let cms_version = plain_header(self.cms_version.as_deref(), "cms_version")?;
        let base_url = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let clock = self.pacing.clock(base_url, self.clock)?;
        let http = HttpClient::new(
            PROVIDER,
            base_url,
            self.http_options.unwrap_or_default(),
            Some(clock.clone()),
        )?;
        let limiter = |name| self.pacing.limiter(name, 1, PERSONAL_LIMIT_PERIOD, &clock);
        let customer_pacing = Arc::new(CustomerPacing::new(self.pacing, clock.clone()));
        let provider_key = self.provider_key.map(Arc::new);
        let (customer, client_info_limit, statement_limit) = match (&self.request_id, &provider_key)
        {
            (Some(request_id), Some(key)) => {
                let signer = ProviderSigner::customer(key.clone(), request_id)?;
                let CustomerLimiters {
                    client_info,
                    statement,
                } = customer_pacing.limiters(request_id);
                (Some(Arc::new(signer)), client_info, statement)
            }
            _ => (
                None,
                limiter("monobank client-info"),
                limiter("monobank statement"),
            ),
        };
        Ok(MonobankClient {
            http,
            token,
            merchant_token,
            cms,
            cms_version,
            pacing: self.pacing,
            client_info_limit,
            statement_limit,
            provider_key,
            customer,
            customer_pacing,
            currency: Arc::new(tokio::sync::Mutex::new(None)),
        })
    }
}

impl MonobankClient {
    /// A builder.
    pub fn builder() -> MonobankClientBuilder {
        MonobankClientBuilder::default()
    }

    /// The clock this client waits on.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.http.clock()
    }

    /// The base URL every path is joined to.
    pub fn base_url(&self) -> &str {
        self.http.base_url().as_str()
    }

    /// `GET /bank/currency`: the bank's exchange rates (public; refreshed at most every 5
    /// minutes by the bank).
    ///
    /// Unless pacing is off, the rates are kept and answered again without a request for
    /// [`CURRENCY_CACHE`] (5 minutes of the client's clock) from when they arrived; and when
    /// the bank answers 429 while earlier rates are at hand, those are answered (at once,
    /// without waiting out the limit). Concurrent callers share one request. With
    /// [`Pacing::Off`] every call sends a request.
    ///
    /// # Errors
    /// `RateLimited`, `Timeout`, `Transport`, `Decode`, or another mapped error answer.
    pub async fn currency_rates(&self) -> Result<Vec<CurrencyInfo>> {
        let request = || ApiRequest::get("bank/currency").operation("currency");
        if self.pacing == Pacing::Off {
            return self
                .http
                .send(request(), &map_error)
                .await?
                .json("currency rates");
        }
        let mut cache = self.currency.lock().await;
        let now = self.clock().now();
        if let Some(cached) = cache.as_ref() {
            let age = now.signed_duration_since(cached.fetched_at);
            if age >= chrono::TimeDelta::zero()
                && age.to_std().is_ok_and(|age| age < CURRENCY_CACHE)
            {
                return Ok(cached.rates.clone());
            }
        }
        let have_copy = cache.is_some();
        let errors = |response: &ApiResponse| {
            if have_copy && response.status.as_u16() == 429 {
                Error::Provider {
                    status: 429,
                    code: Some(RATES_REFUSED.to_owned()),
                    message: "rate limited; the cached rates are answered".to_owned(),
                }
            } else {
                map_error(response)
            }
        };
        let rates: Vec<CurrencyInfo> = match self.http.send(request(), &errors).await {
            Ok(response) => response.json("currency rates")?,
            Err(Error::Provider {
                status: 429,
                code: Some(code),
                ..
            }) if code == RATES_REFUSED => {
                if let Some(cached) = cache.as_ref() {
                    tracing::debug!("currency rates rate limited: answering the cached copy");
                    return Ok(cached.rates.clone());
                }
                return Err(Error::rate_limited(Some(
                    crate::error::DEFAULT_RATE_LIMIT_WAIT,
                )));
            }
            Err(error) => return Err(error),
        };
        *cache = Some(CachedRates {
            fetched_at: self.clock().now(),
            rates: rates.clone(),
        });
        Ok(rates)
    }

    /// `GET /bank/sync`: the bank's public key and clock (public).
    ///
    /// # Errors
    /// As [`MonobankClient::currency_rates`].
    pub async fn bank_sync(&self) -> Result<BankSync> {
        let request = ApiRequest::get("bank/sync").operation("bank_sync");
        self.http.send(request, &map_error).await?.json("bank sync")
    }

    /// `GET /personal/client-info`: the client, its accounts, jars and webhook URL.
    ///
    /// Sends the personal token; on a customer handle ([`MonobankClient::for_customer`])
    /// it is signed for the customer instead (`X-Key-Id`, `X-Time`, `X-Request-Id`,
    /// `X-Sign`). Spaced at least 60 s apart on the client's clock, unless pacing is off.
    ///
    /// # Errors
    /// `Unauthorized` for a missing or unknown token (or a refused signature, or access
    /// not granted yet), `Config` when the client has neither a token nor a customer, and
    /// as [`MonobankClient::currency_rates`].
    pub async fn client_info(&self) -> Result<ClientInfo> {
        let request = self
            .personal(ApiRequest::get("personal/client-info"))?
            .operation("client_info");
        let request = paced(request, self.client_info_limit.as_ref());
        self.send_personal(request).await?.json("client info")
    }

    /// `GET /personal/statement/{account}/{from}/{to}`: at most 500 items, newest first,
    /// from the **end** of `[from, to]` (both inclusive, Unix seconds; `to = None` means
    /// now). `account` is an account or jar id, or `"0"` for the default account.
    ///
    /// The window may be at most 31 days + 1 hour (2 682 000 s). Spaced at least 60 s apart
    /// on the client's clock, unless pacing is off. To walk longer ranges and follow pages, use the provider's
    /// [`bankkit_core::Statement`] implementation and [`bankkit_core::statement::transactions`].
    ///
    /// # Errors
    /// `InvalidRequest` for a window the bank refuses, `NotFound` for an unknown account,
    /// and as [`MonobankClient::client_info`].
    pub async fn statement(
        &self,
        account: &str,
        from: i64,
        to: Option<i64>,
    ) -> Result<Vec<StatementItem>> {
        if account.is_empty() {
            return Err(Error::invalid("statement account must not be empty"));
        }
        let mut path = format!("personal/statement/{}/{from}", path_segment(account));
        if let Some(to) = to {
            path.push_str(&format!("/{to}"));
        }
        let request = self.personal(ApiRequest::get(path))?.operation("statement");
        let request = paced(request, self.statement_limit.as_ref());
        self.send_personal(request).await?.json("statement items")
    }

    /// Any endpoint, described by hand: the escape hatch for calls this client does not
    /// wrap. The credential follows the path as for the typed calls: `api/merchant/...`
    /// sends the merchant token, `bank/...` nothing, anything else the personal token (or,
    /// on a customer handle, the customer's signature). `personal/client-info` and
    /// `personal/statement/...` count against the same 60 s limits as the typed calls;
    /// retries, `Retry-After` and error mapping are the typed calls' too.
    ///
    /// ```no_run
    /// # async fn run(client: bankkit_monobank::MonobankClient) -> bankkit_core::Result<()> {
    /// use bankkit_core::http::RawRequest;
    ///
    /// let answer = client.raw(RawRequest::get("personal/client-info")).await?;
    /// println!("{} {}", answer.status, answer.json()?["name"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidRequest` for a path outside the base URL (nothing is sent); `Config` naming
    /// the credential the path needs when it is not configured; otherwise as the typed call
    /// of the same API.
    pub async fn raw(&self, request: RawRequest) -> Result<RawResponse> {
        let path = request.path().trim_start_matches('/').to_owned();
        let api = request.into_api_request()?;
        let response = if path == "api/merchant" || path.starts_with("api/merchant/") {
            self.acquiring().send_raw(api).await?
        } else if path.starts_with("bank/") {
            self.http.send(api, &map_error).await?
        } else {
            let limit = if path == "personal/client-info" {
                self.client_info_limit.as_ref()
            } else if path.starts_with("personal/statement/") {
                self.statement_limit.as_ref()
            } else {
                None
            };
            self.send_personal(paced(self.personal(api)?, limit))
                .await?
        };
        Ok(response.into())
    }

    /// `POST /personal/webhook`: sets the URL the bank POSTs new statement items to; an
    /// empty `url` removes it.
    ///
    /// Before accepting, the bank sends a GET to the URL and needs exactly 200 back. Setting
    /// the same URL twice leaves the same state, so the call is retried like a read.
    ///
    /// # Errors
    /// `InvalidRequest` when the bank's check of the URL fails, and as
    /// [`MonobankClient::client_info`].
    pub async fn set_webhook(&self, url: &str) -> Result<()> {
        if self.customer.is_some() {
            return Err(Error::unsupported(
                PROVIDER,
                "the personal webhook on a customer handle (the provider API's webhook \
                 belongs to the company: ProviderApi::set_webhook)",
            ));
        }
        let body = SetWebhook {
            web_hook_url: url.to_owned(),
        };
        let request = self
            .personal(ApiRequest::post("personal/webhook"))?
            .json(&body)?
            .operation("set_webhook")
            .safety(RequestSafety::IdempotentWrite);
        self.http.send(request, &map_error).await?;
        Ok(())
    }

    /// The acquiring API (`/api/merchant/...`) with the merchant token.
    ///
    /// ```
    /// # async fn run(client: bankkit_monobank::MonobankClient) -> bankkit_core::Result<()> {
    /// let status = client.acquiring().invoice_status("p2_9ZgpZVsl3").await?;
    /// println!("{}: {}", status.invoice_id, status.status);
    /// # Ok(()) }
    /// ```
    pub fn acquiring(&self) -> Acquiring<'_> {
        Acquiring::new(self)
    }

    /// The provider ("corporate") API, signed with the company's key
    /// ([`MonobankClientBuilder::provider_key`]).
    ///
    /// ```
    /// # async fn run(client: bankkit_monobank::MonobankClient) -> bankkit_core::Result<()> {
    /// let access = client.provider_api().request_access(None).await?;
    /// println!("show the customer {}", access.accept_url);
    /// # Ok(()) }
    /// ```
    pub fn provider_api(&self) -> ProviderApi<'_> {
        ProviderApi::new(self)
    }

    /// A customer handle: a client whose personal calls ([`client_info`](Self::client_info),
    /// [`statement`](Self::statement)) are signed with the provider key for the customer
    /// who granted access under `request_id` (`X-Key-Id`, `X-Time`, `X-Request-Id`,
    /// `X-Sign` over `X-Time + X-Request-Id + path`), and send no personal token.
    ///
    /// Those calls are paced one per 60 s each per request id (unless pacing is off),
    /// shared with [`ProviderApi::client_info`] and [`ProviderApi::statement`] for the same
    /// id. The handle keeps the merchant token, clock, options and base URL. Wrap it in
    /// [`MonobankProvider`](crate::MonobankProvider) for the customer's balances and
    /// statements; its personal webhook is unsupported (the provider API's webhook belongs
    /// to the company, [`ProviderApi::set_webhook`]).
    ///
    /// # Errors
    /// [`Error::Config`] naming `provider_key` when the client has no key, `request_id`
    /// when the id is blank or a header cannot carry it.
    pub fn for_customer(&self, request_id: SecretString) -> Result<MonobankClient> {
        let key = self.provider_key.clone().ok_or_else(|| {
            Error::config(
                "provider_key",
                "a customer handle needs the company's provider key to sign with",
            )
        })?;
        let signer = ProviderSigner::customer(key, &request_id)?;
        let CustomerLimiters {
            client_info,
            statement,
        } = self.customer_pacing.limiters(&request_id);
        Ok(MonobankClient {
            token: None,
            customer: Some(Arc::new(signer)),
            client_info_limit: client_info,
            statement_limit: statement,
            ..self.clone()
        })
    }

    /// Whether the company's provider key is configured (provider API calls can be made).
    pub fn has_provider_key(&self) -> bool {
        self.provider_key.is_some()
    }

    /// Whether this is a customer handle ([`MonobankClient::for_customer`]): personal calls
    /// are signed for one customer.
    pub fn is_customer_handle(&self) -> bool {
        self.customer.is_some()
    }

    /// Whether personal calls can be made: with a personal token, or as a customer handle.
    pub fn has_personal_access(&self) -> bool {
        self.token.is_some() || self.customer.is_some()
    }

    /// Whether a merchant token is configured (acquiring calls can be made).
    pub fn has_merchant_token(&self) -> bool {
        self.merchant_token.is_some()
    }

    /// Whether a personal token is configured (personal calls can be made).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// How the client paces `client-info` and `statement` calls.
    pub fn pacing(&self) -> Pacing {
        self.pacing
    }

    /// Adds the `X-Token` header, or on a customer handle the customer's signature.
    fn personal(&self, request: ApiRequest) -> Result<ApiRequest> {
        if let Some(signer) = &self.customer {
            let signer: Arc<dyn RequestSigner> = signer.clone();
            return Ok(request.signed_by(signer));
        }
        let token = self
            .token
            .clone()
            .ok_or_else(|| Error::config("token", "the personal API needs a token (X-Token)"))?;
        Ok(request.header(X_TOKEN, token))
    }

    /// Sends a personal call; on a customer handle, errors are read as the provider API's
    /// and never quote the request id.
    async fn send_personal(&self, request: ApiRequest) -> Result<ApiResponse> {
        let request_id = self
            .customer
            .as_ref()
            .and_then(|signer| signer.request_id());
        match request_id {
            Some(request_id) => {
                let secret = request_id.expose_secret();
                let errors = |response: &ApiResponse| redact(map_provider_error(response), secret);
                self.http.send(request, &errors).await
            }
            None => self.http.send(request, &map_error).await,
        }
    }
}

/// A header value from configuration text, `None` when unset.
fn plain_header(value: Option<&str>, field: &str) -> Result<Option<HeaderValue>> {
    value
        .map(|text| {
            HeaderValue::from_str(text)
                .map_err(|_| Error::config(field, "contains characters not allowed in a header"))
        })
        .transpose()
}

/// `request`, counted against `limit` when the client has one (pacing is not off).
fn paced(request: ApiRequest, limit: Option<&Arc<RateLimiter>>) -> ApiRequest {
    match limit {
        Some(limit) => request.rate_limited(limit.clone()),
        None => request,
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::clock::ManualClock;
    use bankkit_core::http::RetryPolicy;
    use bankkit_core::secret::secret;
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::wire::AccountType;

    const TOKEN: &str = "uZ3pQk7w1R5tY9aB2cD4eF6gH8iJ0kL1mN3oP5qR7sT9";

    fn clock() -> ManualClock {
        ManualClock::frozen_at("2026-11-01T12:00:00Z".parse().unwrap())
    }

    fn client(server: &MockServer, clock: &ManualClock) -> MonobankClient {
        MonobankClient::builder()
            .token(secret(TOKEN))
            .base_url(server.uri())
            .clock(clock.shared())
            .build()
            .unwrap()
    }

    const CLIENT_INFO: &str = r#"{"clientId":"7Hq2Lx0aZc","name":"Ткаченко Олена","webHookUrl":"","permissions":"psfj",
 "accounts":[{"id":"acc_Qm3xR8tY","sendId":"s_9KfLw","balance":1254033,"creditLimit":0,"type":"black",
   "currencyCode":980,"cashbackType":"UAH","maskedPan":["537541******4412"],"iban":"UA213223130000026201234567890"}],
 "jars":[]}"#;

    #[tokio::test]
    async fn client_info_sends_the_token_and_reads_the_body() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/personal/client-info"))
            .and(header("X-Token", TOKEN))
            .respond_with(ResponseTemplate::new(200).set_body_raw(CLIENT_INFO, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let info = client(&server, &clock()).client_info().await.unwrap();
        assert_eq!(info.accounts[0].account_type, AccountType::Black);
    }

    #[tokio::test]
    async fn public_calls_send_no_token() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"[{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateBuy":41.05,"rateSell":41.62}]"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/bank/sync"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"serverKeyId":"ab12","serverPubKey":"BASE64","serverTimeMsec":1793534400000}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        let c = client(&server, &clock());
        assert_eq!(c.currency_rates().await.unwrap().len(), 1);
        assert_eq!(
            c.bank_sync().await.unwrap().server_time_msec,
            1_793_534_400_000
        );
        for request in server.received_requests().await.unwrap() {
            assert!(request.headers.get("x-token").is_none());
        }
    }

    #[tokio::test]
    async fn statement_path_has_account_from_and_to() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/personal/statement/acc_1/1793000000/1793086399"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/personal/statement/0/1793000000"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let c = client(&server, &clock());
        assert!(c
            .statement("acc_1", 1_793_000_000, Some(1_793_086_399))
            .await
            .unwrap()
            .is_empty());
        assert!(c
            .statement("0", 1_793_000_000, None)
            .await
            .unwrap()
            .is_empty());
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("a/b+c="), "a%2Fb%2Bc%3D");
        assert_eq!(path_segment("kKGVoZuHWzqVoZuH"), "kKGVoZuHWzqVoZuH");
    }

    #[tokio::test]
    async fn second_statement_call_within_a_minute_waits_on_the_clock() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/personal/client-info"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(CLIENT_INFO, "application/json"))
            .expect(3)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/personal/statement/a/1/2"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
            .expect(2)
            .mount(&server)
            .await;
        let clock = clock();
        let start = clock.now();
        let c = client(&server, &clock);
        c.statement("a", 1, Some(2)).await.unwrap();
        c.client_info().await.unwrap();
        assert_eq!(
            clock.now(),
            start,
            "different endpoints do not wait for each other"
        );
        c.statement("a", 1, Some(2)).await.unwrap();
        assert!((clock.now() - start).num_seconds() >= 59);
        assert_eq!((clock.now() - start).num_seconds(), 60);
        // client_info has its own limiter: at +60 s the slot of the first call is free,
        // and the call right after it waits another 60 s.
        c.client_info().await.unwrap();
        assert_eq!((clock.now() - start).num_seconds(), 60);
        c.client_info().await.unwrap();
        assert_eq!((clock.now() - start).num_seconds(), 120);
    }

    #[tokio::test]
    async fn set_webhook_posts_the_url_as_json_and_accepts_an_empty_body() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/personal/webhook"))
            .and(body_json(
                serde_json::json!({"webHookUrl": "https://example.org/hook"}),
            ))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/personal/webhook"))
            .and(body_json(serde_json::json!({"webHookUrl": ""})))
            .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let c = client(&server, &clock());
        c.set_webhook("https://example.org/hook").await.unwrap();
        c.set_webhook("").await.unwrap();
    }

    #[tokio::test]
    async fn rate_limit_answer_is_waited_out_on_the_clock() {
        // `/bank/currency` has no client-side limiter, so the only wait is the one the
        // 429 answer asks for.
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(429).set_body_raw(
                r#"{"errorDescription":"Too many requests"}"#,
                "application/json",
            ))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"[{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateBuy":41.05,"rateSell":41.62}]"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        let clock = clock();
        let start = clock.now();
        let rates = client(&server, &clock).currency_rates().await.unwrap();
        // No Retry-After: the documented 60 s is waited, in virtual time (not the
        // sub-second backoff of the retry policy).
        assert_eq!(rates.len(), 1);
        assert!((clock.now() - start).num_seconds() >= 60);
        assert_eq!((clock.now() - start).num_seconds(), 60);
    }

    #[tokio::test]
    async fn a_rate_limit_answer_without_retry_after_asks_for_60_seconds() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(429).set_body_raw(
                r#"{"errorDescription":"Too many requests"}"#,
                "application/json",
            ))
            .expect(1)
            .mount(&server)
            .await;
        let clock = clock();
        let start = clock.now();
        let c = MonobankClient::builder()
            .base_url(server.uri())
            .clock(clock.shared())
            .http_options(HttpOptions::default().retry(RetryPolicy::Never))
            .build()
            .unwrap();
        let e = c.currency_rates().await.unwrap_err();
        assert!(
            matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(60)),
            "{e:?}"
        );
        assert_eq!(clock.now(), start);
    }

    const RATES: &str = r#"[{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateBuy":41.05,"rateSell":41.62}]"#;

    async fn currency_calls(server: &MockServer) -> usize {
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/bank/currency")
            .count()
    }

    #[tokio::test]
    async fn currency_rates_are_answered_again_for_five_minutes_then_fetched_anew() {
        // Arrange
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(RATES, "application/json"))
            .mount(&server)
            .await;
        let clock = clock();
        let c = client(&server, &clock);

        // Act + Assert: within 5 minutes one request; at 5 minutes a second.
        c.currency_rates().await.unwrap();
        clock.advance(Duration::from_secs(299));
        assert_eq!(c.currency_rates().await.unwrap().len(), 1);
        assert_eq!(c.clone().currency_rates().await.unwrap().len(), 1);
        assert_eq!(currency_calls(&server).await, 1);
        clock.advance(Duration::from_secs(1));
        c.currency_rates().await.unwrap();
        assert_eq!(currency_calls(&server).await, 2);
        c.currency_rates().await.unwrap();
        assert_eq!(currency_calls(&server).await, 2);
    }

    #[tokio::test]
    async fn with_pacing_off_every_currency_call_sends_a_request() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(RATES, "application/json"))
            .mount(&server)
            .await;
        let c = MonobankClient::builder()
            .base_url(server.uri())
            .clock(clock().shared())
            .pacing(Pacing::Off)
            .build()
            .unwrap();
        c.currency_rates().await.unwrap();
        c.currency_rates().await.unwrap();
        assert_eq!(currency_calls(&server).await, 2);
    }

    #[tokio::test]
    async fn a_429_with_rates_at_hand_answers_them_at_once() {
        // Arrange: rates once, then only 429s.
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(RATES, "application/json"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/bank/currency"))
            .respond_with(ResponseTemplate::new(429).set_body_raw(
                r#"{"errorDescription":"Too many requests"}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        let clock = clock();
        let c = client(&server, &clock);
        let first = c.currency_rates().await.unwrap();
        clock.advance(Duration::from_secs(600));
        let at = clock.now();

        // Act
        let again = c.currency_rates().await.unwrap();

        // Assert: one 429, no retry and no wait.
        assert_eq!(again, first);
        assert_eq!(currency_calls(&server).await, 2);
        assert_eq!(clock.now(), at);
    }

    #[tokio::test]
    async fn personal_calls_without_a_token_are_config_errors() {
        let server = MockServer::start().await;
        let c = MonobankClient::builder()
            .base_url(server.uri())
            .build()
            .unwrap();
        let e = c.client_info().await.unwrap_err();
        assert!(
            matches!(e, Error::Config { ref field, .. } if field == "token"),
            "{e:?}"
        );
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[test]
    fn a_request_id_in_the_builder_needs_a_provider_key_and_no_token() {
        let key = || ProviderKey::from_bytes(&[7; 32]).unwrap();
        let without_key = MonobankClient::builder()
            .request_id(secret("req-1"))
            .build()
            .unwrap_err();
        let with_token = MonobankClient::builder()
            .token(secret(TOKEN))
            .provider_key(key())
            .request_id(secret("req-1"))
            .build()
            .unwrap_err();
        let blank = MonobankClient::builder()
            .provider_key(key())
            .request_id(secret(""))
            .build()
            .unwrap_err();
        for e in [without_key, with_token, blank] {
            assert!(
                matches!(e, Error::Config { ref field, .. } if field == "request_id"),
                "{e:?}"
            );
            assert!(!format!("{e:?} {e}").contains("req-1"));
        }
        let customer = MonobankClient::builder()
            .provider_key(key())
            .request_id(secret("req-1"))
            .build()
            .unwrap();
        assert!(customer.is_customer_handle() && customer.has_personal_access());
        assert!(!customer.has_token() && customer.has_provider_key());
        assert!(!format!("{customer:?}").contains("req-1"));
    }

    #[test]
    fn empty_token_is_a_config_error_naming_token() {
        let e = MonobankClient::builder()
            .token(secret(""))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config { ref field, .. } if field == "token"));
        let e = MonobankClient::builder()
            .token(secret("bad\ntoken"))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config { ref field, .. } if field == "token"));
        assert!(!e.to_string().contains("bad"));
    }

    #[tokio::test]
    async fn debug_and_errors_never_show_the_token() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(403).set_body_raw(
                r#"{"errorDescription":"Unknown 'X-Token'"}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        let c = MonobankClient::builder()
            .token(secret(TOKEN))
            .base_url(server.uri())
            .http_options(HttpOptions::default().retry(RetryPolicy::Never))
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains(TOKEN));
        let e = c.client_info().await.unwrap_err();
        assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
        assert!(!format!("{e:?}").contains(TOKEN));
        assert!(!e.to_string().contains(TOKEN));
    }
}

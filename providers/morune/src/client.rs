//! [`MoruneClient`]: one typed async call per documented endpoint (morune.md §3, #1–#7).
//!
//! Two credential families, each optional: the **shop** ([`ShopCredentials`]: `shop_id`,
//! its key sent as `x-api-key`) for invoices and tariffs, the **user**
//! ([`UserCredentials`]: `user_id`, its key sent as `x-api-signature-sha256` — the raw
//! key, not a signature, despite the name) for the balance, payoffs and the SBP bank list.
//! A call whose family is not configured is an [`Error::Config`] and sends nothing.
//!
//! Creates are never retried by the client (`RequestSafety::UnsafeWrite`: Morune has no
//! idempotency key; a payoff sent twice pays twice); reads follow the client's
//! [`RetryPolicy`](bankkit_core::http::RetryPolicy).

use std::fmt;
use std::sync::Arc;

use bankkit_core::http::{
    try_path_segment, ApiRequest, HttpClient, HttpOptions, RawRequest, RawResponse, RequestSafety,
};
use bankkit_core::secret::{sensitive_header, SecretString};
use bankkit_core::{validate, Clock, Error, Result};
use http::header::{HeaderName, HeaderValue, ACCEPT};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error;
use crate::wire::{
    CreatedInvoice, CreatedPayoff, Invoice, InvoiceCreate, Payoff, PayoffCreate, SbpBank, SbpBanks,
    Tariff, Tariffs, UserBalance,
};

/// The provider's id.
pub(crate) const PROVIDER: &str = "morune";

/// Where Morune's API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.morune.com";

/// The header carrying the shop's secret key.
pub const SHOP_KEY_HEADER: &str = "x-api-key";

/// The header carrying the user's secret key (the raw key, not a signature).
pub const USER_KEY_HEADER: &str = "x-api-signature-sha256";

/// Which key a [`MoruneClient::raw`] request is sent with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RawKey {
    /// The shop's `api_key` ([`SHOP_KEY_HEADER`]): invoices and tariffs.
    Shop,
    /// The user's `user_api_key` ([`USER_KEY_HEADER`]): the balance and payoffs.
    User,
}

/// The shop (касса): its id, its secret key (`x-api-key`) and its additional key (signs
/// payment webhooks).
///
/// `Debug` shows the id only.
#[derive(Clone)]
#[non_exhaustive]
pub struct ShopCredentials {
    /// The shop id (a UUID).
    pub shop_id: String,
    /// The shop's secret key.
    pub api_key: SecretString,
    /// The shop's additional key, for payment webhooks.
    pub additional_key: Option<SecretString>,
}

impl ShopCredentials {
    /// The shop `shop_id` with its secret key.
    pub fn new(shop_id: impl Into<String>, api_key: SecretString) -> Self {
        Self {
            shop_id: shop_id.into(),
            api_key,
            additional_key: None,
        }
    }

    /// Adds the additional key (payment webhooks).
    pub fn with_additional_key(mut self, key: SecretString) -> Self {
        self.additional_key = Some(key);
        self
    }
}

impl fmt::Debug for ShopCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopCredentials")
            .field("shop_id", &self.shop_id)
            .field("api_key", &"[REDACTED]")
            .field(
                "additional_key",
                &self.additional_key.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

/// The user (account): its id, its secret key (`x-api-signature-sha256`) and its
/// additional key (signs payoff webhooks).
///
/// `Debug` shows the id only.
#[derive(Clone)]
#[non_exhaustive]
pub struct UserCredentials {
    /// The user id (a UUID).
    pub user_id: String,
    /// The user's secret key.
    pub api_key: SecretString,
    /// The user's additional key, for payoff webhooks.
    pub additional_key: Option<SecretString>,
}

impl UserCredentials {
    /// The user `user_id` with its secret key.
    pub fn new(user_id: impl Into<String>, api_key: SecretString) -> Self {
        Self {
            user_id: user_id.into(),
            api_key,
            additional_key: None,
        }
    }

    /// Adds the additional key (payoff webhooks).
    pub fn with_additional_key(mut self, key: SecretString) -> Self {
        self.additional_key = Some(key);
        self
    }
}

impl fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user_id", &self.user_id)
            .field("api_key", &"[REDACTED]")
            .field(
                "additional_key",
                &self.additional_key.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

/// How an invoice or a payoff is looked up: by Morune's id or by the merchant's
/// `order_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// Morune's id (`invoice_id` for invoices, `id` for payoffs).
    Id(String),
    /// The merchant's `order_id`.
    OrderId(String),
}

/// Builds a [`MoruneClient`].
#[derive(Debug, Default)]
pub struct MoruneClientBuilder {
    base_url: Option<String>,
    shop: Option<ShopCredentials>,
    user: Option<UserCredentials>,
    http: Option<HttpOptions>,
    clock: Option<Arc<dyn Clock>>,
}

impl MoruneClientBuilder {
    /// Sets the base URL (default [`DEFAULT_BASE_URL`]; a sandbox's URL in tests).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the shop credentials (invoices, tariffs).
    pub fn shop(mut self, shop: ShopCredentials) -> Self {
        self.shop = Some(shop);
        self
    }

    /// Sets the user credentials (balance, payoffs, SBP banks).
    pub fn user(mut self, user: UserCredentials) -> Self {
        self.user = Some(user);
        self
    }

    /// Sets timeouts and retries.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = Some(options);
        self
    }

    /// Sets the clock waits go through.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the credentials and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field at fault (`shop_id`, `api_key`,
    /// `shop_additional_key`, `user_id`, `user_api_key`, `user_additional_key`, `base_url`).
    pub fn build(self) -> Result<MoruneClient> {
        if let Some(shop) = &self.shop {
            validate::required(Some(shop.shop_id.clone()), "shop_id")?;
            validate::non_blank_secret(&shop.api_key, "api_key")?;
            sensitive_header(&shop.api_key, "api_key")?;
            if let Some(key) = &shop.additional_key {
                validate::non_blank_secret(key, "shop_additional_key")?;
            }
        }
        if let Some(user) = &self.user {
            validate::required(Some(user.user_id.clone()), "user_id")?;
            validate::non_blank_secret(&user.api_key, "user_api_key")?;
            sensitive_header(&user.api_key, "user_api_key")?;
            if let Some(key) = &user.additional_key {
                validate::non_blank_secret(key, "user_additional_key")?;
            }
        }
        let http = HttpClient::new(
            PROVIDER,
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.http.unwrap_or_default(),
            self.clock,
        )?;
        Ok(MoruneClient {
            http,
            shop: self.shop,
            user: self.user,
        })
    }
}

/// The Morune API (`api.morune.com`, the Enot v2 API under another host).
///
/// ```
/// use bankkit_core::secret::secret;
/// use bankkit_morune::{MoruneClient, ShopCredentials};
///
/// let client = MoruneClient::builder()
///     .base_url("http://127.0.0.1:9")
///     .shop(ShopCredentials::new("9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b", secret("key")))
///     .build()?;
/// assert!(client.shop().is_some() && client.user().is_none());
/// # Ok::<(), bankkit_core::Error>(())
/// ```
#[derive(Clone)]
pub struct MoruneClient {
    http: HttpClient,
    shop: Option<ShopCredentials>,
    user: Option<UserCredentials>,
}

impl fmt::Debug for MoruneClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MoruneClient")
            .field("http", &self.http)
            .field("shop", &self.shop)
            .field("user", &self.user)
            .finish()
    }
}

/// A create body with the shop's or user's id added.
#[derive(Serialize)]
struct WithShop<'a, T> {
    shop_id: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

#[derive(Serialize)]
struct WithUser<'a, T> {
    user_id: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

impl MoruneClient {
    /// A builder.
    pub fn builder() -> MoruneClientBuilder {
        MoruneClientBuilder::default()
    }

    /// The shop credentials, if configured.
    pub fn shop(&self) -> Option<&ShopCredentials> {
        self.shop.as_ref()
    }

    /// The user credentials, if configured.
    pub fn user(&self) -> Option<&UserCredentials> {
        self.user.as_ref()
    }

    /// The clock this client waits on.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.http.clock()
    }

    fn require_shop(&self, call: &str) -> Result<&ShopCredentials> {
        self.shop.as_ref().ok_or_else(|| {
            Error::config(
                "shop_id",
                format!("{call} needs the shop credentials (shop_id and api_key)"),
            )
        })
    }

    fn require_user(&self, call: &str) -> Result<&UserCredentials> {
        self.user.as_ref().ok_or_else(|| {
            Error::config(
                "user_id",
                format!("{call} needs the user credentials (user_id and user_api_key)"),
            )
        })
    }

    fn shop_request(&self, shop: &ShopCredentials, request: ApiRequest) -> Result<ApiRequest> {
        Ok(request
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                HeaderName::from_static(SHOP_KEY_HEADER),
                sensitive_header(&shop.api_key, "api_key")?,
            ))
    }

    fn user_request(&self, user: &UserCredentials, request: ApiRequest) -> Result<ApiRequest> {
        Ok(request
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                HeaderName::from_static(USER_KEY_HEADER),
                sensitive_header(&user.api_key, "user_api_key")?,
            ))
    }

    /// Any endpoint, described by hand: the escape hatch for calls this client does not
    /// wrap, sent with the shop's key ([`RawKey::Shop`], invoice calls) or the user's
    /// ([`RawKey::User`], balance and payoff calls), with the typed calls' retries and error
    /// mapping. The answer's `{"status", "data"}` envelope is returned as it came.
    ///
    /// ```no_run
    /// # async fn run(client: bankkit_morune::MoruneClient) -> bankkit_core::Result<()> {
    /// use bankkit_core::http::RawRequest;
    /// use bankkit_morune::RawKey;
    ///
    /// let answer = client.raw(RawKey::User, RawRequest::get("account/users/USER_ID/balance")).await?;
    /// println!("{}", answer.json()?["data"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidRequest` for a path outside the base URL (nothing is sent); `Config` when
    /// the chosen credentials are not configured; otherwise as the typed calls.
    pub async fn raw(&self, key: RawKey, request: RawRequest) -> Result<RawResponse> {
        let request = request.into_api_request()?;
        let request = match key {
            RawKey::Shop => self.shop_request(self.require_shop("a raw request")?, request)?,
            RawKey::User => self.user_request(self.require_user("a raw request")?, request)?,
        };
        Ok(self.http.send(request, &error::map_error).await?.into())
    }

    async fn call<T: DeserializeOwned>(&self, request: ApiRequest, what: &str) -> Result<T> {
        let response = self.http.send(request, &error::map_error).await?;
        // An envelope that says failure is an error of this call too.
        error::read(&response, what).map_err(|e| response.in_context(e))
    }

    /// `POST /invoice/create` (#1): an invoice with a payment page (`url`).
    ///
    /// Sent once, never retried by the client.
    ///
    /// # Errors
    /// [`Error::Config`] without shop credentials; Morune's refusal (`InvalidRequest` for
    /// 422, `Forbidden` for an amount the method does not allow, …).
    pub async fn create_invoice(&self, invoice: &InvoiceCreate) -> Result<CreatedInvoice> {
        let shop = self.require_shop("invoice create")?;
        let body = WithShop {
            shop_id: &shop.shop_id,
            body: invoice,
        };
        let request = ApiRequest::post("invoice/create")
            .operation("invoice_create")
            .safety(RequestSafety::UnsafeWrite)
            .idempotency_key(invoice.order_id.clone())
            .json(&body)?;
        self.call(self.shop_request(shop, request)?, "invoice create")
            .await
    }

    /// `GET /invoice/info` (#2) by `invoice_id` or `order_id`.
    ///
    /// # Errors
    /// [`Error::Config`] without shop credentials; [`Error::NotFound`] for an unknown
    /// invoice.
    pub async fn invoice(&self, lookup: &Lookup) -> Result<Invoice> {
        let shop = self.require_shop("invoice info")?;
        let request = ApiRequest::get("invoice/info")
            .operation("invoice_info")
            .query("shop_id", shop.shop_id.clone());
        let request = match lookup {
            Lookup::Id(id) => request.query("invoice_id", id.clone()),
            Lookup::OrderId(order) => request.query("order_id", order.clone()),
        };
        self.call(self.shop_request(shop, request)?, "invoice info")
            .await
    }

    /// `GET /shops/{shop_id}/payment-tariffs` (#3): the shop's methods and fees.
    ///
    /// # Errors
    /// [`Error::Config`] without shop credentials.
    pub async fn payment_tariffs(&self) -> Result<Vec<Tariff>> {
        let shop = self.require_shop("payment tariffs")?;
        let path = format!("shops/{}/payment-tariffs", try_path_segment(&shop.shop_id)?);
        let request = ApiRequest::get(path).operation("payment_tariffs");
        let tariffs: Tariffs = self
            .call(self.shop_request(shop, request)?, "payment tariffs")
            .await?;
        Ok(tariffs.tariffs)
    }

    /// `GET /account/users/{userId}/balance` (#4): the user's balance.
    ///
    /// # Errors
    /// [`Error::Config`] without user credentials.
    pub async fn balance(&self) -> Result<UserBalance> {
        let user = self.require_user("balance")?;
        let path = format!("account/users/{}/balance", try_path_segment(&user.user_id)?);
        let request = ApiRequest::get(path).operation("balance");
        self.call(self.user_request(user, request)?, "balance")
            .await
    }

    /// `POST /payoff/create` (#5): pays money out.
    ///
    /// Sent once, never retried by the client: after a lost answer, look the payoff up by
    /// its `order_id` ([`MoruneClient::payoff`]) before sending again, as Morune advises.
    ///
    /// # Errors
    /// [`Error::Config`] without user credentials; Morune's refusal.
    pub async fn create_payoff(&self, payoff: &PayoffCreate) -> Result<CreatedPayoff> {
        let user = self.require_user("payoff create")?;
        let body = WithUser {
            user_id: &user.user_id,
            body: payoff,
        };
        let mut request = ApiRequest::post("payoff/create")
            .operation("payoff_create")
            .safety(RequestSafety::UnsafeWrite)
            .json(&body)?;
        if let Some(order) = &payoff.order_id {
            request = request.idempotency_key(order.clone());
        }
        self.call(self.user_request(user, request)?, "payoff create")
            .await
    }

    /// `GET /payoff/info` (#6) by payoff `id` or `order_id`.
    ///
    /// # Errors
    /// [`Error::Config`] without user credentials; [`Error::NotFound`] for an unknown
    /// payoff.
    pub async fn payoff(&self, lookup: &Lookup) -> Result<Payoff> {
        let user = self.require_user("payoff info")?;
        let request = ApiRequest::get("payoff/info")
            .operation("payoff_info")
            .query("user_id", user.user_id.clone());
        let request = match lookup {
            Lookup::Id(id) => request.query("id", id.clone()),
            Lookup::OrderId(order) => request.query("order_id", order.clone()),
        };
        self.call(self.user_request(user, request)?, "payoff info")
            .await
    }

    /// `GET /payoff/get-sbp-bank-list` (#7): the banks an SBP payoff can go to (their `id`
    /// is `payoff_data.sbp_bank_type`). Known from Enot's SDKs only (medium confidence);
    /// sent with the user's key like the other payoff calls.
    ///
    /// # Errors
    /// [`Error::Config`] without user credentials.
    pub async fn sbp_banks(&self) -> Result<Vec<SbpBank>> {
        let user = self.require_user("SBP bank list")?;
        let request = ApiRequest::get("payoff/get-sbp-bank-list")
            .operation("sbp_bank_list")
            .query("user_id", user.user_id.clone());
        let banks: SbpBanks = self
            .call(self.user_request(user, request)?, "SBP bank list")
            .await?;
        Ok(banks.banks)
    }
}

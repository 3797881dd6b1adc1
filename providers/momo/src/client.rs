//! [`MomoClient`]: one typed async call per endpoint of the MoMo Open API (momo.md B3–B8).
//!
//! Calls common to every product live on [`ProductApi`]; the product handles
//! [`MomoClient::collection`], [`MomoClient::disbursement`] and [`MomoClient::remittance`]
//! dereference to it and add their own calls. Sandbox provisioning is [`Provisioning`].

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::clock::{system_clock, Clock};
use bankkit_core::http::{
    path_segment, ApiRequest, ApiResponse, HttpClient, HttpOptions, RawRequest, RawResponse,
    RequestSafety,
};
use bankkit_core::secret::{bearer_header, SecretString};
use bankkit_core::token::{ManagedToken, MemoryTokenStore, TokenStore};
use bankkit_core::{validate, Error, Result};
use http::header::AUTHORIZATION;
use http::{HeaderName, HeaderValue, Method};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::{mint_token, subscription_key, ApiCredentials, MomoRefresher, SUBSCRIPTION_KEY};
use crate::error::{map_error_for, map_error_without_token};
use crate::ids::ReferenceId;
use crate::wire::{
    AccessToken, AccountBalance, AccountHolderActive, ApiKey, ApiUser, BasicUserInfo, BcAuthorize,
    BcAuthorizeResponse, CancelInvoice, CreateApiUser, CreatePayment, DeliveryNotification,
    Invoice, InvoiceResult, OAuth2Token, Party, PartyIdType, PaymentResult, PreApproval,
    PreApprovalResult, Refund, RequestToPay, RequestToPayResult, Transfer, TransferResult,
    UserInfo,
};

/// MTN's sandbox.
pub const DEFAULT_BASE_URL: &str = "https://sandbox.momodeveloper.mtn.com";

/// The sandbox's `X-Target-Environment`.
pub const DEFAULT_TARGET_ENVIRONMENT: &str = "sandbox";

/// How long before it expires a product token is minted again.
pub const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// The provider id, used in traces and errors.
pub(crate) const PROVIDER: &str = "momo";

const REFERENCE_ID: HeaderName = HeaderName::from_static("x-reference-id");
const TARGET_ENVIRONMENT: HeaderName = HeaderName::from_static("x-target-environment");
const CALLBACK_URL: HeaderName = HeaderName::from_static("x-callback-url");
const LANGUAGE: HeaderName = HeaderName::from_static("language");

/// One of MoMo's products; each has its own subscription key, path prefix and token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Product {
    /// Collecting money (request-to-pay, invoices, pre-approvals).
    Collection,
    /// Paying out (transfers, deposits, refunds).
    Disbursement,
    /// Cross-border transfers.
    Remittance,
}

impl Product {
    /// Every product.
    pub const ALL: [Product; 3] = [Self::Collection, Self::Disbursement, Self::Remittance];

    /// The path prefix and name (`collection`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Collection => "collection",
            Self::Disbursement => "disbursement",
            Self::Remittance => "remittance",
        }
    }

    /// The config field holding its subscription key (`collection_key`).
    pub fn key_field(&self) -> &'static str {
        match self {
            Self::Collection => "collection_key",
            Self::Disbursement => "disbursement_key",
            Self::Remittance => "remittance_key",
        }
    }

    /// The product named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

bankkit_core::id_type! {
    /// A pre-approval id as listed by `GET /collection/v1_0/preapprovals/…`.
    PreApprovalId
}

/// `{idType}/{id}` of an account holder path (`msisdn/46733123450`).
fn holder_path(party: &Party) -> String {
    let kind = match &party.party_id_type {
        PartyIdType::Msisdn => "msisdn".to_owned(),
        PartyIdType::Email => "email".to_owned(),
        PartyIdType::PartyCode => "party_code".to_owned(),
        PartyIdType::Alias => "alias".to_owned(),
        PartyIdType::Other(other) => other.to_ascii_lowercase(),
    };
    format!("{}/{}", path_segment(&kind), path_segment(&party.party_id))
}

/// The `X-Callback-Url` header: absent when there is no URL — never sent empty.
pub(crate) fn callback_header(url: Option<&str>) -> Result<Option<HeaderValue>> {
    match url.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(None),
        Some(url) => HeaderValue::from_str(url).map(Some).map_err(|_| {
            Error::invalid(format!("callback URL {url:?} cannot be sent in a header"))
        }),
    }
}

struct ProductState {
    subscription_key: SecretString,
    token: ManagedToken,
}

struct Inner {
    http: HttpClient,
    credentials: Arc<ApiCredentials>,
    target_environment: HeaderValue,
    products: BTreeMap<Product, ProductState>,
    clock: Arc<dyn Clock>,
}

/// A client of the MoMo Open API for one API user.
///
/// - **Headers** (B2): `Ocp-Apim-Subscription-Key` of the product on every call,
///   `X-Target-Environment` on every business call, `X-Reference-Id` on every create,
///   `X-Callback-Url` only when a callback URL is given (never empty), and
///   `Content-Length: 0` on every write without a body (the token and API-key calls, the
///   pre-approval cancel): MTN's gateway answers `411 Length Required` to a POST that
///   declares no length, and core's HTTP client adds the header.
/// - **Tokens**: one per product, kept in a [`TokenStore`] under
///   `momo:<api_user>:<product>` by core's [`ManagedToken`]: minted with
///   `POST /{product}/token/` (Basic `api_user:api_key`) single-flight, 60 s before they
///   expire on the client's clock, and once more after a 401 on a business call.
/// - **Creates** answer 202 with an empty body and return `()`; read the resource with the
///   matching status call. They are deduped by MoMo on the `X-Reference-Id`, so they are
///   retried (as `RequestSafety::IdempotentWrite`) with the same id; a repeat that MoMo had
///   already accepted answers 409, which is [`Error::Conflict`].
///
/// Cloning is cheap and shares tokens. `Debug` shows no key or token.
#[derive(Clone)]
pub struct MomoClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for MomoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MomoClient")
            .field("base_url", &self.inner.http.base_url().as_str())
            .field("credentials", &self.inner.credentials)
            .field("target_environment", &self.inner.target_environment)
            .field("products", &self.products())
            .finish_non_exhaustive()
    }
}

/// Builds a [`MomoClient`].
#[derive(Default)]
pub struct MomoClientBuilder {
    base_url: Option<String>,
    api_user: Option<String>,
    api_key: Option<SecretString>,
    keys: BTreeMap<Product, SecretString>,
    target_environment: Option<String>,
    token_store: Option<Arc<dyn TokenStore>>,
    clock: Option<Arc<dyn Clock>>,
    http_options: Option<HttpOptions>,
}

impl fmt::Debug for MomoClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MomoClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_user", &self.api_user)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("products", &self.keys.keys().collect::<Vec<_>>())
            .field("target_environment", &self.target_environment)
            .field("token_store", &self.token_store)
            .finish_non_exhaustive()
    }
}

impl MomoClientBuilder {
    /// Where the API lives (default [`DEFAULT_BASE_URL`]; production
    /// `https://proxy.momoapi.mtn.com`).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The API user (a UUID) and its API key.
    pub fn credentials(mut self, api_user: impl Into<String>, api_key: SecretString) -> Self {
        self.api_user = Some(api_user.into());
        self.api_key = Some(api_key);
        self
    }

    /// The subscription key of `product`; a product without one is not offered.
    pub fn subscription_key(mut self, product: Product, key: SecretString) -> Self {
        self.keys.insert(product, key);
        self
    }

    /// `X-Target-Environment` (default `sandbox`; production `mtn<country>`).
    pub fn target_environment(mut self, target: impl Into<String>) -> Self {
        self.target_environment = Some(target.into());
        self
    }

    /// Where the tokens live (default: a new in-memory store).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// The clock token expiry and waits go through (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
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
    /// [`Error::Config`] naming `api_user`, `api_key`, `<product>_key`,
    /// `target_environment` or `base_url`.
    pub fn build(self) -> Result<MomoClient> {
        let api_user = validate::required(self.api_user, "api_user")?;
        if api_user.contains(':') || HeaderValue::from_str(&api_user).is_err() {
            return Err(Error::config("api_user", "must be the API user's UUID"));
        }
        let api_key = validate::required_secret(self.api_key, "api_key")?;
        if self.keys.is_empty() {
            return Err(Error::config(
                "collection_key",
                "at least one of collection_key, disbursement_key and remittance_key is needed",
            ));
        }
        for (product, key) in &self.keys {
            validate::non_blank_secret(key, product.key_field())?;
            subscription_key(key, *product)?;
        }
        let target = self
            .target_environment
            .unwrap_or_else(|| DEFAULT_TARGET_ENVIRONMENT.to_owned());
        let target_environment = HeaderValue::from_str(target.trim())
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Error::config("target_environment", "must be `sandbox` or `mtn<country>`")
            })?;
        let clock = self.clock.unwrap_or_else(system_clock);
        let http = HttpClient::new(
            PROVIDER,
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.http_options.unwrap_or_default(),
            Some(clock.clone()),
        )?;
        let store = self
            .token_store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let credentials = Arc::new(ApiCredentials { api_user, api_key });
        let products = self
            .keys
            .into_iter()
            .map(|(product, key)| {
                let refresher = MomoRefresher {
                    http: http.clone(),
                    product,
                    credentials: credentials.clone(),
                    subscription_key: key.clone(),
                    clock: clock.clone(),
                };
                let token = ManagedToken::new(
                    store.clone(),
                    token_key(&credentials.api_user, product),
                    clock.clone(),
                    TOKEN_MARGIN,
                    Arc::new(refresher),
                );
                (
                    product,
                    ProductState {
                        subscription_key: key,
                        token,
                    },
                )
            })
            .collect();
        Ok(MomoClient {
            inner: Arc::new(Inner {
                http,
                credentials,
                target_environment,
                products,
                clock,
            }),
        })
    }
}

/// The token store key of a product's token: `momo:<api_user>:<product>`.
pub fn token_key(api_user: &str, product: Product) -> String {
    format!("{PROVIDER}:{api_user}:{}", product.as_str())
}

impl MomoClient {
    /// A builder.
    pub fn builder() -> MomoClientBuilder {
        MomoClientBuilder::default()
    }

    /// The products with a subscription key.
    pub fn products(&self) -> Vec<Product> {
        self.inner.products.keys().copied().collect()
    }

    /// Whether `product` has a subscription key.
    pub fn has(&self, product: Product) -> bool {
        self.inner.products.contains_key(&product)
    }

    /// The API user.
    pub fn api_user(&self) -> &str {
        &self.inner.credentials.api_user
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.inner.http.base_url().as_str()
    }

    /// The clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    /// The calls every product has, for `product`.
    pub fn product(&self, product: Product) -> ProductApi<'_> {
        ProductApi {
            client: self,
            product,
        }
    }

    /// The collection product.
    pub fn collection(&self) -> CollectionApi<'_> {
        CollectionApi(self.product(Product::Collection))
    }

    /// The disbursement product.
    pub fn disbursement(&self) -> DisbursementApi<'_> {
        DisbursementApi(self.product(Product::Disbursement))
    }

    /// The remittance product.
    pub fn remittance(&self) -> RemittanceApi<'_> {
        RemittanceApi(self.product(Product::Remittance))
    }

    /// Sandbox provisioning with the first configured product's subscription key.
    pub fn provisioning(&self) -> Provisioning {
        // `build` refuses a client without any product.
        let key = self
            .inner
            .products
            .values()
            .next()
            .map(|p| p.subscription_key.clone())
            .unwrap_or_else(|| SecretString::from(String::new()));
        Provisioning {
            http: self.inner.http.clone(),
            subscription_key: key,
        }
    }

    fn state(&self, product: Product) -> Result<&ProductState> {
        self.inner.products.get(&product).ok_or_else(|| {
            Error::config(
                product.key_field(),
                format!("no subscription key for the {product} product is configured"),
            )
        })
    }

    /// A request with the product's subscription key and the target environment.
    fn business(&self, product: Product, method: Method, path: String) -> Result<ApiRequest> {
        let state = self.state(product)?;
        Ok(ApiRequest::new(method, path)
            .header(
                SUBSCRIPTION_KEY,
                subscription_key(&state.subscription_key, product)?,
            )
            .header(TARGET_ENVIRONMENT, self.inner.target_environment.clone()))
    }

    /// Any endpoint of `product`, described by hand: the escape hatch for calls this client
    /// does not wrap. Sent like the product's typed calls: its subscription key,
    /// `X-Target-Environment` and bearer token (minted or re-minted as needed), with their
    /// retries and error mapping. Give `X-Reference-Id`-style headers through the typed
    /// calls; a raw POST is sent once unless [`RawRequest::retry_safe`].
    ///
    /// ```no_run
    /// # async fn run(client: bankkit_momo::MomoClient) -> bankkit_core::Result<()> {
    /// use bankkit_core::http::RawRequest;
    /// use bankkit_momo::Product;
    ///
    /// let answer = client
    ///     .raw(Product::Collection, RawRequest::get("collection/v1_0/account/balance"))
    ///     .await?;
    /// println!("{}", answer.json()?["availableBalance"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidRequest` for a path outside the base URL (nothing is sent); `Config` when
    /// the product has no subscription key; otherwise as the typed calls.
    pub async fn raw(&self, product: Product, request: RawRequest) -> Result<RawResponse> {
        let state = self.state(product)?;
        let request = request
            .into_api_request()?
            .header(
                SUBSCRIPTION_KEY,
                subscription_key(&state.subscription_key, product)?,
            )
            .header(TARGET_ENVIRONMENT, self.inner.target_environment.clone());
        Ok(self.send_authed(product, request).await?.into())
    }

    /// Sends with the product's bearer token (minted or re-minted as needed).
    async fn send_authed(&self, product: Product, request: ApiRequest) -> Result<ApiResponse> {
        let request = in_product(product, request);
        let state = self.state(product)?;
        let http = &self.inner.http;
        let mapper = move |r: &ApiResponse| map_error_for(r, product.as_str());
        state
            .token
            .call(|access| {
                let request = request.clone();
                let mapper = &mapper;
                async move {
                    let request = request.header(AUTHORIZATION, bearer_header(&access)?);
                    http.send(request, mapper).await
                }
            })
            .await
    }

    /// Sends with Basic credentials (bc-authorize, the CIBA token). No bearer token is
    /// involved, so a 401 is `Unauthorized` (the API user or key), never `TokenExpired`.
    async fn send_basic(&self, product: Product, request: ApiRequest) -> Result<ApiResponse> {
        let request =
            in_product(product, request).header(AUTHORIZATION, self.inner.credentials.basic()?);
        let credentials = format!(
            "the API user {} and its API key (Basic credentials): check api_user and api_key",
            self.inner.credentials.api_user
        );
        let mapper =
            move |r: &ApiResponse| map_error_without_token(r, product.as_str(), &credentials);
        self.inner.http.send(request, &mapper).await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        product: Product,
        path: String,
        operation: &'static str,
        what: &str,
    ) -> Result<T> {
        let request = self
            .business(product, Method::GET, path)?
            .operation(operation);
        self.send_authed(product, request).await?.json(what)
    }

    /// A creating call: `X-Reference-Id`, optional `X-Callback-Url`, JSON body, 202.
    #[allow(clippy::too_many_arguments)]
    async fn create<B: Serialize + ?Sized>(
        &self,
        product: Product,
        method: Method,
        path: String,
        operation: &'static str,
        reference_id: &ReferenceId,
        body: &B,
        callback_url: Option<&str>,
    ) -> Result<()> {
        let reference = HeaderValue::from_str(reference_id.as_str())
            .map_err(|_| Error::invalid("reference id cannot be sent in a header"))?;
        let mut request = self
            .business(product, method, path)?
            .operation(operation)
            .header(REFERENCE_ID, reference)
            .safety(RequestSafety::IdempotentWrite)
            .idempotency_key(reference_id.as_str())
            .json(body)?;
        if let Some(callback) = callback_header(callback_url)? {
            request = request.header(CALLBACK_URL, callback);
        }
        self.send_authed(product, request).await?;
        Ok(())
    }
}

/// Sandbox provisioning (B3): API users and their keys. Needs only a subscription key.
#[derive(Clone)]
pub struct Provisioning {
    http: HttpClient,
    subscription_key: SecretString,
}

impl fmt::Debug for Provisioning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provisioning")
            .field("base_url", &self.http.base_url().as_str())
            .finish_non_exhaustive()
    }
}

impl Provisioning {
    /// Provisioning at `base_url` with any product's subscription key.
    ///
    /// # Errors
    /// [`Error::Config`] for a bad base URL or key.
    pub fn new(
        base_url: &str,
        subscription_key: SecretString,
        options: HttpOptions,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Self> {
        bankkit_core::secret::sensitive_header(&subscription_key, "subscription_key")?;
        Ok(Self {
            http: HttpClient::new(PROVIDER, base_url, options, clock)?,
            subscription_key,
        })
    }

    fn request(&self, method: Method, path: String) -> Result<ApiRequest> {
        Ok(ApiRequest::new(method, path).header(
            SUBSCRIPTION_KEY,
            bankkit_core::secret::sensitive_header(&self.subscription_key, "subscription_key")?,
        ))
    }

    async fn send(&self, request: ApiRequest) -> Result<ApiResponse> {
        let mapper = |r: &ApiResponse| {
            map_error_without_token(
                r,
                "provisioning",
                "the provisioning call's subscription key",
            )
        };
        self.http.send(request, &mapper).await
    }

    /// `POST /v1_0/apiuser`: creates the API user `api_user` (201).
    ///
    /// Retried with the same `X-Reference-Id` after a timeout or a lost answer (MoMo keys the
    /// user by it, so no second user is made). A retry after a first attempt that MoMo did
    /// commit therefore answers 409: `Conflict` here can mean "created by this very call".
    /// Use a fresh [`ReferenceId::random`] per user and, on `Conflict`, read
    /// [`Provisioning::api_user`] to see whether the user is there with your callback host.
    ///
    /// # Errors
    /// `Conflict` when the id is taken (see above), `InvalidRequest`, `Unauthorized`.
    pub async fn create_api_user(
        &self,
        api_user: &ReferenceId,
        body: &CreateApiUser,
    ) -> Result<()> {
        let reference = HeaderValue::from_str(api_user.as_str())
            .map_err(|_| Error::invalid("API user id cannot be sent in a header"))?;
        let request = self
            .request(Method::POST, "v1_0/apiuser".to_owned())?
            .operation("create_api_user")
            .header(REFERENCE_ID, reference)
            .safety(RequestSafety::IdempotentWrite)
            .json(body)?;
        self.send(request).await?;
        Ok(())
    }

    /// `GET /v1_0/apiuser/{apiUser}`.
    ///
    /// # Errors
    /// `NotFound` for an unknown user.
    pub async fn api_user(&self, api_user: &ReferenceId) -> Result<ApiUser> {
        let request = self
            .request(
                Method::GET,
                format!("v1_0/apiuser/{}", path_segment(api_user.as_str())),
            )?
            .operation("api_user");
        self.send(request).await?.json("MoMo API user")
    }

    /// `POST /v1_0/apiuser/{apiUser}/apikey`: a new API key (201). Not retried: each call
    /// replaces the key.
    ///
    /// # Errors
    /// `NotFound` for an unknown user.
    pub async fn create_api_key(&self, api_user: &ReferenceId) -> Result<ApiKey> {
        let request = self
            .request(
                Method::POST,
                format!("v1_0/apiuser/{}/apikey", path_segment(api_user.as_str())),
            )?
            .operation("create_api_key");
        self.send(request).await?.json("MoMo API key")
    }
}

/// The calls every product has (B4, B5).
#[derive(Clone, Copy, Debug)]
pub struct ProductApi<'c> {
    client: &'c MomoClient,
    product: Product,
}

impl ProductApi<'_> {
    /// The product.
    pub fn product(&self) -> Product {
        self.product
    }

    fn path(&self, rest: &str) -> String {
        format!("{}/{rest}", self.product.as_str())
    }

    /// `POST /{product}/token/`: mints a new token now, bypassing (and not updating) the
    /// cached one. Business calls never need this: they use the cached token.
    ///
    /// # Errors
    /// `Unauthorized` naming the API user when MoMo refuses the credentials
    /// (`login_failed`) or the subscription key.
    pub async fn create_access_token(&self) -> Result<AccessToken> {
        let state = self.client.state(self.product)?;
        mint_token(
            &self.client.inner.http,
            self.product,
            &self.client.inner.credentials,
            &state.subscription_key,
        )
        .await
    }

    /// `GET /{product}/v1_0/account/balance`.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn balance(&self) -> Result<AccountBalance> {
        self.client
            .get(
                self.product,
                self.path("v1_0/account/balance"),
                "balance",
                "MoMo balance",
            )
            .await
    }

    /// `GET /{product}/v1_0/account/balance/{currency}`.
    ///
    /// # Errors
    /// `InvalidRequest` for a currency the account does not support (`INVALID_CURRENCY`).
    pub async fn balance_in(&self, currency: &str) -> Result<AccountBalance> {
        let path = self.path(&format!("v1_0/account/balance/{}", path_segment(currency)));
        self.client
            .get(self.product, path, "balance_in_currency", "MoMo balance")
            .await
    }

    /// `GET /{product}/v1_0/accountholder/{idType}/{id}/basicuserinfo`.
    ///
    /// # Errors
    /// `NotFound` for an unknown holder.
    pub async fn basic_user_info(&self, holder: &Party) -> Result<BasicUserInfo> {
        let path = self.path(&format!(
            "v1_0/accountholder/{}/basicuserinfo",
            holder_path(holder)
        ));
        self.client
            .get(
                self.product,
                path,
                "basic_user_info",
                "MoMo basic user info",
            )
            .await
    }

    /// `GET /{product}/v1_0/accountholder/{idType}/{id}/active`: whether the holder is
    /// active and can receive (not whether an amount would go through).
    ///
    /// # Errors
    /// `NotFound` for an unknown holder.
    pub async fn account_holder_active(&self, holder: &Party) -> Result<AccountHolderActive> {
        let path = self.path(&format!(
            "v1_0/accountholder/{}/active",
            holder_path(holder)
        ));
        self.client
            .get(
                self.product,
                path,
                "account_holder_active",
                "MoMo account holder",
            )
            .await
    }

    /// `POST /{product}/v1_0/bc-authorize`: asks the account holder for consent (CIBA),
    /// with Basic credentials as documented.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn bc_authorize(
        &self,
        request: &BcAuthorize,
        callback_url: Option<&str>,
    ) -> Result<BcAuthorizeResponse> {
        let mut api = self
            .client
            .business(self.product, Method::POST, self.path("v1_0/bc-authorize"))?
            .operation("bc_authorize")
            .form(&[
                ("login_hint", request.login_hint.as_str()),
                ("scope", request.scope.as_str()),
                ("access_type", request.access_type.as_str()),
            ]);
        if let Some(callback) = callback_header(callback_url)? {
            api = api.header(CALLBACK_URL, callback);
        }
        self.client
            .send_basic(self.product, api)
            .await?
            .json("MoMo bc-authorize answer")
    }

    /// `POST /{product}/oauth2/token/`: exchanges a consented `auth_req_id` for a consent
    /// token (`grant_type=urn:openid:params:grant-type:ciba`).
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn oauth2_token(&self, auth_req_id: &str) -> Result<OAuth2Token> {
        let api = self
            .client
            .business(self.product, Method::POST, self.path("oauth2/token/"))?
            .operation("oauth2_token")
            .form(&[
                ("grant_type", "urn:openid:params:grant-type:ciba"),
                ("auth_req_id", auth_req_id),
            ]);
        self.client
            .send_basic(self.product, api)
            .await?
            .json("MoMo oauth2 token")
    }

    /// `GET /{product}/oauth2/v1_0/userinfo` with a consent token from
    /// [`ProductApi::oauth2_token`].
    ///
    /// # Errors
    /// `TokenExpired` when the consent token is refused.
    pub async fn user_info(&self, consent_token: &SecretString) -> Result<UserInfo> {
        let request = self
            .client
            .business(self.product, Method::GET, self.path("oauth2/v1_0/userinfo"))?
            .operation("user_info")
            .header(AUTHORIZATION, bearer_header(consent_token)?);
        let product = self.product;
        let mapper = move |r: &ApiResponse| map_error_for(r, product.as_str());
        self.client
            .inner
            .http
            .send(request, &mapper)
            .await?
            .json("MoMo user info")
    }

    /// `POST /{product}/v1_0/requesttopay/{referenceId}/deliverynotification` (200).
    ///
    /// Sent once, never retried: MoMo does not dedupe notifications, so a repeat after a
    /// lost answer would notify the payer twice. On `Timeout` or `Transport` the payer may or
    /// may not have been notified.
    ///
    /// # Errors
    /// `NotFound` for an unknown request.
    pub async fn delivery_notification(
        &self,
        reference_id: &ReferenceId,
        notification: &DeliveryNotification,
        language: Option<&str>,
    ) -> Result<()> {
        let path = self.path(&format!(
            "v1_0/requesttopay/{}/deliverynotification",
            path_segment(reference_id.as_str())
        ));
        let mut request = self
            .client
            .business(self.product, Method::POST, path)?
            .operation("delivery_notification")
            .safety(RequestSafety::UnsafeWrite)
            .json(notification)?;
        if let Some(language) = language.filter(|l| !l.trim().is_empty()) {
            let value = HeaderValue::from_str(language)
                .map_err(|_| Error::invalid("language cannot be sent in a header"))?;
            request = request.header(LANGUAGE, value);
        }
        self.client.send_authed(self.product, request).await?;
        Ok(())
    }
}

/// Names the request's operation after its product (`collection.request_to_pay`), so that
/// an error says which product's call failed.
fn in_product(product: Product, request: ApiRequest) -> ApiRequest {
    let operation = format!("{}.{}", product.as_str(), request.operation_name());
    request.operation(operation)
}

/// The collection product (B6); derefs to [`ProductApi`].
#[derive(Clone, Copy, Debug)]
pub struct CollectionApi<'c>(ProductApi<'c>);

impl<'c> Deref for CollectionApi<'c> {
    type Target = ProductApi<'c>;
    fn deref(&self) -> &ProductApi<'c> {
        &self.0
    }
}

macro_rules! create_call {
    ($(#[$meta:meta])* $name:ident, $method:ident, $path:literal, $body:ty) => {
        $(#[$meta])*
        ///
        /// # Errors
        /// `Conflict` when the reference id was already used (the create was accepted
        /// before), `InvalidRequest`, `Unauthorized`, and as for any call.
        pub async fn $name(
            &self,
            reference_id: &ReferenceId,
            body: &$body,
            callback_url: Option<&str>,
        ) -> Result<()> {
            self.0
                .client
                .create(
                    self.0.product,
                    Method::$method,
                    $path.to_owned(),
                    stringify!($name),
                    reference_id,
                    body,
                    callback_url,
                )
                .await
        }
    };
}

macro_rules! status_call {
    ($(#[$meta:meta])* $name:ident, $path:literal, $out:ty) => {
        $(#[$meta])*
        ///
        /// # Errors
        /// `NotFound` for an unknown reference id.
        pub async fn $name(&self, reference_id: &ReferenceId) -> Result<$out> {
            let path = format!(concat!($path, "/{}"), path_segment(reference_id.as_str()));
            self.0
                .client
                .get(self.0.product, path, stringify!($name), stringify!($out))
                .await
        }
    };
}

impl CollectionApi<'_> {
    create_call!(
        /// `POST /collection/v1_0/requesttopay` (202; the request starts PENDING).
        request_to_pay, POST, "collection/v1_0/requesttopay", RequestToPay
    );
    status_call!(
        /// `GET /collection/v1_0/requesttopay/{referenceId}`; a FAILED request answers 200.
        request_to_pay_status, "collection/v1_0/requesttopay", RequestToPayResult
    );
    create_call!(
        /// `POST /collection/v1_0/requesttowithdraw`.
        request_to_withdraw_v1, POST, "collection/v1_0/requesttowithdraw", RequestToPay
    );
    create_call!(
        /// `POST /collection/v2_0/requesttowithdraw`.
        request_to_withdraw_v2, POST, "collection/v2_0/requesttowithdraw", RequestToPay
    );
    status_call!(
        /// `GET /collection/v1_0/requesttowithdraw/{referenceId}` (v1 and v2 creations).
        request_to_withdraw_status, "collection/v1_0/requesttowithdraw", RequestToPayResult
    );
    create_call!(
        /// `POST /collection/v2_0/invoice`.
        create_invoice, POST, "collection/v2_0/invoice", Invoice
    );
    status_call!(
        /// `GET /collection/v2_0/invoice/{referenceId}`.
        invoice_status, "collection/v2_0/invoice", InvoiceResult
    );
    create_call!(
        /// `POST /collection/v2_0/preapproval`.
        create_pre_approval, POST, "collection/v2_0/preapproval", PreApproval
    );
    status_call!(
        /// `GET /collection/v2_0/preapproval/{referenceId}`.
        pre_approval_status, "collection/v2_0/preapproval", PreApprovalResult
    );
    create_call!(
        /// `POST /collection/v2_0/payment`.
        create_payment, POST, "collection/v2_0/payment", CreatePayment
    );
    status_call!(
        /// `GET /collection/v2_0/payment/{referenceId}`.
        payment_status, "collection/v2_0/payment", PaymentResult
    );

    /// `DELETE /collection/v2_0/invoice/{referenceId}` with a new `X-Reference-Id`
    /// (`cancellation_id`) for the cancellation (202).
    ///
    /// # Errors
    /// `NotFound` for an unknown invoice, `Conflict` for a reused cancellation id.
    pub async fn cancel_invoice(
        &self,
        invoice: &ReferenceId,
        cancellation_id: &ReferenceId,
        body: &CancelInvoice,
        callback_url: Option<&str>,
    ) -> Result<()> {
        let path = format!("collection/v2_0/invoice/{}", path_segment(invoice.as_str()));
        self.0
            .client
            .create(
                self.0.product,
                Method::DELETE,
                path,
                "cancel_invoice",
                cancellation_id,
                body,
                callback_url,
            )
            .await
    }

    /// `GET /collection/v1_0/preapprovals/{idType}/{id}`: the payer's approved
    /// pre-approvals. The item shape has a single source, so items are raw JSON.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn pre_approvals(&self, payer: &Party) -> Result<Vec<serde_json::Value>> {
        let path = format!("collection/v1_0/preapprovals/{}", holder_path(payer));
        self.0
            .client
            .get(self.0.product, path, "pre_approvals", "MoMo pre-approvals")
            .await
    }

    /// `DELETE /collection/v1_0/preapproval/{preapprovalId}`, sent with `Content-Length: 0`
    /// like every other write without a body (MoMo's gateway answers 411 to a write that
    /// declares no length).
    ///
    /// Retried after a timeout or a lost answer, as deleting twice leaves the same state. A
    /// retry after a first attempt that MoMo did commit therefore answers 404: `NotFound`
    /// here can mean "cancelled by this very call" — the pre-approval is gone either way.
    ///
    /// # Errors
    /// `NotFound` for an unknown (or already cancelled, see above) pre-approval.
    pub async fn cancel_pre_approval(&self, id: &PreApprovalId) -> Result<()> {
        let path = format!("collection/v1_0/preapproval/{}", path_segment(id.as_str()));
        let request = self
            .0
            .client
            .business(self.0.product, Method::DELETE, path)?
            .operation("cancel_pre_approval")
            .empty_body()
            .safety(RequestSafety::IdempotentWrite);
        self.0.client.send_authed(self.0.product, request).await?;
        Ok(())
    }
}

/// The disbursement product (B7); derefs to [`ProductApi`].
#[derive(Clone, Copy, Debug)]
pub struct DisbursementApi<'c>(ProductApi<'c>);

impl<'c> Deref for DisbursementApi<'c> {
    type Target = ProductApi<'c>;
    fn deref(&self) -> &ProductApi<'c> {
        &self.0
    }
}

impl DisbursementApi<'_> {
    create_call!(
        /// `POST /disbursement/v1_0/transfer`.
        transfer, POST, "disbursement/v1_0/transfer", Transfer
    );
    status_call!(
        /// `GET /disbursement/v1_0/transfer/{referenceId}`.
        transfer_status, "disbursement/v1_0/transfer", TransferResult
    );
    create_call!(
        /// `POST /disbursement/v1_0/deposit`.
        deposit_v1, POST, "disbursement/v1_0/deposit", Transfer
    );
    create_call!(
        /// `POST /disbursement/v2_0/deposit`.
        deposit_v2, POST, "disbursement/v2_0/deposit", Transfer
    );
    status_call!(
        /// `GET /disbursement/v1_0/deposit/{referenceId}` (v1 and v2 creations).
        deposit_status, "disbursement/v1_0/deposit", TransferResult
    );
    create_call!(
        /// `POST /disbursement/v1_0/refund`.
        refund_v1, POST, "disbursement/v1_0/refund", Refund
    );
    create_call!(
        /// `POST /disbursement/v2_0/refund`.
        refund_v2, POST, "disbursement/v2_0/refund", Refund
    );
    status_call!(
        /// `GET /disbursement/v1_0/refund/{referenceId}` (v1 and v2 creations).
        refund_status, "disbursement/v1_0/refund", TransferResult
    );
}

/// The remittance product (B8); derefs to [`ProductApi`].
///
/// Only the v1 transfer is offered: the v2 cash transfer
/// (`/remittance/v2_0/cashtransfer`) has no body schema published by MTN that its field
/// names could be checked against (see `docs/providers/momo.md`).
#[derive(Clone, Copy, Debug)]
pub struct RemittanceApi<'c>(ProductApi<'c>);

impl<'c> Deref for RemittanceApi<'c> {
    type Target = ProductApi<'c>;
    fn deref(&self) -> &ProductApi<'c> {
        &self.0
    }
}

impl RemittanceApi<'_> {
    create_call!(
        /// `POST /remittance/v1_0/transfer`.
        transfer, POST, "remittance/v1_0/transfer", Transfer
    );
    status_call!(
        /// `GET /remittance/v1_0/transfer/{referenceId}`.
        transfer_status, "remittance/v1_0/transfer", TransferResult
    );
}

#[cfg(test)]
mod tests;

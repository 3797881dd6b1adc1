//! [`ProviderApi`]: one typed call per endpoint of Monobank's provider ("corporate") API
//! (monobank.md §2.1, §3.2), and the signing of its requests.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bankkit_core::clock::Clock;
use bankkit_core::http::{
    ApiRequest, ApiResponse, Pacing, RateLimiter, RequestSafety, RequestSigner, SigningInput,
};
use bankkit_core::secret::{sensitive_header, ExposeSecret, SecretString};
use bankkit_core::{validate, Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::{MonobankClient, PERSONAL_LIMIT_PERIOD};
use crate::error::{map_provider_error, redact};
use crate::sign::ProviderKey;
use crate::wire::provider_api::{
    AccessRequest, AccessStatus, CorpSettings, Registration, RegistrationAnswer,
    RegistrationRequest, RegistrationStatus, RegistrationStatusRequest,
};
use crate::wire::{ClientInfo, SetWebhook, StatementItem};

const X_KEY_ID: HeaderName = HeaderName::from_static("x-key-id");
const X_TIME: HeaderName = HeaderName::from_static("x-time");
const X_SIGN: HeaderName = HeaderName::from_static("x-sign");
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_CALLBACK: HeaderName = HeaderName::from_static("x-callback");

/// The code of the internal error an access check's 401 becomes before it is read as
/// [`AccessStatus::Pending`]; it never reaches a caller.
const ACCESS_PENDING: &str = "monobank.access_pending";

/// How long the pacing of a customer's request id is kept after it was last handed out
/// and no client holds it: long past any 60 s slot, so dropping it loses nothing.
const CUSTOMER_PACING_KEPT: Duration = Duration::from_secs(600);

/// Which headers a provider API request carries and what `X-Sign` covers (monobank.md
/// §2.1).
#[derive(Clone)]
enum Scheme {
    /// Registration and its status: `X-Time`, `X-Sign` over `X-Time + path`; no key id
    /// yet.
    Registration,
    /// The company's own calls: `X-Key-Id`, `X-Time`, `X-Sign` over `X-Time + path`.
    Company,
    /// Calls for one customer: `X-Key-Id`, `X-Time`, `X-Request-Id`, `X-Sign` over
    /// `X-Time + X-Request-Id + path`.
    Customer {
        request_id: SecretString,
        header: HeaderValue,
    },
}

/// Signs provider API requests with the company's key, afresh for every attempt (so
/// `X-Time` is the time of sending).
///
/// `Debug` shows the key id and the scheme, never the request id.
#[derive(Clone)]
pub(crate) struct ProviderSigner {
    key: Arc<ProviderKey>,
    scheme: Scheme,
}

impl fmt::Debug for ProviderSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Registration => "registration",
            Scheme::Company => "company",
            Scheme::Customer { .. } => "customer",
        };
        f.debug_struct("ProviderSigner")
            .field("key_id", &self.key.key_id())
            .field("scheme", &scheme)
            .finish()
    }
}

impl ProviderSigner {
    fn registration(key: Arc<ProviderKey>) -> Self {
        Self {
            key,
            scheme: Scheme::Registration,
        }
    }

    fn company(key: Arc<ProviderKey>) -> Self {
        Self {
            key,
            scheme: Scheme::Company,
        }
    }

    /// Signs for the customer of `request_id`.
    ///
    /// # Errors
    /// [`Error::Config`] naming `request_id` when it is blank or a header cannot carry it.
    pub(crate) fn customer(key: Arc<ProviderKey>, request_id: &SecretString) -> Result<Self> {
        validate::non_blank_secret(request_id, "request_id")?;
        let header = sensitive_header(request_id, "request_id")?;
        Ok(Self {
            key,
            scheme: Scheme::Customer {
                request_id: request_id.clone(),
                header,
            },
        })
    }

    /// The customer's request id, for a customer signer.
    pub(crate) fn request_id(&self) -> Option<&SecretString> {
        match &self.scheme {
            Scheme::Customer { request_id, .. } => Some(request_id),
            _ => None,
        }
    }
}

impl RequestSigner for ProviderSigner {
    fn headers(&self, request: &SigningInput<'_>) -> Result<HeaderMap> {
        let x_time = request.now.timestamp().to_string();
        let mut headers = HeaderMap::new();
        let request_id = match &self.scheme {
            Scheme::Registration => None,
            Scheme::Company => None,
            Scheme::Customer { request_id, header } => {
                headers.insert(X_REQUEST_ID, header.clone());
                Some(request_id.expose_secret())
            }
        };
        if !matches!(self.scheme, Scheme::Registration) {
            headers.insert(X_KEY_ID, plain_value(self.key.key_id())?);
        }
        let x_sign = self.key.sign(&x_time, request_id, request.path);
        headers.insert(X_TIME, plain_value(&x_time)?);
        headers.insert(X_SIGN, plain_value(&x_sign)?);
        Ok(headers)
    }
}

/// A header value from text this client made (digits, hex, base64).
fn plain_value(text: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(text).map_err(|_| Error::invalid("a signing header could not be built"))
}

/// A fresh random `X-Request-Id` for the company's own calls (24 characters of base64url,
/// the shape of the spec's example).
fn fresh_request_id() -> Result<HeaderValue> {
    let bytes: [u8; 18] = rand::random();
    plain_value(&URL_SAFE_NO_PAD.encode(bytes))
}

/// The pacing of customer reads (`client-info`, `statement`: one per 60 s each, per
/// request id), shared by every client made from one [`MonobankClient`] and its customer
/// handles.
pub(crate) struct CustomerPacing {
    pacing: Pacing,
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<String, PacingEntry>>,
}

struct PacingEntry {
    limiters: CustomerLimiters,
    handed_out: DateTime<Utc>,
}

/// One customer's limiters (`None` when pacing is off).
#[derive(Clone)]
pub(crate) struct CustomerLimiters {
    pub(crate) client_info: Option<Arc<RateLimiter>>,
    pub(crate) statement: Option<Arc<RateLimiter>>,
}

impl fmt::Debug for CustomerPacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let customers = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("CustomerPacing")
            .field("pacing", &self.pacing)
            .field("customers", &customers)
            .finish()
    }
}

impl CustomerPacing {
    pub(crate) fn new(pacing: Pacing, clock: Arc<dyn Clock>) -> Self {
        Self {
            pacing,
            clock,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The limiters of `request_id`'s reads: the same ones for as long as any client uses
    /// them, or for 10 minutes after they were last handed out.
    pub(crate) fn limiters(&self, request_id: &SecretString) -> CustomerLimiters {
        if self.pacing == Pacing::Off {
            return CustomerLimiters {
                client_info: None,
                statement: None,
            };
        }
        let now = self.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = TimeDelta::from_std(CUSTOMER_PACING_KEPT).unwrap_or(TimeDelta::MAX);
        entries.retain(|_, entry| {
            let in_use = entry
                .limiters
                .client_info
                .as_ref()
                .is_some_and(|limiter| Arc::strong_count(limiter) > 1)
                || entry
                    .limiters
                    .statement
                    .as_ref()
                    .is_some_and(|limiter| Arc::strong_count(limiter) > 1);
            in_use || now.signed_duration_since(entry.handed_out) < kept
        });
        let entry = entries
            .entry(request_id.expose_secret().to_owned())
            .or_insert_with(|| PacingEntry {
                limiters: CustomerLimiters {
                    client_info: self.pacing.limiter(
                        "monobank customer client-info",
                        1,
                        PERSONAL_LIMIT_PERIOD,
                        &self.clock,
                    ),
                    statement: self.pacing.limiter(
                        "monobank customer statement",
                        1,
                        PERSONAL_LIMIT_PERIOD,
                        &self.clock,
                    ),
                },
                handed_out: now,
            });
        entry.handed_out = now;
        entry.limiters.clone()
    }
}

/// The `X-Request-Id` of the GET the bank sends to an access request's `X-Callback` URL
/// once the customer accepted: the request id to read their data with (the same as the
/// [`AccessRequest::request_id`] returned by [`ProviderApi::request_access`]).
///
/// `None` when the header is absent, blank or not text. Check that it is one of your own
/// pending requests before trusting it (anyone can call your callback URL); keep a
/// secret path segment in the URL.
///
/// ```
/// use bankkit_core::secret::ExposeSecret;
/// use bankkit_monobank::access_callback_request_id;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-request-id", http::HeaderValue::from_static("uLkwh3NzFAfEkj7urj5C7AU_"));
/// let id = access_callback_request_id(&headers).ok_or("no request id")?;
/// assert_eq!(id.expose_secret(), "uLkwh3NzFAfEkj7urj5C7AU_");
/// assert!(access_callback_request_id(&http::HeaderMap::new()).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn access_callback_request_id(headers: &http::HeaderMap) -> Option<SecretString> {
    let text = headers.get(X_REQUEST_ID)?.to_str().ok()?.trim();
    (!text.is_empty()).then(|| SecretString::from(text.to_owned()))
}

/// Monobank's provider ("corporate") API of a [`MonobankClient`], signed with the
/// company's secp256k1 key ([`MonobankClientBuilder::provider_key`](super::MonobankClientBuilder::provider_key)).
/// Get one with [`MonobankClient::provider_api`].
///
/// The flow: [`register`](Self::register) the key once and wait for the bank's approval
/// ([`registration_status`](Self::registration_status)); for each customer,
/// [`request_access`](Self::request_access), show them the accept URL, and
/// [`wait_for_access`](Self::wait_for_access) (or receive the `X-Callback` GET, see
/// [`access_callback_request_id`]); then read their data with the request id
/// ([`client_info`](Self::client_info), [`statement`](Self::statement)), or make a
/// per-customer client ([`MonobankClient::for_customer`]) for
/// [`MonobankProvider`](crate::MonobankProvider).
///
/// Every request is signed for each attempt, so `X-Time` (the client clock's Unix
/// seconds) is the time of sending, also on a retry. `X-Sign` is base64 of the raw
/// ECDSA `r‖s` over SHA-256 of `X-Time + path` (registration, registration status, access
/// request, company settings and webhook) or `X-Time + X-Request-Id + path` (access
/// check, `client-info`, statement); the path is the API path without query.
///
/// **Request ids are secrets**: they are taken and returned as [`SecretString`]s, travel
/// only in the `X-Request-Id` header (never in a path, so traces that show the path do not
/// show them), and are never shown by `Debug`, `Display` or errors (a bank message quoting
/// one has it replaced by `[REDACTED]`).
///
/// **Errors** (all calls): [`Error::Config`] naming `provider_key` when the client has no
/// key (nothing is sent); `Unauthorized` for a refused signature (401 or 403 about the
/// key), `Forbidden` (`Blocked`) for the firewall's HTML 403, `RateLimited` (429),
/// `InvalidRequest` (400), `NotFound` (404), `Timeout`, `Transport`, `Decode`. The bank's
/// `{"errorDescription"}` is read as for the personal API.
#[derive(Clone, Copy, Debug)]
pub struct ProviderApi<'a> {
    client: &'a MonobankClient,
}

impl<'a> ProviderApi<'a> {
    pub(super) fn new(client: &'a MonobankClient) -> Self {
        Self { client }
    }

    fn key(&self) -> Result<Arc<ProviderKey>> {
        self.client.provider_key.clone().ok_or_else(|| {
            Error::config(
                "provider_key",
                "the provider API needs the company's secp256k1 key (provider_key)",
            )
        })
    }

    /// A request the company signs, with a fresh random `X-Request-Id` (see
    /// [`ProviderApi::settings`]).
    fn company(&self, request: ApiRequest) -> Result<ApiRequest> {
        let signer = ProviderSigner::company(self.key()?);
        Ok(request
            .header(X_REQUEST_ID, fresh_request_id()?)
            .signed_by(Arc::new(signer)))
    }

    /// `POST /personal/auth/registration`: asks the bank to authorise the company's key.
    /// Sends the key's public half (`pubkey`, base64 of its PEM) with `registration`;
    /// signed over `X-Time + path`, without `X-Key-Id`. Sent once (never retried).
    ///
    /// # Errors
    /// `InvalidRequest` for fields the bank refuses, and as every provider API call (see
    /// [`ProviderApi`]).
    pub async fn register(&self, registration: &Registration) -> Result<RegistrationAnswer> {
        let key = self.key()?;
        let body = RegistrationRequest::new(key.public_key_pem_base64()?, registration);
        let request = ApiRequest::post("personal/auth/registration")
            .json(&body)?
            .operation("provider.register")
            .signed_by(Arc::new(ProviderSigner::registration(key)));
        self.client
            .http
            .send(request, &map_provider_error)
            .await?
            .json("registration answer")
    }

    /// `POST /personal/auth/registration/status` (body `{pubkey}`): where the key's
    /// registration stands, and its `keyId` once approved. Signed over `X-Time + path`,
    /// without `X-Key-Id`; a read, retried as one.
    ///
    /// # Errors
    /// As every provider API call.
    pub async fn registration_status(&self) -> Result<RegistrationStatus> {
        let key = self.key()?;
        let body = RegistrationStatusRequest::new(key.public_key_pem_base64()?);
        let request = ApiRequest::post("personal/auth/registration/status")
            .json(&body)?
            .operation("provider.registration_status")
            .safety(RequestSafety::Read)
            .signed_by(Arc::new(ProviderSigner::registration(key)));
        self.client
            .http
            .send(request, &map_provider_error)
            .await?
            .json("registration status")
    }

    /// `GET /personal/corp/settings`: the company's name, permissions, logo, key and
    /// webhook as the bank holds them. Signed over `X-Time + path` with `X-Key-Id`.
    ///
    /// **`X-Request-Id`**: the spec marks it required here and on
    /// [`set_webhook`](Self::set_webhook) without saying what it holds, and signs these
    /// calls without it. Third-party clients disagree (vtopc/go-monobank sends none; the
    /// `liaugust/monobank-typescript-sdk` sends a value its caller chooses, unsigned). This
    /// client sends a fresh random id per call (inferred, not confirmed by the bank).
    ///
    /// # Errors
    /// As every provider API call.
    pub async fn settings(&self) -> Result<CorpSettings> {
        let request = self
            .company(ApiRequest::get("personal/corp/settings"))?
            .operation("provider.settings");
        self.client
            .http
            .send(request, &map_provider_error)
            .await?
            .json("company settings")
    }

    /// `POST /personal/corp/webhook` (`{webHookUrl}`): where the bank POSTs the
    /// customers' transactions. The bank first POSTs a test request to the URL and fails
    /// the call unless it answers 200. Signed as [`settings`](Self::settings) (with a
    /// fresh random `X-Request-Id`, inferred); setting the same URL twice leaves the same
    /// state, so it is retried like a read.
    ///
    /// # Errors
    /// `InvalidRequest` when the bank's test POST fails, and as every provider API call.
    pub async fn set_webhook(&self, url: &str) -> Result<()> {
        let body = SetWebhook {
            web_hook_url: url.to_owned(),
        };
        let request = self
            .company(ApiRequest::post("personal/corp/webhook"))?
            .json(&body)?
            .operation("provider.set_webhook")
            .safety(RequestSafety::IdempotentWrite);
        self.client.http.send(request, &map_provider_error).await?;
        Ok(())
    }

    /// `POST /personal/auth/request`: a new request for a customer's access. Show its
    /// [`accept_url`](AccessRequest::accept_url) to the customer; once they accept, the
    /// bank GETs `callback` (when given, sent as `X-Callback`) with the request id in
    /// `X-Request-Id` ([`access_callback_request_id`]), and
    /// [`access_status`](Self::access_status) answers `Granted`. Signed over
    /// `X-Time + path` with `X-Key-Id`.
    ///
    /// **Not retried**: every call creates a new request, so a repeat after a lost answer
    /// would leave a second one. Call it again yourself if you must.
    ///
    /// # Errors
    /// `InvalidRequest` for a `callback` that is not an absolute http(s) URL (nothing is
    /// sent), and as every provider API call.
    pub async fn request_access(&self, callback: Option<&str>) -> Result<AccessRequest> {
        let signer = ProviderSigner::company(self.key()?);
        let mut request = ApiRequest::post("personal/auth/request")
            .operation("provider.request_access")
            .safety(RequestSafety::UnsafeWrite);
        if let Some(callback) = callback {
            validate::http_url(callback, "callback").map_err(|_| {
                Error::invalid("the access callback must be an absolute http(s) URL")
            })?;
            let mut value = HeaderValue::from_str(callback).map_err(|_| {
                Error::invalid("the access callback contains characters a header cannot carry")
            })?;
            // The URL may carry a secret path segment.
            value.set_sensitive(true);
            request = request.header(X_CALLBACK, value);
        }
        let request = request.signed_by(Arc::new(signer));
        self.client
            .http
            .send(request, &map_provider_error)
            .await?
            .json("access request")
    }

    /// `GET /personal/auth/request`: whether the customer of `request_id` has accepted.
    /// 200 is [`AccessStatus::Granted`], 401 [`AccessStatus::Pending`]. Signed over
    /// `X-Time + X-Request-Id + path`.
    ///
    /// # Errors
    /// `NotFound` (404) for a request id the bank does not know, `Config` naming
    /// `request_id` for a blank one (nothing is sent), and as every provider API call.
    pub async fn access_status(&self, request_id: &SecretString) -> Result<AccessStatus> {
        let signer = ProviderSigner::customer(self.key()?, request_id)?;
        let request = ApiRequest::get("personal/auth/request")
            .operation("provider.access_status")
            .signed_by(Arc::new(signer));
        let secret = request_id.expose_secret();
        let errors = |response: &ApiResponse| {
            if response.status.as_u16() == 401 {
                Error::Provider {
                    status: 401,
                    code: Some(ACCESS_PENDING.to_owned()),
                    message: "access not granted yet".to_owned(),
                }
            } else {
                redact(map_provider_error(response), secret)
            }
        };
        match self.client.http.send(request, &errors).await {
            Ok(_) => Ok(AccessStatus::Granted),
            Err(Error::Provider {
                status: 401,
                code: Some(code),
                ..
            }) if code == ACCESS_PENDING => Ok(AccessStatus::Pending),
            Err(error) => Err(error),
        }
    }

    /// Polls [`access_status`](Self::access_status) every `every` until the customer
    /// accepts `request`, for at most `within`, waiting on the client's [`Clock`] (a
    /// `ManualClock` in tests never really sleeps). Returns the per-customer client
    /// ([`MonobankClient::for_customer`]) once access is granted.
    ///
    /// The first check is made at once; the last one no later than `within` after it.
    ///
    /// # Errors
    /// [`Error::Timeout`] (with `within`) when access was not granted in time;
    /// `InvalidRequest` for a zero `every`; any error of the checks (`NotFound` for an
    /// unknown request).
    pub async fn wait_for_access(
        &self,
        request: &AccessRequest,
        every: Duration,
        within: Duration,
    ) -> Result<MonobankClient> {
        if every.is_zero() {
            return Err(Error::invalid("the polling interval must not be zero"));
        }
        let clock = self.client.clock();
        let started = clock.now();
        loop {
            if self.access_status(&request.request_id).await? == AccessStatus::Granted {
                return self.client.for_customer(request.request_id.clone());
            }
            let elapsed = clock
                .now()
                .signed_duration_since(started)
                .to_std()
                .unwrap_or(Duration::ZERO);
            if elapsed.saturating_add(every) > within {
                return Err(Error::timeout(within));
            }
            clock.sleep(every).await;
        }
    }

    /// `GET /personal/client-info` for the customer of `request_id`: their name,
    /// accounts and permissions (the personal shape; the provider spec lists no jars).
    /// Signed over `X-Time + X-Request-Id + path`; one call per 60 s per request id,
    /// spaced on the client's clock unless pacing is off (shared with
    /// [`MonobankClient::for_customer`] handles for the same id).
    ///
    /// # Errors
    /// `Unauthorized` (401) while access is not granted, `NotFound` (404) for unknown
    /// data, `Config` naming `request_id` for a blank one, and as every provider API call.
    pub async fn client_info(&self, request_id: &SecretString) -> Result<ClientInfo> {
        self.client
            .for_customer(request_id.clone())?
            .client_info()
            .await
    }

    /// `GET /personal/statement/{account}/{from}/{to}` for the customer of `request_id`
    /// (see [`MonobankClient::statement`] for the window and paging rules). The request
    /// id goes in `X-Request-Id` only, never in the path. Signed and paced as
    /// [`client_info`](Self::client_info).
    ///
    /// # Errors
    /// As [`client_info`](Self::client_info), and `InvalidRequest` for a window the bank
    /// refuses.
    pub async fn statement(
        &self,
        request_id: &SecretString,
        account: &str,
        from: i64,
        to: Option<i64>,
    ) -> Result<Vec<StatementItem>> {
        self.client
            .for_customer(request_id.clone())?
            .statement(account, from, to)
            .await
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::secret::secret;
    use http::Method;

    use super::*;

    fn key() -> Arc<ProviderKey> {
        Arc::new(ProviderKey::from_bytes(&[7; 32]).unwrap())
    }

    fn input<'a>(method: &'a Method, path: &'a str) -> SigningInput<'a> {
        SigningInput::new(method, path, "2026-11-01T12:00:00Z".parse().unwrap())
    }

    fn text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
        headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn each_scheme_sends_its_documented_headers_and_signs_its_documented_string() {
        let get = Method::GET;
        let public = key().public_key();
        let x_time = "1793534400";

        let registration = ProviderSigner::registration(key())
            .headers(&input(&get, "/personal/auth/registration"))
            .unwrap();
        assert_eq!(text(&registration, "x-time"), Some(x_time));
        assert!(text(&registration, "x-key-id").is_none());
        assert!(text(&registration, "x-request-id").is_none());
        public
            .verify_request(
                text(&registration, "x-sign").unwrap(),
                x_time,
                None,
                "/personal/auth/registration",
            )
            .unwrap();

        let company = ProviderSigner::company(key())
            .headers(&input(&get, "/personal/corp/settings"))
            .unwrap();
        assert_eq!(text(&company, "x-key-id"), Some(key().key_id()));
        public
            .verify_request(
                text(&company, "x-sign").unwrap(),
                x_time,
                None,
                "/personal/corp/settings",
            )
            .unwrap();

        let customer = ProviderSigner::customer(key(), &secret("req-123"))
            .unwrap()
            .headers(&input(&get, "/personal/client-info"))
            .unwrap();
        assert_eq!(text(&customer, "x-request-id"), Some("req-123"));
        assert!(customer.get("x-request-id").unwrap().is_sensitive());
        assert_eq!(text(&customer, "x-key-id"), Some(key().key_id()));
        public
            .verify_request(
                text(&customer, "x-sign").unwrap(),
                x_time,
                Some("req-123"),
                "/personal/client-info",
            )
            .unwrap();
    }

    #[test]
    fn a_customer_signer_refuses_a_blank_or_unsendable_request_id_and_hides_it() {
        for bad in ["", "  ", "a\nb"] {
            let error = ProviderSigner::customer(key(), &secret(bad)).unwrap_err();
            assert!(
                matches!(error, Error::Config { ref field, .. } if field == "request_id"),
                "{error:?}"
            );
        }
        let signer = ProviderSigner::customer(key(), &secret("req-secret-9")).unwrap();
        let shown = format!("{signer:?}");
        assert!(!shown.contains("req-secret-9"), "{shown}");
        assert!(shown.contains(key().key_id()), "{shown}");
    }

    #[test]
    fn fresh_request_ids_differ_and_look_like_the_spec_example() {
        let a = fresh_request_id().unwrap();
        let b = fresh_request_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), "uLkwh3NzFAfEkj7urj5C7AU_".len());
    }

    #[tokio::test]
    async fn customer_pacing_is_shared_per_request_id_and_dropped_when_long_unused() {
        let clock =
            bankkit_core::clock::ManualClock::frozen_at("2026-11-01T12:00:00Z".parse().unwrap());
        let pacing = CustomerPacing::new(Pacing::Provider, clock.shared());
        let first = pacing.limiters(&secret("a"));
        let again = pacing.limiters(&secret("a"));
        let other = pacing.limiters(&secret("b"));
        let (Some(first_info), Some(again_info), Some(other_info)) = (
            first.client_info.as_ref(),
            again.client_info.as_ref(),
            other.client_info.as_ref(),
        ) else {
            panic!("pacing is on");
        };
        assert!(Arc::ptr_eq(first_info, again_info));
        assert!(!Arc::ptr_eq(first_info, other_info));
        drop((again, other));
        clock.advance(CUSTOMER_PACING_KEPT);
        // "a" is still held: kept; "b" is not: dropped.
        let _ = pacing.limiters(&secret("c"));
        {
            let entries = pacing.entries.lock().unwrap();
            assert!(entries.contains_key("a") && entries.contains_key("c"));
            assert!(!entries.contains_key("b"));
        }
        let shown = format!("{pacing:?}");
        assert!(
            shown.contains("customers: 2") && !shown.contains("\"a\""),
            "{shown}"
        );
        drop(first);
        let off = CustomerPacing::new(Pacing::Off, clock.shared()).limiters(&secret("a"));
        assert!(off.client_info.is_none() && off.statement.is_none());
    }
}

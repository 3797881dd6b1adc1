//! [`MonzoClient`]: one typed async call per endpoint of the developer API (monzo.md A3).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::clock::{system_clock, Clock};
use bankkit_core::http::{
    path_segment, ApiRequest, ApiResponse, HttpClient, HttpOptions, RawRequest, RawResponse,
    RequestSafety,
};
use bankkit_core::money::Money;
use bankkit_core::secret::{bearer_header, ExposeSecret, SecretString};
use bankkit_core::token::{ManagedToken, MemoryTokenStore, TokenStore};
use bankkit_core::{validate, AccountId, Error, IdempotencyKey, Result, TransactionId, WebhookId};
use chrono::{DateTime, SecondsFormat, Utc};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Method};
use serde::{Serialize, Serializer};
use url::Url;

use crate::auth::{
    random_state, token_grant, token_set, AuthorizationRequest, InitialTokens, MonzoRefresher,
    OAuthApp,
};
use crate::error::map_error;
use crate::ids::{AttachmentId, PotId, ReceiptExternalId};
use crate::wire::{
    self, Account, AccountType, AttachmentUpload, Balance, FeedItem, Pot, Receipt, ReceiptSaved,
    TokenResponse, Transaction, Webhook, WhoAmI,
};

/// Where the real API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.monzo.com";

/// Where users authorise applications.
pub const DEFAULT_AUTH_URL: &str = "https://auth.monzo.com";

/// How long before `expires_at` an access token is refreshed.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The most transactions one `GET /transactions` returns (monzo.md A5).
pub const MAX_TRANSACTIONS_PER_PAGE: u32 = 100;

/// The provider id, used in traces and errors.
pub(crate) const PROVIDER: &str = "monzo";

/// A client of Monzo's developer API for one OAuth client and one user's tokens.
///
/// - **OAuth**: [`MonzoClient::authorization_url`] gives the URL to send the user to and a
///   random `state`; [`MonzoClient::exchange_code`] checks the returned `state` before it
///   exchanges the code, and stores the tokens.
/// - **Tokens** live in a [`TokenStore`] under [`MonzoClient::token_key`] (default
///   `monzo:<client_id>`), managed by core's [`ManagedToken`]: refreshed single-flight 60 s
///   before they expire (on the client's clock), and once more when Monzo answers
///   `unauthorized.bad_access_token.expired`; the rotated refresh token is saved before
///   anyone can use it again. Share one store (a `FileTokenStore` across processes) and no
///   two callers ever refresh the same token.
/// - **Encoding**: every write is form-encoded except receipts (JSON); map parameters use
///   bracket keys (`metadata[notes]`, `params[title]`, `expand[]`).
///
/// `Debug` never shows the client secret or a token.
#[derive(Clone)]
pub struct MonzoClient {
    http: HttpClient,
    auth_url: Url,
    app: Arc<OAuthApp>,
    token: ManagedToken,
    upload: reqwest::Client,
}

impl fmt::Debug for MonzoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonzoClient")
            .field("base_url", &self.http.base_url().as_str())
            .field("auth_url", &self.auth_url.as_str())
            .field("app", &self.app)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Builds a [`MonzoClient`].
#[derive(Default)]
pub struct MonzoClientBuilder {
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
    base_url: Option<String>,
    auth_url: Option<String>,
    token_store: Option<Arc<dyn TokenStore>>,
    token_key: Option<String>,
    clock: Option<Arc<dyn Clock>>,
    http_options: Option<HttpOptions>,
    access_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
}

impl fmt::Debug for MonzoClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |s: &Option<SecretString>| s.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("MonzoClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &redacted(&self.client_secret))
            .field("redirect_uri", &self.redirect_uri)
            .field("base_url", &self.base_url)
            .field("auth_url", &self.auth_url)
            .field("token_store", &self.token_store)
            .field("token_key", &self.token_key)
            .field("access_token", &redacted(&self.access_token))
            .field("refresh_token", &redacted(&self.refresh_token))
            .finish_non_exhaustive()
    }
}

impl MonzoClientBuilder {
    /// The OAuth client id and secret from <https://developers.monzo.com/>.
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret);
        self
    }

    /// The redirect URI registered with the OAuth client.
    pub fn redirect_uri(mut self, redirect_uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(redirect_uri.into());
        self
    }

    /// Where the API lives (default [`DEFAULT_BASE_URL`]); point it at the sandbox in tests.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Where users authorise (default [`DEFAULT_AUTH_URL`]).
    pub fn auth_url(mut self, auth_url: impl Into<String>) -> Self {
        self.auth_url = Some(auth_url.into());
        self
    }

    /// Where the tokens live (default: a new in-memory store). Share a
    /// [`bankkit_core::token::FileTokenStore`] between processes.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// The key of this user's tokens in the store (default `monzo:<client_id>`). Use one
    /// key per user when one OAuth client serves several users.
    pub fn token_key(mut self, key: impl Into<String>) -> Self {
        self.token_key = Some(key.into());
        self
    }

    /// Tokens obtained elsewhere, stored only if the store holds nothing for the key.
    pub fn initial_tokens(
        mut self,
        access_token: Option<SecretString>,
        refresh_token: Option<SecretString>,
    ) -> Self {
        self.access_token = access_token;
        self.refresh_token = refresh_token;
        self
    }

    /// The clock every wait and token expiry goes through (default: the system clock).
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
    /// [`Error::Config`] naming `client_id`, `client_secret`, `redirect_uri`, `base_url`,
    /// `auth_url`, `token_key`, `access_token` or `refresh_token`.
    pub fn build(self) -> Result<MonzoClient> {
        let client_id = validate::required(self.client_id, "client_id")?;
        let client_secret = validate::required_secret(self.client_secret, "client_secret")?;
        let redirect_uri = validate::required(self.redirect_uri, "redirect_uri")?;
        validate::http_url(&redirect_uri, "redirect_uri")?;
        let auth_url = validate::http_url(
            self.auth_url.as_deref().unwrap_or(DEFAULT_AUTH_URL),
            "auth_url",
        )?;
        for (field, token) in [
            ("access_token", &self.access_token),
            ("refresh_token", &self.refresh_token),
        ] {
            if let Some(token) = token {
                let text = token.expose_secret();
                if text.trim().is_empty() || HeaderValue::from_str(text).is_err() {
                    return Err(Error::config(field, "must be a non-empty token"));
                }
            }
        }
        let key = self
            .token_key
            .unwrap_or_else(|| format!("{PROVIDER}:{client_id}"));
        let key = validate::required(Some(key), "token_key")?;
        let clock = self.clock.unwrap_or_else(system_clock);
        let options = self.http_options.unwrap_or_default();
        let http = HttpClient::new(
            PROVIDER,
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            options,
            Some(clock.clone()),
        )?;
        let upload = reqwest::Client::builder()
            .connect_timeout(http.options().connect_timeout)
            .user_agent(http.options().user_agent.clone())
            .build()
            .map_err(|e| Error::config("http", e))?;
        let app = Arc::new(OAuthApp {
            client_id,
            client_secret,
            redirect_uri,
        });
        let store = self
            .token_store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let refresher = MonzoRefresher {
            http: http.clone(),
            app: app.clone(),
            clock: clock.clone(),
            key: key.clone(),
            initial: InitialTokens {
                access_token: self.access_token,
                refresh_token: self.refresh_token,
            },
        };
        let token = ManagedToken::new(store, key, clock, REFRESH_MARGIN, Arc::new(refresher));
        Ok(MonzoClient {
            http,
            auth_url,
            app,
            token,
            upload,
        })
    }
}

/// `since` of a transaction list: a time, or "after this transaction".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Since {
    /// RFC 3339 timestamp.
    Time(DateTime<Utc>),
    /// A transaction id: the page continues after it.
    Transaction(TransactionId),
}

impl Serialize for Since {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Self::Time(t) => serializer.serialize_str(&rfc3339(*t)),
            Self::Transaction(id) => serializer.serialize_str(id.as_str()),
        }
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `GET /transactions`: the builder is the query; finish with [`ListTransactions::send`].
#[derive(Clone, Debug)]
pub struct ListTransactions<'c> {
    client: &'c MonzoClient,
    account_id: AccountId,
    since: Option<Since>,
    before: Option<DateTime<Utc>>,
    limit: Option<u32>,
    expand: Vec<&'static str>,
}

impl ListTransactions<'_> {
    /// Only transactions after this time or transaction.
    pub fn since(mut self, since: Since) -> Self {
        self.since = Some(since);
        self
    }

    /// Only transactions before this time.
    pub fn before(mut self, before: DateTime<Utc>) -> Self {
        self.before = Some(before);
        self
    }

    /// At most this many (1 to 100; Monzo's default is 30).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Expands `merchant` into an object (`expand[]=merchant`).
    pub fn expand_merchant(mut self) -> Self {
        if !self.expand.contains(&"merchant") {
            self.expand.push("merchant");
        }
        self
    }

    /// The query pairs, in this order: `account_id`, then `since`, `before` and `limit` when
    /// set, then one `expand[]` per expanded field (`expand[]=merchant`).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a limit outside 1 to 100.
    pub fn query_pairs(&self) -> Result<Vec<(String, String)>> {
        if let Some(limit) = self.limit {
            if limit == 0 || limit > MAX_TRANSACTIONS_PER_PAGE {
                return Err(Error::invalid(format!(
                    "limit must be 1 to {MAX_TRANSACTIONS_PER_PAGE}, not {limit}"
                )));
            }
        }
        let mut pairs: Vec<(&str, String)> =
            vec![("account_id", self.account_id.as_str().to_owned())];
        if let Some(since) = &self.since {
            let since = match since {
                Since::Time(t) => rfc3339(*t),
                Since::Transaction(id) => id.as_str().to_owned(),
            };
            pairs.push(("since", since));
        }
        if let Some(before) = self.before {
            pairs.push(("before", rfc3339(before)));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        for field in &self.expand {
            pairs.push(("expand[]", (*field).to_owned()));
        }
        Ok(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a limit over 100 (before any request),
    /// `Forbidden(VerificationRequired)` for history older than 90 days outside the
    /// 5 minutes after authorisation, and as [`MonzoClient::whoami`].
    pub async fn send(self) -> Result<Vec<Transaction>> {
        let mut request = ApiRequest::get("transactions").operation("list_transactions");
        for (k, v) in self.query_pairs()? {
            request = request.query(k, v);
        }
        let list: wire::Transactions = self
            .client
            .send_authed(request)
            .await?
            .json("transactions")?;
        Ok(list.transactions)
    }
}

/// The bracket-keyed form of an annotation: `metadata[<key>]=<value>` per entry.
pub(crate) fn annotate_form(metadata: &BTreeMap<String, String>) -> Vec<(String, String)> {
    metadata
        .iter()
        .map(|(k, v)| (format!("metadata[{k}]"), v.clone()))
        .collect()
}

/// The form of `POST /feed`.
pub(crate) fn feed_form(item: &FeedItem) -> Vec<(String, String)> {
    let mut form = vec![
        ("account_id".to_owned(), item.account_id.to_string()),
        ("type".to_owned(), "basic".to_owned()),
    ];
    if let Some(url) = &item.url {
        form.push(("url".to_owned(), url.clone()));
    }
    form.push(("params[title]".to_owned(), item.title.clone()));
    form.push(("params[image_url]".to_owned(), item.image_url.clone()));
    for (name, value) in [
        ("body", &item.body),
        ("background_color", &item.background_color),
        ("title_color", &item.title_color),
        ("body_color", &item.body_color),
    ] {
        if let Some(value) = value {
            form.push((format!("params[{name}]"), value.clone()));
        }
    }
    form
}

/// A positive amount in minor units for a pot move.
fn pot_amount(amount: &Money) -> Result<i64> {
    let minor = amount.to_minor()?;
    if minor <= 0 {
        return Err(Error::invalid(format!(
            "a pot move needs a positive amount, not {amount}"
        )));
    }
    Ok(minor)
}

impl MonzoClient {
    /// A builder.
    pub fn builder() -> MonzoClientBuilder {
        MonzoClientBuilder::default()
    }

    /// The clock this client waits on and reads token expiry from.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.http.clock()
    }

    /// The base URL every path is joined to.
    pub fn base_url(&self) -> &str {
        self.http.base_url().as_str()
    }

    /// The key of this client's tokens in its store.
    pub fn token_key(&self) -> &str {
        self.token.key()
    }

    /// The store holding this client's tokens.
    pub fn token_store(&self) -> &Arc<dyn TokenStore> {
        self.token.store()
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.app.client_id
    }

    // ---- OAuth -------------------------------------------------------------------------

    /// The URL to send the user to (`GET https://auth.monzo.com/?client_id=…&redirect_uri=…
    /// &response_type=code&state=…`), with a fresh random `state`.
    pub fn authorization_url(&self) -> AuthorizationRequest {
        let state = random_state();
        let mut url = self.auth_url.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &self.app.client_id)
            .append_pair("redirect_uri", &self.app.redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("state", &state);
        AuthorizationRequest {
            url: url.into(),
            state,
        }
    }

    /// `POST /oauth2/token` with `grant_type=authorization_code`: exchanges the code the
    /// redirect brought back, and stores the tokens under [`MonzoClient::token_key`].
    ///
    /// `returned_state` is the `state` of the redirect; it must equal `request.state`,
    /// otherwise nothing is sent.
    ///
    /// The new token has no permissions until the user approves the access in the Monzo app
    /// (calls answer `Forbidden(InsufficientPermissions)` until then).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a state that does not match (possible CSRF) or a bad
    /// code; `Unauthorized` for a bad client; `Storage`; network errors.
    pub async fn exchange_code(
        &self,
        code: &str,
        returned_state: &str,
        request: &AuthorizationRequest,
    ) -> Result<TokenResponse> {
        if !request.state_matches(returned_state) {
            return Err(Error::invalid(
                "the state returned with the authorization code is not the one sent (possible \
                 cross-site request forgery): the code was not exchanged",
            ));
        }
        if code.is_empty() {
            return Err(Error::invalid("the authorization code is empty"));
        }
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", self.app.client_id.as_str()),
            ("client_secret", self.app.client_secret.expose_secret()),
            ("redirect_uri", self.app.redirect_uri.as_str()),
            ("code", code),
        ];
        let response = token_grant(&self.http, &form).await?;
        let tokens = token_set(&response, self.http.clock().as_ref());
        let store = self.token.store();
        let _lock = store.lock(self.token.key()).await?;
        store.save(self.token.key(), tokens).await?;
        Ok(response)
    }

    /// `POST /oauth2/token` with `grant_type=refresh_token`, now, single-flight through the
    /// store (calls refresh by themselves when needed; this is for callers who want to).
    /// Returns when the new access token expires, where Monzo said.
    ///
    /// # Errors
    /// [`Error::ReauthorizationRequired`] when Monzo refuses the refresh token (the stored
    /// tokens are kept); `Storage`; network errors.
    pub async fn refresh_access_token(&self) -> Result<Option<DateTime<Utc>>> {
        let seen = self.token.store().load(self.token.key()).await?;
        let fresh = self.token.refresh(seen.map(|s| s.version)).await?;
        Ok(fresh.value.expires_at)
    }

    /// `POST /oauth2/logout`: invalidates the access token (it cannot be refreshed after).
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn logout(&self) -> Result<()> {
        let request = ApiRequest::post("oauth2/logout").operation("logout");
        self.send_authed(request).await?;
        Ok(())
    }

    /// `GET /ping/whoami`.
    ///
    /// # Errors
    /// `Unauthorized`, `ReauthorizationRequired` (tokens cannot be refreshed),
    /// `Forbidden(InsufficientPermissions)` (not yet approved in the app), `RateLimited`,
    /// `Timeout`, `Transport`, `Decode`, `Storage`.
    pub async fn whoami(&self) -> Result<WhoAmI> {
        let request = ApiRequest::get("ping/whoami").operation("whoami");
        self.send_authed(request).await?.json("whoami")
    }

    // ---- Accounts, balance, pots ---------------------------------------------------------

    /// `GET /accounts`, optionally only of one type (`uk_retail`, `uk_retail_joint`).
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn accounts(&self, account_type: Option<&AccountType>) -> Result<Vec<Account>> {
        let mut request = ApiRequest::get("accounts").operation("accounts");
        if let Some(account_type) = account_type {
            request = request.query("account_type", wire_text(account_type)?);
        }
        let list: wire::Accounts = self.send_authed(request).await?.json("accounts")?;
        Ok(list.accounts)
    }

    /// `GET /balance?account_id=…`.
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn balance(&self, account: &AccountId) -> Result<Balance> {
        let request = ApiRequest::get("balance")
            .operation("balance")
            .query("account_id", account.as_str());
        self.send_authed(request).await?.json("balance")
    }

    /// `GET /pots?current_account_id=…` (deleted pots included, as Monzo lists them).
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn pots(&self, current_account: &AccountId) -> Result<Vec<Pot>> {
        let request = ApiRequest::get("pots")
            .operation("pots")
            .query("current_account_id", current_account.as_str());
        let list: wire::Pots = self.send_authed(request).await?.json("pots")?;
        Ok(list.pots)
    }

    /// `PUT /pots/{pot}/deposit`: moves `amount` from `source_account` into the pot.
    ///
    /// `dedupe_id` is `key` itself: sending again with the same key (after a timeout, a
    /// crash) never moves the money twice, so the request is retried as an idempotent
    /// write.
    ///
    /// # Errors
    /// `InvalidRequest` for an amount that is not positive (before any request) or that
    /// Monzo refuses (`bad_request.unsupported_account`), and as [`MonzoClient::whoami`].
    pub async fn deposit_into_pot(
        &self,
        pot: &PotId,
        source_account: &AccountId,
        amount: Money,
        key: &IdempotencyKey,
    ) -> Result<Pot> {
        self.move_pot(
            pot,
            "deposit",
            ("source_account_id", source_account),
            amount,
            key,
        )
        .await
    }

    /// `PUT /pots/{pot}/withdraw`: moves `amount` out of the pot into
    /// `destination_account`. Idempotent by `key` as [`MonzoClient::deposit_into_pot`].
    /// Pots with added security cannot be withdrawn from through the API.
    ///
    /// # Errors
    /// As [`MonzoClient::deposit_into_pot`].
    pub async fn withdraw_from_pot(
        &self,
        pot: &PotId,
        destination_account: &AccountId,
        amount: Money,
        key: &IdempotencyKey,
    ) -> Result<Pot> {
        self.move_pot(
            pot,
            "withdraw",
            ("destination_account_id", destination_account),
            amount,
            key,
        )
        .await
    }

    /// `PUT /pots/{pot}/{direction}` with the account under `account_field`, the amount in
    /// minor units and `dedupe_id` = `key`: one request shape for both pot moves.
    async fn move_pot(
        &self,
        pot: &PotId,
        direction: &'static str,
        (account_field, account): (&'static str, &AccountId),
        amount: Money,
        key: &IdempotencyKey,
    ) -> Result<Pot> {
        let minor = pot_amount(&amount)?.to_string();
        let request = ApiRequest::new(
            Method::PUT,
            format!("pots/{}/{direction}", path_segment(pot.as_str())),
        )
        .operation(if direction == "deposit" {
            "pot_deposit"
        } else {
            "pot_withdraw"
        })
        .form(&[
            (account_field, account.as_str()),
            ("amount", minor.as_str()),
            ("dedupe_id", key.as_str()),
        ])
        .safety(RequestSafety::IdempotentWrite)
        .idempotency_key(key.as_str());
        self.send_authed(request).await?.json("pot")
    }

    // ---- Transactions --------------------------------------------------------------------

    /// `GET /transactions/{id}`, with `expand[]=merchant` when asked.
    ///
    /// # Errors
    /// `NotFound`, and as [`MonzoClient::whoami`].
    pub async fn transaction(
        &self,
        id: &TransactionId,
        expand_merchant: bool,
    ) -> Result<Transaction> {
        let mut request = ApiRequest::get(format!("transactions/{}", path_segment(id.as_str())))
            .operation("transaction");
        if expand_merchant {
            request = request.query("expand[]", "merchant");
        }
        let envelope: wire::TransactionEnvelope =
            self.send_authed(request).await?.json("transaction")?;
        Ok(envelope.transaction)
    }

    /// `GET /transactions?account_id=…`: a builder for `since`, `before`, `limit` and
    /// `expand[]=merchant`, sent with [`ListTransactions::send`].
    pub fn transactions(&self, account: &AccountId) -> ListTransactions<'_> {
        ListTransactions {
            client: self,
            account_id: account.clone(),
            since: None,
            before: None,
            limit: None,
            expand: Vec::new(),
        }
    }

    /// `PATCH /transactions/{id}`: sets `metadata[<key>]=<value>` for each entry; an empty
    /// value deletes the key; `notes` also sets the top-level `notes`.
    ///
    /// # Errors
    /// `InvalidRequest` for an empty map (before any request), and as
    /// [`MonzoClient::transaction`].
    pub async fn annotate_transaction(
        &self,
        id: &TransactionId,
        metadata: &BTreeMap<String, String>,
    ) -> Result<Transaction> {
        if metadata.is_empty() {
            return Err(Error::invalid(
                "an annotation needs at least one metadata key",
            ));
        }
        let request = ApiRequest::new(
            Method::PATCH,
            format!("transactions/{}", path_segment(id.as_str())),
        )
        .operation("annotate_transaction")
        .form(&annotate_form(metadata))
        .safety(RequestSafety::IdempotentWrite);
        let envelope: wire::TransactionEnvelope =
            self.send_authed(request).await?.json("transaction")?;
        Ok(envelope.transaction)
    }

    // ---- Feed ---------------------------------------------------------------------------

    /// `POST /feed`: a basic feed item.
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn create_feed_item(&self, item: &FeedItem) -> Result<()> {
        let request = ApiRequest::post("feed")
            .operation("feed_item")
            .form(&feed_form(item));
        self.send_authed(request).await?;
        Ok(())
    }

    // ---- Attachments ---------------------------------------------------------------------

    /// `POST /attachment/upload`: where to send a file, and the URL it will have.
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn attachment_upload_url(
        &self,
        file_name: &str,
        file_type: &str,
        content_length: u64,
    ) -> Result<AttachmentUpload> {
        let length = content_length.to_string();
        let request = ApiRequest::post("attachment/upload")
            .operation("attachment_upload")
            .form(&[
                ("file_name", file_name),
                ("file_type", file_type),
                ("content_length", length.as_str()),
            ])
            .safety(RequestSafety::IdempotentWrite);
        self.send_authed(request).await?.json("attachment upload")
    }

    /// Sends the file's bytes to `upload.upload_url` with `PUT`, `Content-Type` and
    /// `Content-Length` (an S3-style presigned URL, outside the API's base URL).
    ///
    /// This is the one request that does not go through core's HTTP client (it needs a raw
    /// body and an absolute URL): a plain `reqwest` call with the client's per-attempt
    /// timeout, sent once, without the Monzo token. Errors never show the URL (it carries
    /// a signature).
    ///
    /// # Errors
    /// `InvalidRequest` for an upload URL that is not http(s); `Timeout`; `Transport`;
    /// `Provider` with the status when the upload is refused.
    pub async fn upload_attachment(
        &self,
        upload: &AttachmentUpload,
        file_type: &str,
        bytes: Vec<u8>,
    ) -> Result<()> {
        let url = Url::parse(&upload.upload_url)
            .ok()
            .filter(|u| u.scheme() == "http" || u.scheme() == "https")
            .ok_or_else(|| Error::invalid("the attachment upload_url is not an http(s) URL"))?;
        let timeout = self.http.options().timeout;
        let length = bytes.len();
        let response = self
            .upload
            .put(url)
            .timeout(timeout)
            .header(CONTENT_TYPE, file_type)
            .header(CONTENT_LENGTH, length)
            .body(bytes)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    Error::timeout(timeout)
                } else {
                    Error::Transport {
                        message: "the attachment upload failed".to_owned(),
                        source: Some(Box::new(e.without_url())),
                    }
                }
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        Err(Error::Provider {
            status: status.as_u16(),
            code: None,
            message: "the attachment upload URL refused the file".to_owned(),
        })
    }

    /// `POST /attachment/register`: attaches an uploaded (or remote) file to a transaction.
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn register_attachment(
        &self,
        transaction: &TransactionId,
        file_url: &str,
        file_type: &str,
    ) -> Result<wire::Attachment> {
        let request = ApiRequest::post("attachment/register")
            .operation("attachment_register")
            .form(&[
                ("external_id", transaction.as_str()),
                ("file_url", file_url),
                ("file_type", file_type),
            ]);
        let envelope: wire::AttachmentEnvelope =
            self.send_authed(request).await?.json("attachment")?;
        Ok(envelope.attachment)
    }

    /// `POST /attachment/deregister`.
    ///
    /// # Errors
    /// `NotFound`, and as [`MonzoClient::whoami`].
    pub async fn deregister_attachment(&self, id: &AttachmentId) -> Result<()> {
        let request = ApiRequest::post("attachment/deregister")
            .operation("attachment_deregister")
            .form(&[("id", id.as_str())]);
        self.send_authed(request).await?;
        Ok(())
    }

    // ---- Receipts ------------------------------------------------------------------------

    /// `PUT /transaction-receipts` with a **JSON** body: creates the receipt, or updates
    /// the one with the same `external_id`.
    ///
    /// # Errors
    /// `InvalidRequest`, and as [`MonzoClient::whoami`].
    pub async fn put_receipt(&self, receipt: &Receipt) -> Result<ReceiptSaved> {
        let request = ApiRequest::new(Method::PUT, "transaction-receipts")
            .operation("put_receipt")
            .json(receipt)?
            .safety(RequestSafety::IdempotentWrite)
            .idempotency_key(receipt.external_id.as_str());
        let response = self.send_authed(request).await?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(ReceiptSaved::default());
        }
        response.json("receipt answer")
    }

    /// `GET /transaction-receipts?external_id=…`.
    ///
    /// # Errors
    /// `NotFound`, and as [`MonzoClient::whoami`].
    pub async fn receipt(&self, external_id: &ReceiptExternalId) -> Result<Receipt> {
        let request = ApiRequest::get("transaction-receipts")
            .operation("receipt")
            .query("external_id", external_id.as_str());
        let envelope: wire::ReceiptEnvelope = self.send_authed(request).await?.json("receipt")?;
        Ok(envelope.receipt)
    }

    /// `DELETE /transaction-receipts?external_id=…`.
    ///
    /// # Errors
    /// `NotFound`, and as [`MonzoClient::whoami`].
    pub async fn delete_receipt(&self, external_id: &ReceiptExternalId) -> Result<()> {
        let request = ApiRequest::new(Method::DELETE, "transaction-receipts")
            .operation("delete_receipt")
            .query("external_id", external_id.as_str());
        self.send_authed(request).await?;
        Ok(())
    }

    // ---- Webhooks ------------------------------------------------------------------------

    /// `POST /webhooks`: Monzo will POST `transaction.created` events for `account` to
    /// `url`. Monzo does not sign them: see [`crate::MonzoProvider`] for the secret-in-URL
    /// mitigation.
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn create_webhook(&self, account: &AccountId, url: &str) -> Result<Webhook> {
        let request = ApiRequest::post("webhooks")
            .operation("create_webhook")
            .form(&[("account_id", account.as_str()), ("url", url)]);
        let envelope: wire::WebhookEnvelope = self.send_authed(request).await?.json("webhook")?;
        Ok(envelope.webhook)
    }

    /// `GET /webhooks?account_id=…`.
    ///
    /// # Errors
    /// As [`MonzoClient::whoami`].
    pub async fn webhooks(&self, account: &AccountId) -> Result<Vec<Webhook>> {
        let request = ApiRequest::get("webhooks")
            .operation("webhooks")
            .query("account_id", account.as_str());
        let list: wire::Webhooks = self.send_authed(request).await?.json("webhooks")?;
        Ok(list.webhooks)
    }

    /// `DELETE /webhooks/{id}`.
    ///
    /// # Errors
    /// `NotFound`, and as [`MonzoClient::whoami`].
    pub async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        let request = ApiRequest::new(
            Method::DELETE,
            format!("webhooks/{}", path_segment(id.as_str())),
        )
        .operation("delete_webhook");
        self.send_authed(request).await?;
        Ok(())
    }

    /// Any endpoint, described by hand: the escape hatch for calls this client does not
    /// wrap. Sent with the access token like the typed calls (refreshed first when about to
    /// expire, and once more after an `expired` answer), with their retries and error
    /// mapping.
    ///
    /// ```no_run
    /// # async fn run(client: bankkit_monzo::MonzoClient) -> bankkit_core::Result<()> {
    /// use bankkit_core::http::RawRequest;
    ///
    /// let answer = client.raw(RawRequest::get("ping/whoami")).await?;
    /// println!("{}", answer.json()?["user_id"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidRequest` for a path outside the base URL (nothing is sent); otherwise as
    /// the typed calls.
    pub async fn raw(&self, request: RawRequest) -> Result<RawResponse> {
        let request = request.into_api_request()?;
        Ok(self.send_authed(request).await?.into())
    }

    /// Sends `request` with the current access token, refreshing it first when it is about
    /// to expire, and once more after an `expired` answer (core's [`ManagedToken::call`]).
    async fn send_authed(&self, request: ApiRequest) -> Result<ApiResponse> {
        let http = &self.http;
        self.token
            .call(|access_token| {
                let request = request.clone();
                async move {
                    let request = request.header(AUTHORIZATION, bearer_header(&access_token)?);
                    http.send(request, &map_error).await
                }
            })
            .await
    }
}

/// An enum's wire text (`uk_retail`).
fn wire_text<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(Error::invalid("not a text value")),
    }
}

#[cfg(test)]
mod tests;

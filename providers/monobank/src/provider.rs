//! [`MonobankProvider`]: the core traits on top of [`MonobankClient`].

mod acquiring;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bankkit_core::clock::Clock;
use bankkit_core::money::{currency_from_numeric, Currency};
use bankkit_core::payment::once::{IdempotencyStore, MemoryIdempotencyStore};
use bankkit_core::{
    Account, AccountBalance, AccountId, Balance, Capabilities, Capability, Error, PageCursor,
    Payment, Provider, Result, Statement, StatementLimits, StatementPage, StatementRequest,
    Support, Webhook, WebhookEvent, WebhookId, WebhookRegistration, WebhookRequest,
};
use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::client::{MonobankClient, PROVIDER};
use crate::convert;
use crate::webhook::{self, MerchantWebhookVerifier, PersonalWebhookVerifier, X_SIGN};
use crate::wire::ClientInfo;

/// The longest statement window: 31 days + 1 hour (monobank.md §4.4).
pub const MAX_STATEMENT_WINDOW: Duration = Duration::from_secs(2_682_000);

/// The most items one statement call returns (monobank.md §4.4).
pub const STATEMENT_PAGE_SIZE: usize = 500;

/// How long a `client-info` answer is reused: the bank allows one call per 60 s anyway.
pub const CLIENT_INFO_CACHE: Duration = Duration::from_secs(60);

/// The id of the one webhook registration a personal token has.
pub const PERSONAL_WEBHOOK_ID: &str = "personal";

/// The account id meaning "the default account" in statement paths; it is the UAH card.
const DEFAULT_ACCOUNT: &str = "0";

/// Why payments are unsupported without a merchant token.
const NO_PAYMENTS: &str =
    "no merchant_token is configured: the personal API is read-only; payments need the acquiring API";

/// Why balances and statements are unsupported without a personal token.
const NO_PERSONAL: &str = "no personal token or customer request id is configured: balances \
     and statements need the personal API or a customer's access through the provider API";

/// Why a customer handle offers no webhook.
const NO_CUSTOMER_WEBHOOK: &str = "a customer of the provider API has no personal webhook: \
     the provider API's webhook belongs to the company (ProviderApi::set_webhook)";

/// Why a provider with neither personal access nor a merchant token offers no webhook.
const NO_WEBHOOK: &str =
    "no personal token and no merchant token: there is no webhook to register or verify";

/// How a provider reads balances and statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PersonalAccess {
    /// Neither: no balances or statements.
    None,
    /// A personal token (`X-Token`): the token owner's accounts and their webhook.
    Token,
    /// A customer handle of the provider API ([`MonobankClient::for_customer`]): the
    /// customer's accounts, signed with the company's key; no personal webhook.
    Customer,
}

impl PersonalAccess {
    /// The access `client` has.
    pub fn of(client: &MonobankClient) -> Self {
        if client.is_customer_handle() {
            Self::Customer
        } else if client.has_token() {
            Self::Token
        } else {
            Self::None
        }
    }

    fn reads_accounts(self) -> bool {
        matches!(self, Self::Token | Self::Customer)
    }
}

/// What `MonobankProvider` can do with both tokens: balances, statements and webhooks
/// (personal token), and payments (merchant token).
pub fn capabilities() -> Capabilities {
    capabilities_for(PersonalAccess::Token, true)
}

/// What a provider with `personal` access and, when `merchant`, a merchant token can do.
///
/// - Balances and statements with a personal token or as a customer handle.
/// - Payments with a merchant token.
/// - Webhooks with a personal token (the personal webhook) or a merchant token (acquiring
///   webhooks are verified; each collection names its own URL). A customer handle has no
///   webhook of its own: the provider API's webhook belongs to the company.
///
/// ```
/// use bankkit_monobank::{capabilities_for, PersonalAccess};
///
/// let customer = capabilities_for(PersonalAccess::Customer, false);
/// assert!(customer.balance.is_supported() && customer.statement.is_supported());
/// assert!(!customer.webhook.is_supported() && !customer.payment.is_supported());
/// ```
pub fn capabilities_for(personal: PersonalAccess, merchant: bool) -> Capabilities {
    let reads = personal.reads_accounts();
    let mut caps = Capabilities::none(if reads { NO_PAYMENTS } else { NO_PERSONAL });
    if reads {
        caps = caps
            .with(Capability::Balance, Support::Supported)
            .with(Capability::Statement, Support::Supported);
    }
    if merchant {
        caps = caps.with_payment_operations(convert::acquiring::operations());
    } else {
        caps = caps.with(Capability::Payment, Support::unsupported(NO_PAYMENTS));
    }
    let webhook = match (personal, merchant) {
        (PersonalAccess::Token, _) | (_, true) => Support::Supported,
        (PersonalAccess::Customer, false) => Support::unsupported(NO_CUSTOMER_WEBHOOK),
        (_, false) => Support::unsupported(NO_WEBHOOK),
    };
    caps.with(Capability::Webhook, webhook)
}

/// Monobank's personal API behind the core traits: [`Balance`], [`Statement`] and
/// [`Webhook`]. Payments are not offered (the personal API is read-only).
///
/// - **Accounts** are the cards and FOP accounts of `client-info` followed by its jars
///   (accounts of managed clients are left out). One `client-info` answer is reused for
///   up to 60 s of the client's clock, so listing accounts and reading every balance costs
///   one call. Balances follow the rules in the crate docs: `available` is own money
///   (`balance - creditLimit`), `current` includes the credit limit.
/// - **Statements**: windows of at most 31 days + 1 hour, pages of at most 500 items,
///   paged by moving `to` back to the oldest item's second; walk them with
///   [`bankkit_core::statement::transactions`].
/// - **Webhooks**: one URL per token (id `"personal"`), covering every account.
///   [`Webhook::verify_and_parse`] checks that the event names one of the token's
///   accounts, and a reported (unconfirmed) `X-Sign` when present: the personal API
///   documents no signature. It does not read the URI: use a secret path segment in the
///   URL and have the receiver reject other paths itself.
///
/// Over a **customer handle** of the provider API ([`MonobankClient::for_customer`]) it
/// offers [`Balance`] and [`Statement`] for that customer exactly as with a personal token
/// (calls signed with the company's key for the customer's request id, paced per request
/// id). It has no [`Webhook`] of its own: the provider API's webhook is the company's, for
/// all its customers ([`ProviderApi::set_webhook`](crate::ProviderApi::set_webhook)); with
/// a merchant token the acquiring webhooks are still verified.
///
/// With a merchant token it also offers [`Payment`] (the acquiring API): a collection
/// without a payer is an invoice with a payment page, one from a card a direct charge
/// (`payment-direct`), one from a saved card a wallet charge; holds are finalized
/// (captured) in full or in part, an unpaid invoice is removed and a hold cancelled,
/// refunds are `invoice/cancel` with an amount and the idempotency key as `extRef`, and
/// [`Payment::find`] reads the merchant statement. Creates are kept at most once by a
/// local record ([`MonobankProvider::with_idempotency_store`]; in memory by default): a
/// direct or wallet charge whose answer was lost is looked up in the merchant statement by
/// its reference, or answers `OutcomeUnknown`; an invoice create is sent again (an invoice
/// whose page reached no one moves no money). Acquiring webhooks are verified with the
/// merchant key (`X-Sign`, ECDSA P-256 over the exact bytes).
pub struct MonobankProvider {
    client: MonobankClient,
    cache: Mutex<Option<Cached>>,
    once: Arc<dyn IdempotencyStore>,
    verifier: Option<MerchantWebhookVerifier>,
    personal_verifier: PersonalWebhookVerifier,
}

struct Cached {
    fetched_at: DateTime<Utc>,
    info: Arc<ClientInfo>,
}

impl fmt::Debug for MonobankProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonobankProvider")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl MonobankProvider {
    /// The provider over `client` (with a personal token, a merchant token or both);
    /// creates are recorded in memory.
    pub fn new(client: MonobankClient) -> Self {
        let verifier = client
            .has_merchant_token()
            .then(|| MerchantWebhookVerifier::new(client.clone()));
        let personal_verifier = PersonalWebhookVerifier::new(client.clone());
        Self {
            client,
            cache: Mutex::new(None),
            once: Arc::new(MemoryIdempotencyStore::new()),
            verifier,
            personal_verifier,
        }
    }

    /// Keeps the at-most-once records of payment creates in `store` (a
    /// [`bankkit_core::payment::once::FileIdempotencyStore`] survives restarts and is shared
    /// by processes on one machine).
    pub fn with_idempotency_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.once = store;
        self
    }

    /// The underlying client, for the endpoints the core traits do not cover.
    pub fn client(&self) -> &MonobankClient {
        &self.client
    }

    /// `client-info`, reused while younger than [`CLIENT_INFO_CACHE`] on the client's clock.
    /// Concurrent callers share one call.
    async fn client_info(&self) -> Result<(Arc<ClientInfo>, DateTime<Utc>)> {
        let mut cache = self.cache.lock().await;
        let now = self.client.clock().now();
        if let Some(cached) = cache.as_ref() {
            let age = now.signed_duration_since(cached.fetched_at);
            if age >= chrono::TimeDelta::zero()
                && age.to_std().is_ok_and(|age| age < CLIENT_INFO_CACHE)
            {
                return Ok((cached.info.clone(), cached.fetched_at));
            }
        }
        let info = Arc::new(self.client.client_info().await?);
        let fetched_at = self.client.clock().now();
        *cache = Some(Cached {
            fetched_at,
            info: info.clone(),
        });
        Ok((info, fetched_at))
    }

    /// `Unsupported` for `operation` when no personal token is configured: a merchant token
    /// registers nothing (acquiring webhooks go to each invoice's `webHookUrl`, the
    /// `callback_url` of a collection), and a customer handle has no personal webhook.
    fn require_personal(&self, operation: &str) -> Result<()> {
        if self.client.has_token() {
            Ok(())
        } else if self.client.is_customer_handle() {
            Err(Error::unsupported(
                PROVIDER,
                format!("{operation} for a customer of the provider API ({NO_CUSTOMER_WEBHOOK})"),
            ))
        } else {
            Err(Error::unsupported(
                PROVIDER,
                format!(
                    "{operation} without a personal token (acquiring webhooks go to each \
                     collection's callback_url)"
                ),
            ))
        }
    }

    /// Records a webhook change in the cached `client-info`, so `list` sees it.
    async fn remember_webhook(&self, url: &str) {
        if let Some(cached) = self.cache.lock().await.as_mut() {
            Arc::make_mut(&mut cached.info).web_hook_url = url.to_owned();
        }
    }
}

/// The currency of one of the token's own accounts or jars, if it is one.
fn own_account_currency(info: &ClientInfo, account: &str) -> Option<Result<Currency>> {
    info.accounts
        .iter()
        .find(|a| a.id == account)
        .map(|a| a.currency_code)
        .or_else(|| {
            info.jars
                .iter()
                .find(|j| j.id == account)
                .map(|j| j.currency_code)
        })
        .map(currency_from_numeric)
}

/// Whole seconds at or after `t`.
fn ceil_seconds(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

#[async_trait]
impl Balance for MonobankProvider {
    async fn accounts(&self) -> Result<Vec<Account>> {
        let (info, _) = self.client_info().await?;
        let cards = info.accounts.iter().map(convert::account);
        let jars = info.jars.iter().map(convert::jar_account);
        cards.chain(jars).collect()
    }

    async fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        let (info, as_of) = self.client_info().await?;
        if let Some(card) = info.accounts.iter().find(|a| a.id == account.as_str()) {
            return convert::account_balance(card, as_of);
        }
        if let Some(jar) = info.jars.iter().find(|j| j.id == account.as_str()) {
            return convert::jar_balance(jar, as_of);
        }
        Err(Error::NotFound {
            message: format!("account {account} is not one of this token's accounts or jars"),
        })
    }
}

#[async_trait]
impl Statement for MonobankProvider {
    fn limits(&self) -> StatementLimits {
        StatementLimits::new(Some(MAX_STATEMENT_WINDOW), Some(STATEMENT_PAGE_SIZE))
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.client.clock()
    }

    /// One statement call for `[from, to)`.
    ///
    /// Monobank's `from` and `to` are whole seconds, both inclusive, so the window is sent
    /// as `from = ceil(from)`, `to = ceil(to) - 1`. A page of 500 items continues at a
    /// cursor holding the oldest item's second (inclusive again: items at that second come
    /// back and core drops the repeats).
    ///
    /// # Errors
    /// `NotFound` for an account that is not the token's; `Provider` when 500 items share
    /// one second, which Monobank's paging cannot get past; any client error.
    async fn page(&self, request: &StatementRequest) -> Result<StatementPage> {
        let from = ceil_seconds(request.from);
        let to = match &request.cursor {
            Some(PageCursor(cursor)) => cursor.parse::<i64>().map_err(|_| {
                Error::invalid(format!("{cursor:?} is not a Monobank statement cursor"))
            })?,
            None => ceil_seconds(request.to) - 1,
        };
        if to < from {
            return Ok(StatementPage::new(Vec::new(), None));
        }
        let account = request.account.as_str();
        let currency = if account == DEFAULT_ACCOUNT {
            currency_from_numeric(980)?
        } else {
            let (info, _) = self.client_info().await?;
            own_account_currency(&info, account).ok_or_else(|| Error::NotFound {
                message: format!("account {account} is not one of this token's accounts or jars"),
            })??
        };
        let items = self.client.statement(account, from, Some(to)).await?;
        let next = if items.len() >= STATEMENT_PAGE_SIZE {
            let oldest = items.iter().map(|item| item.time).min().unwrap_or(to);
            if oldest >= to {
                return Err(Error::Provider {
                    status: 200,
                    code: Some("statement_page_stuck".to_owned()),
                    message: format!(
                        "{} statement items at second {to} of account {account}: Monobank pages \
                         by whole seconds and cannot return the rest",
                        items.len()
                    ),
                });
            }
            Some(PageCursor(oldest.to_string()))
        } else {
            None
        };
        let transactions = items
            .iter()
            .map(|item| convert::transaction(item, &request.account, currency))
            .collect::<Result<Vec<_>>>()?;
        Ok(StatementPage::new(transactions, next))
    }
}

#[async_trait]
impl Webhook for MonobankProvider {
    /// Sets the token's webhook URL (the bank first checks it answers a GET with 200).
    ///
    /// # Errors
    /// `InvalidRequest` for an `account` (the webhook covers every account of the token)
    /// or an empty URL, or when the bank's check of the URL fails.
    async fn register(
        &self,
        url: &str,
        account: Option<&AccountId>,
    ) -> Result<WebhookRegistration> {
        if account.is_some() {
            return Err(Error::invalid(
                "Monobank has one webhook per token covering every account; register it without an account",
            ));
        }
        if url.is_empty() {
            return Err(Error::invalid(
                "webhook URL must not be empty (use remove to unset it)",
            ));
        }
        self.require_personal("webhook registration")?;
        self.client.set_webhook(url).await?;
        self.remember_webhook(url).await;
        Ok(WebhookRegistration::new(
            WebhookId::new(PERSONAL_WEBHOOK_ID),
            url,
            None,
        ))
    }

    async fn list(&self) -> Result<Vec<WebhookRegistration>> {
        if !self.client.has_token() {
            // Acquiring webhooks are per invoice (its webHookUrl): nothing is registered.
            return Ok(Vec::new());
        }
        let (info, _) = self.client_info().await?;
        Ok(if info.web_hook_url.is_empty() {
            Vec::new()
        } else {
            vec![WebhookRegistration::new(
                WebhookId::new(PERSONAL_WEBHOOK_ID),
                info.web_hook_url.clone(),
                None,
            )]
        })
    }

    async fn remove(&self, id: &WebhookId) -> Result<()> {
        self.require_personal("webhook registration")?;
        if id.as_str() != PERSONAL_WEBHOOK_ID {
            return Err(Error::NotFound {
                message: format!("webhook {id}: a personal token has only {PERSONAL_WEBHOOK_ID:?}"),
            });
        }
        self.client.set_webhook("").await?;
        self.remember_webhook("").await;
        Ok(())
    }

    /// Reads an acquiring webhook (one with `X-Sign` whose body is not a personal
    /// `StatementItem` event, or any webhook when only a merchant token is configured):
    /// the signature is checked over the exact bytes with the merchant key (fetched once,
    /// fetched again once when a signature does not verify) and the body becomes a payment
    /// status event. Events may arrive out of order: keep the one that
    /// [`PaymentDetails::supersedes`](bankkit_core::PaymentDetails::supersedes) the other.
    ///
    /// Otherwise reads a personal webhook POST.
    ///
    /// The personal API documents no signature. Third parties report an `X-Sign` header
    /// (secp256k1 over SHA-256 of the exact body, base64 of the raw `r‖s`, with the bank's
    /// `serverPubKey` from `GET /bank/sync`) and an `X-Key-Id` (its `serverKeyId`); this is
    /// **unconfirmed**. When `X-Sign` is present it is checked (the key is fetched once and
    /// refetched once when a signature does not verify), and so is `X-Key-Id` when sent; a
    /// request without `X-Sign` is accepted unsigned. Then the body must be a
    /// `StatementItem` event for one of this token's accounts or jars. That uses the
    /// cached `client-info` (at most one call per 60 s). `request.uri` is not looked at,
    /// so a secret path segment in the registered URL protects the receiver only if the
    /// receiver itself rejects requests to any other path before calling this.
    ///
    /// # Errors
    /// [`Error::Signature`] for an `X-Sign` that is malformed or does not match, or an
    /// `X-Key-Id` that is not the bank's, and for an event naming an account this token
    /// does not have; [`Error::Decode`] for a body that is not a `StatementItem` event;
    /// any error of the `/bank/sync` call, or of the `client-info` call when the cached
    /// answer is older than 60 s.
    async fn verify_and_parse(&self, request: WebhookRequest<'_>) -> Result<WebhookEvent> {
        if let Some(verifier) = &self.verifier {
            let signed_acquiring =
                request.headers.contains_key(X_SIGN) && !webhook::is_personal_event(request.body);
            if signed_acquiring || !self.client.has_token() {
                let status = verifier
                    .verify_request(request.headers, request.body)
                    .await?;
                return Ok(WebhookEvent::PaymentStatus {
                    payment: convert::acquiring::details(&status)?,
                });
            }
        }
        self.personal_verifier
            .verify_request(request.headers, request.body)
            .await?;
        let event = webhook::parse(request.body)?;
        let (info, _) = self.client_info().await?;
        let currency =
            own_account_currency(&info, &event.account).ok_or_else(|| Error::Signature {
                message: format!(
                    "event for account {}, which is not one of this token's accounts or jars \
                     (the account is what an unsigned personal webhook can be checked by)",
                    event.account
                ),
            })??;
        let account_id = AccountId::new(event.account.clone());
        let transaction = convert::transaction(&event.statement_item, &account_id, currency)?;
        Ok(WebhookEvent::Transaction {
            account_id,
            transaction,
        })
    }
}

impl Provider for MonobankProvider {
    fn id(&self) -> &str {
        PROVIDER
    }

    fn name(&self) -> &str {
        match (
            PersonalAccess::of(&self.client),
            self.client.has_merchant_token(),
        ) {
            (PersonalAccess::Token, true) => "Monobank (personal and acquiring APIs)",
            (PersonalAccess::Customer, true) => {
                "Monobank (a customer through the provider API, and acquiring)"
            }
            (PersonalAccess::Customer, false) => "Monobank (a customer through the provider API)",
            (_, true) => "Monobank (acquiring API)",
            (PersonalAccess::None, false) if self.client.has_provider_key() => {
                "Monobank (provider API)"
            }
            _ => "Monobank (personal API)",
        }
    }

    fn capabilities(&self) -> Capabilities {
        capabilities_for(
            PersonalAccess::of(&self.client),
            self.client.has_merchant_token(),
        )
    }

    fn balance(&self) -> Option<&dyn Balance> {
        self.client
            .has_personal_access()
            .then_some(self as &dyn Balance)
    }

    fn statement(&self) -> Option<&dyn Statement> {
        self.client
            .has_personal_access()
            .then_some(self as &dyn Statement)
    }

    fn payment(&self) -> Option<&dyn Payment> {
        self.client
            .has_merchant_token()
            .then_some(self as &dyn Payment)
    }

    fn webhook(&self) -> Option<&dyn Webhook> {
        self.capabilities()
            .webhook
            .is_supported()
            .then_some(self as &dyn Webhook)
    }
}

#[cfg(test)]
mod tests {
    use bankkit_core::clock::ManualClock;
    use bankkit_core::secret::secret;
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const CLIENT_INFO: &str = r#"{"clientId":"c","name":"n","webHookUrl":"https://example.org/h","permissions":"psfj",
 "accounts":[{"id":"card","sendId":"s","balance":100,"creditLimit":0,"type":"black","currencyCode":980,
   "cashbackType":"UAH","maskedPan":[],"iban":"UA1"}],
 "jars":[{"id":"jar","sendId":"j","title":"t","description":"","currencyCode":840,"balance":5,"goal":0}]}"#;

    #[test]
    fn capabilities_follow_the_personal_access_and_the_merchant_token() {
        use PersonalAccess::{Customer, None as NoAccess, Token};
        // (access, merchant) -> balance & statement, payment, webhook
        for (access, merchant, reads, pays, hooks) in [
            (Token, false, true, false, true),
            (Token, true, true, true, true),
            (Customer, false, true, false, false),
            (Customer, true, true, true, true),
            (NoAccess, true, false, true, true),
            (NoAccess, false, false, false, false),
        ] {
            let caps = capabilities_for(access, merchant);
            let case = format!("{access:?} merchant={merchant}");
            assert_eq!(caps.balance.is_supported(), reads, "{case}");
            assert_eq!(caps.statement.is_supported(), reads, "{case}");
            assert_eq!(caps.payment.is_supported(), pays, "{case}");
            assert_eq!(caps.webhook.is_supported(), hooks, "{case}");
        }
    }

    fn clock() -> ManualClock {
        ManualClock::frozen_at("2026-11-01T12:00:00Z".parse().unwrap())
    }

    async fn server() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/personal/client-info"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(CLIENT_INFO, "application/json"))
            .mount(&server)
            .await;
        server
    }

    fn provider(server: &MockServer, clock: &ManualClock) -> MonobankProvider {
        MonobankProvider::new(
            MonobankClient::builder()
                .token(secret("t".repeat(44)))
                .base_url(server.uri())
                .clock(clock.shared())
                .build()
                .unwrap(),
        )
    }

    fn items(times: impl Iterator<Item = i64>) -> String {
        let items: Vec<serde_json::Value> = times
            .enumerate()
            .map(|(i, time)| {
                serde_json::json!({"id": format!("t{i}"), "time": time, "description": "d",
                    "mcc": 0, "originalMcc": 0, "hold": false, "amount": -1, "operationAmount": -1,
                    "currencyCode": 980, "commissionRate": 0, "cashbackAmount": 0, "balance": 0})
            })
            .collect();
        serde_json::to_string(&items).unwrap()
    }

    fn at(seconds: i64, nanos: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, nanos).unwrap()
    }

    async fn statement_paths(server: &MockServer) -> Vec<String> {
        server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.url.path().to_owned())
            .filter(|p| p.starts_with("/personal/statement"))
            .collect()
    }

    #[tokio::test]
    async fn half_open_window_becomes_inclusive_whole_seconds() {
        let server = server().await;
        Mock::given(path_regex("^/personal/statement/"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
            .mount(&server)
            .await;
        let provider = provider(&server, &clock());
        let request =
            StatementRequest::new(AccountId::new("card"), at(1000, 500_000_000), at(2000, 0));
        let page = provider.page(&request).await.unwrap();
        assert!(page.items.is_empty() && page.next.is_none());
        let request = StatementRequest::new(AccountId::new("jar"), at(3000, 0), at(4000, 1));
        provider.page(&request).await.unwrap();
        assert_eq!(
            statement_paths(&server).await,
            vec![
                "/personal/statement/card/1001/1999",
                "/personal/statement/jar/3000/4000"
            ]
        );
    }

    #[tokio::test]
    async fn full_page_continues_at_the_oldest_second() {
        let server = server().await;
        Mock::given(path("/personal/statement/card/1000/9999"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(items((0..500).map(|i| 9999 - i)), "application/json"),
            )
            .mount(&server)
            .await;
        let provider = provider(&server, &clock());
        let request = StatementRequest::new(AccountId::new("card"), at(1000, 0), at(10_000, 0));
        let page = provider.page(&request).await.unwrap();
        assert_eq!(page.items.len(), 500);
        assert_eq!(page.next, Some(PageCursor("9500".to_owned())));
        assert_eq!(page.items[0].amount.currency().code(), "UAH");
    }

    #[tokio::test]
    async fn full_page_within_one_second_is_an_error_not_a_loop() {
        let server = server().await;
        Mock::given(path_regex("^/personal/statement/"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(items((0..500).map(|_| 5000)), "application/json"),
            )
            .mount(&server)
            .await;
        let provider = provider(&server, &clock());
        let request = StatementRequest::new(AccountId::new("card"), at(1000, 0), at(10_000, 0))
            .with_cursor(Some(PageCursor("5000".to_owned())));
        let error = provider.page(&request).await.unwrap_err();
        assert!(
            matches!(error, Error::Provider { code: Some(ref c), .. } if c == "statement_page_stuck"),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn unknown_account_is_not_found_without_a_statement_call() {
        let server = server().await;
        let provider = provider(&server, &clock());
        let request = StatementRequest::new(AccountId::new("nope"), at(1000, 0), at(2000, 0));
        let error = provider.page(&request).await.unwrap_err();
        assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
        assert!(statement_paths(&server).await.is_empty());
    }

    #[tokio::test]
    async fn client_info_is_reused_for_sixty_seconds_of_the_clock() {
        let server = server().await;
        let clock = clock();
        let provider = provider(&server, &clock);
        provider.accounts().await.unwrap();
        Balance::balance(&provider, &AccountId::new("jar"))
            .await
            .unwrap();
        assert_eq!(provider.list().await.unwrap().len(), 1);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
        clock.advance(CLIENT_INFO_CACHE);
        provider.accounts().await.unwrap();
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn webhook_register_and_remove_update_the_listing() {
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/personal/webhook"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
            .mount(&server)
            .await;
        let provider = provider(&server, &clock());
        assert_eq!(
            provider.list().await.unwrap()[0].url,
            "https://example.org/h"
        );
        provider
            .register("https://example.org/new", None)
            .await
            .unwrap();
        assert_eq!(
            provider.list().await.unwrap()[0].url,
            "https://example.org/new"
        );
        provider
            .remove(&WebhookId::new(PERSONAL_WEBHOOK_ID))
            .await
            .unwrap();
        assert!(provider.list().await.unwrap().is_empty());
        let error = provider.remove(&WebhookId::new("other")).await.unwrap_err();
        assert!(matches!(error, Error::NotFound { .. }));
        let error = provider
            .register("https://example.org/x", Some(&AccountId::new("card")))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidRequest { .. }));
    }

    const PERSONAL_EVENT: &str = r#"{"type":"StatementItem","data":{"account":"card","statementItem":{"id":"Tx1","time":1761998400,
 "description":"d","mcc":4829,"originalMcc":4829,"hold":false,"amount":-100,"operationAmount":-100,
 "currencyCode":980,"commissionRate":0,"cashbackAmount":0,"balance":0}}}"#;

    /// `/bank/sync` answering with `bank`'s public key under `key_id` (`times` times, or
    /// always).
    async fn mount_bank_sync(
        server: &MockServer,
        bank: &crate::ProviderKey,
        key_id: &str,
        times: Option<u64>,
    ) {
        let mock = Mock::given(method("GET"))
            .and(path("/bank/sync"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "serverKeyId": key_id,
                "serverPubKey": bank.public_key().to_base64(),
                "serverTimeMsec": 1_761_998_400_000_i64,
            })));
        match times {
            Some(n) => mock.up_to_n_times(n).mount(server).await,
            None => mock.mount(server).await,
        }
    }

    fn signed(x_sign: &str, key_id: Option<&str>) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert("X-Sign", http::HeaderValue::from_str(x_sign).unwrap());
        if let Some(key_id) = key_id {
            headers.insert("X-Key-Id", http::HeaderValue::from_str(key_id).unwrap());
        }
        headers
    }

    async fn requests_to(server: &MockServer, wanted: &str) -> usize {
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == wanted)
            .count()
    }

    fn bank_key(seed: u8) -> crate::ProviderKey {
        crate::ProviderKey::from_bytes(&[seed; 32]).unwrap()
    }

    #[tokio::test]
    async fn signed_personal_webhooks_are_verified_and_unsigned_ones_accepted() {
        let bank = bank_key(7);
        let server = server().await;
        mount_bank_sync(&server, &bank, bank.key_id(), None).await;
        let provider = provider(&server, &clock());
        let body = PERSONAL_EVENT.as_bytes();
        let x_sign = bank.sign_message(body);

        for key_id in [Some(bank.key_id()), None] {
            let headers = signed(&x_sign, key_id);
            let event = provider
                .verify_and_parse(WebhookRequest::new(&headers, body))
                .await
                .unwrap();
            assert!(
                matches!(event, WebhookEvent::Transaction { ref account_id, .. } if account_id.as_str() == "card"),
                "{event:?}"
            );
        }
        assert_eq!(
            requests_to(&server, "/bank/sync").await,
            1,
            "the key is cached"
        );

        let mut changed = body.to_vec();
        let at = changed.iter().position(|b| *b == b'1').unwrap();
        changed[at] = b'2';
        let headers = signed(&x_sign, Some(bank.key_id()));
        let e = provider
            .verify_and_parse(WebhookRequest::new(&headers, &changed))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Signature { .. }), "{e:?}");

        let unsigned = http::HeaderMap::new();
        let event = provider
            .verify_and_parse(WebhookRequest::new(&unsigned, &changed))
            .await
            .unwrap();
        assert!(matches!(event, WebhookEvent::Transaction { .. }));

        for x_sign in ["", "not base64!", "AAAA", &bank_key(8).sign_message(body)] {
            let headers = signed(x_sign, None);
            let e = provider
                .verify_and_parse(WebhookRequest::new(&headers, body))
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Signature { .. }), "{x_sign:?}: {e:?}");
        }
    }

    #[tokio::test]
    async fn another_key_id_is_rejected() {
        let bank = bank_key(7);
        let server = server().await;
        mount_bank_sync(&server, &bank, bank.key_id(), None).await;
        let provider = provider(&server, &clock());
        let body = PERSONAL_EVENT.as_bytes();
        let headers = signed(&bank.sign_message(body), Some(bank_key(8).key_id()));
        let e = provider
            .verify_and_parse(WebhookRequest::new(&headers, body))
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Signature { ref message } if message.contains("X-Key-Id")),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn a_rotated_server_key_is_refetched_once() {
        let (old, new) = (bank_key(7), bank_key(8));
        let server = server().await;
        mount_bank_sync(&server, &old, old.key_id(), Some(1)).await;
        mount_bank_sync(&server, &new, new.key_id(), None).await;
        let clock = clock();
        let provider = provider(&server, &clock);
        let body = PERSONAL_EVENT.as_bytes();
        for (bank, wait) in [(&old, 61), (&new, 0), (&new, 0)] {
            let headers = signed(&bank.sign_message(body), Some(bank.key_id()));
            provider
                .verify_and_parse(WebhookRequest::new(&headers, body))
                .await
                .unwrap();
            // A failing signature refetches the key at most once per 60 s.
            clock.advance(Duration::from_secs(wait));
        }
        assert_eq!(requests_to(&server, "/bank/sync").await, 2);
    }

    #[tokio::test]
    async fn a_signed_personal_webhook_stays_personal_with_a_merchant_token() {
        let bank = bank_key(7);
        let server = server().await;
        mount_bank_sync(&server, &bank, bank.key_id(), None).await;
        let provider = MonobankProvider::new(
            MonobankClient::builder()
                .token(secret("t".repeat(44)))
                .merchant_token(secret("m".repeat(44)))
                .base_url(server.uri())
                .clock(clock().shared())
                .build()
                .unwrap(),
        );
        let body = PERSONAL_EVENT.as_bytes();
        let headers = signed(&bank.sign_message(body), Some(bank.key_id()));
        let event = provider
            .verify_and_parse(WebhookRequest::new(&headers, body))
            .await
            .unwrap();
        assert!(
            matches!(event, WebhookEvent::Transaction { .. }),
            "{event:?}"
        );
        assert_eq!(requests_to(&server, "/api/merchant/pubkey").await, 0);

        let acquiring = br#"{"invoiceId":"p2_1","status":"success","amount":100,"ccy":980}"#;
        let headers = signed(&bank.sign_message(acquiring), None);
        let e = provider
            .verify_and_parse(WebhookRequest::new(&headers, acquiring))
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Signature { ref message } if message.contains("DER")),
            "an acquiring body goes to the merchant verifier: {e:?}"
        );
    }
}

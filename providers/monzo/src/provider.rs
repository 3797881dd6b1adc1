//! [`MonzoProvider`]: the core traits on top of [`MonzoClient`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bankkit_core::clock::Clock;
use bankkit_core::money::Money;
use bankkit_core::secret::SecretString;
use bankkit_core::{
    Account, AccountBalance, AccountId, Balance, Capabilities, Capability, Error, IdempotencyKey,
    PageCursor, Provider, Result, Statement, StatementLimits, StatementPage, StatementRequest,
    Support, TransactionId, Webhook, WebhookEvent, WebhookId, WebhookRegistration, WebhookRequest,
};

use crate::client::{MonzoClient, Since, MAX_TRANSACTIONS_PER_PAGE, PROVIDER};
use crate::ids::PotId;
use crate::wire::{self, AccountType, Pot};
use crate::{convert, webhook};

/// How far back Monzo serves transactions once the 5 minutes after authorisation are over.
pub const HISTORY_WINDOW: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// Why payments are unsupported.
pub const NO_PAYMENTS: &str = "Monzo's developer API moves money only between an account and \
                               its own pots: use MonzoClient::deposit_into_pot and \
                               withdraw_from_pot (idempotent by dedupe_id)";

/// What `MonzoProvider` can do: balances (accounts and pots), statements and webhooks; no
/// payments.
pub fn capabilities() -> Capabilities {
    Capabilities::none(NO_PAYMENTS)
        .with(Capability::Balance, Support::Supported)
        .with(Capability::Statement, Support::Supported)
        .with(Capability::Webhook, Support::Supported)
}

/// Monzo's developer API behind the core traits: [`Balance`], [`Statement`] and
/// [`Webhook`]. [`Provider::payment`] is `None`: money moves only into and out of pots,
/// through [`MonzoProvider::deposit_into_pot`] and [`MonzoProvider::withdraw_from_pot`].
///
/// - **Accounts**: every account Monzo lists (`uk_retail` and `uk_retail_joint` are
///   `Current`, `uk_business` is `Business`, the rest `Other`), each followed by its pots
///   as `Savings` accounts named after the pot (deleted pots left out).
/// - **Balances**: `available` is `balance`, `total` is `total_balance` (pots included),
///   `spend_today` as Monzo reports it; a pot id gives the pot's balance and goal.
/// - **Statements**: `GET /transactions` with `since` (the window start, then the last
///   transaction id of a full page), `before` (the window end) and `limit=100`. Monzo serves
///   90 days of history outside the 5 minutes after authorisation; an older range is
///   `Forbidden(VerificationRequired)`, never an empty list. Settled is `Booked`, an
///   unsettled (`settled: ""`) one `Pending`, one with a decline reason `Declined`.
/// - **Webhooks**: one registration per account; `None` registers on the first open
///   `uk_retail` account. Monzo does not sign deliveries: with a webhook secret
///   ([`MonzoProvider::with_webhook_secret`]) the URL is registered with `?secret=…` and
///   [`Webhook::verify_and_parse`] checks it; without one (an empty or blank secret counts
///   as none) it refuses every delivery. Registrations are shown without any `secret`
///   query pair, whatever its value (one registered with an older secret included).
pub struct MonzoProvider {
    client: MonzoClient,
    webhook_secret: Option<SecretString>,
}

impl fmt::Debug for MonzoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonzoProvider")
            .field("client", &self.client)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

impl MonzoProvider {
    /// The provider over `client`, without a webhook secret.
    pub fn new(client: MonzoClient) -> Self {
        Self {
            client,
            webhook_secret: None,
        }
    }

    /// Sets the secret that `register` puts into webhook URLs and `verify_and_parse`
    /// requires. An empty or blank secret is no secret: it leaves the provider without one,
    /// so `register` sends the URL as given and `verify_and_parse` refuses every delivery.
    pub fn with_webhook_secret(mut self, secret: SecretString) -> Self {
        self.webhook_secret = webhook::usable(Some(&secret)).cloned();
        self
    }

    /// The underlying client, for the endpoints the core traits do not cover.
    pub fn client(&self) -> &MonzoClient {
        &self.client
    }

    /// Moves `amount` from `account` into `pot`; see [`MonzoClient::deposit_into_pot`].
    ///
    /// # Errors
    /// As [`MonzoClient::deposit_into_pot`].
    pub async fn deposit_into_pot(
        &self,
        pot: &PotId,
        account: &AccountId,
        amount: Money,
        key: &IdempotencyKey,
    ) -> Result<Pot> {
        self.client
            .deposit_into_pot(pot, account, amount, key)
            .await
    }

    /// Moves `amount` out of `pot` into `account`; see [`MonzoClient::withdraw_from_pot`].
    ///
    /// # Errors
    /// As [`MonzoClient::withdraw_from_pot`].
    pub async fn withdraw_from_pot(
        &self,
        pot: &PotId,
        account: &AccountId,
        amount: Money,
        key: &IdempotencyKey,
    ) -> Result<Pot> {
        self.client
            .withdraw_from_pot(pot, account, amount, key)
            .await
    }

    /// The account used when `register` gets no account: the first open `uk_retail`.
    async fn default_account(&self) -> Result<AccountId> {
        self.client
            .accounts(None)
            .await?
            .into_iter()
            .find(|a| !a.closed && a.account_type == Some(AccountType::UkRetail))
            .map(|a| a.id)
            .ok_or_else(|| {
                Error::invalid(
                    "this user has no open uk_retail account to register the webhook on: pass \
                     an account",
                )
            })
    }

    fn registration(&self, hook: wire::Webhook) -> WebhookRegistration {
        let url = webhook::without_secret(&hook.url);
        WebhookRegistration::new(hook.id, url, Some(hook.account_id))
    }
}

#[async_trait]
impl Balance for MonzoProvider {
    async fn accounts(&self) -> Result<Vec<Account>> {
        let mut out = Vec::new();
        for account in self.client.accounts(None).await? {
            out.push(convert::account(&account)?);
            if convert::has_pots(&account) {
                for pot in self.client.pots(&account.id).await? {
                    if !pot.deleted {
                        out.push(convert::pot_account(&pot)?);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        let accounts = self.client.accounts(None).await?;
        if accounts.iter().any(|a| a.id == *account) {
            let balance = self.client.balance(account).await?;
            return convert::account_balance(account, &balance, self.client.clock().now());
        }
        for owner in accounts.iter().filter(|a| convert::has_pots(a)) {
            let pots = self.client.pots(&owner.id).await?;
            if let Some(pot) = pots.iter().find(|p| p.id == account.as_str() && !p.deleted) {
                return convert::pot_balance(pot, self.client.clock().now());
            }
        }
        Err(Error::NotFound {
            message: format!("{account} is not one of this user's accounts or pots"),
        })
    }
}

#[async_trait]
impl Statement for MonzoProvider {
    fn limits(&self) -> StatementLimits {
        StatementLimits::new(None, Some(MAX_TRANSACTIONS_PER_PAGE as usize))
            .with_history(HISTORY_WINDOW)
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.client.clock()
    }

    /// One `GET /transactions` call: `since` = the cursor's transaction id or the window
    /// start, `before` = the window end, `limit=100`. A full page continues after its last
    /// transaction. Items outside `[from, to)` are dropped.
    ///
    /// # Errors
    /// `Forbidden(VerificationRequired)` for history Monzo no longer serves without a new
    /// authentication (older than 90 days), and any client error.
    async fn page(&self, request: &StatementRequest) -> Result<StatementPage> {
        let since = match &request.cursor {
            Some(PageCursor(id)) => Since::Transaction(TransactionId::new(id.as_str())),
            None => Since::Time(request.from),
        };
        let items = self
            .client
            .transactions(&request.account)
            .since(since)
            .before(request.to)
            .limit(MAX_TRANSACTIONS_PER_PAGE)
            .send()
            .await?;
        let full = items.len() >= MAX_TRANSACTIONS_PER_PAGE as usize;
        let next = match items.last() {
            Some(last) if full => Some(PageCursor(last.id.to_string())),
            _ => None,
        };
        let transactions = items
            .iter()
            .filter(|t| t.created >= request.from && t.created < request.to)
            .map(|t| convert::transaction(t, &request.account))
            .collect::<Result<Vec<_>>>()?;
        Ok(StatementPage::new(transactions, next))
    }
}

#[async_trait]
impl Webhook for MonzoProvider {
    /// `POST /webhooks` for `account` (`None`: the first open `uk_retail` account). With a
    /// webhook secret the URL is registered with `?secret=…` appended; the returned
    /// registration shows the URL without it.
    ///
    /// # Errors
    /// `InvalidRequest` when there is no default account, or (with a webhook secret) the URL
    /// is not absolute or has a fragment, and any client error.
    async fn register(
        &self,
        url: &str,
        account: Option<&AccountId>,
    ) -> Result<WebhookRegistration> {
        if url.is_empty() {
            return Err(Error::invalid("webhook URL must not be empty"));
        }
        let account = match account {
            Some(account) => account.clone(),
            None => self.default_account().await?,
        };
        let registered = match &self.webhook_secret {
            Some(secret) => webhook::with_secret(url, secret)?,
            None => url.to_owned(),
        };
        let hook = self.client.create_webhook(&account, &registered).await?;
        Ok(self.registration(hook))
    }

    /// The webhooks of every open account, their URLs without any `secret` query pair.
    async fn list(&self) -> Result<Vec<WebhookRegistration>> {
        let mut out = Vec::new();
        for account in self.client.accounts(None).await? {
            if account.closed {
                continue;
            }
            for hook in self.client.webhooks(&account.id).await? {
                out.push(self.registration(hook));
            }
        }
        Ok(out)
    }

    async fn remove(&self, id: &WebhookId) -> Result<()> {
        self.client.delete_webhook(id).await
    }

    /// Checks the webhook secret in the request's URI, then reads the body:
    /// `transaction.created` becomes [`WebhookEvent::Transaction`], anything else
    /// [`WebhookEvent::Other`].
    ///
    /// # Errors
    /// [`Error::Signature`] without a configured secret (Monzo signs nothing), without the
    /// request URI, or for a missing or wrong secret; [`Error::Decode`] for a body that is
    /// not a Monzo event, or a `transaction.created` without `account_id`.
    async fn verify_and_parse(&self, request: WebhookRequest<'_>) -> Result<WebhookEvent> {
        webhook::verify(&request, self.webhook_secret.as_ref())?;
        webhook::parse(request.body)
    }
}

impl Provider for MonzoProvider {
    fn id(&self) -> &str {
        PROVIDER
    }

    fn name(&self) -> &str {
        "Monzo (developer API)"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn balance(&self) -> Option<&dyn Balance> {
        Some(self)
    }

    fn statement(&self) -> Option<&dyn Statement> {
        Some(self)
    }

    fn webhook(&self) -> Option<&dyn Webhook> {
        Some(self)
    }
}

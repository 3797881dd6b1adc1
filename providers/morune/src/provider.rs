//! [`MoruneProvider`]: the core traits on top of [`MoruneClient`].

use std::fmt;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::once::{
    fingerprint, AtMostOnceCall, IdempotencyStore, MemoryIdempotencyStore,
};
use bankkit_core::payment::{AtMostOnce, CaptureMode, PaymentOperation, PaymentOperations};
use bankkit_core::{
    Account, AccountBalance, AccountId, AccountKind, Balance, Capabilities, Capability,
    CollectRequest, Error, IdempotencyKey, Payment, PaymentDetails, PaymentId, PaymentKind,
    PayoutRequest, Provider, Result, Support, Webhook, WebhookEvent, WebhookId,
    WebhookRegistration, WebhookRequest,
};
use chrono::{FixedOffset, Offset, Utc};

use crate::client::{Lookup, MoruneClient, PROVIDER};
use crate::convert::{self, Fingerprint, INVOICE, PAYOFF};
use crate::webhook::{self, Kind, SIGNATURE_HEADER};
use crate::wire::{PaymentWebhook, PayoffWebhook};

/// Why statements are unsupported.
pub const NO_STATEMENTS: &str =
    "Morune has no transaction-list endpoint: read each invoice's or payoff's status instead";

/// The id of the one webhook "registration": the default `hook_url` (see
/// [`MoruneProvider`]).
pub const HOOK_URL_REGISTRATION: &str = "hook_url";

/// Another name of the one account, the user balance, beside its `user_id` (which is the
/// id `accounts` lists).
pub const USER_ACCOUNT: &str = "user";

/// Moscow time, +03:00: how zone-less times are read unless configured otherwise (an
/// integrator's assumption; Morune does not say).
pub fn moscow() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).unwrap_or_else(|| Utc.fix())
}

/// What a provider with both credential families can do: collect through a payment page,
/// pay out, find either by the caller's reference (kept at most once by looking the
/// `order_id` up: [`AtMostOnce::LookupByReference`]), the user balance, signed webhooks; no
/// statements, holds, captures, cancels or refunds.
pub fn capabilities() -> Capabilities {
    capabilities_for(true, true)
}

/// What a provider with the shop credentials (`shop`) and/or the user credentials (`user`)
/// can do.
pub fn capabilities_for(shop: bool, user: bool) -> Capabilities {
    let mut offered = Vec::new();
    if shop {
        offered.push(PaymentOperation::CollectPage);
    }
    if user {
        offered.push(PaymentOperation::PayOut);
    }
    if shop || user {
        offered.push(PaymentOperation::Find);
    }
    let operations = if offered.is_empty() {
        PaymentOperations::default()
    } else {
        PaymentOperations::new(offered, AtMostOnce::LookupByReference)
    };
    let mut caps = Capabilities::none(NO_STATEMENTS).with_payment_operations(operations);
    caps = caps.with(
        Capability::Balance,
        if user {
            Support::Supported
        } else {
            Support::unsupported("the user balance needs user_id and user_api_key")
        },
    );
    caps = caps.with(
        Capability::Webhook,
        if shop || user {
            Support::Supported
        } else {
            Support::unsupported("no credentials are configured")
        },
    );
    if !shop && !user {
        caps = caps.with(
            Capability::Payment,
            Support::unsupported(
                "invoices need shop_id and api_key, payoffs user_id and user_api_key",
            ),
        );
    }
    caps
}

/// Morune behind the core traits: [`Balance`], [`Payment`] and [`Webhook`].
///
/// - **Balance**: one account, the user balance, with the `user_id` as its id (also
///   reachable as [`USER_ACCOUNT`]), in RUB: `total` = `balance`,
///   `available` = `active_balance`, `pending` = `freeze_balance` (frozen). Needs the
///   user credentials.
/// - **Collect** (no payer): `POST /invoice/create`; the answer's `url` is the
///   `payment_url`, `expires_at` follows `expired` (else `expire` minutes, default 300).
///   A lifetime over 7200 minutes is refused before sending; holds and payers are
///   `Unsupported`. `callback_url` (or the default hook URL) is `hook_url`,
///   `redirect_url` both `success_url` and `fail_url`, `description` the `comment`,
///   metadata `custom_fields` (a JSON text).
/// - **Pay out**: `POST /payoff/create` in RUB to a card (`service` `card`, `wallet_to`
///   the number), a phone at an SBP bank (`sbp`, `payoff_data.sbp_bank_type` from
///   [`bankkit_core::payment::Phone::bank`]) or a wallet (`service` = the wallet's
///   service); [`bankkit_core::payment::FeePayer::Sender`] is `subtract: 1` (fee from the
///   balance), `Payee` is `subtract: 2` (fee from the amount).
/// - **Status** by [`PaymentId`]: resource `invoice` (collections, by `invoice_id`) or
///   `payoff` (payouts, by `payoff_id`). **Find** by the caller's reference = `order_id`
///   (`None` on 404).
/// - **At most once**: the `order_id` is the caller's reference, else the idempotency
///   key. A create first looks its `order_id` up and returns the payment found (a
///   `Conflict` when its amount differs); only when Morune answers 404 is it sent, once
///   (never retried by the client). An earlier send with no known outcome is looked up
///   again before anything is sent ([`AtMostOnceCall::run_with_lookup`] over the
///   configured [`IdempotencyStore`], in memory by default). So a retry after a lost answer
///   finds the invoice or payoff and never creates a second one.
/// - **Webhooks**: Morune has no registration API (`hook_url` per create, else the shop's
///   setting). [`Webhook::register`] sets the default `hook_url` sent with creates that have
///   no `callback_url`; [`Webhook::list`] returns it (id `hook_url`), [`Webhook::remove`]
///   clears it. [`Webhook::verify_and_parse`] checks `x-api-sha256-signature` (payment
///   webhooks with the shop's additional key, payoff webhooks with the user's) and returns
///   the payment's status.
/// - No statements.
pub struct MoruneProvider {
    client: MoruneClient,
    once: Arc<dyn IdempotencyStore>,
    offset: FixedOffset,
    hook_url: RwLock<Option<String>>,
}

impl fmt::Debug for MoruneProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MoruneProvider")
            .field("client", &self.client)
            .field("once", &self.once)
            .field("offset", &self.offset)
            .field("hook_url", &self.hook_url())
            .finish()
    }
}

impl MoruneProvider {
    /// The provider over `client`, with an in-memory idempotency record and Moscow time.
    pub fn new(client: MoruneClient) -> Self {
        Self {
            client,
            once: Arc::new(MemoryIdempotencyStore::new()),
            offset: moscow(),
            hook_url: RwLock::new(None),
        }
    }

    /// Keeps idempotency records in `store` (a file store keeps them across restarts).
    pub fn with_idempotency_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.once = store;
        self
    }

    /// Reads Morune's zone-less times at `offset` (default +03:00).
    pub fn with_utc_offset(mut self, offset: FixedOffset) -> Self {
        self.offset = offset;
        self
    }

    /// Sets the default `hook_url` for creates without a `callback_url`.
    pub fn with_hook_url(self, url: impl Into<String>) -> Self {
        *self
            .hook_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(url.into());
        self
    }

    /// The underlying client, for the endpoints the core traits do not cover (tariffs, SBP
    /// banks).
    pub fn client(&self) -> &MoruneClient {
        &self.client
    }

    /// The default `hook_url`, if set.
    pub fn hook_url(&self) -> Option<String> {
        self.hook_url
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn hook_for(&self, explicit: Option<&str>) -> Option<String> {
        explicit
            .filter(|u| !u.trim().is_empty())
            .map(str::to_owned)
            .or_else(|| self.hook_url())
    }

    fn require_shop(&self, operation: &str) -> Result<()> {
        match self.client.shop() {
            Some(_) => Ok(()),
            None => Err(Error::unsupported(
                PROVIDER,
                format!("{operation} (no shop_id and api_key are configured)"),
            )),
        }
    }

    fn require_user(&self, operation: &str) -> Result<()> {
        match self.client.user() {
            Some(_) => Ok(()),
            None => Err(Error::unsupported(
                PROVIDER,
                format!("{operation} (no user_id and user_api_key are configured)"),
            )),
        }
    }

    /// The invoice with `order_id`, `None` when Morune has none.
    async fn find_invoice(&self, order_id: &str) -> Result<Option<PaymentDetails>> {
        match self
            .client
            .invoice(&Lookup::OrderId(order_id.to_owned()))
            .await
        {
            Ok(invoice) => convert::invoice(&invoice, self.offset).map(Some),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The payoff with `order_id`, `None` when Morune has none.
    async fn find_payoff(&self, order_id: &str) -> Result<Option<PaymentDetails>> {
        match self
            .client
            .payoff(&Lookup::OrderId(order_id.to_owned()))
            .await
        {
            Ok(payoff) => convert::payoff(&payoff, self.offset).map(Some),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A create kept at most once through its `order_id`: look it up, send only when
    /// Morune has none; after an unknown outcome, look it up again first.
    #[allow(clippy::too_many_arguments)]
    async fn once<F, Fut, L, LF>(
        &self,
        operation: &str,
        key: &IdempotencyKey,
        amount: &Money,
        order_id: &str,
        print: &str,
        moves_money: bool,
        find: L,
        create: F,
    ) -> Result<PaymentDetails>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<PaymentDetails>>,
        L: Fn() -> LF,
        LF: Future<Output = Result<Option<PaymentDetails>>>,
    {
        let same = |found: PaymentDetails| -> Result<PaymentDetails> {
            if found.amount != *amount {
                return Err(Error::Conflict {
                    message: format!(
                        "the order_id {order_id} belongs to {} of {}, not {amount}",
                        found.id, found.amount
                    ),
                });
            }
            Ok(found)
        };
        AtMostOnceCall::new(
            self.once.as_ref(),
            &format!("{PROVIDER}:{operation}"),
            key,
            print,
            self.client.clock().now(),
        )
        .moves_money(moves_money)
        .run_with_lookup(
            || async {
                if let Some(found) = find().await? {
                    tracing::info!(
                        order_id,
                        "found an earlier {operation} with this order_id; not sending"
                    );
                    return same(found);
                }
                create().await
            },
            || async { find().await?.map(same).transpose() },
        )
        .await
    }
}

impl Provider for MoruneProvider {
    fn id(&self) -> &str {
        PROVIDER
    }

    fn name(&self) -> &str {
        "Morune"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities_for(self.client.shop().is_some(), self.client.user().is_some())
    }

    fn balance(&self) -> Option<&dyn Balance> {
        self.client.user().map(|_| self as &dyn Balance)
    }

    fn payment(&self) -> Option<&dyn Payment> {
        if self.client.shop().is_some() || self.client.user().is_some() {
            Some(self)
        } else {
            None
        }
    }

    fn webhook(&self) -> Option<&dyn Webhook> {
        if self.client.shop().is_some() || self.client.user().is_some() {
            Some(self)
        } else {
            None
        }
    }
}

#[async_trait]
impl Balance for MoruneProvider {
    /// The one account, the user balance, with the `user_id` as its id. The balance is read
    /// (one request) so that wrong credentials surface here and not on the first payment.
    async fn accounts(&self) -> Result<Vec<Account>> {
        self.require_user("balance")?;
        let user_id = self
            .client
            .user()
            .map(|u| u.user_id.clone())
            .unwrap_or_default();
        self.client.balance().await?;
        Ok(vec![Account::new(
            AccountId::new(user_id.clone()),
            AccountKind::Wallet,
            "user balance",
            currency_from_code("RUB")?,
        )
        .with_name("Morune user balance")
        .with_identifiers([user_id])])
    }

    async fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        self.require_user("balance")?;
        let user_id = self
            .client
            .user()
            .map(|u| u.user_id.as_str())
            .unwrap_or_default();
        if account.as_str() != user_id && account.as_str() != USER_ACCOUNT {
            return Err(Error::NotFound {
                message: format!(
                    "no Morune account {account}: the one account is the user balance, {user_id}"
                ),
            });
        }
        let balance = self.client.balance().await?;
        let rub = currency_from_code("RUB")?;
        let mut out = AccountBalance::new(
            account.clone(),
            Money::new(balance.active_balance.decimal(), rub)?,
            self.client.clock().now(),
        );
        out.total = Some(Money::new(balance.balance.decimal(), rub)?);
        out.pending = Some(Money::new(balance.freeze_balance.decimal(), rub)?);
        Ok(out)
    }
}

#[async_trait]
impl Payment for MoruneProvider {
    fn provider_id(&self) -> &str {
        PROVIDER
    }

    /// An invoice with a payment page (no payer). Kept at most once through its
    /// `order_id` (see [`MoruneProvider`]).
    async fn collect(&self, request: CollectRequest) -> Result<PaymentDetails> {
        self.require_shop("collect")?;
        if request.capture == CaptureMode::Hold {
            return Err(Error::unsupported(
                PROVIDER,
                "holds (an invoice is paid at once)",
            ));
        }
        if let Some(payer) = &request.payer {
            return Err(Error::unsupported(
                PROVIDER,
                format!(
                    "collect from a {} (Morune collects through its payment page: leave the \
                     payer out)",
                    payer.kind()
                ),
            ));
        }
        let order_id = convert::order_id(request.reference.as_deref(), &request.idempotency_key);
        let body = convert::invoice_create(
            &request,
            &order_id,
            self.hook_for(request.callback_url.as_deref()),
        )?;
        let print = fingerprint(&Fingerprint::new(
            "invoice",
            &request.amount,
            &order_id,
            None,
        ))?;
        self.once(
            "invoice",
            &request.idempotency_key,
            &request.amount,
            &order_id,
            &print,
            false,
            || self.find_invoice(&order_id),
            || async {
                let created = self.client.create_invoice(&body).await?;
                convert::created_invoice(
                    &created,
                    &request,
                    &order_id,
                    self.client.clock().now(),
                    self.offset,
                )
            },
        )
        .await
    }

    /// A payoff (money leaves at once). Kept at most once through its `order_id`.
    async fn pay_out(&self, request: PayoutRequest) -> Result<PaymentDetails> {
        self.require_user("pay_out")?;
        let order_id = convert::order_id(request.reference.as_deref(), &request.idempotency_key);
        let body = convert::payoff_create(
            &request,
            &order_id,
            self.hook_for(request.callback_url.as_deref()),
        )?;
        let print = fingerprint(&Fingerprint::new(
            "payoff",
            &request.amount,
            &order_id,
            Some(&request.payee),
        ))?;
        self.once(
            "payoff",
            &request.idempotency_key,
            &request.amount,
            &order_id,
            &print,
            true,
            || self.find_payoff(&order_id),
            || async {
                let created = self.client.create_payoff(&body).await?;
                convert::created_payoff(&created, &request, &order_id, self.client.clock().now())
            },
        )
        .await
    }

    async fn status(&self, id: &PaymentId) -> Result<PaymentDetails> {
        match (id.kind(), id.resource()) {
            (PaymentKind::Collection, INVOICE) => {
                self.require_shop("invoice status")?;
                let invoice = self.client.invoice(&Lookup::Id(id.id().to_owned())).await?;
                convert::invoice(&invoice, self.offset)
            }
            (PaymentKind::Payout, PAYOFF) => {
                self.require_user("payoff status")?;
                let payoff = self.client.payoff(&Lookup::Id(id.id().to_owned())).await?;
                convert::payoff(&payoff, self.offset)
            }
            _ => Err(Error::NotFound {
                message: format!("{id} is not a Morune invoice or payoff"),
            }),
        }
    }

    async fn find(&self, kind: PaymentKind, reference: &str) -> Result<Option<PaymentDetails>> {
        match kind {
            PaymentKind::Collection => {
                self.require_shop("find invoices")?;
                self.find_invoice(reference).await
            }
            PaymentKind::Payout => {
                self.require_user("find payoffs")?;
                self.find_payoff(reference).await
            }
            _ => Ok(None),
        }
    }
}

#[async_trait]
impl Webhook for MoruneProvider {
    /// Sets the default `hook_url` (Morune has no registration endpoint): sent with every
    /// later create that has no `callback_url`. `account` is ignored.
    async fn register(
        &self,
        url: &str,
        _account: Option<&AccountId>,
    ) -> Result<WebhookRegistration> {
        bankkit_core::validate::http_url(url, "url").map_err(|e| Error::invalid(e.to_string()))?;
        *self
            .hook_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(url.to_owned());
        Ok(WebhookRegistration::new(
            WebhookId::new(HOOK_URL_REGISTRATION),
            url,
            None,
        ))
    }

    /// The default `hook_url`, if set.
    async fn list(&self) -> Result<Vec<WebhookRegistration>> {
        Ok(self
            .hook_url()
            .into_iter()
            .map(|url| WebhookRegistration::new(WebhookId::new(HOOK_URL_REGISTRATION), url, None))
            .collect())
    }

    /// Clears the default `hook_url` (`id` must be `hook_url`).
    async fn remove(&self, id: &WebhookId) -> Result<()> {
        let mut current = self
            .hook_url
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if id.as_str() != HOOK_URL_REGISTRATION || current.is_none() {
            return Err(Error::NotFound {
                message: format!("no Morune webhook registration {id}"),
            });
        }
        *current = None;
        Ok(())
    }

    /// Checks `x-api-sha256-signature` over the canonical body (a payment webhook with the
    /// shop's additional key, a payoff webhook with the user's) and reads the payment.
    ///
    /// # Errors
    /// [`Error::Signature`] for a missing or wrong signature; [`Error::Config`] when the
    /// additional key needed is not configured; [`Error::Decode`] for a body that is not a
    /// Morune webhook.
    async fn verify_and_parse(&self, request: WebhookRequest<'_>) -> Result<WebhookEvent> {
        let signature = request
            .headers
            .get(SIGNATURE_HEADER)
            .ok_or_else(|| Error::Signature {
                message: format!("the webhook has no {SIGNATURE_HEADER} header"),
            })?
            .to_str()
            .map_err(|_| Error::Signature {
                message: format!("{SIGNATURE_HEADER} is not text"),
            })?;
        let payment = match webhook::kind_of(request.body)? {
            Kind::Payment => {
                let key = self
                    .client
                    .shop()
                    .and_then(|s| s.additional_key.as_ref())
                    .ok_or_else(|| {
                        Error::config(
                            "shop_additional_key",
                            "is needed to verify payment webhooks",
                        )
                    })?;
                let signed = webhook::verify(request.body, signature, key)?;
                let hook: PaymentWebhook = serde_json::from_str(&signed)
                    .map_err(|e| Error::decode("Morune payment webhook", e))?;
                convert::payment_webhook(&hook, self.offset)?
            }
            Kind::Payoff => {
                let key = self
                    .client
                    .user()
                    .and_then(|u| u.additional_key.as_ref())
                    .ok_or_else(|| {
                        Error::config("user_additional_key", "is needed to verify payoff webhooks")
                    })?;
                let signed = webhook::verify(request.body, signature, key)?;
                let hook: PayoffWebhook = serde_json::from_str(&signed)
                    .map_err(|e| Error::decode("Morune payoff webhook", e))?;
                convert::payoff_webhook(&hook)?
            }
        };
        Ok(WebhookEvent::PaymentStatus { payment })
    }
}

//! [`MomoProvider`]: the core traits on top of [`MomoClient`].

use std::fmt;
use std::sync::{PoisonError, RwLock};

use async_trait::async_trait;
use bankkit_core::money::{Currency, Money};
use bankkit_core::payment::{AtMostOnce, CaptureMode, PaymentOperation, PaymentOperations};
use bankkit_core::{
    Account, AccountBalance, AccountId, AccountKind, Balance, Capabilities, Capability,
    CollectRequest, Error, Payment, PaymentDetails, PaymentId, PaymentStatus, PayoutRequest,
    Provider, Refund, RefundRequest, Result, Support, Webhook, WebhookEvent, WebhookId,
    WebhookRegistration, WebhookRequest,
};

use crate::client::{MomoClient, Product, PROVIDER};
use crate::convert;
use crate::ids::{PaymentRef, PaymentResource, ReferenceId};
use crate::webhook;
use crate::wire::Party as WireParty;

/// Why statements are unsupported.
pub const NO_STATEMENTS: &str = "MoMo has no statement or transaction-list endpoint: read each \
                                 payment's status instead";

/// The id of the one callback "registration" (see [`MomoProvider`]).
pub const CALLBACK_REGISTRATION: &str = "callback";

/// What a provider with every product can do: balances, collect from a phone, pay out,
/// refund in full or in part (no hold, capture or cancel: MoMo has none; no lookup by
/// reference: MoMo looks payments up only by their reference id), callbacks; no
/// statements. Creates are kept at most once by MoMo itself
/// ([`AtMostOnce::ProviderDedupes`]: the `X-Reference-Id` is derived from the key).
///
/// With fewer products: collect needs `collection_key`, pay out `disbursement_key`, and
/// refund **both** — the refund is a disbursement, but the request-to-pay it refunds is read
/// (is it successful, for how much) through the collection product.
pub fn capabilities() -> Capabilities {
    capabilities_for(&Product::ALL)
}

fn capabilities_for(products: &[Product]) -> Capabilities {
    let collect = products.contains(&Product::Collection);
    let disburse = products.contains(&Product::Disbursement);
    let mut offered = Vec::new();
    if collect {
        offered.push(PaymentOperation::CollectPhone);
    }
    if disburse {
        offered.push(PaymentOperation::PayOut);
    }
    if collect && disburse {
        offered.extend([PaymentOperation::Refund, PaymentOperation::PartialRefund]);
    }
    let operations = if offered.is_empty() {
        PaymentOperations::default()
    } else {
        PaymentOperations::new(offered, AtMostOnce::ProviderDedupes)
    };
    let mut caps = Capabilities::none(NO_STATEMENTS)
        .with(Capability::Balance, Support::Supported)
        .with(Capability::Webhook, Support::Supported)
        .with_payment_operations(operations);
    if !collect && !disburse {
        caps = caps.with(
            Capability::Payment,
            Support::unsupported("no collection_key or disbursement_key is configured"),
        );
    }
    caps
}

/// MTN MoMo behind the core traits: [`Balance`], [`Payment`] and [`Webhook`].
///
/// - **Accounts** are the configured products (ids `collection`, `disbursement`,
///   `remittance`; kind `Merchant`), each listed with the currency of its
///   `GET /{product}/v1_0/account/balance` answer — so `accounts()` makes one request per
///   product. A balance is `availableBalance`.
/// - **Payments**: `collect` is a request-to-pay to the payer (`Party::Phone` at no named
///   bank, `Email` or `Other { kind: "party_code", .. }`), `pay_out` a disbursement
///   transfer, `refund` a disbursement refund (v1) of all or part of a successful
///   request-to-pay, `status` reads the right resource. Payment ids carry the resource
///   (`requesttopay`, `transfer`, `refund`, …) and its `X-Reference-Id` ([`PaymentRef`]).
///   The `X-Reference-Id` is derived from the
///   [`bankkit_core::IdempotencyKey`], so a repeat (a retry after a timeout, or a new call
///   with the same key) is deduped by MoMo; its 409 answer means "already accepted" and the
///   existing payment is read and returned (a different amount, or another payer/payee,
///   under the same key is a `Conflict`). When that read fails (MoMo has not caught up yet
///   and answers 404, or a 5xx), the create is still reported as accepted: `Pending` with the
///   requested amount — never `NotFound`, which would invite a retry under a new key and a
///   second payment. `refund` needs both the collection and the disbursement product.
///   `cancel`, `capture` and holds are `Unsupported`: MoMo has none of them.
/// - **Callbacks**: MoMo has no webhook registration; callbacks go to the `X-Callback-Url`
///   of each create. [`Webhook::register`] sets the provider's callback URL, used for every
///   later create whose request has no `callback_url` of its own; [`Webhook::list`] returns
///   it (id `callback`), [`Webhook::remove`] clears it. The URL sent to MoMo carries the
///   payment id as `?bankkit_payment=<resource>:<uuid>` because MoMo's callback body has no
///   reference id. MoMo does not sign callbacks: [`Webhook::verify_and_parse`] re-reads the
///   payment's status from MoMo and accepts the callback only if it agrees (status and
///   amount); the event carries the re-read status.
/// - No statements (`statement()` is `None`).
pub struct MomoProvider {
    client: MomoClient,
    currency: Option<Currency>,
    callback_url: RwLock<Option<String>>,
}

impl fmt::Debug for MomoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MomoProvider")
            .field("client", &self.client)
            .field("currency", &self.currency.map(|c| c.code()))
            .field("callback_url", &self.callback_url())
            .finish()
    }
}

impl MomoProvider {
    /// The provider over `client`.
    pub fn new(client: MomoClient) -> Self {
        Self {
            client,
            currency: None,
            callback_url: RwLock::new(None),
        }
    }

    /// Only payments in `currency` are sent (others are refused before any request, as
    /// MoMo would refuse them with `INVALID_CURRENCY`; the sandbox takes EUR only).
    pub fn with_currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    /// Sets the callback URL used for creates without their own.
    pub fn with_callback_url(self, url: impl Into<String>) -> Self {
        *self
            .callback_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(url.into());
        self
    }

    /// The underlying client, for the endpoints the core traits do not cover.
    pub fn client(&self) -> &MomoClient {
        &self.client
    }

    /// The callback URL used for creates without their own.
    pub fn callback_url(&self) -> Option<String> {
        self.callback_url
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn require(&self, product: Product, operation: &str) -> Result<()> {
        if self.client.has(product) {
            Ok(())
        } else {
            Err(Error::unsupported(
                PROVIDER,
                format!("{operation} (no {} is configured)", product.key_field()),
            ))
        }
    }

    fn check_currency(&self, amount: &Money) -> Result<()> {
        match self.currency {
            Some(currency) if currency != amount.currency() => Err(Error::invalid(format!(
                "this MoMo account works in {}, not {} (INVALID_CURRENCY)",
                currency.code(),
                amount.currency().code()
            ))),
            _ => Ok(()),
        }
    }

    /// The callback URL for a create of `id`.
    fn callback_for(&self, explicit: Option<&str>, id: &PaymentRef) -> Result<Option<String>> {
        let base = explicit
            .map(str::to_owned)
            .filter(|u| !u.trim().is_empty())
            .or_else(|| self.callback_url());
        base.map(|url| webhook::callback_url(&url, id)).transpose()
    }

    /// After a 409 (already accepted): the existing payment, if it is the same one (same
    /// amount and, when both are known, same payer/payee `party`).
    ///
    /// MoMo has accepted the create under this reference id whatever happens next, so when
    /// its status cannot be read (404 while MoMo catches up, 5xx, a lost answer) the payment
    /// is returned as accepted and pending — never as an error such as `NotFound`, which
    /// would invite a retry under a new key and a second payment.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the key was used for another amount or party.
    async fn existing(
        &self,
        id: &PaymentRef,
        amount: &Money,
        party: Option<&WireParty>,
        reference: &str,
    ) -> Result<PaymentDetails> {
        let (existing, existing_party) = match self.read(id).await {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!(
                    payment = %id,
                    error = %error,
                    "create already accepted by MoMo but its status is unreadable; \
                     returning it as pending"
                );
                return Ok(convert::accepted(id, *amount, reference));
            }
        };
        if existing.amount != *amount {
            return Err(Error::Conflict {
                message: format!(
                    "the idempotency key was already used for {id} of {}, not {amount}",
                    existing.amount
                ),
            });
        }
        if let (Some(asked), Some(found)) = (party, existing_party.as_ref()) {
            if !convert::same_party(asked, found) {
                return Err(Error::Conflict {
                    message: format!(
                        "the idempotency key was already used for {id} with another {} \
                         (a {} party, not the {} party of this request)",
                        match id.resource {
                            PaymentResource::RequestToPay | PaymentResource::RequestToWithdraw =>
                                "payer",
                            _ => "payee",
                        },
                        convert::party_kind(found),
                        convert::party_kind(asked),
                    ),
                });
            }
        }
        tracing::debug!(payment = %id, "create already accepted by MoMo; returning it");
        Ok(existing)
    }

    /// The status of `payment` and the payer/payee its status body names, if any.
    async fn read(&self, payment: &PaymentRef) -> Result<(PaymentDetails, Option<WireParty>)> {
        fn split(
            payment: &PaymentRef,
            view: convert::StatusView<'_>,
        ) -> Result<(PaymentDetails, Option<WireParty>)> {
            let party = view.party.cloned();
            Ok((convert::details(payment, view)?, party))
        }
        let reference = &payment.reference_id;
        match payment.resource {
            PaymentResource::RequestToPay => {
                let r = self
                    .client
                    .collection()
                    .request_to_pay_status(reference)
                    .await?;
                split(payment, (&r).into())
            }
            PaymentResource::RequestToWithdraw => {
                let r = self
                    .client
                    .collection()
                    .request_to_withdraw_status(reference)
                    .await?;
                split(payment, (&r).into())
            }
            PaymentResource::Transfer => {
                let r = self
                    .client
                    .disbursement()
                    .transfer_status(reference)
                    .await?;
                split(payment, (&r).into())
            }
            PaymentResource::Deposit => {
                let r = self.client.disbursement().deposit_status(reference).await?;
                split(payment, (&r).into())
            }
            PaymentResource::Refund => {
                let r = self.client.disbursement().refund_status(reference).await?;
                split(payment, (&r).into())
            }
            PaymentResource::RemittanceTransfer => {
                let r = self.client.remittance().transfer_status(reference).await?;
                split(payment, (&r).into())
            }
        }
    }
}

impl Provider for MomoProvider {
    fn id(&self) -> &str {
        PROVIDER
    }

    fn name(&self) -> &str {
        "MTN MoMo Open API"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities_for(&self.client.products())
    }

    fn balance(&self) -> Option<&dyn Balance> {
        Some(self)
    }

    fn payment(&self) -> Option<&dyn Payment> {
        let products = self.client.products();
        if products.contains(&Product::Collection) || products.contains(&Product::Disbursement) {
            Some(self)
        } else {
            None
        }
    }

    fn webhook(&self) -> Option<&dyn Webhook> {
        Some(self)
    }
}

#[async_trait]
impl Balance for MomoProvider {
    async fn accounts(&self) -> Result<Vec<Account>> {
        let mut accounts = Vec::new();
        for product in self.client.products() {
            let balance = self.client.product(product).balance().await?;
            let currency = bankkit_core::money::currency_from_code(&balance.currency)?;
            accounts.push(
                Account::new(
                    AccountId::new(product.as_str()),
                    AccountKind::Merchant,
                    product.as_str(),
                    currency,
                )
                .with_name(format!("MoMo {product}")),
            );
        }
        Ok(accounts)
    }

    async fn balance(&self, account: &AccountId) -> Result<AccountBalance> {
        let product = Product::from_name(account.as_str())
            .filter(|p| self.client.has(*p))
            .ok_or_else(|| Error::NotFound {
                message: format!(
                    "no MoMo account {account}: the accounts are the configured products {:?}",
                    self.client
                        .products()
                        .iter()
                        .map(Product::as_str)
                        .collect::<Vec<_>>()
                ),
            })?;
        let balance = self.client.product(product).balance().await?;
        Ok(AccountBalance::new(
            account.clone(),
            convert::money(balance.available_balance, &balance.currency)?,
            self.client.clock().now(),
        ))
    }
}

#[async_trait]
impl Payment for MomoProvider {
    fn provider_id(&self) -> &str {
        PROVIDER
    }

    async fn collect(&self, request: CollectRequest) -> Result<PaymentDetails> {
        self.require(Product::Collection, "collect")?;
        if request.capture == CaptureMode::Hold {
            return Err(Error::unsupported(
                PROVIDER,
                "holds (a request-to-pay is captured when the payer approves it)",
            ));
        }
        self.check_currency(&request.amount)?;
        let payer = request
            .payer
            .as_ref()
            .ok_or_else(|| Error::invalid("a MoMo request-to-pay needs a payer (a phone)"))?;
        let payer = convert::party(payer)?;
        let reference_id = ReferenceId::from_idempotency_key(&request.idempotency_key);
        let id = PaymentRef::new(PaymentResource::RequestToPay, reference_id.clone());
        let body = convert::request_to_pay(&request, payer.clone());
        let callback = self.callback_for(request.callback_url.as_deref(), &id)?;
        match self
            .client
            .collection()
            .request_to_pay(&reference_id, &body, callback.as_deref())
            .await
        {
            Ok(()) => Ok(convert::accepted(&id, request.amount, &body.external_id)),
            Err(Error::Conflict { .. }) => {
                self.existing(&id, &request.amount, Some(&payer), &body.external_id)
                    .await
            }
            Err(e) => Err(e),
        }
    }

    async fn pay_out(&self, request: PayoutRequest) -> Result<PaymentDetails> {
        self.require(Product::Disbursement, "pay_out")?;
        self.check_currency(&request.amount)?;
        let payee = convert::party(&request.payee)?;
        let reference_id = ReferenceId::from_idempotency_key(&request.idempotency_key);
        let id = PaymentRef::new(PaymentResource::Transfer, reference_id.clone());
        let body = convert::transfer(&request, payee.clone());
        let callback = self.callback_for(request.callback_url.as_deref(), &id)?;
        match self
            .client
            .disbursement()
            .transfer(&reference_id, &body, callback.as_deref())
            .await
        {
            Ok(()) => Ok(convert::accepted(&id, request.amount, &body.external_id)),
            Err(Error::Conflict { .. }) => {
                self.existing(&id, &request.amount, Some(&payee), &body.external_id)
                    .await
            }
            Err(e) => Err(e),
        }
    }

    async fn status(&self, id: &PaymentId) -> Result<PaymentDetails> {
        let payment = PaymentRef::from_payment_id(id)?;
        Ok(self.read(&payment).await?.0)
    }

    async fn refund(&self, request: RefundRequest) -> Result<Refund> {
        // The refund is a disbursement, but the payment it refunds is read through the
        // collection product: both are needed (as `capabilities_for` declares).
        self.require(Product::Collection, "refund")?;
        self.require(Product::Disbursement, "refund")?;
        let original = PaymentRef::from_payment_id(&request.payment_id)?;
        if original.resource != PaymentResource::RequestToPay {
            return Err(Error::invalid(format!(
                "only a request-to-pay can be refunded, not {}",
                request.payment_id
            )));
        }
        let paid = self.status(&request.payment_id).await?;
        if paid.status != PaymentStatus::Succeeded {
            return Err(Error::Conflict {
                message: format!(
                    "{} is {} and cannot be refunded",
                    request.payment_id, paid.provider_status
                ),
            });
        }
        let amount = request.amount.unwrap_or(paid.amount);
        if amount.currency() != paid.amount.currency() || amount.amount() > paid.amount.amount() {
            return Err(Error::invalid(format!(
                "a refund of {amount} does not fit the payment of {}",
                paid.amount
            )));
        }
        let reference_id = ReferenceId::from_idempotency_key(&request.idempotency_key);
        let id = PaymentRef::new(PaymentResource::Refund, reference_id.clone());
        let body = convert::refund(&request, amount, &original.reference_id);
        let callback = self.callback_for(None, &id)?;
        let details = match self
            .client
            .disbursement()
            .refund_v1(&reference_id, &body, callback.as_deref())
            .await
        {
            Ok(()) => convert::accepted(&id, amount, &body.external_id),
            Err(Error::Conflict { .. }) => {
                self.existing(&id, &amount, None, &body.external_id).await?
            }
            Err(e) => return Err(e),
        };
        Ok(convert::refund_of(details, request.payment_id))
    }
}

#[async_trait]
impl Webhook for MomoProvider {
    /// Sets the provider's callback URL (MoMo has no registration endpoint): every later
    /// create without its own `callback_url` sends it as `X-Callback-Url`, with the payment
    /// id added as `bankkit_payment`. Its host must be the API user's
    /// `providerCallbackHost`. `account` is ignored (one URL serves every product).
    async fn register(
        &self,
        url: &str,
        _account: Option<&AccountId>,
    ) -> Result<WebhookRegistration> {
        webhook::check_url(url)?;
        *self
            .callback_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(url.to_owned());
        Ok(WebhookRegistration::new(
            WebhookId::new(CALLBACK_REGISTRATION),
            url,
            None,
        ))
    }

    /// The callback URL, if one is set.
    async fn list(&self) -> Result<Vec<WebhookRegistration>> {
        Ok(self
            .callback_url()
            .into_iter()
            .map(|url| WebhookRegistration::new(WebhookId::new(CALLBACK_REGISTRATION), url, None))
            .collect())
    }

    /// Clears the callback URL (`id` must be `callback`).
    async fn remove(&self, id: &WebhookId) -> Result<()> {
        let mut current = self
            .callback_url
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if id.as_str() != CALLBACK_REGISTRATION || current.is_none() {
            return Err(Error::NotFound {
                message: format!("no MoMo callback registration {id}"),
            });
        }
        *current = None;
        Ok(())
    }

    /// MoMo does not sign callbacks. The callback is confirmed by **re-reading** the status
    /// (`GET`) of the payment named by the URI's `bankkit_payment` parameter and checking
    /// that it agrees with the body (status and amount); the event carries the re-read
    /// status. Pass the request's path and query with [`WebhookRequest::with_uri`].
    ///
    /// # Errors
    /// [`Error::Signature`] when the URI names no bankkit payment, the payment is unknown,
    /// or MoMo's current status disagrees with the body; [`Error::Decode`] for a body that is
    /// not a MoMo status; errors of the status read.
    async fn verify_and_parse(&self, request: WebhookRequest<'_>) -> Result<WebhookEvent> {
        let (id, body) = webhook::read(&request)?;
        let current = match self.status(&id.payment_id()).await {
            Ok(current) => current,
            Err(Error::NotFound { message }) => {
                return Err(Error::Signature {
                    message: format!(
                        "the callback names {id}, which MoMo does not know: {message}"
                    ),
                })
            }
            Err(e) => return Err(e),
        };
        webhook::confirm(&body, &current)?;
        Ok(WebhookEvent::PaymentStatus { payment: current })
    }
}

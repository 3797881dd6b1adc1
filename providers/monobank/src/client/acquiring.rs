//! [`Acquiring`]: one typed call per endpoint of the acquiring API (monobank.md §3.3).

use bankkit_core::http::{ApiRequest, ApiResponse, RequestSafety};
use bankkit_core::{Error, Result};
use chrono::{DateTime, FixedOffset, SecondsFormat};
use http::Method;
use serde::de::DeserializeOwned;

use super::{MonobankClient, X_CMS, X_CMS_VERSION, X_TOKEN};
use crate::error::map_acquiring_error;
use crate::wire::acquiring::{
    CardToken, Employees, FiscalChecks, InvoiceCancelRequest, InvoiceCancelled,
    InvoiceCreateRequest, InvoiceCreated, InvoiceFinalizeRequest, InvoiceFinalized,
    InvoicePaymentInfo, InvoiceRemoveRequest, InvoiceStatus, MerchantDetails, MerchantPubkey,
    MerchantStatement, MonopayKeyDeleteRequest, MonopayKeyImportRequest, MonopayKeyImported,
    MonopayKeys, PaymentDirectRequest, PaymentResult, PosTransactionCancelRequest,
    PosTransactionCancelled, QrDetails, QrList, QrResetRequest, Receipt, SplitReceivers,
    Submerchants, SubscriptionCreateRequest, SubscriptionCreated, SubscriptionEditRequest,
    SubscriptionList, SubscriptionListQuery, SubscriptionPayments, SubscriptionPaymentsQuery,
    SubscriptionRemoveRequest, SubscriptionStatus, SyncPaymentRequest, T2pPaymentStatus,
    T2pTerminals, Wallet, WalletPaymentRequest,
};

/// The acquiring API (`/api/merchant/...`, "plata by mono") of a [`MonobankClient`], with
/// its merchant token. Get one with [`MonobankClient::acquiring`].
///
/// Every call sends the merchant token as `X-Token`; without one it fails with
/// [`Error::Config`] naming `merchant_token` and sends nothing. The bank's **test mode**
/// is the same host with a test token from <https://api.monobank.ua/> as merchant token
/// (any Luhn-valid card number pays; receipts do not work).
///
/// **Retries.** Reads (GET) follow the client's [`RetryPolicy`](bankkit_core::http::RetryPolicy).
/// Calls that move money — invoice create, cancel, finalize, `payment-direct`,
/// `sync-payment`, `wallet/payment`, `pos-transaction-cancel`, subscription create and
/// edit — are sent **once**, whatever the policy: the bank offers no idempotency key, so a
/// repeat after a lost answer could charge or refund twice. Look the outcome up instead
/// (invoice status, statement). The other writes are sent once too, except
/// `qr/reset-amount`, which leaves the same state when repeated.
///
/// **Errors** (all calls): `Unauthorized` for an invalid merchant token (403 `FORBIDDEN`),
/// `Forbidden` (`Blocked`) for the firewall's HTML 403, `RateLimited` (429 `TMR`),
/// `InvalidRequest` (400, 405), `NotFound` (404), `Conflict` (`WRONG_CANCEL_AMOUNT`,
/// `ORDER_IN_PROGRESS`, `HOLD_INVOICE_NOT_FINALIZED`, `CANCEL_NOT_AVAILABLE`), `Provider`
/// (500), `Timeout`, `Transport`, `Decode`; messages keep `errCode` and `errText`.
#[derive(Clone, Copy, Debug)]
pub struct Acquiring<'a> {
    client: &'a MonobankClient,
}

impl<'a> Acquiring<'a> {
    pub(super) fn new(client: &'a MonobankClient) -> Self {
        Self { client }
    }

    /// `POST /api/merchant/invoice/create`: an invoice and its payment page. Sends
    /// `X-Cms`/`X-Cms-Version` when set. Never retried.
    ///
    /// # Errors
    /// `InvalidRequest` for bad fields (`INVALID_MERCHANT_PAYM_INFO` among them), and as
    /// every acquiring call (see [`Acquiring`]).
    pub async fn create_invoice(&self, request: &InvoiceCreateRequest) -> Result<InvoiceCreated> {
        let request = self
            .with_cms(self.merchant(ApiRequest::post("api/merchant/invoice/create"))?)
            .json(request)?
            .operation("acquiring.invoice_create");
        self.send(request, "invoice create answer").await
    }

    /// `GET /api/merchant/invoice/status?invoiceId=`: the invoice's state (the same shape
    /// as its webhooks).
    ///
    /// # Errors
    /// `NotFound` for an unknown invoice, `InvalidRequest` for an empty id (not sent), and
    /// as every acquiring call.
    pub async fn invoice_status(&self, invoice_id: &str) -> Result<InvoiceStatus> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/invoice/status"))?
            .query("invoiceId", required(invoice_id, "invoiceId")?)
            .operation("acquiring.invoice_status");
        self.send(request, "invoice status").await
    }

    /// `POST /api/merchant/invoice/cancel`: refund a paid invoice (all, or `amount`), or
    /// release a hold. Never retried.
    ///
    /// # Errors
    /// `Conflict` for a wrong or repeated amount (`WRONG_CANCEL_AMOUNT`) or a payment that
    /// cannot be cancelled (`CANCEL_NOT_AVAILABLE`), and as every acquiring call.
    pub async fn cancel_invoice(&self, request: &InvoiceCancelRequest) -> Result<InvoiceCancelled> {
        let request = self
            .merchant(ApiRequest::post("api/merchant/invoice/cancel"))?
            .json(request)?
            .operation("acquiring.invoice_cancel");
        self.send(request, "invoice cancel answer").await
    }

    /// `POST /api/merchant/invoice/remove`: withdraw an unpaid invoice. Sent once.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn remove_invoice(&self, invoice_id: &str) -> Result<()> {
        let body = InvoiceRemoveRequest {
            invoice_id: required(invoice_id, "invoiceId")?.to_owned(),
        };
        let request = self
            .merchant(ApiRequest::post("api/merchant/invoice/remove"))?
            .json(&body)?
            .operation("acquiring.invoice_remove");
        self.send_empty(request).await
    }

    /// `POST /api/merchant/invoice/finalize`: capture a hold (all or part). Never retried.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn finalize_invoice(
        &self,
        request: &InvoiceFinalizeRequest,
    ) -> Result<InvoiceFinalized> {
        let request = self
            .merchant(ApiRequest::post("api/merchant/invoice/finalize"))?
            .json(request)?
            .operation("acquiring.invoice_finalize");
        self.send(request, "invoice finalize answer").await
    }

    /// `POST /api/merchant/invoice/payment-direct`: charge card data (needs PCI DSS).
    /// Sends `X-Cms`/`X-Cms-Version` when set. Never retried.
    ///
    /// # Errors
    /// As every acquiring call; a declined card is a [`PaymentResult`] with status
    /// `failure`, not an error.
    pub async fn payment_direct(&self, request: &PaymentDirectRequest) -> Result<PaymentResult> {
        let request = self
            .with_cms(self.merchant(ApiRequest::post("api/merchant/invoice/payment-direct"))?)
            .json(request)?
            .operation("acquiring.payment_direct");
        self.send(request, "payment-direct answer").await
    }

    /// `POST /api/merchant/invoice/sync-payment`: charge card or Apple/Google Pay data and
    /// wait for the outcome (access granted by the bank). Sends `X-Cms`/`X-Cms-Version`
    /// when set. Never retried.
    ///
    /// # Errors
    /// `InvalidRequest` (not sent) unless exactly one of `card_data`, `apple_pay`,
    /// `google_pay` is set, and as every acquiring call.
    pub async fn sync_payment(&self, request: &SyncPaymentRequest) -> Result<InvoiceStatus> {
        let sources = [
            request.card_data.is_some(),
            request.apple_pay.is_some(),
            request.google_pay.is_some(),
        ];
        if sources.iter().filter(|set| **set).count() != 1 {
            return Err(Error::invalid(
                "sync-payment needs exactly one of cardData, applePay and googlePay",
            ));
        }
        let request = self
            .with_cms(self.merchant(ApiRequest::post("api/merchant/invoice/sync-payment"))?)
            .json(request)?
            .operation("acquiring.sync_payment");
        self.send(request, "sync-payment answer").await
    }

    /// `GET /api/merchant/invoice/receipt?invoiceId=&email=`: the payment receipt (base64
    /// PDF); with `email`, the bank e-mails it too. Does not work with a test token.
    ///
    /// # Errors
    /// `InvalidRequest` for an unpaid invoice, and as every acquiring call.
    pub async fn invoice_receipt(&self, invoice_id: &str, email: Option<&str>) -> Result<Receipt> {
        let mut request = self
            .merchant(ApiRequest::get("api/merchant/invoice/receipt"))?
            .query("invoiceId", required(invoice_id, "invoiceId")?)
            .operation("acquiring.invoice_receipt");
        if let Some(email) = email {
            request = request.query("email", email);
        }
        self.send(request, "receipt").await
    }

    /// `GET /api/merchant/invoice/fiscal-checks?invoiceId=`: the invoice's fiscal checks.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn fiscal_checks(&self, invoice_id: &str) -> Result<FiscalChecks> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/invoice/fiscal-checks"))?
            .query("invoiceId", required(invoice_id, "invoiceId")?)
            .operation("acquiring.fiscal_checks");
        self.send(request, "fiscal checks").await
    }

    /// `GET /api/merchant/pubkey`: the key webhooks are signed with (base64 of a PEM).
    /// Cache it: [`crate::MerchantWebhookVerifier`] does, and refetches only when a
    /// signature fails.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn pubkey(&self) -> Result<MerchantPubkey> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/pubkey"))?
            .operation("acquiring.pubkey");
        self.send(request, "merchant public key").await
    }

    /// `GET /api/merchant/details`: the merchant's id, name and EDRPOU.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn details(&self) -> Result<MerchantDetails> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/details"))?
            .operation("acquiring.details");
        self.send(request, "merchant details").await
    }

    /// `GET /api/merchant/statement?from=&to=&code=`: payments from `from` to `to` (Unix
    /// seconds; `to = None` means now), newest first, optionally of one submerchant
    /// terminal `code`.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn statement(
        &self,
        from: i64,
        to: Option<i64>,
        code: Option<&str>,
    ) -> Result<MerchantStatement> {
        let mut request = self
            .merchant(ApiRequest::get("api/merchant/statement"))?
            .query("from", from.to_string())
            .operation("acquiring.statement");
        if let Some(to) = to {
            request = request.query("to", to.to_string());
        }
        if let Some(code) = code {
            request = request.query("code", code);
        }
        self.send(request, "merchant statement").await
    }

    /// `GET /api/merchant/qr/list`: the merchant's QR tills.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn qr_list(&self) -> Result<QrList> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/qr/list"))?
            .operation("acquiring.qr_list");
        self.send(request, "QR list").await
    }

    /// `GET /api/merchant/qr/details?qrId=`: an activated QR till and the amount set on it.
    ///
    /// # Errors
    /// `NotFound` for an unknown till, and as every acquiring call.
    pub async fn qr_details(&self, qr_id: &str) -> Result<QrDetails> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/qr/details"))?
            .query("qrId", required(qr_id, "qrId")?)
            .operation("acquiring.qr_details");
        self.send(request, "QR details").await
    }

    /// `POST /api/merchant/qr/reset-amount`: clear the amount set on a QR till. Repeating
    /// it leaves the same state, so it is retried like an idempotent write.
    ///
    /// # Errors
    /// `Conflict` when the amount is being paid (`ORDER_IN_PROGRESS`), and as every
    /// acquiring call.
    pub async fn qr_reset_amount(&self, qr_id: &str) -> Result<()> {
        let body = QrResetRequest {
            qr_id: required(qr_id, "qrId")?.to_owned(),
        };
        let request = self
            .merchant(ApiRequest::post("api/merchant/qr/reset-amount"))?
            .json(&body)?
            .safety(RequestSafety::IdempotentWrite)
            .operation("acquiring.qr_reset_amount");
        self.send_empty(request).await
    }

    /// `GET /api/merchant/wallet?walletId=`: the cards saved in a wallet.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn wallet(&self, wallet_id: &str) -> Result<Wallet> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/wallet"))?
            .query("walletId", required(wallet_id, "walletId")?)
            .operation("acquiring.wallet");
        self.send(request, "wallet").await
    }

    /// `DELETE /api/merchant/wallet/card?cardToken=`: delete a saved card. Sent once.
    ///
    /// # Errors
    /// `NotFound` for an unknown token (`TOKEN_NOT_FOUND`), and as every acquiring call.
    pub async fn delete_wallet_card(&self, card_token: &CardToken) -> Result<()> {
        let request = self
            .merchant(ApiRequest::new(Method::DELETE, "api/merchant/wallet/card"))?
            .query(
                "cardToken",
                required(card_token.expose_secret(), "cardToken")?,
            )
            .operation("acquiring.wallet_card_delete");
        self.send_empty(request).await
    }

    /// `POST /api/merchant/wallet/payment`: charge a saved card. Sends
    /// `X-Cms`/`X-Cms-Version` when set. Never retried.
    ///
    /// # Errors
    /// `NotFound` for an unknown token (`TOKEN_NOT_FOUND`), and as every acquiring call;
    /// a declined card is a [`PaymentResult`] with status `failure`.
    pub async fn wallet_payment(&self, request: &WalletPaymentRequest) -> Result<PaymentResult> {
        let request = self
            .with_cms(self.merchant(ApiRequest::post("api/merchant/wallet/payment"))?)
            .json(request)?
            .operation("acquiring.wallet_payment");
        self.send(request, "wallet payment answer").await
    }

    /// `GET /api/merchant/submerchant/list`: submerchant terminals.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn submerchants(&self) -> Result<Submerchants> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/submerchant/list"))?
            .operation("acquiring.submerchant_list");
        self.send(request, "submerchant list").await
    }

    /// `GET /api/merchant/split-receiver/list`: receivers of split payments.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn split_receivers(&self) -> Result<SplitReceivers> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/split-receiver/list"))?
            .operation("acquiring.split_receiver_list");
        self.send(request, "split receiver list").await
    }

    /// `GET /api/merchant/t2p/terminal/list`: tap-to-phone terminals.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn t2p_terminals(&self) -> Result<T2pTerminals> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/t2p/terminal/list"))?
            .operation("acquiring.t2p_terminal_list");
        self.send(request, "tap-to-phone terminal list").await
    }

    /// `GET /api/merchant/t2p/terminal/payment/external/status?externalPaymentId=`: a
    /// tap-to-phone payment of the last 90 days. The bank asks for at most one poll per
    /// 5 s per id.
    ///
    /// # Errors
    /// `NotFound` for an unknown id, and as every acquiring call.
    pub async fn t2p_payment_status(&self, external_payment_id: &str) -> Result<T2pPaymentStatus> {
        let request = self
            .merchant(ApiRequest::get(
                "api/merchant/t2p/terminal/payment/external/status",
            ))?
            .query(
                "externalPaymentId",
                required(external_payment_id, "externalPaymentId")?,
            )
            .operation("acquiring.t2p_payment_status");
        self.send(request, "tap-to-phone payment status").await
    }

    /// `POST /api/merchant/pos-transaction-cancel`: refund a POS transaction by RRN.
    /// Never retried.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn pos_transaction_cancel(
        &self,
        request: &PosTransactionCancelRequest,
    ) -> Result<PosTransactionCancelled> {
        let request = self
            .merchant(ApiRequest::post("api/merchant/pos-transaction-cancel"))?
            .json(request)?
            .operation("acquiring.pos_transaction_cancel");
        self.send(request, "POS transaction cancel answer").await
    }

    /// `POST /api/merchant/subscription/create`: a regular payment and its first payment
    /// page. Never retried.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn create_subscription(
        &self,
        request: &SubscriptionCreateRequest,
    ) -> Result<SubscriptionCreated> {
        let request = self
            .merchant(ApiRequest::post("api/merchant/subscription/create"))?
            .json(request)?
            .operation("acquiring.subscription_create");
        self.send(request, "subscription create answer").await
    }

    /// `GET /api/merchant/subscription/status?subscriptionId=`.
    ///
    /// # Errors
    /// `NotFound` for an unknown subscription, and as every acquiring call.
    pub async fn subscription_status(&self, subscription_id: &str) -> Result<SubscriptionStatus> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/subscription/status"))?
            .query(
                "subscriptionId",
                required(subscription_id, "subscriptionId")?,
            )
            .operation("acquiring.subscription_status");
        self.send(request, "subscription status").await
    }

    /// `GET /api/merchant/subscription/payments`: one page of a subscription's charges.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn subscription_payments(
        &self,
        query: &SubscriptionPaymentsQuery,
    ) -> Result<SubscriptionPayments> {
        let mut request = self
            .merchant(ApiRequest::get("api/merchant/subscription/payments"))?
            .query(
                "subscriptionId",
                required(&query.subscription_id, "subscriptionId")?,
            )
            .query("dateFrom", rfc3339(&query.date_from))
            .operation("acquiring.subscription_payments");
        if let Some(to) = &query.date_to {
            request = request.query("dateTo", rfc3339(to));
        }
        request = paged(request, query.limit, query.page);
        self.send(request, "subscription payments").await
    }

    /// `GET /api/merchant/subscription/list`: one page of subscriptions.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn subscriptions(&self, query: &SubscriptionListQuery) -> Result<SubscriptionList> {
        let mut request = self
            .merchant(ApiRequest::get("api/merchant/subscription/list"))?
            .query("dateFrom", rfc3339(&query.date_from))
            .operation("acquiring.subscription_list");
        if let Some(to) = &query.date_to {
            request = request.query("dateTo", rfc3339(to));
        }
        if let Some(status) = &query.status {
            request = request.query("status", status.as_str());
        }
        request = paged(request, query.limit, query.page);
        self.send(request, "subscription list").await
    }

    /// `POST /api/merchant/subscription/remove`: delete a subscription nothing was charged
    /// on yet. Sent once.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn remove_subscription(&self, subscription_id: &str) -> Result<()> {
        let body = SubscriptionRemoveRequest {
            subscription_id: required(subscription_id, "subscriptionId")?.to_owned(),
        };
        let request = self
            .merchant(ApiRequest::post("api/merchant/subscription/remove"))?
            .json(&body)?
            .operation("acquiring.subscription_remove");
        self.send_empty(request).await
    }

    /// `POST /api/merchant/subscription/edit`: cancel a subscription, optionally refunding
    /// `refund_amount`. Never retried.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn edit_subscription(&self, request: &SubscriptionEditRequest) -> Result<()> {
        let request = self
            .merchant(ApiRequest::post("api/merchant/subscription/edit"))?
            .json(request)?
            .operation("acquiring.subscription_edit");
        self.send_empty(request).await
    }

    /// `POST /api/merchant/monopay/pubkey-import`: register a monopay widget key. Sent
    /// once.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn import_monopay_key(
        &self,
        request: &MonopayKeyImportRequest,
    ) -> Result<MonopayKeyImported> {
        let request = self
            .merchant(ApiRequest::post("api/merchant/monopay/pubkey-import"))?
            .json(request)?
            .operation("acquiring.monopay_pubkey_import");
        self.send(request, "monopay key import answer").await
    }

    /// `POST /api/merchant/monopay/pubkey-delete`: remove a monopay widget key. Sent once.
    ///
    /// # Errors
    /// `NotFound` for an unknown key, and as every acquiring call.
    pub async fn delete_monopay_key(&self, key_id: &str) -> Result<()> {
        let body = MonopayKeyDeleteRequest {
            key_id: required(key_id, "keyId")?.to_owned(),
        };
        let request = self
            .merchant(ApiRequest::post("api/merchant/monopay/pubkey-delete"))?
            .json(&body)?
            .operation("acquiring.monopay_pubkey_delete");
        self.send_empty(request).await
    }

    /// `GET /api/merchant/monopay/pubkey-list`: the monopay widget keys.
    ///
    /// # Errors
    /// As every acquiring call.
    pub async fn monopay_keys(&self) -> Result<MonopayKeys> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/monopay/pubkey-list"))?
            .operation("acquiring.monopay_pubkey_list");
        self.send(request, "monopay key list").await
    }

    /// `GET /api/merchant/employee/list`: employees who can receive tips (`v2406`; gone
    /// from the current API together with tips).
    ///
    /// # Errors
    /// As every acquiring call.
    #[deprecated(note = "gone from the acquiring API v2412 together with tips; may stop answering")]
    pub async fn employees(&self) -> Result<Employees> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/employee/list"))?
            .operation("acquiring.employee_list");
        self.send(request, "employee list").await
    }

    /// `GET /api/merchant/invoice/payment-info?invoiceId=`: details of a successful
    /// payment (`v2406`, deprecated by the bank).
    ///
    /// # Errors
    /// `Conflict` for a hold not finalized yet (`HOLD_INVOICE_NOT_FINALIZED`), and as
    /// every acquiring call.
    #[deprecated(note = "deprecated by the bank: use `invoice_status` (its `paymentInfo`)")]
    pub async fn invoice_payment_info(&self, invoice_id: &str) -> Result<InvoicePaymentInfo> {
        let request = self
            .merchant(ApiRequest::get("api/merchant/invoice/payment-info"))?
            .query("invoiceId", required(invoice_id, "invoiceId")?)
            .operation("acquiring.invoice_payment_info");
        self.send(request, "invoice payment info").await
    }

    /// Adds the merchant `X-Token`.
    fn merchant(&self, request: ApiRequest) -> Result<ApiRequest> {
        let token = self.client.merchant_token.clone().ok_or_else(|| {
            Error::config(
                "merchant_token",
                "the acquiring API needs a merchant token (X-Token); none is configured",
            )
        })?;
        Ok(request.header(X_TOKEN, token))
    }

    /// Adds `X-Cms` and `X-Cms-Version` when configured.
    fn with_cms(&self, mut request: ApiRequest) -> ApiRequest {
        if let Some(cms) = &self.client.cms {
            request = request.header(X_CMS, cms.clone());
        }
        if let Some(version) = &self.client.cms_version {
            request = request.header(X_CMS_VERSION, version.clone());
        }
        request
    }

    async fn send<T: DeserializeOwned>(&self, request: ApiRequest, what: &str) -> Result<T> {
        self.client
            .http
            .send(request, &map_acquiring_error)
            .await?
            .json(what)
    }

    /// Sends a hand-made call with the merchant token ([`MonobankClient::raw`]).
    pub(crate) async fn send_raw(&self, request: ApiRequest) -> Result<ApiResponse> {
        let request = self.merchant(request)?;
        self.client.http.send(request, &map_acquiring_error).await
    }

    /// Sends a call whose 200 answer is an empty object (or empty): the body is not read.
    async fn send_empty(&self, request: ApiRequest) -> Result<()> {
        self.client.http.send(request, &map_acquiring_error).await?;
        Ok(())
    }
}

/// `value`, refused when empty (the bank would answer 400 anyway).
fn required<'v>(value: &'v str, name: &str) -> Result<&'v str> {
    if value.trim().is_empty() {
        return Err(Error::invalid(format!("{name} must not be empty")));
    }
    Ok(value)
}

/// An RFC 3339 time as the subscription queries take it (`2024-06-26T18:12:44+03:00`).
fn rfc3339(at: &DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Adds `limit` and `page` when set.
fn paged(mut request: ApiRequest, limit: Option<u32>, page: Option<u32>) -> ApiRequest {
    if let Some(limit) = limit {
        request = request.query("limit", limit.to_string());
    }
    if let Some(page) = page {
        request = request.query("page", page.to_string());
    }
    request
}

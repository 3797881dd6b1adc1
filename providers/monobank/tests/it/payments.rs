//! `Payment` over the acquiring API against the in-process sandbox: charges, holds, refunds
//! and lookups, and above all that a create whose answer was lost never moves money twice.
//!
//! Money is counted on the sandbox's merchant settlement account (every charge is a positive
//! transaction, every refund a negative one), so each test fails if a retry charged again.

use std::path::PathBuf;
use std::time::Duration;

use bankkit_core::money::currency_from_code;
use bankkit_core::payment::{Card, FailureReason};
use bankkit_core::registry::{BuildContext, ProviderConfig};
use bankkit_core::secret::secret;
use bankkit_core::{
    CaptureMode, CaptureRequest, CollectRequest, Error, IdempotencyKey, Money, Party, Payment,
    PaymentDetails, PaymentId, PaymentKind, PaymentOperation, PaymentStatus, Provider,
    RefundRequest, RefundStatus, Support, Webhook, WebhookEvent, WebhookRequest,
};
use bankkit_monobank::wire::acquiring::{InvoiceCreateRequest, SaveCardData};
use bankkit_monobank::{MonobankClient, MonobankConfig, MonobankProvider};
use bankkit_sandbox::{
    Fault, LedgerAccount, ProviderHandle, Sandbox, SandboxEvent, TestOutcome, SETTLEMENT_KIND,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAID: &str = "4242424242424242";
const DECLINED: &str = "4000000000000002";
const CVV: &str = "737";
const DIRECT: &str = "/api/merchant/invoice/payment-direct";
const WALLET: &str = "/api/merchant/wallet/payment";
const CREATE: &str = "/api/merchant/invoice/create";
const CANCEL: &str = "/api/merchant/invoice/cancel";
const FINALIZE: &str = "/api/merchant/invoice/finalize";

struct Setup {
    sandbox: Sandbox,
    monobank: ProviderHandle,
    token: String,
    merchant_token: String,
}

async fn sandbox() -> Setup {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let monobank = sandbox.monobank().unwrap();
    let credentials = monobank.credentials();
    Setup {
        token: credentials["token"].as_str().unwrap().to_owned(),
        merchant_token: credentials["merchant_token"].as_str().unwrap().to_owned(),
        sandbox,
        monobank,
    }
}

impl Setup {
    /// A provider with the merchant token only, on the sandbox clock, records in memory.
    fn provider(&self) -> MonobankProvider {
        MonobankProvider::new(
            MonobankClient::builder()
                .merchant_token(secret(&self.merchant_token))
                .base_url(self.monobank.base_url())
                .clock(self.sandbox.clock().shared())
                .build()
                .unwrap(),
        )
    }

    fn context(&self) -> BuildContext {
        BuildContext::default().with_clock(self.sandbox.clock().shared())
    }

    /// A merchant-only config for the sandbox.
    fn merchant_config(&self) -> MonobankConfig {
        MonobankConfig::merchant(secret(&self.merchant_token))
            .with_base_url(self.monobank.base_url())
    }

    /// The merchant's UAH settlement account as it stands.
    fn settlement(&self) -> LedgerAccount {
        let account = self
            .monobank
            .ledger()
            .account("merchant")
            .cloned()
            .expect("the merchant settlement account");
        assert_eq!(account.kind, SETTLEMENT_KIND);
        account
    }

    /// The amounts booked on the settlement account since it had `before` transactions.
    fn moved_since(&self, before: usize) -> Vec<i64> {
        self.settlement().transactions[before..]
            .iter()
            .map(|t| t.amount_minor)
            .collect()
    }

    fn booked(&self) -> usize {
        self.settlement().transactions.len()
    }

    /// How many `POST path` requests the sandbox received.
    fn posts(&self, route: &str) -> usize {
        self.sandbox
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == route)
            .count()
    }

    /// The payer pays invoice `id` as on the payment page.
    fn pay(&self, id: &PaymentId, outcome: TestOutcome) {
        self.monobank
            .trigger(SandboxEvent::PayerActs {
                payment_id: id.id().to_owned(),
                outcome,
            })
            .unwrap();
    }

    /// The invoice ids of the merchant statement entries with `reference`.
    async fn statement_ids(&self, provider: &MonobankProvider, reference: &str) -> Vec<String> {
        let now = self.sandbox.now().timestamp();
        provider
            .client()
            .acquiring()
            .statement(now - 3600, None, None)
            .await
            .unwrap()
            .list
            .into_iter()
            .filter(|item| item.reference.as_deref() == Some(reference))
            .map(|item| item.invoice_id)
            .collect()
    }
}

fn uah(minor: i64) -> Money {
    Money::from_minor(minor, currency_from_code("UAH").unwrap()).unwrap()
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).unwrap()
}

fn card(number: &str) -> Party {
    Party::Card(Card::new(secret(number), "12/30", Some(secret(CVV))).unwrap())
}

fn charge(k: &str, minor: i64, number: &str) -> CollectRequest {
    CollectRequest::new(key(k), uah(minor))
        .payer(card(number))
        .description("Замовлення")
}

fn page(k: &str, minor: i64) -> CollectRequest {
    CollectRequest::new(key(k), uah(minor)).description("Замовлення")
}

/// A lost answer: any error but one saying the request was refused.
fn assert_lost<T: std::fmt::Debug>(result: &bankkit_core::Result<T>) {
    match result {
        Err(error) => assert!(!error.was_refused(), "{error:?}"),
        Ok(value) => panic!("the answer was dropped, yet the call returned {value:?}"),
    }
}

/// A second call after a lost answer: the payment found in the merchant statement (the
/// sandbox lists a paid invoice at once), which is the one the ledger charged.
fn assert_found(found: &bankkit_core::Result<PaymentDetails>, invoice: &str, minor: i64) {
    let found = found
        .as_ref()
        .expect("the lost charge is found by its reference");
    assert_eq!(found.id.id(), invoice);
    assert_eq!(found.id.resource(), "invoice");
    assert_eq!(found.amount, uah(minor));
    assert_eq!(found.status, PaymentStatus::Succeeded);
}

// ---- 1. a direct card charge whose answer was lost -------------------------------------

#[tokio::test]
async fn direct_charge_with_a_lost_answer_is_found_and_never_charged_twice() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let before = setup.booked();
    setup.monobank.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path(DIRECT)
            .times(1),
    );

    // Act: the bank charges, the answer never arrives.
    let first = provider.collect(charge("order-1", 4200, PAID)).await;

    // Assert
    assert_lost(&first);
    assert!(setup.monobank.faults().is_empty(), "the fault was not hit");
    assert_eq!(setup.moved_since(before), vec![4200], "charged once");
    let invoices = setup.statement_ids(&provider, "order-1").await;
    assert_eq!(invoices.len(), 1, "{invoices:?}");

    // The same key again: looked up by its reference, not sent.
    let second = provider.collect(charge("order-1", 4200, PAID)).await;
    assert_found(&second, &invoices[0], 4200);
    assert_eq!(setup.moved_since(before), vec![4200]);
    assert_eq!(setup.posts(DIRECT), 1);

    // Now recorded: a third call answers the same without asking the bank.
    let third = provider.collect(charge("order-1", 4200, PAID)).await;
    assert_eq!(third.unwrap(), second.unwrap());

    // The same key for another amount is a conflict and charges nothing.
    let other = provider
        .collect(charge("order-1", 5000, PAID))
        .await
        .unwrap_err();
    assert!(matches!(other, Error::Conflict { .. }), "{other:?}");
    assert_eq!(setup.moved_since(before), vec![4200]);
    assert_eq!(setup.posts(DIRECT), 1);
}

#[tokio::test]
async fn a_declined_direct_charge_is_a_failed_payment_and_its_key_stays_spent() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let before = setup.booked();

    // Act
    let declined = provider
        .collect(charge("order-2", 4200, DECLINED))
        .await
        .unwrap();
    let again = provider
        .collect(charge("order-2", 4200, DECLINED))
        .await
        .unwrap();

    // Assert
    assert_eq!(declined.status, PaymentStatus::Failed);
    let failure = declined.failure.as_ref().unwrap();
    assert_eq!(failure.provider_code.as_deref(), Some("59"));
    assert_eq!(failure.reason, FailureReason::InsufficientFunds);
    assert!(failure.message.is_some());
    assert_eq!(
        again, declined,
        "the recorded outcome, not a second attempt"
    );
    assert_eq!(setup.posts(DIRECT), 1);
    assert!(setup.moved_since(before).is_empty());
    let status = provider.status(&declined.id).await.unwrap();
    assert_eq!(status.status, PaymentStatus::Failed);
}

// ---- 2. a saved-card charge whose answer was lost --------------------------------------

/// Saves a card in `wallet_id` the way a payer does (an invoice with `saveCardData`, paid)
/// and returns its token.
async fn saved_card(setup: &Setup, provider: &MonobankProvider, wallet_id: &str) -> String {
    let mut body = InvoiceCreateRequest::new(100);
    body.save_card_data = Some(SaveCardData {
        save_card: true,
        wallet_id: Some(wallet_id.to_owned()),
    });
    let created = provider
        .client()
        .acquiring()
        .create_invoice(&body)
        .await
        .unwrap();
    setup.pay(
        &PaymentId::new(PaymentKind::Collection, "invoice", created.invoice_id),
        TestOutcome::Success,
    );
    let wallet = provider
        .client()
        .acquiring()
        .wallet(wallet_id)
        .await
        .unwrap();
    assert_eq!(wallet.wallet.len(), 1, "{wallet:?}");
    wallet.wallet[0].card_token.expose_secret().to_owned()
}

#[tokio::test]
async fn saved_card_charge_with_a_lost_answer_is_found_and_never_charged_twice() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let token = saved_card(&setup, &provider, "wallet-7").await;
    let before = setup.booked();
    let request =
        || CollectRequest::new(key("renewal-1"), uah(9900)).payer(Party::SavedCard(secret(&token)));
    setup.monobank.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path(WALLET)
            .times(1),
    );

    // Act
    let first = provider.collect(request()).await;

    // Assert
    assert_lost(&first);
    assert!(setup.monobank.faults().is_empty());
    assert_eq!(setup.moved_since(before), vec![9900]);
    let invoices = setup.statement_ids(&provider, "renewal-1").await;
    assert_eq!(invoices.len(), 1, "{invoices:?}");
    let second = provider.collect(request()).await;
    assert_found(&second, &invoices[0], 9900);
    assert_eq!(setup.moved_since(before), vec![9900]);
    assert_eq!(setup.posts(WALLET), 1);
    let other = provider
        .collect(
            CollectRequest::new(key("renewal-1"), uah(100)).payer(Party::SavedCard(secret(&token))),
        )
        .await
        .unwrap_err();
    assert!(matches!(other, Error::Conflict { .. }), "{other:?}");
    assert_eq!(setup.posts(WALLET), 1);
}

#[tokio::test]
async fn the_same_key_with_another_saved_card_is_a_conflict() {
    // Arrange: two cards saved in two wallets.
    let setup = sandbox().await;
    let provider = setup.provider();
    let first_card = saved_card(&setup, &provider, "wallet-a").await;
    let second_card = saved_card(&setup, &provider, "wallet-b").await;
    assert_ne!(first_card, second_card);
    let before = setup.booked();
    let with = |token: &str| {
        CollectRequest::new(key("sub-42"), uah(2500)).payer(Party::SavedCard(secret(token)))
    };

    // Act
    let paid = provider.collect(with(&first_card)).await.unwrap();
    let other = provider.collect(with(&second_card)).await;

    // Assert: the second card is not charged, nor is the first card's payment passed off
    // as the second card's.
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    let error = other.unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error:?}");
    assert_eq!(setup.moved_since(before), vec![2500]);
    assert_eq!(setup.posts(WALLET), 1);
}

// ---- 3. across processes ---------------------------------------------------------------

fn record_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("monobank-payments-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_second_process_with_the_record_file_never_charges_a_lost_charge_again() {
    // Arrange
    let setup = sandbox().await;
    let dir = record_dir("processes");
    let file = dir.join("once.json");
    let mut config = setup.merchant_config();
    config.idempotency_file = Some(file.clone());
    let before = setup.booked();
    setup.monobank.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path(DIRECT)
            .times(1),
    );

    // Act: the first process loses the answer.
    let first = config.build(&setup.context()).unwrap();
    let lost = first
        .payment()
        .unwrap()
        .collect(charge("order-9", 1500, PAID))
        .await;
    drop(first);

    // A second process, while the bank's statement does not list the charge yet: nothing
    // to find, and it is not sent again.
    setup.monobank.inject(
        Fault::status(200)
            .body(serde_json::json!({"list": []}))
            .on("GET", "/api/merchant/statement"),
    );
    let second = config.build(&setup.context()).unwrap();
    let unknown = second
        .payment()
        .unwrap()
        .collect(charge("order-9", 1500, PAID))
        .await;
    drop(second);

    // A third process, once the statement lists it: the payment itself.
    let third = config.build(&setup.context()).unwrap();
    let found = third
        .payment()
        .unwrap()
        .collect(charge("order-9", 1500, PAID))
        .await;

    // Assert
    assert_lost(&lost);
    let unknown = unknown.unwrap_err();
    assert!(
        matches!(unknown, Error::OutcomeUnknown { .. }),
        "{unknown:?}"
    );
    assert!(setup.monobank.faults().is_empty(), "both faults were hit");
    let invoices = setup.statement_ids(&setup.provider(), "order-9").await;
    assert_eq!(invoices.len(), 1);
    assert_found(&found, &invoices[0], 1500);
    assert_eq!(setup.moved_since(before), vec![1500], "charged once in all");
    assert_eq!(setup.posts(DIRECT), 1);

    // The record file: private, and without the card or the token.
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("order-9"), "{text}");
    for secret_text in [PAID, "12/30", "1230", setup.merchant_token.as_str()] {
        assert!(!text.contains(secret_text), "{secret_text} in {text}");
    }
    assert!(!text.to_lowercase().contains("cvv"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- 4. invoice creates ----------------------------------------------------------------

/// The id the sandbox gives its first invoice: ids come from the seed and a counter, so a
/// second sandbox with the same seed names its first invoice alike.
async fn first_invoice_id() -> String {
    let twin = sandbox().await;
    twin.provider()
        .collect(page("twin", 100))
        .await
        .unwrap()
        .id
        .id()
        .to_owned()
}

#[tokio::test]
async fn a_lost_invoice_create_is_sent_again_and_the_first_invoice_can_be_removed() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let lost_id = first_invoice_id().await;
    let invoices_before = setup.monobank.state_sizes()["invoices"].as_u64().unwrap();
    let before = setup.booked();
    setup.monobank.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path(CREATE)
            .times(1),
    );

    // Act
    let lost = provider.collect(page("basket-1", 31_000)).await;
    let second = provider.collect(page("basket-1", 31_000)).await.unwrap();

    // Assert: a second invoice, both at the bank.
    assert_lost(&lost);
    assert!(setup.monobank.faults().is_empty());
    assert_eq!(setup.posts(CREATE), 2);
    assert_eq!(
        setup.monobank.state_sizes()["invoices"].as_u64().unwrap(),
        invoices_before + 2
    );
    assert_ne!(second.id.id(), lost_id);
    assert_eq!(second.status, PaymentStatus::Pending);
    assert!(second.payment_url.is_some());
    let lost_invoice = PaymentId::new(PaymentKind::Collection, "invoice", lost_id.as_str());
    let first = provider.status(&lost_invoice).await.unwrap();
    assert_eq!(first.reference.as_deref(), Some("basket-1"), "ours");
    assert_eq!(first.status, PaymentStatus::Pending);
    assert_eq!(
        provider.status(&second.id).await.unwrap().amount,
        uah(31_000)
    );

    // The first one is withdrawn; its page can no longer take money.
    let removed = provider.cancel(&lost_invoice).await.unwrap();
    assert_eq!(removed.status, PaymentStatus::Cancelled);
    let after = provider.status(&lost_invoice).await.unwrap();
    assert!(after.status.is_final(), "{after:?}");
    assert!(matches!(
        after.status,
        PaymentStatus::Cancelled | PaymentStatus::Expired
    ));
    let pay = setup.monobank.trigger(SandboxEvent::PayerActs {
        payment_id: lost_id.clone(),
        outcome: TestOutcome::Success,
    });
    assert!(pay.is_err(), "a removed invoice is not payable");

    // The recorded answer now stands for the key.
    let third = provider.collect(page("basket-1", 31_000)).await.unwrap();
    assert_eq!(third.id, second.id);
    assert_eq!(setup.posts(CREATE), 2);
    let conflict = provider.collect(page("basket-1", 1)).await.unwrap_err();
    assert!(matches!(conflict, Error::Conflict { .. }), "{conflict:?}");
    assert!(setup.moved_since(before).is_empty(), "no money moved");
}

#[tokio::test]
async fn a_refused_invoice_create_leaves_the_key_free_for_a_corrected_request() {
    // Arrange: a destination over the bank's 280 characters is refused with 400.
    let setup = sandbox().await;
    let provider = setup.provider();
    let too_long = CollectRequest::new(key("basket-2"), uah(700)).description("я".repeat(281));

    // Act
    let refused = provider.collect(too_long).await.unwrap_err();
    let corrected = provider
        .collect(CollectRequest::new(key("basket-2"), uah(700)).description("Кошик"))
        .await;

    // Assert: the corrected request is another request under the same key, and it is
    // sent, not a conflict with the refused one.
    assert!(
        matches!(refused, Error::InvalidRequest { .. }),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("INVALID_MERCHANT_PAYM_INFO"),
        "{refused}"
    );
    let corrected = corrected.unwrap();
    assert_eq!(corrected.status, PaymentStatus::Pending);
    assert_eq!(setup.posts(CREATE), 2);
    // From now on the key is taken by the corrected request.
    let conflict = provider
        .collect(CollectRequest::new(key("basket-2"), uah(800)).description("Кошик"))
        .await
        .unwrap_err();
    assert!(matches!(conflict, Error::Conflict { .. }), "{conflict:?}");
}

#[tokio::test]
async fn a_lost_invoice_create_keeps_its_key_for_the_same_request_only() {
    let setup = sandbox().await;
    let provider = setup.provider();
    setup.monobank.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path(CREATE)
            .times(1),
    );
    assert_lost(&provider.collect(page("basket-3", 500)).await);
    let conflict = provider.collect(page("basket-3", 600)).await.unwrap_err();
    assert!(matches!(conflict, Error::Conflict { .. }), "{conflict:?}");
    assert_eq!(setup.posts(CREATE), 1);
}

// ---- 5. holds --------------------------------------------------------------------------

#[tokio::test]
async fn a_hold_is_captured_in_part_and_only_the_captured_amount_moves() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let before = setup.booked();
    let held = provider.collect(page("hold-1", 5000).hold()).await.unwrap();
    assert_eq!(held.capture, Some(CaptureMode::Hold));
    setup.pay(&held.id, TestOutcome::Success);
    let authorized = provider.status(&held.id).await.unwrap();
    assert_eq!(authorized.status, PaymentStatus::Authorized);
    assert!(
        setup.moved_since(before).is_empty(),
        "a hold moves nothing yet"
    );

    // Act: more than the hold is refused before anything is sent.
    let too_much = provider
        .capture(CaptureRequest::new(held.id.clone()).amount(uah(5001)))
        .await
        .unwrap_err();
    let captured = provider
        .capture(CaptureRequest::new(held.id.clone()).amount(uah(3000)))
        .await
        .unwrap();

    // Assert
    assert!(
        matches!(
            too_much,
            Error::InvalidRequest { .. } | Error::Conflict { .. }
        ),
        "{too_much:?}"
    );
    assert_eq!(
        setup.posts(FINALIZE),
        1,
        "only the fitting capture was sent"
    );
    assert_eq!(captured.status, PaymentStatus::Succeeded);
    assert_eq!(captured.final_amount, Some(uah(3000)));
    assert_eq!(captured.amount, uah(5000));
    assert_eq!(setup.moved_since(before), vec![3000]);
    // Captured once: a second capture is a conflict, nothing is sent.
    let again = provider
        .capture(CaptureRequest::new(held.id.clone()))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Conflict { .. }), "{again:?}");
    assert_eq!(setup.posts(FINALIZE), 1);
    assert_eq!(setup.moved_since(before), vec![3000]);
}

#[tokio::test]
async fn a_cancelled_hold_is_released_and_moves_no_money() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let before = setup.booked();
    let held = provider
        .collect(charge("hold-2", 8000, PAID).hold())
        .await
        .unwrap();
    assert_eq!(held.status, PaymentStatus::Authorized);
    assert_eq!(
        provider.status(&held.id).await.unwrap().status,
        PaymentStatus::Authorized
    );

    // Act
    let released = provider.cancel(&held.id).await.unwrap();

    // Assert
    assert_eq!(released.status, PaymentStatus::Cancelled);
    assert!(released.refunds.is_empty(), "{:?}", released.refunds);
    let status = provider.status(&held.id).await.unwrap();
    assert_ne!(status.status, PaymentStatus::Authorized);
    assert!(status.status.is_final());
    assert_eq!(status.final_amount, Some(uah(0)));
    assert!(
        setup.moved_since(before).is_empty(),
        "nothing charged, nothing refunded"
    );
    let capture = provider
        .capture(CaptureRequest::new(held.id.clone()))
        .await
        .unwrap_err();
    assert!(matches!(capture, Error::Conflict { .. }), "{capture:?}");
}

#[tokio::test]
async fn a_hold_left_alone_is_released_by_the_bank_and_reads_cancelled() {
    let setup = sandbox().await;
    let provider = setup.provider();
    let before = setup.booked();
    let held = provider
        .collect(charge("hold-3", 1200, PAID).hold())
        .await
        .unwrap();
    setup.sandbox.advance(Duration::from_secs(10 * 24 * 3600));
    let status = provider.status(&held.id).await.unwrap();
    assert_eq!(status.provider_status, "reversed");
    assert_eq!(status.status, PaymentStatus::Cancelled, "{status:?}");
    assert!(status.refunds.is_empty());
    assert!(setup.moved_since(before).is_empty());
}

// ---- 6. refunds ------------------------------------------------------------------------

#[tokio::test]
async fn refunds_in_parts_are_listed_and_a_lost_refund_is_found_by_its_key() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let paid = provider
        .collect(charge("order-r", 10_000, PAID))
        .await
        .unwrap();
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    let before = setup.booked();
    let refund = |k: &str, minor: Option<i64>| {
        let request = RefundRequest::new(key(k), paid.id.clone());
        match minor {
            Some(minor) => request.amount(uah(minor)),
            None => request,
        }
    };

    // Act 1: a part.
    let part = provider
        .refund(refund("refund-1", Some(3000)))
        .await
        .unwrap();
    let after_part = provider.status(&paid.id).await.unwrap();

    // Assert 1
    assert_eq!(part.amount, uah(3000));
    assert_eq!(part.status, RefundStatus::Succeeded);
    assert_eq!(part.reference.as_deref(), Some("refund-1"));
    assert!(part.created_at.is_some() && part.updated_at.is_some());
    assert_eq!(after_part.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(after_part.final_amount, Some(uah(7000)));
    assert_eq!(after_part.refunds.len(), 1);
    assert_eq!(after_part.refunds[0].amount, uah(3000));
    assert_eq!(after_part.refunds[0].id, part.id);
    assert_eq!(setup.moved_since(before), vec![-3000]);

    // Act 2: a part whose answer is lost, then the same key again.
    setup.monobank.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path(CANCEL)
            .times(1),
    );
    let lost = provider.refund(refund("refund-2", Some(2000))).await;
    let found = provider
        .refund(refund("refund-2", Some(2000)))
        .await
        .unwrap();
    let other_amount = provider
        .refund(refund("refund-2", Some(1000)))
        .await
        .unwrap_err();

    // Assert 2
    assert_lost(&lost);
    assert!(setup.monobank.faults().is_empty());
    assert_eq!(found.amount, uah(2000));
    assert_eq!(found.reference.as_deref(), Some("refund-2"));
    assert_eq!(found.status, RefundStatus::Succeeded);
    assert!(
        matches!(other_amount, Error::Conflict { .. }),
        "{other_amount:?}"
    );
    assert_eq!(
        setup.moved_since(before),
        vec![-3000, -2000],
        "refunded once"
    );
    assert_eq!(setup.posts(CANCEL), 2);

    // Act 3: the rest.
    let rest = provider.refund(refund("refund-3", None)).await.unwrap();
    let refunded = provider.status(&paid.id).await.unwrap();

    // Assert 3
    assert_eq!(rest.amount, uah(5000));
    assert_eq!(refunded.status, PaymentStatus::Refunded);
    assert_eq!(refunded.final_amount, Some(uah(0)));
    let listed: Vec<(Money, RefundStatus, Option<&str>)> = refunded
        .refunds
        .iter()
        .map(|r| (r.amount, r.status, r.reference.as_deref()))
        .collect();
    assert_eq!(
        listed,
        vec![
            (uah(3000), RefundStatus::Succeeded, Some("refund-1")),
            (uah(2000), RefundStatus::Succeeded, Some("refund-2")),
            (uah(5000), RefundStatus::Succeeded, Some("refund-3")),
        ]
    );
    assert!(refunded
        .refunds
        .iter()
        .all(|r| r.created_at.is_some() && r.updated_at.is_some()));
    assert_eq!(setup.moved_since(before), vec![-3000, -2000, -5000]);
    let nothing_left = provider
        .refund(refund("refund-4", Some(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(nothing_left, Error::Conflict { .. }),
        "{nothing_left:?}"
    );

    // A refund's own status, by its id (resource `cancel`, within the invoice).
    let id = part.id.clone().unwrap();
    assert_eq!(id.resource(), "cancel");
    assert_eq!(id.kind(), PaymentKind::Refund);
    assert_eq!(id.parent(), Some(paid.id.id()));
    let status = provider.status(&id).await.unwrap();
    assert_eq!(status.status, PaymentStatus::Succeeded);
    assert_eq!(status.amount, uah(3000));
    assert_eq!(status.reference.as_deref(), Some("refund-1"));
    let unknown = PaymentId::new(PaymentKind::Refund, "cancel", "nope").within(&paid.id);
    let error = provider.status(&unknown).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
}

// ---- 7. find ---------------------------------------------------------------------------

#[tokio::test]
async fn find_sees_a_paid_invoice_by_its_reference_but_not_an_unpaid_one() {
    // Arrange
    let setup = sandbox().await;
    let provider = setup.provider();
    let paid = provider
        .collect(page("k-paid", 1800).reference("shop-order-1"))
        .await
        .unwrap();
    let unpaid = provider
        .collect(page("k-unpaid", 1900).reference("shop-order-2"))
        .await
        .unwrap();
    setup.pay(&paid.id, TestOutcome::Success);

    // Act
    let found = provider
        .find(PaymentKind::Collection, "shop-order-1")
        .await
        .unwrap();
    let not_found = provider
        .find(PaymentKind::Collection, "shop-order-2")
        .await
        .unwrap();

    // Assert: the merchant statement lists what a payer paid (or tried to), so an invoice
    // nobody has paid is not there yet.
    let found = found.unwrap();
    assert_eq!(found.id, paid.id);
    assert_eq!(found.status, PaymentStatus::Succeeded);
    assert_eq!(found.reference.as_deref(), Some("shop-order-1"));
    assert!(not_found.is_none());
    assert_eq!(
        provider.status(&unpaid.id).await.unwrap().status,
        PaymentStatus::Pending
    );
    assert!(provider
        .find(PaymentKind::Refund, "shop-order-1")
        .await
        .unwrap()
        .is_none());
}

// ---- 8. capabilities and what is shown -------------------------------------------------

fn reason(support: &Support) -> &str {
    match support {
        Support::Unsupported { reason } => reason,
        other => panic!("{other:?} is supported"),
    }
}

#[tokio::test]
async fn capabilities_follow_the_tokens_configured() {
    let setup = sandbox().await;

    let merchant = setup.merchant_config().build(&setup.context()).unwrap();
    assert!(merchant.payment().is_some());
    assert!(merchant.balance().is_none());
    assert!(merchant.statement().is_none());
    let caps = merchant.capabilities();
    assert!(caps.payment.is_supported());
    assert!(reason(&caps.balance).contains("personal"));
    assert!(reason(&caps.statement).contains("personal"));
    for operation in [
        PaymentOperation::CollectPage,
        PaymentOperation::ChargeCard,
        PaymentOperation::ChargeSavedCard,
        PaymentOperation::Hold,
        PaymentOperation::PartialCapture,
        PaymentOperation::PartialRefund,
        PaymentOperation::Find,
    ] {
        assert!(caps.payment_operations.offers(operation), "{operation:?}");
    }
    assert!(!caps.payment_operations.offers(PaymentOperation::PayOut));
    // A merchant token registers no webhook: acquiring webhooks go to each invoice.
    let webhook = merchant.webhook().unwrap();
    assert!(webhook.list().await.unwrap().is_empty());
    let refused = webhook.register("https://shop.example/hook", None).await;
    assert!(
        matches!(refused, Err(bankkit_core::Error::Unsupported { .. })),
        "{refused:?}"
    );

    let personal = MonobankConfig::new(secret(&setup.token))
        .with_base_url(setup.monobank.base_url())
        .build(&setup.context())
        .unwrap();
    assert!(personal.payment().is_none());
    let caps = personal.capabilities();
    assert!(reason(&caps.payment).contains("merchant_token"));
    assert!(caps.payment_operations.is_empty());
    assert!(caps.balance.is_supported());

    for provider in [&merchant, &personal] {
        let shown = format!("{provider:?}");
        assert!(!shown.contains(&setup.token), "{shown}");
        assert!(!shown.contains(&setup.merchant_token), "{shown}");
    }
}

#[tokio::test]
async fn debug_of_requests_and_the_provider_never_shows_the_card_or_tokens() {
    let setup = sandbox().await;
    let provider = setup.provider();
    let both = MonobankProvider::new(
        MonobankClient::builder()
            .token(secret(&setup.token))
            .merchant_token(secret(&setup.merchant_token))
            .base_url(setup.monobank.base_url())
            .build()
            .unwrap(),
    );
    let with_card = charge("order-d", 100, PAID).callback_url("http://127.0.0.1:9/h");
    let with_token = CollectRequest::new(key("order-e"), uah(100))
        .payer(Party::SavedCard(secret("tok_5ecr3tC4rdT0ken")));
    for shown in [
        format!("{provider:?}"),
        format!("{both:?}"),
        format!("{with_card:?}"),
        format!("{with_token:?}"),
    ] {
        for hidden in [
            PAID,
            CVV,
            "12/30",
            "tok_5ecr3tC4rdT0ken",
            setup.token.as_str(),
            setup.merchant_token.as_str(),
        ] {
            assert!(!shown.contains(hidden), "{hidden} in {shown}");
        }
    }
    assert!(format!("{with_card:?}").contains("424242******4242"));
}

// ---- 9. webhooks -----------------------------------------------------------------------

#[tokio::test]
async fn an_acquiring_webhook_verifies_into_a_payment_status_and_a_changed_byte_does_not() {
    // Arrange
    let setup = sandbox().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/acquiring"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let merchant_only = setup.provider();
    let both = MonobankProvider::new(
        MonobankClient::builder()
            .token(secret(&setup.token))
            .merchant_token(secret(&setup.merchant_token))
            .base_url(setup.monobank.base_url())
            .clock(setup.sandbox.clock().shared())
            .build()
            .unwrap(),
    );
    let invoice = merchant_only
        .collect(page("order-w", 4400).callback_url(format!("{}/hooks/acquiring", receiver.uri())))
        .await
        .unwrap();

    // Act
    setup.pay(&invoice.id, TestOutcome::Success);
    let deliveries = setup
        .monobank
        .wait_for_deliveries(2, Duration::from_secs(10))
        .await;
    assert_eq!(deliveries.len(), 2, "processing and success");
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);

    // Assert
    let mut statuses = Vec::new();
    for provider in [&merchant_only, &both] {
        for request in &received {
            let event = provider
                .verify_and_parse(WebhookRequest::new(&request.headers, &request.body))
                .await
                .unwrap();
            let WebhookEvent::PaymentStatus { payment } = event else {
                panic!("not a payment status event");
            };
            assert_eq!(payment.id, invoice.id);
            assert_eq!(payment.amount, uah(4400));
            statuses.push(payment.status);
        }
    }
    assert!(statuses.contains(&PaymentStatus::Succeeded), "{statuses:?}");
    assert!(statuses.contains(&PaymentStatus::Pending), "{statuses:?}");
    let webhook = merchant_only.webhook().unwrap();
    for request in &received {
        let mut body = request.body.clone();
        let at = body.iter().position(|b| *b == b'4').unwrap();
        body[at] = b'5';
        let error = webhook
            .verify_and_parse(WebhookRequest::new(&request.headers, &body))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Signature { .. }), "{error:?}");
    }
}

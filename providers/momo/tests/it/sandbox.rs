//! The provider against the in-process sandbox's MoMo imitation.

use bankkit_core::PaymentOperation;
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::{FailureReason, Party};
use bankkit_core::registry::{self, BuildContext, SandboxTarget};
use bankkit_core::secret::{secret, ExposeSecret};
use bankkit_core::token::MemoryTokenStore;
use bankkit_core::{
    AccountId, AccountKind, Balance, CollectRequest, Error, IdempotencyKey, Payment,
    PaymentDetails, PaymentKind, PaymentStatus, PayoutRequest, Provider, RefundRequest, Webhook,
    WebhookEvent, WebhookRequest,
};
use bankkit_momo::wire::CreateApiUser;
use bankkit_momo::{MomoClient, MomoConfig, MomoProvider, Product, Provisioning, ReferenceId};
use bankkit_sandbox::{Fault, ProviderHandle, Sandbox, TestOutcome};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Setup {
    sandbox: Sandbox,
    momo: ProviderHandle,
}

async fn sandbox() -> Setup {
    let sandbox = Sandbox::builder()
        .providers(["momo"])
        .start()
        .await
        .unwrap();
    let momo = sandbox
        .provider("momo")
        .expect("the sandbox has no MoMo imitation yet");
    Setup { sandbox, momo }
}

impl Setup {
    fn credential(&self, name: &str) -> String {
        self.momo.credentials()[name].as_str().unwrap().to_owned()
    }

    fn config(&self) -> MomoConfig {
        MomoConfig::new(
            self.credential("api_user"),
            secret(self.credential("api_key")),
        )
        .with_subscription_key(
            Product::Collection,
            secret(self.credential("collection_key")),
        )
        .with_subscription_key(
            Product::Disbursement,
            secret(self.credential("disbursement_key")),
        )
        .with_subscription_key(
            Product::Remittance,
            secret(self.credential("remittance_key")),
        )
        .with_target_environment(self.credential("target_environment"))
        .with_base_url(self.momo.base_url())
    }

    fn context(&self) -> BuildContext {
        BuildContext::default()
            .with_clock(self.sandbox.clock().shared())
            .with_token_store(Arc::new(MemoryTokenStore::new()))
    }

    fn provider(&self) -> MomoProvider {
        self.config().provider(&self.context()).unwrap()
    }

    fn party(&self, outcome: TestOutcome) -> Party {
        Party::phone(self.momo.test_party(outcome).unwrap().value).unwrap()
    }

    fn advance(&self, seconds: u64) {
        self.sandbox.advance(Duration::from_secs(seconds));
    }
}

fn eur(amount: &str) -> Money {
    Money::parse(amount, currency_from_code("EUR").unwrap()).unwrap()
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).unwrap()
}

fn collect(key_text: &str, amount: &str, payer: Party) -> CollectRequest {
    CollectRequest::new(key(key_text), eur(amount))
        .payer(payer)
        .description("Order 42")
}

fn payout(key_text: &str, amount: &str, payee: Party) -> PayoutRequest {
    PayoutRequest::new(key(key_text), eur(amount), payee)
}

#[tokio::test]
async fn provisioning_creates_a_user_whose_key_mints_tokens() {
    let s = sandbox().await;
    let provisioning = Provisioning::new(
        &s.momo.base_url(),
        secret(s.credential("collection_key")),
        Default::default(),
        None,
    )
    .unwrap();
    let user = ReferenceId::random();

    provisioning
        .create_api_user(&user, &CreateApiUser::new(s.credential("callback_host")))
        .await
        .unwrap();
    let details = provisioning.api_user(&user).await.unwrap();
    let key = provisioning.create_api_key(&user).await.unwrap();

    assert_eq!(details.target_environment.as_deref(), Some("sandbox"));
    assert_eq!(
        details.provider_callback_host.as_deref(),
        Some(s.credential("callback_host").as_str())
    );
    assert_eq!(key.api_key.expose_secret().len(), 32);
    let client = MomoClient::builder()
        .base_url(s.momo.base_url())
        .credentials(user.as_str(), key.api_key.clone())
        .subscription_key(Product::Collection, secret(s.credential("collection_key")))
        .clock(s.sandbox.clock().shared())
        .build()
        .unwrap();
    let balance = client.collection().balance().await.unwrap();
    assert_eq!(balance.currency, "EUR");
    let err = provisioning
        .create_api_user(&user, &CreateApiUser::new("127.0.0.1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn a_wrong_api_key_is_an_unauthorized_error_naming_the_api_user() {
    let s = sandbox().await;
    let mut config = s.config();
    config.api_key = secret("00000000000000000000000000000000");
    let provider = config.provider(&s.context()).unwrap();

    let err = provider.accounts().await.unwrap_err();

    assert!(
        matches!(&err, Error::Unauthorized { message } if message.contains(&s.credential("api_user"))),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&s.credential("api_key")));
}

#[tokio::test]
async fn collect_and_pay_out_reach_success_as_the_clock_advances() {
    let s = sandbox().await;
    let momo = s.provider();

    let collected = momo
        .collect(collect("order-1", "15.50", s.party(TestOutcome::Success)))
        .await
        .unwrap();
    let paid = momo
        .pay_out(payout("payout-1", "7.25", s.party(TestOutcome::Success)))
        .await
        .unwrap();

    assert_eq!(collected.status, PaymentStatus::Pending);
    assert_eq!(collected.kind(), PaymentKind::Collection);
    assert_eq!(collected.id.resource(), "requesttopay");
    assert_eq!(paid.kind(), PaymentKind::Payout);
    assert_eq!(paid.id.resource(), "transfer");
    let pending = momo.status(&collected.id).await.unwrap();
    assert_eq!(pending.status, PaymentStatus::Pending);
    s.advance(6);
    let collected = momo.status(&collected.id).await.unwrap();
    let paid = momo.status(&paid.id).await.unwrap();
    assert_eq!(collected.status, PaymentStatus::Succeeded);
    assert_eq!(collected.provider_status, "SUCCESSFUL");
    assert_eq!(collected.amount, eur("15.50"));
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.amount, eur("7.25"));
}

#[tokio::test]
async fn a_pending_number_stays_pending() {
    let s = sandbox().await;
    let momo = s.provider();
    let p = momo
        .collect(collect("order-p", "1.00", s.party(TestOutcome::Pending)))
        .await
        .unwrap();

    s.advance(3600);

    assert_eq!(
        momo.status(&p.id).await.unwrap().status,
        PaymentStatus::Pending
    );
}

/// With the third-party extended numbers switched on in the sandbox (the documented table
/// alone fails only …450–…454), each failure code maps to a clear core reason.
#[tokio::test]
async fn failure_numbers_map_to_clear_reasons() {
    let s = sandbox().await;
    s.momo
        .trigger(bankkit_sandbox::SandboxEvent::Custom(serde_json::json!({
            "type": "magic_numbers",
            "extended": true
        })))
        .unwrap();
    let momo = s.provider();
    let msisdn = |n: &str| Party::phone(n).unwrap();
    let mut cases: Vec<(PaymentDetails, FailureReason, &str)> = Vec::new();
    for (n, reason, code) in [
        (
            "46733123450",
            FailureReason::ProviderError,
            "INTERNAL_PROCESSING_ERROR",
        ),
        (
            "46733123451",
            FailureReason::PayerDeclined,
            "APPROVAL_REJECTED",
        ),
        (
            "46733123455",
            FailureReason::PartyNotFound,
            "PAYER_NOT_FOUND",
        ),
        (
            "46733123463",
            FailureReason::PayerDeclined,
            "COULD_NOT_PERFORM_TRANSACTION",
        ),
    ] {
        let p = momo
            .collect(collect(&format!("fail-{n}"), "2.00", msisdn(n)))
            .await
            .unwrap();
        cases.push((p, reason, code));
    }
    for (n, reason, code) in [
        (
            "46733123455",
            FailureReason::InsufficientFunds,
            "NOT_ENOUGH_FUNDS",
        ),
        (
            "46733123457",
            FailureReason::PartyNotFound,
            "PAYEE_NOT_FOUND",
        ),
    ] {
        let p = momo
            .pay_out(payout(&format!("fail-out-{n}"), "2.00", msisdn(n)))
            .await
            .unwrap();
        cases.push((p, reason, code));
    }

    s.advance(6);

    for (payment, reason, code) in cases {
        let now = momo.status(&payment.id).await.unwrap();
        assert_eq!(now.status, PaymentStatus::Failed, "{code}");
        let failure = now.failure.expect("a failure");
        assert_eq!(failure.reason, reason, "{code}");
        assert_eq!(failure.provider_code.as_deref(), Some(code));
    }
}

#[tokio::test]
async fn a_successful_collection_is_refunded_to_its_payer() {
    let s = sandbox().await;
    let momo = s.provider();
    let paid = momo
        .collect(collect("order-r", "20.00", s.party(TestOutcome::Success)))
        .await
        .unwrap();
    let early = momo
        .refund(RefundRequest::new(key("refund-early"), paid.id.clone()))
        .await
        .unwrap_err();
    assert!(matches!(early, Error::Conflict { .. }), "{early:?}");
    s.advance(6);

    let refund = momo
        .refund(RefundRequest::new(key("refund-r"), paid.id.clone()))
        .await
        .unwrap();
    s.advance(6);

    assert_eq!(refund.payment_id, paid.id);
    let refund_id = refund
        .id
        .clone()
        .expect("a MoMo refund has an id of its own");
    assert_eq!(refund_id.kind(), PaymentKind::Refund);
    assert_eq!(refund_id.resource(), "refund");
    let refund = momo.status(&refund_id).await.unwrap();
    assert_eq!(refund.status, PaymentStatus::Succeeded);
    assert_eq!(refund.kind(), PaymentKind::Refund);
    assert_eq!(refund.amount, eur("20.00"));
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_returns_the_existing_payment_once() {
    let s = sandbox().await;
    let momo = s.provider();
    momo.accounts().await.unwrap(); // tokens minted: the fault hits the create
    s.momo.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path("/collection/v1_0/requesttopay")
            .times(1),
    );

    let payment = momo
        .collect(collect("order-lost", "9.99", s.party(TestOutcome::Success)))
        .await
        .unwrap();
    let again = momo
        .collect(collect("order-lost", "9.99", s.party(TestOutcome::Success)))
        .await
        .unwrap();
    let different = momo
        .collect(collect("order-lost", "1.00", s.party(TestOutcome::Success)))
        .await
        .unwrap_err();
    s.advance(6);

    assert_eq!(payment.id, again.id);
    assert!(matches!(different, Error::Conflict { .. }), "{different:?}");
    let reference = ReferenceId::from_idempotency_key(&key("order-lost"));
    assert_eq!(payment.id.id(), reference.as_str());
    let ledger = s.momo.ledger();
    let collection = ledger.account("collection").unwrap();
    let matching: Vec<_> = collection
        .transactions
        .iter()
        .filter(|t| t.id == reference.as_str())
        .collect();
    assert_eq!(matching.len(), 1, "{:?}", collection.transactions);
    assert_eq!(matching[0].amount_minor, 999);
    assert!(s.momo.faults().is_empty());
}

#[tokio::test]
async fn balances_match_the_ledger() {
    let s = sandbox().await;
    let momo = s.provider();
    momo.collect(collect("order-b", "10.00", s.party(TestOutcome::Success)))
        .await
        .unwrap();
    s.advance(6);

    let accounts = momo.accounts().await.unwrap();

    let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["collection", "disbursement", "remittance"]);
    let ledger = s.momo.ledger();
    for account in &accounts {
        assert_eq!(account.kind, AccountKind::Merchant);
        assert_eq!(account.currency.code(), "EUR");
        let balance = Balance::balance(&momo, &account.id).await.unwrap();
        let expected = ledger.account(account.id.as_str()).unwrap().balance_minor;
        assert_eq!(
            balance.available.to_minor().unwrap(),
            expected,
            "{}",
            account.id
        );
    }
    let err = Balance::balance(&momo, &AccountId::new("savings"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
}

#[tokio::test]
async fn a_callback_is_confirmed_by_re_reading_the_status() {
    let s = sandbox().await;
    let receiver = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let momo = s.provider();
    let url = format!("{}/momo/callback?shop=1", receiver.uri());
    momo.register(&url, None).await.unwrap();
    assert_eq!(momo.list().await.unwrap()[0].url, url);
    let payment = momo
        .collect(collect("order-cb", "12.50", s.party(TestOutcome::Success)))
        .await
        .unwrap();

    s.advance(6);
    let deliveries = s.momo.wait_for_deliveries(1, Duration::from_secs(5)).await;

    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let received = receiver.received_requests().await.unwrap();
    let callback = received.last().expect("a callback arrived");
    let uri = match callback.url.query() {
        Some(q) => format!("{}?{q}", callback.url.path()),
        None => callback.url.path().to_owned(),
    };
    let event = momo
        .verify_and_parse(WebhookRequest::new(&callback.headers, &callback.body).with_uri(&uri))
        .await
        .unwrap();
    match event {
        WebhookEvent::PaymentStatus { payment: confirmed } => {
            assert_eq!(confirmed.id, payment.id);
            assert_eq!(confirmed.status, PaymentStatus::Succeeded);
            assert_eq!(confirmed.amount, eur("12.50"));
        }
        other => panic!("{other:?}"),
    }
    // A forged body (a success claimed as a failure, or another amount) does not verify.
    let forged = String::from_utf8(callback.body.clone())
        .unwrap()
        .replace("SUCCESSFUL", "FAILED");
    let err = momo
        .verify_and_parse(WebhookRequest::new(&callback.headers, forged.as_bytes()).with_uri(&uri))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Signature { .. }), "{err:?}");
    let err = momo
        .verify_and_parse(WebhookRequest::new(&callback.headers, &callback.body))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Signature { .. }), "{err:?}");
    momo.remove(&bankkit_core::WebhookId::new("callback"))
        .await
        .unwrap();
    assert!(momo.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn cancel_is_unsupported_and_statements_are_absent() {
    let s = sandbox().await;
    let momo = s.provider();
    let p = momo
        .collect(collect("order-c", "1.00", s.party(TestOutcome::Pending)))
        .await
        .unwrap();

    let err = momo.cancel(&p.id).await.unwrap_err();

    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    let ops = momo.capabilities().payment_operations;
    assert!(
        !ops.offers(PaymentOperation::CancelUnpaid) && !ops.offers(PaymentOperation::CancelHold)
    );
    assert!(momo.statement().is_none());
    assert!(!momo.capabilities().statement.is_supported());
}

#[tokio::test]
async fn the_registry_builds_momo_for_the_sandbox() {
    let s = sandbox().await;
    let registration = registry::find("momo").expect("momo is registered");
    let target = SandboxTarget::new(s.momo.base_url(), s.momo.credentials());

    let config = (registration.sandbox_config)(&target).unwrap();
    let provider = config.build(&s.context()).unwrap();

    assert_eq!(provider.id(), "momo");
    let accounts = provider.balance().unwrap().accounts().await.unwrap();
    assert_eq!(accounts.len(), 3);
}

#[tokio::test]
async fn an_accepted_create_whose_status_is_unreadable_is_pending_never_not_found() {
    let s = sandbox().await;
    let momo = s.provider();
    let payer = s.party(TestOutcome::Success);
    let first = momo
        .collect(collect("order-unread", "3.00", payer.clone()))
        .await
        .unwrap();
    let paid = momo
        .pay_out(payout("payout-unread", "4.00", payer.clone()))
        .await
        .unwrap();

    // The repeat is answered 409; MoMo has not caught up and its status GET answers 404.
    s.momo
        .inject(Fault::status(404).on("GET", "/collection/v1_0/requesttopay/"));
    let again = momo
        .collect(collect("order-unread", "3.00", payer.clone()))
        .await
        .unwrap();
    assert!(
        s.momo.faults().is_empty(),
        "the status read was not faulted"
    );
    // The same with a 5xx on every attempt of the status read.
    s.momo.inject(
        Fault::status(500)
            .on("GET", "/disbursement/v1_0/transfer/")
            .times(3),
    );
    let paid_again = momo
        .pay_out(payout("payout-unread", "4.00", payer))
        .await
        .unwrap();
    assert!(
        s.momo.faults().is_empty(),
        "the status read was not faulted"
    );
    s.advance(6);

    assert_eq!(again.id, first.id);
    assert_eq!(again.status, PaymentStatus::Pending);
    assert_eq!(again.amount, eur("3.00"));
    assert_eq!(again.kind(), PaymentKind::Collection);
    assert_eq!(paid_again.id, paid.id);
    assert_eq!(paid_again.status, PaymentStatus::Pending);
    assert_eq!(paid_again.amount, eur("4.00"));
    // One payment each, both successful.
    assert_eq!(
        momo.status(&first.id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
    let ledger = s.momo.ledger();
    let moved = |account: &str, minor: i64| {
        ledger
            .account(account)
            .unwrap()
            .transactions
            .iter()
            .filter(|t| t.amount_minor == minor)
            .count()
    };
    assert_eq!(moved("collection", 300), 1);
    assert_eq!(moved("disbursement", -400), 1);
}

#[tokio::test]
async fn a_reused_key_with_another_party_is_a_conflict() {
    let s = sandbox().await;
    let momo = s.provider();
    let payer = "46733123466";
    let other = "46733123467";
    let first = momo
        .collect(collect("order-party", "5.00", Party::phone(payer).unwrap()))
        .await
        .unwrap();
    momo.pay_out(payout("payout-party", "5.00", Party::phone(payer).unwrap()))
        .await
        .unwrap();

    let same = momo
        .collect(collect(
            "order-party",
            "5.00",
            Party::phone(format!("+{payer}")).unwrap(),
        ))
        .await
        .unwrap();
    let collect_err = momo
        .collect(collect("order-party", "5.00", Party::phone(other).unwrap()))
        .await
        .unwrap_err();
    let payout_err = momo
        .pay_out(payout("payout-party", "5.00", Party::phone(other).unwrap()))
        .await
        .unwrap_err();

    assert_eq!(same.id, first.id);
    for (err, role) in [(collect_err, "payer"), (payout_err, "payee")] {
        match &err {
            Error::Conflict { message } => {
                assert!(message.contains(role), "{message}");
                assert!(!message.contains(other), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn refunds_need_the_collection_product_too() {
    let s = sandbox().await;
    let mut config = s.config();
    config.collection_key = None;
    let momo = config.provider(&s.context()).unwrap();
    let paid = s
        .provider()
        .collect(collect(
            "order-refund-caps",
            "2.00",
            s.party(TestOutcome::Success),
        ))
        .await
        .unwrap();
    s.advance(6);

    let err = momo
        .refund(RefundRequest::new(key("refund-caps"), paid.id.clone()))
        .await
        .unwrap_err();

    let ops = momo.capabilities().payment_operations;
    assert!(!ops.offers(PaymentOperation::Refund));
    assert!(ops.offers(PaymentOperation::PayOut));
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
}

#[tokio::test]
async fn a_raw_request_carries_the_products_key_environment_and_minted_token() {
    use bankkit_core::http::RawRequest;

    // Arrange
    let s = sandbox().await;
    let client = s.config().client(&s.context()).unwrap();
    let typed = client.collection().balance().await.unwrap();

    // Act
    let raw = client
        .raw(
            Product::Collection,
            RawRequest::get("collection/v1_0/account/balance"),
        )
        .await
        .unwrap();
    let unknown = client
        .raw(
            Product::Collection,
            RawRequest::get("collection/v1_0/requesttopay/00000000-0000-4000-8000-000000000000"),
        )
        .await;

    // Assert: the typed call's answer, and the typed calls' error for an unknown payment.
    let body = raw.json().unwrap();
    assert_eq!(body["currency"], typed.currency.as_str());
    assert_eq!(
        body["availableBalance"]
            .as_str()
            .unwrap()
            .parse::<bankkit_core::Decimal>()
            .unwrap(),
        typed.available_balance
    );
    assert!(
        matches!(unknown, Err(Error::NotFound { .. })),
        "{unknown:?}"
    );
}

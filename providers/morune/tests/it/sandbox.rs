//! The provider against the sandbox's Morune imitation: creates whose answer is lost after
//! Morune committed them are found by `order_id` and never made twice.

use std::sync::Arc;

use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::registry::{BuildContext, SandboxTarget};
use bankkit_core::{
    CollectRequest, IdempotencyKey, Party, PaymentKind, PaymentStatus, PayoutRequest, Provider,
};
use bankkit_sandbox::{Fault, ProviderHandle, Sandbox, SandboxEvent, TestOutcome};

struct Setup {
    sandbox: Sandbox,
    morune: ProviderHandle,
}

impl Setup {
    async fn start() -> Self {
        let sandbox = Sandbox::builder()
            .providers(["morune"])
            .start()
            .await
            .unwrap();
        let morune = sandbox.provider("morune").unwrap();
        Self { sandbox, morune }
    }

    /// The provider as the registry builds it for the sandbox, with retries off, so that a
    /// lost answer reaches the caller.
    fn provider(&self) -> Arc<dyn Provider> {
        let registration = bankkit_core::registry::find("morune").unwrap();
        let target = SandboxTarget::new(self.morune.base_url(), self.morune.credentials());
        let config = (registration.sandbox_config)(&target).unwrap();
        let context = BuildContext::default()
            .with_clock(self.sandbox.clock().shared())
            .with_http(HttpOptions::default().retry(RetryPolicy::Never));
        config.build(&context).unwrap()
    }

    fn count(&self, what: &str) -> u64 {
        self.morune.state_sizes()[what].as_u64().unwrap()
    }
}

fn rub(text: &str) -> Money {
    Money::parse(text, currency_from_code("RUB").unwrap()).unwrap()
}

#[tokio::test]
async fn an_invoice_create_whose_answer_was_lost_is_found_by_order_id_not_made_twice() {
    let setup = Setup::start().await;
    let provider = setup.provider();
    let payment = provider.payment().unwrap();
    let before = setup.count("invoices");
    let request = CollectRequest::new(IdempotencyKey::new("order-lost-1").unwrap(), rub("150.00"));

    setup.morune.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path("/invoice/create")
            .times(1),
    );
    let lost = payment.collect(request.clone()).await;
    let again = payment.collect(request).await.unwrap();

    assert!(
        lost.is_err(),
        "the lost answer reached the caller: {lost:?}"
    );
    assert!(setup.morune.faults().is_empty(), "the create was sent");
    assert_eq!(setup.count("invoices"), before + 1, "one invoice, not two");
    assert_eq!(again.id.kind(), PaymentKind::Collection);
    assert_eq!(again.reference.as_deref(), Some("order-lost-1"));
    // It is the invoice the lost create made: paying it pays the caller's payment.
    setup
        .morune
        .trigger(SandboxEvent::PayerActs {
            payment_id: again.id.id().to_owned(),
            outcome: TestOutcome::Success,
        })
        .unwrap();
    assert_eq!(
        payment.status(&again.id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn a_payoff_whose_answer_was_lost_is_found_by_order_id_and_debited_once() {
    let setup = Setup::start().await;
    let provider = setup.provider();
    let payment = provider.payment().unwrap();
    let payee = Party::Card(
        bankkit_core::payment::Card::new("4242424242424242".into(), "12/30", None).unwrap(),
    );
    let request = PayoutRequest::new(
        IdempotencyKey::new("payoff-lost-1").unwrap(),
        rub("31.17"),
        payee,
    );
    let debits = |setup: &Setup| {
        setup
            .morune
            .ledger()
            .accounts
            .iter()
            .flat_map(|a| a.transactions.iter())
            .filter(|t| t.amount_minor == -3117)
            .count()
    };

    setup.morune.inject(
        Fault::drop_after_commit()
            .method("POST")
            .path("/payoff/create")
            .times(1),
    );
    let lost = payment.pay_out(request.clone()).await;
    let again = payment.pay_out(request).await.unwrap();

    assert!(
        lost.is_err(),
        "the lost answer reached the caller: {lost:?}"
    );
    assert_eq!(setup.count("payoffs"), 1, "one payoff, not two");
    assert_eq!(debits(&setup), 1, "the balance was debited once");
    assert_eq!(again.id.kind(), PaymentKind::Payout);
    setup.sandbox.advance(std::time::Duration::from_secs(120));
    assert_eq!(
        payment.status(&again.id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn a_raw_request_is_sent_with_the_chosen_key_and_mapped_like_the_typed_calls() {
    use bankkit_core::http::RawRequest;
    use bankkit_core::secret::secret;
    use bankkit_morune::{MoruneClient, RawKey, ShopCredentials, UserCredentials};

    // Arrange
    let setup = Setup::start().await;
    let credentials = setup.morune.credentials();
    let text = |name: &str| credentials[name].as_str().unwrap().to_owned();
    let client = MoruneClient::builder()
        .base_url(setup.morune.base_url())
        .shop(ShopCredentials::new(
            text("shop_id"),
            secret(text("api_key")),
        ))
        .user(UserCredentials::new(
            text("user_id"),
            secret(text("user_api_key")),
        ))
        .clock(setup.sandbox.clock().shared())
        .build()
        .unwrap();
    let typed = client.balance().await.unwrap();
    let path = format!("account/users/{}/balance", text("user_id"));

    // Act: the balance with the user's key, and with the shop's (which Morune refuses).
    let raw = client
        .raw(RawKey::User, RawRequest::get(path.as_str()))
        .await
        .unwrap();
    let with_shop_key = client.raw(RawKey::Shop, RawRequest::get(path)).await;

    // Assert
    let body = raw.json().unwrap();
    let data: bankkit_morune::wire::UserBalance =
        serde_json::from_value(body["data"].clone()).unwrap();
    assert_eq!(data, typed);
    assert!(with_shop_key.is_err(), "{with_shop_key:?}");
}

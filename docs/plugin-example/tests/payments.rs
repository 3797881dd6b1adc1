#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Acme payments against the sandbox imitation: the local record keeps a charge whose
//! answer was lost from being sent again, also from a new provider instance on the same
//! record file; card data never shows in `Debug`.

use std::sync::Arc;
use std::time::Duration;

use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::Card;
use bankkit_core::registry::{providers_from_toml, BuildContext};
use bankkit_core::{
    CaptureRequest, CollectRequest, Error, IdempotencyKey, Party, PaymentKind, PaymentStatus,
    Provider, RefundRequest,
};
use bankkit_example_plugin as _;
use bankkit_sandbox::{Fault, ProviderHandle, Sandbox};

const SUCCEEDING: &str = "4242424242424242";

fn eur(text: &str) -> Money {
    Money::parse(text, currency_from_code("EUR").unwrap()).unwrap()
}

fn card(number: &str) -> Party {
    Party::Card(Card::new(number.into(), "12/30", Some("123".into())).unwrap())
}

/// An Acme provider on the sandbox, its record in `file` when given, retries off and a
/// short timeout (so a dropped answer is an error at once).
fn acme(sandbox: &Sandbox, file: Option<&std::path::Path>) -> Arc<dyn Provider> {
    let handle = sandbox.provider("acme").unwrap();
    let key = handle.credentials()["api_key"].as_str().unwrap().to_owned();
    let mut toml = format!(
        "[[providers]]\nprovider = \"acme\"\napi_key = \"{key}\"\nbase_url = \"{}\"\n",
        handle.base_url()
    );
    if let Some(file) = file {
        toml.push_str(&format!(
            "idempotency_file = {:?}\n",
            file.display().to_string()
        ));
    }
    // The provider keeps the system clock (the default): the file store stamps records with
    // the provider's clock but drops old ones by the system clock, and the sandbox's clock
    // stands weeks away from it.
    let context = BuildContext::default().with_http(
        HttpOptions::default()
            .timeout(Duration::from_secs(2))
            .retry(RetryPolicy::Never),
    );
    providers_from_toml(&toml, &context).unwrap().remove(0)
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let name = format!("acme-plugin-{}", IdempotencyKey::generate());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Movements of exactly `minor` on any of Acme's accounts.
fn movements(handle: &ProviderHandle, minor: i64) -> usize {
    handle
        .ledger()
        .accounts
        .iter()
        .flat_map(|a| &a.transactions)
        .filter(|t| t.amount_minor == minor)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_charge_recorded_in_a_file_is_not_sent_again_by_a_new_provider() {
    let sandbox = Sandbox::start().await.unwrap();
    let handle = sandbox.provider("acme").unwrap();
    let dir = TempDir::new();
    let file = dir.0.join("acme-once.json");

    // A charge answered: a new provider on the same file returns it without sending.
    let first = acme(&sandbox, Some(&file));
    let key = IdempotencyKey::generate();
    let request = CollectRequest::new(key.clone(), eur("19.07")).payer(card(SUCCEEDING));
    let paid = first
        .payment()
        .unwrap()
        .collect(request.clone())
        .await
        .unwrap();
    let second = acme(&sandbox, Some(&file));
    let again = second.payment().unwrap().collect(request).await.unwrap();
    assert_eq!(again.id, paid.id);
    assert_eq!(movements(&handle, 1907), 1);

    // A charge whose answer is lost after Acme made it: a new provider (a restarted
    // process) gets OutcomeUnknown, and Acme still holds one charge.
    let lost =
        CollectRequest::new(IdempotencyKey::generate(), eur("27.18")).payer(card(SUCCEEDING));
    handle.inject(Fault::drop_after_commit().method("POST").times(1));
    let answer = first.payment().unwrap().collect(lost.clone()).await;
    assert!(answer.is_err(), "{answer:?}");
    assert!(handle.faults().is_empty(), "the charge made no POST");
    assert_eq!(movements(&handle, 2718), 1, "Acme made the charge");

    let restarted = acme(&sandbox, Some(&file));
    let retried = restarted.payment().unwrap().collect(lost.clone()).await;
    assert!(
        matches!(retried, Err(Error::OutcomeUnknown { .. })),
        "{retried:?}"
    );
    assert_eq!(movements(&handle, 2718), 1, "never a second charge");

    // The record file names no card number.
    let record = std::fs::read_to_string(&file).unwrap();
    assert!(!record.contains(SUCCEEDING), "{record}");

    // Without the file, a new provider knows nothing and would charge again: that is what
    // the file is for.
    let forgetful = acme(&sandbox, None);
    forgetful.payment().unwrap().collect(lost).await.unwrap();
    assert_eq!(movements(&handle, 2718), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_key_with_another_request_is_a_conflict_and_charges_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let handle = sandbox.provider("acme").unwrap();
    let provider = acme(&sandbox, None);
    let payment = provider.payment().unwrap();
    let key = IdempotencyKey::generate();
    payment
        .collect(CollectRequest::new(key.clone(), eur("5.00")).payer(card(SUCCEEDING)))
        .await
        .unwrap();
    let held = payment
        .collect(
            CollectRequest::new(key, eur("5.00"))
                .payer(card(SUCCEEDING))
                .hold(),
        )
        .await;
    assert!(matches!(held, Err(Error::Conflict { .. })), "{held:?}");
    assert_eq!(movements(&handle, 500), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_is_captured_in_part_and_refunded_by_refund_ids_within_the_charge() {
    let sandbox = Sandbox::start().await.unwrap();
    let provider = acme(&sandbox, None);
    let payment = provider.payment().unwrap();
    let held = payment
        .collect(
            CollectRequest::new(IdempotencyKey::generate(), eur("80.00"))
                .payer(card(SUCCEEDING))
                .reference("order-77")
                .hold(),
        )
        .await
        .unwrap();
    assert_eq!(held.status, PaymentStatus::Authorized);
    assert_eq!(held.reference.as_deref(), Some("order-77"));
    assert_eq!(held.masked_card.as_deref(), Some("**** 4242"));

    let gbp = Money::parse("10.00", currency_from_code("GBP").unwrap()).unwrap();
    let wrong = payment
        .capture(CaptureRequest::new(held.id.clone()).amount(gbp))
        .await;
    assert!(
        matches!(wrong, Err(Error::InvalidRequest { .. })),
        "{wrong:?}"
    );

    let captured = payment
        .capture(CaptureRequest::new(held.id.clone()).amount(eur("60.00")))
        .await
        .unwrap();
    assert_eq!(captured.status, PaymentStatus::Succeeded);
    assert_eq!(captured.final_amount, Some(eur("60.00")));
    let twice = payment.capture(CaptureRequest::new(held.id.clone())).await;
    assert!(matches!(twice, Err(Error::Conflict { .. })), "{twice:?}");
    let cancel = payment.cancel(&held.id).await;
    assert!(matches!(cancel, Err(Error::Conflict { .. })), "{cancel:?}");

    let refund = payment
        .refund(
            RefundRequest::new(IdempotencyKey::generate(), held.id.clone()).amount(eur("15.00")),
        )
        .await
        .unwrap();
    let refund_id = refund.id.clone().unwrap();
    assert_eq!(refund_id.kind(), PaymentKind::Refund);
    assert_eq!(refund_id.parent(), Some(held.id.id()));
    let read = payment.status(&refund_id).await.unwrap();
    assert_eq!(
        (read.status, read.amount),
        (PaymentStatus::Succeeded, eur("15.00"))
    );

    let rest = payment
        .refund(RefundRequest::new(
            IdempotencyKey::generate(),
            held.id.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(rest.amount, eur("45.00"));
    let done = payment.status(&held.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Refunded);
    assert_eq!(done.refunds.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payers_other_than_cards_and_other_currencies_are_refused_without_a_charge() {
    let sandbox = Sandbox::start().await.unwrap();
    let handle = sandbox.provider("acme").unwrap();
    let provider = acme(&sandbox, None);
    let payment = provider.payment().unwrap();
    let page = payment
        .collect(CollectRequest::new(IdempotencyKey::generate(), eur("1.00")))
        .await;
    assert!(matches!(page, Err(Error::Unsupported { .. })), "{page:?}");
    let phone = payment
        .collect(
            CollectRequest::new(IdempotencyKey::generate(), eur("1.00"))
                .payer(Party::phone("+46733123450").unwrap()),
        )
        .await;
    assert!(matches!(phone, Err(Error::Unsupported { .. })), "{phone:?}");

    let usd = Money::parse("3.00", currency_from_code("USD").unwrap()).unwrap();
    let key = IdempotencyKey::generate();
    let refused = payment
        .collect(CollectRequest::new(key.clone(), usd).payer(card(SUCCEEDING)))
        .await;
    match refused {
        Err(Error::InvalidRequest { message }) => {
            assert!(message.contains("currency_not_supported"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // A refused request moved nothing and is forgotten: the key can be used again.
    payment
        .collect(CollectRequest::new(key, eur("3.00")).payer(card(SUCCEEDING)))
        .await
        .unwrap();
    assert_eq!(movements(&handle, 300), 1);
}

#[test]
fn no_card_number_or_cvc_appears_in_debug() {
    let number = "4000056655665556";
    let key = IdempotencyKey::new("order-1001").unwrap();
    let request = CollectRequest::new(key, eur("9.99")).payer(Party::Card(
        Card::new(number.into(), "11/31", Some("737".into())).unwrap(),
    ));
    let printed = format!("{request:?}");
    assert!(!printed.contains(number), "{printed}");
    assert!(!printed.contains("737"), "{printed}");
    assert!(printed.contains("400005******5556"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_unauthorized_and_charges_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let handle = sandbox.provider("acme").unwrap();
    let toml = format!(
        "[[providers]]\nprovider = \"acme\"\napi_key = \"acme_wrong_key_42\"\nbase_url = \"{}\"\n",
        handle.base_url()
    );
    let context = BuildContext::default().with_clock(sandbox.clock().shared());
    let provider = providers_from_toml(&toml, &context).unwrap().remove(0);
    let answer = provider
        .payment()
        .unwrap()
        .collect(
            CollectRequest::new(IdempotencyKey::generate(), eur("4.04")).payer(card(SUCCEEDING)),
        )
        .await;
    match answer {
        Err(error @ Error::Unauthorized { .. }) => {
            assert!(!error.to_string().contains("acme_wrong_key_42"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(movements(&handle, 404), 0);
}

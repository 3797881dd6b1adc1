//! The blocking facade (`bankkit_core::blocking`, feature `blocking`) from a plain thread,
//! over a provider the registry builds from a providers file, against the sandbox.

use bankkit_core::blocking::BlockingProvider;
use bankkit_core::registry::BuildContext;
use bankkit_core::Error;
use bankkit_sandbox::Sandbox;
use chrono::TimeDelta;

#[test]
fn a_plain_thread_lists_balances_and_walks_a_statement_without_async() {
    // Arrange: the sandbox runs on a runtime of its own; this thread is not async.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::builder().providers(["monobank"]).start())
        .unwrap();
    let monobank = sandbox.monobank().unwrap();
    let token = monobank.credentials()["token"].as_str().unwrap().to_owned();
    let toml = format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{token}\"\nbase_url = \"{}\"\n",
        monobank.base_url()
    );
    let context = BuildContext::default().with_clock(sandbox.clock().shared());
    let card = monobank
        .ledger()
        .accounts
        .into_iter()
        .find(|a| a.kind == "card" && a.currency == "UAH")
        .unwrap();
    let now = sandbox.clock().now();

    // Act
    let providers = BlockingProvider::from_toml_with(&toml, &context).unwrap();
    let provider = &providers[0];
    let accounts = provider.accounts().unwrap();
    let balance = provider.balance(&card.id.clone().into()).unwrap();
    let walked: Vec<_> = provider
        .transactions(card.id.clone().into(), now - TimeDelta::days(40), now)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();

    // Assert: the same answers the async provider gives, read through the facade.
    assert_eq!(provider.id(), "monobank");
    assert!(accounts.iter().any(|a| a.id.as_str() == card.id));
    assert_eq!(
        balance.current.unwrap().to_minor().unwrap(),
        card.balance_minor
    );
    let expected = card
        .transactions
        .iter()
        .filter(|t| t.time >= now - TimeDelta::days(40) && t.time < now)
        .count();
    assert!(expected > 0);
    assert_eq!(walked.len(), expected);
    assert!(matches!(
        provider.collect(bankkit_core::CollectRequest::new(
            bankkit_core::IdempotencyKey::new("k-1").unwrap(),
            bankkit_core::Money::parse(
                "1.00",
                bankkit_core::money::currency_from_code("UAH").unwrap()
            )
            .unwrap(),
        )),
        Err(Error::Unsupported { .. })
    ));
}

#[test]
fn a_blocking_call_inside_an_async_runtime_is_refused_not_stalled() {
    // Arrange: the facade is made on a plain thread, then called from async code.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::builder().providers(["monobank"]).start())
        .unwrap();
    let monobank = sandbox.monobank().unwrap();
    let toml = format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{}\"\nbase_url = \"{}\"\n",
        monobank.credentials()["token"].as_str().unwrap(),
        monobank.base_url()
    );
    let providers = BlockingProvider::from_toml(&toml).unwrap();

    // Act
    let refused = runtime.block_on(async { providers[0].accounts() });
    let outside = providers[0].accounts();

    // Assert
    assert!(
        matches!(refused, Err(Error::InvalidRequest { .. })),
        "{refused:?}"
    );
    assert!(outside.is_ok(), "{outside:?}");
}

//! Loading the provider as a plugin from configuration.

use bankkit_core::registry::{self, BuildContext, SandboxTarget};
use bankkit_core::Error;
use bankkit_monobank as _;
use bankkit_sandbox::Sandbox;

const TOKEN: &str = "uZ3pQk7w1R5tY9aB2cD4eF6gH8iJ0kL1mN3oP5qR7sT9";

#[test]
fn toml_config_builds_a_provider_called_monobank() {
    // Arrange
    let toml = format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{TOKEN}\"\nbase_url = \"http://127.0.0.1:9\"\ntimeout_secs = 5\n"
    );

    // Act
    let providers = registry::providers_from_toml(&toml, &BuildContext::default()).unwrap();

    // Assert
    assert_eq!(providers.len(), 1);
    assert_eq!(providers[0].id(), "monobank");
    assert_eq!(providers[0].name(), "Monobank (personal API)");
    assert!(!format!("{:?}", providers[0]).contains(TOKEN));
}

#[test]
fn toml_config_without_a_token_is_a_config_error_naming_token() {
    let error = registry::providers_from_toml(
        "[[providers]]\nprovider = \"monobank\"\nbase_url = \"http://127.0.0.1:9\"\n",
        &BuildContext::default(),
    )
    .unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(error.to_string().contains("token"), "{error}");
}

#[test]
fn empty_token_in_toml_is_a_config_error_naming_the_field() {
    let error = registry::providers_from_toml(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"\"\n",
        &BuildContext::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, Error::Config { ref field, .. } if field == "providers[0].token"),
        "{error:?}"
    );
}

#[test]
fn secrets_never_appear_in_debug_or_display_of_config_and_errors() {
    let configs = registry::load_toml(&format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{TOKEN}\"\n"
    ))
    .unwrap();
    assert!(!format!("{:?}", configs[0]).contains(TOKEN));
    let error = registry::load_toml(&format!(
        "[[providers]]\nprovider = \"monobank\"\ntoken = \"{TOKEN}\"\nunknown = 1\n"
    ))
    .unwrap_err();
    assert!(!error.to_string().contains(TOKEN));
    assert!(!format!("{error:?}").contains(TOKEN));
}

#[test]
fn registration_describes_the_provider() {
    let registration = registry::find("monobank").expect("linked");
    // With both tokens (as the registry describes it): payments through the acquiring API.
    let capabilities = (registration.capabilities)();
    assert!(capabilities.payment.is_supported());
    assert!(capabilities
        .payment_operations
        .offers(bankkit_core::PaymentOperation::CollectPage));
    assert!(!capabilities
        .payment_operations
        .offers(bankkit_core::PaymentOperation::PayOut));
    let sample = format!(
        "[[providers]]\nprovider = \"monobank\"\n{}",
        registration.sample_config
    );
    assert_eq!(registry::load_toml(&sample).unwrap().len(), 1);
}

#[tokio::test]
async fn sandbox_config_from_the_registration_reaches_the_sandbox() {
    // Arrange
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let monobank = sandbox.monobank().unwrap();
    let target = SandboxTarget::new(monobank.base_url(), monobank.credentials());
    let registration = registry::find("monobank").unwrap();

    // Act
    let config = (registration.sandbox_config)(&target).unwrap();
    let context = BuildContext::default().with_clock(sandbox.clock().shared());
    let provider = config.build(&context).unwrap();
    let accounts = provider.balance().unwrap().accounts().await.unwrap();

    // Assert
    assert_eq!(accounts.len(), monobank.ledger().listed_accounts().count());
    assert!(
        provider.payment().is_some(),
        "the sandbox offers a merchant token"
    );
    let token = monobank.credentials()["token"].as_str().unwrap().to_owned();
    assert!(!format!("{config:?}").contains(&token));
    assert!(!format!("{provider:?}").contains(&token));
}

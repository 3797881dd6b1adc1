//! Loading the provider as a plugin from configuration.

use bankkit_core::registry::{self, BuildContext, SandboxTarget};
use bankkit_core::Error;
use bankkit_monzo as _;
use bankkit_sandbox::Sandbox;

const SECRET: &str = "mnzconf.Xq3LpZ8vT2wR9sK1";

#[test]
fn toml_config_builds_a_provider_called_monzo_without_payments() {
    // Arrange
    let toml = format!(
        "[[providers]]\nprovider = \"monzo\"\nclient_id = \"oauth2client_0001\"\n\
         client_secret = \"{SECRET}\"\nredirect_uri = \"https://example.org/cb\"\n\
         base_url = \"http://127.0.0.1:9\"\ntimeout_secs = 5\n"
    );

    // Act
    let providers = registry::providers_from_toml(&toml, &BuildContext::default()).unwrap();

    // Assert
    assert_eq!(providers[0].id(), "monzo");
    assert!(providers[0].payment().is_none());
    assert!(!providers[0].capabilities().payment.is_supported());
    assert!(providers[0].statement().is_some());
    assert!(!format!("{:?}", providers[0]).contains(SECRET));
}

#[test]
fn a_missing_client_secret_is_a_config_error_naming_it() {
    let error = registry::providers_from_toml(
        "[[providers]]\nprovider = \"monzo\"\nclient_id = \"c\"\nredirect_uri = \"https://e.org/cb\"\n",
        &BuildContext::default(),
    )
    .unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(error.to_string().contains("client_secret"), "{error}");
}

#[test]
fn the_sample_config_loads() {
    let registration = registry::find("monzo").expect("linked");
    let sample = format!(
        "[[providers]]\nprovider = \"monzo\"\n{}",
        registration.sample_config
    );
    assert_eq!(registry::load_toml(&sample).unwrap().len(), 1);
}

#[tokio::test]
async fn sandbox_config_from_the_registration_reaches_the_sandbox() {
    // Arrange
    let sandbox = Sandbox::builder()
        .providers(["monzo"])
        .start()
        .await
        .unwrap();
    let monzo = sandbox.provider("monzo").unwrap();
    let target = SandboxTarget::new(monzo.base_url(), monzo.credentials());
    let registration = registry::find("monzo").unwrap();

    // Act
    let config = (registration.sandbox_config)(&target).unwrap();
    let context = BuildContext::default().with_clock(sandbox.clock().shared());
    let provider = config.build(&context).unwrap();
    let accounts = provider.balance().unwrap().accounts().await.unwrap();

    // Assert
    assert_eq!(accounts.len(), monzo.ledger().accounts.len());
    let secret = monzo.credentials()["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!format!("{config:?}").contains(&secret));
    assert!(!format!("{provider:?}").contains(&secret));
}

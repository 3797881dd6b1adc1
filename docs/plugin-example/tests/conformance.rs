#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The conformance runner finds this plugin through the registry and the sandbox, with no
//! change to bankkit's crates, and the plugin passes every check it declares.

use bankkit_conformance::Verdict;
use bankkit_example_plugin as _;
use bankkit_sandbox::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_finds_the_plugin_and_it_passes_what_it_declares() {
    let sandbox = Sandbox::start().await.unwrap();
    assert!(
        sandbox.provider("acme").is_some(),
        "the sandbox did not start the imitation"
    );

    let report = bankkit_conformance::run(&sandbox).await;
    println!("{}", report.matrix());
    assert!(report.providers.iter().any(|p| p == "acme"));
    assert_eq!(
        report.verdict("acme", "balance.balances_consistent"),
        Some(&Verdict::Pass)
    );
    assert!(matches!(
        report.verdict("acme", "statement.complete_across_windows_and_pages"),
        Some(Verdict::NotApplicable(_))
    ));
    assert!(report.all_passed(), "{}", report.matrix());
}

#[test]
fn a_providers_file_naming_the_plugin_builds_it() {
    let providers = bankkit_core::registry::providers_from_toml(
        r#"
        [[providers]]
        provider = "acme"
        api_key = "acme_live_k3y"
        base_url = "http://127.0.0.1:9"
        "#,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(providers[0].id(), "acme");
    assert!(!format!("{:?}", providers[0]).contains("acme_live_k3y"));
}

#[test]
fn a_bad_config_names_the_field() {
    let err = bankkit_core::registry::providers_from_toml(
        "[[providers]]\nprovider = \"acme\"\napi_key = \"\"\n",
        &Default::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("providers[0].api_key"), "{err}");
}

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

    assert!(
        bankkit_core::registry::registered()
            .iter()
            .any(|r| r.name == "acme"),
        "the registry did not find the plugin"
    );

    // Only acme: the providers linked in beside it are tested in their own crates.
    let report = bankkit_conformance::run_providers(&sandbox, &["acme"]).await;
    println!("{}", report.matrix());
    assert_eq!(report.providers, ["acme"]);
    for check in [
        "balance.balances_consistent",
        "payment.collect_reaches_success",
        "payment.failure_has_a_clear_reason",
        "payment.pending_is_not_final",
        "payment.refund_in_full",
        "payment.refund_in_parts",
        "payment.hold_then_capture_in_full",
        "payment.hold_then_capture_in_part",
        "payment.cancel_releases_a_hold",
        "payment.at_most_once.lookup_or_local_record",
        "payment.unsupported_operations_say_so",
    ] {
        assert_eq!(
            report.verdict("acme", check),
            Some(&Verdict::Pass),
            "{check}\n{}",
            report.matrix()
        );
    }
    for check in [
        "statement.complete_across_windows_and_pages",
        // No payment page, no payouts, no lookup by reference, no callbacks.
        "payment.cancel_of_an_unpaid_payment",
        "payment.pay_out_reaches_success",
        "payment.find_by_reference",
        "payment.at_most_once.provider_dedupes",
        "payment.callback_verifies_and_parses",
    ] {
        assert!(
            matches!(
                report.verdict("acme", check),
                Some(Verdict::NotApplicable(_))
            ),
            "{check} should not apply to acme\n{}",
            report.matrix()
        );
    }
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

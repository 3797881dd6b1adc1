//! # bankkit-morune
//!
//! **Morune** (`api.morune.com`) for bankkit: invoices with a payment page, payoffs to
//! cards, SBP phones and wallets, the user balance and signed webhooks, behind the core
//! traits ([`bankkit_core::Balance`], [`bankkit_core::Payment`],
//! [`bankkit_core::Webhook`]), plus a typed call for every documented endpoint on
//! [`MoruneClient`].
//!
//! Morune's documentation matches Enot's v2 API page for page (only the host differs), so
//! some facts come from Enot's pages and SDKs; each item below says where its confidence is
//! lower. See `docs/providers/morune.md` for the whole picture.
//!
//! A webhook checked the way Morune signs it (the docs' own test vector):
//!
//! ```
//! use bankkit_core::secret::secret;
//! use bankkit_morune::{verify, SIGNATURE_HEADER};
//!
//! let body = br#"{"amount":"100.00","credited":"95.50","custom_fields":{"user":1},"invoice_id":"a3e9ff6f-c5c1-3bcd-854e-4bc995b1ae7a","order_id":"c78d8fe9-ab44-3f21-a37a-ce4ca269cb47","pay_service":"card","pay_time":"2023-04-06 16:27:59","payer_details":"553691******1279","status":"success","type":1}"#;
//! let signature = "e582b14dd13f8111711e3cb66a982fd7bff28a0ddece8bde14a34a5bb4449136";
//! assert_eq!(SIGNATURE_HEADER, "x-api-sha256-signature");
//! verify(body, signature, &secret("example"))?;
//! # Ok::<(), bankkit_core::Error>(())
//! ```
//!
//! `examples/invoice.rs` creates an invoice through the core [`bankkit_core::Payment`]
//! trait and reads it back.
//!
//! - [`MoruneClient`]: `create_invoice`, `invoice` (by id or `order_id`),
//!   `payment_tariffs`, `balance`, `create_payoff`, `payoff` (by id or `order_id`),
//!   `sbp_banks`. Shop calls send `x-api-key`, user calls `x-api-signature-sha256`; a call
//!   whose credentials are not configured is a config error and sends nothing. Creates are
//!   never retried by the client. Every answer's envelope (`{data, status, status_check,
//!   error}`) is judged in one place; Morune's (Russian) error text reaches the caller
//!   unchanged. Wire types in [`wire`]: amounts are exact ([`wire::Amount`]: a JSON number
//!   or a numeric string), times keep their zone-less text ([`wire::Timestamp`]).
//! - [`MoruneProvider`]: balance = the user balance; collect = invoice, pay out = payoff,
//!   status, find by `order_id`; at most once through the `order_id`
//!   ([`bankkit_core::payment::AtMostOnce::LookupByReference`]); webhooks verified with
//!   the additional keys. No statements, holds, refunds or host-to-host payments (Morune's
//!   refund request is known only from third-party code, and the H2H request fields are
//!   unknown).
//! - [`canonical_json`], [`sign`], [`verify`]: the signature rules on their own.
//! - [`MoruneConfig`]: the plugin config (`provider = "morune"`). Link the crate
//!   (`use bankkit_morune as _;`) for the registry to find it.
//!
//! Keys are [`bankkit_core::secret::SecretString`]s from config to the wire; no `Debug`,
//! `Display` or error shows them.

mod client;
mod config;
mod convert;
mod error;
mod provider;
mod webhook;
pub mod wire;

use bankkit_core::registry::{ProviderConfig, ProviderRegistration, SandboxTarget};
use bankkit_core::secret::secret;
use bankkit_core::Result;

pub use client::{
    Lookup, MoruneClient, MoruneClientBuilder, RawKey, ShopCredentials, UserCredentials,
    DEFAULT_BASE_URL, SHOP_KEY_HEADER, USER_KEY_HEADER,
};
pub use config::MoruneConfig;
pub use convert::{DEFAULT_EXPIRE_MINUTES, INVOICE, MAX_EXPIRE_MINUTES, PAYOFF};
pub use provider::{
    capabilities, capabilities_for, moscow, MoruneProvider, HOOK_URL_REGISTRATION, NO_STATEMENTS,
    USER_ACCOUNT,
};
pub use webhook::{canonical_json, sign, verify, SIGNATURE_HEADER};

/// The credential names the sandbox's Morune imitation hands out.
pub const SANDBOX_CREDENTIALS: [&str; 6] = [
    "shop_id",
    "api_key",
    "shop_additional_key",
    "user_id",
    "user_api_key",
    "user_additional_key",
];

/// A config pointing at the sandbox's Morune imitation. Its credentials are
/// `{"shop_id", "api_key", "shop_additional_key", "user_id", "user_api_key",
/// "user_additional_key"}`, each optional: a family whose id or key is missing is left
/// out, and the provider offers what the rest allows.
fn sandbox_config(target: &SandboxTarget) -> Result<Box<dyn ProviderConfig>> {
    let present = |name: &str| -> Result<Option<String>> {
        match target.credentials.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(_) => target.credential(name).map(Some),
        }
    };
    let mut config = MoruneConfig::new().with_base_url(&target.base_url);
    if let (Some(shop_id), Some(key)) = (present("shop_id")?, present("api_key")?) {
        config = config.with_shop(shop_id, secret(key));
        if let Some(extra) = present("shop_additional_key")? {
            config = config.with_shop_additional_key(secret(extra));
        }
    }
    if let (Some(user_id), Some(key)) = (present("user_id")?, present("user_api_key")?) {
        config = config.with_user(user_id, secret(key));
        if let Some(extra) = present("user_additional_key")? {
            config = config.with_user_additional_key(secret(extra));
        }
    }
    Ok(Box::new(config))
}

bankkit_core::register_provider!(ProviderRegistration {
    name: "morune",
    description: "Morune (Enot v2 API): invoices with a payment page, payoffs to cards, SBP \
                  and wallets, user balance, signed webhooks",
    capabilities,
    sample_config: "shop_id = \"your shop id (UUID)\"\n\
                    api_key = \"your shop's secret key\"\n\
                    shop_additional_key = \"your shop's additional key (payment webhooks)\"\n\
                    user_id = \"your user id (UUID)\"\n\
                    user_api_key = \"your user's secret key\"\n\
                    user_additional_key = \"your user's additional key (payoff webhooks)\"\n\
                    # base_url = \"https://api.morune.com\"\n\
                    # hook_url = \"https://shop.example/morune/webhook\"\n\
                    # utc_offset = \"+03:00\"\n\
                    # idempotency_file = \"morune-once.json\"\n\
                    # timeout_secs = 30\n",
    sandbox_config,
});

#[cfg(test)]
mod tests {
    use bankkit_core::registry::BuildContext;
    use bankkit_core::{Capability, PaymentOperation};

    use super::*;

    fn target(credentials: serde_json::Value) -> SandboxTarget {
        SandboxTarget::new("http://127.0.0.1:9", credentials)
    }

    #[test]
    fn sandbox_config_reads_the_families_present() {
        let all = sandbox_config(&target(serde_json::json!({
            "shop_id": "s-1", "api_key": "shop-SECRET", "shop_additional_key": "shop-extra-SECRET",
            "user_id": "u-1", "user_api_key": "user-SECRET", "user_additional_key": "user-extra-SECRET",
        })))
        .unwrap();
        let json = serde_json::to_string(&all).unwrap();
        assert!(!json.contains("SECRET"), "{json}");
        for name in SANDBOX_CREDENTIALS {
            assert!(json.contains(name), "{name} missing from {json}");
        }
        let provider = all.build(&BuildContext::default()).unwrap();
        let caps = provider.capabilities();
        assert!(caps.payment_operations.offers(PaymentOperation::PayOut));
        assert!(caps
            .payment_operations
            .offers(PaymentOperation::CollectPage));

        let shop = sandbox_config(&target(
            serde_json::json!({"shop_id": "s-1", "api_key": "k", "user_id": null}),
        ))
        .unwrap()
        .build(&BuildContext::default())
        .unwrap();
        assert!(!shop.capabilities().get(Capability::Balance).is_supported());

        let bad = sandbox_config(&target(serde_json::json!({"shop_id": 7, "api_key": "k"})));
        assert!(
            matches!(bad, Err(bankkit_core::Error::Config { ref field, .. }) if field == "credentials.shop_id")
        );
    }

    #[test]
    fn the_registration_is_found() {
        let registration = bankkit_core::registry::find("morune").unwrap();
        assert!((registration.capabilities)()
            .get(Capability::Webhook)
            .is_supported());
        bankkit_core::registry::load_toml(&format!(
            "[[providers]]\nprovider = \"morune\"\n{}",
            registration.sample_config
        ))
        .unwrap();
    }
}

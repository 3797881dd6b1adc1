//! An example provider plugin for bankkit: "Acme Bank", a small fictional JSON API with
//! accounts and balances, written the way a third party adds a provider without touching
//! bankkit's crates.
//!
//! The crate does three things:
//!
//! 1. implements the core traits it can ([`AcmeProvider`]: `Balance`; the rest are declared
//!    unsupported through capabilities);
//! 2. registers itself with the plugin registry (`bankkit_core::register_provider!`) and its
//!    config as a `typetag` trait object named `"acme"`;
//! 3. registers an imitation of its API with the sandbox (`bankkit_sandbox::register_provider!`),
//!    so that the conformance runner can test it offline.
//!
//! Linking the crate is all it takes for the registry, the sandbox and the conformance runner
//! to find it:
//!
//! ```
//! use bankkit_example_plugin as _;
//!
//! let names: Vec<_> = bankkit_core::registry::registered().iter().map(|r| r.name).collect();
//! assert!(names.contains(&"acme"));
//! ```

mod imitation;
mod provider;

pub use provider::{AcmeConfig, AcmeProvider};

bankkit_core::register_provider!(bankkit_core::registry::ProviderRegistration {
    name: "acme",
    description: "Acme Bank (example plugin)",
    capabilities: provider::capabilities,
    sample_config: "api_key = \"acme_test_key\"\nbase_url = \"https://api.acme.example\"",
    sandbox_config: provider::sandbox_config,
});

bankkit_sandbox::register_provider!("acme", imitation::build);

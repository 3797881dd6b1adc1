//! A web app with bankkit's routes, on the in-process sandbox: no set-up.
//!
//! ```sh
//! cargo run -p bankkit-axum --example server
//! # or on PostgreSQL:
//! DATABASE_URL=postgres://user:password@127.0.0.1/app cargo run -p bankkit-axum --example server
//! ```
//!
//! Users' configs and tokens go to a SQLite file (`bankkit-example.db` in the system's temp
//! directory) or, with `DATABASE_URL`, to PostgreSQL; encrypted under the 32-byte key in
//! `BANKKIT_STORE_KEY` (base64, e.g. `openssl rand -base64 32`), or under a key made for this run when it is unset
//! (what it stored cannot be read by the next run then).
//!
//! It prints its URL and curl lines to try. The user is whoever the `X-User` header names:
//! a stand-in for the app's own login, never to be used as is.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use bankkit_axum::{BankkitRouter, UserId};
use bankkit_core::credentials::CredentialStore;
use bankkit_core::registry::BuildContext;
use bankkit_core::token::TokenStore;
use bankkit_sandbox::Sandbox;
use bankkit_store::{Keyring, SqlStore};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http::request::Parts;
use http::StatusCode;

// Link the provider crates so the registry finds them.
use bankkit_momo as _;
use bankkit_monobank as _;

/// The user named in `X-User`. A stand-in for the app's login: a real app reads its
/// session or a verified token here.
struct HeaderUser(String);

impl<S: Send + Sync> FromRequestParts<S> for HeaderUser {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get("x-user")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| HeaderUser(v.to_owned()))
            .ok_or((StatusCode::UNAUTHORIZED, "send an X-User header\n"))
    }
}

impl UserId for HeaderUser {
    fn user_id(&self) -> &str {
        &self.0
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder()
        .providers(["monobank", "momo"])
        .start()
        .await?;
    let monobank = sandbox.monobank().ok_or("no monobank in the sandbox")?;
    let momo = sandbox.momo().ok_or("no momo in the sandbox")?;

    // Stores: SQLite by default, PostgreSQL with DATABASE_URL; secrets encrypted at rest.
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        let path = std::env::temp_dir().join("bankkit-example.db");
        format!("sqlite://{}?mode=rwc", path.display())
    });
    let keyring = match std::env::var("BANKKIT_STORE_KEY") {
        Ok(key) => Keyring::from_slice("env", &BASE64.decode(key.trim())?)?,
        Err(_) => {
            eprintln!("BANKKIT_STORE_KEY is unset: using a key for this run only");
            Keyring::new("this-run", *Keyring::generate_key())
        }
    };
    let store = Arc::new(SqlStore::connect(&url, keyring).await?);
    store.migrate().await?;
    let credentials: Arc<dyn CredentialStore> = store.clone();
    let tokens: Arc<dyn TokenStore> = store;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/bank", listener.local_addr()?);
    let bank = BankkitRouter::<HeaderUser>::new(credentials, tokens)
        .build_context(BuildContext::default().with_clock(sandbox.clock().shared()))
        .public_url(&base)
        // The sandbox's URLs: users of a real app cannot point the server elsewhere.
        .allow_config_fields(["base_url"])
        .monobank_base_url(monobank.base_url())
        .on_event(|user, provider, event| println!("webhook for {user} from {provider}: {event:?}"))
        .build();
    let app = axum::Router::new().nest("/bank", bank);

    let monobank_json = serde_json::json!({
        "token": monobank.credentials()["token"],
        "base_url": monobank.base_url(),
    });
    let mut momo_json = serde_json::json!({"base_url": momo.base_url()});
    for (name, value) in momo.credentials().as_object().into_iter().flatten() {
        if name != "callback_host" {
            momo_json[name] = value.clone();
        }
    }
    let party = momo
        .test_party(bankkit_sandbox::TestOutcome::Success)
        .map(|p| p.value)
        .unwrap_or_default();
    println!("bankkit routes at {base} (OpenAPI: {base}/openapi.json)\n");
    println!("curl -X PUT -H 'X-User: alice' -H 'Content-Type: application/json' \\\n  -d '{monobank_json}' {base}/providers/monobank/credentials");
    println!("curl -H 'X-User: alice' {base}/providers/monobank/accounts");
    println!("curl -H 'X-User: alice' {base}/providers/monobank/balances");
    println!(
        "curl -H 'X-User: alice' '{base}/providers/monobank/accounts/ACCOUNT/statement?days=30'"
    );
    println!("curl -X POST -H 'X-User: alice' -H 'Content-Type: application/json' -d '{{}}' {base}/providers/monobank/webhooks");
    println!("curl -X PUT -H 'X-User: bob' -H 'Content-Type: application/json' \\\n  -d '{momo_json}' {base}/providers/momo/credentials");
    println!("curl -X POST -H 'X-User: bob' -H 'Idempotency-Key: order-1' -H 'Content-Type: application/json' \\\n  -d '{{\"amount\":{{\"amount\":\"10.00\",\"currency\":\"EUR\"}},\"payer\":{{\"type\":\"phone\",\"number\":\"{party}\"}}}}' \\\n  {base}/providers/momo/payments/collect");
    println!("curl {base}/monobank/currency/USD/UAH");
    println!("\nCtrl-C to stop.");

    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

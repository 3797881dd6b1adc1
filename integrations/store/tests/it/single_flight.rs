//! One refresh for 4 processes × 25 tasks that all find the access token expired, against
//! one Monzo sandbox whose refresh tokens are single-use.

use std::sync::Arc;
use std::time::Duration;

use bankkit_core::registry::BuildContext;
use bankkit_core::secret::{secret, ExposeSecret};
use bankkit_core::{SandboxClock, TokenSet, TokenStore};
use bankkit_monzo::{MonzoClient, MonzoConfig};
use bankkit_sandbox::{Fault, Sandbox};
use bankkit_store::{SqlStore, StoreOptions};
use futures::future::join_all;

use crate::child;
use crate::common::{keyring, on_both_databases, unique, TestDb};

const PROCESSES: usize = 4;
const TASKS: usize = 25;
const DONE: &str = "BANKKIT-STORE-CHILD-DONE";

fn options() -> StoreOptions {
    StoreOptions::new().timeout(Duration::from_secs(20))
}

fn config(env: &dyn Fn(&str) -> String) -> MonzoConfig {
    MonzoConfig::new(
        env("client_id"),
        secret(env("client_secret")),
        env("redirect_uri"),
    )
    .with_base_url(env("base_url"))
    .with_auth_url(env("auth_url"))
    .with_token_key(env("token_key"))
}

on_both_databases!(expired_token_is_refreshed_once_by_four_processes_of_twenty_five_tasks);

async fn expired_token_is_refreshed_once_by_four_processes_of_twenty_five_tasks(db: TestDb) {
    // Arrange: one sandbox, the seeded tokens in the store, their expiry passed.
    let sandbox = Sandbox::builder()
        .providers(["monzo"])
        .journal_capacity(10_000)
        .start()
        .await
        .unwrap();
    let monzo = sandbox.monzo().unwrap();
    let credentials = monzo.credentials();
    let credential = |name: &str| credentials[name].as_str().unwrap().to_owned();
    let key = unique(&format!("monzo:{}", credential("user_id")));
    let seeded_refresh = credential("refresh_token");
    let store = db.store_with(keyring(), options()).await;
    store
        .save(
            &key,
            TokenSet::new(credential("access_token").into())
                .with_refresh_token(seeded_refresh.clone().into())
                .with_expires_in(21_600, sandbox.now()),
        )
        .await
        .unwrap();
    sandbox.advance(Duration::from_secs(7 * 3600));

    let mut envs = vec![
        ("BANKKIT_STORE_URL", db.url.clone()),
        ("BANKKIT_MONZO_base_url", monzo.base_url()),
        ("BANKKIT_MONZO_token_key", key.clone()),
    ];
    for name in ["client_id", "client_secret", "redirect_uri", "auth_url"] {
        envs.push((
            match name {
                "client_id" => "BANKKIT_MONZO_client_id",
                "client_secret" => "BANKKIT_MONZO_client_secret",
                "redirect_uri" => "BANKKIT_MONZO_redirect_uri",
                _ => "BANKKIT_MONZO_auth_url",
            },
            credential(name),
        ));
    }

    // Each refresh answer is held back, so that without a shared lock the other processes
    // would find the old token and refresh too.
    monzo.inject(
        Fault::delay(Duration::from_millis(300))
            .times(PROCESSES as u32)
            .on("POST", "/oauth2/token"),
    );

    // Act: four processes, set up, then let go at once.
    let mut children = Vec::new();
    for _ in 0..PROCESSES {
        let mut child = child::spawn("single-flight", &envs);
        child::wait_for_line(&mut child, child::READY, Duration::from_secs(60)).await;
        children.push(child);
    }
    for child in &mut children {
        child::go(child).await;
    }
    let children = children.into_iter().map(|child| async move {
        tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .expect("a child did not finish within 120 s")
            .unwrap()
    });
    let outputs = join_all(children).await;

    // Assert: every call succeeded, one refresh, the newest refresh token stored.
    for output in &outputs {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "a child failed: {stdout}");
        assert!(
            stdout.contains(&format!("{DONE} {TASKS}")),
            "a child's calls did not all succeed: {stdout}"
        );
    }
    let journal = sandbox.requests();
    let refreshes: Vec<_> = journal
        .iter()
        .filter(|e| e.provider == "monzo" && e.method == "POST" && e.path == "/oauth2/token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0].status, Some(200));
    let whoami = |status: u16| {
        journal
            .iter()
            .filter(|e| e.path == "/ping/whoami" && e.status == Some(status))
            .count()
    };
    assert_eq!(whoami(200), PROCESSES * TASKS);
    assert_eq!(whoami(401), 0);

    let stored = store.load(&key).await.unwrap().unwrap();
    assert_eq!(stored.version, 2, "the seed, then one refresh");
    let stored_refresh = stored.value.refresh_token.clone().unwrap();
    assert_ne!(stored_refresh.expose_secret(), seeded_refresh);
    // The stored refresh token is the live one: refreshing with it works (a used or
    // evicted one would be refused).
    let env = |name: &str| match name {
        "base_url" => monzo.base_url(),
        "token_key" => key.clone(),
        other => credential(other),
    };
    let context = BuildContext::default()
        .with_token_store(Arc::new(store.clone()))
        .with_clock(sandbox.clock().shared());
    let client: MonzoClient = config(&env).client(&context).unwrap();
    client.refresh_access_token().await.unwrap();
    assert_eq!(store.load(&key).await.unwrap().unwrap().version, 3);
}

/// One process: 25 tasks calling whoami with the expired token in the shared store.
pub async fn child() {
    let env = |name: &str| std::env::var(format!("BANKKIT_MONZO_{name}")).unwrap();
    let url = std::env::var("BANKKIT_STORE_URL").unwrap();
    let store = SqlStore::connect_with(&url, keyring(), options())
        .await
        .unwrap();
    let clock = SandboxClock::connect(&env("base_url")).await.unwrap();
    let context = BuildContext::default()
        .with_token_store(Arc::new(store))
        .with_clock(clock.shared());
    let client = config(&env).client(&context).unwrap();
    child::say(child::READY);
    child::wait_for_go().await;
    let calls = (0..TASKS).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.whoami().await })
    });
    let mut ok = 0;
    for result in join_all(calls).await {
        match result.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => eprintln!("whoami failed: {e}"),
        }
    }
    child::say(&format!("{DONE} {ok}"));
}

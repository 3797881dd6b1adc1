//! What is saved comes back; versions grow by one; concurrent saves lose nothing; nothing
//! secret is stored in clear.

use std::collections::BTreeSet;

use bankkit_core::credentials::{CredentialStore, StoredConfig};
use bankkit_core::secret::ExposeSecret;
use bankkit_core::{TokenSet, TokenStore};
use futures::future::join_all;

use crate::common::{contains_secret, on_both_databases, unique, TestDb};

const ACCESS: &str = "access-Zq8wP1xL5kR2";
const REFRESH: &str = "refresh-Hk3vN9bT7mY4";
const EXTRA: &str = "extra-Jd6sQ2cW8fU1";
const CLIENT_SECRET: &str = "mnzconf.Vx4Lr9Pq2Wz7Kt5N";

fn tokens(access: &str) -> TokenSet {
    TokenSet::new(access.into())
        .with_refresh_token(REFRESH.into())
        .with_expires_at("2026-11-01T18:00:00Z".parse().unwrap())
        .with_extra("user_id", EXTRA)
}

fn monzo_config() -> StoredConfig {
    StoredConfig::from_json(&format!(
        r#"{{"provider": "monzo", "client_id": "oauth2client_01", "client_secret": "{CLIENT_SECRET}",
            "redirect_uri": "https://example.org/cb"}}"#
    ))
    .unwrap()
}

on_both_databases!(
    tokens_round_trip_with_versions_growing_by_one,
    compare_and_save_writes_only_over_the_expected_version,
    concurrent_saves_from_two_pools_never_lose_a_version,
    credentials_round_trip_per_user_and_provider,
    tables_hold_no_token_refresh_token_or_config_secret_in_clear,
);

async fn tokens_round_trip_with_versions_growing_by_one(db: TestDb) {
    let store = db.store().await;
    let key = unique("monzo:user");
    assert!(store.load(&key).await.unwrap().is_none());

    for expected in 1..=3 {
        assert_eq!(store.save(&key, tokens(ACCESS)).await.unwrap(), expected);
    }
    let stored = store.load(&key).await.unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.value.access_token.expose_secret(), ACCESS);
    assert_eq!(
        stored.value.refresh_token.as_ref().unwrap().expose_secret(),
        REFRESH
    );
    assert_eq!(
        stored.value.expires_at,
        Some("2026-11-01T18:00:00Z".parse().unwrap())
    );
    assert_eq!(stored.value.extra.get("user_id").unwrap(), EXTRA);

    // Another key is another row, starting at 1; removing forgets it.
    let other = unique("monzo:user");
    assert_eq!(
        store.save(&other, TokenSet::new("x".into())).await.unwrap(),
        1
    );
    assert!(store.remove_tokens(&other).await.unwrap());
    assert!(store.load(&other).await.unwrap().is_none());
    assert!(!store.remove_tokens(&other).await.unwrap());
}

async fn compare_and_save_writes_only_over_the_expected_version(db: TestDb) {
    let store = db.store().await;
    let key = unique("cas");
    assert_eq!(
        store
            .compare_and_save(&key, None, tokens("a1"))
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        store
            .compare_and_save(&key, None, tokens("a2"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .compare_and_save(&key, Some(2), tokens("a2"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .compare_and_save(&key, Some(1), tokens("a2"))
            .await
            .unwrap(),
        Some(2)
    );
    let stored = store.load(&key).await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.value.access_token.expose_secret()),
        (2, "a2")
    );
}

async fn concurrent_saves_from_two_pools_never_lose_a_version(db: TestDb) {
    // Two stores are two pools, as two processes would have.
    let (a, b) = (db.store().await, db.store().await);
    let key = unique("race");
    let saves = (0..40).map(|i| {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let key = key.clone();
        tokio::spawn(async move { store.save(&key, tokens(&format!("a{i}"))).await })
    });
    let versions: BTreeSet<u64> = join_all(saves)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();
    assert_eq!(versions, (1..=40).collect::<BTreeSet<u64>>());
    assert_eq!(a.load(&key).await.unwrap().unwrap().version, 40);
}

async fn credentials_round_trip_per_user_and_provider(db: TestDb) {
    let store = db.store().await;
    let (user, other) = (unique("user"), unique("user"));
    assert!(store.get(&user, "monzo").await.unwrap().is_none());
    store.put(&user, monzo_config()).await.unwrap();
    store.put(&user, monzo_config()).await.unwrap(); // replaces

    let config = store.get(&user, "monzo").await.unwrap().unwrap();
    assert_eq!(config.provider(), "monzo");
    assert_eq!(config.expose_json(), monzo_config().expose_json());
    assert!(config.config().is_ok());
    assert_eq!(store.providers(&user).await.unwrap(), ["monzo"]);
    assert!(store.providers(&other).await.unwrap().is_empty());
    assert!(store.get(&other, "monzo").await.unwrap().is_none());

    assert!(store.remove(&user, "monzo").await.unwrap());
    assert!(!store.remove(&user, "monzo").await.unwrap());
    assert!(store.get(&user, "monzo").await.unwrap().is_none());
}

async fn tables_hold_no_token_refresh_token_or_config_secret_in_clear(db: TestDb) {
    let store = db.store().await;
    let key = unique("monzo:user");
    store.save(&key, tokens(ACCESS)).await.unwrap();
    store.save(&key, tokens(ACCESS)).await.unwrap();
    store.put(&unique("user"), monzo_config()).await.unwrap();
    store.close().await;

    let dump = [
        db.dump("bankkit_tokens").await,
        db.dump("bankkit_credentials").await,
    ]
    .concat();
    // The dump does show the rows: the key and the key id are in clear.
    assert!(contains_secret(&dump, &key), "the dump misses the rows");
    assert!(contains_secret(&dump, "k1"));
    for secret in [ACCESS, REFRESH, EXTRA, CLIENT_SECRET, "oauth2client_01"] {
        assert!(
            !contains_secret(&dump, secret),
            "{secret} is stored in clear"
        );
    }
    // Nor does Debug show a secret.
    assert!(!format!("{store:?}").contains("17, 17"), "{store:?}");
}

//! Keys: a wrong key or an unknown key id is a typed error naming the key; rows written
//! under an old key still read, and re-encryption moves them to the current key; a row
//! copied elsewhere or altered does not decrypt.

use bankkit_core::credentials::{CredentialStore, StoredConfig};
use bankkit_core::secret::ExposeSecret;
use bankkit_core::{Error, TokenSet, TokenStore};
use bankkit_store::Keyring;

use crate::common::{on_both_databases, unique, TestDb};

fn config() -> StoredConfig {
    StoredConfig::from_json(
        r#"{"provider": "monzo", "client_id": "c", "client_secret": "s", "redirect_uri": "https://e.org/cb"}"#,
    )
    .unwrap()
}

fn storage_message<T: std::fmt::Debug>(result: bankkit_core::Result<T>) -> String {
    match result {
        Err(Error::Storage { message, .. }) => message,
        other => panic!("expected Error::Storage, got {other:?}"),
    }
}

on_both_databases!(
    wrong_key_or_unknown_key_id_is_a_storage_error_naming_the_key,
    rotation_reads_old_rows_and_reencrypt_moves_them_to_the_current_key,
    rows_copied_elsewhere_or_corrupted_are_storage_errors,
);

async fn wrong_key_or_unknown_key_id_is_a_storage_error_naming_the_key(db: TestDb) {
    let (key, user) = (unique("tok"), unique("user"));
    let store = db.store().await;
    store.save(&key, TokenSet::new("a".into())).await.unwrap();
    store.put(&user, config()).await.unwrap();

    let wrong = db
        .store_with(Keyring::new("k1", [0x22; 32]), db.options())
        .await;
    let message = storage_message(wrong.load(&key).await);
    assert!(message.contains("\"k1\""), "{message}");
    assert!(message.contains("could not decrypt"), "{message}");
    let message = storage_message(wrong.get(&user, "monzo").await);
    assert!(message.contains("\"k1\""), "{message}");

    let unknown = db
        .store_with(Keyring::new("k9", [0x11; 32]), db.options())
        .await;
    let message = storage_message(unknown.load(&key).await);
    assert!(
        message.contains("\"k1\"") && message.contains("does not hold"),
        "{message}"
    );
    let message = storage_message(unknown.reencrypt().await);
    assert!(message.contains("\"k1\""), "{message}");
}

async fn rotation_reads_old_rows_and_reencrypt_moves_them_to_the_current_key(db: TestDb) {
    let (old_key, new_key, user) = (unique("tok"), unique("tok"), unique("user"));
    let old = db.store().await; // k1
    old.save(&old_key, TokenSet::new("old-access".into()))
        .await
        .unwrap();
    old.put(&user, config()).await.unwrap();

    let rotated_keys = Keyring::new("k2", [0x33; 32]).with_old("k1", [0x11; 32]);
    let rotated = db.store_with(rotated_keys, db.options()).await;
    let read = rotated.load(&old_key).await.unwrap().unwrap();
    assert_eq!(read.value.access_token.expose_secret(), "old-access");
    assert!(rotated.get(&user, "monzo").await.unwrap().is_some());
    rotated
        .save(&new_key, TokenSet::new("new-access".into()))
        .await
        .unwrap();

    let moved = rotated.reencrypt().await.unwrap();
    assert_eq!((moved.tokens, moved.credentials), (1, 1));
    assert_eq!(
        rotated.reencrypt().await.unwrap(),
        bankkit_store::Reencrypted::default()
    );
    let dump = String::from_utf8_lossy(
        &[
            db.dump("bankkit_tokens").await,
            db.dump("bankkit_credentials").await,
        ]
        .concat(),
    )
    .into_owned();
    assert!(dump.contains("k2"), "{dump}");

    // Without the old key, everything still reads; the old keyring reads nothing.
    let current_only = db
        .store_with(Keyring::new("k2", [0x33; 32]), db.options())
        .await;
    let read = current_only.load(&old_key).await.unwrap().unwrap();
    assert_eq!(read.value.access_token.expose_secret(), "old-access");
    assert_eq!(read.version, 1, "re-encryption keeps the version");
    assert!(current_only.get(&user, "monzo").await.unwrap().is_some());
    let message = storage_message(old.load(&old_key).await);
    assert!(message.contains("\"k2\""), "{message}");
}

async fn rows_copied_elsewhere_or_corrupted_are_storage_errors(db: TestDb) {
    let store = db.store().await;
    let (a, b, c, d) = (unique("a"), unique("b"), unique("c"), unique("d"));
    for key in [&a, &b, &c, &d] {
        store.save(key, TokenSet::new("t".into())).await.unwrap();
    }
    // b gets a's ciphertext: decrypting it as b's fails.
    db.execute(&format!(
        "UPDATE bankkit_tokens SET nonce = (SELECT nonce FROM bankkit_tokens WHERE token_key = '{a}'), \
         ciphertext = (SELECT ciphertext FROM bankkit_tokens WHERE token_key = '{a}') \
         WHERE token_key = '{b}'"
    ))
    .await;
    let message = storage_message(store.load(&b).await);
    assert!(message.contains(&b), "{message}");
    // A short nonce, a version of 0: typed errors, no panic.
    let short = match db.kind {
        crate::common::Kind::Sqlite => "x'0102'",
        crate::common::Kind::Postgres => "'\\x0102'::bytea",
    };
    db.execute(&format!(
        "UPDATE bankkit_tokens SET nonce = {short} WHERE token_key = '{c}'"
    ))
    .await;
    let message = storage_message(store.load(&c).await);
    assert!(message.contains("nonce"), "{message}");
    // A ciphertext cut short: the tag does not verify.
    let cut = match db.kind {
        crate::common::Kind::Sqlite => "substr(ciphertext, 1, 5)",
        crate::common::Kind::Postgres => "substring(ciphertext from 1 for 5)",
    };
    db.execute(&format!(
        "UPDATE bankkit_tokens SET ciphertext = {cut} WHERE token_key = '{d}'"
    ))
    .await;
    let message = storage_message(store.load(&d).await);
    assert!(message.contains("could not decrypt"), "{message}");
    assert!(
        store.load(&a).await.unwrap().is_some(),
        "other rows still read"
    );
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The JSON file token store.

use std::error::Error as _;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::token::{FileTokenStore, TokenSet, TokenStore};
use bankkit_core::Error;
use secrecy::ExposeSecret;

const ACCESS: &str = "sk_live_SECRET_123";
const REFRESH: &str = "rt_live_SECRET_456";

fn tokens(access: &str) -> TokenSet {
    TokenSet::new(access.into())
        .with_refresh_token(REFRESH.into())
        .with_expires_at("2026-11-01T06:00:00Z".parse().unwrap())
        .with_extra("user_id", "user_123")
}

/// The error's message and every source in its chain, with Debug output too.
fn everything_shown(error: &Error) -> String {
    let mut shown = format!("{error} {error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    shown
}

fn parse_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

#[tokio::test]
async fn saving_and_loading_a_key_roundtrips_every_field_with_growing_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = FileTokenStore::new(&path);

    let first = store
        .save("monzo:user_123", tokens("access-1"))
        .await
        .unwrap();
    let second = store
        .save("monzo:user_123", tokens("access-2"))
        .await
        .unwrap();
    assert!(second > first, "{second} should be greater than {first}");

    // A fresh handle (as another process would have) reads the same.
    let reopened = FileTokenStore::new(&path);
    let loaded = reopened.load("monzo:user_123").await.unwrap().unwrap();
    assert_eq!(loaded.version, second);
    assert_eq!(loaded.value.access_token.expose_secret(), "access-2");
    assert_eq!(
        loaded.value.refresh_token.as_ref().unwrap().expose_secret(),
        REFRESH
    );
    assert_eq!(
        loaded.value.expires_at,
        Some("2026-11-01T06:00:00Z".parse().unwrap())
    );
    assert_eq!(loaded.value.extra.get("user_id").unwrap(), "user_123");

    let third = reopened
        .save("monzo:user_123", tokens("access-3"))
        .await
        .unwrap();
    assert_eq!(third, second + 1);
}

#[tokio::test]
async fn a_missing_file_is_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(dir.path().join("absent.json"));
    assert!(store.load("monzo:user_123").await.unwrap().is_none());
    assert!(!dir.path().join("absent.json").exists());
}

#[tokio::test]
async fn the_file_is_json_with_a_format_version_and_one_versioned_entry_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = FileTokenStore::new(&path);
    store
        .save("monzo:user_123", tokens("access-1"))
        .await
        .unwrap();
    store
        .save("monzo:user_123", tokens("access-2"))
        .await
        .unwrap();
    store
        .save("momo:collection", TokenSet::new("bearer-1".into()))
        .await
        .unwrap();

    let json = parse_json(&path);
    assert_eq!(json["version"], 1);
    let entry = &json["entries"]["monzo:user_123"];
    assert_eq!(entry["version"], 2);
    assert_eq!(entry["access_token"], "access-2");
    assert_eq!(entry["refresh_token"], REFRESH);
    assert_eq!(entry["expires_at"], "2026-11-01T06:00:00Z");
    assert_eq!(entry["extra"]["user_id"], "user_123");
    let momo = &json["entries"]["momo:collection"];
    assert_eq!(momo["version"], 1);
    assert!(momo["expires_at"].is_null());
}

#[cfg(unix)]
#[tokio::test]
async fn the_token_file_and_its_lock_files_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = FileTokenStore::new(&path);
    store.save("k", tokens("access-1")).await.unwrap();
    drop(store.lock("k").await.unwrap());
    store.save("k", tokens("access-2")).await.unwrap();

    let mut checked = 0;
    for entry in fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?} has mode {mode:o}", entry.file_name());
        checked += 1;
    }
    // tokens.json, tokens.json.lock and the refresh lock of "k".
    assert_eq!(checked, 3);
}

#[tokio::test]
async fn debug_output_never_shows_the_secrets_and_the_store_shows_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = FileTokenStore::new(&path);
    store.save("monzo:user_123", tokens(ACCESS)).await.unwrap();
    let loaded = store.load("monzo:user_123").await.unwrap().unwrap();

    let shown_store = format!("{store:?}");
    assert!(shown_store.contains("tokens.json"), "{shown_store}");
    for shown in [
        shown_store,
        format!("{loaded:?}"),
        format!("{:?}", loaded.value),
        // What a caller logging a load result would print, pretty-printed.
        format!("{:#?}", store.load("monzo:user_123").await),
    ] {
        assert!(!shown.contains(ACCESS), "access token shown in {shown}");
        assert!(!shown.contains(REFRESH), "refresh token shown in {shown}");
    }
    // The secret fields are printed (redacted), so the checks above look at real output.
    let shown_loaded = format!("{loaded:?}");
    assert!(shown_loaded.contains("access_token"), "{shown_loaded}");
    assert!(shown_loaded.contains("refresh_token"), "{shown_loaded}");
    assert!(shown_loaded.contains("REDACTED"), "{shown_loaded}");
    assert!(shown_loaded.contains("user_123"), "{shown_loaded}");
}

#[tokio::test]
async fn a_corrupt_file_is_a_storage_error_that_never_quotes_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    // A token where a number belongs: serde_json's own message would quote it.
    let corrupt = format!(
        r#"{{"version":1,"entries":{{"k":{{"version":"{ACCESS}","access_token":"{ACCESS}"}}}}}}"#
    );
    fs::write(&path, &corrupt).unwrap();
    let store = FileTokenStore::new(&path);

    let error = store.load("k").await.unwrap_err();
    assert!(matches!(error, Error::Storage { .. }), "{error:?}");
    let shown = everything_shown(&error);
    assert!(shown.contains("tokens.json"), "{shown}");
    assert!(!shown.contains(ACCESS), "token quoted in {shown}");

    // A save does not overwrite a file it cannot read (it may hold other keys).
    let error = store.save("other", tokens("access-1")).await.unwrap_err();
    assert!(matches!(error, Error::Storage { .. }), "{error:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), corrupt);

    // Truncated JSON and non-JSON are errors too, not panics.
    for broken in [&corrupt[..corrupt.len() / 2], "\u{0}\u{1}binary"] {
        fs::write(&path, broken).unwrap();
        let error = store.load("k").await.unwrap_err();
        assert!(matches!(error, Error::Storage { .. }), "{error:?}");
        assert!(!everything_shown(&error).contains(ACCESS));
    }
}

#[tokio::test]
async fn a_file_written_in_a_newer_format_version_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let newer = r#"{"version":2,"keys":[]}"#;
    fs::write(&path, newer).unwrap();
    let store = FileTokenStore::new(&path);

    let error = store.load("k").await.unwrap_err();
    assert!(error.to_string().contains("format version 2"), "{error}");
    assert!(store.save("k", tokens("access-1")).await.is_err());
    assert_eq!(fs::read_to_string(&path).unwrap(), newer);
}

#[tokio::test]
async fn a_truncated_temp_file_left_by_a_crashed_writer_does_not_affect_loading_or_saving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = FileTokenStore::new(&path);
    store.save("k", tokens("old-access")).await.unwrap();

    // A writer that crashed halfway leaves its temporary file next to the target.
    let whole = fs::read(&path).unwrap();
    let leftover = dir.path().join(".tokens.json.Xc9a2k.tmp");
    fs::write(&leftover, &whole[..whole.len() / 2]).unwrap();

    let loaded = store.load("k").await.unwrap().unwrap();
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.value.access_token.expose_secret(), "old-access");

    let version = store.save("k", tokens("new-access")).await.unwrap();
    assert_eq!(version, 2);
    let json = parse_json(&path);
    assert_eq!(json["entries"]["k"]["access_token"], "new-access");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn saves_through_two_handles_on_one_file_keep_each_others_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    // Two handles share no in-process lock, as two processes would not: only the OS lock
    // on the file keeps their read-modify-write cycles apart.
    let handles: [Arc<dyn TokenStore>; 2] = [
        Arc::new(FileTokenStore::new(&path)),
        Arc::new(FileTokenStore::new(&path)),
    ];

    let mut tasks = Vec::new();
    for (h, handle) in handles.iter().enumerate() {
        for i in 0..25 {
            let handle = Arc::clone(handle);
            tasks.push(tokio::spawn(async move {
                let key = format!("handle-{h}-key-{i}");
                handle
                    .save(&key, TokenSet::new(format!("access-{h}-{i}").into()))
                    .await
                    .unwrap();
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }

    let store = FileTokenStore::new(&path);
    for h in 0..2 {
        for i in 0..25 {
            let loaded = store
                .load(&format!("handle-{h}-key-{i}"))
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("key {h}/{i} was lost"));
            assert_eq!(
                loaded.value.access_token.expose_secret(),
                format!("access-{h}-{i}")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_held_refresh_lock_blocks_another_handle_on_the_same_file_until_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let first = FileTokenStore::new(&path);
    let second = FileTokenStore::new(&path);

    let held = first.lock("k").await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(200), second.lock("k")).await;
    assert!(waiting.is_err(), "the OS lock was granted twice");
    let other_key = tokio::time::timeout(Duration::from_secs(10), second.lock("other")).await;
    assert!(other_key.is_ok(), "a different key was blocked");

    drop(held);
    let next = tokio::time::timeout(Duration::from_secs(10), second.lock("k")).await;
    assert!(next.is_ok(), "the lock was not released on drop");
}

#[tokio::test]
async fn a_save_past_the_last_version_is_a_storage_error_and_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let at_the_end = format!(
        r#"{{"version":1,"entries":{{"k":{{"version":{},"access_token":"old"}}}}}}"#,
        u64::MAX
    );
    fs::write(&path, &at_the_end).unwrap();
    let store = FileTokenStore::new(&path);

    let error = store.save("k", tokens(ACCESS)).await.unwrap_err();
    assert!(matches!(error, Error::Storage { .. }), "{error:?}");
    assert!(!everything_shown(&error).contains(ACCESS));
    assert_eq!(fs::read_to_string(&path).unwrap(), at_the_end);
    let kept = store.load("k").await.unwrap().unwrap();
    assert_eq!(kept.version, u64::MAX);
    assert_eq!(kept.value.access_token.expose_secret(), "old");
}

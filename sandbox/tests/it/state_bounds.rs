//! Bounded state: every kind of per-client state that grows with requests is capped or
//! expires on the sandbox clock ([`StateLimits`]), what is dropped answers as an unknown id,
//! seeded data stays, and MoMo settles only what is due.

use std::time::Duration;

use bankkit_sandbox::{Sandbox, SandboxEvent, StateLimits};
use serde_json::{json, Value};

use crate::common::{http_client, start_binary};
use crate::momo_common::{momo_on, request_to_pay, uuid, Momo};
use crate::monzo_common::{error, monzo_on, Monzo};

// ---- helpers ---------------------------------------------------------------------------------

async fn momo_with(limits: StateLimits) -> Momo {
    momo_on(Sandbox::builder().state_limits(limits)).await
}

async fn monzo_with(limits: StateLimits) -> Monzo {
    monzo_on(Sandbox::builder().state_limits(limits)).await
}

fn size(sizes: &Value, name: &str) -> u64 {
    sizes[name]
        .as_u64()
        .unwrap_or_else(|| panic!("no {name} in {sizes}"))
}

/// Status and JSON body of a MoMo request-to-pay status read.
async fn momo_status(momo: &Momo, id: &str) -> (u16, Value) {
    let response = momo
        .get(&format!("/collection/v1_0/requesttopay/{id}"))
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A MoMo balance read with exactly this token.
async fn momo_balance_with(momo: &Momo, token: &str) -> reqwest::Response {
    momo.http
        .get(momo.url("/collection/v1_0/account/balance"))
        .header("Ocp-Apim-Subscription-Key", momo.key("collection"))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Target-Environment", "sandbox")
        .send()
        .await
        .unwrap()
}

// ---- MoMo --------------------------------------------------------------------------------

#[tokio::test]
async fn momo_payments_past_the_cap_drop_the_oldest_finished_first_then_the_oldest_and_answer_not_found(
) {
    let momo = momo_with(StateLimits::default().max_payments(3)).await;
    let path = "/collection/v1_0/requesttopay";
    let pending = momo
        .create_ok(path, &request_to_pay("46733123454", "1.00"))
        .await;
    let finished = momo
        .create_ok(path, &request_to_pay("46733123456", "1.00"))
        .await;
    momo.advance(6);
    let third = momo
        .create_ok(path, &request_to_pay("46733123456", "1.00"))
        .await;
    let fourth = momo
        .create_ok(path, &request_to_pay("46733123456", "1.00"))
        .await;

    // Four made, three kept: the finished one went, not the older one still pending.
    let unknown = momo_status(&momo, &uuid()).await;
    assert_eq!(unknown.0, 404);
    assert_eq!(
        unknown.1,
        json!({"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."})
    );
    assert_eq!(momo_status(&momo, &finished).await, unknown);
    for kept in [&pending, &third, &fourth] {
        assert_eq!(momo_status(&momo, kept).await.0, 200);
    }
    assert_eq!(size(&momo.handle.state_sizes(), "payments"), 3);

    // Nothing finished now (the two new ones end in 5 s): the oldest pending one goes.
    let fifth = momo
        .create_ok(path, &request_to_pay("46733123456", "1.00"))
        .await;
    assert_eq!(momo_status(&momo, &pending).await, unknown);
    for kept in [&third, &fourth, &fifth] {
        assert_eq!(momo_status(&momo, kept).await.0, 200);
    }
    assert_eq!(size(&momo.handle.state_sizes(), "payments"), 3);
}

#[tokio::test]
async fn momo_settle_index_holds_only_pending_payments_and_settles_each_due_one_exactly_once() {
    let momo = momo_with(StateLimits::default()).await;
    let path = "/collection/v1_0/requesttopay";
    let before = momo.balance("collection").await;
    assert_eq!(before, "2500");
    let mut successes = Vec::new();
    for _ in 0..10 {
        successes.push(
            momo.create_ok(path, &request_to_pay("46733123456", "1.00"))
                .await,
        );
    }
    let expiring = momo
        .create_ok(path, &request_to_pay("46733123452", "1.00"))
        .await; // FAILED EXPIRED after 60 s
    let asked = momo
        .create_ok(path, &request_to_pay("46733123453", "1.00"))
        .await; // SUCCESSFUL when asked 30 s on
    momo.create_ok(path, &request_to_pay("46733123454", "1.00"))
        .await; // PENDING for ever

    let sizes = momo.handle.state_sizes();
    assert_eq!(size(&sizes, "payments"), 13);
    // Only the payments with a known end wait in the index.
    assert_eq!(size(&sizes, "settle_index"), 11);
    assert_eq!(size(&sizes, "settled"), 0);

    momo.advance(5);
    assert_eq!(momo.balance("collection").await, "2510");
    let sizes = momo.handle.state_sizes();
    assert_eq!(
        size(&sizes, "settle_index"),
        1,
        "settled ones left the index"
    );
    assert_eq!(size(&sizes, "settled"), 10);
    for _ in 0..5 {
        assert_eq!(momo.balance("collection").await, "2510");
    }
    assert_eq!(size(&momo.handle.state_sizes(), "settled"), 10);

    momo.advance(25);
    let (status, body) = momo_status(&momo, &asked).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("SUCCESSFUL")));
    assert_eq!(momo.balance("collection").await, "2511");
    assert_eq!(size(&momo.handle.state_sizes(), "settled"), 11);

    // The one due at 60 s is not settled a second early.
    momo.advance(29);
    let (_, body) = momo_status(&momo, &expiring).await;
    assert_eq!(body["status"], "PENDING");
    assert_eq!(size(&momo.handle.state_sizes(), "settle_index"), 1);
    momo.advance(1);
    let (_, body) = momo_status(&momo, &expiring).await;
    assert_eq!(body["status"], "FAILED");
    let sizes = momo.handle.state_sizes();
    assert_eq!(size(&sizes, "settle_index"), 0);
    assert_eq!(size(&sizes, "settled"), 12);
    assert_eq!(momo.balance("collection").await, "2511");

    let ledger = momo.handle.ledger();
    let ids: Vec<&str> = ledger
        .account("collection")
        .unwrap()
        .transactions
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(ids.len(), 11);
    for id in successes.iter().chain([&asked]) {
        assert_eq!(ids.iter().filter(|x| **x == id.as_str()).count(), 1, "{id}");
    }
}

#[tokio::test]
async fn momo_tokens_are_dropped_after_expiry_and_grace_and_past_the_cap_the_first_to_expire_go() {
    let momo = momo_with(
        StateLimits::default()
            .token_grace(Duration::from_secs(60))
            .max_tokens(2),
    )
    .await;
    let first = momo.token("collection").await;
    assert_eq!(size(&momo.handle.state_sizes(), "tokens"), 1);
    momo.advance(3600);
    assert_eq!(momo_balance_with(&momo, &first).await.status(), 401);
    assert_eq!(
        size(&momo.handle.state_sizes(), "tokens"),
        1,
        "kept for the grace"
    );
    momo.advance(60);
    assert_eq!(size(&momo.handle.state_sizes(), "tokens"), 0);

    let a = momo.token("collection").await;
    let b = momo.token("collection").await;
    let c = momo.token("collection").await;
    let dropped = momo_balance_with(&momo, &a).await;
    assert_eq!(dropped.status(), 401);
    assert_eq!(
        dropped.json::<Value>().await.unwrap(),
        json!({"statusCode": 401, "message": "Unauthorized. Access token is missing or invalid."})
    );
    for kept in [&b, &c] {
        assert_eq!(momo_balance_with(&momo, kept).await.status(), 200);
    }
    assert_eq!(size(&momo.handle.state_sizes(), "tokens"), 2);
}

#[tokio::test]
async fn momo_tokens_in_use_outlast_newer_unused_ones_at_the_cap() {
    let momo = momo_with(StateLimits::default().max_tokens(2)).await;
    let in_use = momo.token("collection").await;
    momo.advance(10);
    let idle = momo.token("collection").await;
    momo.advance(10);
    assert_eq!(momo_balance_with(&momo, &in_use).await.status(), 200);

    let newest = momo.token("collection").await;

    assert_eq!(momo_balance_with(&momo, &idle).await.status(), 401);
    for kept in [&in_use, &newest] {
        assert_eq!(momo_balance_with(&momo, kept).await.status(), 200);
    }
    // Use never extends validity: an hour after it was minted, the token is refused.
    momo.advance(3600 - 20);
    assert_eq!(momo_balance_with(&momo, &in_use).await.status(), 401);
}

#[tokio::test]
async fn momo_provisioned_api_users_past_the_cap_drop_the_oldest_and_the_seeded_one_stays() {
    let momo = momo_with(StateLimits::default().max_api_users(2)).await;
    let mut users = Vec::new();
    for _ in 0..3 {
        let id = uuid();
        let response = momo
            .http
            .post(momo.url("/v1_0/apiuser"))
            .header("Ocp-Apim-Subscription-Key", momo.key("collection"))
            .header("X-Reference-Id", &id)
            .json(&json!({"providerCallbackHost": "shop.example"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        users.push(id);
    }
    let read = |id: String| {
        momo.http
            .get(momo.url(&format!("/v1_0/apiuser/{id}")))
            .header("Ocp-Apim-Subscription-Key", momo.key("collection"))
            .send()
    };
    let dropped = read(users[0].clone()).await.unwrap();
    assert_eq!(dropped.status(), 404);
    assert_eq!(
        dropped.json::<Value>().await.unwrap(),
        json!({"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."})
    );
    for kept in &users[1..] {
        assert_eq!(read(kept.clone()).await.unwrap().status(), 200);
    }
    assert_eq!(read(momo.cred("api_user")).await.unwrap().status(), 200);
    momo.token("collection").await; // the seeded user still logs in
    assert_eq!(size(&momo.handle.state_sizes(), "api_users"), 2);
}

#[tokio::test]
async fn momo_consent_requests_past_the_cap_drop_the_oldest() {
    let momo = momo_with(StateLimits::default().max_consents(1)).await;
    let authorize = || {
        momo.http
            .post(momo.url("/collection/v1_0/bc-authorize"))
            .header("Ocp-Apim-Subscription-Key", momo.key("collection"))
            .header("Authorization", momo.basic())
            .header("X-Target-Environment", "sandbox")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("login_hint=ID:46733123456/MSISDN&scope=all_info")
            .send()
    };
    let exchange = |id: String| {
        momo.http
            .post(momo.url("/collection/oauth2/token/"))
            .header("Ocp-Apim-Subscription-Key", momo.key("collection"))
            .header("Authorization", momo.basic())
            .header("X-Target-Environment", "sandbox")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=urn:openid:params:grant-type:ciba&auth_req_id={id}"
            ))
            .send()
    };
    let first: Value = authorize().await.unwrap().json().await.unwrap();
    let second: Value = authorize().await.unwrap().json().await.unwrap();
    let dropped = exchange(first["auth_req_id"].as_str().unwrap().to_owned())
        .await
        .unwrap();
    assert_eq!(dropped.status(), 400);
    assert_eq!(
        dropped.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant"})
    );
    let kept = exchange(second["auth_req_id"].as_str().unwrap().to_owned())
        .await
        .unwrap();
    assert_eq!(kept.status(), 200);
}

// ---- Monzo -------------------------------------------------------------------------------

/// Announces an upload of `length` bytes; returns (file_url, upload_url).
async fn announce(mz: &Monzo, length: usize) -> (String, String) {
    let length = length.to_string();
    let response = mz
        .send_form(
            "POST",
            "/attachment/upload",
            &[
                ("file_name", "receipt.png"),
                ("file_type", "image/png"),
                ("content_length", &length),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let urls: Value = response.json().await.unwrap();
    (
        urls["file_url"].as_str().unwrap().to_owned(),
        urls["upload_url"].as_str().unwrap().to_owned(),
    )
}

/// The error code `GET /ping/whoami` answers `token` with.
async fn whoami_code(mz: &Monzo, token: &str) -> String {
    error(mz.get_with("/ping/whoami", token).await).await.1
}

async fn put_bytes(mz: &Monzo, url: &str, bytes: Vec<u8>) -> reqwest::Response {
    mz.http.put(url).body(bytes).send().await.unwrap()
}

async fn fetch(mz: &Monzo, url: &str) -> (u16, Vec<u8>) {
    let response = mz.http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn monzo_upload_bytes_are_bounded_the_oldest_upload_makes_room_and_a_too_large_one_is_refused(
) {
    let mz = monzo_with(StateLimits::default().max_upload_bytes(1_000)).await;
    let mut files = Vec::new();
    for fill in [b'a', b'b', b'c'] {
        let (file_url, upload_url) = announce(&mz, 400).await;
        assert_eq!(
            put_bytes(&mz, &upload_url, vec![fill; 400]).await.status(),
            200
        );
        files.push((file_url, fill));
    }

    assert_eq!(fetch(&mz, &files[0].0).await, (404, b"NoSuchKey".to_vec()));
    for (file_url, fill) in &files[1..] {
        assert_eq!(fetch(&mz, file_url).await, (200, vec![*fill; 400]));
    }
    assert_eq!(size(&mz.handle.state_sizes(), "upload_bytes"), 800);

    let (_, upload_url) = announce(&mz, 2_000).await;
    let refused = put_bytes(&mz, &upload_url, vec![b'x'; 2_000]).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.text().await.unwrap(), "EntityTooLarge");
    for (file_url, fill) in &files[1..] {
        assert_eq!(fetch(&mz, file_url).await, (200, vec![*fill; 400]));
    }
    assert_eq!(size(&mz.handle.state_sizes(), "upload_bytes"), 800);
}

#[tokio::test]
async fn monzo_uploads_expire_an_hour_of_sandbox_time_after_they_were_stored() {
    let mz = monzo_with(StateLimits::default()).await;
    let (file_url, upload_url) = announce(&mz, 4).await;
    mz.advance(1_800);
    assert_eq!(
        put_bytes(&mz, &upload_url, b"abcd".to_vec()).await.status(),
        200
    );
    mz.advance(3_599);
    assert_eq!(fetch(&mz, &file_url).await, (200, b"abcd".to_vec()));
    mz.advance(1);
    assert_eq!(fetch(&mz, &file_url).await, (404, b"NoSuchKey".to_vec()));
    let sizes = mz.handle.state_sizes();
    assert_eq!(
        (size(&sizes, "uploads"), size(&sizes, "upload_bytes")),
        (0, 0)
    );
}

#[tokio::test]
async fn monzo_tokens_are_dropped_after_expiry_and_grace_and_the_seeded_ones_never() {
    let mz = monzo_with(StateLimits::default().token_grace(Duration::from_secs(60))).await;
    let login = mz.login().await;
    let access = login["access_token"].as_str().unwrap().to_owned();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    let refreshed: Value = mz.refresh(&refresh).await.json().await.unwrap();
    let newest = refreshed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(size(&mz.handle.state_sizes(), "refresh_tokens"), 3);

    assert_eq!(
        whoami_code(&mz, &access).await,
        "unauthorized.bad_access_token.evicted"
    );
    mz.advance(60);
    // The used refresh token is gone after the grace; the live one stays.
    assert_eq!(size(&mz.handle.state_sizes(), "refresh_tokens"), 2);

    mz.advance(21_600 - 60);
    assert_eq!(
        whoami_code(&mz, &newest).await,
        "unauthorized.bad_access_token.expired"
    );
    mz.advance(60);
    let unknown = error(mz.get_with("/ping/whoami", "never-issued").await).await;
    let dropped = error(mz.get_with("/ping/whoami", &newest).await).await;
    assert_eq!(dropped.0, 401);
    assert_eq!(dropped.1, "unauthorized.bad_access_token");
    assert_eq!(dropped.2, unknown.2);
    assert_eq!(
        whoami_code(&mz, &access).await,
        "unauthorized.bad_access_token"
    );
    // The seeded access token is never dropped: it still says it was evicted.
    assert_eq!(
        whoami_code(&mz, &mz.token()).await,
        "unauthorized.bad_access_token.evicted"
    );
    assert_eq!(size(&mz.handle.state_sizes(), "access_tokens"), 1);
    // The live refresh token does not expire.
    let live = refreshed["refresh_token"].as_str().unwrap();
    assert_eq!(mz.refresh(live).await.status(), 200);
}

#[tokio::test]
async fn monzo_tokens_past_the_cap_drop_the_first_to_expire() {
    let mz = monzo_with(StateLimits::default().max_tokens(2)).await;
    let login = mz.login().await;
    let first = login["access_token"].as_str().unwrap().to_owned();
    let second: Value = mz
        .refresh(login["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    mz.advance(1);
    let third: Value = mz
        .refresh(second["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(
        whoami_code(&mz, &first).await,
        "unauthorized.bad_access_token"
    );
    assert_eq!(
        whoami_code(&mz, second["access_token"].as_str().unwrap()).await,
        "unauthorized.bad_access_token.evicted"
    );
    let newest = third["access_token"].as_str().unwrap();
    assert_eq!(mz.get_with("/ping/whoami", newest).await.status(), 200);
    // Seeded ones are never counted.
    assert_eq!(size(&mz.handle.state_sizes(), "access_tokens"), 3);
}

#[tokio::test]
async fn monzo_authorisation_codes_past_the_cap_drop_the_oldest() {
    let mz = monzo_with(StateLimits::default().max_consents(2)).await;
    let first = mz.code().await;
    let second = mz.code().await;
    let third = mz.code().await;
    let (status, code, _) = error(mz.exchange(&first).await).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.bad_param.invalid_code")
    );
    assert_eq!(mz.exchange(&third).await.status(), 200);
    assert_eq!(mz.exchange(&second).await.status(), 200);
}

#[tokio::test]
async fn monzo_attachments_receipts_and_webhooks_past_their_caps_drop_the_oldest() {
    let mz = monzo_with(
        StateLimits::default()
            .max_attachments(2)
            .max_receipts(2)
            .max_webhooks_per_account(2),
    )
    .await;
    let account = mz.main_account();
    let ledger = mz.handle.ledger();
    let tx = ledger.account(&account).unwrap().transactions[0].id.clone();

    let mut attachments = Vec::new();
    for n in 0..3 {
        let file_url = format!("https://files.example/{n}.png");
        let response = mz
            .send_form(
                "POST",
                "/attachment/register",
                &[
                    ("external_id", tx.as_str()),
                    ("file_url", file_url.as_str()),
                    ("file_type", "image/png"),
                ],
            )
            .await;
        let body: Value = response.json().await.unwrap();
        attachments.push(body["attachment"]["id"].as_str().unwrap().to_owned());
    }
    let (status, code, _) = error(
        mz.send_form("POST", "/attachment/deregister", &[("id", &attachments[0])])
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (404, "not_found.attachment_not_found")
    );
    let read = mz.get_json(&format!("/transactions/{tx}")).await;
    let kept: Vec<&str> = read["transaction"]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(kept, [attachments[1].as_str(), attachments[2].as_str()]);

    for external_id in ["r-1", "r-2", "r-3"] {
        let body = json!({
            "transaction_id": tx, "external_id": external_id, "total": 300, "currency": "GBP",
            "items": [{"description": "Coffee", "amount": 300, "currency": "GBP", "quantity": 1.0}],
        });
        let response = mz
            .http
            .put(mz.url("/transaction-receipts"))
            .bearer_auth(mz.token())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let (status, code, _) = error(mz.get("/transaction-receipts?external_id=r-1").await).await;
    assert_eq!(
        (status, code.as_str()),
        (404, "not_found.receipt_not_found")
    );
    for kept in ["r-2", "r-3"] {
        mz.get_json(&format!("/transaction-receipts?external_id={kept}"))
            .await;
    }

    let mut webhooks = Vec::new();
    for n in 0..3 {
        let url = format!("https://hooks.example/{n}");
        let response = mz
            .send_form(
                "POST",
                "/webhooks",
                &[("account_id", account.as_str()), ("url", url.as_str())],
            )
            .await;
        let body: Value = response.json().await.unwrap();
        webhooks.push(body["webhook"]["id"].as_str().unwrap().to_owned());
    }
    let listed = mz
        .get_json(&format!("/webhooks?account_id={account}"))
        .await;
    let ids: Vec<&str> = listed["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [webhooks[1].as_str(), webhooks[2].as_str()]);
    let (status, code, _) = error(
        mz.send_form("DELETE", &format!("/webhooks/{}", webhooks[0]), &[])
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (404, "not_found.webhook_not_found")
    );
}

#[tokio::test]
async fn monzo_added_transactions_past_the_cap_drop_the_oldest_added_and_keep_the_seeded_history() {
    let mz = monzo_with(StateLimits::default().max_added_transactions(2)).await;
    let account = mz.main_account();
    let ledger = mz.handle.ledger();
    let seeded = ledger.account(&account).unwrap().transactions.len();
    let balance = ledger.account(&account).unwrap().balance_minor;

    let mut added = Vec::new();
    for (amount, shop) in [(-100, "Shop One"), (-200, "Shop Two"), (-300, "Shop Three")] {
        let transaction = mz
            .handle
            .trigger(SandboxEvent::card_transaction(amount, shop))
            .unwrap();
        added.push(transaction["id"].as_str().unwrap().to_owned());
    }

    let (status, code, _) = error(mz.get(&format!("/transactions/{}", added[0])).await).await;
    assert_eq!(
        (status, code.as_str()),
        (404, "not_found.transaction_not_found")
    );
    for kept in &added[1..] {
        mz.get_json(&format!("/transactions/{kept}")).await;
    }
    let ledger = mz.handle.ledger();
    let main = ledger.account(&account).unwrap();
    assert_eq!(main.transactions.len(), seeded + 2);
    assert_eq!(main.balance_minor, balance - 600, "balances are kept");
    let sizes = mz.handle.state_sizes();
    assert_eq!(size(&sizes, "added_transactions"), 2);
    // The merchants the events made up are bounded the same way; kept ones still expand.
    assert_eq!(size(&sizes, "added_merchants"), 2);
    let newest = mz
        .get_json(&format!("/transactions/{}?expand[]=merchant", added[2]))
        .await;
    assert_eq!(newest["transaction"]["merchant"]["name"], "Shop Three");
}

#[tokio::test]
async fn monzo_pot_moves_past_the_cap_forget_the_oldest_dedupe_id() {
    let mz = monzo_with(StateLimits::default().max_pot_moves(1)).await;
    let account = mz.main_account();
    let pots = mz
        .get_json(&format!("/pots?current_account_id={account}"))
        .await;
    let pot_id = pots["pots"][0]["id"].as_str().unwrap().to_owned();
    let deposit = |dedupe: &'static str| {
        let account = account.clone();
        let pot_id = pot_id.clone();
        let mz = &mz;
        async move {
            let response = mz
                .send_form(
                    "PUT",
                    &format!("/pots/{pot_id}/deposit"),
                    &[
                        ("source_account_id", account.as_str()),
                        ("amount", "100"),
                        ("dedupe_id", dedupe),
                    ],
                )
                .await;
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()["balance"]
                .as_i64()
                .unwrap()
        }
    };
    let first = deposit("d-1").await;
    assert_eq!(deposit("d-1").await, first, "remembered");
    let second = deposit("d-2").await;
    assert_eq!(second, first + 100);
    assert_eq!(deposit("d-1").await, first + 200, "forgotten: moves again");
    assert_eq!(size(&mz.handle.state_sizes(), "pot_moves"), 1);
}

// ---- Monobank ----------------------------------------------------------------------------

#[tokio::test]
async fn monobank_statement_items_added_past_the_cap_drop_the_oldest_added() {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .state_limits(StateLimits::default().max_added_transactions(2))
        .start()
        .await
        .unwrap();
    let handle = sandbox.monobank().unwrap();
    let ledger = handle.ledger();
    let default = &ledger.accounts[0];
    let (seeded, balance) = (default.transactions.len(), default.balance_minor);

    let mut added = Vec::new();
    for amount in [-100, -200, -300] {
        let item = handle
            .trigger(SandboxEvent::card_transaction(amount, "Сільпо"))
            .unwrap();
        added.push(item["id"].as_str().unwrap().to_owned());
    }

    let ledger = handle.ledger();
    let default = &ledger.accounts[0];
    assert_eq!(default.transactions.len(), seeded + 2);
    assert_eq!(default.balance_minor, balance - 600);
    let ids: Vec<&str> = default.transactions.iter().map(|t| t.id.as_str()).collect();
    assert!(!ids.contains(&added[0].as_str()));

    let token = handle.credentials()["token"].as_str().unwrap().to_owned();
    let from = sandbox.now().timestamp() - 60;
    let statement: Value = http_client()
        .get(format!("{}/personal/statement/0/{from}", handle.base_url()))
        .header("X-Token", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<&str> = statement
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [added[2].as_str(), added[1].as_str()]);
}

// ---- the binary --------------------------------------------------------------------------

#[tokio::test]
async fn the_binary_takes_the_caps_as_flags() {
    let (_child, summary) = start_binary(&[
        "--provider",
        "momo",
        "--json",
        "--max-payments",
        "1",
        "--max-tokens",
        "5",
        "--token-grace",
        "0",
        "--max-upload-bytes",
        "1000",
        "--upload-lifetime",
        "60",
        "--max-added-transactions",
        "10",
    ])
    .await;
    let momo = &summary["providers"]["momo"];
    let base = momo["base_url"].as_str().unwrap().to_owned();
    let credentials = &momo["credentials"];
    let cred = |name: &str| credentials[name].as_str().unwrap().to_owned();
    let http = http_client();

    let token: Value = http
        .post(format!("{base}/collection/token/"))
        .header("Ocp-Apim-Subscription-Key", cred("collection_key"))
        .header(
            "Authorization",
            crate::momo_common::basic(&cred("api_user"), &cred("api_key")),
        )
        .header(reqwest::header::CONTENT_LENGTH, 0)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let call = |method: reqwest::Method, path: String| {
        http.request(method, format!("{base}{path}"))
            .header("Ocp-Apim-Subscription-Key", cred("collection_key"))
            .bearer_auth(&token)
            .header("X-Target-Environment", "sandbox")
    };
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = uuid();
        let created = call(
            reqwest::Method::POST,
            "/collection/v1_0/requesttopay".to_owned(),
        )
        .header("X-Reference-Id", &id)
        .json(&request_to_pay("46733123456", "1.00"))
        .send()
        .await
        .unwrap();
        assert_eq!(created.status(), 202);
        ids.push(id);
    }
    let read = |id: &str| {
        call(
            reqwest::Method::GET,
            format!("/collection/v1_0/requesttopay/{id}"),
        )
        .send()
    };
    assert_eq!(read(&ids[0]).await.unwrap().status(), 404);
    assert_eq!(read(&ids[1]).await.unwrap().status(), 200);
}

//! Monzo OAuth: the consent page, code exchange, refresh rotation, eviction, expiry, logout and
//! in-app approval.

use crate::monzo_common;

use monzo_common::{error, location, monzo, query_param};
use serde_json::{json, Value};

#[tokio::test]
async fn the_consent_page_redirects_with_a_code_and_the_same_state() {
    let mz = monzo().await;

    let response = mz.consent("s7-_state").await;

    assert_eq!(response.status(), 302);
    let location = location(&response);
    assert!(location.starts_with(&format!("{}?", mz.credential("redirect_uri"))));
    assert!(!query_param(&location, "code").unwrap().is_empty());
    assert_eq!(query_param(&location, "state").unwrap(), "s7-_state");
}

#[tokio::test]
async fn the_consent_page_accepts_any_loopback_redirect_uri_sent_unencoded() {
    let mz = monzo().await;
    let url = format!(
        "{}?client_id={}&redirect_uri=http://localhost:4000/cb&response_type=code&state=abc",
        mz.credential("auth_url"),
        mz.credential("client_id")
    );

    let response = mz.http.get(url).send().await.unwrap();

    assert_eq!(response.status(), 302);
    assert!(location(&response).starts_with("http://localhost:4000/cb?code="));
}

#[tokio::test]
async fn refused_consent_redirects_with_access_denied_and_the_state() {
    let mz = monzo().await;
    mz.event(json!({"type": "consent", "decision": "refuse"}));

    let response = mz.consent("abc").await;

    assert_eq!(response.status(), 302);
    let location = location(&response);
    assert_eq!(query_param(&location, "error").unwrap(), "access_denied");
    assert_eq!(query_param(&location, "state").unwrap(), "abc");
    assert!(query_param(&location, "code").is_none());
}

#[tokio::test]
async fn the_consent_page_rejects_an_unknown_client_a_foreign_redirect_and_a_non_code_response_type(
) {
    let mz = monzo().await;
    let auth = mz.credential("auth_url");
    let client = mz.credential("client_id");
    let urls = [
        format!("{auth}?client_id=oauth2client_nope&redirect_uri=http://127.0.0.1:1/cb&response_type=code"),
        format!("{auth}?client_id={client}&redirect_uri=https://evil.example/cb&response_type=code"),
        format!("{auth}?client_id={client}&redirect_uri=http://127.0.0.1:1/cb&response_type=token"),
    ];

    for url in urls {
        let response = mz.http.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 400, "{url}");
        assert!(response.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn a_code_exchange_returns_a_bearer_token_pair_for_six_hours() {
    let mz = monzo().await;
    let code = mz.code().await;

    let response = mz.exchange(&code).await;

    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 21_600);
    assert_eq!(tokens["client_id"], mz.credential("client_id"));
    assert_eq!(tokens["user_id"], mz.credential("user_id"));
    let token = tokens["access_token"].as_str().unwrap();
    let whoami: Value = mz
        .get_with("/ping/whoami", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        whoami,
        json!({"authenticated": true, "client_id": mz.credential("client_id"),
               "user_id": mz.credential("user_id")})
    );
}

#[tokio::test]
async fn an_authorization_code_works_only_once() {
    let mz = monzo().await;
    let code = mz.code().await;
    assert_eq!(mz.exchange(&code).await.status(), 200);

    let (status, code, _) = error(mz.exchange(&code).await).await;

    assert_eq!(status, 400);
    assert_eq!(code, "bad_request.bad_param.invalid_code");
}

#[tokio::test]
async fn an_authorization_code_expires_after_ten_minutes() {
    let mz = monzo().await;
    let code = mz.code().await;
    mz.advance(601);

    let (status, code, _) = error(mz.exchange(&code).await).await;

    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.bad_param.invalid_code")
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_with_401() {
    let mz = monzo().await;

    let response = mz
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", &mz.credential("client_id")),
            ("client_secret", "mnzconf_wrong"),
            ("refresh_token", &mz.credential("refresh_token")),
        ])
        .await;

    let (status, code, body) = error(response).await;
    assert_eq!(status, 401);
    assert!(code.starts_with("unauthorized."));
    assert_eq!(body["error"], "invalid_token");
    // The refresh token was not spent.
    assert_eq!(
        mz.refresh(&mz.credential("refresh_token")).await.status(),
        200
    );
}

#[tokio::test]
async fn a_missing_token_parameter_is_a_400_missing_param() {
    let mz = monzo().await;

    let response = mz
        .token_request(&[("client_id", "x"), ("client_secret", "y")])
        .await;

    let (status, code, _) = error(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "bad_request.missing_param.grant_type")
    );
}

#[tokio::test]
async fn a_refresh_rotates_both_tokens_and_evicts_the_old_access_token() {
    let mz = monzo().await;
    let old_access = mz.token();
    let old_refresh = mz.credential("refresh_token");

    let response = mz.refresh(&old_refresh).await;

    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let new_access = tokens["access_token"].as_str().unwrap();
    assert_ne!(new_access, old_access);
    assert_ne!(tokens["refresh_token"].as_str().unwrap(), old_refresh);
    assert_eq!(mz.get_with("/ping/whoami", new_access).await.status(), 200);
    let (status, code, body) = error(mz.get_with("/ping/whoami", &old_access).await).await;
    assert_eq!(status, 401);
    assert_eq!(code, "unauthorized.bad_access_token.evicted");
    assert_eq!(body["error"], "invalid_token");
    assert!(body["error_description"].is_string());
}

#[tokio::test]
async fn a_used_refresh_token_is_refused_with_bad_refresh_token() {
    let mz = monzo().await;
    let refresh = mz.credential("refresh_token");
    assert_eq!(mz.refresh(&refresh).await.status(), 200);

    let (status, code, _) = error(mz.refresh(&refresh).await).await;

    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_refresh_token")
    );
}

#[tokio::test]
async fn a_new_login_evicts_the_older_logins_access_and_refresh_tokens() {
    let mz = monzo().await;

    let tokens = mz.login().await;

    assert_eq!(
        mz.get_with("/ping/whoami", tokens["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    let (status, code, _) = error(mz.get("/accounts").await).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_access_token.evicted")
    );
    let (status, code, _) = error(mz.refresh(&mz.credential("refresh_token")).await).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_refresh_token.evicted")
    );
}

#[tokio::test]
async fn an_access_token_expires_after_six_hours_of_sandbox_clock() {
    let mz = monzo().await;
    mz.advance(21_599);
    assert_eq!(mz.get("/ping/whoami").await.status(), 200);

    mz.advance(1);

    let (status, code, _) = error(mz.get("/ping/whoami").await).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_access_token.expired")
    );
    // The refresh token still gives a fresh pair.
    assert_eq!(
        mz.refresh(&mz.credential("refresh_token")).await.status(),
        200
    );
}

#[tokio::test]
async fn an_unknown_or_missing_token_is_a_bad_access_token() {
    let mz = monzo().await;

    let (status, code, _) = error(mz.get_with("/accounts", "tok_nonsense").await).await;
    let missing = mz.http.get(mz.url("/accounts")).send().await.unwrap();

    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_access_token")
    );
    let (status, code, _) = error(missing).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_access_token")
    );
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_its_refresh_token() {
    let mz = monzo().await;

    let response = mz.send_form("POST", "/oauth2/logout", &[]).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let (status, code, _) = error(mz.get("/ping/whoami").await).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_access_token")
    );
    let (status, code, _) = error(mz.refresh(&mz.credential("refresh_token")).await).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_refresh_token")
    );
}

#[tokio::test]
async fn in_manual_mode_a_new_login_is_forbidden_until_approved_in_the_app() {
    let mz = monzo().await;
    mz.manual_approval();
    let tokens = mz.login().await;
    let token = tokens["access_token"].as_str().unwrap();

    let (status, code, _) = error(mz.get_with("/accounts", token).await).await;
    let whoami = mz.get_with("/ping/whoami", token).await.status();
    let approved = mz.event(json!({"type": "approve"}));

    assert_eq!(
        (status, code.as_str()),
        (403, "forbidden.insufficient_permissions")
    );
    assert_eq!(whoami, 200);
    assert_eq!(approved, json!({"approved": 1}));
    assert_eq!(mz.get_with("/accounts", token).await.status(), 200);
}

#[tokio::test]
async fn a_refreshed_token_keeps_the_missing_approval() {
    let mz = monzo().await;
    mz.manual_approval();
    let tokens = mz.login().await;

    let refreshed: Value = mz
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();

    let token = refreshed["access_token"].as_str().unwrap();
    assert_eq!(mz.get_with("/accounts", token).await.status(), 403);
}

#[tokio::test]
async fn reset_restores_the_seeded_tokens_issued_at_the_current_time() {
    let mz = monzo().await;
    assert_eq!(
        mz.refresh(&mz.credential("refresh_token")).await.status(),
        200
    );
    mz.advance(30_000);

    mz.handle.reset();

    assert_eq!(mz.handle.credentials(), mz.credentials);
    assert_eq!(mz.get("/accounts").await.status(), 200);
    mz.advance(21_599);
    assert_eq!(mz.get("/ping/whoami").await.status(), 200);
}

#[tokio::test]
async fn credentials_carry_everything_a_client_needs() {
    let mz = monzo().await;

    let keys: Vec<&String> = mz.credentials.as_object().unwrap().keys().collect();

    assert_eq!(
        keys,
        [
            "access_token",
            "auth_url",
            "client_id",
            "client_secret",
            "redirect_uri",
            "refresh_token",
            "user_id"
        ]
    );
    assert_eq!(
        Some(&mz.credential("auth_url")),
        mz.handle.hosts().get("auth")
    );
    assert!(mz.credential("client_id").starts_with("oauth2client_"));
    assert!(mz.credential("client_secret").starts_with("mnzconf_"));
    assert!(mz.credential("user_id").starts_with("user_"));
}

#[tokio::test]
async fn the_consent_page_lives_only_at_the_root_of_its_own_host() {
    let mz = monzo().await;
    let auth = mz.credential("auth_url");
    let query = format!(
        "client_id={}&redirect_uri={}&response_type=code&state=s",
        mz.credential("client_id"),
        mz.credential("redirect_uri"),
    );

    let at_root = mz
        .http
        .get(format!("{auth}/?{query}"))
        .send()
        .await
        .unwrap();
    let elsewhere = mz
        .http
        .get(format!("{auth}/auth?{query}"))
        .send()
        .await
        .unwrap();
    let on_the_api = mz
        .http
        .get(mz.url(&format!("/auth?{query}")))
        .send()
        .await
        .unwrap();

    assert_ne!(auth, mz.handle.base_url());
    assert_eq!(at_root.status(), 302);
    assert_eq!(
        query_param(&location(&at_root), "state").as_deref(),
        Some("s")
    );
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(on_the_api.status(), 404);
    let (_, code, _) = error(on_the_api).await;
    assert_eq!(code, "not_found");
}

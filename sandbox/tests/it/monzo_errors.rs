//! Monzo error answers: the body shape, 404 and 405, and injected faults on Monzo routes.

use crate::monzo_common;

use bankkit_sandbox::Fault;
use monzo_common::{content_type, error, monzo};
use serde_json::json;

#[tokio::test]
async fn an_unknown_path_is_a_404_in_the_error_shape() {
    let mz = monzo().await;

    let (status, code, _) = error(mz.get("/nothing/here").await).await;

    assert_eq!((status, code.as_str()), (404, "not_found"));
}

#[tokio::test]
async fn a_wrong_verb_on_a_known_path_is_a_405() {
    let mz = monzo().await;

    let (status, _, _) = error(mz.send_form("POST", "/accounts", &[]).await).await;
    let (pot_status, _, _) = error(mz.get("/pots/pot_1/deposit").await).await;
    let (hook_status, _, _) = error(mz.send_form("PUT", "/webhooks/webhook_1", &[]).await).await;

    assert_eq!((status, pot_status, hook_status), (405, 405, 405));
}

#[tokio::test]
async fn an_injected_status_fault_answers_in_monzos_error_shape_once() {
    let mz = monzo().await;
    mz.handle
        .inject(Fault::status(429).retry_after(10).on("GET", "/accounts"));

    let faulted = mz.get("/accounts").await;

    assert_eq!(faulted.headers()["retry-after"], "10");
    let (status, code, _) = error(faulted).await;
    assert_eq!((status, code.as_str()), (429, "rate_limited"));
    assert_eq!(mz.get("/accounts").await.status(), 200);
}

#[tokio::test]
async fn an_injected_401_carries_the_oauth_error_keys() {
    let mz = monzo().await;
    mz.handle.inject(Fault::status(401).path("/ping/whoami"));

    let (status, code, body) = error(mz.get("/ping/whoami").await).await;

    assert_eq!(
        (status, code.as_str()),
        (401, "unauthorized.bad_access_token")
    );
    assert_eq!(body["error"], "invalid_token");
    assert!(body["error_description"].is_string());
}

#[tokio::test]
async fn a_fault_dropped_after_commit_still_moves_the_pot_money() {
    let mz = monzo().await;
    let account = mz.main_account();
    let pots = mz
        .get_json(&format!("/pots?current_account_id={account}"))
        .await;
    let pot = pots["pots"][0].clone();
    let pot_id = pot["id"].as_str().unwrap();
    mz.handle
        .inject(Fault::drop_after_commit().on("PUT", format!("/pots/{pot_id}")));
    let form = [
        ("source_account_id", account.as_str()),
        ("amount", "700"),
        ("dedupe_id", "retry-me"),
    ];

    let lost = mz
        .http
        .put(mz.url(&format!("/pots/{pot_id}/deposit")))
        .bearer_auth(mz.token())
        .form(&form)
        .send()
        .await;
    let retried = mz
        .send_form("PUT", &format!("/pots/{pot_id}/deposit"), &form)
        .await;

    assert!(lost.is_err());
    assert_eq!(retried.status(), 200);
    let balance = retried.json::<serde_json::Value>().await.unwrap()["balance"].clone();
    assert_eq!(balance, json!(pot["balance"].as_i64().unwrap() + 700));
}

#[tokio::test]
async fn every_api_answer_is_json() {
    let mz = monzo().await;
    let account = mz.main_account();

    for path in [
        "/ping/whoami".to_owned(),
        "/accounts".to_owned(),
        format!("/balance?account_id={account}"),
        format!("/pots?current_account_id={account}"),
        format!("/webhooks?account_id={account}"),
        "/balance".to_owned(),
    ] {
        let response = mz.get(&path).await;
        assert_eq!(content_type(&response), "application/json", "{path}");
    }
}

//! The Monobank payment page (`pageUrl` on the `pay` host): the form, paying, redirects.

use crate::acquiring_common::{acquiring, Acq};

use serde_json::json;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page_url(acq: &Acq, body: serde_json::Value) -> (String, String) {
    let created = acq.post_ok("/api/merchant/invoice/create", body).await;
    (
        created["invoiceId"].as_str().unwrap().to_owned(),
        created["pageUrl"].as_str().unwrap().to_owned(),
    )
}

async fn submit(url: &str, pan: &str, exp: &str, cvv: &str) -> reqwest::Response {
    browser()
        .post(url)
        .form(&[("pan", pan), ("exp", exp), ("cvv", cvv)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_page_shows_amount_merchant_destination_and_a_card_form_with_stable_ids() {
    let acq = acquiring().await;
    let (id, url) = page_url(
        &acq,
        json!({"amount": 4250, "merchantPaymInfo": {"destination": "<b>Замовлення</b> & \"чай\""}}),
    )
    .await;

    let response = browser().get(&url).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("42.50 UAH"));
    let name = acq.get_ok("/api/merchant/details").await["merchantName"]
        .as_str()
        .unwrap()
        .replace('\'', "&#39;")
        .replace('&', "&amp;")
        .replace("&amp;#39;", "&#39;");
    assert!(html.contains(&name), "{html}");
    assert!(html.contains("&lt;b&gt;Замовлення&lt;/b&gt; &amp; &quot;чай&quot;"));
    assert!(!html.contains("<b>Замовлення"));
    for needle in [
        "id=\"pan\" name=\"pan\"",
        "id=\"exp\" name=\"exp\"",
        "id=\"cvv\" name=\"cvv\"",
        "id=\"pay\"",
        &format!("method=\"post\" action=\"/{id}\""),
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(!html.contains("<script"));
}

#[tokio::test]
async fn submitting_the_form_pays_and_redirects_to_the_redirect_url() {
    let acq = acquiring().await;
    let (id, url) = page_url(
        &acq,
        json!({"amount": 4200, "redirectUrl": "https://shop.example/done?order=1"}),
    )
    .await;

    let response = submit(&url, "4242 4242 4242 4242", "12/30", "123").await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "https://shop.example/done?order=1"
    );
    let status = acq.status(&id).await;
    assert_eq!(status["status"], "success");
    assert_eq!(status["paymentInfo"]["maskedPan"], "424242******4242");
    assert_eq!(acq.merchant_ledger(), [4200]);
    let again = browser().get(&url).send().await.unwrap();
    let html = again.text().await.unwrap();
    assert!(html.contains("data-status=\"success\""));
    assert!(!html.contains("id=\"pan\""));
    let twice = submit(&url, "4242424242424242", "12/30", "123").await;
    assert_eq!(twice.status(), 409);
    assert_eq!(acq.merchant_ledger(), [4200]);
}

#[tokio::test]
async fn a_bad_card_number_or_expiry_shows_the_form_again_and_charges_nothing() {
    let acq = acquiring().await;
    let (id, url) = page_url(&acq, json!({"amount": 100})).await;

    let luhn = submit(&url, "4242424242424241", "12/30", "123").await;
    let expiry = submit(&url, "4242424242424242", "13/30", "123").await;
    let cvv = submit(&url, "4242424242424242", "12/30", "12").await;

    for response in [luhn, expiry, cvv] {
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains("id=\"error\""));
        assert!(html.contains("id=\"pan\""));
    }
    assert_eq!(acq.status(&id).await["status"], "created");
}

#[tokio::test]
async fn the_failure_card_without_a_redirect_url_shows_a_result_page() {
    let acq = acquiring().await;
    let (id, url) = page_url(&acq, json!({"amount": 100})).await;

    let response = submit(&url, "4000000000000002", "12/30", "123").await;

    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-status=\"failure\""));
    let status = acq.status(&id).await;
    assert_eq!(status["status"], "failure");
    assert_eq!(status["errCode"], "59");
}

#[tokio::test]
async fn an_expired_invoice_shows_a_clear_page_and_an_unknown_one_is_404() {
    let acq = acquiring().await;
    let (_, url) = page_url(&acq, json!({"amount": 100, "validity": 60})).await;
    acq.advance(61);

    let expired = browser().get(&url).send().await.unwrap();
    let pay_host = acq.mono.handle.hosts()["pay"].clone();
    let unknown = browser()
        .get(format!("{pay_host}/p2_unknown"))
        .send()
        .await
        .unwrap();

    assert_eq!(expired.status(), 200);
    let html = expired.text().await.unwrap();
    assert!(html.contains("data-status=\"expired\""));
    assert!(!html.contains("id=\"pay\""));
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_subscription_page_pays_the_first_charge_and_saves_the_card() {
    let acq = acquiring().await;
    let created = acq
        .post_ok(
            "/api/merchant/subscription/create",
            json!({"amount": 500, "interval": "1m", "redirectUrl": "https://shop.example/sub"}),
        )
        .await;
    let id = created["subscriptionId"].as_str().unwrap();

    let response = submit(
        created["pageUrl"].as_str().unwrap(),
        "5555555555554444",
        "01/31",
        "321",
    )
    .await;

    assert_eq!(response.status(), 303);
    let status = acq
        .get_ok(&format!(
            "/api/merchant/subscription/status?subscriptionId={id}"
        ))
        .await;
    assert_eq!(status["walletData"]["status"], "created");
    assert_eq!(status["summary"]["totalPaid"], 1);
    assert!(status["nextChargeDate"].is_string());
    assert_eq!(acq.merchant_ledger(), [500]);
}

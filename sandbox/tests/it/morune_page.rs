//! Morune's payment page over plain HTTP: what it shows, what the form does, where it sends
//! the payer, and that everything echoed is escaped.

use serde_json::json;

use crate::common::http_client;
use crate::morune_common::{hmac_hex, morune, received, receiver};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_page_shows_the_invoice_with_its_methods_escaped() {
    let m = morune().await;
    let created = m
        .invoice(
            17.23,
            "<b>order</b>",
            json!({"comment": "Кофе & <script>alert(1)</script>", "include_service": ["card", "sbp"]}),
        )
        .await;
    let page = http_client()
        .get(created["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(crate::common::content_type(&page).starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<strong id="amount">17.23 RUB</strong>"#),
        "{html}"
    );
    assert!(html.contains("Кофе &amp; &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;b&gt;order&lt;/b&gt;"));
    assert!(html.contains(r#"<select id="method" name="method"><option value="card">"#));
    assert!(html.contains(r#"<option value="sbp">"#));
    assert!(!html.contains(r#"<option value="yoomoney">"#));
    for id in [r#"id="pan""#, r#"id="pay""#, r#"id="fail""#] {
        assert!(html.contains(id), "{id}");
    }
}

#[tokio::test]
async fn paying_on_the_page_redirects_to_success_url_and_signs_the_webhook() {
    let m = morune().await;
    let server = receiver().await;
    let created = m
        .invoice(
            100.0,
            "page-1",
            json!({
                "success_url": "http://127.0.0.1:1/shop/ok",
                "fail_url": "http://127.0.0.1:1/shop/fail",
                "hook_url": format!("{}/hooks", server.uri()),
            }),
        )
        .await;
    let url = created["url"].as_str().unwrap();
    let http = no_redirects();

    // A number failing the Luhn check gets the form back with an error.
    let refused = http
        .post(url)
        .form(&[
            ("method", "card"),
            ("pan", "4242424242424241"),
            ("action", "pay"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains(r#"id="error""#));

    let paid = http
        .post(url)
        .form(&[
            ("method", "card"),
            ("pan", "4242 4242 4242 4242"),
            ("action", "pay"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    assert_eq!(paid.headers()["location"], "http://127.0.0.1:1/shop/ok");
    let info = m.invoice_info(created["id"].as_str().unwrap()).await;
    assert_eq!(info["status"], "success");
    assert_eq!(info["payer_details"], "424242******4242");

    m.handle
        .wait_for_deliveries(1, std::time::Duration::from_secs(20))
        .await;
    let hooks = received(&server, "/hooks").await;
    assert_eq!(hooks.len(), 1);
    assert_eq!(
        hmac_hex(&m.cred("shop_additional_key"), &hooks[0].0),
        hooks[0].1
    );

    // The page now shows the outcome, and a second payment is refused.
    let again = http_client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        again.contains(r#"id="status" data-status="success""#),
        "{again}"
    );
    let twice = http
        .post(url)
        .form(&[
            ("method", "card"),
            ("pan", "4242424242424242"),
            ("action", "pay"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 409);
}

#[tokio::test]
async fn the_fail_button_and_the_declined_card_fail_the_invoice() {
    let m = morune().await;
    let http = no_redirects();
    let with_url = m
        .invoice(
            40.0,
            "page-fail",
            json!({"fail_url": "http://127.0.0.1:1/shop/fail"}),
        )
        .await;
    let refused = http
        .post(with_url["url"].as_str().unwrap())
        .form(&[("action", "fail")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 303);
    assert_eq!(
        refused.headers()["location"],
        "http://127.0.0.1:1/shop/fail"
    );
    assert_eq!(
        m.invoice_info(with_url["id"].as_str().unwrap()).await["status"],
        "fail"
    );

    let without = m.invoice(40.0, "page-declined", json!({})).await;
    let declined = http
        .post(without["url"].as_str().unwrap())
        .form(&[
            ("method", "card"),
            ("pan", "4000000000000002"),
            ("action", "pay"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status(), 200);
    let html = declined.text().await.unwrap();
    assert!(html.contains(r#"data-status="fail""#), "{html}");
    assert_eq!(
        m.invoice_info(without["id"].as_str().unwrap()).await["status"],
        "fail"
    );

    let missing = http_client()
        .get(format!(
            "{}/0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13",
            m.handle.hosts()["pay"]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

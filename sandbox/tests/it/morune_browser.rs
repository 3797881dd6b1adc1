//! Morune's payment page in a real headless Chromium, driven over WebDriver: a person opens
//! the invoice's `url`, picks the method, types a test card and pays; the shop lands on its
//! `success_url`, reads `success` through the API and gets the signed webhook.
//!
//! Needs `chromedriver` and Chromium as [`crate::browser_common`] describes: with `CI` or
//! `BANKKIT_CHROMEDRIVER` set a missing browser fails the test, otherwise it is skipped with a
//! `skipped: …` line. Everything stays on 127.0.0.1.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::browser_common::with_browser;
use crate::morune_common::{hmac_hex, morune, received};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_person_pays_a_morune_invoice_in_a_browser() {
    let m = morune().await;
    let shop = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/morune"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&shop)
        .await;
    Mock::given(method("GET"))
        .and(path("/shop/success"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!doctype html><html><head><title>Shop</title></head>\
             <body><h1 id=\"back\">Спасибо за оплату</h1></body></html>",
            "text/html; charset=utf-8",
        ))
        .mount(&shop)
        .await;
    let success_url = Url::parse(&format!("{}/shop/success?order=b-1", shop.uri())).unwrap();
    let created = m
        .invoice(
            17.23,
            "b-1",
            json!({
                "comment": "Заказ №1",
                "success_url": success_url.as_str(),
                "fail_url": format!("{}/shop/fail", shop.uri()),
                "hook_url": format!("{}/hooks/morune", shop.uri()),
            }),
        )
        .await;
    let invoice_id = created["id"].as_str().unwrap().to_owned();
    let page_url = created["url"].as_str().unwrap().to_owned();
    assert!(page_url.starts_with(&m.handle.hosts()["pay"]));

    let ran = with_browser("a_person_pays_a_morune_invoice_in_a_browser", |browser| {
        let success_url = success_url.clone();
        async move {
            browser.goto(&page_url).await.unwrap();
            let text = |id: &'static str| {
                let browser = browser.clone();
                async move {
                    browser
                        .find(Locator::Id(id))
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap()
                }
            };
            assert_eq!(text("amount").await, "17.23 RUB");
            assert_eq!(text("comment").await, "Заказ №1");
            browser
                .find(Locator::Css("#method option[value='card']"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            browser
                .find(Locator::Id("pan"))
                .await
                .unwrap()
                .send_keys("4242 4242 4242 4242")
                .await
                .unwrap();
            browser
                .find(Locator::Id("pay"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            let arrived = browser.wait().at_most(WAIT).for_url(&success_url).await;
            assert!(
                arrived.is_ok(),
                "browser at {:?}",
                browser.current_url().await
            );
            assert_eq!(text("back").await, "Спасибо за оплату");
        }
    })
    .await;
    if !ran {
        return; // No browser here, and none required: with_browser printed why.
    }

    let info = m.invoice_info(&invoice_id).await;
    assert_eq!(info["status"], "success", "{info}");
    assert_eq!(info["pay_service"], "card");
    assert_eq!(info["payer_details"], "424242******4242");
    m.handle.wait_for_deliveries(1, WAIT).await;
    let hooks = received(&shop, "/hooks/morune").await;
    assert_eq!(hooks.len(), 1);
    let (bytes, signature) = &hooks[0];
    assert_eq!(&hmac_hex(&m.cred("shop_additional_key"), bytes), signature);
    let body: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(body["invoice_id"], invoice_id.as_str());
    assert_eq!(body["status"], "success");
    assert_eq!(body["amount"], "17.23");
}

//! The Monobank accept page (`acceptUrl` on the `accept` host) in a real headless Chromium,
//! driven over WebDriver: the customer opens the page a company's access request points at
//! and approves or refuses it; the company sees the outcome through the signed access check
//! and its callback.
//!
//! Needs `chromedriver` and Chromium, found and skipped (or failed, with `CI` or
//! `BANKKIT_CHROMEDRIVER` set) as [`crate::browser_common`] describes. Everything stays on
//! 127.0.0.1.

use crate::browser_common::with_browser;
use crate::monobank_provider_common::{assert_error, provider, Provider};

use std::time::Duration;

use bankkit_sandbox::DeliveryState;
use fantoccini::{Client, Locator};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WAIT: Duration = Duration::from_secs(30);

/// A company's callback receiver.
async fn callback_receiver() -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path("/mono/callback"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// The text of the element with this id.
async fn text_of(browser: &Client, id: &str) -> String {
    match browser.find(Locator::Id(id)).await {
        Ok(element) => element.text().await.unwrap(),
        Err(error) => panic!("#{id} on {:?}: {error}", browser.current_url().await),
    }
}

/// Opens `accept_url`, checks what it shows, clicks `button` and waits for the answer.
async fn decide_in_browser(browser: &Client, accept_url: &str, button: &str) -> String {
    browser.goto(accept_url).await.unwrap();
    assert_eq!(text_of(browser, "company").await, "ТОВ «Бюджетник»");
    let permissions = text_of(browser, "permissions").await;
    assert!(permissions.contains("Виписки"), "{permissions}");
    browser
        .find(Locator::Id(button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("status"))
        .await
        .unwrap();
    assert!(
        browser.find(Locator::Id("decision")).await.is_err(),
        "a decided request offers no form"
    );
    status
        .attr("data-status")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn request_with_callback(p: &Provider, receiver: &MockServer) -> (String, String) {
    p.access_request(&p.key, Some(&format!("{}/mono/callback", receiver.uri())))
        .await
}

/// Approve in the browser: the signed check turns 200 and the callback arrives with the
/// request id.
#[tokio::test]
async fn a_customer_approves_an_access_request_on_the_accept_page_in_a_browser() {
    let p = provider().await;
    let receiver = callback_receiver().await;
    let (id, accept_url) = request_with_callback(&p, &receiver).await;
    assert_eq!(p.check(&p.key, &id).await.status(), 401);

    let ran = with_browser(
        "a_customer_approves_an_access_request_on_the_accept_page_in_a_browser",
        |browser| {
            let accept_url = accept_url.clone();
            async move {
                assert_eq!(
                    decide_in_browser(&browser, &accept_url, "approve").await,
                    "approved"
                );
            }
        },
    )
    .await;
    if !ran {
        return; // No browser here, and none required: with_browser printed why.
    }

    assert_eq!(p.check(&p.key, &id).await.status(), 200);
    let log = p
        .handle
        .wait_for_delivery_log(
            |log| log.iter().any(|d| d.state == DeliveryState::Delivered),
            WAIT,
        )
        .await;
    assert_eq!(log.len(), 1, "{log:?}");
    let calls = receiver.received_requests().await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].headers["x-request-id"], id.as_str());
}

/// Refuse in the browser: the check stays 401 (refused) and no callback is made.
#[tokio::test]
async fn a_customer_refuses_an_access_request_on_the_accept_page_in_a_browser() {
    let p = provider().await;
    let receiver = callback_receiver().await;
    let (id, accept_url) = request_with_callback(&p, &receiver).await;

    let ran = with_browser(
        "a_customer_refuses_an_access_request_on_the_accept_page_in_a_browser",
        |browser| {
            let accept_url = accept_url.clone();
            async move {
                assert_eq!(
                    decide_in_browser(&browser, &accept_url, "refuse").await,
                    "refused"
                );
            }
        },
    )
    .await;
    if !ran {
        return; // No browser here, and none required: with_browser printed why.
    }

    assert_error(
        p.check(&p.key, &id).await,
        401,
        "Request was refused by the client",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(p.handle.deliveries().is_empty());
    assert!(receiver.received_requests().await.unwrap().is_empty());
}

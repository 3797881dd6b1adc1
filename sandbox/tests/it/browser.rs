//! The Monobank payment page (`pageUrl` on the `pay` host) in a real headless Chromium, driven
//! over WebDriver: a person opens the page, types a test card and pays; the merchant sees the
//! outcome through the API, the signed webhook and the ledger.
//!
//! These tests need `chromedriver` and Chromium (Debian: `chromium chromium-driver`), found as
//! [`crate::browser_common`] describes. With `CI` or `BANKKIT_CHROMEDRIVER` set, a missing
//! browser fails the test; otherwise the test prints `skipped: chromedriver not found …` and
//! passes without a browser, so that `cargo test` works on a machine without one. Everything
//! stays on 127.0.0.1: the sandbox, the merchant's receiver, chromedriver and the browser.

use crate::browser_common::with_browser;
use crate::common::http_client;

use std::time::{Duration, Instant};

use bankkit_sandbox::{DeliveryState, ProviderHandle, Sandbox};
use fantoccini::{Client, Locator};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde_json::{json, Value};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WAIT: Duration = Duration::from_secs(30);

/// A Luhn-valid Visa the sandbox approves.
const SUCCESS_CARD: &str = "4242 4242 4242 4242";
/// A Luhn-valid Visa the sandbox declines with `59` (insufficient funds).
const DECLINED_CARD: &str = "4000 0000 0000 0002";
/// Fails the Luhn check: the page refuses it before any payment.
const NOT_A_CARD: &str = "4242 4242 4242 4241";

const AMOUNT: i64 = 12_345;
const AMOUNT_TEXT: &str = "123.45 UAH";
const HOOK_PATH: &str = "/hooks/monobank";
const RETURN_PATH: &str = "/shop/return";

/// The sandbox with Monobank, seen from the merchant's side: its token, and its own server
/// (webhook receiver and the shop page `redirectUrl` points at).
struct Shop {
    _sandbox: Sandbox,
    handle: ProviderHandle,
    token: String,
    http: reqwest::Client,
    receiver: MockServer,
}

impl Shop {
    async fn start() -> Shop {
        let sandbox = Sandbox::builder()
            .providers(["monobank"])
            .start()
            .await
            .unwrap();
        let handle = sandbox.monobank().unwrap();
        let token = handle.credentials()["merchant_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let receiver = MockServer::builder().start().await;
        Mock::given(method("POST"))
            .and(path(HOOK_PATH))
            .respond_with(ResponseTemplate::new(200))
            .mount(&receiver)
            .await;
        Mock::given(method("GET"))
            .and(path(RETURN_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                "<!doctype html><html><head><title>Shop</title></head>\
                 <body><h1 id=\"back\">Back at the shop</h1></body></html>",
                "text/html; charset=utf-8",
            ))
            .mount(&receiver)
            .await;
        Shop {
            _sandbox: sandbox,
            handle,
            token,
            http: http_client(),
            receiver,
        }
    }

    fn return_url(&self, order: &str) -> Url {
        Url::parse(&format!(
            "{}{RETURN_PATH}?order={order}",
            self.receiver.uri()
        ))
        .unwrap()
    }

    async fn api(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.header("X-Token", &self.token).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn get(&self, path_and_query: &str) -> Value {
        let url = format!("{}{path_and_query}", self.handle.base_url());
        self.api(self.http.get(url)).await
    }

    /// Creates an invoice for `order` that reports to the receiver and returns to the shop;
    /// returns (invoiceId, pageUrl).
    async fn create_invoice(&self, order: &str) -> (String, String) {
        let url = format!("{}/api/merchant/invoice/create", self.handle.base_url());
        let body = json!({
            "amount": AMOUNT,
            "ccy": 980,
            "merchantPaymInfo": {"reference": order, "destination": "Оплата замовлення"},
            "redirectUrl": self.return_url(order).as_str(),
            "webHookUrl": format!("{}{HOOK_PATH}", self.receiver.uri()),
        });
        let created = self.api(self.http.post(url).json(&body)).await;
        let page_url = created["pageUrl"].as_str().unwrap().to_owned();
        assert!(
            page_url.starts_with(&self.handle.hosts()["pay"]),
            "pageUrl {page_url} is on the pay host"
        );
        (created["invoiceId"].as_str().unwrap().to_owned(), page_url)
    }

    async fn status(&self, invoice_id: &str) -> Value {
        self.get(&format!(
            "/api/merchant/invoice/status?invoiceId={invoice_id}"
        ))
        .await
    }

    /// Waits until the webhook with `status` for the invoice was delivered, then returns the
    /// bodies the receiver got for it, each checked against its `X-Sign`.
    async fn signed_webhooks(&self, invoice_id: &str, status: &str) -> Vec<Value> {
        let log = self
            .handle
            .wait_for_delivery_log(
                |log| {
                    log.iter().any(|d| {
                        d.body["invoiceId"] == invoice_id
                            && d.body["status"] == status
                            && d.state == DeliveryState::Delivered
                    })
                },
                WAIT,
            )
            .await;
        assert!(
            log.iter().any(|d| d.body["status"] == status),
            "no {status} webhook delivered: {log:?}"
        );
        let key = self.get("/api/merchant/pubkey").await["key"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut bodies = Vec::new();
        for request in self.receiver.received_requests().await.unwrap() {
            if request.method.as_str() != "POST" || request.url.path() != HOOK_PATH {
                continue;
            }
            let sign = request.headers.get("x-sign").expect("X-Sign header");
            verify_x_sign(&key, &request.body, sign.to_str().unwrap());
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            if body["invoiceId"] == invoice_id {
                bodies.push(body);
            }
        }
        bodies
    }
}

/// Checks `X-Sign` (base64 DER ECDSA P-256/SHA-256 over the body) against `key`, the
/// base64 PEM that `GET /api/merchant/pubkey` serves.
fn verify_x_sign(key: &str, body: &[u8], x_sign: &str) {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let pem = String::from_utf8(engine.decode(key).unwrap()).unwrap();
    let public = VerifyingKey::from_public_key_pem(&pem).unwrap();
    let signature = Signature::from_der(&engine.decode(x_sign).unwrap()).unwrap();
    assert!(
        public.verify(body, &signature).is_ok(),
        "X-Sign does not verify for {}",
        String::from_utf8_lossy(body)
    );
}

/// The text of the element with this id.
async fn text_of(browser: &Client, id: &str) -> String {
    match browser.find(Locator::Id(id)).await {
        Ok(element) => element.text().await.unwrap(),
        Err(error) => panic!("#{id} on {:?}: {error}", browser.current_url().await),
    }
}

/// Types the card into the page's form and presses Pay.
async fn pay_with(browser: &Client, pan: &str) {
    for (id, value) in [("pan", pan), ("exp", "12/30"), ("cvv", "123")] {
        browser
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Id("pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the browser shows `url`.
async fn wait_for_url(browser: &Client, url: &Url) {
    let started = Instant::now();
    let waited = browser.wait().at_most(WAIT).for_url(url).await;
    assert!(
        waited.is_ok(),
        "browser at {:?}, not {url}, after {:?}",
        browser.current_url().await,
        started.elapsed()
    );
}

/// The page shows the invoice; a success card pays it and the browser returns to the shop;
/// the merchant sees `success` with the card's mask, a signed webhook and the charge.
#[tokio::test]
async fn a_person_pays_an_invoice_on_the_payment_page_in_a_browser() {
    let shop = Shop::start().await;
    let (invoice_id, page_url) = shop.create_invoice("order-1").await;
    let merchant_name = shop.get("/api/merchant/details").await["merchantName"]
        .as_str()
        .unwrap()
        .to_owned();
    let balance_before = shop
        .handle
        .ledger()
        .account("merchant")
        .unwrap()
        .balance_minor;

    let ran = with_browser(
        "a_person_pays_an_invoice_on_the_payment_page_in_a_browser",
        |browser| {
            let shop = &shop;
            async move {
                browser.goto(&page_url).await.unwrap();
                assert_eq!(text_of(&browser, "merchant").await, merchant_name);
                assert_eq!(text_of(&browser, "amount").await, AMOUNT_TEXT);
                assert_eq!(text_of(&browser, "destination").await, "Оплата замовлення");
                assert!(text_of(&browser, "pay").await.contains(AMOUNT_TEXT));

                pay_with(&browser, SUCCESS_CARD).await;

                wait_for_url(&browser, &shop.return_url("order-1")).await;
                assert_eq!(text_of(&browser, "back").await, "Back at the shop");
            }
        },
    )
    .await;
    if !ran {
        return; // No browser here, and none required: with_browser printed why.
    }

    let status = shop.status(&invoice_id).await;
    assert_eq!(status["status"], "success", "{status}");
    assert_eq!(status["amount"], AMOUNT);
    assert_eq!(status["finalAmount"], AMOUNT);
    assert_eq!(status["reference"], "order-1");
    assert_eq!(status["paymentInfo"]["maskedPan"], "424242******4242");
    assert_eq!(status["paymentInfo"]["paymentSystem"], "visa");
    assert_eq!(status["paymentInfo"]["paymentMethod"], "pan");

    let webhooks = shop.signed_webhooks(&invoice_id, "success").await;
    let statuses: Vec<&Value> = webhooks.iter().map(|body| &body["status"]).collect();
    assert!(statuses.contains(&&json!("processing")), "{statuses:?}");
    let success = webhooks
        .iter()
        .find(|body| body["status"] == "success")
        .unwrap();
    assert_eq!(success["paymentInfo"]["maskedPan"], "424242******4242");
    assert_eq!(success["amount"], AMOUNT);

    let merchant = shop.handle.ledger().account("merchant").unwrap().clone();
    assert_eq!(merchant.balance_minor - balance_before, AMOUNT);
    let charge = merchant
        .transactions
        .iter()
        .find(|t| t.id == format!("charge-{invoice_id}"))
        .unwrap_or_else(|| panic!("no charge for {invoice_id}: {merchant:?}"));
    assert_eq!(charge.amount_minor, AMOUNT);
}

/// The page refuses a number that fails the Luhn check on the form; a declined card fails the
/// invoice with its reason, which the page shows when opened again after the return to the
/// shop; no money reaches the merchant.
#[tokio::test]
async fn a_declined_card_on_the_payment_page_fails_the_invoice_in_a_browser() {
    let shop = Shop::start().await;
    let (invoice_id, page_url) = shop.create_invoice("order-2").await;
    let balance_before = shop
        .handle
        .ledger()
        .account("merchant")
        .unwrap()
        .balance_minor;

    let ran = with_browser(
        "a_declined_card_on_the_payment_page_fails_the_invoice_in_a_browser",
        |browser| {
            let shop = &shop;
            let invoice_id = invoice_id.clone();
            async move {
                browser.goto(&page_url).await.unwrap();
                pay_with(&browser, NOT_A_CARD).await;
                let error = browser
                    .wait()
                    .at_most(WAIT)
                    .for_element(Locator::Id("error"))
                    .await
                    .unwrap();
                assert_eq!(error.text().await.unwrap(), "Перевірте номер картки.");
                assert_eq!(shop.status(&invoice_id).await["status"], "created");

                // The form comes back empty after a refusal.
                pay_with(&browser, DECLINED_CARD).await;
                wait_for_url(&browser, &shop.return_url("order-2")).await;

                browser.goto(&page_url).await.unwrap();
                let status = browser.find(Locator::Id("status")).await.unwrap();
                assert_eq!(
                    status.attr("data-status").await.unwrap().as_deref(),
                    Some("failure")
                );
                assert_eq!(status.text().await.unwrap(), "Оплата не пройшла.");
                assert_eq!(text_of(&browser, "reason").await, "Недостатньо коштів");
                assert!(
                    browser.find(Locator::Id("payment")).await.is_err(),
                    "a failed invoice's page offers no form"
                );
            }
        },
    )
    .await;
    if !ran {
        return; // No browser here, and none required: with_browser printed why.
    }

    let status = shop.status(&invoice_id).await;
    assert_eq!(status["status"], "failure", "{status}");
    assert_eq!(status["failureReason"], "Недостатньо коштів");
    assert_eq!(status["errCode"], "59");
    assert_eq!(status["paymentInfo"]["maskedPan"], "400000******0002");

    let webhooks = shop.signed_webhooks(&invoice_id, "failure").await;
    let failure = webhooks
        .iter()
        .find(|body| body["status"] == "failure")
        .unwrap();
    assert_eq!(failure["failureReason"], "Недостатньо коштів");

    let merchant = shop.handle.ledger().account("merchant").unwrap().clone();
    assert_eq!(merchant.balance_minor, balance_before);
    assert!(!merchant
        .transactions
        .iter()
        .any(|t| t.id.contains(&invoice_id)));
}

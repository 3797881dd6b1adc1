//! Creates a Morune invoice through the core `Payment` trait and reads it back.
//!
//! With `MORUNE_SHOP_ID` and `MORUNE_API_KEY` set (and `MORUNE_BASE_URL` for another host)
//! it talks to that API; otherwise it starts a local stand-in on 127.0.0.1 answering as
//! Morune documents, so the example runs offline:
//!
//! ```text
//! cargo run -p bankkit-morune --example invoice
//! ```

use std::time::Duration;

use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::registry::BuildContext;
use bankkit_core::secret::secret;
use bankkit_core::{CollectRequest, IdempotencyKey, Payment};
use bankkit_morune::MoruneConfig;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHOP_ID: &str = "9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b";
const INVOICE_ID: &str = "6f1c2a9e-3b7d-4e52-a1c0-9d8e7f6a5b4c";

/// A stand-in answering invoice create and info as Morune documents them.
async fn stand_in() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/invoice/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": {
                "id": INVOICE_ID, "amount": "150.00", "currency": "RUB",
                "url": format!("{}/pay/{INVOICE_ID}", server.uri()),
                "expired": "2030-06-01 18:00:00"
            },
            "status": 200, "status_check": true
        })))
        .mount(&server)
        .await;
    // The first look-up by order_id finds nothing; reads by id find the invoice.
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .and(wiremock::matchers::query_param("order_id", "order-1001"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "data": null, "error": "Счёт не найден", "status": 404, "status_check": false
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/invoice/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": {
                "invoice_id": INVOICE_ID, "order_id": "order-1001", "shop_id": SHOP_ID,
                "status": "created", "invoice_amount": 150.00, "credited": null,
                "currency": "RUB", "commission_amount": 0, "commission_percent": 0,
                "created_at": "2030-06-01 13:00:00", "expired_at": "2030-06-01 18:00:00"
            },
            "status": 200, "status_check": true
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (config, _server) = match (
        std::env::var("MORUNE_SHOP_ID"),
        std::env::var("MORUNE_API_KEY"),
    ) {
        (Ok(shop_id), Ok(key)) => {
            let mut config = MoruneConfig::new().with_shop(shop_id, secret(key));
            if let Ok(base_url) = std::env::var("MORUNE_BASE_URL") {
                config = config.with_base_url(base_url);
            }
            (config, None)
        }
        _ => {
            let server = stand_in().await;
            let config = MoruneConfig::new()
                .with_shop(SHOP_ID, secret("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"))
                .with_base_url(server.uri());
            (config, Some(server))
        }
    };
    let morune = config.provider(&BuildContext::default())?;

    // 150.00 RUB, payable for an hour; the key makes a retry safe (it becomes the order_id).
    let request = CollectRequest::new(
        IdempotencyKey::new("order-1001")?,
        Money::parse("150.00", currency_from_code("RUB")?)?,
    )
    .expires_in(Duration::from_secs(3600))
    .description("Order 1001");
    let invoice = morune.collect(request).await?;
    println!(
        "invoice {} for {}: pay at {}",
        invoice.id.id(),
        invoice.amount,
        invoice.payment_url.as_deref().unwrap_or("(no page)")
    );

    let now = morune.status(&invoice.id).await?;
    println!("status: {:?} ({})", now.status, now.provider_status);
    Ok(())
}

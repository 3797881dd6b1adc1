//! Creates an acquiring invoice and reads its status back, as a shop's backend would.
//!
//! ```sh
//! MONOBANK_BASE_URL=http://127.0.0.1:PORT MONOBANK_MERCHANT_TOKEN=... \
//!   cargo run -p bankkit-monobank --example acquiring_invoice -- 4200
//! ```
//!
//! `MONOBANK_BASE_URL` defaults to the real API; against it, use a **test token** from
//! <https://api.monobank.ua/> as `MONOBANK_MERCHANT_TOKEN` (the bank's test mode: no money
//! moves). The argument is the amount in kopiyky (default 4200 = 42.00 UAH).

use bankkit_core::secret::secret;
use bankkit_monobank::wire::acquiring::{
    BasketItem, InvoiceCreateRequest, MerchantPaymInfo, PaymentType,
};
use bankkit_monobank::{MonobankClient, PaymentFailureCode, DEFAULT_BASE_URL};
use rust_decimal::Decimal;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url =
        std::env::var("MONOBANK_BASE_URL").unwrap_or_else(|_| DEFAULT_BASE_URL.to_owned());
    let token = std::env::var("MONOBANK_MERCHANT_TOKEN")
        .map_err(|_| "set MONOBANK_MERCHANT_TOKEN to a merchant or test token")?;
    let amount: i64 = match std::env::args().nth(1) {
        Some(text) => text.parse()?,
        None => 4200,
    };
    let client = MonobankClient::builder()
        .merchant_token(secret(token))
        .base_url(base_url)
        .build()?;
    let acquiring = client.acquiring();

    let request = InvoiceCreateRequest {
        ccy: Some(980),
        merchant_paym_info: Some(MerchantPaymInfo {
            reference: Some("order-1001".into()),
            destination: Some("Order 1001".into()),
            basket_order: Some(vec![BasketItem {
                name: "Mug".into(),
                qty: Decimal::ONE,
                sum: amount,
                total: Some(amount),
                code: "SKU-7".into(),
                ..BasketItem::default()
            }]),
            ..MerchantPaymInfo::default()
        }),
        validity: Some(3600),
        payment_type: Some(PaymentType::Debit),
        ..InvoiceCreateRequest::new(amount)
    };
    // Sent once: creating an invoice is never retried automatically.
    let created = acquiring.create_invoice(&request).await?;
    println!(
        "invoice {} — pay at {}",
        created.invoice_id, created.page_url
    );

    let status = acquiring.invoice_status(&created.invoice_id).await?;
    println!(
        "status: {} ({} of {} in currency {})",
        status.status,
        status.final_amount.unwrap_or(0),
        status.amount,
        status.ccy
    );
    if let Some(code) = status.err_code.as_deref() {
        let code = PaymentFailureCode::new(code);
        println!(
            "failed: {code} ({:?}): {}",
            code.reason(),
            code.description().unwrap_or("unknown code")
        );
    }
    Ok(())
}

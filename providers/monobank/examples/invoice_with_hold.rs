//! Takes a payment through the core `Payment` trait: an invoice that holds the money, paid
//! on its payment page, captured in part, then refunded in part.
//!
//! Runs offline against the in-process sandbox: `cargo run -p bankkit-monobank --example
//! invoice_with_hold`. For the real bank, build the client with your merchant token (or a
//! test token) and no `base_url`, and send your customer to `payment_url`.

use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::secret::secret;
use bankkit_core::{CaptureRequest, CollectRequest, IdempotencyKey, Payment, RefundRequest};
use bankkit_monobank::{MonobankClient, MonobankProvider};
use bankkit_sandbox::{SandboxEvent, TestOutcome};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = bankkit_sandbox::Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await?;
    let monobank = sandbox.monobank().ok_or("the sandbox has no monobank")?;
    let merchant_token = monobank.credentials()["merchant_token"]
        .as_str()
        .ok_or("no merchant token in the sandbox credentials")?
        .to_owned();
    let client = MonobankClient::builder()
        .merchant_token(secret(merchant_token))
        .base_url(monobank.base_url())
        .clock(sandbox.clock().shared())
        .build()?;
    let provider = MonobankProvider::new(client);
    let uah = currency_from_code("UAH")?;

    // An invoice holding 420.00 UAH; the key makes a retry after a timeout safe.
    let request = CollectRequest::new(
        IdempotencyKey::new("order-1001")?,
        Money::parse("420.00", uah)?,
    )
    .hold()
    .reference("order-1001")
    .description("Замовлення 1001");
    let invoice = provider.collect(request).await?;
    println!(
        "invoice {} ({:?}): pay at {}",
        invoice.id.id(),
        invoice.status,
        invoice.payment_url.as_deref().unwrap_or("?")
    );

    // The customer pays on the page (here: the sandbox acts for them).
    monobank.trigger(SandboxEvent::PayerActs {
        payment_id: invoice.id.id().to_owned(),
        outcome: TestOutcome::Success,
    })?;
    let held = provider.status(&invoice.id).await?;
    println!(
        "after payment: {:?}, card {:?}",
        held.status, held.masked_card
    );

    // Only 380.00 of it was delivered: capture that, the rest of the hold is released.
    let captured = provider
        .capture(CaptureRequest::new(invoice.id.clone()).amount(Money::parse("380.00", uah)?))
        .await?;
    println!(
        "captured: {:?}, taken {:?}, fee {:?}, net {:?}",
        captured.status,
        captured.final_amount.map(|m| m.to_string()),
        captured.fee.map(|m| m.to_string()),
        captured.net_amount.map(|m| m.to_string())
    );

    // One item came back: refund 80.00.
    let refund = provider
        .refund(
            RefundRequest::new(
                IdempotencyKey::new("order-1001-return-1")?,
                invoice.id.clone(),
            )
            .amount(Money::parse("80.00", uah)?),
        )
        .await?;
    println!("refund {}: {:?}", refund.amount, refund.status);
    let now = provider.status(&invoice.id).await?;
    println!(
        "now: {:?}, final {:?}, refunds {}",
        now.status,
        now.final_amount.map(|m| m.to_string()),
        now.refunds.len()
    );
    Ok(())
}

//! The payment page on the `pay` host: `GET /{invoiceId}` shows the invoice and a card form,
//! `POST /{invoiceId}` pays it and sends the browser on to `redirectUrl` (303). Subscriptions
//! (`/{subscriptionId}`) are paid the same way. Plain HTML, no JavaScript; everything echoed is
//! escaped.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use wiremock::Request;

use super::cards::{self, CardError};
use super::state::{Invoice, Payer, Status, Subscription};
use super::Acquiring;
use crate::request::Params;
use crate::{Reply, Respond};

pub(crate) use crate::html::escape;

fn money(amount: i64, ccy: u16) -> String {
    let alpha = match ccy {
        840 => "USD",
        978 => "EUR",
        _ => "UAH",
    };
    format!("{}.{:02} {alpha}", amount / 100, (amount % 100).abs())
}

fn html(status: u16, title: &str, main: &str) -> Reply {
    let page = format!(
        "<!doctype html>\n<html lang=\"uk\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}\
         label{{display:block;margin-top:.8rem}}input{{font-size:1.1rem;width:100%}}\
         button{{margin-top:1.2rem;font-size:1.1rem;width:100%;padding:.6rem}}\
         #error{{color:#b00020}}</style></head>\
         <body><main>{main}</main></body></html>\n",
        title = escape(title),
    );
    Reply::new(status)
        .set_body_raw(page.into_bytes(), "text/html; charset=utf-8")
        .insert_header("cache-control", "no-store")
}

/// What a page shows: an invoice or a subscription's first charge.
enum Payable {
    Invoice(Box<Invoice>),
    Subscription(Box<Subscription>),
}

impl Payable {
    fn id(&self) -> &str {
        match self {
            Payable::Invoice(invoice) => &invoice.id,
            Payable::Subscription(subscription) => &subscription.id,
        }
    }

    fn amount(&self) -> String {
        match self {
            Payable::Invoice(invoice) => money(invoice.amount, invoice.ccy),
            Payable::Subscription(subscription) => money(subscription.amount, subscription.ccy),
        }
    }

    fn destination(&self) -> Option<String> {
        match self {
            Payable::Invoice(invoice) => invoice.destination().map(str::to_owned),
            Payable::Subscription(subscription) => Some(format!(
                "Підписка, списання кожні {}",
                subscription.interval.text()
            )),
        }
    }

    /// `Some(status)` when it can no longer be paid at `now`.
    fn closed(&self, now: DateTime<Utc>) -> Option<&'static str> {
        match self {
            Payable::Invoice(invoice) if invoice.payable() => None,
            Payable::Invoice(invoice) => Some(invoice.status.as_str()),
            Payable::Subscription(s) if s.cancelled => Some("cancelled"),
            Payable::Subscription(s) if s.start.is_some() => Some("active"),
            Payable::Subscription(s) if s.expires_at <= now => Some("expired"),
            Payable::Subscription(_) => None,
        }
    }

    fn redirect_url(&self) -> Option<&str> {
        match self {
            Payable::Invoice(invoice) => invoice.redirect_url.as_deref(),
            Payable::Subscription(subscription) => subscription.redirect_url.as_deref(),
        }
    }
}

fn header_block(merchant_name: &str, payable: &Payable) -> String {
    let mut block = format!(
        "<h1 id=\"merchant\">{}</h1><p>До сплати: <strong id=\"amount\">{}</strong></p>",
        escape(merchant_name),
        escape(&payable.amount())
    );
    if let Some(destination) = payable.destination() {
        block.push_str(&format!(
            "<p>Призначення: <span id=\"destination\">{}</span></p>",
            escape(&destination)
        ));
    }
    block
}

fn form_page(status: u16, merchant_name: &str, payable: &Payable, error: Option<&str>) -> Reply {
    let id = escape(payable.id());
    let mut main = header_block(merchant_name, payable);
    if let Some(error) = error {
        main.push_str(&format!(
            "<p id=\"error\" role=\"alert\">{}</p>",
            escape(error)
        ));
    }
    main.push_str(&format!(
        "<form id=\"payment\" method=\"post\" action=\"/{id}\">\
         <label for=\"pan\">Номер картки</label>\
         <input id=\"pan\" name=\"pan\" inputmode=\"numeric\" autocomplete=\"cc-number\" \
         placeholder=\"0000 0000 0000 0000\" required>\
         <label for=\"exp\">Термін дії (MM/YY)</label>\
         <input id=\"exp\" name=\"exp\" autocomplete=\"cc-exp\" placeholder=\"MM/YY\" \
         maxlength=\"5\" required>\
         <label for=\"cvv\">CVV</label>\
         <input id=\"cvv\" name=\"cvv\" type=\"password\" inputmode=\"numeric\" \
         autocomplete=\"cc-csc\" maxlength=\"3\" required>\
         <button id=\"pay\" type=\"submit\">Оплатити {}</button></form>",
        escape(&payable.amount())
    ));
    html(status, &format!("Оплата — {merchant_name}"), &main)
}

fn status_text(status: &str) -> &'static str {
    match status {
        "success" => "Оплату успішно здійснено.",
        "hold" => "Кошти заблоковано на картці: оплата очікує підтвердження продавця.",
        "processing" => "Платіж обробляється.",
        "failure" => "Оплата не пройшла.",
        "reversed" => "Кошти повернуто.",
        "expired" => "Термін дії рахунку минув: оплатити його вже не можна.",
        "active" => "Підписку оформлено.",
        "cancelled" => "Підписку скасовано.",
        _ => "Рахунок не можна оплатити.",
    }
}

fn status_page(
    http_status: u16,
    merchant_name: &str,
    payable: &Payable,
    status: &str,
    reason: Option<&str>,
) -> Reply {
    let mut main = header_block(merchant_name, payable);
    main.push_str(&format!(
        "<p id=\"status\" data-status=\"{status}\">{}</p>",
        status_text(status)
    ));
    if let Some(reason) = reason {
        main.push_str(&format!("<p id=\"reason\">{}</p>", escape(reason)));
    }
    html(
        http_status,
        &format!("{} — {merchant_name}", status_text(status)),
        &main,
    )
}

fn not_found() -> Reply {
    html(
        404,
        "Сторінку не знайдено",
        "<h1>Сторінку не знайдено</h1><p id=\"status\" data-status=\"not_found\">Рахунок не знайдено.</p>",
    )
}

/// `GET` and `POST /{id}` on the page host.
#[derive(Debug)]
pub(crate) struct PaymentPage {
    pub(crate) acquiring: Arc<Acquiring>,
}

impl PaymentPage {
    fn find(&self, id: &str) -> Option<Payable> {
        self.acquiring.with(|merchant, _| {
            merchant
                .any_invoice(id)
                .cloned()
                .map(|invoice| Payable::Invoice(Box::new(invoice)))
                .or_else(|| {
                    merchant
                        .subscriptions
                        .get(id)
                        .cloned()
                        .map(|s| Payable::Subscription(Box::new(s)))
                })
        })
    }

    fn show(&self, id: &str) -> Reply {
        let name = self.acquiring.merchant_name();
        match self.find(id) {
            None => not_found(),
            Some(payable) => match payable.closed(self.acquiring.now()) {
                None => form_page(200, &name, &payable, None),
                Some(status) => {
                    let reason = match &payable {
                        Payable::Invoice(invoice) => invoice.failure.as_ref().map(|f| f.1.clone()),
                        Payable::Subscription(_) => None,
                    };
                    status_page(200, &name, &payable, status, reason.as_deref())
                }
            },
        }
    }

    fn submit(&self, id: &str, request: &Request) -> Reply {
        let name = self.acquiring.merchant_name();
        let Some(payable) = self.find(id) else {
            return not_found();
        };
        if let Some(status) = payable.closed(self.acquiring.now()) {
            return status_page(409, &name, &payable, status, None);
        }
        let form = Params::form(request);
        let pan = form.get("pan").unwrap_or_default();
        let exp = form.get("exp").unwrap_or_default().trim();
        let cvv = form.get("cvv").unwrap_or_default().trim();
        let card = match cards::read_card(pan, exp, Some(cvv), self.acquiring.now()) {
            Ok(card) => card,
            Err(error) => {
                let text = match error {
                    CardError::Luhn | CardError::PanFormat => "Перевірте номер картки.",
                    CardError::ExpiryFormat => "Термін дії вкажіть у форматі MM/YY.",
                    CardError::Cvv => "CVV — три цифри зі зворотного боку картки.",
                };
                return form_page(422, &name, &payable, Some(text));
            }
        };
        let payer = Payer {
            card,
            method: "pan",
        };
        let (status, reason) = self.acquiring.with(|merchant, now| match &payable {
            Payable::Invoice(_) => {
                merchant.pay(id, &payer, now);
                merchant
                    .any_invoice(id)
                    .map(|invoice| {
                        (
                            invoice.status.as_str(),
                            invoice.failure.as_ref().map(|f| f.1.clone()),
                        )
                    })
                    .unwrap_or((Status::Processing.as_str(), None))
            }
            Payable::Subscription(_) => {
                merchant.start_subscription(id, &payer, now);
                let failed = merchant
                    .subscriptions
                    .get(id)
                    .is_some_and(|s| s.start.is_none());
                if failed {
                    ("failure", Some("Недостатньо коштів на картці".to_owned()))
                } else {
                    ("active", None)
                }
            }
        });
        match payable.redirect_url() {
            Some(url) => Reply::new(303)
                .insert_header("location", url)
                .insert_header("cache-control", "no-store"),
            None => status_page(200, &name, &payable, status, reason.as_deref()),
        }
    }
}

impl Respond for PaymentPage {
    fn respond(&self, request: &Request) -> Reply {
        let id = request.url.path().trim_matches('/');
        if id.is_empty() || id.contains('/') {
            return not_found();
        }
        match request.method.as_str() {
            "POST" => self.submit(id, request),
            _ => self.show(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Кав'ярня & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Кав&#39;ярня &amp; co&lt;/a&gt;"
        );
    }
}

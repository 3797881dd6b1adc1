//! The payment page on the `pay` host: `GET /{invoice_id}` shows the invoice (shop, amount,
//! comment) with a form (method, card/phone/wallet field, Pay, and a button that refuses the
//! payment); `POST /{invoice_id}` pays or fails it, sends the webhook and answers 303 to the
//! invoice's `success_url` / `fail_url`, or a result page without one. Plain HTML, no
//! JavaScript; everything echoed is escaped.

use std::sync::Arc;

use wiremock::Request;

use super::state::{tariff, text, Invoice, InvoiceStatus, Outcome, PayerKind};
use super::MoruneSandbox;
use crate::{Reply, Respond};

pub(crate) use crate::html::escape;

fn html(status: u16, title: &str, main: &str) -> Reply {
    let page = format!(
        "<!doctype html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}\
         label{{display:block;margin-top:.8rem}}input,select{{font-size:1.1rem;width:100%}}\
         button{{margin-top:1rem;font-size:1.1rem;width:100%;padding:.6rem}}\
         #error{{color:#b00020}}</style></head>\
         <body><main>{main}</main></body></html>\n",
        title = escape(title),
    );
    Reply::new(status)
        .set_body_raw(page.into_bytes(), "text/html; charset=utf-8")
        .insert_header("cache-control", "no-store")
}

fn amount_text(invoice: &Invoice) -> String {
    format!("{} {}", text(invoice.amount), invoice.currency)
}

fn header_block(shop_name: &str, invoice: &Invoice) -> String {
    let mut block = format!(
        "<h1 id=\"shop\">{}</h1><p>К оплате: <strong id=\"amount\">{}</strong></p>\
         <p>Заказ: <span id=\"order\">{}</span></p>",
        escape(shop_name),
        escape(&amount_text(invoice)),
        escape(&invoice.order_id),
    );
    if let Some(comment) = &invoice.comment {
        block.push_str(&format!("<p id=\"comment\">{}</p>", escape(comment)));
    }
    block
}

fn form_page(status: u16, shop_name: &str, invoice: &Invoice, error: Option<&str>) -> Reply {
    let mut main = header_block(shop_name, invoice);
    if let Some(error) = error {
        main.push_str(&format!(
            "<p id=\"error\" role=\"alert\">{}</p>",
            escape(error)
        ));
    }
    let options: String = invoice
        .methods
        .iter()
        .filter_map(|service| tariff(service))
        .map(|t| {
            format!(
                "<option value=\"{}\">{}</option>",
                escape(t.service),
                escape(t.label)
            )
        })
        .collect();
    main.push_str(&format!(
        "<form id=\"payment\" method=\"post\" action=\"/{id}\">\
         <label for=\"method\">Способ оплаты</label>\
         <select id=\"method\" name=\"method\">{options}</select>\
         <label for=\"pan\">Номер карты, телефона или кошелька</label>\
         <input id=\"pan\" name=\"pan\" autocomplete=\"cc-number\" \
         placeholder=\"0000 0000 0000 0000 / +79001234567\" required>\
         <button id=\"pay\" type=\"submit\" name=\"action\" value=\"pay\">Оплатить {amount}</button>\
         <button id=\"fail\" type=\"submit\" name=\"action\" value=\"fail\" formnovalidate>\
         Отказаться от оплаты</button></form>",
        id = escape(&invoice.id),
        amount = escape(&amount_text(invoice)),
    ));
    html(status, &format!("Оплата — {shop_name}"), &main)
}

fn status_text(status: &str) -> &'static str {
    match status {
        "success" => "Оплата прошла успешно.",
        "fail" => "Оплата не прошла.",
        "expired" => "Срок действия счёта истёк.",
        "created" => "Платёж обрабатывается.",
        _ => "Счёт нельзя оплатить.",
    }
}

fn status_page(http_status: u16, shop_name: &str, invoice: &Invoice) -> Reply {
    let status = invoice.status.as_str();
    let mut main = header_block(shop_name, invoice);
    main.push_str(&format!(
        "<p id=\"status\" data-status=\"{status}\">{}</p>",
        status_text(status)
    ));
    html(http_status, status_text(status), &main)
}

fn not_found() -> Reply {
    html(
        404,
        "Счёт не найден",
        "<h1>Счёт не найден</h1><p id=\"status\" data-status=\"not_found\">Счёт не найден.</p>",
    )
}

/// The typed payer, checked for the method: `Err` is the message the form shows.
pub(crate) fn check_payer(kind: PayerKind, typed: &str) -> Result<String, &'static str> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    match kind {
        PayerKind::Card => {
            let ok = (13..=19).contains(&compact.len())
                && compact.bytes().all(|b| b.is_ascii_digit())
                && bankkit_core::payment::luhn(&compact);
            if ok {
                Ok(compact)
            } else {
                Err("Проверьте номер карты.")
            }
        }
        PayerKind::Phone => {
            let digits = compact.strip_prefix('+').unwrap_or(&compact);
            if (10..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(compact)
            } else {
                Err("Укажите номер телефона, например +79001234567.")
            }
        }
        PayerKind::Wallet => {
            if !compact.is_empty() && compact.chars().count() <= 100 {
                Ok(compact)
            } else {
                Err("Укажите номер кошелька.")
            }
        }
    }
}

/// `GET` and `POST /{invoice_id}` on the page host.
#[derive(Debug)]
pub(crate) struct PaymentPage {
    pub(crate) sandbox: Arc<MoruneSandbox>,
}

impl PaymentPage {
    fn find(&self, id: &str) -> Option<Invoice> {
        self.sandbox.with(|shop, _| shop.invoices.get(id).cloned())
    }

    fn show(&self, id: &str) -> Reply {
        let name = &self.sandbox.seed.shop_name;
        match self.find(id) {
            None => not_found(),
            Some(invoice) if invoice.status == InvoiceStatus::Created => {
                form_page(200, name, &invoice, None)
            }
            Some(invoice) => status_page(200, name, &invoice),
        }
    }

    fn submit(&self, id: &str, request: &Request) -> Reply {
        let name = &self.sandbox.seed.shop_name;
        let Some(invoice) = self.find(id) else {
            return not_found();
        };
        if invoice.status != InvoiceStatus::Created {
            return status_page(409, name, &invoice);
        }
        let mut method = None;
        let mut typed = String::new();
        let mut action = String::new();
        for (key, value) in url::form_urlencoded::parse(&request.body) {
            match key.as_ref() {
                "method" if method.is_none() => method = Some(value.into_owned()),
                "pan" if typed.is_empty() => typed = value.into_owned(),
                "action" if action.is_empty() => action = value.into_owned(),
                _ => {}
            }
        }
        let chosen = method
            .as_deref()
            .and_then(|m| invoice.methods.iter().copied().find(|known| *known == m));
        let Some(service) = chosen.or_else(|| {
            // Refusing needs no method; the first offered stands in.
            (action == "fail")
                .then(|| invoice.methods.first().copied())
                .flatten()
        }) else {
            return form_page(422, name, &invoice, Some("Выберите способ оплаты."));
        };
        let settled = if action == "fail" {
            self.sandbox
                .with(|shop, now| shop.settle(id, service, None, Outcome::Fail, now))
        } else {
            let kind = tariff(service).map_or(PayerKind::Wallet, |t| t.payer);
            let payer = match check_payer(kind, &typed) {
                Ok(payer) => payer,
                Err(message) => return form_page(422, name, &invoice, Some(message)),
            };
            self.sandbox
                .with(|shop, now| shop.pay(id, service, &payer, now))
        };
        let Some(after) = settled else {
            return not_found();
        };
        let target = match after.status {
            InvoiceStatus::Success => after.success_url.as_deref(),
            InvoiceStatus::Fail => after.fail_url.as_deref(),
            InvoiceStatus::Created | InvoiceStatus::Expired => None,
        };
        match target {
            Some(url) => Reply::new(303)
                .insert_header("location", url)
                .insert_header("cache-control", "no-store"),
            None => status_page(200, name, &after),
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
            escape(r#"<b a="x">'&'</b>"#),
            "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn payers_are_checked_per_method() {
        assert_eq!(
            check_payer(PayerKind::Card, "4242 4242 4242 4242").as_deref(),
            Ok("4242424242424242")
        );
        assert!(check_payer(PayerKind::Card, "4242424242424241").is_err());
        assert!(check_payer(PayerKind::Phone, "+79001234567").is_ok());
        assert!(check_payer(PayerKind::Phone, "12").is_err());
        assert!(check_payer(PayerKind::Wallet, "").is_err());
    }
}

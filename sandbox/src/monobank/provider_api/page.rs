//! The accept page on the `accept` host: `GET /auth/{tokenRequestId}` shows the company and the
//! permissions it asks for, with Approve and Refuse buttons; `POST /auth/{tokenRequestId}`
//! (`decision=approve|refuse`) records the customer's answer. Plain HTML, no JavaScript;
//! everything echoed is escaped.

use std::sync::Arc;

use wiremock::Request;

use super::state::{AccessState, DecideError};
use super::ProviderApi;
use crate::html::escape;
use crate::request::Params;
use crate::{Reply, Respond};

fn html(status: u16, title: &str, main: &str) -> Reply {
    let page = format!(
        "<!doctype html>\n<html lang=\"uk\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}\
         li{{margin:.3rem 0}}\
         button{{margin-top:1.2rem;font-size:1.1rem;width:100%;padding:.6rem}}\
         #error{{color:#b00020}}</style></head>\
         <body><main>{main}</main></body></html>\n",
        title = escape(title),
    );
    Reply::new(status)
        .set_body_raw(page.into_bytes(), "text/html; charset=utf-8")
        .insert_header("cache-control", "no-store")
}

/// What a permission letter lets the company see.
fn permission_text(letter: char) -> &'static str {
    match letter {
        'p' => "Персональні дані: ім'я та прізвище",
        's' => "Виписки та баланси рахунків",
        'f' => "Рахунки ФОП",
        'j' => "Банки (накопичення)",
        _ => "Інші дані",
    }
}

/// What the page knows of one request.
struct Shown {
    company: String,
    permissions: String,
    state: AccessState,
}

fn header_block(shown: &Shown) -> String {
    let mut block = format!(
        "<h1 id=\"company\">{}</h1><p>просить доступ до ваших даних у monobank:</p>\
         <ul id=\"permissions\">",
        escape(&shown.company)
    );
    for letter in shown.permissions.chars() {
        block.push_str(&format!(
            "<li data-permission=\"{}\">{}</li>",
            escape(&letter.to_string()),
            escape(permission_text(letter))
        ));
    }
    block.push_str("</ul>");
    block
}

fn form_page(status: u16, id: &str, shown: &Shown, error: Option<&str>) -> Reply {
    let mut main = header_block(shown);
    if let Some(error) = error {
        main.push_str(&format!(
            "<p id=\"error\" role=\"alert\">{}</p>",
            escape(error)
        ));
    }
    main.push_str(&format!(
        "<form id=\"decision\" method=\"post\" action=\"/auth/{id}\">\
         <button id=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">\
         Дозволити</button>\
         <button id=\"refuse\" type=\"submit\" name=\"decision\" value=\"refuse\">\
         Відмовити</button></form>",
        id = escape(id)
    ));
    html(
        status,
        &format!("Доступ для {} — monobank", shown.company),
        &main,
    )
}

fn status_text(state: AccessState) -> &'static str {
    match state {
        AccessState::Approved => "Доступ надано.",
        AccessState::Refused => "Ви відмовили в доступі.",
        AccessState::Pending => "Запит очікує вашого рішення.",
    }
}

fn status_page(status: u16, shown: &Shown) -> Reply {
    let mut main = header_block(shown);
    main.push_str(&format!(
        "<p id=\"status\" data-status=\"{}\">{}</p>",
        shown.state.as_str(),
        status_text(shown.state)
    ));
    html(status, status_text(shown.state), &main)
}

fn not_found() -> Reply {
    html(
        404,
        "Запит не знайдено",
        "<h1>Запит не знайдено</h1>\
         <p id=\"status\" data-status=\"not_found\">Запит на доступ не знайдено.</p>",
    )
}

/// `GET` and `POST /auth/{id}` on the accept host.
#[derive(Debug)]
pub(crate) struct AcceptPage {
    pub(crate) api: Arc<ProviderApi>,
}

impl AcceptPage {
    fn find(&self, id: &str) -> Option<Shown> {
        self.api.with(|companies| {
            let request = companies.request(id)?;
            let company = companies
                .company(&request.key_id)
                .map_or_else(String::new, |company| company.name.clone());
            Some(Shown {
                company,
                permissions: request.permissions.clone(),
                state: request.state,
            })
        })
    }

    fn show(&self, id: &str) -> Reply {
        match self.find(id) {
            None => not_found(),
            Some(shown) if shown.state == AccessState::Pending => form_page(200, id, &shown, None),
            Some(shown) => status_page(200, &shown),
        }
    }

    fn submit(&self, id: &str, request: &Request) -> Reply {
        let Some(mut shown) = self.find(id) else {
            return not_found();
        };
        let form = Params::form(request);
        let approve = match form.get("decision") {
            Some("approve") => true,
            Some("refuse") => false,
            _ => return form_page(422, id, &shown, Some("Оберіть: дозволити чи відмовити.")),
        };
        match self.api.decide_access(id, approve) {
            Ok(decided) => {
                shown.state = decided.state;
                status_page(200, &shown)
            }
            Err(DecideError::AlreadyDecided(state)) => {
                shown.state = state;
                status_page(409, &shown)
            }
            Err(DecideError::Unknown) => not_found(),
        }
    }
}

impl Respond for AcceptPage {
    fn respond(&self, request: &Request) -> Reply {
        let Some(id) = request
            .url
            .path()
            .strip_prefix("/auth/")
            .map(|id| id.trim_end_matches('/'))
            .filter(|id| !id.is_empty() && !id.contains('/'))
        else {
            return not_found();
        };
        match request.method.as_str() {
            "POST" => self.submit(id, request),
            _ => self.show(id),
        }
    }
}

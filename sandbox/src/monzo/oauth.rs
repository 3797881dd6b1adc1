//! The authorisation host's consent page (`GET /` there) and the API's OAuth2/session
//! endpoints: `POST /oauth2/token`, `POST /oauth2/logout`, `GET /ping/whoami`.

use std::sync::Arc;

use serde_json::json;
use url::Url;
use wiremock::Request;

use crate::{Reply, Respond};

use super::routes::{authenticate, empty, json_response, respond_with, MonzoParams};
use super::state::{ApiError, Bank, Consent, State};
use crate::request::{bearer, web_url, Params};

/// Whether the OAuth client may be sent back to `uri`: the registered one, or any plain-http
/// loopback URI (a developer's local callback).
fn redirect_allowed(bank: &Bank, uri: &str) -> bool {
    if uri == bank.client.redirect_uri {
        return true;
    }
    web_url(uri)
        .is_some_and(|url| matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
}

fn page(status: u16, title: &str, text: &str) -> Reply {
    let html = format!(
        "<!doctype html><html><head><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    Reply::new(status).set_body_raw(html.into_bytes(), "text/html; charset=utf-8")
}

/// `GET /?client_id&redirect_uri&response_type=code&state` on the authorisation host: the
/// consent page. The user
/// consents at once (or refuses, per the `consent` control) and is sent back to the client.
#[derive(Debug)]
pub(crate) struct ConsentPage {
    pub(crate) state: Arc<State>,
}

impl Respond for ConsentPage {
    fn respond(&self, request: &Request) -> Reply {
        let params = Params::query(request);
        let now = self.state.now();
        self.state.with_bank(|bank| {
            let client_id = params.get("client_id").unwrap_or_default();
            if client_id != bank.client.id {
                return page(
                    400,
                    "Unknown client",
                    "The client_id is missing or unknown.",
                );
            }
            if params.get("response_type") != Some("code") {
                return page(400, "Bad request", "response_type must be code.");
            }
            let redirect_uri = params.get("redirect_uri").unwrap_or_default();
            if !redirect_allowed(bank, redirect_uri) {
                return page(
                    400,
                    "Bad redirect",
                    "The redirect_uri is missing or not registered for this client.",
                );
            }
            let Ok(mut location) = Url::parse(redirect_uri) else {
                return page(400, "Bad redirect", "The redirect_uri is not a URL.");
            };
            {
                let mut query = location.query_pairs_mut();
                match bank.consent {
                    Consent::Allow => {
                        let code = bank.new_code(redirect_uri, now);
                        query.append_pair("code", &code);
                    }
                    Consent::Refuse => {
                        query.append_pair("error", "access_denied");
                    }
                }
                if let Some(state) = params.get("state") {
                    query.append_pair("state", state);
                }
            }
            page(302, "Redirecting", "Back to the application…")
                .insert_header("location", location.as_str())
        })
    }
}

/// Anything else on the authorisation host: a 404 page.
#[derive(Debug)]
pub(crate) struct PageNotFound;

impl Respond for PageNotFound {
    fn respond(&self, _request: &Request) -> Reply {
        page(404, "Not found", "There is nothing here.")
    }
}

/// `POST /oauth2/token`: `authorization_code` and `refresh_token` grants.
#[derive(Debug)]
pub(crate) struct Token {
    pub(crate) state: Arc<State>,
}

impl Token {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        let grant_type = form.required("grant_type")?;
        let client_id = form.required("client_id")?;
        let client_secret = form.required("client_secret")?;
        self.state.with_bank(|bank| {
            if client_id != bank.client.id || client_secret != bank.client.secret {
                return Err(ApiError::new(
                    401,
                    "unauthorized.bad_client_credentials",
                    "Client id or secret is not valid",
                ));
            }
            let tokens = match grant_type {
                "authorization_code" => {
                    let redirect_uri = form.required("redirect_uri")?;
                    let code = form.required("code")?;
                    bank.exchange_code(code, redirect_uri, now)?
                }
                "refresh_token" => {
                    let refresh_token = form.required("refresh_token")?;
                    bank.refresh(refresh_token, now)?
                }
                _ => {
                    return Err(ApiError::bad_param(
                        "grant_type",
                        "must be authorization_code or refresh_token",
                    ))
                }
            };
            Ok(json_response(200, &tokens))
        })
    }
}

impl Respond for Token {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `POST /oauth2/logout`: revokes the access token and its refresh token.
#[derive(Debug)]
pub(crate) struct Logout {
    pub(crate) state: Arc<State>,
}

impl Respond for Logout {
    fn respond(&self, request: &Request) -> Reply {
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authenticate(bank, request, now)?;
            if let Some(token) = bearer(request) {
                bank.logout(token, now);
            }
            Ok(empty())
        }))
    }
}

/// `GET /ping/whoami`: works before the user approved access in the app.
#[derive(Debug)]
pub(crate) struct WhoAmI {
    pub(crate) state: Arc<State>,
}

impl Respond for WhoAmI {
    fn respond(&self, request: &Request) -> Reply {
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authenticate(bank, request, now)?;
            Ok(json_response(
                200,
                &json!({
                    "authenticated": true,
                    "client_id": bank.client.id,
                    "user_id": bank.user.id,
                }),
            ))
        }))
    }
}

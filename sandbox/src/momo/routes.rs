//! Provisioning, tokens and the operations common to every product: one small responder per
//! route, each over the shared [`State`].

use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::Request;

use crate::{Reply, Respond};

use super::checks::{
    self, basic, business, empty, json_body, json_response, path_segment, product_of, reference_id,
    respond_with, subscription, target_environment, ApiError,
};
use super::seed;
use super::state::{
    ApiUser, AuthRequest, Kind, Product, State, Token, AUTH_REQUEST_INTERVAL, AUTH_REQUEST_SECONDS,
    REFRESH_TOKEN_SECONDS, TOKEN_SECONDS,
};
use crate::request::{self, header, Params};
use crate::time::{after, rfc3339};

fn product(request: &Request) -> Result<Product, ApiError> {
    product_of(request).ok_or_else(ApiError::not_found)
}

/// A JWT-looking access token (header.payload.signature, base64url without padding).
fn jwt(momo: &mut super::state::Momo, api_user: &str, expires: &str) -> String {
    use base64::Engine as _;
    let url = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let session = momo.uuid();
    let header = url(br#"{"typ":"JWT","alg":"R256"}"#);
    let payload = json!({ "clientId": api_user, "expires": expires, "sessionId": session });
    let payload = url(payload.to_string().as_bytes());
    let signature_bytes = momo.hex(64);
    let signature = url(signature_bytes.as_bytes());
    format!("{header}.{payload}.{signature}")
}

/// `POST /v1_0/apiuser` (`X-Reference-Id`, `{"providerCallbackHost": …}`) → 201, empty.
#[derive(Debug)]
pub(crate) struct CreateApiUser {
    pub(crate) state: Arc<State>,
}

impl Respond for CreateApiUser {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.state.with(|momo, _| {
            subscription(momo, request, None)?;
            let id = reference_id(request)?;
            if momo.users.contains_key(&id) {
                return Err(ApiError::duplicate());
            }
            let body = json_body(request)?;
            let host = body
                .get("providerCallbackHost")
                .and_then(Value::as_str)
                .filter(|host| !host.trim().is_empty())
                .ok_or_else(|| ApiError::bad_request("providerCallbackHost is required."))?;
            momo.add_user(
                id,
                ApiUser {
                    callback_host: host.trim().to_owned(),
                    api_key: None,
                },
            );
            Ok(empty(201))
        }))
    }
}

/// `GET /v1_0/apiuser/{id}` → `{"providerCallbackHost", "targetEnvironment"}`.
#[derive(Debug)]
pub(crate) struct GetApiUser {
    pub(crate) state: Arc<State>,
}

impl Respond for GetApiUser {
    fn respond(&self, request: &Request) -> Reply {
        let id = path_segment(request, 2);
        respond_with(self.state.with(|momo, _| {
            subscription(momo, request, None)?;
            let user = momo.users.get(&id).ok_or_else(ApiError::not_found)?;
            Ok(json_response(
                200,
                &json!({
                    "providerCallbackHost": user.callback_host,
                    "targetEnvironment": seed::TARGET_ENVIRONMENT,
                }),
            ))
        }))
    }
}

/// `POST /v1_0/apiuser/{id}/apikey` → 201 `{"apiKey": "<32 hex>"}` (replaces any older key).
#[derive(Debug)]
pub(crate) struct CreateApiKey {
    pub(crate) state: Arc<State>,
}

impl Respond for CreateApiKey {
    fn respond(&self, request: &Request) -> Reply {
        let id = path_segment(request, 2);
        respond_with(self.state.with(|momo, _| {
            subscription(momo, request, None)?;
            if !momo.users.contains_key(&id) {
                return Err(ApiError::not_found());
            }
            let key = momo.hex(32);
            if let Some(user) = momo.users.get_mut(&id) {
                user.api_key = Some(key.clone());
            }
            Ok(json_response(201, &json!({ "apiKey": key })))
        }))
    }
}

/// `POST /{product}/token/` with Basic api_user:api_key → an access token for that product.
#[derive(Debug)]
pub(crate) struct CreateToken {
    pub(crate) state: Arc<State>,
}

impl Respond for CreateToken {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.state.with(|momo, now| {
            let product = product(request)?;
            subscription(momo, request, Some(product))?;
            let api_user = basic(momo, request)?;
            let expires_at = after(now, TOKEN_SECONDS);
            let token = jwt(momo, &api_user, &rfc3339(expires_at));
            momo.add_token(
                token.clone(),
                Token {
                    product,
                    api_user,
                    expires_at,
                    consent_of: None,
                },
            );
            Ok(json_response(
                200,
                &json!({
                    "access_token": token,
                    "token_type": "access_token",
                    "expires_in": TOKEN_SECONDS,
                }),
            ))
        }))
    }
}

/// The operations every product has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Common {
    Balance,
    BalanceIn,
    BasicUserInfo,
    Active,
    BcAuthorize,
    ConsentToken,
    UserInfo,
    DeliveryNotification,
}

/// One responder for the [`Common`] operations.
#[derive(Debug)]
pub(crate) struct CommonRoute {
    pub(crate) state: Arc<State>,
    pub(crate) op: Common,
}

impl Respond for CommonRoute {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

impl CommonRoute {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let product = product(request)?;
        match self.op {
            Common::Balance | Common::BalanceIn => self.balance(request, product),
            Common::BasicUserInfo | Common::Active => self.account_holder(request, product),
            Common::BcAuthorize => self.bc_authorize(request, product),
            Common::ConsentToken => self.consent_token(request, product),
            Common::UserInfo => self.user_info(request, product),
            Common::DeliveryNotification => self.delivery_notification(request, product),
        }
    }

    /// `GET /{p}/v1_0/account/balance[/{currency}]`.
    fn balance(&self, request: &Request, product: Product) -> Result<Reply, ApiError> {
        self.state.with(|momo, now| {
            business(momo, request, product, now)?;
            if self.op == Common::BalanceIn && path_segment(request, 4) != seed::CURRENCY {
                return Err(ApiError::invalid_currency());
            }
            Ok(json_response(
                200,
                &json!({
                    "availableBalance": checks::format_amount(momo.balances[product.index()]),
                    "currency": seed::CURRENCY,
                }),
            ))
        })
    }

    /// `GET /{p}/v1_0/accountholder/{idType}/{id}/basicuserinfo` and `…/active`.
    fn account_holder(&self, request: &Request, product: Product) -> Result<Reply, ApiError> {
        let id_type = path_segment(request, 3);
        let id = path_segment(request, 4);
        self.state.with(|momo, now| {
            business(momo, request, product, now)?;
            if !["msisdn", "email", "party_code"]
                .iter()
                .any(|known| known.eq_ignore_ascii_case(&id_type))
            {
                return Err(ApiError::bad_request(format!(
                    "Unknown account holder id type {id_type}."
                )));
            }
            let holder = momo.holder(&id_type, &id).ok_or_else(ApiError::not_found)?;
            let body = match self.op {
                Common::Active => json!({ "result": holder.active() }),
                _ => holder.basic(now.timestamp()),
            };
            Ok(json_response(200, &body))
        })
    }

    /// `POST /{p}/v1_0/bc-authorize` (form `login_hint`, `scope`, `access_type`; Basic or
    /// Bearer).
    fn bc_authorize(&self, request: &Request, product: Product) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        self.state.with(|momo, now| {
            subscription(momo, request, Some(product))?;
            let api_user = if request::bearer(request).is_some() {
                checks::bearer(momo, request, product, now)?
            } else {
                basic(momo, request)?
            };
            target_environment(request)?;
            checks::callback_url(momo, request, &api_user)?;
            let hint = form.get("login_hint").unwrap_or_default();
            let msisdn = hint
                .strip_prefix("ID:")
                .and_then(|rest| rest.strip_suffix("/MSISDN"))
                .filter(|m| seed::well_formed("msisdn", m))
                .ok_or_else(|| {
                    ApiError::bad_request("login_hint must look like ID:{msisdn}/MSISDN.")
                })?
                .to_owned();
            let scope = form
                .non_empty("scope")
                .ok_or_else(|| ApiError::bad_request("scope is required."))?
                .to_owned();
            if let Some(access) = form.get("access_type") {
                if access != "online" && access != "offline" {
                    return Err(ApiError::bad_request(
                        "access_type must be online or offline.",
                    ));
                }
            }
            if momo.holder("msisdn", &msisdn).is_none() {
                return Err(ApiError::not_found());
            }
            let auth_req_id = momo.uuid();
            momo.add_auth_request(
                auth_req_id.clone(),
                AuthRequest {
                    product,
                    api_user,
                    msisdn,
                    scope,
                    expires_at: after(now, AUTH_REQUEST_SECONDS),
                    used: false,
                },
            );
            Ok(json_response(
                200,
                &json!({
                    "auth_req_id": auth_req_id,
                    "interval": AUTH_REQUEST_INTERVAL,
                    "expires_in": AUTH_REQUEST_SECONDS,
                }),
            ))
        })
    }

    /// `POST /{p}/oauth2/token/` (form `grant_type=urn:openid:params:grant-type:ciba`,
    /// `auth_req_id`; Basic).
    fn consent_token(&self, request: &Request, product: Product) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        self.state.with(|momo, now| {
            subscription(momo, request, Some(product))?;
            let api_user = basic(momo, request)?;
            target_environment(request)?;
            if form.get("grant_type") != Some("urn:openid:params:grant-type:ciba") {
                return Err(ApiError::oauth(400, "unsupported_grant_type"));
            }
            let id = form.get("auth_req_id").unwrap_or_default();
            let auth = momo
                .auth_requests
                .get_mut(id)
                .filter(|auth| {
                    auth.product == product
                        && auth.api_user == api_user
                        && !auth.used
                        && now < auth.expires_at
                })
                .ok_or_else(|| ApiError::oauth(400, "invalid_grant"))?;
            auth.used = true;
            let (msisdn, scope) = (auth.msisdn.clone(), auth.scope.clone());
            let expires_at = after(now, TOKEN_SECONDS);
            let token = jwt(momo, &api_user, &rfc3339(expires_at));
            let refresh_token = momo.uuid();
            momo.add_token(
                token.clone(),
                Token {
                    product,
                    api_user,
                    expires_at,
                    consent_of: Some(msisdn),
                },
            );
            Ok(json_response(
                200,
                &json!({
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": TOKEN_SECONDS,
                    "scope": scope,
                    "refresh_token": refresh_token,
                    "refresh_token_expired_in": REFRESH_TOKEN_SECONDS,
                }),
            ))
        })
    }

    /// `GET /{p}/oauth2/v1_0/userinfo` with a consent token.
    fn user_info(&self, request: &Request, product: Product) -> Result<Reply, ApiError> {
        self.state.with(|momo, now| {
            subscription(momo, request, Some(product))?;
            let token = request::bearer(request).unwrap_or_default();
            let msisdn = momo
                .tokens
                .get(token)
                .filter(|t| t.product == product && now < t.expires_at)
                .and_then(|t| t.consent_of.clone())
                .ok_or_else(|| ApiError::apim(401, checks::INVALID_TOKEN))?;
            target_environment(request)?;
            let holder = momo
                .holder("msisdn", &msisdn)
                .ok_or_else(ApiError::not_found)?;
            Ok(json_response(200, &holder.full(now.timestamp())))
        })
    }

    /// `POST /{p}/v1_0/requesttopay/{referenceId}/deliverynotification` → 200, empty.
    fn delivery_notification(
        &self,
        request: &Request,
        product: Product,
    ) -> Result<Reply, ApiError> {
        let reference = path_segment(request, 3);
        self.state.with(|momo, now| {
            business(momo, request, product, now)?;
            let from_body = serde_json::from_slice::<Value>(&request.body)
                .ok()
                .and_then(|body| {
                    body.get("notificationMessage")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            let message = from_body
                .or_else(|| header(request, "notificationmessage").map(str::to_owned))
                .filter(|m| !m.is_empty())
                .ok_or_else(|| ApiError::bad_request("notificationMessage is required."))?;
            if message.chars().count() > 160 {
                return Err(ApiError::bad_request(
                    "notificationMessage must be at most 160 characters.",
                ));
            }
            if !momo.exists(Kind::RequestToPay, &reference) {
                return Err(ApiError::not_found());
            }
            Ok(empty(200))
        })
    }
}

/// The gateway's answer to a body-less POST or PUT: the HTML page of Microsoft's HTTP server
/// in front of Azure API Management (its usual bytes; MTN's exact bytes are inferred).
const LENGTH_REQUIRED_PAGE: &str = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n\
<HTML><HEAD><TITLE>Length Required</TITLE>\r\n\
<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n\
<BODY><h2>Length Required</h2>\r\n\
<hr><p>HTTP Error 411. The request must be chunked or have a content length.</p>\r\n\
</BODY></HTML>\r\n";

/// A POST or PUT with neither `Content-Length` nor `Transfer-Encoding: chunked`, on any
/// path: the gateway refuses it before the API (or its key and token checks) sees it.
#[derive(Debug)]
pub(crate) struct WithoutLength;

impl wiremock::Match for WithoutLength {
    fn matches(&self, request: &Request) -> bool {
        let writes = request.method == http::Method::POST || request.method == http::Method::PUT;
        let chunked = request
            .headers
            .get_all(http::header::TRANSFER_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.to_ascii_lowercase().contains("chunked"));
        writes && !chunked && !request.headers.contains_key(http::header::CONTENT_LENGTH)
    }
}

/// 411 Length Required with the gateway's HTML page; the connection is closed after it.
#[derive(Debug)]
pub(crate) struct LengthRequired;

impl Respond for LengthRequired {
    fn respond(&self, _request: &Request) -> Reply {
        Reply::new(411)
            .set_body_raw(LENGTH_REQUIRED_PAGE, "text/html; charset=us-ascii")
            .insert_header(http::header::CONNECTION, "close")
    }
}

/// Anything else: the API manager's 404.
#[derive(Debug)]
pub(crate) struct NotFound;

impl Respond for NotFound {
    fn respond(&self, _request: &Request) -> Reply {
        json_response(
            404,
            &json!({ "statusCode": 404, "message": "Resource not found" }),
        )
    }
}

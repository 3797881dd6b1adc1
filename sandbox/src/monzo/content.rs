//! What a client adds to the user's app: feed items, attachments (with the upload storage the
//! upload URL points at) and receipts.

use std::sync::Arc;

use serde_json::json;
use wiremock::Request;

use crate::{Reply, Respond};

use super::routes::{account_param, authorize, empty, json_response, respond_with, MonzoParams};
use super::state::{ApiError, State, Upload, UploadError};
use super::wire::{Attachment, Receipt, ReceiptRequest};
use crate::request::{web_url, Params};
use crate::time::rfc3339;

/// The path prefix of the sandbox's imitation of the upload storage host.
pub(crate) const UPLOADS_PREFIX: &str = "/__uploads/";

fn is_colour(value: &str) -> bool {
    value.len() == 7
        && value.starts_with('#')
        && value.chars().skip(1).all(|c| c.is_ascii_hexdigit())
}

fn is_web_url(value: &str) -> bool {
    web_url(value).is_some()
}

/// Whether `value` can be served back as a `Content-Type`: `type/subtype` made of token
/// characters (RFC 9110 §5.6.2), optionally followed by `;` parameters, and a valid header
/// value as a whole (no control characters, ASCII only).
fn is_media_type(value: &str) -> bool {
    let token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let shaped = essence
        .split_once('/')
        .is_some_and(|(kind, subtype)| token(kind) && token(subtype));
    shaped && http::HeaderValue::from_str(value).is_ok()
}

/// `POST /feed` (form): `account_id`, `type=basic`, `params[title]`, `params[image_url]`
/// required; colours `#RRGGBB`; `url` optional.
#[derive(Debug)]
pub(crate) struct CreateFeedItem {
    pub(crate) state: Arc<State>,
}

impl CreateFeedItem {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            account_param(bank, &form, "account_id")?;
            let feed_type = form.required("type")?;
            if feed_type != "basic" {
                return Err(ApiError::bad_param("type", "only basic is supported"));
            }
            form.required("params[title]")?;
            let image_url = form.required("params[image_url]")?;
            if !is_web_url(image_url) {
                return Err(ApiError::bad_param("params[image_url]", "must be a URL"));
            }
            for colour in ["background_color", "title_color", "body_color"] {
                let name = format!("params[{colour}]");
                if let Some(value) = form.get(&name).filter(|v| !v.is_empty()) {
                    if !is_colour(value) {
                        return Err(ApiError::bad_param(&name, "must be #RRGGBB"));
                    }
                }
            }
            if let Some(url) = form.get("url").filter(|v| !v.is_empty()) {
                if !is_web_url(url) {
                    return Err(ApiError::bad_param("url", "must be a URL"));
                }
            }
            bank.feed_items = bank.feed_items.saturating_add(1);
            Ok(empty())
        })
    }
}

impl Respond for CreateFeedItem {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `POST /attachment/upload` (form `file_name`, `file_type`, `content_length`): a `file_url`
/// and an `upload_url` on this server's upload storage.
#[derive(Debug)]
pub(crate) struct UploadAttachment {
    pub(crate) state: Arc<State>,
}

impl UploadAttachment {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        let base = self.state.ctx().base_url().to_owned();
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let file_name = form.required("file_name")?;
            let file_type = form.required("file_type")?.to_owned();
            if !is_media_type(&file_type) {
                return Err(ApiError::bad_param(
                    "file_type",
                    "must be a media type such as image/png",
                ));
            }
            let content_length = form
                .required("content_length")?
                .parse::<usize>()
                .map_err(|_| ApiError::bad_param("content_length", "must be a number of bytes"))?;
            let safe_name: String = file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut rng = bank.rng();
            let key = format!("{}/{}-{safe_name}", bank.user.id, rng.alnum(20));
            let signature = rng.hex(64);
            bank.announce_upload(
                key.clone(),
                Upload {
                    file_type,
                    content_length,
                    bytes: None,
                },
                now,
            );
            let file_url = format!("{base}{UPLOADS_PREFIX}{key}");
            let upload_url = format!("{file_url}?X-Amz-Expires=3600&X-Amz-Signature={signature}");
            Ok(json_response(
                200,
                &json!({ "file_url": file_url, "upload_url": upload_url }),
            ))
        })
    }
}

impl Respond for UploadAttachment {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `/__uploads/{key}`: the upload storage. `PUT` or `POST` stores the bytes of an announced
/// upload (a `PUT` must send exactly `content_length` bytes; a file larger than all uploads
/// may hold together is 400 `EntityTooLarge`), `GET` serves them back. Uploads expire and are
/// capped (see [`crate::StateLimits`]); a dropped one is 404 `NoSuchKey`, as one never made.
#[derive(Debug)]
pub(crate) struct UploadStorage {
    pub(crate) state: Arc<State>,
}

impl Respond for UploadStorage {
    fn respond(&self, request: &Request) -> Reply {
        let key = request
            .url
            .path()
            .strip_prefix(UPLOADS_PREFIX)
            .unwrap_or_default()
            .to_owned();
        let text = |status: u16, message: &str| {
            Reply::new(status)
                .set_body_raw(message.as_bytes().to_vec(), "text/plain; charset=utf-8")
        };
        let method = request.method.as_str().to_owned();
        let now = self.state.now();
        self.state.with_bank(|bank| match method.as_str() {
            "GET" => match bank.uploads.get(&key) {
                // `file_type` was checked at upload; the fallback keeps the answer's
                // Content-Type valid whatever was stored.
                Some(Upload {
                    file_type,
                    bytes: Some(bytes),
                    ..
                }) => {
                    let content_type = if is_media_type(file_type) {
                        file_type.as_str()
                    } else {
                        "application/octet-stream"
                    };
                    Reply::new(200).set_body_raw(bytes.clone(), content_type)
                }
                _ => text(404, "NoSuchKey"),
            },
            "PUT" | "POST" => {
                match bank.store_upload(&key, request.body.clone(), method == "PUT", now) {
                    Ok(()) => Reply::new(200),
                    Err(UploadError::NoSuchKey) => text(404, "NoSuchKey"),
                    Err(UploadError::WrongLength) => {
                        text(400, "The body does not have the announced content_length")
                    }
                    Err(UploadError::TooLarge) => text(400, "EntityTooLarge"),
                }
            }
            _ if bank.uploads.contains_key(&key) => text(405, "MethodNotAllowed"),
            _ => text(404, "NoSuchKey"),
        })
    }
}

/// `POST /attachment/register` (form `external_id` = transaction id, `file_url`, `file_type`).
#[derive(Debug)]
pub(crate) struct RegisterAttachment {
    pub(crate) state: Arc<State>,
}

impl RegisterAttachment {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let external_id = form.required("external_id")?.to_owned();
            let file_url = form.required("file_url")?.to_owned();
            let file_type = form.required("file_type")?.to_owned();
            if !is_web_url(&file_url) {
                return Err(ApiError::bad_param("file_url", "must be a URL"));
            }
            if !bank.transactions.contains(&external_id) {
                return Err(ApiError::bad_param("external_id", "no such transaction"));
            }
            let attachment = Attachment {
                id: bank.new_id("attach"),
                user_id: bank.user.id.clone(),
                external_id,
                file_url,
                file_type,
                created: rfc3339(now),
            };
            if !bank.register_attachment(attachment.clone()) {
                return Err(ApiError::bad_param("external_id", "no such transaction"));
            }
            Ok(json_response(200, &json!({ "attachment": attachment })))
        })
    }
}

impl Respond for RegisterAttachment {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `POST /attachment/deregister` (form `id`).
#[derive(Debug)]
pub(crate) struct DeregisterAttachment {
    pub(crate) state: Arc<State>,
}

impl DeregisterAttachment {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let id = form.required("id")?;
            if bank.deregister_attachment(id) {
                Ok(empty())
            } else {
                Err(ApiError::not_found("attachment"))
            }
        })
    }
}

impl Respond for DeregisterAttachment {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `PUT /transaction-receipts` (JSON): creates or, for a known `external_id`, replaces a
/// receipt; answers `{"receipt_id": …}`.
#[derive(Debug)]
pub(crate) struct PutReceipt {
    pub(crate) state: Arc<State>,
}

impl PutReceipt {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let now = self.state.now();
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let body: ReceiptRequest = serde_json::from_slice(&request.body).map_err(|error| {
                ApiError::new(
                    400,
                    "bad_request.invalid_body",
                    format!("The body must be a JSON receipt: {error}"),
                )
            })?;
            if body.external_id.is_empty() {
                return Err(ApiError::missing_param("external_id"));
            }
            if !bank.transactions.contains(&body.transaction_id) {
                return Err(ApiError::bad_param("transaction_id", "no such transaction"));
            }
            if body.total <= 0 {
                return Err(ApiError::bad_param(
                    "total",
                    "must be a positive amount in minor units",
                ));
            }
            if body.currency.len() != 3 {
                return Err(ApiError::bad_param("currency", "must be an ISO 4217 code"));
            }
            if body.items.is_empty() {
                return Err(ApiError::missing_param("items"));
            }
            if body
                .items
                .iter()
                .flat_map(|item| &item.sub_items)
                .any(|sub| !sub.sub_items.is_empty())
            {
                return Err(ApiError::bad_param(
                    "items",
                    "sub_items nest one level only",
                ));
            }
            let existing = bank
                .receipts
                .get(&body.external_id)
                .map(|r| (r.id.clone(), r.proof_of_purchase_id.clone()));
            let (id, proof_of_purchase_id) = match existing {
                Some(ids) => ids,
                None => (bank.new_id("receipt"), bank.new_id("proofofpurchase")),
            };
            let receipt = Receipt {
                id: id.clone(),
                external_id: body.external_id,
                transaction_id: body.transaction_id,
                total: body.total,
                currency: body.currency,
                items: body.items,
                taxes: body.taxes,
                payments: body.payments,
                merchant: body.merchant.unwrap_or_default(),
                proof_of_purchase_id,
                barcode: None,
            };
            bank.put_receipt(receipt);
            Ok(json_response(200, &json!({ "receipt_id": id })))
        })
    }
}

impl Respond for PutReceipt {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}

/// `GET /transaction-receipts?external_id=`.
#[derive(Debug)]
pub(crate) struct GetReceipt {
    pub(crate) state: Arc<State>,
}

impl Respond for GetReceipt {
    fn respond(&self, request: &Request) -> Reply {
        let params = Params::query(request);
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let external_id = params.required("external_id")?;
            let receipt = bank
                .receipts
                .get(external_id)
                .ok_or_else(|| ApiError::not_found("receipt"))?;
            Ok(json_response(200, &json!({ "receipt": receipt })))
        }))
    }
}

/// `DELETE /transaction-receipts` with `external_id` in the query or a form body.
#[derive(Debug)]
pub(crate) struct DeleteReceipt {
    pub(crate) state: Arc<State>,
}

impl Respond for DeleteReceipt {
    fn respond(&self, request: &Request) -> Reply {
        let query = Params::query(request);
        let form = Params::form(request);
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let external_id = query
                .required("external_id")
                .or_else(|_| form.required("external_id"))?;
            bank.receipts
                .remove(external_id)
                .ok_or_else(|| ApiError::not_found("receipt"))?;
            Ok(empty())
        }))
    }
}

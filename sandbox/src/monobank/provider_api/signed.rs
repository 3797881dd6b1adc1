//! Signed provider-API requests: reading `X-Key-Id`, `X-Time`, `X-Request-Id`, `X-Sign` (and
//! the older `X-Permissions`), and checking them in a fixed order.
//!
//! 1. Every header the route needs is present and not empty, else 400 `Missing required
//!    header '<name>'`; `X-Time` is whole Unix seconds, else 400 `Invalid 'X-Time': expected
//!    Unix seconds`.
//! 2. `X-Key-Id` names a registered company (403 `Unknown 'X-Key-Id'`) whose registration is
//!    approved (403 `Key is not approved, check 'X-Key-Id'`).
//! 3. `X-Time` is within the tolerance of the sandbox clock, either way (403 `Request time is
//!    out of range, check 'X-Time'`).
//! 4. `X-Sign` is the company key's signature of the route's string (403 `Invalid signature,
//!    check 'X-Sign'`): base64 of a raw 64-byte `r‖s`, ECDSA secp256k1 over SHA-256.
//!
//! The signed "URL" is the request's path without the query string, as sent.

use k256::ecdsa::VerifyingKey;
use wiremock::Request;

use crate::monobank::keys;
use crate::monobank::state::ApiError;

pub(crate) const INVALID_TIME: &str = "Invalid 'X-Time': expected Unix seconds";
pub(crate) const TIME_OUT_OF_RANGE: &str = "Request time is out of range, check 'X-Time'";
pub(crate) const INVALID_SIGN: &str = "Invalid signature, check 'X-Sign'";
pub(crate) const UNKNOWN_KEY_ID: &str = "Unknown 'X-Key-Id'";
pub(crate) const KEY_NOT_APPROVED: &str = "Key is not approved, check 'X-Key-Id'";

/// What a route signs, besides `X-Time` first and the path last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `X-Time + path`; `X-Request-Id` required (any value) but not signed: corp settings and
    /// corp webhook.
    TimeAndPath,
    /// `X-Time + X-Permissions + path` when `X-Permissions` is sent (the older form), else
    /// `X-Time + path`: creating an access request.
    AccessRequest,
    /// `X-Time + X-Request-Id + path`: checking an access request, client info, statement.
    WithRequestId,
}

/// What a verified request showed.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    /// The company's key id.
    pub(crate) key_id: String,
    /// `X-Request-Id` (always present for [`Scheme::TimeAndPath`] and
    /// [`Scheme::WithRequestId`]).
    pub(crate) request_id: Option<String>,
    /// `X-Permissions` (only read for [`Scheme::AccessRequest`]).
    pub(crate) permissions: Option<String>,
}

/// A header's value: 400 when absent or empty, or not visible ASCII.
pub(crate) fn required<'a>(request: &'a Request, name: &str) -> Result<&'a str, ApiError> {
    match request.headers.get(name) {
        None => Err(missing(name)),
        Some(value) => match value.to_str() {
            Ok(text) if !text.trim().is_empty() => Ok(text),
            Ok(_) => Err(missing(name)),
            Err(_) => Err(ApiError::new(400, format!("Invalid header '{name}'"))),
        },
    }
}

/// A header's value if present (empty counts as absent); 400 when not visible ASCII.
pub(crate) fn optional<'a>(request: &'a Request, name: &str) -> Result<Option<&'a str>, ApiError> {
    match required(request, name) {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.status == 400 && error.description.starts_with("Missing") => Ok(None),
        Err(error) => Err(error),
    }
}

fn missing(name: &str) -> ApiError {
    ApiError::new(400, format!("Missing required header '{name}'"))
}

/// `X-Time` as sent (what is signed) and as a number.
pub(crate) fn read_time(request: &Request) -> Result<(&str, i64), ApiError> {
    let text = required(request, "X-Time")?;
    let seconds = text
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::new(400, INVALID_TIME))?;
    Ok((text, seconds))
}

/// 403 unless `time` is within `tolerance` seconds of `now`.
pub(crate) fn check_time(time: i64, now: i64, tolerance: i64) -> Result<(), ApiError> {
    if now.abs_diff(time) > tolerance.unsigned_abs() {
        return Err(ApiError::new(403, TIME_OUT_OF_RANGE));
    }
    Ok(())
}

/// 403 unless `x_sign` is `key`'s signature of `message`.
pub(crate) fn check_sign(key: &VerifyingKey, message: &str, x_sign: &str) -> Result<(), ApiError> {
    if keys::verify_base64(key, message.as_bytes(), x_sign) {
        Ok(())
    } else {
        Err(ApiError::new(403, INVALID_SIGN))
    }
}

/// The headers of a company-signed request, read (step 1 of the module docs).
#[derive(Debug)]
pub(crate) struct SignedHeaders<'a> {
    pub(crate) key_id: &'a str,
    time_text: &'a str,
    pub(crate) time: i64,
    sign: &'a str,
    request_id: Option<&'a str>,
    permissions: Option<&'a str>,
    scheme: Scheme,
}

impl<'a> SignedHeaders<'a> {
    /// Reads the headers `scheme` needs.
    pub(crate) fn read(request: &'a Request, scheme: Scheme) -> Result<Self, ApiError> {
        let key_id = required(request, "X-Key-Id")?;
        let (time_text, time) = read_time(request)?;
        let request_id = match scheme {
            Scheme::AccessRequest => None,
            Scheme::TimeAndPath | Scheme::WithRequestId => Some(required(request, "X-Request-Id")?),
        };
        let permissions = match scheme {
            Scheme::AccessRequest => optional(request, "X-Permissions")?,
            Scheme::TimeAndPath | Scheme::WithRequestId => None,
        };
        let sign = required(request, "X-Sign")?;
        Ok(SignedHeaders {
            key_id: key_id.trim(),
            time_text,
            time,
            sign,
            request_id,
            permissions,
            scheme,
        })
    }

    /// The string the company signed for `path`.
    pub(crate) fn message(&self, path: &str) -> String {
        match (self.scheme, self.permissions, self.request_id) {
            (Scheme::AccessRequest, Some(permissions), _) => {
                format!("{}{permissions}{path}", self.time_text)
            }
            (Scheme::WithRequestId, _, Some(request_id)) => {
                format!("{}{request_id}{path}", self.time_text)
            }
            _ => format!("{}{path}", self.time_text),
        }
    }

    /// Checks the time and the signature with the company's `key` (steps 3 and 4).
    pub(crate) fn verify(
        &self,
        key: &VerifyingKey,
        path: &str,
        now: i64,
        tolerance: i64,
    ) -> Result<Verified, ApiError> {
        check_time(self.time, now, tolerance)?;
        check_sign(key, &self.message(path), self.sign)?;
        Ok(Verified {
            key_id: self.key_id.to_owned(),
            request_id: self.request_id.map(str::to_owned),
            permissions: self.permissions.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        Request {
            url: url::Url::parse("http://localhost/personal/auth/request?x=1").unwrap(),
            method: http::Method::GET,
            headers: map,
            body: Vec::new(),
        }
    }

    #[test]
    fn each_scheme_signs_its_own_string() {
        let base = [
            ("X-Key-Id", "k"),
            ("X-Time", "1700000000"),
            ("X-Request-Id", "rid"),
            ("X-Permissions", "ps"),
            ("X-Sign", "s"),
        ];
        let request = request(&base);
        let path = request.url.path();
        let message = |scheme| SignedHeaders::read(&request, scheme).unwrap().message(path);
        assert_eq!(
            message(Scheme::TimeAndPath),
            "1700000000/personal/auth/request"
        );
        assert_eq!(
            message(Scheme::WithRequestId),
            "1700000000rid/personal/auth/request"
        );
        assert_eq!(
            message(Scheme::AccessRequest),
            "1700000000ps/personal/auth/request"
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_400() {
        let no_time = request(&[("X-Key-Id", "k"), ("X-Sign", "s")]);
        let error = SignedHeaders::read(&no_time, Scheme::AccessRequest).unwrap_err();
        assert_eq!(
            error,
            ApiError::new(400, "Missing required header 'X-Time'")
        );
        let bad_time = request(&[("X-Key-Id", "k"), ("X-Time", "soon"), ("X-Sign", "s")]);
        let error = SignedHeaders::read(&bad_time, Scheme::AccessRequest).unwrap_err();
        assert_eq!(error, ApiError::new(400, INVALID_TIME));
        let no_request_id = request(&[("X-Key-Id", "k"), ("X-Time", "1"), ("X-Sign", "s")]);
        let error = SignedHeaders::read(&no_request_id, Scheme::WithRequestId).unwrap_err();
        assert_eq!(error.description, "Missing required header 'X-Request-Id'");
    }

    #[test]
    fn the_time_window_is_symmetric() {
        assert!(check_time(1_000, 1_300, 300).is_ok());
        assert!(check_time(1_600, 1_300, 300).is_ok());
        assert_eq!(
            check_time(999, 1_300, 300).unwrap_err(),
            ApiError::new(403, TIME_OUT_OF_RANGE)
        );
        assert!(check_time(1_601, 1_300, 300).is_err());
        assert!(check_time(i64::MIN, i64::MAX, 300).is_err());
    }
}

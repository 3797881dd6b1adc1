//! MoMo callbacks (momo.md B12): the callback URL bankkit sends, and how a received
//! callback is read and confirmed.
//!
//! Callbacks are sent (PUT, sometimes POST) to the `X-Callback-Url` of each create when the
//! transaction is final, with the same JSON as the status answer — but without the
//! reference id, and unsigned. So bankkit adds the payment id to the URL it sends
//! (`?bankkit_payment=requesttopay:<uuid>`), and confirms a callback by re-reading that
//! payment's status from MoMo ([`crate::MomoProvider`]'s `verify_and_parse`).

use bankkit_core::{Error, PaymentDetails, Result, WebhookRequest};
use url::Url;

use crate::convert::status_text;
use crate::ids::PaymentRef;
use crate::wire::Callback;

/// The query parameter that carries the payment id in callback URLs.
pub const PAYMENT_PARAMETER: &str = "bankkit_payment";

/// Checks a callback URL: absolute http(s) with a host.
///
/// # Errors
/// [`Error::InvalidRequest`] otherwise.
pub(crate) fn check_url(url: &str) -> Result<Url> {
    let parsed =
        Url::parse(url).map_err(|e| Error::invalid(format!("callback URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid(format!(
            "callback URL {url:?} must be an http(s) URL with a host (MoMo's \
             providerCallbackHost)"
        )));
    }
    Ok(parsed)
}

/// `url` with `bankkit_payment=<id>` added (any earlier one replaced).
///
/// # Errors
/// As [`check_url`].
pub(crate) fn callback_url(url: &str, id: &PaymentRef) -> Result<String> {
    let mut parsed = check_url(url)?;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != PAYMENT_PARAMETER)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.set_query(None);
    {
        let mut pairs = parsed.query_pairs_mut();
        for (k, v) in &kept {
            pairs.append_pair(k, v);
        }
        pairs.append_pair(PAYMENT_PARAMETER, &id.to_string());
    }
    Ok(parsed.to_string())
}

/// The payment a callback names and its body.
///
/// # Errors
/// [`Error::Signature`] when the URI names no MoMo payment; [`Error::Decode`] for a body
/// that is not a status.
pub(crate) fn read(request: &WebhookRequest<'_>) -> Result<(PaymentRef, Callback)> {
    let named = request
        .query_param(PAYMENT_PARAMETER)
        .ok_or_else(|| Error::Signature {
            message: format!(
                "the callback URI has no {PAYMENT_PARAMETER} parameter, so it cannot be \
                 confirmed (pass the request's path and query with WebhookRequest::with_uri)"
            ),
        })?;
    let id: PaymentRef = named.parse().map_err(|_| Error::Signature {
        message: format!("{PAYMENT_PARAMETER}={named:?} is not a MoMo payment id"),
    })?;
    let body: Callback =
        serde_json::from_slice(request.body).map_err(|e| Error::decode("MoMo callback", e))?;
    Ok((id, body))
}

/// Checks the callback body against the status just read from MoMo.
///
/// # Errors
/// [`Error::Signature`] when status, amount or currency disagree, or the body has no
/// amount.
pub(crate) fn confirm(body: &Callback, current: &PaymentDetails) -> Result<()> {
    let said = status_text(&body.status);
    if said != current.provider_status {
        return Err(Error::Signature {
            message: format!(
                "the callback says {said} but MoMo reports {} for {}",
                current.provider_status, current.id
            ),
        });
    }
    let Some(amount) = body.amount else {
        return Err(Error::Signature {
            message: "the callback has no amount".to_owned(),
        });
    };
    if amount != current.amount.amount() {
        return Err(Error::Signature {
            message: format!(
                "the callback says {amount} but MoMo reports {} for {}",
                current.amount, current.id
            ),
        });
    }
    if let Some(currency) = &body.currency {
        if currency != current.amount.currency().code() {
            return Err(Error::Signature {
                message: format!(
                    "the callback says {currency} but MoMo reports {}",
                    current.amount.currency().code()
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use bankkit_core::money::{currency_from_code, Money};
    use bankkit_core::PaymentStatus;

    use super::*;
    use crate::ids::{PaymentResource, ReferenceId};
    use crate::wire::TransactionStatus;

    fn id() -> PaymentRef {
        PaymentRef::new(
            PaymentResource::RequestToPay,
            ReferenceId::parse("3f0c2a9e-1b7d-4c3e-9f00-1234567890ab").unwrap(),
        )
    }

    #[test]
    fn callback_urls_carry_the_payment_id_and_keep_other_parameters() {
        let url = callback_url(
            "https://shop.example/momo/hook?x=1&bankkit_payment=old",
            &id(),
        )
        .unwrap();
        assert!(url.starts_with("https://shop.example/momo/hook?x=1&bankkit_payment="));
        let headers = http::HeaderMap::new();
        let path = &url["https://shop.example".len()..];
        let request = WebhookRequest::new(&headers, b"{}").with_uri(path);
        assert_eq!(
            request.query_param(PAYMENT_PARAMETER).unwrap(),
            id().to_string()
        );
        assert!(callback_url("not a url", &id()).is_err());
        assert!(callback_url("ftp://x.example/", &id()).is_err());
    }

    #[test]
    fn callbacks_without_a_payment_id_are_refused() {
        let headers = http::HeaderMap::new();
        let body = br#"{"amount":"5","currency":"EUR","status":"SUCCESSFUL"}"#;
        let err = read(&WebhookRequest::new(&headers, body).with_uri("/hook")).unwrap_err();
        assert!(matches!(err, Error::Signature { .. }), "{err:?}");
        let err = read(&WebhookRequest::new(&headers, body).with_uri("/hook?bankkit_payment=x"))
            .unwrap_err();
        assert!(matches!(err, Error::Signature { .. }), "{err:?}");
        let uri = format!("/hook?bankkit_payment={}", id());
        let err = read(&WebhookRequest::new(&headers, b"<html>").with_uri(&uri)).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }

    #[test]
    fn callbacks_must_agree_with_the_re_read_status() {
        let eur = currency_from_code("EUR").unwrap();
        let current = PaymentDetails::new(
            id().payment_id(),
            PaymentStatus::Succeeded,
            "SUCCESSFUL",
            Money::parse("15.50", eur).unwrap(),
        );
        let body = |status: &str, amount: &str| -> Callback {
            serde_json::from_str(&format!(
                r#"{{"amount":"{amount}","currency":"EUR","status":"{status}"}}"#
            ))
            .unwrap()
        };
        assert!(confirm(&body("SUCCESSFUL", "15.5"), &current).is_ok());
        assert!(confirm(&body("FAILED", "15.50"), &current).is_err());
        assert!(confirm(&body("SUCCESSFUL", "1500"), &current).is_err());
        let mut no_amount = body("SUCCESSFUL", "1");
        no_amount.amount = None;
        assert!(confirm(&no_amount, &current).is_err());
        assert_eq!(no_amount.status, TransactionStatus::Successful);
    }
}

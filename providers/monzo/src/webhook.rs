//! What Monzo sends to a webhook receiver, and the secret that stands in for a signature.
//!
//! Monzo does not sign webhook deliveries (monzo.md A6; monzo/docs#50, where maintainers
//! suggest a secret in the URL). So when a `webhook_secret` is configured,
//! [`crate::MonzoProvider`] registers `url?secret=<secret>` (`&secret=` when the URL has a
//! query already) and accepts only deliveries whose URI carries that secret, compared in
//! constant time. Without a secret nothing can be verified, and `verify_and_parse` refuses.

use bankkit_core::secret::{ExposeSecret, SecretString};
use bankkit_core::{AccountId, Error, Result, WebhookEvent, WebhookRequest};
use subtle::ConstantTimeEq;

use crate::convert;
use crate::wire;

/// The query parameter carrying the webhook secret.
pub const SECRET_PARAMETER: &str = "secret";

/// The only event type Monzo documents.
pub const TRANSACTION_CREATED: &str = "transaction.created";

/// The suffix `register` appends: `?secret=…` or `&secret=…`.
fn suffix(url: &str, secret: &SecretString) -> String {
    let encoded: String =
        url::form_urlencoded::byte_serialize(secret.expose_secret().as_bytes()).collect();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{separator}{SECRET_PARAMETER}={encoded}")
}

/// `url` with the secret appended.
///
/// # Errors
/// [`Error::InvalidRequest`] for a URL with a fragment (the query must come last).
pub(crate) fn with_secret(url: &str, secret: &SecretString) -> Result<String> {
    if url.contains('#') {
        return Err(Error::invalid(
            "a webhook URL must not have a fragment (#…): the secret goes into its query",
        ));
    }
    Ok(format!("{url}{}", suffix(url, secret)))
}

/// `url` without the secret `with_secret` appended (unchanged when it has none), so that
/// registrations never show the secret.
pub(crate) fn without_secret(url: &str, secret: Option<&SecretString>) -> String {
    let Some(secret) = secret else {
        return url.to_owned();
    };
    for separator in ['?', '&'] {
        let encoded: String =
            url::form_urlencoded::byte_serialize(secret.expose_secret().as_bytes()).collect();
        let tail = format!("{separator}{SECRET_PARAMETER}={encoded}");
        if let Some(stripped) = url.strip_suffix(&tail) {
            return stripped.to_owned();
        }
    }
    url.to_owned()
}

/// Checks the secret in the request's query.
///
/// # Errors
/// [`Error::Signature`] when no secret is configured, the URI is unknown, or the secret is
/// missing or wrong.
pub(crate) fn verify(request: &WebhookRequest<'_>, secret: Option<&SecretString>) -> Result<()> {
    let Some(secret) = secret else {
        return Err(Error::Signature {
            message: "Monzo does not sign webhooks, so a delivery can only be verified by a \
                      secret in its URL: set `webhook_secret` in the Monzo config (or \
                      MonzoProvider::with_webhook_secret) and register the webhook again"
                .to_owned(),
        });
    };
    if request.uri.is_none() {
        return Err(Error::Signature {
            message: "the request URI is needed to check the webhook secret \
                      (WebhookRequest::with_uri)"
                .to_owned(),
        });
    }
    let given = request.query_param(SECRET_PARAMETER).unwrap_or_default();
    let expected = secret.expose_secret().as_bytes();
    if bool::from(given.as_bytes().ct_eq(expected)) {
        Ok(())
    } else {
        Err(Error::Signature {
            message: "the webhook secret in the request URL is missing or wrong".to_owned(),
        })
    }
}

/// Reads a delivery body: `transaction.created` becomes a transaction event, anything
/// else is kept as [`WebhookEvent::Other`].
///
/// # Errors
/// [`Error::Decode`] for a body that is not a Monzo event, or a `transaction.created`
/// whose `data` is not a transaction.
pub(crate) fn parse(body: &[u8]) -> Result<WebhookEvent> {
    let event: wire::WebhookEvent =
        serde_json::from_slice(body).map_err(|e| Error::decode("Monzo webhook event", e))?;
    if event.event_type != TRANSACTION_CREATED {
        let body = serde_json::from_slice(body).map_err(|e| Error::decode("webhook body", e))?;
        return Ok(WebhookEvent::Other {
            event_type: event.event_type,
            body,
        });
    }
    let transaction: wire::Transaction = serde_json::from_value(event.data)
        .map_err(|e| Error::decode("Monzo webhook transaction", e))?;
    let fallback = AccountId::new("");
    let transaction = convert::transaction(&transaction, &fallback)?;
    Ok(WebhookEvent::Transaction {
        account_id: transaction.account_id.clone(),
        transaction,
    })
}

#[cfg(test)]
mod tests {
    use bankkit_core::secret::secret;
    use bankkit_core::TransactionStatus;
    use http::HeaderMap;

    use super::*;

    /// The event from monzo.md A6.
    const CREATED: &str = r#"{"type":"transaction.created",
 "data":{"account_id":"acc_0001","amount":-350,"created":"2024-05-01T08:00:00Z","currency":"GBP",
         "description":"COFFEE SHOP","id":"tx_0001","category":"eating_out","is_load":false,
         "settled":"","merchant":{"id":"merch_01","group_id":"grp_01","name":"Coffee Shop",
         "category":"eating_out","created":"2020-01-01T00:00:00Z","logo":"","emoji":"☕",
         "address":{"address":"1 High St","city":"London","country":"GB","latitude":51.5,
                    "longitude":-0.1,"postcode":"N1 1AA","region":"Greater London"}}}}"#;

    #[test]
    fn the_secret_is_appended_with_the_right_separator_and_stripped_again() {
        let s = secret("s3cr/t+1");
        let plain = with_secret("https://example.org/hook", &s).unwrap();
        assert_eq!(plain, "https://example.org/hook?secret=s3cr%2Ft%2B1");
        let query = with_secret("https://example.org/hook?user=7", &s).unwrap();
        assert_eq!(query, "https://example.org/hook?user=7&secret=s3cr%2Ft%2B1");
        assert_eq!(without_secret(&plain, Some(&s)), "https://example.org/hook");
        assert_eq!(
            without_secret(&query, Some(&s)),
            "https://example.org/hook?user=7"
        );
        assert_eq!(without_secret(&plain, None), plain);
        assert!(with_secret("https://example.org/#x", &s).is_err());
    }

    #[test]
    fn only_the_configured_secret_verifies() {
        let headers = HeaderMap::new();
        let s = secret("s3cr/t+1");
        let good = WebhookRequest::new(&headers, b"{}").with_uri("/hook?secret=s3cr%2Ft%2B1");
        assert!(verify(&good, Some(&s)).is_ok());
        for uri in [
            "/hook?secret=wrong",
            "/hook",
            "/hook?secret=",
            "/hook?secret=s3cr%2Ft%2B",
        ] {
            let bad = WebhookRequest::new(&headers, b"{}").with_uri(uri);
            assert!(
                matches!(verify(&bad, Some(&s)), Err(Error::Signature { .. })),
                "{uri}"
            );
        }
        let no_uri = WebhookRequest::new(&headers, b"{}");
        assert!(matches!(
            verify(&no_uri, Some(&s)),
            Err(Error::Signature { .. })
        ));
        let unconfigured = verify(&good, None).unwrap_err();
        assert!(
            unconfigured.to_string().contains("webhook_secret"),
            "{unconfigured}"
        );
        assert!(!format!("{unconfigured:?}").contains("s3cr"));
    }

    #[test]
    fn transaction_created_becomes_a_pending_transaction_event() {
        let WebhookEvent::Transaction {
            account_id,
            transaction,
        } = parse(CREATED.as_bytes()).unwrap()
        else {
            panic!("not a transaction event");
        };
        assert_eq!(account_id, "acc_0001");
        assert_eq!(transaction.id, "tx_0001");
        assert_eq!(transaction.status, TransactionStatus::Pending);
        assert_eq!(transaction.amount.to_minor().unwrap(), 350);
    }

    #[test]
    fn other_event_types_are_kept() {
        let event = parse(br#"{"type":"pot.updated","data":{"id":"pot_1"}}"#).unwrap();
        assert!(
            matches!(event, WebhookEvent::Other { ref event_type, ref body } if event_type == "pot.updated" && body["data"]["id"] == "pot_1"),
            "{event:?}"
        );
        assert!(matches!(parse(b"not json"), Err(Error::Decode { .. })));
    }
}

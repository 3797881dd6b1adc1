//! What Monzo sends to a webhook receiver, and the secret that stands in for a signature.
//!
//! Monzo does not sign webhook deliveries (monzo.md A6; monzo/docs#50, where maintainers
//! suggest a secret in the URL). So when a `webhook_secret` is configured,
//! [`crate::MonzoProvider`] registers `url?secret=<secret>` (`&secret=` when the URL has a
//! query already) and accepts only deliveries whose URI carries that secret, compared in
//! constant time. Without a secret nothing can be verified, and `verify_and_parse` refuses;
//! an empty or blank secret counts as none. Registrations read back from Monzo are shown
//! without any `secret` query pair, whatever its value.

use bankkit_core::secret::{ExposeSecret, SecretString};
use bankkit_core::{Error, Result, WebhookEvent, WebhookRequest};
use subtle::ConstantTimeEq;
use url::Url;

use crate::convert;
use crate::wire;

/// The query parameter carrying the webhook secret.
pub const SECRET_PARAMETER: &str = "secret";

/// The only event type Monzo documents.
pub const TRANSACTION_CREATED: &str = "transaction.created";

/// The configured secret, unless it is empty or blank: such a secret is no secret (it
/// would let through every delivery that carries `secret=` or none at all), so it counts as
/// not configured.
pub(crate) fn usable(secret: Option<&SecretString>) -> Option<&SecretString> {
    secret.filter(|s| !s.expose_secret().trim().is_empty())
}

/// `url` with `secret=<secret>` appended to its query (form-encoded; any `secret` pair it
/// had before is replaced).
///
/// # Errors
/// [`Error::InvalidRequest`] for text that is not an absolute URL, or a URL with a
/// fragment (the query must come last).
pub(crate) fn with_secret(url: &str, secret: &SecretString) -> Result<String> {
    let mut parsed = Url::parse(url)
        .map_err(|e| Error::invalid(format!("the webhook URL is not an absolute URL: {e}")))?;
    if parsed.fragment().is_some() {
        return Err(Error::invalid(
            "a webhook URL must not have a fragment (#…): the secret goes into its query",
        ));
    }
    strip_secret(&mut parsed);
    parsed
        .query_pairs_mut()
        .append_pair(SECRET_PARAMETER, secret.expose_secret());
    Ok(parsed.into())
}

/// Removes every `secret` pair from the query (dropping the query when nothing is left);
/// whether it removed any.
fn strip_secret(url: &mut Url) -> bool {
    if !url.query_pairs().any(|(k, _)| k == SECRET_PARAMETER) {
        return false;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != SECRET_PARAMETER)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    true
}

/// `url` without any `secret` query pair, whatever its value (so that registrations made
/// with an older secret, or by other code, never show one). Text that is not a URL is
/// returned unchanged, and so is a URL without a `secret` pair.
pub(crate) fn without_secret(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_owned();
    };
    if strip_secret(&mut parsed) {
        parsed.into()
    } else {
        url.to_owned()
    }
}

/// Checks the secret in the request's query.
///
/// # Errors
/// [`Error::Signature`] when no secret is configured (an empty or blank one counts as none),
/// the URI is unknown, or the secret is missing or wrong.
pub(crate) fn verify(request: &WebhookRequest<'_>, secret: Option<&SecretString>) -> Result<()> {
    let Some(secret) = usable(secret) else {
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
    let Some(given) = request.query_param(SECRET_PARAMETER) else {
        return Err(Error::Signature {
            message: "the request URL has no webhook secret".to_owned(),
        });
    };
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
/// whose `data` is not a transaction or has no `account_id`.
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
    let account = match &transaction.account_id {
        Some(account) if !account.as_str().is_empty() => account.clone(),
        _ => {
            return Err(Error::decode(
                "Monzo webhook transaction",
                "a transaction.created event without account_id",
            ))
        }
    };
    let transaction = convert::transaction(&transaction, &account)?;
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
        assert_eq!(without_secret(&plain), "https://example.org/hook");
        assert_eq!(without_secret(&query), "https://example.org/hook?user=7");
        // Stripping no longer depends on a configured secret: any `secret` pair goes.
        assert!(!without_secret(&plain).contains("secret"));
        assert!(with_secret("https://example.org/#x", &s).is_err());
    }

    #[test]
    fn any_secret_pair_is_stripped_whatever_its_value() {
        for (registered, shown) in [
            (
                "https://example.org/hook?secret=an-old-one",
                "https://example.org/hook",
            ),
            (
                "https://example.org/hook?secret=old&user=7&secret=older",
                "https://example.org/hook?user=7",
            ),
            (
                "https://example.org/hook?user=7&secret=a%2Fb",
                "https://example.org/hook?user=7",
            ),
            (
                "https://example.org/hook?user=7",
                "https://example.org/hook?user=7",
            ),
            ("not a url", "not a url"),
        ] {
            assert_eq!(without_secret(registered), shown, "{registered}");
        }
    }

    #[test]
    fn appending_replaces_a_secret_the_url_already_had() {
        let url =
            with_secret("https://example.org/hook?secret=old&user=7", &secret("new")).unwrap();
        assert_eq!(url, "https://example.org/hook?user=7&secret=new");
        assert!(matches!(
            with_secret("/relative/hook", &secret("new")),
            Err(Error::InvalidRequest { .. })
        ));
    }

    #[test]
    fn an_empty_or_blank_secret_verifies_nothing() {
        let headers = HeaderMap::new();
        for configured in ["", "   "] {
            let configured = secret(configured);
            for uri in [
                "/hook?secret=",
                "/hook",
                "/hook?secret=%20%20%20",
                "/hook?other=1",
            ] {
                let request = WebhookRequest::new(&headers, b"{}").with_uri(uri);
                let error = verify(&request, Some(&configured)).unwrap_err();
                assert!(matches!(error, Error::Signature { .. }), "{uri}: {error:?}");
                assert!(error.to_string().contains("webhook_secret"), "{error}");
            }
        }
    }

    #[test]
    fn a_missing_secret_parameter_fails_verification() {
        let headers = HeaderMap::new();
        let request = WebhookRequest::new(&headers, b"{}").with_uri("/hook?user=7");
        let error = verify(&request, Some(&secret("s3cr/t+1"))).unwrap_err();
        assert!(matches!(error, Error::Signature { .. }), "{error:?}");
        assert!(error.to_string().contains("no webhook secret"), "{error}");
    }

    #[test]
    fn transaction_created_without_account_id_is_a_decode_error() {
        let mut event: serde_json::Value = serde_json::from_str(CREATED).unwrap();
        event["data"].as_object_mut().unwrap().remove("account_id");
        let error = parse(event.to_string().as_bytes()).unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
        event["data"]["account_id"] = serde_json::json!("");
        let error = parse(event.to_string().as_bytes()).unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
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

//! What the bank POSTs to a webhook: the personal API's (monobank.md §9.1, below) and the
//! acquiring API's (§9.3: [`MerchantWebhookVerifier`], [`MerchantPublicKey`],
//! [`current_status`]).
//!
//! **Personal webhooks.**
//! The body is `{"type": "StatementItem", "data": {"account": "...", "statementItem":
//! {...}}}`. The personal API documents **no signature**. Third parties report an `X-Sign`
//! header (secp256k1 over the body, key from `/bank/sync`), but it is unconfirmed, so this
//! crate does not rely on it. What can be checked is done by
//! [`crate::MonobankProvider`]: the event must name one of the token's own accounts. That
//! stops events for accounts the receiver never had, not a forger who knows an account id;
//! put a hard-to-guess secret path segment in the webhook URL
//! (`https://example.org/hooks/monobank/<random>`) and reject requests to other paths.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bankkit_core::{Error, Result};
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;

use crate::client::MonobankClient;
use crate::wire::acquiring::InvoiceStatus;
use crate::wire::{StatementItemEvent, WebhookBody};

/// The only event type the bank documents.
pub(crate) const STATEMENT_ITEM: &str = "StatementItem";

/// Reads a webhook body strictly: valid JSON, `type` `"StatementItem"`, `data` with an
/// account and a whole statement item.
///
/// # Errors
/// [`Error::Decode`] for anything else (including another event type: the body cannot be
/// checked against the token's accounts, so it is not passed on).
pub(crate) fn parse(body: &[u8]) -> Result<StatementItemEvent> {
    let envelope: WebhookBody =
        serde_json::from_slice(body).map_err(|e| Error::decode("Monobank webhook body", e))?;
    if envelope.event_type != STATEMENT_ITEM {
        return Err(Error::decode(
            "Monobank webhook body",
            format!(
                "unknown event type {:?} (only {STATEMENT_ITEM:?} is documented)",
                envelope.event_type
            ),
        ));
    }
    let event: StatementItemEvent = serde_json::from_value(envelope.data)
        .map_err(|e| Error::decode("Monobank webhook StatementItem data", e))?;
    if event.account.is_empty() {
        return Err(Error::decode(
            "Monobank webhook StatementItem data",
            "empty account",
        ));
    }
    Ok(event)
}

/// The header carrying an acquiring webhook's signature.
pub const X_SIGN: &str = "x-sign";

/// Standard base64, padding optional (header values and keys are read leniently on
/// padding, strictly on the alphabet).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The public key acquiring webhooks are signed with: ECDSA on P-256, from
/// `GET /api/merchant/pubkey` (base64 of a PEM `PUBLIC KEY`).
///
/// ```
/// use bankkit_monobank::MerchantPublicKey;
///
/// // The example key of the bank's documentation.
/// let key = MerchantPublicKey::from_base64_pem(
///     "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFQUc1LzZ3NnZubGJZb0ZmRHlYWE4vS29CbVVjTgo3NWJSUWg4MFBhaEdldnJoanFCQnI3OXNSS0JSbnpHODFUZVQ5OEFOakU1c0R3RmZ5Znhub0ZJcmZBPT0KLS0tLS1FTkQgUFVCTElDIEtFWS0tLS0tCg==",
/// )?;
/// assert!(key.verify("MEUCIQC/mVKhi8FKoayul2Mim3E2oaIOCNJk5dEXxTqbkeJSOQIgOM0hsW0qcP2H8iXy1aQYpmY0SJWEaWur7nQXlKDCFxA=", b"{}").is_err());
/// # Ok::<(), bankkit_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantPublicKey(VerifyingKey);

impl MerchantPublicKey {
    /// Reads the `key` of `GET /api/merchant/pubkey`: base64 of a PEM SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`Error::Decode`] when it is not base64 of a PEM P-256 public key.
    pub fn from_base64_pem(key: &str) -> Result<Self> {
        let pem = BASE64
            .decode(key.trim())
            .map_err(|e| Error::decode("merchant public key", format!("not base64: {e}")))?;
        let pem = std::str::from_utf8(&pem)
            .map_err(|_| Error::decode("merchant public key", "not a PEM text"))?;
        Self::from_pem(pem)
    }

    /// Reads a PEM `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) P-256 key.
    ///
    /// # Errors
    /// [`Error::Decode`] when it is not one.
    pub fn from_pem(pem: &str) -> Result<Self> {
        VerifyingKey::from_public_key_pem(pem.trim())
            .map(Self)
            .map_err(|e| Error::decode("merchant public key", format!("not a P-256 PEM key: {e}")))
    }

    /// Checks `x_sign` (base64 of a DER ECDSA signature) over the exact `body` bytes,
    /// hashed with SHA-256.
    ///
    /// # Errors
    /// [`Error::Signature`] when the header is not base64 of a DER signature, or does not
    /// match the body.
    pub fn verify(&self, x_sign: &str, body: &[u8]) -> Result<()> {
        let signature = parse_signature(x_sign)?;
        self.verify_signature(&signature, body)
    }

    fn verify_signature(&self, signature: &Signature, body: &[u8]) -> Result<()> {
        self.0
            .verify(body, signature)
            .map_err(|_| Error::Signature {
                message: "X-Sign does not match the body".to_owned(),
            })
    }
}

impl fmt::Debug for MerchantPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantPublicKey(P-256)")
    }
}

/// The `X-Sign` value as a signature.
fn parse_signature(x_sign: &str) -> Result<Signature> {
    let der = BASE64.decode(x_sign.trim()).map_err(|_| Error::Signature {
        message: "X-Sign is not base64".to_owned(),
    })?;
    Signature::from_der(&der).map_err(|_| Error::Signature {
        message: "X-Sign is not a DER ECDSA signature".to_owned(),
    })
}

/// Verifies acquiring webhooks and reads their body, keeping the bank's public key.
///
/// The key is fetched from `GET /api/merchant/pubkey` (merchant token) on first use and
/// kept. When a signature does not verify with it, the key is fetched **once more** (the
/// bank may have rotated it) and the signature checked again; a second failure is
/// [`Error::Signature`]. To keep forged requests from making a key request each (the
/// merchant token's rate limit is shared with payments), a key is refetched at most once
/// per [`min_refetch_interval`](Self::with_min_refetch_interval) (default 60 s) on the
/// client's clock. Concurrent verifications share one fetch.
///
/// Verification runs over the **exact bytes received**: never parse and re-serialise the
/// body first (a re-indented body no longer verifies). After the signature, the body is
/// read as an [`InvoiceStatus`]. Events may arrive out of order: keep the one
/// [`current_status`] picks.
///
/// ```no_run
/// # async fn run(client: bankkit_monobank::MonobankClient, headers: http::HeaderMap, body: Vec<u8>) -> bankkit_core::Result<()> {
/// use bankkit_monobank::MerchantWebhookVerifier;
///
/// let verifier = MerchantWebhookVerifier::new(client); // keep it for the process
/// let status = verifier.verify_request(&headers, &body).await?;
/// println!("{} is {}", status.invoice_id, status.status);
/// # Ok(()) }
/// ```
pub struct MerchantWebhookVerifier {
    client: MonobankClient,
    min_refetch_interval: Duration,
    state: tokio::sync::Mutex<KeyState>,
}

#[derive(Default)]
struct KeyState {
    key: Option<Arc<MerchantPublicKey>>,
    fetched_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for MerchantWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantWebhookVerifier")
            .field("client", &self.client)
            .field("min_refetch_interval", &self.min_refetch_interval)
            .finish_non_exhaustive()
    }
}

impl MerchantWebhookVerifier {
    /// The default shortest time between two key fetches.
    pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

    /// A verifier fetching the key with `client`'s merchant token.
    pub fn new(client: MonobankClient) -> Self {
        Self {
            client,
            min_refetch_interval: Self::DEFAULT_MIN_REFETCH_INTERVAL,
            state: tokio::sync::Mutex::new(KeyState::default()),
        }
    }

    /// A verifier starting with a known key (from an earlier fetch); the first signature
    /// it does not verify refetches it.
    pub fn with_key(client: MonobankClient, key: MerchantPublicKey) -> Self {
        Self {
            client,
            min_refetch_interval: Self::DEFAULT_MIN_REFETCH_INTERVAL,
            state: tokio::sync::Mutex::new(KeyState {
                key: Some(Arc::new(key)),
                fetched_at: None,
            }),
        }
    }

    /// Sets the shortest time between two key fetches (zero: refetch on every failure).
    pub fn with_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// Verifies a webhook from its headers (`X-Sign`) and raw body, then reads the body.
    ///
    /// # Errors
    /// As [`MerchantWebhookVerifier::verify_and_parse`]; a missing or non-text `X-Sign`
    /// is [`Error::Signature`].
    pub async fn verify_request(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<InvoiceStatus> {
        let x_sign = match headers.get(X_SIGN) {
            None => None,
            Some(value) => Some(value.to_str().map_err(|_| Error::Signature {
                message: "X-Sign is not text".to_owned(),
            })?),
        };
        self.verify_and_parse(x_sign, body).await
    }

    /// Verifies `x_sign` over `body` and reads the body as an [`InvoiceStatus`].
    ///
    /// # Errors
    /// [`Error::Signature`] for a missing, malformed or non-matching signature (after one
    /// key refetch); [`Error::Decode`] for a signed body that is not an invoice status or a
    /// key that cannot be read; the errors of [`crate::Acquiring::pubkey`] when the key
    /// cannot be fetched (a missing merchant token is [`Error::Config`]).
    pub async fn verify_and_parse(
        &self,
        x_sign: Option<&str>,
        body: &[u8],
    ) -> Result<InvoiceStatus> {
        self.verify(x_sign, body).await?;
        serde_json::from_slice(body).map_err(|e| Error::decode("acquiring webhook body", e))
    }

    /// Verifies `x_sign` over the exact `body` bytes, fetching the key when needed.
    ///
    /// # Errors
    /// As [`MerchantWebhookVerifier::verify_and_parse`], without the body's decoding.
    pub async fn verify(&self, x_sign: Option<&str>, body: &[u8]) -> Result<()> {
        let x_sign = x_sign
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| Error::Signature {
                message: "missing X-Sign header".to_owned(),
            })?;
        let signature = parse_signature(x_sign)?;
        let used = self.key().await?;
        if used.verify_signature(&signature, body).is_ok() {
            return Ok(());
        }
        let Some(fresh) = self.refetched_after(&used).await? else {
            return used.verify_signature(&signature, body);
        };
        fresh.verify_signature(&signature, body)
    }

    /// The cached key, fetched if there is none.
    async fn key(&self) -> Result<Arc<MerchantPublicKey>> {
        let mut state = self.state.lock().await;
        if let Some(key) = &state.key {
            return Ok(key.clone());
        }
        self.fetch_into(&mut state).await
    }

    /// A key other than `used`: one another task fetched meanwhile, or a new fetch when the
    /// refetch interval allows; `None` when neither.
    async fn refetched_after(
        &self,
        used: &Arc<MerchantPublicKey>,
    ) -> Result<Option<Arc<MerchantPublicKey>>> {
        let mut state = self.state.lock().await;
        if let Some(current) = &state.key {
            if !Arc::ptr_eq(current, used) {
                return Ok(Some(current.clone()));
            }
        }
        let now = self.client.clock().now();
        let allowed = state.fetched_at.is_none_or(|at| {
            now.signed_duration_since(at)
                .to_std()
                .is_ok_and(|since| since >= self.min_refetch_interval)
        });
        if !allowed {
            tracing::debug!("acquiring webhook signature failed; key refetch not due yet");
            return Ok(None);
        }
        self.fetch_into(&mut state).await.map(Some)
    }

    async fn fetch_into(&self, state: &mut KeyState) -> Result<Arc<MerchantPublicKey>> {
        let answer = self.client.acquiring().pubkey().await?;
        let key = Arc::new(MerchantPublicKey::from_base64_pem(&answer.key)?);
        state.key = Some(key.clone());
        state.fetched_at = Some(self.client.clock().now());
        Ok(key)
    }
}

/// Of two statuses of one invoice, the current one: the later `modifiedDate` (webhooks may
/// arrive out of order, a `processing` after its `success`). On equal or missing dates the
/// second (`b`, typically the one that arrived later) is taken.
///
/// ```
/// use bankkit_monobank::current_status;
/// use bankkit_monobank::wire::acquiring::{InvoiceState, InvoiceStatus};
///
/// let status = |state: &str, modified: &str| -> InvoiceStatus {
///     serde_json::from_value(serde_json::json!({
///         "invoiceId": "p2_9ZgpZVsl3", "status": state, "amount": 4200, "ccy": 980,
///         "modifiedDate": modified,
///     })).unwrap()
/// };
/// let success = status("success", "2026-11-20T10:16:12Z");
/// let late_processing = status("processing", "2026-11-20T10:16:00Z");
/// assert_eq!(current_status(&success, &late_processing).status, InvoiceState::Success);
/// ```
pub fn current_status<'s>(a: &'s InvoiceStatus, b: &'s InvoiceStatus) -> &'s InvoiceStatus {
    match (a.modified_date, b.modified_date) {
        (Some(first), Some(second)) if first > second => a,
        (Some(_), None) => a,
        _ => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"type":"StatementItem","data":{"account":"acc_Qm3xR8tY","statementItem":{"id":"Tx_9a1B==","time":1763799900,
 "description":"Переказ","mcc":4829,"originalMcc":4829,"hold":false,"amount":-10000,"operationAmount":-10000,
 "currencyCode":980,"commissionRate":0,"cashbackAmount":0,"balance":1237533,"comment":"на каву"}}}"#;

    #[test]
    fn documented_example_parses() {
        let event = parse(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(event.account, "acc_Qm3xR8tY");
        assert_eq!(event.statement_item.amount, -10_000);
        assert_eq!(event.statement_item.comment.as_deref(), Some("на каву"));
    }

    #[test]
    fn other_event_types_and_broken_bodies_are_decode_errors() {
        let other = EXAMPLE.replace("\"StatementItem\",\"data\"", "\"Other\",\"data\"");
        assert!(matches!(parse(other.as_bytes()), Err(Error::Decode { .. })));
        assert!(matches!(parse(b"not json"), Err(Error::Decode { .. })));
        assert!(matches!(
            parse(br#"{"type":"StatementItem","data":{"account":"a"}}"#),
            Err(Error::Decode { .. })
        ));
    }
}

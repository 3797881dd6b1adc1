//! What the bank POSTs to a webhook: the personal API's (monobank.md §9.1, below) and the
//! acquiring API's (§9.3: [`MerchantWebhookVerifier`], [`MerchantPublicKey`],
//! [`current_status`]).
//!
//! **Personal webhooks.**
//! The body is `{"type": "StatementItem", "data": {"account": "...", "statementItem":
//! {...}}}`. The personal API documents **no signature**. Third parties report an `X-Sign`
//! header (secp256k1 over SHA-256 of the body, raw `r‖s` in base64, key from `/bank/sync`,
//! with an `X-Key-Id`); this is **unconfirmed**, so [`crate::MonobankProvider`] checks it
//! when it is present and accepts unsigned requests as before. It also checks that the
//! event names one of the token's own accounts. That
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
use crate::sign::Secp256k1PublicKey;
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
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
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
    keys: KeyCache<MerchantPublicKey>,
}

/// A key fetched from the bank on first use and kept; after a signature fails, fetched once
/// more (the bank may have rotated it), at most once per `min_refetch_interval` of the
/// client's clock so that forged requests cannot spend the token's rate limit. Shared by
/// the acquiring and the personal verifiers.
struct KeyCache<K> {
    min_refetch_interval: Duration,
    state: tokio::sync::Mutex<KeyState<K>>,
}

struct KeyState<K> {
    key: Option<Arc<K>>,
    fetched_at: Option<DateTime<Utc>>,
}

impl<K> KeyCache<K> {
    fn new(key: Option<K>) -> Self {
        Self {
            min_refetch_interval: MerchantWebhookVerifier::DEFAULT_MIN_REFETCH_INTERVAL,
            state: tokio::sync::Mutex::new(KeyState {
                key: key.map(Arc::new),
                fetched_at: None,
            }),
        }
    }

    /// The cached key, fetched with `fetch` if there is none.
    async fn key<F, Fut>(&self, now: DateTime<Utc>, fetch: F) -> Result<Arc<K>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<K>>,
    {
        let mut state = self.state.lock().await;
        if let Some(key) = &state.key {
            return Ok(key.clone());
        }
        Self::store(&mut state, fetch().await?, now)
    }

    /// A key other than `used`: one another task fetched meanwhile, or a new fetch when the
    /// refetch interval allows; `None` when neither.
    async fn refetched_after<F, Fut>(
        &self,
        used: &Arc<K>,
        now: DateTime<Utc>,
        what: &str,
        fetch: F,
    ) -> Result<Option<Arc<K>>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<K>>,
    {
        let mut state = self.state.lock().await;
        if let Some(current) = &state.key {
            if !Arc::ptr_eq(current, used) {
                return Ok(Some(current.clone()));
            }
        }
        let allowed = state.fetched_at.is_none_or(|at| {
            now.signed_duration_since(at)
                .to_std()
                .is_ok_and(|since| since >= self.min_refetch_interval)
        });
        if !allowed {
            tracing::debug!("{what} signature failed; key refetch not due yet");
            return Ok(None);
        }
        Self::store(&mut state, fetch().await?, now).map(Some)
    }

    fn store(state: &mut KeyState<K>, key: K, now: DateTime<Utc>) -> Result<Arc<K>> {
        let key = Arc::new(key);
        state.key = Some(key.clone());
        state.fetched_at = Some(now);
        Ok(key)
    }
}

impl fmt::Debug for MerchantWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantWebhookVerifier")
            .field("client", &self.client)
            .field("min_refetch_interval", &self.keys.min_refetch_interval)
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
            keys: KeyCache::new(None),
        }
    }

    /// A verifier starting with a known key (from an earlier fetch); the first signature
    /// it does not verify refetches it.
    pub fn with_key(client: MonobankClient, key: MerchantPublicKey) -> Self {
        Self {
            client,
            keys: KeyCache::new(Some(key)),
        }
    }

    /// Sets the shortest time between two key fetches (zero: refetch on every failure).
    pub fn with_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.keys.min_refetch_interval = interval;
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
        self.keys
            .key(self.client.clock().now(), || self.fetch())
            .await
    }

    /// A key other than `used`, when one is there or may be fetched.
    async fn refetched_after(
        &self,
        used: &Arc<MerchantPublicKey>,
    ) -> Result<Option<Arc<MerchantPublicKey>>> {
        let now = self.client.clock().now();
        self.keys
            .refetched_after(used, now, "acquiring webhook", || self.fetch())
            .await
    }

    async fn fetch(&self) -> Result<MerchantPublicKey> {
        let answer = self.client.acquiring().pubkey().await?;
        MerchantPublicKey::from_base64_pem(&answer.key)
    }
}

/// The header naming the key a personal webhook's `X-Sign` was made with (reported, like
/// the signature itself).
pub(crate) const X_KEY_ID: &str = "x-key-id";

/// Whether `body` is shaped like a personal webhook (`{"type": "StatementItem", ...}`),
/// which acquiring webhooks (invoice statuses) are not.
pub(crate) fn is_personal_event(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .get("type")
                .and_then(serde_json::Value::as_str)
                .map(|kind| kind == STATEMENT_ITEM)
        })
        .unwrap_or(false)
}

/// A header's value as text; a non-text value is a [`Error::Signature`].
fn header_text<'h>(headers: &'h http::HeaderMap, name: &str) -> Result<Option<&'h str>> {
    headers
        .get(name)
        .map(|value| {
            value.to_str().map_err(|_| Error::Signature {
                message: format!("{name} is not text"),
            })
        })
        .transpose()
}

/// Checks the **unconfirmed** `X-Sign` of personal webhooks (monobank.md §9.1, §13):
/// ECDSA secp256k1 over SHA-256 of the exact body, base64 of the raw `r‖s`, with the
/// bank's `serverPubKey` from `GET /bank/sync`; an `X-Key-Id`, when sent, must be its
/// `serverKeyId`. The key is fetched on first use and kept; a failure refetches it once
/// (at most once per 60 s of the client's clock), as [`MerchantWebhookVerifier`] does.
pub(crate) struct PersonalWebhookVerifier {
    client: MonobankClient,
    keys: KeyCache<ServerKey>,
}

/// The bank's key and the id `/bank/sync` gave it.
struct ServerKey {
    key: Secp256k1PublicKey,
    key_id: String,
}

impl ServerKey {
    fn check(&self, x_sign: &str, key_id: Option<&str>, body: &[u8]) -> Result<()> {
        if let Some(key_id) = key_id {
            if !key_id.trim().eq_ignore_ascii_case(&self.key_id) {
                return Err(Error::Signature {
                    message: "X-Key-Id is not the bank's serverKeyId from /bank/sync".to_owned(),
                });
            }
        }
        self.key.verify(x_sign, body)
    }
}

impl fmt::Debug for PersonalWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonalWebhookVerifier")
            .field("min_refetch_interval", &self.keys.min_refetch_interval)
            .finish_non_exhaustive()
    }
}

impl PersonalWebhookVerifier {
    pub(crate) fn new(client: MonobankClient) -> Self {
        Self {
            client,
            keys: KeyCache::new(None),
        }
    }

    /// Verifies `X-Sign` (and `X-Key-Id`) when the request has one; an unsigned request
    /// passes (the personal API documents no signature).
    ///
    /// # Errors
    /// [`Error::Signature`] for a malformed or non-matching signature or another key id
    /// (after one key refetch); [`Error::Decode`] for a `/bank/sync` key that cannot be
    /// read; the errors of [`MonobankClient::bank_sync`].
    pub(crate) async fn verify_request(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<()> {
        let Some(x_sign) = header_text(headers, X_SIGN)? else {
            return Ok(());
        };
        let key_id = header_text(headers, X_KEY_ID)?;
        let used = self.key().await?;
        if used.check(x_sign, key_id, body).is_ok() {
            return Ok(());
        }
        match self.refetched_after(&used).await? {
            Some(fresh) => fresh.check(x_sign, key_id, body),
            None => used.check(x_sign, key_id, body),
        }
    }

    async fn key(&self) -> Result<Arc<ServerKey>> {
        self.keys
            .key(self.client.clock().now(), || self.fetch())
            .await
    }

    async fn refetched_after(&self, used: &Arc<ServerKey>) -> Result<Option<Arc<ServerKey>>> {
        let now = self.client.clock().now();
        self.keys
            .refetched_after(used, now, "personal webhook", || self.fetch())
            .await
    }

    async fn fetch(&self) -> Result<ServerKey> {
        let sync = self.client.bank_sync().await?;
        let key = Secp256k1PublicKey::from_base64(&sync.server_pub_key)
            .map_err(|e| Error::decode("Monobank serverPubKey", e))?;
        Ok(ServerKey {
            key,
            key_id: sync.server_key_id,
        })
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

#[cfg(test)]
mod acquiring_tests {
    use bankkit_core::clock::ManualClock;
    use bankkit_core::secret::secret;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::SigningKey;
    use p256::pkcs8::{EncodePublicKey as _, LineEnding};
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::wire::acquiring::{CancelStatus, InvoiceState};

    /// The bank's documented example: key, `X-Sign`, and the exact body bytes.
    const EXAMPLE_KEY: &str = "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFQUc1LzZ3NnZubGJZb0ZmRHlYWE4vS29CbVVjTgo3NWJSUWg4MFBhaEdldnJoanFCQnI3OXNSS0JSbnpHODFUZVQ5OEFOakU1c0R3RmZ5Znhub0ZJcmZBPT0KLS0tLS1FTkQgUFVCTElDIEtFWS0tLS0tCg==";
    const EXAMPLE_SIGN: &str =
        "MEUCIQC/mVKhi8FKoayul2Mim3E2oaIOCNJk5dEXxTqbkeJSOQIgOM0hsW0qcP2H8iXy1aQYpmY0SJWEaWur7nQXlKDCFxA=";
    const EXAMPLE_BODY: &[u8] = include_bytes!("../tests/fixtures/acquiring_webhook_example.json");
    const MERCHANT_TOKEN: &str = "mT0k3n-merchant-9aB2cD4eF6gH8iJ0kL1mN3oP5qR7s";

    fn example_key() -> MerchantPublicKey {
        MerchantPublicKey::from_base64_pem(EXAMPLE_KEY).unwrap()
    }

    /// A signing key of our own, its `/pubkey` answer, and a signer.
    struct Bank(SigningKey);

    impl Bank {
        fn new(seed: u8) -> Self {
            Self(SigningKey::from_slice(&[seed; 32]).unwrap())
        }

        fn pubkey_answer(&self) -> serde_json::Value {
            let pem = self
                .0
                .verifying_key()
                .to_public_key_pem(LineEnding::LF)
                .unwrap();
            serde_json::json!({ "key": BASE64.encode(pem) })
        }

        fn sign(&self, body: &[u8]) -> String {
            let signature: Signature = self.0.sign(body);
            BASE64.encode(signature.to_der().as_bytes())
        }
    }

    fn client(server: &MockServer, clock: &ManualClock) -> MonobankClient {
        MonobankClient::builder()
            .merchant_token(secret(MERCHANT_TOKEN))
            .base_url(server.uri())
            .clock(clock.shared())
            .build()
            .unwrap()
    }

    fn clock() -> ManualClock {
        ManualClock::frozen_at("2026-11-20T10:00:00Z".parse().unwrap())
    }

    async fn pubkey_requests(server: &MockServer) -> usize {
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/api/merchant/pubkey")
            .count()
    }

    #[test]
    fn the_documentation_example_verifies() {
        example_key().verify(EXAMPLE_SIGN, EXAMPLE_BODY).unwrap();
    }

    #[test]
    fn one_changed_byte_fails() {
        let mut body = EXAMPLE_BODY.to_vec();
        let at = body.iter().position(|b| *b == b'4').unwrap();
        body[at] = b'5';
        let e = example_key().verify(EXAMPLE_SIGN, &body).unwrap_err();
        assert!(matches!(e, Error::Signature { .. }), "{e:?}");
    }

    #[test]
    fn a_reindented_or_compacted_body_fails() {
        let text = std::str::from_utf8(EXAMPLE_BODY).unwrap();
        let four_spaces = text.replace("\n  ", "\n    ");
        let value: serde_json::Value = serde_json::from_slice(EXAMPLE_BODY).unwrap();
        let compact = serde_json::to_vec(&value).unwrap();
        let with_newline = format!("{text}\n");
        for body in [four_spaces.as_bytes(), &compact, with_newline.as_bytes()] {
            assert!(matches!(
                example_key().verify(EXAMPLE_SIGN, body),
                Err(Error::Signature { .. })
            ));
        }
    }

    #[test]
    fn garbled_signatures_and_keys_are_typed_errors() {
        for x_sign in ["not base64!", "AAAA", "", "MEUCIQC"] {
            let e = example_key().verify(x_sign, EXAMPLE_BODY).unwrap_err();
            assert!(matches!(e, Error::Signature { .. }), "{x_sign:?}: {e:?}");
        }
        for key in [
            "",
            "not base64!",
            "aGVsbG8=",
            &BASE64.encode("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
        ] {
            let e = MerchantPublicKey::from_base64_pem(key).unwrap_err();
            assert!(matches!(e, Error::Decode { .. }), "{key:?}: {e:?}");
        }
    }

    #[tokio::test]
    async fn the_verifier_fetches_the_key_once_and_reads_the_body() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/merchant/pubkey"))
            .and(header("X-Token", MERCHANT_TOKEN))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({ "key": EXAMPLE_KEY })),
            )
            .expect(1)
            .mount(&server)
            .await;
        let verifier = MerchantWebhookVerifier::new(client(&server, &clock()));
        for _ in 0..3 {
            let status = verifier
                .verify_and_parse(Some(EXAMPLE_SIGN), EXAMPLE_BODY)
                .await
                .unwrap();
            assert_eq!(status.invoice_id, "p2_9ZgpZVsl3");
            assert_eq!(status.status, InvoiceState::Created);
            assert_eq!(status.cancel_list[0].status, CancelStatus::Processing);
        }
        let mut headers = http::HeaderMap::new();
        headers.insert("X-Sign", http::HeaderValue::from_static(EXAMPLE_SIGN));
        verifier
            .verify_request(&headers, EXAMPLE_BODY)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_rotated_key_is_refetched_once_per_failure() {
        let (old, new, forger) = (Bank::new(1), Bank::new(2), Bank::new(3));
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/merchant/pubkey"))
            .respond_with(ResponseTemplate::new(200).set_body_json(old.pubkey_answer()))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/merchant/pubkey"))
            .respond_with(ResponseTemplate::new(200).set_body_json(new.pubkey_answer()))
            .mount(&server)
            .await;
        let verifier = MerchantWebhookVerifier::new(client(&server, &clock()))
            .with_min_refetch_interval(Duration::ZERO);
        let body = br#"{"invoiceId":"p2_1","status":"success","amount":100,"ccy":980}"#;

        verifier.verify(Some(&old.sign(body)), body).await.unwrap();
        assert_eq!(pubkey_requests(&server).await, 1);

        verifier.verify(Some(&new.sign(body)), body).await.unwrap();
        assert_eq!(
            pubkey_requests(&server).await,
            2,
            "one refetch after the rotation"
        );
        verifier.verify(Some(&new.sign(body)), body).await.unwrap();
        assert_eq!(pubkey_requests(&server).await, 2, "the new key is cached");

        let e = verifier
            .verify(Some(&forger.sign(body)), body)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Signature { .. }), "{e:?}");
        assert_eq!(
            pubkey_requests(&server).await,
            3,
            "one refetch, then the error"
        );
    }

    #[tokio::test]
    async fn failures_refetch_the_key_at_most_once_per_interval() {
        let (bank, forger) = (Bank::new(1), Bank::new(3));
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/merchant/pubkey"))
            .respond_with(ResponseTemplate::new(200).set_body_json(bank.pubkey_answer()))
            .mount(&server)
            .await;
        let clock = clock();
        let verifier = MerchantWebhookVerifier::new(client(&server, &clock));
        let body = b"{}";
        for _ in 0..5 {
            let e = verifier
                .verify(Some(&forger.sign(body)), body)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Signature { .. }), "{e:?}");
        }
        assert_eq!(pubkey_requests(&server).await, 1);
        clock.advance(Duration::from_secs(61));
        assert!(verifier
            .verify(Some(&forger.sign(body)), body)
            .await
            .is_err());
        assert_eq!(pubkey_requests(&server).await, 2);
        verifier.verify(Some(&bank.sign(body)), body).await.unwrap();
    }

    #[tokio::test]
    async fn a_missing_or_garbled_header_is_a_signature_error_and_fetches_nothing() {
        let server = MockServer::start().await;
        let verifier = MerchantWebhookVerifier::new(client(&server, &clock()));
        for x_sign in [None, Some(""), Some("%%%"), Some("AAAA")] {
            let e = verifier
                .verify_and_parse(x_sign, EXAMPLE_BODY)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Signature { .. }), "{x_sign:?}: {e:?}");
        }
        let e = verifier
            .verify_request(&http::HeaderMap::new(), EXAMPLE_BODY)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Signature { ref message } if message.contains("X-Sign")));
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_signed_body_that_is_not_a_status_is_a_decode_error() {
        let bank = Bank::new(1);
        let server = MockServer::start().await;
        let verifier = MerchantWebhookVerifier::with_key(
            client(&server, &clock()),
            MerchantPublicKey::from_base64_pem(bank.pubkey_answer()["key"].as_str().unwrap())
                .unwrap(),
        );
        let body = br#"{"hello":"world"}"#;
        let e = verifier
            .verify_and_parse(Some(&bank.sign(body)), body)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Decode { .. }), "{e:?}");
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_verifier_and_its_futures_can_cross_threads() {
        fn assert_send<T: Send>(_: &T) {}
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MerchantWebhookVerifier>();
        let server = MockServer::start().await;
        let verifier = MerchantWebhookVerifier::new(client(&server, &clock()));
        let headers = http::HeaderMap::new();
        let future = verifier.verify_request(&headers, EXAMPLE_BODY);
        assert_send(&future);
        let acquiring = verifier.client.acquiring();
        assert_send(&acquiring.invoice_status("p2_1"));
    }

    #[test]
    fn the_later_modified_date_is_current_whatever_the_arrival_order() {
        let status = |state: &str, modified: Option<&str>| -> InvoiceStatus {
            let mut value = serde_json::json!({
                "invoiceId": "p2_1", "status": state, "amount": 100, "ccy": 980,
            });
            if let Some(modified) = modified {
                value["modifiedDate"] = modified.into();
            }
            serde_json::from_value(value).unwrap()
        };
        let success = status("success", Some("2026-11-20T10:16:12Z"));
        let processing = status("processing", Some("2026-11-20T12:16:00+02:00"));
        assert_eq!(
            current_status(&success, &processing).status,
            InvoiceState::Success
        );
        assert_eq!(
            current_status(&processing, &success).status,
            InvoiceState::Success
        );
        let reversed = status("reversed", Some("2026-11-21T09:00:00Z"));
        assert_eq!(
            current_status(&success, &reversed).status,
            InvoiceState::Reversed
        );
        let undated = status("hold", None);
        assert_eq!(
            current_status(&success, &undated).status,
            InvoiceState::Success
        );
        assert_eq!(
            current_status(&undated, &success).status,
            InvoiceState::Success
        );
    }
}

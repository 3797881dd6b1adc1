//! The acquiring webhook key: ECDSA P-256, deterministic from the sandbox seed; signatures are
//! ASN.1 DER over SHA-256 of the exact body bytes, sent base64 in `X-Sign`.

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};

use crate::rng::SeededRng;

/// The merchant API's webhook signing key.
#[derive(Clone)]
pub(crate) struct WebhookKey {
    signing: SigningKey,
    /// `base64(PEM SubjectPublicKeyInfo)`, the body of `GET /api/merchant/pubkey`.
    public_base64: String,
}

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookKey")
            .field("public_base64", &self.public_base64)
            .finish_non_exhaustive()
    }
}

impl WebhookKey {
    /// The key for `seed` (the same seed always gives the same key).
    pub(crate) fn from_seed(seed: u64) -> WebhookKey {
        let mut rng = SeededRng::for_stream(seed, "monobank-acquiring-webhook-key");
        let signing = loop {
            let mut bytes = [0u8; 32];
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&rng.next_u64().to_be_bytes());
            }
            // Out of range (zero or past the group order) happens with negligible chance;
            // draw again then.
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                break key;
            }
        };
        let pem = signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default();
        WebhookKey {
            signing,
            public_base64: base64::engine::general_purpose::STANDARD.encode(pem.as_bytes()),
        }
    }

    /// `base64(PEM)` of the public key.
    pub(crate) fn public_base64(&self) -> &str {
        &self.public_base64
    }

    /// `X-Sign` for `body`: base64 of the DER ECDSA/SHA-256 signature.
    pub(crate) fn sign(&self, body: &[u8]) -> String {
        let signature: Signature = self.signing.sign(body);
        base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier as _;
    use p256::ecdsa::VerifyingKey;
    use p256::pkcs8::DecodePublicKey;

    #[test]
    fn signatures_verify_with_the_published_key_and_only_for_the_same_bytes() {
        let key = WebhookKey::from_seed(7);
        assert_eq!(
            key.public_base64(),
            WebhookKey::from_seed(7).public_base64()
        );
        assert_ne!(
            key.public_base64(),
            WebhookKey::from_seed(8).public_base64()
        );
        let engine = base64::engine::general_purpose::STANDARD;
        let pem = String::from_utf8(engine.decode(key.public_base64()).unwrap()).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let public = VerifyingKey::from_public_key_pem(&pem).unwrap();
        let body = br#"{"invoiceId":"p2_x","status":"success"}"#;
        let der = engine.decode(key.sign(body)).unwrap();
        assert_eq!(der[0], 0x30);
        let signature = Signature::from_der(&der).unwrap();
        assert!(public.verify(body, &signature).is_ok());
        assert!(public.verify(b"{}", &signature).is_err());
    }
}

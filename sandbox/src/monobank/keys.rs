//! secp256k1 keys of the Monobank API: the bank's own key (served by `/bank/sync`, signing
//! personal webhooks when that is switched on) and companies' keys (signing provider-API
//! requests).
//!
//! Signatures are ECDSA over SHA-256 of the message, sent base64 as the raw 64-byte `r‖s`
//! (not DER). A key id is the lowercase hex SHA-1 of the uncompressed public point
//! `0x04‖X‖Y`. Keys travel as base64 of a PEM `-----BEGIN PUBLIC KEY-----` (registration,
//! settings); the seeded company's private key is handed out as a SEC1
//! `-----BEGIN EC PRIVATE KEY-----` PEM that names the curve, which OpenSSL, python-ecdsa and
//! `k256` all read.

use base64::Engine as _;
use k256::ecdsa::signature::{Signer as _, Verifier as _};
use k256::ecdsa::{Signature, SigningKey, VerifyingKey};
use k256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _, LineEnding};
use sha1::{Digest as _, Sha1};

use crate::rng::SeededRng;

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The hex SHA-1 of `key`'s uncompressed point: its `X-Key-Id` / `serverKeyId`.
pub(crate) fn key_id(key: &VerifyingKey) -> String {
    let point = key.to_encoded_point(false);
    let digest = Sha1::digest(point.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Reads `pubkey` as the provider API sends it: base64 of a PEM secp256k1 public key
/// (whitespace in the base64 is ignored). `None` for anything else.
pub(crate) fn public_key_from_base64_pem(pubkey: &str) -> Option<VerifyingKey> {
    let compact: String = pubkey
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let pem = BASE64.decode(compact.as_bytes()).ok()?;
    let pem = std::str::from_utf8(&pem).ok()?;
    VerifyingKey::from_public_key_pem(pem.trim()).ok()
}

/// Whether `x_sign` (base64 of a raw 64-byte `r‖s`) is `key`'s signature of `message`. A
/// high-S signature counts as much as its low-S twin, as for any ECDSA verifier that does not
/// enforce low S.
pub(crate) fn verify_base64(key: &VerifyingKey, message: &[u8], x_sign: &str) -> bool {
    let Ok(raw) = BASE64.decode(x_sign.trim().as_bytes()) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&raw) else {
        return false;
    };
    let signature = signature.normalize_s().unwrap_or(signature);
    key.verify(message, &signature).is_ok()
}

/// A key pair the sandbox derives from its seed (the bank's key, the seeded company's key).
#[derive(Clone)]
pub(crate) struct SeededKey {
    signing: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for SeededKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SeededKey {
    /// The key of `stream` for `seed` (the same seed always gives the same key).
    pub(crate) fn from_seed(seed: u64, stream: &str) -> SeededKey {
        let mut rng = SeededRng::for_stream(seed, stream);
        let signing = loop {
            let mut bytes = [0u8; 32];
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&rng.next_u64().to_be_bytes());
            }
            // Zero or past the group order happens with negligible chance; draw again then.
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                break key;
            }
        };
        SeededKey::from_signing_key(signing)
    }

    fn from_signing_key(signing: SigningKey) -> SeededKey {
        let key_id = key_id(signing.verifying_key());
        SeededKey { signing, key_id }
    }

    /// The hex SHA-1 of the uncompressed public point.
    pub(crate) fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half.
    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        self.signing.verifying_key()
    }

    /// Base64 of the 65-byte uncompressed public point (`serverPubKey`).
    pub(crate) fn public_point_base64(&self) -> String {
        BASE64.encode(self.verifying_key().to_encoded_point(false).as_bytes())
    }

    /// Base64 of the PEM public key, as a registration's `pubkey`.
    pub(crate) fn public_pem_base64(&self) -> String {
        let pem = self
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default();
        BASE64.encode(pem.as_bytes())
    }

    /// The private key as a SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`) naming the curve
    /// (OID 1.3.132.0.10) and holding the public point, as `openssl ecparam -genkey -name
    /// secp256k1 -noout` writes it.
    pub(crate) fn private_pem(&self) -> String {
        let secret = self.signing.to_bytes();
        let point = self.verifying_key().to_encoded_point(false);
        // SEQUENCE { INTEGER 1, OCTET STRING key, [0] OID secp256k1, [1] BIT STRING point }
        let mut der = vec![0x30, 0x74, 0x02, 0x01, 0x01, 0x04, 0x20];
        der.extend_from_slice(&secret);
        der.extend_from_slice(&[0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a]);
        der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
        der.extend_from_slice(point.as_bytes());
        let body = BASE64.encode(&der);
        let mut pem = String::from("-----BEGIN EC PRIVATE KEY-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END EC PRIVATE KEY-----\n");
        pem
    }

    /// Base64 of the raw `r‖s` signature of `message` (SHA-256, low S).
    pub(crate) fn sign_base64(&self, message: &[u8]) -> String {
        let signature: Signature = self.signing.sign(message);
        BASE64.encode(signature.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_id_of_the_generator_point_is_its_known_sha1() {
        let mut one = [0u8; 32];
        one[31] = 1;
        let key = SeededKey::from_signing_key(SigningKey::from_slice(&one).unwrap());
        assert_eq!(key.key_id(), "1bb40670b35606b460861cd74ac70a5412068b92");
        assert_eq!(
            key.public_point_base64(),
            "BHm+Zn753LusVaBilc6HCwcCm/zbLc4o2VnygVsW+BeYSDradyajxGVdpPv8DhEIqP0XtEimhVQZnEfQj/sQ1Lg="
        );
    }

    #[test]
    fn seeded_keys_are_stable_per_seed_and_stream() {
        let a = SeededKey::from_seed(7, "a");
        assert_eq!(a.key_id(), SeededKey::from_seed(7, "a").key_id());
        assert_ne!(a.key_id(), SeededKey::from_seed(8, "a").key_id());
        assert_ne!(a.key_id(), SeededKey::from_seed(7, "b").key_id());
        assert_eq!(a.key_id().len(), 40);
    }

    #[test]
    fn the_private_pem_reads_back_as_the_same_key_with_its_curve() {
        let key = SeededKey::from_seed(7, "company");
        let pem = key.private_pem();
        assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        let read = k256::SecretKey::from_sec1_pem(&pem).unwrap();
        assert_eq!(read.to_bytes(), key.signing.to_bytes());
        // The DER names secp256k1 (1.3.132.0.10), which python-ecdsa needs.
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = BASE64.decode(body).unwrap();
        assert!(der
            .windows(7)
            .any(|w| w == [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a]));
    }

    #[test]
    fn signatures_verify_for_the_same_message_only_and_high_s_is_accepted() {
        let key = SeededKey::from_seed(7, "company");
        let public = public_key_from_base64_pem(&key.public_pem_base64()).unwrap();
        assert_eq!(&public, key.verifying_key());
        let sign = key.sign_base64(b"1700000000/personal/auth/request");
        assert!(verify_base64(
            &public,
            b"1700000000/personal/auth/request",
            &sign
        ));
        assert!(!verify_base64(
            &public,
            b"1700000001/personal/auth/request",
            &sign
        ));
        // The same signature with s replaced by n - s.
        let low = Signature::from_slice(&BASE64.decode(&sign).unwrap()).unwrap();
        let (r, s) = low.split_scalars();
        let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        assert!(high.normalize_s().is_some(), "the twin has a high S");
        let high = BASE64.encode(high.to_bytes());
        assert!(verify_base64(
            &public,
            b"1700000000/personal/auth/request",
            &high
        ));
        for junk in ["", "not base64!", "AAAA", &BASE64.encode([0u8; 64])] {
            assert!(!verify_base64(&public, b"x", junk));
        }
    }

    #[test]
    fn malformed_public_keys_are_none() {
        for junk in [
            "",
            "%%%",
            &BASE64.encode("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            &BASE64.encode([0xff, 0xfe]),
        ] {
            assert!(public_key_from_base64_pem(junk).is_none(), "{junk}");
        }
        // A P-256 key is not a secp256k1 key.
        use p256::pkcs8::EncodePublicKey as _;
        let p256_key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pem = p256_key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        assert!(public_key_from_base64_pem(&BASE64.encode(pem)).is_none());
    }
}

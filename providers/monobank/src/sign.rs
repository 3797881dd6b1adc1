//! Monobank's ECDSA signatures on **secp256k1** (monobank.md §2.1, §9.1).
//!
//! - **Provider API requests** are signed with the provider's own key: ECDSA over the
//!   SHA-256 of `X-Time + URL path` (or `X-Time + X-Request-Id + URL path` for calls made
//!   for one client, see [`signed_string`]), sent as `X-Sign`: base64 of the raw 64-byte
//!   `r‖s` (not DER). `X-Key-Id` is the lowercase hex SHA-1 of the key's uncompressed
//!   public point `0x04‖X‖Y` ([`ProviderKey::key_id`]). The registration sends the public
//!   key as base64 of its PEM ([`ProviderKey::public_key_pem_base64`]). The calls are
//!   [`MonobankClient::provider_api`](crate::MonobankClient::provider_api).
//! - **Personal webhooks** reportedly carry `X-Sign` made the same way over the exact raw
//!   body, with the bank's key from `GET /bank/sync` (`serverPubKey`, base64 of the
//!   uncompressed point; [`Secp256k1PublicKey::from_base64`]). The official docs do not
//!   confirm it.
//!
//! Signatures are deterministic (RFC 6979) and low-S; verification accepts high-S
//! signatures too (other implementations do not normalise them).
//!
//! ```
//! use bankkit_monobank::sign::ProviderKey;
//!
//! let key = ProviderKey::from_bytes(&[1; 32])?;
//! let x_sign = key.sign("1700000000", None, "/personal/auth/request");
//! key.public_key()
//!     .verify(&x_sign, b"1700000000/personal/auth/request")?;
//! assert_eq!(key.key_id(), "43ae6cb97acdaf354b8286ddb29b492c95e95870");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::{self, Write as _};

use bankkit_core::Error;
use base64::Engine as _;
use k256::ecdsa::signature::{Signer as _, Verifier as _};
use k256::ecdsa::{Signature, SigningKey, VerifyingKey};
use k256::elliptic_curve::zeroize::Zeroizing;
use k256::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _, LineEnding};
use sha1::{Digest as _, Sha1};

use crate::webhook::BASE64;

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not a PEM `EC PRIVATE KEY` (SEC1) or `PRIVATE KEY` (PKCS#8) block.
    NotPem {
        /// The PEM label found, if any.
        label: Option<String>,
    },
    /// The key is on another curve: Monobank's signatures use secp256k1.
    WrongCurve {
        /// The curve the key is on (for example `"P-256 (prime256v1, secp256r1)"`).
        curve: &'static str,
    },
    /// The key is not a valid secp256k1 key.
    Invalid {
        /// Why (never the key material).
        reason: String,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPem { label: Some(label) } => write!(
                f,
                "PEM block {label:?} is not an \"EC PRIVATE KEY\" or \"PRIVATE KEY\""
            ),
            Self::NotPem { label: None } => {
                f.write_str("not a PEM \"EC PRIVATE KEY\" or \"PRIVATE KEY\" block")
            }
            Self::WrongCurve { curve } => write!(
                f,
                "the key is a {curve} key; Monobank's signatures need a secp256k1 key"
            ),
            Self::Invalid { reason } => write!(f, "not a valid secp256k1 key: {reason}"),
        }
    }
}

impl std::error::Error for KeyError {}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Error::config("provider_key", e)
    }
}

/// The string a provider API request signs: `x_time`, then `request_id` when the call is
/// made for one client, then the URL path.
///
/// ```
/// use bankkit_monobank::sign::signed_string;
///
/// assert_eq!(signed_string("1700000000", None, "/personal/auth/request"),
///            "1700000000/personal/auth/request");
/// assert_eq!(signed_string("1700000000", Some("req-123"), "/personal/client-info"),
///            "1700000000req-123/personal/client-info");
/// ```
pub fn signed_string(x_time: &str, request_id: Option<&str>, path: &str) -> String {
    let request_id = request_id.unwrap_or("");
    let mut out = String::with_capacity(x_time.len() + request_id.len() + path.len());
    out.push_str(x_time);
    out.push_str(request_id);
    out.push_str(path);
    out
}

/// The label and decoded body of the first PEM block, read leniently on line lengths
/// (tools wrap at 64 or 76 characters). The body is wiped when dropped.
fn pem_block(pem: &str) -> Result<(&str, Zeroizing<Vec<u8>>), KeyError> {
    let not_pem = |label: Option<&str>| KeyError::NotPem {
        label: label.map(str::to_owned),
    };
    let rest = pem
        .trim_start()
        .strip_prefix("-----BEGIN ")
        .ok_or_else(|| not_pem(None))?;
    let (label, rest) = rest.split_once("-----").ok_or_else(|| not_pem(None))?;
    let end = format!("-----END {label}-----");
    let (body, _) = rest.split_once(&end).ok_or_else(|| not_pem(Some(label)))?;
    let text: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let der = BASE64
        .decode(text.as_bytes())
        .map_err(|_| KeyError::Invalid {
            reason: format!("the {label} block is not base64"),
        })?;
    Ok((label, Zeroizing::new(der)))
}

/// Lowercase hex SHA-1 of the uncompressed point `0x04‖X‖Y`.
fn key_id_of(key: &VerifyingKey) -> String {
    let digest = Sha1::digest(key.to_encoded_point(false).as_bytes());
    let mut hex = String::with_capacity(40);
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// The provider's secp256k1 signing key for Monobank's provider API.
///
/// `Debug` shows only the key id; the secret scalar is wiped when the key is dropped.
#[derive(Clone)]
pub struct ProviderKey {
    key: SigningKey,
    key_id: String,
}

impl ProviderKey {
    /// Reads a PEM private key: SEC1 (`-----BEGIN EC PRIVATE KEY-----`, as
    /// `openssl ecparam -name secp256k1 -genkey` writes it) or PKCS#8
    /// (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`KeyError::NotPem`] for another text, [`KeyError::WrongCurve`] for a P-256 key,
    /// [`KeyError::Invalid`] for anything else that is not a secp256k1 key.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_block(pem)?;
        let sec1 = match label {
            "EC PRIVATE KEY" => true,
            "PRIVATE KEY" => false,
            other => {
                return Err(KeyError::NotPem {
                    label: Some(other.to_owned()),
                })
            }
        };
        let parsed = if sec1 {
            k256::SecretKey::from_sec1_der(&der).map_err(|e| e.to_string())
        } else {
            k256::SecretKey::from_pkcs8_der(&der).map_err(|e| e.to_string())
        };
        match parsed {
            Ok(secret) => Ok(Self::from_signing_key(SigningKey::from(secret))),
            Err(reason) => {
                let p256 = if sec1 {
                    p256::SecretKey::from_sec1_der(&der).is_ok()
                } else {
                    p256::SecretKey::from_pkcs8_der(&der).is_ok()
                };
                Err(if p256 {
                    KeyError::WrongCurve {
                        curve: "P-256 (prime256v1, secp256r1)",
                    }
                } else {
                    KeyError::Invalid { reason }
                })
            }
        }
    }

    /// Reads a raw 32-byte big-endian secret scalar.
    ///
    /// # Errors
    /// [`KeyError::Invalid`] unless it is 32 bytes and a valid scalar (not zero, below the
    /// curve order).
    pub fn from_bytes(scalar: &[u8]) -> Result<Self, KeyError> {
        if scalar.len() != 32 {
            return Err(KeyError::Invalid {
                reason: format!("a raw key is 32 bytes, not {}", scalar.len()),
            });
        }
        SigningKey::from_slice(scalar)
            .map(Self::from_signing_key)
            .map_err(|_| KeyError::Invalid {
                reason: "the scalar is zero or not below the curve order".to_owned(),
            })
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let key_id = key_id_of(key.verifying_key());
        Self { key, key_id }
    }

    /// The `X-Key-Id`: lowercase hex SHA-1 of the uncompressed public point.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half (to register with the bank, or to verify in tests).
    pub fn public_key(&self) -> Secp256k1PublicKey {
        Secp256k1PublicKey::from_verifying_key(*self.key.verifying_key())
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`, X.509 SubjectPublicKeyInfo,
    /// as `openssl ec -pubout` writes it).
    ///
    /// # Errors
    /// [`KeyError::Invalid`] if the key cannot be encoded (not expected for a key that was
    /// read).
    pub fn public_key_pem(&self) -> Result<String, KeyError> {
        self.key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Invalid {
                reason: format!("the public key cannot be written as PEM: {e}"),
            })
    }

    /// The registration's `pubkey`: base64 of [`ProviderKey::public_key_pem`].
    ///
    /// ```
    /// use bankkit_monobank::sign::ProviderKey;
    ///
    /// let key = ProviderKey::from_bytes(&[1; 32])?;
    /// assert!(key.public_key_pem_base64()?.starts_with("LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`ProviderKey::public_key_pem`].
    pub fn public_key_pem_base64(&self) -> Result<String, KeyError> {
        Ok(BASE64.encode(self.public_key_pem()?))
    }

    /// The `X-Sign` of a provider API request: base64 of the raw `r‖s` over SHA-256 of
    /// [`signed_string`]`(x_time, request_id, path)`.
    pub fn sign(&self, x_time: &str, request_id: Option<&str>, path: &str) -> String {
        self.sign_message(signed_string(x_time, request_id, path).as_bytes())
    }

    /// Base64 of the raw `r‖s` over SHA-256 of `message`.
    pub fn sign_message(&self, message: &[u8]) -> String {
        let signature: Signature = self.key.sign(message);
        BASE64.encode(signature.to_bytes())
    }
}

impl fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A secp256k1 public key: the bank's `serverPubKey` or a [`ProviderKey`]'s public half.
#[derive(Clone, PartialEq, Eq)]
pub struct Secp256k1PublicKey {
    key: VerifyingKey,
    key_id: String,
}

impl Secp256k1PublicKey {
    fn from_verifying_key(key: VerifyingKey) -> Self {
        let key_id = key_id_of(&key);
        Self { key, key_id }
    }

    /// Reads base64 of a SEC1 point (uncompressed `0x04‖X‖Y`, as `serverPubKey` of
    /// `GET /bank/sync`, or compressed).
    ///
    /// # Errors
    /// [`KeyError::Invalid`] when it is not base64 of a secp256k1 point.
    pub fn from_base64(key: &str) -> Result<Self, KeyError> {
        let bytes = BASE64.decode(key.trim()).map_err(|e| KeyError::Invalid {
            reason: format!("not base64: {e}"),
        })?;
        Self::from_sec1_bytes(&bytes)
    }

    /// Reads a SEC1-encoded point.
    ///
    /// # Errors
    /// [`KeyError::Invalid`] when it is not a secp256k1 point.
    pub fn from_sec1_bytes(point: &[u8]) -> Result<Self, KeyError> {
        VerifyingKey::from_sec1_bytes(point)
            .map(Self::from_verifying_key)
            .map_err(|_| KeyError::Invalid {
                reason: "not a point on secp256k1".to_owned(),
            })
    }

    /// Lowercase hex SHA-1 of the uncompressed point (what `X-Key-Id` carries).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Base64 of the uncompressed point `0x04‖X‖Y`.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.key.to_encoded_point(false).as_bytes())
    }

    /// Checks `x_sign` (base64 of the raw 64-byte `r‖s`) over SHA-256 of `message`.
    /// High-S signatures are accepted.
    ///
    /// # Errors
    /// [`Error::Signature`] when it is not base64 of 64 bytes or does not match.
    pub fn verify(&self, x_sign: &str, message: &[u8]) -> Result<(), Error> {
        let raw = BASE64.decode(x_sign.trim()).map_err(|_| Error::Signature {
            message: "X-Sign is not base64".to_owned(),
        })?;
        let signature = <[u8; 64]>::try_from(raw.as_slice())
            .ok()
            .and_then(|raw| Signature::from_slice(&raw).ok())
            .ok_or_else(|| Error::Signature {
                message: "X-Sign is not a raw 64-byte secp256k1 r‖s signature".to_owned(),
            })?;
        let signature = signature.normalize_s().unwrap_or(signature);
        self.key
            .verify(message, &signature)
            .map_err(|_| Error::Signature {
                message: "X-Sign does not match".to_owned(),
            })
    }

    /// Checks a provider API request's `x_sign` (see [`ProviderKey::sign`]).
    ///
    /// # Errors
    /// As [`Secp256k1PublicKey::verify`].
    pub fn verify_request(
        &self,
        x_sign: &str,
        x_time: &str,
        request_id: Option<&str>,
        path: &str,
    ) -> Result<(), Error> {
        self.verify(x_sign, signed_string(x_time, request_id, path).as_bytes())
    }
}

impl fmt::Debug for Secp256k1PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secp256k1PublicKey")
            .field("key_id", &self.key_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Independent vectors, computed with Python's `ecdsa` 0.19.2 (RFC 6979, SHA-256):
    //
    //     python3 -m venv /tmp/ecdsa-venv && /tmp/ecdsa-venv/bin/pip install ecdsa==0.19.2
    //     /tmp/ecdsa-venv/bin/python - <<'EOF'
    //     import base64, hashlib
    //     from ecdsa import SigningKey, SECP256k1
    //     from ecdsa.util import sigencode_string
    //     sk = SigningKey.from_string(bytes([1] * 32), curve=SECP256k1, hashfunc=hashlib.sha256)
    //     vk = sk.get_verifying_key()
    //     print("key_id", hashlib.sha1(b"\x04" + vk.to_string()).hexdigest())
    //     print("pub", base64.b64encode(b"\x04" + vk.to_string()).decode())
    //     for msg in [b"1700000000/personal/auth/request",
    //                 b"1700000000req-123/personal/client-info"]:
    //         print(msg.decode(), base64.b64encode(
    //             sk.sign_deterministic(msg, sigencode=sigencode_string)).decode())
    //     EOF
    //
    // `ecdsa` does not normalise S; k256 always signs low-S. The first signature's S is
    // high, so ours is its low-S twin (same r, S' = n - S); the second's S is already low
    // and ours matches byte for byte. Both of Python's verify with our verifier.
    const SCALAR: [u8; 32] = [1; 32];
    const KEY_ID: &str = "43ae6cb97acdaf354b8286ddb29b492c95e95870";
    const PUBLIC: &str =
        "BBuExVZ7EmRAmV0+1aq6BWXXHhg0YEgZ/5wX9enV3QePcL6vj1iLVBUH/tamQsWrQt/fgSCn9jneUSLUemmo6NE=";
    const AUTH_PYTHON: &str =
        "cn0ZguhtjcLNnYD30t9qSUQybt971mEiRTBjVRTxzWe37BPTw+YqEL4KN+dzDoAj59uf78mSjoJcIFgkv+Mo1g==";
    const AUTH_LOW_S: &str =
        "cn0ZguhtjcLNnYD30t9qSUQybt971mEiRTBjVRTxzWdIE+wsPBnV70H1yBiM8X/a0tM89uW2EbljsgZoEFMYaw==";
    const CLIENT_INFO_PYTHON: &str =
        "Eg0SKo6Jy3iKK21TwctfACvn1v10dLOZzWpA1m+J18N3B01DNvaPD48EBpNyvTc5W0UzMK1TzArz4TDAigKOmg==";

    fn key() -> ProviderKey {
        ProviderKey::from_bytes(&SCALAR).unwrap()
    }

    #[test]
    fn key_id_and_public_key_match_the_python_vector() {
        let key = key();
        assert_eq!(key.key_id(), KEY_ID);
        assert_eq!(key.public_key().to_base64(), PUBLIC);
        let public = Secp256k1PublicKey::from_base64(PUBLIC).unwrap();
        assert_eq!(public.key_id(), KEY_ID);
        assert_eq!(public, key.public_key());
    }

    #[test]
    fn signatures_match_the_python_vector() {
        let key = key();
        assert_eq!(
            key.sign("1700000000", None, "/personal/auth/request"),
            AUTH_LOW_S
        );
        assert_eq!(
            key.sign("1700000000", Some("req-123"), "/personal/client-info"),
            CLIENT_INFO_PYTHON
        );
    }

    #[test]
    fn python_signatures_verify_with_ours_and_not_for_other_messages() {
        let public = Secp256k1PublicKey::from_base64(PUBLIC).unwrap();
        for x_sign in [AUTH_PYTHON, AUTH_LOW_S] {
            public
                .verify_request(x_sign, "1700000000", None, "/personal/auth/request")
                .unwrap();
        }
        public
            .verify_request(
                CLIENT_INFO_PYTHON,
                "1700000000",
                Some("req-123"),
                "/personal/client-info",
            )
            .unwrap();
        for (x_time, request_id, path) in [
            ("1700000001", None, "/personal/auth/request"),
            ("1700000000", Some("req-123"), "/personal/auth/request"),
            ("1700000000", None, "/personal/client-info"),
        ] {
            let e = public
                .verify_request(AUTH_PYTHON, x_time, request_id, path)
                .unwrap_err();
            assert!(matches!(e, Error::Signature { .. }), "{e:?}");
        }
        let other = ProviderKey::from_bytes(&[2; 32]).unwrap().public_key();
        assert!(other
            .verify_request(AUTH_PYTHON, "1700000000", None, "/personal/auth/request")
            .is_err());
    }

    #[test]
    fn garbled_signatures_are_signature_errors() {
        let public = key().public_key();
        let der = "MEUCIQC/mVKhi8FKoayul2Mim3E2oaIOCNJk5dEXxTqbkeJSOQIgOM0hsW0qcP2H8iXy1aQYpmY0SJWEaWur7nQXlKDCFxA=";
        let zeros = BASE64.encode([0u8; 64]);
        for x_sign in ["", "not base64!", "AAAA", der, &zeros] {
            let e = public.verify(x_sign, b"x").unwrap_err();
            assert!(matches!(e, Error::Signature { .. }), "{x_sign:?}: {e:?}");
        }
    }

    // The same scalar as SEC1 PEM, from `sk.to_pem()` in the script above (a test key).
    const SEC1_PEM: &str = "-----BEGIN EC PRIVATE KEY-----
MHQCAQEEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBoAcGBSuBBAAKoUQDQgAEG4TF
VnsSZECZXT7VqroFZdceGDRgSBn/nBf16dXdB49wvq+PWItUFQf+1qZCxatC39+BIKf2Od5RItR6
aajo0Q==
-----END EC PRIVATE KEY-----
";

    #[test]
    fn pem_keys_in_sec1_and_pkcs8_are_read() {
        let sec1 = ProviderKey::from_pem(SEC1_PEM).unwrap();
        assert_eq!(sec1.key_id(), KEY_ID);
        let secret = k256::SecretKey::from_slice(&SCALAR).unwrap();
        let pkcs8 =
            k256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&secret, k256::pkcs8::LineEnding::LF)
                .unwrap();
        assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(ProviderKey::from_pem(&pkcs8).unwrap().key_id(), KEY_ID);
    }

    // `openssl ec -in key.pem -pubout | base64 -w0` for SEC1_PEM (OpenSSL 3).
    const PUBLIC_PEM_BASE64: &str = "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUZZd0VBWUhLb1pJemowQ0FRWUZLNEVFQUFvRFFnQUVHNFRGVm5zU1pFQ1pYVDdWcXJvRlpkY2VHRFJnU0JuLwpuQmYxNmRYZEI0OXd2cStQV0l0VUZRZisxcVpDeGF0QzM5K0JJS2YyT2Q1Ukl0UjZhYWpvMFE9PQotLS0tLUVORCBQVUJMSUMgS0VZLS0tLS0K";

    #[test]
    fn the_registration_pubkey_is_base64_of_the_pem_openssl_writes() {
        let key = ProviderKey::from_pem(SEC1_PEM).unwrap();
        assert_eq!(key.public_key_pem_base64().unwrap(), PUBLIC_PEM_BASE64);
        assert!(key
            .public_key_pem()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----\nMFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE"));
    }

    #[test]
    fn a_p256_key_is_named_as_the_wrong_curve() {
        let p256 = p256::SecretKey::from_slice(&SCALAR).unwrap();
        let sec1 = p256.to_sec1_pem(p256::pkcs8::LineEnding::LF).unwrap();
        let pkcs8 = p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&p256, p256::pkcs8::LineEnding::LF)
            .unwrap();
        for pem in [sec1.as_str(), pkcs8.as_str()] {
            let e = ProviderKey::from_pem(pem).unwrap_err();
            assert!(matches!(e, KeyError::WrongCurve { .. }), "{e:?}");
            assert!(e.to_string().contains("P-256"), "{e}");
            assert!(e.to_string().contains("secp256k1"), "{e}");
            let core: Error = e.into();
            assert!(matches!(core, Error::Config { .. }));
        }
    }

    #[test]
    fn other_texts_and_scalars_are_typed_errors() {
        assert_eq!(
            ProviderKey::from_pem("hello").unwrap_err(),
            KeyError::NotPem { label: None }
        );
        assert!(matches!(
            ProviderKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
            Err(KeyError::NotPem { label: Some(ref l) }) if l == "PUBLIC KEY"
        ));
        assert!(matches!(
            ProviderKey::from_pem(
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----"
            ),
            Err(KeyError::Invalid { .. })
        ));
        assert!(matches!(
            ProviderKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAAAA"),
            Err(KeyError::NotPem { label: Some(ref l) }) if l == "EC PRIVATE KEY"
        ));
        for scalar in [&[0u8; 32][..], &[0xff; 32], &[1; 31], &[1; 33]] {
            assert!(matches!(
                ProviderKey::from_bytes(scalar),
                Err(KeyError::Invalid { .. })
            ));
        }
        assert!(Secp256k1PublicKey::from_base64("AAAA").is_err());
        assert!(Secp256k1PublicKey::from_base64("!!").is_err());
    }

    #[test]
    fn debug_shows_only_the_key_id() {
        let key = key();
        let debug = format!("{key:?}");
        assert!(debug.contains(KEY_ID), "{debug}");
        assert!(!debug.contains("0101"), "{debug}");
        assert!(!debug.contains("[1, 1"), "{debug}");
        assert_eq!(
            format!("{:?}", key.public_key()),
            format!("Secp256k1PublicKey {{ key_id: {KEY_ID:?} }}")
        );
    }
}

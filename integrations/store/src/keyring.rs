//! [`Keyring`]: the keys secrets are encrypted under, the current one and older ones.

use std::fmt;
use std::sync::Arc;

use bankkit_core::{Error, Result};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// The length of a key in bytes (XChaCha20-Poly1305 takes 256-bit keys).
pub const KEY_LEN: usize = 32;

/// The length of the random nonce stored beside each ciphertext.
pub(crate) const NONCE_LEN: usize = 24;

/// The keys a store encrypts secrets with: one current key, which every write uses, and
/// older keys that rows written before a rotation may still name.
///
/// Each row keeps the id of the key it was written with, and a read picks the key by that
/// id; [`SqlStore::reencrypt`](crate::SqlStore::reencrypt) moves rows to the current key,
/// after which the old key can be dropped from the keyring.
///
/// Keys are zeroised when the keyring is dropped and never shown: `Debug` lists the key
/// ids only. Key ids are not secret; they are stored in clear beside each row.
///
/// ```
/// use bankkit_store::Keyring;
/// let keyring = Keyring::new("2026-11", [7; 32]).with_old("2026-01", [3; 32]);
/// assert_eq!(keyring.current_id(), "2026-11");
/// assert_eq!(format!("{keyring:?}"), r#"Keyring { current: "2026-11", old: ["2026-01"] }"#);
/// ```
#[derive(Clone)]
pub struct Keyring {
    inner: Arc<Keys>,
}

struct Keys {
    current: Arc<Key>,
    old: Vec<Arc<Key>>,
}

struct Key {
    id: String,
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl Key {
    fn new(id: String, bytes: [u8; KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let key = Self {
            id,
            bytes: Zeroizing::new(bytes),
        };
        zeroize::Zeroize::zeroize(&mut bytes);
        key
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.bytes.as_ref().into())
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let old: Vec<&str> = self.inner.old.iter().map(|key| key.id.as_str()).collect();
        f.debug_struct("Keyring")
            .field("current", &self.inner.current.id)
            .field("old", &old)
            .finish()
    }
}

impl Keyring {
    /// A keyring whose current key is `key`, known by `key_id`.
    pub fn new(key_id: impl Into<String>, key: [u8; KEY_LEN]) -> Self {
        Self {
            inner: Arc::new(Keys {
                current: Arc::new(Key::new(key_id.into(), key)),
                old: Vec::new(),
            }),
        }
    }

    /// A keyring whose current key is given as a slice.
    ///
    /// # Errors
    /// [`Error::Config`] naming `key` when it is not [`KEY_LEN`] bytes long.
    pub fn from_slice(key_id: impl Into<String>, key: &[u8]) -> Result<Self> {
        Ok(Self::new(key_id, to_array(key)?))
    }

    /// Adds an older key that rows written before a rotation name. An id already in the
    /// keyring keeps its first key.
    pub fn with_old(self, key_id: impl Into<String>, key: [u8; KEY_LEN]) -> Self {
        let key = Arc::new(Key::new(key_id.into(), key));
        if self.find(&key.id).is_some() {
            return self;
        }
        let mut old = self.inner.old.clone();
        old.push(key);
        Self {
            inner: Arc::new(Keys {
                current: self.inner.current.clone(),
                old,
            }),
        }
    }

    /// A new random key, for an application that keeps its keys elsewhere (a secret
    /// manager, an environment variable) and needs a first one.
    pub fn generate_key() -> Zeroizing<[u8; KEY_LEN]> {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = Zeroizing::new([0; KEY_LEN]);
        bytes.copy_from_slice(&key);
        bytes
    }

    /// The id of the key every write uses.
    pub fn current_id(&self) -> &str {
        &self.inner.current.id
    }

    /// The ids of every key, the current one first.
    pub fn key_ids(&self) -> Vec<&str> {
        std::iter::once(&self.inner.current)
            .chain(&self.inner.old)
            .map(|key| key.id.as_str())
            .collect()
    }

    fn find(&self, key_id: &str) -> Option<&Key> {
        std::iter::once(&self.inner.current)
            .chain(&self.inner.old)
            .find(|key| key.id == key_id)
            .map(AsRef::as_ref)
    }

    /// Encrypts `plaintext` under the current key, bound to `aad`: (key id, nonce,
    /// ciphertext).
    pub(crate) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Sealed> {
        let key = &self.inner.current;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = key
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| Error::Storage {
                message: format!("could not encrypt with key {}", key.id),
                source: None,
            })?;
        Ok(Sealed {
            key_id: key.id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Decrypts a row's secret: the key is picked by the row's key id, and `aad` must be
    /// the one it was sealed with. `what` names the row in errors.
    pub(crate) fn open(
        &self,
        what: &str,
        aad: &[u8],
        sealed: &Sealed,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let key = self.find(&sealed.key_id).ok_or_else(|| Error::Storage {
            message: format!(
                "{what} was encrypted with key id {:?}, which the keyring does not hold (it holds {:?})",
                sealed.key_id,
                self.key_ids()
            ),
            source: None,
        })?;
        let nonce: [u8; NONCE_LEN] =
            sealed
                .nonce
                .as_slice()
                .try_into()
                .map_err(|_| Error::Storage {
                    message: format!(
                        "{what} is corrupt: its nonce is {} bytes long, not {NONCE_LEN}",
                        sealed.nonce.len()
                    ),
                    source: None,
                })?;
        key.cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Error::Storage {
                message: format!(
                    "could not decrypt {what} with key id {:?}: the key is wrong, or the row was altered or copied from elsewhere",
                    sealed.key_id
                ),
                source: None,
            })
    }
}

fn to_array(key: &[u8]) -> Result<[u8; KEY_LEN]> {
    key.try_into().map_err(|_| {
        Error::config(
            "key",
            format!("must be {KEY_LEN} bytes long, not {}", key.len()),
        )
    })
}

/// A secret as stored: the id of the key, the nonce and the ciphertext with its tag.
#[derive(Clone, Debug)]
pub(crate) struct Sealed {
    pub(crate) key_id: String,
    pub(crate) nonce: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
}

/// Associated data binding a ciphertext to its row: a domain, the table and the row's key
/// parts, each length-prefixed so that no two rows share it.
pub(crate) fn aad(table: &str, parts: &[&str]) -> Vec<u8> {
    let mut out = b"bankkit-store/v1".to_vec();
    for part in std::iter::once(table).chain(parts.iter().copied()) {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_associated_data() {
        let keyring = Keyring::new("k1", [1; 32]);
        let sealed = keyring.seal(b"row-a", b"secret").unwrap();
        assert_eq!(sealed.key_id, "k1");
        assert_eq!(sealed.nonce.len(), NONCE_LEN);
        assert_eq!(
            keyring.open("t", b"row-a", &sealed).unwrap().as_slice(),
            b"secret"
        );
        let moved = keyring.open("t", b"row-b", &sealed).unwrap_err();
        assert!(moved.to_string().contains("k1"), "{moved}");
        let wrong = Keyring::new("k1", [2; 32]).open("t", b"row-a", &sealed);
        assert!(matches!(wrong, Err(Error::Storage { .. })));
        let unknown = Keyring::new("k2", [1; 32])
            .open("t", b"row-a", &sealed)
            .unwrap_err();
        assert!(unknown.to_string().contains("\"k1\""), "{unknown}");
    }

    #[test]
    fn old_keys_open_and_ids_stay_unique() {
        let old = Keyring::new("k1", [1; 32]);
        let sealed = old.seal(b"a", b"x").unwrap();
        let rotated = Keyring::new("k2", [2; 32])
            .with_old("k1", [1; 32])
            .with_old("k1", [9; 32]);
        assert_eq!(rotated.key_ids(), ["k2", "k1"]);
        assert_eq!(rotated.open("t", b"a", &sealed).unwrap().as_slice(), b"x");
        assert_eq!(rotated.seal(b"a", b"x").unwrap().key_id, "k2");
    }

    #[test]
    fn associated_data_is_unambiguous() {
        assert_ne!(aad("t", &["ab", "c"]), aad("t", &["a", "bc"]));
        assert!(Keyring::from_slice("k", &[0; 31]).is_err());
    }
}

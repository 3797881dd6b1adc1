//! Monobank's provider ("corporate") API objects exactly as they travel (monobank.md §3.2).
//!
//! The company registers its secp256k1 key, asks each customer for access, and then reads
//! the customer's `client-info` and statements, which have the personal API's shapes
//! ([`ClientInfo`](super::ClientInfo), [`StatementItem`](super::StatementItem)).
//!
//! A customer's request id (`tokenRequestId`, sent back as `X-Request-Id`) is the
//! credential of every read for that customer: it is a [`SecretString`] here, and
//! [`AccessRequest`]'s `Debug` hides it and the accept URL (which carries it).

use std::fmt;

use bankkit_core::secret::SecretString;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::personal::scheme_and_host;
use crate::webhook::BASE64;

open_enum! {
    /// Where a company's registration stands (`status` of `POST /personal/auth/registration`
    /// and `/personal/auth/registration/status`).
    #[non_exhaustive]
    pub enum RegistrationState {
        /// Received, not reviewed yet.
        New = "New",
        /// Refused by the bank.
        Declined = "Declined",
        /// Approved: the key can make the company's calls.
        Approved = "Approved",
    }
}

/// What a company tells the bank when it registers its key (the caller's side of
/// `POST /personal/auth/registration`; the key's `pubkey` is added by the client).
///
/// `Debug` shows the logo's size only.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registration {
    /// The company's name.
    pub name: String,
    /// What the company does and why it needs the API.
    pub description: String,
    /// The contact person.
    pub contact_person: String,
    /// The contact person's phone (`380671234567`).
    pub phone: String,
    /// The contact person's e-mail.
    pub email: String,
    /// The company's logo: the image file's bytes (sent as base64).
    pub logo: Vec<u8>,
}

impl Registration {
    /// A registration; `logo` is the image file's bytes.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        contact_person: impl Into<String>,
        phone: impl Into<String>,
        email: impl Into<String>,
        logo: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            contact_person: contact_person.into(),
            phone: phone.into(),
            email: email.into(),
            logo: logo.into(),
        }
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("contact_person", &self.contact_person)
            .field("phone", &self.phone)
            .field("email", &self.email)
            .field("logo_bytes", &self.logo.len())
            .finish()
    }
}

/// The body of `POST /personal/auth/registration` (`RegistrationKeyRequest`; every field
/// required).
///
/// `Debug` shows the sizes of `pubkey` and `logo` only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegistrationRequest {
    /// Base64 of the PEM secp256k1 public key.
    pub pubkey: String,
    /// The company's name.
    pub name: String,
    /// What the company does and why it needs the API.
    pub description: String,
    /// The contact person.
    pub contact_person: String,
    /// The contact person's phone.
    pub phone: String,
    /// The contact person's e-mail.
    pub email: String,
    /// Base64 of the logo image.
    pub logo: String,
}

impl RegistrationRequest {
    /// The body for `registration` with the key's `pubkey` (base64 of its PEM).
    pub fn new(pubkey: impl Into<String>, registration: &Registration) -> Self {
        Self {
            pubkey: pubkey.into(),
            name: registration.name.clone(),
            description: registration.description.clone(),
            contact_person: registration.contact_person.clone(),
            phone: registration.phone.clone(),
            email: registration.email.clone(),
            logo: BASE64.encode(&registration.logo),
        }
    }
}

impl fmt::Debug for RegistrationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationRequest")
            .field("pubkey_len", &self.pubkey.len())
            .field("name", &self.name)
            .field("description", &self.description)
            .field("contact_person", &self.contact_person)
            .field("phone", &self.phone)
            .field("email", &self.email)
            .field("logo_len", &self.logo.len())
            .finish()
    }
}

/// The answer of `POST /personal/auth/registration` (`RegistrationKeyResponse`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegistrationAnswer {
    /// Where the new registration stands, `New` as a rule.
    pub status: RegistrationState,
}

/// The body of `POST /personal/auth/registration/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegistrationStatusRequest {
    /// Base64 of the PEM secp256k1 public key that was registered.
    pub pubkey: String,
}

impl RegistrationStatusRequest {
    /// The body asking about `pubkey`.
    pub fn new(pubkey: impl Into<String>) -> Self {
        Self {
            pubkey: pubkey.into(),
        }
    }
}

/// The answer of `POST /personal/auth/registration/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegistrationStatus {
    /// Where the registration stands.
    pub status: RegistrationState,
    /// The key's id (`X-Key-Id`) once the bank issued it; `None` when absent or empty.
    /// It should equal [`ProviderKey::key_id`](crate::ProviderKey::key_id).
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub key_id: Option<String>,
}

/// `None` for an absent, null or empty string.
fn empty_as_none<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text.filter(|text| !text.trim().is_empty()))
}

/// The answer of `GET /personal/corp/settings`: what the bank holds about the company.
///
/// The schema also lists a required `id` it never defines; it is not read. `Debug` shows
/// the sizes of `pubkey` and `logo` and only the scheme and host of `webhook`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorpSettings {
    /// Base64 of the PEM public key registered.
    #[serde(default)]
    pub pubkey: String,
    /// The company's name.
    #[serde(default)]
    pub name: String,
    /// One letter per permission the company was granted (`"psf"`).
    #[serde(default)]
    pub permission: String,
    /// Base64 of the logo image.
    #[serde(default)]
    pub logo: String,
    /// Where the bank POSTs the customers' transactions, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
}

impl fmt::Debug for CorpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorpSettings")
            .field("pubkey_len", &self.pubkey.len())
            .field("name", &self.name)
            .field("permission", &self.permission)
            .field("logo_len", &self.logo.len())
            .field("webhook", &self.webhook.as_deref().map(scheme_and_host))
            .finish()
    }
}

/// The answer of `POST /personal/auth/request` (`TokenRequest`): a new request for a
/// customer's access.
///
/// Show `accept_url` to the customer (as a QR code on a desktop, as a redirect on a phone);
/// once they accept, `request_id` reads their data. Both are secrets: the accept URL ends
/// in the request id. `Debug` shows neither (only the accept URL's scheme and host).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessRequest {
    /// The request id (`tokenRequestId`), sent as `X-Request-Id` for this customer.
    #[serde(rename = "tokenRequestId")]
    pub request_id: SecretString,
    /// The page where the customer grants access.
    pub accept_url: String,
}

impl AccessRequest {
    /// A request, for tests and for requests kept from an earlier run.
    pub fn new(request_id: SecretString, accept_url: impl Into<String>) -> Self {
        Self {
            request_id,
            accept_url: accept_url.into(),
        }
    }
}

impl fmt::Debug for AccessRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessRequest")
            .field("request_id", &"[REDACTED]")
            .field("accept_url", &scheme_and_host(&self.accept_url))
            .finish()
    }
}

/// Whether a customer has accepted an access request (`GET /personal/auth/request`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessStatus {
    /// Accepted (200): the request id reads the customer's data.
    Granted,
    /// Not accepted yet (401).
    Pending,
}

#[cfg(test)]
mod tests {
    use bankkit_core::secret::ExposeSecret;

    use super::*;

    #[test]
    fn registration_status_reads_every_state_and_an_empty_key_id_as_none() {
        let approved: RegistrationStatus =
            serde_json::from_str(r#"{"status":"Approved","keyId":"28a75537"}"#).unwrap();
        assert_eq!(approved.status, RegistrationState::Approved);
        assert_eq!(approved.key_id.as_deref(), Some("28a75537"));
        let new: RegistrationStatus =
            serde_json::from_str(r#"{"status":"New","keyId":""}"#).unwrap();
        assert_eq!(new.status, RegistrationState::New);
        assert_eq!(new.key_id, None);
        let declined: RegistrationStatus =
            serde_json::from_str(r#"{"status":"Declined"}"#).unwrap();
        assert_eq!(declined.status, RegistrationState::Declined);
        let other: RegistrationStatus =
            serde_json::from_str(r#"{"status":"Suspended","keyId":null}"#).unwrap();
        assert_eq!(other.status, RegistrationState::Other("Suspended".into()));
        assert_eq!(other.status.as_str(), "Suspended");
    }

    #[test]
    fn registration_body_has_the_documented_names_and_a_base64_logo() {
        let registration = Registration::new(
            "ТОВ \"Ворона\"",
            "PFM",
            "Роман Шевченко",
            "380671234567",
            "etc@example.com",
            vec![0x89, b'P', b'N', b'G'],
        );
        let body = serde_json::to_value(RegistrationRequest::new("UEVN", &registration)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"pubkey": "UEVN", "name": "ТОВ \"Ворона\"", "description": "PFM",
                "contactPerson": "Роман Шевченко", "phone": "380671234567",
                "email": "etc@example.com", "logo": "iVBORw=="})
        );
        assert!(format!("{registration:?}").contains("logo_bytes: 4"));
    }

    #[test]
    fn corp_settings_read_the_example_and_hide_the_webhook_path() {
        let settings: CorpSettings = serde_json::from_str(
            r#"{"id":"svc-1","pubkey":"LS0tLS1CRUdJTi","name":"Компанія","permission":"psf",
                "logo":"iVBORw0KGgo","webhook":"https://example.com/mono/corp/webhook/secret-part"}"#,
        )
        .unwrap();
        assert_eq!(settings.permission, "psf");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("secret-part"), "{shown}");
        assert!(shown.contains("https://example.com"), "{shown}");
        let without: CorpSettings =
            serde_json::from_str(r#"{"pubkey":"","name":"n","permission":"p","logo":""}"#).unwrap();
        assert_eq!(without.webhook, None);
    }

    #[test]
    fn access_request_reads_the_token_request_and_hides_it() {
        let request: AccessRequest = serde_json::from_str(
            r#"{"tokenRequestId":"uLkwh3NzFAfEkj7urj5C7AU_","acceptUrl":"https://mbnk.app/auth/uLkwh3NzFAfEkj7urj5C7AU_"}"#,
        )
        .unwrap();
        assert_eq!(
            request.request_id.expose_secret(),
            "uLkwh3NzFAfEkj7urj5C7AU_"
        );
        let shown = format!("{request:?}");
        assert!(!shown.contains("uLkwh3NzFAfEkj7urj5C7AU_"), "{shown}");
        assert!(shown.contains("https://mbnk.app"), "{shown}");
    }
}

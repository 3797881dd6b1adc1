//! Payment ids in URLs.
//!
//! A [`PaymentId`] is a struct (kind, the provider's resource, its id, and a refund's
//! parent), so it is carried in a URL as **unpadded base64url of its JSON**
//! (`{"kind":"collection","resource":"invoice","id":"p2_Xk3aB9"}` →
//! `eyJraW5kIjoiY29sbGVjdGlvbiIs…`). Every payment the router answers with carries this
//! text as `url_id`; it is opaque to clients and only ever made by the router.

use bankkit_core::PaymentId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::problem::Problem;

/// The URL form of `id`: unpadded base64url of its JSON.
///
/// ```
/// use bankkit_core::{PaymentId, PaymentKind};
/// use bankkit_axum::{decode_payment_id, encode_payment_id};
///
/// let id = PaymentId::new(PaymentKind::Collection, "invoice", "p2_Xk3aB9");
/// let text = encode_payment_id(&id);
/// assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
/// assert_eq!(decode_payment_id(&text).unwrap(), id);
/// ```
pub fn encode_payment_id(id: &PaymentId) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(id).unwrap_or_default())
}

/// Reads the URL form made by [`encode_payment_id`].
///
/// # Errors
/// A `400` [`Problem`] (`invalid_payment_id`) for text that is not one.
pub fn decode_payment_id(text: &str) -> Result<PaymentId, Problem> {
    let invalid = || {
        Problem::bad_request(
            "invalid_payment_id",
            "the payment id is not one this router issued (the `url_id` of a payment)",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

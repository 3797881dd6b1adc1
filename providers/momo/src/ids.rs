//! MoMo's ids: the client-chosen `X-Reference-Id` and bankkit's payment ids over it.

use std::fmt;
use std::str::FromStr;

use bankkit_core::{Error, IdempotencyKey, PaymentId, Result};
use uuid::Uuid;

bankkit_core::id_type! {
    /// An `X-Reference-Id`: a lowercase UUID v4 chosen by the client, which becomes the
    /// resource's id (`GET …/{referenceId}`). Reusing one answers 409.
    ReferenceId
}

/// The namespace under which idempotency keys become reference ids: a fixed UUID (a random
/// v4, chosen once for bankkit). It must never change, or a retry across versions would get
/// another reference id; a test pins the derivation.
const BANKKIT_NAMESPACE: Uuid = Uuid::from_u128(0x6f1b_3c0e_9a54_4d3e_8b1f_2c7a_5e90_d4a1);

impl ReferenceId {
    /// A fresh random UUID v4.
    pub fn random() -> Self {
        Self::new(Uuid::new_v4().to_string())
    }

    /// The reference id of `key`: the same key always gives the same valid UUID v4.
    ///
    /// The 16 bytes are the SHA-1-based UUID v5 of the key in a fixed bankkit namespace;
    /// the version and variant bits are then set to those of a v4, because MoMo accepts
    /// only v4 ids.
    pub fn from_idempotency_key(key: &IdempotencyKey) -> Self {
        let v5 = Uuid::new_v5(&BANKKIT_NAMESPACE, key.as_str().as_bytes());
        let v4 = uuid::Builder::from_random_bytes(v5.into_bytes()).into_uuid();
        Self::new(v4.to_string())
    }

    /// Checks that `text` is a UUID v4 and returns it in lowercase canonical form.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] otherwise.
    pub fn parse(text: &str) -> Result<Self> {
        let uuid = Uuid::parse_str(text)
            .map_err(|e| Error::invalid(format!("reference id {text:?} is not a UUID: {e}")))?;
        if uuid.get_version_num() != 4 {
            return Err(Error::invalid(format!(
                "reference id {text:?} is not a UUID v4, which MoMo requires"
            )));
        }
        Ok(Self::new(uuid.to_string()))
    }
}

/// What a bankkit payment id points at: which MoMo resource, so that `status` knows the
/// endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentResource {
    /// `collection/v1_0/requesttopay` (a collect).
    RequestToPay,
    /// `collection/v1_0/requesttowithdraw`.
    RequestToWithdraw,
    /// `disbursement/v1_0/transfer` (a pay-out).
    Transfer,
    /// `disbursement/v1_0/deposit`.
    Deposit,
    /// `disbursement/v1_0/refund`.
    Refund,
    /// `remittance/v1_0/transfer`.
    RemittanceTransfer,
}

impl PaymentResource {
    /// Every kind.
    pub const ALL: [PaymentResource; 6] = [
        Self::RequestToPay,
        Self::RequestToWithdraw,
        Self::Transfer,
        Self::Deposit,
        Self::Refund,
        Self::RemittanceTransfer,
    ];

    /// The prefix in a payment id (`requesttopay`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::RequestToPay => "requesttopay",
            Self::RequestToWithdraw => "requesttowithdraw",
            Self::Transfer => "transfer",
            Self::Deposit => "deposit",
            Self::Refund => "refund",
            Self::RemittanceTransfer => "remittancetransfer",
        }
    }
}

/// A bankkit [`PaymentId`] for MoMo: the resource and its reference id. As text (in the
/// callback URL's `bankkit_payment` parameter) it is `<resource>:<reference id>`, for
/// example `requesttopay:3f0c…`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PaymentRef {
    /// The resource.
    pub resource: PaymentResource,
    /// Its `X-Reference-Id`.
    pub reference_id: ReferenceId,
}

impl PaymentRef {
    /// A reference.
    pub fn new(resource: PaymentResource, reference_id: ReferenceId) -> Self {
        Self {
            resource,
            reference_id,
        }
    }

    /// As a core payment id: kind from the resource, resource name, reference id.
    pub fn payment_id(&self) -> PaymentId {
        PaymentId::new(
            crate::convert::kind(self.resource),
            self.resource.as_str(),
            self.reference_id.as_str(),
        )
    }

    /// Reads a core payment id.
    ///
    /// # Errors
    /// [`Error::NotFound`] when it is not a MoMo payment id (another resource, a kind that
    /// does not match it, or an id that is not a UUID v4).
    pub fn from_payment_id(id: &PaymentId) -> Result<Self> {
        let not_ours = || Error::NotFound {
            message: format!("{id} is not a MoMo payment id"),
        };
        let resource = PaymentResource::ALL
            .into_iter()
            .find(|r| r.as_str() == id.resource() && crate::convert::kind(*r) == id.kind())
            .ok_or_else(not_ours)?;
        let reference_id = ReferenceId::parse(id.id()).map_err(|_| not_ours())?;
        Ok(Self::new(resource, reference_id))
    }
}

impl fmt::Display for PaymentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource.as_str(), self.reference_id)
    }
}

impl FromStr for PaymentRef {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let not_ours = || Error::NotFound {
            message: format!(
                "{s:?} is not a MoMo payment id (<resource>:<uuid v4>, e.g. requesttopay:…)"
            ),
        };
        let (kind, reference) = s.split_once(':').ok_or_else(not_ours)?;
        let resource = PaymentResource::ALL
            .into_iter()
            .find(|r| r.as_str() == kind)
            .ok_or_else(not_ours)?;
        let reference_id = ReferenceId::parse(reference).map_err(|_| not_ours())?;
        Ok(Self::new(resource, reference_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_ids_from_keys_are_stable_valid_v4_uuids() {
        let key = IdempotencyKey::new("order-42").unwrap();
        let a = ReferenceId::from_idempotency_key(&key);
        let b = ReferenceId::from_idempotency_key(&key);
        assert_eq!(a, b);
        let uuid = Uuid::parse_str(a.as_str()).unwrap();
        assert_eq!(uuid.get_version_num(), 4);
        assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(a.as_str(), a.as_str().to_lowercase());
        let other = ReferenceId::from_idempotency_key(&IdempotencyKey::new("order-43").unwrap());
        assert_ne!(a, other);
        assert_eq!(ReferenceId::parse(a.as_str()).unwrap(), a);
    }

    #[test]
    fn the_derivation_is_pinned_so_retries_across_versions_keep_their_id() {
        let key = IdempotencyKey::new("bankkit").unwrap();
        assert_eq!(
            ReferenceId::from_idempotency_key(&key).as_str(),
            "e3dc1e1f-0a14-4c5f-8642-f83691dc1cbc"
        );
    }

    #[test]
    fn payment_ids_round_trip_and_foreign_ids_are_not_found() {
        let reference = ReferenceId::random();
        for resource in PaymentResource::ALL {
            let r = PaymentRef::new(resource, reference.clone());
            let id = r.payment_id();
            assert_eq!(id.resource(), resource.as_str());
            assert_eq!(id.id(), reference.as_str());
            assert_eq!(PaymentRef::from_payment_id(&id).unwrap(), r);
            assert_eq!(r.to_string().parse::<PaymentRef>().unwrap(), r);
        }
        use bankkit_core::PaymentKind;
        for bad in [
            PaymentId::new(PaymentKind::Collection, "invoice", "p2_123"),
            PaymentId::new(PaymentKind::Collection, "requesttopay", "not-a-uuid"),
            PaymentId::new(PaymentKind::Payout, "requesttopay", reference.as_str()),
        ] {
            let err = PaymentRef::from_payment_id(&bad).unwrap_err();
            assert!(matches!(err, Error::NotFound { .. }), "{bad}: {err:?}");
        }
        // A v1 UUID is not accepted as a reference id.
        assert!(ReferenceId::parse("6fa459ea-ee8a-11e0-a1d5-0800200c9a66").is_err());
    }
}

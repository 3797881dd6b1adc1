//! Monobank's objects exactly as they travel.
//!
//! - The personal API (monobank.md §4): its types are re-exported here, so
//!   `wire::ClientInfo` and `wire::StatementItem` name them.
//! - The acquiring API (`/api/merchant/...`, monobank.md §5): [`acquiring`].
//! - The provider ("corporate") API's own objects (registration, company settings, access
//!   requests, monobank.md §3.2): [`provider_api`]. Its customer data has the personal
//!   shapes above.
//!
//! Field names are the API's (`camelCase` on the wire); money is integer minor units,
//! currencies are ISO 4217 numeric codes. Enums the bank may extend keep an unknown value in
//! `Other(String)` instead of failing; unknown fields are ignored. Conversion into core
//! types lives in `convert.rs`.

/// Declares a string enum the bank may extend: the documented values as variants, any
/// other value kept unchanged in `Other`, `as_str` giving the wire text back.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this crate does not know yet, unchanged.
            Other(String),
        }

        impl $name {
            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::from(text.as_str()))
            }
        }
    };
}

pub mod acquiring;
mod personal;
pub mod provider_api;

pub use personal::*;

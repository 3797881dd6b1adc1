//! Typed identifiers: an account id is never confused with a payment id.

/// Defines a string identifier newtype with `as_str`, `Display`, `FromStr`, transparent serde,
/// `From<&str>`/`From<String>` and comparison with `&str`.
///
/// Provider crates use it for their own ids:
///
/// ```
/// bankkit_core::id_type! {
///     /// A pot at the provider.
///     PotId
/// }
/// let id = PotId::new("pot_0001");
/// assert_eq!(id, "pot_0001");
/// assert_eq!(id.to_string(), "pot_0001");
/// ```
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self(s.to_owned()))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl ::std::convert::From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl ::std::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
    };
}

id_type! {
    /// An account (card account, current account, jar, pot, wallet) at a provider.
    AccountId
}

id_type! {
    /// A transaction on an account statement.
    TransactionId
}

id_type! {
    /// A registered webhook.
    WebhookId
}

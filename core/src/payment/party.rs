//! Who pays and who is paid: [`Party`], with card data as a secret and every identifier
//! masked in `Debug`.
//!
//! A request's `Debug` (and so every log line that prints one) never shows a whole card
//! number, CVV, phone number or IBAN: cards show at most the first six and last four
//! digits, phone numbers and IBANs their last four characters.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::ids::AccountId;
use crate::{Error, Result};

/// Who pays or is paid.
#[derive(Clone)]
#[non_exhaustive]
pub enum Party {
    /// A payment card, charged or paid directly (needs the provider's card-data permission).
    Card(Card),
    /// A card the provider saved earlier, by the token it issued (Monobank `cardToken`).
    SavedCard(SecretString),
    /// A mobile number, optionally at a named bank (a Faster Payments System bank id).
    Phone(Phone),
    /// A wallet of a named service (`service` as the provider names it, e.g. `"qiwi"`).
    Wallet {
        /// The wallet service.
        service: String,
        /// The wallet's id at that service.
        id: String,
    },
    /// An e-mail address.
    Email(String),
    /// An IBAN.
    Iban(Iban),
    /// An account at the same provider.
    Account(AccountId),
    /// A party id the provider knows under its own kind name.
    Other {
        /// The provider's kind of id.
        kind: String,
        /// The id.
        value: String,
    },
}

impl Party {
    /// A phone number at no particular bank (MoMo's MSISDN).
    ///
    /// # Errors
    /// As [`Phone::new`].
    pub fn phone(number: impl Into<String>) -> Result<Self> {
        Ok(Self::Phone(Phone::new(number)?))
    }

    /// The kind of party, for messages: `"card"`, `"phone"`, `"iban"`, …
    pub fn kind(&self) -> &str {
        match self {
            Self::Card(_) => "card",
            Self::SavedCard(_) => "saved card",
            Self::Phone(_) => "phone",
            Self::Wallet { .. } => "wallet",
            Self::Email(_) => "email",
            Self::Iban(_) => "iban",
            Self::Account(_) => "account",
            Self::Other { kind, .. } => kind,
        }
    }
}

impl PartialEq for Party {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Card(a), Self::Card(b)) => a == b,
            (Self::SavedCard(a), Self::SavedCard(b)) => a.expose_secret() == b.expose_secret(),
            (Self::Phone(a), Self::Phone(b)) => a == b,
            (
                Self::Wallet { service, id },
                Self::Wallet {
                    service: s2,
                    id: i2,
                },
            ) => service == s2 && id == i2,
            (Self::Email(a), Self::Email(b)) => a == b,
            (Self::Iban(a), Self::Iban(b)) => a == b,
            (Self::Account(a), Self::Account(b)) => a == b,
            (
                Self::Other { kind, value },
                Self::Other {
                    kind: k2,
                    value: v2,
                },
            ) => kind == k2 && value == v2,
            _ => false,
        }
    }
}

impl Eq for Party {}

impl fmt::Debug for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Card(card) => f.debug_tuple("Card").field(card).finish(),
            Self::SavedCard(_) => f.write_str("SavedCard([REDACTED])"),
            Self::Phone(phone) => f.debug_tuple("Phone").field(phone).finish(),
            Self::Wallet { service, id } => f
                .debug_struct("Wallet")
                .field("service", service)
                .field("id", &Masked(id))
                .finish(),
            Self::Email(email) => f.debug_tuple("Email").field(&MaskedEmail(email)).finish(),
            Self::Iban(iban) => f.debug_tuple("Iban").field(iban).finish(),
            Self::Account(account) => f.debug_tuple("Account").field(account).finish(),
            Self::Other { kind, value } => f
                .debug_struct("Other")
                .field("kind", kind)
                .field("value", &Masked(value))
                .finish(),
        }
    }
}

/// Card data: a secret from the caller to the wire.
///
/// `Debug` shows the first six and last four digits of the number (as card receipts do),
/// never the expiry or the CVV.
///
/// ```
/// use bankkit_core::payment::Card;
///
/// let card = Card::new("4111 1111 1111 1111".into(), "12/30", Some("123".into()))?;
/// assert_eq!(card.masked_number(), "411111******1111");
/// let printed = format!("{card:?}");
/// assert!(!printed.contains("4111111111111111") && !printed.contains("123"));
/// # Ok::<(), bankkit_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Card {
    number: SecretString,
    expiry: CardExpiry,
    cvv: Option<SecretString>,
}

impl Card {
    /// Checks and wraps card data: 12 to 19 digits (spaces and dashes are dropped) passing
    /// the Luhn check, an expiry `MM/YY` (or `MMYY`), an optional CVV of 3 or 4 digits.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] naming what is wrong, never quoting the number or CVV.
    pub fn new(number: SecretString, expiry: &str, cvv: Option<SecretString>) -> Result<Self> {
        let digits: String = number
            .expose_secret()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("a card number must have 12 to 19 digits"));
        }
        if !luhn(&digits) {
            return Err(Error::invalid("the card number fails the Luhn check"));
        }
        if let Some(cvv) = &cvv {
            let cvv = cvv.expose_secret();
            if !(3..=4).contains(&cvv.len()) || !cvv.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::invalid("a CVV must have 3 or 4 digits"));
            }
        }
        Ok(Self {
            number: SecretString::from(digits),
            expiry: CardExpiry::parse(expiry)?,
            cvv,
        })
    }

    /// The card number's digits. Every call is a place the number leaves its wrapper.
    pub fn number(&self) -> &SecretString {
        &self.number
    }

    /// The expiry.
    pub fn expiry(&self) -> CardExpiry {
        self.expiry
    }

    /// The CVV, when given.
    pub fn cvv(&self) -> Option<&SecretString> {
        self.cvv.as_ref()
    }

    /// The number with all but the first six and last four digits as `*`.
    pub fn masked_number(&self) -> String {
        let digits = self.number.expose_secret();
        let len = digits.len();
        digits
            .char_indices()
            .map(|(i, c)| if i < 6 || i + 4 >= len { c } else { '*' })
            .collect()
    }
}

impl PartialEq for Card {
    fn eq(&self, other: &Self) -> bool {
        self.number.expose_secret() == other.number.expose_secret()
            && self.expiry == other.expiry
            && self.cvv.as_ref().map(ExposeSecret::expose_secret)
                == other.cvv.as_ref().map(ExposeSecret::expose_secret)
    }
}

impl Eq for Card {}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("number", &self.masked_number())
            .field("expiry", &"[REDACTED]")
            .field("cvv", &self.cvv.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// A card's expiry month and year.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CardExpiry {
    month: u8,
    year: u16,
}

impl CardExpiry {
    /// Reads `MM/YY`, `MMYY` or `MM/YYYY`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for anything else or a month outside 1–12.
    pub fn parse(text: &str) -> Result<Self> {
        let digits: String = text.chars().filter(|c| *c != '/').collect();
        let bad = || Error::invalid("a card expiry must be MM/YY");
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (month, year) = match digits.len() {
            4 => (&digits[..2], &digits[2..]),
            6 => (&digits[..2], &digits[4..]),
            _ => return Err(bad()),
        };
        let month: u8 = month.parse().map_err(|_| bad())?;
        let year: u16 = year.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self {
            month,
            year: 2000 + year,
        })
    }

    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The four-digit year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// `MMYY`, as card APIs take it.
    pub fn mmyy(&self) -> String {
        format!("{:02}{:02}", self.month, self.year % 100)
    }
}

impl fmt::Debug for CardExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardExpiry([REDACTED])")
    }
}

/// A mobile number in international form (digits only, `+` and separators dropped),
/// optionally at a named bank.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone {
    number: String,
    bank: Option<String>,
}

impl Phone {
    /// Checks and wraps a number: 7 to 15 digits after dropping `+`, spaces, dashes and
    /// brackets (E.164).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for anything else (the number is not quoted).
    pub fn new(number: impl Into<String>) -> Result<Self> {
        let number: String = number
            .into()
            .chars()
            .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
            .collect();
        if !(7..=15).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "a phone number must have 7 to 15 digits in international form",
            ));
        }
        Ok(Self { number, bank: None })
    }

    /// The same number at `bank` (the provider's bank id, e.g. a Faster Payments System
    /// member id).
    pub fn at_bank(mut self, bank: impl Into<String>) -> Self {
        self.bank = Some(bank.into());
        self
    }

    /// The digits.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The bank, when named.
    pub fn bank(&self) -> Option<&str> {
        self.bank.as_deref()
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phone")
            .field("number", &Masked(&self.number))
            .field("bank", &self.bank)
            .finish()
    }
}

/// An IBAN (spaces dropped, upper case), checked with its ISO 7064 check digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Iban(String);

impl Iban {
    /// Checks and wraps an IBAN.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when it is not 15 to 34 letters and digits starting with a
    /// country code and check digits, or the check digits do not match.
    pub fn new(iban: impl Into<String>) -> Result<Self> {
        let iban: String = iban
            .into()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let shaped = (15..=34).contains(&iban.len())
            && iban.bytes().all(|b| b.is_ascii_alphanumeric())
            && iban.bytes().take(2).all(|b| b.is_ascii_uppercase())
            && iban.bytes().skip(2).take(2).all(|b| b.is_ascii_digit());
        if !shaped {
            return Err(Error::invalid(
                "an IBAN must be a country code, check digits and up to 30 letters or digits",
            ));
        }
        let rearranged = iban[4..].bytes().chain(iban[..4].bytes());
        let remainder = rearranged.fold(0u32, |acc, b| {
            let value = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            };
            if value >= 10 {
                (acc * 100 + value) % 97
            } else {
                (acc * 10 + value) % 97
            }
        });
        if remainder != 1 {
            return Err(Error::invalid("the IBAN's check digits do not match"));
        }
        Ok(Self(iban))
    }

    /// The IBAN.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let country = self.0.get(..2).unwrap_or_default();
        write!(
            f,
            "Iban({country}{:?})",
            Masked(self.0.get(2..).unwrap_or_default())
        )
    }
}

/// Text shown with everything but its last four characters as `*`.
struct Masked<'a>(&'a str);

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.chars().count();
        let shown = if count > 8 { 4 } else { count / 3 };
        let masked: String = self
            .0
            .chars()
            .enumerate()
            .map(|(i, c)| if i + shown >= count { c } else { '*' })
            .collect();
        write!(f, "\"{masked}\"")
    }
}

/// An e-mail address with its local part reduced to its first character.
struct MaskedEmail<'a>(&'a str);

impl fmt::Debug for MaskedEmail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once('@') {
            Some((local, domain)) => {
                let first = local.chars().next().unwrap_or('*');
                write!(f, "\"{first}***@{domain}\"")
            }
            None => Masked(self.0).fmt(f),
        }
    }
}

/// The Luhn check of a card number: `false` for anything but ASCII digits.
///
/// ```
/// assert!(bankkit_core::payment::luhn("4242424242424242"));
/// assert!(!bankkit_core::payment::luhn("4242424242424241"));
/// assert!(!bankkit_core::payment::luhn("4242 4242"));
/// ```
pub fn luhn(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_checked_and_never_printed_whole() {
        let card = Card::new("4242424242424242".into(), "0930", Some("987".into())).unwrap();
        let printed = format!("{:?}", Party::Card(card.clone()));
        assert!(printed.contains("424242******4242"), "{printed}");
        assert!(!printed.contains("4242424242424242"));
        assert!(!printed.contains("987") && !printed.contains("0930"));
        assert_eq!(card.expiry().mmyy(), "0930");
        assert!(Card::new("4242424242424241".into(), "09/30", None).is_err());
        assert!(Card::new("4242".into(), "09/30", None).is_err());
        assert!(Card::new("4242424242424242".into(), "13/30", None).is_err());
        assert!(Card::new("4242424242424242".into(), "09/30", Some("12a".into())).is_err());
    }

    #[test]
    fn phones_ibans_wallets_and_emails_are_masked_in_debug() {
        let phone = Party::Phone(
            Phone::new("+380 67 123 4567")
                .unwrap()
                .at_bank("100000000111"),
        );
        let printed = format!("{phone:?}");
        assert!(
            printed.contains("4567") && !printed.contains("380671234567"),
            "{printed}"
        );
        assert!(printed.contains("100000000111"));

        let iban = Party::Iban(Iban::new("UA21 3223 1300 0002 6007 2335 6600 1").unwrap());
        let printed = format!("{iban:?}");
        assert!(
            printed.contains("6001") && !printed.contains("322313"),
            "{printed}"
        );

        let wallet = Party::Wallet {
            service: "qiwi".into(),
            id: "79991234567".into(),
        };
        let printed = format!("{wallet:?}");
        assert!(
            printed.contains("qiwi") && !printed.contains("79991234567"),
            "{printed}"
        );

        let email = format!("{:?}", Party::Email("olena@example.com".into()));
        assert!(
            email.contains("o***@example.com") && !email.contains("olena"),
            "{email}"
        );

        let saved = format!("{:?}", Party::SavedCard("tok_secret".into()));
        assert!(!saved.contains("tok_secret"));
    }

    #[test]
    fn ibans_are_checked_with_their_check_digits() {
        assert!(Iban::new("UA213223130000026007233566001").is_ok());
        assert!(Iban::new("GB82WEST12345698765432").is_ok());
        assert!(Iban::new("GB82WEST12345698765433").is_err());
        assert!(Iban::new("not an iban").is_err());
    }

    #[test]
    fn phones_need_seven_to_fifteen_digits() {
        assert_eq!(
            Phone::new("+46 733 123 450").unwrap().number(),
            "46733123450"
        );
        assert!(Phone::new("12345").is_err());
        assert!(Phone::new("46733a23450").is_err());
    }
}

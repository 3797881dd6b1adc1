//! Exact amounts of money: a [`Decimal`] and an ISO 4217 [`Currency`].
//!
//! Providers send money as minor-unit integers (Monobank, Monzo), decimal strings (MoMo) or
//! JSON numbers (Morune). Every form converts here without passing through `f64` (read JSON
//! numbers as [`JsonDecimal`]), and a value finer than the currency's exponent is an
//! [`Error::Money`], never a rounding.
//!
//! ```
//! use bankkit_core::money::{currency_from_numeric, Money};
//!
//! let uah = currency_from_numeric(980)?;
//! let coffee = Money::from_minor(-6500, uah)?;
//! assert_eq!(coffee.to_string(), "-65.00 UAH");
//! assert_eq!(coffee.to_minor()?, -6500);
//! assert!(Money::parse("1.005", uah).is_err()); // finer than kopiyky
//! # Ok::<(), bankkit_core::Error>(())
//! ```

use std::fmt;
use std::ops::Neg;
use std::str::FromStr;

pub use iso_currency::Currency;
pub use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::{Error, Result};

/// An exact amount in one currency. The amount may be negative (a signed balance).
///
/// Deserialising goes through [`Money::new`], so an amount finer than the currency
/// (`{"amount": "1.005", "currency": "UAH"}`) is refused as it is everywhere else.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MoneyFields")]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

/// The serialised shape of [`Money`], checked by [`Money::new`] on the way in.
#[derive(Deserialize)]
struct MoneyFields {
    amount: Decimal,
    currency: Currency,
}

impl TryFrom<MoneyFields> for Money {
    type Error = Error;

    fn try_from(fields: MoneyFields) -> Result<Self> {
        Self::new(fields.amount, fields.currency)
    }
}

/// Looks up a currency by its ISO 4217 numeric code (Monobank sends `980` for UAH).
///
/// # Errors
/// [`Error::Money`] for a code that is not an ISO 4217 currency.
pub fn currency_from_numeric(code: u16) -> Result<Currency> {
    Currency::from_numeric(code).ok_or_else(|| Error::Money {
        message: format!("{code} is not an ISO 4217 numeric currency code"),
    })
}

/// Looks up a currency by its ISO 4217 alphabetic code (`"UAH"`, `"GBP"`).
///
/// # Errors
/// [`Error::Money`] for a code that is not an ISO 4217 currency.
pub fn currency_from_code(code: &str) -> Result<Currency> {
    Currency::from_code(code).ok_or_else(|| Error::Money {
        message: format!("{code:?} is not an ISO 4217 currency code"),
    })
}

/// The number of decimal places of the currency's minor unit (2 for UAH, 0 for JPY).
///
/// # Errors
/// [`Error::Money`] for currencies without a minor unit in ISO 4217 (gold, test codes).
pub fn exponent(currency: Currency) -> Result<u32> {
    currency
        .exponent()
        .map(u32::from)
        .ok_or_else(|| Error::Money {
            message: format!("{} has no minor unit", currency.code()),
        })
}

impl Money {
    /// An amount in `currency`.
    ///
    /// # Errors
    /// [`Error::Money`] if `amount` has more decimal places than the currency allows.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self> {
        let exp = exponent(currency)?;
        let normalized = amount.normalize();
        if normalized.scale() > exp {
            return Err(Error::Money {
                message: format!(
                    "{amount} has more than {exp} decimal places, the precision of {}",
                    currency.code()
                ),
            });
        }
        let mut amount = normalized;
        amount.rescale(exp);
        Ok(Self { amount, currency })
    }

    /// An amount from an integer count of minor units (kopiyky, pence, cents).
    ///
    /// # Errors
    /// [`Error::Money`] if the currency has no minor unit.
    pub fn from_minor(minor: i64, currency: Currency) -> Result<Self> {
        let exp = exponent(currency)?;
        Ok(Self {
            amount: Decimal::new(minor, exp),
            currency,
        })
    }

    /// An amount from its decimal text (`"12.50"`), as MoMo sends it.
    ///
    /// # Errors
    /// [`Error::Money`] if the text is not a decimal number or is finer than the currency.
    pub fn parse(text: &str, currency: Currency) -> Result<Self> {
        let amount = Decimal::from_str_exact(text.trim()).map_err(|e| Error::Money {
            message: format!("{text:?} is not a decimal amount: {e}"),
        })?;
        Self::new(amount, currency)
    }

    /// An amount from a [`serde_json::Number`].
    ///
    /// `serde_json` (without its `arbitrary_precision` feature, which bankkit does not
    /// enable) keeps integers exactly but stores a number with a fraction or an exponent as
    /// an `f64` while parsing, before this function sees it. Such a number is exact here only
    /// if it was sent with at most 15 significant digits (what an `f64` always keeps); a
    /// number whose `f64` needs more digits than that is refused rather than passed on
    /// rounded (`90071992547409.93` arrives as `…409.92`). Read amounts that may carry more
    /// digits as [`JsonDecimal`], which keeps the number's text.
    ///
    /// # Errors
    /// [`Error::Money`] if the number is not exact for the currency, or is a float with
    /// more than 15 significant digits.
    pub fn from_json_number(number: &serde_json::Number, currency: Currency) -> Result<Self> {
        let text = number.to_string();
        if number.is_f64() && significant_digits(&text) > F64_EXACT_DIGITS {
            return Err(Error::Money {
                message: format!(
                    "{text} has more significant digits than a JSON float keeps exactly; \
                     read it as a JsonDecimal"
                ),
            });
        }
        let amount = parse_json_number(&text).map_err(|message| Error::Money { message })?;
        Self::new(amount, currency)
    }

    /// An amount from a JSON number read exactly, as its text.
    ///
    /// # Errors
    /// [`Error::Money`] if the number is finer than the currency.
    pub fn from_json_decimal(number: &JsonDecimal, currency: Currency) -> Result<Self> {
        Self::new(number.decimal(), currency)
    }

    /// The amount as an integer count of minor units.
    ///
    /// # Errors
    /// [`Error::Money`] if it does not fit an `i64`.
    pub fn to_minor(&self) -> Result<i64> {
        let exp = exponent(self.currency)?;
        let mut scaled = self.amount;
        scaled.rescale(exp);
        let mantissa = scaled.mantissa();
        i64::try_from(mantissa).map_err(|_| Error::Money {
            message: format!("{self} does not fit in 64-bit minor units"),
        })
    }

    /// The decimal amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The same amount without its sign.
    pub fn abs(&self) -> Self {
        Self {
            amount: self.amount.abs(),
            currency: self.currency,
        }
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// The sum of two amounts of the same currency.
    ///
    /// # Errors
    /// [`Error::Money`] if the currencies differ or the sum overflows.
    pub fn checked_add(&self, other: &Money) -> Result<Money> {
        if self.currency != other.currency {
            return Err(Error::Money {
                message: format!(
                    "cannot add {} to {}",
                    other.currency.code(),
                    self.currency.code()
                ),
            });
        }
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| Error::Money {
                message: "sum overflows".into(),
            })?;
        Ok(Self {
            amount,
            currency: self.currency,
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code())
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

/// `-money`: the same amount with the opposite sign, in the same currency (never fails:
/// a `Decimal`'s sign flips without overflow, and the scale is kept).
impl Neg for Money {
    type Output = Money;

    fn neg(self) -> Money {
        Self {
            amount: -self.amount,
            currency: self.currency,
        }
    }
}

impl FromStr for Money {
    type Err = Error;

    /// Parses `"12.50 UAH"`.
    fn from_str(s: &str) -> Result<Self> {
        let (amount, code) = s.trim().rsplit_once(' ').ok_or_else(|| Error::Money {
            message: format!("{s:?} is not of the form \"12.50 UAH\""),
        })?;
        Self::parse(amount, currency_from_code(code)?)
    }
}

/// How many significant decimal digits an `f64` always keeps exactly.
const F64_EXACT_DIGITS: usize = 15;

/// The number of significant digits in a JSON number's text (`"0.0012e5"` has 2).
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1)
}

/// Whether `text` is a number as JSON writes it:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(text: &str) -> bool {
    fn digits(bytes: &[u8], mut i: usize) -> (usize, usize) {
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i - start)
    }
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let (end, count) = digits(bytes, i);
    if count == 0 || (count > 1 && bytes[i] == b'0') {
        return false;
    }
    i = end;
    if bytes.get(i) == Some(&b'.') {
        let (end, count) = digits(bytes, i + 1);
        if count == 0 {
            return false;
        }
        i = end;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (end, count) = digits(bytes, i);
        if count == 0 {
            return false;
        }
        i = end;
    }
    i == bytes.len()
}

/// The exact decimal value of a JSON number's text; a message (without secrets: the text
/// is a number) when it is not a JSON number or has no exact `Decimal`.
fn parse_json_number(text: &str) -> std::result::Result<Decimal, String> {
    if !is_json_number(text) {
        return Err(format!("{text:?} is not a JSON number"));
    }
    let inexact = || format!("{text} cannot be represented exactly as a decimal");
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (text, None),
    };
    let mut value = Decimal::from_str_exact(mantissa).map_err(|_| inexact())?;
    let Some(exponent) = exponent else {
        return Ok(value);
    };
    if value.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let exponent: i64 = exponent.parse().map_err(|_| inexact())?;
    value = value.normalize();
    // value * 10^exponent: move the decimal point while the scale allows, then multiply.
    let scale = i64::from(value.scale());
    // An exponent of ±9.2·10¹⁸ must not overflow here: past i64 it has no Decimal anyway.
    let new_scale = scale.checked_sub(exponent).ok_or_else(inexact)?;
    if new_scale >= 0 {
        let new_scale = u32::try_from(new_scale).map_err(|_| inexact())?;
        value.set_scale(new_scale).map_err(|_| inexact())?;
        return Ok(value);
    }
    value.set_scale(0).map_err(|_| inexact())?;
    let ten = Decimal::TEN;
    for _ in 0..new_scale.unsigned_abs() {
        value = value.checked_mul(ten).ok_or_else(inexact)?;
    }
    Ok(value)
}

/// A [`Decimal`] read from a JSON number's exact text, never through `f64`.
///
/// `serde_json` parses a number with a fraction into an `f64`, which keeps only about 15
/// significant digits (`90071992547409.93` becomes `…409.92`). A `JsonDecimal` field
/// instead receives the number's text (through `serde_json`'s `RawValue`) and reads it with
/// [`Decimal`]'s exact parser; exponents (`1e-7`) are applied exactly. A number with no
/// exact `Decimal` (more than 28 decimal places, beyond ±7.9·10²⁸) is an error, not a
/// rounding. Only JSON numbers are accepted: a string, even `"12.50"`, is a serde error.
///
/// It serialises back as a JSON number with the same text.
///
/// **Limits of `RawValue`:** deserialise it straight from JSON text (`serde_json::from_str`,
/// `from_slice`, `from_reader`, or [`crate::http::ApiResponse::json`]). It cannot be read
/// from a `serde_json::Value`, nor inside a `#[serde(untagged)]` enum or a
/// `#[serde(flatten)]` field, because serde buffers those and the number's text is lost;
/// serialising it works only with `serde_json`.
///
/// ```
/// use bankkit_core::money::{currency_from_code, JsonDecimal, Money};
///
/// #[derive(serde::Deserialize)]
/// struct Payment {
///     amount: JsonDecimal,
/// }
/// let payment: Payment = serde_json::from_str(r#"{"amount": 90071992547409.93}"#)?;
/// assert_eq!(payment.amount.to_string(), "90071992547409.93");
/// let money = Money::from_json_decimal(&payment.amount, currency_from_code("USD")?)?;
/// assert_eq!(money.to_minor()?, 9_007_199_254_740_993);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct JsonDecimal {
    value: Decimal,
    text: Box<str>,
}

impl JsonDecimal {
    /// The exact value.
    pub fn decimal(&self) -> Decimal {
        self.value
    }

    /// The number's text, as it was read (or as [`Decimal`] writes it).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<Decimal> for JsonDecimal {
    fn from(value: Decimal) -> Self {
        Self {
            value,
            text: value.to_string().into(),
        }
    }
}

impl FromStr for JsonDecimal {
    type Err = Error;

    /// Reads the text of a JSON number (`"41.05"`, `"-1e-7"`).
    fn from_str(text: &str) -> Result<Self> {
        let value =
            parse_json_number(text).map_err(|message| Error::decode("JSON number", message))?;
        Ok(Self {
            value,
            text: text.into(),
        })
    }
}

/// Equal when the values are equal (`1.0 == 1.00`), whatever the text.
impl PartialEq for JsonDecimal {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for JsonDecimal {}

impl fmt::Display for JsonDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for JsonDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonDecimal({})", self.text)
    }
}

impl<'de> Deserialize<'de> for JsonDecimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get().trim();
        if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            return Err(D::Error::custom(
                "invalid type: expected a JSON number (a string or other value is not read as \
                 an amount)",
            ));
        }
        text.parse::<JsonDecimal>().map_err(D::Error::custom)
    }
}

impl Serialize for JsonDecimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        RawValue::from_string(self.text.to_string())
            .map_err(S::Error::custom)?
            .serialize(serializer)
    }
}

/// Which way money moved on an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Money came in.
    Credit,
    /// Money went out.
    Debit,
}

impl Direction {
    /// The direction of a signed amount (zero counts as a credit).
    pub fn of_signed(amount: &Money) -> Self {
        if amount.is_negative() {
            Self::Debit
        } else {
            Self::Credit
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uah() -> Currency {
        currency_from_numeric(980).unwrap()
    }

    #[test]
    fn numeric_codes_resolve_to_currencies() {
        assert_eq!(currency_from_numeric(980).unwrap().code(), "UAH");
        assert_eq!(currency_from_numeric(840).unwrap().code(), "USD");
        assert!(currency_from_numeric(1).is_err());
    }

    #[test]
    fn minor_units_convert_exactly_both_ways() {
        let m = Money::from_minor(1_254_033, uah()).unwrap();
        assert_eq!(m.amount(), Decimal::new(1_254_033, 2));
        assert_eq!(m.to_minor().unwrap(), 1_254_033);
        let jpy = currency_from_code("JPY").unwrap();
        assert_eq!(Money::from_minor(500, jpy).unwrap().to_string(), "500 JPY");
    }

    #[test]
    fn values_finer_than_the_exponent_are_errors_not_roundings() {
        assert!(Money::parse("10.001", uah()).is_err());
        assert!(Money::parse("1.5", currency_from_code("JPY").unwrap()).is_err());
        assert_eq!(
            Money::parse("10.10", uah()).unwrap().to_minor().unwrap(),
            1010
        );
        assert_eq!(
            Money::parse("10.1000", uah()).unwrap().to_minor().unwrap(),
            1010
        );
    }

    #[test]
    fn json_numbers_are_read_without_floats() {
        let n: serde_json::Number = serde_json::from_str("41.05").unwrap();
        assert_eq!(
            Money::from_json_number(&n, uah())
                .unwrap()
                .to_minor()
                .unwrap(),
            4105
        );

        // More digits than an f64 keeps: exact through JsonDecimal.
        let exact: JsonDecimal = serde_json::from_str("90071992547409.93").unwrap();
        assert_eq!(
            exact.decimal(),
            Decimal::from_str("90071992547409.93").unwrap()
        );
        assert_eq!(
            Money::from_json_decimal(&exact, uah())
                .unwrap()
                .to_minor()
                .unwrap(),
            9_007_199_254_740_993
        );
        // serde_json's Number has already rounded it: refused, not passed on rounded.
        let rounded: serde_json::Number = serde_json::from_str("90071992547409.93").unwrap();
        let err = Money::from_json_number(&rounded, uah()).unwrap_err();
        assert!(err.to_string().contains("JsonDecimal"), "{err}");

        // A small fraction (serde_json writes its f64 as `1e-7`).
        let tiny: JsonDecimal = serde_json::from_str("0.0000001").unwrap();
        assert_eq!(tiny.decimal(), Decimal::new(1, 7));
        assert_eq!(tiny.to_string(), "0.0000001");
        let tiny_number: serde_json::Number = serde_json::from_str("0.0000001").unwrap();
        // Exact, but finer than kopiyky.
        assert!(matches!(
            Money::from_json_number(&tiny_number, uah()),
            Err(Error::Money { ref message }) if message.contains("decimal places")
        ));
        let usd = currency_from_code("USD").unwrap();
        let hundred: serde_json::Number = serde_json::from_str("1e2").unwrap();
        assert_eq!(
            Money::from_json_number(&hundred, usd)
                .unwrap()
                .to_minor()
                .unwrap(),
            10_000
        );
    }

    #[test]
    fn json_decimals_apply_exponents_exactly_and_refuse_what_they_cannot_hold() {
        let cases = [
            ("1e-7", Decimal::new(1, 7)),
            ("-12.5E+2", Decimal::new(-1250, 0)),
            ("1250e-2", Decimal::new(1250, 2)),
            ("0e400", Decimal::ZERO),
            ("7", Decimal::new(7, 0)),
            ("-0.10", Decimal::new(-10, 2)),
        ];
        for (text, expected) in cases {
            let read: JsonDecimal = serde_json::from_str(text).unwrap();
            assert_eq!(read.decimal(), expected, "{text}");
            assert_eq!(read.as_str(), text);
        }
        for text in ["1e400", "1e-400", "0.00000000000000000000000000001"] {
            assert!(serde_json::from_str::<JsonDecimal>(text).is_err(), "{text}");
        }
        let huge_digits = "9".repeat(10_000);
        for text in [
            "1e-9223372036854775808",
            "-1e-9223372036854775808",
            "1e9223372036854775807",
            "-1e9223372036854775807",
            "1e-9223372036854775809",
            "1e99999999999999999999999",
            "1.5e-9223372036854775808",
            huge_digits.as_str(),
            &format!("0.{huge_digits}"),
            &format!("{huge_digits}e-9223372036854775808"),
            &format!("1e{huge_digits}"),
            &format!("1e-{huge_digits}"),
        ] {
            assert!(
                matches!(text.parse::<JsonDecimal>(), Err(Error::Decode { .. })),
                "{text:.40}"
            );
            assert!(
                serde_json::from_str::<JsonDecimal>(text).is_err(),
                "{text:.40}"
            );
            // serde_json's own float reading (`1e-…` underflows to 0.0): whatever it gives
            // must come back as a value or an error.
            let as_float: std::result::Result<serde_json::Number, _> = serde_json::from_str(text);
            if let Ok(number) = as_float {
                let _ = Money::from_json_number(&number, uah());
            }
            assert!(
                matches!(Money::parse(text, uah()), Err(Error::Money { .. })),
                "{text:.40}"
            );
        }
        // Zero times any power of ten is zero, however large the exponent.
        for text in ["0e-9223372036854775808", "-0e9223372036854775807"] {
            assert_eq!(
                text.parse::<JsonDecimal>().unwrap().decimal(),
                Decimal::ZERO
            );
        }
        for text in ["01", "1.", ".5", "+1", "1e", "NaN", "1 2", "0x10"] {
            assert!(text.parse::<JsonDecimal>().is_err(), "{text}");
        }
    }

    #[test]
    fn json_decimals_accept_numbers_only_and_serialise_with_the_same_text() {
        #[derive(Serialize, Deserialize)]
        struct Body {
            amount: JsonDecimal,
        }
        for bad in [
            r#"{"amount":"12.50"}"#,
            r#"{"amount":null}"#,
            r#"{"amount":[1]}"#,
        ] {
            let err = serde_json::from_str::<Body>(bad).err().unwrap();
            assert!(err.to_string().contains("expected a JSON number"), "{err}");
        }
        let body: Body = serde_json::from_str(r#"{ "amount" : 90071992547409.930 }"#).unwrap();
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"amount":90071992547409.930}"#
        );
        assert_eq!(
            serde_json::to_string(&JsonDecimal::from(Decimal::new(-105, 2))).unwrap(),
            "-1.05"
        );
        #[derive(Deserialize)]
        struct Optional {
            amount: Option<JsonDecimal>,
        }
        let some: Optional = serde_json::from_str(r#"{"amount":1.5}"#).unwrap();
        assert_eq!(some.amount.unwrap().decimal(), Decimal::new(15, 1));
        let none: Optional = serde_json::from_str(r#"{"amount":null}"#).unwrap();
        assert!(none.amount.is_none());
        assert_eq!(
            "1.0".parse::<JsonDecimal>().unwrap(),
            "1.00".parse::<JsonDecimal>().unwrap()
        );
    }

    #[test]
    fn deserialising_money_checks_the_currency_precision() {
        let err = serde_json::from_str::<Money>(r#"{"amount":"1.005","currency":"UAH"}"#)
            .err()
            .unwrap();
        assert!(err.to_string().contains("decimal places"), "{err}");
        let m: Money = serde_json::from_str(r#"{"amount":"1.5","currency":"UAH"}"#).unwrap();
        assert_eq!(m.to_minor().unwrap(), 150);
        assert_eq!(
            serde_json::from_str::<Money>(&serde_json::to_string(&m).unwrap()).unwrap(),
            m
        );
    }

    #[test]
    fn negation_flips_the_sign_and_keeps_the_currency() {
        let m = Money::from_minor(1250, uah()).unwrap();
        assert_eq!((-m).to_minor().unwrap(), -1250);
        assert_eq!(-(-m), m);
        assert!((-m).is_negative());
    }

    #[test]
    fn adding_different_currencies_fails() {
        let usd = currency_from_code("USD").unwrap();
        let a = Money::from_minor(1, uah()).unwrap();
        let b = Money::from_minor(1, usd).unwrap();
        assert!(a.checked_add(&b).is_err());
        assert_eq!(a.checked_add(&a).unwrap().to_minor().unwrap(), 2);
    }

    #[test]
    fn money_parses_from_text() {
        let m: Money = "12.50 EUR".parse().unwrap();
        assert_eq!(m.currency().code(), "EUR");
        assert_eq!(m.to_minor().unwrap(), 1250);
        assert!("12.50".parse::<Money>().is_err());
    }
}

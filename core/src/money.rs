//! Exact amounts of money: a [`Decimal`] and an ISO 4217 [`Currency`].
//!
//! Providers send money as minor-unit integers (Monobank, Monzo), decimal strings (MoMo) or
//! JSON numbers (Morune). Every form converts here without passing through `f64`, and a
//! value finer than the currency's exponent is an [`Error::Money`], never a rounding.
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
use std::str::FromStr;

pub use iso_currency::Currency;
pub use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An exact amount in one currency. The amount may be negative (a signed balance).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
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

    /// An amount from a JSON number, read from its text so that no `f64` is involved.
    ///
    /// # Errors
    /// [`Error::Money`] if the number is not exact for the currency.
    pub fn from_json_number(number: &serde_json::Number, currency: Currency) -> Result<Self> {
        Self::parse(&number.to_string(), currency)
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

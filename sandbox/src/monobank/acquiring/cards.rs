//! Cards as the acquiring imitation sees them: number checks (Luhn), expiry, CVV, masks, and
//! the magic test cards that choose a payment's outcome.

use chrono::{DateTime, Datelike, Utc};

/// A Visa card that pays (any future expiry, any 3-digit CVV).
pub(crate) const SUCCESS_CARD: &str = "4242424242424242";
/// A Mastercard that pays.
pub(crate) const SUCCESS_MASTERCARD: &str = "5555555555554444";
/// A Visa card declined with failure code `59` (insufficient funds).
pub(crate) const INSUFFICIENT_FUNDS_CARD: &str = "4000000000000002";
/// A Visa card whose payment stays `processing` however far the clock moves.
pub(crate) const PROCESSING_CARD: &str = "4000000000000010";

/// How a payment with a card ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CardOutcome {
    /// Authorised.
    Approve,
    /// Declined with this failure code and reason (§6.3 of the facts).
    Decline(&'static str, &'static str),
    /// Never leaves `processing`.
    Stuck,
}

/// A card that passed the format checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    /// First six and last four digits with `*` between.
    pub(crate) masked_pan: String,
    /// `visa` or `mastercard` (others are declined with `1064`).
    pub(crate) payment_system: &'static str,
    /// How a payment with it ends.
    pub(crate) outcome: CardOutcome,
}

/// Why card data was refused before any payment was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CardError {
    /// Not 12–19 digits.
    PanFormat,
    /// Digits that fail the Luhn check.
    Luhn,
    /// Not `MMYY` / `MM/YY`, or month outside 1–12.
    ExpiryFormat,
    /// Not 3 digits.
    Cvv,
}

impl CardError {
    /// A short human explanation (page error text, API `errText`).
    pub(crate) fn text(&self) -> &'static str {
        match self {
            CardError::PanFormat => "card number must be 12 to 19 digits",
            CardError::Luhn => "wrong card number (Luhn check failed)",
            CardError::ExpiryFormat => "expiry must be MM/YY",
            CardError::Cvv => "CVV must be 3 digits",
        }
    }
}

/// The number without spaces, if it is 12–19 digits.
pub(crate) fn clean_pan(pan: &str) -> Result<String, CardError> {
    let digits: String = pan.chars().filter(|c| !c.is_whitespace()).collect();
    if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::PanFormat);
    }
    Ok(digits)
}

/// `444403******1902`.
pub(crate) fn mask(pan: &str) -> String {
    let first = pan.get(..6).unwrap_or(pan);
    let last = pan.get(pan.len().saturating_sub(4)..).unwrap_or("");
    let hidden = pan.len().saturating_sub(10);
    format!("{first}{}{last}", "*".repeat(hidden))
}

/// Reads an expiry `MMYY` or `MM/YY` as (month, four-digit year).
pub(crate) fn parse_expiry(exp: &str) -> Result<(u32, i32), CardError> {
    let digits: String = exp.chars().filter(|c| *c != '/').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) || exp.len() > 5 {
        return Err(CardError::ExpiryFormat);
    }
    let month: u32 = digits
        .get(..2)
        .and_then(|m| m.parse().ok())
        .ok_or(CardError::ExpiryFormat)?;
    let year: i32 = digits
        .get(2..)
        .and_then(|y| y.parse().ok())
        .ok_or(CardError::ExpiryFormat)?;
    if !(1..=12).contains(&month) {
        return Err(CardError::ExpiryFormat);
    }
    Ok((month, 2000 + year))
}

/// Whether a card valid through `month`/`year` has expired at `now`.
pub(crate) fn expired(month: u32, year: i32, now: DateTime<Utc>) -> bool {
    (year, month) < (now.year(), now.month())
}

/// Checks a CVV: exactly 3 digits.
pub(crate) fn check_cvv(cvv: &str) -> Result<(), CardError> {
    if cvv.len() == 3 && cvv.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CardError::Cvv)
    }
}

/// Reads a card number: format, Luhn, scheme, magic outcome. A past expiry (when given) is
/// a decline with `51`, not a format error.
pub(crate) fn read_pan(pan: &str) -> Result<Card, CardError> {
    let pan = clean_pan(pan)?;
    if !bankkit_core::payment::luhn(&pan) {
        return Err(CardError::Luhn);
    }
    let payment_system = match pan.as_bytes().first() {
        Some(b'4') => "visa",
        Some(b'5' | b'2') => "mastercard",
        _ => "other",
    };
    let outcome = match pan.as_str() {
        INSUFFICIENT_FUNDS_CARD => CardOutcome::Decline("59", "Недостатньо коштів"),
        PROCESSING_CARD => CardOutcome::Stuck,
        SUCCESS_CARD | SUCCESS_MASTERCARD => CardOutcome::Approve,
        _ if payment_system == "other" => {
            CardOutcome::Decline("1064", "Оплата можлива лише карткою Visa або Mastercard")
        }
        _ => CardOutcome::Approve,
    };
    Ok(Card {
        masked_pan: mask(&pan),
        payment_system: if payment_system == "other" {
            "visa"
        } else {
            payment_system
        },
        outcome,
    })
}

/// Reads full card data (number, expiry, CVV when required) at `now`.
pub(crate) fn read_card(
    pan: &str,
    exp: &str,
    cvv: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Card, CardError> {
    let mut card = read_pan(pan)?;
    let (month, year) = parse_expiry(exp)?;
    if let Some(cvv) = cvv {
        check_cvv(cvv)?;
    }
    if expired(month, year, now) && card.outcome == CardOutcome::Approve {
        card.outcome = CardOutcome::Decline("51", "Термін дії картки минув");
    }
    Ok(card)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_cards_pass_luhn_and_others_do_not() {
        for pan in [
            SUCCESS_CARD,
            SUCCESS_MASTERCARD,
            INSUFFICIENT_FUNDS_CARD,
            PROCESSING_CARD,
        ] {
            assert!(bankkit_core::payment::luhn(pan), "{pan}");
        }
        assert!(!bankkit_core::payment::luhn("4242424242424241"));
        assert_eq!(read_pan("4242 4242 4242 4241"), Err(CardError::Luhn));
    }

    #[test]
    fn magic_cards_choose_the_outcome() {
        assert_eq!(
            read_pan(SUCCESS_CARD).unwrap().outcome,
            CardOutcome::Approve
        );
        assert_eq!(
            read_pan(INSUFFICIENT_FUNDS_CARD).unwrap().outcome,
            CardOutcome::Decline("59", "Недостатньо коштів")
        );
        assert_eq!(
            read_pan(PROCESSING_CARD).unwrap().outcome,
            CardOutcome::Stuck
        );
        assert_eq!(
            read_pan(SUCCESS_MASTERCARD).unwrap().payment_system,
            "mastercard"
        );
        assert_eq!(mask(SUCCESS_CARD), "424242******4242");
    }

    #[test]
    fn expiry_reads_both_forms_and_refuses_bad_months() {
        assert_eq!(parse_expiry("0642"), Ok((6, 2042)));
        assert_eq!(parse_expiry("06/42"), Ok((6, 2042)));
        assert_eq!(parse_expiry("13/42"), Err(CardError::ExpiryFormat));
        assert_eq!(parse_expiry("6/42"), Err(CardError::ExpiryFormat));
        let now: DateTime<Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
        assert!(expired(10, 2026, now));
        assert!(!expired(11, 2026, now));
    }
}

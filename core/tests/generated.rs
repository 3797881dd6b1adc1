//! Generated input for the money parsers and the config loaders: every input gives a value
//! or a typed [`Error`], never a panic.
//!
//! Each property runs a small fixed number of cases (`PROPTEST_CASES` raises it); failing
//! seeds are kept in `core/proptest-regressions/generated.txt` and replayed first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

use bankkit_core::credentials::StoredConfig;
use bankkit_core::money::{
    currency_from_code, currency_from_numeric, exponent, Currency, Decimal, JsonDecimal, Money,
};
use bankkit_core::registry::{load_json, load_toml};
use bankkit_core::Error;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// The cases per property: 256 by default, or `PROPTEST_CASES`.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        // Relative to the crate (the tests' working directory).
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/generated.txt",
        ))),
        ..Config::default()
    }
}

/// Runs `f`, failing the case (with the input shown) if it panics.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| TestCaseError::fail(format!("{what} panicked")))
}

/// Text that looks like a number: signs, digits, points and exponents, some of them huge.
fn numberish() -> impl Strategy<Value = String> {
    let exponent = prop_oneof![
        any::<i64>().prop_map(|e| e.to_string()),
        Just("-9223372036854775808".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("-9223372036854775809".to_owned()),
        Just("99999999999999999999999".to_owned()),
        (-40i64..40).prop_map(|e| e.to_string()),
        "[+-]?[0-9]{0,30}",
    ];
    let mantissa = prop_oneof![
        "-?[0-9]{1,40}(\\.[0-9]{1,40})?",
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,6})?",
        (1usize..3000).prop_map(|n| "9".repeat(n)),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i128>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
    ];
    prop_oneof![
        3 => (mantissa.clone(), prop::option::of(("[eE]", exponent)))
            .prop_map(|(m, e)| match e {
                Some((mark, e)) => format!("{m}{mark}{e}"),
                None => m,
            }),
        1 => mantissa,
        1 => "[-+0-9.eE ]{0,40}",
        1 => any::<String>(),
    ]
}

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(currency_from_code("UAH").unwrap()),
        Just(currency_from_code("JPY").unwrap()),
        Just(currency_from_code("KWD").unwrap()),
        Just(currency_from_code("CLF").unwrap()),
        Just(currency_from_code("XAU").unwrap()),
        Just(currency_from_code("GBP").unwrap()),
    ]
}

fn typed_money_error<T>(result: &bankkit_core::Result<T>) -> bool {
    matches!(
        result,
        Ok(_) | Err(Error::Money { .. } | Error::Decode { .. })
    )
}

proptest! {
    #![proptest_config(config())]

    /// `JsonDecimal` read from text and from JSON: a value or a decode error; a value read
    /// gives money in any currency or a money error, and its minor units or an error.
    #[test]
    fn json_decimals_read_or_refuse(text in numberish(), currency in currency()) {
        let parsed = no_panic("JsonDecimal::from_str", || JsonDecimal::from_str(&text))?;
        prop_assert!(matches!(parsed, Ok(_) | Err(Error::Decode { .. })), "{parsed:?}");
        let json = no_panic("serde_json JsonDecimal", || serde_json::from_str::<JsonDecimal>(&text))?;
        if let Ok(read) = json {
            let money = no_panic("Money::from_json_decimal", || {
                Money::from_json_decimal(&read, currency)
            })?;
            prop_assert!(typed_money_error(&money), "{money:?}");
            if let Ok(money) = money {
                let minor = no_panic("Money::to_minor", || money.to_minor())?;
                prop_assert!(typed_money_error(&minor), "{minor:?}");
            }
        }
        let number = no_panic("serde_json Number", || serde_json::from_str::<serde_json::Number>(&text))?;
        if let Ok(number) = number {
            let money = no_panic("Money::from_json_number", || Money::from_json_number(&number, currency))?;
            prop_assert!(typed_money_error(&money), "{money:?}");
        }
        // Inside an object, as providers send it.
        let body = format!("{{\"amount\":{text}}}");
        no_panic("JsonDecimal in an object", || {
            serde_json::from_str::<std::collections::HashMap<String, JsonDecimal>>(&body)
        })?.ok();
    }

    /// `Money::parse`, `"12.50 UAH".parse()` and serde `Money`: a value or a money error,
    /// and a parsed amount converts to minor units and back or errs.
    #[test]
    fn money_text_parses_or_refuses(text in numberish(), code in "[A-Z]{3}|UAH|USD|JPY|[a-z]{0,4}", currency in currency()) {
        let parsed = no_panic("Money::parse", || Money::parse(&text, currency))?;
        prop_assert!(typed_money_error(&parsed), "{parsed:?}");
        if let Ok(money) = parsed {
            let minor = no_panic("Money::to_minor", || money.to_minor())?;
            prop_assert!(typed_money_error(&minor), "{minor:?}");
            if let Ok(minor) = minor {
                let back = no_panic("Money::from_minor", || Money::from_minor(minor, currency))?;
                prop_assert_eq!(back.ok(), Some(money));
            }
            let sum = no_panic("Money::checked_add", || money.checked_add(&money))?;
            prop_assert!(typed_money_error(&sum), "{sum:?}");
            no_panic("Neg and Display", || (-money).to_string())?;
        }
        let with_code = format!("{text} {code}");
        let parsed = no_panic("Money::from_str", || with_code.parse::<Money>())?;
        prop_assert!(typed_money_error(&parsed), "{parsed:?}");
        let as_json = serde_json::json!({"amount": text, "currency": code}).to_string();
        no_panic("serde Money", || serde_json::from_str::<Money>(&as_json))?.ok();
    }

    /// Minor units of every currency: `from_minor` and `to_minor` round-trip or err.
    #[test]
    fn minor_units_round_trip(minor in any::<i64>(), numeric in any::<u16>(), code in "[A-Z]{3}") {
        let by_number = no_panic("currency_from_numeric", || currency_from_numeric(numeric))?;
        prop_assert!(typed_money_error(&by_number), "{by_number:?}");
        let by_code = no_panic("currency_from_code", || currency_from_code(&code))?;
        prop_assert!(typed_money_error(&by_code), "{by_code:?}");
        for currency in [by_number.ok(), by_code.ok()].into_iter().flatten() {
            no_panic("exponent", || exponent(currency))?.ok();
            let money = no_panic("Money::from_minor", || Money::from_minor(minor, currency))?;
            prop_assert!(typed_money_error(&money), "{money:?}");
            if let Ok(money) = money {
                prop_assert_eq!(no_panic("Money::to_minor", || money.to_minor())?.ok(), Some(minor));
                let amount: Decimal = money.amount();
                let again = no_panic("Money::new", || Money::new(amount, currency))?;
                prop_assert_eq!(again.ok(), Some(money));
            }
        }
    }

    /// The config loaders (no provider linked in this binary): every input is an error
    /// naming a field, never a panic.
    #[test]
    fn config_loaders_refuse_without_panicking(text in prop_oneof![
        any::<String>(),
        "\\[\\[providers\\]\\]\nprovider = \"[a-z]{0,10}\"\n[a-z_]{1,10} = [0-9\"a-z]{0,30}",
        Just("[".repeat(10_000)),
        Just(format!("{{\"providers\":{}", "[".repeat(10_000))),
        Just(format!("a = {}", "[".repeat(10_000))),
        numberish().prop_map(|n| format!("{{\"providers\":[{{\"provider\":{n}}}]}}")),
    ]) {
        let toml = no_panic("load_toml", || load_toml(&text))?;
        prop_assert!(matches!(toml, Err(Error::Config { .. })), "{toml:?}");
        let json = no_panic("load_json", || load_json(&text))?;
        prop_assert!(matches!(json, Err(Error::Config { .. })), "{json:?}");
        let stored = no_panic("StoredConfig::from_json", || StoredConfig::from_json(&text))?;
        prop_assert!(matches!(stored, Err(Error::Config { .. })), "{stored:?}");
    }
}

//! The generated-input machinery every provider's `tests/it/generated.rs` shares: the
//! proptest configuration (cases from `PROPTEST_CASES`, failing seeds kept in the crate's
//! `proptest-regressions/generated.txt`), panic catching, spoilt JSON bodies, huge numbers,
//! header mutations and the config-text check. Included by each crate with
//! `#[path = "../../../support/generated.rs"] mod support;` (test code only, no crate).

#![allow(dead_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};

use bankkit_core::credentials::StoredConfig;
use bankkit_core::registry::{load_json, load_toml};
use bankkit_core::Error;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};

// ---- Generated input: shared by the properties below. ----

/// The cases per property: `DEFAULT_CASES`, or `PROPTEST_CASES`; failing seeds are kept in
/// the crate's `proptest-regressions/generated.txt` (relative to the crate, the tests'
/// working directory) and replayed first.
pub(crate) fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/generated.txt",
        ))),
        ..Config::default()
    }
}

/// Runs `f`, failing the case if it panics.
pub(crate) fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| TestCaseError::fail(format!("{what} panicked")))
}

/// The placeholder a JSON leaf is replaced by before the raw nasty text goes in.
pub(crate) const MARK: &str = "\"__generated_value__\"";

/// JSON text of the wrong type, the wrong size or the wrong shape.
pub(crate) fn nasty_json() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "1e-9223372036854775808", "-1e-9223372036854775808", "1e9223372036854775807",
            "1e-9223372036854775807", "1.5e-9223372036854775808", "1e400", "-1e400", "1e-400",
            "0e999999999999999999999", "1E+99999999999999999999", "18446744073709551616",
            "18446744073709551615", "-9223372036854775809", "-9223372036854775808",
            "9223372036854775807", "79228162514264337593543950336", "4294967296", "2147483648",
            "65536", "-1", "0", "-0", "0.1", "1.005",
        ]).prop_map(str::to_owned),
        3 => prop::sample::select(vec![
            "\"\"", "\"x\"", "\"12.50\"", "\"1e-9223372036854775808\"",
            "\"-1\"", "\"\\u0000\"", "\"\\ud800\"", "null", "true", "false", "[]", "{}",
            "[null]", "{\"\":null}", "\"9999-99-99T99:99:99Z\"", "\"1970-01-01T00:00:00Z\"",
            "\"+275760-09-13T00:00:00Z\"",
        ]).prop_map(str::to_owned),
        1 => (1usize..400).prop_map(|n| "9".repeat(n)),
        1 => (1usize..400).prop_map(|n| format!("\"{}\"", "x".repeat(n))),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| n.to_string()),
        1 => any::<String>().prop_map(|s| serde_json::Value::String(s).to_string()),
        1 => prop::sample::select(vec![200usize, 10_000]).prop_map(|n| "[".repeat(n)),
        1 => (1usize..200).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
    ]
    .boxed()
}

/// One way to spoil a real body.
#[derive(Clone, Debug)]
pub(crate) enum Mutation {
    /// The seed as it is.
    Keep,
    /// The first part of the seed only.
    Truncate(Index),
    /// Some bytes replaced.
    Bytes(Vec<(Index, u8)>),
    /// One JSON value (a leaf or a whole object) replaced by other JSON text.
    Value(Index, String),
    /// Two JSON values replaced.
    Values(Index, String, Index, String),
    /// Random bytes, not the seed.
    Random(Vec<u8>),
    /// Random text.
    Text(String),
    /// Every number (or, when `true`, every number with a fraction or an exponent: the
    /// amounts and rates) replaced by one huge number or exponent.
    Numbers(String, bool),
}

pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => Just(Mutation::Keep),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        3 => prop::collection::vec((any::<Index>(), any::<u8>()), 1..6).prop_map(Mutation::Bytes),
        6 => (any::<Index>(), nasty_json()).prop_map(|(i, v)| Mutation::Value(i, v)),
        2 => (any::<Index>(), nasty_json(), any::<Index>(), nasty_json())
            .prop_map(|(i, v, j, w)| Mutation::Values(i, v, j, w)),
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Mutation::Random),
        1 => any::<String>().prop_map(Mutation::Text),
        4 => (huge_number(), any::<bool>()).prop_map(|(n, f)| Mutation::Numbers(n, f)),
    ]
}

/// A JSON number at or past the limits: huge exponents either way, huge integers.
pub(crate) fn huge_number() -> impl Strategy<Value = String> {
    let exponent = prop_oneof![
        3 => Just(i64::MIN),
        2 => Just(i64::MAX),
        1 => Just(i64::MIN + 1),
        1 => any::<i64>(),
        1 => -400i64..400,
    ];
    prop_oneof![
        4 => ("-?[1-9][0-9]{0,3}(\\.[0-9]{1,3})?", "[eE]", exponent)
            .prop_map(|(m, e, x)| format!("{m}{e}{x}")),
        1 => (1usize..300).prop_map(|n| "9".repeat(n)),
        1 => prop::sample::select(vec![
            "18446744073709551616",
            "-9223372036854775809",
            "79228162514264337593543950336",
            "1E+99999999999999999999",
        ])
        .prop_map(str::to_owned),
    ]
}

/// `seed` with every number in it replaced by `number`.
pub(crate) fn with_numbers(seed: &[u8], number: &str, fractions: bool) -> Vec<u8> {
    fn mark(value: &mut serde_json::Value, fractions: bool) {
        match value {
            serde_json::Value::Number(n) if !fractions || n.is_f64() => {
                *value = serde_json::Value::String(MARK_NUMBER.to_owned())
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mark(v, fractions)),
            serde_json::Value::Object(fields) => {
                fields.values_mut().for_each(|v| mark(v, fractions))
            }
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(seed) else {
        return seed.to_vec();
    };
    mark(&mut value, fractions);
    value
        .to_string()
        .replace(&format!("\"{MARK_NUMBER}\""), number)
        .into_bytes()
}

/// What a number is replaced by before the raw number goes in.
pub(crate) const MARK_NUMBER: &str = "__generated_number__";

/// Every value of `value` by JSON pointer, the root first.
pub(crate) fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{i}"), out);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, item) in fields {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(item, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// `seed` with the values at `replace` (index, raw JSON text) swapped in.
pub(crate) fn with_values(seed: &[u8], replace: &[(&Index, &str)]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(seed) else {
        return seed.to_vec();
    };
    let mut all = Vec::new();
    pointers(&value, String::new(), &mut all);
    let mut texts = Vec::new();
    for (n, (index, text)) in replace.iter().enumerate() {
        let pointer = index.get(&all).clone();
        let mark = serde_json::Value::String(format!("__generated_value_{n}__"));
        if pointer.is_empty() {
            value = mark;
        } else if let Some(slot) = value.pointer_mut(&pointer) {
            *slot = mark;
        }
        texts.push((format!("\"__generated_value_{n}__\""), *text));
    }
    let mut text = value.to_string();
    for (mark, raw) in texts {
        text = text.replacen(&mark, raw, 1);
    }
    debug_assert!(!text.contains(MARK));
    text.into_bytes()
}

impl Mutation {
    pub(crate) fn apply(&self, seed: &[u8]) -> Vec<u8> {
        match self {
            Self::Keep => seed.to_vec(),
            Self::Truncate(at) => seed[..at.index(seed.len() + 1)].to_vec(),
            Self::Bytes(changes) => {
                let mut body = seed.to_vec();
                if !body.is_empty() {
                    for (at, byte) in changes {
                        let i = at.index(body.len());
                        body[i] = *byte;
                    }
                }
                body
            }
            Self::Value(at, text) => with_values(seed, &[(at, text)]),
            Self::Values(a, x, b, y) => with_values(seed, &[(a, x), (b, y)]),
            Self::Random(bytes) => bytes.clone(),
            Self::Text(text) => text.clone().into_bytes(),
            Self::Numbers(number, fractions) => with_numbers(seed, number, *fractions),
        }
    }
}

/// A body: one of `seeds`, mutated.
pub(crate) fn body_from(seeds: &[Vec<u8>], pick: &Index, mutation: &Mutation) -> Vec<u8> {
    mutation.apply(pick.get(seeds).as_slice())
}

/// A wire type's name and a function reading bytes as it.
pub(crate) type Decoder = (&'static str, fn(&[u8]));

/// Calls `decode` on `body` for every decoder, failing the case on a panic.
pub(crate) fn decode_all(decoders: &[Decoder], body: &[u8]) -> Result<(), TestCaseError> {
    for (name, decode) in decoders {
        no_panic(name, || decode(body))?;
    }
    Ok(())
}

/// `(name, decode)` for each wire type: reads the bytes as JSON of that type (and as an
/// array of it), the result thrown away: only a panic matters.
macro_rules! decoders {
    ($($ty:ty),* $(,)?) => {
        vec![$(
            (stringify!($ty), (|body: &[u8]| {
                let _ = serde_json::from_slice::<$ty>(body);
                let _ = serde_json::from_slice::<Vec<$ty>>(body);
            }) as fn(&[u8])),
        )*]
    };
}

/// Headers of a real request, spoilt: values replaced by random text or bytes, dropped, or
/// new ones added.
#[derive(Clone, Debug)]
pub(crate) enum HeaderMutation {
    Keep,
    Drop(Index),
    Replace(Index, Vec<u8>),
    Flip(Index, Index, u8),
    Add(String, Vec<u8>),
}

pub(crate) fn header_mutation(
    names: &'static [&'static str],
) -> impl Strategy<Value = HeaderMutation> {
    prop_oneof![
        2 => Just(HeaderMutation::Keep),
        1 => any::<Index>().prop_map(HeaderMutation::Drop),
        2 => (any::<Index>(), prop_oneof![
            prop::collection::vec(any::<u8>(), 0..120),
            "[A-Za-z0-9+/=]{0,200}".prop_map(String::into_bytes),
        ]).prop_map(|(i, v)| HeaderMutation::Replace(i, v)),
        2 => (any::<Index>(), any::<Index>(), any::<u8>()).prop_map(|(i, j, b)| HeaderMutation::Flip(i, j, b)),
        1 => (prop::sample::select(names), prop::collection::vec(any::<u8>(), 0..120))
            .prop_map(|(n, v)| HeaderMutation::Add(n.to_owned(), v)),
    ]
}

impl HeaderMutation {
    pub(crate) fn apply(&self, headers: &http::HeaderMap) -> http::HeaderMap {
        let mut headers = headers.clone();
        let names: Vec<http::HeaderName> = headers.keys().cloned().collect();
        let value = |bytes: &[u8]| http::HeaderValue::from_bytes(bytes).ok();
        match self {
            Self::Keep => {}
            Self::Drop(i) if !names.is_empty() => {
                headers.remove(i.get(&names));
            }
            Self::Replace(i, bytes) if !names.is_empty() => {
                if let Some(v) = value(bytes) {
                    headers.insert(i.get(&names).clone(), v);
                }
            }
            Self::Flip(i, j, byte) if !names.is_empty() => {
                let name = i.get(&names).clone();
                if let Some(old) = headers.get(&name) {
                    let mut bytes = old.as_bytes().to_vec();
                    if !bytes.is_empty() {
                        let at = j.index(bytes.len());
                        bytes[at] = *byte;
                    }
                    if let Some(v) = value(&bytes) {
                        headers.insert(name, v);
                    }
                }
            }
            Self::Add(name, bytes) => {
                if let (Ok(name), Some(v)) =
                    (http::HeaderName::from_bytes(name.as_bytes()), value(bytes))
                {
                    headers.insert(name, v);
                }
            }
            _ => {}
        }
        headers
    }
}

/// Runs `future` on `runtime`, failing the case if it panics or takes longer than 20 s.
pub(crate) fn bounded<T>(
    runtime: &tokio::runtime::Runtime,
    what: &str,
    future: impl std::future::Future<Output = T>,
) -> Result<T, TestCaseError> {
    no_panic(what, || {
        runtime.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(20), future).await
        })
    })?
    .map_err(|_| TestCaseError::fail(format!("{what} did not return within 20 s")))
}

/// A provider config (one JSON object with its `"provider"` tag), spoilt, through
/// `StoredConfig::from_json`, `load_json` and (where it converts) `load_toml`: a config or
/// an `Error::Config` each time.
pub(crate) fn check_config_text(config: &[u8]) -> Result<(), TestCaseError> {
    let config = String::from_utf8_lossy(config);
    let stored = no_panic("StoredConfig::from_json", || {
        StoredConfig::from_json(&config)
    })?;
    prop_assert!(
        matches!(stored, Ok(_) | Err(Error::Config { .. })),
        "{stored:?}"
    );
    let file = format!("{{\"providers\":[{config}]}}");
    let json = no_panic("load_json", || load_json(&file))?;
    prop_assert!(
        matches!(json, Ok(_) | Err(Error::Config { .. })),
        "{json:?}"
    );
    if let Ok(value) = serde_json::from_str::<toml::Value>(&config) {
        let mut table = toml::Table::new();
        table.insert("providers".to_owned(), toml::Value::Array(vec![value]));
        if let Ok(text) = toml::to_string(&table) {
            let loaded = no_panic("load_toml", || load_toml(&text))?;
            prop_assert!(
                matches!(loaded, Ok(_) | Err(Error::Config { .. })),
                "{loaded:?}"
            );
        }
    }
    Ok(())
}

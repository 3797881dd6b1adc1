//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with Morune's config shape, the HMAC verifier (`canonical_json`, `sign`,
//! `verify`) and the provider's `verify_and_parse` with spoilt real bodies, signed with the
//! right key or not. Every input gives a value or a typed `Error`, never a panic or a hang.
//! No network: the verifier needs only the configured keys.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bankkit_core::credentials::StoredConfig;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::registry::{load_json, load_toml, BuildContext};
use bankkit_core::secret::secret;
use bankkit_core::{
    AccountId, Balance as _, Error, Payment as _, PaymentId, PaymentKind, Webhook, WebhookRequest,
};
use bankkit_morune::wire::{
    CreatedInvoice, CreatedPayoff, Envelope, Invoice, PaymentWebhook, Payoff, PayoffWebhook,
    SbpBanks, Tariffs, UserBalance,
};
use bankkit_morune::{
    canonical_json, sign, verify, MoruneConfig, MoruneProvider, SIGNATURE_HEADER,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};
use wiremock::matchers::any as any_request;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
// ---- Generated input: shared by the properties below. ----

/// The cases per property: `DEFAULT_CASES`, or `PROPTEST_CASES`; failing seeds are kept in
/// the crate's `proptest-regressions/generated.txt` (relative to the crate, the tests'
/// working directory) and replayed first.
fn config(default_cases: u32) -> Config {
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
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| TestCaseError::fail(format!("{what} panicked")))
}

/// The placeholder a JSON leaf is replaced by before the raw nasty text goes in.
const MARK: &str = "\"__generated_value__\"";

/// JSON text of the wrong type, the wrong size or the wrong shape.
fn nasty_json() -> BoxedStrategy<String> {
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
enum Mutation {
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

fn mutation() -> impl Strategy<Value = Mutation> {
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
fn huge_number() -> impl Strategy<Value = String> {
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
fn with_numbers(seed: &[u8], number: &str, fractions: bool) -> Vec<u8> {
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
const MARK_NUMBER: &str = "__generated_number__";

/// Every value of `value` by JSON pointer, the root first.
fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
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
fn with_values(seed: &[u8], replace: &[(&Index, &str)]) -> Vec<u8> {
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
    fn apply(&self, seed: &[u8]) -> Vec<u8> {
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
fn body_from(seeds: &[Vec<u8>], pick: &Index, mutation: &Mutation) -> Vec<u8> {
    mutation.apply(pick.get(seeds).as_slice())
}

/// A wire type's name and a function reading bytes as it.
type Decoder = (&'static str, fn(&[u8]));

/// Calls `decode` on `body` for every decoder, failing the case on a panic.
fn decode_all(decoders: &[Decoder], body: &[u8]) -> Result<(), TestCaseError> {
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
enum HeaderMutation {
    Keep,
    Drop(Index),
    Replace(Index, Vec<u8>),
    Flip(Index, Index, u8),
    Add(String, Vec<u8>),
}

fn header_mutation(names: &'static [&'static str]) -> impl Strategy<Value = HeaderMutation> {
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
    fn apply(&self, headers: &http::HeaderMap) -> http::HeaderMap {
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
fn bounded<T>(
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
fn check_config_text(config: &[u8]) -> Result<(), TestCaseError> {
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

// ---- Morune. ----

const SHOP_EXTRA: &str = "generated-shop-additional-key";
const USER_EXTRA: &str = "generated-user-additional-key";

const PAYMENT_BODY: &str = r#"{"amount":"250.00","code":1,"credited":"240.25","currency":"RUB","custom_fields":{"note":"тест/1","user":"u-77"},"invoice_id":"0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13","order_id":"ord-2024-0007","pay_service":"sbp","pay_time":"2024-05-01 12:30:45","payer_details":"+7900*****12","status":"success","type":1}"#;
const PAYOFF_BODY: &str = r#"{"amount":"500.00","commission":"15.00","order_id":"wd-0001","payoff_id":"9d3c1b7a-2e4f-4a6b-8c0d-1e2f3a4b5c6d","service":"card","status":"success","wallet":"220000******1234"}"#;
const ENVELOPE: &str = r#"{"data":{"id":"0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13","order_id":"o-1","amount":100.5,"status":"created","url":"https://pay.example/x","expired":"2024-05-01 12:30:45"},"status":200,"status_check":true,"error":null}"#;
const ERROR_ENVELOPE: &str = r#"{"data":null,"error":["Объект не найден",{"field":"amount"}],"status":404,"status_check":false}"#;

fn seeds() -> Vec<Vec<u8>> {
    [PAYMENT_BODY, PAYOFF_BODY, ENVELOPE, ERROR_ENVELOPE]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

fn provider() -> &'static MoruneProvider {
    static PROVIDER: OnceLock<MoruneProvider> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        MoruneConfig::new()
            .with_shop("9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b", secret("shop-key"))
            .with_shop_additional_key(secret(SHOP_EXTRA))
            .with_user("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", secret("user-key"))
            .with_user_additional_key(secret(USER_EXTRA))
            // Nothing listens there, and verifying never calls out.
            .with_base_url("http://127.0.0.1:9")
            .with_hook_url("https://shop.example/morune/hook")
            .provider(&BuildContext::default())
            .unwrap()
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

fn wire_decoders() -> Vec<Decoder> {
    decoders![
        Envelope<'_>,
        CreatedInvoice,
        Invoice,
        Tariffs,
        UserBalance,
        CreatedPayoff,
        Payoff,
        SbpBanks,
        PaymentWebhook,
        PayoffWebhook,
    ]
}

const CONFIGS: &[&str] = &[
    r#"{"provider":"morune","shop_id":"s","api_key":"k","shop_additional_key":"x","hook_url":"https://h.example/"}"#,
    r#"{"provider":"morune","user_id":"u","user_api_key":"k","user_additional_key":"x","base_url":"http://127.0.0.1:9","utc_offset":"+03:00","timeout_secs":10}"#,
    r#"{"provider":"morune","shop_id":"s","api_key":"k","user_id":"u","user_api_key":"k","idempotency_file":"/tmp/x"}"#,
];

/// How the webhook is signed.
#[derive(Clone, Debug)]
enum Signing {
    /// With the shop's additional key (what a payment webhook carries).
    Shop,
    /// With the user's additional key (what a payoff webhook carries).
    User,
    /// Not signed.
    Missing,
    /// Any text.
    Text(Vec<u8>),
}

fn signing() -> impl Strategy<Value = Signing> {
    prop_oneof![
        3 => Just(Signing::Shop),
        3 => Just(Signing::User),
        1 => Just(Signing::Missing),
        1 => prop_oneof![
            prop::collection::vec(any::<u8>(), 0..100),
            "[0-9a-fA-F]{0,70}".prop_map(String::into_bytes),
        ].prop_map(Signing::Text),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// Every wire type reads random, truncated and spoilt real bodies without panicking.
    #[test]
    fn wire_types_read_any_body(pick in any::<Index>(), mutation in mutation()) {
        decode_all(&wire_decoders(), &body_from(&seeds(), &pick, &mutation))?;
    }

    /// The config loaders with Morune's shape, spoilt: a config or an `Error::Config`.
    #[test]
    fn configs_load_or_refuse(pick in any::<Index>(), mutation in mutation()) {
        let seeds: Vec<Vec<u8>> = CONFIGS.iter().map(|s| s.as_bytes().to_vec()).collect();
        check_config_text(&body_from(&seeds, &pick, &mutation))?;
    }

    /// The HMAC verifier on spoilt bodies and any signature text: `canonical_json`,
    /// `sign` and `verify` give a value or a typed error; a body signed with a key
    /// verifies with that key, and a signature made with another key does not.
    #[test]
    fn hmac_verifier_signs_and_verifies_or_refuses(
        pick in any::<Index>(),
        mutation in mutation(),
        signature in "[0-9a-fA-F]{0,70}|\\PC{0,80}",
    ) {
        let body = body_from(&seeds(), &pick, &mutation);
        let key = secret(SHOP_EXTRA);
        let canonical = no_panic("canonical_json", || canonical_json(&body))?;
        prop_assert!(matches!(canonical, Ok(_) | Err(Error::Decode { .. })), "{canonical:?}");
        let verified = no_panic("verify", || verify(&body, &signature, &key))?;
        prop_assert!(matches!(verified, Ok(_) | Err(Error::Signature { .. } | Error::Decode { .. })), "{verified:?}");
        let signed = no_panic("sign", || sign(&body, &key))?;
        if let Ok(signed) = signed {
            prop_assert!(no_panic("verify", || verify(&body, &signed, &key))?.is_ok());
            let other = no_panic("verify", || verify(&body, &signed, &secret(USER_EXTRA)))?;
            prop_assert!(matches!(other, Err(Error::Signature { .. })), "{other:?}");
        }
    }

    /// `verify_and_parse` with spoilt bodies, signed with either key or not at all, and
    /// spoilt headers: an event or a typed error.
    #[test]
    fn webhooks_verify_or_refuse(
        pick in any::<Index>(),
        mutation in mutation(),
        signing in signing(),
        headers in header_mutation(&["x-api-sha256-signature", "content-type"]),
    ) {
        let body = body_from(&seeds(), &pick, &mutation);
        let mut signed = http::HeaderMap::new();
        let signature = match &signing {
            Signing::Shop => sign(&body, &secret(SHOP_EXTRA)).ok().map(String::into_bytes),
            Signing::User => sign(&body, &secret(USER_EXTRA)).ok().map(String::into_bytes),
            Signing::Missing => None,
            Signing::Text(text) => Some(text.clone()),
        };
        if let Some(value) = signature.and_then(|s| http::HeaderValue::from_bytes(&s).ok()) {
            signed.insert(SIGNATURE_HEADER, value);
        }
        let headers = headers.apply(&signed);
        let event = bounded(
            runtime(),
            "verify_and_parse",
            provider().verify_and_parse(WebhookRequest::new(&headers, &body)),
        )?;
        if let Err(error) = &event {
            no_panic("Display", || error.to_string())?;
        }
        if headers.get(SIGNATURE_HEADER).is_none() {
            prop_assert!(event.is_err(), "an unsigned webhook was read");
        }
    }
}

const BALANCE_ANSWER: &str = r#"{"data":{"balance":1500.75,"active_balance":"1000.25","freeze_balance":500.5},"status":200,"status_check":true}"#;
const INVOICE_ANSWER: &str = r#"{"data":{"invoice_id":"inv-1","order_id":"order-1","status":"success","invoice_amount":100.0,"credited":"95.50","currency":"RUB","pay_service":"card","payer_details":"553691******1279","commission_amount":"4.50","created_at":"2023-04-06 16:20:00","paid_at":"2023-04-06 16:27:59"},"status":200,"status_check":true}"#;
const PAYOFF_ANSWER: &str = r#"{"data":{"payoff_id":"po-9","status":"fail","order_id":"wd-9","service":"card","wallet":"411111******1111","type":"api","subtract":"balance","amount":500,"amount_withdraw_rub":"515.00","commission_rub":15,"receive_currency":"RUB","amount_receive":"500.00","created_at":"2024-05-01 12:00:00","error_message":"Карта заблокирована"},"status":200,"status_check":true}"#;

/// A stand-in answering every request with the status and body put in `answer`, and a
/// provider reading from it.
struct Api {
    answer: Arc<Mutex<(u16, Vec<u8>)>>,
    _server: MockServer,
    provider: MoruneProvider,
}

struct SharedAnswer(Arc<Mutex<(u16, Vec<u8>)>>);

impl Respond for SharedAnswer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let (status, body) = self.0.lock().map(|a| a.clone()).unwrap_or_default();
        ResponseTemplate::new(status)
            .insert_header("content-type", "application/json")
            .set_body_bytes(body)
    }
}

fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let answer = Arc::new(Mutex::new((200, BALANCE_ANSWER.as_bytes().to_vec())));
        let server = runtime().block_on(async {
            let server = MockServer::start().await;
            Mock::given(any_request())
                .respond_with(SharedAnswer(answer.clone()))
                .mount(&server)
                .await;
            server
        });
        let http = HttpOptions::default()
            .timeout(Duration::from_secs(5))
            .retry(RetryPolicy::Reads { attempts: 2 })
            .backoff(Duration::from_millis(1), Duration::from_millis(2));
        let provider = MoruneConfig::new()
            .with_shop("9f4b4a7e-1b0c-4d7e-9a51-3c2d1e0f9a8b", secret("shop-key"))
            .with_user("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", secret("user-key"))
            .with_base_url(server.uri())
            .provider(&BuildContext::default().with_http(http))
            .unwrap();
        Api {
            answer,
            _server: server,
            provider,
        }
    })
}

proptest! {
    #![proptest_config(config(256))]

    /// Balance and payment reads against a stand-in answering a spoilt envelope (balance,
    /// invoice or payoff) with a success or error status: values or a typed error, never
    /// a panic (the conversions to core types included).
    #[test]
    fn answers_convert_or_refuse(
        pick in any::<Index>(),
        mutation in mutation(),
        status in prop::sample::select(vec![200u16, 200, 200, 400, 401, 404, 422, 429, 500]),
    ) {
        let api = api();
        let seeds: Vec<Vec<u8>> = [BALANCE_ANSWER, INVOICE_ANSWER, PAYOFF_ANSWER]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        *api.answer.lock().unwrap() = (status, body_from(&seeds, &pick, &mutation));
        let accounts = bounded(runtime(), "accounts", api.provider.accounts())?;
        if let Ok(accounts) = accounts {
            for account in accounts {
                bounded(runtime(), "balance", api.provider.balance(&account.id))?.ok();
            }
        }
        bounded(runtime(), "balance", api.provider.balance(&AccountId::new("other")))?.ok();
        for id in [
            PaymentId::new(PaymentKind::Collection, "invoice", "inv-1"),
            PaymentId::new(PaymentKind::Payout, "payoff", "po-9"),
        ] {
            bounded(runtime(), "status", api.provider.status(&id))?.ok();
        }
    }
}

//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with Monzo's config shape, and `verify_and_parse` (the secret in the URI, then
//! the body) with spoilt real events and URIs. Every input gives a value or a typed
//! `Error`, never a panic or a hang. No network: the check needs only the configured
//! secret.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};

use bankkit_core::credentials::StoredConfig;
use bankkit_core::registry::{load_json, load_toml, BuildContext};
use bankkit_core::secret::secret;
use bankkit_core::{AccountId, Balance as _, Error, Webhook, WebhookRequest};
use bankkit_monzo::wire::{
    Account, Attachment, AttachmentUpload, Balance, FeedItem, Pot, Receipt, ReceiptSaved,
    TokenResponse, Transaction, Webhook as WebhookRegistration, WebhookEvent, WhoAmI,
};
use bankkit_monzo::{MonzoConfig, MonzoProvider};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};
use wiremock::matchers::{method, path};
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

/// The request's path and query, spoilt.
#[derive(Clone, Debug)]
enum UriMutation {
    Keep,
    None,
    Text(String),
    Flip(Index, char),
    Append(String),
}

fn uri_mutation() -> impl Strategy<Value = UriMutation> {
    prop_oneof![
        3 => Just(UriMutation::Keep),
        1 => Just(UriMutation::None),
        1 => "/?[a-z/?&=%0-9A-F_-]{0,80}|\\PC{0,40}".prop_map(UriMutation::Text),
        2 => (any::<Index>(), any::<char>()).prop_map(|(i, c)| UriMutation::Flip(i, c)),
        1 => "[&?#%=a-z0-9]{0,40}".prop_map(UriMutation::Append),
    ]
}

impl UriMutation {
    fn apply(&self, uri: &str) -> Option<String> {
        match self {
            Self::Keep => Some(uri.to_owned()),
            Self::None => None,
            Self::Text(text) => Some(text.clone()),
            Self::Flip(at, c) => {
                let mut chars: Vec<char> = uri.chars().collect();
                if !chars.is_empty() {
                    let i = at.index(chars.len());
                    chars[i] = *c;
                }
                Some(chars.into_iter().collect())
            }
            Self::Append(tail) => Some(format!("{uri}{tail}")),
        }
    }
}

// ---- Monzo. ----

const SECRET: &str = "generated-s3cr3t";
const URI: &str = "/hooks/monzo?user=7&secret=generated-s3cr3t";

/// The event from monzo.md A6, and others of its shapes.
const CREATED: &str = r#"{"type":"transaction.created",
 "data":{"account_id":"acc_0001","amount":-350,"created":"2024-05-01T08:00:00Z","currency":"GBP",
         "description":"COFFEE SHOP","id":"tx_0001","category":"eating_out","is_load":false,
         "settled":"","merchant":{"id":"merch_01","group_id":"grp_01","name":"Coffee Shop",
         "category":"eating_out","created":"2020-01-01T00:00:00Z","logo":"","emoji":"☕",
         "address":{"address":"1 High St","city":"London","country":"GB","latitude":51.5,
                    "longitude":-0.1,"postcode":"N1 1AA","region":"Greater London"}}}}"#;
const DECLINED: &str = r#"{"type":"transaction.created","data":{"account_id":"acc_0001","amount":-99999999,"created":"2024-05-01T08:00:00.123Z","currency":"EUR","description":"X","id":"tx_2","category":"general","is_load":false,"settled":"2024-05-02T08:00:00Z","decline_reason":"INSUFFICIENT_FUNDS","local_amount":-1000,"local_currency":"JPY","counterparty":{"account_number":"1","sort_code":"2","name":"N"},"metadata":{"a":"b"},"notes":"n"}}"#;
const OTHER: &str = r#"{"type":"balance.updated","data":{"account_id":"acc_0001","balance":100}}"#;
const BALANCE: &str = r#"{"balance":5000,"total_balance":6000,"currency":"GBP","spend_today":-100,"local_currency":"","local_exchange_rate":0,"local_spend":[]}"#;
const ACCOUNTS: &str = r#"{"accounts":[{"id":"acc_0001","closed":false,"created":"2019-01-01T00:00:00Z","description":"user_1","type":"uk_retail","currency":"GBP","country_code":"GB","owners":[{"user_id":"user_1","preferred_name":"A","preferred_first_name":"A"}],"account_number":"12345678","sort_code":"040004"}]}"#;

fn seeds() -> Vec<Vec<u8>> {
    [CREATED, DECLINED, OTHER, BALANCE, ACCOUNTS]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

fn provider() -> &'static MonzoProvider {
    static PROVIDER: OnceLock<MonzoProvider> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        MonzoConfig::new("client", secret("client-secret"), "https://app.example/cb")
            .with_webhook_secret(secret(SECRET))
            // Nothing listens there, and verifying never calls out.
            .with_base_url("http://127.0.0.1:9")
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
        TokenResponse,
        WhoAmI,
        Account,
        Balance,
        Pot,
        Transaction,
        AttachmentUpload,
        Attachment,
        Receipt,
        ReceiptSaved,
        WebhookRegistration,
        WebhookEvent,
        FeedItem,
    ]
}

const CONFIGS: &[&str] = &[
    r#"{"provider":"monzo","client_id":"c","client_secret":"s","redirect_uri":"https://app.example/cb"}"#,
    r#"{"provider":"monzo","client_id":"c","client_secret":"s","redirect_uri":"https://app.example/cb","access_token":"a","refresh_token":"r","webhook_secret":"w","base_url":"http://127.0.0.1:9","auth_url":"http://127.0.0.1:9/auth","token_key":"k","timeout_secs":30}"#,
];

proptest! {
    #![proptest_config(config(256))]

    /// Every wire type reads random, truncated and spoilt real bodies without panicking.
    #[test]
    fn wire_types_read_any_body(pick in any::<Index>(), mutation in mutation()) {
        decode_all(&wire_decoders(), &body_from(&seeds(), &pick, &mutation))?;
    }

    /// The config loaders with Monzo's shape, spoilt: a config or an `Error::Config`.
    #[test]
    fn configs_load_or_refuse(pick in any::<Index>(), mutation in mutation()) {
        let seeds: Vec<Vec<u8>> = CONFIGS.iter().map(|s| s.as_bytes().to_vec()).collect();
        check_config_text(&body_from(&seeds, &pick, &mutation))?;
    }

    /// `verify_and_parse` with spoilt events, URIs and headers: an event or a typed error;
    /// without the right secret in the URI, never an event.
    #[test]
    fn webhooks_verify_or_refuse(
        pick in any::<Index>(),
        mutation in mutation(),
        uri in uri_mutation(),
        headers in header_mutation(&["content-type", "x-monzo-signature"]),
    ) {
        let body = body_from(&seeds(), &pick, &mutation);
        let headers = headers.apply(&http::HeaderMap::new());
        let uri = uri.apply(URI);
        let mut request = WebhookRequest::new(&headers, &body);
        if let Some(uri) = &uri {
            request = request.with_uri(uri);
        }
        let has_secret = request.query_param("secret").as_deref() == Some(SECRET);
        let event = bounded(runtime(), "verify_and_parse", provider().verify_and_parse(request))?;
        if let Err(error) = &event {
            no_panic("Display", || error.to_string())?;
        }
        if !has_secret {
            prop_assert!(matches!(event, Err(Error::Signature { .. })), "{event:?}");
        }
    }
}

const POTS: &str = r#"{"pots":[{"id":"pot_1","name":"Savings","style":"beach_ball","balance":133700,"currency":"GBP","created":"2017-11-09T12:30:53.695Z","updated":"2018-02-26T07:12:04.925Z","deleted":false,"current_account_id":"acc_0001","type":"default"}]}"#;

/// A stand-in answering `/accounts`, `/balance` and `/pots` with whatever bodies are put
/// in `bodies`, and a provider reading from it.
struct Api {
    bodies: Arc<Mutex<[Vec<u8>; 3]>>,
    _server: MockServer,
    provider: MonzoProvider,
}

struct SharedBody(Arc<Mutex<[Vec<u8>; 3]>>, usize);

impl Respond for SharedBody {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let body = self.0.lock().map(|b| b[self.1].clone()).unwrap_or_default();
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_bytes(body)
    }
}

fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let bodies = Arc::new(Mutex::new(
            [ACCOUNTS, BALANCE, POTS].map(|s| s.as_bytes().to_vec()),
        ));
        let server = runtime().block_on(async {
            let server = MockServer::start().await;
            for (i, route) in ["/accounts", "/balance", "/pots"].into_iter().enumerate() {
                Mock::given(method("GET"))
                    .and(path(route))
                    .respond_with(SharedBody(bodies.clone(), i))
                    .mount(&server)
                    .await;
            }
            server
        });
        let provider =
            MonzoConfig::new("client", secret("client-secret"), "https://app.example/cb")
                .with_tokens(Some(secret("access-token")), None)
                .with_base_url(server.uri())
                .provider(&BuildContext::default())
                .unwrap();
        Api {
            bodies,
            _server: server,
            provider,
        }
    })
}

proptest! {
    #![proptest_config(config(256))]

    /// `accounts` and `balance` against a stand-in answering one spoilt body (accounts,
    /// balance or pots): values or a typed error, never a panic (the conversions to core
    /// types included).
    #[test]
    fn answers_convert_or_refuse(which in 0usize..3, mutation in mutation()) {
        let api = api();
        {
            let mut bodies = api.bodies.lock().unwrap();
            *bodies = [ACCOUNTS, BALANCE, POTS].map(|s| s.as_bytes().to_vec());
            bodies[which] = mutation.apply(&bodies[which].clone());
        }
        let accounts = bounded(runtime(), "accounts", api.provider.accounts())?;
        if matches!(mutation, Mutation::Keep) {
            prop_assert!(accounts.is_ok(), "the untouched answers were refused: {accounts:?}");
        }
        for account in ["acc_0001", "pot_1"] {
            bounded(runtime(), "balance", api.provider.balance(&AccountId::new(account)))?.ok();
        }
    }
}

//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with MoMo's config shape, and the callback check of `verify_and_parse` (the
//! payment named in the URI, its status re-read and compared with the body) with real
//! callbacks from the in-process sandbox, spoilt. Every input gives a value or a typed
//! `Error`, never a panic or a hang.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bankkit_core::credentials::StoredConfig;
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::Party;
use bankkit_core::registry::{load_json, load_toml, BuildContext};
use bankkit_core::secret::secret;
use bankkit_core::token::MemoryTokenStore;
use bankkit_core::{CollectRequest, Error, IdempotencyKey, Payment, Webhook, WebhookRequest};
use bankkit_momo::wire::{
    AccessToken, AccountBalance, ApiKey, ApiUser, BasicUserInfo, BcAuthorizeResponse, Callback,
    InvoiceResult, OAuth2Token, PaymentResult, PreApprovalResult, RequestToPayResult,
    TransferResult, UserInfo,
};
use bankkit_momo::{MomoConfig, MomoProvider, PaymentRef, PaymentResource, Product, ReferenceId};
use bankkit_sandbox::{ProviderHandle, Sandbox, TestOutcome};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};
use wiremock::matchers::any as any_request;
use wiremock::matchers::{method, path_regex};
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

// ---- MoMo. ----

const REQUEST_TO_PAY: &str = r#"{"financialTransactionId":"700000001","externalId":"order-42","amount":"15.50","currency":"EUR","payer":{"partyIdType":"MSISDN","partyId":"46733123450"},"payerMessage":"Order 42","payeeNote":"Order 42","status":"FAILED","reason":"INTERNAL_PROCESSING_ERROR"}"#;
const TRANSFER: &str = r#"{"amount":"5","currency":"EUR","externalId":"e","payee":{"partyIdType":"MSISDN","partyId":"46733123455"},"status":"FAILED","reason":{"code":"NOT_ENOUGH_FUNDS","message":"The payer does not have enough funds."}}"#;
const BALANCE: &str = r#"{"availableBalance":"1000.50","currency":"EUR"}"#;
const TOKEN: &str = r#"{"access_token":"eyJ0","token_type":"access_token","expires_in":3600}"#;

/// The sandbox, a provider on it and a callback it really sent.
struct Env {
    runtime: tokio::runtime::Runtime,
    _sandbox: Sandbox,
    _momo: ProviderHandle,
    _receiver: MockServer,
    provider: MomoProvider,
    callback: (http::HeaderMap, Vec<u8>, String),
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (sandbox, momo, receiver, provider, callback) = runtime.block_on(async {
            let sandbox = Sandbox::builder()
                .providers(["momo"])
                .start()
                .await
                .unwrap();
            let momo = sandbox.provider("momo").unwrap();
            let credential = |name: &str| momo.credentials()[name].as_str().unwrap().to_owned();
            let provider = MomoConfig::new(credential("api_user"), secret(credential("api_key")))
                .with_subscription_key(Product::Collection, secret(credential("collection_key")))
                .with_subscription_key(
                    Product::Disbursement,
                    secret(credential("disbursement_key")),
                )
                .with_subscription_key(Product::Remittance, secret(credential("remittance_key")))
                .with_target_environment(credential("target_environment"))
                .with_base_url(momo.base_url())
                .provider(
                    &BuildContext::default()
                        .with_clock(sandbox.clock().shared())
                        .with_token_store(Arc::new(MemoryTokenStore::new())),
                )
                .unwrap();
            let receiver = MockServer::start().await;
            Mock::given(any_request())
                .respond_with(ResponseTemplate::new(200))
                .mount(&receiver)
                .await;
            provider
                .register(&format!("{}/momo/callback?shop=1", receiver.uri()), None)
                .await
                .unwrap();
            let payer = Party::phone(momo.test_party(TestOutcome::Success).unwrap().value).unwrap();
            provider
                .collect(
                    CollectRequest::new(
                        IdempotencyKey::new("generated-1").unwrap(),
                        Money::parse("12.50", currency_from_code("EUR").unwrap()).unwrap(),
                    )
                    .payer(payer)
                    .description("Order 42"),
                )
                .await
                .unwrap();
            sandbox.advance(Duration::from_secs(6));
            momo.wait_for_deliveries(1, Duration::from_secs(5)).await;
            let received = receiver.received_requests().await.unwrap();
            let last = received.last().unwrap();
            let uri = match last.url.query() {
                Some(q) => format!("{}?{q}", last.url.path()),
                None => last.url.path().to_owned(),
            };
            let callback = (last.headers.clone(), last.body.clone(), uri);
            (sandbox, momo, receiver, provider, callback)
        });
        Env {
            runtime,
            _sandbox: sandbox,
            _momo: momo,
            _receiver: receiver,
            provider,
            callback,
        }
    })
}

fn wire_decoders() -> Vec<Decoder> {
    decoders![
        ApiUser,
        ApiKey,
        AccessToken,
        BcAuthorizeResponse,
        OAuth2Token,
        AccountBalance,
        BasicUserInfo,
        UserInfo,
        RequestToPayResult,
        InvoiceResult,
        PreApprovalResult,
        PaymentResult,
        TransferResult,
        Callback,
    ]
}

const CONFIGS: &[&str] = &[
    r#"{"provider":"momo","api_user":"u","api_key":"k","collection_key":"c"}"#,
    r#"{"provider":"momo","api_user":"u","api_key":"k","collection_key":"c","disbursement_key":"d","remittance_key":"r","target_environment":"sandbox","base_url":"http://127.0.0.1:9","callback_url":"https://app.example/cb","currency":"EUR","timeout_secs":30}"#,
];

proptest! {
    #![proptest_config(config(256))]

    /// Every wire type reads random, truncated and spoilt real bodies without panicking.
    #[test]
    fn wire_types_read_any_body(pick in any::<Index>(), mutation in mutation()) {
        let seeds: Vec<Vec<u8>> = [REQUEST_TO_PAY, TRANSFER, BALANCE, TOKEN]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        decode_all(&wire_decoders(), &body_from(&seeds, &pick, &mutation))?;
    }

    /// The config loaders with MoMo's shape, spoilt: a config or an `Error::Config`.
    #[test]
    fn configs_load_or_refuse(pick in any::<Index>(), mutation in mutation()) {
        let seeds: Vec<Vec<u8>> = CONFIGS.iter().map(|s| s.as_bytes().to_vec()).collect();
        check_config_text(&body_from(&seeds, &pick, &mutation))?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// A real callback with its body, URI and headers spoilt: a confirmed event or a typed
    /// error; without a URI naming the payment, never an event.
    #[test]
    fn callbacks_verify_or_refuse(
        mutation in mutation(),
        uri in uri_mutation(),
        headers in header_mutation(&["content-type", "x-callback-token"]),
    ) {
        let env = env();
        let (original_headers, original_body, original_uri) = &env.callback;
        let body = mutation.apply(original_body);
        let headers = headers.apply(original_headers);
        let uri = uri.apply(original_uri);
        let mut request = WebhookRequest::new(&headers, &body);
        if let Some(uri) = &uri {
            request = request.with_uri(uri);
        }
        let event = bounded(&env.runtime, "verify_and_parse", env.provider.verify_and_parse(request))?;
        if let Err(error) = &event {
            no_panic("Display", || error.to_string())?;
        }
        if uri.is_none() {
            prop_assert!(matches!(event, Err(Error::Signature { .. })), "{event:?}");
        }
        if body == *original_body && headers == *original_headers && uri.as_ref() == Some(original_uri) {
            prop_assert!(event.is_ok(), "the real callback did not verify: {event:?}");
        }
    }
}

/// A stand-in minting tokens and answering every other request with the body put in
/// `body`, and a provider reading from it.
struct Api {
    runtime: tokio::runtime::Runtime,
    body: Arc<Mutex<Vec<u8>>>,
    _server: MockServer,
    provider: MomoProvider,
}

struct SharedBody(Arc<Mutex<Vec<u8>>>);

impl Respond for SharedBody {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let body = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_bytes(body)
    }
}

fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let body = Arc::new(Mutex::new(REQUEST_TO_PAY.as_bytes().to_vec()));
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path_regex("/token/$"))
                .respond_with(ResponseTemplate::new(200).set_body_raw(TOKEN, "application/json"))
                .mount(&server)
                .await;
            Mock::given(wiremock::matchers::any())
                .respond_with(SharedBody(body.clone()))
                .mount(&server)
                .await;
            server
        });
        let provider = MomoConfig::new("9c4f7e1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b", secret("api-key"))
            .with_subscription_key(Product::Collection, secret("c"))
            .with_subscription_key(Product::Disbursement, secret("d"))
            .with_subscription_key(Product::Remittance, secret("r"))
            .with_target_environment("sandbox")
            .with_base_url(server.uri())
            .provider(&BuildContext::default().with_token_store(Arc::new(MemoryTokenStore::new())))
            .unwrap();
        Api {
            runtime,
            body,
            _server: server,
            provider,
        }
    })
}

proptest! {
    #![proptest_config(config(256))]

    /// `status` of each kind of payment against a stand-in answering a spoilt status body:
    /// the payment or a typed error, never a panic (the conversion to core types included).
    #[test]
    fn statuses_convert_or_refuse(pick in any::<Index>(), mutation in mutation()) {
        let api = api();
        let seeds: Vec<Vec<u8>> = [REQUEST_TO_PAY, TRANSFER, BALANCE]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        *api.body.lock().unwrap() = body_from(&seeds, &pick, &mutation);
        let reference = ReferenceId::random();
        for resource in PaymentResource::ALL {
            let id = PaymentRef::new(resource, reference.clone()).payment_id();
            bounded(&api.runtime, "status", api.provider.status(&id))?.ok();
        }
    }
}

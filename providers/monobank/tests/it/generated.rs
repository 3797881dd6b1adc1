//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with Monobank's config shape, `currency_rates` over a stand-in answering spoilt
//! bodies, and both webhook paths (acquiring `X-Sign` through `MerchantWebhookVerifier`
//! and the provider, personal `X-Sign` and unsigned events) with real requests from the
//! in-process sandbox, spoilt. Every input gives a value or a typed `Error`, never a panic
//! or a hang.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bankkit_core::credentials::StoredConfig;
use bankkit_core::http::Pacing;
use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::registry::{load_json, load_toml};
use bankkit_core::secret::secret;
use bankkit_core::{CollectRequest, Error, IdempotencyKey, Payment, Webhook, WebhookRequest};
use bankkit_monobank::wire::acquiring::{
    AcquiringErrorBody, InvoiceCreated, InvoiceStatus, MerchantDetails, MerchantPubkey,
    MerchantStatement, QrDetails, QrList, SubscriptionList, SubscriptionStatus, Wallet,
};
use bankkit_monobank::wire::provider_api::{RegistrationAnswer, RegistrationStatus};
use bankkit_monobank::wire::{
    BankSync, ClientInfo, CurrencyInfo, ErrorBody, StatementItem, WebhookBody,
};
use bankkit_monobank::{MerchantWebhookVerifier, MonobankClient, MonobankProvider, X_SIGN};
use bankkit_sandbox::{ProviderHandle, Sandbox, SandboxEvent, TestOutcome};
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

// ---- Monobank. ----

const ACQUIRING_EXAMPLE: &str = include_str!("../fixtures/acquiring_webhook_example.json");

const PERSONAL_EVENT: &str = r#"{"type":"StatementItem","data":{"account":"acc-1","statementItem":{"id":"tx-1","time":1793534000,"description":"Сільпо","mcc":5411,"originalMcc":5411,"hold":false,"amount":-12345,"operationAmount":-12345,"currencyCode":980,"commissionRate":0,"cashbackAmount":0,"balance":100000,"comment":"x","receiptId":"r","counterEdrpou":"1","counterIban":"UA1"}}}"#;

const CURRENCY: &str = r#"[{"currencyCodeA":840,"currencyCodeB":980,"date":1552392228,"rateSell":27,"rateBuy":27.2},{"currencyCodeA":643,"currencyCodeB":980,"date":1552392228,"rateCross":0.3961}]"#;

const CLIENT_INFO: &str = r#"{"clientId":"3MSaMMtczs","name":"Мазепа Іван","webHookUrl":"https://example.com/hook","permissions":"psfj","accounts":[{"id":"kKGVoZuHWzqVoZuH","sendId":"uHWzqVoZuH","balance":10000000,"creditLimit":10000000,"type":"black","currencyCode":980,"cashbackType":"UAH","maskedPan":["537541******1234"],"iban":"UA733220010000026201234567890"}],"jars":[{"id":"kKGVoZuHWzqVoZuH","sendId":"uHWzqVoZuH","title":"На тепловізор","description":"x","currencyCode":980,"balance":1000000,"goal":10000000}]}"#;

fn seeds(extra: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [ACQUIRING_EXAMPLE, PERSONAL_EVENT, CURRENCY, CLIENT_INFO]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    seeds.extend(extra.iter().cloned());
    seeds
}

/// The sandbox, providers on it, and requests it really sent to a receiver.
struct Env {
    runtime: Arc<tokio::runtime::Runtime>,
    _sandbox: Sandbox,
    _monobank: ProviderHandle,
    _receiver: MockServer,
    personal: MonobankProvider,
    merchant: MonobankProvider,
    both: MonobankProvider,
    verifier: MerchantWebhookVerifier,
    /// The personal event and the acquiring events, signed.
    deliveries: Vec<(http::HeaderMap, Vec<u8>)>,
    /// A stand-in for `/bank/currency` answering whatever body is put here.
    currency_body: Arc<Mutex<Vec<u8>>>,
    _currency_server: MockServer,
    currency_client: MonobankClient,
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

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let runtime = Arc::new(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        );
        let shared = runtime.clone();
        runtime.block_on(async move {
            let sandbox = Sandbox::builder()
                .providers(["monobank"])
                .start()
                .await
                .unwrap();
            let monobank = sandbox.monobank().unwrap();
            let credentials = monobank.credentials();
            let token = credentials["token"].as_str().unwrap().to_owned();
            let merchant_token = credentials["merchant_token"].as_str().unwrap().to_owned();
            let client = |token: Option<&str>, merchant: Option<&str>| {
                let mut builder = MonobankClient::builder()
                    .base_url(monobank.base_url())
                    .clock(sandbox.clock().shared());
                if let Some(token) = token {
                    builder = builder.token(secret(token));
                }
                if let Some(merchant) = merchant {
                    builder = builder.merchant_token(secret(merchant));
                }
                builder.build().unwrap()
            };
            let personal = MonobankProvider::new(client(Some(&token), None));
            let merchant = MonobankProvider::new(client(None, Some(&merchant_token)));
            let both = MonobankProvider::new(client(Some(&token), Some(&merchant_token)));
            let verifier = MerchantWebhookVerifier::new(client(None, Some(&merchant_token)));

            let receiver = MockServer::start().await;
            Mock::given(wiremock::matchers::any())
                .respond_with(ResponseTemplate::new(200))
                .mount(&receiver)
                .await;
            personal
                .register(&format!("{}/hooks/personal", receiver.uri()), None)
                .await
                .unwrap();
            let card = monobank
                .ledger()
                .accounts
                .into_iter()
                .find(|a| a.kind == "card" && a.currency == "UAH")
                .unwrap();
            monobank
                .trigger(SandboxEvent::CardTransaction {
                    account_id: Some(card.id.clone()),
                    amount_minor: -12_345,
                    description: "Сільпо".to_owned(),
                })
                .unwrap();
            let uah = currency_from_code("UAH").unwrap();
            let invoice = merchant
                .collect(
                    CollectRequest::new(
                        IdempotencyKey::new("generated-1").unwrap(),
                        Money::from_minor(4400, uah).unwrap(),
                    )
                    .description("Замовлення")
                    .callback_url(format!("{}/hooks/acquiring", receiver.uri())),
                )
                .await
                .unwrap();
            monobank
                .trigger(SandboxEvent::PayerActs {
                    payment_id: invoice.id.id().to_owned(),
                    outcome: TestOutcome::Success,
                })
                .unwrap();
            monobank
                .wait_for_deliveries(3, Duration::from_secs(10))
                .await;
            let deliveries: Vec<(http::HeaderMap, Vec<u8>)> = receiver
                .received_requests()
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.method == http::Method::POST)
                .map(|r| (r.headers, r.body))
                .collect();
            assert!(deliveries.len() >= 3, "{}", deliveries.len());
            assert!(deliveries.iter().any(|(h, _)| h.contains_key(X_SIGN)));

            let currency_body = Arc::new(Mutex::new(CURRENCY.as_bytes().to_vec()));
            let currency_server = MockServer::start().await;
            Mock::given(method("GET"))
                .and(path("/bank/currency"))
                .respond_with(SharedBody(currency_body.clone()))
                .mount(&currency_server)
                .await;
            let currency_client = MonobankClient::builder()
                .base_url(currency_server.uri())
                .pacing(Pacing::Off)
                .build()
                .unwrap();
            Env {
                runtime: shared,
                _sandbox: sandbox,
                _monobank: monobank,
                _receiver: receiver,
                personal,
                merchant,
                both,
                verifier,
                deliveries,
                currency_body,
                _currency_server: currency_server,
                currency_client,
            }
        })
    })
}

fn wire_decoders() -> Vec<Decoder> {
    decoders![
        CurrencyInfo,
        BankSync,
        ClientInfo,
        StatementItem,
        WebhookBody,
        ErrorBody,
        InvoiceCreated,
        InvoiceStatus,
        MerchantPubkey,
        MerchantDetails,
        MerchantStatement,
        QrList,
        QrDetails,
        Wallet,
        SubscriptionStatus,
        SubscriptionList,
        AcquiringErrorBody,
        RegistrationAnswer,
        RegistrationStatus,
    ]
}

/// Monobank configs as a providers file and a stored config would hold them.
const CONFIGS: &[&str] = &[
    r#"{"provider":"monobank","token":"t0ken"}"#,
    r#"{"provider":"monobank","merchant_token":"m","base_url":"http://127.0.0.1:9","timeout_secs":30,"pacing":"off"}"#,
    r#"{"provider":"monobank","token":"t","merchant_token":"m","pacing":"sandbox_clock","idempotency_file":"/tmp/x"}"#,
    r#"{"provider":"monobank","provider_key":"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----","provider_key_id":"k","request_id":"r"}"#,
];

proptest! {
    #![proptest_config(config(256))]

    /// Every wire type reads random, truncated and spoilt real bodies (wrong types, huge
    /// numbers and exponents, 10 000 levels of `[`) without panicking.
    #[test]
    fn wire_types_read_any_body(pick in any::<Index>(), mutation in mutation()) {
        let body = body_from(&seeds(&[]), &pick, &mutation);
        decode_all(&wire_decoders(), &body)?;
    }

    /// The config loaders with Monobank's shape, spoilt: a config or an `Error::Config`.
    #[test]
    fn configs_load_or_refuse(pick in any::<Index>(), mutation in mutation()) {
        let seeds: Vec<Vec<u8>> = CONFIGS.iter().map(|s| s.as_bytes().to_vec()).collect();
        check_config_text(&body_from(&seeds, &pick, &mutation))?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// `currency_rates` over a stand-in answering a spoilt `/bank/currency` body: rates or
    /// a typed error (the `1e-9223372036854775808` rate among them).
    #[test]
    fn currency_rates_read_or_refuse(pick in any::<Index>(), mutation in mutation()) {
        let env = env();
        // The currency answer mostly, other bodies now and then.
        let currency = vec![CURRENCY.as_bytes().to_vec(); 4];
        let body = body_from(&seeds(&currency), &pick, &mutation);
        *env.currency_body.lock().unwrap() = body;
        let rates = bounded(&env.runtime, "currency_rates", env.currency_client.currency_rates())?;
        if let Ok(rates) = &rates {
            for rate in rates {
                no_panic("CurrencyRate", || bankkit_monobank::CurrencyRate::try_from(rate))?.ok();
            }
        }
    }

    /// Real signed webhook requests with the body and headers spoilt: each verifier and
    /// each provider gives an event or a typed error, and a merchant body that changed
    /// under an unchanged `X-Sign` never verifies.
    #[test]
    fn webhooks_verify_or_refuse(
        pick in any::<Index>(),
        mutation in mutation(),
        headers in header_mutation(&["x-sign", "x-key-id", "content-type"]),
    ) {
        let env = env();
        let (original_headers, original_body) = pick.get(&env.deliveries);
        let body = mutation.apply(original_body);
        let headers = headers.apply(original_headers);
        let request = WebhookRequest::new(&headers, &body);
        let mut verified = 0;
        for (name, provider) in [("personal", &env.personal), ("merchant", &env.merchant), ("both", &env.both)] {
            let event = bounded(&env.runtime, name, provider.verify_and_parse(request))?;
            match &event {
                Ok(_) => verified += 1,
                Err(error) => {
                    no_panic("Display", || error.to_string())?;
                }
            }
        }
        if body == *original_body && headers == *original_headers {
            prop_assert!(verified > 0, "a real request verified with no provider");
        }
        let status = bounded(&env.runtime, "MerchantWebhookVerifier", env.verifier.verify_request(&headers, &body))?;
        if body != *original_body && headers.get(X_SIGN) == original_headers.get(X_SIGN) && headers.get(X_SIGN).is_some() {
            prop_assert!(status.is_err(), "a changed body verified");
        }
        // A made-up X-Sign over the same body never verifies either.
        let sign = headers.get(X_SIGN).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let verified = bounded(&env.runtime, "MerchantWebhookVerifier::verify", env.verifier.verify(sign.as_deref(), &body))?;
        if sign.as_deref() != original_headers.get(X_SIGN).and_then(|v| v.to_str().ok()) {
            prop_assert!(matches!(verified, Err(Error::Signature { .. } | Error::Decode { .. })), "{verified:?}");
        }
    }
}

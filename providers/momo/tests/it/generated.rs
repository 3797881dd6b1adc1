//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with MoMo's config shape, and the callback check of `verify_and_parse` (the
//! payment named in the URI, its status re-read and compared with the body) with real
//! callbacks from the in-process sandbox, spoilt. Every input gives a value or a typed
//! `Error`, never a panic or a hang.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::payment::Party;
use bankkit_core::registry::BuildContext;
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
use wiremock::matchers::any as any_request;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
#[macro_use]
#[path = "../../../support/generated.rs"]
mod support;
use support::*;

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

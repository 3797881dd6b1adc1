//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with Monzo's config shape, and `verify_and_parse` (the secret in the URI, then
//! the body) with spoilt real events and URIs. Every input gives a value or a typed
//! `Error`, never a panic or a hang. No network: the check needs only the configured
//! secret.

use std::sync::{Arc, Mutex, OnceLock};

use bankkit_core::registry::BuildContext;
use bankkit_core::secret::secret;
use bankkit_core::{AccountId, Balance as _, Error, Webhook, WebhookRequest};
use bankkit_monzo::wire::{
    Account, Attachment, AttachmentUpload, Balance, FeedItem, Pot, Receipt, ReceiptSaved,
    TokenResponse, Transaction, Webhook as WebhookRegistration, WebhookEvent, WhoAmI,
};
use bankkit_monzo::{MonzoConfig, MonzoProvider};
use proptest::prelude::*;
use proptest::sample::Index;
use wiremock::matchers::{method, path};
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

//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with Morune's config shape, the HMAC verifier (`canonical_json`, `sign`,
//! `verify`) and the provider's `verify_and_parse` with spoilt real bodies, signed with the
//! right key or not. Every input gives a value or a typed `Error`, never a panic or a hang.
//! No network: the verifier needs only the configured keys.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::registry::BuildContext;
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
use wiremock::matchers::any as any_request;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
#[macro_use]
#[path = "../../../support/generated.rs"]
mod support;
use support::*;

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

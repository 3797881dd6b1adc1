//! Generated input for every decoder and verifier of the crate: the wire types, the config
//! loaders with Monobank's config shape, `currency_rates` over a stand-in answering spoilt
//! bodies, and both webhook paths (acquiring `X-Sign` through `MerchantWebhookVerifier`
//! and the provider, personal `X-Sign` and unsigned events) with real requests from the
//! in-process sandbox, spoilt. Every input gives a value or a typed `Error`, never a panic
//! or a hang.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bankkit_core::http::Pacing;
use bankkit_core::money::{currency_from_code, Money};
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
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
#[macro_use]
#[path = "../../../support/generated.rs"]
mod support;
use support::*;

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

//! MoMo magic numbers: MTN's documented table by default (every other number succeeds, on
//! every create), the measured table and the third-party extended numbers only when chosen;
//! and the gateway's 411 for a body-less POST without `Content-Length`.

use crate::momo_common;

use bankkit_sandbox::{SandboxError, SandboxEvent};
use momo_common::{momo, request_to_pay, transfer, Momo};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Numbers no documented row names: each must succeed everywhere by default (…459 and …455
/// are extended numbers, …464 too).
const ARBITRARY: [&str; 5] = [
    "46733123459",
    "46733123455",
    "46733123464",
    "256772123456",
    "233241234567",
];

fn party(msisdn: &str) -> Value {
    json!({"partyIdType": "MSISDN", "partyId": msisdn})
}

fn refund(of: &str) -> Value {
    json!({
        "amount": "1", "currency": "EUR", "externalId": "refund-1",
        "payerMessage": "Refund", "payeeNote": "Refund", "referenceIdToRefund": of,
    })
}

/// Every create the module has, for `msisdn` on the payer or payee side; returns the status
/// paths to read. Refunds are made of a request to pay from `msisdn` that already succeeded.
async fn create_everything(momo: &Momo, msisdn: &str, paid: &str) -> Vec<String> {
    let creates: Vec<(&str, &str, Value)> = vec![
        (
            "/collection/v1_0/requesttopay",
            "/collection/v1_0/requesttopay",
            request_to_pay(msisdn, "1"),
        ),
        (
            "/collection/v1_0/requesttowithdraw",
            "/collection/v1_0/requesttowithdraw",
            request_to_pay(msisdn, "1"),
        ),
        (
            "/collection/v2_0/requesttowithdraw",
            "/collection/v1_0/requesttowithdraw",
            request_to_pay(msisdn, "1"),
        ),
        (
            "/collection/v2_0/invoice",
            "/collection/v2_0/invoice",
            json!({
                "externalId": "inv-1", "amount": "1", "currency": "EUR",
                "validityDuration": "3600", "intendedPayer": party(msisdn),
                "payee": party("46733123456"), "description": "Invoice",
            }),
        ),
        (
            "/collection/v2_0/preapproval",
            "/collection/v2_0/preapproval",
            json!({
                "payer": party(msisdn), "payerCurrency": "EUR", "payerMessage": "Plan",
                "validityTime": 3600,
            }),
        ),
        (
            "/collection/v1_0/preapproval",
            "/collection/v1_0/preapproval",
            json!({
                "payer": party(msisdn), "payerCurrency": "EUR", "payerMessage": "Plan",
                "validityTime": 3600,
            }),
        ),
        (
            "/collection/v2_0/payment",
            "/collection/v2_0/payment",
            // 2000 fails only with the extended numbers.
            json!({
                "externalTransactionId": "p-1", "money": {"amount": "2000", "currency": "EUR"},
                "customerReference": msisdn, "serviceProviderUserName": "shop",
            }),
        ),
        (
            "/disbursement/v1_0/transfer",
            "/disbursement/v1_0/transfer",
            transfer(msisdn, "1"),
        ),
        (
            "/disbursement/v1_0/deposit",
            "/disbursement/v1_0/deposit",
            transfer(msisdn, "1"),
        ),
        (
            "/disbursement/v2_0/deposit",
            "/disbursement/v1_0/deposit",
            transfer(msisdn, "1"),
        ),
        (
            "/disbursement/v1_0/refund",
            "/disbursement/v1_0/refund",
            refund(paid),
        ),
        (
            "/disbursement/v2_0/refund",
            "/disbursement/v1_0/refund",
            refund(paid),
        ),
        (
            "/remittance/v1_0/transfer",
            "/remittance/v1_0/transfer",
            transfer(msisdn, "1"),
        ),
    ];
    let mut statuses = Vec::new();
    for (create, status, body) in creates {
        let id = momo.create_ok(create, &body).await;
        statuses.push(format!("{status}/{id}"));
    }
    statuses
}

#[tokio::test]
async fn arbitrary_numbers_succeed_on_every_create_by_default() {
    let momo = momo().await;
    let mut paid = Vec::new();
    for msisdn in ARBITRARY {
        paid.push(
            momo.create_ok(
                "/collection/v1_0/requesttopay",
                &request_to_pay(msisdn, "5"),
            )
            .await,
        );
    }
    momo.advance(5);
    let mut statuses = Vec::new();
    for (msisdn, paid) in ARBITRARY.iter().zip(&paid) {
        statuses.extend(create_everything(&momo, msisdn, paid).await);
    }

    momo.advance(5);

    for path in statuses {
        let status = momo.get_json(&path).await;
        assert_eq!(status["status"], "SUCCESSFUL", "{path}: {status}");
        assert!(status.get("reason").is_none(), "{path}: {status}");
    }
}

#[tokio::test]
async fn the_extended_numbers_apply_only_when_chosen_on_either_table() {
    let momo = momo().await;
    let pay = |msisdn: &'static str| {
        let momo = &momo;
        async move {
            momo.create_ok(
                "/collection/v1_0/requesttopay",
                &request_to_pay(msisdn, "1"),
            )
            .await
        }
    };
    let plain = pay("46733123459").await;
    assert_eq!(
        momo.event(json!({"type": "magic_numbers", "extended": true})),
        json!({"table": "documented", "extended": true})
    );
    let extended = pay("46733123459").await;
    assert_eq!(
        momo.event(json!({"type": "magic_numbers", "table": "measured"})),
        json!({"table": "measured", "extended": true})
    );
    let measured_extended = pay("46733123461").await;
    momo.event(json!({"type": "magic_numbers", "table": "documented", "extended": false}));
    let back = pay("46733123459").await;

    momo.advance(5);

    let status = |id: String| {
        let momo = &momo;
        async move {
            momo.get_json(&format!("/collection/v1_0/requesttopay/{id}"))
                .await
        }
    };
    assert_eq!(status(plain).await["status"], "SUCCESSFUL");
    let extended = status(extended).await;
    assert_eq!(extended["status"], "FAILED");
    assert_eq!(extended["reason"], "INVALID_CALLBACK_URL_HOST");
    assert_eq!(
        status(measured_extended).await["reason"],
        "INTERNAL_PROCESSING_ERROR"
    );
    assert_eq!(status(back).await["status"], "SUCCESSFUL");
}

#[tokio::test]
async fn magic_numbers_events_need_a_known_table_or_a_boolean_extended() {
    let momo = momo().await;
    for event in [
        json!({"type": "magic_numbers"}),
        json!({"type": "magic_numbers", "table": "extended"}),
        json!({"type": "magic_numbers", "extended": "yes"}),
    ] {
        let refused = momo.handle.trigger(SandboxEvent::Custom(event.clone()));
        assert!(
            matches!(refused, Err(SandboxError::InvalidEvent(_))),
            "{event}: {refused:?}"
        );
    }
}

/// Sends `request` as raw bytes to the MoMo server and reads until it closes the connection.
async fn raw(momo: &Momo, request: &str) -> String {
    let base = momo.handle.base_url();
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(momo_common::WAIT, stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8(answer).unwrap()
}

fn head_and_body(answer: &str) -> (String, String) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.to_ascii_lowercase(), body.to_owned())
}

#[tokio::test]
async fn a_post_or_put_without_content_length_gets_the_gateways_411_before_any_check() {
    let momo = momo().await;
    let key = momo.key("collection");
    let basic = momo.basic();
    let user = momo.cred("api_user");
    let requests = [
        format!("POST /v1_0/apiuser/{user}/apikey HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: {key}\r\n\r\n"),
        format!("POST /v1_0/apiuser HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: {key}\r\n\r\n"),
        format!("POST /collection/token/ HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: {key}\r\nAuthorization: {basic}\r\n\r\n"),
        "POST /disbursement/token/ HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "POST /collection/v1_0/requesttopay HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "POST /disbursement/v2_0/refund HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "POST /remittance/v1_0/transfer HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "POST /collection/v1_0/bc-authorize HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "PUT /collection/v1_0/requesttopay HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
    ];
    for request in requests {
        let answer = raw(&momo, &request).await;
        let (head, body) = head_and_body(&answer);
        assert!(head.starts_with("http/1.1 411 "), "{request}: {answer}");
        assert!(
            head.contains("content-type: text/html; charset=us-ascii"),
            "{head}"
        );
        assert!(head.contains("connection: close"), "{head}");
        assert!(body.contains("<TITLE>Length Required</TITLE>"), "{body}");
        assert!(
            body.contains("HTTP Error 411. The request must be chunked or have a content length."),
            "{body}"
        );
    }
}

#[tokio::test]
async fn content_length_zero_or_a_chunked_body_passes_the_gateway() {
    let momo = momo().await;
    let key = momo.key("collection");
    let basic = momo.basic();

    let empty = raw(
        &momo,
        &format!(
            "POST /collection/token/ HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: {key}\r\n\
             Authorization: {basic}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    let chunked = raw(
        &momo,
        &format!(
            "POST /collection/token/ HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: {key}\r\n\
             Authorization: {basic}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"
        ),
    )
    .await;
    // Past the gateway, the API's own checks answer (here the missing key's 401).
    let keyless = raw(
        &momo,
        "POST /collection/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;

    for answer in [&empty, &chunked] {
        let (head, body) = head_and_body(answer);
        assert!(head.starts_with("http/1.1 200 "), "{answer}");
        let token: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(token["token_type"], "access_token");
    }
    assert!(keyless.starts_with("HTTP/1.1 401 "), "{keyless}");
}

/// The `reason` of a request to pay from the extended number …459, 5 s after creation.
async fn fails(momo: &Momo) -> Value {
    let id = momo
        .create_ok(
            "/collection/v1_0/requesttopay",
            &request_to_pay("46733123459", "1"),
        )
        .await;
    momo.advance(5);
    momo.get_json(&format!("/collection/v1_0/requesttopay/{id}"))
        .await["reason"]
        .clone()
}

#[tokio::test]
async fn default_events_on_the_builder_outlive_a_reset() {
    let momo = momo_common::momo_on(
        bankkit_sandbox::Sandbox::builder()
            .default_event("momo", json!({"type": "magic_numbers", "extended": true})),
    )
    .await;
    assert_eq!(fails(&momo).await, "INVALID_CALLBACK_URL_HOST");
    momo.event(json!({"type": "magic_numbers", "extended": false}));
    momo.sandbox.reset();
    assert_eq!(fails(&momo).await, "INVALID_CALLBACK_URL_HOST");
}

#[tokio::test]
async fn a_default_event_the_provider_refuses_stops_the_start() {
    let started = bankkit_sandbox::Sandbox::builder()
        .providers(["momo"])
        .default_event("momo", json!({"type": "magic_numbers", "table": "guessed"}))
        .start()
        .await;
    assert!(matches!(started, Err(SandboxError::InvalidEvent(_))));
}

#[tokio::test]
async fn the_binary_takes_the_momo_options_and_keeps_them_across_a_reset() {
    let (_child, summary) = crate::common::start_binary(&[
        "--provider",
        "momo",
        "--json",
        "--momo-numbers",
        "measured",
        "--momo-extended-numbers",
        "--momo-reason",
        "object",
    ])
    .await;
    let momo = &summary["providers"]["momo"];
    assert_eq!(momo["test_parties"]["pending"]["value"], "46733123453");
    let base = momo["base_url"].as_str().unwrap().to_owned();
    let cred = |name: &str| momo["credentials"][name].as_str().unwrap().to_owned();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let key = cred("collection_key");
    let basic = momo_common::basic(&cred("api_user"), &cred("api_key"));

    for _ in 0..2 {
        let token: Value = http
            .post(format!("{base}/collection/token/"))
            .header("Ocp-Apim-Subscription-Key", &key)
            .header("Authorization", &basic)
            .header(reqwest::header::CONTENT_LENGTH, 0)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        let id = momo_common::uuid();
        let created = http
            .post(format!("{base}/collection/v1_0/requesttopay"))
            .header("Ocp-Apim-Subscription-Key", &key)
            .bearer_auth(&token)
            .header("X-Target-Environment", "sandbox")
            .header("X-Reference-Id", &id)
            .json(&request_to_pay("46733123459", "1"))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 202);
        let advanced = http
            .post(format!("{base}/__bankkit/clock/advance"))
            .json(&json!({"seconds": 5}))
            .send()
            .await
            .unwrap();
        assert_eq!(advanced.status(), 200);
        let status: Value = http
            .get(format!("{base}/collection/v1_0/requesttopay/{id}"))
            .header("Ocp-Apim-Subscription-Key", &key)
            .bearer_auth(&token)
            .header("X-Target-Environment", "sandbox")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["reason"]["code"], "INVALID_CALLBACK_URL_HOST");
        let reset = http
            .post(format!("{base}/__bankkit/reset"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(reset.status(), 200);
    }
}

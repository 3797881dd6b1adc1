//! The acquiring API client against a local server playing the bank: for every endpoint,
//! the exact method, path, query, headers and body sent, and the answer read (bodies from
//! the examples of the bank's acquiring OpenAPI).

use std::time::Duration;

use bankkit_core::clock::ManualClock;
use bankkit_core::http::{HttpOptions, RetryPolicy};
use bankkit_core::secret::secret;
use bankkit_core::{Decimal, Error, ForbiddenReason};
use bankkit_monobank::wire::acquiring::*;
use bankkit_monobank::MonobankClient;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const MERCHANT_TOKEN: &str = "mT0k3n-merchant-9aB2cD4eF6gH8iJ0kL1mN3oP5qR7s";
const PERSONAL_TOKEN: &str = "uZ3pQk7w1R5tY9aB2cD4eF6gH8iJ0kL1mN3oP5qR7sT9";
const PAN: &str = "4242424242424242";
const CVV: &str = "123";
const EXP: &str = "0642";
const CARD_TOKEN: &str = "67XZtXdR4NpKU3";

fn clock() -> ManualClock {
    ManualClock::frozen_at("2026-11-20T10:00:00Z".parse().unwrap())
}

/// A client with both tokens and a CMS name, retrying idempotent writes (the most
/// permissive policy), on a virtual clock.
fn client(server: &MockServer) -> MonobankClient {
    MonobankClient::builder()
        .token(secret(PERSONAL_TOKEN))
        .merchant_token(secret(MERCHANT_TOKEN))
        .cms("bankkit-shop")
        .cms_version("2.4.1")
        .base_url(server.uri())
        .clock(clock().shared())
        .http_options(HttpOptions::default().retry(RetryPolicy::IdempotentWrites { attempts: 3 }))
        .build()
        .unwrap()
}

/// Answers `method path` with `status` and `answer`.
async fn serve(server: &MockServer, verb: &str, route: &str, status: u16, answer: Value) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(answer))
        .mount(server)
        .await;
}

/// What one request must look like.
struct Sent<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    body: Option<Value>,
    cms: bool,
}

/// The only request the server received, checked against `sent`.
async fn only_request(server: &MockServer, sent: Sent<'_>) -> Request {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = requests.into_iter().next().unwrap();
    assert_eq!(request.method.as_str(), sent.method);
    assert_eq!(request.url.path(), sent.path);
    let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let expected: Vec<(String, String)> = sent
        .query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(query, expected, "query of {}", sent.path);
    assert_eq!(
        request.headers.get("x-token").unwrap().to_str().unwrap(),
        MERCHANT_TOKEN,
        "the merchant token goes to {}",
        sent.path
    );
    let cms = request
        .headers
        .get("x-cms")
        .map(|v| v.to_str().unwrap().to_owned());
    let cms_version = request
        .headers
        .get("x-cms-version")
        .map(|v| v.to_str().unwrap().to_owned());
    if sent.cms {
        assert_eq!(cms.as_deref(), Some("bankkit-shop"));
        assert_eq!(cms_version.as_deref(), Some("2.4.1"));
    } else {
        assert_eq!(
            (cms, cms_version),
            (None, None),
            "no X-Cms on {}",
            sent.path
        );
    }
    match sent.body {
        Some(expected) => {
            assert_eq!(
                request.headers.get("content-type").unwrap(),
                "application/json"
            );
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            assert_eq!(body, expected, "body of {}", sent.path);
        }
        None => assert!(request.body.is_empty(), "no body on {}", sent.path),
    }
    request
}

fn invoice_status_example() -> Value {
    json!({
        "invoiceId": "p2_9ZgpZVsl3", "status": "success", "failureReason": "Неправильний CVV код",
        "errCode": "59", "amount": 4200, "ccy": 980, "finalAmount": 4200,
        "createdDate": "2019-08-24T14:15:22Z", "modifiedDate": "2019-08-24T14:15:22Z",
        "reference": "84d0070ee4e44667b31371d8f8813947", "destination": "Покупка щастя",
        "cancelList": [{
            "status": "processing", "amount": 4200, "ccy": 980,
            "createdDate": "2019-08-24T14:15:22Z", "modifiedDate": "2019-08-24T14:15:22Z",
            "approvalCode": "662476", "rrn": "060189181768",
            "extRef": "635ace02599849e981b2cd7a65f417fe"
        }],
        "paymentInfo": {
            "maskedPan": "444403******1902", "approvalCode": "662476", "rrn": "060189181768",
            "tranId": "13194036", "terminal": "MI001088", "bank": "Універсал Банк",
            "paymentSystem": "visa", "paymentMethod": "pan", "fee": 420, "country": "804",
            "agentFee": 10
        },
        "walletData": {
            "cardToken": CARD_TOKEN, "walletId": "c1376a611e17b059aeaf96b73258da9c",
            "status": "new"
        }
    })
}

fn payment_result_example() -> Value {
    json!({
        "invoiceId": "2210012MPLYwJjVUzchj", "tdsUrl": "https://example.com/tds/url",
        "status": "success", "amount": 4200, "ccy": 980,
        "createdDate": "2019-08-24T14:15:22Z", "modifiedDate": "2019-08-24T14:15:22Z"
    })
}

fn paym_info() -> MerchantPaymInfo {
    MerchantPaymInfo {
        reference: Some("84d0070ee4e44667b31371d8f8813947".into()),
        destination: Some("Покупка щастя".into()),
        comment: Some("Покупка щастя".into()),
        customer_emails: Some(vec!["buyer@example.com".into()]),
        discounts: Some(vec![Discount {
            discount_type: DiscountType::Discount,
            mode: DiscountMode::Percent,
            value: Decimal::new(125, 1),
            tax: None,
        }]),
        metadata: Some([("key1".to_owned(), json!("value1"))].into_iter().collect()),
        basket_order: Some(vec![BasketItem {
            name: "Табуретка".into(),
            qty: Decimal::new(15, 1),
            sum: 2100,
            total: Some(3150),
            unit: Some("шт.".into()),
            code: "d21da1c47f3c45fca10a10c32518bdeb".into(),
            tax: Some(vec![8]),
            ..BasketItem::default()
        }]),
    }
}

fn paym_info_json() -> Value {
    json!({
        "reference": "84d0070ee4e44667b31371d8f8813947", "destination": "Покупка щастя",
        "comment": "Покупка щастя", "customerEmails": ["buyer@example.com"],
        "discounts": [{"type": "DISCOUNT", "mode": "PERCENT", "value": 12.5}],
        "metadata": {"key1": "value1"},
        "basketOrder": [{
            "name": "Табуретка", "qty": 1.5, "sum": 2100, "total": 3150, "unit": "шт.",
            "code": "d21da1c47f3c45fca10a10c32518bdeb", "tax": [8]
        }]
    })
}

#[tokio::test]
async fn invoice_create_sends_the_body_and_cms_headers_and_reads_the_links() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/invoice/create",
        200,
        json!({
            "invoiceId": "p2_9ZgpZVsl3", "pageUrl": "https://pay.mbnk.biz/p2_9ZgpZVsl3",
            "appUrl": "monobank://pay/p2_9ZgpZVsl3"
        }),
    )
    .await;
    let request = InvoiceCreateRequest {
        ccy: Some(980),
        merchant_paym_info: Some(paym_info()),
        redirect_url: Some("https://example.com/your/website/result/page".into()),
        web_hook_url: Some("https://example.com/mono/acquiring/webhook".into()),
        validity: Some(3600),
        payment_type: Some(PaymentType::Hold),
        save_card_data: Some(SaveCardData {
            save_card: true,
            wallet_id: Some("69f780d841a0434aa535b08821f4822c".into()),
        }),
        agent_fee_percent: Some(Decimal::new(142, 2)),
        display_type: Some(DisplayType::Iframe),
        with_app_url: Some(true),
        ..InvoiceCreateRequest::new(4200)
    };

    let created = client(&server)
        .acquiring()
        .create_invoice(&request)
        .await
        .unwrap();

    assert_eq!(created.invoice_id, "p2_9ZgpZVsl3");
    assert_eq!(
        created.app_url.as_deref(),
        Some("monobank://pay/p2_9ZgpZVsl3")
    );
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/invoice/create",
            query: &[],
            body: Some(json!({
                "amount": 4200, "ccy": 980, "merchantPaymInfo": paym_info_json(),
                "redirectUrl": "https://example.com/your/website/result/page",
                "webHookUrl": "https://example.com/mono/acquiring/webhook", "validity": 3600,
                "paymentType": "hold",
                "saveCardData": {"saveCard": true, "walletId": "69f780d841a0434aa535b08821f4822c"},
                "agentFeePercent": 1.42, "displayType": "iframe", "withAppUrl": true
            })),
            cms: true,
        },
    )
    .await;
}

#[tokio::test]
async fn invoice_status_reads_every_documented_field() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/invoice/status",
        200,
        invoice_status_example(),
    )
    .await;

    let status = client(&server)
        .acquiring()
        .invoice_status("p2_9ZgpZVsl3")
        .await
        .unwrap();

    assert_eq!(status.status, InvoiceState::Success);
    assert_eq!(status.err_code.as_deref(), Some("59"));
    assert_eq!(status.final_amount, Some(4200));
    assert_eq!(status.ccy, 980);
    assert_eq!(
        status.cancel_list[0].ext_ref.as_deref(),
        Some("635ace02599849e981b2cd7a65f417fe")
    );
    let info = status.payment_info.as_ref().unwrap();
    assert_eq!(info.payment_system, PaymentSystem::Visa);
    assert_eq!(info.payment_method, PaymentMethod::Pan);
    assert_eq!(info.fee, Some(420));
    let wallet = status.wallet_data.as_ref().unwrap();
    assert_eq!(wallet.card_token.expose_secret(), CARD_TOKEN);
    assert_eq!(wallet.status, WalletStatus::New);
    assert_eq!(
        status.modified_date.unwrap().to_rfc3339(),
        "2019-08-24T14:15:22+00:00"
    );
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/invoice/status",
            query: &[("invoiceId", "p2_9ZgpZVsl3")],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn invoice_cancel_sends_a_partial_refund_with_fiscal_items() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/invoice/cancel",
        200,
        json!({
            "status": "processing", "createdDate": "2019-08-24T14:15:22Z",
            "modifiedDate": "2019-08-24T14:15:22Z"
        }),
    )
    .await;
    let request = InvoiceCancelRequest {
        invoice_id: "p2_9ZgpZVsl3".into(),
        ext_ref: Some("635ace02599849e981b2cd7a65f417fe".into()),
        amount: Some(5000),
        items: Some(vec![FiscalizationItem {
            name: "Табуретка".into(),
            qty: Decimal::new(2, 0),
            sum: 2500,
            code: "d21da1c47f3c45fca10a10c32518bdeb".into(),
            ..FiscalizationItem::default()
        }]),
    };

    let cancelled = client(&server)
        .acquiring()
        .cancel_invoice(&request)
        .await
        .unwrap();

    assert_eq!(cancelled.status, CancelStatus::Processing);
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/invoice/cancel",
            query: &[],
            body: Some(json!({
                "invoiceId": "p2_9ZgpZVsl3", "extRef": "635ace02599849e981b2cd7a65f417fe",
                "amount": 5000,
                "items": [{"name": "Табуретка", "qty": 2, "sum": 2500,
                           "code": "d21da1c47f3c45fca10a10c32518bdeb"}]
            })),
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn invoice_remove_accepts_an_empty_object() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/invoice/remove",
        200,
        json!({}),
    )
    .await;
    client(&server)
        .acquiring()
        .remove_invoice("p2_9ZgpZVsl3")
        .await
        .unwrap();
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/invoice/remove",
            query: &[],
            body: Some(json!({"invoiceId": "p2_9ZgpZVsl3"})),
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn invoice_finalize_sends_the_amount() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/invoice/finalize",
        200,
        json!({"status": "success"}),
    )
    .await;
    let request = InvoiceFinalizeRequest {
        invoice_id: "p2_9ZgpZVsl3".into(),
        amount: 4000,
        items: None,
    };
    let finalized = client(&server)
        .acquiring()
        .finalize_invoice(&request)
        .await
        .unwrap();
    assert_eq!(finalized.status, FinalizeStatus::Success);
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/invoice/finalize",
            query: &[],
            body: Some(json!({"invoiceId": "p2_9ZgpZVsl3", "amount": 4000})),
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn payment_direct_sends_the_card_in_full_on_the_wire_only() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/invoice/payment-direct",
        200,
        payment_result_example(),
    )
    .await;
    let mut request = PaymentDirectRequest::new(
        4200,
        CardData {
            pan: PAN.into(),
            exp: EXP.into(),
            cvv: CVV.into(),
        },
    );
    request.ccy = Some(980);
    request.payment_type = Some(PaymentType::Debit);
    request.initiation_kind = Some(InitiationKind::Client);
    request.redirect_url = Some("https://example.com/your/website/result/page".into());

    let result = client(&server)
        .acquiring()
        .payment_direct(&request)
        .await
        .unwrap();

    assert_eq!(result.status, PaymentResultStatus::Success);
    assert_eq!(
        result.tds_url.as_deref(),
        Some("https://example.com/tds/url")
    );
    only_request(&server, Sent {
        method: "POST",
        path: "/api/merchant/invoice/payment-direct",
        query: &[],
        body: Some(json!({
            "amount": 4200, "ccy": 980, "cardData": {"pan": PAN, "exp": EXP, "cvv": CVV},
            "paymentType": "debit", "redirectUrl": "https://example.com/your/website/result/page",
            "initiationKind": "client"
        })),
        cms: true,
    })
    .await;
}

#[tokio::test]
async fn sync_payment_sends_one_payment_source_and_reads_an_invoice_status() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/invoice/sync-payment",
        200,
        invoice_status_example(),
    )
    .await;
    let request = SyncPaymentRequest {
        amount: 4200,
        ccy: 980,
        merchant_paym_info: Some(SyncMerchantPaymInfo {
            reference: Some("84d0070ee4e44667b31371d8f8813947".into()),
            destination: Some("Покупка щастя".into()),
        }),
        card_data: None,
        apple_pay: Some(WalletTokenData {
            token: PAN.into(),
            exp: EXP.into(),
            eci_indicator: "02".into(),
            cryptogram: Some("AQAAAAoAR9qDi9kAAAAAgGpLpoA=".into()),
        }),
        google_pay: None,
    };

    let status = client(&server)
        .acquiring()
        .sync_payment(&request)
        .await
        .unwrap();

    assert_eq!(status.invoice_id, "p2_9ZgpZVsl3");
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/invoice/sync-payment",
            query: &[],
            body: Some(json!({
                "amount": 4200, "ccy": 980,
                "merchantPaymInfo": {"reference": "84d0070ee4e44667b31371d8f8813947",
                                     "destination": "Покупка щастя"},
                "applePay": {"token": PAN, "exp": EXP, "eciIndicator": "02",
                             "cryptogram": "AQAAAAoAR9qDi9kAAAAAgGpLpoA="}
            })),
            cms: true,
        },
    )
    .await;
}

#[tokio::test]
async fn sync_payment_without_exactly_one_source_is_refused_before_sending() {
    let server = MockServer::start().await;
    let card = SyncCardData {
        pan: PAN.into(),
        pan_type: PanType::Fpan,
        exp: EXP.into(),
        cvv: Some(CVV.into()),
        eci_indicator: "05".into(),
        cavv: None,
        tavv: None,
        ds_tran_id: None,
        t_req_id: Some("51".into()),
        mit: None,
        sst: Some(2),
        tid: None,
    };
    let token = WalletTokenData {
        token: PAN.into(),
        exp: EXP.into(),
        eci_indicator: "02".into(),
        cryptogram: None,
    };
    for (card_data, google_pay) in [(None, None), (Some(card.clone()), Some(token))] {
        let request = SyncPaymentRequest {
            amount: 4200,
            ccy: 980,
            merchant_paym_info: None,
            card_data,
            apple_pay: None,
            google_pay,
        };
        let e = client(&server)
            .acquiring()
            .sync_payment(&request)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    let body = serde_json::to_value(&card).unwrap();
    assert_eq!(
        body,
        json!({"pan": PAN, "type": "FPAN", "exp": EXP, "cvv": CVV, "eciIndicator": "05",
               "tReqID": "51", "sst": 2})
    );
}

#[tokio::test]
async fn receipt_sends_the_email_when_given() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/invoice/receipt",
        200,
        json!({"file": "JVBERi0xLjQK"}),
    )
    .await;
    let receipt = client(&server)
        .acquiring()
        .invoice_receipt("p2_9ZgpZVsl3", Some("me@mail.com"))
        .await
        .unwrap();
    assert_eq!(receipt.file, "JVBERi0xLjQK");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/invoice/receipt",
            query: &[("invoiceId", "p2_9ZgpZVsl3"), ("email", "me@mail.com")],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn fiscal_checks_keep_an_unknown_source() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/invoice/fiscal-checks",
        200,
        json!({"checks": [
            {"id": "a2fd4aef-cdb8-4e25-9b36-b6d4672c554d", "type": "sale", "status": "done",
             "statusDescription": "", "taxUrl": "https://cabinet.tax.gov.ua/cashregs/check",
             "file": "CJFVBERi0xLj4QKJaqrrK0KMSAw", "fiscalizationSource": "monopay"},
            {"id": "b", "type": "return", "status": "failed", "fiscalizationSource": "newkasa"}
        ]}),
    )
    .await;
    let checks = client(&server)
        .acquiring()
        .fiscal_checks("p2_9ZgpZVsl3")
        .await
        .unwrap();
    assert_eq!(
        checks.checks[0].fiscalization_source,
        FiscalizationSource::Monopay
    );
    assert_eq!(checks.checks[0].check_type, FiscalCheckType::Sale);
    assert_eq!(checks.checks[1].status, FiscalCheckStatus::Failed);
    assert_eq!(
        checks.checks[1].fiscalization_source,
        FiscalizationSource::Other("newkasa".into())
    );
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/invoice/fiscal-checks",
            query: &[("invoiceId", "p2_9ZgpZVsl3")],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn pubkey_and_details_are_plain_reads() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/pubkey",
        200,
        json!({"key": "LS0tLS1CRUdJTi"}),
    )
    .await;
    assert_eq!(
        client(&server).acquiring().pubkey().await.unwrap().key,
        "LS0tLS1CRUdJTi"
    );
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/pubkey",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(&server, "GET", "/api/merchant/details", 200, json!({
        "merchantId": "12o4Vv7EWy", "merchantName": "Your Favourite Company", "edrpou": "4242424242"
    }))
    .await;
    let details = client(&server).acquiring().details().await.unwrap();
    assert_eq!(details.merchant_name, "Your Favourite Company");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/details",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn statement_sends_unix_seconds_and_reads_items() {
    let server = MockServer::start().await;
    serve(&server, "GET", "/api/merchant/statement", 200, json!({"list": [{
        "invoiceId": "2205175v4MfatvmUL2oR", "status": "success", "maskedPan": "444403******1902",
        "date": "2022-05-17T12:45:41+03:00", "paymentScheme": "bnpl_parts_4", "amount": 4200,
        "profitAmount": 4100, "agentFee": 500, "ccy": 980, "approvalCode": "662476",
        "rrn": "060189181768", "reference": "84d0070ee4e44667b31371d8f8813947",
        "shortQrId": "OBJE", "destination": "Покупка щастя",
        "cancelList": [{"amount": 4200, "ccy": 980, "date": "2022-05-18T12:45:41+03:00",
                        "approvalCode": "662476", "rrn": "060189181768",
                        "maskedPan": "444403******1902"}],
        "splitReceiverList": [{"splitReceiverId": "sr_aB3dC5eF7g", "amount": 4200,
                               "profit": 4100, "agentFee": 500}],
        "metadata": {"key1": "value1"}
    }]}))
    .await;
    let statement = client(&server)
        .acquiring()
        .statement(
            1_649_329_978,
            Some(1_649_416_378),
            Some("0a8637b3bccb42aa93fdeb791b8b58e9"),
        )
        .await
        .unwrap();
    let item = &statement.list[0];
    assert_eq!(item.payment_scheme, PaymentScheme::BnplParts4);
    assert_eq!(item.date.offset().local_minus_utc(), 3 * 3600);
    assert_eq!(item.split_receiver_list[0].profit, 4100);
    assert_eq!(item.cancel_list[0].amount, 4200);
    assert_eq!(item.metadata.as_ref().unwrap()["key1"], "value1");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/statement",
            query: &[
                ("from", "1649329978"),
                ("to", "1649416378"),
                ("code", "0a8637b3bccb42aa93fdeb791b8b58e9"),
            ],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn qr_list_details_and_reset() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/qr/list",
        200,
        json!({"list": [{
            "shortQrId": "OBJE", "qrId": "XJ_DiM4rTd5V", "amountType": "merchant",
            "pageUrl": "https://pay.mbnk.biz/XJ_DiM4rTd5V"
        }]}),
    )
    .await;
    let list = client(&server).acquiring().qr_list().await.unwrap();
    assert_eq!(list.list[0].amount_type, QrAmountType::Merchant);
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/qr/list",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/qr/details",
        200,
        json!({
            "shortQrId": "OBJE", "invoiceId": "4EwIUTA12JIZ", "amount": 4200, "ccy": 980
        }),
    )
    .await;
    let details = client(&server)
        .acquiring()
        .qr_details("XJ_DiM4rTd5V")
        .await
        .unwrap();
    assert_eq!(details.invoice_id.as_deref(), Some("4EwIUTA12JIZ"));
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/qr/details",
            query: &[("qrId", "XJ_DiM4rTd5V")],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/qr/reset-amount",
        200,
        json!({}),
    )
    .await;
    client(&server)
        .acquiring()
        .qr_reset_amount("XJ_DiM4rTd5V")
        .await
        .unwrap();
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/qr/reset-amount",
            query: &[],
            body: Some(json!({"qrId": "XJ_DiM4rTd5V"})),
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn wallet_list_card_delete_and_payment() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/wallet",
        200,
        json!({"wallet": [{
            "cardToken": CARD_TOKEN, "maskedPan": "424242******4242", "country": "804"
        }]}),
    )
    .await;
    let wallet = client(&server)
        .acquiring()
        .wallet("c1376a611e17b059aeaf96b73258da9c")
        .await
        .unwrap();
    assert_eq!(wallet.wallet[0].card_token.expose_secret(), CARD_TOKEN);
    assert!(!format!("{wallet:?}").contains(CARD_TOKEN));
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/wallet",
            query: &[("walletId", "c1376a611e17b059aeaf96b73258da9c")],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "DELETE",
        "/api/merchant/wallet/card",
        200,
        json!({}),
    )
    .await;
    client(&server)
        .acquiring()
        .delete_wallet_card(&CARD_TOKEN.into())
        .await
        .unwrap();
    only_request(
        &server,
        Sent {
            method: "DELETE",
            path: "/api/merchant/wallet/card",
            query: &[("cardToken", CARD_TOKEN)],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/wallet/payment",
        200,
        payment_result_example(),
    )
    .await;
    let mut request =
        WalletPaymentRequest::new(CARD_TOKEN.into(), 4200, 980, InitiationKind::Merchant);
    request.web_hook_url = Some("https://example.com/mono/acquiring/webhook".into());
    request.payment_type = Some(PaymentType::Debit);
    let result = client(&server)
        .acquiring()
        .wallet_payment(&request)
        .await
        .unwrap();
    assert_eq!(result.invoice_id, "2210012MPLYwJjVUzchj");
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/wallet/payment",
            query: &[],
            body: Some(json!({
                "cardToken": CARD_TOKEN, "amount": 4200, "ccy": 980,
                "webHookUrl": "https://example.com/mono/acquiring/webhook",
                "initiationKind": "merchant", "paymentType": "debit"
            })),
            cms: true,
        },
    )
    .await;
}

#[tokio::test]
async fn submerchant_split_receiver_and_terminal_lists() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/submerchant/list",
        200,
        json!({"list": [{
            "code": "0a8637b3bccb42aa93fdeb791b8b58e9", "edrpou": "4242424242",
            "iban": "UA213996220000026007233566001", "owner": "ТОВ Ворона"
        }]}),
    )
    .await;
    let list = client(&server).acquiring().submerchants().await.unwrap();
    assert_eq!(list.list[0].iban, "UA213996220000026007233566001");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/submerchant/list",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(&server, "GET", "/api/merchant/split-receiver/list", 200, json!({"list": [{
        "splitReceiverId": "sr_aB3dC5eF7g", "edrpou": "1234567890", "name": "ФОП Іванов Іван Іванович"
    }]}))
    .await;
    let list = client(&server).acquiring().split_receivers().await.unwrap();
    assert_eq!(list.list[0].split_receiver_id, "sr_aB3dC5eF7g");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/split-receiver/list",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(&server, "GET", "/api/merchant/t2p/terminal/list", 200, json!({"list": [{
        "code": "56f27a30b94c4e8db5c3912e7d6af8b1", "name": "Cats n Cash inc.", "terminal": "MT500001"
    }]}))
    .await;
    let list = client(&server).acquiring().t2p_terminals().await.unwrap();
    assert_eq!(list.list[0].terminal, "MT500001");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/t2p/terminal/list",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn tap_to_phone_status_reads_the_alphabetic_currency_and_utc_time() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/t2p/terminal/payment/external/status",
        200,
        json!({
            "bank": "АТ Універсал Банк", "terminal": "MT507582", "paymentType": "purchase",
            "amount": 3500, "ccy": "UAH", "status": "success", "dataTime": "2026-04-21 23:01:54",
            "internalPaymentId": "f2224275-ba0a-4f58-b6f7-bd00df63b01c",
            "externalPaymentId": "18247112-4eac-4465-aa3c-c42c18f601eb",
            "transactionId": "23417832268", "maskedPan": "44179274******76", "cardMask": "visa",
            "approvalCode": "125261", "rrn": "448571901425", "responseCode": "1",
            "countryCard": "804"
        }),
    )
    .await;
    let status = client(&server)
        .acquiring()
        .t2p_payment_status("18247112-4eac-4465-aa3c-c42c18f601eb")
        .await
        .unwrap();
    assert_eq!(status.ccy.as_deref(), Some("UAH"));
    assert_eq!(status.status, Some(T2pStatus::Success));
    assert_eq!(status.payment_type, Some(T2pPaymentType::Purchase));
    assert_eq!(
        status.data_time.unwrap().to_rfc3339(),
        "2026-04-21T23:01:54+00:00"
    );
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/t2p/terminal/payment/external/status",
            query: &[("externalPaymentId", "18247112-4eac-4465-aa3c-c42c18f601eb")],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn pos_transaction_cancel_sends_rrn_and_amount() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/pos-transaction-cancel",
        200,
        json!({
            "status": "ok", "tranId": "acq123456789"
        }),
    )
    .await;
    let request = PosTransactionCancelRequest {
        rrn: "060189181768".into(),
        amount: 4200,
    };
    let answer = client(&server)
        .acquiring()
        .pos_transaction_cancel(&request)
        .await
        .unwrap();
    assert_eq!(answer.tran_id.as_deref(), Some("acq123456789"));
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/pos-transaction-cancel",
            query: &[],
            body: Some(json!({"rrn": "060189181768", "amount": 4200})),
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn subscription_create_status_and_edit() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/subscription/create",
        200,
        json!({
            "subscriptionId": "s2_AbrCdXyZ13", "pageUrl": "https://pay.mbnk.biz/s2_AbrCdXyZ13"
        }),
    )
    .await;
    let request = SubscriptionCreateRequest {
        amount: 4200,
        ccy: Some(980),
        redirect_url: Some("https://example.com/your/website/result/page".into()),
        web_hook_urls: Some(SubscriptionWebHookUrls {
            charge_url: Some("https://example.com/mono/subscription/charge/webhook".into()),
            status_url: Some("https://example.com/mono/subscription/status/webhook".into()),
        }),
        interval: "1m".into(),
        validity: Some(3600),
    };
    let created = client(&server)
        .acquiring()
        .create_subscription(&request)
        .await
        .unwrap();
    assert_eq!(created.subscription_id, "s2_AbrCdXyZ13");
    only_request(&server, Sent {
        method: "POST",
        path: "/api/merchant/subscription/create",
        query: &[],
        body: Some(json!({
            "amount": 4200, "ccy": 980, "redirectUrl": "https://example.com/your/website/result/page",
            "webHookUrls": {"chargeUrl": "https://example.com/mono/subscription/charge/webhook",
                            "statusUrl": "https://example.com/mono/subscription/status/webhook"},
            "interval": "1m", "validity": 3600
        })),
        cms: false,
    })
    .await;

    let server = MockServer::start().await;
    serve(&server, "GET", "/api/merchant/subscription/status", 200, json!({
        "subscriptionId": "s2_AbrCdXyZ13", "status": "active", "startDate": "2024-06-01T14:15:22Z",
        "endDate": "2024-06-20T09:30:15Z", "amount": 4200, "ccy": 980, "interval": "1m",
        "nextChargeDate": "2024-07-01T14:15:22Z", "cancellationDesc": "Скасовано за запитом користувача",
        "summary": {"totalPaid": 3, "totalFailed": 1},
        "walletData": {"cardToken": CARD_TOKEN, "walletId": "c1376a611e17b059aeaf96b73258da9c",
                       "status": "created", "failureDescription": "Недостатньо коштів на картці"}
    }))
    .await;
    let status = client(&server)
        .acquiring()
        .subscription_status("s2_AbrCdXyZ13")
        .await
        .unwrap();
    assert_eq!(status.status, SubscriptionState::Active);
    assert_eq!(status.summary.total_failed, 1);
    assert_eq!(status.wallet_data.status, WalletStatus::Created);
    assert!(!format!("{status:?}").contains(CARD_TOKEN));
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/subscription/status",
            query: &[("subscriptionId", "s2_AbrCdXyZ13")],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/subscription/edit",
        200,
        json!({}),
    )
    .await;
    let request = SubscriptionEditRequest {
        subscription_id: "s2_AbrCdXyZ13".into(),
        action: SubscriptionAction::Cancel,
        refund_amount: Some(4200),
    };
    client(&server)
        .acquiring()
        .edit_subscription(&request)
        .await
        .unwrap();
    only_request(&server, Sent {
        method: "POST",
        path: "/api/merchant/subscription/edit",
        query: &[],
        body: Some(json!({"subscriptionId": "s2_AbrCdXyZ13", "action": "cancel", "refundAmount": 4200})),
        cms: false,
    })
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/subscription/remove",
        200,
        json!({}),
    )
    .await;
    client(&server)
        .acquiring()
        .remove_subscription("s2_AbrCdXyZ13")
        .await
        .unwrap();
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/subscription/remove",
            query: &[],
            body: Some(json!({"subscriptionId": "s2_AbrCdXyZ13"})),
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn subscription_payments_and_list_send_rfc3339_dates_and_paging() {
    let server = MockServer::start().await;
    serve(&server, "GET", "/api/merchant/subscription/payments", 200, json!({
        "payments": [{"amount": 4200, "status": "success", "chargedAt": "2024-06-01T14:15:22Z", "ccy": 980}],
        "pagination": {"totalItems": 10, "itemsPerPage": 20, "currentPage": 1, "totalPages": 1}
    }))
    .await;
    let query = SubscriptionPaymentsQuery {
        subscription_id: "s2_AbrCdXyZ13".into(),
        date_from: "2024-06-26T18:12:44+03:00".parse().unwrap(),
        date_to: Some("2024-07-26T18:12:44Z".parse().unwrap()),
        limit: Some(20),
        page: Some(2),
    };
    let payments = client(&server)
        .acquiring()
        .subscription_payments(&query)
        .await
        .unwrap();
    assert_eq!(
        payments.payments[0].status,
        SubscriptionPaymentStatus::Success
    );
    assert_eq!(payments.pagination.total_items, 10);
    let request = only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/subscription/payments",
            query: &[
                ("subscriptionId", "s2_AbrCdXyZ13"),
                ("dateFrom", "2024-06-26T18:12:44+03:00"),
                ("dateTo", "2024-07-26T18:12:44Z"),
                ("limit", "20"),
                ("page", "2"),
            ],
            body: None,
            cms: false,
        },
    )
    .await;
    assert!(
        request.url.query().unwrap().contains("%2B03%3A00"),
        "{}",
        request.url
    );

    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/subscription/list",
        200,
        json!({
            "list": [{"subscriptionId": "s2_AbrCdXyZ13", "amount": 4200, "interval": "1m",
                      "startDate": "2024-06-01T14:15:22Z", "created": "2024-05-30T12:10:05Z",
                      "nextChargeDate": "2024-07-01T14:15:22Z", "status": "active"}],
            "pagination": {"totalItems": 5, "itemsPerPage": 20, "currentPage": 1, "totalPages": 1}
        }),
    )
    .await;
    let query = SubscriptionListQuery {
        date_from: "2024-06-26T18:12:44+03:00".parse().unwrap(),
        date_to: None,
        status: Some(SubscriptionState::Cancelled),
        limit: None,
        page: None,
    };
    let list = client(&server)
        .acquiring()
        .subscriptions(&query)
        .await
        .unwrap();
    assert_eq!(list.list[0].subscription_id, "s2_AbrCdXyZ13");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/subscription/list",
            query: &[
                ("dateFrom", "2024-06-26T18:12:44+03:00"),
                ("status", "cancelled"),
            ],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn monopay_key_import_delete_and_list() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/monopay/pubkey-import",
        200,
        json!({"result": {"keyId": "28F91hHGtzoSFJ"}}),
    )
    .await;
    let request = MonopayKeyImportRequest {
        key_value: "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K".into(),
        key_name: Some("my_key".into()),
        expires_at: Some("2026-02-02T15:04:05+03:00".parse().unwrap()),
    };
    let imported = client(&server)
        .acquiring()
        .import_monopay_key(&request)
        .await
        .unwrap();
    assert_eq!(
        imported.result.unwrap().key_id.as_deref(),
        Some("28F91hHGtzoSFJ")
    );
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/monopay/pubkey-import",
            query: &[],
            body: Some(
                json!({"keyValue": "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K", "keyName": "my_key",
                          "expiresAt": "2026-02-02T15:04:05+03:00"}),
            ),
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "/api/merchant/monopay/pubkey-delete",
        200,
        json!({}),
    )
    .await;
    client(&server)
        .acquiring()
        .delete_monopay_key("28F91hHGtzoSFJ")
        .await
        .unwrap();
    only_request(
        &server,
        Sent {
            method: "POST",
            path: "/api/merchant/monopay/pubkey-delete",
            query: &[],
            body: Some(json!({"keyId": "28F91hHGtzoSFJ"})),
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/monopay/pubkey-list",
        200,
        json!({"result": [{
            "keyId": "28F91hHGtzoSFJ", "keyValue": "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K...",
            "keyName": "my_key", "expiresAt": "2026-02-02T15:04:05+03:00"
        }]}),
    )
    .await;
    let keys = client(&server).acquiring().monopay_keys().await.unwrap();
    assert_eq!(keys.result[0].key_name.as_deref(), Some("my_key"));
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/monopay/pubkey-list",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
#[allow(deprecated)]
async fn legacy_employee_list_and_payment_info() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/employee/list",
        200,
        json!({"list": [{
            "id": "3QFX7e7mZfo3R", "extRef": "abra_kadabra", "name": "Артур Дент"
        }]}),
    )
    .await;
    let employees = client(&server).acquiring().employees().await.unwrap();
    assert_eq!(employees.list[0].ext_ref, "abra_kadabra");
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/employee/list",
            query: &[],
            body: None,
            cms: false,
        },
    )
    .await;

    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/merchant/invoice/payment-info",
        200,
        json!({
            "maskedPan": "444403******1902", "approvalCode": "662476", "rrn": "060189181768",
            "amount": 4200, "ccy": 980, "finalAmount": 4200, "createdDate": "2019-08-24T14:15:22Z",
            "terminal": "MI001088", "paymentScheme": "full", "paymentMethod": "apple", "fee": 420,
            "domesticCard": true, "country": "804", "cancelList": []
        }),
    )
    .await;
    let info = client(&server)
        .acquiring()
        .invoice_payment_info("p2_9ZgpZVsl3")
        .await
        .unwrap();
    assert_eq!(info.payment_method, PaymentMethod::Apple);
    assert!(info.domestic_card);
    only_request(
        &server,
        Sent {
            method: "GET",
            path: "/api/merchant/invoice/payment-info",
            query: &[("invoiceId", "p2_9ZgpZVsl3")],
            body: None,
            cms: false,
        },
    )
    .await;
}

#[tokio::test]
async fn money_moving_calls_are_sent_once_even_when_writes_may_be_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "errCode": "INTERNAL_ERROR", "errText": "internal server error"
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let acquiring = client.acquiring();
    let card = || CardData {
        pan: PAN.into(),
        exp: EXP.into(),
        cvv: CVV.into(),
    };
    let results = [
        acquiring
            .create_invoice(&InvoiceCreateRequest::new(4200))
            .await
            .map(drop),
        acquiring
            .cancel_invoice(&InvoiceCancelRequest {
                invoice_id: "p2_1".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        acquiring
            .finalize_invoice(&InvoiceFinalizeRequest {
                invoice_id: "p2_1".into(),
                amount: 1,
                items: None,
            })
            .await
            .map(drop),
        acquiring
            .payment_direct(&PaymentDirectRequest::new(4200, card()))
            .await
            .map(drop),
        acquiring
            .sync_payment(&SyncPaymentRequest {
                amount: 1,
                ccy: 980,
                merchant_paym_info: None,
                card_data: None,
                apple_pay: None,
                google_pay: Some(WalletTokenData {
                    token: PAN.into(),
                    exp: EXP.into(),
                    eci_indicator: "02".into(),
                    cryptogram: None,
                }),
            })
            .await
            .map(drop),
        acquiring
            .wallet_payment(&WalletPaymentRequest::new(
                CARD_TOKEN.into(),
                1,
                980,
                InitiationKind::Merchant,
            ))
            .await
            .map(drop),
        acquiring
            .pos_transaction_cancel(&PosTransactionCancelRequest {
                rrn: "1".into(),
                amount: 1,
            })
            .await
            .map(drop),
        acquiring
            .create_subscription(&SubscriptionCreateRequest {
                amount: 1,
                interval: "1m".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        acquiring
            .edit_subscription(&SubscriptionEditRequest {
                subscription_id: "s2_1".into(),
                action: SubscriptionAction::Cancel,
                refund_amount: None,
            })
            .await,
    ];
    for result in &results {
        assert!(
            matches!(result, Err(Error::Provider { status: 503, code: Some(code), .. }) if code == "INTERNAL_ERROR"),
            "{result:?}"
        );
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), results.len(), "each sent exactly once");
}

#[tokio::test]
async fn reads_and_the_qr_reset_are_retried_per_the_policy() {
    let server = MockServer::start().await;
    for (verb, route, answer) in [
        (
            "GET",
            "/api/merchant/invoice/status",
            invoice_status_example(),
        ),
        ("POST", "/api/merchant/qr/reset-amount", json!({})),
    ] {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(ResponseTemplate::new(500).set_body_json(json!({
                "errCode": "INTERNAL_ERROR", "errText": "internal server error"
            })))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        serve(&server, verb, route, 200, answer).await;
    }
    let client = client(&server);
    client
        .acquiring()
        .invoice_status("p2_9ZgpZVsl3")
        .await
        .unwrap();
    client
        .acquiring()
        .qr_reset_amount("XJ_DiM4rTd5V")
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn each_token_goes_only_to_its_own_api_and_a_missing_one_sends_nothing() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/personal/client-info",
        200,
        json!({"accounts": [], "jars": []}),
    )
    .await;
    serve(
        &server,
        "GET",
        "/api/merchant/details",
        200,
        json!({
            "merchantId": "m", "merchantName": "n", "edrpou": "e"
        }),
    )
    .await;

    let personal_only = MonobankClient::builder()
        .token(secret(PERSONAL_TOKEN))
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = personal_only.acquiring().details().await.unwrap_err();
    assert!(
        matches!(e, Error::Config { ref field, .. } if field == "merchant_token"),
        "{e:?}"
    );
    let merchant_only = MonobankClient::builder()
        .merchant_token(secret(MERCHANT_TOKEN))
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = merchant_only.client_info().await.unwrap_err();
    assert!(
        matches!(e, Error::Config { ref field, .. } if field == "token"),
        "{e:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    let both = client(&server);
    both.client_info().await.unwrap();
    both.acquiring().details().await.unwrap();
    for request in server.received_requests().await.unwrap() {
        let token = request
            .headers
            .get("x-token")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let expected = if request.url.path().starts_with("/api/merchant/") {
            MERCHANT_TOKEN
        } else {
            PERSONAL_TOKEN
        };
        assert_eq!(token, expected, "{}", request.url.path());
    }
    let e = both.acquiring().invoice_status(" ").await.unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
}

/// Whether an error is the expected one.
type ErrorCheck = fn(&Error) -> bool;

#[tokio::test]
async fn error_answers_map_by_status_and_code() {
    let cases: [(u16, Value, ErrorCheck); 6] = [
        (
            403,
            json!({"errCode": "FORBIDDEN", "errText": "forbidden"}),
            |e| matches!(e, Error::Unauthorized { message } if message.ends_with(": FORBIDDEN: forbidden")),
        ),
        (
            404,
            json!({"errCode": "NOT_FOUND", "errText": "invalid 'qrId'"}),
            |e| matches!(e, Error::NotFound { message } if message.contains("invalid 'qrId'")),
        ),
        (
            429,
            json!({"errCode": "TMR", "errText": "too many requests"}),
            |e| matches!(e, Error::RateLimited { .. }),
        ),
        (
            400,
            json!({"errCode": "BAD_REQUEST", "errText": "empty 'invoiceId'"}),
            |e| matches!(e, Error::InvalidRequest { message } if message.contains(": BAD_REQUEST")),
        ),
        (
            400,
            json!({"errCode": "WRONG_CANCEL_AMOUNT", "errText": "wrong amount"}),
            |e| matches!(e, Error::Conflict { message } if message.contains(": WRONG_CANCEL_AMOUNT")),
        ),
        (
            500,
            json!({"errCode": "INTERNAL_ERROR", "errText": "internal server error"}),
            |e| matches!(e, Error::Provider { status: 500, code: Some(c), .. } if c == "INTERNAL_ERROR"),
        ),
    ];
    for (status, body, expected) in cases {
        let server = MockServer::start().await;
        serve(
            &server,
            "GET",
            "/api/merchant/invoice/status",
            status,
            body.clone(),
        )
        .await;
        let client = MonobankClient::builder()
            .merchant_token(secret(MERCHANT_TOKEN))
            .base_url(server.uri())
            .http_options(HttpOptions::default().retry(RetryPolicy::Never))
            .build()
            .unwrap();
        let e = client.acquiring().invoice_status("p2_1").await.unwrap_err();
        assert!(expected(&e), "{status} {body}: {e:?}");
        assert!(!format!("{e} {e:?}").contains(MERCHANT_TOKEN));
    }
}

#[tokio::test]
async fn the_firewalls_html_403_is_a_typed_block() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            "<html><body><h1>403 Forbidden</h1></body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .acquiring()
        .create_invoice(&InvoiceCreateRequest::new(4200))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Forbidden {
                reason: ForbiddenReason::Blocked,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_rate_limit_answer_is_waited_out_on_reads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/merchant/details"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_json(json!({"errCode": "TMR", "errText": "too many requests"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    serve(
        &server,
        "GET",
        "/api/merchant/details",
        200,
        json!({
            "merchantId": "m", "merchantName": "n", "edrpou": "e"
        }),
    )
    .await;
    let clock = clock();
    let start = clock.now();
    let client = MonobankClient::builder()
        .merchant_token(secret(MERCHANT_TOKEN))
        .base_url(server.uri())
        .clock(clock.shared())
        .build()
        .unwrap();
    client.acquiring().details().await.unwrap();
    assert_eq!(
        clock.now() - start,
        chrono::Duration::from_std(Duration::from_secs(7)).unwrap()
    );
}

#[test]
fn debug_of_card_requests_masks_the_card_and_never_shows_cvv_expiry_or_tokens() {
    let direct = PaymentDirectRequest::new(
        4200,
        CardData {
            pan: PAN.into(),
            exp: EXP.into(),
            cvv: "987".into(),
        },
    );
    let shown = format!("{direct:?}");
    assert!(shown.contains("424242******4242"), "{shown}");
    assert!(!shown.contains(PAN), "{shown}");
    assert!(!shown.contains("987"), "{shown}");
    assert!(!shown.contains(EXP), "{shown}");

    let sync = SyncPaymentRequest {
        amount: 1,
        ccy: 980,
        merchant_paym_info: None,
        card_data: Some(SyncCardData {
            pan: "5375411111111111".into(),
            pan_type: PanType::Dpan,
            exp: EXP.into(),
            cvv: Some("987".into()),
            eci_indicator: "05".into(),
            cavv: Some("AAABBBCCCDDD".into()),
            tavv: Some("TTTAAAVVV".into()),
            ds_tran_id: None,
            t_req_id: None,
            mit: None,
            sst: None,
            tid: None,
        }),
        apple_pay: None,
        google_pay: None,
    };
    let shown = format!("{sync:?}");
    for hidden in ["5375411111111111", "987", EXP, "AAABBBCCCDDD", "TTTAAAVVV"] {
        assert!(!shown.contains(hidden), "{hidden} in {shown}");
    }
    assert!(shown.contains("537541******1111"), "{shown}");

    let wallet = WalletPaymentRequest::new(CARD_TOKEN.into(), 1, 980, InitiationKind::Merchant);
    assert!(!format!("{wallet:?}").contains(CARD_TOKEN));
    let status: InvoiceStatus = serde_json::from_value(invoice_status_example()).unwrap();
    assert!(!format!("{status:?}").contains(CARD_TOKEN));
}

//! The client against wiremock: exact encodings of every kind of request.

use bankkit_core::clock::ManualClock;
use bankkit_core::money::currency_from_code;
use bankkit_core::secret::secret;
use wiremock::matchers::{body_bytes, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;

const CLIENT_ID: &str = "oauth2client_0001";
const CLIENT_SECRET: &str = "mnzconf.Xq3LpZ8vT2wR9sK1";
const ACCESS: &str = "tok_A1";
const REDIRECT: &str = "https://example.org/monzo/callback";

fn clock() -> ManualClock {
    ManualClock::frozen_at("2026-11-01T12:00:00Z".parse().unwrap())
}

fn client(server: &MockServer, clock: &ManualClock) -> MonzoClient {
    MonzoClient::builder()
        .credentials(CLIENT_ID, secret(CLIENT_SECRET))
        .redirect_uri(REDIRECT)
        .base_url(server.uri())
        .auth_url(format!("{}/auth", server.uri()))
        .initial_tokens(Some(secret(ACCESS)), Some(secret("rtok_A1")))
        .clock(clock.shared())
        .build()
        .unwrap()
}

fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

const TX: &str = r#"{"id":"tx_1","account_id":"acc_1","amount":-350,"created":"2026-10-01T08:00:00Z",
  "currency":"GBP","description":"COFFEE","merchant":"merch_1","metadata":{"notes":"lunch"},
  "notes":"lunch","is_load":false,"settled":"","category":"eating_out"}"#;

#[test]
fn authorization_url_carries_the_documented_parameters_and_a_fresh_state() {
    let server_uri = "http://127.0.0.1:9";
    let c = MonzoClient::builder()
        .credentials(CLIENT_ID, secret(CLIENT_SECRET))
        .redirect_uri(REDIRECT)
        .base_url(server_uri)
        .build()
        .unwrap();
    let first = c.authorization_url();
    let second = c.authorization_url();
    assert_ne!(first.state, second.state);
    let url = Url::parse(&first.url).unwrap();
    assert_eq!(url.host_str(), Some("auth.monzo.com"));
    assert_eq!(url.path(), "/");
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        query,
        vec![
            ("client_id".to_owned(), CLIENT_ID.to_owned()),
            ("redirect_uri".to_owned(), REDIRECT.to_owned()),
            ("response_type".to_owned(), "code".to_owned()),
            ("state".to_owned(), first.state.clone()),
        ]
    );
    assert!(!first.url.contains(CLIENT_SECRET));
}

#[tokio::test]
async fn exchange_code_refuses_a_state_mismatch_before_any_request() {
    let server = MockServer::start().await;
    let c = client(&server, &clock());
    let request = c.authorization_url();
    let e = c
        .exchange_code("code_1", "forged", &request)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn exchange_code_posts_the_documented_form_and_stores_the_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(format!(
            "grant_type=authorization_code&client_id={CLIENT_ID}&client_secret=mnzconf.Xq3LpZ8vT2wR9sK1\
             &redirect_uri=https%3A%2F%2Fexample.org%2Fmonzo%2Fcallback&code=code_1"
        )))
        .respond_with(json(
            r#"{"access_token":"tok_B1","client_id":"oauth2client_0001","expires_in":21600,
                "refresh_token":"rtok_B1","token_type":"Bearer","user_id":"user_0001"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let c = client(&server, &clock);
    let request = c.authorization_url();
    let response = c
        .exchange_code("code_1", &request.state.clone(), &request)
        .await
        .unwrap();
    assert_eq!(response.user_id.clone().unwrap(), "user_0001");
    assert!(!format!("{response:?}").contains("tok_B1"));
    let stored = c.token_store().load(c.token_key()).await.unwrap().unwrap();
    assert_eq!(stored.value.access_token.expose_secret(), "tok_B1");
    assert_eq!(
        stored.value.refresh_token.unwrap().expose_secret(),
        "rtok_B1"
    );
    assert_eq!(
        stored.value.expires_at.unwrap(),
        clock.now() + chrono::TimeDelta::seconds(21600)
    );
    assert_eq!(stored.value.extra["user_id"], "user_0001");
    assert_eq!(c.token_key(), "monzo:oauth2client_0001");
}

#[tokio::test]
async fn calls_send_the_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ping/whoami"))
        .and(header("authorization", "Bearer tok_A1"))
        .respond_with(json(
            r#"{"authenticated":true,"client_id":"oauth2client_0001","user_id":"user_0001"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let who = client(&server, &clock()).whoami().await.unwrap();
    assert!(who.authenticated);
}

#[tokio::test]
async fn transaction_list_query_uses_since_before_limit_and_bracketed_expand() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/transactions"))
        .respond_with(json(&format!(r#"{{"transactions":[{TX}]}}"#)))
        .mount(&server)
        .await;
    let c = client(&server, &clock());
    let before: DateTime<Utc> = "2026-11-01T12:00:00Z".parse().unwrap();
    let since: DateTime<Utc> = "2026-08-03T12:00:00.250Z".parse().unwrap();
    let list = c
        .transactions(&AccountId::new("acc_1"))
        .since(Since::Time(since))
        .before(before)
        .limit(100)
        .expand_merchant()
        .send()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let request = only_request(&server).await;
    assert_eq!(
        request.url.query(),
        Some(
            "account_id=acc_1&since=2026-08-03T12%3A00%3A00.250Z&before=2026-11-01T12%3A00%3A00Z\
             &limit=100&expand%5B%5D=merchant"
        )
    );

    let pairs = c
        .transactions(&AccountId::new("acc_1"))
        .since(Since::Transaction(TransactionId::new("tx_99")))
        .query_pairs()
        .unwrap();
    assert_eq!(
        pairs,
        vec![
            ("account_id".to_owned(), "acc_1".to_owned()),
            ("since".to_owned(), "tx_99".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_limit_over_100_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let c = client(&server, &clock());
    for limit in [0, 101, 1000] {
        let e = c
            .transactions(&AccountId::new("acc_1"))
            .limit(limit)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn single_transaction_expands_the_merchant_with_brackets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/transactions/tx_1"))
        .and(query_param("expand[]", "merchant"))
        .respond_with(json(&format!(r#"{{"transaction":{TX}}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    let tx = client(&server, &clock())
        .transaction(&TransactionId::new("tx_1"), true)
        .await
        .unwrap();
    assert_eq!(tx.settled, None);
    let request = only_request(&server).await;
    assert_eq!(request.url.query(), Some("expand%5B%5D=merchant"));
}

#[tokio::test]
async fn annotations_are_bracketed_metadata_keys_and_empty_values_delete() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/transactions/tx_1"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "metadata%5Bnotes%5D=lunch+with+Sam&metadata%5Bold_key%5D=",
        ))
        .respond_with(json(&format!(r#"{{"transaction":{TX}}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    let metadata = BTreeMap::from([
        ("notes".to_owned(), "lunch with Sam".to_owned()),
        ("old_key".to_owned(), String::new()),
    ]);
    let tx = client(&server, &clock())
        .annotate_transaction(&TransactionId::new("tx_1"), &metadata)
        .await
        .unwrap();
    assert_eq!(tx.notes, "lunch");
}

#[tokio::test]
async fn feed_items_use_params_brackets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/feed"))
        .and(body_string(
            "account_id=acc_1&type=basic&url=https%3A%2F%2Fexample.org%2Fa\
             &params%5Btitle%5D=Hello&params%5Bimage_url%5D=https%3A%2F%2Fexample.org%2Fi.png\
             &params%5Bbody%5D=World&params%5Bbackground_color%5D=%23FCF1EE",
        ))
        .respond_with(json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let mut item = FeedItem::new(
        AccountId::new("acc_1"),
        "Hello",
        "https://example.org/i.png",
    );
    item.url = Some("https://example.org/a".to_owned());
    item.body = Some("World".to_owned());
    item.background_color = Some("#FCF1EE".to_owned());
    client(&server, &clock())
        .create_feed_item(&item)
        .await
        .unwrap();
}

#[tokio::test]
async fn accounts_filter_by_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts"))
        .and(query_param("account_type", "uk_retail_joint"))
        .respond_with(json(r#"{"accounts":[]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let accounts = client(&server, &clock())
        .accounts(Some(&AccountType::UkRetailJoint))
        .await
        .unwrap();
    assert!(accounts.is_empty());
}

const POT: &str = r#"{"id":"pot_0001","name":"Rainy day","style":"beach_ball","balance":25000,"currency":"GBP",
 "created":"2024-01-05T09:00:00.000Z","updated":"2024-03-01T10:15:00.000Z","deleted":false}"#;

#[tokio::test]
async fn a_pot_deposit_retried_after_a_server_error_resends_the_same_dedupe_id() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/pots/pot_0001/deposit"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/pots/pot_0001/deposit"))
        .respond_with(json(POT))
        .mount(&server)
        .await;
    let gbp = currency_from_code("GBP").unwrap();
    let key = IdempotencyKey::new("save-2026-11-01").unwrap();
    let pot = client(&server, &clock())
        .deposit_into_pot(
            &PotId::new("pot_0001"),
            &AccountId::new("acc_1"),
            Money::from_minor(2500, gbp).unwrap(),
            &key,
        )
        .await
        .unwrap();
    assert_eq!(pot.balance, 25000);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(
            String::from_utf8(request.body).unwrap(),
            "source_account_id=acc_1&amount=2500&dedupe_id=save-2026-11-01"
        );
    }
}

#[tokio::test]
async fn pot_withdrawals_name_the_destination_and_refuse_non_positive_amounts() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/pots/pot_0001/withdraw"))
        .and(body_string(
            "destination_account_id=acc_1&amount=1050&dedupe_id=k1",
        ))
        .respond_with(json(POT))
        .expect(1)
        .mount(&server)
        .await;
    let gbp = currency_from_code("GBP").unwrap();
    let c = client(&server, &clock());
    let key = IdempotencyKey::new("k1").unwrap();
    c.withdraw_from_pot(
        &PotId::new("pot_0001"),
        &AccountId::new("acc_1"),
        Money::from_minor(1050, gbp).unwrap(),
        &key,
    )
    .await
    .unwrap();
    let e = c
        .withdraw_from_pot(
            &PotId::new("pot_0001"),
            &AccountId::new("acc_1"),
            Money::from_minor(-1, gbp).unwrap(),
            &key,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
}

fn receipt() -> Receipt {
    serde_json::from_value(serde_json::json!({
        "transaction_id": "tx_1", "external_id": "order-77", "total": 1299, "currency": "GBP",
        "items": [{"description": "Coffee beans", "amount": 1299, "currency": "GBP",
                   "quantity": 1.5, "unit": "kg",
                   "sub_items": [{"description": "Grinding", "amount": 0, "currency": "GBP"}]}],
        "payments": [{"type": "card", "amount": 1299, "currency": "GBP", "last_four": "4242"}]
    }))
    .unwrap()
}

#[tokio::test]
async fn receipts_are_put_as_json_and_both_answers_are_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/transaction-receipts"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/transaction-receipts"))
        .respond_with(json(r#"{"receipt_id":"receipt_01"}"#))
        .mount(&server)
        .await;
    let c = client(&server, &clock());
    assert_eq!(c.put_receipt(&receipt()).await.unwrap().receipt_id, None);
    assert_eq!(
        c.put_receipt(&receipt())
            .await
            .unwrap()
            .receipt_id
            .as_deref(),
        Some("receipt_01")
    );
    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({
            "transaction_id": "tx_1", "external_id": "order-77", "total": 1299, "currency": "GBP",
            "items": [{"description": "Coffee beans", "amount": 1299, "currency": "GBP",
                       "quantity": 1.5, "unit": "kg",
                       "sub_items": [{"description": "Grinding", "amount": 0, "currency": "GBP"}]}],
            "payments": [{"type": "card", "amount": 1299, "currency": "GBP", "last_four": "4242"}]
        })
    );
}

#[tokio::test]
async fn receipts_are_read_and_deleted_by_external_id_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/transaction-receipts"))
        .and(query_param("external_id", "order-77"))
        .respond_with(json(
            r#"{"receipt":{"id":"receipt_01","transaction_id":"tx_1","external_id":"order-77","total":1299,
                "currency":"GBP","items":[],"taxes":[],"payments":[],"proof_of_purchase_id":"","barcode":null,
                "merchant":{"name":"","online":false,"phone":"","email":"","store_name":"","store_address":"","store_postcode":""}}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/transaction-receipts"))
        .and(query_param("external_id", "order-77"))
        .respond_with(json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, &clock());
    let id = ReceiptExternalId::new("order-77");
    assert_eq!(
        c.receipt(&id).await.unwrap().id.as_deref(),
        Some("receipt_01")
    );
    c.delete_receipt(&id).await.unwrap();
}

#[tokio::test]
async fn attachments_are_requested_uploaded_with_put_and_registered() {
    let server = MockServer::start().await;
    let upload_url = format!(
        "{}/s3/bucket/file.png?X-Amz-Signature=abc123&X-Amz-Expires=300",
        server.uri()
    );
    Mock::given(method("POST"))
        .and(path("/attachment/upload"))
        .and(body_string(
            "file_name=receipt.png&file_type=image%2Fpng&content_length=4",
        ))
        .respond_with(json(&format!(
            r#"{{"file_url":"https://files.monzo.com/file.png","upload_url":"{upload_url}"}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/s3/bucket/file.png"))
        .and(query_param("X-Amz-Signature", "abc123"))
        .and(header("content-type", "image/png"))
        .and(header("content-length", "4"))
        .and(body_bytes(vec![0x89, b'P', b'N', b'G']))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/attachment/register"))
        .and(body_string(
            "external_id=tx_1&file_url=https%3A%2F%2Ffiles.monzo.com%2Ffile.png&file_type=image%2Fpng",
        ))
        .respond_with(json(
            r#"{"attachment":{"id":"attach_1","user_id":"user_1","external_id":"tx_1",
                "file_url":"https://files.monzo.com/file.png","file_type":"image/png",
                "created":"2026-11-01T12:00:00Z"}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/attachment/deregister"))
        .and(body_string("id=attach_1"))
        .respond_with(json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, &clock());
    let upload = c
        .attachment_upload_url("receipt.png", "image/png", 4)
        .await
        .unwrap();
    let png = vec![0x89, b'P', b'N', b'G'];
    c.upload_attachment(&upload, "image/png", png)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let attachment = c
        .register_attachment(&TransactionId::new("tx_1"), &upload.file_url, "image/png")
        .await
        .unwrap();
    c.deregister_attachment(&attachment.id).await.unwrap();
    let put = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    assert!(put.headers.get("authorization").is_none());
}

#[tokio::test]
async fn webhooks_are_created_listed_and_deleted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhooks"))
        .and(body_string(
            "account_id=acc_1&url=https%3A%2F%2Fexample.org%2Fhook%3Fsecret%3Dx",
        ))
        .respond_with(json(
            r#"{"webhook":{"account_id":"acc_1","id":"webhook_1","url":"https://example.org/hook?secret=x"}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/webhooks"))
        .and(query_param("account_id", "acc_1"))
        .respond_with(json(
            r#"{"webhooks":[{"account_id":"acc_1","id":"webhook_1","url":"https://example.org/hook?secret=x"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/webhooks/webhook_1"))
        .respond_with(json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, &clock());
    let account = AccountId::new("acc_1");
    let hook = c
        .create_webhook(&account, "https://example.org/hook?secret=x")
        .await
        .unwrap();
    assert_eq!(c.webhooks(&account).await.unwrap(), vec![hook.clone()]);
    c.delete_webhook(&hook.id).await.unwrap();
}

#[tokio::test]
async fn logout_posts_without_a_body_and_ignores_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/logout"))
        .and(header("authorization", "Bearer tok_A1"))
        .respond_with(json(r#"{"ok":true}"#))
        .expect(1)
        .mount(&server)
        .await;
    client(&server, &clock()).logout().await.unwrap();
    assert!(only_request(&server).await.body.is_empty());
}

#[test]
fn debug_never_shows_the_client_secret_or_tokens() {
    let c = MonzoClient::builder()
        .credentials(CLIENT_ID, secret(CLIENT_SECRET))
        .redirect_uri(REDIRECT)
        .initial_tokens(Some(secret(ACCESS)), Some(secret("rtok_A1")));
    assert!(!format!("{c:?}").contains(CLIENT_SECRET));
    let c = c.build().unwrap();
    let shown = format!("{c:?}");
    for s in [CLIENT_SECRET, ACCESS, "rtok_A1"] {
        assert!(!shown.contains(s), "{shown}");
    }
}

//! Monzo feed items, attachments (with the upload storage) and receipts.

use crate::monzo_common;

use monzo_common::{content_type, error, monzo, Monzo};
use serde_json::{json, Value};

async fn some_transaction(mz: &Monzo) -> String {
    let body = mz
        .get_json(&format!(
            "/transactions?account_id={}&limit=1",
            mz.main_account()
        ))
        .await;
    body["transactions"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_basic_feed_item_is_accepted_with_an_empty_object() {
    let mz = monzo().await;
    let account = mz.main_account();

    let response = mz
        .send_form(
            "POST",
            "/feed",
            &[
                ("account_id", account.as_str()),
                ("type", "basic"),
                ("url", "https://example.com/details"),
                ("params[title]", "Your order shipped"),
                ("params[image_url]", "https://example.com/icon.png"),
                ("params[background_color]", "#FCF1EE"),
                ("params[body]", "It arrives tomorrow"),
            ],
        )
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/json");
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
}

#[tokio::test]
async fn feed_items_are_validated() {
    let mz = monzo().await;
    let account = mz.main_account();
    let base = [
        ("account_id", account.as_str()),
        ("type", "basic"),
        ("params[title]", "Hi"),
        ("params[image_url]", "https://example.com/i.png"),
    ];
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (base[1..].to_vec(), "bad_request.missing_param.account_id"),
        (
            [&base[..1], &base[2..]].concat(),
            "bad_request.missing_param.type",
        ),
        (
            [&base[..1], &[("type", "fancy")], &base[2..]].concat(),
            "bad_request.bad_param.type",
        ),
        (
            base[..3].to_vec(),
            "bad_request.missing_param.params[image_url]",
        ),
        (
            [&base[..2], &base[3..]].concat(),
            "bad_request.missing_param.params[title]",
        ),
        (
            [&base[..], &[("params[title_color]", "red")]].concat(),
            "bad_request.bad_param.params[title_color]",
        ),
    ];

    for (form, expected) in cases {
        let (status, code, _) = error(mz.send_form("POST", "/feed", &form).await).await;
        assert_eq!((status, code.as_str()), (400, expected), "{form:?}");
    }
}

#[tokio::test]
async fn an_upload_url_accepts_the_bytes_and_the_file_url_serves_them() {
    let mz = monzo().await;
    let bytes = b"\x89PNG fake image".to_vec();
    let length = bytes.len().to_string();

    let urls: Value = mz
        .send_form(
            "POST",
            "/attachment/upload",
            &[
                ("file_name", "receipt.png"),
                ("file_type", "image/png"),
                ("content_length", &length),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let file_url = urls["file_url"].as_str().unwrap();
    let upload_url = urls["upload_url"].as_str().unwrap();
    assert!(file_url.starts_with(&mz.url("/__uploads/")));
    assert_eq!(mz.http.get(file_url).send().await.unwrap().status(), 404);

    let put = mz
        .http
        .put(upload_url)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    let served = mz.http.get(file_url).send().await.unwrap();

    assert_eq!(put.status(), 200);
    assert_eq!(served.status(), 200);
    assert_eq!(content_type(&served), "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test]
async fn an_upload_by_post_is_accepted_and_a_put_of_the_wrong_length_is_not() {
    let mz = monzo().await;
    let urls: Value = mz
        .send_form(
            "POST",
            "/attachment/upload",
            &[
                ("file_name", "a.jpg"),
                ("file_type", "image/jpeg"),
                ("content_length", "4"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let upload_url = urls["upload_url"].as_str().unwrap();

    let wrong = mz
        .http
        .put(upload_url)
        .body("toolong")
        .send()
        .await
        .unwrap();
    let posted = mz.http.post(upload_url).body("abcd").send().await.unwrap();

    assert_eq!(wrong.status(), 400);
    assert_eq!(posted.status(), 200);
    let served = mz
        .http
        .get(urls["file_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.text().await.unwrap(), "abcd");
}

#[tokio::test]
async fn an_attachment_is_registered_on_a_transaction_and_deregistered() {
    let mz = monzo().await;
    let tx = some_transaction(&mz).await;

    let registered: Value = mz
        .send_form(
            "POST",
            "/attachment/register",
            &[
                ("external_id", tx.as_str()),
                ("file_url", "https://example.com/r.png"),
                ("file_type", "image/png"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let attachment = registered["attachment"].clone();
    let with = mz.get_json(&format!("/transactions/{tx}")).await;
    let removed = mz
        .send_form(
            "POST",
            "/attachment/deregister",
            &[("id", attachment["id"].as_str().unwrap())],
        )
        .await;
    let without = mz.get_json(&format!("/transactions/{tx}")).await;

    for key in [
        "id",
        "user_id",
        "external_id",
        "file_url",
        "file_type",
        "created",
    ] {
        assert!(attachment.get(key).is_some(), "{key}");
    }
    assert_eq!(attachment["external_id"], tx.as_str());
    assert_eq!(with["transaction"]["attachments"][0], attachment);
    assert_eq!(removed.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(without["transaction"]["attachments"], Value::Null);
    let again = mz
        .send_form(
            "POST",
            "/attachment/deregister",
            &[("id", attachment["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(error(again).await.0, 404);
}

fn receipt(tx: &str, external_id: &str, total: i64) -> Value {
    json!({
        "transaction_id": tx,
        "external_id": external_id,
        "total": total,
        "currency": "GBP",
        "items": [{"description": "Coffee", "amount": 300, "currency": "GBP", "quantity": 1.0,
                   "unit": "cup", "tax": 50,
                   "sub_items": [{"description": "Oat milk", "amount": 50, "currency": "GBP"}]}],
        "taxes": [{"description": "VAT", "amount": 58, "currency": "GBP", "tax_number": "GB123"}],
        "merchant": {"name": "Cafe", "online": false}
    })
}

async fn put_receipt(mz: &Monzo, body: &Value) -> reqwest::Response {
    mz.http
        .put(mz.url("/transaction-receipts"))
        .bearer_auth(mz.token())
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_receipt_is_upserted_by_external_id_and_read_back_in_full() {
    let mz = monzo().await;
    let tx = some_transaction(&mz).await;

    let first: Value = put_receipt(&mz, &receipt(&tx, "ext-1", 350))
        .await
        .json()
        .await
        .unwrap();
    let second: Value = put_receipt(&mz, &receipt(&tx, "ext-1", 400))
        .await
        .json()
        .await
        .unwrap();
    let read = mz.get_json("/transaction-receipts?external_id=ext-1").await;

    assert!(first["receipt_id"]
        .as_str()
        .unwrap()
        .starts_with("receipt_"));
    assert_eq!(second["receipt_id"], first["receipt_id"]);
    let receipt = &read["receipt"];
    assert_eq!(receipt["id"], first["receipt_id"]);
    assert_eq!(receipt["total"], 400);
    assert_eq!(
        receipt["items"][0]["sub_items"][0]["description"],
        "Oat milk"
    );
    assert_eq!(receipt["items"][0]["sub_items"][0]["sub_items"], json!([]));
    assert_eq!(receipt["taxes"][0]["tax_number"], "GB123");
    assert_eq!(
        receipt["merchant"],
        json!({"name": "Cafe", "online": false, "phone": "", "email": "", "store_name": "",
               "store_address": "", "store_postcode": ""})
    );
    assert!(receipt["proof_of_purchase_id"].is_string());
    assert_eq!(receipt["barcode"], Value::Null);
}

#[tokio::test]
async fn a_receipt_is_deleted_by_external_id_in_the_query_or_a_form_body() {
    let mz = monzo().await;
    let tx = some_transaction(&mz).await;
    put_receipt(&mz, &receipt(&tx, "q-1", 100)).await;
    put_receipt(&mz, &receipt(&tx, "f-1", 100)).await;

    let by_query = mz
        .http
        .delete(mz.url("/transaction-receipts?external_id=q-1"))
        .bearer_auth(mz.token())
        .send()
        .await
        .unwrap();
    let by_form = mz
        .send_form("DELETE", "/transaction-receipts", &[("external_id", "f-1")])
        .await;

    assert_eq!(by_query.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(by_form.json::<Value>().await.unwrap(), json!({}));
    for id in ["q-1", "f-1"] {
        let (status, code, _) = error(
            mz.get(&format!("/transaction-receipts?external_id={id}"))
                .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (404, "not_found.receipt_not_found")
        );
    }
}

#[tokio::test]
async fn a_receipt_without_items_or_with_a_bad_total_is_rejected() {
    let mz = monzo().await;
    let tx = some_transaction(&mz).await;
    let mut no_items = receipt(&tx, "x", 100);
    no_items["items"] = json!([]);

    let (status_items, code_items, _) = error(put_receipt(&mz, &no_items).await).await;
    let (status_total, code_total, _) = error(put_receipt(&mz, &receipt(&tx, "x", 0)).await).await;
    let not_json = mz
        .http
        .put(mz.url("/transaction-receipts"))
        .bearer_auth(mz.token())
        .form(&[("external_id", "x")])
        .send()
        .await
        .unwrap();

    assert_eq!(
        (status_items, code_items.as_str()),
        (400, "bad_request.missing_param.items")
    );
    assert_eq!(
        (status_total, code_total.as_str()),
        (400, "bad_request.bad_param.total")
    );
    assert_eq!(error(not_json).await.0, 400);
}

/// `POST /attachment/upload` of a 4-byte file of `file_type`.
async fn upload(mz: &Monzo, file_type: &str) -> reqwest::Response {
    mz.send_form(
        "POST",
        "/attachment/upload",
        &[
            ("file_name", "note.txt"),
            ("file_type", file_type),
            ("content_length", "4"),
        ],
    )
    .await
}

#[tokio::test]
async fn an_upload_whose_file_type_is_no_media_type_is_a_bad_param() {
    let mz = monzo().await;

    // A newline would later break the Content-Type the upload storage serves it with.
    for bad in [
        "image/png\nx",
        "image/png\r\nX-Injected: 1",
        "png",
        "image/",
        "/png",
        "imäge/png",
        "image/png\u{7f}",
    ] {
        let (status, code, _) = error(upload(&mz, bad).await).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "bad_request.bad_param.file_type"),
            "{bad:?}"
        );
    }

    // A media type with parameters is fine and is served back as given.
    let urls: Value = upload(&mz, "text/plain; charset=utf-8")
        .await
        .json()
        .await
        .unwrap();
    let put = mz
        .http
        .put(urls["upload_url"].as_str().unwrap())
        .body("abcd")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let served = mz
        .http
        .get(urls["file_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(content_type(&served), "text/plain; charset=utf-8");
}

//! Full, real-shaped Monzo bodies (monzo.md A4) read into the wire types.

use bankkit_monzo::wire::{
    Account, AccountType, AttachmentUpload, Balance, Category, DeclineReason, MerchantRef, Pot,
    PotType, Receipt, ReceiptPaymentType, TokenResponse, Transaction, Webhook, WhoAmI,
};

const ACCOUNTS: &str = r#"[
 {"id":"acc_00009237aqC8c5umZmrRdh","closed":false,"created":"2015-11-13T12:17:42.102Z",
  "description":"user_00009237aqC8c5umZmrRdh","type":"uk_retail","currency":"GBP","country_code":"GB",
  "owners":[{"user_id":"user_00009237aqC8c5umZmrRdh","preferred_name":"Ada Lovelace","preferred_first_name":"Ada"}],
  "account_number":"12345678","sort_code":"040004",
  "payment_details":{"locale_uk":{"account_number":"12345678","sort_code":"040004"}},
  "owner_type":"personal","product_type":"standard","legal_entity":"monzo_uk","country_code_alpha3":"GBR"},
 {"id":"acc_0000FLEX","closed":false,"created":"2022-03-01T09:00:00Z","description":"monzoflex_0000FLEX",
  "type":"uk_monzo_flex_backing_loan","currency":"GBP","country_code":"GB","owners":[]}
]"#;

const POT: &str = r#"{"id":"pot_0000778xxfgh4iu8z83nWb","name":"Savings","style":"beach_ball","balance":133700,
 "currency":"GBP","type":"flexible_savings","product_id":"XXX","current_account_id":"acc_00009237aqC8c5umZmrRdh",
 "cover_image_url":"https://example.org/cover.jpg","isa_wrapper":"","round_up":true,"round_up_multiplier":null,
 "is_tax_pot":false,"created":"2019-04-28T06:36:54.318Z","updated":"2019-05-11T00:00:00.000Z","deleted":false,
 "locked":false,"locked_until":"","charity_id":"","available_for_bills":true,"goal_amount":null}"#;

fn transaction(merchant: &str, settled: &str, extra: &str) -> String {
    format!(
        r#"{{"account_id":"acc_00009237aqC8c5umZmrRdh","amount":-510,"amount_is_pending":false,
 "atm_fees_detailed":null,"attachments":null,"can_add_to_tab":true,"can_be_excluded_from_breakdown":true,
 "can_be_made_subscription":false,"can_match_transactions_in_categorization":true,"can_split_the_bill":true,
 "categories":{{"eating_out":-510}},"category":"eating_out","counterparty":{{}},
 "created":"2017-11-09T12:30:53.695Z","currency":"GBP","dedupe_id":"mastercard-xyz",
 "description":"THE DE BEAUVOIR DELI C LONDON GBR","fees":{{}},"id":"tx_00009QpFPzTh2vSGrUk3kT",
 "include_in_spending":true,"international":null,"is_load":false,"labels":null,"local_amount":-510,
 "local_currency":"GBP","merchant":{merchant},"metadata":{{"notes":""}},"notes":"","originator":false,
 "parent_account_id":"","scheme":"mastercard","settled":{settled},"updated":"2017-11-10T01:31:00.123Z",
 "user_id":"user_00009237aqC8c5umZmrRdh"{extra}}}"#
    )
}

const MERCHANT: &str = r#"{"id":"merch_00008zIcpbAKe8shBxXUtl","group_id":"grp_00008zIcpbAKe8shBxXUtl",
 "created":"2015-11-13T12:24:42.474Z","name":"The De Beauvoir Deli Co.","logo":"https://example.org/logo.png",
 "emoji":"🍞","category":"eating_out","online":false,"atm":false,
 "address":{"short_formatted":"98 Southgate Road, London N1 3JD","formatted":"98 Southgate Road, London N1 3JD, United Kingdom",
  "address":"98 Southgate Road","city":"London","region":"Greater London","country":"GBR","postcode":"N1 3JD",
  "latitude":51.54151,"longitude":-0.08482,"zoom_level":17,"approximate":false},
 "updated":"2017-09-12T00:00:00Z","metadata":{"foursquare_id":"abc","twitter_id":""},"disable_feedback":false}"#;

#[test]
fn accounts_keep_known_and_unknown_types() {
    let accounts: Vec<Account> = serde_json::from_str(ACCOUNTS).unwrap();
    assert_eq!(accounts[0].account_type, Some(AccountType::UkRetail));
    assert_eq!(
        accounts[0].owners[0].preferred_first_name.as_deref(),
        Some("Ada")
    );
    assert_eq!(
        accounts[0]
            .payment_details
            .as_ref()
            .unwrap()
            .locale_uk
            .as_ref()
            .unwrap()
            .sort_code
            .as_deref(),
        Some("040004")
    );
    assert_eq!(
        accounts[1].account_type,
        Some(AccountType::Other("uk_monzo_flex_backing_loan".to_owned()))
    );
    let back = serde_json::to_value(&accounts[1].account_type).unwrap();
    assert_eq!(back, "uk_monzo_flex_backing_loan");
}

#[test]
fn pots_read_nullable_and_empty_fields() {
    let pot: Pot = serde_json::from_str(POT).unwrap();
    assert_eq!(pot.balance, 133_700);
    assert_eq!(pot.pot_type, Some(PotType::FlexibleSavings));
    assert_eq!(pot.round_up_multiplier, None);
    assert_eq!(pot.locked_until, None);
    assert_eq!(pot.goal_amount, None);
}

#[test]
fn a_merchant_is_an_id_or_an_expanded_object() {
    let plain: Transaction = serde_json::from_str(&transaction(
        r#""merch_00008zIcpbAKe8shBxXUtl""#,
        r#""2017-11-10T01:31:00.123Z""#,
        "",
    ))
    .unwrap();
    assert_eq!(
        plain.merchant,
        Some(MerchantRef::Id("merch_00008zIcpbAKe8shBxXUtl".to_owned()))
    );
    assert!(plain.settled.is_some());

    let expanded: Transaction =
        serde_json::from_str(&transaction(MERCHANT, r#""2017-11-10T01:31:00.123Z""#, "")).unwrap();
    let Some(MerchantRef::Expanded(merchant)) = expanded.merchant else {
        panic!("not expanded");
    };
    assert_eq!(merchant.name, "The De Beauvoir Deli Co.");
    assert_eq!(
        merchant.address.unwrap().latitude.unwrap().to_string(),
        "51.54151"
    );

    let transfer: Transaction = serde_json::from_str(&transaction("null", r#""""#, "")).unwrap();
    assert_eq!(transfer.merchant, None);
}

#[test]
fn an_empty_settled_is_not_settled_and_unknown_values_are_kept() {
    let body = transaction(
        r#""merch_1""#,
        r#""""#,
        r#","decline_reason":"SOMETHING_NEW""#,
    )
    .replace(
        r#""category":"eating_out""#,
        r#""category":"personal_care""#,
    );
    let declined: Transaction = serde_json::from_str(&body).unwrap();
    assert_eq!(declined.settled, None);
    assert_eq!(
        declined.decline_reason,
        Some(DeclineReason::Other("SOMETHING_NEW".to_owned()))
    );
    assert_eq!(
        declined.category,
        Some(Category::Other("personal_care".to_owned()))
    );
    let known: Transaction = serde_json::from_str(&transaction(
        r#""merch_1""#,
        r#""""#,
        r#","decline_reason":"OTHER""#,
    ))
    .unwrap();
    assert_eq!(known.decline_reason, Some(DeclineReason::OtherReason));
}

#[test]
fn balances_read_their_extra_fields() {
    let balance: Balance = serde_json::from_str(
        r#"{"balance":5000,"total_balance":138700,"balance_including_flexible_savings":138700,
            "currency":"GBP","spend_today":-510,"local_currency":"","local_exchange_rate":"",
            "local_spend":[{"spend_today":-510,"currency":"GBP"}]}"#,
    )
    .unwrap();
    assert_eq!(balance.total_balance, 138_700);
    assert_eq!(balance.local_spend[0].spend_today, -510);
}

#[test]
fn token_answers_and_whoami_read_and_hide_the_tokens() {
    let tokens: TokenResponse = serde_json::from_str(
        r#"{"access_token":"tok_A1","client_id":"oauth2client_01","expires_in":21600,
            "refresh_token":"rtok_A1","token_type":"Bearer","user_id":"user_0001"}"#,
    )
    .unwrap();
    assert_eq!(tokens.expires_in, Some(21600));
    assert!(!format!("{tokens:?}").contains("tok_A1"));
    let public: TokenResponse =
        serde_json::from_str(r#"{"access_token":"tok_A1","expires_in":21600}"#).unwrap();
    assert!(public.refresh_token.is_none());
    let who: WhoAmI = serde_json::from_str(
        r#"{"authenticated":true,"client_id":"oauth2client_01","user_id":"user_0001"}"#,
    )
    .unwrap();
    assert!(who.authenticated);
}

#[test]
fn receipts_keep_float_quantities_as_written() {
    let receipt: Receipt = serde_json::from_str(
        r#"{"id":"receipt_01","transaction_id":"tx_1","external_id":"order-77","total":1299,"currency":"GBP",
            "items":[{"description":"Bananas","amount":120,"currency":"GBP","quantity":0.45,"unit":"kg","tax":0,
                      "sub_items":[]}],
            "taxes":[{"description":"VAT","amount":0,"currency":"GBP","tax_number":"GB123"}],
            "payments":[{"type":"voucher","amount":1299,"currency":"GBP"}],
            "merchant":{"name":"","online":false,"phone":"","email":"","store_name":"","store_address":"","store_postcode":""},
            "proof_of_purchase_id":"","barcode":null}"#,
    )
    .unwrap();
    assert_eq!(
        receipt.items[0].quantity.as_ref().unwrap().to_string(),
        "0.45"
    );
    assert_eq!(
        receipt.payments[0].payment_type,
        ReceiptPaymentType::Other("voucher".to_owned())
    );
    let back = serde_json::to_value(&receipt).unwrap();
    assert_eq!(back["items"][0]["quantity"].to_string(), "0.45");
}

#[test]
fn webhook_debug_hides_the_secret_in_the_url() {
    let hook: Webhook = serde_json::from_str(
        r#"{"id":"webhook_01","account_id":"acc_01",
            "url":"https://user:pw@example.org/hooks/monzo?user=7&secret=hook-s3cret-9f"}"#,
    )
    .unwrap();
    let shown = format!("{hook:?}");
    assert!(!shown.contains("hook-s3cret-9f"), "{shown}");
    assert!(!shown.contains("secret="), "{shown}");
    assert!(!shown.contains("pw"), "{shown}");
    assert!(
        shown.contains("https://example.org/hooks/monzo?[REDACTED]"),
        "{shown}"
    );
    assert!(
        shown.contains("webhook_01") && shown.contains("acc_01"),
        "{shown}"
    );
    // The wire value itself is untouched.
    assert!(hook.url.ends_with("secret=hook-s3cret-9f"));
    let plain: Webhook = serde_json::from_str(
        r#"{"id":"webhook_02","account_id":"acc_01","url":"https://example.org/hooks/monzo"}"#,
    )
    .unwrap();
    assert!(format!("{plain:?}").contains("\"https://example.org/hooks/monzo\""));
    let garbage: Webhook = serde_json::from_str(
        r#"{"id":"webhook_03","account_id":"acc_01","url":"not a url secret=abc"}"#,
    )
    .unwrap();
    assert!(!format!("{garbage:?}").contains("abc"));
}

#[test]
fn attachment_upload_debug_hides_the_presigned_signature() {
    let upload: AttachmentUpload = serde_json::from_str(
        r#"{"file_url":"https://files.monzo.com/user_01/receipt.png",
            "upload_url":"https://s3.eu-west-1.amazonaws.com/upload/receipt.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=deadbeefcafe"}"#,
    )
    .unwrap();
    let shown = format!("{upload:?}");
    for hidden in ["deadbeefcafe", "AKIAEXAMPLE", "X-Amz-Signature"] {
        assert!(!shown.contains(hidden), "{shown}");
    }
    assert!(
        shown.contains("https://files.monzo.com/user_01/receipt.png"),
        "{shown}"
    );
    assert!(
        shown.contains("https://s3.eu-west-1.amazonaws.com/upload/receipt.png?[REDACTED]"),
        "{shown}"
    );
}

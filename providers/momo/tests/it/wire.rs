//! Wire types read from full bodies as MoMo sends them.

use bankkit_core::money::Decimal;
use bankkit_momo::wire::{
    AccountBalance, Callback, PartyIdType, Reason, RequestToPay, RequestToPayResult,
    TransactionStatus, TransferResult, UserInfo,
};

#[test]
fn a_failed_request_to_pay_with_a_string_reason_is_read() {
    let body = r#"{"financialTransactionId":"700000001","externalId":"order-42","amount":"15.50","currency":"EUR",
        "payer":{"partyIdType":"MSISDN","partyId":"46733123450"},"payerMessage":"Order 42",
        "payeeNote":"Order 42","status":"FAILED","reason":"INTERNAL_PROCESSING_ERROR"}"#;
    let r: RequestToPayResult = serde_json::from_str(body).unwrap();
    assert_eq!(r.status, TransactionStatus::Failed);
    assert_eq!(r.amount, Decimal::new(1550, 2));
    assert_eq!(
        r.reason,
        Some(Reason::Code("INTERNAL_PROCESSING_ERROR".into()))
    );
    assert_eq!(r.payer.unwrap().party_id_type, PartyIdType::Msisdn);
}

#[test]
fn a_reason_object_is_read_like_a_string() {
    let body = r#"{"amount":"5","currency":"EUR","externalId":"e","payee":{"partyIdType":"MSISDN","partyId":"46733123455"},
        "status":"FAILED","reason":{"code":"NOT_ENOUGH_FUNDS","message":"The payer does not have enough funds."}}"#;
    let r: TransferResult = serde_json::from_str(body).unwrap();
    let reason = r.reason.unwrap();
    assert_eq!(reason.code(), Some("NOT_ENOUGH_FUNDS"));
    assert_eq!(
        reason.message(),
        Some("The payer does not have enough funds.")
    );
    assert_eq!(r.financial_transaction_id, None);
}

#[test]
fn unknown_statuses_and_party_types_are_kept() {
    let body = r#"{"amount":"5.0","currency":"EUR","status":"ONGOING","payer":{"partyIdType":"ALIAS_X","partyId":"a"}}"#;
    let r: RequestToPayResult = serde_json::from_str(body).unwrap();
    assert_eq!(r.status, TransactionStatus::Other("ONGOING".into()));
    assert_eq!(
        r.payer.unwrap().party_id_type,
        PartyIdType::Other("ALIAS_X".into())
    );
    for (text, status) in [
        ("PENDING", TransactionStatus::Pending),
        ("CREATED", TransactionStatus::Created),
        ("SUCCESSFUL", TransactionStatus::Successful),
        ("FAILED", TransactionStatus::Failed),
    ] {
        let read: TransactionStatus = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(read, status);
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            format!("\"{text}\"")
        );
    }
}

#[test]
fn amounts_are_decimal_strings_both_ways_and_floats_are_refused() {
    let b: AccountBalance =
        serde_json::from_str(r#"{"availableBalance":"2500.10","currency":"EUR"}"#).unwrap();
    assert_eq!(b.available_balance, Decimal::new(250_010, 2));
    let b: AccountBalance =
        serde_json::from_str(r#"{"availableBalance":2500,"currency":"EUR"}"#).unwrap();
    assert_eq!(b.available_balance, Decimal::new(2500, 0));
    assert!(serde_json::from_str::<AccountBalance>(
        r#"{"availableBalance":2500.1,"currency":"EUR"}"#
    )
    .is_err());
    assert!(serde_json::from_str::<AccountBalance>(
        r#"{"availableBalance":"lots","currency":"EUR"}"#
    )
    .is_err());
    let body: RequestToPay = serde_json::from_str(
        r#"{"amount":"12.50","currency":"EUR","externalId":"x","payer":{"partyIdType":"MSISDN","partyId":"1"},"payerMessage":"m","payeeNote":"n"}"#,
    )
    .unwrap();
    let written = serde_json::to_value(&body).unwrap();
    assert_eq!(written["amount"], "12.50");
}

#[test]
fn callbacks_and_user_info_are_read_from_full_bodies() {
    let c: Callback = serde_json::from_str(
        r#"{"financialTransactionId":"1523409327","externalId":"order-42","amount":"15.5","currency":"EUR",
            "payer":{"partyIdType":"MSISDN","partyId":"46733123456"},"payerMessage":"m","payeeNote":"n","status":"SUCCESSFUL"}"#,
    )
    .unwrap();
    assert_eq!(c.amount, Some(Decimal::new(155, 1)));
    assert_eq!(c.status, TransactionStatus::Successful);
    let u: UserInfo = serde_json::from_str(
        r#"{"sub":"0","name":"Maja Sandberg","given_name":"Maja","family_name":"Sandberg","birthdate":"1988-05-17",
            "locale":"sv_SE","status":"ACTIVE","gender":"FEMALE","email":"maja.sandberg@example.se","email_verified":true,
            "phone_number":"+46733123456","phone_number_verified":true,
            "address":{"formatted":"Drottninggatan 71, 111 36 Stockholm, SE","street_address":"Drottninggatan 71",
                "postal_code":"111 36","locality":"Stockholm","region":"Stockholm County","country":"SE"},
            "updated_at":1798800000,"credit_score":"0","active":true,"country_of_birth":"SE","region_of_birth":"Stockholm County",
            "city_of_birth":"Stockholm","occupation":"Shop owner","employer_name":"Sandbox AB",
            "identification_type":"NRIN","identification_value":"198805170226"}"#,
    )
    .unwrap();
    assert_eq!(u.address.unwrap().country.as_deref(), Some("SE"));
    assert_eq!(u.identification_type.as_deref(), Some("NRIN"));
}

#[test]
fn callbacks_read_reason_in_both_forms() {
    let failed = |reason: &str| {
        format!(
            r#"{{"financialTransactionId":"1523409327","externalId":"order-42","amount":"15.5","currency":"EUR",
                "payer":{{"partyIdType":"MSISDN","partyId":"46733123450"}},"status":"FAILED","reason":{reason}}}"#
        )
    };
    let c: Callback = serde_json::from_str(&failed(r#""PAYER_NOT_FOUND""#)).unwrap();
    assert_eq!(c.status, TransactionStatus::Failed);
    assert_eq!(c.reason, Some(Reason::Code("PAYER_NOT_FOUND".into())));

    let c: Callback = serde_json::from_str(&failed(
        r#"{"code":"PAYER_NOT_FOUND","message":"Payer not found."}"#,
    ))
    .unwrap();
    let reason = c.reason.unwrap();
    assert_eq!(reason.code(), Some("PAYER_NOT_FOUND"));
    assert_eq!(reason.message(), Some("Payer not found."));

    // A transfer callback (payee, no payer) reads the same way.
    let c: Callback = serde_json::from_str(
        r#"{"amount":"5","currency":"EUR","payee":{"partyIdType":"MSISDN","partyId":"46733123455"},
            "status":"FAILED","reason":{"code":"NOT_ENOUGH_FUNDS"}}"#,
    )
    .unwrap();
    let reason = c.reason.unwrap();
    assert_eq!(reason.code(), Some("NOT_ENOUGH_FUNDS"));
    assert_eq!(reason.message(), None);
}

#[test]
fn transfer_and_request_to_pay_statuses_read_the_other_reason_form_too() {
    let r: RequestToPayResult = serde_json::from_str(
        r#"{"amount":"5","currency":"EUR","status":"FAILED","reason":{"code":"APPROVAL_REJECTED","message":"Rejected."}}"#,
    )
    .unwrap();
    let reason = r.reason.unwrap();
    assert_eq!(reason.code(), Some("APPROVAL_REJECTED"));
    assert_eq!(reason.message(), Some("Rejected."));

    let t: TransferResult = serde_json::from_str(
        r#"{"amount":"5","currency":"EUR","status":"FAILED","reason":"PAYEE_NOT_FOUND"}"#,
    )
    .unwrap();
    assert_eq!(t.reason, Some(Reason::Code("PAYEE_NOT_FOUND".into())));
}

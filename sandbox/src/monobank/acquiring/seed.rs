//! The seeded merchant: its token, details, terminal, QR tills, submerchants, split receivers,
//! tap-to-phone terminals with a few payments, and tip recipients (employees).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::rng::SeededRng;
use crate::time::after;

const DAY: i64 = 86_400;

const MERCHANTS: &[(&str, &str)] = &[
    ("Кав'ярня «Зерно & Молоко»", "Ткаченко Олена"),
    ("ФОП Коваленко Андрій", "Коваленко Андрій"),
    ("ТОВ «Смачна Полиця»", "Шевченко Марія"),
];

impl T2pPayment {
    /// The body of `t2p/terminal/payment/external/status`.
    pub(crate) fn status_json(&self) -> Value {
        let mut answer = json!({
            "bank": "АТ Універсал Банк",
            "terminal": self.terminal,
            "paymentType": self.payment_type,
            "amount": self.amount,
            "ccy": "UAH",
            "status": self.status,
            "dataTime": self.time.format("%Y-%m-%d %H:%M:%S").to_string(),
            "internalPaymentId": self.internal_payment_id,
            "externalPaymentId": self.external_payment_id,
            "transactionId": self.transaction_id,
            "maskedPan": self.masked_pan,
            "cardMask": self.card_mask,
            "approvalCode": self.approval_code,
            "rrn": self.rrn,
            "responseCode": self.response_code,
            "countryCard": "804",
        });
        if let (Some(message), Some(map)) = (self.error_message, answer.as_object_mut()) {
            map.insert("errorMessage".into(), json!(message));
        }
        answer
    }
}

/// A tap-to-phone payment known by its `externalPaymentId`.
#[derive(Debug, Clone)]
pub(crate) struct T2pPayment {
    pub(crate) external_payment_id: String,
    pub(crate) internal_payment_id: String,
    pub(crate) terminal: String,
    pub(crate) payment_type: &'static str,
    pub(crate) amount: i64,
    pub(crate) status: &'static str,
    pub(crate) time: DateTime<Utc>,
    pub(crate) transaction_id: String,
    pub(crate) masked_pan: String,
    pub(crate) card_mask: &'static str,
    pub(crate) approval_code: String,
    pub(crate) rrn: String,
    pub(crate) response_code: &'static str,
    pub(crate) error_message: Option<&'static str>,
}

/// A seeded tap-to-phone payment: type, amount, status, days ago, response code, error.
type T2pPlan = (
    &'static str,
    i64,
    &'static str,
    i64,
    &'static str,
    Option<&'static str>,
);

/// A QR till.
#[derive(Debug, Clone)]
pub(crate) struct QrTill {
    pub(crate) short_qr_id: String,
    pub(crate) qr_id: String,
    pub(crate) amount_type: &'static str,
}

/// Everything seeded about the merchant.
#[derive(Debug, Clone)]
pub(crate) struct MerchantSeed {
    pub(crate) merchant_token: String,
    pub(crate) merchant_id: String,
    pub(crate) merchant_name: String,
    pub(crate) edrpou: String,
    /// The invoice terminal (`paymentInfo.terminal`).
    pub(crate) terminal: String,
    pub(crate) qr_tills: Vec<QrTill>,
    /// `{code, edrpou, iban, owner}` objects.
    pub(crate) submerchants: Vec<Value>,
    /// `{splitReceiverId, edrpou, name}` objects.
    pub(crate) split_receivers: Vec<Value>,
    /// `{code, name, terminal}` objects.
    pub(crate) t2p_terminals: Vec<Value>,
    pub(crate) t2p_payments: Vec<T2pPayment>,
    /// `{id, extRef, name}` objects (merchant token).
    pub(crate) employees: Vec<Value>,
    /// Key for invoice and other ids.
    pub(crate) id_key: u64,
}

/// A UUID-looking id from the stream.
pub(crate) fn uuid(rng: &mut SeededRng) -> String {
    let hex = rng.hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        hex.get(..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(13..16).unwrap_or_default(),
        hex.get(17..20).unwrap_or_default(),
        hex.get(20..).unwrap_or_default()
    )
}

/// Test employees that `employee/list` shows to a test token.
pub(crate) fn test_employees() -> Vec<Value> {
    (1..=3)
        .map(|n| {
            json!({
                "id": format!("test-employee-{n}"),
                "extRef": format!("test-ext-{n}"),
                "name": format!("Тестовий працівник {n}"),
            })
        })
        .collect()
}

pub(crate) fn generate(seed: u64, start: DateTime<Utc>) -> MerchantSeed {
    let mut rng = SeededRng::for_stream(seed, "monobank-acquiring");
    let merchant_token = format!("m{}", rng.id(43));
    let (merchant_name, owner) = *rng.pick(MERCHANTS).unwrap_or(&MERCHANTS[0]);
    let edrpou = rng.digits(8);
    let terminal = format!("MI{}", rng.digits(6));
    let qr_tills = [("merchant"), ("client"), ("fix")]
        .into_iter()
        .map(|amount_type| QrTill {
            short_qr_id: rng.string_from(4, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            qr_id: rng.id(12),
            amount_type,
        })
        .collect();
    let submerchants = vec![
        json!({"code": rng.hex(32), "edrpou": rng.digits(10),
               "iban": format!("UA21322001000002600{}", rng.digits(10)), "owner": format!("ФОП {owner}")}),
        json!({"code": rng.hex(32), "edrpou": rng.digits(8),
               "iban": format!("UA21322001000002600{}", rng.digits(10)), "owner": "ТОВ «Ворона»"}),
    ];
    let split_receivers = vec![
        json!({"splitReceiverId": format!("sr_{}", rng.alnum(10)), "edrpou": rng.digits(10),
               "name": "ФОП Іваненко Іван Іванович"}),
        json!({"splitReceiverId": format!("sr_{}", rng.alnum(10)), "edrpou": rng.digits(8),
               "name": "ТОВ «Логістика Плюс»"}),
    ];
    let t2p_terminals: Vec<Value> = ["Каса 1", "Виїзна торгівля"]
        .iter()
        .map(|name| json!({"code": rng.hex(32), "name": name, "terminal": format!("MT{}", rng.digits(6))}))
        .collect();
    let terminals: Vec<String> = t2p_terminals
        .iter()
        .filter_map(|t| t["terminal"].as_str().map(str::to_owned))
        .collect();
    let plans: [T2pPlan; 5] = [
        ("purchase", 3_500, "success", 1, "1", None),
        ("purchase", 12_900, "success", 3, "1", None),
        (
            "purchase",
            48_000,
            "rejected",
            5,
            "59",
            Some("Недостатньо коштів"),
        ),
        ("purchase", 7_250, "pending", 0, "0", None),
        ("purchase", 20_000, "success", 120, "1", None),
    ];
    let t2p_payments = plans
        .iter()
        .enumerate()
        .map(
            |(index, (payment_type, amount, status, days_ago, code, error))| T2pPayment {
                external_payment_id: uuid(&mut rng),
                internal_payment_id: uuid(&mut rng),
                terminal: terminals
                    .get(index % terminals.len().max(1))
                    .cloned()
                    .unwrap_or_default(),
                payment_type,
                amount: *amount,
                status,
                time: after(start, -(days_ago * DAY + 3_600 + rng.range(0, 3_000))),
                transaction_id: rng.digits(11),
                masked_pan: format!("{}******{}", rng.digits(6), rng.digits(2)),
                card_mask: if index % 2 == 0 { "visa" } else { "mastercard" },
                approval_code: rng.digits(6),
                rrn: rng.digits(12),
                response_code: code,
                error_message: *error,
            },
        )
        .collect();
    let employees = ["Олег Бариста", "Ірина Офіціантка"]
        .iter()
        .map(|name| json!({"id": rng.alnum(10), "extRef": rng.hex(16), "name": name}))
        .collect();
    MerchantSeed {
        merchant_token,
        merchant_id: rng.alnum(10),
        merchant_name: merchant_name.to_owned(),
        edrpou,
        terminal,
        qr_tills,
        submerchants,
        split_receivers,
        t2p_terminals,
        t2p_payments,
        employees,
        id_key: rng.next_u64(),
    }
}

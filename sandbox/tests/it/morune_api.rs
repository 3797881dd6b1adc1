//! Morune: the envelope, authentication, validation, invoices, tariffs, SBP banks, faults,
//! duplicates and caps, over HTTP as a client sees them.

use bankkit_sandbox::{Fault, SandboxEvent, StateLimits, TestOutcome};
use serde_json::{json, Value};

use crate::morune_common::{error_text, morune, morune_with, Key};

#[tokio::test]
async fn credentials_are_uuids_and_40_hex_keys_and_the_same_for_the_same_seed() {
    let m = morune().await;
    for name in ["shop_id", "user_id"] {
        let id = m.cred(name);
        assert_eq!(id.len(), 36, "{name}");
        assert_eq!(id.matches('-').count(), 4);
    }
    for name in [
        "api_key",
        "user_api_key",
        "shop_additional_key",
        "user_additional_key",
    ] {
        let key = m.cred(name);
        assert_eq!(key.len(), 40, "{name}");
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let again = morune().await;
    assert_eq!(m.creds, again.creds);
    let other = morune_with(bankkit_sandbox::Sandbox::builder().seed(99)).await;
    assert_ne!(m.creds["api_key"], other.creds["api_key"]);
}

#[tokio::test]
async fn an_invoice_is_created_and_read_by_invoice_id_and_by_order_id() {
    let m = morune().await;
    let created = m
        .invoice(
            17.23,
            "order-1",
            json!({"comment": "Подписка", "custom_fields": "{\"user\":7}"}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["amount"], json!(17.23));
    assert_eq!(created["currency"], "RUB");
    assert_eq!(created["url"], format!("{}/{id}", m.handle.hosts()["pay"]));
    // 300 minutes after the frozen start (2024-01-15T12:00:00Z is 15:00 in Moscow).
    let start = m.sandbox.now() + chrono::TimeDelta::hours(3) + chrono::TimeDelta::minutes(300);
    assert_eq!(
        created["expired"],
        start.format("%Y-%m-%d %H:%M:%S").to_string()
    );

    let info = m.invoice_info(&id).await;
    assert_eq!(info["invoice_id"], id.as_str());
    assert_eq!(info["order_id"], "order-1");
    assert_eq!(info["shop_id"], m.shop_id().as_str());
    assert_eq!(info["status"], "created");
    assert_eq!(info["invoice_amount"], json!(17.23));
    assert_eq!(info["credited"], Value::Null);
    assert_eq!(info["custom_field"], "{\"user\":7}");
    assert_eq!(info["expired_at"], created["expired"]);

    let by_order = m
        .ok(
            "GET",
            &format!("/invoice/info?shop_id={}&order_id=order-1", m.shop_id()),
            Key::Shop,
            None,
        )
        .await;
    assert_eq!(by_order, info);
}

#[tokio::test]
async fn expire_defaults_to_300_minutes_and_more_than_7200_is_refused() {
    let m = morune().await;
    let longest = m.invoice(100.0, "long", json!({"expire": 7200})).await;
    let id = longest["id"].as_str().unwrap();
    m.advance(7199 * 60);
    assert_eq!(m.invoice_info(id).await["status"], "created");
    m.advance(60);
    assert_eq!(m.invoice_info(id).await["status"], "expired");

    let answer = m
        .call(
            "POST",
            "/invoice/create",
            Key::Shop,
            Some(json!({"shop_id": m.shop_id(), "amount": 100, "order_id": "too-long", "expire": 7201})),
        )
        .await;
    assert_eq!(
        error_text(&answer, 422),
        "Поле expire не может быть больше 7200."
    );

    let default = m.invoice(100.0, "default", json!({})).await;
    let id = default["id"].as_str().unwrap();
    m.advance(299 * 60);
    assert_eq!(m.invoice_info(id).await["status"], "created");
    m.advance(60);
    assert_eq!(m.invoice_info(id).await["status"], "expired");
}

#[tokio::test]
async fn a_wrong_key_or_id_is_401_and_the_families_do_not_mix() {
    let m = morune().await;
    let body = json!({"shop_id": m.shop_id(), "amount": 100, "order_id": "x"});
    for key in [Key::None, Key::Wrong, Key::User] {
        let answer = m
            .call("POST", "/invoice/create", key, Some(body.clone()))
            .await;
        assert!(error_text(&answer, 401).contains("shop_id"), "{key:?}");
    }
    let stranger =
        json!({"shop_id": "0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13", "amount": 100, "order_id": "x"});
    let answer = m
        .call("POST", "/invoice/create", Key::Shop, Some(stranger))
        .await;
    error_text(&answer, 401);

    let balance = format!("/account/users/{}/balance", m.user_id());
    for key in [Key::None, Key::Wrong, Key::Shop] {
        let answer = m.call("GET", &balance, key, None).await;
        assert!(error_text(&answer, 401).contains("user_id"), "{key:?}");
    }
    let tariffs = format!("/shops/{}/payment-tariffs", m.shop_id());
    error_text(&m.call("GET", &tariffs, Key::User, None).await, 401);
    let banks = format!("/payoff/get-sbp-bank-list?user_id={}", m.user_id());
    error_text(&m.call("GET", &banks, Key::Shop, None).await, 401);
}

#[tokio::test]
async fn validation_answers_422_with_laravel_messages_in_russian() {
    let m = morune().await;
    let answer = m
        .call("GET", "/account/users/not-a-uuid/balance", Key::User, None)
        .await;
    assert_eq!(
        answer.body,
        json!({"data": null, "error": "Поле user id должно быть в формате UUID.", "status": 422, "status_check": false})
    );

    let create = |body: Value| m.call("POST", "/invoice/create", Key::Shop, Some(body));
    let shop = m.shop_id();
    let cases = [
        (
            json!({"amount": 10, "order_id": "a"}),
            "Поле shop id обязательно для заполнения.",
        ),
        (
            json!({"shop_id": "123", "amount": 10, "order_id": "a"}),
            "Поле shop id должно быть в формате UUID.",
        ),
        (
            json!({"shop_id": shop, "order_id": "a"}),
            "Поле amount обязательно для заполнения.",
        ),
        (
            json!({"shop_id": shop, "amount": 10}),
            "Поле order id обязательно для заполнения.",
        ),
        (
            json!({"shop_id": shop, "amount": "ten", "order_id": "a"}),
            "Поле amount должно быть числом.",
        ),
        (
            json!({"shop_id": shop, "amount": 10, "order_id": "a", "currency": "GBP"}),
            "Выбранное значение для currency некорректно.",
        ),
        (
            json!({"shop_id": shop, "amount": 10, "order_id": "a", "expire": "soon"}),
            "Поле expire должно быть целым числом.",
        ),
        (
            json!({"shop_id": shop, "amount": 10, "order_id": "a", "hook_url": "ftp://x"}),
            "Поле hook url имеет ошибочный формат URL.",
        ),
        (
            json!({"shop_id": shop, "amount": 10, "order_id": "a".repeat(256)}),
            "Количество символов в поле order id не может превышать 255.",
        ),
        (
            json!({"shop_id": shop, "amount": 10, "order_id": "a", "include_service": ["card", "nope"]}),
            "Выбранное значение для include service.1 некорректно.",
        ),
    ];
    for (body, message) in cases {
        let answer = create(body.clone()).await;
        assert_eq!(error_text(&answer, 422), message, "{body}");
    }

    let info = m
        .call(
            "GET",
            &format!("/invoice/info?shop_id={shop}"),
            Key::Shop,
            None,
        )
        .await;
    assert_eq!(
        error_text(&info, 422),
        "Поле invoice id обязательно для заполнения, когда order id не указано."
    );
    let info = m
        .call(
            "GET",
            &format!("/invoice/info?shop_id={shop}&invoice_id=42"),
            Key::Shop,
            None,
        )
        .await;
    assert_eq!(
        error_text(&info, 422),
        "Поле invoice id должно быть в формате UUID."
    );
}

#[tokio::test]
async fn unknown_invoices_payoffs_and_paths_are_404_in_the_envelope() {
    let m = morune().await;
    let unknown = "0b7f3c2e-5a61-4d8e-9c1a-2f4e6d8b0a13";
    let answer = m
        .call(
            "GET",
            &format!("/invoice/info?shop_id={}&invoice_id={unknown}", m.shop_id()),
            Key::Shop,
            None,
        )
        .await;
    assert_eq!(error_text(&answer, 404), "Счёт не найден.");
    let answer = m
        .call(
            "GET",
            &format!("/payoff/info?user_id={}&id={unknown}", m.user_id()),
            Key::User,
            None,
        )
        .await;
    assert_eq!(error_text(&answer, 404), "Выплата не найдена.");
    error_text(&m.call("GET", "/nowhere", Key::Shop, None).await, 404);
    error_text(
        &m.call("GET", "/invoice/create", Key::Shop, None).await,
        405,
    );
}

#[tokio::test]
async fn injected_faults_answer_in_the_envelope() {
    let m = morune().await;
    m.handle.inject(Fault::status(500).on("GET", "/shops/"));
    m.handle
        .inject(Fault::status(429).on("POST", "/invoice/create"));
    let tariffs = format!("/shops/{}/payment-tariffs", m.shop_id());
    let answer = m.call("GET", &tariffs, Key::Shop, None).await;
    assert_eq!(error_text(&answer, 500), "Внутренняя ошибка системы.");
    let body = json!({"shop_id": m.shop_id(), "amount": 10, "order_id": "f"});
    let answer = m
        .call("POST", "/invoice/create", Key::Shop, Some(body.clone()))
        .await;
    assert_eq!(error_text(&answer, 429), "Слишком много запросов.");
    // The fault used itself up; nothing was created by the refused call.
    assert_eq!(m.call("GET", &tariffs, Key::Shop, None).await.status, 200);
    assert_eq!(
        m.call("POST", "/invoice/create", Key::Shop, Some(body))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn tariffs_list_enabled_and_disabled_methods_and_fees_follow_them() {
    let m = morune().await;
    let data = m
        .ok(
            "GET",
            &format!("/shops/{}/payment-tariffs", m.shop_id()),
            Key::Shop,
            None,
        )
        .await;
    let tariffs = data["tariffs"].as_array().unwrap();
    let card = tariffs.iter().find(|t| t["service"] == "card").unwrap();
    assert_eq!(card["percent"], json!(5.0));
    assert_eq!(card["status"], "enabled");
    assert_eq!(card["currency"], "RUB");
    for field in [
        "fix",
        "min_sum",
        "max_sum",
        "shop_percent",
        "user_percent",
        "service_label",
    ] {
        assert!(card.get(field).is_some(), "{field}");
    }
    let sbp = tariffs.iter().find(|t| t["service"] == "sbp").unwrap();
    assert_eq!(sbp["percent"], json!(3.5));
    let qiwi = tariffs.iter().find(|t| t["service"] == "qiwi").unwrap();
    assert_eq!(qiwi["status"], "disabled");

    // SBP at 3.5 %: 1000.00 → fee 35.00, credited 965.00.
    let created = m
        .invoice(1000.0, "sbp-1", json!({"include_service": ["sbp"]}))
        .await;
    let id = created["id"].as_str().unwrap();
    m.handle
        .trigger(SandboxEvent::Custom(
            json!({"type": "pay_invoice", "invoice_id": id, "outcome": "success"}),
        ))
        .unwrap();
    let info = m.invoice_info(id).await;
    assert_eq!(info["status"], "success");
    assert_eq!(info["pay_service"], "sbp");
    assert_eq!(info["commission_amount"], json!(35.0));
    assert_eq!(info["shop_commission_amount"], json!(35.0));
    assert_eq!(info["commission_percent"], json!(3.5));
    assert_eq!(info["credited"], json!(965.0));

    // Only a disabled method left: 404; an amount no method takes: 403.
    let only_qiwi = m
        .call(
            "POST",
            "/invoice/create",
            Key::Shop,
            Some(json!({"shop_id": m.shop_id(), "amount": 100, "order_id": "q", "include_service": ["qiwi"]})),
        )
        .await;
    error_text(&only_qiwi, 404);
    let too_much = m
        .call(
            "POST",
            "/invoice/create",
            Key::Shop,
            Some(json!({"shop_id": m.shop_id(), "amount": 400_000, "order_id": "big", "include_service": ["card"]})),
        )
        .await;
    error_text(&too_much, 403);
}

#[tokio::test]
async fn the_sbp_bank_list_is_seeded() {
    let m = morune().await;
    let data = m
        .ok(
            "GET",
            &format!("/payoff/get-sbp-bank-list?user_id={}", m.user_id()),
            Key::User,
            None,
        )
        .await;
    let banks = data["banks"].as_array().unwrap();
    assert!(banks.len() >= 5);
    assert!(banks
        .iter()
        .any(|b| b["id"] == "100000000111" && b["name"] == "Сбербанк"));
}

#[tokio::test]
async fn a_duplicate_order_id_is_refused_unless_the_existing_mode_is_on() {
    let m = morune().await;
    let first = m.invoice(50.0, "dup", json!({})).await;
    let body = json!({"shop_id": m.shop_id(), "amount": 60, "order_id": "dup"});
    let again = m
        .call("POST", "/invoice/create", Key::Shop, Some(body.clone()))
        .await;
    assert_eq!(
        error_text(&again, 422),
        "Такое значение поля order id уже существует."
    );

    m.handle
        .trigger(SandboxEvent::Custom(
            json!({"type": "duplicate_order_id", "mode": "existing"}),
        ))
        .unwrap();
    let existing = m
        .ok("POST", "/invoice/create", Key::Shop, Some(body.clone()))
        .await;
    assert_eq!(existing, first);

    let payoff = json!({"service": "card", "wallet_to": "4242424242424242", "amount": 10, "order_id": "wd-dup"});
    let made = m.payoff(payoff.clone()).await;
    assert_eq!(made.status, 200);
    let same = m.payoff(payoff.clone()).await;
    assert_eq!(
        same.body["data"]["payoff_id"],
        made.body["data"]["payoff_id"]
    );

    m.handle
        .trigger(SandboxEvent::Custom(
            json!({"type": "duplicate_order_id", "mode": "reject"}),
        ))
        .unwrap();
    assert_eq!(
        error_text(&m.payoff(payoff).await, 422),
        "Такое значение поля order id уже существует."
    );
    // A reset goes back to rejecting (the default).
    m.handle.reset();
    m.invoice(50.0, "dup", json!({})).await;
    error_text(
        &m.call("POST", "/invoice/create", Key::Shop, Some(body))
            .await,
        422,
    );
}

#[tokio::test]
async fn invoices_are_capped_and_finished_ones_go_first() {
    let m = morune_with(
        bankkit_sandbox::Sandbox::builder().state_limits(StateLimits::default().max_payments(3)),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let created = m.invoice(20.0, &format!("cap-{i}"), json!({})).await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    m.handle
        .trigger(SandboxEvent::PayerActs {
            payment_id: ids[1].clone(),
            outcome: TestOutcome::Success,
        })
        .unwrap();
    m.invoice(20.0, "cap-3", json!({})).await;
    assert_eq!(m.handle.state_sizes()["invoices"], 3);
    let gone = m
        .call(
            "GET",
            &format!(
                "/invoice/info?shop_id={}&invoice_id={}",
                m.shop_id(),
                ids[1]
            ),
            Key::Shop,
            None,
        )
        .await;
    error_text(&gone, 404);
    assert_eq!(m.invoice_info(&ids[0]).await["status"], "created");
    // Its order id is free again.
    m.invoice(20.0, "cap-1", json!({})).await;
}

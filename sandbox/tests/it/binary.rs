//! The `bankkit-sandbox` binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{start_binary_text as start, Running};

#[tokio::test]
async fn json_mode_prints_one_line_with_base_urls_and_credentials_and_serves_them() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_bankkit-sandbox"))
            .args(["--provider", "monobank", "--seed", "11", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();

    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let summary: Value = serde_json::from_str(&line).unwrap();

    let monobank = &summary["providers"]["monobank"];
    assert_eq!(summary["providers"].as_object().unwrap().len(), 1);
    let base_url = monobank["base_url"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"));
    let token = monobank["credentials"]["token"].as_str().unwrap();
    assert_eq!(token.len(), 44);

    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{base_url}/personal/client-info"))
        .header("X-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let info: Value = response.json().await.unwrap();
    assert!(info["accounts"].as_array().unwrap().len() >= 3);
}

#[tokio::test]
async fn json_mode_lists_other_hosts_and_a_port_option_places_them() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let option = format!("monzo.auth={port}");

    let (_child, line) = start(
        &[
            "--provider",
            "monzo",
            "--provider",
            "monobank",
            "--port",
            &option,
            "--json",
        ],
        Stdio::null(),
    )
    .await;
    let summary: Value = serde_json::from_str(&line).unwrap();

    let monzo = &summary["providers"]["monzo"];
    let auth = format!("http://127.0.0.1:{port}");
    assert_eq!(monzo["hosts"]["auth"], auth.as_str());
    assert_eq!(monzo["credentials"]["auth_url"], auth.as_str());
    let monobank = &summary["providers"]["monobank"];
    assert_eq!(
        monobank["hosts"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["accept", "pay"]
    );
    let merchant_token = monobank["credentials"]["merchant_token"].as_str().unwrap();
    assert_eq!(merchant_token.len(), 44);
    assert_ne!(
        merchant_token,
        monobank["credentials"]["token"].as_str().unwrap()
    );
    let details = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!(
            "{}/api/merchant/details",
            monobank["base_url"].as_str().unwrap()
        ))
        .header("X-Token", merchant_token)
        .send()
        .await
        .unwrap();
    assert_eq!(details.status(), 200);
    let consent = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!(
            "{auth}/?client_id={}&redirect_uri={}&response_type=code&state=s",
            monzo["credentials"]["client_id"].as_str().unwrap(),
            monzo["credentials"]["redirect_uri"].as_str().unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 302);
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_stops_the_server_cleanly_with_exit_code_zero() {
    let (mut child, line) = start(&["--provider", "monobank", "--json"], Stdio::null()).await;
    let summary: Value = serde_json::from_str(&line).unwrap();
    let base_url = summary["providers"]["monobank"]["base_url"]
        .as_str()
        .unwrap()
        .to_owned();

    let status = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || {
        let exit = child.0.wait().unwrap();
        (exit, child)
    })
    .await
    .unwrap()
    .0;
    assert!(exit.success(), "exited with {exit:?}");

    let after = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{base_url}/bank/currency"))
        .send()
        .await;
    assert!(after.is_err(), "the server still answers after Ctrl-C");
}

#[tokio::test]
async fn the_table_names_each_provider_with_its_base_url_and_token() {
    let (child, table) = start(&["--provider", "monobank", "--seed", "11"], Stdio::null()).await;
    drop(child);
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains("PROVIDER") && header.contains("BASE URL"),
        "{table}"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("monobank"), "{table}");
    assert!(row.contains("http://127.0.0.1:"), "{table}");
    let credentials: Value = serde_json::from_str(row[row.find('{').unwrap()..].trim()).unwrap();
    assert_eq!(credentials["token"].as_str().unwrap().len(), 44);
    // A PEM key keeps the table on one line: its first line only.
    assert_eq!(
        credentials["provider_key"],
        "-----BEGIN EC PRIVATE KEY----- … (see --json)"
    );
    assert_eq!(credentials["provider_key_id"].as_str().unwrap().len(), 40);
    let output = Command::new(env!("CARGO_BIN_EXE_bankkit-sandbox"))
        .args(["--provider", "monobank", "--port", "monobank=notaport"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "a bad --port value is refused");
}

#[tokio::test]
async fn the_request_log_goes_to_stderr_one_line_per_request_without_the_token() {
    let (child, line) = start(&["--provider", "monobank", "--json"], Stdio::piped()).await;
    let summary: Value = serde_json::from_str(&line).unwrap();
    let monobank = &summary["providers"]["monobank"];
    let base_url = monobank["base_url"].as_str().unwrap().to_owned();
    let token = monobank["credentials"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for _ in 0..2 {
        client
            .get(format!("{base_url}/personal/client-info"))
            .header("X-Token", &token)
            .send()
            .await
            .unwrap();
    }
    let log = interrupt_and_read_stderr(child).await;
    let request_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/personal/client-info"))
        .collect();
    assert_eq!(request_lines.len(), 2, "{log}");
    assert!(
        request_lines[0].contains("200") && request_lines[1].contains("429"),
        "{log}"
    );
    assert!(!log.contains(&token), "the token reached the log");
}

#[tokio::test]
async fn json_mode_names_each_providers_test_parties() {
    let (_child, line) = start(&["--provider", "momo", "--json"], Stdio::null()).await;
    let summary: Value = serde_json::from_str(&line).unwrap();

    let parties = &summary["providers"]["momo"]["test_parties"];

    for outcome in ["success", "failure", "pending"] {
        assert_eq!(parties[outcome]["kind"], "msisdn", "{outcome}: {line}");
        assert!(parties[outcome]["value"].as_str().unwrap().len() >= 10);
    }
    assert_ne!(parties["success"]["value"], parties["failure"]["value"]);
}

#[tokio::test]
async fn limits_off_lifts_the_rate_windows_of_the_binary() {
    let (_child, line) = start(
        &["--provider", "monobank", "--limits", "off", "--json"],
        Stdio::null(),
    )
    .await;
    let summary: Value = serde_json::from_str(&line).unwrap();
    let monobank = &summary["providers"]["monobank"];
    let base_url = monobank["base_url"].as_str().unwrap();
    let token = monobank["credentials"]["token"].as_str().unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = client
            .get(format!("{base_url}/personal/client-info"))
            .header("X-Token", token)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200]);
}

#[tokio::test]
async fn another_listening_address_is_warned_about() {
    let (child, line) = start(
        &["--provider", "monobank", "--host", "0.0.0.0", "--json"],
        Stdio::piped(),
    )
    .await;
    let summary: Value = serde_json::from_str(&line).unwrap();
    assert!(summary["providers"]["monobank"]["base_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let log = interrupt_and_read_stderr(child).await;
    assert!(log.contains("WARN") && log.contains("0.0.0.0"), "{log}");
}

/// Stops the binary with SIGINT and returns everything it wrote on stderr (which must have
/// been piped).
async fn interrupt_and_read_stderr(mut child: Running) -> String {
    Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    let stderr = child.0.stderr.take().unwrap();
    tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text).unwrap();
        text
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn json_mode_lists_morune_with_its_pay_host_credentials_and_card_parties() {
    let (_child, line) = start(
        &[
            "--provider",
            "morune",
            "--json",
            "--morune-duplicates",
            "existing",
        ],
        Stdio::null(),
    )
    .await;
    let summary: Value = serde_json::from_str(&line).unwrap();
    let morune = &summary["providers"]["morune"];
    let base_url = morune["base_url"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"));
    assert!(morune["hosts"]["pay"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let credentials = &morune["credentials"];
    for name in [
        "shop_id",
        "api_key",
        "shop_additional_key",
        "user_id",
        "user_api_key",
        "user_additional_key",
    ] {
        assert!(credentials[name].is_string(), "{name}: {line}");
    }
    assert_eq!(
        morune["test_parties"]["success"]["value"],
        "4242424242424242"
    );
    assert_eq!(
        morune["test_parties"]["failure"]["value"],
        "4000000000000002"
    );

    // The option took effect: a repeated order id answers the first invoice.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = serde_json::json!({
        "shop_id": credentials["shop_id"], "amount": 10, "order_id": "bin-1",
    });
    let mut ids = Vec::new();
    for _ in 0..2 {
        let answer: Value = http
            .post(format!("{base_url}/invoice/create"))
            .header("x-api-key", credentials["api_key"].as_str().unwrap())
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["status"], 200, "{answer}");
        ids.push(answer["data"]["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test]
async fn the_monobank_provider_api_options_become_the_providers_defaults() {
    use crate::monobank_provider_common::{registration_body, CompanyKey};
    let (_child, summary) = crate::common::start_binary(&[
        "--provider",
        "monobank",
        "--json",
        "--monobank-registration",
        "manual",
        "--monobank-sign-personal-webhooks",
        "--monobank-time-tolerance",
        "86400",
    ])
    .await;
    let monobank = &summary["providers"]["monobank"];
    let base = monobank["base_url"].as_str().unwrap();
    let pem = monobank["credentials"]["provider_key"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{pem}");
    let seeded = CompanyKey::from_pem(pem);
    assert_eq!(monobank["credentials"]["provider_key_id"], seeded.key_id());
    assert!(monobank["hosts"]["accept"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));

    // Manual registration, and an X-Time half a day off still inside the tolerance.
    let key = CompanyKey::from_byte(41);
    let time = (chrono::Utc::now().timestamp() - 43_200).to_string();
    let http = crate::common::http_client();
    let post = |path: &'static str, body: Value| {
        let time = time.clone();
        let request = http
            .post(format!("{base}{path}"))
            .header("X-Time", &time)
            .header("X-Sign", key.sign(&format!("{time}{path}")))
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let registered = post("/personal/auth/registration", registration_body(&key, "A")).await;
    assert_eq!(registered.status(), 200);
    let status: Value = post(
        "/personal/auth/registration/status",
        serde_json::json!({"pubkey": key.pubkey()}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(status["status"], "New", "{status}");
}

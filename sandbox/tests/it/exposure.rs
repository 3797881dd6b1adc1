//! Who can reach the sandbox and its control API; the request journal; rate windows off.

use std::net::{IpAddr, Ipv4Addr};

use bankkit_sandbox::Sandbox;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{http_client, monobank};

/// A control request with exactly these headers, over a raw connection (so that `Host` and
/// `Origin` are what a browser or a rebinding attacker would send).
async fn raw_control(base_url: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
    let address = base_url.trim_start_matches("http://");
    let mut request = format!("{method} {path} HTTP/1.1\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = if method == "POST" { "{}" } else { "" };
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_sandbox_listens_on_loopback_by_default() {
    let mono = monobank().await;
    assert!(mono.handle.base_url().starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn the_control_api_refuses_foreign_hosts_and_cross_origin_requests() {
    let mono = monobank().await;
    let base = mono.handle.base_url();
    let port = base.rsplit(':').next().unwrap().to_owned();
    let local = format!("127.0.0.1:{port}");
    let ok = |status: u16| status == 200;

    // Addressed by loopback names: answered.
    for host in [local.as_str(), "localhost", "[::1]:1"] {
        let status = raw_control(&base, "GET", "/__bankkit/clock", &[("host", host)]).await;
        assert!(ok(status), "{host}: {status}");
    }
    // DNS rebinding: a foreign name resolving to 127.0.0.1.
    let rebound = raw_control(
        &base,
        "GET",
        "/__bankkit/credentials",
        &[("host", "attacker.example:80")],
    )
    .await;
    assert_eq!(rebound, 403);
    // No Host at all.
    assert_eq!(
        raw_control(&base, "GET", "/__bankkit/clock", &[]).await,
        403
    );
    // A cross-site page posting text/plain, and one posting JSON with its Origin.
    let form = raw_control(
        &base,
        "POST",
        "/__bankkit/reset",
        &[("host", &local), ("content-type", "text/plain")],
    )
    .await;
    assert_eq!(form, 415);
    let cross = raw_control(
        &base,
        "POST",
        "/__bankkit/reset",
        &[
            ("host", &local),
            ("origin", "https://attacker.example"),
            ("content-type", "application/json"),
        ],
    )
    .await;
    assert_eq!(cross, 403);
    let null_origin = raw_control(
        &base,
        "GET",
        "/__bankkit/credentials",
        &[("host", &local), ("origin", "null")],
    )
    .await;
    assert_eq!(null_origin, 403);
    // A page served from the sandbox's own origin may.
    let same = raw_control(
        &base,
        "POST",
        "/__bankkit/reset",
        &[
            ("host", &local),
            ("origin", &format!("http://{local}")),
            ("content-type", "application/json; charset=utf-8"),
        ],
    )
    .await;
    assert_eq!(same, 200);
    // Provider routes are not the control API: their Host is not checked.
    let rates = raw_control(
        &base,
        "GET",
        "/bank/currency",
        &[("host", "api.monobank.ua")],
    )
    .await;
    assert_eq!(rates, 200);
}

#[tokio::test]
async fn a_control_token_is_required_when_set_and_never_shown() {
    let builder = Sandbox::builder()
        .providers(["monobank"])
        .control_token("s3cret-control")
        .control_host("sandbox.test");
    assert!(!format!("{builder:?}").contains("s3cret"), "{builder:?}");
    let sandbox = builder.start().await.unwrap();
    let base = sandbox.monobank().unwrap().base_url();
    let http = http_client();

    let without = http
        .get(format!("{base}/__bankkit/credentials"))
        .send()
        .await
        .unwrap();
    let wrong = http
        .get(format!("{base}/__bankkit/credentials"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    let right = http
        .get(format!("{base}/__bankkit/credentials"))
        .bearer_auth("s3cret-control")
        .send()
        .await
        .unwrap();
    let named = raw_control(
        &base,
        "GET",
        "/__bankkit/clock",
        &[
            ("host", "sandbox.test:8080"),
            ("authorization", "Bearer s3cret-control"),
        ],
    )
    .await;

    assert_eq!(without.status(), 401);
    let refusal = wrong.text().await.unwrap();
    assert!(!refusal.contains("s3cret"), "{refusal}");
    assert_eq!(right.status(), 200);
    assert_eq!(named, 200, "a host added with control_host is accepted");
    assert!(!format!("{sandbox:?}").contains("s3cret"));
}

#[tokio::test]
async fn the_journal_lists_requests_without_query_values() {
    let mono = monobank().await;
    let secret_query = "/bank/currency?token=do-not-log-me";
    let answered = mono.get(secret_query).await;
    assert_eq!(answered.status(), 200);
    let missing = mono.get("/nowhere").await;
    assert_eq!(missing.status(), 404);

    let journal: Vec<Value> = mono
        .http
        .get(mono.url("/__bankkit/requests?provider=monobank"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let text = serde_json::to_string(&journal).unwrap();
    assert!(!text.contains("do-not-log-me"), "{text}");
    assert!(!text.contains(&mono.token), "{text}");
    let find = |path: &str| {
        journal
            .iter()
            .find(|entry| entry["path"] == path)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(find("/bank/currency")["status"], 200);
    assert_eq!(find("/bank/currency")["method"], "GET");
    assert_eq!(find("/bank/currency")["provider"], "monobank");
    assert!(find("/bank/currency")["at"].is_string());
    assert_eq!(find("/nowhere")["status"], 404);
    // The journal read itself is recorded once it is answered.
    assert_eq!(mono.sandbox.requests().len(), journal.len() + 1);
}

#[tokio::test]
async fn the_journal_is_a_bounded_ring() {
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .journal_capacity(5)
        .start()
        .await
        .unwrap();
    let base = sandbox.monobank().unwrap().base_url();
    let http = http_client();
    for i in 0..20 {
        http.get(format!("{base}/bank/currency/{i}"))
            .send()
            .await
            .unwrap();
    }

    let kept = sandbox.requests();

    assert_eq!(kept.len(), 5);
    assert_eq!(kept[4].path, "/bank/currency/19");
    assert_eq!(kept[4].seq, 20);
}

#[tokio::test]
async fn rate_windows_hold_by_default_and_lift_in_fast_mode() {
    async fn statuses(sandbox: &Sandbox) -> Vec<u16> {
        let handle = sandbox.monobank().unwrap();
        let token = handle.credentials()["token"].as_str().unwrap().to_owned();
        let http = http_client();
        let mut statuses = Vec::new();
        for _ in 0..3 {
            let response = http
                .get(format!("{}/personal/client-info", handle.base_url()))
                .header("X-Token", &token)
                .send()
                .await
                .unwrap();
            statuses.push(response.status().as_u16());
        }
        statuses
    }
    let faithful = Sandbox::builder()
        .providers(["monobank"])
        .start()
        .await
        .unwrap();
    let fast = Sandbox::builder()
        .providers(["monobank"])
        .rate_limits(false)
        .start()
        .await
        .unwrap();
    let fast_for_monobank = Sandbox::builder()
        .providers(["monobank", "momo"])
        .provider_rate_limits("monobank", false)
        .start()
        .await
        .unwrap();

    assert_eq!(statuses(&faithful).await, [200, 429, 429]);
    assert_eq!(statuses(&fast).await, [200, 200, 200]);
    assert_eq!(statuses(&fast_for_monobank).await, [200, 200, 200]);
    assert!(Sandbox::builder()
        .provider_rate_limits("nope", false)
        .start()
        .await
        .is_err());
}

#[tokio::test]
async fn another_address_can_be_chosen() {
    // The unspecified address listens everywhere; the URL handed out stays loopback.
    let sandbox = Sandbox::builder()
        .providers(["monobank"])
        .address(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        .start()
        .await
        .unwrap();
    let base = sandbox.monobank().unwrap().base_url();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let clock = http_client()
        .get(format!("{base}/__bankkit/clock"))
        .send()
        .await
        .unwrap();
    assert_eq!(clock.status(), 200);
}

#[tokio::test]
async fn the_state_endpoint_reports_what_each_provider_keeps() {
    let sandbox = Sandbox::builder()
        .providers(["momo", "monobank"])
        .start()
        .await
        .unwrap();
    let momo = sandbox.momo().unwrap();
    let http = http_client();

    let state: Value = http
        .get(format!("{}/__bankkit/state", momo.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(state["state"], momo.state_sizes());
    assert!(state["state"]["payments"].is_u64(), "{state}");
    assert_eq!(state["deliveries"], 0);
}

//! Limits on what clients control, rate limits, and the operational endpoints.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn rate_limited_callers_get_429_with_retry_after_while_others_are_served() {
    let app = spawn_app_with(roster_server::ServerConfig {
        rate_limit_per_minute: 5,
        ..test_config()
    })
    .await;
    let org = app.org("Acme").await;
    let greedy = app.person(&org, "Greedy", &[]).await;
    let polite = app.person(&org, "Polite", &[]).await;
    let (greedy, polite) = (app.token(&greedy).await, app.token(&polite).await);

    let mut statuses = Vec::new();
    for _ in 0..50 {
        let response = app.get_me(&greedy).await;
        let status = response.status().as_u16();
        if status == 429 {
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            let (message, _) = error_body(response, 429).await;
            assert!(message.contains("Too many requests"));
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 5);
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        app.get_me(&polite).await.status(),
        200,
        "another token has its own bucket"
    );
    // Unauthenticated callers are limited per address, operational endpoints not at all.
    for _ in 0..10 {
        app.request(Method::GET, "/v1/people/me", None)
            .send()
            .await
            .unwrap();
    }
    let response = app
        .request(Method::GET, "/v1/people/me", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let response = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn oversized_bodies_targets_and_headers_are_refused_with_the_webex_body() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_, admin) = app.admin(&org).await;

    let huge = json!({"emails": ["big@acme.test"], "displayName": "x".repeat(100 * 1024)});
    let response = app.post_json("/v1/people", &admin, &huge).await;
    error_body(response, 413).await;

    let long_query = format!("/v1/people?displayName={}", "a".repeat(10 * 1024));
    error_body(app.get(&long_query, &admin).await, 414).await;

    let response = app
        .request(Method::GET, "/v1/people/me", Some(&admin))
        .header("X-Padding", "p".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    error_body(response, 431).await;

    // Deeply nested JSON is a 400, not a stack overflow.
    let nested = format!(
        "{{\"emails\": {}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let response = app
        .request(Method::POST, "/v1/people", Some(&admin))
        .header("Content-Type", "application/json")
        .body(nested)
        .send()
        .await
        .unwrap();
    error_body(response, 400).await;
    // Invalid UTF-8 in a JSON string.
    let response = app
        .request(Method::POST, "/v1/people", Some(&admin))
        .header("Content-Type", "application/json")
        .body(b"{\"emails\": [\"a@b.test\"], \"displayName\": \"\xff\xfe\"}".to_vec())
        .send()
        .await
        .unwrap();
    error_body(response, 400).await;
}

#[tokio::test]
async fn health_readiness_and_metrics_are_served_outside_v1() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Metered", &[]).await;
    let token = app.token(&person).await;
    app.get_me(&token).await;
    app.get_me(&token).await;

    let response = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = app
        .request(Method::GET, "/readyz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = app
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for needle in [
        "roster_http_requests_total{route=\"/v1/people/me\",method=\"GET\",status=\"200\"}",
        "roster_http_request_duration_seconds_bucket",
        "roster_cache_lookups_total{cache=\"tokens\",result=\"hit\"}",
        "roster_db_pool_connections",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
    // The latency histogram is consistent: its +Inf bucket is its count, which covers at
    // least this test's two calls (other tests in this process add theirs).
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series))
            .unwrap_or_else(|| panic!("{series} missing from\n{text}"))
            .trim()
            .parse()
            .unwrap()
    };
    let count = value("roster_http_request_duration_seconds_count{route=\"/v1/people/me\"}");
    let infinite =
        value("roster_http_request_duration_seconds_bucket{route=\"/v1/people/me\",le=\"+Inf\"}");
    assert!(count >= 2.0, "{count}");
    assert_eq!(count, infinite);
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_gets_408_and_slow_headers_lose_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(roster_server::ServerConfig {
        request_timeout: std::time::Duration::from_millis(300),
        header_read_timeout: std::time::Duration::from_millis(500),
        ..test_config()
    })
    .await;
    let org = app.org("Acme").await;
    let (_, admin) = app.admin(&org).await;
    let address = app.address.trim_start_matches("http://").to_string();

    // A body announced but sent too slowly: the request times out with the Webex body.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /v1/people HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"emails\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "answered in time");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"trackingId\""), "{text}");

    // Headers that never finish: the server closes the connection.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /v1/people/me HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection was closed");
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));
}

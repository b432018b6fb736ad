//! The control API over HTTP, against a real server with a control listener: its token,
//! fault rules (statuses, counts, seeds, drops, stalls, enforced Retry-After), the request
//! journal, snapshots and reset, and the clock.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use helpers::{error_body, json_body, person_id, spawn_app_with, test_config, TestApp};
use reqwest::{Method, StatusCode};
use roster_server::control::ControlConfig;
use roster_store::roles;
use serde_json::{json, Value};
use std::time::Duration;

const CONTROL_TOKEN: &str = "control-token-for-tests";

async fn spawn_controlled() -> TestApp {
    spawn_app_with(roster_server::ServerConfig {
        control: Some(ControlConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            token: CONTROL_TOKEN.into(),
            journal_size: 1000,
        }),
        ..test_config()
    })
    .await
}

/// A control request with the control token.
async fn control(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let base = app
        .control_address
        .as_ref()
        .expect("the control listener is on");
    let mut request = app
        .client
        .request(method, format!("{base}{path}"))
        .bearer_auth(CONTROL_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("control request")
}

async fn add_fault(app: &TestApp, rule: Value) -> Value {
    json_body(control(app, Method::POST, "/faults", Some(rule)).await, 201).await
}

async fn journal(app: &TestApp, query: &str) -> Vec<Value> {
    let body = json_body(
        control(app, Method::GET, &format!("/requests{query}"), None).await,
        200,
    )
    .await;
    body["items"].as_array().unwrap().clone()
}

/// An organization with an admin; the admin's token.
async fn admin_token(app: &TestApp) -> String {
    let org = app.org("Acme").await;
    app.admin(&org).await.1
}

#[tokio::test]
async fn the_control_api_needs_its_own_token() {
    let app = spawn_controlled().await;
    let api_token = admin_token(&app).await;
    let base = app.control_address.clone().unwrap();
    for token in [
        None,
        Some(api_token.as_str()),
        Some("control-token-for-test"),
    ] {
        let mut request = app.client.get(format!("{base}/faults"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let (message, body) = error_body(request.send().await.unwrap(), 401).await;
        assert!(message.contains("control token"), "{message}");
        assert!(body["trackingId"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let document = json_body(control(&app, Method::GET, "/openapi.json", None).await, 200).await;
    for path in [
        "/faults",
        "/faults/{id}",
        "/requests",
        "/snapshots",
        "/reset",
        "/clock",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is documented");
    }
    // The control API is not on the API's port.
    let response = app.get("/faults", &api_token).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_control_listener_there_is_none() {
    let app = helpers::spawn_app().await;
    assert_eq!(app.control_address, None);
}

#[tokio::test]
async fn a_503_for_the_third_call_only() {
    let app = spawn_controlled().await;
    let token = admin_token(&app).await;
    let rule = add_fault(
        &app,
        json!({"method": "GET", "path": "/v1/people/*", "status": 503, "skip": 2, "times": 1}),
    )
    .await;
    let statuses: Vec<u16> = futures_in_order(&app, &token, 5).await;
    assert_eq!(statuses, [200, 200, 503, 200, 200]);
    let list = json_body(control(&app, Method::GET, "/faults", None).await, 200).await;
    assert_eq!(list["items"][0]["id"], rule["id"]);
    assert_eq!(list["items"][0]["fired"], 1);

    // The fault's answer is Webex's error body, with the tracking id of its header.
    assert_eq!(
        control(&app, Method::DELETE, "/faults", None)
            .await
            .status(),
        204
    );
    add_fault(
        &app,
        json!({"status": 503, "retryAfter": 7, "message": "Down for a test."}),
    )
    .await;
    let response = app.get_me(&token).await;
    assert_eq!(response.headers()["retry-after"], "7");
    let header = response.headers()["trackingid"]
        .to_str()
        .unwrap()
        .to_string();
    let (message, body) = error_body(response, 503).await;
    assert_eq!(message, "Down for a test.");
    assert_eq!(body["trackingId"], header);
}

async fn futures_in_order(app: &TestApp, token: &str, calls: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..calls {
        statuses.push(app.get_me(token).await.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn the_journal_shows_exactly_the_calls_made() {
    let app = spawn_controlled().await;
    let org = app.org("Acme").await;
    let (admin, token) = app.admin(&org).await;
    let ada = app.person(&org, "Ada", &[]).await;
    let ada_token = app.token(&ada).await;
    assert_eq!(
        control(&app, Method::DELETE, "/requests", None)
            .await
            .status(),
        204
    );
    assert_eq!(journal(&app, "").await, Vec::<Value>::new());

    let me = app.get_me(&token).await;
    let me_tracking = me.headers()["trackingid"].to_str().unwrap().to_string();
    assert_eq!(me.status(), 200);
    let listed = app.get("/v1/people?displayName=Ada&max=5", &token).await;
    assert_eq!(listed.status(), 200);
    assert_eq!(app.get("/v1/people/nobody", &ada_token).await.status(), 400);

    let entries = journal(&app, "").await;
    let summary: Vec<(String, String, Option<String>, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
                e["query"].as_str().map(str::to_string),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("GET".into(), "/v1/people/me".into(), None, 200),
            (
                "GET".into(),
                "/v1/people".into(),
                Some("displayName=Ada&max=5".into()),
                200
            ),
            ("GET".into(), "/v1/people/nobody".into(), None, 400),
        ]
    );
    assert_eq!(entries[0]["personId"], person_id(&admin));
    assert_eq!(entries[0]["trackingId"], me_tracking);
    assert_eq!(entries[2]["personId"], person_id(&ada));
    let tokens = app.store.list_tokens(Some(ada.id)).await.unwrap();
    assert_eq!(entries[2]["tokenId"], tokens[0].id.to_string());
    assert!(entries.iter().all(|e| e["faultId"].is_null()));
    assert!(entries.iter().all(|e| e["durationMs"].as_f64().is_some()));
    let text = serde_json::to_string(&entries).unwrap();
    assert!(
        !text.contains(&token) && !text.contains(&ada_token),
        "never a token"
    );

    // Filters.
    let ada_email = &ada.emails[0];
    assert_eq!(
        journal(&app, &format!("?person={ada_email}")).await.len(),
        1
    );
    assert_eq!(
        journal(&app, &format!("?person={}", person_id(&admin)))
            .await
            .len(),
        2
    );
    assert_eq!(journal(&app, "?status=400").await.len(), 1);
    assert_eq!(journal(&app, "?path=/v1/people/me").await.len(), 1);
    assert_eq!(journal(&app, "?method=post").await.len(), 0);
    let since = entries[1]["time"].as_str().unwrap();
    assert!(journal(&app, &format!("?since={since}")).await.len() >= 2);
    for bad in [
        "?status=abc",
        "?since=yesterday",
        "?colour=red",
        "?person=nobody",
    ] {
        let response = control(&app, Method::GET, &format!("/requests{bad}"), None).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn a_restore_undoes_deletes_and_creates_and_a_reset_goes_back_to_the_start() {
    let app = spawn_controlled().await;
    let org = app.org("Acme").await;
    let (_, token) = app.admin(&org).await;
    let ada = app.person(&org, "Ada", &[]).await;
    let saved = json_body(
        control(
            &app,
            Method::POST,
            "/snapshots",
            Some(json!({"name": "base"})),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(saved["name"], "base");

    // A delete and a create through the API, with a token for the new person.
    let response = app
        .delete(&format!("/v1/people/{}", person_id(&ada)), &token)
        .await;
    assert_eq!(response.status(), 204);
    let created = json_body(
        app.post_json(
            "/v1/people",
            &token,
            &json!({"emails": ["bob@acme.test"], "displayName": "Bob"}),
        )
        .await,
        200,
    )
    .await;
    let bob = app
        .store
        .find_person_by_email("bob@acme.test")
        .await
        .unwrap()
        .unwrap();
    let bob_token = app.token(&bob).await;
    assert_eq!(app.get_me(&bob_token).await.status(), 200);

    let response = control(&app, Method::POST, "/snapshots/base/restore", None).await;
    assert_eq!(response.status(), 204);
    let ada_path = format!("/v1/people/{}", person_id(&ada));
    assert_eq!(app.get(&ada_path, &token).await.status(), 200);
    let bob_path = format!("/v1/people/{}", created["id"].as_str().unwrap());
    assert_eq!(app.get(&bob_path, &token).await.status(), 404);
    // The cached token of a person the restore removed is refused at once.
    assert_eq!(app.get_me(&bob_token).await.status(), 401);

    let list = json_body(control(&app, Method::GET, "/snapshots", None).await, 200).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["roster:start", "base"]);

    // Reset: the directory the server started with, which had no organization at all.
    assert_eq!(
        control(&app, Method::POST, "/reset", None).await.status(),
        204
    );
    assert_eq!(app.get_me(&token).await.status(), 401);
    assert_eq!(app.store.list_orgs().await.unwrap(), vec![]);

    let response = control(&app, Method::POST, "/snapshots/nothing/restore", None).await;
    error_body(response, 404).await;
    assert_eq!(
        control(&app, Method::DELETE, "/snapshots/base", None)
            .await
            .status(),
        204
    );
    error_body(
        control(&app, Method::DELETE, "/snapshots/base", None).await,
        404,
    )
    .await;
    let response = control(&app, Method::POST, "/snapshots", Some(json!({"name": ""}))).await;
    error_body(response, 400).await;
}

#[tokio::test]
async fn the_clock_moves_expiry_presence_and_timestamps() {
    let app = spawn_controlled().await;
    let org = app.org("Acme").await;
    let (_, token) = app.admin(&org).await;
    let ada = app.person(&org, "Ada", &[roles::FULL_ADMIN]).await;
    let secret = roster_store::token::generate(org.id);
    let hour_later = app.store.clock().now_millis() + 3_600_000;
    app.store
        .create_token(
            ada.id,
            &roster_store::token::hash(&secret),
            None,
            Some(hour_later),
        )
        .await
        .unwrap();
    let me = json_body(app.get_me(&secret).await, 200).await;
    assert_eq!(me["status"], "active");

    let moved = json_body(
        control(
            &app,
            Method::POST,
            "/clock",
            Some(json!({"advance": "15m"})),
        )
        .await,
        200,
    )
    .await;
    let now = roster_types::time::parse_millis(moved["now"].as_str().unwrap()).unwrap();
    assert!(
        (now - helpers::now_millis() - 900_000).abs() < 5_000,
        "{moved}"
    );
    let ada_path = format!("/v1/people/{}", person_id(&ada));
    let seen = json_body(app.get(&ada_path, &token).await, 200).await;
    assert_eq!(seen["status"], "inactive", "no activity for 15 minutes");

    control(&app, Method::POST, "/clock", Some(json!({"advance": "2h"}))).await;
    let (message, body) = error_body(app.get_me(&secret).await, 401).await;
    assert_eq!(message, roster_server::error::INVALID_TOKEN_MESSAGE);
    assert_eq!(
        body["errors"][0]["description"],
        "The access token has expired."
    );
    assert_eq!(
        app.get_me(&token).await.status(),
        200,
        "tokens without expiry stay"
    );

    control(
        &app,
        Method::POST,
        "/clock",
        Some(json!({"now": "2031-02-03T04:05:06Z"})),
    )
    .await;
    let created = json_body(
        app.post_json(
            "/v1/people",
            &token,
            &json!({"emails": ["carol@acme.test"], "displayName": "Carol"}),
        )
        .await,
        200,
    )
    .await;
    assert!(created["created"]
        .as_str()
        .unwrap()
        .starts_with("2031-02-03T04:05"));

    assert_eq!(
        control(&app, Method::DELETE, "/clock", None).await.status(),
        204
    );
    let clock = json_body(control(&app, Method::GET, "/clock", None).await, 200).await;
    assert_eq!(clock["offsetMs"], 0);
    assert_eq!(app.get_me(&secret).await.status(), 200, "real time again");
    for bad in [
        json!({}),
        json!({"advance": "soon"}),
        json!({"now": "today"}),
        json!({"advance": "1m", "now": "2031-01-01T00:00:00Z"}),
    ] {
        let response = control(&app, Method::POST, "/clock", Some(bad.clone())).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn a_probability_rule_repeats_with_its_seed() {
    let app = spawn_controlled().await;
    let token = admin_token(&app).await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let rule = add_fault(&app, json!({"status": 500, "probability": 0.5, "seed": 42})).await;
        assert_eq!(rule["seed"], 42);
        runs.push(futures_in_order(&app, &token, 40).await);
        let path = format!("/faults/{}", rule["id"].as_str().unwrap());
        assert_eq!(
            control(&app, Method::DELETE, &path, None).await.status(),
            204
        );
    }
    assert_eq!(runs[0], runs[1]);
    let failed = runs[0].iter().filter(|s| **s == 500).count();
    assert!(
        (8..=32).contains(&failed),
        "{failed} of 40 failed: {:?}",
        runs[0]
    );
}

#[tokio::test]
async fn rules_match_the_caller() {
    let app = spawn_controlled().await;
    let org = app.org("Acme").await;
    let (_, admin_token) = app.admin(&org).await;
    let ada = app.person(&org, "Ada", &[]).await;
    let ada_token = app.token(&ada).await;
    add_fault(&app, json!({"person": ada.emails[0], "status": 403})).await;
    assert_eq!(app.get_me(&ada_token).await.status(), 403);
    assert_eq!(app.get_me(&admin_token).await.status(), 200);
    control(&app, Method::DELETE, "/faults", None).await;
    let token_id = app.store.list_tokens(Some(ada.id)).await.unwrap()[0].id;
    add_fault(
        &app,
        json!({"tokenId": token_id.to_string(), "status": 401}),
    )
    .await;
    assert_eq!(app.get_me(&ada_token).await.status(), 401);
    assert_eq!(app.get_me(&admin_token).await.status(), 200);
}

#[tokio::test]
async fn dropped_and_stalled_requests_get_no_answer() {
    let app = spawn_controlled().await;
    let token = admin_token(&app).await;
    let rule = add_fault(&app, json!({"action": "drop", "times": 1})).await;
    let error = app
        .request(Method::GET, "/v1/people/me", Some(&token))
        .send()
        .await
        .expect_err("no response");
    assert!(!error.is_timeout(), "{error:?}");
    assert_eq!(app.get_me(&token).await.status(), 200);

    let stall = add_fault(&app, json!({"action": "stall", "times": 1})).await;
    let error = app
        .request(Method::GET, "/v1/people/me", Some(&token))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("no response");
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(app.get_me(&token).await.status(), 200);

    let entries = journal(&app, "").await;
    assert_eq!(entries[0]["faultId"], rule["id"]);
    assert!(entries[0]["status"].is_null());
    // The stalled request is journaled once its client has given up.
    let started = std::time::Instant::now();
    loop {
        let entries = journal(&app, "").await;
        if let Some(stalled) = entries.iter().find(|e| e["faultId"] == stall["id"]) {
            assert!(stalled["status"].is_null());
            assert!(stalled["durationMs"].as_f64().unwrap() >= 300.0);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{entries:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_enforced_retry_after_refuses_early_retries() {
    let app = spawn_controlled().await;
    let token = admin_token(&app).await;
    add_fault(
        &app,
        json!({"status": 429, "retryAfter": 1, "times": 1, "enforceRetryAfter": true}),
    )
    .await;
    let first = app.get_me(&token).await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "1");
    assert_eq!(app.get_me(&token).await.status(), 429, "too early");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.get_me(&token).await.status(), 200);
}

#[tokio::test]
async fn bad_rules_are_refused_and_nothing_is_added() {
    let app = spawn_controlled().await;
    for (rule, says) in [
        (json!({"status": 302}), "status"),
        (json!({"status": 600}), "status"),
        (json!({"status": 503, "times": -1}), "times"),
        (json!({"status": 503, "skip": -2}), "skip"),
        (json!({"status": 503, "times": 0}), "times"),
        (json!({"status": 503, "path": "v1/people"}), "path"),
        (json!({"status": 503, "path": "/v1/people?x=1"}), "path"),
        (json!({"status": 503, "method": "FETCH"}), "method"),
        (json!({"status": 500, "retryAfter": 5}), "retryAfter"),
        (
            json!({"status": 429, "enforceRetryAfter": true}),
            "enforceRetryAfter",
        ),
        (json!({"status": 503, "probability": 0}), "probability"),
        (json!({"status": 503, "probability": 1.5}), "probability"),
        (json!({"action": "explode"}), "action"),
        (json!({"action": "drop", "status": 503}), "status"),
        (json!({"method": "GET"}), "status"),
        (
            json!({"status": 503, "person": "nobody@acme.test"}),
            "nobody@acme.test",
        ),
        (json!({"status": 503, "tokenId": "abc"}), "tokenId"),
        (json!({"status": 503, "colour": "red"}), "colour"),
        (json!({"status": "soon"}), "status"),
    ] {
        let response = control(&app, Method::POST, "/faults", Some(rule.clone())).await;
        let (message, _) = error_body(response, 400).await;
        assert!(message.contains(says), "{rule}: {message}");
    }
    let list = json_body(control(&app, Method::GET, "/faults", None).await, 200).await;
    assert_eq!(list["items"], json!([]));
    error_body(
        control(&app, Method::DELETE, "/faults/nope", None).await,
        404,
    )
    .await;
}

/// `POST /sign-ins` approves the next authorization of one integration as a person: it
/// redirects at once with a code, is used once, and `GET /sign-ins` shows it until then.
#[tokio::test]
async fn an_approved_sign_in_redirects_the_next_authorization_once() {
    let app = spawn_controlled().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada", &[]).await;
    let redirect = "http://127.0.0.1:9/callback";
    let client_id = format!("C{}", "ab".repeat(32));
    app.store
        .create_integration(roster_store::oauth::IntegrationDraft {
            org_id: org.id,
            name: "Planner".into(),
            client_id: client_id.clone(),
            secret_hash: roster_store::token::hash("not used here"),
            redirect_uris: vec![redirect.into()],
            scopes: vec!["spark:people_read".into()],
        })
        .await
        .unwrap();

    // Unknown people and integrations are refused; nothing is approved.
    let body = json!({"person": "nobody@acme.example", "clientId": client_id});
    error_body(
        control(&app, Method::POST, "/sign-ins", Some(body)).await,
        400,
    )
    .await;
    let body = json!({"person": ada.emails[0], "clientId": "Cunknown"});
    error_body(
        control(&app, Method::POST, "/sign-ins", Some(body)).await,
        400,
    )
    .await;
    let listed = json_body(control(&app, Method::GET, "/sign-ins", None).await, 200).await;
    assert_eq!(listed["items"], json!([]));

    let body = json!({"person": ada.emails[0], "clientId": client_id});
    let approved = json_body(
        control(&app, Method::POST, "/sign-ins", Some(body)).await,
        201,
    )
    .await;
    assert_eq!(approved["personId"], person_id(&ada));
    let listed = json_body(control(&app, Method::GET, "/sign-ins", None).await, 200).await;
    assert_eq!(listed["items"][0]["id"], approved["id"]);

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = reqwest::Url::parse(&app.url("/v1/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "spark:people_read")
        .append_pair("state", "s1");
    let first = no_redirects.get(url.clone()).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::FOUND);
    let location = first.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(redirect)
            && location.contains("code=")
            && location.contains("state=s1"),
        "{location}"
    );
    let listed = json_body(control(&app, Method::GET, "/sign-ins", None).await, 200).await;
    assert_eq!(listed["items"], json!([]), "used once");
    // The next authorization shows the sign-in page again.
    let second = no_redirects.get(url).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
}

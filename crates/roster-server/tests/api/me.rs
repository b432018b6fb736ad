//! `GET /v1/people/me`: the reference example, visibility, authentication, tracking ids.

use crate::helpers::*;
use reqwest::Method;
use roster_store::{roles, seed, PersonDraft, PresenceSetting};
use roster_types::PresenceStatus;
use serde_json::Value;

const REFERENCE_EXAMPLE: &str = include_str!("../fixtures/reference-me-example.json");

async fn demo_app() -> (TestApp, seed::Issued) {
    let app = spawn_app().await;
    let (org, _admin) = seed::initialize(
        app.store.as_ref(),
        Some(seed::EXAMPLE_ORG_ID),
        "Example Org",
        "admin@example.com",
        "Roster Admin",
    )
    .await
    .unwrap();
    let example = seed::add_demo_people(app.store.as_ref(), &org)
        .await
        .unwrap();
    (app, example)
}

#[tokio::test]
async fn me_of_the_demo_example_person_matches_the_reference_example_field_for_field() {
    let (app, example) = demo_app().await;
    let response = app
        .get("/v1/people/me?callingData=true", &example.token)
        .await;
    let body = json_body(response, 200).await;
    let reference: Value = serde_json::from_str(REFERENCE_EXAMPLE).unwrap();

    let ours: Vec<&String> = body.as_object().unwrap().keys().collect();
    let theirs: Vec<&String> = reference.as_object().unwrap().keys().collect();
    assert_eq!(ours, theirs, "same fields in the same order");

    // Generated ids (roles, licenses) and live values (lastActivity, status) differ by
    // nature; the example's booleans are strings, a known spec defect (the live API and
    // the SDKs use JSON booleans).
    let differ = [
        "roles",
        "licenses",
        "lastActivity",
        "status",
        "invitePending",
        "loginEnabled",
    ];
    for (key, value) in reference.as_object().unwrap() {
        if differ.contains(&key.as_str()) {
            continue;
        }
        assert_eq!(&body[key], value, "field {key}");
    }
    assert_eq!(body["roles"].as_array().unwrap().len(), 2);
    assert_eq!(body["licenses"].as_array().unwrap().len(), 2);
    assert_eq!(body["invitePending"], false);
    assert_eq!(body["loginEnabled"], true);
    assert_eq!(body["status"], "active", "the caller just made a request");
    let last_activity = body["lastActivity"].as_str().unwrap();
    assert!(
        last_activity.ends_with('Z') && last_activity.len() == 24,
        "{last_activity}"
    );
}

#[tokio::test]
async fn calling_data_is_only_for_admins_who_ask_for_it() {
    let (app, example) = demo_app().await;
    // Admin without callingData: no calling details, and no work_extension numbers.
    let plain = json_body(app.get_me(&example.token).await, 200).await;
    assert!(plain.get("extension").is_none());
    assert!(plain.get("locationId").is_none());
    let with = json_body(
        app.get("/v1/people/me?callingData=true", &example.token)
            .await,
        200,
    )
    .await;
    assert_eq!(with["extension"], "133");

    // The same details on a non-admin are not shown even when asked for.
    let org = app
        .store
        .get_org(seed::EXAMPLE_ORG_ID)
        .await
        .unwrap()
        .unwrap();
    let location = app
        .store
        .create_location(org.id, None, "Oslo")
        .await
        .unwrap();
    let user = app
        .person_with(PersonDraft {
            org_id: org.id,
            display_name: "Calling User".into(),
            extension: Some("4711".into()),
            location_id: Some(location.id),
            phone_numbers: vec![roster_types::PhoneNumber {
                number_type: roster_types::PhoneNumberType::WorkExtension,
                value: "84711".into(),
                primary: None,
            }],
            ..PersonDraft::default()
        })
        .await;
    let token = app.token(&user).await;
    let body = json_body(app.get("/v1/people/me?callingData=true", &token).await, 200).await;
    assert!(body.get("extension").is_none());
    assert!(body.get("locationId").is_none());
    assert_eq!(body["phoneNumbers"], serde_json::json!([]));
}

#[tokio::test]
async fn invite_and_login_flags_are_shown_to_admins_only() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_admin, admin_token) = app.admin(&org).await;
    let user = app.person(&org, "Plain User", &[]).await;
    let user_token = app.token(&user).await;

    let admin_view = json_body(app.get_me(&admin_token).await, 200).await;
    assert_eq!(admin_view["invitePending"], false);
    assert_eq!(admin_view["loginEnabled"], true);

    let user_view = json_body(app.get_me(&user_token).await, 200).await;
    assert!(user_view.get("invitePending").is_none());
    assert!(user_view.get("loginEnabled").is_none());
    // Roles and licenses are one's own business on /me, admin or not.
    assert_eq!(user_view["roles"], serde_json::json!([]));
    assert_eq!(user_view["licenses"], serde_json::json!([]));
}

#[tokio::test]
async fn status_and_last_activity_are_hidden_when_status_sharing_is_off() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let sharing = app.person(&org, "Open Book", &[]).await;
    let private = app.person(&org, "Private Person", &[]).await;
    app.store
        .set_status_sharing(private.id, false)
        .await
        .unwrap();
    let (sharing_token, private_token) = (app.token(&sharing).await, app.token(&private).await);

    let open = json_body(app.get_me(&sharing_token).await, 200).await;
    assert_eq!(open["status"], "active");
    assert!(open["lastActivity"].is_string());

    let closed = json_body(app.get_me(&private_token).await, 200).await;
    assert!(closed.get("status").is_none());
    assert!(closed.get("lastActivity").is_none());
}

#[tokio::test]
async fn an_explicit_presence_state_wins_while_it_lasts() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Busy Bee", &[]).await;
    let token = app.token(&person).await;
    let set = |state, until| PresenceSetting {
        state: Some(state),
        until,
    };
    app.store
        .set_presence(
            person.id,
            set(PresenceStatus::DoNotDisturb, Some(now_millis() + 60_000)),
        )
        .await
        .unwrap();
    // The server learns about the change through the change feed, like any other process.
    let (server, caller) = (&app, &token);
    let status =
        || async move { json_body(server.get_me(caller).await, 200).await["status"].clone() };
    until_the_feed_delivers("do not disturb", || async move {
        status().await == "DoNotDisturb"
    })
    .await;

    app.store
        .set_presence(
            person.id,
            set(PresenceStatus::Meeting, Some(now_millis() - 1)),
        )
        .await
        .unwrap();
    // An expired state falls back to activity.
    until_the_feed_delivers(
        "expired meeting",
        || async move { status().await == "active" },
    )
    .await;
}

#[tokio::test]
async fn unset_optional_fields_are_absent_not_null() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Minimal", &[]).await;
    let token = app.token(&person).await;
    let response = app.get_me(&token).await;
    let text = response.text().await.unwrap();
    assert!(!text.contains("null"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    for absent in [
        "nickName",
        "timezone",
        "avatar",
        "extension",
        "locationId",
        "title",
    ] {
        assert!(body.get(absent).is_none(), "{absent}");
    }
    assert!(body["emails"].is_array());
    assert_eq!(body["phoneNumbers"], serde_json::json!([]));
    assert_eq!(body["type"], "person");
    assert_eq!(body["id"], person_id(&person));
}

#[tokio::test]
async fn every_kind_of_bad_token_is_a_401_with_the_webex_body() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Token Holder", &[]).await;
    let expired = seed::issue_token(app.store.as_ref(), &person, None, Some(now_millis() - 1000))
        .await
        .unwrap();
    let revoked = app.token(&person).await;
    let tokens = app.store.list_tokens(Some(person.id)).await.unwrap();
    let revoked_id = tokens
        .iter()
        .find(|t| t.expires_at.is_none())
        .map(|t| t.id)
        .unwrap();
    app.store.revoke_token(revoked_id).await.unwrap();

    let url = app.url("/v1/people/me");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("basic scheme", Some("Basic dXNlcjpwYXNz".into())),
        ("bearer without token", Some("Bearer ".into())),
        ("bearer with spaces", Some("Bearer a b".into())),
        ("unknown token", Some("Bearer not-a-real-token".into())),
        ("expired", Some(format!("Bearer {expired}"))),
        ("revoked", Some(format!("Bearer {revoked}"))),
    ];
    for (case, header) in cases {
        let mut request = app.client.get(&url);
        if let Some(header) = header {
            request = request.header("Authorization", header);
        }
        let response = request.send().await.unwrap();
        let (message, body) = error_body(response, 401).await;
        assert_eq!(
            message,
            "The request requires a valid access token set in the Authorization request header.",
            "{case}"
        );
        let description = body["errors"][0]["description"].as_str().unwrap();
        assert!(
            !description.contains("not-a-real-token"),
            "{case}: token echoed"
        );
    }
    // A non-ASCII header value.
    let response = app
        .client
        .get(&url)
        .header(
            "Authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .send()
        .await
        .unwrap();
    error_body(response, 401).await;
}

/// One keep-alive connection carrying several callers' tokens in turn, as a proxy that pools
/// connections would: each request is answered for its own token (the edge remembers the
/// last token of a connection to skip hashing it again).
#[tokio::test]
async fn each_request_on_a_shared_connection_is_its_own_tokens() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada Lovelace", &[]).await;
    let bob = app.person(&org, "Bob Babbage", &[]).await;
    let (ada_token, bob_token) = (app.token(&ada).await, app.token(&bob).await);
    // Same length and prefix as Ada's, differing only in the last character.
    let mut forged = ada_token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'a' { 'b' } else { 'a' });

    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let mut pending = Vec::new();
    let steps = [
        (&ada_token, 200, Some("Ada Lovelace")),
        (&ada_token, 200, Some("Ada Lovelace")),
        (&bob_token, 200, Some("Bob Babbage")),
        (&forged, 401, None),
        (&ada_token, 200, Some("Ada Lovelace")),
        (&forged, 401, None),
    ];
    for (token, status, name) in steps {
        let request = format!(
            "GET /v1/people/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        // Read exactly one response: the head, then Content-Length bytes of body.
        let (head, body) = loop {
            if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&pending[..end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap();
                if pending.len() >= end + 4 + length {
                    let body = pending[end + 4..end + 4 + length].to_vec();
                    pending.drain(..end + 4 + length);
                    break (head, body);
                }
            }
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed early");
            pending.extend_from_slice(&buf[..n]);
        };
        assert!(head.starts_with(&format!("HTTP/1.1 {status}")), "{head}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        if let Some(name) = name {
            assert_eq!(body["displayName"], name);
        }
    }
}

#[tokio::test]
async fn a_deleted_persons_token_stops_working_at_once() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Leaving Soon", &[]).await;
    let token = app.token(&person).await;
    assert_eq!(app.get_me(&token).await.status(), 200);
    app.store.delete_person(person.id).await.unwrap();
    let (server, caller) = (&app, &token);
    until_the_feed_delivers("the deletion", || async move {
        server.get_me(caller).await.status() == 401
    })
    .await;
    error_body(app.get_me(&token).await, 401).await;
}

#[tokio::test]
async fn a_token_revoked_by_another_process_is_rejected_once_the_feed_delivers() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Revokee", &[]).await;
    let token = app.token(&person).await;
    assert_eq!(app.get_me(&token).await.status(), 200, "token cached now");
    let id = app.store.list_tokens(Some(person.id)).await.unwrap()[0].id;
    app.store.revoke_token(id).await.unwrap();
    let (server, caller) = (&app, &token);
    until_the_feed_delivers("the revocation", || async move {
        server.get_me(caller).await.status() == 401
    })
    .await;
    let (_, body) = error_body(app.get_me(&token).await, 401).await;
    assert_eq!(
        body["errors"][0]["description"],
        "The access token has been revoked."
    );
}

#[tokio::test]
async fn a_client_tracking_id_is_echoed_and_otherwise_one_is_generated() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Tracker", &[]).await;
    let token = app.token(&person).await;

    let response = app
        .request(Method::GET, "/v1/people/me", Some(&token))
        .header("TrackingID", "SIMPLE_b0cd85d0-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["trackingid"], "SIMPLE_b0cd85d0-1234");

    let response = app.get_me(&token).await;
    let generated = response.headers()["trackingid"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(generated.starts_with("ROSTER_"), "{generated}");

    // On errors the body carries the same id.
    let response = app
        .request(Method::GET, "/v1/people/me", None)
        .header("TrackingID", "NA_client-42")
        .send()
        .await
        .unwrap();
    let (_, body) = error_body(response, 401).await;
    assert_eq!(body["trackingId"], "NA_client-42");

    // A tracking id that could inject anything is replaced, not echoed.
    let response = app
        .request(Method::GET, "/v1/people/me", Some(&token))
        .header("TrackingID", "bad value<script>")
        .send()
        .await
        .unwrap();
    assert!(response.headers()["trackingid"]
        .to_str()
        .unwrap()
        .starts_with("ROSTER_"));
}

/// `GET /v1/people/me` skips the router (see `edge.rs`); HEAD goes through it. Both, cold
/// and warm, must answer exactly as the one handler does.
#[tokio::test]
async fn me_answers_the_same_cold_warm_and_through_head() {
    let (app, example) = demo_app().await;
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let response = app.get("/v1/people/me", &example.token).await;
        assert_eq!(
            response.headers()["content-type"],
            "application/json;charset=UTF-8"
        );
        assert!(response.headers()["trackingid"]
            .to_str()
            .unwrap()
            .starts_with("ROSTER_"));
        let mut body = json_body(response, 200).await;
        body["lastActivity"] = Value::Null;
        bodies.push(body);
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);

    let head = app
        .request(Method::HEAD, "/v1/people/me", Some(&example.token))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.headers().contains_key("trackingid"));
    assert!(head.bytes().await.unwrap().is_empty());

    // Errors on the direct path get the Webex body and the caller's tracking id too.
    let response = app
        .request(
            Method::GET,
            "/v1/people/me?callingData=maybe",
            Some(&example.token),
        )
        .header("TrackingID", "client-id-1")
        .send()
        .await
        .unwrap();
    let (_message, body) = error_body(response, 400).await;
    assert_eq!(
        body["trackingId"], "client-id-1",
        "the header equals it too"
    );
}

#[tokio::test]
async fn other_methods_get_405_with_allow_and_unknown_paths_404() {
    let app = spawn_app().await;
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let response = app
            .request(method.clone(), "/v1/people/me", None)
            .send()
            .await
            .unwrap();
        let allow = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string());
        error_body(response, 405).await;
        assert!(allow.unwrap().contains("GET"), "{method}");
    }
    for path in [
        "/",
        "/v1",
        "/v1/nothing",
        "/v2/people/me",
        "/v1/people/me/extra",
    ] {
        let response = app.request(Method::GET, path, None).send().await.unwrap();
        error_body(response, 404).await;
    }
}

#[tokio::test]
async fn activity_is_kept_in_memory_and_written_in_a_batch_that_clears_the_invite() {
    let mut app = spawn_app().await;
    let org = app.org("Acme").await;
    let invited = app
        .person_with(PersonDraft {
            org_id: org.id,
            display_name: "New Joiner".into(),
            invite_pending: true,
            roles: vec![roles::READONLY_ADMIN.into()],
            ..PersonDraft::default()
        })
        .await;
    let token = app.token(&invited).await;
    let body = json_body(app.get_me(&token).await, 200).await;
    assert_eq!(
        body["invitePending"], false,
        "the first request accepts the invite"
    );
    assert!(body["lastActivity"].is_string());

    let stored = app.store.get_person(invited.id).await.unwrap().unwrap();
    assert!(stored.invite_pending, "no write on the read path");
    assert_eq!(stored.last_activity, None, "no write on the read path");

    app.stop().await;
    let stored = app.store.get_person(invited.id).await.unwrap().unwrap();
    assert!(!stored.invite_pending, "written at shutdown");
    let written = stored.last_activity.expect("activity written at shutdown");
    assert_eq!(
        roster_types::time::format_millis(written),
        body["lastActivity"]
    );
}

#[tokio::test]
async fn unknown_query_parameters_are_ignored_and_bad_booleans_rejected() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Tolerant", &[]).await;
    let token = app.token(&person).await;
    let response = app
        .get("/v1/people/me?unknownParam=1&showAllTypes=true", &token)
        .await;
    assert_eq!(response.status(), 200);
    let response = app.get("/v1/people/me?callingData=maybe", &token).await;
    let (message, _) = error_body(response, 400).await;
    assert!(message.contains("callingData"), "{message}");
}

#[tokio::test]
async fn a_token_expires_when_the_servers_clock_passes_its_expiry() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Clock Watcher", &[]).await;
    let token = seed::issue_token(
        app.store.as_ref(),
        &person,
        None,
        Some(now_millis() + 10 * 60_000),
    )
    .await
    .unwrap();
    let body = json_body(app.get_me(&token).await, 200).await;
    assert_eq!(body["status"], "active");

    // The server and its store share one clock; moving it moves expiry and presence alike.
    app.store.clock().advance(9 * 60_000);
    json_body(app.get_me(&token).await, 200).await;
    app.store.clock().advance(2 * 60_000);
    let (_, body) = error_body(app.get_me(&token).await, 401).await;
    assert_eq!(
        body["errors"][0]["description"],
        "The access token has expired."
    );
}

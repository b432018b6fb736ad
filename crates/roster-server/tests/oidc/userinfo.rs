//! `GET /v1/userinfo`: the caller's claims, and RFC 6750 challenges for bad tokens.

use crate::helpers::{error_body, json_body, spawn_app, TestApp};
use reqwest::Response;
use roster_store::{seed, PersonDraft};
use serde_json::json;

async fn userinfo(app: &TestApp, authorization: Option<&str>) -> Response {
    let mut request = app.client.get(app.url("/v1/userinfo"));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.unwrap()
}

fn challenge(response: &Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .expect("a WWW-Authenticate challenge")
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_token_of_roster_token_create_reads_every_claim_of_its_own_person() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let grace = app
        .person_with(PersonDraft {
            org_id: org.id,
            display_name: "Grace Hopper".into(),
            first_name: Some("Grace".into()),
            last_name: Some("Hopper".into()),
            ..PersonDraft::default()
        })
        .await;
    let other = app.person(&org, "Someone Else", &[]).await;
    let token = app.token(&grace).await;

    let response = userinfo(&app, Some(&format!("Bearer {token}"))).await;
    let body = json_body(response, 200).await;
    assert_eq!(
        body,
        json!({
            "sub": grace.id.hyphenated().to_string(),
            "email": grace.emails[0],
            "email_verified": "true",
            "name": "Grace Hopper",
            "given_name": "Grace",
            "family_name": "Hopper",
        }),
        "email_verified is a string, as Webex sends it; no phone or address to give"
    );

    // Each token answers for its own person only.
    let other_token = app.token(&other).await;
    let body = json_body(
        userinfo(&app, Some(&format!("Bearer {other_token}"))).await,
        200,
    )
    .await;
    assert_eq!(body["sub"], other.id.hyphenated().to_string());
    assert_eq!(body["email"], other.emails[0].as_str());
}

#[tokio::test]
async fn a_pending_invitation_is_an_unverified_email() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let invited = app
        .store
        .create_person(PersonDraft {
            org_id: org.id,
            emails: vec![format!("new.{}@example.com", uuid::Uuid::new_v4().simple())],
            display_name: "New Hire".into(),
            invite_pending: true,
            login_enabled: true,
            ..PersonDraft::default()
        })
        .await
        .unwrap();
    let token = app.token(&invited).await;
    let body = json_body(userinfo(&app, Some(&format!("Bearer {token}"))).await, 200).await;
    assert_eq!(body["email_verified"], "false");
}

#[tokio::test]
async fn no_token_is_a_bare_bearer_challenge_with_webex_s_error_body() {
    let app = spawn_app().await;
    let response = userinfo(&app, None).await;
    assert_eq!(challenge(&response), "Bearer");
    let (message, body) = error_body(response, 401).await;
    assert_eq!(
        message,
        "The request requires a valid access token set in the Authorization request header."
    );
    assert_eq!(
        body["errors"][0]["description"],
        "The Authorization header is missing."
    );
}

#[tokio::test]
async fn a_bad_token_is_an_invalid_token_challenge_naming_the_reason() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada", &[]).await;

    let unknown = format!("Bearer {}", roster_store::token::generate(org.id));
    let revoked = app.token(&ada).await;
    let revoked_id = app.store.list_tokens(Some(ada.id)).await.unwrap()[0].id;
    app.store.revoke_token(revoked_id).await.unwrap();
    let expired = seed::issue_token(
        app.store.as_ref(),
        &ada,
        None,
        Some(app.store.clock().now_millis() + 1_000),
    )
    .await
    .unwrap();
    app.store.clock().advance(2_000);

    for (authorization, reason) in [
        (unknown.as_str(), "The access token is not valid."),
        (
            &format!("Bearer {revoked}"),
            "The access token has been revoked.",
        ),
        (
            &format!("Bearer {expired}"),
            "The access token has expired.",
        ),
        (
            "Basic YWRhOnNlY3JldA==",
            "The Authorization header must be 'Bearer <access token>'.",
        ),
    ] {
        let response = userinfo(&app, Some(authorization)).await;
        assert_eq!(
            challenge(&response),
            format!("Bearer error=\"invalid_token\", error_description=\"{reason}\""),
            "{authorization}"
        );
        let (_, body) = error_body(response, 401).await;
        assert_eq!(body["errors"][0]["description"], reason, "{authorization}");
    }
}

#[tokio::test]
async fn an_oauth_token_reads_only_the_claims_of_its_scopes() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let grace = app
        .person_with(PersonDraft {
            org_id: org.id,
            display_name: "Grace Hopper".into(),
            first_name: Some("Grace".into()),
            ..PersonDraft::default()
        })
        .await;
    let sub = grace.id.hyphenated().to_string();
    for (scopes, expected) in [
        (vec!["openid"], json!({"sub": sub})),
        (
            vec!["openid", "email", "spark:people_read"],
            json!({"sub": sub, "email": grace.emails[0], "email_verified": "true"}),
        ),
        (
            vec!["openid", "profile"],
            json!({"sub": sub, "name": "Grace Hopper", "given_name": "Grace"}),
        ),
    ] {
        let token = app.scoped_token(&grace, &scopes).await;
        let body = json_body(userinfo(&app, Some(&format!("Bearer {token}"))).await, 200).await;
        assert_eq!(body, expected, "{scopes:?}");
    }

    // Without `openid`, userinfo is refused with RFC 6750's insufficient_scope.
    let token = app
        .scoped_token(&grace, &["spark:people_read", "email"])
        .await;
    let response = userinfo(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(
        challenge(&response),
        "Bearer error=\"insufficient_scope\", scope=\"openid\""
    );
    let (message, _) = error_body(response, 403).await;
    assert_eq!(message, "The access token lacks the scope 'openid'.");
}

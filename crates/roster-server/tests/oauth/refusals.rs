//! Every refusal the issue lists, with its status and error.

use crate::harness::*;
use crate::helpers::{test_config, until_the_feed_delivers};
use reqwest::StatusCode;
use roster_server::ServerConfig;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_in_either_form() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let in_body = s
        .app
        .client
        .post(s.app.url("/v1/access_token"))
        .form(
            &[
                &form[..],
                &[
                    ("client_id", s.client_id.as_str()),
                    ("client_secret", "0".repeat(64).as_str()),
                ],
            ]
            .concat(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(in_body, 401).await.0, "invalid_client");
    let basic = s
        .app
        .client
        .post(s.app.url("/v1/access_token"))
        .basic_auth(&s.client_id, Some("wrong"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(basic, 401).await.0, "invalid_client");
    // The code survived both: the right secret still gets tokens.
    s.exchange(&code).await;
}

#[tokio::test]
async fn an_unknown_client_or_unregistered_redirect_is_an_error_page_never_a_redirect() {
    let mut s = setup().await;
    let good = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    for query in [
        good.replace("redirect_uri=http", "redirect_uri=https"),
        good.replace("callback", "callback2"),
        good.replace(&s.client_id.clone(), "Cnobody"),
    ] {
        let response = s.open(&query).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(response.headers().get("location").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("Cannot continue"), "{html}");
    }
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_its_first_use_issued() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    let tokens = s.exchange(&code).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.app.get_me(&access).await.status(), StatusCode::OK);
    let again = s
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(oauth_error(again, 400).await.0, "invalid_grant");
    until_the_feed_delivers("the revocation", || async {
        s.app.get_me(&access).await.status() == StatusCode::UNAUTHORIZED
    })
    .await;
}

#[tokio::test]
async fn a_wrong_or_missing_verifier_or_another_redirect_uri_is_invalid_grant() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    let wrong = "x".repeat(43);
    for (verifier, redirect) in [
        (Some(wrong.as_str()), REDIRECT),
        (None, REDIRECT),
        (Some("short"), REDIRECT),
        (Some(VERIFIER), "http://localhost:9/other"),
    ] {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
        ];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        let response = s.token_request(&form).await;
        assert_eq!(
            oauth_error(response, 400).await.0,
            "invalid_grant",
            "{verifier:?} {redirect}"
        );
    }
    // None of those used the code up.
    s.exchange(&code).await;
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    s.app.store.clock().advance(10 * 60 * 1000 + 1);
    let response = s
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await;
    let (error, description) = oauth_error(response, 400).await;
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("expired"), "{description}");
}

#[tokio::test]
async fn missing_parameters_and_unknown_grants_are_named() {
    let s = setup().await;
    let missing = s
        .token_request(&[("grant_type", "authorization_code")])
        .await;
    assert_eq!(oauth_error(missing, 400).await.0, "invalid_request");
    let none = s.token_request(&[]).await;
    assert_eq!(oauth_error(none, 400).await.0, "invalid_request");
    let odd = s.token_request(&[("grant_type", "password")]).await;
    assert_eq!(oauth_error(odd, 400).await.0, "unsupported_grant_type");
    let twice = s
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("grant_type", "refresh_token"),
        ])
        .await;
    assert_eq!(oauth_error(twice, 400).await.0, "invalid_request");
    let unknown = s
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", "nope"),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    assert_eq!(oauth_error(unknown, 400).await.0, "invalid_grant");
}

#[tokio::test]
async fn an_expired_access_token_gets_webex_401() {
    let config = ServerConfig {
        access_token_ttl: Duration::from_secs(30),
        ..test_config()
    };
    let mut s = setup_with(config).await;
    let code = s.code("spark:people_read").await;
    let tokens = s.exchange(&code).await;
    assert_eq!(tokens["expires_in"], 30);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(s.app.get_me(access).await.status(), StatusCode::OK);
    s.app.store.clock().advance(30_001);
    let response = s.app.get_me(access).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        "The request requires a valid access token set in the Authorization request header."
    );
    assert_eq!(
        body["errors"][0]["description"],
        "The access token has expired."
    );
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let mut s = setup().await;
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    s.open(&query).await;
    let email = s.person.emails[0].clone();
    for csrf in [None, Some("forged")] {
        let mut form = vec![
            ("step", "sign_in"),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ];
        if let Some(csrf) = csrf {
            form.push(("csrf_token", csrf));
        }
        let response = s.post(&query, &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.headers().get("location").is_none());
        assert!(
            response.headers().get("set-cookie").is_none(),
            "no session was started"
        );
    }
}

#[tokio::test]
async fn a_token_without_the_scope_gets_403_naming_it() {
    let mut s = setup().await;
    let (_, admin_token) = s.app.admin(&s.org).await;
    let _ = admin_token;
    let code = s.code("spark-admin:people_write").await;
    let tokens = s.exchange(&code).await;
    let write_only = tokens["access_token"].as_str().unwrap();
    let response = s.app.get_me(write_only).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("spark:people_read"),
        "{body}"
    );

    let code = s.code("spark:people_read").await;
    let tokens = s.exchange(&code).await;
    let read_only = tokens["access_token"].as_str().unwrap();
    let created = s
        .app
        .post_json(
            "/v1/people",
            read_only,
            &serde_json::json!({"emails": ["new@example.com"], "displayName": "New"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::FORBIDDEN);
    let body: Value = created.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("spark-admin:people_write"),
        "{body}"
    );
}

#[tokio::test]
async fn a_scope_the_integration_did_not_register_goes_back_as_invalid_scope() {
    let mut s = setup().await;
    let query = authorize_query(&s.client_id.clone(), "spark:all", "s");
    let response = s.open(&query).await;
    let back = redirect_params(&location(&response));
    assert_eq!(back["error"], "invalid_scope");
    assert_eq!(back["state"], "s");
}

#[tokio::test]
async fn a_person_whose_login_is_disabled_cannot_sign_in() {
    let mut s = setup().await;
    let mut draft = s.person.to_draft();
    draft.login_enabled = false;
    s.app
        .store
        .replace_person(s.person.id, draft)
        .await
        .unwrap();
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    let email = s.person.emails[0].clone();
    let response = s.sign_in(&query, &email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("location").is_none());
    assert!(response.text().await.unwrap().contains("may not sign in"));
}

#[tokio::test]
async fn failed_passwords_are_throttled_per_account() {
    let mut s = setup().await;
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    let email = s.person.emails[0].clone();
    for _ in 0..5 {
        let response = s.sign_in(&query, &email, "wrong password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits.
    let response = s.sign_in(&query, &email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // After the window it works again.
    s.app.store.clock().advance(15 * 60 * 1000 + 1);
    let response = s.sign_in(&query, &email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK, "the consent page");
}

#[tokio::test]
async fn failed_passwords_are_throttled_per_address_across_accounts() {
    let mut s = setup().await;
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    for n in 0..20 {
        let response = s
            .sign_in(&query, &format!("guess{n}@example.com"), "x")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let email = s.person.emails[0].clone();
    let response = s.sign_in(&query, &email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required_and_decline_is_access_denied() {
    let mut s = setup().await;
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "keep me");
    let response = s.open(&format!("{query}&prompt=none")).await;
    let back = redirect_params(&location(&response));
    assert_eq!(back["error"], "login_required");
    assert_eq!(back["state"], "keep me");

    let email = s.person.emails[0].clone();
    let consent = s.sign_in(&query, &email, PASSWORD).await;
    let csrf = hidden(&consent.text().await.unwrap(), "csrf_token").unwrap();
    let response = s
        .post(
            &query,
            &[
                ("csrf_token", &csrf),
                ("step", "consent"),
                ("decision", "decline"),
            ],
        )
        .await;
    let back = redirect_params(&location(&response));
    assert_eq!(back["error"], "access_denied");
    assert!(!back.contains_key("code"));
}

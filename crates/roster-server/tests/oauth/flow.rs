//! The flows that work: sign in, consent, code, tokens, refresh, remembered consent,
//! sessions, implicit tokens, sign-ins approved ahead of time, revocation, authorizations.

use crate::harness::*;
use crate::helpers::until_the_feed_delivers;
use reqwest::StatusCode;
use roster_types::id::{encode_uuid, IdKind};
use serde_json::Value;

#[tokio::test]
async fn a_code_becomes_tokens_that_read_me_and_refresh() {
    let mut s = setup().await;
    let state = r#"eyJjc3JmX3Rva2VuIjoiYWJjIn0=+/ &?x"#;
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", state);
    let back = s.authorize(&query).await;
    assert_eq!(back["state"], state, "state comes back byte for byte");
    let code = &back["code"];
    assert_eq!(code.split('_').count(), 3, "{code}");
    assert!(code.ends_with(&s.org.id.to_string()));

    let tokens = s.exchange(code).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "spark:people_read");
    assert_eq!(tokens["expires_in"], 14 * 86_400);
    assert_eq!(tokens["refresh_token_expires_in"], 90 * 86_400);
    assert!(tokens.get("id_token").is_none(), "no openid, no id_token");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    for token in [access, refresh] {
        let parts: Vec<&str> = token.split('_').collect();
        assert_eq!(parts.len(), 3, "{token}");
        assert_eq!(parts[2], s.org.id.to_string());
    }
    let me = s.app.get_me(access).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["emails"][0], s.person.emails[0]);

    s.app.store.clock().advance(5_000);
    let refreshed = s
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_ne!(refreshed["access_token"], tokens["access_token"]);
    assert_eq!(
        refreshed["refresh_token"], refresh,
        "the refresh token is kept"
    );
    // Five seconds later (and a few milliseconds of the test's own), it has counted down.
    let left = refreshed["refresh_token_expires_in"].as_i64().unwrap();
    assert!(
        (90 * 86_400 - 6..=90 * 86_400 - 5).contains(&left),
        "{left}"
    );
    assert_eq!(refreshed["scope"], "spark:people_read");
    let new_access = refreshed["access_token"].as_str().unwrap();
    assert_eq!(s.app.get_me(new_access).await.status(), StatusCode::OK);
    assert_eq!(
        s.app.get_me(access).await.status(),
        StatusCode::OK,
        "the old one lives on"
    );
}

#[tokio::test]
async fn basic_credentials_and_the_sdk_path_work_too() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    let response = s
        .app
        .client
        .post(s.app.url("/idb/oauth2/v1/access_token"))
        .basic_auth(&s.client_id, Some(&s.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("self_contained_token", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn a_session_and_a_consent_are_remembered_and_prompt_none_uses_them() {
    let mut s = setup().await;
    let client_id = s.client_id.clone();
    s.code("spark:people_read").await;
    // Signed in and consented: the next request comes straight back, even with prompt=none.
    let again = format!(
        "{}&prompt=none",
        authorize_query(&client_id, "spark:people_read", "2")
    );
    let response = s.open(&again).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = redirect_params(&location(&response));
    assert!(back.contains_key("code"), "{back:?}");
    assert_eq!(back["state"], "2");
    // More scopes than consented: the consent page again; prompt=none says so.
    let more = authorize_query(
        &client_id,
        "spark:people_read spark-admin:people_write",
        "3",
    );
    let page = s.open(&more).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Create, change and delete people"));
    let response = s.open(&format!("{more}&prompt=none")).await;
    assert_eq!(
        redirect_params(&location(&response))["error"],
        "consent_required"
    );
    // prompt=login asks for the password again.
    let page = s.open(&format!("{more}&prompt=login")).await;
    assert!(page.text().await.unwrap().contains("name=\"password\""));
}

#[tokio::test]
async fn the_pages_are_locked_down() {
    let mut s = setup().await;
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    let page = s.open(&query).await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag");
    let html = page.text().await.unwrap();
    assert!(html.contains("not Webex"));
    assert!(!html.contains("<script"));
    assert!(html.contains("<label for=\"email\">"));
}

#[tokio::test]
async fn an_approved_sign_in_is_consumed_by_the_next_authorization() {
    let mut s = setup().await;
    s.app
        .store
        .approve_sign_in(s.person.id, Some(&s.client_id))
        .await
        .unwrap();
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    let response = s.open(&query).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = redirect_params(&location(&response));
    let tokens = s.exchange(&back["code"]).await;
    let me: Value = s
        .app
        .get_me(tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["emails"][0], s.person.emails[0]);
    // Used once: a fresh browser now gets the sign-in page.
    s.cookies.clear();
    assert_eq!(s.open(&query).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_implicit_token_comes_in_the_fragment() {
    let mut s = setup().await;
    let query = serde_urlencoded::to_string([
        ("response_type", "token"),
        ("client_id", s.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "spark:people_read"),
        ("state", "st"),
    ])
    .unwrap();
    s.app
        .store
        .approve_sign_in(s.person.id, None)
        .await
        .unwrap();
    let response = s.open(&query).await;
    let location = location(&response);
    assert!(location.starts_with(&format!("{REDIRECT}#")), "{location}");
    let back = redirect_params(&location);
    assert_eq!(back["token_type"], "Bearer");
    assert_eq!(back["state"], "st");
    assert_eq!(
        s.app.get_me(&back["access_token"]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn revoking_a_refresh_token_kills_its_grant_everywhere() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    let tokens = s.exchange(&code).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(s.app.get_me(&access).await.status(), StatusCode::OK);
    let response = s
        .app
        .client
        .post(s.app.url("/idb/oauth2/v1/revoke"))
        .basic_auth(&s.client_id, Some(&s.secret))
        .form(&[("token", refresh), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    until_the_feed_delivers("the revocation", || async {
        s.app.get_me(&access).await.status() == StatusCode::UNAUTHORIZED
    })
    .await;
    let again = s
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(oauth_error(again, 400).await.0, "invalid_grant");
}

#[tokio::test]
async fn a_person_lists_and_deletes_their_authorizations_and_no_one_else_sees_them() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    let tokens = s.exchange(&code).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let own = s.app.token(&s.person).await;
    let person_id = encode_uuid(IdKind::People, &s.person.id);
    let list = s
        .app
        .get(&format!("/v1/authorizations?personId={person_id}"), &own)
        .await;
    assert_eq!(list.status(), StatusCode::OK);
    let list: Value = list.json().await.unwrap();
    let item = &list["items"][0];
    assert_eq!(item["clientId"], s.client_id);
    assert_eq!(item["applicationName"], "Planner");
    assert_eq!(item["personId"], person_id);
    assert_eq!(item["type"], "refresh");

    // Another organization's admin sees nothing and deletes nothing.
    let other = s.app.org("Other").await;
    let (_, stranger) = s.app.admin(&other).await;
    let email = &s.person.emails[0];
    let hidden = s
        .app
        .get(
            &format!("/v1/authorizations?personEmail={email}"),
            &stranger,
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let id = item["id"].as_str().unwrap();
    let path = format!("/v1/authorizations/{id}");
    assert_eq!(
        s.app.delete(&path, &stranger).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.app.get_me(&access).await.status(), StatusCode::OK);

    assert_eq!(
        s.app.delete(&path, &own).await.status(),
        StatusCode::NO_CONTENT
    );
    until_the_feed_delivers("the deletion", || async {
        s.app.get_me(&access).await.status() == StatusCode::UNAUTHORIZED
    })
    .await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let again = s
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(oauth_error(again, 400).await.0, "invalid_grant");
}

#[tokio::test]
async fn an_admin_deletes_every_grant_of_a_client_in_their_org() {
    let mut s = setup().await;
    let code = s.code("spark:people_read").await;
    let tokens = s.exchange(&code).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let (_, admin) = s.app.admin(&s.org).await;
    let path = format!("/v1/authorizations?clientId={}", s.client_id);
    let plain = s.app.token(&s.person).await;
    assert_eq!(
        s.app.delete(&path, &plain).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.app.delete(&path, &admin).await.status(),
        StatusCode::NO_CONTENT
    );
    until_the_feed_delivers("the deletion", || async {
        s.app.get_me(&access).await.status() == StatusCode::UNAUTHORIZED
    })
    .await;
}

#[tokio::test]
async fn an_openid_grant_gets_an_id_token_for_its_client_with_its_nonce() {
    use base64::Engine;
    let mut s = setup().await;
    let client_id = s.client_id.clone();
    let query = format!(
        "{}&nonce=n-0S6_WzA2Mj",
        authorize_query(&client_id, "openid email spark:people_read", "s")
    );
    let code = s.authorize(&query).await["code"].clone();
    let tokens = s.exchange(&code).await;
    let id_token = tokens["id_token"]
        .as_str()
        .expect("an id_token with openid");
    let payload = id_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], client_id);
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["sub"], s.person.id.to_string());
    assert_eq!(claims["email"], s.person.emails[0]);
    assert_eq!(claims["iss"], format!("{}/v1", s.app.address));
    // openid without a nonce is refused back to the app.
    let response = s.open(&authorize_query(&client_id, "openid", "s")).await;
    assert_eq!(
        redirect_params(&location(&response))["error"],
        "invalid_request"
    );
}

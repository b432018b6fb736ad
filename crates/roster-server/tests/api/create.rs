//! Create a Person (`POST /v1/people`): who may create, body checks, roles and organizations.

use crate::helpers::*;
use reqwest::Method;
use roster_store::roles;
use roster_types::id::encode;
use roster_types::IdKind;
use serde_json::json;

#[tokio::test]
async fn only_admins_with_write_rights_create_people() {
    let d = directory().await;
    let body = json!({"emails": ["new.person@acme.test"], "displayName": "New Person"});
    for token in [&d.user_token, &d.readonly_token] {
        error_body(d.app.post_json("/v1/people", token, &body).await, 403).await;
    }
    let created = json_body(
        d.app
            .post_json("/v1/people", &d.user_admin_token, &body)
            .await,
        200,
    )
    .await;
    assert_eq!(created["displayName"], "New Person");
    assert_eq!(
        created["invitePending"], true,
        "a new person starts with an invite pending"
    );
    assert_eq!(created["orgId"], org_id(&d.org));
    let fetched = json_body(
        d.app
            .get(
                &format!("/v1/people/{}", created["id"].as_str().unwrap()),
                &d.full_admin_token,
            )
            .await,
        200,
    )
    .await;
    assert_eq!(fetched["emails"], json!(["new.person@acme.test"]));
}

#[tokio::test]
async fn create_validates_its_body_with_clear_messages() {
    let d = directory().await;
    let cases = [
        (json!({"displayName": "No Email"}), "emails"),
        (json!({"emails": [], "displayName": "Empty"}), "emails"),
        (
            json!({"emails": ["not-an-email"], "displayName": "Bad"}),
            "not-an-email",
        ),
        (json!({"emails": ["a@b.test"]}), "displayName"),
        (
            json!({"emails": ["a@b.test"], "displayName": 42}),
            "displayName",
        ),
        (json!({"emails": "a@b.test", "displayName": "X"}), "emails"),
        (
            json!({"emails": ["a@b.test"], "displayName": "X", "roles": ["nope"]}),
            "role",
        ),
        (
            json!({"emails": ["a@b.test"], "displayName": "X", "licenses": [encode(IdKind::License, "x")]}),
            "license",
        ),
        (
            json!({"emails": ["a@b.test"], "displayName": "X", "phoneNumbers": [{"type": "pager", "value": "1"}]}),
            "phoneNumbers",
        ),
        (
            json!({"emails": ["a@b.test"], "displayName": "X\u{0007}"}),
            "control",
        ),
        (
            json!({"emails": ["a@b.test"], "displayName": "x".repeat(2000)}),
            "longer",
        ),
        (json!(["not", "an", "object"]), "JSON object"),
    ];
    for (body, expected) in cases {
        let (message, _) = error_body(
            d.app
                .post_json("/v1/people", &d.full_admin_token, &body)
                .await,
            400,
        )
        .await;
        assert!(message.contains(expected), "{body}: {message}");
    }
    // Nothing was written by any of them.
    let list = json_body(d.app.get("/v1/people", &d.full_admin_token).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn create_derives_the_display_name_and_answers_min_response_with_the_id_only() {
    let d = directory().await;
    let body = json!({"emails": ["ada@acme.test"], "firstName": "Ada", "lastName": "Lovelace"});
    let created = json_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &body)
            .await,
        200,
    )
    .await;
    assert_eq!(created["displayName"], "Ada Lovelace");
    assert_eq!(created["nickName"], "Ada");
    let body = json!({"emails": ["grace@acme.test"], "lastName": "Hopper"});
    let response = d
        .app
        .post_json("/v1/people?minResponse=true", &d.full_admin_token, &body)
        .await;
    let min = json_body(response, 200).await;
    assert_eq!(min.as_object().unwrap().len(), 1);
    assert!(min["id"].is_string());
}

#[tokio::test]
async fn a_duplicate_email_is_a_409_whatever_its_case() {
    let d = directory().await;
    let taken = d.user.emails[0].to_uppercase();
    let body = json!({"emails": [taken], "displayName": "Copy Cat"});
    let (message, _) = error_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &body)
            .await,
        409,
    )
    .await;
    assert!(message.contains("already in use"), "{message}");
}

#[tokio::test]
async fn roles_are_assigned_by_full_admins_and_partners_create_in_customer_orgs() {
    let d = directory().await;
    let body = json!({"emails": ["boss@acme.test"], "displayName": "Boss", "roles": [role_id(roles::FULL_ADMIN)]});
    error_body(
        d.app
            .post_json("/v1/people", &d.user_admin_token, &body)
            .await,
        403,
    )
    .await;
    let created = json_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &body)
            .await,
        200,
    )
    .await;
    assert_eq!(created["roles"], json!([role_id(roles::FULL_ADMIN)]));

    let body = json!({"emails": ["via.partner@acme.test"], "displayName": "Via Partner", "orgId": org_id(&d.org)});
    let created = json_body(
        d.app
            .post_json("/v1/people", &d.partner_admin_token, &body)
            .await,
        200,
    )
    .await;
    assert_eq!(created["orgId"], org_id(&d.org));
    let body = json!({"emails": ["intruder@else.test"], "displayName": "Intruder", "orgId": org_id(&d.other_org)});
    error_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &body)
            .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn writes_need_a_json_body() {
    let d = directory().await;
    let response = d
        .app
        .request(Method::POST, "/v1/people", Some(&d.full_admin_token))
        .header("Content-Type", "application/xml")
        .body("<person/>")
        .send()
        .await
        .unwrap();
    let (message, _) = error_body(response, 415).await;
    assert!(message.contains("application/xml"), "{message}");
    let response = d
        .app
        .request(Method::POST, "/v1/people", Some(&d.full_admin_token))
        .body("{}")
        .send()
        .await
        .unwrap();
    error_body(response, 415).await;
    for broken in [
        "{",
        "{\"emails\": [\"a@b.test\"],}",
        "",
        "null",
        "{\"emails\": [\"a@b.test\"], \"displayName\": \"A\"} trailing",
    ] {
        let response = d
            .app
            .request(Method::POST, "/v1/people", Some(&d.full_admin_token))
            .header("Content-Type", "application/json")
            .body(broken)
            .send()
            .await
            .unwrap();
        error_body(response, 400).await;
    }
}

#[tokio::test]
async fn names_too_large_to_index_are_refused_in_any_script() {
    let d = directory().await;
    // 1,000 characters, but 4,000 bytes: within the character limit, beyond the byte limit.
    let wide = "😀".repeat(1000);
    let body = json!({"emails": ["wide@acme.test"], "displayName": wide});
    let (message, _) = error_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &body)
            .await,
        400,
    )
    .await;
    assert!(message.contains("bytes"), "{message}");
    let fits = json!({"emails": ["fits@acme.test"], "displayName": "😀".repeat(500)});
    json_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &fits)
            .await,
        200,
    )
    .await;
}

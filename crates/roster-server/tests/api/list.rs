//! List People (`GET /v1/people`): who may list whom, the filters, and what a listing shows.

use crate::helpers::*;
use roster_store::{roles, PersonDraft};
use roster_types::id::{encode, encode_uuid};
use roster_types::IdKind;
use serde_json::json;

#[tokio::test]
async fn a_non_admin_must_filter_by_email_display_name_or_id() {
    let d = directory().await;
    let (message, _) = error_body(d.app.get("/v1/people", &d.user_token).await, 400).await;
    assert_eq!(
        message,
        "Email, displayName, or id list should be specified."
    );
    let body = json_body(
        d.app.get("/v1/people?displayName=una", &d.user_token).await,
        200,
    )
    .await;
    assert_eq!(
        ids_of(body["items"].as_array().unwrap()),
        vec![person_id(&d.user)]
    );
    assert!(body.get("notFoundIds").is_none());
}

#[tokio::test]
async fn email_lookup_is_case_insensitive_and_stays_inside_the_organization() {
    let d = directory().await;
    let email = d.user.emails[0].to_uppercase();
    let body = json_body(
        d.app
            .get(&format!("/v1/people?email={email}"), &d.user_token)
            .await,
        200,
    )
    .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let foreign = &d.other_user.emails[0];
    for token in [&d.user_token, &d.full_admin_token, &d.partner_admin_token] {
        let body = json_body(
            d.app
                .get(&format!("/v1/people?email={foreign}"), token)
                .await,
            200,
        )
        .await;
        assert_eq!(
            body["items"],
            json!([]),
            "no cross-organization email lookup"
        );
    }
}

#[tokio::test]
async fn display_name_is_a_case_insensitive_prefix() {
    let d = directory().await;
    let body = json_body(
        d.app
            .get("/v1/people?displayName=FIONA%20f", &d.user_token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        ids_of(body["items"].as_array().unwrap()),
        vec![person_id(&d.full_admin)]
    );
    let body = json_body(
        d.app
            .get("/v1/people?displayName=iona", &d.user_token)
            .await,
        200,
    )
    .await;
    assert_eq!(body["items"], json!([]), "prefix, not substring");
    let body = json_body(
        d.app.get("/v1/people?displayName=%25", &d.user_token).await,
        200,
    )
    .await;
    assert_eq!(body["items"], json!([]), "'%' is a literal");
}

#[tokio::test]
async fn listing_by_id_reports_unknown_ids_and_never_shows_presence() {
    let d = directory().await;
    let unknown = encode_uuid(IdKind::People, &uuid::Uuid::new_v4());
    let foreign = person_id(&d.other_user);
    let raw_uuid = d.full_admin.id.to_string();
    let path = format!(
        "/v1/people?id={},{raw_uuid},{unknown},{foreign}",
        person_id(&d.user)
    );
    let body = json_body(d.app.get(&path, &d.user_token).await, 200).await;
    let items = body["items"].as_array().unwrap();
    let mut found = ids_of(items);
    found.sort();
    let mut expected = vec![person_id(&d.user), person_id(&d.full_admin)];
    expected.sort();
    assert_eq!(
        found, expected,
        "raw UUIDs are accepted, canonical ids returned"
    );
    assert_eq!(
        body["notFoundIds"],
        json!([unknown, foreign]),
        "another organization's person is indistinguishable from nobody"
    );
    for item in items {
        assert!(item.get("status").is_none() && item.get("lastActivity").is_none());
    }

    let body = json_body(
        d.app
            .get(
                &format!("/v1/people?id={}", person_id(&d.user)),
                &d.user_token,
            )
            .await,
        200,
    )
    .await;
    assert_eq!(body["notFoundIds"], json!([]));

    let too_many: Vec<String> = (0..86)
        .map(|_| encode_uuid(IdKind::People, &uuid::Uuid::new_v4()))
        .collect();
    let path = format!("/v1/people?id={}", too_many.join(","));
    let (message, _) = error_body(d.app.get(&path, &d.user_token).await, 400).await;
    assert!(message.contains("85"), "{message}");
    let (message, _) = error_body(
        d.app.get("/v1/people?id=not-an-id", &d.user_token).await,
        400,
    )
    .await;
    assert!(message.contains("not-an-id"), "{message}");
}

#[tokio::test]
async fn presence_is_listed_for_the_same_organization_unless_excluded() {
    let d = directory().await;
    let body = json_body(
        d.app.get("/v1/people?displayName=Una", &d.user_token).await,
        200,
    )
    .await;
    assert!(body["items"][0]["status"].is_string());
    let body = json_body(
        d.app
            .get(
                "/v1/people?displayName=Una&excludeStatus=true",
                &d.user_token,
            )
            .await,
        200,
    )
    .await;
    assert!(body["items"][0].get("status").is_none());
    assert!(body["items"][0].get("lastActivity").is_none());
    // Lists never carry roles or licenses, even for admins.
    let body = json_body(d.app.get("/v1/people", &d.full_admin_token).await, 200).await;
    for item in body["items"].as_array().unwrap() {
        assert!(item.get("roles").is_none() && item.get("licenses").is_none());
        assert!(
            item["invitePending"].is_boolean(),
            "admins see admin fields"
        );
    }
}

#[tokio::test]
async fn admins_list_their_whole_organization_and_partners_reach_customers_by_org_id() {
    let d = directory().await;
    let body = json_body(d.app.get("/v1/people", &d.readonly_token).await, 200).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 4);
    for item in body["items"].as_array().unwrap() {
        assert_eq!(item["orgId"], org_id(&d.org));
    }

    let path = format!("/v1/people?orgId={}", org_id(&d.org));
    let body = json_body(d.app.get(&path, &d.partner_admin_token).await, 200).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 4);
    assert!(
        body["items"][0]["invitePending"].is_boolean(),
        "partner admins are admins"
    );
    assert!(
        body["items"][0]["status"].is_string(),
        "a managing org sees presence"
    );

    for token in [
        &d.partner_admin_token,
        &d.partner_user_token,
        &d.user_token,
        &d.full_admin_token,
    ] {
        let path = format!("/v1/people?orgId={}&displayName=a", org_id(&d.other_org));
        error_body(d.app.get(&path, token).await, 403).await;
    }
    let path = format!("/v1/people?orgId={}&displayName=U", org_id(&d.org));
    error_body(d.app.get(&path, &d.partner_user_token).await, 403).await;
}

#[tokio::test]
async fn admins_filter_by_roles_and_location_with_calling_data() {
    let d = directory().await;
    let path = format!(
        "/v1/people?roles={},{}",
        role_id(roles::FULL_ADMIN),
        role_id(roles::READONLY_ADMIN)
    );
    let body = json_body(d.app.get(&path, &d.full_admin_token).await, 200).await;
    let mut names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["displayName"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["Fiona Fulladmin", "Rita Readonly"]);
    let path = format!(
        "/v1/people?displayName=U&roles={}",
        role_id(roles::FULL_ADMIN)
    );
    error_body(d.app.get(&path, &d.user_token).await, 403).await;

    let location = d
        .app
        .store
        .create_location(d.org.id, None, "HQ")
        .await
        .unwrap();
    d.app
        .person_with(PersonDraft {
            org_id: d.org.id,
            display_name: "Carl Caller".into(),
            extension: Some("2001".into()),
            location_id: Some(location.id.clone()),
            ..PersonDraft::default()
        })
        .await;
    let location_id = encode(IdKind::Location, &location.id);
    let path = format!("/v1/people?locationId={location_id}&callingData=true");
    let body = json_body(d.app.get(&path, &d.full_admin_token).await, 200).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["extension"], "2001");
    assert_eq!(body["items"][0]["locationId"], location_id);
    let path = format!("/v1/people?locationId={location_id}&displayName=Carl&callingData=true");
    let body = json_body(d.app.get(&path, &d.user_token).await, 200).await;
    assert!(
        body["items"][0].get("extension").is_none(),
        "calling data is for admins"
    );
}

#[tokio::test]
async fn control_characters_in_query_parameters_are_refused_on_every_backend() {
    let d = directory().await;
    for query in [
        "email=%00",
        "displayName=a%00b",
        "displayName=%07",
        "id=%00",
    ] {
        let (message, _) = error_body(
            d.app
                .get(&format!("/v1/people?{query}"), &d.full_admin_token)
                .await,
            400,
        )
        .await;
        assert!(message.contains("control characters"), "{query}: {message}");
    }
    use base64::Engine;
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("n:1:a\u{0}b");
    error_body(
        d.app
            .get(
                &format!("/v1/people?displayName=a&cursor={cursor}"),
                &d.full_admin_token,
            )
            .await,
        400,
    )
    .await;
}

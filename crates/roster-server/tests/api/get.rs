//! Get Person Details (`GET /v1/people/{personId}`): id forms, and what each caller sees.

use crate::helpers::*;
use roster_store::roles;
use roster_types::id::encode_uuid;
use roster_types::IdKind;
use serde_json::json;

#[tokio::test]
async fn get_accepts_every_id_form_and_tells_400_from_404() {
    let d = directory().await;
    let canonical = person_id(&d.user);
    use base64::Engine;
    let raw = format!("ciscospark://us/PEOPLE/{}", d.user.id);
    let padded = base64::engine::general_purpose::URL_SAFE.encode(&raw);
    let standard = base64::engine::general_purpose::STANDARD.encode(&raw);
    let upper_uuid = d.user.id.to_string().to_uppercase();
    for form in [
        &canonical,
        &padded,
        &standard,
        &d.user.id.to_string(),
        &upper_uuid,
    ] {
        let encoded = form
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let body = json_body(
            d.app
                .get(&format!("/v1/people/{encoded}"), &d.user_token)
                .await,
            200,
        )
        .await;
        assert_eq!(body["id"], canonical.as_str(), "form {form}");
    }
    // A plain id skips the router (`edge.rs`); the same id with a percent-encoded first
    // character goes through it. Both answer the same, for a user and for an admin.
    let via_router = format!("%{:02X}{}", canonical.as_bytes()[0], &canonical[1..]);
    for token in [&d.user_token, &d.full_admin_token] {
        let mut bodies = Vec::new();
        for path in [&canonical, &via_router] {
            let response = d.app.get(&format!("/v1/people/{path}"), token).await;
            let mut body = json_body(response, 200).await;
            body["lastActivity"] = serde_json::Value::Null;
            bodies.push(body);
        }
        assert_eq!(bodies[0], bodies[1]);
    }
    let unknown = encode_uuid(IdKind::People, &uuid::Uuid::new_v4());
    error_body(
        d.app
            .get(&format!("/v1/people/{unknown}"), &d.user_token)
            .await,
        404,
    )
    .await;
    let (message, _) = error_body(
        d.app.get("/v1/people/%21%21garbage", &d.user_token).await,
        400,
    )
    .await;
    assert!(message.contains("Invalid person id"), "{message}");
    let org_as_person = org_id(&d.org);
    error_body(
        d.app
            .get(&format!("/v1/people/{org_as_person}"), &d.user_token)
            .await,
        400,
    )
    .await;
    // Another organization's person is a 404, the same as nobody.
    let (message, _) = error_body(
        d.app
            .get(
                &format!("/v1/people/{}", person_id(&d.other_user)),
                &d.full_admin_token,
            )
            .await,
        404,
    )
    .await;
    assert!(!message.contains("Olga"));
}

#[tokio::test]
async fn get_shows_roles_licenses_and_admin_flags_to_admins_only() {
    let d = directory().await;
    let path = format!("/v1/people/{}", person_id(&d.full_admin));
    let as_admin = json_body(d.app.get(&path, &d.readonly_token).await, 200).await;
    assert_eq!(as_admin["roles"], json!([role_id(roles::FULL_ADMIN)]));
    assert_eq!(as_admin["licenses"], json!([]));
    assert!(as_admin["invitePending"].is_boolean());
    let as_partner = json_body(d.app.get(&path, &d.partner_admin_token).await, 200).await;
    assert!(as_partner["roles"].is_array());
    let as_user = json_body(d.app.get(&path, &d.user_token).await, 200).await;
    for hidden in ["roles", "licenses", "invitePending", "loginEnabled"] {
        assert!(as_user.get(hidden).is_none(), "{hidden}");
    }
    assert!(
        as_user["status"].is_string(),
        "same organization sees presence"
    );
}

#[tokio::test]
async fn presence_is_hidden_from_someone_who_turned_sharing_off() {
    let d = directory().await;
    let path = format!("/v1/people/{}", person_id(&d.full_admin));
    d.app
        .store
        .set_status_sharing(d.user.id, false)
        .await
        .unwrap();
    // The caller shares nothing, so sees nothing.
    let (app, path_ref, caller) = (&d.app, &path, &d.user_token);
    until_the_feed_delivers("the sharing switch", || async move {
        let body = json_body(app.get(path_ref, caller).await, 200).await;
        body.get("status").is_none()
    })
    .await;
    let path = format!("/v1/people/{}", person_id(&d.user));
    let body = json_body(d.app.get(&path, &d.full_admin_token).await, 200).await;
    assert!(body.get("status").is_none() && body.get("lastActivity").is_none());
}

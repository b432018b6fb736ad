//! Tenant isolation: callers of organization A, whatever their rights, try to reach the
//! people of organization B through every endpoint and parameter. Nothing of B leaks: not in
//! bodies, not in `notFoundIds`, not in error messages, and an id of B's is answered exactly
//! like an id of nobody.

use crate::helpers::*;
use base64::Engine;
use reqwest::{Method, Response};
use roster_store::{roles, OrgRecord, PersonRecord};
use roster_types::id::{encode, encode_uuid};
use roster_types::IdKind;
use serde_json::{json, Value};

struct World {
    app: TestApp,
    a: OrgRecord,
    b: OrgRecord,
    secret: PersonRecord,
    a_tokens: Vec<(&'static str, String)>,
}

async fn world() -> World {
    let app = spawn_app().await;
    let a = app.org("Alpha").await;
    let b = app.org("Bravo").await;
    let location = app
        .store
        .create_location(b.id, None, "Bravo HQ")
        .await
        .unwrap();
    let secret = app
        .person_with(roster_store::PersonDraft {
            org_id: b.id,
            display_name: "Zelda Secret".into(),
            emails: vec!["zelda@bravo.test".into()],
            roles: vec![roles::FULL_ADMIN.into()],
            location_id: Some(location.id),
            ..roster_store::PersonDraft::default()
        })
        .await;
    let mut a_tokens = Vec::new();
    for (kind, role) in [
        ("user", None),
        ("read-only admin", Some(roles::READONLY_ADMIN)),
        ("user admin", Some(roles::USER_ADMIN)),
        ("full admin", Some(roles::FULL_ADMIN)),
    ] {
        let person = app
            .person(
                &a,
                &format!("Alpha {kind}"),
                &role.into_iter().collect::<Vec<_>>(),
            )
            .await;
        a_tokens.push((kind, app.token(&person).await));
    }
    World {
        app,
        a,
        b,
        secret,
        a_tokens,
    }
}

/// Every way of writing B's person's id.
fn id_forms(person: &PersonRecord) -> Vec<String> {
    let raw = format!("ciscospark://us/PEOPLE/{}", person.id);
    vec![
        encode_uuid(IdKind::People, &person.id),
        base64::engine::general_purpose::URL_SAFE
            .encode(&raw)
            .replace('=', "%3D"),
        base64::engine::general_purpose::STANDARD
            .encode(&raw)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D"),
        person.id.to_string(),
        person.id.to_string().to_uppercase(),
    ]
}

/// The response's status and body with the tracking id blanked, for comparison.
async fn shape(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let mut body: Value =
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null);
    if let Some(object) = body.as_object_mut() {
        object.remove("trackingId");
    }
    (status, body)
}

fn assert_no_leak(text: &str, secret: &PersonRecord) {
    for needle in ["Zelda", "zelda@bravo.test", "Bravo"] {
        assert!(!text.contains(needle), "leaked '{needle}' in {text}");
    }
    assert!(
        !text.contains(&secret.id.to_string()),
        "leaked the uuid in {text}"
    );
}

#[tokio::test]
async fn no_caller_of_another_organization_reaches_a_person_by_any_id_form() {
    let w = world().await;
    let nobody = encode_uuid(IdKind::People, &uuid::Uuid::new_v4());
    for (kind, token) in &w.a_tokens {
        let (nobody_get, nobody_body) =
            shape(w.app.get(&format!("/v1/people/{nobody}"), token).await).await;
        assert_eq!(nobody_get, 404);
        for form in id_forms(&w.secret) {
            let path = format!("/v1/people/{form}");
            let get = w.app.get(&path, token).await;
            let (status, body) = shape(get).await;
            assert_eq!(
                (status, &body),
                (nobody_get, &nobody_body),
                "{kind} GET {form}"
            );
            for (method, payload) in [
                (Method::PUT, Some(json!({"displayName": "Owned"}))),
                (Method::DELETE, None),
            ] {
                let mut request = w.app.request(method.clone(), &path, Some(token));
                if let Some(payload) = &payload {
                    request = request.json(payload);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                assert_eq!(status, 404, "{kind} {method} {form}: {text}");
                assert_no_leak(&text, &w.secret);
            }
        }
    }
    let untouched = w.app.store.get_person(w.secret.id).await.unwrap().unwrap();
    assert_eq!(untouched.display_name, "Zelda Secret");
}

#[tokio::test]
async fn listing_never_shows_another_organizations_people() {
    let w = world().await;
    let nobody = encode_uuid(IdKind::People, &uuid::Uuid::new_v4());
    let b_org = encode_uuid(IdKind::Organization, &w.b.id);
    let b_location = encode(IdKind::Location, w.secret.location_id.as_deref().unwrap());
    for (kind, token) in &w.a_tokens {
        for form in id_forms(&w.secret) {
            let body = json_body(
                w.app.get(&format!("/v1/people?id={form}"), token).await,
                200,
            )
            .await;
            assert_eq!(body["items"], json!([]), "{kind} id={form}");
            let unknown = json_body(
                w.app.get(&format!("/v1/people?id={nobody}"), token).await,
                200,
            )
            .await;
            assert_eq!(unknown["items"], json!([]));
            // The id comes back as given, exactly like an id of nobody.
            assert_eq!(body["notFoundIds"].as_array().unwrap().len(), 1);
        }
        for query in [
            "email=zelda@bravo.test".to_string(),
            "email=ZELDA@BRAVO.TEST".to_string(),
            "displayName=Zel".to_string(),
            format!("locationId={b_location}"),
            format!("displayName=Z&locationId={b_location}"),
            format!("roles={}", encode(IdKind::Role, roles::FULL_ADMIN)),
        ] {
            let response = w.app.get(&format!("/v1/people?{query}"), token).await;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert!(
                [200, 400, 403].contains(&status),
                "{kind} {query}: {status}"
            );
            assert_no_leak(&text, &w.secret);
        }
        let response = w
            .app
            .get(&format!("/v1/people?orgId={b_org}&displayName=Z"), token)
            .await;
        let (status, body) = shape(response).await;
        assert_eq!(status, 403, "{kind} orgId of another organization");
        assert_no_leak(&body.to_string(), &w.secret);
        let foreign_org_nobody = encode_uuid(IdKind::Organization, &uuid::Uuid::new_v4());
        let response = w
            .app
            .get(
                &format!("/v1/people?orgId={foreign_org_nobody}&displayName=Z"),
                token,
            )
            .await;
        assert_eq!(
            shape(response).await,
            (status, body),
            "an org of nobody looks the same"
        );
    }
    let _ = &w.a;
}

#[tokio::test]
async fn a_revoked_partner_relation_closes_the_door_at_once() {
    let w = world().await;
    let partner_admin = w
        .app
        .person(&w.a, "Alpha Partner Admin", &[roles::FULL_ADMIN])
        .await;
    let token = w.app.token(&partner_admin).await;
    w.app.store.add_managed_org(w.a.id, w.b.id).await.unwrap();
    let path = format!("/v1/people/{}", person_id(&w.secret));
    let (app, path_ref, caller) = (&w.app, &path, &token);
    until_the_feed_delivers("the new partner relation", || async move {
        app.get(path_ref, caller).await.status() == 200
    })
    .await;
    let body = json_body(w.app.get(&path, &token).await, 200).await;
    assert_eq!(
        body["displayName"], "Zelda Secret",
        "the partner reaches the customer"
    );

    w.app
        .store
        .remove_managed_org(w.a.id, w.b.id)
        .await
        .unwrap();
    until_the_feed_delivers("the removed partner relation", || async move {
        app.get(path_ref, caller).await.status() == 404
    })
    .await;
    let response = w.app.get(&path, &token).await;
    let text = response.text().await.unwrap();
    assert!(text.contains("could not be found"), "{text}");
    assert_no_leak(&text, &w.secret);
    let b_org = encode_uuid(IdKind::Organization, &w.b.id);
    let listed = w
        .app
        .get(&format!("/v1/people?orgId={b_org}"), &token)
        .await;
    assert_eq!(listed.status(), 403);
    let by_id = json_body(
        w.app
            .get(&format!("/v1/people?id={}", person_id(&w.secret)), &token)
            .await,
        200,
    )
    .await;
    assert_eq!(by_id["items"], json!([]));
}

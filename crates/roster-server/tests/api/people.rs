//! The People resource: list, get, create, update, delete, with Webex's permission rules.

use crate::helpers::*;
use reqwest::Method;
use roster_store::{roles, OrgRecord, PersonDraft, PersonRecord};
use roster_types::id::{encode, encode_uuid};
use roster_types::IdKind;
use serde_json::json;

/// An organization with one person of every kind, a partner organization that manages it,
/// and an unrelated organization.
struct Directory {
    app: TestApp,
    org: OrgRecord,
    other_org: OrgRecord,
    user: PersonRecord,
    user_token: String,
    readonly_token: String,
    user_admin_token: String,
    full_admin: PersonRecord,
    full_admin_token: String,
    partner_admin_token: String,
    partner_user_token: String,
    other_admin_token: String,
    other_user: PersonRecord,
}

async fn directory() -> Directory {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let partner = app.org("Partner").await;
    let other_org = app.org("Elsewhere").await;
    app.store.add_managed_org(partner.id, org.id).await.unwrap();

    let user = app.person(&org, "Una User", &[]).await;
    let readonly = app
        .person(&org, "Rita Readonly", &[roles::READONLY_ADMIN])
        .await;
    let user_admin = app
        .person(&org, "Uwe Useradmin", &[roles::USER_ADMIN])
        .await;
    let full_admin = app
        .person(&org, "Fiona Fulladmin", &[roles::FULL_ADMIN])
        .await;
    let partner_admin = app
        .person(&partner, "Pat Partner", &[roles::FULL_ADMIN])
        .await;
    let partner_user = app.person(&partner, "Pete Partneruser", &[]).await;
    let other_admin = app
        .person(&other_org, "Otto Other", &[roles::FULL_ADMIN])
        .await;
    let other_user = app.person(&other_org, "Olga Other", &[]).await;
    Directory {
        user_token: app.token(&user).await,
        readonly_token: app.token(&readonly).await,
        user_admin_token: app.token(&user_admin).await,
        full_admin_token: app.token(&full_admin).await,
        partner_admin_token: app.token(&partner_admin).await,
        partner_user_token: app.token(&partner_user).await,
        other_admin_token: app.token(&other_admin).await,
        app,
        org,
        other_org,
        user,
        full_admin,
        other_user,
    }
}

fn org_id(org: &OrgRecord) -> String {
    encode_uuid(IdKind::Organization, &org.id)
}

fn role_id(role: &str) -> String {
    encode(IdKind::Role, role)
}

// ---------------------------------------------------------------------------------------
// List People

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
async fn pages_follow_absolute_links_that_carry_every_filter() {
    let d = directory().await;
    for i in 0..23 {
        d.app
            .person(&d.org, &format!("Page Person {i:02}"), &[])
            .await;
    }
    let (pages, links) = d
        .app
        .all_pages(
            "/v1/people/?displayName=page&max=10&callingData=false&custom=kept",
            &d.user_token,
        )
        .await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![10, 10, 3]
    );
    let all: Vec<String> = pages.iter().flat_map(|p| ids_of(p)).collect();
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), 23, "no overlap");
    let names: Vec<String> = pages
        .iter()
        .flatten()
        .map(|p| p["displayName"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "a displayName search is ordered by name");
    for link in &links {
        assert!(
            link.starts_with(&d.app.address),
            "built from the request's host: {link}"
        );
        assert!(link.contains("/v1/people/?"), "same path: {link}");
        for param in [
            "displayName=page",
            "max=10",
            "callingData=false",
            "custom=kept",
            "cursor=",
        ] {
            assert!(link.contains(param), "{param} missing in {link}");
        }
    }
}

#[tokio::test]
async fn pages_never_overlap_or_skip_while_people_come_and_go() {
    let d = directory().await;
    let mut original = Vec::new();
    for i in 0..30 {
        original.push(d.app.person(&d.org, &format!("Walker {i:02}"), &[]).await);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut deleted = Vec::new();
    let mut url = d.app.url("/v1/people?max=7");
    let mut round = 0;
    loop {
        let response = d
            .app
            .client
            .get(&url)
            .bearer_auth(&d.full_admin_token)
            .send()
            .await
            .unwrap();
        let next = next_link(&response);
        let body = json_body(response, 200).await;
        seen.extend(ids_of(body["items"].as_array().unwrap()));
        // Between pages: someone joins, and someone not yet seen leaves.
        d.app.person(&d.org, &format!("Joiner {round}"), &[]).await;
        if let Some(victim) = original
            .iter()
            .rev()
            .find(|p| !seen.contains(&person_id(p)) && !deleted.contains(&person_id(p)))
        {
            let response = d
                .app
                .delete(
                    &format!("/v1/people/{}", person_id(victim)),
                    &d.full_admin_token,
                )
                .await;
            assert_eq!(response.status(), 204);
            deleted.push(person_id(victim));
        }
        round += 1;
        match next {
            Some(next) => url = next,
            None => break,
        }
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no person on two pages");
    for person in &original {
        let id = person_id(person);
        assert!(
            seen.contains(&id) ^ deleted.contains(&id),
            "every person present throughout is seen exactly once"
        );
    }
    assert!(!deleted.is_empty());
}

#[tokio::test]
async fn max_is_clamped_not_rejected_and_must_be_a_positive_number() {
    let d = directory().await;
    for i in 0..3 {
        d.app.person(&d.org, &format!("Clamp {i}"), &[]).await;
    }
    let response = d
        .app
        .get("/v1/people?max=100000", &d.full_admin_token)
        .await;
    assert!(next_link(&response).is_none());
    let body = json_body(response, 200).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 7);
    for bad in ["0", "-3", "ten", "2.5"] {
        let (message, _) = error_body(
            d.app
                .get(&format!("/v1/people?max={bad}"), &d.full_admin_token)
                .await,
            400,
        )
        .await;
        assert!(message.contains("max"), "{message}");
    }
    let (message, _) = error_body(
        d.app
            .get("/v1/people?max=1&max=2", &d.full_admin_token)
            .await,
        400,
    )
    .await;
    assert!(message.contains("more than once"), "{message}");
    error_body(
        d.app
            .get("/v1/people?cursor=bogus", &d.full_admin_token)
            .await,
        400,
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Get Person Details

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

// ---------------------------------------------------------------------------------------
// Create a Person

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

// ---------------------------------------------------------------------------------------
// Update a Person

#[tokio::test]
async fn put_replaces_the_whole_person_and_ignores_read_only_fields() {
    let d = directory().await;
    let body = json!({"emails": ["tess@acme.test"], "displayName": "Tess Title", "firstName": "Tess",
                      "title": "Engineer", "department": "R&D"});
    let created = json_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &body)
            .await,
        200,
    )
    .await;
    let path = format!("/v1/people/{}", created["id"].as_str().unwrap());

    // What an SDK does: GET, change one thing, PUT everything back (read-only fields too).
    let mut got = json_body(d.app.get(&path, &d.full_admin_token).await, 200).await;
    got["displayName"] = json!("Tess Renamed");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let updated = json_body(d.app.put_json(&path, &d.full_admin_token, &got).await, 200).await;
    assert_eq!(updated["displayName"], "Tess Renamed");
    assert_eq!(updated["title"], "Engineer");
    assert_eq!(updated["id"], got["id"]);
    assert_eq!(updated["created"], got["created"]);
    assert!(
        updated["lastModified"].as_str() > got["lastModified"].as_str(),
        "lastModified advances"
    );

    // Omitted fields are cleared.
    let body = json!({"displayName": "Tess Bare"});
    let bare = json_body(d.app.put_json(&path, &d.full_admin_token, &body).await, 200).await;
    assert!(bare.get("title").is_none() && bare.get("department").is_none());
    assert_eq!(
        bare["emails"],
        json!(["tess@acme.test"]),
        "emails are kept when omitted"
    );

    let (message, _) = error_body(
        d.app
            .put_json(&path, &d.full_admin_token, &json!({"title": "x"}))
            .await,
        400,
    )
    .await;
    assert!(message.contains("displayName"));
    let taken = json!({"displayName": "Tess", "emails": [d.user.emails[0].clone()]});
    error_body(
        d.app.put_json(&path, &d.full_admin_token, &taken).await,
        409,
    )
    .await;
    for token in [&d.user_token, &d.readonly_token] {
        error_body(
            d.app
                .put_json(&path, token, &json!({"displayName": "Hacked"}))
                .await,
            403,
        )
        .await;
    }
    let other = format!("/v1/people/{}", person_id(&d.other_user));
    error_body(
        d.app
            .put_json(
                &other,
                &d.full_admin_token,
                &json!({"displayName": "Hacked"}),
            )
            .await,
        404,
    )
    .await;
    let still = json_body(d.app.get(&path, &d.full_admin_token).await, 200).await;
    assert_eq!(still["displayName"], "Tess Bare");
}

// ---------------------------------------------------------------------------------------
// Delete a Person

#[tokio::test]
async fn delete_answers_204_revokes_tokens_at_once_and_is_404_the_second_time() {
    let d = directory().await;
    let path = format!("/v1/people/{}", person_id(&d.user));
    for token in [&d.user_token, &d.readonly_token, &d.other_admin_token] {
        let status = d.app.delete(&path, token).await.status().as_u16();
        assert!(status == 403 || status == 404, "{status}");
    }
    assert_eq!(d.app.get_me(&d.user_token).await.status(), 200);
    let response = d.app.delete(&path, &d.full_admin_token).await;
    assert_eq!(response.status(), 204);
    assert!(response.headers().get("content-type").is_none());
    assert!(response.bytes().await.unwrap().is_empty());
    error_body(d.app.get_me(&d.user_token).await, 401).await;
    error_body(d.app.delete(&path, &d.full_admin_token).await, 404).await;
    error_body(d.app.get(&path, &d.full_admin_token).await, 404).await;
}

#[tokio::test]
async fn unsupported_methods_on_people_paths_are_405_with_allow() {
    let d = directory().await;
    let response = d
        .app
        .request(Method::PATCH, "/v1/people", Some(&d.user_token))
        .send()
        .await
        .unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_string();
    error_body(response, 405).await;
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let path = format!("/v1/people/{}", person_id(&d.user));
    let response = d
        .app
        .request(Method::POST, &path, Some(&d.user_token))
        .send()
        .await
        .unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_string();
    error_body(response, 405).await;
    assert!(allow.contains("PUT") && allow.contains("DELETE"), "{allow}");
}

#[tokio::test]
async fn the_openapi_document_is_served_without_a_token() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/openapi.json", None)
        .send()
        .await
        .unwrap();
    let body = json_body(response, 200).await;
    assert!(body["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/v1/people", "/v1/people/me", "/v1/people/{personId}"] {
        assert!(body["paths"].get(path).is_some(), "{path}");
    }
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../../../docs/openapi.json")).unwrap();
    assert_eq!(body, committed);
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

//! Same people through both APIs, and who may do what: admins as People, other
//! organizations are a 404, `/Users/me` for anyone.

use crate::helpers::{json_body, person_id, spawn_app};
use crate::idp::urlencode;
use crate::{okta_user, scim, scim_body, scim_error, scim_path, PATCH_OP};
use reqwest::Method;
use roster_store::roles;
use serde_json::json;

#[tokio::test]
async fn created_by_scim_read_and_updated_by_people_and_the_other_way_round() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_admin, token) = app.admin(&org).await;
    let users = scim_path(&org, "/Users");
    let created = scim_body(
        scim(
            &app,
            Method::POST,
            &users,
            &token,
            Some(&okta_user("grace@example.com", "Grace", "Hopper")),
        )
        .await,
        201,
    )
    .await;
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let person = app.store.get_person(id).await.unwrap().unwrap();
    let people_path = format!("/v1/people/{}", person_id(&person));
    let seen = json_body(app.get(&people_path, &token).await, 200).await;
    assert_eq!(seen["emails"], json!(["grace@example.com"]));
    assert_eq!(seen["firstName"], "Grace");
    assert_eq!(seen["displayName"], "Grace Hopper");
    assert_eq!(seen["loginEnabled"], true);
    let update = json!({"emails": ["grace@example.com"], "displayName": "Amazing Grace",
        "firstName": "Grace", "lastName": "Hopper", "title": "Rear Admiral", "loginEnabled": false});
    json_body(app.put_json(&people_path, &token, &update).await, 200).await;
    let after = scim_body(
        scim(&app, Method::GET, &format!("{users}/{id}"), &token, None).await,
        200,
    )
    .await;
    assert_eq!(after["displayName"], "Amazing Grace");
    assert_eq!(after["title"], "Rear Admiral");
    assert_eq!(after["active"], false);
    assert_eq!(
        after["externalId"], "00uGrace",
        "SCIM-only attributes survive a People write"
    );
    assert_ne!(after["meta"]["version"], created["meta"]["version"]);

    // Created by People, filtered and patched by SCIM.
    let made = json_body(
        app.post_json(
            "/v1/people",
            &token,
            &json!({"emails": ["alan@example.com"], "displayName": "Alan Turing",
            "firstName": "Alan", "lastName": "Turing"}),
        )
        .await,
        200,
    )
    .await;
    let filter = format!(
        "{users}?filter={}",
        urlencode(r#"name.familyName sw "tur""#)
    );
    let found = scim_body(scim(&app, Method::GET, &filter, &token, None).await, 200).await;
    assert_eq!(found["totalResults"], 1);
    let scim_id = found["Resources"][0]["id"].as_str().unwrap().to_string();
    let person = app
        .store
        .get_person(scim_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        person_id(&person),
        made["id"].as_str().unwrap(),
        "the same id"
    );
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "nickName", "value": "Prof"}]});
    scim_body(
        scim(
            &app,
            Method::PATCH,
            &format!("{users}/{scim_id}"),
            &token,
            Some(&patch),
        )
        .await,
        200,
    )
    .await;
    let seen = json_body(
        app.get(
            &format!("/v1/people/{}", made["id"].as_str().unwrap()),
            &token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(seen["nickName"], "Prof");
}

#[tokio::test]
async fn admins_act_as_in_people_and_other_organizations_do_not_exist() {
    let app = spawn_app().await;
    let acme = app.org("Acme").await;
    let globex = app.org("Globex").await;
    let (_admin, acme_admin) = app.admin(&acme).await;
    let (_other, globex_admin) = app.admin(&globex).await;
    let reader = app.person(&acme, "Reader", &[roles::READONLY_ADMIN]).await;
    let reader = app.token(&reader).await;
    let device = app.person(&acme, "Device", &[roles::DEVICE_ADMIN]).await;
    let device = app.token(&device).await;
    let plain = app.person(&acme, "Plain", &[]).await;
    let plain_token = app.token(&plain).await;

    let users = scim_path(&acme, "/Users");
    let created = scim_body(
        scim(
            &app,
            Method::POST,
            &users,
            &acme_admin,
            Some(&okta_user("x@acme.example", "X", "Y")),
        )
        .await,
        201,
    )
    .await;
    let user = format!("{users}/{}", created["id"].as_str().unwrap());
    let group = scim_body(
        scim(
            &app,
            Method::POST,
            &scim_path(&acme, "/Groups"),
            &acme_admin,
            Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"})),
        )
        .await,
        201,
    )
    .await;
    let group = format!(
        "{}/{}",
        scim_path(&acme, "/Groups"),
        group["id"].as_str().unwrap()
    );
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "t"}]});

    // Another organization's admin: every endpoint is a 404.
    for (method, path) in [
        (Method::GET, users.clone()),
        (Method::POST, users.clone()),
        (Method::GET, user.clone()),
        (Method::PUT, user.clone()),
        (Method::PATCH, user.clone()),
        (Method::DELETE, user.clone()),
        (Method::GET, group.clone()),
        (Method::GET, format!("{group}/Members")),
        (Method::GET, scim_path(&acme, "/Groups")),
        (Method::POST, scim_path(&acme, "/Bulk")),
        (Method::GET, scim_path(&acme, "/Schemas")),
    ] {
        let response = scim(&app, method.clone(), &path, &globex_admin, Some(&patch)).await;
        scim_error(response, 404, None).await;
    }
    // The user's id under Globex's own path is not found either.
    let elsewhere = format!(
        "{}/{}",
        scim_path(&globex, "/Users"),
        created["id"].as_str().unwrap()
    );
    scim_error(
        scim(&app, Method::GET, &elsewhere, &globex_admin, None).await,
        404,
        None,
    )
    .await;

    // Read-only and device admins read; they and plain users do not write.
    for token in [&reader, &device] {
        scim_body(scim(&app, Method::GET, &user, token, None).await, 200).await;
        scim_error(
            scim(&app, Method::PATCH, &user, token, Some(&patch)).await,
            403,
            None,
        )
        .await;
    }
    scim_error(
        scim(&app, Method::GET, &users, &plain_token, None).await,
        403,
        None,
    )
    .await;
    // Anyone reads their own user.
    let me = scim_body(
        scim(
            &app,
            Method::GET,
            "/identity/scim/v2/Users/me",
            &plain_token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(me["id"], plain.id.to_string());
    assert_eq!(
        me["urn:scim:schemas:extension:cisco:webexidentity:2.0:User"]["meta"]["organizationId"],
        acme.id.to_string()
    );
    // No token: 401 in SCIM's shape.
    let anonymous = app.request(Method::GET, &users, None).send().await.unwrap();
    scim_error(anonymous, 401, None).await;

    // A partner admin manages the customer's users.
    let initech = app.org("Initech").await;
    app.store
        .add_managed_org(initech.id, acme.id)
        .await
        .unwrap();
    let partner = app.person(&initech, "Partner", &[roles::FULL_ADMIN]).await;
    let partner = app.token(&partner).await;
    scim_body(
        scim(&app, Method::PATCH, &user, &partner, Some(&patch)).await,
        200,
    )
    .await;
}

/// An OAuth token needs SCIM's scopes on top of its person's roles: `identity:people_read`
/// reads, `identity:people_rw` writes, and People's scopes open nothing here.
#[tokio::test]
async fn oauth_tokens_need_the_scim_scopes() {
    let app = spawn_app().await;
    let acme = app.org("Acme").await;
    let (admin, _) = app.admin(&acme).await;
    let users = scim_path(&acme, "/Users");
    let people_scope = app
        .scoped_token(&admin, &["spark:people_read", "spark-admin:people_write"])
        .await;
    let read_scope = app.scoped_token(&admin, &["identity:people_read"]).await;
    let write_scope = app.scoped_token(&admin, &["identity:people_rw"]).await;
    let user = okta_user("scoped@acme.example", "Scoped", "User");

    let refused = scim_error(
        scim(&app, Method::GET, &users, &people_scope, None).await,
        403,
        None,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("identity:people_read"),
        "{refused}"
    );
    scim_body(
        scim(&app, Method::GET, &users, &read_scope, None).await,
        200,
    )
    .await;
    let refused = scim_error(
        scim(&app, Method::POST, &users, &read_scope, Some(&user)).await,
        403,
        None,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("identity:people_rw"),
        "{refused}"
    );
    // Nothing was written by the refused create.
    let listed = scim_body(
        scim(
            &app,
            Method::GET,
            &format!("{users}?filter=userName%20eq%20%22scoped@acme.example%22"),
            &write_scope,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed["totalResults"], 0, "{listed}");
    scim_body(
        scim(&app, Method::POST, &users, &write_scope, Some(&user)).await,
        201,
    )
    .await;
}

/// `password` becomes the person's sign-in password (stored as a hash, never returned); one
/// too short is refused before anything is written.
#[tokio::test]
async fn a_scim_password_becomes_the_sign_in_password() {
    let app = spawn_app().await;
    let acme = app.org("Acme").await;
    let (_, admin) = app.admin(&acme).await;
    let users = scim_path(&acme, "/Users");
    let mut user = okta_user("pw@acme.example", "Pass", "Word");
    user["password"] = json!("x");
    let refused = scim_error(
        scim(&app, Method::POST, &users, &admin, Some(&user)).await,
        400,
        Some("invalidValue"),
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("password"),
        "{refused}"
    );
    assert!(app
        .store
        .find_person_by_email("pw@acme.example")
        .await
        .unwrap()
        .is_none());

    user["password"] = json!("correct horse battery");
    let created = scim_body(
        scim(&app, Method::POST, &users, &admin, Some(&user)).await,
        201,
    )
    .await;
    assert!(created.get("password").is_none(), "{created}");
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let stored = app
        .store
        .password_hash(id)
        .await
        .unwrap()
        .expect("a password");
    assert!(!stored.contains("correct horse"));
    assert!(roster_store::oauth::password::verify(
        "correct horse battery",
        &stored
    ));
}

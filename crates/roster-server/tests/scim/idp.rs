//! The request sequences Okta and Entra ID send (facts sheet §7), each response asserted.

use crate::helpers::spawn_app;
use crate::{okta_user, scim, scim_body, scim_error, scim_path, PATCH_OP};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn okta_provisions_updates_deactivates_and_pushes_groups() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_admin, token) = app.admin(&org).await;
    let users = scim_path(&org, "/Users");

    // Test connection.
    let list = scim_body(
        scim(
            &app,
            Method::GET,
            &format!("{users}?startIndex=1&count=2"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        list["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    assert_eq!(list["totalResults"], 1, "the admin");
    assert_eq!(list["itemsPerPage"], 1);
    assert_eq!(list["startIndex"], 1);

    // Exists?
    let exists =
        format!("{users}?filter=userName%20eq%20%22jane%40example.com%22&startIndex=1&count=100");
    let found = scim_body(scim(&app, Method::GET, &exists, &token, None).await, 200).await;
    assert_eq!(found["totalResults"], 0);
    assert_eq!(found["Resources"], json!([]));

    // Create.
    let body = okta_user("jane@example.com", "Jane", "Doe");
    let response = scim(&app, Method::POST, &users, &token, Some(&body)).await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let created = scim_body(response, 201).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(location.ends_with(&format!("/identity/scim/{}/v2/Users/{id}", org.id)));
    assert_eq!(created["meta"]["location"], location.as_str());
    assert_eq!(created["meta"]["version"], etag.as_str());
    assert!(etag.starts_with("W/\""));
    assert_eq!(created["userName"], "jane@example.com");
    assert_eq!(created["externalId"], "00uJane");
    assert_eq!(created["locale"], "en-US");
    assert_eq!(created["active"], true);
    assert_eq!(
        created["name"],
        json!({"givenName": "Jane", "familyName": "Doe"})
    );
    assert!(created.get("password").is_none(), "password is write-only");

    // Duplicate.
    let duplicate = scim(&app, Method::POST, &users, &token, Some(&body)).await;
    scim_error(duplicate, 409, Some("uniqueness")).await;

    // Now it exists.
    let found = scim_body(scim(&app, Method::GET, &exists, &token, None).await, 200).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());

    // Update: GET then PUT the whole object.
    let user_path = format!("{users}/{id}");
    let mut current = scim_body(scim(&app, Method::GET, &user_path, &token, None).await, 200).await;
    current["title"] = "CTO".into();
    current["name"]["familyName"] = "Roe".into();
    let replaced = scim_body(
        scim(&app, Method::PUT, &user_path, &token, Some(&current)).await,
        200,
    )
    .await;
    assert_eq!(replaced["title"], "CTO");
    assert_eq!(replaced["name"]["familyName"], "Roe");
    assert_eq!(replaced["meta"]["created"], created["meta"]["created"]);
    assert_ne!(replaced["meta"]["version"], created["meta"]["version"]);

    // Deactivate by PATCH without a path: the user's token stops working.
    let person = app
        .store
        .get_person(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let user_token = app.token(&person).await;
    assert_eq!(app.get_me(&user_token).await.status(), 200);
    let deactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let patched = scim_body(
        scim(&app, Method::PATCH, &user_path, &token, Some(&deactivate)).await,
        200,
    )
    .await;
    assert_eq!(patched["active"], false);
    assert_eq!(app.get_me(&user_token).await.status(), 401);
    // Inactive users are still listed.
    let found = scim_body(scim(&app, Method::GET, &exists, &token, None).await, 200).await;
    assert_eq!(found["Resources"][0]["active"], false);
    let reactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": true}}]});
    scim_body(
        scim(&app, Method::PATCH, &user_path, &token, Some(&reactivate)).await,
        200,
    )
    .await;
    assert_eq!(app.get_me(&user_token).await.status(), 200);

    // Group push.
    let groups = scim_path(&org, "/Groups");
    let group = scim_body(
        scim(
            &app,
            Method::POST,
            &groups,
            &token,
            Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering", "members": []})),
        )
        .await,
        201,
    )
    .await;
    let group_id = group["id"].as_str().unwrap().to_string();
    let group_path = format!("{groups}/{group_id}");
    let rename = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"id": group_id, "displayName": "Eng"}}]});
    let renamed = scim_body(
        scim(&app, Method::PATCH, &group_path, &token, Some(&rename)).await,
        200,
    )
    .await;
    assert_eq!(renamed["displayName"], "Eng");
    let add = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": id, "display": "jane@example.com"}]}]});
    let with_member = scim_body(
        scim(&app, Method::PATCH, &group_path, &token, Some(&add)).await,
        200,
    )
    .await;
    assert_eq!(with_member["members"][0]["value"], id.as_str());
    let members = scim_body(
        scim(
            &app,
            Method::GET,
            &format!("{group_path}/Members"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(members["totalResults"], 1);
    assert_eq!(members["displayName"], "Eng");
    let remove = json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]});
    let without = scim_body(
        scim(&app, Method::PATCH, &group_path, &token, Some(&remove)).await,
        200,
    )
    .await;
    assert_eq!(without["members"], json!([]));
    let deleted = scim(&app, Method::DELETE, &group_path, &token, None).await;
    assert_eq!(deleted.status(), 204);
    scim_error(
        scim(&app, Method::GET, &group_path, &token, None).await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn entra_id_matches_creates_patches_with_capitals_and_deletes() {
    let app = spawn_app().await;
    let org = app.org("Contoso").await;
    let (_admin, token) = app.admin(&org).await;
    let users = scim_path(&org, "/Users");
    let query = |filter: &str| format!("{users}?filter={}", urlencode(filter));

    for filter in [
        r#"userName eq "ryan@contoso.example""#,
        r#"emails[type eq "work"].value eq "ryan@contoso.example""#,
        r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
    ] {
        let found = scim_body(
            scim(&app, Method::GET, &query(filter), &token, None).await,
            200,
        )
        .await;
        assert_eq!(found["totalResults"], 0, "{filter}");
    }
    let create = json!({
        "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "ryan@contoso.example",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "ryan@contoso.example"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ryan Leenay", "familyName": "Leenay", "givenName": "Ryan"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "employeeNumber": "701984"},
    });
    let response = app
        .request(Method::POST, &users, Some(&token))
        .header("content-type", "application/json")
        .body(create.to_string())
        .send()
        .await
        .unwrap();
    let created = scim_body(response, 201).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["name"]["formatted"], "Ryan Leenay");
    let enterprise = &created["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(enterprise["department"], "Sales");
    assert_eq!(enterprise["employeeNumber"], "701984");
    for filter in [
        r#"userName eq "Ryan@Contoso.example""#,
        r#"emails[type eq "work"].value eq "ryan@contoso.example""#,
        r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
    ] {
        let found = scim_body(
            scim(&app, Method::GET, &query(filter), &token, None).await,
            200,
        )
        .await;
        assert_eq!(found["totalResults"], 1, "{filter}");
        assert_eq!(found["Resources"][0]["id"], id.as_str(), "{filter}");
    }

    let user_path = format!("{users}/{id}");
    let patch = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Ryan L."},
        {"op": "Add", "path": "name.givenName", "value": "Rye"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ryan@contoso.example"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Marketing"},
    ]});
    let patched = scim_body(
        scim(&app, Method::PATCH, &user_path, &token, Some(&patch)).await,
        200,
    )
    .await;
    assert_eq!(patched["displayName"], "Ryan L.");
    assert_eq!(patched["name"]["givenName"], "Rye");
    assert_eq!(
        patched["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Marketing"
    );
    let disable = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": false}]});
    let disabled = scim_body(
        scim(&app, Method::PATCH, &user_path, &token, Some(&disable)).await,
        200,
    )
    .await;
    assert_eq!(disabled["active"], false);

    // Groups: look up by name without members, create, add a member with a null $ref.
    let groups = scim_path(&org, "/Groups");
    let lookup = format!(
        "{groups}?excludedAttributes=members&filter={}",
        urlencode(r#"displayName eq "Sales""#)
    );
    let found = scim_body(scim(&app, Method::GET, &lookup, &token, None).await, 200).await;
    assert_eq!(found["totalResults"], 0);
    let group = scim_body(
        scim(
            &app,
            Method::POST,
            &groups,
            &token,
            Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Sales"})),
        )
        .await,
        201,
    )
    .await;
    let found = scim_body(scim(&app, Method::GET, &lookup, &token, None).await, 200).await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none());
    let group_path = format!("{groups}/{}", group["id"].as_str().unwrap());
    let add = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]});
    let grown = scim_body(
        scim(&app, Method::PATCH, &group_path, &token, Some(&add)).await,
        200,
    )
    .await;
    assert_eq!(grown["members"].as_array().unwrap().len(), 1);
    let remove = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": id}]}]});
    let shrunk = scim_body(
        scim(&app, Method::PATCH, &group_path, &token, Some(&remove)).await,
        200,
    )
    .await;
    assert_eq!(shrunk["members"], json!([]));

    // Hard delete.
    assert_eq!(
        scim(&app, Method::DELETE, &user_path, &token, None)
            .await
            .status(),
        204
    );
    scim_error(
        scim(&app, Method::GET, &user_path, &token, None).await,
        404,
        None,
    )
    .await;
}

const USER_SCHEMA: &str = crate::USER;

pub fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)]).unwrap()[2..].to_string()
}

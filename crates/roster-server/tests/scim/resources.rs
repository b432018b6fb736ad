//! PATCH, versions, filters, projections, content types, Bulk and discovery over HTTP.

use crate::helpers::spawn_app;
use crate::idp::urlencode;
use crate::{okta_user, scim, scim_body, scim_error, scim_path, PATCH_OP};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_failed_patch_changes_nothing_and_a_stale_if_match_is_412() {
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
            Some(&okta_user("ada@example.com", "Ada", "L")),
        )
        .await,
        201,
    )
    .await;
    let path = format!("{users}/{}", created["id"].as_str().unwrap());
    for (operations, kind) in [
        (
            json!([{"op": "replace", "path": "title", "value": "Countess"},
                {"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "1"}]),
            "noTarget",
        ),
        (
            json!([{"op": "replace", "path": "title", "value": "Countess"}, {"op": "remove"}]),
            "noTarget",
        ),
        (
            json!([{"op": "replace", "path": "title", "value": "Countess"},
                {"op": "add", "path": "emails[type eq", "value": "x"}]),
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "title", "value": "Countess"},
                {"op": "replace", "path": "active", "value": "maybe"}]),
            "invalidValue",
        ),
    ] {
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        scim_error(
            scim(&app, Method::PATCH, &path, &token, Some(&body)).await,
            400,
            Some(kind),
        )
        .await;
    }
    let unchanged = scim_body(scim(&app, Method::GET, &path, &token, None).await, 200).await;
    assert!(unchanged.get("title").is_none(), "{unchanged}");
    assert_eq!(unchanged["meta"]["version"], created["meta"]["version"]);

    let stale = created["meta"]["version"].as_str().unwrap().to_string();
    let title = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "Countess"}]});
    let fresh = app
        .request(Method::PATCH, &path, Some(&token))
        .header("content-type", "application/scim+json")
        .header("if-match", &stale)
        .body(title.to_string())
        .send()
        .await
        .unwrap();
    let fresh = scim_body(fresh, 200).await;
    assert_ne!(
        fresh["meta"]["version"],
        stale.as_str(),
        "every write moves the version"
    );
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let body = match method {
            Method::PUT => okta_user("ada@example.com", "Ada", "L"),
            _ => title.clone(),
        };
        let response = app
            .request(method.clone(), &path, Some(&token))
            .header("content-type", "application/scim+json")
            .header("if-match", &stale)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        scim_error(response, 412, None).await;
    }
    let current = scim_body(scim(&app, Method::GET, &path, &token, None).await, 200).await;
    assert_eq!(current["meta"]["version"], fresh["meta"]["version"]);
}

#[tokio::test]
async fn lists_filter_page_sort_and_project() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_admin, token) = app.admin(&org).await;
    let users = scim_path(&org, "/Users");
    for (email, given) in [
        ("amy@x.example", "Amy"),
        ("ann@x.example", "Ann"),
        ("bob@y.example", "Bob"),
    ] {
        scim_body(
            scim(
                &app,
                Method::POST,
                &users,
                &token,
                Some(&okta_user(email, given, "Test")),
            )
            .await,
            201,
        )
        .await;
    }
    let list = |query: String| {
        let app = &app;
        let token = &token;
        let users = &users;
        async move {
            scim_body(
                scim(app, Method::GET, &format!("{users}?{query}"), token, None).await,
                200,
            )
            .await
        }
    };
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_string())
            .collect()
    };
    let page = list(format!(
        "filter={}&sortBy=userName&sortOrder=descending&startIndex=2&count=1",
        urlencode(r#"userName sw "a""#)
    ))
    .await;
    assert_eq!(page["totalResults"], 2);
    assert_eq!(page["itemsPerPage"], 1);
    assert_eq!(page["startIndex"], 2);
    assert_eq!(names(&page), ["amy@x.example"]);
    let both = list(format!(
        "filter={}",
        urlencode(
            r#"(userName ew "y.example" or name.givenName Eq "amy") and not (active eq false)"#
        )
    ))
    .await;
    assert_eq!(names(&both), ["amy@x.example", "bob@y.example"]);
    let projected = list(format!(
        "filter={}&attributes=userName",
        urlencode(r#"userName eq "ann@x.example""#)
    ))
    .await;
    let only = projected["Resources"][0].as_object().unwrap();
    let mut keys: Vec<&str> = only.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["id", "schemas", "userName"]);
    let excluded = list(format!(
        "filter={}&excludedAttributes=emails,name",
        urlencode(r#"userName eq "ann@x.example""#)
    ))
    .await;
    assert!(excluded["Resources"][0].get("emails").is_none());
    assert!(excluded["Resources"][0].get("name").is_none());
    assert_eq!(excluded["Resources"][0]["userName"], "ann@x.example");

    for (query, kind) in [
        (
            format!("filter={}", urlencode("userName eq")),
            "invalidFilter",
        ),
        (
            format!("filter={}", urlencode(r#"shoeSize eq "9""#)),
            "invalidFilter",
        ),
        ("sortBy=title".to_string(), "invalidValue"),
        ("count=ten".to_string(), "invalidValue"),
        ("count=1&count=2".to_string(), "invalidValue"),
    ] {
        let response = scim(&app, Method::GET, &format!("{users}?{query}"), &token, None).await;
        scim_error(response, 400, Some(kind)).await;
    }
    let text = app
        .request(Method::POST, &users, Some(&token))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    scim_error(text, 415, None).await;
    let no_schema = json!({"userName": "x@y.example"});
    scim_error(
        scim(&app, Method::POST, &users, &token, Some(&no_schema)).await,
        400,
        Some("invalidValue"),
    )
    .await;
}

#[tokio::test]
async fn bulk_runs_in_order_with_bulk_id_references_and_stops_at_fail_on_errors() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_admin, token) = app.admin(&org).await;
    let bulk = scim_path(&org, "/Bulk");
    let request = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "failOnErrors": 1,
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "u1", "data": okta_user("kim@example.com", "Kim", "K")},
            {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Team",
                "members": [{"value": "bulkId:u1"}]}},
            {"method": "PATCH", "path": "/Users/bulkId:u1", "data": {"schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u2", "data": okta_user("kim@example.com", "Kim", "K")},
            {"method": "POST", "path": "/Users", "bulkId": "u3", "data": okta_user("lee@example.com", "Lee", "L")},
        ],
    });
    let response = scim_body(
        scim(&app, Method::POST, &bulk, &token, Some(&request)).await,
        200,
    )
    .await;
    assert_eq!(
        response["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    let operations = response["Operations"].as_array().unwrap();
    let statuses: Vec<&str> = operations
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["201", "201", "200", "409"],
        "stopped after the first error"
    );
    assert_eq!(operations[3]["response"]["scimType"], "uniqueness");
    assert_eq!(operations[0]["bulkId"], "u1");
    let user_id = operations[0]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let group = scim_body(
        scim(
            &app,
            Method::GET,
            operations[1]["location"]
                .as_str()
                .unwrap()
                .split_once("/identity")
                .map(|(_, p)| format!("/identity{p}"))
                .as_deref()
                .unwrap(),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(group["members"][0]["value"], user_id.as_str());
    let lee = format!(
        "{}?filter={}",
        scim_path(&org, "/Users"),
        urlencode(r#"userName eq "lee@example.com""#)
    );
    assert_eq!(
        scim_body(scim(&app, Method::GET, &lee, &token, None).await, 200).await["totalResults"],
        0
    );

    let too_many: Vec<_> = (0..101)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": too_many});
    scim_error(
        scim(&app, Method::POST, &bulk, &token, Some(&body)).await,
        413,
        Some("tooMany"),
    )
    .await;
}

#[tokio::test]
async fn discovery_describes_what_is_implemented() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_admin, token) = app.admin(&org).await;
    let config = scim_body(
        scim(
            &app,
            Method::GET,
            &scim_path(&org, "/ServiceProviderConfig"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["maxOperations"], 100);
    assert_eq!(config["filter"]["supported"], true);
    assert_eq!(config["etag"]["supported"], true);
    let types = scim_body(
        scim(
            &app,
            Method::GET,
            &scim_path(&org, "/ResourceTypes"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(types["totalResults"], 2);
    assert_eq!(types["Resources"][0]["endpoint"], "/Users");
    let schemas = scim_body(
        scim(
            &app,
            Method::GET,
            &scim_path(&org, "/Schemas"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(schemas["totalResults"], 5);
    for (path, id) in [
        (
            "/Schemas/SCIM2/User",
            "urn:ietf:params:scim:schemas:core:2.0:User",
        ),
        (
            "/Schemas/SCIM2/Group",
            "urn:ietf:params:scim:schemas:core:2.0:Group",
        ),
        (
            "/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ),
    ] {
        let schema = scim_body(
            scim(&app, Method::GET, &scim_path(&org, path), &token, None).await,
            200,
        )
        .await;
        assert_eq!(schema["id"], id, "{path}");
    }
    let user = scim_body(
        scim(
            &app,
            Method::GET,
            &scim_path(&org, "/Schemas/SCIM2/User"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    let password = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "password")
        .unwrap();
    assert_eq!(password["mutability"], "writeOnly");
    assert_eq!(password["returned"], "never");
}

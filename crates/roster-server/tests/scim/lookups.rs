//! The look-ups identity providers make on every sync (`userName eq`, `emails.value eq`,
//! `userName sw`), answered from the caches and the email index: the same bytes as the
//! general list, never another organization's people, and every write seen at once.

use crate::helpers::{json_body, spawn_app, until_the_feed_delivers, TestApp};
use crate::idp::urlencode;
use crate::{okta_user, scim, scim_body, scim_path, PATCH_OP};
use reqwest::Method;
use roster_store::scim::ScimExtra;
use roster_store::{OrgRecord, PersonDraft};
use serde_json::{json, Value};

/// The status and body text of `GET /Users?{query}`, after checking its content type.
async fn users_text(app: &TestApp, org: &OrgRecord, token: &str, query: &str) -> (u16, String) {
    let path = format!("{}?{query}", scim_path(org, "/Users"));
    let response = scim(app, Method::GET, &path, token, None).await;
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        content_type, "application/scim+json;charset=UTF-8",
        "{query}"
    );
    (status, response.text().await.unwrap())
}

/// `GET /Users?filter={filter}{rest}`, as JSON.
async fn users(app: &TestApp, org: &OrgRecord, token: &str, filter: &str, rest: &str) -> Value {
    let (status, text) = users_text(
        app,
        org,
        token,
        &format!("filter={}{rest}", urlencode(filter)),
    )
    .await;
    assert_eq!(status, 200, "{filter}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn user_names(page: &Value) -> Vec<&str> {
    page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect()
}

async fn create_user(app: &TestApp, org: &OrgRecord, token: &str, email: &str) -> Value {
    let path = scim_path(org, "/Users");
    let body = okta_user(email, "Given", "Family");
    scim_body(
        scim(app, Method::POST, &path, token, Some(&body)).await,
        201,
    )
    .await
}

#[tokio::test]
async fn look_ups_answer_the_same_bytes_as_the_general_list() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_admin, token) = app.admin(&org).await;
    for email in [
        "Amy.Pond@x.example",
        "amy2@x.example",
        "ann@x.example",
        "a%b_c@x.example",
        "axbyc@x.example",
    ] {
        create_user(&app, &org, &token, email).await;
    }
    // A person made through People, whose second email is no userName.
    app.person_with(PersonDraft {
        org_id: org.id,
        display_name: "Two Emails".into(),
        emails: vec!["first@x.example".into(), "Second@x.example".into()],
        ..PersonDraft::default()
    })
    .await;
    let cases: [(&str, &str, usize); 17] = [
        (r#"userName eq "amy.pond@X.example""#, "", 1),
        (r#"userName eq " Amy.Pond@x.example ""#, "", 1),
        (r#"USERNAME Eq "amy.pond@x.example""#, "&startIndex=2", 1),
        (r#"userName eq "amy.pond@x.example""#, "&count=0", 1),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ann@x.example""#,
            "&attributes=userName,name.givenName",
            1,
        ),
        (r#"userName eq "second@x.example""#, "", 0),
        (r#"userName eq "nobody@x.example""#, "", 0),
        (r#"emails.value eq "SECOND@x.example""#, "", 1),
        (
            r#"emails eq "first@x.example""#,
            "&excludedAttributes=emails",
            1,
        ),
        (r#"userName sw "a""#, "", 5),
        (r#"userName sw "A%B_""#, "", 1),
        (r#"userName sw "a_b""#, "", 0),
        (r#"userName sw "a%""#, "", 1),
        (r#"userName sw "AMY""#, "&sortOrder=descending", 2),
        (r#"userName sw "a""#, "&startIndex=2&count=2", 5),
        (r#"userName sw "a""#, "&startIndex=9", 5),
        (r#"userName sw "a""#, "&excludedAttributes=meta", 5),
    ];
    for (filter, rest, total) in cases {
        // The same filter twice over is answered by the general list.
        let general = format!(
            "filter={}{rest}",
            urlencode(&format!("({filter}) or ({filter})"))
        );
        let (status, expected) = users_text(&app, &org, &token, &general).await;
        assert_eq!(status, 200, "{filter}: {expected}");
        let parsed: Value = serde_json::from_str(&expected).unwrap();
        assert_eq!(parsed["totalResults"], total, "{filter}{rest}: {expected}");
        // Cold, then from the caches.
        for round in ["cold", "warm"] {
            let query = format!("filter={}{rest}", urlencode(filter));
            let (status, text) = users_text(&app, &org, &token, &query).await;
            assert_eq!(status, 200, "{filter}: {text}");
            assert_eq!(text, expected, "{filter}{rest} ({round})");
        }
    }
    // The order of creation, either way.
    let page = users(&app, &org, &token, r#"userName sw "a""#, "").await;
    assert_eq!(
        user_names(&page),
        [
            "Amy.Pond@x.example",
            "amy2@x.example",
            "ann@x.example",
            "a%b_c@x.example",
            "axbyc@x.example"
        ]
    );
    let page = users(
        &app,
        &org,
        &token,
        r#"userName sw "a""#,
        "&sortOrder=descending&count=2",
    )
    .await;
    assert_eq!(user_names(&page), ["axbyc@x.example", "a%b_c@x.example"]);
    assert_eq!(page["itemsPerPage"], 2);
}

#[tokio::test]
async fn look_ups_never_answer_with_another_organizations_people() {
    let app = spawn_app().await;
    let acme = app.org("Acme").await;
    let globex = app.org("Globex").await;
    let (_, acme_token) = app.admin(&acme).await;
    let (_, globex_token) = app.admin(&globex).await;
    create_user(&app, &globex, &globex_token, "only@globex.example").await;
    create_user(&app, &acme, &acme_token, "other@acme.example").await;
    for filter in [
        r#"userName eq "only@globex.example""#,
        r#"emails.value eq "only@globex.example""#,
        r#"userName sw "only""#,
    ] {
        // Globex finds its own, which leaves the person in every cache ...
        for _ in 0..2 {
            let own = users(&app, &globex, &globex_token, filter, "").await;
            assert_eq!(own["totalResults"], 1, "{filter}");
        }
        // ... and Acme still finds nobody.
        let other = users(&app, &acme, &acme_token, filter, "").await;
        assert_eq!(other["totalResults"], 0, "{filter}: {other}");
        assert_eq!(other["Resources"], json!([]), "{filter}");
    }
    let prefix = users(&app, &acme, &acme_token, r#"userName sw "other""#, "").await;
    assert_eq!(user_names(&prefix), ["other@acme.example"]);
}

#[tokio::test]
async fn look_ups_see_every_write_at_once() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_, token) = app.admin(&org).await;
    let created = create_user(&app, &org, &token, "kim@x.example").await;
    let id = created["id"].as_str().unwrap().to_string();
    let user_path = format!("{}/{id}", scim_path(&org, "/Users"));
    let by_name = r#"userName eq "kim@x.example""#;
    let by_prefix = r#"userName sw "kim""#;
    // Warm.
    for filter in [by_name, by_prefix] {
        let page = users(&app, &org, &token, filter, "").await;
        assert_eq!(page["Resources"][0]["displayName"], "Given Family");
    }

    // A SCIM PATCH.
    let patch = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "displayName", "value": "Kim Patched"},
        {"op": "replace", "path": "externalId", "value": "ext-kim"}]});
    scim_body(
        scim(&app, Method::PATCH, &user_path, &token, Some(&patch)).await,
        200,
    )
    .await;
    for filter in [by_name, by_prefix] {
        let page = users(&app, &org, &token, filter, "").await;
        assert_eq!(
            page["Resources"][0]["displayName"], "Kim Patched",
            "{filter}"
        );
        assert_eq!(page["Resources"][0]["externalId"], "ext-kim", "{filter}");
    }

    // A People update that changes the email.
    let people_path = format!(
        "/v1/people/{}",
        roster_types::id::encode_uuid(roster_types::IdKind::People, &id.parse().unwrap())
    );
    let body = json!({"displayName": "Kim People", "emails": ["kim.new@x.example"]});
    json_body(app.put_json(&people_path, &token, &body).await, 200).await;
    let old = users(&app, &org, &token, by_name, "").await;
    assert_eq!(old["totalResults"], 0, "{old}");
    let new = users(&app, &org, &token, r#"userName eq "KIM.NEW@x.example""#, "").await;
    assert_eq!(new["Resources"][0]["displayName"], "Kim People");
    assert_eq!(
        new["Resources"][0]["externalId"], "ext-kim",
        "SCIM attributes survive People writes"
    );
    let prefix = users(&app, &org, &token, by_prefix, "").await;
    assert_eq!(user_names(&prefix), ["kim.new@x.example"]);

    // A write by another process (the CLI, another node) arrives through the change feed.
    let extra = ScimExtra {
        external_id: Some("ext-imported".into()),
        attributes: Default::default(),
    };
    app.store
        .import_scim_extras(&[(id.parse().unwrap(), extra)])
        .await
        .unwrap();
    until_the_feed_delivers("imported SCIM attributes", || async {
        let page = users(&app, &org, &token, r#"userName eq "kim.new@x.example""#, "").await;
        page["Resources"][0]["externalId"] == "ext-imported"
    })
    .await;
    until_the_feed_delivers("imported SCIM attributes in a prefix page", || async {
        let page = users(&app, &org, &token, by_prefix, "").await;
        page["Resources"][0]["externalId"] == "ext-imported"
    })
    .await;

    // Deactivated, then deleted.
    let deactivate = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "active", "value": false}]});
    scim_body(
        scim(&app, Method::PATCH, &user_path, &token, Some(&deactivate)).await,
        200,
    )
    .await;
    let page = users(&app, &org, &token, r#"userName eq "kim.new@x.example""#, "").await;
    assert_eq!(page["Resources"][0]["active"], false);
    let response = scim(&app, Method::DELETE, &user_path, &token, None).await;
    assert_eq!(response.status().as_u16(), 204);
    for filter in [r#"userName eq "kim.new@x.example""#, by_prefix] {
        let page = users(&app, &org, &token, filter, "").await;
        assert_eq!(page["totalResults"], 0, "{filter}: {page}");
    }
}

//! `roster import --format scim`: JSON Lines of SCIM Users, as IdPs send them, become
//! people with their SCIM attributes; a running server serves them through SCIM.

mod common;

use common::{init_acme, roster, serve, sqlite};

#[test]
fn scim_user_lines_import_as_people_with_their_scim_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir.path().join("roster.db"));
    init_acme(&db);
    let file = dir.path().join("users.jsonl");
    let lines = [
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"0b8c5c2e-5f4a-4a55-9b89-3b0c8f1c2d01","userName":"ada@acme.test","externalId":"okta-ada","name":{"givenName":"Ada","familyName":"Lovelace","middleName":"King"},"title":"Countess","active":false}"#,
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"not an email"}"#,
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@acme.test","displayName":"Grace Hopper","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E2","department":"Navy"}}"#,
        r#"{"userName":"noschema@acme.test"}"#,
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = roster(&["import", file.to_str().unwrap(), "--format", "scim"])
        .database(&db)
        .run();
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("line 2: 'userName' must be an email address"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("line 4: 'schemas' must include"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("imported 2 new, 0 already present, 2 rejected"),
        "{}",
        out.stderr
    );

    // Re-running creates nothing new.
    let again = roster(&["import", file.to_str().unwrap(), "--format", "scim"])
        .database(&db)
        .run();
    assert!(
        again.stderr.contains("imported 0 new, 2 already present"),
        "{}",
        again.stderr
    );

    let server = serve(&db, &[]).start();
    let token = roster(&["token", "create", "--email", "admin@acme.test"])
        .database(&db)
        .ok_line();
    let orgs = roster(&["export"]).database(&db).ok();
    let admin: serde_json::Value = serde_json::from_str(orgs.lines().next().unwrap()).unwrap();
    let org = roster_types::GlobalId::decode_uuid(
        roster_types::IdKind::Organization,
        admin["orgId"].as_str().unwrap(),
    )
    .unwrap();
    let get = |path: &str| -> serde_json::Value {
        reqwest::blocking::Client::new()
            .get(format!("{}/identity/scim/{org}/v2{path}", server.base))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let ada = get("/Users/0b8c5c2e-5f4a-4a55-9b89-3b0c8f1c2d01");
    assert_eq!(ada["userName"], "ada@acme.test");
    assert_eq!(ada["externalId"], "okta-ada");
    assert_eq!(ada["name"]["middleName"], "King");
    assert_eq!(ada["active"], false);
    let found = get("/Users?filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Aextension%3Aenterprise%3A2.0%3AUser%3AemployeeNumber%20eq%20%22E2%22");
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["userName"], "grace@acme.test");
    assert_eq!(
        found["Resources"][0]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
            ["department"],
        "Navy"
    );
}

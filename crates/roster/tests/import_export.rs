//! `roster import`, `roster export`, `roster token list|revoke`, `roster presence`:
//! the real binary on a real SQLite file.

mod common;

use common::{init_acme, roster, sqlite};

fn export_lines(url: &str) -> Vec<serde_json::Value> {
    roster(&["export"])
        .database(url)
        .ok()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn a_csv_import_reports_bad_rows_by_line_and_imports_the_rest_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir.path().join("roster.db"));
    init_acme(&db);
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "email,displayName,firstName,lastName,title,roles,phone\n\
         ada@acme.test,Ada Lovelace,Ada,Lovelace,Countess,,+1 555 0100\n\
         not-an-email,Broken,,,,,\n\
         grace@acme.test,,Grace,Hopper,Admiral,id_readonly_admin,\n\
         nameless@acme.test,,,,,,\n\
         \"quoted@acme.test\",\"Quoted, Person\",,,,,\n",
    )
    .unwrap();
    let out = roster(&["import", csv.to_str().unwrap()])
        .database(&db)
        .run();
    let stderr = out.stderr;
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejected rows make the exit status 1: {stderr}"
    );
    assert!(
        stderr.contains("line 3: 'not-an-email' is not a valid email address"),
        "{stderr}"
    );
    assert!(stderr.contains("line 5: needs a displayName"), "{stderr}");
    assert!(
        stderr.contains("imported 3 new, 0 already present, 2 rejected"),
        "{stderr}"
    );

    let people = export_lines(&db);
    assert_eq!(people.len(), 4, "the admin and three imported people");
    let grace = people
        .iter()
        .find(|p| p["emails"][0] == "grace@acme.test")
        .unwrap();
    assert_eq!(grace["displayName"], "Grace Hopper");
    assert_eq!(grace["roles"].as_array().unwrap().len(), 1);
    let ada = people
        .iter()
        .find(|p| p["emails"][0] == "ada@acme.test")
        .unwrap();
    assert_eq!(ada["phoneNumbers"][0]["value"], "+1 555 0100");
    assert!(people.iter().any(|p| p["displayName"] == "Quoted, Person"));

    // Running the same file again creates nothing new.
    let again = roster(&["import", csv.to_str().unwrap()])
        .database(&db)
        .run();
    assert!(again
        .stderr
        .contains("imported 0 new, 3 already present, 2 rejected"));
    assert_eq!(export_lines(&db).len(), 4);

    // --strict stops at the first bad row.
    let strict_db = sqlite(&dir.path().join("strict.db"));
    init_acme(&strict_db);
    let out = roster(&["import", "--strict", csv.to_str().unwrap()])
        .database(&strict_db)
        .run();
    assert!(!out.status.success());
    assert!(out.stderr.contains("stopped at line 3"), "{}", out.stderr);
    let unknown_column = dir.path().join("bad.csv");
    std::fs::write(&unknown_column, "email,shoeSize\na@b.test,42\n").unwrap();
    let out = roster(&["import", unknown_column.to_str().unwrap()])
        .database(&db)
        .run();
    assert!(out.stderr.contains("unknown CSV column 'shoesize'"));
}

#[test]
fn export_then_import_round_trips_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite(&dir.path().join("source.db"));
    init_acme(&source);
    let jsonl = dir.path().join("people.jsonl");
    let mut lines = String::new();
    for i in 0..250 {
        lines.push_str(&format!(
            "{{\"emails\":[\"p{i}@acme.test\"],\"displayName\":\"Person {i}\",\"title\":\"T{i}\",\"type\":\"{}\",\"addresses\":[{{\"type\":\"work\",\"country\":\"NO\"}}],\"sipAddresses\":[{{\"type\":\"enterprise\",\"value\":\"p{i}@sip.test\",\"primary\":true}}]}}\n",
            if i % 50 == 0 { "bot" } else { "person" }
        ));
    }
    lines.push_str("{\"emails\": 42}\n");
    std::fs::write(&jsonl, lines).unwrap();
    let out = roster(&["import", jsonl.to_str().unwrap(), "--batch-size", "64"])
        .database(&source)
        .run();
    assert!(
        out.stderr.contains("line 251: not a person in JSON"),
        "{}",
        out.stderr
    );
    let exported = dir.path().join("export.jsonl");
    let out = roster(&["export", "--output", exported.to_str().unwrap()])
        .database(&source)
        .run();
    assert!(out.status.success());

    let copy = sqlite(&dir.path().join("copy.db"));
    let out = roster(&["import", exported.to_str().unwrap(), "--create-orgs"])
        .database(&copy)
        .run();
    assert!(out.status.success(), "{}", out.stderr);
    let (before, after) = (export_lines(&source), export_lines(&copy));
    assert_eq!(before.len(), 251);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert!(a == b, "identical, ids included:\n{a}\n{b}");
    }
}

#[test]
fn import_refuses_what_the_api_would_refuse_and_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir.path().join("roster.db"));
    init_acme(&db);
    let jsonl = dir.path().join("people.jsonl");
    let person = |email: &str, extra: serde_json::Value| {
        let mut p = serde_json::json!({"emails": [email], "displayName": "Someone"});
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        p.to_string()
    };
    let phones: Vec<_> = (0..101)
        .map(|i| serde_json::json!({"type": "work", "value": format!("+1 555 {i:04}")}))
        .collect();
    let lines = [
        person("fine@acme.test", serde_json::json!({"nickName": "Fine"})),
        person(
            "nick@acme.test",
            serde_json::json!({"nickName": "n".repeat(1025)}),
        ),
        // 1,000 characters, but 3,000 bytes of UTF-8.
        person(
            "jid@acme.test",
            serde_json::json!({"xmppFederationJid": "\u{20ac}".repeat(1000)}),
        ),
        person(
            "tab@acme.test",
            serde_json::json!({"displayName": "Tab\tby"}),
        ),
        person(
            "phones@acme.test",
            serde_json::json!({"phoneNumbers": phones}),
        ),
        person(
            "street@acme.test",
            serde_json::json!({"addresses": [{"streetAddress": "a\u{0}b"}]}),
        ),
        person(
            "edge@acme.test",
            serde_json::json!({"title": "t".repeat(1024)}),
        ),
    ];
    std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    let out = roster(&["import", jsonl.to_str().unwrap()])
        .database(&db)
        .run();
    let stderr = out.stderr;
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for expected in [
        "line 2: 'nickName' is longer than 1024 characters (2048 bytes)",
        "line 3: 'xmppFederationJid' is longer than 1024 characters (2048 bytes)",
        "line 4: 'displayName' contains control characters",
        "line 5: 'phoneNumbers' has more than 100 entries",
        "line 6: 'addresses' contains control characters",
        "imported 2 new, 0 already present, 5 rejected",
    ] {
        assert!(
            stderr.contains(expected),
            "missing '{expected}' in:\n{stderr}"
        );
    }
    let people = export_lines(&db);
    let emails: Vec<_> = people.iter().map(|p| p["emails"][0].clone()).collect();
    assert_eq!(people.len(), 3, "the admin, fine and edge: {emails:?}");
    assert!(people.iter().any(|p| p["title"] == "t".repeat(1024)));
}

#[test]
fn tokens_are_listed_without_secrets_and_revoked_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir.path().join("roster.db"));
    let admin_token = init_acme(&db);
    let out = roster(&[
        "token",
        "create",
        "--email",
        "admin@acme.test",
        "--label",
        "ci",
    ])
    .database(&db)
    .run();
    let second = out.stdout.trim().to_string();
    let out = roster(&["token", "list"]).database(&db).run();
    let listing = out.stdout;
    assert!(
        !listing.contains(&admin_token) && !listing.contains(&second),
        "no secrets"
    );
    let ci_line = listing
        .lines()
        .find(|l| l.ends_with("ci"))
        .expect("labelled token");
    let id = ci_line.split_whitespace().next().unwrap();
    let out = roster(&["token", "revoke", id]).database(&db).run();
    assert!(out.status.success(), "{}", out.stderr);
    let out = roster(&["token", "list", "--email", "admin@acme.test"])
        .database(&db)
        .run();
    assert!(out
        .stdout
        .lines()
        .any(|l| l.contains("revoked") && l.ends_with("ci")));
    let again = roster(&["token", "revoke", id]).database(&db).run();
    assert!(!again.status.success());
}

#[test]
fn presence_can_be_set_to_every_state_and_sharing_toggled() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir.path().join("roster.db"));
    init_acme(&db);
    for state in [
        "active",
        "call",
        "DoNotDisturb",
        "inactive",
        "meeting",
        "OutOfOffice",
        "pending",
        "presenting",
        "unknown",
        "auto",
    ] {
        let out = roster(&["presence", "set", "admin@acme.test", state, "--for", "5m"])
            .database(&db)
            .run();
        assert!(out.status.success(), "{state}: {}", out.stderr);
    }
    let out = roster(&["presence", "set", "admin@acme.test", "sleeping"])
        .database(&db)
        .run();
    assert!(!out.status.success());
    assert!(out.stderr.contains("DoNotDisturb"));
    let out = roster(&["presence", "sharing", "admin@acme.test", "off"])
        .database(&db)
        .run();
    assert!(out.status.success());
    let out = roster(&["presence", "sharing", "nobody@acme.test", "on"])
        .database(&db)
        .run();
    assert!(out.stderr.contains("no person has the email"));
}

#[test]
fn completions_are_printed_for_bash() {
    let script = roster(&["completions", "bash"]).ok();
    assert!(script.contains("_roster"));
}

#[test]
fn a_row_that_collides_inside_the_database_is_rejected_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(&dir.path().join("roster.db"));
    init_acme(&db);
    let jsonl = dir.path().join("people.jsonl");
    // The second row's second email belongs to the admin: only the database notices, so
    // the batch falls back to row-by-row writes and rejects that row alone.
    std::fs::write(
        &jsonl,
        "{\"emails\":[\"one@acme.test\"],\"displayName\":\"One\"}\n\
         {\"emails\":[\"two@acme.test\",\"ADMIN@acme.test\"],\"displayName\":\"Two\"}\n\
         {\"emails\":[\"three@acme.test\"],\"displayName\":\"Three\"}\n",
    )
    .unwrap();
    let out = roster(&["import", jsonl.to_str().unwrap()])
        .database(&db)
        .run();
    let stderr = out.stderr;
    assert!(
        stderr.contains("line 2: The email 'ADMIN@acme.test' is already in use."),
        "{stderr}"
    );
    assert!(
        stderr.contains("imported 2 new, 0 already present, 1 rejected"),
        "{stderr}"
    );
    let names: Vec<String> = export_lines(&db)
        .iter()
        .map(|p| p["displayName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        vec!["Administrator", "One", "Three"],
        "nothing of row 2 was written"
    );
}

/// The database URL of the copy in `migrate-store` tests: PostgreSQL when a test server is
/// given (a fresh database, dropped afterwards), otherwise another SQLite file.
fn migration_target() -> roster_store::testing::TestDb {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(roster_store::testing::TestDb::new())
}

#[test]
fn migrate_store_copies_a_whole_deployment_and_checks_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite(&dir.path().join("source.db"));
    let admin_token = init_acme(&source);
    let jsonl = dir.path().join("people.jsonl");
    let lines: String = (0..120)
        .map(|i| format!("{{\"emails\":[\"m{i}@acme.test\"],\"displayName\":\"Migrant {i}\"}}\n"))
        .collect();
    std::fs::write(&jsonl, lines).unwrap();
    roster(&["import", jsonl.to_str().unwrap()])
        .database(&source)
        .ok();
    roster(&["presence", "set", "m7@acme.test", "meeting"])
        .database(&source)
        .ok();
    roster(&["org", "create", "--name", "Partner", "--partner-of", "Acme"])
        .database(&source)
        .ok();
    // What lives beside people: SCIM attributes, an integration, a signing key.
    let scim = dir.path().join("users.jsonl");
    std::fs::write(
        &scim,
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@acme.test","externalId":"okta-ada","name":{"givenName":"Ada","familyName":"Lovelace"},"title":"Countess"}"#,
    )
    .unwrap();
    roster(&[
        "import",
        scim.to_str().unwrap(),
        "--format",
        "scim",
        "--org",
        "Acme",
    ])
    .database(&source)
    .ok();
    let integration: serde_json::Value = serde_json::from_str(
        &roster(&[
            "integration",
            "create",
            "--name",
            "Planner",
            "--redirect-uri",
            "http://127.0.0.1:3000/callback",
            "--org",
            "Acme",
            "--json",
        ])
        .database(&source)
        .ok(),
    )
    .unwrap();
    let client_id = integration["clientId"].as_str().unwrap();
    roster(&["oidc", "rotate-key"]).database(&source).ok();

    let target_db = migration_target();
    let target = target_db.url.clone();
    let out = roster(&["migrate-store", "--from", &source, "--to", &target]).run();
    let stderr = out.stderr;
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("people: 122 in the source, 122 in the target"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tokens: 1 in the source, 1 in the target"),
        "{stderr}"
    );
    for copied in [
        "scim_users: 1 in the source, 1 in the target",
        "oauth_integrations: 1 in the source, 1 in the target",
        "oidc_signing_keys: 1 in the source, 1 in the target",
    ] {
        assert!(stderr.contains(copied), "{copied}: {stderr}");
    }

    let export = |url: &str| roster(&["export", "--database-url", url]).ok();
    assert_eq!(export(&source), export(&target));
    let orgs = roster(&["org", "list", "--json", "--database-url", &target]).run();
    assert!(orgs.stdout.contains("Partner"));
    let keys = |url: &str| roster(&["oidc", "keys", "--json"]).database(url).ok();
    assert_eq!(keys(&source), keys(&target));
    let shown = roster(&["integration", "show", client_id, "--json"])
        .database(&target)
        .ok();
    assert!(shown.contains("Planner"), "{shown}");
    let external_id = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = roster_store::open(&target, &Default::default())
                .await
                .unwrap();
            let ada = store
                .find_person_by_email("ada@acme.test")
                .await
                .unwrap()
                .unwrap();
            let user = store.get_scim_user(ada.id).await.unwrap().unwrap();
            store.close().await;
            user.extra.external_id
        });
    assert_eq!(external_id.as_deref(), Some("okta-ada"));

    // Into a non-empty database: refused, nothing changed.
    let again = roster(&["migrate-store", "--from", &source, "--to", &target]).run();
    assert!(!again.status.success());
    assert!(again.stderr.contains("already has organizations"));
    assert!(!admin_token.is_empty());
}

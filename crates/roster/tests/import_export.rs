//! `roster import`, `roster export`, `roster token list|revoke`, `roster presence`:
//! the real binary on a real SQLite file.

use std::path::Path;
use std::process::{Command, Output};

fn roster(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("ROSTER_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run roster")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn init(db: &Path) -> String {
    let out = roster(
        db,
        &["init", "--org", "Acme", "--admin-email", "admin@acme.test"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn export_lines(db: &Path) -> Vec<serde_json::Value> {
    let out = roster(db, &["export"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn a_csv_import_reports_bad_rows_by_line_and_imports_the_rest_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    init(&db);
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
    let out = roster(&db, &["import", csv.to_str().unwrap()]);
    let stderr = text(&out.stderr);
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
    let again = roster(&db, &["import", csv.to_str().unwrap()]);
    assert!(text(&again.stderr).contains("imported 0 new, 3 already present, 2 rejected"));
    assert_eq!(export_lines(&db).len(), 4);

    // --strict stops at the first bad row.
    let strict_db = dir.path().join("strict.db");
    init(&strict_db);
    let out = roster(&strict_db, &["import", "--strict", csv.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("stopped at line 3"),
        "{}",
        text(&out.stderr)
    );
    let unknown_column = dir.path().join("bad.csv");
    std::fs::write(&unknown_column, "email,shoeSize\na@b.test,42\n").unwrap();
    let out = roster(&db, &["import", unknown_column.to_str().unwrap()]);
    assert!(text(&out.stderr).contains("unknown CSV column 'shoesize'"));
}

#[test]
fn export_then_import_round_trips_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.db");
    init(&source);
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
    let out = roster(
        &source,
        &["import", jsonl.to_str().unwrap(), "--batch-size", "64"],
    );
    assert!(
        text(&out.stderr).contains("line 251: not a person in JSON"),
        "{}",
        text(&out.stderr)
    );
    let exported = dir.path().join("export.jsonl");
    let out = roster(&source, &["export", "--output", exported.to_str().unwrap()]);
    assert!(out.status.success());

    let copy = dir.path().join("copy.db");
    let out = roster(
        &copy,
        &["import", exported.to_str().unwrap(), "--create-orgs"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
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
    let db = dir.path().join("roster.db");
    init(&db);
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
    let out = roster(&db, &["import", jsonl.to_str().unwrap()]);
    let stderr = text(&out.stderr);
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
    let db = dir.path().join("roster.db");
    let admin_token = init(&db);
    let out = roster(
        &db,
        &[
            "token",
            "create",
            "--email",
            "admin@acme.test",
            "--label",
            "ci",
        ],
    );
    let second = text(&out.stdout).trim().to_string();
    let out = roster(&db, &["token", "list"]);
    let listing = text(&out.stdout);
    assert!(
        !listing.contains(&admin_token) && !listing.contains(&second),
        "no secrets"
    );
    let ci_line = listing
        .lines()
        .find(|l| l.ends_with("ci"))
        .expect("labelled token");
    let id = ci_line.split_whitespace().next().unwrap();
    let out = roster(&db, &["token", "revoke", id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = roster(&db, &["token", "list", "--email", "admin@acme.test"]);
    assert!(text(&out.stdout)
        .lines()
        .any(|l| l.contains("revoked") && l.ends_with("ci")));
    let again = roster(&db, &["token", "revoke", id]);
    assert!(!again.status.success());
}

#[test]
fn presence_can_be_set_to_every_state_and_sharing_toggled() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    init(&db);
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
        let out = roster(
            &db,
            &["presence", "set", "admin@acme.test", state, "--for", "5m"],
        );
        assert!(out.status.success(), "{state}: {}", text(&out.stderr));
    }
    let out = roster(&db, &["presence", "set", "admin@acme.test", "sleeping"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("DoNotDisturb"));
    let out = roster(&db, &["presence", "sharing", "admin@acme.test", "off"]);
    assert!(out.status.success());
    let out = roster(&db, &["presence", "sharing", "nobody@acme.test", "on"]);
    assert!(text(&out.stderr).contains("no person has the email"));
}

#[test]
fn completions_are_printed_for_bash() {
    let output = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("_roster"));
}

#[test]
fn a_row_that_collides_inside_the_database_is_rejected_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    init(&db);
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
    let out = roster(&db, &["import", jsonl.to_str().unwrap()]);
    let stderr = text(&out.stderr);
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
    let source = dir.path().join("source.db");
    let admin_token = init(&source);
    let jsonl = dir.path().join("people.jsonl");
    let lines: String = (0..120)
        .map(|i| format!("{{\"emails\":[\"m{i}@acme.test\"],\"displayName\":\"Migrant {i}\"}}\n"))
        .collect();
    std::fs::write(&jsonl, lines).unwrap();
    assert!(roster(&source, &["import", jsonl.to_str().unwrap()])
        .status
        .success());
    assert!(
        roster(&source, &["presence", "set", "m7@acme.test", "meeting"])
            .status
            .success()
    );
    assert!(roster(
        &source,
        &["org", "create", "--name", "Partner", "--partner-of", "Acme"]
    )
    .status
    .success());

    let target_db = migration_target();
    let target = target_db.url.clone();
    let source_url = format!("sqlite://{}", source.display());
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["migrate-store", "--from", &source_url, "--to", &target])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("people: 121 in the source, 121 in the target"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tokens: 1 in the source, 1 in the target"),
        "{stderr}"
    );

    let export = |url: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(["export", "--database-url", url])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        text(&out.stdout)
    };
    assert_eq!(export(&source_url), export(&target));
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["org", "list", "--json", "--database-url", &target])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("Partner"));

    // Into a non-empty database: refused, nothing changed.
    let again = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["migrate-store", "--from", &source_url, "--to", &target])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already has organizations"));
    assert!(!admin_token.is_empty());
}

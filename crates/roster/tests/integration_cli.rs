//! `roster integration ...` and `roster person password`, run as the real binary.

mod common;

use common::{init_acme, roster, sqlite};
use roster_store::oauth::{credentials, password};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(&dir.path().join("roster.db"));
    init_acme(&url);
    (dir, url)
}

#[test]
fn create_prints_one_json_object_and_the_secret_only_once() {
    let (_dir, url) = database();
    let out = roster(&[
        "integration",
        "create",
        "--name",
        "Planner",
        "--redirect-uri",
        "http://127.0.0.1:3000/callback",
        "--redirect-uri",
        "http://localhost:3000/callback",
        "--scope",
        "spark:people_read",
        "--json",
    ])
    .database(&url)
    .ok();
    assert_eq!(out.lines().count(), 1, "{out}");
    let created: Value = serde_json::from_str(&out).unwrap();
    let mut keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["clientId", "clientSecret", "id", "redirectUris", "scopes"]
    );
    let client_id = created["clientId"].as_str().unwrap();
    assert!(credentials::is_client_id(client_id), "{client_id}");
    let secret = created["clientSecret"].as_str().unwrap();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(created["redirectUris"].as_array().unwrap().len(), 2);
    assert_eq!(created["scopes"], serde_json::json!(["spark:people_read"]));

    let shown = roster(&["integration", "show", client_id, "--json"])
        .database(&url)
        .ok();
    assert!(!shown.contains(secret), "the secret is never shown again");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["name"], "Planner");
    let listed = roster(&["integration", "list", "--json"])
        .database(&url)
        .ok();
    assert_eq!(listed.lines().count(), 1);

    let rotated = roster(&["integration", "rotate-secret", client_id, "--json"])
        .database(&url)
        .ok();
    let rotated: Value = serde_json::from_str(&rotated).unwrap();
    assert_ne!(rotated["clientSecret"], secret);

    roster(&["integration", "delete", client_id])
        .database(&url)
        .ok();
    let gone = roster(&["integration", "show", client_id])
        .database(&url)
        .fails();
    assert!(gone.stderr.contains("no integration"), "{gone}");
    let bad = roster(&[
        "integration",
        "create",
        "--name",
        "X",
        "--redirect-uri",
        "not a uri",
    ])
    .database(&url)
    .fails();
    assert!(bad.stderr.contains("not"), "{bad}");
}

#[tokio::test]
async fn a_password_from_stdin_is_stored_as_argon2id() {
    let (_dir, url) = database();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["person", "password", "admin@acme.test", "--password-stdin"])
        .env("ROSTER_DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long passphrase\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("passphrase"));

    let store = roster_store::open(&url, &Default::default()).await.unwrap();
    let admin = store
        .find_person_by_email("admin@acme.test")
        .await
        .unwrap()
        .unwrap();
    let stored = store.password_hash(admin.id).await.unwrap().unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(password::verify("a long passphrase", &stored));
    store.close().await;

    let short = roster(&["person", "password", "admin@acme.test", "--password-stdin"])
        .database(&url)
        .fails();
    assert!(short.stderr.contains("at least"), "{short}");
}

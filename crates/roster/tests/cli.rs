//! The `roster` binary itself: set-up commands, tokens, and serving.

mod common;

use common::{roster, serve, sqlite, Server, SERVING, TOKEN_MARK};

use std::time::Duration;

/// This file's servers: `info` logs (for the line announcing the server is up), and 20 s
/// to start, print or stop.
fn start(database_url: &str, args: &[&str]) -> Server {
    serve(database_url, args)
        .log_level("info")
        .bound(Duration::from_secs(20))
        .start()
}

fn me(base: &str, token: &str) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .get(format!("{base}/v1/people/me"))
        .bearer_auth(token)
        .send()
        .unwrap()
}

#[test]
fn init_prints_only_the_admin_token_and_refuses_to_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    let url = sqlite(&db);
    let token = roster(&[
        "init",
        "--org",
        "Acme",
        "--admin-email",
        "ada@acme.test",
        "--admin-name",
        "Ada Admin",
    ])
    .database(&url)
    .ok();
    assert_eq!(
        token.lines().count(),
        1,
        "only the token on stdout: {token:?}"
    );
    let token = token.trim();
    assert!(token.len() > 43);

    let mode = std::fs::metadata(&db).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        mode.permissions().mode() & 0o777,
        0o600,
        "owner-only database file"
    );

    let again = roster(&["init", "--org", "Other", "--admin-email", "x@other.test"])
        .database(&url)
        .fails();
    assert!(
        again.stderr.contains("already initialized"),
        "{}",
        again.stderr
    );
    assert!(again.stdout.is_empty());

    // Nothing changed: the first admin's token still works, and a token for the would-be
    // second admin cannot be issued because that person does not exist.
    let server = start(&url, &[]);
    let response = me(&server.base, token);
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["emails"][0], "ada@acme.test");
    assert_eq!(body["displayName"], "Ada Admin");
    assert_eq!(body["roles"].as_array().unwrap().len(), 1);
    let missing = roster(&["token", "create", "--email", "x@other.test"])
        .database(&url)
        .fails();
    assert!(missing.stderr.contains("no person has the email"));
}

#[test]
fn a_token_created_while_the_server_runs_is_accepted_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    let url = sqlite(&db);
    roster(&["init", "--org", "Acme", "--admin-email", "ada@acme.test"])
        .database(&url)
        .ok();
    let server = start(&url, &[]);
    let token = roster(&["token", "create", "--email", "ADA@acme.test", "--ttl", "1h"])
        .database(&url)
        .ok_line();
    assert_eq!(me(&server.base, &token).status(), 200);

    let bad_ttl = roster(&[
        "token",
        "create",
        "--email",
        "ada@acme.test",
        "--ttl",
        "soon",
    ])
    .database(&url)
    .fails();
    assert!(bad_ttl.stderr.contains("--ttl"));
}

#[test]
fn serve_on_an_empty_database_prints_a_working_admin_token_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(&dir.path().join("fresh.db"));
    let server = start(&url, &["--demo"]);
    let lines = server.lines_until(SERVING);
    let tokens: Vec<String> = lines
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| l.contains(TOKEN_MARK))
        .collect();
    assert_eq!(tokens.len(), 2, "admin and demo tokens: {lines:?}");
    let admin: serde_json::Value = me(&server.base, &tokens[0]).json().unwrap();
    assert_eq!(admin["emails"][0], "admin@example.com");
    let demo: serde_json::Value = me(&server.base, &tokens[1]).json().unwrap();
    assert_eq!(demo["displayName"], "John Andersen");
    let status = server.terminate().status;
    assert!(status.success(), "graceful exit: {status:?}");

    // A second start on the same database creates nothing and prints no token.
    let server = start(&url, &[]);
    let lines = server.lines_until(SERVING);
    assert!(!lines.iter().any(|l| l.contains(TOKEN_MARK)), "{lines:?}");
    assert_eq!(me(&server.base, &tokens[1]).status(), 200);
}

#[test]
fn help_explains_every_command() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["init", "--help"],
        vec!["token", "create", "--help"],
    ] {
        let text = roster(&args).ok();
        assert!(text.contains("Usage"), "{args:?}");
    }
    let text = roster(&["serve", "--help"]).ok();
    assert!(text.contains("ROSTER_DATABASE_URL"));
}

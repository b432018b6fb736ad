//! `roster control ...` against `roster serve --control-listen`, on the test backend (a
//! SQLite file, or PostgreSQL when `ROSTER_TEST_POSTGRES_URL` is set): faults, the journal,
//! snapshots across two nodes, the clock and the clock-aware `token create --ttl`, and the
//! refusal of a control listener that needs a token.

mod common;

use common::{init_acme, roster, serve, Run, Server};

use roster_store::testing::TestDb;
use serde_json::Value;
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server with a control listener, its control URL and the token it printed.
fn serve_controlled(database_url: &str) -> (Server, String, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let server = serve(database_url, &["--control-listen", &listen]).start();
    let lines = server.lines_until(roster_server::control::CONTROL_TOKEN_PREFIX);
    let token = lines.last().unwrap().trim().to_string();
    (server, format!("http://{listen}"), token)
}

fn me_status(server: &Server, token: &str) -> u16 {
    reqwest::blocking::Client::new()
        .get(format!("{}/v1/people/me", server.base))
        .bearer_auth(token)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

/// `roster control ARGS` with the control coordinates in the environment.
fn control(url: &str, token: &str, args: &[&str]) -> Run {
    let mut all = vec!["control"];
    all.extend_from_slice(args);
    roster(&all)
        .env("ROSTER_CONTROL_URL", url)
        .env("ROSTER_CONTROL_TOKEN", token)
}

fn json(run: Run) -> Value {
    serde_json::from_str(&run.ok()).expect("JSON on stdout")
}

#[test]
fn faults_journal_snapshots_and_clock_from_the_command_line() {
    let db = runtime().block_on(TestDb::new());
    let admin = init_acme(&db.url);
    let (server, url, token) = serve_controlled(&db.url);
    let other = serve(&db.url, &[]).start();

    // A 503 for the second call only.
    let id = control(
        &url,
        &token,
        &[
            "fault",
            "add",
            "--path",
            "/v1/people/*",
            "--status",
            "503",
            "--skip",
            "1",
            "--times",
            "1",
        ],
    )
    .ok_line();
    let statuses: Vec<u16> = (0..3).map(|_| me_status(&server, &admin)).collect();
    assert_eq!(statuses, [200, 503, 200]);
    let rules = json(control(&url, &token, &["fault", "list", "--json"]));
    assert_eq!(rules[0]["id"], id.as_str());
    assert_eq!(rules[0]["fired"], 1);
    let listed = control(&url, &token, &["fault", "list"]).ok();
    assert!(listed.contains(&id) && listed.contains("503"), "{listed}");
    control(&url, &token, &["fault", "clear"]).ok();
    assert_eq!(
        json(control(&url, &token, &["fault", "list", "--json"])),
        serde_json::json!([])
    );

    // The journal: exactly those three calls.
    let entries = json(control(
        &url,
        &token,
        &["requests", "--path", "/v1/people/me", "--json"],
    ));
    let statuses: Vec<u64> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 503, 200]);
    assert_eq!(entries[1]["faultId"], id.as_str());
    let text = control(&url, &token, &["requests", "--status", "503"]).ok();
    assert_eq!(text.lines().count(), 2, "a header and one request: {text}");
    control(&url, &token, &["requests", "--clear"]).ok();
    assert_eq!(
        json(control(&url, &token, &["requests", "--json"])),
        serde_json::json!([])
    );

    // A snapshot, a token made after it, a restore: the token is refused on both nodes.
    control(&url, &token, &["snapshot", "save", "clean"]).ok();
    let later = roster(&["token", "create", "--email", "admin@acme.test"])
        .database(&db.url)
        .ok_line();
    assert_eq!(me_status(&other, &later), 200);
    control(&url, &token, &["snapshot", "restore", "clean"]).ok();
    assert_eq!(
        me_status(&server, &later),
        401,
        "refused at once on the node restored"
    );
    let start = Instant::now();
    while me_status(&other, &later) != 401 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the other node still accepts it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(me_status(&other, &admin), 200);
    let names = control(&url, &token, &["snapshot", "list"]).ok();
    assert!(
        names.contains("clean") && names.contains("roster:start"),
        "{names}"
    );

    // The clock: two hours on, a token made with --ttl 1h by a command that knows the
    // server's clock works; one made on real time has already expired.
    let moved = json(control(&url, &token, &["clock", "advance", "2h", "--json"]));
    assert!(moved["offsetMs"].as_i64().unwrap() >= 7_200_000);
    let aware = roster(&[
        "token",
        "create",
        "--email",
        "admin@acme.test",
        "--ttl",
        "1h",
    ])
    .database(&db.url)
    .env("ROSTER_CONTROL_URL", &url)
    .env("ROSTER_CONTROL_TOKEN", &token)
    .ok_line();
    let unaware = roster(&[
        "token",
        "create",
        "--email",
        "admin@acme.test",
        "--ttl",
        "1h",
    ])
    .database(&db.url)
    .ok_line();
    assert_eq!(me_status(&server, &aware), 200);
    assert_eq!(me_status(&server, &unaware), 401);
    control(&url, &token, &["clock", "real"]).ok();
    assert_eq!(me_status(&server, &unaware), 200);

    // Reset: as the server started (the admin of `init` is there, later tokens are not).
    control(&url, &token, &["reset"]).ok();
    assert_eq!(me_status(&server, &admin), 200);
    assert_eq!(me_status(&server, &aware), 401);
}

#[test]
fn control_commands_need_the_control_token() {
    let db = runtime().block_on(TestDb::new());
    let admin = init_acme(&db.url);
    let (_server, url, _token) = serve_controlled(&db.url);
    let refused = control(&url, &admin, &["fault", "list"]).fails();
    assert!(
        refused.stderr.contains("401") && refused.stderr.contains("control token"),
        "{refused}"
    );
    let missing = roster(&["control", "reset"]).fails();
    assert!(missing.stderr.contains("ROSTER_CONTROL_URL"), "{missing}");
}

#[test]
fn a_control_listener_off_loopback_needs_a_token_from_the_environment() {
    let db = runtime().block_on(TestDb::new());
    init_acme(&db.url);
    let refused = roster(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--control-listen",
        "0.0.0.0:0",
    ])
    .database(&db.url)
    .fails();
    assert!(refused.stderr.contains("ROSTER_CONTROL_TOKEN"), "{refused}");
    assert!(
        refused.stderr.contains("not on a loopback address"),
        "{refused}"
    );
}

#[test]
fn sign_ins_are_approved_and_listed_from_the_command_line() {
    let db = runtime().block_on(TestDb::new());
    init_acme(&db.url);
    let (_server, url, token) = serve_controlled(&db.url);
    let approved = json(control(
        &url,
        &token,
        &["sign-in", "admin@acme.test", "--json"],
    ));
    assert!(approved["clientId"].is_null(), "{approved}");
    let pending = json(control(&url, &token, &["sign-in", "--json"]));
    assert_eq!(pending[0]["id"], approved["id"], "{pending}");
    let listed = control(&url, &token, &["sign-in"]).ok();
    assert!(listed.contains("(any)"), "{listed}");
    let refused = control(&url, &token, &["sign-in", "nobody@acme.test"]).fails();
    assert!(refused.stderr.contains("nobody@acme.test"), "{refused}");
}

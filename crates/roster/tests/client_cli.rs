//! The client subcommands (`roster me`, `roster people ...`) against a running server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    base: String,
    admin: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("roster.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("ROSTER_DATABASE_URL", &db)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut admin = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if admin.is_none() && line.contains("_RSTR_") {
            admin = Some(line.trim().to_string());
        }
        if line.contains("serving the Webex People API") {
            break;
        }
        assert!(Instant::now() < deadline);
    }
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base: format!("http://127.0.0.1:{port}/v1"),
        admin: admin.expect("admin token printed"),
        _dir: dir,
    }
}

fn roster(server: &Server, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("ROSTER_BASE_URL", &server.base)
        .env("WEBEX_ACCESS_TOKEN", &server.admin)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_client_subcommands_drive_a_running_server() {
    let server = start();

    let me = roster(&server, &["me"]);
    assert!(me.status.success(), "{}", stderr(&me));
    assert!(stdout(&me).contains("admin@example.com"));
    let me_json: serde_json::Value =
        serde_json::from_slice(&roster(&server, &["me", "--json"]).stdout).unwrap();
    assert_eq!(me_json["emails"][0], "admin@example.com");

    let list = roster(
        &server,
        &["people", "list", "--display-name", "J", "--max", "1"],
    );
    assert!(list.status.success(), "{}", stderr(&list));
    let table = stdout(&list);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("John Andersen") && table.contains("John Duarte"),
        "{table}"
    );

    let created = roster(
        &server,
        &[
            "people",
            "create",
            "--email",
            "cli@example.com",
            "--display-name",
            "Cli Person",
            "--title",
            "Tester",
            "--json",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let created: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let id = created["id"].as_str().unwrap().to_string();

    let updated = roster(
        &server,
        &["people", "update", &id, "--department", "QA", "--json"],
    );
    assert!(updated.status.success(), "{}", stderr(&updated));
    let updated: serde_json::Value = serde_json::from_slice(&updated.stdout).unwrap();
    assert_eq!(updated["department"], "QA");
    assert_eq!(updated["title"], "Tester", "fields not mentioned are kept");

    let card = roster(&server, &["people", "get", &id]);
    assert!(stdout(&card).contains("Cli Person"));

    let lines = roster(
        &server,
        &["people", "list", "--email", "cli@example.com", "--json"],
    );
    assert_eq!(stdout(&lines).lines().count(), 1);

    let deleted = roster(&server, &["people", "delete", &id]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    let missing = roster(&server, &["people", "get", &id]);
    assert!(!missing.status.success());
    let message = stderr(&missing);
    assert!(
        message.contains("404") && message.contains("trackingId ROSTERCLIENT_"),
        "{message}"
    );

    let denied = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["me", "--base-url", &server.base, "--token", "wrong"])
        .output()
        .unwrap();
    assert!(!denied.status.success());
    assert!(stderr(&denied).contains("401"), "{}", stderr(&denied));
}

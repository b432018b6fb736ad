//! The `roster` binary itself: set-up commands, tokens, and serving.

mod common;

use common::free_port;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn roster(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("ROSTER_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run roster")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

struct Server {
    child: Child,
    base: String,
    stderr_lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(db: &Path, extra: &[&str]) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(["serve", "--listen", &listen])
            .args(extra)
            .env("ROSTER_DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn roster serve");
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let server = Server {
            child,
            base: format!("http://{listen}"),
            stderr_lines: rx,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&listen).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn lines_until(&self, needle: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(line) = self.stderr_lines.recv_timeout(Duration::from_millis(100)) {
                let done = line.contains(needle);
                lines.push(line);
                if done {
                    return lines;
                }
            }
        }
        panic!("never saw '{needle}' in {lines:?}");
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let output = roster(
        &db,
        &[
            "init",
            "--org",
            "Acme",
            "--admin-email",
            "ada@acme.test",
            "--admin-name",
            "Ada Admin",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let token = stdout(&output);
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

    let again = roster(
        &db,
        &["init", "--org", "Other", "--admin-email", "x@other.test"],
    );
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already initialized"),
        "{}",
        stderr(&again)
    );
    assert!(stdout(&again).is_empty());

    // Nothing changed: the first admin's token still works, and a token for the would-be
    // second admin cannot be issued because that person does not exist.
    let server = Server::start(&db, &[]);
    let response = me(&server.base, token);
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["emails"][0], "ada@acme.test");
    assert_eq!(body["displayName"], "Ada Admin");
    assert_eq!(body["roles"].as_array().unwrap().len(), 1);
    let missing = roster(&db, &["token", "create", "--email", "x@other.test"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no person has the email"));
}

#[test]
fn a_token_created_while_the_server_runs_is_accepted_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    let init = roster(
        &db,
        &["init", "--org", "Acme", "--admin-email", "ada@acme.test"],
    );
    assert!(init.status.success());
    let server = Server::start(&db, &[]);
    let created = roster(
        &db,
        &["token", "create", "--email", "ADA@acme.test", "--ttl", "1h"],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let token = stdout(&created).trim().to_string();
    assert_eq!(me(&server.base, &token).status(), 200);

    let bad_ttl = roster(
        &db,
        &[
            "token",
            "create",
            "--email",
            "ada@acme.test",
            "--ttl",
            "soon",
        ],
    );
    assert!(!bad_ttl.status.success());
    assert!(stderr(&bad_ttl).contains("--ttl"));
}

#[test]
fn serve_on_an_empty_database_prints_a_working_admin_token_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let server = Server::start(&db, &["--demo"]);
    let lines = server.lines_until("serving the Webex People API");
    let tokens: Vec<String> = lines
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| l.contains("_RSTR_"))
        .collect();
    assert_eq!(tokens.len(), 2, "admin and demo tokens: {lines:?}");
    let admin: serde_json::Value = me(&server.base, &tokens[0]).json().unwrap();
    assert_eq!(admin["emails"][0], "admin@example.com");
    let demo: serde_json::Value = me(&server.base, &tokens[1]).json().unwrap();
    assert_eq!(demo["displayName"], "John Andersen");
    let status = server.terminate();
    assert!(status.success(), "graceful exit: {status:?}");

    // A second start on the same database creates nothing and prints no token.
    let server = Server::start(&db, &[]);
    let lines = server.lines_until("serving the Webex People API");
    assert!(!lines.iter().any(|l| l.contains("_RSTR_")), "{lines:?}");
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
        let output = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(&args)
            .output()
            .unwrap();
        assert!(output.status.success());
        let text = stdout(&output);
        assert!(text.contains("Usage"), "{args:?}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(stdout(&output).contains("ROSTER_DATABASE_URL"));
}

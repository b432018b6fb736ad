//! The client subcommands (`roster me`, `roster people ...`) against a running server.

mod common;

use common::{roster, serve, sqlite, Outcome, Server};

/// `roster serve --demo` and the admin token it printed.
struct Demo {
    server: Server,
    admin: String,
    _dir: tempfile::TempDir,
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let server = serve(&sqlite(&dir.path().join("roster.db")), &["--demo"]).start();
        Demo {
            admin: server.admin_token(),
            server,
            _dir: dir,
        }
    }

    /// The API's base URL, as clients are given it.
    fn api(&self) -> String {
        format!("{}/v1", self.server.base)
    }

    /// A client subcommand, pointed at this server as the admin.
    fn client(&self, args: &[&str]) -> Outcome {
        roster(args)
            .env("ROSTER_BASE_URL", &self.api())
            .env("WEBEX_ACCESS_TOKEN", &self.admin)
            .run()
    }
}

#[test]
fn the_client_subcommands_drive_a_running_server() {
    let server = Demo::start();

    let me = server.client(&["me"]);
    assert!(me.status.success(), "{}", me.stderr);
    assert!(me.stdout.contains("admin@example.com"));
    let me_json: serde_json::Value =
        serde_json::from_str(&server.client(&["me", "--json"]).stdout).unwrap();
    assert_eq!(me_json["emails"][0], "admin@example.com");

    let list = server.client(&["people", "list", "--display-name", "J", "--max", "1"]);
    assert!(list.status.success(), "{}", list.stderr);
    let table = list.stdout;
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("John Andersen") && table.contains("John Duarte"),
        "{table}"
    );

    let created = server.client(&[
        "people",
        "create",
        "--email",
        "cli@example.com",
        "--display-name",
        "Cli Person",
        "--title",
        "Tester",
        "--json",
    ]);
    assert!(created.status.success(), "{}", created.stderr);
    let created: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    let id = created["id"].as_str().unwrap().to_string();

    let updated = server.client(&["people", "update", &id, "--department", "QA", "--json"]);
    assert!(updated.status.success(), "{}", updated.stderr);
    let updated: serde_json::Value = serde_json::from_str(&updated.stdout).unwrap();
    assert_eq!(updated["department"], "QA");
    assert_eq!(updated["title"], "Tester", "fields not mentioned are kept");

    let card = server.client(&["people", "get", &id]);
    assert!(card.stdout.contains("Cli Person"));

    let lines = server.client(&["people", "list", "--email", "cli@example.com", "--json"]);
    assert_eq!(lines.stdout.lines().count(), 1);

    let deleted = server.client(&["people", "delete", &id]);
    assert!(deleted.status.success(), "{}", deleted.stderr);
    let missing = server.client(&["people", "get", &id]);
    assert!(!missing.status.success());
    let message = missing.stderr;
    assert!(
        message.contains("404") && message.contains("trackingId ROSTERCLIENT_"),
        "{message}"
    );

    let denied = roster(&["me", "--base-url", &server.api(), "--token", "wrong"]).run();
    assert!(!denied.status.success());
    assert!(denied.stderr.contains("401"), "{}", denied.stderr);
}

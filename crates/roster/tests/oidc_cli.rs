//! `roster oidc keys|rotate-key` as the real binary, beside a running `roster serve` on the
//! same database (SQLite, or PostgreSQL with `ROSTER_TEST_POSTGRES_URL`): a rotation made
//! from the command line is what the server's key set shows at once.

mod common;

use common::{init_acme, roster, serve};
use serde_json::Value;

fn test_db() -> roster_store::testing::TestDb {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(roster_store::testing::TestDb::new())
}

fn published_kids(base: &str) -> Vec<String> {
    let set: Value = reqwest::blocking::get(format!("{base}/v1/verification"))
        .unwrap()
        .json()
        .unwrap();
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_string())
        .collect()
}

fn keys_json(url: &str) -> Vec<Value> {
    roster(&["oidc", "keys", "--json"])
        .database(url)
        .ok()
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn a_rotation_from_the_command_line_reaches_a_running_server_at_once() {
    let db = test_db();
    init_acme(&db.url);
    let server = serve(&db.url, &[]).start();
    let first = published_kids(&server.base);
    assert_eq!(first.len(), 1, "the server made a key when it started");

    let keys = keys_json(&db.url);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], first[0].as_str());
    assert_eq!(keys[0]["state"], "active");
    assert_eq!(keys[0]["jwk"]["kty"], "RSA");
    assert!(keys[0]["jwk"].get("d").is_none(), "no private half");

    let outcome = roster(&["oidc", "rotate-key"]).database(&db.url).run();
    assert!(outcome.status.success(), "{outcome}");
    let new_kid = outcome.stdout.trim().to_string();
    assert_eq!(outcome.stdout.lines().count(), 1, "{outcome}");
    assert!(outcome.stderr.contains("120 more minutes"), "{outcome}");
    assert_eq!(
        published_kids(&server.base),
        [new_kid.clone(), first[0].clone()]
    );

    let keys = keys_json(&db.url);
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["kid"], new_kid.as_str());
    assert_eq!(keys[0]["state"], "active");
    assert_eq!(keys[1]["kid"], first[0].as_str());
    assert_eq!(keys[1]["state"], "published");
    assert_eq!(keys[1]["retiredAt"], keys[0]["created"]);
    assert!(keys[1]["publishedUntil"].as_str().unwrap() > keys[1]["retiredAt"].as_str().unwrap());

    let table = roster(&["oidc", "keys"]).database(&db.url).ok();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("KID"), "{table}");
    assert!(
        lines[1].starts_with(&new_kid) && lines[1].contains("active"),
        "{table}"
    );
    assert!(lines[2].contains("published"), "{table}");
    drop(server);
}

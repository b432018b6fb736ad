//! A SCIM 2 conformance suite someone else wrote, `scim2-tester` (pinned with its client in
//! `tests/scim/requirements.txt`), against the real `roster serve --demo`. The script
//! (`tests/scim/conformance.py`) lists the checks Roster fails on purpose, because Webex
//! does it that way, with the reason; any other failure fails this test.

mod common;

use common::python::{python_venv, show};
use common::{serve, sqlite};
use std::path::Path;
use std::process::Command;

#[test]
fn scim2_tester_finds_only_the_documented_webex_differences() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scim");
    let python = python_venv(&dir.join("requirements.txt"), "scim-venv");
    let db = tempfile::tempdir().unwrap();
    let server = serve(
        &sqlite(&db.path().join("roster.db")),
        &["--demo", "--rate-limit", "0"],
    )
    .start();
    let token = server.admin_token();
    // The demo organization (`seed::EXAMPLE_ORG_ID`).
    let org = roster_store::seed::EXAMPLE_ORG_ID;
    let output = Command::new(&python)
        .arg(dir.join("conformance.py"))
        .env(
            "ROSTER_SCIM_BASE",
            format!("{}/identity/scim/{org}/v2", server.base),
        )
        .env("ROSTER_ADMIN_TOKEN", &token)
        .output()
        .expect("run the conformance script");
    println!("{}", show(&output));
    assert!(
        output.status.success(),
        "scim2-tester reported unexpected failures\n{}",
        show(&output)
    );
}

//! `roster backup` and `roster restore`: a copy taken while writes run holds every write
//! acknowledged before it started and passes its integrity check; a restore goes only into
//! an empty database unless forced; PostgreSQL is pointed at its own tools.

mod common;

use common::{init_acme, roster, serve, sqlite};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The emails of every person in the SQLite database at `url`, read through the store.
fn emails_in(url: &str) -> HashSet<String> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = roster_store::open(url, &roster_store::StoreOptions::default())
            .await
            .unwrap();
        let mut query = roster_store::PeopleQuery {
            org_ids: store
                .list_orgs()
                .await
                .unwrap()
                .iter()
                .map(|o| o.id)
                .collect(),
            limit: 1000,
            ..Default::default()
        };
        let mut emails = HashSet::new();
        loop {
            let page = store.list_people(&query).await.unwrap();
            emails.extend(page.iter().flat_map(|p| p.emails.clone()));
            match page.last() {
                Some(last) if page.len() == 1000 => {
                    query.after = Some(roster_store::Cursor {
                        name_key: None,
                        seq: last.seq,
                    })
                }
                _ => break,
            }
        }
        store.close().await;
        emails
    })
}

#[test]
fn a_backup_taken_while_writes_run_holds_every_write_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(&dir.path().join("roster.db"));
    let admin = init_acme(&url);
    let server = serve(&url, &["--rate-limit", "0"]).start();
    let base = format!("{}/v1/people", server.base);

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (acknowledged, stop, base, admin) = (
                acknowledged.clone(),
                stop.clone(),
                base.clone(),
                admin.clone(),
            );
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let email = format!("writer{w}-{i}@acme.test");
                    let answer = client
                        .post(&base)
                        .bearer_auth(&admin)
                        .json(&serde_json::json!({"emails": [email], "displayName": email}))
                        .send();
                    if answer.is_ok_and(|a| a.status().is_success()) {
                        acknowledged.lock().unwrap().push(email);
                    }
                }
            })
        })
        .collect();

    // Let writes pile up, then back up in the middle of them.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(Instant::now() < deadline, "the writers made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before_backup: Vec<String> = acknowledged.lock().unwrap().clone();
    let backup = dir.path().join("backup.db");
    let outcome = roster(&["backup", "--output", backup.to_str().unwrap()])
        .database(&url)
        .run();
    let after_backup = acknowledged.lock().unwrap().len();
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().unwrap();
    }
    assert!(outcome.status.success(), "{outcome}");
    assert!(outcome.stderr.contains("integrity check ok"), "{outcome}");
    assert!(
        after_backup > before_backup.len(),
        "writes kept running during the backup"
    );

    let in_backup = emails_in(&sqlite(&backup));
    let missing: Vec<&String> = before_backup
        .iter()
        .filter(|email| !in_backup.contains(*email))
        .collect();
    assert!(missing.is_empty(), "lost acknowledged writes: {missing:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is readable by its owner only");
    }
    // A backup never overwrites a file.
    let again = roster(&["backup", "--output", backup.to_str().unwrap()])
        .database(&url)
        .fails();
    assert!(again.stderr.contains("exists already"), "{again}");
}

#[test]
fn a_restore_goes_into_an_empty_database_and_replaces_one_with_data_only_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite(&dir.path().join("source.db"));
    init_acme(&source);
    roster(&["person", "add", "--email", "kept@acme.test"])
        .database(&source)
        .ok();
    let backup = dir.path().join("backup.db");
    let backup_arg = backup.to_str().unwrap();
    roster(&["backup", "--output", backup_arg])
        .database(&source)
        .ok();

    // Into a database that does not exist yet: restored, and a server serves it.
    let target = sqlite(&dir.path().join("target.db"));
    let restored = roster(&["restore", "--from", backup_arg])
        .database(&target)
        .run();
    assert!(restored.status.success(), "{restored}");
    assert!(restored.stderr.contains("people 2"), "{restored}");
    assert!(emails_in(&target).contains("kept@acme.test"));

    // Into one with data: refused, and nothing changes.
    roster(&["person", "add", "--email", "later@acme.test"])
        .database(&target)
        .ok();
    let refused = roster(&["restore", "--from", backup_arg])
        .database(&target)
        .fails();
    assert!(refused.stderr.contains("--force"), "{refused}");
    assert!(emails_in(&target).contains("later@acme.test"));

    // Forced: the backup replaces it.
    roster(&["restore", "--from", backup_arg, "--force"])
        .database(&target)
        .ok();
    let emails = emails_in(&target);
    assert!(emails.contains("kept@acme.test"));
    assert!(!emails.contains("later@acme.test"));

    // A file that is not a Roster database is refused before anything is touched.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let junk_restore = roster(&["restore", "--from", junk.to_str().unwrap(), "--force"])
        .database(&target)
        .fails();
    assert!(!junk_restore.stderr.is_empty(), "{junk_restore}");
    assert!(emails_in(&target).contains("kept@acme.test"));
}

#[test]
fn on_postgresql_backup_and_restore_print_the_postgresql_command_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("backup.dump");
    let url = "postgres://roster:s3cret@db.internal:5432/roster";
    let backup = roster(&["backup", "--output", output.to_str().unwrap()])
        .database(url)
        .run();
    assert_eq!(backup.status.code(), Some(2), "{backup}");
    assert!(backup.stdout.starts_with("pg_dump "), "{backup}");
    assert!(backup
        .stdout
        .contains("postgres://roster@db.internal:5432/roster"));
    assert!(!backup.stdout.contains("s3cret") && !backup.stderr.contains("s3cret"));
    assert!(!output.exists());
    let restore = roster(&["restore", "--from", output.to_str().unwrap()])
        .database(url)
        .run();
    assert_eq!(restore.status.code(), Some(2), "{restore}");
    assert!(restore.stdout.starts_with("pg_restore "), "{restore}");
}

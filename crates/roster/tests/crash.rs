//! Crash safety and secrets: the real binary, killed with SIGKILL mid-stream, and its logs.

mod common;

use common::{init_acme, serve, sqlite, Serve};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server without a rate limit, so the only thing that stops the writers is the kill.
fn unlimited(url: &str) -> Serve {
    serve(url, &["--rate-limit", "0"])
}

#[derive(Clone, Debug, PartialEq)]
enum Sent {
    /// Created, with this title; `acknowledged` when the 200 arrived.
    Create { title: String, acknowledged: bool },
}

/// How many creates got their 200.
fn acknowledged_creates(sent: &HashMap<String, Sent>) -> usize {
    sent.values()
        .filter(|s| {
            matches!(
                s,
                Sent::Create {
                    acknowledged: true,
                    ..
                }
            )
        })
        .count()
}

#[test]
fn a_sigkill_loses_no_acknowledged_write_and_leaves_no_half_written_person() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    let url = sqlite(&db);
    let admin = init_acme(&url);
    let server = unlimited(&url).start();
    let base = format!("{}/v1", server.base);

    let sent: Arc<Mutex<HashMap<String, Sent>>> = Arc::default();
    let updated: Arc<Mutex<HashMap<String, (String, bool)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (sent, updated, stop, base, admin) =
                (sent.clone(), updated.clone(), stop.clone(), base.clone(), admin.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let email = format!("w{w}-{i}@acme.test");
                    let title = format!("Title {w}-{i}");
                    sent.lock().unwrap().insert(email.clone(), Sent::Create { title: title.clone(), acknowledged: false });
                    let body = serde_json::json!({"emails": [email], "displayName": format!("Writer {w} {i}"), "title": title});
                    let Ok(response) = client.post(format!("{base}/people")).bearer_auth(&admin).json(&body).send() else { break };
                    if response.status() != 200 {
                        break;
                    }
                    let person: serde_json::Value = match response.json() { Ok(p) => p, Err(_) => break };
                    sent.lock().unwrap().insert(email.clone(), Sent::Create { title, acknowledged: true });
                    // Every other person is then updated: a full replacement.
                    if i % 2 == 0 {
                        let new_title = format!("Updated {w}-{i}");
                        updated.lock().unwrap().insert(email.clone(), (new_title.clone(), false));
                        let id = person["id"].as_str().unwrap();
                        let body = serde_json::json!({"displayName": format!("Writer {w} {i}"), "title": new_title});
                        let Ok(response) = client.put(format!("{base}/people/{id}")).bearer_auth(&admin).json(&body).send() else { break };
                        if response.status() != 200 {
                            break;
                        }
                        updated.lock().unwrap().insert(email, (new_title, true));
                    }
                }
            })
        })
        .collect();

    // Kill once the stream is well under way, however slow the machine is today.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged_creates(&sent.lock().unwrap()) < 50 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    server.kill(); // SIGKILL, mid-stream
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().unwrap();
    }

    let sent = sent.lock().unwrap().clone();
    let updated = updated.lock().unwrap().clone();
    let acknowledged = acknowledged_creates(&sent);
    assert!(
        acknowledged >= 10,
        "the stream ran before the kill ({acknowledged} creates)"
    );

    let server = unlimited(&url).start();
    let base = format!("{}/v1", server.base);
    let client = reqwest::blocking::Client::new();
    for (
        email,
        Sent::Create {
            title,
            acknowledged,
        },
    ) in &sent
    {
        let list: serde_json::Value = client
            .get(format!("{base}/people"))
            .query(&[("email", email)])
            .bearer_auth(&admin)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let items = list["items"].as_array().unwrap();
        if *acknowledged {
            assert_eq!(items.len(), 1, "acknowledged create of {email} lost");
        }
        let Some(person) = items.first() else {
            continue;
        };
        // Whatever exists exists whole: created fields, and an update fully or not at all.
        assert_eq!(person["emails"][0], email.as_str());
        assert!(person["displayName"]
            .as_str()
            .unwrap()
            .starts_with("Writer "));
        let stored_title = person["title"].as_str().unwrap_or("");
        match updated.get(email) {
            Some((new_title, true)) => assert_eq!(
                stored_title, new_title,
                "acknowledged update of {email} lost"
            ),
            Some((new_title, false)) => assert!(
                stored_title == new_title || stored_title == title,
                "{email}: {stored_title}"
            ),
            None => assert_eq!(stored_title, title, "{email}"),
        }
    }
    server.kill();

    let check = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        use sqlx::Connection;
        let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let result: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut connection).await.unwrap();
        let orphans: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM person_emails e WHERE e.person_id = p.id)",
        )
        .fetch_one(&mut connection)
        .await
        .unwrap();
        (result, orphans)
    });
    assert_eq!(check.0, "ok", "integrity check");
    assert_eq!(check.1, 0, "no person without their email");
}

#[test]
fn tokens_never_appear_in_the_logs_even_at_trace_level() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(&dir.path().join("roster.db"));
    let admin = init_acme(&url);
    let server = unlimited(&url).log_level("trace").start();
    let base = format!("{}/v1", server.base);
    let client = reqwest::blocking::Client::new();
    let forged = format!("{}x", &admin[..admin.len() - 1]);
    for token in [&admin, &forged, &"short".to_string()] {
        for path in ["/people/me", "/people/nope", "/people?max=bad"] {
            let _ = client
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .unwrap();
        }
        let _ = client
            .post(format!("{base}/people"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body("{broken")
            .send()
            .unwrap();
    }
    let text = server.kill().stderr;
    assert!(text.len() > 1000, "trace logging produced output");
    // No 16-character piece of the secret either, so a truncated token is caught too; a
    // piece that long cannot turn up in the logs by chance (62^16 possibilities).
    let secret = admin.split_once("_RSTR_").unwrap().0;
    assert!(secret.len() >= 43, "{admin}");
    assert_eq!(forged.split_once("_RSTR_").unwrap().0, secret);
    for piece in secret.as_bytes().windows(16) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(
            !text.contains(piece),
            "a piece of a token's secret ({piece}) appeared in the logs"
        );
    }
}

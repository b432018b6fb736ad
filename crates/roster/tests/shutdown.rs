//! SIGTERM under load: requests in flight are answered, new connections are refused, the
//! activity noted in memory is written, the process exits in bounded time, and no
//! acknowledged write is lost. On the test backend (SQLite, or PostgreSQL when
//! `ROSTER_TEST_POSTGRES_URL` is set).

mod common;

use common::{init_acme, roster, serve};
use roster_store::testing::TestDb;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn sigterm_under_load_answers_requests_in_flight_writes_activity_and_loses_no_acknowledged_write() {
    let db = runtime().block_on(TestDb::new());
    let admin = init_acme(&db.url);
    // People who only read: their activity lives in memory until shutdown (the flush
    // interval is an hour), so finding it stored afterwards proves shutdown wrote it.
    let readers: Vec<(String, String)> = (0..3)
        .map(|i| {
            let email = format!("reader{i}@acme.test");
            roster(&["person", "add", "--email", &email])
                .database(&db.url)
                .ok();
            let token = roster(&["token", "create", "--email", &email])
                .database(&db.url)
                .ok_line();
            (email, token)
        })
        .collect();
    let server = serve(&db.url, &["--rate-limit", "0", "--activity-flush", "1h"])
        .bound(Duration::from_secs(20))
        .start();
    let address = server.base.trim_start_matches("http://").to_string();
    let base = format!("{}/v1", server.base);

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let reads = Arc::new(AtomicUsize::new(0));
    let mut load = Vec::new();
    for w in 0..4 {
        let (stop, acknowledged, base, admin) = (
            stop.clone(),
            acknowledged.clone(),
            base.clone(),
            admin.clone(),
        );
        load.push(std::thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let email = format!("writer{w}-{i}@acme.test");
                let answer = client
                    .post(format!("{base}/people"))
                    .bearer_auth(&admin)
                    .json(&serde_json::json!({"emails": [email], "displayName": email}))
                    .send();
                match answer {
                    Ok(answer) if answer.status().is_success() => {
                        acknowledged.lock().unwrap().push(email)
                    }
                    // After shutdown begins, refused and closed connections are expected;
                    // what matters is that no acknowledged write is lost.
                    _ => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }));
    }
    for (_, token) in &readers {
        let (stop, reads, base, token) = (stop.clone(), reads.clone(), base.clone(), token.clone());
        load.push(std::thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            while !stop.load(Ordering::SeqCst) {
                let answer = client
                    .get(format!("{base}/people/me"))
                    .bearer_auth(&token)
                    .send();
                if answer.is_ok_and(|a| a.status().is_success()) {
                    reads.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 200 || reads.load(Ordering::SeqCst) < 30 {
        assert!(Instant::now() < deadline, "the load made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A request in flight when the signal comes: its head and half its body are sent.
    let body = serde_json::to_vec(
        &serde_json::json!({"emails": ["in.flight@acme.test"], "displayName": "In Flight"}),
    )
    .unwrap();
    let mut in_flight = TcpStream::connect(&address).unwrap();
    write!(
        in_flight,
        "POST /v1/people HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    in_flight.write_all(&body[..body.len() / 2]).unwrap();
    in_flight.flush().unwrap();
    std::thread::sleep(Duration::from_millis(100));

    let signalled = Instant::now();
    let stopping = std::thread::spawn(move || server.terminate());
    std::thread::sleep(Duration::from_millis(500));
    // Shutdown has begun: a new connection is refused rather than left hanging.
    assert!(
        TcpStream::connect(&address).is_err(),
        "a new connection was accepted during shutdown"
    );
    // The request in flight is still answered, in full.
    in_flight.write_all(&body[body.len() / 2..]).unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "in flight: {answer}");

    let stopped = stopping.join().unwrap();
    let took = signalled.elapsed();
    stop.store(true, Ordering::SeqCst);
    for thread in load {
        thread.join().unwrap();
    }
    assert!(
        stopped.status.success(),
        "{}\n{}",
        stopped.status,
        stopped.stderr
    );
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");
    assert!(
        !stopped.stderr.contains("still running"),
        "requests were cut off: {}",
        stopped.stderr
    );

    runtime().block_on(async {
        let store = roster_store::open(&db.url, &roster_store::StoreOptions::default())
            .await
            .unwrap();
        let acknowledged = acknowledged.lock().unwrap().clone();
        for email in acknowledged
            .iter()
            .chain(["in.flight@acme.test".to_string()].iter())
        {
            assert!(
                store.find_person_by_email(email).await.unwrap().is_some(),
                "acknowledged write lost: {email}"
            );
        }
        for (email, _) in &readers {
            let reader = store.find_person_by_email(email).await.unwrap().unwrap();
            assert!(
                reader.last_activity.is_some(),
                "{email}: the activity noted in memory was not written at shutdown"
            );
            assert!(
                !reader.invite_pending,
                "{email}: reading accepted the invite"
            );
        }
        store.close().await;
    });
}

//! Several `roster serve` processes on one database, and a database that goes away.
//!
//! The multi-node test runs on the test backend (a shared SQLite file, or PostgreSQL when
//! `ROSTER_TEST_POSTGRES_URL` is set). The outage test needs PostgreSQL: it is ignored unless
//! run with `--include-ignored` (as `.ci/run` does with PostgreSQL).

mod common;

use common::{init_acme, roster, serve};

use roster_store::testing::TestDb;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn get(url: &str, token: &str) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .get(url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(20))
        .send()
        .unwrap()
}

/// Polls until `check` holds, failing after `bound`; returns how long it took.
fn within(bound: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < bound, "not seen within {bound:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    start.elapsed()
}

#[test]
fn two_nodes_share_people_tokens_and_pagination() {
    let db = runtime().block_on(TestDb::new());
    let admin = init_acme(&db.url);
    let a = serve(&db.url, &[]).start();
    let b = serve(&db.url, &[]).start();
    let client = reqwest::blocking::Client::new();

    // Created on A, listed on B.
    let created: Value = client
        .post(format!("{}/v1/people", a.base))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"emails": ["shared@acme.test"], "displayName": "Shared Person"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let listed: Value = get(
        &format!("{}/v1/people?email=shared@acme.test", b.base),
        &admin,
    )
    .json()
    .unwrap();
    assert_eq!(listed["items"][0]["id"], id.as_str());

    // A token works on B, then is deleted with its person through A: B refuses it in time.
    let token = roster(&["token", "create", "--email", "shared@acme.test"])
        .database(&db.url)
        .ok_line();
    assert_eq!(
        get(&format!("{}/v1/people/me", b.base), &token).status(),
        200
    );
    let deleted = client
        .delete(format!("{}/v1/people/{id}", a.base))
        .bearer_auth(&admin)
        .send()
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let took = within(Duration::from_secs(1), || {
        get(&format!("{}/v1/people/me", b.base), &token).status() == 401
    });
    eprintln!("delete through A seen by B after {took:?}");

    // A token revoked from the command line: B refuses it in time.
    let second = roster(&[
        "token",
        "create",
        "--email",
        "admin@acme.test",
        "--label",
        "revoke-me",
    ])
    .database(&db.url)
    .ok_line();
    assert_eq!(
        get(&format!("{}/v1/people/me", b.base), &second).status(),
        200
    );
    let listing = roster(&["token", "list"]).database(&db.url).ok();
    let token_id = listing
        .lines()
        .find(|l| l.ends_with("revoke-me"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    roster(&["token", "revoke", &token_id])
        .database(&db.url)
        .ok();
    let took = within(Duration::from_secs(1), || {
        get(&format!("{}/v1/people/me", b.base), &second).status() == 401
    });
    eprintln!("CLI revocation seen by B after {took:?}");

    // Pagination started on A continues on B: the Link names the host it was asked on.
    for i in 0..5 {
        roster(&[
            "person",
            "add",
            "--email",
            &format!("p{i}@acme.test"),
            "--display-name",
            &format!("Pager {i}"),
        ])
        .database(&db.url)
        .ok();
    }
    let first = get(
        &format!("{}/v1/people?displayName=pager&max=2", a.base),
        &admin,
    );
    let link = first.headers()["link"].to_str().unwrap().to_string();
    let next_on_a = link
        .strip_prefix('<')
        .and_then(|l| l.split_once(">; rel=\"next\""))
        .map(|(url, _)| url.to_string())
        .unwrap();
    assert!(next_on_a.starts_with(&a.base), "{next_on_a}");
    let mut url = next_on_a.replacen(&a.base, &b.base, 1);
    let mut seen: Vec<String> = first.json::<Value>().unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["displayName"].as_str().unwrap().to_string())
        .collect();
    loop {
        let page = get(&url, &admin);
        assert_eq!(page.status(), 200);
        let next = page
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        let body: Value = page.json().unwrap();
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["displayName"].as_str().unwrap().to_string()),
        );
        match next {
            Some(link) => {
                assert!(
                    link.starts_with(&format!("<{}", b.base)),
                    "rewritten to B: {link}"
                );
                url = link[1..link.find('>').unwrap()].to_string();
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..5).map(|i| format!("Pager {i}")).collect::<Vec<_>>()
    );
}

/// A TCP proxy the test owns: it can cut every connection and refuse new ones, then heal.
struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let runtime = runtime();
        let cut = Arc::new(AtomicBool::new(false));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let flag = cut.clone();
        runtime.spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let flag = flag.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                    tokio::pin!(copy);
                    loop {
                        tokio::select! {
                            _ = &mut copy => return,
                            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                                if flag.load(Ordering::SeqCst) { return; }
                            }
                        }
                    }
                });
            }
        });
        Proxy {
            port,
            cut,
            _runtime: runtime,
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL: set ROSTER_TEST_POSTGRES_URL and pass --include-ignored (.ci/run does)"]
fn losing_postgres_gives_503s_not_500s_and_service_resumes_by_itself() {
    let admin_url = std::env::var(roster_store::testing::POSTGRES_URL_VAR)
        .expect("this test needs ROSTER_TEST_POSTGRES_URL");
    let db = runtime().block_on(TestDb::postgres(admin_url));
    let admin = init_acme(&db.url);

    let (host_port, name) = {
        let rest = db.url.split_once("://").unwrap().1;
        let at = rest.rfind('@').map_or(0, |i| i + 1);
        let slash = rest[at..].find('/').unwrap() + at;
        (
            rest[at..slash].to_string(),
            rest[slash + 1..].split('?').next().unwrap().to_string(),
        )
    };
    let proxy = Proxy::start(host_port);
    let via_proxy = format!("postgres://postgres@127.0.0.1:{}/{name}", proxy.port);
    let node = serve(
        &via_proxy,
        &["--db-acquire-timeout", "1s", "--rate-limit", "0"],
    )
    .start();
    let list = format!("{}/v1/people?displayName=a", node.base);
    assert_eq!(get(&list, &admin).status(), 200);

    proxy.cut.store(true, Ordering::SeqCst);
    let mut statuses = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(4) {
        let response = get(&list, &admin);
        let status = response.status().as_u16();
        if status == 503 {
            assert!(
                response.headers().get("retry-after").is_some(),
                "Retry-After on 503"
            );
            let body: Value = response.json().unwrap();
            assert!(body["message"].is_string() && body["trackingId"].is_string());
        }
        statuses.push(status);
    }
    assert!(
        statuses.iter().all(|s| *s != 500),
        "no 500 while cut off: {statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 503).count() >= 2,
        "{statuses:?}"
    );
    let ready = get(&format!("{}/readyz", node.base), &admin).status();
    assert_eq!(ready, 503, "not ready while the database is away");

    proxy.cut.store(false, Ordering::SeqCst);
    let took = within(Duration::from_secs(15), || {
        get(&list, &admin).status() == 200
    });
    eprintln!("service resumed {took:?} after the database came back");
    assert_eq!(
        get(&format!("{}/v1/people/me", node.base), &admin).status(),
        200
    );
}

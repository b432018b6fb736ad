//! The client against a real Roster server (in-process, random port, fresh database).

use futures_util::TryStreamExt;
use roster_client::{Client, ClientError, ListParams, WriteOptions};
use roster_server::{Application, ServerConfig};
use roster_store::testing::TestDb;
use roster_store::{seed, StoreOptions};
use roster_types::PersonInput;
use std::time::Duration;

struct Server {
    base: String,
    admin_token: String,
    _db: TestDb,
}

async fn server(rate_limit_per_minute: u32) -> Server {
    let db = TestDb::new().await;
    let store = roster_store::open(&db.url, &StoreOptions::default())
        .await
        .unwrap();
    let (_, admin) = seed::initialize(store.as_ref(), None, "Acme", "admin@acme.test", "Ada Admin")
        .await
        .unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        rate_limit_per_minute,
        ..ServerConfig::default()
    };
    let app = Application::build(config, store).await.unwrap();
    let base = format!("http://{}/v1", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    Server {
        base,
        admin_token: admin.token,
        _db: db,
    }
}

fn input(email: &str, name: &str) -> PersonInput {
    PersonInput {
        emails: Some(vec![email.into()]),
        display_name: Some(name.into()),
        ..PersonInput::default()
    }
}

#[tokio::test]
async fn every_operation_round_trips_through_the_typed_client() {
    let s = server(0).await;
    let client = Client::builder(format!("{}/", s.base), &s.admin_token)
        .build()
        .unwrap();
    let me = client.me(false).await.unwrap();
    assert_eq!(me.emails, vec!["admin@acme.test"]);
    assert_eq!(me.invite_pending, Some(false));

    let created = client
        .create(
            &input("grace@acme.test", "Grace Hopper"),
            WriteOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(created.display_name.as_deref(), Some("Grace Hopper"));
    let fetched = client.get(&created.id).await.unwrap();
    assert_eq!(fetched.id, created.id);

    let mut change = input("grace@acme.test", "Admiral Hopper");
    change.title = Some("Rear Admiral".into());
    let updated = client
        .update(&created.id, &change, WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.title.as_deref(), Some("Rear Admiral"));

    let by_email = client
        .list(&ListParams {
            email: Some("GRACE@acme.test".into()),
            ..ListParams::default()
        })
        .await
        .unwrap();
    assert_eq!(by_email.items.len(), 1);
    assert!(by_email.next.is_none());

    client.delete(&created.id).await.unwrap();
    match client.get(&created.id).await {
        Err(ClientError::Api {
            status,
            message,
            tracking_id,
            errors,
        }) => {
            assert_eq!(status, 404);
            assert!(!message.is_empty() && !errors.is_empty());
            assert!(
                tracking_id.starts_with("ROSTERCLIENT_"),
                "our own tracking id is echoed"
            );
        }
        other => panic!("expected a 404, got {other:?}"),
    }
}

#[tokio::test]
async fn list_all_follows_links_across_many_pages_once_each() {
    let s = server(0).await;
    let client = Client::builder(&s.base, &s.admin_token).build().unwrap();
    for i in 0..25 {
        client
            .create(
                &input(&format!("p{i}@acme.test"), &format!("Pager {i:02}")),
                WriteOptions::default(),
            )
            .await
            .unwrap();
    }
    let params = ListParams {
        display_name: Some("pager".into()),
        max: Some(4),
        ..ListParams::default()
    };
    let first = client.list(&params).await.unwrap();
    assert_eq!(first.items.len(), 4);
    assert!(first.next.is_some());
    let all: Vec<_> = client.list_all(&params).try_collect().await.unwrap();
    let names: Vec<String> = all
        .iter()
        .map(|p| p.display_name.clone().unwrap())
        .collect();
    assert_eq!(
        names,
        (0..25).map(|i| format!("Pager {i:02}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn errors_carry_the_webex_fields() {
    let s = server(0).await;
    let client = Client::builder(&s.base, &s.admin_token).build().unwrap();
    client
        .create(&input("dup@acme.test", "One"), WriteOptions::default())
        .await
        .unwrap();
    let error = client
        .create(&input("DUP@acme.test", "Two"), WriteOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(409));
    assert!(error.to_string().contains("already in use"), "{error}");
    let bad = Client::builder(&s.base, "not-a-token").build().unwrap();
    assert_eq!(bad.me(false).await.unwrap_err().status(), Some(401));
    assert!(Client::builder("ftp://x", "t").build().is_err());
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_and_surfaces_when_retries_are_off() {
    // 60 per minute: once the burst is used up, a new request is allowed every second, so
    // Retry-After is 1 s.
    let s = server(60).await;
    let patient = Client::builder(&s.base, &s.admin_token)
        .max_retries(3)
        .max_retry_wait(Duration::from_secs(5))
        .build()
        .unwrap();
    let impatient = Client::builder(&s.base, &s.admin_token)
        .max_retries(0)
        .build()
        .unwrap();
    // Use up the burst.
    let mut limited = None;
    for _ in 0..100 {
        if let Err(error) = impatient.me(false).await {
            limited = Some(error);
            break;
        }
    }
    let error = limited.expect("the limit is reached");
    assert_eq!(error.status(), Some(429));
    let started = std::time::Instant::now();
    patient.me(false).await.expect("retried after Retry-After");
    assert!(started.elapsed() >= Duration::from_millis(900), "it waited");
}

//! Opening, initializing and closing a store; the demo data.

use crate::helpers::{open, reopen};
use roster_store::{roles, seed, token, StoreError, StoreOptions};

#[tokio::test]
async fn the_backend_is_the_one_the_database_url_names() {
    let store = open().await;
    let expected = if store.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(store.backend(), expected);
}

#[tokio::test]
async fn an_unsupported_database_url_is_invalid_and_its_password_is_not_repeated() {
    let result = roster_store::open(
        "mysql://roster:hunter2@db.example.com/roster",
        &StoreOptions::default(),
    )
    .await;
    match result {
        Err(StoreError::Invalid(message)) => {
            assert!(
                message.contains("mysql://roster:***@db.example.com"),
                "{message}"
            );
            assert!(!message.contains("hunter2"), "{message}");
        }
        Err(other) => panic!("expected an invalid URL, got {other:?}"),
        Ok(store) => panic!("opened a {} store for a mysql URL", store.backend()),
    }
}

#[tokio::test]
async fn a_new_database_is_initialized_once_it_has_an_org() {
    let store = open().await;
    assert!(!store.is_initialized().await.unwrap());
    assert_eq!(store.count_people().await.unwrap(), 0);
    store.org("Acme").await;
    assert!(store.is_initialized().await.unwrap());
}

#[tokio::test]
async fn reopening_a_database_keeps_its_data() {
    let store = open().await;
    let org = store.org("Acme").await;
    let person = store.person(&org, "Ada Lovelace").await;
    store.close().await;

    let again = reopen(&store.db).await;
    assert_eq!(again.get_org(org.id).await.unwrap(), Some(org));
    assert_eq!(again.get_person(person.id).await.unwrap(), Some(person));
    again.close().await;
}

#[tokio::test]
async fn a_live_store_answers_a_ping_and_reports_its_pool() {
    let store = open().await;
    store.ping().await.expect("ping");
    let stats = store.pool_stats();
    assert!(stats.size >= 1, "{stats:?}");
    assert!(stats.idle <= stats.size, "{stats:?}");
    assert!(
        stats.size <= StoreOptions::default().max_connections,
        "{stats:?}"
    );
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let store = open().await;
    store.ping().await.expect("ping");
    store.close().await;
    match store.ping().await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected the closed store to be unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn every_known_role_exists_and_no_other() {
    let store = open().await;
    for role in roles::ALL {
        assert!(store.role_exists(role).await.unwrap(), "{role}");
    }
    for role in ["id_root", "", "ID_FULL_ADMIN", "Full Administrator"] {
        assert!(!store.role_exists(role).await.unwrap(), "{role}");
    }
}

#[tokio::test]
async fn initializing_makes_an_org_and_a_full_admin_with_a_working_token_and_only_once() {
    let store = open().await;
    let (org, admin) = seed::initialize(&*store, None, "Acme", "Admin@Acme.test", "Ada Admin")
        .await
        .expect("initialize");
    assert_eq!(store.list_orgs().await.unwrap(), vec![org.clone()]);
    assert_eq!(admin.person.org_id, org.id);
    assert_eq!(admin.person.roles, vec![roles::FULL_ADMIN.to_string()]);
    assert_eq!(admin.person.first_name.as_deref(), Some("Ada"));
    assert_eq!(admin.person.last_name.as_deref(), Some("Admin"));
    let found = store.find_token(&token::hash(&admin.token)).await.unwrap();
    assert_eq!(found.map(|t| t.person_id), Some(admin.person.id));

    let again = seed::initialize(&*store, None, "Other", "other@acme.test", "Other").await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.list_orgs().await.unwrap().len(), 1);
    assert_eq!(store.count_people().await.unwrap(), 1);
}

#[tokio::test]
async fn the_demo_people_load_whole() {
    let store = open().await;
    let org = store.org("Demo").await;
    let example = seed::add_demo_people(&*store, &org)
        .await
        .expect("demo people");
    assert_eq!(example.person.id, seed::EXAMPLE_PERSON_ID);
    assert_eq!(store.count_people().await.unwrap(), 6);

    let stored = store
        .get_person(seed::EXAMPLE_PERSON_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, example.person);
    assert_eq!(stored.emails, vec![seed::EXAMPLE_EMAIL.to_string()]);
    assert_eq!(
        stored.location_id.as_deref(),
        Some(seed::EXAMPLE_LOCATION_ID)
    );
    assert_eq!(stored.manager_id, Some(seed::EXAMPLE_MANAGER_ID));
    assert_eq!(stored.licenses.len(), 2);
    let licenses = store.list_licenses(org.id).await.unwrap();
    for license in &stored.licenses {
        assert!(licenses.iter().any(|l| &l.id == license), "{license}");
    }
    let busy = store
        .find_person_by_email("alan.turing@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        busy.presence,
        Some(roster_types::PresenceStatus::DoNotDisturb)
    );
    let found = store
        .find_token(&token::hash(&example.token))
        .await
        .unwrap();
    assert_eq!(found.map(|t| t.person_id), Some(seed::EXAMPLE_PERSON_ID));
}

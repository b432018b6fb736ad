//! Snapshots of the whole directory: saved, restored after deletes and creates, listed,
//! replaced and deleted.

use crate::helpers::{full_draft, open, TestStore};
use roster_store::{token, ChangeTopic, PersonRecord, PresenceSetting, StoreError};
use roster_types::PresenceStatus;

/// Everything a snapshot must bring back, read through the store's API.
async fn directory(store: &TestStore) -> (Vec<String>, Vec<PersonRecord>, Vec<String>) {
    let orgs = store.list_orgs().await.unwrap();
    let mut people = Vec::new();
    for org in &orgs {
        people.extend(
            store
                .list_people(&crate::helpers::query(&[org], 1000))
                .await
                .unwrap(),
        );
    }
    people.sort_by_key(|p| p.id);
    let mut tokens: Vec<String> = store
        .list_tokens(None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| format!("{t:?}"))
        .collect();
    tokens.sort();
    let orgs = orgs.iter().map(|o| format!("{o:?}")).collect();
    (orgs, people, tokens)
}

#[tokio::test]
async fn a_restore_undoes_deletes_creates_and_updates() {
    let store = open().await;
    let org = store.org("Acme").await;
    let location = store.create_location(org.id, None, "HQ").await.unwrap().id;
    let ada = store
        .person_with(full_draft(org.id, &location, "ada"))
        .await;
    let bob = store.person(&org, "Bob").await;
    let ada_token = token::hash("ada's token");
    store
        .create_token(ada.id, &ada_token, Some("laptop"), None)
        .await
        .unwrap();
    store
        .set_presence(
            bob.id,
            PresenceSetting {
                state: Some(PresenceStatus::DoNotDisturb),
                until: Some(4_000_000_000_000),
            },
        )
        .await
        .unwrap();
    let before = directory(&store).await;
    let saved = store.save_snapshot("clean").await.unwrap();
    assert_eq!(saved.name, "clean");
    for table in ["orgs", "people", "person_emails", "tokens", "locations"] {
        assert!(saved.tables.iter().any(|t| t == table), "{table} is saved");
    }
    assert!(!saved.tables.iter().any(|t| t == "changes"));

    // Deletes, creates and updates after the snapshot.
    assert!(store.delete_person(ada.id).await.unwrap());
    let carol = store.person(&org, "Carol").await;
    let carol_token = token::hash("carol's token");
    store
        .create_token(carol.id, &carol_token, None, None)
        .await
        .unwrap();
    store.set_status_sharing(bob.id, false).await.unwrap();
    let other = store.org("Other").await;
    assert_ne!(directory(&store).await, before);

    let mark = store.change_mark().await;
    assert!(store.restore_snapshot("clean").await.unwrap());
    assert_eq!(directory(&store).await, before);
    assert!(store.find_token(&ada_token).await.unwrap().is_some());
    assert_eq!(store.find_token(&carol_token).await.unwrap(), None);
    assert_eq!(store.get_person(carol.id).await.unwrap(), None);
    assert_eq!(store.get_org(other.id).await.unwrap(), None);
    assert_eq!(
        store
            .find_person_by_email(&ada.emails[0])
            .await
            .unwrap()
            .map(|p| p.id),
        Some(ada.id)
    );
    assert_eq!(
        store.changes_after(mark).await,
        vec![(ChangeTopic::All, String::new())],
        "a restore tells every node to drop its caches"
    );

    // New people after a restore get ids and page positions of their own, and the
    // snapshot can be restored again.
    let dave = store.person(&org, "Dave").await;
    assert!(dave.seq > bob.seq);
    assert!(store.restore_snapshot("clean").await.unwrap());
    assert_eq!(directory(&store).await, before);
}

#[tokio::test]
async fn snapshots_are_listed_replaced_and_deleted() {
    let store = open().await;
    let org = store.org("Acme").await;
    assert_eq!(store.list_snapshots().await.unwrap(), vec![]);
    store.save_snapshot("empty").await.unwrap();
    store.person(&org, "Ada").await;
    store.save_snapshot("one").await.unwrap();
    let names = |list: Vec<roster_store::SnapshotRecord>| {
        list.into_iter().map(|s| s.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.list_snapshots().await.unwrap()),
        ["empty", "one"]
    );

    // Saving under a taken name replaces that snapshot.
    store.person(&org, "Bob").await;
    store.save_snapshot("empty").await.unwrap();
    assert_eq!(
        names(store.list_snapshots().await.unwrap()),
        ["one", "empty"]
    );
    store.person(&org, "Carol").await;
    store.restore_snapshot("empty").await.unwrap();
    assert_eq!(store.count_people().await.unwrap(), 2);
    store.restore_snapshot("one").await.unwrap();
    assert_eq!(store.count_people().await.unwrap(), 1);

    assert!(store.delete_snapshot("one").await.unwrap());
    assert!(!store.delete_snapshot("one").await.unwrap());
    assert!(!store.restore_snapshot("one").await.unwrap());
    assert_eq!(names(store.list_snapshots().await.unwrap()), ["empty"]);
    assert_eq!(store.count_people().await.unwrap(), 1, "nothing changed");
}

#[tokio::test]
async fn a_snapshot_name_must_be_printable() {
    let store = open().await;
    for name in ["", "a\nb", &"x".repeat(201)] {
        assert!(matches!(
            store.save_snapshot(name).await,
            Err(StoreError::Invalid(_))
        ));
    }
    assert_eq!(store.list_snapshots().await.unwrap(), vec![]);
}

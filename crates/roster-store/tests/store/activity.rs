//! Activity noted in memory and written in batches; presence and status sharing.

use crate::helpers::{dnd, draft, open};
use roster_store::{PersonDraft, PresenceSetting};
use roster_types::PresenceStatus;
use uuid::Uuid;

#[tokio::test]
async fn activity_is_recorded_and_only_moves_forward() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    assert_eq!(store.record_activity(&[(ada.id, 2_000)]).await.unwrap(), 1);
    assert_eq!(
        store
            .get_person(ada.id)
            .await
            .unwrap()
            .unwrap()
            .last_activity,
        Some(2_000)
    );
    // A node whose batch is older writes after a newer one: the newer time stays.
    store.record_activity(&[(ada.id, 1_000)]).await.unwrap();
    assert_eq!(
        store
            .get_person(ada.id)
            .await
            .unwrap()
            .unwrap()
            .last_activity,
        Some(2_000)
    );
    store.record_activity(&[(ada.id, 3_000)]).await.unwrap();
    assert_eq!(
        store
            .get_person(ada.id)
            .await
            .unwrap()
            .unwrap()
            .last_activity,
        Some(3_000)
    );
}

#[tokio::test]
async fn activity_is_not_a_modification() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    store
        .record_activity(&[(ada.id, ada.last_modified + 60_000)])
        .await
        .unwrap();
    let after = store.get_person(ada.id).await.unwrap().unwrap();
    assert_eq!(after.last_modified, ada.last_modified);
    assert_eq!(after.to_draft(), ada.to_draft());
}

#[tokio::test]
async fn activity_accepts_a_pending_invite() {
    let store = open().await;
    let org = store.org("Acme").await;
    let invited = store
        .person_with(PersonDraft {
            invite_pending: true,
            ..draft(org.id, "Invited")
        })
        .await;
    let also_invited = store
        .person_with(PersonDraft {
            invite_pending: true,
            ..draft(org.id, "Still Invited")
        })
        .await;
    assert!(invited.invite_pending);
    store.record_activity(&[(invited.id, 5_000)]).await.unwrap();
    assert!(
        !store
            .get_person(invited.id)
            .await
            .unwrap()
            .unwrap()
            .invite_pending
    );
    assert!(
        store
            .get_person(also_invited.id)
            .await
            .unwrap()
            .unwrap()
            .invite_pending
    );
}

#[tokio::test]
async fn a_batch_of_activity_counts_only_people_that_exist() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let bob = store.person(&org, "Bob").await;
    let gone = store.person(&org, "Gone").await;
    store.delete_person(gone.id).await.unwrap();
    let batch = [
        (ada.id, 10_000),
        (Uuid::new_v4(), 10_000),
        (bob.id, 20_000),
        (gone.id, 30_000),
    ];
    assert_eq!(store.record_activity(&batch).await.unwrap(), 2);
    assert_eq!(
        store
            .get_person(ada.id)
            .await
            .unwrap()
            .unwrap()
            .last_activity,
        Some(10_000)
    );
    assert_eq!(
        store
            .get_person(bob.id)
            .await
            .unwrap()
            .unwrap()
            .last_activity,
        Some(20_000)
    );
    assert_eq!(store.get_person(gone.id).await.unwrap(), None);
    assert_eq!(store.record_activity(&[]).await.unwrap(), 0);
}

#[tokio::test]
async fn presence_is_set_with_its_end_and_cleared() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let bob = store.person(&org, "Bob").await;

    assert!(store
        .set_presence(ada.id, dnd(Some(1_900_000_000_000)))
        .await
        .unwrap());
    let busy = store.get_person(ada.id).await.unwrap().unwrap();
    assert_eq!(busy.presence, Some(PresenceStatus::DoNotDisturb));
    assert_eq!(busy.presence_until, Some(1_900_000_000_000));
    assert_eq!(
        busy.last_modified, ada.last_modified,
        "presence is not a modification"
    );

    for state in PresenceStatus::ALL {
        store
            .set_presence(
                ada.id,
                PresenceSetting {
                    state: Some(state),
                    until: None,
                },
            )
            .await
            .unwrap();
        let stored = store.get_person(ada.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.presence, stored.presence_until),
            (Some(state), None)
        );
    }

    assert!(store
        .set_presence(
            ada.id,
            PresenceSetting {
                state: None,
                until: None
            }
        )
        .await
        .unwrap());
    let cleared = store.get_person(ada.id).await.unwrap().unwrap();
    assert_eq!((cleared.presence, cleared.presence_until), (None, None));
    assert_eq!(store.get_person(bob.id).await.unwrap(), Some(bob));
}

#[tokio::test]
async fn status_sharing_starts_on_and_can_be_turned_off_and_on() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    assert!(ada.status_sharing);
    assert!(store.set_status_sharing(ada.id, false).await.unwrap());
    assert!(
        !store
            .get_person(ada.id)
            .await
            .unwrap()
            .unwrap()
            .status_sharing
    );
    assert!(store.set_status_sharing(ada.id, true).await.unwrap());
    assert!(
        store
            .get_person(ada.id)
            .await
            .unwrap()
            .unwrap()
            .status_sharing
    );
}

#[tokio::test]
async fn presence_and_status_sharing_of_an_unknown_person_report_false() {
    let store = open().await;
    let org = store.org("Acme").await;
    store.person(&org, "Ada").await;
    assert!(!store.set_presence(Uuid::new_v4(), dnd(None)).await.unwrap());
    assert!(!store
        .set_status_sharing(Uuid::new_v4(), false)
        .await
        .unwrap());
}

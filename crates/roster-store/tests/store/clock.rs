//! The store's clock: every timestamp a write makes is read from it, so a moved clock
//! (the control API's) moves them all.

use crate::helpers::{draft, now_millis, open};
use roster_store::token;

const DAY: i64 = 86_400_000;

/// Whether `at` is within a few seconds of `expected`.
fn about(at: i64, expected: i64) -> bool {
    (at - expected).abs() < 5_000
}

#[tokio::test]
async fn writes_are_stamped_with_the_stores_clock_not_the_system_clock() {
    let store = open().await;
    store.clock().advance(30 * DAY);
    let later = now_millis() + 30 * DAY;

    let org = store.create_org(None, "Acme").await.unwrap();
    assert!(about(org.created, later), "org created {}", org.created);
    let person = store.person_with(draft(org.id, "Ada")).await;
    assert!(
        about(person.created, later),
        "person created {}",
        person.created
    );
    assert_eq!(person.last_modified, person.created);

    let mut changed = person.to_draft();
    changed.title = Some("Engineer".into());
    let replaced = store.replace_person(person.id, changed).await.unwrap();
    assert!(about(replaced.last_modified, later));

    let issued = store
        .create_token(person.id, &token::hash("secret"), None, None)
        .await
        .unwrap();
    assert!(about(issued.created, later));
    assert!(store.revoke_token(issued.id).await.unwrap());
    let revoked = store.list_tokens(Some(person.id)).await.unwrap();
    assert!(about(revoked[0].revoked_at.unwrap(), later));

    store.clock().reset();
    let now = store.person_with(draft(org.id, "Bea")).await;
    assert!(about(now.created, now_millis()), "back on real time");
}

//! The change feed: every write that must invalidate another process's caches is noted with
//! its topic and key, and nothing else is.

use crate::helpers::{dnd, draft, next_millisecond, now_millis, open};
use roster_store::{token, ChangeTopic, PersonDraft};
use uuid::Uuid;

fn person(id: Uuid) -> (ChangeTopic, String) {
    (ChangeTopic::Person, id.hyphenated().to_string())
}

fn org(id: Uuid) -> (ChangeTopic, String) {
    (ChangeTopic::Org, id.hyphenated().to_string())
}

#[tokio::test]
async fn a_new_database_has_no_changes() {
    let store = open().await;
    assert_eq!(store.latest_change().await.unwrap(), 0);
    assert_eq!(store.changes_since(0, 100).await.unwrap(), vec![]);
}

#[tokio::test]
async fn importing_scim_attributes_notes_a_change_of_each_person() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let bob = store.person(&acme, "Bob").await;
    let mark = store.change_mark().await;
    let extra = roster_store::scim::ScimExtra {
        external_id: Some("ext".into()),
        attributes: Default::default(),
    };
    store
        .import_scim_extras(&[(ada.id, extra.clone()), (bob.id, extra)])
        .await
        .unwrap();
    assert_eq!(
        store.changes_after(mark).await,
        vec![person(ada.id), person(bob.id)]
    );
}

#[tokio::test]
async fn replacing_a_person_notes_a_person_change() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let mark = store.change_mark().await;
    store
        .replace_person(
            ada.id,
            PersonDraft {
                title: Some("Countess".into()),
                ..ada.to_draft()
            },
        )
        .await
        .unwrap();
    assert_eq!(store.changes_after(mark).await, vec![person(ada.id)]);
}

#[tokio::test]
async fn deleting_a_person_notes_a_person_change() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let mark = store.change_mark().await;
    store.delete_person(ada.id).await.unwrap();
    assert_eq!(store.changes_after(mark).await, vec![person(ada.id)]);
}

#[tokio::test]
async fn setting_presence_notes_a_person_change() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let mark = store.change_mark().await;
    store.set_presence(ada.id, dnd(None)).await.unwrap();
    assert_eq!(store.changes_after(mark).await, vec![person(ada.id)]);
}

#[tokio::test]
async fn changing_status_sharing_notes_a_person_change() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let mark = store.change_mark().await;
    store.set_status_sharing(ada.id, false).await.unwrap();
    store.set_status_sharing(ada.id, true).await.unwrap();
    assert_eq!(
        store.changes_after(mark).await,
        vec![person(ada.id), person(ada.id)]
    );
}

#[tokio::test]
async fn revoking_a_token_notes_its_hash_once() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let hash = token::hash("secret");
    let issued = store.create_token(ada.id, &hash, None, None).await.unwrap();
    let mark = store.change_mark().await;
    store.revoke_token(issued.id).await.unwrap();
    store.revoke_token(issued.id).await.unwrap();
    // Keyed by the hash: a server's token cache is keyed by the digest, not the token id.
    assert_eq!(
        store.changes_after(mark).await,
        vec![(ChangeTopic::Token, hash.clone())]
    );
    assert!(token::from_hex(&hash).is_some());
}

#[tokio::test]
async fn managing_and_unmanaging_an_org_notes_an_org_change_for_the_partner() {
    let store = open().await;
    let partner = store.org("Partner").await;
    let customer = store.org("Customer").await;
    let mark = store.change_mark().await;
    store
        .add_managed_org(partner.id, customer.id)
        .await
        .unwrap();
    assert_eq!(store.changes_after(mark).await, vec![org(partner.id)]);
    let mark = store.change_mark().await;
    store
        .remove_managed_org(partner.id, customer.id)
        .await
        .unwrap();
    assert_eq!(store.changes_after(mark).await, vec![org(partner.id)]);
}

#[tokio::test]
async fn creations_and_activity_note_no_change() {
    let store = open().await;
    let acme = store.org("Acme").await;
    store
        .create_location(acme.id, Some("L1".into()), "Oslo")
        .await
        .unwrap();
    store
        .create_license(acme.id, None, "Meetings", 10)
        .await
        .unwrap();
    let ada = store.person(&acme, "Ada").await;
    store
        .import_people(&[draft(acme.id, "Imported")])
        .await
        .unwrap();
    store
        .create_token(ada.id, &token::hash("secret"), None, None)
        .await
        .unwrap();
    // Activity is flushed for many people every minute: noting it would flood the feed.
    store
        .record_activity(&[(ada.id, now_millis())])
        .await
        .unwrap();
    assert_eq!(store.changes_after(0).await, vec![]);
}

#[tokio::test]
async fn writes_that_change_nothing_note_no_change() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let bob = store.person(&acme, "Bob").await;
    let issued = store
        .create_token(ada.id, &token::hash("secret"), None, None)
        .await
        .unwrap();
    store.revoke_token(issued.id).await.unwrap();
    let mark = store.change_mark().await;

    store.revoke_token(issued.id).await.unwrap();
    store.delete_person(Uuid::new_v4()).await.unwrap();
    let taking_bobs_email = PersonDraft {
        emails: bob.emails.clone(),
        ..ada.to_draft()
    };
    assert!(store
        .replace_person(ada.id, taking_bobs_email)
        .await
        .is_err());
    let unknown_role = PersonDraft {
        roles: vec!["id_root".into()],
        ..bob.to_draft()
    };
    assert!(store.replace_person(bob.id, unknown_role).await.is_err());
    assert_eq!(store.changes_after(mark).await, vec![]);
}

#[tokio::test]
async fn changes_are_read_oldest_first_after_a_sequence_number_up_to_a_limit() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let mut people = Vec::new();
    for name in ["A", "B", "C", "D", "E"] {
        let someone = store.person(&acme, name).await;
        store.set_status_sharing(someone.id, false).await.unwrap();
        people.push(someone.id);
    }
    let all = store.changes_since(0, 100).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|c| (c.topic, c.key.clone()))
            .collect::<Vec<_>>(),
        people.iter().map(|id| person(*id)).collect::<Vec<_>>()
    );
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "{all:?}");
    assert_eq!(store.latest_change().await.unwrap(), all[4].seq);

    assert_eq!(store.changes_since(0, 3).await.unwrap(), all[..3].to_vec());
    assert_eq!(
        store.changes_since(all[2].seq, 100).await.unwrap(),
        all[3..].to_vec()
    );
    assert_eq!(
        store.changes_since(all[1].seq, 2).await.unwrap(),
        all[2..4].to_vec()
    );
    assert_eq!(store.changes_since(all[4].seq, 100).await.unwrap(), vec![]);
}

#[tokio::test]
async fn another_process_sees_the_changes_of_this_one() {
    let store = open().await;
    let other = crate::helpers::reopen(&store.db).await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    let mark = other.latest_change().await.unwrap();
    store.delete_person(ada.id).await.unwrap();
    let seen = other.changes_since(mark, 100).await.unwrap();
    assert_eq!(
        seen.iter()
            .map(|c| (c.topic, c.key.clone()))
            .collect::<Vec<_>>(),
        vec![person(ada.id)]
    );
    other.close().await;
}

#[tokio::test]
async fn pruning_forgets_only_changes_older_than_the_cut() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let old = store.person(&acme, "Old").await;
    let new = store.person(&acme, "New").await;
    store.set_status_sharing(old.id, false).await.unwrap();
    next_millisecond().await;
    let cut = now_millis();
    next_millisecond().await;
    store.set_status_sharing(new.id, false).await.unwrap();

    assert_eq!(store.prune_changes(cut).await.unwrap(), 1);
    assert_eq!(store.changes_after(0).await, vec![person(new.id)]);
    assert_eq!(store.prune_changes(cut).await.unwrap(), 0);
}

#[tokio::test]
async fn sequence_numbers_keep_growing_after_everything_is_pruned() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let ada = store.person(&acme, "Ada").await;
    store.set_status_sharing(ada.id, false).await.unwrap();
    store.set_status_sharing(ada.id, true).await.unwrap();
    let last_before = store.latest_change().await.unwrap();
    next_millisecond().await;
    assert_eq!(store.prune_changes(now_millis()).await.unwrap(), 2);
    assert_eq!(store.changes_since(0, 100).await.unwrap(), vec![]);

    store.set_status_sharing(ada.id, false).await.unwrap();
    let after = store.changes_since(0, 100).await.unwrap();
    assert_eq!(after.len(), 1);
    // A follower that read up to `last_before` must not miss what comes after the prune.
    assert!(
        after[0].seq > last_before,
        "{} after {last_before}",
        after[0].seq
    );
    assert_eq!(store.changes_since(last_before, 100).await.unwrap(), after);
}

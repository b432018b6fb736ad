//! Copying a deployment (`migrate-store`): whole records written as they are, existing ids
//! left alone.

use crate::helpers::{dnd, draft, full_draft, ids, open, query, TestStore};
use roster_store::{token, OrgRecord, PersonDraft, PersonRecord};

/// A record as it should arrive in another database: all but its insertion number.
fn without_seq(person: &PersonRecord) -> PersonRecord {
    PersonRecord {
        seq: 0,
        ..person.clone()
    }
}

/// A source with people in every state a copy must carry over.
async fn populated_source() -> (TestStore, OrgRecord, Vec<PersonRecord>) {
    let source = open().await;
    let org = source.org("Acme").await;
    source
        .create_location(org.id, Some("L1".into()), "Oslo")
        .await
        .unwrap();
    let full = source.person_with(full_draft(org.id, "L1", "full")).await;
    let active = source.person(&org, "Active").await;
    source
        .record_activity(&[(active.id, 1_700_000_000_000)])
        .await
        .unwrap();
    let busy = source.person(&org, "Busy").await;
    source
        .set_presence(busy.id, dnd(Some(1_900_000_000_000)))
        .await
        .unwrap();
    source.set_status_sharing(busy.id, false).await.unwrap();
    let invited = source
        .person_with(PersonDraft {
            invite_pending: true,
            ..draft(org.id, "Invited")
        })
        .await;
    let edited = source.person(&org, "Edited").await;
    source
        .replace_person(
            edited.id,
            PersonDraft {
                title: Some("Edited".into()),
                ..edited.to_draft()
            },
        )
        .await
        .unwrap();
    let mut people = Vec::new();
    for id in [full.id, active.id, busy.id, invited.id, edited.id] {
        people.push(source.get_person(id).await.unwrap().unwrap());
    }
    (source, org, people)
}

#[tokio::test]
async fn restored_people_keep_their_ids_timestamps_activity_presence_and_order() {
    let (source, org, people) = populated_source().await;
    let target = open().await;
    target
        .create_org(Some(org.id), &org.display_name)
        .await
        .unwrap();
    target
        .create_location(org.id, Some("L1".into()), "Oslo")
        .await
        .unwrap();

    // Page by page, as the copy does.
    let mut written = 0;
    for page in source.all_pages(query(&[&org], 2)).await {
        written += target.restore_people(&page).await.unwrap();
    }
    assert_eq!(written, people.len() as u64);

    let copied = target.list_people(&query(&[&org], 100)).await.unwrap();
    assert_eq!(ids(&copied), ids(&people), "insertion order is kept");
    for (copy, original) in copied.iter().zip(&people) {
        assert_eq!(without_seq(copy), without_seq(original));
    }
    // Emails come along, so people are found in the copy as in the original.
    let found = target
        .find_person_by_email(&people[0].emails[1].to_uppercase())
        .await
        .unwrap();
    assert_eq!(found.map(|p| p.id), Some(people[0].id));
}

#[tokio::test]
async fn restoring_leaves_people_with_existing_ids_alone() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let stale = PersonRecord {
        display_name: "Stale Ada".into(),
        title: Some("Old".into()),
        ..ada.clone()
    };
    let newcomer = PersonRecord {
        id: uuid::Uuid::new_v4(),
        emails: vec!["newcomer@example.com".into()],
        display_name: "Newcomer".into(),
        ..ada.clone()
    };
    assert_eq!(
        store
            .restore_people(&[stale.clone(), newcomer.clone()])
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.get_person(ada.id).await.unwrap(), Some(ada));
    let restored = store.get_person(newcomer.id).await.unwrap().unwrap();
    assert_eq!(without_seq(&restored), without_seq(&newcomer));
    // A second copy of the same records writes nothing.
    assert_eq!(store.restore_people(&[stale, newcomer]).await.unwrap(), 0);
    assert_eq!(store.count_people().await.unwrap(), 2);
}

#[tokio::test]
async fn restored_tokens_keep_their_hashes_times_and_revocations() {
    let (source, org, people) = populated_source().await;
    let live = source
        .create_token(
            people[0].id,
            &token::hash("live"),
            Some("live"),
            Some(1_900_000_000_000),
        )
        .await
        .unwrap();
    let revoked = source
        .create_token(people[1].id, &token::hash("revoked"), None, None)
        .await
        .unwrap();
    source.revoke_token(revoked.id).await.unwrap();
    let exported = source.export_tokens().await.unwrap();
    assert_eq!(exported.len(), 2);

    let target = open().await;
    target
        .create_org(Some(org.id), &org.display_name)
        .await
        .unwrap();
    target
        .create_location(org.id, Some("L1".into()), "Oslo")
        .await
        .unwrap();
    target.restore_people(&people).await.unwrap();
    assert_eq!(target.restore_tokens(&exported).await.unwrap(), 2);
    assert_eq!(target.export_tokens().await.unwrap(), exported);
    assert_eq!(
        target.find_token(&token::hash("live")).await.unwrap(),
        Some(live)
    );
    let copied_revoked = target
        .find_token(&token::hash("revoked"))
        .await
        .unwrap()
        .unwrap();
    assert!(copied_revoked.revoked_at.is_some());

    // Tokens already there are left alone.
    assert_eq!(target.restore_tokens(&exported).await.unwrap(), 0);
    assert_eq!(target.export_tokens().await.unwrap(), exported);
}

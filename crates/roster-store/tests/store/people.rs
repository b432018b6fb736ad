//! Creating, reading, replacing and deleting people.

use crate::helpers::{
    as_stored, conflict, dnd, draft, full_draft, ids, invalid, now_millis, open, settable_fields,
};
use roster_store::{roles, PersonDraft, StoreError};
use uuid::Uuid;

#[tokio::test]
async fn a_created_person_reads_back_field_for_field() {
    let store = open().await;
    let org = store.org("Acme").await;
    store
        .create_location(org.id, Some("L1".into()), "Milpitas")
        .await
        .unwrap();
    let chosen = Uuid::new_v4();
    let draft = PersonDraft {
        id: Some(chosen),
        ..full_draft(org.id, "L1", "a")
    };

    let created = store.create_person(draft.clone()).await.unwrap();
    assert_eq!(created.id, chosen);
    assert_eq!(settable_fields(&created), as_stored(&draft));
    assert_eq!(created.created, draft.created.unwrap());
    assert_eq!(created.last_modified, created.created);
    assert_eq!(created.last_activity, None);
    assert_eq!(created.presence, None);
    assert_eq!(created.presence_until, None);
    assert!(created.status_sharing, "status sharing starts on");
    assert!(created.seq > 0);
    assert_eq!(store.get_person(chosen).await.unwrap(), Some(created));
}

#[tokio::test]
async fn a_person_without_a_chosen_id_or_time_gets_a_new_id_and_now() {
    let store = open().await;
    let org = store.org("Acme").await;
    let before = now_millis();
    let first = store.person(&org, "Ada Lovelace").await;
    let second = store.person(&org, "Alan Turing").await;
    let after = now_millis();
    assert_ne!(first.id, second.id);
    assert!(
        (before..=after).contains(&first.created),
        "{} not in {before}..={after}",
        first.created
    );
    assert_eq!(first.last_modified, first.created);
    assert!(
        second.seq > first.seq,
        "insertion order: {} then {}",
        first.seq,
        second.seq
    );
}

#[tokio::test]
async fn roles_are_kept_sorted_and_once() {
    let store = open().await;
    let org = store.org("Acme").await;
    let person = store
        .person_with(PersonDraft {
            roles: vec![
                roles::USER_ADMIN.into(),
                roles::DEVICE_ADMIN.into(),
                roles::FULL_ADMIN.into(),
                roles::USER_ADMIN.into(),
            ],
            ..draft(org.id, "Ada Lovelace")
        })
        .await;
    let expected = vec![
        roles::DEVICE_ADMIN.to_string(),
        roles::FULL_ADMIN.to_string(),
        roles::USER_ADMIN.to_string(),
    ];
    assert_eq!(person.roles, expected);
    assert_eq!(
        store.get_person(person.id).await.unwrap().unwrap().roles,
        expected
    );
}

#[tokio::test]
async fn emails_keep_the_order_they_were_given_in() {
    let store = open().await;
    let org = store.org("Acme").await;
    let emails = vec![
        "zed@example.com".to_string(),
        "Amy@Example.com".to_string(),
        "mid@example.com".to_string(),
    ];
    let person = store
        .person_with(PersonDraft {
            emails: emails.clone(),
            ..draft(org.id, "Zed Amy")
        })
        .await;
    assert_eq!(person.emails, emails);
    assert_eq!(
        store.get_person(person.id).await.unwrap().unwrap().emails,
        emails
    );
}

#[tokio::test]
async fn a_taken_person_id_is_a_conflict() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada Lovelace").await;
    conflict(
        store
            .create_person(PersonDraft {
                id: Some(ada.id),
                ..draft(org.id, "Impostor")
            })
            .await,
    );
    assert_eq!(store.count_people().await.unwrap(), 1);
    assert_eq!(store.get_person(ada.id).await.unwrap(), Some(ada));
}

#[tokio::test]
async fn a_person_with_an_unknown_role_org_or_location_is_invalid() {
    let store = open().await;
    let org = store.org("Acme").await;
    let unknown_role = PersonDraft {
        roles: vec!["id_root".into()],
        ..draft(org.id, "Unknown Role")
    };
    let unknown_org = draft(Uuid::new_v4(), "Unknown Org");
    let unknown_location = PersonDraft {
        location_id: Some("nowhere".into()),
        ..draft(org.id, "Unknown Location")
    };
    for bad in [unknown_role, unknown_org, unknown_location] {
        let email = bad.emails[0].clone();
        invalid(store.create_person(bad).await);
        // Nothing of the refused person is left behind, not even their email.
        assert_eq!(store.find_person_by_email(&email).await.unwrap(), None);
    }
    assert_eq!(store.count_people().await.unwrap(), 0);
}

#[tokio::test]
async fn an_unknown_person_is_none() {
    let store = open().await;
    let org = store.org("Acme").await;
    store.person(&org, "Ada Lovelace").await;
    assert_eq!(store.get_person(Uuid::new_v4()).await.unwrap(), None);
}

#[tokio::test]
async fn several_people_are_read_at_once_in_insertion_order_skipping_unknown_ids() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let bob = store.person(&org, "Bob").await;
    let cy = store.person(&org, "Cy").await;
    let found = store
        .get_people(&[cy.id, Uuid::new_v4(), ada.id])
        .await
        .unwrap();
    assert_eq!(found, vec![ada.clone(), cy.clone()]);
    let all = store.get_people(&[bob.id, cy.id, ada.id]).await.unwrap();
    assert_eq!(ids(&all), vec![ada.id, bob.id, cy.id]);
    assert_eq!(store.get_people(&[]).await.unwrap(), vec![]);
}

#[tokio::test]
async fn people_are_counted_across_orgs() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let globex = store.org("Globex").await;
    store.person(&acme, "Ada").await;
    store.person(&acme, "Bob").await;
    let cy = store.person(&globex, "Cy").await;
    assert_eq!(store.count_people().await.unwrap(), 3);
    store.delete_person(cy.id).await.unwrap();
    assert_eq!(store.count_people().await.unwrap(), 2);
}

#[tokio::test]
async fn replacing_a_person_changes_every_settable_field() {
    let store = open().await;
    let org = store.org("Acme").await;
    let other_org = store.org("Globex").await;
    store
        .create_location(org.id, Some("L1".into()), "Milpitas")
        .await
        .unwrap();
    store
        .create_location(other_org.id, Some("L2".into()), "Oslo")
        .await
        .unwrap();
    let before = store.person_with(full_draft(org.id, "L1", "a")).await;

    let replacement = PersonDraft {
        // Documented as ignored on replacement.
        id: Some(Uuid::new_v4()),
        created: Some(1),
        roles: vec![roles::READONLY_ADMIN.into()],
        login_enabled: true,
        person_type: roster_types::PersonType::Bot,
        ..full_draft(other_org.id, "L2", "b")
    };
    let after = store
        .replace_person(before.id, replacement.clone())
        .await
        .unwrap();
    assert_eq!(after.id, before.id);
    assert_eq!(after.seq, before.seq);
    assert_eq!(after.created, before.created);
    assert_eq!(settable_fields(&after), as_stored(&replacement));
    assert_eq!(store.get_person(before.id).await.unwrap(), Some(after));
    assert_eq!(store.count_people().await.unwrap(), 1);
}

#[tokio::test]
async fn replacing_a_person_keeps_their_activity_presence_and_status_sharing() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada Lovelace").await;
    let until = now_millis() + 3_600_000;
    store
        .record_activity(&[(ada.id, 1_700_000_000_000)])
        .await
        .unwrap();
    assert!(store.set_presence(ada.id, dnd(Some(until))).await.unwrap());
    assert!(store.set_status_sharing(ada.id, false).await.unwrap());

    let after = store
        .replace_person(
            ada.id,
            PersonDraft {
                display_name: "Ada King".into(),
                ..ada.to_draft()
            },
        )
        .await
        .unwrap();
    assert_eq!(after.display_name, "Ada King");
    assert_eq!(after.last_activity, Some(1_700_000_000_000));
    assert_eq!(
        after.presence,
        Some(roster_types::PresenceStatus::DoNotDisturb)
    );
    assert_eq!(after.presence_until, Some(until));
    assert!(!after.status_sharing);
}

#[tokio::test]
async fn replacing_an_unknown_person_is_not_found() {
    let store = open().await;
    let org = store.org("Acme").await;
    let result = store
        .replace_person(Uuid::new_v4(), draft(org.id, "Nobody"))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(store.count_people().await.unwrap(), 0);
}

#[tokio::test]
async fn replacing_with_an_unknown_role_is_invalid_and_changes_nothing() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada Lovelace").await;
    let bad = PersonDraft {
        display_name: "Ada King".into(),
        roles: vec!["id_root".into()],
        ..ada.to_draft()
    };
    invalid(store.replace_person(ada.id, bad).await);
    assert_eq!(store.get_person(ada.id).await.unwrap(), Some(ada));
}

#[tokio::test]
async fn last_modified_strictly_increases_even_within_one_millisecond() {
    let store = open().await;
    let org = store.org("Acme").await;
    // Created an hour ahead of the clock: every replacement below falls within "the same
    // millisecond" as far as the clock can tell, and must still move last_modified on.
    let ahead = now_millis() + 3_600_000;
    let person = store
        .person_with(PersonDraft {
            created: Some(ahead),
            ..draft(org.id, "Time Traveller")
        })
        .await;
    assert_eq!(person.last_modified, ahead);
    let mut previous = person.last_modified;
    for round in 0..5 {
        let replaced = store
            .replace_person(
                person.id,
                PersonDraft {
                    title: Some(format!("v{round}")),
                    ..person.to_draft()
                },
            )
            .await
            .unwrap();
        assert!(
            replaced.last_modified > previous,
            "round {round}: {} after {previous}",
            replaced.last_modified
        );
        previous = replaced.last_modified;
    }

    // And on a clock-time person replaced as fast as the store goes.
    let now_person = store.person(&org, "Quick Changer").await;
    let mut previous = now_person.last_modified;
    for round in 0..20 {
        let replaced = store
            .replace_person(
                now_person.id,
                PersonDraft {
                    title: Some(format!("v{round}")),
                    ..now_person.to_draft()
                },
            )
            .await
            .unwrap();
        assert!(
            replaced.last_modified > previous,
            "round {round}: {} after {previous}",
            replaced.last_modified
        );
        previous = replaced.last_modified;
    }
}

#[tokio::test]
async fn deleting_a_person_reports_whether_there_was_one() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada Lovelace").await;
    let bob = store.person(&org, "Bob").await;
    assert!(store.delete_person(ada.id).await.unwrap());
    assert!(!store.delete_person(ada.id).await.unwrap());
    assert!(!store.delete_person(Uuid::new_v4()).await.unwrap());
    assert_eq!(store.get_person(ada.id).await.unwrap(), None);
    assert_eq!(
        store.find_person_by_email(&ada.emails[0]).await.unwrap(),
        None
    );
    assert_eq!(store.get_person(bob.id).await.unwrap(), Some(bob));
}

#[tokio::test]
async fn deleting_a_person_deletes_their_tokens_and_no_one_elses() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada Lovelace").await;
    let bob = store.person(&org, "Bob").await;
    store
        .create_token(ada.id, &"a".repeat(64), Some("one"), None)
        .await
        .unwrap();
    store
        .create_token(ada.id, &"b".repeat(64), Some("two"), None)
        .await
        .unwrap();
    let bobs = store
        .create_token(bob.id, &"c".repeat(64), None, None)
        .await
        .unwrap();

    assert!(store.delete_person(ada.id).await.unwrap());
    assert_eq!(store.list_tokens(Some(ada.id)).await.unwrap(), vec![]);
    assert_eq!(store.find_token(&"a".repeat(64)).await.unwrap(), None);
    assert_eq!(store.find_token(&"b".repeat(64)).await.unwrap(), None);
    assert_eq!(store.list_tokens(None).await.unwrap(), vec![bobs.clone()]);
    assert_eq!(
        store.export_tokens().await.unwrap(),
        vec![(bobs, "c".repeat(64))]
    );
}

#[tokio::test]
async fn a_deleted_persons_emails_and_id_can_be_used_again() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store
        .person_with(PersonDraft {
            emails: vec!["ada@example.com".into(), "countess@example.com".into()],
            ..draft(org.id, "Ada Lovelace")
        })
        .await;
    store.delete_person(ada.id).await.unwrap();
    let again = store
        .person_with(PersonDraft {
            id: Some(ada.id),
            emails: vec!["COUNTESS@example.com".into(), "Ada@Example.com".into()],
            ..draft(org.id, "Ada King")
        })
        .await;
    assert_eq!(again.id, ada.id);
    assert!(
        again.seq > ada.seq,
        "a new insertion: {} after {}",
        again.seq,
        ada.seq
    );
    let found = store.find_person_by_email("ada@example.com").await.unwrap();
    assert_eq!(found.map(|p| p.display_name), Some("Ada King".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replacements_each_move_last_modified_on() {
    let store = open().await;
    let org = store.org("Acme").await;
    // An hour ahead of the clock, so only "strictly after the previous version" moves it.
    let ahead = now_millis() + 3_600_000;
    let person = store
        .person_with(PersonDraft {
            created: Some(ahead),
            ..draft(org.id, "Contended")
        })
        .await;
    const WRITERS: i64 = 16;
    let writers: Vec<_> = (0..WRITERS)
        .map(|i| {
            let store = store.store.clone();
            let replacement = PersonDraft {
                title: Some(format!("writer {i}")),
                ..person.to_draft()
            };
            tokio::spawn(async move { store.replace_person(person.id, replacement).await })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().expect("replace");
    }
    let last = store.get_person(person.id).await.unwrap().unwrap();
    assert!(
        last.last_modified >= ahead + WRITERS,
        "{WRITERS} versions after {ahead} end at {}: some shared a last_modified",
        last.last_modified
    );
}

#[tokio::test]
async fn a_created_person_is_returned_exactly_as_reading_them_back_gives() {
    let store = open().await;
    let org = store.org("Acme").await;
    store
        .create_location(org.id, Some("L1".into()), "Milpitas")
        .await
        .unwrap();
    let mut draft = full_draft(org.id, "L1", "w");
    // What the store normalises: emails trimmed, roles sorted without repeats.
    draft.emails = vec![
        format!("  {}  ", draft.emails[0]),
        "second.wanda@example.com".into(),
    ];
    draft.roles = vec![
        roles::USER_ADMIN.into(),
        roles::FULL_ADMIN.into(),
        roles::USER_ADMIN.into(),
    ];
    let created = store.create_person(draft).await.unwrap();
    let read = store.get_person(created.id).await.unwrap().unwrap();
    assert_eq!(created, read);
    assert_eq!(read.roles, vec![roles::FULL_ADMIN, roles::USER_ADMIN]);
}

#[tokio::test]
async fn an_email_listed_twice_by_one_person_is_refused_by_name_and_nothing_is_written() {
    let store = open().await;
    let org = store.org("Acme").await;
    let mut draft = draft(org.id, "Twice");
    let email = draft.emails[0].clone();
    draft.emails.push(email.to_uppercase());
    let refused = store.create_person(draft).await;
    assert_eq!(
        conflict(refused),
        format!("The email '{}' is already in use.", email.to_uppercase())
    );
    assert!(store.find_person_by_email(&email).await.unwrap().is_none());
    assert_eq!(store.count_people().await.unwrap(), 0);
}

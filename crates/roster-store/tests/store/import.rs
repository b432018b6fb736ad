//! Bulk import: new people are created, people already present are left alone, a row that
//! breaks a rule is rejected alone, and running the same import again changes nothing.

use crate::helpers::{as_stored, draft, full_draft, open, settable_fields};
use roster_store::{roles, ImportOutcome, PersonDraft};
use uuid::Uuid;

fn created(outcome: &ImportOutcome) -> Uuid {
    match outcome {
        ImportOutcome::Created(id) => *id,
        other => panic!("expected a created person, got {other:?}"),
    }
}

fn is_rejected(outcome: &ImportOutcome) -> bool {
    matches!(outcome, ImportOutcome::Rejected(_))
}

#[tokio::test]
async fn an_import_creates_whole_people_with_their_chosen_ids_and_times() {
    let store = open().await;
    let org = store.org("Acme").await;
    store
        .create_location(org.id, Some("L1".into()), "Oslo")
        .await
        .unwrap();
    let chosen = Uuid::new_v4();
    let rows = vec![
        PersonDraft {
            id: Some(chosen),
            ..full_draft(org.id, "L1", "a")
        },
        full_draft(org.id, "L1", "b"),
        draft(org.id, "Plain Person"),
    ];
    let outcomes = store.import_people(&rows).await.unwrap();
    assert_eq!(outcomes.len(), 3);
    assert_eq!(created(&outcomes[0]), chosen);
    for (row, outcome) in rows.iter().zip(&outcomes) {
        let person = store
            .get_person(created(outcome))
            .await
            .unwrap()
            .expect("imported person");
        assert_eq!(settable_fields(&person), as_stored(row));
        if let Some(created) = row.created {
            assert_eq!(person.created, created);
            assert_eq!(person.last_modified, created);
        }
    }
    let ids: Vec<Uuid> = outcomes.iter().map(created).collect();
    let listed = store.get_people(&ids).await.unwrap();
    assert_eq!(
        listed.iter().map(|p| p.id).collect::<Vec<_>>(),
        ids,
        "rows are inserted in order"
    );
    assert_eq!(store.count_people().await.unwrap(), 3);
}

#[tokio::test]
async fn running_an_import_again_creates_no_one() {
    let store = open().await;
    let org = store.org("Acme").await;
    let rows: Vec<PersonDraft> = (0..10)
        .map(|i| draft(org.id, &format!("Person {i}")))
        .collect();
    let first = store.import_people(&rows).await.unwrap();
    let people_after_first = store
        .list_people(&crate::helpers::query(&[&org], 100))
        .await
        .unwrap();

    let second = store.import_people(&rows).await.unwrap();
    let expected: Vec<ImportOutcome> = first
        .iter()
        .map(|o| ImportOutcome::Existing(created(o)))
        .collect();
    assert_eq!(second, expected);
    assert_eq!(store.count_people().await.unwrap(), 10);
    assert_eq!(
        store
            .list_people(&crate::helpers::query(&[&org], 100))
            .await
            .unwrap(),
        people_after_first
    );
}

#[tokio::test]
async fn a_row_whose_first_email_exists_in_another_case_is_existing_and_left_alone() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store
        .person_with(PersonDraft {
            emails: vec!["Ada@Example.com".into()],
            ..draft(org.id, "Ada Lovelace")
        })
        .await;
    let row = PersonDraft {
        emails: vec!["ada@EXAMPLE.com".into()],
        title: Some("Countess".into()),
        ..draft(org.id, "Someone Else")
    };
    assert_eq!(
        store.import_people(&[row]).await.unwrap(),
        vec![ImportOutcome::Existing(ada.id)]
    );
    assert_eq!(store.get_person(ada.id).await.unwrap(), Some(ada));
    assert_eq!(store.count_people().await.unwrap(), 1);
}

#[tokio::test]
async fn a_row_whose_id_exists_is_existing_and_left_alone() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada Lovelace").await;
    let row = PersonDraft {
        id: Some(ada.id),
        ..draft(org.id, "Someone Else")
    };
    let fresh_email = row.emails[0].clone();
    assert_eq!(
        store.import_people(&[row]).await.unwrap(),
        vec![ImportOutcome::Existing(ada.id)]
    );
    assert_eq!(store.get_person(ada.id).await.unwrap(), Some(ada));
    assert_eq!(
        store.find_person_by_email(&fresh_email).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_later_row_with_an_earlier_rows_email_finds_it_as_a_rerun_would() {
    let store = open().await;
    let org = store.org("Acme").await;
    let rows = vec![
        PersonDraft {
            emails: vec!["twin@example.com".into()],
            ..draft(org.id, "First Twin")
        },
        PersonDraft {
            emails: vec!["TWIN@example.com".into()],
            ..draft(org.id, "Second Twin")
        },
    ];
    let outcomes = store.import_people(&rows).await.unwrap();
    let first = created(&outcomes[0]);
    assert_eq!(outcomes[1], ImportOutcome::Existing(first));
    assert_eq!(store.count_people().await.unwrap(), 1);
    let twin = store.get_person(first).await.unwrap().unwrap();
    assert_eq!(twin.display_name, "First Twin");
}

#[tokio::test]
async fn a_rejected_row_does_not_take_its_neighbours_down() {
    let store = open().await;
    let org = store.org("Acme").await;
    store
        .person_with(PersonDraft {
            emails: vec!["taken@example.com".into()],
            ..draft(org.id, "Owner")
        })
        .await;
    let rows = vec![
        draft(org.id, "Good One"),
        PersonDraft {
            roles: vec!["id_root".into()],
            ..draft(org.id, "Unknown Role")
        },
        draft(org.id, "Good Two"),
        draft(Uuid::new_v4(), "Unknown Org"),
        PersonDraft {
            emails: vec![
                crate::helpers::unique_email("Second Taken"),
                "TAKEN@example.com".into(),
            ],
            ..draft(org.id, "Second Email Taken")
        },
        PersonDraft {
            location_id: Some("atlantis".into()),
            ..draft(org.id, "Unknown Location")
        },
        PersonDraft {
            roles: vec![roles::USER_ADMIN.into()],
            ..draft(org.id, "Good Three")
        },
    ];
    let outcomes = store.import_people(&rows).await.unwrap();
    assert_eq!(outcomes.len(), rows.len());
    for (row, outcome) in rows.iter().zip(&outcomes) {
        let good = row.display_name.starts_with("Good");
        let found = store.find_person_by_email(&row.emails[0]).await.unwrap();
        if good {
            let id = created(outcome);
            assert_eq!(
                found.map(|p| (p.id, p.display_name)),
                Some((id, row.display_name.clone()))
            );
        } else {
            assert!(is_rejected(outcome), "{}: {outcome:?}", row.display_name);
            assert_eq!(found, None, "{} left something behind", row.display_name);
        }
    }
    assert_eq!(store.count_people().await.unwrap(), 4);
}

#[tokio::test]
async fn running_an_import_with_rejected_rows_again_gives_the_same_outcomes() {
    let store = open().await;
    let org = store.org("Acme").await;
    let rows = vec![
        draft(org.id, "Good One"),
        PersonDraft {
            roles: vec!["id_root".into()],
            ..draft(org.id, "Unknown Role")
        },
        draft(org.id, "Good Two"),
    ];
    let first = store.import_people(&rows).await.unwrap();
    assert!(is_rejected(&first[1]), "{first:?}");
    let second = store.import_people(&rows).await.unwrap();
    assert_eq!(second[0], ImportOutcome::Existing(created(&first[0])));
    assert!(is_rejected(&second[1]), "{second:?}");
    assert_eq!(second[2], ImportOutcome::Existing(created(&first[2])));
    assert_eq!(store.count_people().await.unwrap(), 2);
}

#[tokio::test]
async fn an_import_of_nothing_does_nothing() {
    let store = open().await;
    store.org("Acme").await;
    assert_eq!(store.import_people(&[]).await.unwrap(), vec![]);
    assert_eq!(store.count_people().await.unwrap(), 0);
}

#[tokio::test]
async fn a_large_import_is_created_whole_and_found_again_on_a_rerun() {
    let store = open().await;
    let org = store.org("Acme").await;
    // Past the chunk sizes a backend may batch its statements by.
    let rows: Vec<PersonDraft> = (0..2500)
        .map(|i| PersonDraft {
            emails: vec![
                format!("bulk{i}@example.com"),
                format!("bulk{i}@alt.example.com"),
            ],
            roles: if i % 2 == 0 {
                vec![roles::READONLY_ADMIN.into()]
            } else {
                vec![]
            },
            ..draft(org.id, &format!("Bulk {i:04}"))
        })
        .collect();
    let outcomes = store.import_people(&rows).await.unwrap();
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, ImportOutcome::Created(_))));
    assert_eq!(store.count_people().await.unwrap(), 2500);
    let last = store
        .find_person_by_email("BULK2498@alt.example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.display_name, "Bulk 2498");
    assert_eq!(last.roles, vec![roles::READONLY_ADMIN.to_string()]);
    let again = store.import_people(&rows).await.unwrap();
    assert!(again
        .iter()
        .all(|o| matches!(o, ImportOutcome::Existing(_))));
    assert_eq!(store.count_people().await.unwrap(), 2500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_imports_of_the_same_rows_create_each_person_once() {
    let store = open().await;
    let org = store.org("Acme").await;
    let rows: Vec<PersonDraft> = (0..50)
        .map(|i| draft(org.id, &format!("Row {i:02}")))
        .collect();
    let importers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.store.clone();
            let rows = rows.clone();
            tokio::spawn(async move { store.import_people(&rows).await })
        })
        .collect();
    let mut runs = Vec::new();
    for importer in importers {
        runs.push(importer.await.unwrap().expect("import"));
    }
    assert_eq!(store.count_people().await.unwrap(), 50);
    for (i, row) in rows.iter().enumerate() {
        let person = store
            .find_person_by_email(&row.emails[0])
            .await
            .unwrap()
            .unwrap();
        let outcomes: Vec<&ImportOutcome> = runs.iter().map(|run| &run[i]).collect();
        let creations = outcomes
            .iter()
            .filter(|o| ***o == ImportOutcome::Created(person.id))
            .count();
        assert_eq!(creations, 1, "row {i}: {outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|o| **o == ImportOutcome::Created(person.id)
                    || **o == ImportOutcome::Existing(person.id)),
            "row {i}: {outcomes:?}"
        );
    }
}

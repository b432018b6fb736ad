//! Emails are unique across every organization, compared case-insensitively.

use crate::helpers::{conflict, draft, open};
use roster_store::PersonDraft;

#[tokio::test]
async fn a_taken_email_in_another_case_is_a_conflict() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let globex = store.org("Globex").await;
    let ada = store
        .person_with(PersonDraft {
            emails: vec!["Ada.Lovelace@Example.com".into()],
            ..draft(acme.id, "Ada Lovelace")
        })
        .await;
    for (org, email) in [
        (acme.id, "ada.lovelace@example.com"),
        (acme.id, "ADA.LOVELACE@EXAMPLE.COM"),
        // Uniqueness is global, not per organization.
        (globex.id, "Ada.Lovelace@Example.com"),
    ] {
        let message = conflict(
            store
                .create_person(PersonDraft {
                    emails: vec![email.into()],
                    ..draft(org, "Impostor")
                })
                .await,
        );
        assert!(
            message.contains(email),
            "the conflict names the email: {message}"
        );
    }
    assert_eq!(store.count_people().await.unwrap(), 1);
    assert_eq!(store.get_person(ada.id).await.unwrap(), Some(ada));
}

#[tokio::test]
async fn an_email_taken_as_someones_second_address_is_a_conflict() {
    let store = open().await;
    let org = store.org("Acme").await;
    store
        .person_with(PersonDraft {
            emails: vec!["first@example.com".into(), "second@example.com".into()],
            ..draft(org.id, "Two Emails")
        })
        .await;
    conflict(
        store
            .create_person(PersonDraft {
                emails: vec!["fresh@example.com".into(), "Second@Example.com".into()],
                ..draft(org.id, "Impostor")
            })
            .await,
    );
    // The refused person left nothing behind: their first, free, email is still free.
    assert_eq!(
        store
            .find_person_by_email("fresh@example.com")
            .await
            .unwrap(),
        None
    );
    store
        .person_with(PersonDraft {
            emails: vec!["fresh@example.com".into()],
            ..draft(org.id, "Fresh")
        })
        .await;
    assert_eq!(store.count_people().await.unwrap(), 2);
}

#[tokio::test]
async fn replacing_with_an_email_taken_by_someone_else_is_a_conflict_and_changes_nothing() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada Lovelace").await;
    let bob = store
        .person_with(PersonDraft {
            emails: vec!["bob@example.com".into()],
            ..draft(org.id, "Bob")
        })
        .await;
    let taking_bobs = PersonDraft {
        display_name: "Ada King".into(),
        emails: vec![ada.emails[0].clone(), "BOB@example.com".into()],
        ..ada.to_draft()
    };
    let message = conflict(store.replace_person(ada.id, taking_bobs).await);
    assert!(
        message.contains("BOB@example.com"),
        "the conflict names the email: {message}"
    );
    assert_eq!(store.get_person(ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(store.get_person(bob.id).await.unwrap(), Some(bob.clone()));
    let owner = store.find_person_by_email("bob@example.com").await.unwrap();
    assert_eq!(owner.map(|p| p.id), Some(bob.id));
}

#[tokio::test]
async fn a_person_may_change_the_case_of_their_own_email() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store
        .person_with(PersonDraft {
            emails: vec!["ada@example.com".into()],
            ..draft(org.id, "Ada")
        })
        .await;
    let recased = store
        .replace_person(
            ada.id,
            PersonDraft {
                emails: vec!["Ada@Example.COM".into()],
                ..ada.to_draft()
            },
        )
        .await
        .unwrap();
    assert_eq!(recased.emails, vec!["Ada@Example.COM".to_string()]);
    let found = store.find_person_by_email("ada@example.com").await.unwrap();
    assert_eq!(found.map(|p| p.id), Some(ada.id));
}

#[tokio::test]
async fn an_email_given_up_on_replacement_is_free_for_someone_else() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store
        .person_with(PersonDraft {
            emails: vec!["old@example.com".into(), "keep@example.com".into()],
            ..draft(org.id, "Ada")
        })
        .await;
    store
        .replace_person(
            ada.id,
            PersonDraft {
                emails: vec!["keep@example.com".into()],
                ..ada.to_draft()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.find_person_by_email("old@example.com").await.unwrap(),
        None
    );
    let bob = store
        .person_with(PersonDraft {
            emails: vec!["OLD@example.com".into()],
            ..draft(org.id, "Bob")
        })
        .await;
    let found = store.find_person_by_email("old@example.com").await.unwrap();
    assert_eq!(found.map(|p| p.id), Some(bob.id));
}

#[tokio::test]
async fn a_person_is_found_by_any_of_their_emails_in_any_case() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store
        .person_with(PersonDraft {
            emails: vec!["Ada@Example.com".into(), "countess@lovelace.org".into()],
            ..draft(org.id, "Ada Lovelace")
        })
        .await;
    store.person(&org, "Bystander").await;
    for email in [
        "Ada@Example.com",
        "ada@example.com",
        "ADA@EXAMPLE.COM",
        "Countess@Lovelace.ORG",
    ] {
        let found = store.find_person_by_email(email).await.unwrap();
        assert_eq!(found.as_ref(), Some(&ada), "{email}");
    }
    for email in ["ada@example.org", "ada", "", "countess@lovelace.org.uk"] {
        assert_eq!(
            store.find_person_by_email(email).await.unwrap(),
            None,
            "{email}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_email_in_different_cases_make_one_person() {
    let store = open().await;
    let org = store.org("Acme").await;
    let email = "race@example.com";
    let creators: Vec<_> = (0..email.len())
        .map(|i| {
            let store = store.store.clone();
            // The same address with one letter upper-cased: a different spelling each time.
            let spelling = format!("{}{}", &email[..i], email[i..].to_uppercase());
            let attempt = PersonDraft {
                emails: vec![spelling],
                ..draft(org.id, &format!("Racer {i}"))
            };
            tokio::spawn(async move { store.create_person(attempt).await })
        })
        .collect();
    let mut winners = Vec::new();
    for creator in creators {
        match creator.await.unwrap() {
            Ok(person) => winners.push(person),
            Err(roster_store::StoreError::Conflict(_)) => {}
            Err(other) => panic!("expected a person or a conflict, got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(store.count_people().await.unwrap(), 1);
    let found = store.find_person_by_email(email).await.unwrap();
    assert_eq!(found.map(|p| p.id), Some(winners[0].id));
}

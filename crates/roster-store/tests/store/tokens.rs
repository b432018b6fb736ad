//! Access tokens, stored and found by their hash.

use crate::helpers::{conflict, invalid, next_millisecond, now_millis, open};
use roster_store::token;
use uuid::Uuid;

#[tokio::test]
async fn a_token_is_found_by_its_hash_as_it_was_created() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let secret = token::generate(org.id);
    let hash = token::hash(&secret);
    let expires = now_millis() + 86_400_000;
    let before = now_millis();
    let created = store
        .create_token(ada.id, &hash, Some("laptop"), Some(expires))
        .await
        .unwrap();
    assert_eq!(created.person_id, ada.id);
    assert_eq!(created.label.as_deref(), Some("laptop"));
    assert_eq!(created.expires_at, Some(expires));
    assert_eq!(created.revoked_at, None);
    assert!((before..=now_millis()).contains(&created.created));
    assert_eq!(
        store.find_token(&hash).await.unwrap(),
        Some(created.clone())
    );
    assert!(created.is_usable_at(now_millis()));
    assert!(!created.is_usable_at(expires));

    let plain = store
        .create_token(ada.id, &token::hash("another"), None, None)
        .await
        .unwrap();
    assert_eq!(plain.label, None);
    assert_eq!(plain.expires_at, None);
    assert_ne!(plain.id, created.id);
    assert_eq!(
        store.find_token(&token::hash("another")).await.unwrap(),
        Some(plain)
    );
}

#[tokio::test]
async fn an_unknown_hash_finds_no_token() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let hash = token::hash("secret");
    store.create_token(ada.id, &hash, None, None).await.unwrap();
    assert_eq!(
        store.find_token(&token::hash("Secret")).await.unwrap(),
        None
    );
    assert_eq!(store.find_token("").await.unwrap(), None);
}

#[tokio::test]
async fn a_taken_token_hash_is_a_conflict() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let bob = store.person(&org, "Bob").await;
    let hash = token::hash("secret");
    let first = store.create_token(ada.id, &hash, None, None).await.unwrap();
    conflict(store.create_token(bob.id, &hash, None, None).await);
    assert_eq!(store.find_token(&hash).await.unwrap(), Some(first.clone()));
    assert_eq!(store.list_tokens(None).await.unwrap(), vec![first]);
}

#[tokio::test]
async fn a_token_for_an_unknown_person_is_invalid() {
    let store = open().await;
    store.org("Acme").await;
    invalid(
        store
            .create_token(Uuid::new_v4(), &token::hash("secret"), None, None)
            .await,
    );
    assert_eq!(
        store.find_token(&token::hash("secret")).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn tokens_are_listed_oldest_first_for_one_person_or_everyone() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let bob = store.person(&org, "Bob").await;
    let mut all = Vec::new();
    for (person, label) in [
        (&ada, "a1"),
        (&bob, "b1"),
        (&ada, "a2"),
        (&bob, "b2"),
        (&ada, "a3"),
    ] {
        all.push(
            store
                .create_token(person.id, &token::hash(label), Some(label), None)
                .await
                .unwrap(),
        );
        next_millisecond().await;
    }
    let labels = |tokens: Vec<roster_store::TokenRecord>| -> Vec<String> {
        tokens.into_iter().map(|t| t.label.unwrap()).collect()
    };
    assert_eq!(
        labels(store.list_tokens(Some(ada.id)).await.unwrap()),
        ["a1", "a2", "a3"]
    );
    assert_eq!(
        labels(store.list_tokens(Some(bob.id)).await.unwrap()),
        ["b1", "b2"]
    );
    assert_eq!(store.list_tokens(None).await.unwrap(), all);
    assert_eq!(
        store.list_tokens(Some(Uuid::new_v4())).await.unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn revoking_a_token_is_idempotent_and_keeps_the_first_revocation_time() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let hash = token::hash("secret");
    let kept_hash = token::hash("kept");
    let revoked = store.create_token(ada.id, &hash, None, None).await.unwrap();
    let kept = store
        .create_token(ada.id, &kept_hash, None, None)
        .await
        .unwrap();

    let before = now_millis();
    assert!(store.revoke_token(revoked.id).await.unwrap());
    let after = now_millis();
    let stored = store
        .find_token(&hash)
        .await
        .unwrap()
        .expect("a revoked token is kept");
    let at = stored.revoked_at.expect("revocation time");
    assert!(
        (before..=after).contains(&at),
        "{at} not in {before}..={after}"
    );
    assert!(!stored.is_usable_at(now_millis()));

    next_millisecond().await;
    assert!(!store.revoke_token(revoked.id).await.unwrap());
    assert_eq!(
        store.find_token(&hash).await.unwrap().unwrap().revoked_at,
        Some(at)
    );
    assert_eq!(store.find_token(&kept_hash).await.unwrap(), Some(kept));
}

#[tokio::test]
async fn revoking_an_unknown_token_reports_false() {
    let store = open().await;
    assert!(!store.revoke_token(Uuid::new_v4()).await.unwrap());
}

#[tokio::test]
async fn exported_tokens_carry_their_hashes_and_revocations() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let first = store
        .create_token(ada.id, &token::hash("one"), Some("one"), Some(42))
        .await
        .unwrap();
    next_millisecond().await;
    let second = store
        .create_token(ada.id, &token::hash("two"), None, None)
        .await
        .unwrap();
    store.revoke_token(second.id).await.unwrap();
    let second = store
        .find_token(&token::hash("two"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.export_tokens().await.unwrap(),
        vec![(first, token::hash("one")), (second, token::hash("two"))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_revocations_of_one_token_succeed_once_and_note_one_change() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let issued = store
        .create_token(ada.id, &token::hash("secret"), None, None)
        .await
        .unwrap();
    let mark = store.change_mark().await;
    let revokers: Vec<_> = (0..8)
        .map(|_| {
            let store = store.store.clone();
            tokio::spawn(async move { store.revoke_token(issued.id).await })
        })
        .collect();
    let mut revoked = 0;
    for revoker in revokers {
        revoked += usize::from(revoker.await.unwrap().expect("revoke"));
    }
    assert_eq!(revoked, 1);
    assert_eq!(
        store.changes_after(mark).await,
        vec![(roster_store::ChangeTopic::Token, token::hash("secret"))]
    );
}

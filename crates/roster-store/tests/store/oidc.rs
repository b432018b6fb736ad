//! The signing keys of OpenID Connect: one active key, made once however many nodes start
//! together, and rotations that retire the old key and erase its private half.

use crate::helpers::{next_millisecond, now_millis, open, reopen};
use roster_store::{NewSigningKey, StoreError};

/// A key with recognisable (not real) material: the store never looks inside it.
fn key(tag: &str) -> NewSigningKey {
    NewSigningKey {
        kid: format!("kid-{tag}-{}", uuid::Uuid::new_v4()),
        private_key_pem: format!("-----BEGIN PRIVATE KEY-----\n{tag}\n-----END PRIVATE KEY-----"),
        public_jwk: format!(r#"{{"kty":"RSA","n":"{tag}","e":"AQAB"}}"#),
    }
}

#[tokio::test]
async fn the_first_key_stays_the_active_one() {
    let store = open().await;
    assert_eq!(store.active_signing_key().await.unwrap(), None);
    assert!(store.signing_keys().await.unwrap().is_empty());

    let first = key("first");
    let kid = first.kid.clone();
    let before = now_millis();
    let stored = store.ensure_signing_key(first).await.unwrap();
    assert_eq!(stored.kid, kid);
    assert!(stored.is_active());
    assert!(stored.private_key_pem.as_deref().unwrap().contains("first"));
    assert!(stored.public_jwk.contains(r#""n":"first""#));
    assert!((before..=now_millis()).contains(&stored.created));
    assert_eq!(
        store.active_signing_key().await.unwrap(),
        Some(stored.clone())
    );

    // A second start finds it and keeps it.
    let again = store.ensure_signing_key(key("second")).await.unwrap();
    assert_eq!(again, stored);
    assert_eq!(store.signing_keys().await.unwrap(), vec![stored]);
}

#[tokio::test]
async fn nodes_starting_together_end_with_one_active_key() {
    let store = open().await;
    let mut nodes = Vec::new();
    for n in 0..6 {
        let node = reopen(&store.db).await;
        nodes.push(tokio::spawn(async move {
            node.ensure_signing_key(key(&format!("node{n}"))).await
        }));
    }
    let mut kids = Vec::new();
    for node in nodes {
        kids.push(node.await.unwrap().unwrap().kid);
    }
    kids.dedup();
    assert_eq!(kids.len(), 1, "every node got the same key: {kids:?}");
    let keys = store.signing_keys().await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0].kid, kids[0]);
}

#[tokio::test]
async fn a_rotation_retires_the_old_key_and_erases_its_private_half() {
    let store = open().await;
    let old = store.ensure_signing_key(key("old")).await.unwrap();
    next_millisecond().await;
    let new = store.rotate_signing_key(key("new")).await.unwrap();
    assert_ne!(new.kid, old.kid);
    assert!(new.is_active());
    assert!(new.private_key_pem.as_deref().unwrap().contains("new"));
    assert!(new.created > old.created);
    assert_eq!(store.active_signing_key().await.unwrap(), Some(new.clone()));

    let keys = store.signing_keys().await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], new, "newest first");
    let retired = &keys[1];
    assert_eq!(retired.kid, old.kid);
    assert_eq!(retired.retired_at, Some(new.created));
    assert_eq!(retired.private_key_pem, None, "the private half is gone");
    assert_eq!(retired.public_jwk, old.public_jwk, "the public half stays");
    assert_eq!(retired.created, old.created);

    // Another node sees the same.
    let other = reopen(&store.db).await;
    assert_eq!(other.signing_keys().await.unwrap(), keys);
}

#[tokio::test]
async fn racing_rotations_leave_one_active_key() {
    let store = open().await;
    store.ensure_signing_key(key("first")).await.unwrap();
    let mut rotations = Vec::new();
    for n in 0..4 {
        let node = reopen(&store.db).await;
        rotations.push(tokio::spawn(async move {
            node.rotate_signing_key(key(&format!("rotation{n}"))).await
        }));
    }
    let mut succeeded = 0;
    for rotation in rotations {
        match rotation.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(StoreError::Conflict(message)) => assert!(message.contains("try again")),
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert!(succeeded >= 1);
    let keys = store.signing_keys().await.unwrap();
    assert_eq!(keys.len(), 1 + succeeded, "{keys:?}");
    let active: Vec<_> = keys.iter().filter(|k| k.is_active()).collect();
    assert_eq!(active.len(), 1, "{keys:?}");
    assert!(keys
        .iter()
        .filter(|k| !k.is_active())
        .all(|k| k.private_key_pem.is_none()));
}

#[tokio::test]
async fn a_record_never_prints_its_private_key() {
    let store = open().await;
    let stored = store
        .ensure_signing_key(key("secret-material"))
        .await
        .unwrap();
    let printed = format!("{stored:?}");
    assert!(!printed.contains("PRIVATE KEY"), "{printed}");
    assert!(printed.contains("<redacted>"));
    assert!(printed.contains(&stored.kid));
}

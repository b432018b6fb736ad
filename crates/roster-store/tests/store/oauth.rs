//! OAuth's records: integrations, passwords, codes used once, grants whose deletion revokes
//! their tokens everywhere, sessions, consents, throttling and pre-approved sign-ins.

use crate::helpers::{now_millis, open, TestStore};
use roster_store::oauth::{
    credentials, password, CodeRecord, IntegrationDraft, IntegrationRecord, NewGrant, NewToken,
    SessionRecord,
};
use roster_store::{token, ChangeTopic, OrgRecord, PersonRecord, StoreError};
use uuid::Uuid;

async fn integration(store: &TestStore, org: &OrgRecord) -> IntegrationRecord {
    store
        .create_integration(IntegrationDraft {
            org_id: org.id,
            name: "Planner".into(),
            client_id: credentials::new_client_id(),
            secret_hash: token::hash("secret"),
            redirect_uris: vec![
                "http://127.0.0.1:9/cb".into(),
                "http://localhost:9/cb".into(),
            ],
            scopes: vec!["spark:people_read".into()],
        })
        .await
        .unwrap()
}

fn grant(
    person: &PersonRecord,
    client: &IntegrationRecord,
    refresh: &str,
    access: &str,
) -> NewGrant {
    NewGrant {
        person_id: person.id,
        client_id: client.client_id.clone(),
        scopes: vec!["spark:people_read".into()],
        refresh_hash: token::hash(refresh),
        refresh_expires_at: now_millis() + 3_600_000,
        access_hash: token::hash(access),
        access_expires_at: now_millis() + 60_000,
    }
}

fn code(person: &PersonRecord, client: &IntegrationRecord) -> CodeRecord {
    CodeRecord {
        client_id: client.client_id.clone(),
        person_id: person.id,
        redirect_uri: client.redirect_uris[0].clone(),
        code_challenge: Some("challenge".into()),
        code_challenge_method: Some("S256".into()),
        scopes: vec!["openid".into(), "spark:people_read".into()],
        nonce: Some("n-0S6_WzA2Mj".into()),
        auth_time: 1_000,
        created: now_millis(),
        expires_at: now_millis() + 600_000,
        used_at: None,
        authorization_id: None,
    }
}

#[tokio::test]
async fn an_integration_is_kept_as_registered_and_found_by_client_id() {
    let store = open().await;
    let org = store.org("Acme").await;
    let other = store.org("Other").await;
    let created = integration(&store, &org).await;
    assert!(credentials::is_client_id(&created.client_id));
    let found = store.get_integration(&created.client_id).await.unwrap();
    assert_eq!(found.as_ref(), Some(&created));
    assert_eq!(found.unwrap().redirect_uris.len(), 2);
    assert_eq!(
        store.list_integrations(Some(org.id)).await.unwrap(),
        vec![created.clone()]
    );
    assert!(store
        .list_integrations(Some(other.id))
        .await
        .unwrap()
        .is_empty());

    assert!(store
        .set_integration_secret(&created.client_id, &token::hash("new"))
        .await
        .unwrap());
    let rotated = store
        .get_integration(&created.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rotated.secret_hash, token::hash("new"));

    let mut taken = IntegrationDraft {
        org_id: org.id,
        name: "Copy".into(),
        client_id: created.client_id.clone(),
        secret_hash: "x".into(),
        redirect_uris: vec![],
        scopes: vec![],
    };
    assert!(matches!(
        store.create_integration(taken.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    taken.client_id = credentials::new_client_id();
    taken.org_id = Uuid::new_v4();
    assert!(matches!(
        store.create_integration(taken).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_password_is_stored_as_a_hash_and_replaced() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    assert_eq!(store.password_hash(ada.id).await.unwrap(), None);
    assert!(store
        .set_password(ada.id, &password::hash("first"))
        .await
        .unwrap());
    assert!(store
        .set_password(ada.id, &password::hash("second"))
        .await
        .unwrap());
    let stored = store.password_hash(ada.id).await.unwrap().unwrap();
    assert!(!stored.contains("second"));
    assert!(password::verify("second", &stored));
    assert!(!password::verify("first", &stored));
    assert!(!store.set_password(Uuid::new_v4(), "x").await.unwrap());
}

#[tokio::test]
async fn a_code_is_used_once_and_a_second_use_revokes_what_the_first_issued() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let client = integration(&store, &org).await;
    let code_hash = token::hash("the code");
    let issued = code(&ada, &client);
    store.create_code(&code_hash, &issued).await.unwrap();
    assert_eq!(store.find_code(&code_hash).await.unwrap(), Some(issued));

    let first = store
        .redeem_code(&code_hash, grant(&ada, &client, "refresh", "access"))
        .await
        .unwrap()
        .expect("the first use makes a grant");
    let used = store.find_code(&code_hash).await.unwrap().unwrap();
    assert!(used.used_at.is_some());
    assert_eq!(used.authorization_id, Some(first.id));
    let access = store
        .find_token(&token::hash("access"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(access.authorization_id, Some(first.id));
    assert_eq!(access.scopes, Some(vec!["spark:people_read".to_string()]));

    let mark = store.change_mark().await;
    let second = store
        .redeem_code(&code_hash, grant(&ada, &client, "refresh2", "access2"))
        .await
        .unwrap();
    assert_eq!(second, None);
    assert!(store
        .find_token(&token::hash("access2"))
        .await
        .unwrap()
        .is_none());
    let revoked = store
        .find_token(&token::hash("access"))
        .await
        .unwrap()
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    let grant_now = store.get_authorization(first.id).await.unwrap().unwrap();
    assert!(!grant_now.is_usable_at(now_millis()));
    assert_eq!(
        store.changes_after(mark).await,
        vec![(ChangeTopic::Token, token::hash("access"))]
    );
}

#[tokio::test]
async fn revoking_a_grant_revokes_its_tokens_and_refuses_new_ones() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let client = integration(&store, &org).await;
    let made = store
        .create_grant(grant(&ada, &client, "r", "a1"))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_grant_by_refresh(&token::hash("r"))
            .await
            .unwrap(),
        Some(made.clone())
    );
    let refreshed = NewToken {
        person_id: ada.id,
        token_hash: token::hash("a2"),
        expires_at: Some(now_millis() + 60_000),
        scopes: Some(made.scopes.clone()),
        authorization_id: Some(made.id),
        ..NewToken::default()
    };
    assert!(store
        .create_token_with(refreshed.clone())
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store.list_authorizations(ada.id).await.unwrap(),
        vec![made.clone()]
    );

    let mark = store.change_mark().await;
    assert!(store.revoke_authorization(made.id).await.unwrap());
    assert!(!store.revoke_authorization(made.id).await.unwrap());
    let noted = store.changes_after(mark).await;
    assert_eq!(noted.len(), 2);
    for hash in [token::hash("a1"), token::hash("a2")] {
        assert!(noted.contains(&(ChangeTopic::Token, hash)), "{noted:?}");
    }
    assert!(store.list_authorizations(ada.id).await.unwrap().is_empty());
    let again = NewToken {
        token_hash: token::hash("a3"),
        ..refreshed
    };
    assert_eq!(store.create_token_with(again).await.unwrap(), None);
    assert!(store
        .find_token(&token::hash("a3"))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_client_loses_its_grants_only_in_the_org_named() {
    let store = open().await;
    let org = store.org("Acme").await;
    let other = store.org("Other").await;
    let ada = store.person(&org, "Ada").await;
    let bob = store.person(&other, "Bob").await;
    let client = integration(&store, &org).await;
    store
        .create_grant(grant(&ada, &client, "ra", "aa"))
        .await
        .unwrap();
    store
        .create_grant(grant(&bob, &client, "rb", "ab"))
        .await
        .unwrap();
    assert_eq!(
        store
            .revoke_client_authorizations(&client.client_id, org.id)
            .await
            .unwrap(),
        1
    );
    assert!(store.list_authorizations(ada.id).await.unwrap().is_empty());
    assert_eq!(store.list_authorizations(bob.id).await.unwrap().len(), 1);

    // Deleting the integration revokes the rest before it goes.
    assert!(store.delete_integration(&client.client_id).await.unwrap());
    let token = store.find_token(&token::hash("ab")).await.unwrap().unwrap();
    assert!(token.revoked_at.is_some());
    assert_eq!(
        store.get_integration(&client.client_id).await.unwrap(),
        None
    );
    assert!(!store.delete_integration(&client.client_id).await.unwrap());
}

#[tokio::test]
async fn sessions_consents_and_throttling_live_in_the_database() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let client = integration(&store, &org).await;
    let session = SessionRecord {
        person_id: ada.id,
        auth_time: 5,
        expires_at: 10,
    };
    store
        .create_session(&token::hash("cookie"), &session)
        .await
        .unwrap();
    let elsewhere = crate::helpers::reopen(&store.db).await;
    assert_eq!(
        elsewhere
            .find_session(&token::hash("cookie"))
            .await
            .unwrap(),
        Some(session)
    );
    assert!(store.delete_session(&token::hash("cookie")).await.unwrap());
    assert_eq!(
        store.find_session(&token::hash("cookie")).await.unwrap(),
        None
    );

    let scopes = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(store
        .consented_scopes(ada.id, &client.client_id)
        .await
        .unwrap()
        .is_empty());
    store
        .remember_consent(ada.id, &client.client_id, &scopes(&["openid", "email"]))
        .await
        .unwrap();
    store
        .remember_consent(
            ada.id,
            &client.client_id,
            &scopes(&["email", "spark:people_read"]),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .consented_scopes(ada.id, &client.client_id)
            .await
            .unwrap(),
        scopes(&["openid", "email", "spark:people_read"])
    );

    let key = "account:ada@example.com";
    assert_eq!(store.sign_in_failures(key, 0).await.unwrap(), 0);
    assert_eq!(store.note_sign_in_failure(key, 0).await.unwrap(), 1);
    assert_eq!(store.note_sign_in_failure(key, 0).await.unwrap(), 2);
    assert_eq!(store.sign_in_failures(key, 0).await.unwrap(), 2);
    // A window that began before `since` is over: counting starts again.
    let later = now_millis() + 1;
    assert_eq!(store.sign_in_failures(key, later).await.unwrap(), 0);
    assert_eq!(store.note_sign_in_failure(key, later).await.unwrap(), 1);
    store.clear_sign_in_failures(key).await.unwrap();
    assert_eq!(store.sign_in_failures(key, 0).await.unwrap(), 0);
}

#[tokio::test]
async fn an_approved_sign_in_is_taken_once_by_its_client() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store.person(&org, "Ada").await;
    let bob = store.person(&org, "Bob").await;
    let client = integration(&store, &org).await;
    let for_client = store
        .approve_sign_in(ada.id, Some(&client.client_id))
        .await
        .unwrap();
    let for_any = store.approve_sign_in(bob.id, None).await.unwrap();
    assert_eq!(
        store
            .take_sign_in_approval("Cother")
            .await
            .unwrap()
            .map(|a| a.id),
        Some(for_any.id)
    );
    assert_eq!(store.take_sign_in_approval("Cother").await.unwrap(), None);
    let taken = store
        .take_sign_in_approval(&client.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((taken.id, taken.person_id), (for_client.id, ada.id));
    assert!(taken.taken_at.is_some());
    assert_eq!(
        store
            .take_sign_in_approval(&client.client_id)
            .await
            .unwrap(),
        None
    );
    let listed = store.list_sign_in_approvals().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|a| a.taken_at.is_some()));
}

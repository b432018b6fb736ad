//! Pages and email look-ups served from the cache: a page is read as ids and versions, and
//! a record is taken from the cache only in the very version the page names; an email is
//! answered from memory only while its holder's record still lists it.

use crate::helpers::*;
use roster_store::PersonRecord;

/// The display names a page shows, as an admin lists the organization.
async fn listed_names(d: &Directory, path: &str) -> Vec<String> {
    let body = json_body(d.app.get(path, &d.full_admin_token).await, 200).await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["displayName"].as_str().unwrap().to_string())
        .collect()
}

/// Renames `person` straight in the store, as another node or the CLI would.
async fn rename_in_the_store(d: &Directory, person: &PersonRecord, name: &str) {
    let mut draft = person.to_draft();
    draft.display_name = name.to_string();
    d.app.store.replace_person(person.id, draft).await.unwrap();
}

#[tokio::test]
async fn a_page_shows_a_change_made_by_another_process_at_once() {
    let d = directory().await;
    // Warm the caches with the current version of everyone on the page.
    assert!(listed_names(&d, "/v1/people")
        .await
        .contains(&"Una User".to_string()));
    rename_in_the_store(&d, &d.user, "Una Renamed").await;
    // No waiting for the change feed: the page names a newer version than the cached one.
    let names = listed_names(&d, "/v1/people").await;
    assert!(names.contains(&"Una Renamed".to_string()), "{names:?}");
    assert!(!names.contains(&"Una User".to_string()), "{names:?}");
    let found = listed_names(&d, "/v1/people?displayName=una%20ren").await;
    assert_eq!(found, vec!["Una Renamed"]);
}

#[tokio::test]
async fn a_page_leaves_out_a_person_deleted_by_another_process_at_once() {
    let d = directory().await;
    assert!(listed_names(&d, "/v1/people")
        .await
        .contains(&"Una User".to_string()));
    assert!(d.app.store.delete_person(d.user.id).await.unwrap());
    assert!(!listed_names(&d, "/v1/people")
        .await
        .contains(&"Una User".to_string()));
}

#[tokio::test]
async fn a_person_created_by_another_process_is_found_by_email_at_once() {
    let d = directory().await;
    let email = "newcomer@acme.test";
    let path = format!("/v1/people?email={email}");
    // Asked before they exist: nobody, and that answer must not stick.
    assert!(listed_names(&d, &path).await.is_empty());
    let mut draft = d.user.to_draft();
    draft.id = None;
    draft.emails = vec![email.to_string()];
    draft.display_name = "Nina Newcomer".into();
    d.app.store.create_person(draft).await.unwrap();
    assert_eq!(listed_names(&d, &path).await, vec!["Nina Newcomer"]);
}

#[tokio::test]
async fn an_email_moved_to_someone_else_finds_its_new_holder() {
    let d = directory().await;
    let email = d.user.emails[0].clone();
    let path = format!("/v1/people?email={email}");
    assert_eq!(listed_names(&d, &path).await, vec!["Una User"]);

    // Una gives the address up and someone else takes it, both outside this server.
    let mut una = d.user.to_draft();
    una.emails = vec!["una.elsewhere@acme.test".into()];
    d.app.store.replace_person(d.user.id, una).await.unwrap();
    let mut heir = d.user.to_draft();
    heir.id = None;
    heir.emails = vec![email.clone()];
    heir.display_name = "Hugo Heir".into();
    d.app.store.create_person(heir).await.unwrap();

    until_the_feed_delivers("the email's new holder", || async {
        listed_names(&d, &path).await == vec!["Hugo Heir"]
    })
    .await;
    assert_eq!(
        listed_names(&d, "/v1/people?email=una.elsewhere@acme.test").await,
        vec!["Una User"]
    );
}

#[tokio::test]
async fn an_email_changed_through_the_api_is_found_under_the_new_address_at_once() {
    let d = directory().await;
    let old = d.user.emails[0].clone();
    assert_eq!(
        listed_names(&d, &format!("/v1/people?email={old}")).await,
        vec!["Una User"]
    );
    let response = d
        .app
        .put_json(
            &format!("/v1/people/{}", person_id(&d.user)),
            &d.full_admin_token,
            &serde_json::json!({"emails": ["una.new@acme.test"], "displayName": "Una User"}),
        )
        .await;
    json_body(response, 200).await;
    assert!(listed_names(&d, &format!("/v1/people?email={old}"))
        .await
        .is_empty());
    assert_eq!(
        listed_names(&d, "/v1/people?email=una.new@acme.test").await,
        vec!["Una User"]
    );
}

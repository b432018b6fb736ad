//! Row-for-row copies of the tables a migration does not copy as records (`CopyStore`):
//! pages in primary-key order, values that arrive as they left, identity columns whose
//! sequences continue after the copied values.

use crate::helpers::{draft, open, TestStore};
use roster_store::oauth::IntegrationDraft;
use roster_store::scim::{ScimExtra, ScimGroupDraft};
use roster_store::{token, OrgRecord, PersonRecord, TableRow};
use serde_json::json;

/// A source with SCIM groups, SCIM attributes, an integration and a password.
async fn source_with_other_tables() -> (TestStore, OrgRecord, Vec<PersonRecord>) {
    let source = open().await;
    let org = source.org("Acme").await;
    let mut people = Vec::new();
    for name in ["Ada", "Grace", "Linus"] {
        let person = source
            .create_scim_user(
                draft(org.id, name),
                ScimExtra {
                    external_id: Some(format!("okta-{name}")),
                    attributes: json!({"userType": "employee", "note": "it's \"quoted\", ünïcode"})
                        .as_object()
                        .cloned()
                        .unwrap(),
                },
            )
            .await
            .unwrap();
        people.push(person.person);
    }
    for (name, members) in [
        ("Engineers", vec![people[0].id, people[1].id]),
        ("Kernel", vec![people[2].id]),
        ("Empty", vec![]),
    ] {
        source
            .create_scim_group(
                org.id,
                None,
                ScimGroupDraft {
                    display_name: name.into(),
                    members,
                    ..ScimGroupDraft::default()
                },
            )
            .await
            .unwrap();
    }
    source
        .create_integration(IntegrationDraft {
            org_id: org.id,
            name: "Planner".into(),
            client_id: "C0ffee".into(),
            secret_hash: token::hash("secret"),
            redirect_uris: vec!["http://127.0.0.1:9/cb".into()],
            scopes: vec!["spark:people_read".into()],
        })
        .await
        .unwrap();
    source
        .set_password(people[0].id, "$argon2id$stored-hash")
        .await
        .unwrap();
    (source, org, people)
}

/// Every row of `table`, read `page` rows at a time.
async fn all_rows(store: &TestStore, table: &str, page: u32) -> Vec<TableRow> {
    let mut rows: Vec<TableRow> = Vec::new();
    loop {
        let next = store.read_rows(table, rows.last(), page).await.unwrap();
        assert!(next.len() <= page as usize);
        let done = next.len() < page as usize;
        rows.extend(next);
        if done {
            return rows;
        }
    }
}

#[tokio::test]
async fn every_table_is_copied_row_for_row_and_identity_columns_continue() {
    let (source, org, people) = source_with_other_tables().await;
    let tables = source.directory_tables().await.unwrap();
    for (parent, child) in [
        ("people", "scim_users"),
        ("scim_groups", "scim_group_members"),
        ("oauth_integrations", "oauth_authorizations"),
    ] {
        let at = |t: &str| tables.iter().position(|x| x == t).unwrap();
        assert!(
            at(parent) < at(child),
            "{parent} before {child}: {tables:?}"
        );
    }
    assert!(!tables
        .iter()
        .any(|t| t == "changes" || t.starts_with("_sqlx")));

    let target = open().await;
    let target_org = target.create_org(Some(org.id), "Acme").await.unwrap();
    assert_eq!(target_org.id, org.id);
    target.restore_people(&people).await.unwrap();
    for table in [
        "scim_users",
        "scim_groups",
        "scim_group_members",
        "oauth_integrations",
        "person_passwords",
    ] {
        // Pages of one row: the keyset paging, composite keys included, sees every row once.
        let rows = all_rows(&source, table, 1).await;
        assert_eq!(rows, all_rows(&source, table, 1000).await, "{table}");
        assert_eq!(rows.len() as i64, source.count_rows(table).await.unwrap());
        let columns = source.table_columns(table).await.unwrap();
        assert_eq!(
            target.write_rows(table, &columns, &rows).await.unwrap(),
            rows.len() as u64
        );
        assert_eq!(all_rows(&target, table, 1000).await, rows, "{table}");
    }

    // What the copies hold reads back through the typed API as it was written.
    let ada = target.get_scim_user(people[0].id).await.unwrap().unwrap();
    assert_eq!(ada.extra.external_id.as_deref(), Some("okta-Ada"));
    assert_eq!(ada.extra.attributes["note"], "it's \"quoted\", ünïcode");
    let groups = target.scim_groups_of(people[0].id).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].display_name, "Engineers");
    assert_eq!(
        target.password_hash(people[0].id).await.unwrap().as_deref(),
        Some("$argon2id$stored-hash")
    );
    assert!(target.get_integration("C0ffee").await.unwrap().is_some());

    // A group made after the copy takes a new place after the copied ones.
    let later = target
        .create_scim_group(
            org.id,
            None,
            ScimGroupDraft {
                display_name: "Later".into(),
                ..ScimGroupDraft::default()
            },
        )
        .await
        .expect("the identity sequence moved past the copied groups");
    assert_eq!(later.display_name, "Later");
}

#[tokio::test]
async fn a_row_that_does_not_fit_its_table_is_refused_whole() {
    let (source, _, _) = source_with_other_tables().await;
    let columns = source.table_columns("oauth_integrations").await.unwrap();
    let mut rows = all_rows(&source, "oauth_integrations", 10).await;
    rows[0][0] = Some("another-id".into());
    rows.push(vec![Some("short row".into())]);
    let error = source
        .write_rows("oauth_integrations", &columns, &rows)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("values for"), "{error}");
    assert_eq!(source.count_rows("oauth_integrations").await.unwrap(), 1);
    let unknown = source
        .write_rows(
            "oauth_integrations",
            &["no_such_column".into()],
            &[vec![None]],
        )
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("no column"), "{unknown}");
}

//! The typed SCIM calls against a real Roster server (in-process, random port, fresh
//! database on the backend the environment names).

use roster_client::scim::{PatchOp, ScimGroup, ScimMember, ScimUser, GROUP_SCHEMA};
use roster_client::{Client, ClientError};
use roster_server::{Application, ServerConfig};
use roster_store::testing::TestDb;
use roster_store::{seed, StoreOptions};
use serde_json::json;

#[tokio::test]
async fn users_groups_and_errors_through_the_typed_scim_calls() {
    let db = TestDb::new().await;
    let store = roster_store::open(&db.url, &StoreOptions::default())
        .await
        .unwrap();
    let (org, admin) =
        seed::initialize(store.as_ref(), None, "Acme", "admin@acme.test", "Ada Admin")
            .await
            .unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..ServerConfig::default()
    };
    let app = Application::build(config, store).await.unwrap();
    let base = format!("http://{}/v1", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = Client::builder(base, &admin.token).build().unwrap();
    let scim = client.scim(org.id);

    let mut user = ScimUser::new("grace@acme.test");
    user.display_name = Some("Grace Hopper".into());
    user.external_id = Some("ext-1".into());
    let created = scim.create_user(&user).await.unwrap();
    assert_eq!(created.user_name, "grace@acme.test");
    assert_eq!(created.active, Some(true));
    assert!(created
        .meta
        .as_ref()
        .unwrap()
        .version
        .as_ref()
        .unwrap()
        .starts_with("W/"));
    assert!(
        created.other.contains_key("emails"),
        "other attributes are kept"
    );

    match scim.create_user(&user).await {
        Err(ClientError::Api {
            status,
            errors,
            tracking_id,
            ..
        }) => {
            assert_eq!(status, 409);
            assert_eq!(errors, ["uniqueness"]);
            assert!(!tracking_id.is_empty());
        }
        other => panic!("{other:?}"),
    }

    let found = scim
        .list_users(Some(r#"externalId eq "ext-1""#), 1, 10)
        .await
        .unwrap();
    assert_eq!(found.total_results, 1);
    assert_eq!(found.items_per_page, 1);
    assert_eq!(found.resources[0].id, created.id);

    let patched = scim
        .patch_user(
            &created.id,
            &PatchOp::replace(None, json!({"active": false}))
                .then(PatchOp::add(Some("title"), json!("RADM"))),
        )
        .await
        .unwrap();
    assert_eq!(patched.active, Some(false));
    assert_eq!(patched.other["title"], "RADM");
    let mut replaced = patched.clone();
    replaced.display_name = Some("Amazing Grace".into());
    let replaced = scim.replace_user(&created.id, &replaced).await.unwrap();
    assert_eq!(replaced.display_name.as_deref(), Some("Amazing Grace"));
    assert_eq!(scim.get_user(&created.id).await.unwrap(), replaced);
    assert_eq!(scim.me().await.unwrap().user_name, "admin@acme.test");

    let group = scim
        .create_group(&ScimGroup {
            schemas: vec![GROUP_SCHEMA.into()],
            display_name: "Navy".into(),
            members: Some(vec![ScimMember {
                value: created.id.clone(),
                display: None,
            }]),
            ..ScimGroup::default()
        })
        .await
        .unwrap();
    assert_eq!(group.members.as_ref().unwrap().len(), 1);
    let listed = scim
        .list_groups(Some(r#"displayName eq "navy""#))
        .await
        .unwrap();
    assert_eq!(listed.resources[0].id, group.id);
    let emptied = scim
        .patch_group(
            &group.id,
            &PatchOp::remove(&format!("members[value eq \"{}\"]", created.id)),
        )
        .await
        .unwrap();
    assert_eq!(emptied.members, Some(vec![]));
    let bulk = scim
        .bulk(
            vec![json!({"method": "DELETE", "path": format!("/Groups/{}", group.id)})],
            None,
        )
        .await
        .unwrap();
    assert_eq!(bulk["Operations"][0]["status"], "204");
    scim.delete_user(&created.id).await.unwrap();
    assert_eq!(
        scim.get_user(&created.id).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(
        scim.delete_group(&group.id).await.unwrap_err().status(),
        Some(404)
    );
}

//! SCIM users and groups over the same people: SCIM-only attributes kept beside the person,
//! versions, filters compiled to SQL (each operator), paging and sorting, groups of one
//! organization.

use crate::helpers::{draft, open, TestStore};
use roster_store::scim::filter::parse_filter;
use roster_store::scim::*;
use roster_store::{OrgRecord, PersonDraft, PersonVersion, StoreError};
use roster_types::{Address, PhoneNumber, PhoneNumberType};
use serde_json::json;
use uuid::Uuid;

fn extra(external_id: Option<&str>, attributes: serde_json::Value) -> ScimExtra {
    ScimExtra {
        external_id: external_id.map(str::to_string),
        attributes: attributes.as_object().cloned().unwrap_or_default(),
    }
}

fn query(org: &OrgRecord, filter: Option<&str>) -> ScimQuery {
    ScimQuery {
        org_id: org.id,
        filter: filter.map(|f| parse_filter(f).expect("the filter parses")),
        sort: ScimSort::Created,
        descending: false,
        start_index: 1,
        count: 100,
    }
}

/// The display names a filter selects in `org`, in list order.
async fn names(store: &TestStore, org: &OrgRecord, filter: &str) -> Vec<String> {
    let page = store
        .list_scim_users(&query(org, Some(filter)))
        .await
        .unwrap_or_else(|e| panic!("{filter}: {e}"));
    assert_eq!(page.total as usize, page.resources.len(), "{filter}");
    page.resources
        .into_iter()
        .map(|u| u.person.display_name)
        .collect()
}

/// Three SCIM users and one People-only person in `org`.
async fn directory(store: &TestStore, org: &OrgRecord) {
    let people = [
        (
            "Ada Lovelace",
            "ada@analytical.example",
            Some("ext-ada"),
            json!({"name": {"middleName": "King"}, "enterprise": {"employeeNumber": "E1"}}),
            PhoneNumberType::Mobile,
            "14170120",
            "work",
        ),
        (
            "Grace Hopper",
            "grace@navy.example",
            Some("ext-grace"),
            json!({"enterprise": {"employeeNumber": "E2", "costCenter": "Navy"}}),
            PhoneNumberType::Work,
            "15550100",
            "home",
        ),
        (
            "Alan Turing",
            "alan@bletchley.example",
            None,
            json!({}),
            PhoneNumberType::Work,
            "44123",
            "work",
        ),
    ];
    for (name, email, external_id, attributes, phone_type, phone, address) in people {
        let (given, family) = name.split_once(' ').unwrap();
        store
            .create_scim_user(
                PersonDraft {
                    emails: vec![email.into(), format!("alias.{email}")],
                    first_name: Some(given.into()),
                    last_name: Some(family.into()),
                    title: Some(format!("Title of {given}")),
                    phone_numbers: vec![PhoneNumber {
                        number_type: phone_type,
                        value: phone.into(),
                        primary: None,
                    }],
                    addresses: vec![Address {
                        address_type: Some(address.into()),
                        locality: Some(format!("{family}ville")),
                        ..Address::default()
                    }],
                    login_enabled: name != "Alan Turing",
                    ..draft(org.id, name)
                },
                extra(external_id, attributes),
            )
            .await
            .expect("create a SCIM user");
    }
    store
        .person_with(PersonDraft {
            emails: vec!["people.only@example.com".into()],
            ..draft(org.id, "People Only")
        })
        .await;
}

#[tokio::test]
async fn a_scim_user_is_a_person_with_its_scim_attributes_beside_it() {
    let store = open().await;
    let org = store.org("Acme").await;
    let attributes =
        json!({"name": {"middleName": "King"}, "photos": [{"value": "https://p/x.png"}]});
    let created = store
        .create_scim_user(draft(org.id, "Ada"), extra(Some("ext-1"), attributes))
        .await
        .unwrap();
    let person = store.get_person(created.person.id).await.unwrap().unwrap();
    assert_eq!(person, created.person, "the same person for People");
    let read = store.get_scim_user(person.id).await.unwrap().unwrap();
    assert_eq!(read, created);

    // A person made through People has no SCIM attributes yet.
    let plain = store.person(&org, "Plain").await;
    let read = store.get_scim_user(plain.id).await.unwrap().unwrap();
    assert_eq!(read.extra, ScimExtra::default());
    assert_eq!(read.person, plain);
}

#[tokio::test]
async fn every_write_moves_the_version_and_a_stale_version_writes_nothing() {
    let store = open().await;
    let org = store.org("Acme").await;
    let user = store
        .create_scim_user(draft(org.id, "Ada"), extra(None, json!({})))
        .await
        .unwrap();
    let v1 = user.version();
    let Versioned::Written(second) = store
        .replace_scim_user(
            user.person.id,
            user.person.to_draft(),
            extra(Some("x"), json!({})),
            Some(v1),
        )
        .await
        .unwrap()
    else {
        panic!("the current version writes")
    };
    assert!(second.version() > v1, "the version moves on every write");
    assert_eq!(second.extra.external_id.as_deref(), Some("x"));

    let stale = store
        .replace_scim_user(
            user.person.id,
            PersonDraft {
                title: Some("Stale".into()),
                ..user.person.to_draft()
            },
            extra(Some("y"), json!({})),
            Some(v1),
        )
        .await
        .unwrap();
    assert_eq!(stale, Versioned::Stale);
    assert_eq!(
        store.get_scim_user(user.person.id).await.unwrap().unwrap(),
        second,
        "a stale write changes nothing"
    );

    // People's replacement moves it too, and keeps the SCIM attributes.
    let replaced = store
        .replace_person(user.person.id, second.person.to_draft())
        .await
        .unwrap();
    let read = store.get_scim_user(user.person.id).await.unwrap().unwrap();
    assert!(read.version() > second.version());
    assert_eq!(read.person, replaced);
    assert_eq!(read.extra, second.extra);

    let missing = store
        .replace_scim_user(
            Uuid::new_v4(),
            draft(org.id, "x"),
            ScimExtra::default(),
            None,
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

#[tokio::test]
async fn filters_compare_each_attribute_kind_with_each_operator() {
    let store = open().await;
    let org = store.org("Acme").await;
    directory(&store, &org).await;
    let other = store.org("Other").await;
    store
        .create_scim_user(
            draft(other.id, "Ada Elsewhere"),
            extra(Some("ext-ada"), json!({})),
        )
        .await
        .unwrap();

    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "ADA@analytical.example""#, &["Ada Lovelace"]),
        (
            r#"userName Eq "ada@analytical.example" or userName EQ "grace@navy.example""#,
            &["Ada Lovelace", "Grace Hopper"],
        ),
        (r#"userName eq "alias.ada@analytical.example""#, &[]),
        (r#"userName sw "a""#, &["Ada Lovelace", "Alan Turing"]),
        (
            r#"userName ew ".EXAMPLE""#,
            &["Ada Lovelace", "Grace Hopper", "Alan Turing"],
        ),
        (r#"userName co "navy""#, &["Grace Hopper"]),
        (
            r#"userName ne "grace@navy.example""#,
            &["Ada Lovelace", "Alan Turing", "People Only"],
        ),
        (r#"userName gt "b""#, &["Grace Hopper", "People Only"]),
        (
            "userName pr",
            &["Ada Lovelace", "Grace Hopper", "Alan Turing", "People Only"],
        ),
        (r#"displayName sw "al""#, &["Alan Turing"]),
        (r#"displayName eq "grace hopper""#, &["Grace Hopper"]),
        (r#"name.familyName ew "ING""#, &["Alan Turing"]),
        (r#"name.givenName sw "Gr""#, &["Grace Hopper"]),
        (r#"name.middleName eq "king""#, &["Ada Lovelace"]),
        (r#"externalId eq "ext-grace""#, &["Grace Hopper"]),
        (r#"externalId eq "EXT-GRACE""#, &[]),
        ("externalId pr", &["Ada Lovelace", "Grace Hopper"]),
        ("not (externalId pr)", &["Alan Turing", "People Only"]),
        ("active eq false", &["Alan Turing"]),
        (r#"title co "of a""#, &["Ada Lovelace", "Alan Turing"]),
        (
            r#"emails.value eq "alias.grace@navy.example""#,
            &["Grace Hopper"],
        ),
        (
            r#"emails[type eq "work"].value eq "alan@bletchley.example""#,
            &["Alan Turing"],
        ),
        (r#"emails[type eq "work" and value sw "alias"]"#, &[]),
        (
            r#"phoneNumbers[type eq "mobile" and value eq "14170120"]"#,
            &["Ada Lovelace"],
        ),
        (
            r#"phoneNumbers [ type eq "work"]"#,
            &["Grace Hopper", "Alan Turing"],
        ),
        (r#"phoneNumbers.value sw "44""#, &["Alan Turing"]),
        (
            r#"addresses[type eq "home"].locality eq "hopperville""#,
            &["Grace Hopper"],
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E2""#,
            &["Grace Hopper"],
        ),
        (
            r#"costCenter sw "na" and (displayName sw "g" or displayName sw "a")"#,
            &["Grace Hopper"],
        ),
        (
            r#"meta.lastModified gt "1970-01-01T00:00:00Z""#,
            &["Ada Lovelace", "Grace Hopper", "Alan Turing", "People Only"],
        ),
        (r#"meta.created lt "1970-01-01T00:00:00Z""#, &[]),
        (r#"displayName sw "%""#, &[]),
        (r#"displayName co "_""#, &[]),
    ];
    for (filter, expected) in cases {
        assert_eq!(&names(&store, &org, filter).await, expected, "{filter}");
    }
    let org_filter = format!(
        r#"urn:scim:schemas:extension:cisco:webexidentity:2.0:User:meta.organizationId eq "{}""#,
        org.id
    );
    assert_eq!(names(&store, &org, &org_filter).await.len(), 4);
    assert_eq!(names(&store, &other, &org_filter).await.len(), 0);
    // The other organization's Ada is never listed for this one.
    assert_eq!(
        names(&store, &other, r#"externalId eq "ext-ada""#).await,
        ["Ada Elsewhere"]
    );
}

#[tokio::test]
async fn user_name_prefixes_list_what_the_filter_lists_without_reading_records() {
    let store = open().await;
    let org = store.org("Acme").await;
    let other = store.org("Globex").await;
    // LIKE's metacharacters, capitals, a prefix only a second email has, another
    // organization's person with the same prefix.
    for (name, email) in [
        ("Percent", "Per%cent@x.example"),
        ("Underscore", "per_cent@x.example"),
        ("Letter", "perXcent@x.example"),
        ("Percy", "percy@x.example"),
        ("Zed", "zed@x.example"),
    ] {
        store
            .create_scim_user(
                PersonDraft {
                    emails: vec![email.into()],
                    ..draft(org.id, name)
                },
                ScimExtra::default(),
            )
            .await
            .unwrap();
    }
    store
        .person_with(PersonDraft {
            emails: vec!["first@x.example".into(), "period@x.example".into()],
            ..draft(org.id, "Two Emails")
        })
        .await;
    store
        .person_with(PersonDraft {
            emails: vec!["person@globex.example".into()],
            ..draft(other.id, "Elsewhere")
        })
        .await;
    let cases: [(&str, &[&str]); 9] = [
        ("per", &["Percent", "Underscore", "Letter", "Percy"]),
        ("PER%", &["Percent"]),
        ("per_", &["Underscore"]),
        ("perx", &["Letter"]),
        (" Per", &["Percent", "Underscore", "Letter", "Percy"]),
        ("peri", &[]),
        ("p%", &[]),
        ("z", &["Zed"]),
        ("nobody", &[]),
    ];
    for (prefix, expected) in cases {
        let filter = format!("userName sw \"{prefix}\"");
        assert_eq!(&names(&store, &org, &filter).await, expected, "{prefix}");
        let listed: Vec<PersonVersion> = store
            .list_scim_users(&query(&org, Some(&filter)))
            .await
            .unwrap()
            .resources
            .iter()
            .map(|user| PersonVersion {
                id: user.person.id,
                last_modified: user.version(),
            })
            .collect();
        let versions = store
            .user_name_prefix_versions(org.id, prefix, 1000)
            .await
            .unwrap();
        assert_eq!(versions, Some(listed), "{prefix}");
    }
    assert_eq!(
        store
            .user_name_prefix_versions(other.id, "per", 1000)
            .await
            .unwrap()
            .map(|v| v.len()),
        Some(1)
    );
    // More than the limit is for the general list.
    let limited = |limit| store.user_name_prefix_versions(org.id, "per", limit);
    assert_eq!(limited(3).await.unwrap(), None);
    assert_eq!(limited(4).await.unwrap().map(|v| v.len()), Some(4));
}

#[tokio::test]
async fn users_are_read_by_id_in_the_order_they_were_created() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store
        .create_scim_user(
            draft(org.id, "Ada"),
            extra(Some("ext-ada"), json!({"locale": "en"})),
        )
        .await
        .unwrap();
    let plain = store.person(&org, "Plain").await;
    let read = store
        .get_scim_users(&[plain.id, Uuid::new_v4(), ada.person.id])
        .await
        .unwrap();
    let one_by_one = [
        store.get_scim_user(ada.person.id).await.unwrap().unwrap(),
        store.get_scim_user(plain.id).await.unwrap().unwrap(),
    ];
    assert_eq!(read, one_by_one);
    assert_eq!(read[0], ada);
    assert!(store.get_scim_users(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn filters_the_store_cannot_run_are_refused_with_a_reason() {
    let store = open().await;
    let org = store.org("Acme").await;
    for (filter, reason) in [
        (r#"favouriteColour eq "blue""#, "cannot be filtered"),
        (
            r#"urn:example:other:2.0:User:userName eq "a""#,
            "has no attribute",
        ),
        ("active eq \"yes\"", "true or false"),
        (r#"meta.lastModified gt "yesterday""#, "RFC 3339"),
        (r#"displayName[value eq "x"]"#, "not a multi-valued"),
        (r#"emails[colour eq "x"]"#, "colour"),
        ("userName eq 12", "string"),
    ] {
        match store.list_scim_users(&query(&org, Some(filter))).await {
            Err(StoreError::Invalid(message)) => {
                assert!(message.contains(reason), "{filter}: {message}")
            }
            other => panic!("{filter}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn pages_are_one_based_and_sorted_as_asked() {
    let store = open().await;
    let org = store.org("Acme").await;
    directory(&store, &org).await;
    let page = |start_index, count, sort, descending| ScimQuery {
        start_index,
        count,
        sort,
        descending,
        ..query(&org, None)
    };
    let read = |q: ScimQuery| {
        let store = &store;
        async move {
            let page = store.list_scim_users(&q).await.unwrap();
            (
                page.total,
                page.resources
                    .into_iter()
                    .map(|u| u.person.display_name)
                    .collect::<Vec<_>>(),
            )
        }
    };
    assert_eq!(
        read(page(2, 2, ScimSort::Created, false)).await,
        (4, vec!["Grace Hopper".into(), "Alan Turing".into()])
    );
    assert_eq!(
        read(page(5, 2, ScimSort::Created, false)).await,
        (4, vec![])
    );
    assert_eq!(
        read(page(1, 4, ScimSort::Name, false)).await.1,
        ["Ada Lovelace", "Alan Turing", "Grace Hopper", "People Only"]
    );
    assert_eq!(
        read(page(1, 2, ScimSort::Name, true)).await.1,
        ["People Only", "Grace Hopper"]
    );
    let by_modified = read(page(1, 4, ScimSort::LastModified, true)).await.1;
    assert_eq!(by_modified[0], "People Only", "the newest write first");
}

#[tokio::test]
async fn groups_hold_people_of_their_organization_and_lose_deleted_people() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let globex = store.org("Globex").await;
    let ada = store.person(&acme, "Ada").await;
    let grace = store.person(&acme, "Grace").await;
    let stranger = store.person(&globex, "Stranger").await;

    let group = store
        .create_scim_group(
            acme.id,
            None,
            ScimGroupDraft {
                display_name: "Engineers".into(),
                external_id: Some("g-ext".into()),
                members: vec![ada.id, grace.id, ada.id],
                ..ScimGroupDraft::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(group.member_count, 2, "repeats are one membership");
    let refused = store
        .create_scim_group(
            acme.id,
            None,
            ScimGroupDraft {
                display_name: "Mixed".into(),
                members: vec![ada.id, stranger.id],
                ..ScimGroupDraft::default()
            },
        )
        .await;
    match refused {
        Err(StoreError::Invalid(message)) => assert!(message.contains(&stranger.id.to_string())),
        other => panic!("{other:?}"),
    }

    let members = store.scim_group_members(group.id, 1, 10).await.unwrap();
    assert_eq!(members.total, 2);
    assert_eq!(members.resources[0].person_id, ada.id);
    assert_eq!(
        store.scim_groups_of(grace.id).await.unwrap()[0].id,
        group.id
    );

    let groups = |filter: &'static str, org: &OrgRecord| {
        let q = query(org, Some(filter));
        let store = &store;
        async move { store.list_scim_groups(&q).await.unwrap().total }
    };
    assert_eq!(groups(r#"displayName eq "ENGINEERS""#, &acme).await, 1);
    assert_eq!(groups(r#"displayName eq "Engineers""#, &globex).await, 0);
    let by_member = format!(r#"members[value eq "{}"]"#, grace.id);
    let q = query(&acme, Some(&by_member));
    assert_eq!(store.list_scim_groups(&q).await.unwrap().total, 1);

    assert!(store.delete_person(grace.id).await.unwrap());
    let after = store.get_scim_group(group.id).await.unwrap().unwrap();
    assert_eq!(
        after.member_count, 1,
        "a deleted person leaves their groups"
    );

    let Versioned::Written(replaced) = store
        .replace_scim_group(
            group.id,
            ScimGroupDraft {
                display_name: "Builders".into(),
                members: vec![],
                ..ScimGroupDraft::default()
            },
            Some(after.last_modified),
        )
        .await
        .unwrap()
    else {
        panic!("the current version writes")
    };
    assert_eq!(replaced.display_name, "Builders");
    assert_eq!(replaced.member_count, 0);
    assert!(replaced.last_modified > after.last_modified);
    let stale = store
        .replace_scim_group(
            group.id,
            ScimGroupDraft::default(),
            Some(after.last_modified),
        )
        .await
        .unwrap();
    assert_eq!(stale, Versioned::Stale);
    assert!(store.delete_scim_group(group.id).await.unwrap());
    assert!(!store.delete_scim_group(group.id).await.unwrap());
    assert_eq!(store.get_scim_group(group.id).await.unwrap(), None);
}

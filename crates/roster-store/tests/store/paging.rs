//! Keyset pages of people: by insertion order, or by display name for a name search; with
//! people added and deleted between pages; and the filters.

use crate::helpers::{draft, ids, names, open, query, TestStore};
use roster_store::{
    display_name_key, roles, OrgRecord, PeopleQuery, PersonDraft, PersonRecord, PersonVersion,
};
use std::collections::HashSet;
use uuid::Uuid;

/// A pagination run during which people came and went.
struct PagingRun {
    seen: Vec<PersonRecord>,
    /// People present from the first page to the last.
    present_throughout: Vec<Uuid>,
    /// People deleted before any page could reach them.
    deleted_unseen: Vec<Uuid>,
}

impl PagingRun {
    /// What paging guarantees whatever happens between pages.
    fn assert_no_overlap_and_no_skip(&self) {
        let mut unique = HashSet::new();
        for person in &self.seen {
            assert!(
                unique.insert(person.id),
                "{} appeared on two pages",
                person.display_name
            );
        }
        for id in &self.present_throughout {
            assert!(unique.contains(id), "{id}, present throughout, was skipped");
        }
        for id in &self.deleted_unseen {
            assert!(!unique.contains(id), "{id} was listed after it was deleted");
        }
    }
}

/// Pages through `query`; before every page but the first it deletes one of `initial` not
/// listed yet, one person already listed, and adds the people `newcomers` drafts for that
/// round.
async fn page_with_churn(
    store: &TestStore,
    mut query: PeopleQuery,
    initial: &[PersonRecord],
    mut newcomers: impl FnMut(usize) -> Vec<PersonDraft>,
) -> PagingRun {
    let mut seen: Vec<PersonRecord> = Vec::new();
    let mut deleted_unseen = Vec::new();
    let mut deleted_seen = HashSet::new();
    for round in 0.. {
        assert!(round < 100, "paging does not end");
        if round > 0 {
            let unseen = initial
                .iter()
                .rev()
                .find(|p| !deleted_unseen.contains(&p.id) && !seen.iter().any(|s| s.id == p.id));
            if let Some(victim) = unseen {
                assert!(store.delete_person(victim.id).await.unwrap());
                deleted_unseen.push(victim.id);
            }
            if let Some(listed) = seen.iter().find(|p| !deleted_seen.contains(&p.id)) {
                assert!(store.delete_person(listed.id).await.unwrap());
                deleted_seen.insert(listed.id);
            }
            for draft in newcomers(round) {
                store.person_with(draft).await;
            }
        }
        let page = store.next_page(&mut query).await;
        assert!(page.len() <= query.limit as usize);
        let done = page.len() < query.limit as usize;
        seen.extend(page);
        if done {
            break;
        }
    }
    PagingRun {
        present_throughout: ids(initial)
            .into_iter()
            .filter(|id| !deleted_unseen.contains(id) && !deleted_seen.contains(id))
            .collect(),
        deleted_unseen,
        seen,
    }
}

async fn people(store: &TestStore, org: &OrgRecord, names: &[String]) -> Vec<PersonRecord> {
    let mut created = Vec::new();
    for name in names {
        created.push(store.person(org, name).await);
    }
    created
}

#[tokio::test]
async fn pages_in_insertion_order_cover_everyone_once() {
    let store = open().await;
    let org = store.org("Acme").await;
    let everyone = people(
        &store,
        &org,
        &(0..23).map(|i| format!("P{i:02}")).collect::<Vec<_>>(),
    )
    .await;
    let pages = store.all_pages(query(&[&org], 5)).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![5, 5, 5, 5, 3]
    );
    assert_eq!(pages.concat(), everyone);
}

#[tokio::test]
async fn a_page_holds_at_most_its_limit() {
    let store = open().await;
    let org = store.org("Acme").await;
    people(&store, &org, &["A".into(), "B".into(), "C".into()]).await;
    assert_eq!(
        store.list_people(&query(&[&org], 2)).await.unwrap().len(),
        2
    );
    assert_eq!(
        store.list_people(&query(&[&org], 3)).await.unwrap().len(),
        3
    );
    assert_eq!(
        store
            .list_people(&query(&[&org], 1000))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(store.list_people(&query(&[&org], 0)).await.unwrap(), vec![]);
}

#[tokio::test]
async fn pages_in_insertion_order_neither_overlap_nor_skip_while_people_come_and_go() {
    let store = open().await;
    let org = store.org("Acme").await;
    let names: Vec<String> = (0..30).map(|i| format!("Initial {i:02}")).collect();
    let initial = people(&store, &org, &names).await;
    let mut added = Vec::new();

    let run = page_with_churn(&store, query(&[&org], 7), &initial, |round| {
        let late: Vec<PersonDraft> = (0..2)
            .map(|n| draft(org.id, &format!("Late {round}.{n}")))
            .collect();
        added.extend(late.iter().map(|d| d.emails[0].clone()));
        late
    })
    .await;

    run.assert_no_overlap_and_no_skip();
    let seqs: Vec<i64> = run.seen.iter().map(|p| p.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "insertion order: {seqs:?}"
    );
    // Insertion order puts newcomers after any cursor: everyone added is reached.
    let seen_emails: HashSet<&str> = run.seen.iter().map(|p| p.emails[0].as_str()).collect();
    for email in &added {
        assert!(
            seen_emails.contains(email.as_str()),
            "{email}, added while paging, was not reached"
        );
    }
}

#[tokio::test]
async fn pages_by_name_neither_overlap_nor_skip_while_people_come_and_go() {
    let store = open().await;
    let org = store.org("Acme").await;
    let words = ["alpha", "Bravo", "CHARLIE", "delta", "Écho", "foxtrot"];
    let names: Vec<String> = (0..30)
        .map(|i| {
            let team = ["Team", "TEAM", "team"][i % 3];
            format!("{team} {} {i:02}", words[i % words.len()])
        })
        .collect();
    let initial = people(&store, &org, &names).await;
    // Not matched by the search, so never listed.
    let outsiders = people(&store, &org, &["Tea Party".into(), "Other Team".into()]).await;
    let mut added_ahead = Vec::new();

    let search = PeopleQuery {
        display_name_prefix: Some("team ".into()),
        ..query(&[&org], 6)
    };
    let run = page_with_churn(&store, search, &initial, |round| {
        // One sorting before every cursor, one after all (ω is past every Latin letter).
        let behind = draft(org.id, &format!("Team aardvark {round}"));
        let ahead = draft(org.id, &format!("TEAM ω {round}"));
        added_ahead.push(ahead.emails[0].clone());
        vec![behind, ahead]
    })
    .await;

    run.assert_no_overlap_and_no_skip();
    let keys: Vec<(String, i64)> = run
        .seen
        .iter()
        .map(|p| (display_name_key(&p.display_name), p.seq))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "name order: {keys:?}");
    assert!(
        keys.iter().all(|(key, _)| key.starts_with("team ")),
        "{keys:?}"
    );
    for outsider in &outsiders {
        assert!(!run.seen.iter().any(|p| p.id == outsider.id));
    }
    let seen_emails: HashSet<&str> = run.seen.iter().map(|p| p.emails[0].as_str()).collect();
    for email in &added_ahead {
        assert!(
            seen_emails.contains(email.as_str()),
            "{email}, added ahead of the cursor, was not reached"
        );
    }
}

#[tokio::test]
async fn people_with_the_same_name_are_paged_in_insertion_order() {
    let store = open().await;
    let org = store.org("Acme").await;
    let names: Vec<String> = ["Sam Same", "sam same", "SAM SAME", "Sam Same", "sam Same"]
        .map(String::from)
        .to_vec();
    let same = people(&store, &org, &names).await;
    let search = PeopleQuery {
        display_name_prefix: Some("Sam".into()),
        ..query(&[&org], 2)
    };
    let pages = store.all_pages(search).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    assert_eq!(ids(&pages.concat()), ids(&same));
}

#[tokio::test]
async fn a_name_search_orders_by_lowercased_name_then_insertion() {
    let store = open().await;
    let org = store.org("Acme").await;
    let inserted: Vec<String> = ["ab", "AA", "Aa", "aB", "a b", "Ä", "b"]
        .map(String::from)
        .to_vec();
    people(&store, &org, &inserted).await;
    let found = store
        .list_people(&PeopleQuery {
            display_name_prefix: Some("a".into()),
            ..query(&[&org], 100)
        })
        .await
        .unwrap();
    assert_eq!(names(&found), ["a b", "AA", "Aa", "ab", "aB"]);
}

async fn search(store: &TestStore, org: &OrgRecord, prefix: &str) -> Vec<String> {
    let found = store
        .list_people(&PeopleQuery {
            display_name_prefix: Some(prefix.into()),
            ..query(&[org], 100)
        })
        .await
        .unwrap();
    names(&found).into_iter().map(String::from).collect()
}

#[tokio::test]
async fn a_name_prefix_is_case_insensitive() {
    let store = open().await;
    let org = store.org("Acme").await;
    let names: Vec<String> = ["Alice", "alina", "ALIX", "Bob", "Malik", "Al"]
        .map(String::from)
        .to_vec();
    people(&store, &org, &names).await;
    for prefix in ["ALI", "ali", "aLi"] {
        assert_eq!(
            search(&store, &org, prefix).await,
            ["Alice", "alina", "ALIX"],
            "{prefix}"
        );
    }
    assert_eq!(search(&store, &org, "alice").await, ["Alice"]);
    assert_eq!(search(&store, &org, "alicea").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_name_prefix_matches_percent_underscore_and_backslash_as_themselves() {
    let store = open().await;
    let org = store.org("Acme").await;
    let names: Vec<String> = [
        "50% Off",
        "50x Off",
        "500 Club",
        "a_b",
        "axb",
        "A_B Two",
        "back\\slash",
        "backslash",
    ]
    .map(String::from)
    .to_vec();
    people(&store, &org, &names).await;
    assert_eq!(search(&store, &org, "50%").await, ["50% Off"]);
    assert_eq!(search(&store, &org, "a_").await, ["a_b", "A_B Two"]);
    assert_eq!(search(&store, &org, "%").await, Vec::<String>::new());
    assert_eq!(search(&store, &org, "_").await, Vec::<String>::new());
    assert_eq!(search(&store, &org, "back\\").await, ["back\\slash"]);
}

#[tokio::test]
async fn a_name_prefix_matches_non_ascii_names_case_insensitively() {
    let store = open().await;
    let org = store.org("Acme").await;
    let names: Vec<String> = [
        "Émile Zola",
        "émilie du Châtelet",
        "Emil Nolde",
        "Łukasz",
        "łucja",
        "Øyvind",
        "山田太郎",
        "山本",
    ]
    .map(String::from)
    .to_vec();
    people(&store, &org, &names).await;
    assert_eq!(
        search(&store, &org, "ÉMI").await,
        ["Émile Zola", "émilie du Châtelet"]
    );
    assert_eq!(search(&store, &org, "émile").await, ["Émile Zola"]);
    assert_eq!(search(&store, &org, "emi").await, ["Emil Nolde"]);
    assert_eq!(search(&store, &org, "Ł").await, ["łucja", "Łukasz"]);
    assert_eq!(search(&store, &org, "ø").await, ["Øyvind"]);
    assert_eq!(search(&store, &org, "山田").await, ["山田太郎"]);
    assert_eq!(search(&store, &org, "山").await, ["山本", "山田太郎"]);
}

#[tokio::test]
async fn only_people_of_the_queried_orgs_are_listed() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let globex = store.org("Globex").await;
    let ada = store.person(&acme, "Ada").await;
    let gus = store.person(&globex, "Gus").await;
    assert_eq!(
        ids(&store.list_people(&query(&[&acme], 10)).await.unwrap()),
        vec![ada.id]
    );
    assert_eq!(
        ids(&store.list_people(&query(&[&globex], 10)).await.unwrap()),
        vec![gus.id]
    );
    assert_eq!(
        ids(&store
            .list_people(&query(&[&acme, &globex], 10))
            .await
            .unwrap()),
        vec![ada.id, gus.id]
    );
    assert_eq!(store.list_people(&query(&[], 10)).await.unwrap(), vec![]);
    // A filter never reaches past the organizations either.
    let by_email = PeopleQuery {
        email: Some(gus.emails[0].clone()),
        ..query(&[&acme], 10)
    };
    assert_eq!(store.list_people(&by_email).await.unwrap(), vec![]);
    let by_id = PeopleQuery {
        ids: Some(vec![gus.id]),
        ..query(&[&acme], 10)
    };
    assert_eq!(store.list_people(&by_id).await.unwrap(), vec![]);
}

#[tokio::test]
async fn an_email_filter_matches_any_of_a_persons_emails_in_any_case() {
    let store = open().await;
    let org = store.org("Acme").await;
    let ada = store
        .person_with(PersonDraft {
            emails: vec!["ada@example.com".into(), "Countess@Example.com".into()],
            ..draft(org.id, "Ada")
        })
        .await;
    store.person(&org, "Bystander").await;
    for email in [
        "ADA@example.com",
        "countess@example.com",
        "COUNTESS@EXAMPLE.COM",
    ] {
        let filter = PeopleQuery {
            email: Some(email.into()),
            ..query(&[&org], 10)
        };
        assert_eq!(
            store.list_people(&filter).await.unwrap(),
            vec![ada.clone()],
            "{email}"
        );
    }
    let nobody = PeopleQuery {
        email: Some("countess@example".into()),
        ..query(&[&org], 10)
    };
    assert_eq!(store.list_people(&nobody).await.unwrap(), vec![]);
}

#[tokio::test]
async fn an_id_filter_lists_only_those_people_in_insertion_order() {
    let store = open().await;
    let org = store.org("Acme").await;
    let all = people(
        &store,
        &org,
        &["A".into(), "B".into(), "C".into(), "D".into()],
    )
    .await;
    let filter = PeopleQuery {
        ids: Some(vec![all[3].id, Uuid::new_v4(), all[1].id]),
        ..query(&[&org], 10)
    };
    assert_eq!(
        ids(&store.list_people(&filter).await.unwrap()),
        vec![all[1].id, all[3].id]
    );
    let paged = PeopleQuery {
        ids: Some(ids(&all)),
        ..query(&[&org], 3)
    };
    assert_eq!(store.all_pages(paged).await.concat(), all);
}

#[tokio::test]
async fn an_empty_id_list_matches_nobody() {
    let store = open().await;
    let org = store.org("Acme").await;
    store.person(&org, "Ada").await;
    let filter = PeopleQuery {
        ids: Some(vec![]),
        ..query(&[&org], 10)
    };
    assert_eq!(store.list_people(&filter).await.unwrap(), vec![]);
}

#[tokio::test]
async fn a_role_filter_lists_holders_of_any_of_the_roles_once() {
    let store = open().await;
    let org = store.org("Acme").await;
    let with_roles = |name: &str, held: &[&str]| PersonDraft {
        roles: held.iter().map(|r| r.to_string()).collect(),
        ..draft(org.id, name)
    };
    let both = store
        .person_with(with_roles(
            "Both",
            &[roles::USER_ADMIN, roles::READONLY_ADMIN],
        ))
        .await;
    store
        .person_with(with_roles("Full", &[roles::FULL_ADMIN]))
        .await;
    let user = store
        .person_with(with_roles("User", &[roles::USER_ADMIN]))
        .await;
    store.person_with(with_roles("Nobody", &[])).await;
    let reader = store
        .person_with(with_roles(
            "Reader",
            &[roles::READONLY_ADMIN, roles::DEVICE_ADMIN],
        ))
        .await;

    let filter = PeopleQuery {
        roles: vec![roles::USER_ADMIN.into(), roles::READONLY_ADMIN.into()],
        ..query(&[&org], 10)
    };
    assert_eq!(
        ids(&store.list_people(&filter).await.unwrap()),
        vec![both.id, user.id, reader.id]
    );
    let pages = store.all_pages(PeopleQuery { limit: 1, ..filter }).await;
    assert_eq!(ids(&pages.concat()), vec![both.id, user.id, reader.id]);
    let device = PeopleQuery {
        roles: vec![roles::DEVICE_ADMIN.into()],
        ..query(&[&org], 10)
    };
    assert_eq!(
        ids(&store.list_people(&device).await.unwrap()),
        vec![reader.id]
    );
}

#[tokio::test]
async fn a_location_filter_lists_people_at_that_location() {
    let store = open().await;
    let org = store.org("Acme").await;
    let oslo = store.create_location(org.id, None, "Oslo").await.unwrap();
    let lima = store.create_location(org.id, None, "Lima").await.unwrap();
    let at = |name: &str, location: &str| PersonDraft {
        location_id: Some(location.to_string()),
        ..draft(org.id, name)
    };
    let first = store.person_with(at("Olaf", &oslo.id)).await;
    store.person_with(at("Luz", &lima.id)).await;
    store.person(&org, "Nowhere").await;
    let second = store.person_with(at("Oda", &oslo.id)).await;
    let filter = PeopleQuery {
        location_id: Some(oslo.id.clone()),
        ..query(&[&org], 10)
    };
    assert_eq!(
        ids(&store.list_people(&filter).await.unwrap()),
        vec![first.id, second.id]
    );
    let unknown = PeopleQuery {
        location_id: Some("atlantis".into()),
        ..query(&[&org], 10)
    };
    assert_eq!(store.list_people(&unknown).await.unwrap(), vec![]);
}

#[tokio::test]
async fn filters_combine_and_hold_on_every_page() {
    let store = open().await;
    let org = store.org("Acme").await;
    let oslo = store.create_location(org.id, None, "Oslo").await.unwrap();
    let mut expected = Vec::new();
    for i in 0..12 {
        let admin = i % 2 == 0;
        let in_oslo = i % 3 != 0;
        let name = if i % 4 == 3 {
            format!("Other {i:02}")
        } else {
            format!("Nora {i:02}")
        };
        let person = store
            .person_with(PersonDraft {
                roles: if admin {
                    vec![roles::USER_ADMIN.into()]
                } else {
                    vec![]
                },
                location_id: in_oslo.then(|| oslo.id.clone()),
                ..draft(org.id, &name)
            })
            .await;
        if admin && in_oslo && name.starts_with("Nora") {
            expected.push(person.display_name);
        }
    }
    assert_eq!(expected, ["Nora 02", "Nora 04", "Nora 08", "Nora 10"]);
    let filter = PeopleQuery {
        display_name_prefix: Some("nora".into()),
        roles: vec![roles::USER_ADMIN.into()],
        location_id: Some(oslo.id.clone()),
        ..query(&[&org], 3)
    };
    let pages = store.all_pages(filter).await;
    assert_eq!(names(&pages.concat()), expected);
}

/// The versions of a page, as `list_person_versions` gives them.
async fn versions(store: &TestStore, query: &PeopleQuery) -> Vec<PersonVersion> {
    store
        .list_person_versions(query)
        .await
        .expect("list versions")
}

fn version_of(person: &PersonRecord) -> PersonVersion {
    PersonVersion {
        id: person.id,
        last_modified: person.last_modified,
    }
}

#[tokio::test]
async fn a_page_of_versions_names_the_same_people_as_the_page_of_records() {
    let store = open().await;
    let org = store.org("Acme").await;
    let other = store.org("Other").await;
    let names: Vec<String> = (0..12).map(|i| format!("Dana {i:02}")).collect();
    people(&store, &org, &names).await;
    store.person(&other, "Dana elsewhere").await;
    let mut by_name = query(&[&org], 5);
    by_name.display_name_prefix = Some("dana 0".into());
    for mut query in [query(&[&org], 5), by_name] {
        loop {
            let expected: Vec<PersonVersion> = store
                .list_people(&query)
                .await
                .unwrap()
                .iter()
                .map(version_of)
                .collect();
            assert_eq!(versions(&store, &query).await, expected);
            if store.next_page(&mut query).await.len() < 5 {
                break;
            }
        }
    }
}

#[tokio::test]
async fn a_replaced_person_shows_a_new_version_on_the_page() {
    let store = open().await;
    let org = store.org("Acme").await;
    let person = store.person(&org, "Erin").await;
    let page = query(&[&org], 10);
    assert_eq!(versions(&store, &page).await, vec![version_of(&person)]);
    let mut changed = person.to_draft();
    changed.title = Some("Engineer".into());
    let replaced = store.replace_person(person.id, changed).await.unwrap();
    assert!(replaced.last_modified > person.last_modified);
    assert_eq!(versions(&store, &page).await, vec![version_of(&replaced)]);
}

#[tokio::test]
async fn a_page_of_versions_for_an_empty_id_list_or_no_org_is_empty() {
    let store = open().await;
    let org = store.org("Acme").await;
    store.person(&org, "Finn").await;
    let mut no_ids = query(&[&org], 10);
    no_ids.ids = Some(Vec::new());
    assert!(versions(&store, &no_ids).await.is_empty());
    assert!(versions(&store, &query(&[], 10)).await.is_empty());
}

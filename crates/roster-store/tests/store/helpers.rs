//! A fresh store per test on the backend the environment names (a SQLite file, or a new
//! PostgreSQL database when `ROSTER_TEST_POSTGRES_URL` is set), and small typed builders
//! for the records the stories need.

use roster_store::testing::TestDb;
use roster_store::{
    display_name_key, ChangeTopic, Cursor, OrgRecord, PeopleQuery, PersonDraft, PersonRecord,
    Store, StoreError, StoreOptions, StoreResult,
};
use roster_types::{
    Address, PersonType, PhoneNumber, PhoneNumberType, PresenceStatus, SipAddress, SipAddressType,
};
use std::fmt::Debug;
use std::sync::Arc;
use uuid::Uuid;

/// A store on its own database. Derefs to the store, so a test calls `store.create_org(..)`.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    /// Declared last so it is dropped last: the database outlives the store's connections.
    pub db: TestDb,
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

/// A store on a fresh database.
pub async fn open() -> TestStore {
    let db = TestDb::new().await;
    let store = reopen(&db).await;
    TestStore { store, db }
}

/// Another store on the same database, as a second process or a restart would open it.
pub async fn reopen(db: &TestDb) -> Arc<dyn Store> {
    roster_store::open(&db.url, &StoreOptions::default())
        .await
        .expect("open the store")
}

impl TestStore {
    pub async fn org(&self, name: &str) -> OrgRecord {
        self.create_org(None, name).await.expect("create org")
    }

    /// A plain person in `org` with a unique email made from the name.
    pub async fn person(&self, org: &OrgRecord, name: &str) -> PersonRecord {
        self.person_with(draft(org.id, name)).await
    }

    pub async fn person_with(&self, draft: PersonDraft) -> PersonRecord {
        self.create_person(draft).await.expect("create person")
    }

    /// Where the change feed stands now; [`TestStore::changes_after`] reads from here.
    pub async fn change_mark(&self) -> i64 {
        self.latest_change().await.expect("latest change")
    }

    /// The changes noted after `mark`, oldest first, as (topic, key).
    pub async fn changes_after(&self, mark: i64) -> Vec<(ChangeTopic, String)> {
        self.changes_since(mark, 1000)
            .await
            .expect("read the change feed")
            .into_iter()
            .map(|change| (change.topic, change.key))
            .collect()
    }

    /// The next page of `query`, moving its cursor past the page as a caller following
    /// pagination links does.
    pub async fn next_page(&self, query: &mut PeopleQuery) -> Vec<PersonRecord> {
        let page = self.list_people(query).await.expect("list people");
        if let Some(last) = page.last() {
            query.after = Some(cursor_after(query, last));
        }
        page
    }

    /// Every page of `query` in turn, until a short page.
    pub async fn all_pages(&self, mut query: PeopleQuery) -> Vec<Vec<PersonRecord>> {
        let mut pages = Vec::new();
        loop {
            // A cursor that stops moving would page for ever; no test has this many pages.
            assert!(pages.len() < 1000, "paging does not end");
            let page = self.next_page(&mut query).await;
            let last = page.len() < query.limit as usize;
            pages.push(page);
            if last {
                return pages;
            }
        }
    }
}

/// The cursor that continues `query` after `last`, as the server builds it.
pub fn cursor_after(query: &PeopleQuery, last: &PersonRecord) -> Cursor {
    Cursor {
        name_key: query
            .orders_by_name()
            .then(|| display_name_key(&last.display_name)),
        seq: last.seq,
    }
}

/// A query over `orgs` for pages of `limit` people.
pub fn query(orgs: &[&OrgRecord], limit: u32) -> PeopleQuery {
    PeopleQuery {
        org_ids: orgs.iter().map(|org| org.id).collect(),
        limit,
        ..PeopleQuery::default()
    }
}

/// A person draft with the least a person needs: a name and a unique email made from it.
pub fn draft(org: Uuid, name: &str) -> PersonDraft {
    PersonDraft {
        org_id: org,
        emails: vec![unique_email(name)],
        display_name: name.to_string(),
        login_enabled: true,
        ..PersonDraft::default()
    }
}

/// An email no other test or person shares, recognisably made from `name`.
pub fn unique_email(name: &str) -> String {
    let local: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
        .collect();
    format!(
        "{local}.{}@example.com",
        &Uuid::new_v4().simple().to_string()[..8]
    )
}

/// A draft with every settable field filled in, each value told apart by `tag`, so that a
/// field lost or swapped by a backend shows up in a comparison. `location` must exist.
pub fn full_draft(org: Uuid, location: &str, tag: &str) -> PersonDraft {
    PersonDraft {
        id: None,
        org_id: org,
        emails: vec![
            unique_email(&format!("{tag} main")),
            unique_email(&format!("{tag} alt")),
        ],
        phone_numbers: vec![
            PhoneNumber {
                number_type: PhoneNumberType::Work,
                value: format!("+1 408 555 {tag}"),
                primary: Some(true),
            },
            PhoneNumber {
                number_type: PhoneNumberType::Mobile,
                value: format!("+1 650 555 {tag}"),
                primary: None,
            },
        ],
        extension: Some(format!("{tag}1")),
        location_id: Some(location.to_string()),
        display_name: format!("Full {tag} Person"),
        nick_name: Some(format!("Nick {tag}")),
        first_name: Some(format!("First {tag}")),
        last_name: Some(format!("Last {tag}")),
        avatar: Some(format!("https://avatars.example.com/{tag}.png")),
        roles: vec![
            roster_store::roles::USER_ADMIN.into(),
            roster_store::roles::FULL_ADMIN.into(),
        ],
        licenses: vec![format!("{org}:AM_{tag}"), format!("{org}:WC_{tag}")],
        department: Some(format!("Department {tag}")),
        manager: Some(format!("Manager {tag}")),
        manager_id: Some(Uuid::new_v4()),
        title: Some(format!("Title {tag}")),
        addresses: vec![Address {
            address_type: Some("work".into()),
            country: Some("US".into()),
            locality: Some(format!("Town {tag}")),
            region: Some("California".into()),
            street_address: Some(format!("{tag} Bird Ave.")),
            postal_code: Some("99212".into()),
        }],
        site_urls: vec![format!("{tag}.webex.com#attendee")],
        sip_addresses: vec![SipAddress {
            address_type: SipAddressType::PersonalRoom,
            value: format!("{tag}@mycompany.webex.com"),
            primary: false,
        }],
        xmpp_federation_jid: Some(format!("{tag}@example.com")),
        timezone: Some("America/Denver".into()),
        invite_pending: true,
        login_enabled: false,
        person_type: PersonType::Appuser,
        created: Some(1_445_178_376_000),
    }
}

/// What a record says about the fields a draft sets, without the id and creation time
/// (compared on their own), to compare with [`as_stored`].
pub fn settable_fields(record: &PersonRecord) -> PersonDraft {
    PersonDraft {
        id: None,
        created: None,
        ..record.to_draft()
    }
}

/// The settable fields of `draft` as the store should keep them: roles sorted and once.
pub fn as_stored(draft: &PersonDraft) -> PersonDraft {
    let mut roles = draft.roles.clone();
    roles.sort();
    roles.dedup();
    PersonDraft {
        id: None,
        created: None,
        roles,
        ..draft.clone()
    }
}

pub fn ids(people: &[PersonRecord]) -> Vec<Uuid> {
    people.iter().map(|person| person.id).collect()
}

pub fn names(people: &[PersonRecord]) -> Vec<&str> {
    people
        .iter()
        .map(|person| person.display_name.as_str())
        .collect()
}

pub fn dnd(until: Option<i64>) -> roster_store::PresenceSetting {
    roster_store::PresenceSetting {
        state: Some(PresenceStatus::DoNotDisturb),
        until,
    }
}

/// The message of the [`StoreError::Conflict`] `result` must be.
#[track_caller]
pub fn conflict<T: Debug>(result: StoreResult<T>) -> String {
    match result {
        Err(StoreError::Conflict(message)) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The message of the [`StoreError::Invalid`] `result` must be.
#[track_caller]
pub fn invalid<T: Debug>(result: StoreResult<T>) -> String {
    match result {
        Err(StoreError::Invalid(message)) => message,
        other => panic!("expected an invalid write, got {other:?}"),
    }
}

/// Sleeps long enough that the next write gets a later millisecond timestamp.
pub async fn next_millisecond() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

/// The time now, as the store under test reads it: its clock is on real time.
pub fn now_millis() -> i64 {
    roster_types::time::Clock::system().now_millis()
}

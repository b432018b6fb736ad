//! First-run set-up and demo data.

use crate::records::{roles, OrgRecord, PersonDraft, PersonRecord};
use crate::{token, Store, StoreError, StoreResult};
use roster_types::time::parse_millis;
use roster_types::{Address, PersonType, PhoneNumber, PhoneNumberType, SipAddress, SipAddressType};
use uuid::Uuid;

/// A person with the token just issued to them. The token exists only here and as a hash
/// in the database.
#[derive(Debug, Clone)]
pub struct Issued {
    pub person: PersonRecord,
    pub token: String,
}

/// Issues a new token for `person`, valid until `expires_at` (ms since the epoch) if given.
pub async fn issue_token(
    store: &dyn Store,
    person: &PersonRecord,
    label: Option<&str>,
    expires_at: Option<i64>,
) -> StoreResult<String> {
    let secret = token::generate(person.org_id);
    store
        .create_token(person.id, &token::hash(&secret), label, expires_at)
        .await?;
    Ok(secret)
}

/// Creates the first organization and its full admin, and issues the admin a token.
/// Fails with [`StoreError::Conflict`] when the database already has an organization.
pub async fn initialize(
    store: &dyn Store,
    org_id: Option<Uuid>,
    org_name: &str,
    admin_email: &str,
    admin_name: &str,
) -> StoreResult<(OrgRecord, Issued)> {
    if store.is_initialized().await? {
        return Err(StoreError::Conflict(
            "This database is already initialized: it has an organization.".into(),
        ));
    }
    let org = store.create_org(org_id, org_name).await?;
    let (first_name, last_name) = split_name(admin_name);
    let admin = store
        .create_person(PersonDraft {
            org_id: org.id,
            emails: vec![admin_email.to_string()],
            display_name: admin_name.to_string(),
            first_name,
            last_name,
            roles: vec![roles::FULL_ADMIN.to_string()],
            login_enabled: true,
            ..PersonDraft::default()
        })
        .await?;
    let token = issue_token(store, &admin, Some("initial admin token"), None).await?;
    Ok((
        org,
        Issued {
            person: admin,
            token,
        },
    ))
}

fn split_name(name: &str) -> (Option<String>, Option<String>) {
    let mut parts = name.split_whitespace();
    let first = parts.next().map(str::to_string);
    let rest: Vec<&str> = parts.collect();
    let last = (!rest.is_empty()).then(|| rest.join(" "));
    (first, last)
}

/// The organization id of the reference page's example.
pub const EXAMPLE_ORG_ID: Uuid = uuid::uuid!("96abc2aa-3dcc-11e5-a152-fe34819cdc9a");
/// The person id of the reference page's example (John Andersen).
pub const EXAMPLE_PERSON_ID: Uuid = uuid::uuid!("f5b36187-c8dd-4727-8b2f-f9c447f29046");
/// The example's manager (John Duarte).
pub const EXAMPLE_MANAGER_ID: Uuid = uuid::uuid!("4da3a248-9b0a-4108-8544-b540312e563a");
/// The example's Webex Calling location.
pub const EXAMPLE_LOCATION_ID: &str = "63715";
pub const EXAMPLE_EMAIL: &str = "john.andersen@example.com";

/// Adds the demo people to `org`: the reference page's example person (John Andersen, a
/// full admin with Webex Calling), their manager, a read-only admin, a bot, a person with an
/// invite pending and one in Do Not Disturb. Returns the example person with a token.
pub async fn add_demo_people(store: &dyn Store, org: &OrgRecord) -> StoreResult<Issued> {
    let location = store
        .create_location(org.id, Some(EXAMPLE_LOCATION_ID.into()), "Milpitas")
        .await?;
    let messaging = store
        .create_license(org.id, None, "Advanced Messaging", 1000)
        .await?;
    let calling = store
        .create_license(org.id, None, "Webex Calling - Professional", 100)
        .await?;
    let created = parse_millis("2015-10-18T14:26:16.000Z");

    store
        .create_person(PersonDraft {
            id: Some(EXAMPLE_MANAGER_ID),
            org_id: org.id,
            emails: vec!["john.duarte@example.com".into()],
            display_name: "John Duarte".into(),
            first_name: Some("John".into()),
            last_name: Some("Duarte".into()),
            title: Some("VP Sales".into()),
            department: Some("Sales".into()),
            login_enabled: true,
            created,
            ..PersonDraft::default()
        })
        .await?;

    let example = store
        .create_person(PersonDraft {
            id: Some(EXAMPLE_PERSON_ID),
            org_id: org.id,
            emails: vec![EXAMPLE_EMAIL.into()],
            phone_numbers: vec![PhoneNumber {
                number_type: PhoneNumberType::Work,
                value: "+1 408 526 7209".into(),
                primary: Some(true),
            }],
            extension: Some("133".into()),
            location_id: Some(location.id),
            display_name: "John Andersen".into(),
            nick_name: Some("John".into()),
            first_name: Some("John".into()),
            last_name: Some("Andersen".into()),
            avatar: Some("https://1efa7a94ed21783e352-c62266528714497a17239ececf39e9e2.ssl.cf1.rackcdn.com/V1~54c844c89e678e5a7b16a306bc2897b9~wx29yGtlTpilEFlYzqPKag==~1600".into()),
            roles: vec![roles::FULL_ADMIN.into(), roles::USER_ADMIN.into()],
            licenses: vec![messaging.id.clone(), calling.id],
            department: Some("Sales".into()),
            manager: Some("John Duarte".into()),
            manager_id: Some(EXAMPLE_MANAGER_ID),
            title: Some("GM".into()),
            addresses: vec![Address {
                address_type: Some("work".into()),
                country: Some("US".into()),
                locality: Some("Milpitas".into()),
                region: Some("California".into()),
                street_address: Some("1099 Bird Ave.".into()),
                postal_code: Some("99212".into()),
            }],
            site_urls: vec!["mysite.webex.com#attendee".into()],
            sip_addresses: vec![SipAddress {
                address_type: SipAddressType::PersonalRoom,
                value: "testuser5@mycompany.webex.com".into(),
                primary: false,
            }],
            xmpp_federation_jid: Some("user@example.com".into()),
            timezone: Some("America/Denver".into()),
            invite_pending: false,
            login_enabled: true,
            person_type: PersonType::Person,
            created,
        })
        .await?;

    let simple = |email: &str, name: &str| {
        let (first_name, last_name) = split_name(name);
        PersonDraft {
            org_id: org.id,
            emails: vec![email.to_string()],
            display_name: name.to_string(),
            first_name,
            last_name,
            licenses: vec![messaging.id.clone()],
            login_enabled: true,
            ..PersonDraft::default()
        }
    };
    store
        .create_person(PersonDraft {
            roles: vec![roles::READONLY_ADMIN.into()],
            title: Some("Auditor".into()),
            ..simple("ada.lovelace@example.com", "Ada Lovelace")
        })
        .await?;
    store
        .create_person(PersonDraft {
            invite_pending: true,
            ..simple("grace.hopper@example.com", "Grace Hopper")
        })
        .await?;
    let busy = store
        .create_person(simple("alan.turing@example.com", "Alan Turing"))
        .await?;
    store
        .set_presence(
            busy.id,
            crate::PresenceSetting {
                state: Some(roster_types::PresenceStatus::DoNotDisturb),
                until: None,
            },
        )
        .await?;
    store
        .create_person(PersonDraft {
            person_type: PersonType::Bot,
            first_name: None,
            last_name: None,
            ..simple("roster-bot@webex.bot", "Roster Bot")
        })
        .await?;

    let token = issue_token(store, &example, Some("demo token"), None).await?;
    Ok(Issued {
        person: example,
        token,
    })
}

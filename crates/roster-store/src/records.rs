//! Domain records: what Roster knows, independent of who is asking.

use roster_types::{Address, PersonType, PhoneNumber, PresenceStatus, SipAddress};
use uuid::Uuid;

/// The roles Roster knows. Their ids are the slugs Webex uses (`ROLE/id_full_admin`).
pub mod roles {
    /// Reads and writes everything in the organization.
    pub const FULL_ADMIN: &str = "id_full_admin";
    /// Reads and writes people in the organization.
    pub const USER_ADMIN: &str = "id_user_admin";
    /// Reads what admins read; writes nothing.
    pub const READONLY_ADMIN: &str = "id_readonly_admin";
    /// Manages devices only; not a people admin.
    pub const DEVICE_ADMIN: &str = "id_device_admin";

    pub const ALL: [&str; 4] = [FULL_ADMIN, USER_ADMIN, READONLY_ADMIN, DEVICE_ADMIN];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: Uuid,
    pub display_name: String,
    pub created: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationRecord {
    pub id: String,
    pub org_id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseRecord {
    /// `<org uuid>:<code>_<uuid>`, as in Webex license ids.
    pub id: String,
    pub org_id: Uuid,
    pub name: String,
    pub total_units: i64,
}

/// Everything stored about a person.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub id: Uuid,
    /// Insertion order, the basis of pagination cursors.
    pub seq: i64,
    pub org_id: Uuid,
    pub emails: Vec<String>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub extension: Option<String>,
    pub location_id: Option<String>,
    pub display_name: String,
    pub nick_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar: Option<String>,
    /// Role slugs, sorted.
    pub roles: Vec<String>,
    /// License ids (the value inside `LICENSE/...`).
    pub licenses: Vec<String>,
    pub department: Option<String>,
    pub manager: Option<String>,
    pub manager_id: Option<Uuid>,
    pub title: Option<String>,
    pub addresses: Vec<Address>,
    pub site_urls: Vec<String>,
    pub sip_addresses: Vec<SipAddress>,
    pub xmpp_federation_jid: Option<String>,
    pub timezone: Option<String>,
    pub created: i64,
    pub last_modified: i64,
    pub last_activity: Option<i64>,
    pub presence: Option<PresenceStatus>,
    pub presence_until: Option<i64>,
    pub status_sharing: bool,
    pub invite_pending: bool,
    pub login_enabled: bool,
    pub person_type: PersonType,
}

impl PersonRecord {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// The record as a draft that recreates it (same id and creation time); what activity,
    /// presence and `last_modified` add is not part of a draft.
    pub fn to_draft(&self) -> PersonDraft {
        PersonDraft {
            id: Some(self.id),
            org_id: self.org_id,
            emails: self.emails.clone(),
            phone_numbers: self.phone_numbers.clone(),
            extension: self.extension.clone(),
            location_id: self.location_id.clone(),
            display_name: self.display_name.clone(),
            nick_name: self.nick_name.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            avatar: self.avatar.clone(),
            roles: self.roles.clone(),
            licenses: self.licenses.clone(),
            department: self.department.clone(),
            manager: self.manager.clone(),
            manager_id: self.manager_id,
            title: self.title.clone(),
            addresses: self.addresses.clone(),
            site_urls: self.site_urls.clone(),
            sip_addresses: self.sip_addresses.clone(),
            xmpp_federation_jid: self.xmpp_federation_jid.clone(),
            timezone: self.timezone.clone(),
            invite_pending: self.invite_pending,
            login_enabled: self.login_enabled,
            person_type: self.person_type,
            created: Some(self.created),
        }
    }
}

/// The settable fields of a person, for creation and for full replacement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonDraft {
    /// Set on creation to choose the id (demo data, imports); ignored on replacement.
    pub id: Option<Uuid>,
    pub org_id: Uuid,
    pub emails: Vec<String>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub extension: Option<String>,
    pub location_id: Option<String>,
    pub display_name: String,
    pub nick_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar: Option<String>,
    pub roles: Vec<String>,
    pub licenses: Vec<String>,
    pub department: Option<String>,
    pub manager: Option<String>,
    pub manager_id: Option<Uuid>,
    pub title: Option<String>,
    pub addresses: Vec<Address>,
    pub site_urls: Vec<String>,
    pub sip_addresses: Vec<SipAddress>,
    pub xmpp_federation_jid: Option<String>,
    pub timezone: Option<String>,
    pub invite_pending: bool,
    pub login_enabled: bool,
    pub person_type: PersonType,
    /// Set on creation to back-date a person (demo data, imports); ignored on replacement.
    pub created: Option<i64>,
}

/// What became of one person of a bulk import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Created(Uuid),
    /// Someone with that email (or id) exists already; nothing was changed.
    Existing(Uuid),
    /// The row broke a rule (an email taken by another row, an unknown reference).
    Rejected(String),
}

/// An explicit presence state and when it stops applying (`None`: until changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceSetting {
    pub state: Option<PresenceStatus>,
    pub until: Option<i64>,
}

/// Which version of a person a page holds: enough to take the record from a cache, when the
/// cached one has the same `last_modified` (every write of a person's fields moves it on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonVersion {
    pub id: Uuid,
    pub last_modified: i64,
}

/// Where a page of people starts: strictly after this position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The display-name key of the last person on the previous page, when the list is
    /// ordered by name (a `displayName` search); `None` when it is ordered by insertion.
    pub name_key: Option<String>,
    pub seq: i64,
}

/// A page request for people. `org_ids` bounds what may be returned at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleQuery {
    pub org_ids: Vec<Uuid>,
    /// Exact, case-insensitive.
    pub email: Option<String>,
    /// Case-insensitive "starts with"; switches the order to (name, insertion).
    pub display_name_prefix: Option<String>,
    pub ids: Option<Vec<Uuid>>,
    /// People holding any of these roles.
    pub roles: Vec<String>,
    pub location_id: Option<String>,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl PeopleQuery {
    /// Whether the query can match no one: no organization, an empty id list, or no room.
    pub fn matches_nobody(&self) -> bool {
        self.org_ids.is_empty() || self.ids.as_ref().is_some_and(Vec::is_empty) || self.limit == 0
    }

    /// The email, when it is the query's only filter besides the organizations and no cursor
    /// is given: such a query matches at most one person, on one page.
    pub fn only_email(&self) -> Option<&str> {
        let only = self.display_name_prefix.is_none()
            && self.ids.is_none()
            && self.roles.is_empty()
            && self.location_id.is_none()
            && self.after.is_none()
            && self.limit > 0;
        self.email.as_deref().filter(|_| only)
    }

    /// Whether results are ordered by display name (and cursors carry a name key).
    pub fn orders_by_name(&self) -> bool {
        self.display_name_prefix.is_some()
    }
}

/// The key people are searched and sorted by name with.
pub fn display_name_key(display_name: &str) -> String {
    display_name.to_lowercase()
}

/// The key emails are unique under.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    pub label: Option<String>,
    pub created: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The OAuth scopes the token carries; `None` is full access (`roster token create`).
    pub scopes: Option<Vec<String>>,
    /// The OAuth grant it was issued under (see `oauth.rs`).
    pub authorization_id: Option<Uuid>,
}

impl TokenRecord {
    pub fn is_usable_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

/// What a change invalidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeTopic {
    /// A person changed or was deleted: drop cached views and principals of that person.
    Person,
    /// A token was revoked: drop it from the token cache.
    Token,
    /// Organization relations changed: drop cached principals of the organization.
    Org,
    /// The whole directory was replaced (a snapshot restored): drop every cache.
    All,
}

impl ChangeTopic {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeTopic::Person => "person",
            ChangeTopic::Token => "token",
            ChangeTopic::Org => "org",
            ChangeTopic::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<ChangeTopic> {
        Some(match text {
            "person" => ChangeTopic::Person,
            "token" => ChangeTopic::Token,
            "org" => ChangeTopic::Org,
            "all" => ChangeTopic::All,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    pub seq: i64,
    pub topic: ChangeTopic,
    /// The person id, the token's stored hash, or the org id, as text.
    pub key: String,
}

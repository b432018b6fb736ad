//! Who sees what: the one place that projects a stored person for a particular caller.
//!
//! Every privacy rule of the People API is decided here, so it can be read, tested and
//! audited in one file:
//! - `status`, `lastActivity`: only for callers in the person's organization or in an
//!   organization that manages it; never in a list by `id=` or with `excludeStatus=true`;
//!   never when the person or the caller has turned status sharing off.
//! - `invitePending`, `loginEnabled`: only for admins of the person's organization
//!   (including admins of a partner organization that manages it).
//! - `roles`, `licenses`: on `/people/me` for oneself; on `GET /people/{id}` for admins of
//!   the person's organization; never in lists.
//! - `extension`, `locationId` and `work_extension` numbers (Webex Calling details): only
//!   with `callingData=true` from an admin of the person's organization.
//! - Presence is derived when read: an explicit state while it lasts; otherwise `active`
//!   within 10 minutes of the last activity, `inactive` after that, `pending` for someone
//!   never signed in with an invite pending, `unknown` otherwise.

use roster_store::{roles, PersonRecord};
use roster_types::id::{encode, encode_uuid};
use roster_types::time::format_millis;
use roster_types::{IdKind, Person, PhoneNumberType, PresenceStatus};
use std::sync::Arc;
use uuid::Uuid;

/// How long after the last activity someone still counts as `active`.
pub const ACTIVE_WINDOW_MILLIS: i64 = 10 * 60 * 1000;

/// What a caller may do as an admin of their own organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AdminRights {
    None,
    /// Sees what admins see; changes nothing.
    ReadOnly,
    /// Creates, updates and deletes people.
    Write,
}

impl AdminRights {
    pub fn from_roles(role_ids: &[String]) -> AdminRights {
        let has = |r: &str| role_ids.iter().any(|x| x == r);
        if has(roles::FULL_ADMIN) || has(roles::USER_ADMIN) {
            AdminRights::Write
        } else if has(roles::READONLY_ADMIN) {
            AdminRights::ReadOnly
        } else {
            AdminRights::None
        }
    }
}

/// The caller, as far as visibility is concerned.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub person_id: Uuid,
    pub org_id: Uuid,
    pub admin: AdminRights,
    /// Organizations the caller's organization manages (as a partner).
    pub managed_orgs: Arc<Vec<Uuid>>,
    pub status_sharing: bool,
}

impl Viewer {
    /// The caller's own organization or one it manages.
    fn reaches(&self, org: Uuid) -> bool {
        org == self.org_id || self.managed_orgs.contains(&org)
    }

    /// Admin (read-only or better) of `org`, directly or as a partner.
    pub fn is_admin_of(&self, org: Uuid) -> bool {
        self.admin >= AdminRights::ReadOnly && self.reaches(org)
    }

    /// May create, change and delete people of `org`.
    pub fn can_manage(&self, org: Uuid) -> bool {
        self.admin == AdminRights::Write && self.reaches(org)
    }

    /// May see people of `org` at all (in lists, by id).
    pub fn can_see(&self, org: Uuid) -> bool {
        org == self.org_id || self.is_admin_of(org)
    }

    /// The organizations whose people this caller may look up.
    pub fn visible_orgs(&self) -> Vec<Uuid> {
        let mut orgs = vec![self.org_id];
        if self.admin >= AdminRights::ReadOnly {
            orgs.extend(self.managed_orgs.iter().copied());
        }
        orgs
    }

    fn sees_presence_of(&self, org: Uuid) -> bool {
        self.status_sharing && self.reaches(org)
    }
}

/// Which operation the person is shown by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewContext {
    Me,
    Get,
    List { by_ids: bool },
}

#[derive(Debug, Clone, Copy)]
pub struct ViewOptions {
    pub context: ViewContext,
    pub calling_data: bool,
    pub exclude_status: bool,
}

impl ViewOptions {
    pub fn new(context: ViewContext) -> Self {
        ViewOptions {
            context,
            calling_data: false,
            exclude_status: false,
        }
    }
}

/// What is known about the person beyond the stored record, at the time of the view.
#[derive(Debug, Clone, Copy)]
pub struct Live {
    pub now: i64,
    /// Activity noted in memory and not yet written to the record.
    pub noted_activity: Option<i64>,
}

/// The newest known activity of a person.
pub fn last_activity(record: &PersonRecord, live: &Live) -> Option<i64> {
    match (record.last_activity, live.noted_activity) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A person's presence at `live.now`.
pub fn presence(record: &PersonRecord, live: &Live) -> PresenceStatus {
    if let Some(state) = record.presence {
        if record.presence_until.is_none_or(|until| until > live.now) {
            return state;
        }
    }
    match last_activity(record, live) {
        Some(at) if live.now - at <= ACTIVE_WINDOW_MILLIS => PresenceStatus::Active,
        Some(_) => PresenceStatus::Inactive,
        None if record.invite_pending => PresenceStatus::Pending,
        None => PresenceStatus::Unknown,
    }
}

/// Which parts of a person a view shows. Decided by [`visibility`]; everything else about a
/// view follows from the record, this and the live values, which is what lets `render.rs`
/// cache serialised views by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Visibility {
    /// `status` and `lastActivity`.
    pub presence: bool,
    /// `invitePending` and `loginEnabled`.
    pub admin_fields: bool,
    /// `roles` and `licenses`.
    pub roles: bool,
    /// `extension`, `locationId` and work-extension numbers.
    pub calling: bool,
}

/// What `viewer` may see of `record` in the view `options` describe.
pub fn visibility(record: &PersonRecord, viewer: &Viewer, options: &ViewOptions) -> Visibility {
    let is_self = viewer.person_id == record.id;
    let admin = viewer.is_admin_of(record.org_id);
    Visibility {
        presence: viewer.sees_presence_of(record.org_id)
            && record.status_sharing
            && !options.exclude_status
            && !matches!(options.context, ViewContext::List { by_ids: true }),
        admin_fields: admin,
        roles: match options.context {
            ViewContext::Me => is_self,
            ViewContext::Get => admin,
            ViewContext::List { .. } => false,
        },
        calling: options.calling_data && admin,
    }
}

/// Projects `record` for `viewer`.
pub fn person_view(
    record: &PersonRecord,
    viewer: &Viewer,
    options: &ViewOptions,
    live: &Live,
) -> Person {
    project(record, visibility(record, viewer, options), live)
}

/// The view of `record` that shows what `visibility` allows, at `live`.
pub fn project(record: &PersonRecord, visibility: Visibility, live: &Live) -> Person {
    let activity = last_activity(record, live);
    let show_presence = visibility.presence;
    let show_admin_fields = visibility.admin_fields;
    let show_roles = visibility.roles;
    let show_calling = visibility.calling;

    let phone_numbers = record
        .phone_numbers
        .iter()
        .filter(|n| show_calling || n.number_type != PhoneNumberType::WorkExtension)
        .cloned()
        .collect();

    Person {
        id: encode_uuid(IdKind::People, &record.id),
        emails: record.emails.clone(),
        phone_numbers,
        extension: record.extension.clone().filter(|_| show_calling),
        location_id: record
            .location_id
            .as_deref()
            .filter(|_| show_calling)
            .map(|l| encode(IdKind::Location, l)),
        display_name: Some(record.display_name.clone()),
        nick_name: record.nick_name.clone(),
        first_name: record.first_name.clone(),
        last_name: record.last_name.clone(),
        avatar: record.avatar.clone(),
        org_id: encode_uuid(IdKind::Organization, &record.org_id),
        roles: show_roles.then(|| {
            record
                .roles
                .iter()
                .map(|r| encode(IdKind::Role, r))
                .collect()
        }),
        licenses: show_roles.then(|| {
            record
                .licenses
                .iter()
                .map(|l| encode(IdKind::License, l))
                .collect()
        }),
        department: record.department.clone(),
        manager: record.manager.clone(),
        manager_id: record.manager_id.map(|m| encode_uuid(IdKind::People, &m)),
        title: record.title.clone(),
        addresses: record.addresses.clone(),
        created: Some(format_millis(record.created)),
        last_modified: Some(format_millis(record.last_modified)),
        timezone: record.timezone.clone(),
        last_activity: activity.filter(|_| show_presence).map(format_millis),
        site_urls: record.site_urls.clone(),
        sip_addresses: record.sip_addresses.clone(),
        xmpp_federation_jid: record.xmpp_federation_jid.clone(),
        status: show_presence.then(|| presence(record, live)),
        invite_pending: show_admin_fields.then(|| record.invite_pending && activity.is_none()),
        login_enabled: show_admin_fields.then_some(record.login_enabled),
        person_type: record.person_type,
    }
}

/// Everything stored about a person, for `roster export`: the view of an all-seeing admin
/// asking for calling data, without presence (which is derived, not stored).
pub fn export_view(record: &PersonRecord) -> Person {
    let viewer = Viewer {
        person_id: Uuid::nil(),
        org_id: record.org_id,
        admin: AdminRights::Write,
        managed_orgs: Arc::new(Vec::new()),
        status_sharing: false,
    };
    let options = ViewOptions {
        calling_data: true,
        exclude_status: true,
        ..ViewOptions::new(ViewContext::Get)
    };
    let mut person = person_view(
        record,
        &viewer,
        &options,
        &Live {
            now: record.last_modified,
            noted_activity: None,
        },
    );
    // An export carries the stored flag, not the one derived from activity.
    person.invite_pending = Some(record.invite_pending);
    person
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use roster_types::PersonType;

    pub(crate) const NOW: i64 = 1_800_000_000_000;

    /// A person of `org` with every kind of field set, active a minute before `NOW`.
    pub(crate) fn record(org: Uuid) -> PersonRecord {
        PersonRecord {
            id: Uuid::new_v4(),
            seq: 1,
            org_id: org,
            emails: vec!["p@example.com".into()],
            phone_numbers: vec![],
            extension: Some("100".into()),
            location_id: Some("loc".into()),
            display_name: "P".into(),
            nick_name: None,
            first_name: None,
            last_name: None,
            avatar: None,
            roles: vec![roles::USER_ADMIN.into()],
            licenses: vec!["lic".into()],
            department: None,
            manager: None,
            manager_id: None,
            title: None,
            addresses: vec![],
            site_urls: vec![],
            sip_addresses: vec![],
            xmpp_federation_jid: None,
            timezone: None,
            created: NOW - 1000,
            last_modified: NOW - 1000,
            last_activity: Some(NOW - 60_000),
            presence: None,
            presence_until: None,
            status_sharing: true,
            invite_pending: false,
            login_enabled: true,
            person_type: PersonType::Person,
        }
    }

    fn viewer(org: Uuid, admin: AdminRights, managed: Vec<Uuid>) -> Viewer {
        Viewer {
            person_id: Uuid::new_v4(),
            org_id: org,
            admin,
            managed_orgs: Arc::new(managed),
            status_sharing: true,
        }
    }

    fn live() -> Live {
        Live {
            now: NOW,
            noted_activity: None,
        }
    }

    #[test]
    fn presence_is_derived_from_activity_and_invites() {
        let mut p = record(Uuid::new_v4());
        assert_eq!(presence(&p, &live()), PresenceStatus::Active);
        p.last_activity = Some(NOW - ACTIVE_WINDOW_MILLIS - 1);
        assert_eq!(presence(&p, &live()), PresenceStatus::Inactive);
        let noted = Live {
            now: NOW,
            noted_activity: Some(NOW - 5),
        };
        assert_eq!(
            presence(&p, &noted),
            PresenceStatus::Active,
            "memory wins when newer"
        );
        p.last_activity = None;
        p.invite_pending = true;
        assert_eq!(presence(&p, &live()), PresenceStatus::Pending);
        p.invite_pending = false;
        assert_eq!(presence(&p, &live()), PresenceStatus::Unknown);
        p.presence = Some(PresenceStatus::OutOfOffice);
        assert_eq!(presence(&p, &live()), PresenceStatus::OutOfOffice);
        p.presence_until = Some(NOW);
        assert_eq!(
            presence(&p, &live()),
            PresenceStatus::Unknown,
            "expired state"
        );
    }

    #[test]
    fn presence_reaches_the_same_and_managing_organizations_only() {
        let org = Uuid::new_v4();
        let p = record(org);
        let get = ViewOptions::new(ViewContext::Get);
        let same = viewer(org, AdminRights::None, vec![]);
        let partner = viewer(Uuid::new_v4(), AdminRights::None, vec![org]);
        let stranger = viewer(Uuid::new_v4(), AdminRights::Write, vec![]);
        assert!(person_view(&p, &same, &get, &live()).status.is_some());
        assert!(person_view(&p, &partner, &get, &live()).status.is_some());
        assert!(person_view(&p, &stranger, &get, &live()).status.is_none());
        let by_ids = ViewOptions::new(ViewContext::List { by_ids: true });
        assert!(person_view(&p, &same, &by_ids, &live())
            .last_activity
            .is_none());
        let excluded = ViewOptions {
            exclude_status: true,
            ..get
        };
        assert!(person_view(&p, &same, &excluded, &live()).status.is_none());
    }

    #[test]
    fn admin_fields_roles_and_calling_data_follow_the_rules() {
        let org = Uuid::new_v4();
        let p = record(org);
        let admin = viewer(org, AdminRights::ReadOnly, vec![]);
        let user = viewer(org, AdminRights::None, vec![]);
        let get = ViewOptions::new(ViewContext::Get);
        let list = ViewOptions::new(ViewContext::List { by_ids: false });
        let calling = ViewOptions {
            calling_data: true,
            ..get
        };

        let a = person_view(&p, &admin, &get, &live());
        assert_eq!(a.invite_pending, Some(false));
        assert!(a.roles.is_some() && a.licenses.is_some());
        assert!(a.extension.is_none(), "calling data only when asked");
        assert!(person_view(&p, &admin, &calling, &live())
            .extension
            .is_some());
        assert!(person_view(&p, &admin, &list, &live()).roles.is_none());

        let u = person_view(&p, &user, &calling, &live());
        assert!(u.invite_pending.is_none() && u.login_enabled.is_none());
        assert!(u.roles.is_none() && u.extension.is_none() && u.location_id.is_none());

        let me = Viewer {
            person_id: p.id,
            ..user.clone()
        };
        let own = person_view(&p, &me, &ViewOptions::new(ViewContext::Me), &live());
        assert!(own.roles.is_some(), "one's own roles on /me");
        assert!(
            own.invite_pending.is_none(),
            "but admin flags stay admin-only"
        );
    }
}

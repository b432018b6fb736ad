//! SCIM 2 over the same directory: the store surface of `/identity/scim/...`.
//!
//! A SCIM user is a person ([`PersonRecord`]) plus what SCIM knows and the People API does
//! not ([`ScimExtra`]: `externalId` and a JSON object of the other SCIM-only attributes),
//! stored beside the person and deleted with them. Its version is the person's
//! `last_modified`, which every write of the person moves strictly forward. Groups hold
//! people of their own organization. Lists take a parsed [`filter::Filter`], compiled to SQL
//! on both backends (`sql/scim.rs`), never applied in memory.

pub mod filter;

use crate::{PersonDraft, PersonRecord, PersonVersion, StoreResult};
use async_trait::async_trait;
use filter::Filter;
use uuid::Uuid;

/// What a SCIM user has beyond the person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScimExtra {
    pub external_id: Option<String>,
    /// A JSON object of SCIM-only attributes keyed by their SCIM names (`name` parts the
    /// person lacks, `photos`, `locale`, the `enterprise` and `cisco` extensions, ...). The
    /// paths filters read are listed in `sql/scim.rs`.
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// A person as SCIM sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimUserRecord {
    pub person: PersonRecord,
    pub extra: ScimExtra,
}

impl ScimUserRecord {
    /// The version ETags are made from: changes on every write of the person.
    pub fn version(&self) -> i64 {
        self.person.last_modified
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScimGroupRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub display_name: String,
    pub external_id: Option<String>,
    /// SCIM-only attributes of the group (the Cisco extension), as for users.
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub created: i64,
    /// Moves strictly forward on every write of the group or its members; the version.
    pub last_modified: i64,
    pub member_count: i64,
}

/// A member of a group, with what a member entry shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimMember {
    pub person_id: Uuid,
    pub display_name: String,
}

/// The settable fields of a group, for creation and full replacement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScimGroupDraft {
    pub display_name: String,
    pub external_id: Option<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// People of the group's organization; anyone else is refused.
    pub members: Vec<Uuid>,
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScimSort {
    /// Insertion order (the default).
    #[default]
    Created,
    /// `userName` for users, `displayName` for groups.
    Name,
    Id,
    LastModified,
}

/// A page request: 1-based `start_index`, at most `count` resources.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimQuery {
    pub org_id: Uuid,
    pub filter: Option<Filter>,
    pub sort: ScimSort,
    pub descending: bool,
    pub start_index: u64,
    pub count: u32,
}

/// A page and how many resources match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimPage<T> {
    pub total: u64,
    pub resources: Vec<T>,
}

/// Whether a conditional write happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Versioned<T> {
    Written(T),
    /// The resource exists but its version is not the one the write was conditional on.
    Stale,
}

/// The SCIM store surface (see the module documentation).
#[async_trait]
pub trait ScimStore: Send + Sync {
    /// Creates a person with their SCIM attributes in one transaction. A taken email is a
    /// [`crate::StoreError::Conflict`].
    async fn create_scim_user(
        &self,
        draft: PersonDraft,
        extra: ScimExtra,
    ) -> StoreResult<ScimUserRecord>;
    async fn get_scim_user(&self, id: Uuid) -> StoreResult<Option<ScimUserRecord>>;
    /// Users by id, in the order they were created; ids that name nobody are left out.
    async fn get_scim_users(&self, ids: &[Uuid]) -> StoreResult<Vec<ScimUserRecord>>;
    /// Replaces the person and their SCIM attributes in one transaction, when the person's
    /// version is `if_version` (or unconditionally). [`crate::StoreError::NotFound`] when
    /// there is no such person.
    async fn replace_scim_user(
        &self,
        id: Uuid,
        draft: PersonDraft,
        extra: ScimExtra,
        if_version: Option<i64>,
    ) -> StoreResult<Versioned<ScimUserRecord>>;
    /// Gives existing people their SCIM attributes, in one transaction (after a bulk import
    /// of SCIM users, whose people `Store::import_people` wrote).
    async fn import_scim_extras(&self, extras: &[(Uuid, ScimExtra)]) -> StoreResult<()>;
    /// One page of the users of an organization matching the query's filter. A filter that
    /// names an attribute filters cannot use, or compares it in a way it does not support,
    /// is [`crate::StoreError::Invalid`] with the reason.
    async fn list_scim_users(&self, query: &ScimQuery) -> StoreResult<ScimPage<ScimUserRecord>>;
    /// Every user of `org` matching `userName sw "prefix"`, as ids and versions in the order
    /// they were created, read from the email and person indexes without reading a record;
    /// `None` when more than `limit` match (then [`ScimStore::list_scim_users`] answers).
    /// The same users, in the same order, as `list_scim_users` gives for that filter.
    async fn user_name_prefix_versions(
        &self,
        org: Uuid,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Option<Vec<PersonVersion>>>;

    /// Creates a group. A member who is not a person of `org` is
    /// [`crate::StoreError::Invalid`].
    async fn create_scim_group(
        &self,
        org: Uuid,
        id: Option<Uuid>,
        draft: ScimGroupDraft,
    ) -> StoreResult<ScimGroupRecord>;
    async fn get_scim_group(&self, id: Uuid) -> StoreResult<Option<ScimGroupRecord>>;
    /// Replaces a group's fields and members, conditionally as for users.
    async fn replace_scim_group(
        &self,
        id: Uuid,
        draft: ScimGroupDraft,
        if_version: Option<i64>,
    ) -> StoreResult<Versioned<ScimGroupRecord>>;
    async fn delete_scim_group(&self, id: Uuid) -> StoreResult<bool>;
    async fn list_scim_groups(&self, query: &ScimQuery) -> StoreResult<ScimPage<ScimGroupRecord>>;
    /// A page of a group's members, in the order the people were created.
    async fn scim_group_members(
        &self,
        group: Uuid,
        start_index: u64,
        count: u32,
    ) -> StoreResult<ScimPage<ScimMember>>;
    /// The groups a person belongs to.
    async fn scim_groups_of(&self, person: Uuid) -> StoreResult<Vec<ScimGroupRecord>>;
}

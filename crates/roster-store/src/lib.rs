//! Roster's storage: the domain records, the [`Store`] trait, and its backends.
//!
//! A stored [`PersonRecord`] is the whole truth about a person; what any caller sees is a
//! projection of it made by the server. The backend is chosen once at start-up from the
//! database URL ([`open`]); each backend owns its schema and migrations, run on open
//! (`sqlite.rs`, `postgres.rs`), and both run the same queries ([`SqlStore`], `sql/`).

pub mod backup;
mod copy;
mod error;
pub mod oauth;
pub mod oidc;
mod postgres;
mod records;
pub mod rules;
pub mod scim;
pub mod seed;
mod snapshot;
mod sql;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
pub mod token;

pub use copy::{CopyStore, TableRow};
pub use error::StoreError;
pub use oauth::OAuthStore;
pub use oidc::{NewSigningKey, OidcStore, SigningKeyRecord};
pub use records::*;
pub use snapshot::{SnapshotRecord, SnapshotStore};
pub use sql::SqlStore;

use async_trait::async_trait;
use roster_types::time::Clock;
use std::sync::Arc;
use uuid::Uuid;

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything Roster persists. Implementations must be safe to share between tasks and,
/// for the server backends, between processes on the same database.
#[async_trait]
pub trait Store:
    OAuthStore + OidcStore + scim::ScimStore + SnapshotStore + CopyStore + Send + Sync + 'static
{
    /// A short name of the backend for logs (`sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    /// The clock every timestamp this store writes is read from (the server reads it too).
    fn clock(&self) -> &Clock;

    /// Whether any organization exists yet.
    async fn is_initialized(&self) -> StoreResult<bool>;

    async fn create_org(&self, id: Option<Uuid>, display_name: &str) -> StoreResult<OrgRecord>;
    async fn get_org(&self, id: Uuid) -> StoreResult<Option<OrgRecord>>;
    async fn list_orgs(&self) -> StoreResult<Vec<OrgRecord>>;
    /// Makes `partner` manage `customer` (idempotent).
    async fn add_managed_org(&self, partner: Uuid, customer: Uuid) -> StoreResult<()>;
    async fn remove_managed_org(&self, partner: Uuid, customer: Uuid) -> StoreResult<bool>;
    /// The organizations `partner` manages.
    async fn managed_orgs(&self, partner: Uuid) -> StoreResult<Vec<Uuid>>;

    async fn create_location(
        &self,
        org: Uuid,
        id: Option<String>,
        name: &str,
    ) -> StoreResult<LocationRecord>;
    async fn get_location(&self, id: &str) -> StoreResult<Option<LocationRecord>>;
    async fn create_license(
        &self,
        org: Uuid,
        id: Option<String>,
        name: &str,
        total_units: i64,
    ) -> StoreResult<LicenseRecord>;
    async fn list_licenses(&self, org: Uuid) -> StoreResult<Vec<LicenseRecord>>;
    async fn list_locations(&self, org: Uuid) -> StoreResult<Vec<LocationRecord>>;
    async fn role_exists(&self, role: &str) -> StoreResult<bool>;

    /// Creates a person. A taken email (compared case-insensitively) is a
    /// [`StoreError::Conflict`].
    async fn create_person(&self, draft: PersonDraft) -> StoreResult<PersonRecord>;
    /// Creates many people in one transaction (bulk import). A person whose first email or
    /// id is already taken is left alone ([`ImportOutcome::Existing`]), so re-running an
    /// import creates no duplicates; a row that breaks another rule is rejected alone.
    async fn import_people(&self, drafts: &[PersonDraft]) -> StoreResult<Vec<ImportOutcome>>;
    async fn get_person(&self, id: Uuid) -> StoreResult<Option<PersonRecord>>;
    async fn get_people(&self, ids: &[Uuid]) -> StoreResult<Vec<PersonRecord>>;
    async fn find_person_by_email(&self, email: &str) -> StoreResult<Option<PersonRecord>>;
    /// Replaces every settable field of a person (Webex's PUT is a full replacement).
    async fn replace_person(&self, id: Uuid, draft: PersonDraft) -> StoreResult<PersonRecord>;
    /// Deletes a person and, with them, their tokens. False when there was no such person.
    async fn delete_person(&self, id: Uuid) -> StoreResult<bool>;
    /// One page of people, in cursor order; returns at most `query.limit` records.
    async fn list_people(&self, query: &PeopleQuery) -> StoreResult<Vec<PersonRecord>>;
    /// The same page as [`Store::list_people`], as ids and versions only: read from an index
    /// alone, for a caller that holds most records already (see [`PersonVersion`]).
    async fn list_person_versions(&self, query: &PeopleQuery) -> StoreResult<Vec<PersonVersion>>;
    async fn count_people(&self) -> StoreResult<i64>;

    /// Records activity seen in memory: `last_activity` only moves forward, and any activity
    /// clears a pending invite. Returns how many people were updated.
    async fn record_activity(&self, batch: &[(Uuid, i64)]) -> StoreResult<u64>;
    async fn set_presence(&self, id: Uuid, presence: PresenceSetting) -> StoreResult<bool>;
    async fn set_status_sharing(&self, id: Uuid, enabled: bool) -> StoreResult<bool>;

    async fn create_token(
        &self,
        person: Uuid,
        token_hash: &str,
        label: Option<&str>,
        expires_at: Option<i64>,
    ) -> StoreResult<TokenRecord>;
    async fn find_token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>>;
    async fn list_tokens(&self, person: Option<Uuid>) -> StoreResult<Vec<TokenRecord>>;
    async fn revoke_token(&self, id: Uuid) -> StoreResult<bool>;

    /// Every token with its stored hash, for copying a deployment (`migrate-store`).
    async fn export_tokens(&self) -> StoreResult<Vec<(TokenRecord, String)>>;
    /// Writes whole records as they are (ids, timestamps, activity, presence) in one
    /// transaction, for copying a deployment; existing ids are left alone.
    async fn restore_people(&self, people: &[PersonRecord]) -> StoreResult<u64>;
    async fn restore_tokens(&self, tokens: &[(TokenRecord, String)]) -> StoreResult<u64>;

    /// Changes that invalidate caches, after `since` (0 for all), oldest first.
    async fn changes_since(&self, since: i64, limit: i64) -> StoreResult<Vec<ChangeRecord>>;
    /// The sequence number of the newest change (0 when there is none).
    async fn latest_change(&self) -> StoreResult<i64>;
    /// Forgets changes older than `before` (milliseconds since the epoch).
    async fn prune_changes(&self, before: i64) -> StoreResult<u64>;

    /// Connections the pool holds now, and how many of them are idle.
    fn pool_stats(&self) -> PoolStats;

    /// A cheap round trip that proves the database answers.
    async fn ping(&self) -> StoreResult<()>;
    async fn close(&self);
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Connection settings common to every backend.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: std::time::Duration,
    /// Page cache per connection (SQLite), in KiB. Small for the server, whose hot path
    /// does not read the disk; large for bulk imports.
    pub cache_kib: u32,
    /// The time this store (and the server on it) runs on.
    pub clock: Clock,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            acquire_timeout: std::time::Duration::from_secs(5),
            cache_kib: 2048,
            clock: Clock::system(),
        }
    }
}

/// Opens the store a database URL names, creating and migrating it as needed.
pub async fn open(url: &str, options: &StoreOptions) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::open(url, options).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::open(url, options).await?))
    } else {
        Err(StoreError::Invalid(format!(
            "unsupported database URL '{}': expected sqlite:PATH or postgres://...",
            redact_url(url)
        )))
    }
}

/// A database URL with any password replaced, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

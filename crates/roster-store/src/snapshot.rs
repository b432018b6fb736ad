//! Snapshots of the whole directory, for the control API (`POST /snapshots`, `POST /reset`).
//!
//! A snapshot copies every table of the directory as it stands (organizations, people,
//! emails, roles, tokens, presence, and whatever tables later versions add), found in the
//! database's own catalog rather than listed here, so a new table is included without a
//! change to this code. Left out: the change feed (it must only move forward, since every
//! node reads it) and the migration bookkeeping.

use crate::StoreResult;
use async_trait::async_trait;

/// A named snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRecord {
    pub name: String,
    /// When it was taken, in milliseconds since the epoch (the store's clock).
    pub created: i64,
    /// The tables it holds, in the order they are restored.
    pub tables: Vec<String>,
}

#[async_trait]
pub trait SnapshotStore {
    /// Copies the whole directory under `name`, replacing any snapshot of that name.
    async fn save_snapshot(&self, name: &str) -> StoreResult<SnapshotRecord>;
    /// Every snapshot, oldest first.
    async fn list_snapshots(&self) -> StoreResult<Vec<SnapshotRecord>>;
    /// Replaces the whole directory with the snapshot `name`, in one transaction, and
    /// notes an `all` change so that every node drops its caches. False when there is no
    /// such snapshot (nothing changed then).
    async fn restore_snapshot(&self, name: &str) -> StoreResult<bool>;
    /// False when there was no such snapshot.
    async fn delete_snapshot(&self, name: &str) -> StoreResult<bool>;
}

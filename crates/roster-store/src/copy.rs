//! Row-for-row copies of the directory's tables between two deployments, for `roster
//! migrate-store`.
//!
//! People, organizations and tokens are copied through their records (the fast path of a
//! migration); every other table (OAuth integrations and grants, sign-in passwords, SCIM
//! attributes and groups, OpenID Connect signing keys, and whatever later versions add) is
//! copied through this trait, found in the catalog rather than listed, so that a new table
//! cannot be forgotten by a migration. Values travel in their text form, which both
//! backends give and take for every column type Roster uses.

use crate::StoreResult;
use async_trait::async_trait;

/// One row: each column's value in its text form, `None` for NULL.
pub type TableRow = Vec<Option<String>>;

#[async_trait]
pub trait CopyStore {
    /// The directory's tables, parents before children (by their foreign keys). Not the
    /// change feed, snapshots or migration bookkeeping.
    async fn directory_tables(&self) -> StoreResult<Vec<String>>;
    /// The column names of `table`, in order.
    async fn table_columns(&self, table: &str) -> StoreResult<Vec<String>>;
    /// Up to `limit` rows of `table` (every column, in order) in primary-key order, after
    /// `after` (the last row of the previous page). A table without a primary key comes
    /// whole, in one page.
    async fn read_rows(
        &self,
        table: &str,
        after: Option<&TableRow>,
        limit: u32,
    ) -> StoreResult<Vec<TableRow>>;
    /// Inserts `rows` into `table`, each the values of `columns` in order, in one
    /// transaction; how many. Identity columns keep the values given, and their sequences
    /// move past them.
    async fn write_rows(
        &self,
        table: &str,
        columns: &[String],
        rows: &[TableRow],
    ) -> StoreResult<u64>;
    /// How many rows `table` has.
    async fn count_rows(&self, table: &str) -> StoreResult<i64>;
}

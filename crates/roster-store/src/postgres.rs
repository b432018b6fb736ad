//! Opening the server backend: PostgreSQL, shared by any number of stateless Roster nodes.
//!
//! The schema has the same shape as SQLite's (text UUIDs, millisecond timestamps, JSON text
//! lists), so one set of queries (`sql/`) serves both; `display_name_key` uses the "C"
//! collation so name order and prefix ranges match SQLite's byte order. Migrations run
//! under PostgreSQL's advisory lock (sqlx takes it), so nodes may start together.

use crate::sql::{Connect, SqlStore};
use crate::{StoreError, StoreOptions, StoreResult};
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connects to the database at `url` and runs pending migrations.
pub async fn open(url: &str, options: &StoreOptions) -> StoreResult<SqlStore> {
    let connect = PgConnectOptions::from_str(url).map_err(|e| {
        StoreError::Invalid(format!(
            "bad PostgreSQL URL '{}': {e}",
            crate::redact_url(url)
        ))
    })?;
    SqlStore::open(Connect::Postgres(connect, &MIGRATOR), options).await
}

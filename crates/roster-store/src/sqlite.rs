//! Opening the embedded backend: one SQLite file in WAL mode.
//!
//! Durability: `synchronous = FULL`, so that a write acknowledged to a client survives a
//! killed process and a power cut; WAL lets readers run beside the single writer. The
//! queries themselves are shared with PostgreSQL (`sql/`).

use crate::sql::{Connect, SqlStore};
use crate::{StoreError, StoreOptions, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Opens (creating if needed) the database at `url` and runs pending migrations.
pub async fn open(url: &str, options: &StoreOptions) -> StoreResult<SqlStore> {
    let connect = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Invalid(format!("bad SQLite URL '{url}': {e}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // Room for a whole page (at most 1,000 rows) between sqlx's SQLite worker thread
        // and the reader, so the worker never stops mid-page to wait: +16% on a page of
        // 100 (`bench/run.sh`'s list figure, 780 to 900 req/s).
        .row_buffer_size(1024)
        // Statement journals (savepoints) and sorts stay in memory instead of temp files.
        .pragma("temp_store", "memory")
        .pragma("cache_size", format!("-{}", options.cache_kib.max(2048)));
    restrict_permissions(connect.get_filename())?;
    SqlStore::open(Connect::Sqlite(connect, &MIGRATOR), options).await
}

/// The database file holds token hashes and personal data: owner-only from the start.
fn restrict_permissions(path: &std::path::Path) -> StoreResult<()> {
    if path.as_os_str().is_empty() || path.to_str() == Some(":memory:") {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(|e| {
                    StoreError::Invalid(format!("cannot create {}: {e}", path.display()))
                })?;
        } else if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "database file is readable by other users");
            }
        }
    }
    Ok(())
}

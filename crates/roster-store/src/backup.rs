//! Backups of the embedded backend: a consistent copy of a live SQLite database, checked
//! before it is reported written, and its restoration into an empty database.
//!
//! SQLite only: a PostgreSQL deployment is backed up with PostgreSQL's own tools (`pg_dump`),
//! which the CLI explains. The copy is made with `VACUUM INTO`, which reads one consistent
//! snapshot while the server goes on writing (WAL), so no write acknowledged before the
//! backup started is missing from it.

use crate::{StoreError, StoreResult};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a backup file holds, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// Rows per table of the schema, in name order (migration bookkeeping left out).
    pub tables: Vec<(String, i64)>,
}

impl BackupReport {
    /// The row count of `table`, 0 when the backup has no such table.
    pub fn rows(&self, table: &str) -> i64 {
        self.tables
            .iter()
            .find(|(name, _)| name == table)
            .map_or(0, |(_, rows)| *rows)
    }
}

/// The SQLite file a `sqlite:` URL names; `None` for any other URL.
pub fn sqlite_path(database_url: &str) -> StoreResult<Option<PathBuf>> {
    if !database_url.starts_with("sqlite:") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(database_url)
        .map_err(|e| StoreError::Invalid(format!("bad SQLite URL '{database_url}': {e}")))?;
    Ok(Some(options.get_filename().to_path_buf()))
}

/// Copies the live SQLite database at `database_url` into `output` (which must not exist),
/// makes the copy durable and owner-only, then checks it.
pub async fn backup_sqlite(database_url: &str, output: &Path) -> StoreResult<BackupReport> {
    let source = sqlite_path(database_url)?
        .ok_or_else(|| StoreError::Invalid("backup_sqlite needs a sqlite: URL".into()))?;
    if !source.exists() {
        return Err(StoreError::Invalid(format!(
            "there is no database at {}",
            source.display()
        )));
    }
    if output.exists() {
        return Err(StoreError::Invalid(format!(
            "{} exists already; a backup never overwrites a file",
            output.display()
        )));
    }
    let mut connection = SqliteConnectOptions::new()
        .filename(&source)
        .busy_timeout(std::time::Duration::from_secs(30))
        .connect()
        .await?;
    let target = output
        .to_str()
        .ok_or_else(|| StoreError::Invalid("the backup path is not UTF-8".into()))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    // VACUUM INTO does not sync what it wrote: a power cut right after could leave a torn
    // file that was reported written.
    make_durable_and_private(output)?;
    check_sqlite_file(output).await
}

/// Checks a SQLite file as a Roster database: `PRAGMA integrity_check`, then the rows of
/// each table.
pub async fn check_sqlite_file(path: &Path) -> StoreResult<BackupReport> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| StoreError::Invalid(format!("cannot read {}: {e}", path.display())))?
        .len();
    let mut connection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| StoreError::Invalid(format!("{} cannot be opened: {e}", path.display())))?;
    let verdict: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut connection)
        .await
        .map_err(|e| StoreError::Invalid(format!("{} is not a database: {e}", path.display())))?;
    if verdict.len() != 1 || verdict[0].0 != "ok" {
        let problems: Vec<String> = verdict.into_iter().take(5).map(|(p,)| p).collect();
        return Err(StoreError::Invalid(format!(
            "{} fails its integrity check: {}",
            path.display(),
            problems.join("; ")
        )));
    }
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
         ORDER BY name",
    )
    .fetch_all(&mut connection)
    .await?;
    if !names.iter().any(|(name,)| name == "people") {
        return Err(StoreError::Invalid(format!(
            "{} is a SQLite database but not a Roster one (it has no people table)",
            path.display()
        )));
    }
    let mut tables = Vec::with_capacity(names.len());
    for (name,) in names {
        // The name comes from the schema itself, quoted as an identifier.
        let (rows,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM \"{name}\""))
            .fetch_one(&mut connection)
            .await?;
        tables.push((name, rows));
    }
    connection.close().await?;
    Ok(BackupReport {
        path: path.to_path_buf(),
        bytes,
        tables,
    })
}

/// Puts the backup at `backup` in place of the SQLite database at `database_url`. The target
/// must hold no organization (a new or empty database) unless `force`. No server may be
/// running on the target: it would go on writing to the file being replaced.
pub async fn restore_sqlite(
    backup: &Path,
    database_url: &str,
    force: bool,
) -> StoreResult<BackupReport> {
    let checked = check_sqlite_file(backup).await?;
    let target = sqlite_path(database_url)?
        .ok_or_else(|| StoreError::Invalid("restore_sqlite needs a sqlite: URL".into()))?;
    if target.exists() && !force {
        let present = check_sqlite_file(&target).await;
        let orgs = present.as_ref().map_or(0, |report| report.rows("orgs"));
        if orgs > 0 || present.is_err() {
            let what = match &present {
                Ok(report) => format!(
                    "it holds {} organizations and {} people",
                    orgs,
                    report.rows("people")
                ),
                Err(error) => format!("it is not an empty Roster database ({error})"),
            };
            return Err(StoreError::Conflict(format!(
                "{} is not empty: {what}; restore into an empty database, or give --force to replace it",
                target.display()
            )));
        }
    }
    let directory = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staged = directory.join(format!(
        ".{}.restoring",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("roster.db")
    ));
    std::fs::copy(backup, &staged)
        .map_err(|e| StoreError::Invalid(format!("cannot write {}: {e}", staged.display())))?;
    make_durable_and_private(&staged)?;
    // A write-ahead log left beside the old file would be replayed into the new one.
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&staged, &target)
        .map_err(|e| StoreError::Invalid(format!("cannot replace {}: {e}", target.display())))?;
    if let Ok(dir) = std::fs::File::open(directory) {
        let _ = dir.sync_all();
    }
    Ok(BackupReport {
        path: target,
        ..checked
    })
}

fn make_durable_and_private(path: &Path) -> StoreResult<()> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::Invalid(format!("cannot open {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::Invalid(format!("cannot restrict {}: {e}", path.display())))?;
    }
    file.sync_all()
        .map_err(|e| StoreError::Invalid(format!("cannot sync {}: {e}", path.display())))
}

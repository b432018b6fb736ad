//! `roster backup` and `roster restore`: a checked copy of a running SQLite deployment, and
//! putting one back. PostgreSQL has its own tools; for it these commands say which.

use crate::cli::{BackupArgs, RestoreArgs};
use roster_store::backup::{self, BackupReport};
use roster_store::redact_url;

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let url = &args.database.database_url;
    if backup::sqlite_path(url)?.is_none() {
        explain_postgres(
            url,
            &format!(
                "pg_dump --format=custom --file={} '{}'",
                args.output.display(),
                without_password(url)
            ),
        );
    }
    let report = backup::backup_sqlite(url, &args.output).await?;
    describe("wrote", &report);
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let url = &args.database.database_url;
    if backup::sqlite_path(url)?.is_none() {
        explain_postgres(
            url,
            &format!(
                "pg_restore --clean --if-exists --dbname='{}' {}\n\
             (or, from a SQLite backup: roster migrate-store --from sqlite://{} --to '{}')",
                without_password(url),
                args.from.display(),
                args.from.display(),
                without_password(url)
            ),
        );
    }
    let report = backup::restore_sqlite(&args.from, url, args.force).await?;
    describe("restored", &report);
    // Opening it runs the migrations of this version, so a backup from an older Roster is
    // brought up to date now rather than by the next server start.
    let store = super::open_store(url).await?;
    store.close().await;
    Ok(())
}

/// A PostgreSQL deployment is backed up and restored with PostgreSQL's tools: say so, print
/// the command for this database, and stop with status 2 (nothing was written).
fn explain_postgres(url: &str, command: &str) -> ! {
    eprintln!(
        "{} is a PostgreSQL database: back it up and restore it with PostgreSQL's own tools \
         (they copy a live database consistently too). For this database:",
        redact_url(url)
    );
    println!("{command}");
    eprintln!("Give the password through PGPASSWORD or ~/.pgpass rather than in the URL.");
    std::process::exit(2);
}

/// The URL without its password, for a command line someone will paste.
fn without_password(url: &str) -> String {
    redact_url(url).replace(":***@", "@")
}

fn describe(verb: &str, report: &BackupReport) {
    let counts: Vec<String> = report
        .tables
        .iter()
        .map(|(table, rows)| format!("{table} {rows}"))
        .collect();
    eprintln!(
        "{verb} {} ({} bytes); integrity check ok; rows: {}",
        report.path.display(),
        report.bytes,
        counts.join(", ")
    );
}

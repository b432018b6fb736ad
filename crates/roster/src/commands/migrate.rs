//! `roster migrate-store --from URL --to URL`: copy a whole deployment between backends
//! (SQLite to PostgreSQL and back), then check that the counts agree.

use crate::cli::MigrateArgs;
use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use roster_store::{Cursor, PeopleQuery, Store};

pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let from = super::open_store(&args.from).await.context("--from")?;
    let to = super::open_store(&args.to).await.context("--to")?;
    if to.is_initialized().await? {
        bail!(
            "the target database {} already has organizations; migrate into an empty one",
            roster_store::redact_url(&args.to)
        );
    }

    let orgs = from.list_orgs().await?;
    for org in &orgs {
        to.create_org(Some(org.id), &org.display_name).await?;
    }
    for org in &orgs {
        for customer in from.managed_orgs(org.id).await? {
            to.add_managed_org(org.id, customer).await?;
        }
        for location in from.list_locations(org.id).await? {
            to.create_location(org.id, Some(location.id), &location.name)
                .await?;
        }
        for license in from.list_licenses(org.id).await? {
            to.create_license(org.id, Some(license.id), &license.name, license.total_units)
                .await?;
        }
    }

    let total = from.count_people().await?;
    let progress = ProgressBar::new(total as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} people ({per_sec}, ETA {eta})",
        )
        .expect("valid template"),
    );
    let mut query = PeopleQuery {
        org_ids: orgs.iter().map(|o| o.id).collect(),
        limit: 2000,
        ..PeopleQuery::default()
    };
    // The next page is read from the source while the current one is written to the target,
    // so the copy takes about as long as the slower of the two, not their sum.
    let read = |query: PeopleQuery| {
        let from = from.clone();
        tokio::spawn(async move { from.list_people(&query).await })
    };
    let mut reading = Some(read(query.clone()));
    while let Some(pending) = reading.take() {
        let page = pending.await.context("reading the source")??;
        if let Some(last) = page.last().filter(|_| page.len() == query.limit as usize) {
            query.after = Some(Cursor {
                name_key: None,
                seq: last.seq,
            });
            reading = Some(read(query.clone()));
        }
        to.restore_people(&page).await?;
        progress.inc(page.len() as u64);
    }
    progress.finish_and_clear();
    let tokens = from.export_tokens().await?;
    to.restore_tokens(&tokens).await?;
    let copied = copy_other_tables(from.as_ref(), to.as_ref()).await?;

    let mut checks = vec![
        (
            "organizations".to_string(),
            orgs.len() as i64,
            to.list_orgs().await?.len() as i64,
        ),
        ("people".to_string(), total, to.count_people().await?),
        (
            "tokens".to_string(),
            tokens.len() as i64,
            to.export_tokens().await?.len() as i64,
        ),
    ];
    checks.extend(copied);
    from.close().await;
    to.close().await;
    let mut ok = true;
    for (what, source, target) in checks {
        eprintln!("{what}: {source} in the source, {target} in the target");
        ok &= source == target;
    }
    if !ok {
        bail!("the counts differ; the target is incomplete");
    }
    eprintln!("migration complete");
    Ok(())
}

/// The tables copied above through their records (`roles` holds only what the migrations
/// seed on both sides).
const COPIED_AS_RECORDS: [&str; 9] = [
    "orgs",
    "org_management",
    "roles",
    "locations",
    "licenses",
    "people",
    "person_emails",
    "person_roles",
    "tokens",
];

/// Rows per page of the row-for-row copy.
const ROWS_PER_PAGE: u32 = 5_000;

/// Copies, row for row, every other table of the directory (OAuth integrations and grants,
/// sign-in passwords, SCIM attributes and groups, signing keys, and any table a later
/// migration adds), parents before children; for each table, its row counts on both sides.
async fn copy_other_tables(
    from: &dyn Store,
    to: &dyn Store,
) -> anyhow::Result<Vec<(String, i64, i64)>> {
    let mut counts = Vec::new();
    for table in from.directory_tables().await? {
        if COPIED_AS_RECORDS.contains(&table.as_str()) {
            continue;
        }
        let columns = from.table_columns(&table).await?;
        let mut after = None;
        loop {
            let page = from
                .read_rows(&table, after.as_ref(), ROWS_PER_PAGE)
                .await
                .with_context(|| format!("reading {table}"))?;
            to.write_rows(&table, &columns, &page)
                .await
                .with_context(|| format!("writing {table}"))?;
            let full = page.len() == ROWS_PER_PAGE as usize;
            match page.into_iter().last() {
                Some(last) if full => after = Some(last),
                _ => break,
            }
        }
        counts.push((
            table.clone(),
            from.count_rows(&table).await?,
            to.count_rows(&table).await?,
        ));
    }
    Ok(counts)
}

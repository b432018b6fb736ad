//! `roster migrate-store --from URL --to URL`: copy a whole deployment between backends
//! (SQLite to PostgreSQL and back), then check that the counts agree.

use crate::cli::MigrateArgs;
use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use roster_store::{Cursor, PeopleQuery};

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

    let checks = [
        (
            "organizations",
            orgs.len() as i64,
            to.list_orgs().await?.len() as i64,
        ),
        ("people", total, to.count_people().await?),
        (
            "tokens",
            tokens.len() as i64,
            to.export_tokens().await?.len() as i64,
        ),
    ];
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

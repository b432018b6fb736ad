//! `roster export`: every person as JSON Lines in the Person shape, in insertion order.
//! What `roster import` reads back.

use crate::cli::ExportArgs;
use anyhow::Context;
use roster_server::view::export_view;
use roster_store::{Cursor, PeopleQuery};
use std::io::Write;

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let org_ids = match &args.org {
        Some(org) => vec![super::org::resolve_org(store.as_ref(), org).await?.id],
        None => store.list_orgs().await?.into_iter().map(|o| o.id).collect(),
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut query = PeopleQuery {
        org_ids,
        limit: 1000,
        ..PeopleQuery::default()
    };
    let mut count = 0u64;
    loop {
        let page = store.list_people(&query).await?;
        for record in &page {
            serde_json::to_writer(&mut out, &export_view(record))?;
            out.write_all(b"\n")?;
        }
        count += page.len() as u64;
        match page.last() {
            Some(last) if page.len() == query.limit as usize => {
                query.after = Some(Cursor {
                    name_key: None,
                    seq: last.seq,
                })
            }
            _ => break,
        }
    }
    out.flush()?;
    store.close().await;
    eprintln!("exported {count} people");
    Ok(())
}

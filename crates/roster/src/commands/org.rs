//! `roster org create|list|manage`: organizations and partner relations, offline.

use super::output::{emit, printable, Table};
use crate::cli::{OrgCreateArgs, OrgListArgs, OrgManageArgs};
use anyhow::{bail, Context};
use roster_store::{OrgRecord, Store};
use roster_types::id::encode_uuid;
use roster_types::time::format_millis;
use roster_types::{GlobalId, IdKind};
use serde::Serialize;

/// One line of `roster org list --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrgJson<'a> {
    id: String,
    uuid: String,
    name: &'a str,
    created: String,
    managed_orgs: Vec<String>,
}

pub async fn create(args: OrgCreateArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = create_in(store.as_ref(), &args).await;
    store.close().await;
    let org = result?;
    emit(&format!("{}\n", org_id(&org)))?;
    Ok(())
}

async fn create_in(store: &dyn Store, args: &OrgCreateArgs) -> anyhow::Result<OrgRecord> {
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    if name.chars().any(char::is_control) {
        bail!("--name must not contain control characters");
    }
    // Resolve first, so a mistyped --partner-of creates nothing.
    let customer = match &args.partner_of {
        Some(raw) => Some(resolve_org(store, raw).await?),
        None => None,
    };
    let orgs = store
        .list_orgs()
        .await
        .context("cannot list organizations")?;
    if orgs.iter().any(|o| o.display_name == name) {
        tracing::warn!(
            name,
            "another organization has this name: refer to them by id from now on"
        );
    }
    let org = store
        .create_org(None, name)
        .await
        .context("cannot create the organization")?;
    tracing::info!(org = %org.id, name, "organization created");
    if let Some(customer) = customer {
        store
            .add_managed_org(org.id, customer.id)
            .await
            .context("cannot make the new organization manage --partner-of")?;
        tracing::info!(partner = %org.id, customer = %customer.id, "now managing");
    }
    Ok(org)
}

pub async fn list(args: OrgListArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = list_in(store.as_ref(), args.json).await;
    store.close().await;
    emit(&result?)?;
    Ok(())
}

async fn list_in(store: &dyn Store, as_json: bool) -> anyhow::Result<String> {
    let orgs = store
        .list_orgs()
        .await
        .context("cannot list organizations")?;
    let mut rows = Vec::with_capacity(orgs.len());
    let mut out = String::new();
    for org in &orgs {
        let managed = store
            .managed_orgs(org.id)
            .await
            .context("cannot read managed organizations")?;
        if as_json {
            let line = OrgJson {
                id: org_id(org),
                uuid: org.id.hyphenated().to_string(),
                name: &org.display_name,
                created: format_millis(org.created),
                managed_orgs: managed
                    .iter()
                    .map(|id| encode_uuid(IdKind::Organization, id))
                    .collect(),
            };
            out.push_str(&serde_json::to_string(&line).context("cannot write JSON")?);
            out.push('\n');
        } else {
            let names: Vec<String> = managed
                .iter()
                .map(|id| {
                    orgs.iter()
                        .find(|o| o.id == *id)
                        .map(|o| o.display_name.clone())
                        .unwrap_or_else(|| encode_uuid(IdKind::Organization, id))
                })
                .collect();
            rows.push(vec![
                org_id(org),
                org.display_name.clone(),
                names.join(", "),
            ]);
        }
    }
    if !as_json {
        out = Table::new(vec!["ID", "NAME", "MANAGES"]).render(&rows);
    }
    Ok(out)
}

pub async fn manage(args: OrgManageArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = manage_in(store.as_ref(), &args).await;
    store.close().await;
    result
}

async fn manage_in(store: &dyn Store, args: &OrgManageArgs) -> anyhow::Result<()> {
    let partner = resolve_org(store, &args.partner).await?;
    let customer = resolve_org(store, &args.customer).await?;
    if partner.id == customer.id {
        bail!("an organization cannot manage itself");
    }
    let (partner_name, customer_name) = (
        printable(&partner.display_name),
        printable(&customer.display_name),
    );
    if args.remove {
        let removed = store
            .remove_managed_org(partner.id, customer.id)
            .await
            .context("cannot change the partner relation")?;
        if !removed {
            bail!("'{partner_name}' does not manage '{customer_name}'");
        }
        eprintln!("'{partner_name}' no longer manages '{customer_name}'.");
    } else {
        store
            .add_managed_org(partner.id, customer.id)
            .await
            .context("cannot change the partner relation")?;
        eprintln!("'{partner_name}' now manages '{customer_name}'.");
    }
    Ok(())
}

pub fn org_id(org: &OrgRecord) -> String {
    encode_uuid(IdKind::Organization, &org.id)
}

/// Finds the organization `raw` names: a Webex organization id, a UUID, or an exact
/// display name (which must be unambiguous).
pub async fn resolve_org(store: &dyn Store, raw: &str) -> anyhow::Result<OrgRecord> {
    let raw_trimmed = raw.trim();
    if let Ok(id) = GlobalId::decode_uuid(IdKind::Organization, raw_trimmed) {
        if let Some(org) = store
            .get_org(id)
            .await
            .context("cannot look up the organization")?
        {
            return Ok(org);
        }
    }
    let orgs = store
        .list_orgs()
        .await
        .context("cannot list organizations")?;
    let mut named = orgs.into_iter().filter(|o| o.display_name == raw_trimmed);
    match (named.next(), named.next()) {
        (Some(org), None) => Ok(org),
        (Some(first), Some(second)) => {
            let mut ids = vec![org_id(&first), org_id(&second)];
            ids.extend(named.map(|o| org_id(&o)));
            bail!(
                "several organizations are named '{}'; give one of their ids instead: {}",
                printable(raw_trimmed),
                ids.join(", ")
            )
        }
        (None, _) => bail!(
            "no organization has the id or name '{}' (see `roster org list`)",
            printable(raw_trimmed)
        ),
    }
}

//! `roster person add|list|show|remove`: the people directory, offline.

use super::org::resolve_org;
use super::output::{
    emit, person_card, person_id, person_json, person_row, printable, role_slug, Table,
};
use crate::cli::{
    PersonAddArgs, PersonListArgs, PersonPasswordArgs, PersonRemoveArgs, PersonShowArgs,
};
use anyhow::{bail, Context};
use roster_store::rules::{derived_display_name, is_valid_email, text_problem};
use roster_store::{
    display_name_key, Cursor, OrgRecord, PeopleQuery, PersonDraft, PersonRecord, Store, StoreError,
};
use roster_types::{GlobalId, IdKind, PersonType};

pub async fn add(args: PersonAddArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = add_in(store.as_ref(), args).await;
    store.close().await;
    let person = result?;
    emit(&format!("{}\n", person_id(&person)))?;
    Ok(())
}

/// A trimmed optional text flag; empty means unset.
fn text(flag: &str, value: Option<String>) -> anyhow::Result<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if let Some(problem) = text_problem(value) {
        bail!("{flag} {problem}");
    }
    Ok(Some(value.to_string()))
}

async fn add_in(store: &dyn Store, args: PersonAddArgs) -> anyhow::Result<PersonRecord> {
    let email = args.email.trim().to_string();
    if !is_valid_email(&email) {
        bail!("'{}' is not a valid email address", printable(&email));
    }
    let first_name = text("--first-name", args.first_name)?;
    let last_name = text("--last-name", args.last_name)?;
    let title = text("--title", args.title)?;
    let display_name = match text("--display-name", args.display_name)? {
        Some(name) => name,
        None => derived_display_name(first_name.as_deref(), last_name.as_deref())
            .unwrap_or_else(|| email.clone()),
    };
    let org = match &args.org {
        Some(raw) => resolve_org(store, raw).await?,
        None => only_org(store).await?,
    };
    if let Some(existing) = store
        .find_person_by_email(&email)
        .await
        .context("cannot look up the email")?
    {
        bail!(
            "a person with the email '{}' already exists: {} ({})",
            printable(&email),
            person_id(&existing),
            printable(&existing.display_name)
        );
    }
    let mut roles: Vec<String> = args
        .roles
        .iter()
        .map(|r| role_slug(*r).to_string())
        .collect();
    roles.sort();
    roles.dedup();
    let draft = PersonDraft {
        org_id: org.id,
        emails: vec![email.clone()],
        display_name,
        first_name,
        last_name,
        title,
        roles,
        person_type: if args.bot {
            PersonType::Bot
        } else {
            PersonType::Person
        },
        // As for a person created with POST /v1/people.
        invite_pending: true,
        login_enabled: true,
        ..PersonDraft::default()
    };
    let person = match store.create_person(draft).await {
        Ok(person) => person,
        // Someone else took the email between the check and the write.
        Err(StoreError::Conflict(message)) => bail!("cannot add the person: {message}"),
        Err(e) => return Err(anyhow::Error::new(e).context("cannot add the person")),
    };
    tracing::info!(person = %person.id, org = %org.id, "person added");
    Ok(person)
}

/// The organization to use when none is named: the only one there is.
pub async fn only_org(store: &dyn Store) -> anyhow::Result<OrgRecord> {
    let mut orgs = store
        .list_orgs()
        .await
        .context("cannot list organizations")?;
    match orgs.len() {
        0 => bail!(
            "the database has no organization yet: run `roster init` or `roster org create` first"
        ),
        1 => Ok(orgs.remove(0)),
        n => bail!(
            "the database has {n} organizations: choose one with --org (see `roster org list`)"
        ),
    }
}

pub async fn list(args: PersonListArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = list_in(store.as_ref(), &args).await;
    store.close().await;
    result
}

async fn list_in(store: &dyn Store, args: &PersonListArgs) -> anyhow::Result<()> {
    let org_ids = match &args.org {
        Some(raw) => vec![resolve_org(store, raw).await?.id],
        None => store
            .list_orgs()
            .await
            .context("cannot list organizations")?
            .into_iter()
            .map(|o| o.id)
            .collect(),
    };
    let mut query = PeopleQuery {
        org_ids,
        display_name_prefix: args
            .display_name
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        limit: args.page_size,
        ..PeopleQuery::default()
    };
    let mut table = Table::new(vec!["ID", "EMAIL", "NAME", "TYPE", "ROLES"]);
    let mut first = true;
    loop {
        let page = store
            .list_people(&query)
            .await
            .context("cannot list people")?;
        let text = if args.json {
            let mut out = String::new();
            for person in &page {
                out.push_str(&person_json(person));
                out.push('\n');
            }
            out
        } else if first || !page.is_empty() {
            let rows: Vec<Vec<String>> = page.iter().map(person_row).collect();
            table.render(&rows)
        } else {
            String::new()
        };
        first = false;
        if !emit(&text)? {
            return Ok(());
        }
        let Some(last) = page.last() else { break };
        if page.len() < query.limit as usize {
            break;
        }
        query.after = Some(Cursor {
            name_key: query
                .orders_by_name()
                .then(|| display_name_key(&last.display_name)),
            seq: last.seq,
        });
    }
    Ok(())
}

pub async fn show(args: PersonShowArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = show_in(store.as_ref(), &args).await;
    store.close().await;
    emit(&result?)?;
    Ok(())
}

async fn show_in(store: &dyn Store, args: &PersonShowArgs) -> anyhow::Result<String> {
    let person = resolve_person(store, &args.person).await?;
    if args.json {
        return Ok(format!("{}\n", person_json(&person)));
    }
    let org = store
        .get_org(person.org_id)
        .await
        .context("cannot look up the organization")?;
    Ok(person_card(
        &person,
        org.as_ref().map(|o| o.display_name.as_str()),
    ))
}

pub async fn remove(args: PersonRemoveArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = remove_in(store.as_ref(), &args).await;
    store.close().await;
    result
}

async fn remove_in(store: &dyn Store, args: &PersonRemoveArgs) -> anyhow::Result<()> {
    let person = resolve_person(store, &args.person).await?;
    let removed = store
        .delete_person(person.id)
        .await
        .context("cannot remove the person")?;
    if !removed {
        bail!(
            "no person matches '{}' any more",
            printable(args.person.trim())
        );
    }
    eprintln!(
        "Removed {} <{}> ({}).",
        printable(&person.display_name),
        printable(&person.emails.join(", ")),
        person_id(&person)
    );
    Ok(())
}

/// Finds the person `raw` names: an email address (anything with an '@'), a Webex person
/// id or a UUID.
pub async fn resolve_person(store: &dyn Store, raw: &str) -> anyhow::Result<PersonRecord> {
    let raw = raw.trim();
    if raw.contains('@') {
        return store
            .find_person_by_email(raw)
            .await
            .context("cannot look up the person")?
            .with_context(|| format!("no person has the email '{}'", printable(raw)));
    }
    let id = GlobalId::decode_uuid(IdKind::People, raw).map_err(|e| {
        anyhow::anyhow!(
            "'{}' is neither an email address nor a person id: {e}",
            printable(raw)
        )
    })?;
    store
        .get_person(id)
        .await
        .context("cannot look up the person")?
        .with_context(|| format!("no person has the id '{}'", printable(raw)))
}

/// `roster person password`: sets a person's sign-in password (checked by the store's
/// password rule, stored as an Argon2id hash).
pub async fn password(args: PersonPasswordArgs) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("New password: ")
            .context("cannot read the password (use --password-stdin without a terminal)")?;
        let again = rpassword::prompt_password("Repeat it: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    };
    if let Some(problem) = roster_store::oauth::password::problem(&password) {
        bail!("{problem}");
    }
    let store = super::open_store(&args.database.database_url).await?;
    let result = async {
        let person = resolve_person(store.as_ref(), &args.person).await?;
        let hash = roster_store::oauth::password::hash(&password);
        if !store
            .set_password(person.id, &hash)
            .await
            .context("cannot store the password")?
        {
            bail!(
                "no person matches '{}' any more",
                printable(args.person.trim())
            );
        }
        eprintln!(
            "Set the password of {} <{}>.",
            printable(&person.display_name),
            printable(&person.emails.join(", "))
        );
        Ok(())
    }
    .await;
    store.close().await;
    result
}

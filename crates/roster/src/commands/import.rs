//! `roster import FILE`: bulk-load people from CSV, JSON Lines of People or JSON Lines of
//! SCIM Users (`--format scim`) straight into the database.
//!
//! Rows are parsed and checked here, then written in batches, each batch one transaction
//! (so an interrupted import leaves whole rows or none). A person whose email is already in
//! the directory is left alone, so re-running the same file creates no duplicates. Bad rows
//! are reported with their line number and do not stop the rest, unless `--strict`.

use crate::cli::{ImportArgs, ImportFormat};
use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use roster_store::rules::{derived_display_name, is_valid_email, list_problem, text_problem};
use roster_store::scim::ScimExtra;
use roster_store::{roles, ImportOutcome, PersonDraft, Store};
use roster_types::time::parse_millis;
use roster_types::{
    Address, GlobalId, IdKind, PersonType, PhoneNumber, PhoneNumberType, SipAddress,
};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// One row in the Person shape (JSON Lines). Read-only and unknown fields are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PersonLine {
    id: Option<String>,
    emails: Vec<String>,
    phone_numbers: Vec<PhoneNumber>,
    extension: Option<String>,
    location_id: Option<String>,
    display_name: Option<String>,
    nick_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    avatar: Option<String>,
    org_id: Option<String>,
    roles: Vec<String>,
    licenses: Vec<String>,
    department: Option<String>,
    manager: Option<String>,
    manager_id: Option<String>,
    title: Option<String>,
    addresses: Vec<Address>,
    created: Option<String>,
    timezone: Option<String>,
    site_urls: Vec<String>,
    sip_addresses: Vec<SipAddress>,
    xmpp_federation_jid: Option<String>,
    invite_pending: Option<bool>,
    login_enabled: Option<bool>,
    #[serde(rename = "type")]
    person_type: Option<PersonType>,
}

/// One row of input: a person in one of the People shapes, or a SCIM User.
enum Row {
    Person(Box<PersonLine>),
    Scim(serde_json::Value),
}

/// A row ready to write: the person, and for a SCIM User their SCIM attributes.
type Ready = (u64, PersonDraft, Option<ScimExtra>);

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Everything resolved once and reused for every row.
struct ImportContext {
    default_org: Option<Uuid>,
    known_orgs: HashSet<Uuid>,
    create_orgs: bool,
    licenses: HashMap<Uuid, HashSet<String>>,
}

#[derive(Default)]
struct Tally {
    created: u64,
    existing: u64,
    rejected: u64,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let format = match args.format {
        Some(format) => format,
        None if args
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
        {
            ImportFormat::Csv
        }
        None => ImportFormat::Jsonl,
    };
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let reader = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: file,
            read: read.clone(),
        },
    );

    // A large page cache keeps the indexes of a big directory in memory while it grows.
    let options = roster_store::StoreOptions {
        max_connections: 2,
        cache_kib: 128 * 1024,
        ..roster_store::StoreOptions::default()
    };
    let store = super::open_store_with(&args.database.database_url, &options).await?;
    let orgs = store.list_orgs().await?;
    let default_org = match &args.org {
        Some(org) => Some(super::org::resolve_org(store.as_ref(), org).await?.id),
        None if orgs.len() == 1 => Some(orgs[0].id),
        // Every row must then name its organization (an export does).
        None if orgs.is_empty() && args.create_orgs => None,
        None if orgs.is_empty() => bail!(
            "the database has no organization yet: run `roster init` first, or use --create-orgs"
        ),
        None => bail!("the database has several organizations: choose one with --org"),
    };
    let mut context = ImportContext {
        default_org,
        known_orgs: orgs.iter().map(|o| o.id).collect(),
        create_orgs: args.create_orgs,
        licenses: HashMap::new(),
    };

    let progress = ProgressBar::new(total_bytes).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {percent}% {msg} (ETA {eta})",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut batch: Vec<Ready> = Vec::with_capacity(args.batch_size as usize);
    let mut stopped = None;

    let person = |(line, row): (u64, Result<PersonLine, String>)| {
        (line, row.map(|p| Row::Person(Box::new(p))))
    };
    let rows: Box<dyn Iterator<Item = (u64, Result<Row, String>)>> = match format {
        ImportFormat::Jsonl => Box::new(jsonl_rows::<PersonLine>(reader, "a person").map(person)),
        ImportFormat::Csv => Box::new(csv_rows(reader)?.map(person)),
        ImportFormat::Scim => Box::new(
            jsonl_rows::<serde_json::Value>(reader, "a SCIM User")
                .map(|(line, row)| (line, row.map(Row::Scim))),
        ),
    };
    for (line, row) in rows {
        let draft = match row {
            Ok(Row::Person(row)) => to_draft(store.as_ref(), &mut context, *row)
                .await
                .map(|draft| (draft, None)),
            Ok(Row::Scim(user)) => scim_draft(&context, &user).map(|(d, e)| (d, Some(e))),
            Err(reason) => Err(reason),
        };
        match draft {
            Ok((draft, extra)) => batch.push((line, draft, extra)),
            Err(reason) => {
                tally.rejected += 1;
                progress.suspend(|| eprintln!("line {line}: {reason}"));
                if args.strict {
                    stopped = Some(line);
                    break;
                }
            }
        }
        if batch.len() >= args.batch_size as usize {
            write_batch(store.as_ref(), &mut batch, &mut tally, &progress).await?;
            let seconds = started.elapsed().as_secs_f64().max(0.001);
            progress.set_position(read.load(Ordering::Relaxed));
            progress.set_message(format!(
                "{} people, {:.0}/s",
                tally.created + tally.existing,
                (tally.created + tally.existing) as f64 / seconds
            ));
        }
    }
    write_batch(store.as_ref(), &mut batch, &mut tally, &progress).await?;
    progress.finish_and_clear();
    store.close().await;

    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {} new, {} already present, {} rejected in {:.1} s ({:.0} rows/s)",
        tally.created,
        tally.existing,
        tally.rejected,
        seconds,
        (tally.created + tally.existing + tally.rejected) as f64 / seconds.max(0.001)
    );
    if let Some(line) = stopped {
        bail!("stopped at line {line} (--strict); rows before it were imported");
    }
    if tally.rejected > 0 {
        bail!(
            "{} rows were rejected (see above); the others were imported",
            tally.rejected
        );
    }
    Ok(())
}

async fn write_batch(
    store: &dyn Store,
    batch: &mut Vec<Ready>,
    tally: &mut Tally,
    progress: &ProgressBar,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let drafts: Vec<PersonDraft> = batch.iter().map(|(_, d, _)| d.clone()).collect();
    let outcomes = store
        .import_people(&drafts)
        .await
        .context("cannot write a batch of people")?;
    let mut extras = Vec::new();
    for ((line, _, extra), outcome) in batch.iter().zip(outcomes) {
        match outcome {
            ImportOutcome::Created(id) => {
                tally.created += 1;
                if let Some(extra) = extra {
                    extras.push((id, extra.clone()));
                }
            }
            ImportOutcome::Existing(_) => tally.existing += 1,
            ImportOutcome::Rejected(reason) => {
                tally.rejected += 1;
                progress.suspend(|| eprintln!("line {line}: {reason}"));
            }
        }
    }
    store
        .import_scim_extras(&extras)
        .await
        .context("cannot write the SCIM attributes of a batch of people")?;
    batch.clear();
    Ok(())
}

fn jsonl_rows<T: serde::de::DeserializeOwned>(
    reader: impl BufRead,
    what: &'static str,
) -> impl Iterator<Item = (u64, Result<T, String>)> {
    reader
        .lines()
        .enumerate()
        .map(|(index, line)| (index as u64 + 1, line))
        .filter(|(_, line)| !matches!(line, Ok(text) if text.trim().is_empty()))
        .map(move |(number, line)| {
            let row = match line {
                Ok(text) => {
                    serde_json::from_str::<T>(&text).map_err(|e| format!("not {what} in JSON: {e}"))
                }
                Err(e) => Err(format!("unreadable line: {e}")),
            };
            (number, row)
        })
}

/// CSV with a header row. Columns (any order, names as in the Person shape, case-insensitive):
/// email (or emails, `;`-separated), displayName, firstName, lastName, title, department,
/// manager, avatar, timezone, extension, type, orgId, roles (`;`-separated), phone, mobile.
fn csv_rows(
    reader: impl Read + 'static,
) -> anyhow::Result<impl Iterator<Item = (u64, Result<PersonLine, String>)>> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .context("the CSV file has no header row")?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    const KNOWN: [&str; 16] = [
        "email",
        "emails",
        "displayname",
        "firstname",
        "lastname",
        "title",
        "department",
        "manager",
        "avatar",
        "timezone",
        "extension",
        "type",
        "orgid",
        "roles",
        "phone",
        "mobile",
    ];
    if let Some(unknown) = headers.iter().find(|h| !KNOWN.contains(&h.as_str())) {
        bail!(
            "unknown CSV column '{unknown}'; known columns: {}",
            KNOWN.join(", ")
        );
    }
    if !headers.iter().any(|h| h == "email" || h == "emails") {
        bail!("the CSV file needs an 'email' column");
    }
    Ok(csv.into_records().map(move |record| {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.line())
            .unwrap_or(0);
        let row = match record {
            Ok(record) => Ok(csv_person(&headers, &record)),
            Err(e) => Err(format!("unreadable CSV row: {e}")),
        };
        let line = match (&row, line) {
            (Err(_), 0) => 0,
            (_, line) => line,
        };
        (line, row.and_then(|r| r))
    }))
}

fn csv_person(headers: &[String], record: &csv::StringRecord) -> Result<PersonLine, String> {
    let mut person = PersonLine::default();
    let list = |v: &str| -> Vec<String> {
        v.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    for (header, value) in headers.iter().zip(record.iter()) {
        if value.is_empty() {
            continue;
        }
        let text = Some(value.to_string());
        match header.as_str() {
            "email" | "emails" => person.emails.extend(list(value)),
            "displayname" => person.display_name = text,
            "firstname" => person.first_name = text,
            "lastname" => person.last_name = text,
            "title" => person.title = text,
            "department" => person.department = text,
            "manager" => person.manager = text,
            "avatar" => person.avatar = text,
            "timezone" => person.timezone = text,
            "extension" => person.extension = text,
            "orgid" => person.org_id = text,
            "roles" => person.roles = list(value),
            "type" => {
                person.person_type = Some(
                    PersonType::parse(value)
                        .ok_or_else(|| format!("unknown type '{value}' (person, bot, appuser)"))?,
                )
            }
            "phone" | "mobile" => person.phone_numbers.push(PhoneNumber {
                number_type: if header == "phone" {
                    PhoneNumberType::Work
                } else {
                    PhoneNumberType::Mobile
                },
                value: value.to_string(),
                primary: None,
            }),
            _ => {}
        }
    }
    Ok(person)
}

/// The checks on sizes and characters that the API makes on a POST or PUT body, so that
/// an imported person is one the API could have stored and can be sent back in a PUT.
fn check_shape(row: &PersonLine) -> Result<(), String> {
    let lists = [
        ("emails", row.emails.len()),
        ("phoneNumbers", row.phone_numbers.len()),
        ("roles", row.roles.len()),
        ("licenses", row.licenses.len()),
        ("addresses", row.addresses.len()),
        ("siteUrls", row.site_urls.len()),
        ("sipAddresses", row.sip_addresses.len()),
    ];
    for (field, len) in lists {
        if let Some(problem) = list_problem(len) {
            return Err(format!("'{field}' {problem}"));
        }
    }
    let single = [
        ("displayName", &row.display_name),
        ("firstName", &row.first_name),
        ("lastName", &row.last_name),
        ("nickName", &row.nick_name),
        ("title", &row.title),
        ("department", &row.department),
        ("manager", &row.manager),
        ("avatar", &row.avatar),
        ("timezone", &row.timezone),
        ("extension", &row.extension),
        ("xmppFederationJid", &row.xmpp_federation_jid),
    ];
    let single = single
        .into_iter()
        .filter_map(|(field, value)| Some((field, value.as_deref()?)));
    let phones = row
        .phone_numbers
        .iter()
        .map(|p| ("phoneNumbers.value", p.value.as_str()));
    let sips = row
        .sip_addresses
        .iter()
        .map(|a| ("sipAddresses.value", a.value.as_str()));
    let urls = row.site_urls.iter().map(|u| ("siteUrls", u.as_str()));
    let addresses = row
        .addresses
        .iter()
        .flat_map(Address::values)
        .map(|v| ("addresses", v));
    for (field, value) in single
        .chain(phones)
        .chain(sips)
        .chain(urls)
        .chain(addresses)
    {
        if let Some(problem) = text_problem(value) {
            return Err(format!("'{field}' {problem}"));
        }
    }
    Ok(())
}

/// A SCIM User line, mapped onto a person as `POST /Users` maps it (the id, when the
/// line has one, is kept, so an export from another Roster imports with the same ids).
fn scim_draft(
    context: &ImportContext,
    user: &serde_json::Value,
) -> Result<(PersonDraft, ScimExtra), String> {
    let org = context
        .default_org
        .ok_or("SCIM Users name no organization: choose one with --org")?;
    let (mut draft, extra, _password) =
        roster_server::scim::user::user_from_json(user, org, None).map_err(|e| e.detail)?;
    if let Some(id) = user.get("id").and_then(|v| v.as_str()) {
        draft.id = Some(Uuid::parse_str(id).map_err(|_| format!("'id' is not a UUID: {id}"))?);
    }
    // A user in SCIM is not waiting for an invitation unless they are inactive.
    draft.invite_pending = false;
    Ok((draft, extra))
}

/// Checks a row and resolves its references; the reason on failure names the field.
async fn to_draft(
    store: &dyn Store,
    context: &mut ImportContext,
    row: PersonLine,
) -> Result<PersonDraft, String> {
    check_shape(&row)?;
    let emails: Vec<String> = row.emails.iter().map(|e| e.trim().to_string()).collect();
    if emails.is_empty() {
        return Err("no email address".into());
    }
    if let Some(bad) = emails.iter().find(|e| !is_valid_email(e)) {
        return Err(format!("'{bad}' is not a valid email address"));
    }
    let id = match &row.id {
        Some(raw) => Some(GlobalId::decode_uuid(IdKind::People, raw).map_err(|e| e.to_string())?),
        None => None,
    };
    let org_id = match &row.org_id {
        Some(raw) => GlobalId::decode_uuid(IdKind::Organization, raw).map_err(|e| e.to_string())?,
        None => context
            .default_org
            .ok_or("no orgId, and no organization to put the person in (use --org)")?,
    };
    if !context.known_orgs.contains(&org_id) {
        if !context.create_orgs {
            return Err(format!(
                "organization {org_id} does not exist (use --create-orgs to create it)"
            ));
        }
        store
            .create_org(Some(org_id), "Imported organization")
            .await
            .map_err(|e| format!("cannot create organization {org_id}: {e}"))?;
        context.known_orgs.insert(org_id);
    }
    let display_name = match row
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(name) => name.to_string(),
        None => derived_display_name(row.first_name.as_deref(), row.last_name.as_deref())
            .ok_or("needs a displayName, firstName or lastName")?,
    };
    let mut role_ids = Vec::new();
    for raw in &row.roles {
        let role = if roles::ALL.contains(&raw.as_str()) {
            raw.clone()
        } else {
            GlobalId::decode(IdKind::Role, raw)
                .map_err(|e| e.to_string())?
                .value
        };
        if !roles::ALL.contains(&role.as_str()) {
            return Err(format!("unknown role '{raw}'"));
        }
        role_ids.push(role);
    }
    role_ids.sort();
    role_ids.dedup();
    let mut licenses = Vec::new();
    if !row.licenses.is_empty() {
        if let std::collections::hash_map::Entry::Vacant(entry) = context.licenses.entry(org_id) {
            let known = store
                .list_licenses(org_id)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|l| l.id)
                .collect();
            entry.insert(known);
        }
        for raw in &row.licenses {
            let license = GlobalId::decode(IdKind::License, raw)
                .map_err(|e| e.to_string())?
                .value;
            if !context.licenses[&org_id].contains(&license) {
                return Err(format!("unknown license '{raw}' for organization {org_id}"));
            }
            licenses.push(license);
        }
    }
    let location_id = match &row.location_id {
        Some(raw) => {
            let location = GlobalId::decode(IdKind::Location, raw)
                .map_err(|e| e.to_string())?
                .value;
            match store
                .get_location(&location)
                .await
                .map_err(|e| e.to_string())?
            {
                Some(l) if l.org_id == org_id => Some(location),
                _ => return Err(format!("unknown location '{raw}'")),
            }
        }
        None => None,
    };
    let manager_id = match &row.manager_id {
        Some(raw) => Some(GlobalId::decode_uuid(IdKind::People, raw).map_err(|e| e.to_string())?),
        None => None,
    };
    let created = match &row.created {
        Some(text) => Some(
            parse_millis(text).ok_or_else(|| format!("'created' is not a timestamp: {text}"))?,
        ),
        None => None,
    };
    Ok(PersonDraft {
        id,
        org_id,
        emails,
        phone_numbers: row.phone_numbers,
        extension: row.extension,
        location_id,
        nick_name: row.nick_name,
        display_name,
        first_name: row.first_name,
        last_name: row.last_name,
        avatar: row.avatar,
        roles: role_ids,
        licenses,
        department: row.department,
        manager: row.manager,
        manager_id,
        title: row.title,
        addresses: row.addresses,
        site_urls: row.site_urls,
        sip_addresses: row.sip_addresses,
        xmpp_federation_jid: row.xmpp_federation_jid,
        timezone: row.timezone,
        invite_pending: row.invite_pending.unwrap_or(true),
        login_enabled: row.login_enabled.unwrap_or(true),
        person_type: row.person_type.unwrap_or_default(),
        created,
    })
}

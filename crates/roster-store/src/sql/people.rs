//! The statements about people: the one column list, inserts of one or many people (a
//! create, an import batch, a copied deployment), and the page query.

use super::db::Tx;
use super::dialect::Dialect;
use super::query::{Query, Value};
use super::rows::parse_uuid;
use crate::records::*;
use crate::{StoreError, StoreResult};
use roster_types::PresenceStatus;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// New people get time-ordered (version 7) UUIDs, so the id index grows at its end instead
/// of at random places: much faster bulk imports, same wire format.
pub(crate) fn new_person_id() -> Uuid {
    Uuid::now_v7()
}

/// The query that reads whole people: the person columns plus emails and roles gathered as
/// JSON arrays, so one statement reads a record (`WHERE` and `ORDER BY` are appended).
pub(crate) fn person_select(dialect: &Dialect) -> String {
    format!(
        "SELECT p.*, \
         (SELECT {} FROM person_emails e WHERE e.person_id = p.id) AS emails_json, \
         (SELECT {} FROM person_roles r WHERE r.person_id = p.id) AS roles_json \
         FROM people p",
        dialect.json_array_agg("email", "position"),
        dialect.json_array_agg("role_id", "role_id"),
    )
}

/// The columns a draft decides, with their values: the one list both inserts and full
/// replacements write. A new column of `people` is added here (and in the row type).
fn draft_columns(draft: &PersonDraft) -> StoreResult<[(&'static str, Value); 22]> {
    Ok([
        ("org_id", draft.org_id.into()),
        ("display_name", (&draft.display_name).into()),
        (
            "display_name_key",
            display_name_key(&draft.display_name).into(),
        ),
        ("nick_name", (&draft.nick_name).into()),
        ("first_name", (&draft.first_name).into()),
        ("last_name", (&draft.last_name).into()),
        ("avatar", (&draft.avatar).into()),
        (
            "phone_numbers",
            serde_json::to_string(&draft.phone_numbers)?.into(),
        ),
        ("extension", (&draft.extension).into()),
        ("location_id", (&draft.location_id).into()),
        ("licenses", serde_json::to_string(&draft.licenses)?.into()),
        ("department", (&draft.department).into()),
        ("manager", (&draft.manager).into()),
        ("manager_id", draft.manager_id.into()),
        ("title", (&draft.title).into()),
        ("addresses", serde_json::to_string(&draft.addresses)?.into()),
        ("site_urls", serde_json::to_string(&draft.site_urls)?.into()),
        (
            "sip_addresses",
            serde_json::to_string(&draft.sip_addresses)?.into(),
        ),
        ("xmpp_federation_jid", (&draft.xmpp_federation_jid).into()),
        ("timezone", (&draft.timezone).into()),
        ("login_enabled", draft.login_enabled.into()),
        ("person_type", draft.person_type.as_str().into()),
    ])
}

/// A person row to insert: a draft plus the state a new person starts with, or, for a
/// copied deployment, the state the original had.
#[derive(Clone)]
pub(crate) struct NewPerson<'a> {
    pub id: Uuid,
    pub draft: &'a PersonDraft,
    pub created: i64,
    pub last_modified: i64,
    pub last_activity: Option<i64>,
    pub presence: Option<&'static str>,
    pub presence_until: Option<i64>,
    pub status_sharing: bool,
}

impl<'a> NewPerson<'a> {
    /// A person as a create or an import makes them.
    pub fn fresh(id: Uuid, draft: &'a PersonDraft, now: i64) -> NewPerson<'a> {
        let created = draft.created.unwrap_or(now);
        NewPerson {
            id,
            draft,
            created,
            last_modified: created,
            last_activity: None,
            presence: None,
            presence_until: None,
            status_sharing: true,
        }
    }

    /// A whole record as it is, for copying a deployment.
    pub fn copy(record: &PersonRecord, draft: &'a PersonDraft) -> NewPerson<'a> {
        NewPerson {
            id: record.id,
            draft,
            created: record.created,
            last_modified: record.last_modified,
            last_activity: record.last_activity,
            presence: record.presence.map(|s| s.as_str()),
            presence_until: record.presence_until,
            status_sharing: record.status_sharing,
        }
    }

    /// The record this row becomes once inserted at `seq`: what reading it back gives
    /// (emails trimmed, roles sorted and without repeats), without reading it back.
    fn record(&self, seq: i64) -> PersonRecord {
        let draft = self.draft;
        let mut roles = draft.roles.clone();
        roles.sort();
        roles.dedup();
        PersonRecord {
            id: self.id,
            seq,
            org_id: draft.org_id,
            emails: draft.emails.iter().map(|e| e.trim().to_string()).collect(),
            phone_numbers: draft.phone_numbers.clone(),
            extension: draft.extension.clone(),
            location_id: draft.location_id.clone(),
            display_name: draft.display_name.clone(),
            nick_name: draft.nick_name.clone(),
            first_name: draft.first_name.clone(),
            last_name: draft.last_name.clone(),
            avatar: draft.avatar.clone(),
            roles,
            licenses: draft.licenses.clone(),
            department: draft.department.clone(),
            manager: draft.manager.clone(),
            manager_id: draft.manager_id,
            title: draft.title.clone(),
            addresses: draft.addresses.clone(),
            site_urls: draft.site_urls.clone(),
            sip_addresses: draft.sip_addresses.clone(),
            xmpp_federation_jid: draft.xmpp_federation_jid.clone(),
            timezone: draft.timezone.clone(),
            created: self.created,
            last_modified: self.last_modified,
            last_activity: self.last_activity,
            presence: self.presence.and_then(PresenceStatus::parse),
            presence_until: self.presence_until,
            status_sharing: self.status_sharing,
            invite_pending: draft.invite_pending,
            login_enabled: draft.login_enabled,
            person_type: draft.person_type,
        }
    }

    fn columns(&self) -> StoreResult<Vec<(&'static str, Value)>> {
        let mut columns = vec![
            ("id", self.id.into()),
            ("created", self.created.into()),
            ("last_modified", self.last_modified.into()),
            ("last_activity", self.last_activity.into()),
            ("presence", self.presence.into()),
            ("presence_until", self.presence_until.into()),
            ("status_sharing", self.status_sharing.into()),
            ("invite_pending", self.draft.invite_pending.into()),
        ];
        columns.extend(draft_columns(self.draft)?);
        Ok(columns)
    }
}

/// People per multi-row `INSERT` (30 values each: well within both backends' limits on
/// bound values).
const PEOPLE_PER_INSERT: usize = 400;
/// Email or role rows per multi-row `INSERT`.
const LIST_ROWS_PER_INSERT: usize = 2000;

/// Inserts people with their emails and roles inside `tx`, in multi-row statements (a
/// statement per row costs a thread hand-off in sqlx's SQLite driver and a round trip to
/// PostgreSQL). Callers check emails first (see [`taken_emails`]), so a unique violation
/// here means a write raced ours.
pub(crate) async fn insert_people(tx: &mut Tx, people: &[NewPerson<'_>]) -> StoreResult<()> {
    let (columns, rows) = people_rows(people)?;
    tx.insert_rows("people", &columns, &rows, PEOPLE_PER_INSERT)
        .await
        .map_err(|e| match (e, people) {
            (StoreError::Conflict(_), [person]) => {
                StoreError::Conflict(format!("A person with id {} exists.", person.id))
            }
            (other, _) => other,
        })?;
    let people: Vec<&NewPerson> = people.iter().collect();
    insert_person_lists(tx, &people).await
}

/// Inserts those of `people` whose id is not taken, with their emails and roles, and leaves
/// the others alone (for copying a deployment); how many were inserted.
pub(crate) async fn insert_missing_people(
    tx: &mut Tx,
    people: &[NewPerson<'_>],
) -> StoreResult<u64> {
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let existing = existing_ids(tx, &ids).await?;
    let missing: Vec<NewPerson> = people
        .iter()
        .filter(|p| !existing.contains(&p.id))
        .map(NewPerson::clone)
        .collect();
    insert_people(tx, &missing).await?;
    Ok(missing.len() as u64)
}

/// The column names and the rows of `people`, in that order.
fn people_rows(people: &[NewPerson<'_>]) -> StoreResult<(Vec<&'static str>, Vec<Vec<Value>>)> {
    let mut columns = Vec::new();
    let mut rows = Vec::with_capacity(people.len());
    for person in people {
        let row = person.columns()?;
        if columns.is_empty() {
            columns = row.iter().map(|(name, _)| *name).collect();
        }
        rows.push(row.into_iter().map(|(_, value)| value).collect());
    }
    Ok((columns, rows))
}

/// Inserts the emails and roles of people whose rows exist.
async fn insert_person_lists(tx: &mut Tx, people: &[&NewPerson<'_>]) -> StoreResult<()> {
    let emails: Vec<Vec<Value>> = people
        .iter()
        .flat_map(|p| {
            p.draft.emails.iter().enumerate().map(|(position, email)| {
                vec![
                    email_key(email).into(),
                    p.id.into(),
                    (position as i64).into(),
                    email.trim().into(),
                ]
            })
        })
        .collect();
    tx.insert_rows(
        "person_emails",
        &["email_key", "person_id", "position", "email"],
        &emails,
        LIST_ROWS_PER_INSERT,
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => {
            StoreError::Conflict("An email of this person is already in use.".into())
        }
        other => other,
    })?;
    insert_roles(tx, people.iter().map(|p| (p.id, p.draft.roles.as_slice()))).await
}

/// Gives people their roles. Roles come one row per statement when there are few, so that an
/// unknown one is named; bulk writes check roles before they get here.
async fn insert_roles<'r>(
    tx: &mut Tx,
    people: impl Iterator<Item = (Uuid, &'r [String])>,
) -> StoreResult<()> {
    let rows: Vec<[Value; 2]> = people
        .flat_map(|(id, roles)| roles.iter().map(move |role| [id.into(), role.into()]))
        .collect();
    if rows.len() <= 4 {
        for [id, role] in rows {
            let name = match &role {
                Value::Text(Some(role)) => role.clone(),
                _ => String::new(),
            };
            let sql = Query::new(
                "INSERT INTO person_roles (person_id, role_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(role);
            tx.execute(&sql).await.map_err(|e| match e {
                StoreError::Invalid(_) => StoreError::Invalid(format!("Unknown role '{name}'.")),
                other => other,
            })?;
        }
        return Ok(());
    }
    for chunk in rows.chunks(LIST_ROWS_PER_INSERT) {
        let mut sql = Query::new("INSERT INTO person_roles (person_id, role_id) VALUES ");
        sql.push_rows(chunk.iter().cloned());
        sql.push(" ON CONFLICT DO NOTHING");
        tx.execute(&sql).await?;
    }
    Ok(())
}

/// Inserts one person with their emails and roles, and returns the record as stored. An
/// email someone else holds, or that the draft lists twice, is refused by name.
pub(crate) async fn insert_person(
    tx: &mut Tx,
    person: &NewPerson<'_>,
) -> StoreResult<PersonRecord> {
    let (columns, mut rows) = people_rows(std::slice::from_ref(person))?;
    let mut sql = Query::new(format!(
        "INSERT INTO people ({}) VALUES ",
        columns.join(", ")
    ));
    sql.push_rows(rows.drain(..)).push(" RETURNING seq");
    let (seq,) = tx
        .fetch_optional::<(i64,)>(&sql)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("A person with id {} exists.", person.id))
            }
            other => other,
        })?
        .ok_or_else(|| StoreError::Database("no seq returned for a new person".into()))?;
    claim_emails(tx, person.id, &person.draft.emails).await?;
    insert_roles(tx, [(person.id, person.draft.roles.as_slice())].into_iter()).await?;
    Ok(person.record(seq))
}

/// Gives a person the emails of `emails` (any old ones deleted first). One statement that
/// claims the free ones and reports which it claimed, so that an email someone else holds,
/// or that the list holds twice, is refused by name without a look-up beforehand.
async fn claim_emails(tx: &mut Tx, id: Uuid, emails: &[String]) -> StoreResult<()> {
    if emails.is_empty() {
        return Ok(());
    }
    let mut sql =
        Query::new("INSERT INTO person_emails (email_key, person_id, position, email) VALUES ");
    sql.push_rows(emails.iter().enumerate().map(|(position, email)| {
        [
            Value::from(email_key(email)),
            id.into(),
            (position as i64).into(),
            email.trim().into(),
        ]
    }));
    sql.push(" ON CONFLICT (email_key) DO NOTHING RETURNING email_key");
    let mut claimed: HashSet<String> = tx
        .fetch_all::<(String,)>(&sql)
        .await?
        .into_iter()
        .map(|(key,)| key)
        .collect();
    match emails
        .iter()
        .find(|email| !claimed.remove(&email_key(email)))
    {
        // Whatever this statement wrote is undone with the rest of the write.
        Some(email) => Err(StoreError::Conflict(format!(
            "The email '{}' is already in use.",
            email.trim()
        ))),
        None => Ok(()),
    }
}

/// Who holds each of these email keys, for those that are taken.
pub(crate) async fn taken_emails(
    tx: &mut Tx,
    keys: impl Iterator<Item = String>,
) -> StoreResult<HashMap<String, Uuid>> {
    let keys: Vec<String> = keys.collect();
    let mut taken = HashMap::new();
    for chunk in keys.chunks(500) {
        let mut sql =
            Query::new("SELECT email_key, person_id FROM person_emails WHERE email_key IN (");
        sql.push_list(chunk.iter()).push(")");
        for (key, holder) in tx.fetch_all::<(String, String)>(&sql).await? {
            taken.insert(key, parse_uuid(&holder)?);
        }
    }
    Ok(taken)
}

/// Which of these person ids exist.
pub(crate) async fn existing_ids(tx: &mut Tx, ids: &[Uuid]) -> StoreResult<HashSet<Uuid>> {
    let mut existing = HashSet::new();
    for chunk in ids.chunks(500) {
        let mut sql = Query::new("SELECT id FROM people WHERE id IN (");
        sql.push_list(chunk.iter()).push(")");
        for (id,) in tx.fetch_all::<(String,)>(&sql).await? {
            existing.insert(parse_uuid(&id)?);
        }
    }
    Ok(existing)
}

/// Replaces a person's emails and roles with the draft's.
pub(crate) async fn replace_person_lists(
    tx: &mut Tx,
    id: Uuid,
    draft: &PersonDraft,
) -> StoreResult<()> {
    tx.execute(&Query::new("DELETE FROM person_emails WHERE person_id = ?").bind(id))
        .await?;
    tx.execute(&Query::new("DELETE FROM person_roles WHERE person_id = ?").bind(id))
        .await?;
    claim_emails(tx, id, &draft.emails).await?;
    insert_roles(tx, [(id, draft.roles.as_slice())].into_iter()).await
}

/// The full replacement of a person's settable fields. `last_modified` becomes the later of
/// now and one millisecond after its previous value.
pub(crate) fn replace_statement(
    dialect: &Dialect,
    id: Uuid,
    draft: &PersonDraft,
    now: i64,
) -> StoreResult<Query> {
    let mut sql = Query::new("UPDATE people SET ");
    for (name, value) in draft_columns(draft)? {
        sql.push(name).push(" = ").push_bind(value).push(", ");
    }
    sql.push(&format!("last_modified = {}(", dialect.greatest))
        .push_bind(now)
        .push(", last_modified + 1) WHERE id = ")
        .push_bind(id);
    Ok(sql)
}

/// One page of people in cursor order (see [`PeopleQuery`]), selecting `columns` of
/// `people p` (whole records, or only what the page indexes hold).
pub(crate) fn page_statement(columns: &str, query: &PeopleQuery) -> Query {
    let mut sql = Query::new(columns);
    sql.push(" WHERE p.org_id IN (");
    sql.push_list(query.org_ids.iter()).push(")");
    if let Some(email) = &query.email {
        sql.push(" AND p.id = (SELECT person_id FROM person_emails WHERE email_key = ")
            .push_bind(email_key(email))
            .push(")");
    }
    if let Some(prefix) = &query.display_name_prefix {
        // A range on the key rather than LIKE, so the index serves it and '%' or '_' in the
        // prefix mean themselves.
        let low = display_name_key(prefix);
        sql.push(" AND p.display_name_key >= ")
            .push_bind(low.clone());
        sql.push(" AND p.display_name_key < ")
            .push_bind(format!("{low}\u{10FFFF}"));
    }
    if let Some(ids) = &query.ids {
        sql.push(" AND p.id IN (").push_list(ids.iter()).push(")");
    }
    if !query.roles.is_empty() {
        sql.push(
            " AND EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role_id IN (",
        );
        sql.push_list(query.roles.iter()).push("))");
    }
    if let Some(location) = &query.location_id {
        sql.push(" AND p.location_id = ").push_bind(location);
    }
    let by_name = query.orders_by_name();
    if let Some(after) = &query.after {
        match (&after.name_key, by_name) {
            (Some(key), true) => {
                sql.push(" AND (p.display_name_key > ")
                    .push_bind(key)
                    .push(" OR (p.display_name_key = ")
                    .push_bind(key)
                    .push(" AND p.seq > ")
                    .push_bind(after.seq)
                    .push("))");
            }
            _ => {
                sql.push(" AND p.seq > ").push_bind(after.seq);
            }
        }
    }
    sql.push(if by_name {
        " ORDER BY p.display_name_key, p.seq"
    } else {
        " ORDER BY p.seq"
    });
    sql.push(" LIMIT ").push_bind(i64::from(query.limit));
    sql
}

/// A page of people as ids and versions (see [`PeopleQuery`]), read from the page indexes
/// alone and returned as one row: a JSON array of `[id, last_modified]` pairs. One row
/// instead of a row per person, because sqlx's SQLite driver hands each row from its worker
/// thread separately, and those hand-offs were most of the time a page took.
pub(crate) fn versions_statement(dialect: &Dialect, query: &PeopleQuery) -> Query {
    // Only columns the page's index holds, so that SQLite reads no table rows.
    let (columns, order) = match query.orders_by_name() {
        true => (
            "p.id, p.last_modified, p.seq, p.display_name_key",
            "display_name_key, seq",
        ),
        false => ("p.id, p.last_modified, p.seq", "seq"),
    };
    let pairs = dialect.json_array_agg(&dialect.json_row("id, last_modified"), order);
    let mut sql = Query::new(format!("SELECT {pairs} FROM ("));
    sql.append(page_statement(
        &format!("SELECT {columns} FROM people p"),
        query,
    ));
    sql.push(") page");
    sql
}

/// The versions a statement built like [`versions_statement`] returns: a JSON array of
/// `[id, last_modified]` pairs.
pub(crate) fn parse_versions(pairs: &str) -> StoreResult<Vec<PersonVersion>> {
    let pairs: Vec<(&str, i64)> = serde_json::from_str(pairs)?;
    pairs
        .into_iter()
        .map(|(id, last_modified)| {
            Ok(PersonVersion {
                id: parse_uuid(id)?,
                last_modified,
            })
        })
        .collect()
}

/// The fast path of a bulk import: the batch in one transaction, with multi-row statements.
/// People already present (by first email, or by id) are left alone.
pub(crate) async fn import_batch(
    tx: &mut Tx,
    drafts: &[PersonDraft],
) -> StoreResult<Vec<ImportOutcome>> {
    let mut taken = taken_emails(
        tx,
        drafts
            .iter()
            .filter_map(|d| d.emails.first().map(|e| email_key(e))),
    )
    .await?;
    let wanted_ids: Vec<Uuid> = drafts.iter().filter_map(|d| d.id).collect();
    let mut taken_ids = existing_ids(tx, &wanted_ids).await?;

    let mut outcomes = Vec::with_capacity(drafts.len());
    let mut fresh = Vec::new();
    for draft in drafts {
        let key = draft.emails.first().map(|e| email_key(e));
        if let Some(id) = key.as_ref().and_then(|k| taken.get(k)) {
            outcomes.push(ImportOutcome::Existing(*id));
            continue;
        }
        if let Some(id) = draft.id.filter(|id| taken_ids.contains(id)) {
            outcomes.push(ImportOutcome::Existing(id));
            continue;
        }
        let id = draft.id.unwrap_or_else(new_person_id);
        if let Some(key) = key {
            // A later row with the same email finds this one, as a re-run would.
            taken.insert(key, id);
        }
        taken_ids.insert(id);
        outcomes.push(ImportOutcome::Created(id));
        fresh.push(NewPerson::fresh(id, draft, tx.now()));
    }
    insert_people(tx, &fresh).await?;
    Ok(outcomes)
}

/// The careful path of a bulk import: each row alone in a savepoint, so a row that breaks a
/// rule is rejected without its neighbours.
pub(crate) async fn import_row_by_row(
    tx: &mut Tx,
    drafts: &[PersonDraft],
) -> StoreResult<Vec<ImportOutcome>> {
    let mut outcomes = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let by_email =
            taken_emails(tx, draft.emails.first().map(|e| email_key(e)).into_iter()).await?;
        let existing = match (by_email.into_values().next(), draft.id) {
            (Some(id), _) => Some(id),
            (None, Some(id)) => existing_ids(tx, &[id]).await?.into_iter().next(),
            (None, None) => None,
        };
        if let Some(existing) = existing {
            outcomes.push(ImportOutcome::Existing(existing));
            continue;
        }
        let id = draft.id.unwrap_or_else(new_person_id);
        tx.execute(&Query::new("SAVEPOINT import_row")).await?;
        let now = tx.now();
        match insert_person(tx, &NewPerson::fresh(id, draft, now)).await {
            Ok(_) => {
                tx.execute(&Query::new("RELEASE SAVEPOINT import_row"))
                    .await?;
                outcomes.push(ImportOutcome::Created(id));
            }
            Err(StoreError::Conflict(reason)) | Err(StoreError::Invalid(reason)) => {
                tx.execute(&Query::new("ROLLBACK TO SAVEPOINT import_row"))
                    .await?;
                tx.execute(&Query::new("RELEASE SAVEPOINT import_row"))
                    .await?;
                outcomes.push(ImportOutcome::Rejected(reason));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(outcomes)
}

/// Notes a change that other processes' caches must apply (see `changes_since`).
pub(crate) async fn note_change(tx: &mut Tx, topic: ChangeTopic, key: &str) -> StoreResult<()> {
    let sql = Query::new("INSERT INTO changes (topic, key, at) VALUES (?, ?, ?)")
        .bind(topic.as_str())
        .bind(key)
        .bind(tx.now());
    tx.execute(&sql).await?;
    Ok(())
}

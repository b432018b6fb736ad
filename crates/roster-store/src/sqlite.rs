//! The embedded backend: one SQLite file in WAL mode.
//!
//! Durability: `synchronous = FULL` so that a write acknowledged to a client survives a
//! killed process and a power cut; WAL lets readers run beside the single writer.

use crate::records::*;
use crate::{Store, StoreError, StoreOptions, StoreResult};
use async_trait::async_trait;
use roster_types::time::now_millis;
use roster_types::{PersonType, PresenceStatus};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Write transactions start with `BEGIN IMMEDIATE`: they take the write lock at once and
/// wait for it (busy timeout), instead of failing when a read turns into a write while
/// another connection writes.
pub struct SqliteStore {
    pool: SqlitePool,
}

/// The person columns plus emails and roles gathered as JSON arrays, so one query reads a
/// whole record.
const PERSON_SELECT: &str = "SELECT p.*, \
    (SELECT json_group_array(email) FROM \
        (SELECT email FROM person_emails e WHERE e.person_id = p.id ORDER BY position)) AS emails_json, \
    (SELECT json_group_array(role_id) FROM \
        (SELECT role_id FROM person_roles r WHERE r.person_id = p.id ORDER BY role_id)) AS roles_json \
    FROM people p";

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and runs pending migrations.
    pub async fn open(url: &str, options: &StoreOptions) -> StoreResult<SqliteStore> {
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
        let filename = connect.get_filename().to_path_buf();
        restrict_permissions(&filename)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(format!("migration failed: {e}")))?;
        Ok(SqliteStore { pool })
    }

    async fn person_by(&self, clause: &str, value: &str) -> StoreResult<Option<PersonRecord>> {
        let sql = format!("{PERSON_SELECT} WHERE {clause}");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| person_from_row(&r)).transpose()
    }

    /// The fast path of a bulk import: the batch in one transaction, with multi-row
    /// statements (a statement per row costs a thread hand-off in sqlx's SQLite driver).
    async fn import_batch_fast(&self, drafts: &[PersonDraft]) -> StoreResult<Vec<ImportOutcome>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // Who is already here, by first email and by id.
        let mut taken: std::collections::HashMap<String, Uuid> = std::collections::HashMap::new();
        let keys: Vec<String> = drafts
            .iter()
            .filter_map(|d| d.emails.first().map(|e| email_key(e)))
            .collect();
        for chunk in keys.chunks(500) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "SELECT email_key, person_id FROM person_emails WHERE email_key IN (",
            );
            let mut list = sql.separated(", ");
            for key in chunk {
                list.push_bind(key.clone());
            }
            sql.push(")");
            for row in sql.build().fetch_all(&mut *tx).await? {
                taken.insert(
                    row.try_get("email_key")?,
                    parse_uuid(row.try_get("person_id")?)?,
                );
            }
        }
        let wanted_ids: Vec<String> = drafts
            .iter()
            .filter_map(|d| d.id.as_ref().map(uuid_text))
            .collect();
        let mut taken_ids = std::collections::HashSet::new();
        for chunk in wanted_ids.chunks(500) {
            let mut sql = QueryBuilder::<Sqlite>::new("SELECT id FROM people WHERE id IN (");
            let mut list = sql.separated(", ");
            for id in chunk {
                list.push_bind(id.clone());
            }
            sql.push(")");
            for row in sql.build().fetch_all(&mut *tx).await? {
                taken_ids.insert(parse_uuid(row.try_get("id")?)?);
            }
        }

        let mut outcomes = Vec::with_capacity(drafts.len());
        let mut fresh: Vec<(Uuid, &PersonDraft)> = Vec::new();
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
            fresh.push((id, draft));
        }

        /// The JSON-encoded lists of one person row.
        struct Lists {
            phone_numbers: String,
            licenses: String,
            addresses: String,
            site_urls: String,
            sip_addresses: String,
        }
        let lists = fresh
            .iter()
            .map(|(_, d)| {
                Ok(Lists {
                    phone_numbers: serde_json::to_string(&d.phone_numbers)?,
                    licenses: serde_json::to_string(&d.licenses)?,
                    addresses: serde_json::to_string(&d.addresses)?,
                    site_urls: serde_json::to_string(&d.site_urls)?,
                    sip_addresses: serde_json::to_string(&d.sip_addresses)?,
                })
            })
            .collect::<StoreResult<Vec<Lists>>>()?;
        let rows: Vec<(&(Uuid, &PersonDraft), Lists)> = fresh.iter().zip(lists).collect();
        for chunk in rows.chunks(400) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO people (id, org_id, display_name, display_name_key, nick_name, \
                 first_name, last_name, avatar, phone_numbers, extension, location_id, licenses, \
                 department, manager, manager_id, title, addresses, site_urls, sip_addresses, \
                 xmpp_federation_jid, timezone, created, last_modified, invite_pending, \
                 login_enabled, person_type) ",
            );
            sql.push_values(chunk, |mut row, ((id, d), lists)| {
                let created = d.created.unwrap_or_else(now_millis);
                row.push_bind(uuid_text(id))
                    .push_bind(uuid_text(&d.org_id))
                    .push_bind(d.display_name.clone())
                    .push_bind(display_name_key(&d.display_name))
                    .push_bind(d.nick_name.clone())
                    .push_bind(d.first_name.clone())
                    .push_bind(d.last_name.clone())
                    .push_bind(d.avatar.clone())
                    .push_bind(lists.phone_numbers.clone())
                    .push_bind(d.extension.clone())
                    .push_bind(d.location_id.clone())
                    .push_bind(lists.licenses.clone())
                    .push_bind(d.department.clone())
                    .push_bind(d.manager.clone())
                    .push_bind(d.manager_id.as_ref().map(uuid_text))
                    .push_bind(d.title.clone())
                    .push_bind(lists.addresses.clone())
                    .push_bind(lists.site_urls.clone())
                    .push_bind(lists.sip_addresses.clone())
                    .push_bind(d.xmpp_federation_jid.clone())
                    .push_bind(d.timezone.clone())
                    .push_bind(created)
                    .push_bind(created)
                    .push_bind(d.invite_pending)
                    .push_bind(d.login_enabled)
                    .push_bind(d.person_type.as_str());
            });
            sql.build().execute(&mut *tx).await?;
        }
        let emails: Vec<(String, String, i64, String)> = fresh
            .iter()
            .flat_map(|(id, d)| {
                d.emails.iter().enumerate().map(move |(position, email)| {
                    (
                        email_key(email),
                        uuid_text(id),
                        position as i64,
                        email.trim().to_string(),
                    )
                })
            })
            .collect();
        for chunk in emails.chunks(2000) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO person_emails (email_key, person_id, position, email) ",
            );
            sql.push_values(chunk, |mut row, (key, id, position, email)| {
                row.push_bind(key.clone())
                    .push_bind(id.clone())
                    .push_bind(*position)
                    .push_bind(email.clone());
            });
            sql.build().execute(&mut *tx).await?;
        }
        let roles: Vec<(String, String)> = fresh
            .iter()
            .flat_map(|(id, d)| d.roles.iter().map(move |r| (uuid_text(id), r.clone())))
            .collect();
        for chunk in roles.chunks(2000) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO person_roles (person_id, role_id) ",
            );
            sql.push_values(chunk, |mut row, (id, role)| {
                row.push_bind(id.clone()).push_bind(role.clone());
            });
            sql.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// The careful path of a bulk import: each row alone in a savepoint, so a row that
    /// breaks a rule is rejected without its neighbours.
    async fn import_batch_row_by_row(
        &self,
        drafts: &[PersonDraft],
    ) -> StoreResult<Vec<ImportOutcome>> {
        let mut outcomes = Vec::with_capacity(drafts.len());
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for draft in drafts {
            let existing: Option<String> = match draft.emails.first() {
                Some(email) => {
                    sqlx::query_scalar("SELECT person_id FROM person_emails WHERE email_key = ?")
                        .bind(email_key(email))
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            let existing = match (existing, draft.id) {
                (Some(id), _) => Some(id),
                (None, Some(id)) => {
                    sqlx::query_scalar("SELECT id FROM people WHERE id = ?")
                        .bind(uuid_text(&id))
                        .fetch_optional(&mut *tx)
                        .await?
                }
                (None, None) => None,
            };
            if let Some(existing) = existing {
                outcomes.push(ImportOutcome::Existing(parse_uuid(&existing)?));
                continue;
            }
            let id = draft.id.unwrap_or_else(new_person_id);
            sqlx::query("SAVEPOINT import_row")
                .execute(&mut *tx)
                .await?;
            match Self::insert_person(&mut tx, id, draft).await {
                Ok(()) => {
                    sqlx::query("RELEASE import_row").execute(&mut *tx).await?;
                    outcomes.push(ImportOutcome::Created(id));
                }
                Err(StoreError::Conflict(reason)) | Err(StoreError::Invalid(reason)) => {
                    sqlx::query("ROLLBACK TO import_row")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("RELEASE import_row").execute(&mut *tx).await?;
                    outcomes.push(ImportOutcome::Rejected(reason));
                }
                Err(other) => return Err(other),
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Inserts a new person with its emails and roles inside `tx`.
    async fn insert_person(
        tx: &mut Transaction<'_, Sqlite>,
        id: Uuid,
        draft: &PersonDraft,
    ) -> StoreResult<()> {
        let id_text = uuid_text(&id);
        let created = draft.created.unwrap_or_else(now_millis);
        sqlx::query(
            "INSERT INTO people (id, org_id, display_name, display_name_key, nick_name, first_name, \
             last_name, avatar, phone_numbers, extension, location_id, licenses, department, manager, \
             manager_id, title, addresses, site_urls, sip_addresses, xmpp_federation_jid, timezone, \
             created, last_modified, invite_pending, login_enabled, person_type) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id_text)
        .bind(uuid_text(&draft.org_id))
        .bind(&draft.display_name)
        .bind(display_name_key(&draft.display_name))
        .bind(&draft.nick_name)
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(&draft.avatar)
        .bind(serde_json::to_string(&draft.phone_numbers)?)
        .bind(&draft.extension)
        .bind(&draft.location_id)
        .bind(serde_json::to_string(&draft.licenses)?)
        .bind(&draft.department)
        .bind(&draft.manager)
        .bind(draft.manager_id.as_ref().map(uuid_text))
        .bind(&draft.title)
        .bind(serde_json::to_string(&draft.addresses)?)
        .bind(serde_json::to_string(&draft.site_urls)?)
        .bind(serde_json::to_string(&draft.sip_addresses)?)
        .bind(&draft.xmpp_federation_jid)
        .bind(&draft.timezone)
        .bind(created)
        .bind(created)
        .bind(draft.invite_pending)
        .bind(draft.login_enabled)
        .bind(draft.person_type.as_str())
        .execute(&mut **tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("A person with id {id} exists.")),
            other => other,
        })?;
        Self::write_person_lists(tx, &id_text, draft).await
    }

    async fn write_person_lists(
        tx: &mut Transaction<'_, Sqlite>,
        id: &str,
        draft: &PersonDraft,
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM person_emails WHERE person_id = ?")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        for (position, email) in draft.emails.iter().enumerate() {
            let inserted = sqlx::query(
                "INSERT INTO person_emails (email_key, person_id, position, email) VALUES (?, ?, ?, ?)",
            )
            .bind(email_key(email))
            .bind(id)
            .bind(position as i64)
            .bind(email.trim())
            .execute(&mut **tx)
            .await;
            if let Err(e) = inserted {
                return Err(match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!(
                        "The email '{}' is already in use.",
                        email.trim()
                    )),
                    other => other,
                });
            }
        }
        sqlx::query("DELETE FROM person_roles WHERE person_id = ?")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        for role in &draft.roles {
            sqlx::query("INSERT OR IGNORE INTO person_roles (person_id, role_id) VALUES (?, ?)")
                .bind(id)
                .bind(role)
                .execute(&mut **tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Invalid(_) => {
                        StoreError::Invalid(format!("Unknown role '{role}'."))
                    }
                    other => other,
                })?;
        }
        Ok(())
    }

    async fn note_change(
        tx: &mut Transaction<'_, Sqlite>,
        topic: ChangeTopic,
        key: &str,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO changes (topic, key, at) VALUES (?, ?, ?)")
            .bind(topic.as_str())
            .bind(key)
            .bind(now_millis())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
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

/// New people get time-ordered (version 7) UUIDs, so the id index grows at its end instead
/// of at random places: much faster bulk imports, same wire format.
pub(crate) fn new_person_id() -> Uuid {
    Uuid::now_v7()
}

fn uuid_text(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

fn parse_uuid(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Database(format!("stored id '{text}': {e}")))
}

fn json_list<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<Vec<T>> {
    Ok(serde_json::from_str(text)?)
}

fn person_from_row(row: &SqliteRow) -> StoreResult<PersonRecord> {
    let presence: Option<String> = row.try_get("presence")?;
    let person_type: String = row.try_get("person_type")?;
    let manager_id: Option<String> = row.try_get("manager_id")?;
    Ok(PersonRecord {
        id: parse_uuid(row.try_get("id")?)?,
        seq: row.try_get("seq")?,
        org_id: parse_uuid(row.try_get("org_id")?)?,
        emails: json_list(row.try_get("emails_json")?)?,
        phone_numbers: json_list(row.try_get("phone_numbers")?)?,
        extension: row.try_get("extension")?,
        location_id: row.try_get("location_id")?,
        display_name: row.try_get("display_name")?,
        nick_name: row.try_get("nick_name")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        avatar: row.try_get("avatar")?,
        roles: json_list(row.try_get("roles_json")?)?,
        licenses: json_list(row.try_get("licenses")?)?,
        department: row.try_get("department")?,
        manager: row.try_get("manager")?,
        manager_id: manager_id.as_deref().map(parse_uuid).transpose()?,
        title: row.try_get("title")?,
        addresses: json_list(row.try_get("addresses")?)?,
        site_urls: json_list(row.try_get("site_urls")?)?,
        sip_addresses: json_list(row.try_get("sip_addresses")?)?,
        xmpp_federation_jid: row.try_get("xmpp_federation_jid")?,
        timezone: row.try_get("timezone")?,
        created: row.try_get("created")?,
        last_modified: row.try_get("last_modified")?,
        last_activity: row.try_get("last_activity")?,
        presence: presence.as_deref().and_then(PresenceStatus::parse),
        presence_until: row.try_get("presence_until")?,
        status_sharing: row.try_get("status_sharing")?,
        invite_pending: row.try_get("invite_pending")?,
        login_enabled: row.try_get("login_enabled")?,
        person_type: PersonType::parse(&person_type).unwrap_or_default(),
    })
}

fn org_from_row(row: &SqliteRow) -> StoreResult<OrgRecord> {
    Ok(OrgRecord {
        id: parse_uuid(row.try_get("id")?)?,
        display_name: row.try_get("display_name")?,
        created: row.try_get("created")?,
    })
}

fn token_from_row(row: &SqliteRow) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        label: row.try_get("label")?,
        created: row.try_get("created")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn license_from_row(row: &SqliteRow) -> StoreResult<LicenseRecord> {
    Ok(LicenseRecord {
        id: row.try_get("id")?,
        org_id: parse_uuid(row.try_get("org_id")?)?,
        name: row.try_get("name")?,
        total_units: row.try_get("total_units")?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn is_initialized(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT EXISTS (SELECT 1 FROM orgs) AS present")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<bool, _>("present")?)
    }

    async fn create_org(&self, id: Option<Uuid>, display_name: &str) -> StoreResult<OrgRecord> {
        let org = OrgRecord {
            id: id.unwrap_or_else(Uuid::new_v4),
            display_name: display_name.to_string(),
            created: now_millis(),
        };
        sqlx::query("INSERT INTO orgs (id, display_name, created) VALUES (?, ?, ?)")
            .bind(uuid_text(&org.id))
            .bind(&org.display_name)
            .bind(org.created)
            .execute(&self.pool)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("An organization with id {} exists.", org.id))
                }
                other => other,
            })?;
        Ok(org)
    }

    async fn get_org(&self, id: Uuid) -> StoreResult<Option<OrgRecord>> {
        let row = sqlx::query("SELECT * FROM orgs WHERE id = ?")
            .bind(uuid_text(&id))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| org_from_row(&r)).transpose()
    }

    async fn list_orgs(&self) -> StoreResult<Vec<OrgRecord>> {
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY created, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    async fn add_managed_org(&self, partner: Uuid, customer: Uuid) -> StoreResult<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT OR IGNORE INTO org_management (partner_org_id, customer_org_id) VALUES (?, ?)",
        )
        .bind(uuid_text(&partner))
        .bind(uuid_text(&customer))
        .execute(&mut *tx)
        .await?;
        Self::note_change(&mut tx, ChangeTopic::Org, &uuid_text(&partner)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_managed_org(&self, partner: Uuid, customer: Uuid) -> StoreResult<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "DELETE FROM org_management WHERE partner_org_id = ? AND customer_org_id = ?",
        )
        .bind(uuid_text(&partner))
        .bind(uuid_text(&customer))
        .execute(&mut *tx)
        .await?;
        Self::note_change(&mut tx, ChangeTopic::Org, &uuid_text(&partner)).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn managed_orgs(&self, partner: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query(
            "SELECT customer_org_id FROM org_management WHERE partner_org_id = ? ORDER BY 1",
        )
        .bind(uuid_text(&partner))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| parse_uuid(r.try_get("customer_org_id")?))
            .collect()
    }

    async fn create_location(
        &self,
        org: Uuid,
        id: Option<String>,
        name: &str,
    ) -> StoreResult<LocationRecord> {
        let location = LocationRecord {
            id: id.unwrap_or_else(|| uuid_text(&Uuid::new_v4())),
            org_id: org,
            name: name.to_string(),
        };
        sqlx::query("INSERT INTO locations (id, org_id, name) VALUES (?, ?, ?)")
            .bind(&location.id)
            .bind(uuid_text(&org))
            .bind(&location.name)
            .execute(&self.pool)
            .await?;
        Ok(location)
    }

    async fn get_location(&self, id: &str) -> StoreResult<Option<LocationRecord>> {
        let row = sqlx::query("SELECT * FROM locations WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(LocationRecord {
                id: r.try_get("id")?,
                org_id: parse_uuid(r.try_get("org_id")?)?,
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }

    async fn create_license(
        &self,
        org: Uuid,
        id: Option<String>,
        name: &str,
        total_units: i64,
    ) -> StoreResult<LicenseRecord> {
        let license = LicenseRecord {
            id: id.unwrap_or_else(|| {
                let code: String = name
                    .split_whitespace()
                    .filter_map(|w| w.chars().next())
                    .map(|c| c.to_ascii_uppercase())
                    .collect();
                format!(
                    "{}:{}_{}",
                    uuid_text(&org),
                    code,
                    uuid_text(&Uuid::new_v4())
                )
            }),
            org_id: org,
            name: name.to_string(),
            total_units,
        };
        sqlx::query("INSERT INTO licenses (id, org_id, name, total_units) VALUES (?, ?, ?, ?)")
            .bind(&license.id)
            .bind(uuid_text(&org))
            .bind(&license.name)
            .bind(total_units)
            .execute(&self.pool)
            .await?;
        Ok(license)
    }

    async fn list_licenses(&self, org: Uuid) -> StoreResult<Vec<LicenseRecord>> {
        let rows = sqlx::query("SELECT * FROM licenses WHERE org_id = ? ORDER BY name, id")
            .bind(uuid_text(&org))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(license_from_row).collect()
    }

    async fn list_locations(&self, org: Uuid) -> StoreResult<Vec<LocationRecord>> {
        let rows = sqlx::query("SELECT * FROM locations WHERE org_id = ? ORDER BY name, id")
            .bind(uuid_text(&org))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(LocationRecord {
                    id: r.try_get("id")?,
                    org_id: parse_uuid(r.try_get("org_id")?)?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    async fn role_exists(&self, role: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT EXISTS (SELECT 1 FROM roles WHERE id = ?) AS present")
            .bind(role)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<bool, _>("present")?)
    }

    async fn create_person(&self, draft: PersonDraft) -> StoreResult<PersonRecord> {
        let id = draft.id.unwrap_or_else(new_person_id);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Self::insert_person(&mut tx, id, &draft).await?;
        tx.commit().await?;
        self.get_person(id).await?.ok_or(StoreError::NotFound)
    }

    async fn import_people(&self, drafts: &[PersonDraft]) -> StoreResult<Vec<ImportOutcome>> {
        // Fast path: the whole batch in one transaction. Rows are checked for taken emails
        // and ids first, so a rule broken at insert time is rare; when it happens the batch
        // is rolled back and written again row by row, each row alone in a savepoint.
        match self.import_batch_fast(drafts).await {
            Err(StoreError::Conflict(_)) | Err(StoreError::Invalid(_)) => {
                self.import_batch_row_by_row(drafts).await
            }
            other => other,
        }
    }

    async fn get_person(&self, id: Uuid) -> StoreResult<Option<PersonRecord>> {
        self.person_by("p.id = ?", &uuid_text(&id)).await
    }

    async fn get_people(&self, ids: &[Uuid]) -> StoreResult<Vec<PersonRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = QueryBuilder::<Sqlite>::new(PERSON_SELECT);
        sql.push(" WHERE p.id IN (");
        let mut list = sql.separated(", ");
        for id in ids {
            list.push_bind(uuid_text(id));
        }
        sql.push(") ORDER BY p.seq");
        let rows = sql.build().fetch_all(&self.pool).await?;
        rows.iter().map(person_from_row).collect()
    }

    async fn find_person_by_email(&self, email: &str) -> StoreResult<Option<PersonRecord>> {
        self.person_by(
            "p.id = (SELECT person_id FROM person_emails WHERE email_key = ?)",
            &email_key(email),
        )
        .await
    }

    async fn replace_person(&self, id: Uuid, draft: PersonDraft) -> StoreResult<PersonRecord> {
        let id_text = uuid_text(&id);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let previous: Option<i64> =
            sqlx::query_scalar("SELECT last_modified FROM people WHERE id = ?")
                .bind(&id_text)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(previous) = previous else {
            return Err(StoreError::NotFound);
        };
        // Strictly after the previous value, even within one millisecond.
        let modified = now_millis().max(previous + 1);
        sqlx::query(
            "UPDATE people SET org_id = ?, display_name = ?, display_name_key = ?, nick_name = ?, \
             first_name = ?, last_name = ?, avatar = ?, phone_numbers = ?, extension = ?, \
             location_id = ?, licenses = ?, department = ?, manager = ?, manager_id = ?, title = ?, \
             addresses = ?, site_urls = ?, sip_addresses = ?, xmpp_federation_jid = ?, timezone = ?, \
             last_modified = ?, login_enabled = ?, person_type = ? WHERE id = ?",
        )
        .bind(uuid_text(&draft.org_id))
        .bind(&draft.display_name)
        .bind(display_name_key(&draft.display_name))
        .bind(&draft.nick_name)
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(&draft.avatar)
        .bind(serde_json::to_string(&draft.phone_numbers)?)
        .bind(&draft.extension)
        .bind(&draft.location_id)
        .bind(serde_json::to_string(&draft.licenses)?)
        .bind(&draft.department)
        .bind(&draft.manager)
        .bind(draft.manager_id.as_ref().map(uuid_text))
        .bind(&draft.title)
        .bind(serde_json::to_string(&draft.addresses)?)
        .bind(serde_json::to_string(&draft.site_urls)?)
        .bind(serde_json::to_string(&draft.sip_addresses)?)
        .bind(&draft.xmpp_federation_jid)
        .bind(&draft.timezone)
        .bind(modified)
        .bind(draft.login_enabled)
        .bind(draft.person_type.as_str())
        .bind(&id_text)
        .execute(&mut *tx)
        .await?;
        Self::write_person_lists(&mut tx, &id_text, &draft).await?;
        Self::note_change(&mut tx, ChangeTopic::Person, &id_text).await?;
        tx.commit().await?;
        self.get_person(id).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_person(&self, id: Uuid) -> StoreResult<bool> {
        let id_text = uuid_text(&id);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("DELETE FROM people WHERE id = ?")
            .bind(&id_text)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() > 0 {
            Self::note_change(&mut tx, ChangeTopic::Person, &id_text).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_people(&self, query: &PeopleQuery) -> StoreResult<Vec<PersonRecord>> {
        if query.org_ids.is_empty() || query.limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = QueryBuilder::<Sqlite>::new(PERSON_SELECT);
        sql.push(" WHERE p.org_id IN (");
        let mut orgs = sql.separated(", ");
        for org in &query.org_ids {
            orgs.push_bind(uuid_text(org));
        }
        sql.push(")");
        if let Some(email) = &query.email {
            sql.push(" AND p.id = (SELECT person_id FROM person_emails WHERE email_key = ")
                .push_bind(email_key(email))
                .push(")");
        }
        if let Some(prefix) = &query.display_name_prefix {
            // A range on the key rather than LIKE, so the index serves it and '%' or '_' in
            // the prefix mean themselves.
            let low = display_name_key(prefix);
            sql.push(" AND p.display_name_key >= ")
                .push_bind(low.clone());
            sql.push(" AND p.display_name_key < ")
                .push_bind(format!("{low}\u{10FFFF}"));
        }
        if let Some(ids) = &query.ids {
            sql.push(" AND p.id IN (");
            let mut list = sql.separated(", ");
            for id in ids {
                list.push_bind(uuid_text(id));
            }
            list.push_unseparated(")");
        }
        if !query.roles.is_empty() {
            sql.push(" AND EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role_id IN (");
            let mut list = sql.separated(", ");
            for role in &query.roles {
                list.push_bind(role.clone());
            }
            sql.push("))");
        }
        if let Some(location) = &query.location_id {
            sql.push(" AND p.location_id = ")
                .push_bind(location.clone());
        }
        let by_name = query.orders_by_name();
        if let Some(after) = &query.after {
            match (&after.name_key, by_name) {
                (Some(key), true) => {
                    sql.push(" AND (p.display_name_key > ")
                        .push_bind(key.clone())
                        .push(" OR (p.display_name_key = ")
                        .push_bind(key.clone())
                        .push(" AND p.seq > ")
                        .push_bind(after.seq)
                        .push("))");
                }
                _ => {
                    sql.push(" AND p.seq > ").push_bind(after.seq);
                }
            }
        }
        if by_name {
            sql.push(" ORDER BY p.display_name_key, p.seq");
        } else {
            sql.push(" ORDER BY p.seq");
        }
        sql.push(" LIMIT ").push_bind(query.limit as i64);
        let rows = sql.build().fetch_all(&self.pool).await?;
        rows.iter().map(person_from_row).collect()
    }

    async fn count_people(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM people")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn record_activity(&self, batch: &[(Uuid, i64)]) -> StoreResult<u64> {
        if batch.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut updated = 0;
        for (id, at) in batch {
            let done = sqlx::query(
                "UPDATE people SET last_activity = MAX(COALESCE(last_activity, 0), ?), \
                 invite_pending = 0 WHERE id = ?",
            )
            .bind(at)
            .bind(uuid_text(id))
            .execute(&mut *tx)
            .await?;
            updated += done.rows_affected();
        }
        tx.commit().await?;
        Ok(updated)
    }

    async fn set_presence(&self, id: Uuid, presence: PresenceSetting) -> StoreResult<bool> {
        let id_text = uuid_text(&id);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("UPDATE people SET presence = ?, presence_until = ? WHERE id = ?")
            .bind(presence.state.map(|s| s.as_str()))
            .bind(presence.until)
            .bind(&id_text)
            .execute(&mut *tx)
            .await?;
        Self::note_change(&mut tx, ChangeTopic::Person, &id_text).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_status_sharing(&self, id: Uuid, enabled: bool) -> StoreResult<bool> {
        let id_text = uuid_text(&id);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("UPDATE people SET status_sharing = ? WHERE id = ?")
            .bind(enabled)
            .bind(&id_text)
            .execute(&mut *tx)
            .await?;
        Self::note_change(&mut tx, ChangeTopic::Person, &id_text).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_token(
        &self,
        person: Uuid,
        token_hash: &str,
        label: Option<&str>,
        expires_at: Option<i64>,
    ) -> StoreResult<TokenRecord> {
        let token = TokenRecord {
            id: Uuid::new_v4(),
            person_id: person,
            label: label.map(str::to_string),
            created: now_millis(),
            expires_at,
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO tokens (id, person_id, token_hash, label, created, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid_text(&token.id))
        .bind(uuid_text(&person))
        .bind(token_hash)
        .bind(&token.label)
        .bind(token.created)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    async fn find_token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let row = sqlx::query("SELECT * FROM tokens WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| token_from_row(&r)).transpose()
    }

    async fn list_tokens(&self, person: Option<Uuid>) -> StoreResult<Vec<TokenRecord>> {
        let rows = match person {
            Some(p) => {
                sqlx::query("SELECT * FROM tokens WHERE person_id = ? ORDER BY created, id")
                    .bind(uuid_text(&p))
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM tokens ORDER BY created, id")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, id: Uuid) -> StoreResult<bool> {
        let id_text = uuid_text(&id);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let hash: Option<String> = sqlx::query_scalar(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING token_hash",
        )
        .bind(now_millis())
        .bind(&id_text)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(hash) = &hash {
            Self::note_change(&mut tx, ChangeTopic::Token, hash).await?;
        }
        tx.commit().await?;
        Ok(hash.is_some())
    }

    async fn export_tokens(&self) -> StoreResult<Vec<(TokenRecord, String)>> {
        let rows = sqlx::query("SELECT * FROM tokens ORDER BY created, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((token_from_row(r)?, r.try_get("token_hash")?)))
            .collect()
    }

    async fn restore_people(&self, people: &[PersonRecord]) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut written = 0;
        for p in people {
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM people WHERE id = ?")
                .bind(uuid_text(&p.id))
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                continue;
            }
            let draft = p.to_draft();
            Self::insert_person(&mut tx, p.id, &draft).await?;
            sqlx::query(
                "UPDATE people SET last_modified = ?, last_activity = ?, presence = ?, \
                 presence_until = ?, status_sharing = ? WHERE id = ?",
            )
            .bind(p.last_modified)
            .bind(p.last_activity)
            .bind(p.presence.map(|s| s.as_str()))
            .bind(p.presence_until)
            .bind(p.status_sharing)
            .bind(uuid_text(&p.id))
            .execute(&mut *tx)
            .await?;
            written += 1;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn restore_tokens(&self, tokens: &[(TokenRecord, String)]) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut written = 0;
        for (t, hash) in tokens {
            let done = sqlx::query(
                "INSERT OR IGNORE INTO tokens (id, person_id, token_hash, label, created, \
                 expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(uuid_text(&t.id))
            .bind(uuid_text(&t.person_id))
            .bind(hash)
            .bind(&t.label)
            .bind(t.created)
            .bind(t.expires_at)
            .bind(t.revoked_at)
            .execute(&mut *tx)
            .await?;
            written += done.rows_affected();
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn changes_since(&self, since: i64, limit: i64) -> StoreResult<Vec<ChangeRecord>> {
        let rows =
            sqlx::query("SELECT seq, topic, key FROM changes WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            let topic: String = row.try_get("topic")?;
            if let Some(topic) = ChangeTopic::parse(&topic) {
                changes.push(ChangeRecord {
                    seq: row.try_get("seq")?,
                    topic,
                    key: row.try_get("key")?,
                });
            }
        }
        Ok(changes)
    }

    async fn latest_change(&self) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn prune_changes(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM changes WHERE at < ?")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    fn pool_stats(&self) -> crate::PoolStats {
        crate::PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

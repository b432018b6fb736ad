//! The one implementation of [`Store`] for both backends.
//!
//! Every statement is written once, with `?` placeholders, and runs on SQLite or PostgreSQL
//! through [`Db`]. What differs between the two is named in `dialect.rs`; how each is
//! opened (connection options, migrations) is in `sqlite.rs` and `postgres.rs`.
//!
//! - `query.rs`: a statement's text and values, and a builder for statements made piece by
//!   piece;
//! - `db.rs`: the pool of either backend, transactions, and the one place statements are
//!   handed to sqlx;
//! - `rows.rs`: `#[derive(sqlx::FromRow)]` row types and their conversion into records;
//! - `people.rs`: the person column list, inserts of one or many people, the page query;
//! - `oauth.rs`: integrations, codes, grants, sessions and the rest of [`crate::OAuthStore`];
//! - `oidc.rs`: the signing keys of OpenID Connect;
//! - `scim.rs`: SCIM users and groups, and SCIM filters compiled to SQL;
//! - `catalog.rs`: the directory's tables and columns, read from the database's catalog;
//! - `snapshots.rs`: copies of every table, found in the catalog, and their restores;
//! - `copy.rs`: pages of any table as text, for copies between deployments.

mod catalog;
mod copy;
mod db;
mod dialect;
mod oauth;
mod oidc;
mod people;
mod query;
mod rows;
mod scim;
mod snapshots;
mod writer;

pub(crate) use db::Connect;
use db::Db;
pub(crate) use people::new_person_id;

use crate::records::*;
use crate::{PoolStats, Store, StoreError, StoreOptions, StoreResult};
use async_trait::async_trait;
use people::NewPerson;
use query::{uuid_text, Query, Value};
use roster_types::time::Clock;
use rows::{parse_uuid, ChangeRow, LicenseRow, LocationRow, OrgRow, PersonRow, TokenRow};
use uuid::Uuid;

pub struct SqlStore {
    db: Db,
    /// `people::person_select` in this backend's dialect.
    person_select: String,
}

impl SqlStore {
    /// Connects to a backend and brings its schema up to date.
    pub(crate) async fn open(connect: Connect, options: &StoreOptions) -> StoreResult<SqlStore> {
        let db = Db::open(connect, options).await?;
        let person_select = people::person_select(db.dialect());
        Ok(SqlStore { db, person_select })
    }

    /// People matching `condition` (a `WHERE` clause about `p`) with its values bound.
    fn person_query(&self, condition: &str) -> Query {
        Query::new(format!("{} WHERE {condition}", self.person_select))
    }

    /// Runs an `UPDATE` of one person and notes the change, in one transaction; whether the
    /// person existed.
    async fn update_person(&self, id: Uuid, update: Query) -> StoreResult<bool> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let updated = tx.execute(&update).await? > 0;
                    people::note_change(tx, ChangeTopic::Person, &uuid_text(&id)).await?;
                    Ok(updated)
                })
            })
            .await
    }

    /// Runs one statement as a write; the number of rows it changed.
    async fn write_statement(&self, statement: Query) -> StoreResult<u64> {
        self.db
            .write(move |tx| Box::pin(async move { tx.execute(&statement).await }))
            .await
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.db.dialect().name
    }

    fn clock(&self) -> &Clock {
        self.db.clock()
    }

    async fn is_initialized(&self) -> StoreResult<bool> {
        let (present,) = self
            .db
            .fetch_one::<(bool,)>(&Query::new("SELECT EXISTS (SELECT 1 FROM orgs)"))
            .await?;
        Ok(present)
    }

    async fn create_org(&self, id: Option<Uuid>, display_name: &str) -> StoreResult<OrgRecord> {
        let org = OrgRecord {
            id: id.unwrap_or_else(Uuid::new_v4),
            display_name: display_name.to_string(),
            created: self.clock().now_millis(),
        };
        let sql = Query::new("INSERT INTO orgs (id, display_name, created) VALUES (?, ?, ?)")
            .bind(org.id)
            .bind(&org.display_name)
            .bind(org.created);
        self.write_statement(sql).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("An organization with id {} exists.", org.id))
            }
            other => other,
        })?;
        Ok(org)
    }

    async fn get_org(&self, id: Uuid) -> StoreResult<Option<OrgRecord>> {
        let sql = Query::new("SELECT * FROM orgs WHERE id = ?").bind(id);
        self.db.record::<OrgRow, OrgRecord>(&sql).await
    }

    async fn list_orgs(&self) -> StoreResult<Vec<OrgRecord>> {
        let sql = Query::new("SELECT * FROM orgs ORDER BY created, id");
        self.db.records::<OrgRow, _>(&sql).await
    }

    async fn add_managed_org(&self, partner: Uuid, customer: Uuid) -> StoreResult<()> {
        let sql = Query::new(
            "INSERT INTO org_management (partner_org_id, customer_org_id) VALUES (?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(partner)
        .bind(customer);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(&sql).await?;
                    people::note_change(tx, ChangeTopic::Org, &uuid_text(&partner)).await
                })
            })
            .await
    }

    async fn remove_managed_org(&self, partner: Uuid, customer: Uuid) -> StoreResult<bool> {
        let sql = Query::new(
            "DELETE FROM org_management WHERE partner_org_id = ? AND customer_org_id = ?",
        )
        .bind(partner)
        .bind(customer);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let removed = tx.execute(&sql).await? > 0;
                    people::note_change(tx, ChangeTopic::Org, &uuid_text(&partner)).await?;
                    Ok(removed)
                })
            })
            .await
    }

    async fn managed_orgs(&self, partner: Uuid) -> StoreResult<Vec<Uuid>> {
        let sql = Query::new(
            "SELECT customer_org_id FROM org_management WHERE partner_org_id = ? ORDER BY 1",
        )
        .bind(partner);
        self.db
            .fetch_all::<(String,)>(&sql)
            .await?
            .iter()
            .map(|(id,)| parse_uuid(id))
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
        let sql = Query::new("INSERT INTO locations (id, org_id, name) VALUES (?, ?, ?)")
            .bind(&location.id)
            .bind(org)
            .bind(&location.name);
        self.write_statement(sql).await?;
        Ok(location)
    }

    async fn get_location(&self, id: &str) -> StoreResult<Option<LocationRecord>> {
        let sql = Query::new("SELECT * FROM locations WHERE id = ?").bind(id);
        self.db.record::<LocationRow, LocationRecord>(&sql).await
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
        let sql =
            Query::new("INSERT INTO licenses (id, org_id, name, total_units) VALUES (?, ?, ?, ?)")
                .bind(&license.id)
                .bind(org)
                .bind(&license.name)
                .bind(total_units);
        self.write_statement(sql).await?;
        Ok(license)
    }

    async fn list_licenses(&self, org: Uuid) -> StoreResult<Vec<LicenseRecord>> {
        let sql = Query::new("SELECT * FROM licenses WHERE org_id = ? ORDER BY name, id").bind(org);
        self.db.records::<LicenseRow, _>(&sql).await
    }

    async fn list_locations(&self, org: Uuid) -> StoreResult<Vec<LocationRecord>> {
        let sql =
            Query::new("SELECT * FROM locations WHERE org_id = ? ORDER BY name, id").bind(org);
        self.db.records::<LocationRow, _>(&sql).await
    }

    async fn role_exists(&self, role: &str) -> StoreResult<bool> {
        let sql = Query::new("SELECT EXISTS (SELECT 1 FROM roles WHERE id = ?)").bind(role);
        Ok(self.db.fetch_one::<(bool,)>(&sql).await?.0)
    }

    async fn create_person(&self, draft: PersonDraft) -> StoreResult<PersonRecord> {
        let id = draft.id.unwrap_or_else(new_person_id);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now();
                    people::insert_person(tx, &NewPerson::fresh(id, &draft, now)).await
                })
            })
            .await
    }

    async fn import_people(&self, drafts: &[PersonDraft]) -> StoreResult<Vec<ImportOutcome>> {
        // Fast path: the whole batch in one transaction. Rows are checked for taken emails
        // and ids first, so a rule broken at insert time is rare; when it happens the batch
        // is rolled back and written again row by row, each row alone in a savepoint.
        let mut tx = self.db.begin_write().await?;
        match people::import_batch(&mut tx, drafts).await {
            Ok(outcomes) => {
                tx.commit().await?;
                Ok(outcomes)
            }
            Err(StoreError::Conflict(_)) | Err(StoreError::Invalid(_)) => {
                drop(tx);
                let mut tx = self.db.begin_write().await?;
                let outcomes = people::import_row_by_row(&mut tx, drafts).await?;
                tx.commit().await?;
                Ok(outcomes)
            }
            Err(other) => Err(other),
        }
    }

    async fn get_person(&self, id: Uuid) -> StoreResult<Option<PersonRecord>> {
        let sql = self.person_query("p.id = ?").bind(id);
        self.db.record::<PersonRow, _>(&sql).await
    }

    async fn get_people(&self, ids: &[Uuid]) -> StoreResult<Vec<PersonRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(uuid_text).collect();
        let condition = format!(
            "{} ORDER BY p.seq",
            self.db.dialect().in_json_list("p.id", "?")
        );
        let sql = self
            .person_query(&condition)
            .bind(serde_json::to_string(&ids)?);
        self.db.records::<PersonRow, _>(&sql).await
    }

    async fn find_person_by_email(&self, email: &str) -> StoreResult<Option<PersonRecord>> {
        let sql = self
            .person_query("p.id = (SELECT person_id FROM person_emails WHERE email_key = ?)")
            .bind(email_key(email));
        self.db.record::<PersonRow, _>(&sql).await
    }

    async fn replace_person(&self, id: Uuid, draft: PersonDraft) -> StoreResult<PersonRecord> {
        let dialect = self.db.dialect();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let replace = people::replace_statement(dialect, id, &draft, tx.now())?;
                    // `last_modified` moves strictly forward, even within one millisecond and
                    // between concurrent writers: the UPDATE computes it under the row's lock.
                    if tx.execute(&replace).await? == 0 {
                        return Err(StoreError::NotFound);
                    }
                    people::replace_person_lists(tx, id, &draft).await?;
                    people::note_change(tx, ChangeTopic::Person, &uuid_text(&id)).await
                })
            })
            .await?;
        self.get_person(id).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_person(&self, id: Uuid) -> StoreResult<bool> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let sql = Query::new("DELETE FROM people WHERE id = ?").bind(id);
                    let deleted = tx.execute(&sql).await? > 0;
                    if deleted {
                        people::note_change(tx, ChangeTopic::Person, &uuid_text(&id)).await?;
                    }
                    Ok(deleted)
                })
            })
            .await
    }

    async fn list_people(&self, query: &PeopleQuery) -> StoreResult<Vec<PersonRecord>> {
        if query.matches_nobody() {
            return Ok(Vec::new());
        }
        let sql = people::page_statement(&self.person_select, query);
        self.db.records::<PersonRow, _>(&sql).await
    }

    async fn list_person_versions(&self, query: &PeopleQuery) -> StoreResult<Vec<PersonVersion>> {
        if query.matches_nobody() {
            return Ok(Vec::new());
        }
        let sql = people::versions_statement(self.db.dialect(), query);
        let (pairs,) = self.db.fetch_one::<(String,)>(&sql).await?;
        people::parse_versions(&pairs)
    }

    async fn count_people(&self) -> StoreResult<i64> {
        let sql = Query::new("SELECT COUNT(*) FROM people");
        Ok(self.db.fetch_one::<(i64,)>(&sql).await?.0)
    }

    async fn record_activity(&self, batch: &[(Uuid, i64)]) -> StoreResult<u64> {
        if batch.is_empty() {
            return Ok(0);
        }
        let greatest = self.db.dialect().greatest;
        let statement = format!(
            "UPDATE people SET last_activity = {greatest}(COALESCE(last_activity, 0), ?), \
             invite_pending = FALSE WHERE id = ?"
        );
        let mut tx = self.db.begin_write().await?;
        let mut updated = 0;
        for (id, at) in batch {
            updated += tx
                .execute(&Query::new(statement.as_str()).bind(*at).bind(*id))
                .await?;
        }
        tx.commit().await?;
        Ok(updated)
    }

    async fn set_presence(&self, id: Uuid, presence: PresenceSetting) -> StoreResult<bool> {
        let sql = Query::new("UPDATE people SET presence = ?, presence_until = ? WHERE id = ?")
            .bind(presence.state.map(|s| s.as_str()))
            .bind(presence.until)
            .bind(id);
        self.update_person(id, sql).await
    }

    async fn set_status_sharing(&self, id: Uuid, enabled: bool) -> StoreResult<bool> {
        let sql = Query::new("UPDATE people SET status_sharing = ? WHERE id = ?")
            .bind(enabled)
            .bind(id);
        self.update_person(id, sql).await
    }

    async fn create_token(
        &self,
        person: Uuid,
        token_hash: &str,
        label: Option<&str>,
        expires_at: Option<i64>,
    ) -> StoreResult<TokenRecord> {
        let token = crate::oauth::NewToken {
            person_id: person,
            token_hash: token_hash.to_string(),
            label: label.map(str::to_string),
            expires_at,
            scopes: None,
            authorization_id: None,
        };
        self.db
            .write(move |tx| Box::pin(async move { oauth::insert_token(tx, &token).await }))
            .await?
            .ok_or_else(|| StoreError::Database("a token without a grant was not stored".into()))
    }

    async fn find_token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let sql = Query::new("SELECT * FROM tokens WHERE token_hash = ?").bind(token_hash);
        self.db.record::<TokenRow, TokenRecord>(&sql).await
    }

    async fn list_tokens(&self, person: Option<Uuid>) -> StoreResult<Vec<TokenRecord>> {
        let sql = match person {
            Some(person) => {
                Query::new("SELECT * FROM tokens WHERE person_id = ? ORDER BY created, id")
                    .bind(person)
            }
            None => Query::new("SELECT * FROM tokens ORDER BY created, id"),
        };
        self.db.records::<TokenRow, _>(&sql).await
    }

    async fn revoke_token(&self, id: Uuid) -> StoreResult<bool> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let sql = Query::new(
                        "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL \
                         RETURNING token_hash",
                    )
                    .bind(tx.now())
                    .bind(id);
                    let hash = tx.fetch_optional::<(String,)>(&sql).await?;
                    if let Some((hash,)) = &hash {
                        people::note_change(tx, ChangeTopic::Token, hash).await?;
                    }
                    Ok(hash.is_some())
                })
            })
            .await
    }

    async fn export_tokens(&self) -> StoreResult<Vec<(TokenRecord, String)>> {
        let sql = Query::new("SELECT * FROM tokens ORDER BY created, id");
        self.db
            .fetch_all::<TokenRow>(&sql)
            .await?
            .into_iter()
            .map(|row| {
                let hash = row.token_hash.clone();
                Ok((TokenRecord::try_from(row)?, hash))
            })
            .collect()
    }

    async fn restore_people(&self, records: &[PersonRecord]) -> StoreResult<u64> {
        let drafts: Vec<PersonDraft> = records.iter().map(PersonRecord::to_draft).collect();
        let rows: Vec<NewPerson> = records
            .iter()
            .zip(&drafts)
            .map(|(record, draft)| NewPerson::copy(record, draft))
            .collect();
        let mut tx = self.db.begin_write().await?;
        let written = people::insert_missing_people(&mut tx, &rows).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn restore_tokens(&self, tokens: &[(TokenRecord, String)]) -> StoreResult<u64> {
        let mut tx = self.db.begin_write().await?;
        let mut written = 0;
        for chunk in tokens.chunks(1000) {
            let mut sql = Query::new(
                "INSERT INTO tokens (id, person_id, token_hash, label, created, expires_at, \
                 revoked_at, scopes, authorization_id) VALUES ",
            );
            sql.push_rows(chunk.iter().map(|(t, hash)| -> [Value; 9] {
                [
                    t.id.into(),
                    t.person_id.into(),
                    hash.into(),
                    (&t.label).into(),
                    t.created.into(),
                    t.expires_at.into(),
                    t.revoked_at.into(),
                    t.scopes.as_deref().map(crate::oauth::join_scopes).into(),
                    t.authorization_id.into(),
                ]
            }));
            sql.push(" ON CONFLICT DO NOTHING");
            written += tx.execute(&sql).await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn changes_since(&self, since: i64, limit: i64) -> StoreResult<Vec<ChangeRecord>> {
        let sql =
            Query::new("SELECT seq, topic, key FROM changes WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(since)
                .bind(limit);
        Ok(self
            .db
            .fetch_all::<ChangeRow>(&sql)
            .await?
            .into_iter()
            .filter_map(ChangeRow::into_record)
            .collect())
    }

    async fn latest_change(&self) -> StoreResult<i64> {
        let sql = Query::new("SELECT COALESCE(MAX(seq), 0) FROM changes");
        Ok(self.db.fetch_one::<(i64,)>(&sql).await?.0)
    }

    async fn prune_changes(&self, before: i64) -> StoreResult<u64> {
        self.write_statement(Query::new("DELETE FROM changes WHERE at < ?").bind(before))
            .await
    }

    fn pool_stats(&self) -> PoolStats {
        self.db.pool_stats()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db.execute(&Query::new("SELECT 1")).await?;
        Ok(())
    }

    async fn close(&self) {
        self.db.close().await;
    }
}

//! [`OAuthStore`] on both backends, with the rows of its tables (kept here, beside the only
//! statements that read them).

use super::db::Tx;
use super::people::note_change;
use super::query::Query;
use super::rows::parse_uuid;
use super::SqlStore;
use crate::oauth::*;
use crate::records::{ChangeTopic, TokenRecord};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct IntegrationRow {
    id: String,
    client_id: String,
    org_id: String,
    name: String,
    secret_hash: String,
    redirect_uris: String,
    scopes: String,
    created: i64,
}

impl TryFrom<IntegrationRow> for IntegrationRecord {
    type Error = StoreError;

    fn try_from(row: IntegrationRow) -> StoreResult<IntegrationRecord> {
        Ok(IntegrationRecord {
            id: parse_uuid(&row.id)?,
            client_id: row.client_id,
            org_id: parse_uuid(&row.org_id)?,
            name: row.name,
            secret_hash: row.secret_hash,
            redirect_uris: serde_json::from_str(&row.redirect_uris)?,
            scopes: split_scopes(&row.scopes),
            created: row.created,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    client_id: String,
    person_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    scopes: String,
    nonce: Option<String>,
    auth_time: i64,
    created: i64,
    expires_at: i64,
    used_at: Option<i64>,
    authorization_id: Option<String>,
}

impl TryFrom<CodeRow> for CodeRecord {
    type Error = StoreError;

    fn try_from(row: CodeRow) -> StoreResult<CodeRecord> {
        Ok(CodeRecord {
            client_id: row.client_id,
            person_id: parse_uuid(&row.person_id)?,
            redirect_uri: row.redirect_uri,
            code_challenge: row.code_challenge,
            code_challenge_method: row.code_challenge_method,
            scopes: split_scopes(&row.scopes),
            nonce: row.nonce,
            auth_time: row.auth_time,
            created: row.created,
            expires_at: row.expires_at,
            used_at: row.used_at,
            authorization_id: row
                .authorization_id
                .as_deref()
                .map(parse_uuid)
                .transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AuthorizationRow {
    id: String,
    person_id: String,
    client_id: String,
    scopes: String,
    refresh_expires_at: i64,
    created: i64,
    revoked_at: Option<i64>,
}

impl TryFrom<AuthorizationRow> for AuthorizationRecord {
    type Error = StoreError;

    fn try_from(row: AuthorizationRow) -> StoreResult<AuthorizationRecord> {
        Ok(AuthorizationRecord {
            id: parse_uuid(&row.id)?,
            person_id: parse_uuid(&row.person_id)?,
            client_id: row.client_id,
            scopes: split_scopes(&row.scopes),
            refresh_expires_at: row.refresh_expires_at,
            created: row.created,
            revoked_at: row.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    person_id: String,
    auth_time: i64,
    expires_at: i64,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;

    fn try_from(row: SessionRow) -> StoreResult<SessionRecord> {
        Ok(SessionRecord {
            person_id: parse_uuid(&row.person_id)?,
            auth_time: row.auth_time,
            expires_at: row.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    id: String,
    person_id: String,
    client_id: Option<String>,
    created: i64,
    taken_at: Option<i64>,
}

impl TryFrom<ApprovalRow> for SignInApproval {
    type Error = StoreError;

    fn try_from(row: ApprovalRow) -> StoreResult<SignInApproval> {
        Ok(SignInApproval {
            id: parse_uuid(&row.id)?,
            person_id: parse_uuid(&row.person_id)?,
            client_id: row.client_id,
            created: row.created,
            taken_at: row.taken_at,
        })
    }
}

const AUTHORIZATION_COLUMNS: &str =
    "id, person_id, client_id, scopes, refresh_expires_at, created, revoked_at";

/// Inserts a token; with a grant, only while the grant is live. The stored record, if any.
pub(crate) async fn insert_token(
    tx: &mut Tx,
    token: &NewToken,
) -> StoreResult<Option<TokenRecord>> {
    let record = TokenRecord {
        id: Uuid::new_v4(),
        person_id: token.person_id,
        label: token.label.clone(),
        created: tx.now(),
        expires_at: token.expires_at,
        revoked_at: None,
        scopes: token.scopes.clone(),
        authorization_id: token.authorization_id,
    };
    let sql = Query::new(
        "INSERT INTO tokens (id, person_id, token_hash, label, created, expires_at, scopes, \
         authorization_id) SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE ? IS NULL OR EXISTS \
         (SELECT 1 FROM oauth_authorizations WHERE id = ? AND revoked_at IS NULL)",
    )
    .bind(record.id)
    .bind(record.person_id)
    .bind(&token.token_hash)
    .bind(&record.label)
    .bind(record.created)
    .bind(record.expires_at)
    .bind(record.scopes.as_deref().map(join_scopes))
    .bind(record.authorization_id)
    .bind(record.authorization_id)
    .bind(record.authorization_id);
    Ok((tx.execute(&sql).await? > 0).then_some(record))
}

/// Revokes the grants `condition` (about `oauth_authorizations`) selects, and their access
/// tokens, noting each token so every node drops it from its cache. How many grants.
async fn revoke_grants(tx: &mut Tx, condition: Query) -> StoreResult<u64> {
    let now = tx.now();
    let mut select =
        Query::new("SELECT id FROM oauth_authorizations WHERE revoked_at IS NULL AND ");
    select.append(condition);
    let ids: Vec<(String,)> = tx.fetch_all(&select).await?;
    for (id,) in &ids {
        tx.execute(
            &Query::new("UPDATE oauth_authorizations SET revoked_at = ? WHERE id = ?")
                .bind(now)
                .bind(id),
        )
        .await?;
        let tokens: Vec<(String,)> = tx
            .fetch_all(
                &Query::new(
                    "UPDATE tokens SET revoked_at = ? WHERE authorization_id = ? \
                     AND revoked_at IS NULL RETURNING token_hash",
                )
                .bind(now)
                .bind(id),
            )
            .await?;
        for (hash,) in &tokens {
            note_change(tx, ChangeTopic::Token, hash).await?;
        }
    }
    Ok(ids.len() as u64)
}

async fn insert_grant(tx: &mut Tx, grant: &NewGrant) -> StoreResult<AuthorizationRecord> {
    let record = AuthorizationRecord {
        id: Uuid::new_v4(),
        person_id: grant.person_id,
        client_id: grant.client_id.clone(),
        scopes: grant.scopes.clone(),
        refresh_expires_at: grant.refresh_expires_at,
        created: tx.now(),
        revoked_at: None,
    };
    let sql = Query::new(format!(
        "INSERT INTO oauth_authorizations ({AUTHORIZATION_COLUMNS}, refresh_hash) \
         VALUES (?, ?, ?, ?, ?, ?, NULL, ?)"
    ))
    .bind(record.id)
    .bind(record.person_id)
    .bind(&record.client_id)
    .bind(join_scopes(&record.scopes))
    .bind(record.refresh_expires_at)
    .bind(record.created)
    .bind(&grant.refresh_hash);
    tx.execute(&sql).await?;
    insert_token(
        tx,
        &NewToken {
            person_id: grant.person_id,
            token_hash: grant.access_hash.clone(),
            label: None,
            expires_at: Some(grant.access_expires_at),
            scopes: Some(grant.scopes.clone()),
            authorization_id: Some(record.id),
        },
    )
    .await?;
    Ok(record)
}

impl SqlStore {
    async fn write_one(&self, statement: Query) -> StoreResult<u64> {
        self.db
            .write(move |tx| Box::pin(async move { tx.execute(&statement).await }))
            .await
    }
}

#[async_trait]
impl OAuthStore for SqlStore {
    async fn create_integration(&self, draft: IntegrationDraft) -> StoreResult<IntegrationRecord> {
        let record = IntegrationRecord {
            id: Uuid::new_v4(),
            client_id: draft.client_id,
            org_id: draft.org_id,
            name: draft.name,
            secret_hash: draft.secret_hash,
            redirect_uris: draft.redirect_uris,
            scopes: draft.scopes,
            created: self.db.clock().now_millis(),
        };
        let sql = Query::new(
            "INSERT INTO oauth_integrations (id, client_id, org_id, name, secret_hash, \
             redirect_uris, scopes, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(record.id)
        .bind(&record.client_id)
        .bind(record.org_id)
        .bind(&record.name)
        .bind(&record.secret_hash)
        .bind(serde_json::to_string(&record.redirect_uris)?)
        .bind(join_scopes(&record.scopes))
        .bind(record.created);
        self.write_one(sql).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("The client id {} is taken.", record.client_id))
            }
            StoreError::Invalid(_) => {
                StoreError::Invalid(format!("There is no organization {}.", record.org_id))
            }
            other => other,
        })?;
        Ok(record)
    }

    async fn get_integration(&self, client_id: &str) -> StoreResult<Option<IntegrationRecord>> {
        let sql =
            Query::new("SELECT * FROM oauth_integrations WHERE client_id = ?").bind(client_id);
        self.db.record::<IntegrationRow, _>(&sql).await
    }

    async fn list_integrations(&self, org: Option<Uuid>) -> StoreResult<Vec<IntegrationRecord>> {
        let sql = match org {
            Some(org) => {
                Query::new("SELECT * FROM oauth_integrations WHERE org_id = ? ORDER BY created, id")
                    .bind(org)
            }
            None => Query::new("SELECT * FROM oauth_integrations ORDER BY created, id"),
        };
        self.db.records::<IntegrationRow, _>(&sql).await
    }

    async fn delete_integration(&self, client_id: &str) -> StoreResult<bool> {
        let client_id = client_id.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    revoke_grants(tx, Query::new("client_id = ?").bind(&client_id)).await?;
                    let sql = Query::new("DELETE FROM oauth_integrations WHERE client_id = ?")
                        .bind(&client_id);
                    Ok(tx.execute(&sql).await? > 0)
                })
            })
            .await
    }

    async fn set_integration_secret(
        &self,
        client_id: &str,
        secret_hash: &str,
    ) -> StoreResult<bool> {
        let sql = Query::new("UPDATE oauth_integrations SET secret_hash = ? WHERE client_id = ?")
            .bind(secret_hash)
            .bind(client_id);
        Ok(self.write_one(sql).await? > 0)
    }

    async fn set_password(&self, person: Uuid, hash: &str) -> StoreResult<bool> {
        let sql = Query::new(
            "INSERT INTO person_passwords (person_id, hash, updated) \
             SELECT id, ?, ? FROM people WHERE id = ? \
             ON CONFLICT (person_id) DO UPDATE SET hash = excluded.hash, updated = excluded.updated",
        )
        .bind(hash)
        .bind(self.db.clock().now_millis())
        .bind(person);
        Ok(self.write_one(sql).await? > 0)
    }

    async fn password_hash(&self, person: Uuid) -> StoreResult<Option<String>> {
        let sql = Query::new("SELECT hash FROM person_passwords WHERE person_id = ?").bind(person);
        Ok(self
            .db
            .fetch_optional::<(String,)>(&sql)
            .await?
            .map(|(h,)| h))
    }

    async fn create_code(&self, code_hash: &str, code: &CodeRecord) -> StoreResult<()> {
        let sql = Query::new(
            "INSERT INTO oauth_codes (code_hash, client_id, person_id, redirect_uri, \
             code_challenge, code_challenge_method, scopes, nonce, auth_time, created, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(code_hash)
        .bind(&code.client_id)
        .bind(code.person_id)
        .bind(&code.redirect_uri)
        .bind(&code.code_challenge)
        .bind(&code.code_challenge_method)
        .bind(join_scopes(&code.scopes))
        .bind(&code.nonce)
        .bind(code.auth_time)
        .bind(code.created)
        .bind(code.expires_at);
        self.write_one(sql).await?;
        Ok(())
    }

    async fn find_code(&self, code_hash: &str) -> StoreResult<Option<CodeRecord>> {
        let sql = Query::new("SELECT * FROM oauth_codes WHERE code_hash = ?").bind(code_hash);
        self.db.record::<CodeRow, _>(&sql).await
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        grant: NewGrant,
    ) -> StoreResult<Option<AuthorizationRecord>> {
        let code_hash = code_hash.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let claim = Query::new(
                        "UPDATE oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL",
                    )
                    .bind(tx.now())
                    .bind(&code_hash);
                    if tx.execute(&claim).await? == 0 {
                        revoke_grants(tx, code_grant(&code_hash)).await?;
                        return Ok(None);
                    }
                    let record = insert_grant(tx, &grant).await?;
                    let link =
                        Query::new("UPDATE oauth_codes SET authorization_id = ? WHERE code_hash = ?")
                            .bind(record.id)
                            .bind(&code_hash);
                    tx.execute(&link).await?;
                    Ok(Some(record))
                })
            })
            .await
    }

    async fn revoke_code_grant(&self, code_hash: &str) -> StoreResult<bool> {
        let condition = code_grant(code_hash);
        self.db
            .write(move |tx| Box::pin(async move { Ok(revoke_grants(tx, condition).await? > 0) }))
            .await
    }

    async fn create_grant(&self, grant: NewGrant) -> StoreResult<AuthorizationRecord> {
        self.db
            .write(move |tx| Box::pin(async move { insert_grant(tx, &grant).await }))
            .await
    }

    async fn find_grant_by_refresh(
        &self,
        refresh_hash: &str,
    ) -> StoreResult<Option<AuthorizationRecord>> {
        let sql = Query::new(format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM oauth_authorizations WHERE refresh_hash = ?"
        ))
        .bind(refresh_hash);
        self.db.record::<AuthorizationRow, _>(&sql).await
    }

    async fn get_authorization(&self, id: Uuid) -> StoreResult<Option<AuthorizationRecord>> {
        let sql = Query::new(format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM oauth_authorizations WHERE id = ?"
        ))
        .bind(id);
        self.db.record::<AuthorizationRow, _>(&sql).await
    }

    async fn list_authorizations(&self, person: Uuid) -> StoreResult<Vec<AuthorizationRecord>> {
        let sql = Query::new(format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM oauth_authorizations \
             WHERE person_id = ? AND revoked_at IS NULL ORDER BY created, id"
        ))
        .bind(person);
        self.db.records::<AuthorizationRow, _>(&sql).await
    }

    async fn revoke_authorization(&self, id: Uuid) -> StoreResult<bool> {
        let condition = Query::new("id = ?").bind(id);
        self.db
            .write(move |tx| Box::pin(async move { Ok(revoke_grants(tx, condition).await? > 0) }))
            .await
    }

    async fn revoke_client_authorizations(&self, client_id: &str, org: Uuid) -> StoreResult<u64> {
        let condition =
            Query::new("client_id = ? AND person_id IN (SELECT id FROM people WHERE org_id = ?)")
                .bind(client_id)
                .bind(org);
        self.db
            .write(move |tx| Box::pin(async move { revoke_grants(tx, condition).await }))
            .await
    }

    async fn create_token_with(&self, token: NewToken) -> StoreResult<Option<TokenRecord>> {
        self.db
            .write(move |tx| Box::pin(async move { insert_token(tx, &token).await }))
            .await
    }

    async fn create_session(&self, session_hash: &str, session: &SessionRecord) -> StoreResult<()> {
        let sql = Query::new(
            "INSERT INTO oauth_sessions (session_hash, person_id, auth_time, expires_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(session_hash)
        .bind(session.person_id)
        .bind(session.auth_time)
        .bind(session.expires_at);
        self.write_one(sql).await?;
        Ok(())
    }

    async fn find_session(&self, session_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let sql = Query::new(
            "SELECT person_id, auth_time, expires_at FROM oauth_sessions WHERE session_hash = ?",
        )
        .bind(session_hash);
        self.db.record::<SessionRow, _>(&sql).await
    }

    async fn delete_session(&self, session_hash: &str) -> StoreResult<bool> {
        let sql =
            Query::new("DELETE FROM oauth_sessions WHERE session_hash = ?").bind(session_hash);
        Ok(self.write_one(sql).await? > 0)
    }

    async fn consented_scopes(&self, person: Uuid, client_id: &str) -> StoreResult<Vec<String>> {
        let sql =
            Query::new("SELECT scopes FROM oauth_consents WHERE person_id = ? AND client_id = ?")
                .bind(person)
                .bind(client_id);
        Ok(self
            .db
            .fetch_optional::<(String,)>(&sql)
            .await?
            .map(|(scopes,)| split_scopes(&scopes))
            .unwrap_or_default())
    }

    async fn remember_consent(
        &self,
        person: Uuid,
        client_id: &str,
        scopes: &[String],
    ) -> StoreResult<()> {
        let client_id = client_id.to_string();
        let scopes = scopes.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let current = Query::new(
                        "SELECT scopes FROM oauth_consents WHERE person_id = ? AND client_id = ?",
                    )
                    .bind(person)
                    .bind(&client_id);
                    let mut all = tx
                        .fetch_optional::<(String,)>(&current)
                        .await?
                        .map(|(s,)| split_scopes(&s))
                        .unwrap_or_default();
                    for scope in scopes {
                        if !all.contains(&scope) {
                            all.push(scope);
                        }
                    }
                    let upsert = Query::new(
                        "INSERT INTO oauth_consents (person_id, client_id, scopes) VALUES (?, ?, ?) \
                         ON CONFLICT (person_id, client_id) DO UPDATE SET scopes = excluded.scopes",
                    )
                    .bind(person)
                    .bind(&client_id)
                    .bind(join_scopes(&all));
                    tx.execute(&upsert).await?;
                    Ok(())
                })
            })
            .await
    }

    async fn sign_in_failures(&self, key: &str, since: i64) -> StoreResult<i64> {
        let sql =
            Query::new("SELECT failures FROM sign_in_failures WHERE key = ? AND window_start >= ?")
                .bind(key)
                .bind(since);
        Ok(self
            .db
            .fetch_optional::<(i64,)>(&sql)
            .await?
            .map_or(0, |(n,)| n))
    }

    async fn note_sign_in_failure(&self, key: &str, since: i64) -> StoreResult<i64> {
        let now = self.db.clock().now_millis();
        let sql = Query::new(
            "INSERT INTO sign_in_failures (key, window_start, failures) VALUES (?, ?, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN sign_in_failures.window_start < ? THEN 1 \
                        ELSE sign_in_failures.failures + 1 END, \
             window_start = CASE WHEN sign_in_failures.window_start < ? THEN excluded.window_start \
                            ELSE sign_in_failures.window_start END \
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(since)
        .bind(since);
        self.db
            .write(move |tx| {
                Box::pin(
                    async move { Ok(tx.fetch_optional::<(i64,)>(&sql).await?.map_or(1, |(n,)| n)) },
                )
            })
            .await
    }

    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        self.write_one(Query::new("DELETE FROM sign_in_failures WHERE key = ?").bind(key))
            .await?;
        Ok(())
    }

    async fn approve_sign_in(
        &self,
        person: Uuid,
        client_id: Option<&str>,
    ) -> StoreResult<SignInApproval> {
        let approval = SignInApproval {
            id: Uuid::new_v4(),
            person_id: person,
            client_id: client_id.map(str::to_string),
            created: self.db.clock().now_millis(),
            taken_at: None,
        };
        let sql = Query::new(
            "INSERT INTO sign_in_approvals (id, person_id, client_id, created) VALUES (?, ?, ?, ?)",
        )
        .bind(approval.id)
        .bind(person)
        .bind(&approval.client_id)
        .bind(approval.created);
        self.write_one(sql).await?;
        Ok(approval)
    }

    async fn take_sign_in_approval(&self, client_id: &str) -> StoreResult<Option<SignInApproval>> {
        let client_id = client_id.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let sql = Query::new(
                        "UPDATE sign_in_approvals SET taken_at = ? WHERE taken_at IS NULL AND id = \
                         (SELECT id FROM sign_in_approvals WHERE taken_at IS NULL \
                          AND (client_id = ? OR client_id IS NULL) ORDER BY created, id LIMIT 1) \
                         RETURNING id, person_id, client_id, created, taken_at",
                    )
                    .bind(tx.now())
                    .bind(&client_id);
                    tx.fetch_optional::<ApprovalRow>(&sql)
                        .await?
                        .map(SignInApproval::try_from)
                        .transpose()
                })
            })
            .await
    }

    async fn list_sign_in_approvals(&self) -> StoreResult<Vec<SignInApproval>> {
        let sql = Query::new("SELECT * FROM sign_in_approvals ORDER BY created, id");
        self.db.records::<ApprovalRow, _>(&sql).await
    }
}

/// Selects the grant a code's first use made.
fn code_grant(code_hash: &str) -> Query {
    Query::new("id = (SELECT authorization_id FROM oauth_codes WHERE code_hash = ?)")
        .bind(code_hash)
}

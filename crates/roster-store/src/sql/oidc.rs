//! [`OidcStore`] for both backends: the signing keys of OpenID Connect.
//!
//! "One active key" is the database's rule, not the code's: a partial unique index admits
//! one row with `retired_at IS NULL` (migration 0006), so nodes that race to store the first
//! key cannot both win, and a rotation racing another one fails whole.

use super::query::Query;
use super::rows::SigningKeyRow;
use super::SqlStore;
use crate::oidc::{NewSigningKey, OidcStore, SigningKeyRecord};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;

const INSERT_KEY: &str =
    "INSERT INTO oidc_signing_keys (kid, private_key_pem, public_jwk, created) \
                          VALUES (?, ?, ?, ?)";

fn insert(key: &NewSigningKey, now: i64) -> Query {
    Query::new(INSERT_KEY)
        .bind(&key.kid)
        .bind(&key.private_key_pem)
        .bind(&key.public_jwk)
        .bind(now)
}

fn active_key() -> Query {
    Query::new("SELECT * FROM oidc_signing_keys WHERE retired_at IS NULL")
}

#[async_trait]
impl OidcStore for SqlStore {
    async fn active_signing_key(&self) -> StoreResult<Option<SigningKeyRecord>> {
        self.db.record::<SigningKeyRow, _>(&active_key()).await
    }

    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        let sql = Query::new("SELECT * FROM oidc_signing_keys ORDER BY created DESC, kid");
        self.db.records::<SigningKeyRow, _>(&sql).await
    }

    async fn ensure_signing_key(&self, key: NewSigningKey) -> StoreResult<SigningKeyRecord> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    // A key stored meanwhile by another node takes the index's one slot;
                    // this insert then does nothing and that key is the answer.
                    let mut sql = insert(&key, tx.now());
                    sql.push(" ON CONFLICT DO NOTHING");
                    tx.execute(&sql).await?;
                    tx.fetch_optional::<SigningKeyRow>(&active_key())
                        .await?
                        .ok_or_else(|| {
                            StoreError::Database("no active signing key after storing one".into())
                        })?
                        .try_into()
                })
            })
            .await
    }

    async fn rotate_signing_key(&self, key: NewSigningKey) -> StoreResult<SigningKeyRecord> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now();
                    let retire = Query::new(
                        "UPDATE oidc_signing_keys SET retired_at = ?, private_key_pem = NULL \
                         WHERE retired_at IS NULL",
                    )
                    .bind(now);
                    tx.execute(&retire).await?;
                    tx.execute(&insert(&key, now))
                        .await
                        .map_err(|error| match error {
                            StoreError::Conflict(_) => StoreError::Conflict(
                                "another key rotation happened at the same time; try again".into(),
                            ),
                            other => other,
                        })?;
                    Ok(SigningKeyRecord {
                        kid: key.kid,
                        private_key_pem: Some(key.private_key_pem),
                        public_jwk: key.public_jwk,
                        created: now,
                        retired_at: None,
                    })
                })
            })
            .await
    }
}

//! The keys that sign OpenID Connect id_tokens ([`OidcStore`]).
//!
//! Every node signs with the same key, so the key lives in the database: one key is active
//! and signs; a rotation adds a new active key and retires the old one, erasing its private
//! half at once (nothing signs with it any more) while its public half stays listed, so that
//! the server can keep publishing it until the id_tokens it signed have expired. The store
//! holds the key material as text and never looks inside it: making keys and signing is the
//! server's (`roster-server/src/oidc/`).

use crate::StoreResult;
use async_trait::async_trait;

/// A key to store: its id, its private half (PKCS#8 PEM) and its public half (a JWK).
pub struct NewSigningKey {
    pub kid: String,
    pub private_key_pem: String,
    /// The public key as a JWK, JSON text.
    pub public_jwk: String,
}

/// A stored signing key.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    /// The private half (PKCS#8 PEM) while the key is active; `None` once it is retired.
    pub private_key_pem: Option<String>,
    /// The public key as a JWK, JSON text.
    pub public_jwk: String,
    /// When it was stored (milliseconds since the epoch).
    pub created: i64,
    /// When a newer key replaced it; `None` for the active key.
    pub retired_at: Option<i64>,
}

impl SigningKeyRecord {
    pub fn is_active(&self) -> bool {
        self.retired_at.is_none()
    }
}

/// Never prints the private key, so a record can be logged or asserted on safely.
impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field(
                "private_key_pem",
                &self.private_key_pem.as_ref().map(|_| "<redacted>"),
            )
            .field("public_jwk", &self.public_jwk)
            .field("created", &self.created)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

/// The signing keys of OpenID Connect.
#[async_trait]
pub trait OidcStore: Send + Sync {
    /// The key that signs now, if there is one yet.
    async fn active_signing_key(&self) -> StoreResult<Option<SigningKeyRecord>>;
    /// Every key, active and retired, newest first.
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Stores `key` as the active key unless there already is one, and returns the active
    /// key: `key`, or the one found. Safe when several nodes call it at once: exactly one
    /// key ends up active, and every caller gets that one.
    async fn ensure_signing_key(&self, key: NewSigningKey) -> StoreResult<SigningKeyRecord>;
    /// Makes `key` the active key and retires the active one before it, erasing its private
    /// half, in one transaction. A rotation that races another one fails with
    /// [`crate::StoreError::Conflict`] and changes nothing.
    async fn rotate_signing_key(&self, key: NewSigningKey) -> StoreResult<SigningKeyRecord>;
}

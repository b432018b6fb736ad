//! The RSA keys that sign id_tokens.
//!
//! One key is active and signs. It is made at a server's first start ([`ensure_signing_key`])
//! and kept in the database, so that any node can sign and any node's tokens verify against
//! the same JWKS. [`rotate_signing_key`] (`roster oidc rotate-key`) makes a new active key;
//! the old one loses its private half at once and stays published ([`is_published`]) until
//! every id_token it signed has expired. Nodes read the active key from the database each
//! time they sign, so a rotation takes effect everywhere at once and no node signs with a
//! key that has stopped being published.

use super::ID_TOKEN_LIFETIME;
use roster_store::{NewSigningKey, SigningKeyRecord, Store, StoreError};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};

/// 2048-bit keys: what Webex's JWKS publishes and what every client verifies.
pub const RSA_BITS: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot make an RSA key: {0}")]
    Generate(String),
}

/// A public key as JSON Web Key (RFC 7517), as `/v1/verification` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `RSA`.
    pub kty: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
    /// Always `RS256`.
    pub alg: String,
    /// The key id, named in the `kid` header of the id_tokens it signs.
    pub kid: String,
    /// The modulus, base64url.
    pub n: String,
    /// The public exponent, base64url (`AQAB`).
    pub e: String,
}

/// A new RSA key with a random UUID as its id. Takes tens of milliseconds to seconds of
/// CPU: call it off the async threads ([`new_key`]).
pub fn generate_key() -> Result<NewSigningKey, KeyError> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS)
        .map_err(|e| KeyError::Generate(e.to_string()))?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Generate(e.to_string()))?;
    let kid = uuid::Uuid::new_v4().hyphenated().to_string();
    let jwk = Jwk {
        kty: "RSA".into(),
        key_use: "sig".into(),
        alg: "RS256".into(),
        kid: kid.clone(),
        n: URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
        e: URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
    };
    Ok(NewSigningKey {
        kid,
        private_key_pem: pem.to_string(),
        public_jwk: serde_json::to_string(&jwk).expect("a JWK serialises"),
    })
}

/// [`generate_key`] on a blocking thread.
async fn new_key() -> Result<NewSigningKey, KeyError> {
    tokio::task::spawn_blocking(generate_key)
        .await
        .map_err(|e| KeyError::Generate(e.to_string()))?
}

/// The active key, made and stored first if there is none yet. Nodes that start together
/// may each make a key; the store keeps one and all of them sign with it.
pub async fn ensure_signing_key(store: &dyn Store) -> Result<SigningKeyRecord, KeyError> {
    if let Some(key) = store.active_signing_key().await? {
        return Ok(key);
    }
    let key = new_key().await?;
    Ok(store.ensure_signing_key(key).await?)
}

/// Makes a new active key; the one before stops signing at once and stays published until
/// its id_tokens have expired.
pub async fn rotate_signing_key(store: &dyn Store) -> Result<SigningKeyRecord, KeyError> {
    let key = new_key().await?;
    Ok(store.rotate_signing_key(key).await?)
}

/// Until when a key is published in the JWKS: for ever while it is active, then until the
/// last id_token it could have signed has expired.
pub fn published_until(key: &SigningKeyRecord) -> Option<i64> {
    let lifetime = i64::try_from(ID_TOKEN_LIFETIME.as_millis()).unwrap_or(i64::MAX);
    key.retired_at.map(|at| at.saturating_add(lifetime))
}

/// Whether `/v1/verification` lists `key` at `now`.
pub fn is_published(key: &SigningKeyRecord, now: i64) -> bool {
    published_until(key).is_none_or(|until| until > now)
}

/// The keys to publish at `now`, newest first.
pub async fn published_keys(store: &dyn Store, now: i64) -> Result<Vec<Jwk>, StoreError> {
    store
        .signing_keys()
        .await?
        .iter()
        .filter(|key| is_published(key, now))
        .map(|key| {
            serde_json::from_str(&key.public_jwk).map_err(|e| {
                StoreError::Database(format!("stored JWK of key {} is unreadable: {e}", key.kid))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_a_pkcs8_rsa_key_with_its_public_half_as_a_jwk() {
        use rsa::pkcs8::DecodePrivateKey;
        let key = generate_key().unwrap();
        let private = RsaPrivateKey::from_pkcs8_pem(&key.private_key_pem).unwrap();
        assert_eq!(private.size() * 8, RSA_BITS);
        let jwk: Jwk = serde_json::from_str(&key.public_jwk).unwrap();
        assert_eq!(jwk.kid, key.kid);
        assert_eq!((jwk.kty.as_str(), jwk.key_use.as_str()), ("RSA", "sig"));
        assert_eq!(jwk.e, "AQAB");
        // 256 bytes of modulus are 342 base64url characters.
        assert_eq!(jwk.n.len(), 342);
        assert!(!key.public_jwk.contains(r#""d""#), "no private exponent");
        assert_ne!(generate_key().unwrap().kid, key.kid);
    }

    #[test]
    fn a_retired_key_is_published_for_one_id_token_lifetime() {
        let lifetime = ID_TOKEN_LIFETIME.as_millis() as i64;
        let mut key = SigningKeyRecord {
            kid: "k".into(),
            private_key_pem: None,
            public_jwk: "{}".into(),
            created: 0,
            retired_at: None,
        };
        assert!(is_published(&key, i64::MAX));
        key.retired_at = Some(1_000);
        assert!(is_published(&key, 1_000 + lifetime - 1));
        assert!(!is_published(&key, 1_000 + lifetime));
    }
}

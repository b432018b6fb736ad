//! Minting id_tokens: RS256 JWTs signed with the active key, `kid` in the header.

use super::claims::{EmailVerifiedAs, OidcScopes, ScopeClaims};
use super::keys::{self, KeyError};
use crate::error::ApiError;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use roster_store::{PersonRecord, Store};
use serde::Serialize;
use std::time::Duration;

/// How long an id_token is valid (`exp - iat`): two hours, as Webex's. A retired key stays
/// published this long (`keys.rs`).
pub const ID_TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// What an id_token says, as the token endpoint knows it when it redeems a code (or
/// refreshes a grant) whose scopes include `openid`.
#[derive(Debug, Clone)]
pub struct IdTokenRequest<'a> {
    /// The issuer of this request ([`super::issuer`]): the same as the discovery document's.
    pub issuer: &'a str,
    /// The integration's client id (`C` + 64 hex), the token's `aud`.
    pub client_id: &'a str,
    /// The person signed in; `sub` is their UUID.
    pub person: &'a PersonRecord,
    /// The scopes granted; the OpenID ones among them decide the claims (`claims.rs`).
    pub scopes: &'a [String],
    /// The `nonce` of the authorization request, copied as it was.
    pub nonce: Option<&'a str>,
    /// When the person last signed in, in milliseconds since the epoch (`auth_time`).
    pub auth_time: i64,
}

#[derive(Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: String,
    iat: i64,
    exp: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(flatten)]
    claims: ScopeClaims,
}

/// A signed id_token for `request`, issued now (the store's clock) and valid for
/// [`ID_TOKEN_LIFETIME`]. Signed with the database's active key, which is made first if
/// there is none yet. Times in the token are seconds since the epoch.
///
/// The token endpoint calls this for a grant with `openid` and sends the result as
/// `id_token`; the `/v1/authorize` implicit flow (`response_type=id_token`) may too.
pub async fn mint_id_token(
    store: &dyn Store,
    request: &IdTokenRequest<'_>,
) -> Result<String, ApiError> {
    let key = keys::ensure_signing_key(store).await.map_err(key_error)?;
    let Some(pem) = key.private_key_pem.as_deref() else {
        tracing::error!(kid = %key.kid, "the active signing key has no private half");
        return Err(ApiError::internal());
    };
    let signing_key = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|error| {
        tracing::error!(kid = %key.kid, %error, "the active signing key is unreadable");
        ApiError::internal()
    })?;
    let iat = store.clock().now_millis().div_euclid(1000);
    let claims = IdTokenClaims {
        iss: request.issuer,
        aud: request.client_id,
        sub: request.person.id.hyphenated().to_string(),
        iat,
        exp: iat + ID_TOKEN_LIFETIME.as_secs() as i64,
        auth_time: request.auth_time.div_euclid(1000),
        nonce: request.nonce,
        claims: ScopeClaims::of(
            request.person,
            OidcScopes::of(request.scopes),
            EmailVerifiedAs::Boolean,
        ),
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &claims, &signing_key).map_err(|error| {
        tracing::error!(kid = %key.kid, %error, "cannot sign an id_token");
        ApiError::internal()
    })
}

fn key_error(error: KeyError) -> ApiError {
    match error {
        KeyError::Store(error) => error.into(),
        KeyError::Generate(detail) => {
            tracing::error!(%detail, "cannot make a signing key");
            ApiError::internal()
        }
    }
}

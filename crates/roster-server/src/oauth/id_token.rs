//! The one place an id_token joins a token response.
//!
//! OpenID Connect (signing keys, the JWKS, the claims) is built in `oidc/`; until that
//! lands on this branch [`mint`] returns `None`, and the token response has no `id_token`.

use crate::error::ApiError;
use crate::state::AppState;
use roster_store::PersonRecord;

/// What an id_token is minted from (the same fields as `oidc::IdTokenRequest`).
pub struct IdTokenRequest<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub person: &'a PersonRecord,
    pub scopes: &'a [String],
    pub nonce: Option<&'a str>,
    /// When the person last signed in, in milliseconds since the epoch.
    pub auth_time: i64,
}

/// The id_token for a grant with `openid`; `None` without `openid`, or while this server
/// cannot sign one.
pub async fn mint(
    _state: &AppState,
    request: &IdTokenRequest<'_>,
) -> Result<Option<String>, ApiError> {
    if !request.scopes.iter().any(|s| s == "openid") {
        return Ok(None);
    }
    Ok(None)
}

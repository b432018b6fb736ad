//! The one place an id_token joins a token response or an implicit redirect: for a grant
//! with `openid`, OpenID Connect's [`crate::oidc::mint_id_token`] signs one.

use crate::error::ApiError;
use crate::state::AppState;

pub use crate::oidc::IdTokenRequest;

/// The id_token for a grant with `openid`; `None` without it.
pub async fn mint(
    state: &AppState,
    request: &IdTokenRequest<'_>,
) -> Result<Option<String>, ApiError> {
    if !request.scopes.iter().any(|s| s == "openid") {
        return Ok(None);
    }
    crate::oidc::mint_id_token(state.store.as_ref(), request)
        .await
        .map(Some)
}

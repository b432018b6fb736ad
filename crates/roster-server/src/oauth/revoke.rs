//! `POST /idb/oauth2/v1/revoke` (RFC 7009): a client revokes one of its tokens. A refresh
//! token takes its whole grant with it; an access token goes alone. The answer is 200
//! whatever the token was (RFC 7009, 2.2), so it tells nothing about other clients' tokens.

use super::client::{authenticate, parse_form};
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use roster_store::token::hash;

pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let form = parse_form(&headers, &body)?;
    let client = authenticate(&state, &headers, &form).await?;
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| super::client::invalid_request("The parameter 'token' is missing."))?;
    let token_hash = hash(token);
    let store = &state.store;
    if let Some(grant) = store.find_grant_by_refresh(&token_hash).await? {
        if grant.client_id == client.client_id {
            store.revoke_authorization(grant.id).await?;
        }
        return Ok(StatusCode::OK);
    }
    if let Some(access) = store.find_token(&token_hash).await? {
        if let Some(grant_id) = access.authorization_id {
            let owned = store
                .get_authorization(grant_id)
                .await?
                .is_some_and(|g| g.client_id == client.client_id);
            if owned {
                store.revoke_token(access.id).await?;
            }
        }
    }
    Ok(StatusCode::OK)
}

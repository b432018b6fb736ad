//! `POST /idb/oauth2/v1/revoke` (RFC 7009): a client revokes one of its tokens. A refresh
//! token takes its whole grant with it; an access token goes alone. The answer is 200
//! whatever the token was (RFC 7009, 2.2), so it tells nothing about other clients' tokens.

use super::client::{authenticate, parse_form};
use super::openapi::{InvalidClient, FORM};
use super::OAuthErrorBody;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use roster_store::token::hash;

// Described for the OpenAPI document only: the handler reads the form itself.
/// The revocation request's form; each parameter at most once.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RevokeRequest {
    /// An access token or a refresh token issued to the client.
    token: String,
    /// The client, when it does not authenticate with HTTP Basic.
    client_id: Option<String>,
    /// The client's secret, when it does not authenticate with HTTP Basic.
    client_secret: Option<String>,
}

#[utoipa::path(
    post,
    path = "/idb/oauth2/v1/revoke",
    tag = "OAuth",
    summary = "Revoke a Token",
    description = "A client gives up one of its own tokens (RFC 7009): a refresh token ends its whole grant, an access token only itself. The answer is the same whether or not the token was known or the client's, so it reveals nothing. The client authenticates as at the token endpoint. Served at the identity broker's path only.",
    request_body(content = RevokeRequest, content_type = FORM),
    responses(
        (status = 200, description = "Done, or nothing to do; no body"),
        (status = 400, description = "The body is not a form, or `token` is missing or repeated", body = OAuthErrorBody),
        InvalidClient,
    ),
    security(("clientBasic" = []), ())
)]
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

//! The Authorizations API: which integrations a person has let in, and taking that back.
//! The person themself, or an admin who may change people of their organization (not a
//! read-only admin), may list and delete. Deleting revokes the grant's tokens on every node
//! through the change feed.

use super::openapi::ScopeMissing;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::MissingToken;
use crate::state::AppState;
use crate::wire::{json_response, QueryParams};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use roster_store::oauth::AuthorizationRecord;
use roster_types::id::{encode, encode_uuid, GlobalId, IdKind};
use roster_types::time::format_millis;
use roster_types::ErrorBody;
use serde::Serialize;
use uuid::Uuid;

const READ_SCOPES: &[&str] = &["identity:tokens_read", "identity:tokens_write", "spark:all"];
const WRITE_SCOPES: &[&str] = &["identity:tokens_write", "spark:all"];

/// A grant a person gave an integration.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Authorization {
    /// The authorization's id.
    id: String,
    /// The integration's id.
    application_id: String,
    application_name: String,
    /// The person who gave it.
    person_id: String,
    /// The integration's client id.
    client_id: String,
    /// When it was given.
    created: String,
    /// Always `refresh`: a grant with a refresh token.
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AuthorizationList {
    items: Vec<Authorization>,
}

/// Whether the caller may see and revoke `person`'s authorizations.
fn may_manage(caller: &Caller, person: Uuid, org: Uuid) -> bool {
    caller.person.id == person || caller.viewer.can_manage(org)
}

/// `GET /v1/authorizations?personId=...` or `?personEmail=...` (exactly one).
#[utoipa::path(
    get,
    path = "/v1/authorizations",
    operation_id = "list_authorizations",
    tag = "OAuth",
    summary = "List Authorizations",
    description = "The integrations a person has authorized. The person themself may ask, and so may an admin who may change people of the person's organization. The token needs `identity:tokens_read`, `identity:tokens_write` or `spark:all` when it has scopes.",
    params(
        ("personId" = Option<String>, Query, description = "The person's id; give this or personEmail."),
        ("personEmail" = Option<String>, Query, description = "The person's email address; give this or personId."),
    ),
    responses(
        (status = 200, description = "The person's authorizations", body = AuthorizationList, content_type = "application/json;charset=UTF-8"),
        (status = 400, description = "Neither or both of personId and personEmail, or an id that cannot be decoded", body = ErrorBody),
        MissingToken,
        ScopeMissing,
        (status = 404, description = "No such person within the caller's reach", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryParams,
) -> Result<Response, ApiError> {
    caller.require_scope(READ_SCOPES)?;
    let person = match (query.text("personId")?, query.text("personEmail")?) {
        (Some(id), None) => {
            let id = GlobalId::decode_uuid(IdKind::People, id)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            state.caches.person(id).await?.map(|p| (*p).clone())
        }
        (None, Some(email)) => state.store.find_person_by_email(email).await?,
        _ => {
            return Err(ApiError::bad_request(
                "Give exactly one of personId and personEmail.",
            ))
        }
    };
    let person = person
        .filter(|p| may_manage(&caller, p.id, p.org_id))
        .ok_or_else(|| ApiError::not_found("The requested person could not be found."))?;
    let mut items = Vec::new();
    for grant in state.store.list_authorizations(person.id).await? {
        let name = state
            .store
            .get_integration(&grant.client_id)
            .await?
            .map(|i| i.name)
            .unwrap_or_default();
        items.push(item(&grant, name));
    }
    Ok(json_response(StatusCode::OK, &AuthorizationList { items }))
}

fn item(grant: &AuthorizationRecord, application_name: String) -> Authorization {
    Authorization {
        id: encode_uuid(IdKind::Authorization, &grant.id),
        application_id: encode(IdKind::Application, &grant.client_id),
        application_name,
        person_id: encode_uuid(IdKind::People, &grant.person_id),
        client_id: grant.client_id.clone(),
        created: format_millis(grant.created),
        kind: "refresh",
    }
}

/// `DELETE /v1/authorizations/{authorizationId}`.
#[utoipa::path(
    delete,
    path = "/v1/authorizations/{authorizationId}",
    operation_id = "delete_authorization",
    tag = "OAuth",
    summary = "Delete an Authorization",
    description = "Revokes one grant and every token issued under it, on every node. For the person who gave it, or an admin who may change people of their organization. The token needs `identity:tokens_write` or `spark:all` when it has scopes.",
    params(("authorizationId" = String, Path, description = "An authorization id, as listed.")),
    responses(
        (status = 204, description = "Revoked; no body"),
        MissingToken,
        ScopeMissing,
        (status = 404, description = "No such live authorization within the caller's reach", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_scope(WRITE_SCOPES)?;
    let not_found = || ApiError::not_found("The requested authorization could not be found.");
    let id = GlobalId::decode_uuid(IdKind::Authorization, &raw).map_err(|_| not_found())?;
    let grant = state
        .store
        .get_authorization(id)
        .await?
        .filter(|g| g.revoked_at.is_none())
        .ok_or_else(not_found)?;
    let person = state
        .caches
        .person(grant.person_id)
        .await?
        .ok_or_else(not_found)?;
    if !may_manage(&caller, person.id, person.org_id) {
        return Err(not_found());
    }
    state.store.revoke_authorization(grant.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/authorizations?clientId=...[&orgId=...]`: every grant of a client to people
/// of the organization (the caller's own by default). Admins only.
#[utoipa::path(
    delete,
    path = "/v1/authorizations",
    operation_id = "delete_client_authorizations",
    tag = "OAuth",
    summary = "Delete an Integration's Authorizations",
    description = "Revokes every grant an integration holds from people of an organization, and their tokens. For admins who may change people of that organization. The token needs `identity:tokens_write` or `spark:all` when it has scopes.",
    params(
        ("clientId" = String, Query, description = "The integration's client id."),
        ("orgId" = Option<String>, Query, description = "The organization; the caller's own when left out."),
    ),
    responses(
        (status = 204, description = "Revoked; no body"),
        (status = 400, description = "clientId is missing, or orgId cannot be decoded", body = ErrorBody),
        MissingToken,
        (status = 403, description = "The caller may not change people of the organization, or the token lacks the scope", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_for_client(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryParams,
) -> Result<StatusCode, ApiError> {
    caller.require_scope(WRITE_SCOPES)?;
    let client_id = query
        .text("clientId")?
        .ok_or_else(|| ApiError::bad_request("The query parameter 'clientId' is required."))?;
    let org = match query.text("orgId")? {
        Some(raw) => GlobalId::decode_uuid(IdKind::Organization, raw)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
        None => caller.person.org_id,
    };
    if !caller.viewer.can_manage(org) {
        return Err(ApiError::forbidden(
            "Only an admin who may change people of the organization may do this.",
        ));
    }
    state
        .store
        .revoke_client_authorizations(client_id, org)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

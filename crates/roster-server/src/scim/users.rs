//! `/Users`: create, list, get, replace, patch, delete, and `/identity/scim/v2/Users/me`.
//!
//! Each operation is a function of the caller, the organization and the body, answering an
//! [`Outcome`]; the HTTP handlers and Bulk (`bulk.rs`) both call them.

use super::error::{ScimError, SCIM_CONTENT_TYPE};
use super::openapi::{
    ScimCreateErrors, ScimIfMatch, ScimInvalidParameter, ScimInvalidPatch, ScimInvalidQuery,
    ScimInvalidResource, ScimListQuery, ScimOrgNotFound, ScimOrgPath, ScimProjection,
    ScimReadErrors, ScimResourceNotFound, ScimStale, ScimUnauthorized, ScimUpdateErrors,
    ScimUserPath, ScimWriteErrors, JSON_REQUEST_TYPE, SCIM_REQUEST_TYPE,
};
use super::user::{user_from_json, user_json};
use super::{
    check_access, if_match, path_uuid, query_params, read_body, respond, ListParams, ScimCaller,
    ScimContext, CISCO_USER, CORE_USER, ENTERPRISE_USER,
};
use crate::auth::Caller;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use roster_store::scim::{ScimExtra, ScimUserRecord, Versioned};
use roster_store::{PersonDraft, StoreError};
use serde_json::Value;
use uuid::Uuid;

/// What an operation on one resource answers.
pub struct Outcome {
    pub status: StatusCode,
    /// The resource, except for a delete.
    pub body: Option<Value>,
    pub version: Option<i64>,
    pub location: Option<String>,
}

impl Outcome {
    pub fn into_response(self) -> Response {
        match &self.body {
            Some(body) => respond(self.status, body, self.version, self.location.as_deref()),
            None => {
                let mut response = Response::new(axum::body::Body::empty());
                *response.status_mut() = self.status;
                response
            }
        }
    }
}

const USER_SCHEMAS: [&str; 3] = [CORE_USER, ENTERPRISE_USER, CISCO_USER];

fn answer(status: StatusCode, user: &ScimUserRecord, context: &ScimContext) -> Outcome {
    Outcome {
        status,
        body: Some(user_json(user, context)),
        version: Some(user.version()),
        location: Some(context.user_location(user.person.id)),
    }
}

/// The user `id` of the context's organization.
async fn existing_user(
    state: &AppState,
    context: &ScimContext,
    id: Uuid,
) -> Result<ScimUserRecord, ScimError> {
    match state.store.get_scim_user(id).await? {
        Some(user) if user.person.org_id == context.org => Ok(user),
        _ => Err(ScimError::not_found("The user could not be found.")),
    }
}

/// Checks what only the directory can tell about a draft: its manager is a person of the
/// same organization, whose name the person's `manager` shows.
async fn resolve_manager(state: &AppState, draft: &mut PersonDraft) -> Result<(), ScimError> {
    draft.manager = None;
    if let Some(manager) = draft.manager_id {
        match state.store.get_person(manager).await? {
            Some(person) if person.org_id == draft.org_id => {
                draft.manager = Some(person.display_name);
            }
            _ => {
                return Err(ScimError::bad(
                    "invalidValue",
                    "'manager.value' is not a user of this organization.",
                ))
            }
        }
    }
    Ok(())
}

/// `password` is write-only: checked before anything is written, then stored as the
/// person's sign-in password (an Argon2id hash, made off the async threads), never logged.
fn check_password(password: &Option<String>) -> Result<(), ScimError> {
    match password
        .as_deref()
        .and_then(roster_store::oauth::password::problem)
    {
        Some(problem) => Err(ScimError::bad(
            "invalidValue",
            format!("password: {problem}"),
        )),
        None => Ok(()),
    }
}

async fn store_password(
    state: &AppState,
    person: Uuid,
    password: Option<String>,
) -> Result<(), ScimError> {
    let Some(password) = password else {
        return Ok(());
    };
    let hash = tokio::task::spawn_blocking(move || roster_store::oauth::password::hash(&password))
        .await
        .map_err(|e| ScimError::from(StoreError::Database(format!("password hashing: {e}"))))?;
    state.store.set_password(person, &hash).await?;
    Ok(())
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    context: &ScimContext,
    body: &Value,
) -> Result<Outcome, ScimError> {
    check_access(caller, context.org, true)?;
    let (mut draft, extra, password) = user_from_json(body, context.org, None)?;
    check_password(&password)?;
    resolve_manager(state, &mut draft).await?;
    let user = state
        .store
        .create_scim_user(draft, extra)
        .await
        .map_err(|e| match e {
            roster_store::StoreError::Conflict(_) => ScimError::new(
                StatusCode::CONFLICT,
                Some("uniqueness"),
                "A user with this userName (or one of these emails) already exists.",
            ),
            other => other.into(),
        })?;
    store_password(state, user.person.id, password).await?;
    tracing::info!(person = %user.person.id, "SCIM user created");
    Ok(answer(StatusCode::CREATED, &user, context))
}

/// Writes `body` over the user, conditionally on `version`.
async fn write(
    state: &AppState,
    context: &ScimContext,
    existing: &ScimUserRecord,
    body: &Value,
    version: Option<i64>,
) -> Result<Outcome, ScimError> {
    let (mut draft, extra, password): (PersonDraft, ScimExtra, _) =
        user_from_json(body, context.org, Some(&existing.person))?;
    check_password(&password)?;
    resolve_manager(state, &mut draft).await?;
    let id = existing.person.id;
    let written = state
        .store
        .replace_scim_user(id, draft, extra, version)
        .await;
    // Whatever happened, this node's cached copy may be old now; other nodes follow the
    // change feed (a deactivated user's tokens stop working everywhere).
    state.caches.forget_person(&id);
    let user = match written? {
        Versioned::Written(user) => user,
        Versioned::Stale => return Err(ScimError::stale()),
    };
    store_password(state, id, password).await?;
    Ok(answer(StatusCode::OK, &user, context))
}

pub async fn replace(
    state: &AppState,
    caller: &Caller,
    context: &ScimContext,
    id: Uuid,
    body: &Value,
    version: Option<i64>,
) -> Result<Outcome, ScimError> {
    check_access(caller, context.org, true)?;
    let existing = existing_user(state, context, id).await?;
    write(state, context, &existing, body, version).await
}

pub async fn patch(
    state: &AppState,
    caller: &Caller,
    context: &ScimContext,
    id: Uuid,
    body: &Value,
    version: Option<i64>,
) -> Result<Outcome, ScimError> {
    check_access(caller, context.org, true)?;
    let existing = existing_user(state, context, id).await?;
    if version.is_some_and(|v| v != existing.version()) {
        return Err(ScimError::stale());
    }
    let mut resource = user_json(&existing, context);
    super::patch::apply(&mut resource, body, &USER_SCHEMAS)?;
    // Conditional on the version read, so a concurrent write is never silently undone.
    write(
        state,
        context,
        &existing,
        &resource,
        Some(existing.version()),
    )
    .await
}

pub async fn delete(
    state: &AppState,
    caller: &Caller,
    context: &ScimContext,
    id: Uuid,
    version: Option<i64>,
) -> Result<Outcome, ScimError> {
    check_access(caller, context.org, true)?;
    let existing = existing_user(state, context, id).await?;
    if version.is_some_and(|v| v != existing.version()) {
        return Err(ScimError::stale());
    }
    let deleted = state.store.delete_person(id).await?;
    state.caches.forget_person(&id);
    if !deleted {
        return Err(ScimError::not_found("The user could not be found."));
    }
    tracing::info!(person = %id, "SCIM user deleted");
    Ok(Outcome {
        status: StatusCode::NO_CONTENT,
        body: None,
        version: None,
        location: None,
    })
}

#[utoipa::path(
    post,
    path = "/identity/scim/{orgId}/v2/Users",
    tag = "SCIM",
    summary = "Create a User",
    description = "Creates a user (a person of the directory) from a SCIM User with the core schema and, optionally, the enterprise and Cisco extensions. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath),
    request_body(description = "A SCIM User", content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE))),
    responses(
        (status = 201, description = "The new user", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimCreateErrors,
    ),
    security(("bearer" = []))
)]
pub async fn create_user(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path(org): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let body = read_body(&headers, &bytes)?;
    Ok(create(&state, &caller, &context, &body)
        .await?
        .into_response())
}

#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/Users",
    tag = "SCIM",
    summary = "List Users",
    description = "A page of the organization's users, filtered and sorted, as a ListResponse. Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(
        ScimOrgPath,
        ScimListQuery,
        ("sortBy" = Option<String>, Query, description = "`userName`, `id` or `meta.lastModified`; by creation when left out."),
        ScimProjection,
    ),
    responses(
        (status = 200, description = "A ListResponse of users", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimInvalidQuery,
        ScimReadErrors,
        ScimOrgNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn list_users(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path(org): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, false)?;
    let params = ListParams::parse(&query_params(raw.as_deref())?, context.org, "userName")?;
    if let Some(response) = super::lookup::list(&state, &context, &params).await? {
        return Ok(response);
    }
    let page = state
        .store
        .list_scim_users(&params.query)
        .await
        .map_err(|e| match e {
            roster_store::StoreError::Invalid(reason) => ScimError::bad("invalidFilter", reason),
            other => other.into(),
        })?;
    let resources = page
        .resources
        .iter()
        .map(|user| params.projection.apply(user_json(user, &context)))
        .collect();
    let body = super::list_response(page.total, params.query.start_index, resources);
    Ok(respond(StatusCode::OK, &body, None, None))
}

#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/Users/{userId}",
    tag = "SCIM",
    summary = "Get a User",
    description = "Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(ScimOrgPath, ScimUserPath, ScimProjection),
    responses(
        (status = 200, description = "The user", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimInvalidParameter,
        ScimReadErrors,
        ScimResourceNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn get_user(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, false)?;
    let projection = super::Projection::parse(&query_params(raw.as_deref())?)?;
    let user = existing_user(&state, &context, path_uuid(&id, "user")?).await?;
    let mut outcome = answer(StatusCode::OK, &user, &context);
    outcome.body = outcome.body.map(|b| projection.apply(b));
    Ok(outcome.into_response())
}

#[utoipa::path(
    put,
    path = "/identity/scim/{orgId}/v2/Users/{userId}",
    tag = "SCIM",
    summary = "Replace a User",
    description = "Replaces the user with the body; attributes left out are cleared. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath, ScimUserPath, ScimIfMatch),
    request_body(description = "A SCIM User", content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE))),
    responses(
        (status = 200, description = "The user as replaced", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimInvalidResource,
        ScimUpdateErrors,
    ),
    security(("bearer" = []))
)]
pub async fn replace_user(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let id = path_uuid(&id, "user")?;
    let body = read_body(&headers, &bytes)?;
    let version = if_match(&headers)?;
    Ok(replace(&state, &caller, &context, id, &body, version)
        .await?
        .into_response())
}

#[utoipa::path(
    patch,
    path = "/identity/scim/{orgId}/v2/Users/{userId}",
    tag = "SCIM",
    summary = "Update a User",
    description = "Applies a PatchOp (add, replace, remove; RFC 7644, 3.5.2) in order; if any operation fails, nothing changes. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath, ScimUserPath, ScimIfMatch),
    request_body(description = "A SCIM PatchOp", content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE))),
    responses(
        (status = 200, description = "The user as patched", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimInvalidPatch,
        ScimUpdateErrors,
    ),
    security(("bearer" = []))
)]
pub async fn patch_user(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let id = path_uuid(&id, "user")?;
    let body = read_body(&headers, &bytes)?;
    let version = if_match(&headers)?;
    Ok(patch(&state, &caller, &context, id, &body, version)
        .await?
        .into_response())
}

#[utoipa::path(
    delete,
    path = "/identity/scim/{orgId}/v2/Users/{userId}",
    tag = "SCIM",
    summary = "Delete a User",
    description = "Deletes the user: the person and everything of theirs. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath, ScimUserPath, ScimIfMatch),
    responses(
        (status = 204, description = "Deleted; no body"),
        ScimWriteErrors,
        ScimResourceNotFound,
        ScimStale,
    ),
    security(("bearer" = []))
)]
pub async fn delete_user(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let id = path_uuid(&id, "user")?;
    let version = if_match(&headers)?;
    Ok(delete(&state, &caller, &context, id, version)
        .await?
        .into_response())
}

/// `GET /identity/scim/v2/Users/me`: the caller's own user, whatever their roles.
#[utoipa::path(
    get,
    path = "/identity/scim/v2/Users/me",
    tag = "SCIM",
    summary = "Get My Own User",
    description = "The caller's own user, whatever their roles; no organization in the path.",
    params(
    ),
    responses(
        (status = 200, description = "The caller as a SCIM User", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimUnauthorized,
    ),
    security(("bearer" = []))
)]
pub async fn get_me(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = ScimContext::new(&state, &headers, caller.person.org_id);
    let user = existing_user(&state, &context, caller.person.id).await?;
    Ok(answer(StatusCode::OK, &user, &context).into_response())
}

//! `/Groups`: create, list (with filter), get, replace, patch (members), delete, and
//! `/Groups/{id}/Members`. Members are users of the group's organization.

use super::error::{ScimError, SCIM_CONTENT_TYPE};
use super::openapi::{
    ScimCreateErrors, ScimGroupPath, ScimIfMatch, ScimInvalidParameter, ScimInvalidPatch,
    ScimInvalidQuery, ScimInvalidResource, ScimListQuery, ScimOrgNotFound, ScimOrgPath,
    ScimProjection, ScimReadErrors, ScimResourceNotFound, ScimStale, ScimUpdateErrors,
    ScimWriteErrors, JSON_REQUEST_TYPE, SCIM_REQUEST_TYPE,
};
use super::user::member;
use super::users::Outcome;
use super::{
    check_access, if_match, path_uuid, query_params, read_body, respond, ListParams, ScimCaller,
    ScimContext, CISCO_GROUP, CORE_GROUP, LIST_SCHEMA,
};
use crate::auth::Caller;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use roster_store::rules::text_problem;
use roster_store::scim::{ScimGroupDraft, ScimGroupRecord, ScimMember, Versioned};
use roster_types::time::format_millis;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// The most members one group read returns with the group (the rest through `/Members`).
const MAX_INLINE_MEMBERS: u32 = 10_000;

fn member_json(member: &ScimMember, context: &ScimContext) -> Value {
    json!({
        "value": member.person_id.to_string(),
        "display": member.display_name,
        "type": "user",
        "$ref": context.user_location(member.person_id),
    })
}

pub fn group_json(
    group: &ScimGroupRecord,
    members: Option<&[ScimMember]>,
    context: &ScimContext,
) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([CORE_GROUP, CISCO_GROUP]));
    out.insert("id".into(), group.id.to_string().into());
    out.insert("displayName".into(), group.display_name.clone().into());
    if let Some(external_id) = &group.external_id {
        out.insert("externalId".into(), external_id.clone().into());
    }
    if let Some(members) = members {
        let members: Vec<Value> = members.iter().map(|m| member_json(m, context)).collect();
        out.insert("members".into(), members.into());
    }
    let mut cisco = group.attributes.clone();
    cisco.insert(
        "meta".into(),
        json!({"organizationID": group.org_id.to_string()}),
    );
    out.insert(CISCO_GROUP.into(), cisco.into());
    out.insert(
        "meta".into(),
        json!({
            "resourceType": "Group",
            "location": context.group_location(group.id),
            "version": super::user::etag(group.last_modified),
            "created": format_millis(group.created),
            "lastModified": format_millis(group.last_modified),
        }),
    );
    out.into()
}

/// A Group body as the store writes it.
fn group_from_json(body: &Value) -> Result<ScimGroupDraft, ScimError> {
    let body = body
        .as_object()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "The body must be a JSON object."))?;
    let text = |name: &str| -> Result<Option<String>, ScimError> {
        match member(body, name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => match text_problem(s.trim()) {
                Some(problem) => Err(ScimError::bad(
                    "invalidValue",
                    format!("'{name}' {problem}."),
                )),
                None => Ok(Some(s.trim().to_string())),
            },
            Some(_) => Err(ScimError::bad(
                "invalidValue",
                format!("'{name}' must be a string."),
            )),
        }
    };
    let display_name = text("displayName")?
        .ok_or_else(|| ScimError::bad("invalidValue", "'displayName' is required."))?;
    let mut members = Vec::new();
    if let Some(list) = member(body, "members") {
        let list = list
            .as_array()
            .ok_or_else(|| ScimError::bad("invalidValue", "'members' must be an array."))?;
        for entry in list {
            let value = entry
                .as_object()
                .and_then(|e| member(e, "value"))
                .and_then(Value::as_str)
                .ok_or_else(|| ScimError::bad("invalidValue", "Each member needs a 'value'."))?;
            members.push(Uuid::parse_str(value).map_err(|_| {
                ScimError::bad(
                    "invalidValue",
                    format!("The member '{value}' is not a user id."),
                )
            })?);
        }
    }
    let attributes = member(body, CISCO_GROUP)
        .and_then(Value::as_object)
        .map(|cisco| {
            let mut cisco = cisco.clone();
            cisco.retain(|k, _| !k.eq_ignore_ascii_case("meta"));
            cisco
        })
        .unwrap_or_default();
    Ok(ScimGroupDraft {
        display_name,
        external_id: text("externalId")?,
        attributes,
        members,
    })
}

async fn existing_group(
    state: &AppState,
    context: &ScimContext,
    id: Uuid,
) -> Result<ScimGroupRecord, ScimError> {
    match state.store.get_scim_group(id).await? {
        Some(group) if group.org_id == context.org => Ok(group),
        _ => Err(ScimError::not_found("The group could not be found.")),
    }
}

async fn all_members(state: &AppState, group: Uuid) -> Result<Vec<ScimMember>, ScimError> {
    Ok(state
        .store
        .scim_group_members(group, 1, MAX_INLINE_MEMBERS)
        .await?
        .resources)
}

async fn answer(
    state: &AppState,
    status: StatusCode,
    group: &ScimGroupRecord,
    context: &ScimContext,
) -> Result<Outcome, ScimError> {
    let members = all_members(state, group.id).await?;
    Ok(Outcome {
        status,
        body: Some(group_json(group, Some(&members), context)),
        version: Some(group.last_modified),
        location: Some(context.group_location(group.id)),
    })
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    context: &ScimContext,
    body: &Value,
) -> Result<Outcome, ScimError> {
    check_access(caller, context.org, true)?;
    let draft = group_from_json(body)?;
    let group = state
        .store
        .create_scim_group(context.org, None, draft)
        .await?;
    answer(state, StatusCode::CREATED, &group, context).await
}

async fn write(
    state: &AppState,
    context: &ScimContext,
    id: Uuid,
    body: &Value,
    version: Option<i64>,
) -> Result<Outcome, ScimError> {
    let draft = group_from_json(body)?;
    match state.store.replace_scim_group(id, draft, version).await? {
        Versioned::Written(group) => answer(state, StatusCode::OK, &group, context).await,
        Versioned::Stale => Err(ScimError::stale()),
    }
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
    existing_group(state, context, id).await?;
    write(state, context, id, body, version).await
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
    let group = existing_group(state, context, id).await?;
    if version.is_some_and(|v| v != group.last_modified) {
        return Err(ScimError::stale());
    }
    let members = all_members(state, id).await?;
    let mut resource = group_json(&group, Some(&members), context);
    super::patch::apply(&mut resource, body, &[CORE_GROUP, CISCO_GROUP])?;
    write(state, context, id, &resource, Some(group.last_modified)).await
}

pub async fn delete(
    state: &AppState,
    caller: &Caller,
    context: &ScimContext,
    id: Uuid,
    version: Option<i64>,
) -> Result<Outcome, ScimError> {
    check_access(caller, context.org, true)?;
    let group = existing_group(state, context, id).await?;
    if version.is_some_and(|v| v != group.last_modified) {
        return Err(ScimError::stale());
    }
    state.store.delete_scim_group(id).await?;
    Ok(Outcome {
        status: StatusCode::NO_CONTENT,
        body: None,
        version: None,
        location: None,
    })
}

#[utoipa::path(
    post,
    path = "/identity/scim/{orgId}/v2/Groups",
    tag = "SCIM",
    summary = "Create a Group",
    description = "Creates a group, with members if given. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath),
    request_body(description = "A SCIM Group", content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE))),
    responses(
        (status = 201, description = "The new group, with its members", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimCreateErrors,
    ),
    security(("bearer" = []))
)]
pub async fn create_group(
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
    path = "/identity/scim/{orgId}/v2/Groups",
    tag = "SCIM",
    summary = "List Groups",
    description = "A page of the organization's groups, as a ListResponse; members only with `includeMembers=true`. Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(
        ScimOrgPath,
        ScimListQuery,
        ("sortBy" = Option<String>, Query, description = "`displayName`, `id` or `meta.lastModified`; by creation when left out."),
        ScimProjection,
        ("includeMembers" = Option<bool>, Query, description = "Include each group's members; default false."),
    ),
    responses(
        (status = 200, description = "A ListResponse of groups", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimInvalidQuery,
        ScimReadErrors,
        ScimOrgNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn list_groups(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path(org): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, false)?;
    let params = query_params(raw.as_deref())?;
    let list = ListParams::parse(&params, context.org, "displayName")?;
    // As Webex: members only with includeMembers=true (a group can be large).
    let include_members =
        params.bool("includeMembers", false)? && !list.projection.excludes("members");
    let page = state
        .store
        .list_scim_groups(&list.query)
        .await
        .map_err(|e| match e {
            roster_store::StoreError::Invalid(reason) => ScimError::bad("invalidFilter", reason),
            other => other.into(),
        })?;
    let mut resources = Vec::with_capacity(page.resources.len());
    for group in &page.resources {
        let members = match include_members {
            true => Some(all_members(&state, group.id).await?),
            false => None,
        };
        resources.push(
            list.projection
                .apply(group_json(group, members.as_deref(), &context)),
        );
    }
    let body = super::list_response(page.total, list.query.start_index, resources);
    Ok(respond(StatusCode::OK, &body, None, None))
}

#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/Groups/{groupId}",
    tag = "SCIM",
    summary = "Get a Group",
    description = "The group with its members. Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(ScimOrgPath, ScimGroupPath, ScimProjection),
    responses(
        (status = 200, description = "The group", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimInvalidParameter,
        ScimReadErrors,
        ScimResourceNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn get_group(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, false)?;
    let projection = super::Projection::parse(&query_params(raw.as_deref())?)?;
    let group = existing_group(&state, &context, path_uuid(&id, "group")?).await?;
    let mut outcome = answer(&state, StatusCode::OK, &group, &context).await?;
    outcome.body = outcome.body.map(|b| projection.apply(b));
    Ok(outcome.into_response())
}

#[utoipa::path(
    put,
    path = "/identity/scim/{orgId}/v2/Groups/{groupId}",
    tag = "SCIM",
    summary = "Replace a Group",
    description = "Replaces the group, its members included, with the body. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath, ScimGroupPath, ScimIfMatch),
    request_body(description = "A SCIM Group", content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE))),
    responses(
        (status = 200, description = "The group as replaced", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimInvalidResource,
        ScimUpdateErrors,
    ),
    security(("bearer" = []))
)]
pub async fn replace_group(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let id = path_uuid(&id, "group")?;
    let body = read_body(&headers, &bytes)?;
    let version = if_match(&headers)?;
    Ok(replace(&state, &caller, &context, id, &body, version)
        .await?
        .into_response())
}

#[utoipa::path(
    patch,
    path = "/identity/scim/{orgId}/v2/Groups/{groupId}",
    tag = "SCIM",
    summary = "Update a Group",
    description = "Applies a PatchOp in order (adding and removing members among others); if any operation fails, nothing changes. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath, ScimGroupPath, ScimIfMatch),
    request_body(description = "A SCIM PatchOp", content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE))),
    responses(
        (status = 200, description = "The group as patched", body = Object, content_type = SCIM_CONTENT_TYPE, headers(("ETag" = String, description = "The resource's version"), ("Location" = String, description = "The resource's URL"))),
        ScimInvalidPatch,
        ScimUpdateErrors,
    ),
    security(("bearer" = []))
)]
pub async fn patch_group(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let id = path_uuid(&id, "group")?;
    let body = read_body(&headers, &bytes)?;
    let version = if_match(&headers)?;
    Ok(patch(&state, &caller, &context, id, &body, version)
        .await?
        .into_response())
}

#[utoipa::path(
    delete,
    path = "/identity/scim/{orgId}/v2/Groups/{groupId}",
    tag = "SCIM",
    summary = "Delete a Group",
    description = "Deletes the group; its members stay. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath, ScimGroupPath, ScimIfMatch),
    responses(
        (status = 204, description = "Deleted; no body"),
        ScimWriteErrors,
        ScimResourceNotFound,
        ScimStale,
    ),
    security(("bearer" = []))
)]
pub async fn delete_group(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let id = path_uuid(&id, "group")?;
    let version = if_match(&headers)?;
    Ok(delete(&state, &caller, &context, id, version)
        .await?
        .into_response())
}

/// `GET /Groups/{id}/Members`: a page of members (count at most 500).
#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/Groups/{groupId}/Members",
    tag = "SCIM",
    summary = "List Group Members",
    description = "A page of a group's members, with the group's displayName. Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(
        ScimOrgPath,
        ScimGroupPath,
        ("startIndex" = Option<u64>, Query, description = "The 1-based index of the first member; default 1."),
        ("count" = Option<u32>, Query, description = "Members per page; default 500, at most 500."),
    ),
    responses(
        (status = 200, description = "A page of members", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimInvalidParameter,
        ScimReadErrors,
        ScimResourceNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn list_members(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, false)?;
    let group = existing_group(&state, &context, path_uuid(&id, "group")?).await?;
    let params = query_params(raw.as_deref())?;
    let number = |name: &str, default: i64| -> Result<i64, ScimError> {
        match params.get(name)? {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                ScimError::bad("invalidValue", format!("'{name}' must be an integer."))
            }),
        }
    };
    let start_index = number("startIndex", 1)?.max(1) as u64;
    let count = number("count", 500)?.clamp(0, 500) as u32;
    let page = state
        .store
        .scim_group_members(group.id, start_index, count)
        .await?;
    let members: Vec<Value> = page
        .resources
        .iter()
        .map(|m| member_json(m, &context))
        .collect();
    let body = json!({
        "schemas": [LIST_SCHEMA],
        "displayName": group.display_name,
        "totalResults": page.total,
        "itemsPerPage": members.len(),
        "startIndex": start_index,
        "members": members,
    });
    Ok(respond(StatusCode::OK, &body, None, None))
}

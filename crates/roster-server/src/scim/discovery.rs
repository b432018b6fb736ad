//! Discovery (RFC 7644 §4): what this server implements, said the same way it behaves —
//! PATCH, Bulk, sorting and ETags yes; filters up to `MAX_COUNT` results a page; no
//! change-password endpoint.

use super::error::{ScimError, ScimErrorBody, SCIM_CONTENT_TYPE};
use super::openapi::{ScimOrgNotFound, ScimOrgPath, ScimReadErrors};
use super::{check_access, respond, ScimCaller, ScimContext};
use super::{CISCO_GROUP, CISCO_USER, CORE_GROUP, CORE_USER, ENTERPRISE_USER, MAX_COUNT};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

pub const MAX_BULK_OPERATIONS: usize = 100;

fn context(
    state: &AppState,
    headers: &HeaderMap,
    caller: &crate::auth::Caller,
    org: &str,
) -> Result<ScimContext, ScimError> {
    let context = ScimContext::for_path(state, headers, org)?;
    check_access(caller, context.org, false)?;
    Ok(context)
}

#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/ServiceProviderConfig",
    tag = "SCIM",
    summary = "Service Provider Configuration",
    description = "What this server supports: PATCH, Bulk and its limits, filters, sorting, ETags; no password change. Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(ScimOrgPath),
    responses(
        (status = 200, description = "The configuration", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimReadErrors,
        ScimOrgNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn service_provider_config(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = context(&state, &headers, &caller, &org)?;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/roster/roster#scim",
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": MAX_BULK_OPERATIONS, "maxPayloadSize": state.config.max_body_bytes},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A Roster access token in the Authorization header.",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{}/ServiceProviderConfig", context.base)},
    });
    Ok(respond(StatusCode::OK, &body, None, None))
}

fn resource_type_list(context: &ScimContext) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User", "name": "User", "endpoint": "/Users", "schema": CORE_USER,
            "schemaExtensions": [
                {"schema": ENTERPRISE_USER, "required": false},
                {"schema": CISCO_USER, "required": false},
            ],
            "meta": {"resourceType": "ResourceType", "location": format!("{}/ResourceTypes/User", context.base)},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group", "name": "Group", "endpoint": "/Groups", "schema": CORE_GROUP,
            "schemaExtensions": [{"schema": CISCO_GROUP, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{}/ResourceTypes/Group", context.base)},
        }),
    ]
}

#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/ResourceTypes",
    tag = "SCIM",
    summary = "List Resource Types",
    description = "User and Group, with their schemas and extensions, as a ListResponse. Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(ScimOrgPath),
    responses(
        (status = 200, description = "A ListResponse of resource types", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimReadErrors,
        ScimOrgNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn resource_types(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = context(&state, &headers, &caller, &org)?;
    let types = resource_type_list(&context);
    Ok(respond(
        StatusCode::OK,
        &super::list_response(2, 1, types),
        None,
        None,
    ))
}

#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/ResourceTypes/{name}",
    tag = "SCIM",
    summary = "Get a Resource Type",
    description = "Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(
        ScimOrgPath,
        ("name" = String, Path, description = "`User` or `Group` (any case)."),
    ),
    responses(
        (status = 200, description = "The resource type", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimReadErrors,
        (status = 404, description = "No such resource type (or no such organization)", body = ScimErrorBody, content_type = SCIM_CONTENT_TYPE),
    ),
    security(("bearer" = []))
)]
pub async fn resource_type(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = context(&state, &headers, &caller, &org)?;
    let found = resource_type_list(&context)
        .into_iter()
        .find(|t| {
            t["id"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(&name))
        })
        .ok_or_else(|| ScimError::not_found("No such resource type."))?;
    Ok(respond(StatusCode::OK, &found, None, None))
}

/// One attribute definition (RFC 7643 §7).
fn attribute(name: &str, kind: &str, multi: bool, mutability: &str, sub: Vec<Value>) -> Value {
    let mut out = json!({
        "name": name, "type": kind, "multiValued": multi, "required": name == "userName",
        "caseExact": name == "id" || name == "externalId", "mutability": mutability,
        "returned": if name == "password" { "never" } else { "default" },
        "uniqueness": if name == "userName" || name == "id" { "server" } else { "none" },
    });
    if !sub.is_empty() {
        out["subAttributes"] = sub.into();
    }
    out
}

fn strings(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|n| attribute(n, "string", false, "readWrite", vec![]))
        .collect()
}

fn multi(name: &str, subs: &[&str]) -> Value {
    let mut sub = strings(subs);
    sub.push(attribute("primary", "boolean", false, "readWrite", vec![]));
    attribute(name, "complex", true, "readWrite", sub)
}

fn schema_list(context: &ScimContext) -> Vec<Value> {
    let user_attributes = {
        let mut list = vec![
            attribute("id", "string", false, "readOnly", vec![]),
            attribute("userName", "string", false, "readWrite", vec![]),
            attribute("active", "boolean", false, "readWrite", vec![]),
            attribute("password", "string", false, "writeOnly", vec![]),
            attribute(
                "name",
                "complex",
                false,
                "readWrite",
                strings(&[
                    "givenName",
                    "familyName",
                    "middleName",
                    "formatted",
                    "honorificPrefix",
                    "honorificSuffix",
                ]),
            ),
        ];
        list.extend(strings(&[
            "externalId",
            "displayName",
            "nickName",
            "title",
            "userType",
            "profileUrl",
            "preferredLanguage",
            "locale",
            "timezone",
        ]));
        list.push(multi("emails", &["value", "type", "display"]));
        list.push(multi("phoneNumbers", &["value", "type", "display"]));
        list.push(multi("photos", &["value", "type", "display"]));
        list.push(attribute(
            "addresses",
            "complex",
            true,
            "readWrite",
            strings(&[
                "type",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
            ]),
        ));
        list.push(multi("roles", &["value", "type", "display"]));
        list.push(attribute(
            "groups",
            "complex",
            true,
            "readOnly",
            strings(&["value", "display", "$ref"]),
        ));
        list
    };
    let enterprise = {
        let mut list = strings(&[
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
        ]);
        list.push(attribute(
            "manager",
            "complex",
            false,
            "readWrite",
            strings(&["value", "displayName", "$ref"]),
        ));
        list
    };
    let group_attributes = vec![
        attribute("id", "string", false, "readOnly", vec![]),
        attribute("displayName", "string", false, "readWrite", vec![]),
        attribute("externalId", "string", false, "readWrite", vec![]),
        attribute(
            "members",
            "complex",
            true,
            "readWrite",
            strings(&["value", "display", "type", "$ref"]),
        ),
    ];
    let schema = |id: &str, name: &str, attributes: Vec<Value>| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": id, "name": name, "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": format!("{}/Schemas/{id}", context.base)},
        })
    };
    vec![
        schema(CORE_USER, "User", user_attributes),
        schema(ENTERPRISE_USER, "EnterpriseUser", enterprise),
        schema(CISCO_USER, "CiscoUser", strings(&["accountStatus"])),
        schema(CORE_GROUP, "Group", group_attributes),
        schema(CISCO_GROUP, "CiscoGroup", strings(&["usage"])),
    ]
}

#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/Schemas",
    tag = "SCIM",
    summary = "List Schemas",
    description = "The attribute definitions of User, Group and their extensions, as a ListResponse. Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(ScimOrgPath),
    responses(
        (status = 200, description = "A ListResponse of schemas", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimReadErrors,
        ScimOrgNotFound,
    ),
    security(("bearer" = []))
)]
pub async fn schemas(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = context(&state, &headers, &caller, &org)?;
    let list = schema_list(&context);
    let total = list.len() as u64;
    Ok(respond(
        StatusCode::OK,
        &super::list_response(total, 1, list),
        None,
        None,
    ))
}

/// `/Schemas/{id}` and Webex's `/Schemas/SCIM2/User`, `/Schemas/SCIM2/Group`.
#[utoipa::path(
    get,
    path = "/identity/scim/{orgId}/v2/Schemas/{schemaId}",
    tag = "SCIM",
    summary = "Get a Schema",
    description = "Admins of the organization (read-only and device admins too) and partners who manage it may read; a scoped token needs `identity:people_read` or `identity:people_rw`.",
    params(
        ScimOrgPath,
        ("schemaId" = String, Path, description = "A schema URN, or `User` or `Group` for the core schemas."),
    ),
    responses(
        (status = 200, description = "The schema", body = Object, content_type = SCIM_CONTENT_TYPE),
        ScimReadErrors,
        (status = 404, description = "No such schema (or no such organization)", body = ScimErrorBody, content_type = SCIM_CONTENT_TYPE),
    ),
    security(("bearer" = []))
)]
pub async fn schema(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let context = context(&state, &headers, &caller, &org)?;
    let wanted = match id.as_str() {
        "User" => CORE_USER,
        "Group" => CORE_GROUP,
        other => other,
    };
    let found = schema_list(&context)
        .into_iter()
        .find(|s| {
            s["id"]
                .as_str()
                .is_some_and(|i| i.eq_ignore_ascii_case(wanted))
        })
        .ok_or_else(|| ScimError::not_found("No such schema."))?;
    Ok(respond(StatusCode::OK, &found, None, None))
}

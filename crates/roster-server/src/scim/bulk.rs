//! `POST /Bulk` (RFC 7644 §3.7): up to 100 operations in order, each answered on its own;
//! `bulkId:<id>` anywhere in a later operation's path or data stands for the id an earlier
//! POST created; after `failOnErrors` failures the rest are not run.

use super::discovery::MAX_BULK_OPERATIONS;
use super::error::{ScimError, ScimErrorBody, ScimFault, SCIM_CONTENT_TYPE};
use super::openapi::{
    ScimNotJson, ScimOrgNotFound, ScimOrgPath, ScimWriteErrors, JSON_REQUEST_TYPE,
    SCIM_REQUEST_TYPE,
};
use super::users::Outcome;
use super::{check_access, path_uuid, read_body, respond, ScimCaller, ScimContext};
use crate::auth::Caller;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;

pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

#[utoipa::path(
    post,
    path = "/identity/scim/{orgId}/v2/Bulk",
    tag = "SCIM",
    summary = "Bulk Request",
    description = "Runs up to 100 operations (POST, PUT, PATCH, DELETE of Users and Groups) in order, each answered on its own; `bulkId:<id>` in a later operation stands for what an earlier POST created; after `failOnErrors` failures the rest are skipped. Full and user admins of the organization (and partners who manage it) may write; a scoped token needs `identity:people_rw`.",
    params(ScimOrgPath),
    request_body(description = "A SCIM BulkRequest", content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE))),
    responses(
        (status = 200, description = "A BulkResponse: each operation's status, location and version, or its error", body = Object, content_type = SCIM_CONTENT_TYPE),
        (status = 400, description = "The body is not a BulkRequest", body = ScimErrorBody, content_type = SCIM_CONTENT_TYPE),
        ScimWriteErrors,
        ScimOrgNotFound,
        (status = 413, description = "More than 100 operations (`tooMany`)", body = ScimErrorBody, content_type = SCIM_CONTENT_TYPE),
        ScimNotJson,
    ),
    security(("bearer" = []))
)]
pub async fn bulk(
    State(state): State<AppState>,
    ScimCaller(caller): ScimCaller,
    Path(org): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ScimError> {
    let context = ScimContext::for_path(&state, &headers, &org)?;
    check_access(&caller, context.org, true)?;
    let body = read_body(&headers, &bytes)?;
    let request = body.as_object().expect("read_body gives an object");
    let declared = request
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(BULK_REQUEST)));
    if !declared {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("'schemas' must be [\"{BULK_REQUEST}\"]."),
        ));
    }
    let operations = super::user::member(request, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad("invalidSyntax", "'Operations' must be an array."))?;
    if operations.len() > MAX_BULK_OPERATIONS {
        return Err(ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("tooMany"),
            format!("A bulk request may carry at most {MAX_BULK_OPERATIONS} operations."),
        ));
    }
    let fail_on_errors = match super::user::member(request, "failOnErrors") {
        None => None,
        Some(n) => Some(n.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
            ScimError::bad("invalidValue", "'failOnErrors' must be a positive integer.")
        })?),
    };
    let mut created: HashMap<String, String> = HashMap::new();
    let mut results = Vec::new();
    let mut errors = 0;
    for operation in operations {
        if fail_on_errors.is_some_and(|limit| errors >= limit) {
            break;
        }
        let (method, bulk_id, outcome) = run(&state, &caller, &context, operation, &created).await;
        let mut result = json!({"method": method});
        if let Some(bulk_id) = &bulk_id {
            result["bulkId"] = bulk_id.clone().into();
        }
        match outcome {
            Ok(outcome) => {
                result["status"] = outcome.status.as_u16().to_string().into();
                if let Some(location) = &outcome.location {
                    result["location"] = location.clone().into();
                    if let (Some(bulk_id), Some(id)) = (&bulk_id, location.rsplit('/').next()) {
                        created.insert(bulk_id.clone(), id.to_string());
                    }
                }
                if let Some(version) = outcome.version {
                    result["version"] = super::user::etag(version).into();
                }
            }
            Err(error) => {
                errors += 1;
                result["status"] = error.status.as_u16().to_string().into();
                let fault = ScimFault {
                    scim_type: error.scim_type,
                    detail: error.detail,
                };
                let tracking = crate::tracking::new_tracking_id();
                result["response"] = serde_json::from_slice(&fault.body(error.status, &tracking))
                    .unwrap_or(Value::Null);
            }
        }
        results.push(result);
    }
    let body = json!({"schemas": [BULK_RESPONSE], "Operations": results});
    Ok(respond(StatusCode::OK, &body, None, None))
}

/// Runs one operation: its method, its bulkId, and what it answered.
async fn run(
    state: &AppState,
    caller: &Caller,
    context: &ScimContext,
    operation: &Value,
    created: &HashMap<String, String>,
) -> (String, Option<String>, Result<Outcome, ScimError>) {
    let fields = operation.as_object();
    let text = |name: &str| {
        fields
            .and_then(|f| super::user::member(f, name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let method = text("method").unwrap_or_default().to_ascii_uppercase();
    let bulk_id = text("bulkId");
    let outcome = async {
        // `bulkId:<id>` references, resolved textually in the path and the data.
        let resolve = |text: String| -> Result<String, ScimError> {
            let mut out = text;
            while let Some(start) = out.find("bulkId:") {
                let rest = &out[start + 7..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .unwrap_or(rest.len());
                let reference = &rest[..end];
                let id = created.get(reference).ok_or_else(|| {
                    ScimError::new(
                        StatusCode::CONFLICT,
                        Some("invalidValue"),
                        format!("No earlier operation created bulkId '{reference}'."),
                    )
                })?;
                out = format!("{}{}{}", &out[..start], id, &rest[end..]);
            }
            Ok(out)
        };
        let path =
            resolve(text("path").ok_or_else(|| {
                ScimError::bad("invalidSyntax", "Each operation needs a 'path'.")
            })?)?;
        let data = match fields.and_then(|f| f.get("data")) {
            Some(data) => Some(
                serde_json::from_str::<Value>(&resolve(data.to_string())?)
                    .map_err(|e| ScimError::bad("invalidSyntax", e.to_string()))?,
            ),
            None => None,
        };
        let needs_data = || {
            data.clone()
                .ok_or_else(|| ScimError::bad("invalidSyntax", "This operation needs 'data'."))
        };
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("POST", ["Users"]) => {
                if bulk_id.is_none() {
                    return Err(ScimError::bad("invalidSyntax", "A POST needs a 'bulkId'."));
                }
                super::users::create(state, caller, context, &needs_data()?).await
            }
            ("POST", ["Groups"]) => {
                if bulk_id.is_none() {
                    return Err(ScimError::bad("invalidSyntax", "A POST needs a 'bulkId'."));
                }
                super::groups::create(state, caller, context, &needs_data()?).await
            }
            ("PUT", ["Users", id]) => {
                super::users::replace(
                    state,
                    caller,
                    context,
                    path_uuid(id, "user")?,
                    &needs_data()?,
                    None,
                )
                .await
            }
            ("PATCH", ["Users", id]) => {
                super::users::patch(
                    state,
                    caller,
                    context,
                    path_uuid(id, "user")?,
                    &needs_data()?,
                    None,
                )
                .await
            }
            ("DELETE", ["Users", id]) => {
                super::users::delete(state, caller, context, path_uuid(id, "user")?, None).await
            }
            ("PUT", ["Groups", id]) => {
                super::groups::replace(
                    state,
                    caller,
                    context,
                    path_uuid(id, "group")?,
                    &needs_data()?,
                    None,
                )
                .await
            }
            ("PATCH", ["Groups", id]) => {
                super::groups::patch(
                    state,
                    caller,
                    context,
                    path_uuid(id, "group")?,
                    &needs_data()?,
                    None,
                )
                .await
            }
            ("DELETE", ["Groups", id]) => {
                super::groups::delete(state, caller, context, path_uuid(id, "group")?, None).await
            }
            _ => Err(ScimError::bad(
                "invalidSyntax",
                format!("'{method} {path}' is not a bulk operation."),
            )),
        }
    }
    .await;
    (method, bulk_id, outcome)
}

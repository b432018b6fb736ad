//! The control endpoints, their OpenAPI document (`GET /openapi.json` on the control
//! listener) and the control token check. Errors have the same body as the rest of Roster.

use super::faults;
use super::journal::JournalFilter;
use super::{Controls, START_SNAPSHOT};
use crate::error::ApiError;
use crate::openapi::BearerToken;
use crate::state::AppState;
use crate::tracking;
use crate::wire::{json_response, JsonBody, QueryParams};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use roster_store::oauth::SignInApproval;
use roster_store::token::{self, Digest256};
use roster_store::SnapshotRecord;
use roster_types::control::{
    ClockView, FaultRule, FaultSpec, Items, JournalEntry, SignIn, Snapshot,
};
use roster_types::id::{encode_uuid, GlobalId, IdKind};
use roster_types::time::{format_millis, parse_millis};
use roster_types::ErrorBody;
use serde::Deserialize;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// What the control handlers share.
#[derive(Clone)]
pub struct ControlState {
    pub app: AppState,
    pub controls: Arc<Controls>,
    /// The SHA-256 of the control token: compared in constant time, never the token.
    token: Digest256,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster control API",
        description = "Test controls of a Roster server: faults, the request journal, \
                       snapshots and the clock. Served on the control listener only."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags((name = "Control", description = "Test controls"))
)]
struct ControlDoc;

/// The control API's router, with its document at `/openapi.json`.
pub fn router(app: AppState, controls: Arc<Controls>, control_token: &str) -> Router {
    let (router, document) = OpenApiRouter::with_openapi(ControlDoc::openapi())
        .routes(routes!(add_fault, list_faults, clear_faults))
        .routes(routes!(delete_fault))
        .routes(routes!(list_requests, clear_requests))
        .routes(routes!(save_snapshot, list_snapshots))
        .routes(routes!(delete_snapshot))
        .routes(routes!(restore_snapshot))
        .routes(routes!(reset))
        .routes(routes!(get_clock, set_clock, real_clock))
        .routes(routes!(approve_sign_in, list_sign_ins))
        .split_for_parts();
    let document = document.to_pretty_json().unwrap_or_default();
    let state = ControlState {
        app,
        controls,
        token: token::digest(control_token),
    };
    router
        .route(
            "/openapi.json",
            get(move || async move {
                crate::wire::json_bytes_response(StatusCode::OK, document.clone().into_bytes())
            }),
        )
        .fallback(|| async { ApiError::not_found("The requested resource could not be found.") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_control_token,
        ))
        .layer(axum::middleware::from_fn(with_error_body))
        .with_state(state)
}

/// Every control request carries the control token; anything else (no token, a Webex API
/// token) is a 401.
async fn require_control_token(
    State(state): State<ControlState>,
    request: Request,
    next: Next,
) -> Response {
    let given = crate::auth::bearer(request.headers()).map(token::digest);
    match given {
        Some(digest) if bool::from(digest.ct_eq(&state.token)) => next.run(request).await,
        _ => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "The control API requires the control token in the Authorization header \
             ('Bearer <control token>').",
        )
        .into_response(),
    }
}

/// The Webex error body and a tracking id, as on the API's listener.
async fn with_error_body(request: Request, next: Next) -> Response {
    let tracking_id = tracking::tracking_id_for(request.headers());
    tracking::finish_response(next.run(request).await, &tracking_id)
}

/// A person named by id (Webex's or the plain UUID) or by email.
async fn resolve_person(state: &ControlState, person: &str) -> Result<(Uuid, String), ApiError> {
    let found = if person.contains('@') {
        state.app.store.find_person_by_email(person).await?
    } else {
        let id = GlobalId::decode_uuid(IdKind::People, person)
            .ok()
            .or_else(|| Uuid::parse_str(person).ok())
            .ok_or_else(|| {
                ApiError::bad_request(format!("'{person}' is neither a person id nor an email."))
            })?;
        state.app.store.get_person(id).await?
    };
    let person = found
        .ok_or_else(|| ApiError::bad_request(format!("No person is '{person}'.")))?
        .id;
    Ok((person, encode_uuid(IdKind::People, &person)))
}

#[utoipa::path(
    post,
    path = "/faults",
    tag = "Control",
    summary = "Add a fault rule",
    request_body = FaultSpec,
    responses(
        (status = 201, description = "The rule, with its id", body = FaultRule),
        (status = 400, description = "The rule is not valid; nothing was added", body = ErrorBody),
    )
)]
async fn add_fault(
    State(state): State<ControlState>,
    JsonBody(spec): JsonBody<FaultSpec>,
) -> Result<Response, ApiError> {
    let person = match spec.person.as_deref() {
        Some(person) => Some(resolve_person(&state, person).await?),
        None => None,
    };
    let rule = state.controls.faults.add(faults::check(spec, person)?);
    tracing::info!(fault = %rule.id, "fault rule added");
    Ok(json_response(StatusCode::CREATED, &rule))
}

#[utoipa::path(
    get,
    path = "/faults",
    tag = "Control",
    summary = "List the fault rules and how often each fired",
    responses((status = 200, description = "The rules, oldest first", body = Items<FaultRule>))
)]
async fn list_faults(State(state): State<ControlState>) -> Response {
    let items = state.controls.faults.list();
    json_response(StatusCode::OK, &Items { items })
}

#[utoipa::path(
    delete,
    path = "/faults",
    tag = "Control",
    summary = "Delete every fault rule",
    responses((status = 204, description = "No rules left"))
)]
async fn clear_faults(State(state): State<ControlState>) -> StatusCode {
    state.controls.faults.clear();
    StatusCode::NO_CONTENT
}

#[utoipa::path(
    delete,
    path = "/faults/{id}",
    tag = "Control",
    summary = "Delete a fault rule",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such rule", body = ErrorBody),
    )
)]
async fn delete_fault(
    State(state): State<ControlState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.controls.faults.remove(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "No fault rule has the id '{id}'."
        )))
    }
}

#[utoipa::path(
    get,
    path = "/requests",
    tag = "Control",
    summary = "The requests the API served, oldest first",
    params(
        ("method" = Option<String>, Query, description = "Only this method."),
        ("path" = Option<String>, Query, description = "Only paths starting with this."),
        ("person" = Option<String>, Query, description = "Only this caller (id or email)."),
        ("status" = Option<u16>, Query, description = "Only this status."),
        ("since" = Option<String>, Query, description = "Only from this time on (RFC 3339)."),
    ),
    responses(
        (status = 200, description = "The journal's entries", body = Items<JournalEntry>),
        (status = 400, description = "A filter is not valid", body = ErrorBody),
    )
)]
async fn list_requests(
    State(state): State<ControlState>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    for (name, _) in &query.0 {
        if !["method", "path", "person", "status", "since"].contains(&name.as_str()) {
            return Err(ApiError::bad_request(format!(
                "Unknown filter '{name}': use method, path, person, status or since."
            )));
        }
    }
    let person = match query.text("person")? {
        Some(person) => Some(resolve_person(&state, person).await?.0),
        None => None,
    };
    let status = query
        .text("status")?
        .map(|s| {
            s.parse::<u16>().map_err(|_| {
                ApiError::bad_request(format!("'status' must be a number, not '{s}'."))
            })
        })
        .transpose()?;
    let since_millis = query
        .text("since")?
        .map(|s| {
            parse_millis(s).ok_or_else(|| {
                ApiError::bad_request(format!("'since' must be an RFC 3339 time, not '{s}'."))
            })
        })
        .transpose()?;
    let filter = JournalFilter {
        method: query.text("method")?.map(str::to_string),
        path_prefix: query.text("path")?.map(str::to_string),
        person,
        status,
        since_millis,
    };
    let items = state.controls.journal.list(&filter);
    Ok(json_response(StatusCode::OK, &Items { items }))
}

#[utoipa::path(
    delete,
    path = "/requests",
    tag = "Control",
    summary = "Empty the request journal",
    responses((status = 204, description = "Emptied"))
)]
async fn clear_requests(State(state): State<ControlState>) -> StatusCode {
    state.controls.journal.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SnapshotName {
    name: String,
}

fn snapshot_view(record: SnapshotRecord) -> Snapshot {
    Snapshot {
        name: record.name,
        created: format_millis(record.created),
        tables: record.tables,
    }
}

#[utoipa::path(
    post,
    path = "/snapshots",
    tag = "Control",
    summary = "Save the whole directory under a name (replacing a snapshot of that name)",
    request_body = SnapshotName,
    responses(
        (status = 201, description = "Saved", body = Snapshot),
        (status = 400, description = "The name is not valid", body = ErrorBody),
    )
)]
async fn save_snapshot(
    State(state): State<ControlState>,
    JsonBody(body): JsonBody<SnapshotName>,
) -> Result<Response, ApiError> {
    // Activity noted in memory belongs in the snapshot.
    state
        .app
        .activity
        .flush(state.app.store.as_ref(), |id| {
            state.app.caches.forget_person(id)
        })
        .await;
    let saved = state.app.store.save_snapshot(&body.name).await?;
    Ok(json_response(StatusCode::CREATED, &snapshot_view(saved)))
}

#[utoipa::path(
    get,
    path = "/snapshots",
    tag = "Control",
    summary = "List the snapshots, oldest first",
    responses((status = 200, description = "The snapshots", body = Items<Snapshot>))
)]
async fn list_snapshots(State(state): State<ControlState>) -> Result<Response, ApiError> {
    let items: Vec<Snapshot> = state
        .app
        .store
        .list_snapshots()
        .await?
        .into_iter()
        .map(snapshot_view)
        .collect();
    Ok(json_response(StatusCode::OK, &Items { items }))
}

fn no_snapshot(name: &str) -> ApiError {
    ApiError::not_found(format!("No snapshot is named '{name}'."))
}

#[utoipa::path(
    delete,
    path = "/snapshots/{name}",
    tag = "Control",
    summary = "Delete a snapshot",
    params(("name" = String, Path, description = "The snapshot's name.")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such snapshot", body = ErrorBody),
    )
)]
async fn delete_snapshot(
    State(state): State<ControlState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    match state.app.store.delete_snapshot(&name).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(no_snapshot(&name)),
    }
}

/// Restores `name` and makes sure this node serves nothing from before it; other nodes drop
/// their caches when they read the `all` change the restore notes.
async fn restore(state: &ControlState, name: &str) -> Result<StatusCode, ApiError> {
    // Activity noted before the restore is about the directory being replaced.
    state.app.activity.clear();
    if !state.app.store.restore_snapshot(name).await? {
        return Err(no_snapshot(name));
    }
    state.app.caches.clear();
    tracing::info!(snapshot = name, "snapshot restored");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/snapshots/{name}/restore",
    tag = "Control",
    summary = "Replace the whole directory with a snapshot",
    params(("name" = String, Path, description = "The snapshot's name.")),
    responses(
        (status = 204, description = "Restored"),
        (status = 404, description = "No such snapshot", body = ErrorBody),
    )
)]
async fn restore_snapshot(
    State(state): State<ControlState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    restore(&state, &name).await
}

#[utoipa::path(
    post,
    path = "/reset",
    tag = "Control",
    summary = "Put the directory back as it was when the server started",
    responses((status = 204, description = "Restored"))
)]
async fn reset(State(state): State<ControlState>) -> Result<StatusCode, ApiError> {
    restore(&state, START_SNAPSHOT).await
}

fn clock_view(state: &ControlState) -> ClockView {
    let clock = state.app.store.clock();
    ClockView {
        now: format_millis(clock.now_millis()),
        offset_ms: clock.offset_millis(),
    }
}

/// Exactly one of the two.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// How far to move the clock forward: `30s`, `15m`, `2h`, `1h 30m`.
    advance: Option<String>,
    /// The time to put the clock at (RFC 3339); it runs on from there.
    now: Option<String>,
}

#[utoipa::path(
    get,
    path = "/clock",
    tag = "Control",
    summary = "The server's time",
    responses((status = 200, description = "Now", body = ClockView))
)]
async fn get_clock(State(state): State<ControlState>) -> Response {
    json_response(StatusCode::OK, &clock_view(&state))
}

#[utoipa::path(
    post,
    path = "/clock",
    tag = "Control",
    summary = "Move the server's clock",
    request_body = ClockChange,
    responses(
        (status = 200, description = "The new time", body = ClockView),
        (status = 400, description = "Not one valid change", body = ErrorBody),
    )
)]
async fn set_clock(
    State(state): State<ControlState>,
    JsonBody(change): JsonBody<ClockChange>,
) -> Result<Response, ApiError> {
    let clock = state.app.store.clock();
    match (change.advance, change.now) {
        (Some(advance), None) => {
            let by = humantime::parse_duration(&advance).map_err(|e| {
                ApiError::bad_request(format!(
                    "'advance' must be a duration such as 30s, 15m or 2h ('{advance}': {e})."
                ))
            })?;
            let millis = i64::try_from(by.as_millis())
                .map_err(|_| ApiError::bad_request("'advance' is too far."))?;
            clock.advance(millis);
        }
        (None, Some(now)) => {
            let millis = parse_millis(&now).ok_or_else(|| {
                ApiError::bad_request(format!("'now' must be an RFC 3339 time, not '{now}'."))
            })?;
            clock.set(millis);
        }
        _ => {
            return Err(ApiError::bad_request(
                "Send exactly one of 'advance' (a duration) and 'now' (an RFC 3339 time).",
            ))
        }
    }
    Ok(json_response(StatusCode::OK, &clock_view(&state)))
}

#[utoipa::path(
    delete,
    path = "/clock",
    tag = "Control",
    summary = "Put the server's clock back on real time",
    responses((status = 204, description = "On real time"))
)]
async fn real_clock(State(state): State<ControlState>) -> StatusCode {
    state.app.store.clock().reset();
    StatusCode::NO_CONTENT
}

/// A sign-in approved ahead: the next `/v1/authorize` of its client (or of any client, without
/// one) signs in as its person and consents, without a page.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignInRequest {
    /// A person id (Webex's or the plain UUID) or an email.
    person: String,
    /// The integration's client id; any integration when absent.
    client_id: Option<String>,
}

fn sign_in_view(approval: SignInApproval) -> SignIn {
    SignIn {
        id: approval.id.to_string(),
        person_id: encode_uuid(IdKind::People, &approval.person_id),
        client_id: approval.client_id,
        created: format_millis(approval.created),
    }
}

#[utoipa::path(
    post,
    path = "/sign-ins",
    tag = "Control",
    summary = "Approve the next authorization (of one integration, or any) as a person",
    request_body = SignInRequest,
    responses(
        (status = 201, description = "Approved; used by the next matching /v1/authorize", body = SignIn),
        (status = 400, description = "No such person or integration", body = ErrorBody),
    )
)]
async fn approve_sign_in(
    State(state): State<ControlState>,
    JsonBody(body): JsonBody<SignInRequest>,
) -> Result<Response, ApiError> {
    let (person, _) = resolve_person(&state, &body.person).await?;
    if let Some(client_id) = body.client_id.as_deref() {
        if state.app.store.get_integration(client_id).await?.is_none() {
            return Err(ApiError::bad_request(format!(
                "No integration has the client id '{client_id}'."
            )));
        }
    }
    let approval = state
        .app
        .store
        .approve_sign_in(person, body.client_id.as_deref())
        .await?;
    tracing::info!(approval = %approval.id, "sign-in approved ahead");
    Ok(json_response(StatusCode::CREATED, &sign_in_view(approval)))
}

#[utoipa::path(
    get,
    path = "/sign-ins",
    tag = "Control",
    summary = "List the approved sign-ins not used yet, oldest first",
    responses((status = 200, description = "The pending approvals", body = Items<SignIn>))
)]
async fn list_sign_ins(State(state): State<ControlState>) -> Result<Response, ApiError> {
    let items: Vec<SignIn> = state
        .app
        .store
        .list_sign_in_approvals()
        .await?
        .into_iter()
        .filter(|approval| approval.taken_at.is_none())
        .map(sign_in_view)
        .collect();
    Ok(json_response(StatusCode::OK, &Items { items }))
}

//! `PUT /v1/people/{personId}`: Update a Person.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/update-a-person>.
//! A full replacement: fields left out are cleared (emails excepted, see `input.rs`), and
//! read-only or unknown fields in the body are ignored, because SDKs PUT back the whole
//! object they got from a GET.

use super::input::{draft_from_input, Purpose};
use super::{visible_person, MinResponse};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{person_view, ViewContext, ViewOptions};
use crate::wire::{json_response, JsonBody, QueryParams};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use roster_types::id::encode_uuid;
use roster_types::{ErrorBody, Person};
use roster_types::{IdKind, PersonInput};

#[utoipa::path(
    put,
    path = "/v1/people/{personId}",
    tag = "People",
    summary = "Update a Person",
    description = "Replaces every settable field; fields left out are cleared (emails are kept).",
    params(
        ("personId" = String, Path, description = "A person id."),
        ("callingData" = Option<bool>, Query, description = "Include Webex Calling details in the response."),
        ("minResponse" = Option<bool>, Query, description = "Answer with the person's id only."),
    ),
    request_body(content = PersonInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated person", body = Person, content_type = "application/json;charset=UTF-8"),
        (status = 400, description = "The id or body is invalid", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The caller may not change this person", body = ErrorBody),
        (status = 404, description = "No such person within the caller's reach", body = ErrorBody),
        (status = 409, description = "An email is already in use", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_a_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(person_id): Path<String>,
    query: QueryParams,
    JsonBody(input): JsonBody<PersonInput>,
) -> Result<Response, ApiError> {
    caller.require_scope(crate::oauth::scopes::PEOPLE_WRITE)?;
    let calling_data = query.bool("callingData", false)?;
    let min_response = query.bool("minResponse", false)?;
    let existing = visible_person(&state, &caller, &person_id).await?;
    if !caller.viewer.can_manage(existing.org_id) {
        return Err(ApiError::forbidden(
            "Only an admin of the person's organization can change people.",
        ));
    }
    let draft = draft_from_input(
        &state,
        &caller.viewer,
        &caller.person.roles,
        input,
        Purpose::Replace(&existing),
    )
    .await?;
    let person = state.store.replace_person(existing.id, draft).await?;
    state.caches.forget_person(&person.id);
    tracing::info!(person = %person.id, "person updated");
    if min_response {
        let id = encode_uuid(IdKind::People, &person.id);
        return Ok(json_response(StatusCode::OK, &MinResponse { id }));
    }
    let options = ViewOptions {
        calling_data,
        ..ViewOptions::new(ViewContext::Get)
    };
    let live = caller.live(&state, &person);
    Ok(json_response(
        StatusCode::OK,
        &person_view(&person, &caller.viewer, &options, &live),
    ))
}

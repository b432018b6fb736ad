//! `POST /v1/people`: Create a Person.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/create-a-person>.
//! Admins with write rights only. Answers 200 (not 201: the Python SDKs reject 201) with
//! the new person, or only its id with `minResponse=true`. New people start with an invite
//! pending, cleared by their first authenticated request.

use super::input::{draft_from_input, Purpose};
use super::MinResponse;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{person_view, AdminRights, ViewContext, ViewOptions};
use crate::wire::{json_response, JsonBody, QueryParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use roster_types::id::encode_uuid;
use roster_types::{ErrorBody, Person};
use roster_types::{IdKind, PersonInput};

#[utoipa::path(
    post,
    path = "/v1/people",
    tag = "People",
    summary = "Create a Person",
    params(
        ("callingData" = Option<bool>, Query, description = "Include Webex Calling details in the response."),
        ("minResponse" = Option<bool>, Query, description = "Answer with the new person's id only."),
    ),
    request_body(content = PersonInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The new person", body = Person, content_type = "application/json;charset=UTF-8"),
        (status = 400, description = "The body is invalid", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The caller may not create people here", body = ErrorBody),
        (status = 409, description = "The email is already in use", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_a_person(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryParams,
    JsonBody(input): JsonBody<PersonInput>,
) -> Result<Response, ApiError> {
    caller.require_scope(crate::oauth::scopes::PEOPLE_WRITE)?;
    let calling_data = query.bool("callingData", false)?;
    let min_response = query.bool("minResponse", false)?;
    if caller.viewer.admin != AdminRights::Write {
        return Err(ApiError::forbidden("Only an admin can create a person."));
    }
    let mut draft = draft_from_input(
        &state,
        &caller.viewer,
        &caller.person.roles,
        input,
        Purpose::Create,
    )
    .await?;
    draft.invite_pending = true;
    let person = state.store.create_person(draft).await?;
    tracing::info!(person = %person.id, org = %person.org_id, "person created");
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

//! `DELETE /v1/people/{personId}`: Delete a Person.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/delete-a-person>.
//! 204 with no body; the person's tokens stop working at once (they are deleted with them,
//! and this process drops its cached copy; other processes follow the change feed).

use super::visible_person;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roster_types::ErrorBody;

#[utoipa::path(
    delete,
    path = "/v1/people/{personId}",
    tag = "People",
    summary = "Delete a Person",
    params(("personId" = String, Path, description = "A person id.")),
    responses(
        (status = 204, description = "Deleted; no body"),
        (status = 400, description = "The id cannot be decoded", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The caller may not delete people", body = ErrorBody),
        (status = 404, description = "No such person within the caller's reach", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_a_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(person_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_scope(crate::oauth::scopes::PEOPLE_WRITE)?;
    let person = visible_person(&state, &caller, &person_id).await?;
    if !caller.viewer.can_manage(person.org_id) {
        return Err(ApiError::forbidden(
            "Only an admin of the person's organization can delete people.",
        ));
    }
    let deleted = state.store.delete_person(person.id).await?;
    state.caches.forget_person(&person.id);
    if !deleted {
        return Err(ApiError::not_found(
            "The requested person could not be found.",
        ));
    }
    tracing::info!(person = %person.id, "person deleted");
    Ok(StatusCode::NO_CONTENT)
}

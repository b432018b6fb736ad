//! `GET /v1/people/{personId}`: Get Person Details.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/get-person-details>.

use super::visible_person;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{visibility, ViewContext, ViewOptions};
use crate::wire::QueryParams;
use axum::extract::{Path, State};
use axum::response::Response;
use roster_types::{ErrorBody, Person};

#[utoipa::path(
    get,
    path = "/v1/people/{personId}",
    tag = "People",
    summary = "Get Person Details",
    params(
        ("personId" = String, Path, description = "A person id; padded, standard-alphabet and raw-UUID forms are accepted."),
        ("callingData" = Option<bool>, Query, description = "Include Webex Calling details (admins only)."),
    ),
    responses(
        (status = 200, description = "The person", body = Person, content_type = "application/json;charset=UTF-8"),
        (status = 400, description = "The id cannot be decoded", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 404, description = "No such person within the caller's reach", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_person_details(
    State(state): State<AppState>,
    caller: Caller,
    Path(person_id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    caller.require_scope(crate::oauth::scopes::PEOPLE_READ)?;
    let options = ViewOptions {
        calling_data: query.bool("callingData", false)?,
        ..ViewOptions::new(ViewContext::Get)
    };
    let person = visible_person(&state, &caller, &person_id).await?;
    let live = caller.live(&state, &person);
    let visibility = visibility(&person, &caller.viewer, &options);
    Ok(state.caches.renders().respond(&person, visibility, &live))
}

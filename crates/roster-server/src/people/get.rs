//! `GET /v1/people/{personId}`: Get Person Details.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/get-person-details>.

use super::visible_person;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{person_view, ViewContext, ViewOptions};
use crate::wire::{json_response, QueryParams};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

pub async fn get_person_details(
    State(state): State<AppState>,
    caller: Caller,
    Path(person_id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let options = ViewOptions {
        calling_data: query.bool("callingData", false)?,
        ..ViewOptions::new(ViewContext::Get)
    };
    let person = visible_person(&state, &caller, &person_id).await?;
    let live = caller.live(&state, &person);
    Ok(json_response(
        StatusCode::OK,
        &person_view(&person, &caller.viewer, &options, &live),
    ))
}

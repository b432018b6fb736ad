//! `GET /v1/people/me`: Get My Own Details.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/get-my-own-details>.
//! The same as getting one's own person by id, plus one's roles and licenses.
//!
//! This is the hot path of the whole server (every bot's first call, every "Login with
//! Webex" app's userinfo): `edge.rs` calls it without the router, and its body comes from
//! `render.rs`, serialised once per version of the caller's record.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{visibility, ViewContext, ViewOptions};
use crate::wire::QueryParams;
use axum::extract::State;
use axum::response::Response;
use roster_types::{ErrorBody, Person};

#[utoipa::path(
    get,
    path = "/v1/people/me",
    tag = "People",
    summary = "Get My Own Details",
    description = "The caller's own person, including their roles and licenses.",
    params(("callingData" = Option<bool>, Query, description = "Include Webex Calling details (admins only).")),
    responses(
        (status = 200, description = "The caller", body = Person, content_type = "application/json;charset=UTF-8"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_my_own_details(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryParams,
) -> Result<Response, ApiError> {
    caller.require_scope(crate::oauth::scopes::PEOPLE_READ)?;
    let options = ViewOptions {
        calling_data: query.bool("callingData", false)?,
        ..ViewOptions::new(ViewContext::Me)
    };
    let visibility = visibility(&caller.person, &caller.viewer, &options);
    let live = caller.live(&state, &caller.person);
    Ok(state
        .caches
        .renders()
        .respond(&caller.person, visibility, &live))
}

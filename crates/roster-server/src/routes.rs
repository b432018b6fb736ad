//! The whole route table.
//!
//! `/v1/people/me` is a static segment, so it wins over `/v1/people/{personId}`.

use crate::error::ApiError;
use crate::people;
use crate::state::AppState;
use crate::tracking;
use axum::routing::get;
use axum::Router;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/people/me", get(people::me::get_my_own_details))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(tracking::track))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("The requested resource could not be found.")
}

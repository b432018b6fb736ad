//! The whole route table.
//!
//! `/v1/people/me` is a static segment, so it wins over `/v1/people/{personId}`;
//! `/v1/people/` (trailing slash, as the JavaScript SDK's batcher sends it) is `/v1/people`.

use crate::error::ApiError;
use crate::people;
use crate::state::AppState;
use crate::tracking;
use axum::routing::get;
use axum::Router;

pub fn router(state: AppState) -> Router {
    let collection = get(people::list::list_people).post(people::create::create_a_person);
    Router::new()
        .route("/v1/people", collection.clone())
        .route("/v1/people/", collection)
        .route("/v1/people/me", get(people::me::get_my_own_details))
        .route("/openapi.json", get(crate::openapi::serve_document))
        .route(
            "/v1/people/{person_id}",
            get(people::get::get_person_details)
                .put(people::update::update_a_person)
                .delete(people::delete::delete_a_person),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn(tracking::track))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("The requested resource could not be found.")
}

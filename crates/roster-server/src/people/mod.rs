//! The People resource, one module per operation.

pub mod create;
pub mod delete;
pub mod get;
pub mod input;
pub mod list;
pub mod me;
pub mod update;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use roster_store::PersonRecord;
use std::sync::Arc;

/// The person a path names, if the caller may see them. Someone outside the caller's reach
/// is a 404 exactly like someone who does not exist, so ids reveal nothing across
/// organizations.
pub async fn visible_person(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
) -> Result<Arc<PersonRecord>, ApiError> {
    let id = input::person_id_from_path(raw_id)?;
    match state.caches.person(id).await? {
        Some(person) if caller.viewer.can_see(person.org_id) => Ok(person),
        _ => Err(ApiError::not_found(
            "The requested person could not be found.",
        )),
    }
}

/// The `{"id": ...}` body of a `minResponse=true` write.
#[derive(serde::Serialize)]
pub struct MinResponse {
    pub id: String,
}

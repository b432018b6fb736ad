//! The caller: `Authorization: Bearer <token>` resolved to a person and their rights.

use crate::error::ApiError;
use crate::limits::BearerHash;
use crate::state::AppState;
use crate::view::{AdminRights, Live, Viewer};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use roster_store::{token, PersonRecord};
use roster_types::time::now_millis;
use std::sync::Arc;

/// An authenticated caller. Extracting it authenticates the request and notes the caller's
/// activity (in memory; see `activity.rs`).
pub struct Caller {
    pub person: Arc<PersonRecord>,
    pub viewer: Viewer,
    /// The time the request was authenticated, used for every derived value it shows.
    pub now: i64,
}

impl Caller {
    /// What is known live about `person` for a view made for this caller.
    pub fn live(&self, state: &AppState, person: &PersonRecord) -> Live {
        Live {
            now: self.now,
            noted_activity: state.activity.noted(&person.id),
        }
    }
}

/// The bearer token of a request, or why there is none.
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("The Authorization header is missing."))?;
    let value = header.to_str().map_err(|_| {
        ApiError::unauthorized("The Authorization header contains characters that are not allowed.")
    })?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(|| {
        ApiError::unauthorized("The Authorization header must be 'Bearer <access token>'.")
    })?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(ApiError::unauthorized(
            "The Authorization header must be 'Bearer <access token>'.",
        ));
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        // Looking the token up by its hash, never comparing secrets directly, keeps the check
        // free of timing differences that depend on the token's content.
        let hash = match parts.extensions.get::<BearerHash>() {
            Some(BearerHash(hash)) => hash.clone(),
            None => token::hash(token),
        };
        let record = state
            .token(&hash)
            .await?
            .ok_or_else(|| ApiError::unauthorized("The access token is not valid."))?;
        let now = now_millis();
        if record.revoked_at.is_some() {
            return Err(ApiError::unauthorized("The access token has been revoked."));
        }
        if record.expires_at.is_some_and(|at| at <= now) {
            return Err(ApiError::unauthorized("The access token has expired."));
        }
        let person = state
            .person(record.person_id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("The access token is not valid."))?;
        if !person.login_enabled {
            return Err(ApiError::unauthorized(
                "The person this access token belongs to may not sign in.",
            ));
        }
        let managed_orgs = state.managed_orgs(person.org_id).await?;
        state.activity.note(person.id, now);
        let viewer = Viewer {
            person_id: person.id,
            org_id: person.org_id,
            admin: AdminRights::from_roles(&person.roles),
            managed_orgs,
            status_sharing: person.status_sharing,
        };
        Ok(Caller {
            person,
            viewer,
            now,
        })
    }
}

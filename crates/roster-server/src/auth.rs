//! The caller: `Authorization: Bearer <token>` resolved to a person and their rights.

use crate::error::ApiError;
use crate::limits::{self, BearerDigest};
use crate::state::AppState;
use crate::view::{AdminRights, Live, Viewer};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use roster_store::token::{self, Digest256};
use roster_store::PersonRecord;
use roster_types::time::now_millis;
use std::sync::Arc;

/// An authenticated caller. Extracting it authenticates the request and notes the caller's
/// activity (in memory; see `activity.rs`).
pub struct Caller {
    pub person: Arc<PersonRecord>,
    pub viewer: Viewer,
    /// The time the request was authenticated, used for every derived value it shows.
    pub now: i64,
    /// The caller's own newest activity noted in memory (this request's, or later).
    noted_activity: i64,
}

impl Caller {
    /// What is known live about `person` for a view made for this caller.
    pub fn live(&self, state: &AppState, person: &PersonRecord) -> Live {
        let noted_activity = if person.id == self.person.id {
            Some(self.noted_activity)
        } else {
            state.activity.noted(&person.id)
        };
        Live {
            now: self.now,
            noted_activity,
        }
    }
}

/// The bearer token of a request, or why there is none. A token is accepted exactly when
/// [`limits::bearer`] finds one, so the digest `edge.rs` computes from that is this token's.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    if let Some(token) = limits::bearer(headers) {
        return Ok(token);
    }
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("The Authorization header is missing."))?;
    if header.to_str().is_err() {
        return Err(ApiError::unauthorized(
            "The Authorization header contains characters that are not allowed.",
        ));
    }
    Err(ApiError::unauthorized(
        "The Authorization header must be 'Bearer <access token>'.",
    ))
}

impl Caller {
    /// Authenticates a request by its headers. `digest` is the SHA-256 of its bearer token
    /// when that was already computed (see `edge.rs`).
    pub async fn authenticate(
        headers: &HeaderMap,
        digest: Option<Digest256>,
        state: &AppState,
    ) -> Result<Caller, ApiError> {
        // A digest is only ever computed from a well-formed bearer token, so with one the
        // header needs no second look. Looking the token up by its hash, never comparing
        // secrets directly, keeps the check free of timing differences that depend on the
        // token's content.
        let digest = match digest {
            Some(digest) => digest,
            None => token::digest(bearer_token(headers)?),
        };
        let record = state
            .caches
            .token(&digest)
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
            .caches
            .person(record.person_id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("The access token is not valid."))?;
        if !person.login_enabled {
            return Err(ApiError::unauthorized(
                "The person this access token belongs to may not sign in.",
            ));
        }
        let managed_orgs = state.caches.managed_orgs(person.org_id).await?;
        let noted_activity = state.activity.note(person.id, now);
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
            noted_activity,
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let digest = parts.extensions.get::<BearerDigest>().map(|d| d.0);
        Caller::authenticate(&parts.headers, digest, state).await
    }
}

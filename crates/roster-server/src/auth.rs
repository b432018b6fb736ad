//! The caller: `Authorization: Bearer <token>` resolved to a person and their rights.
//!
//! The token is hashed once per request, or less: [`ConnectionToken`] remembers the last
//! token of a connection and its digest, which `edge.rs` hands on to the rate limit and to
//! [`Caller::authenticate`].

use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{AdminRights, Live, Viewer};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use roster_store::token::{self, Digest256};
use roster_store::{PersonRecord, TokenRecord};
use std::sync::{Arc, Mutex};

/// The bearer token of a request, if the header has the `Bearer <token>` shape.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

/// A request's bearer token as the edge knows it before authentication: its SHA-256,
/// computed once per request (see `edge.rs`), and its record when the control API's hook
/// already read that from the cache (`control/edge.rs`), so that it is not looked up twice.
/// Handed to [`Caller::authenticate`] directly on a hot read, and through the request's
/// extensions on the router's path.
#[derive(Debug, Clone)]
pub struct BearerDigest {
    pub digest: Digest256,
    pub record: Option<Arc<TokenRecord>>,
}

impl BearerDigest {
    /// A digest whose record is still to be looked up.
    pub fn unresolved(digest: Digest256) -> Self {
        BearerDigest {
            digest,
            record: None,
        }
    }
}

/// The last bearer token sent on a connection, and its SHA-256. Clients send the same token
/// on every request of a keep-alive connection, and hashing it was the largest single cost
/// left on a warm `/me`. It lives only in memory, only as long as the connection whose read
/// buffer held it anyway, and is compared in constant time, since a proxy may send several
/// callers' requests down one connection.
#[derive(Default)]
pub struct ConnectionToken(Mutex<LastToken>);

#[derive(Default)]
struct LastToken {
    token: Vec<u8>,
    digest: Digest256,
}

impl ConnectionToken {
    /// The digest of the request's bearer token, if it has a well-formed one.
    pub fn digest(&self, headers: &HeaderMap) -> Option<Digest256> {
        let token = bearer(headers)?.as_bytes();
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !same_bytes(&last.token, token) {
            last.token.clear();
            last.token.extend_from_slice(token);
            last.digest = token::digest_bytes(token);
        }
        Some(last.digest)
    }
}

/// Equal slices, compared without stopping at the first difference, so that the time taken
/// says nothing about where two tokens differ. (Lengths are not secret: tokens have one
/// format.)
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

/// An authenticated caller. Extracting it authenticates the request and notes the caller's
/// activity (in memory; see `activity.rs`).
pub struct Caller {
    pub person: Arc<PersonRecord>,
    pub viewer: Viewer,
    /// The token the request came with (its scopes decide what it may do).
    pub token: Arc<TokenRecord>,
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
/// [`bearer`] finds one, so the digest [`ConnectionToken`] computes from that is this token's.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    if let Some(token) = bearer(headers) {
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
    /// Authenticates a request by its headers. `known` is what the edge already knows of its
    /// bearer token (see [`BearerDigest`]), if anything.
    pub async fn authenticate(
        headers: &HeaderMap,
        known: Option<BearerDigest>,
        state: &AppState,
    ) -> Result<Caller, ApiError> {
        // A digest is only ever computed from a well-formed bearer token, so with one the
        // header needs no second look. Looking the token up by its hash, never comparing
        // secrets directly, keeps the check free of timing differences that depend on the
        // token's content.
        let record = match known {
            Some(BearerDigest {
                record: Some(record),
                ..
            }) => Some(record),
            Some(BearerDigest { digest, .. }) => state.caches.token(&digest).await?,
            None => {
                let digest = token::digest(bearer_token(headers)?);
                state.caches.token(&digest).await?
            }
        };
        let record =
            record.ok_or_else(|| ApiError::unauthorized("The access token is not valid."))?;
        let now = state.store.clock().now_millis();
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
            token: record,
            now,
            noted_activity,
        })
    }
}

impl Caller {
    /// Refuses (403, naming the scopes) a token that carries none of `any_of`. Tokens
    /// without scopes (`roster token create`) have full access.
    pub fn require_scope(&self, any_of: &[&str]) -> Result<(), ApiError> {
        crate::oauth::scopes::require(self.token.scopes.as_deref(), any_of)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let known = parts.extensions.get::<BearerDigest>().cloned();
        Caller::authenticate(&parts.headers, known, state).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_equality() {
        assert!(same_bytes(b"", b""));
        assert!(same_bytes(b"token", b"token"));
        assert!(!same_bytes(b"token", b"tokeN"));
        assert!(!same_bytes(b"Token", b"token"));
        assert!(!same_bytes(b"token", b"token2"));
    }

    #[test]
    fn a_connection_hashes_each_new_token_and_only_well_formed_ones() {
        let connection = ConnectionToken::default();
        let mut headers = HeaderMap::new();
        assert_eq!(connection.digest(&headers), None);
        headers.insert(AUTHORIZATION, "Bearer first".parse().unwrap());
        assert_eq!(connection.digest(&headers), Some(token::digest("first")));
        assert_eq!(connection.digest(&headers), Some(token::digest("first")));
        headers.insert(AUTHORIZATION, "bearer  second ".parse().unwrap());
        assert_eq!(connection.digest(&headers), Some(token::digest("second")));
        headers.insert(AUTHORIZATION, "Basic second".parse().unwrap());
        assert_eq!(connection.digest(&headers), None);
    }
}

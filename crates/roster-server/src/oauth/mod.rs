//! OAuth 2 as Webex integrations use it: Roster as the authorization server of apps that
//! sign people in and call the People API for them.
//!
//! - `authorize.rs`: `GET`/`POST /v1/authorize`, the sign-in and consent pages (`pages.rs`,
//!   templates in `templates/`), browser sessions and CSRF (`session.rs`), throttling of
//!   failed sign-ins (`throttle.rs`);
//! - `token.rs`: `POST /v1/access_token` (authorization code with PKCE, refresh token),
//!   client authentication (`client.rs`);
//! - `revoke.rs`: RFC 7009 revocation; `authorizations.rs`: the Authorizations API;
//! - `scopes.rs`: scope names and the check the People API makes;
//! - `id_token.rs`: the one place an id_token joins a response (OpenID Connect is `oidc/`).
//!
//! Every code, grant, session and consent lives in the database (`roster_store::oauth`), so
//! any node of a deployment finishes a flow another began. The JavaScript SDK's paths under
//! `/idb/oauth2/v1/` are aliases of the same handlers.

pub mod authorizations;
pub mod authorize;
mod client;
pub mod id_token;
mod pages;
pub mod revoke;
pub mod scopes;
mod session;
mod throttle;
pub mod token;

use crate::routing::RouteTable;
use axum::routing::{get, post};
use roster_store::oauth::NewToken;
use roster_store::token as secrets;

/// Adds OAuth's endpoints (and the JavaScript SDK's aliases) to the route table.
pub fn register(table: RouteTable) -> RouteTable {
    table
        .undocumented("/v1/access_token", post(token::access_token))
        .undocumented("/idb/oauth2/v1/access_token", post(token::access_token))
        .undocumented(
            "/v1/authorize",
            get(authorize::authorize).post(authorize::submit),
        )
        .undocumented(
            "/idb/oauth2/v1/authorize",
            get(authorize::authorize).post(authorize::submit),
        )
        .undocumented("/idb/oauth2/v1/revoke", post(revoke::revoke))
        .undocumented(
            "/v1/authorizations",
            get(authorizations::list).delete(authorizations::delete_for_client),
        )
        .undocumented(
            "/v1/authorizations/{authorizationId}",
            axum::routing::delete(authorizations::delete_one),
        )
}

/// A new secret (access token, refresh token or code) in Webex's three-part shape
/// `<opaque>_<cluster>_<org uuid>`, and the hash it is stored under.
pub fn new_secret(org: uuid::Uuid) -> (String, String) {
    let secret = secrets::generate(org);
    let hash = secrets::hash(&secret);
    (secret, hash)
}

/// Milliseconds in a configured lifetime, saturating.
pub fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// An access token to issue under a grant.
pub fn grant_token(
    person: uuid::Uuid,
    hash: String,
    expires_at: i64,
    scopes: &[String],
    grant: uuid::Uuid,
) -> NewToken {
    NewToken {
        person_id: person,
        token_hash: hash,
        label: None,
        expires_at: Some(expires_at),
        scopes: Some(scopes.to_vec()),
        authorization_id: Some(grant),
    }
}

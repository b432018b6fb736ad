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
//! `/idb/oauth2/v1/` serve the same handlers (see [`register`]).

pub mod authorizations;
pub mod authorize;
mod client;
pub mod id_token;
pub mod openapi;
mod pages;
pub mod revoke;
pub mod scopes;
mod session;
mod throttle;
pub mod token;

use crate::routing::RouteTable;
use roster_store::oauth::NewToken;
use roster_store::token as secrets;
use roster_types::ErrorItem;
use serde::{Deserialize, Serialize};
use utoipa_axum::routes;

/// Adds OAuth's endpoints (and the JavaScript SDK's paths) to the route table.
///
/// `/v1/access_token` and `/v1/authorize` are where Webex's documentation, the Python SDK
/// and browsers go; the JavaScript SDK goes to the identity broker's
/// `/idb/oauth2/v1/access_token` and `/idb/oauth2/v1/authorize` instead. Both are paths
/// clients really call, so both are documented (`routes_also_at`), each a route of its own
/// in the metrics. Revocation exists only at the identity broker's path, as at Webex.
pub fn register(table: RouteTable) -> RouteTable {
    table
        .routes_also_at(routes!(token::access_token), "/idb/oauth2/v1/access_token")
        .routes_also_at(
            routes!(authorize::authorize, authorize::submit),
            "/idb/oauth2/v1/authorize",
        )
        .routes(routes!(revoke::revoke))
        .routes(routes!(
            authorizations::list,
            authorizations::delete_for_client
        ))
        .routes(routes!(authorizations::delete_one))
}

// The body `tracking.rs` writes for an OAuth error, described for the OpenAPI document; a
// test below holds it to those bytes.
/// An error of the token or revocation endpoint: RFC 6749's two fields, then Webex's usual
/// three.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type` or
    /// `invalid_scope`.
    pub error: String,
    pub error_description: String,
    pub message: String,
    pub errors: Vec<ErrorItem>,
    #[serde(rename = "trackingId")]
    pub tracking_id: String,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    /// The body the OpenAPI document describes is the one written, field for field.
    #[tokio::test]
    async fn the_documented_error_body_is_the_one_written() {
        let error = ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", "Expired.");
        let response = crate::tracking::finish_response(error.into_response(), "tid");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let written: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let body: OAuthErrorBody = serde_json::from_value(written.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            written,
            "no field left out"
        );
        assert_eq!(body.error, "invalid_grant");
        assert_eq!(body.error_description, "Expired.");
        assert_eq!(body.errors[0].description, "Expired.");
        assert_eq!(body.tracking_id, "tid");
    }
}

//! `GET /v1/.well-known/openid-configuration` (OpenID Connect Discovery 1.0) and the key set
//! it names, `GET /v1/verification` (JWKS, RFC 7517). Neither needs a token.
//!
//! The document says what Roster implements, in Webex's shape: the authorization code flow
//! (with PKCE, `plain` and `S256`) and the implicit flows of `/v1/authorize`, refresh tokens,
//! client secrets in HTTP Basic or in the form, RS256 id_tokens, public subject ids.

use super::keys::{self, Jwk};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::json_response;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use roster_types::ErrorBody;
use serde::Serialize;

/// The OpenID Provider Metadata of the issuer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenIdConfiguration {
    /// The public base URL plus `/v1`; equal to every id_token's `iss`.
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub response_types_supported: Vec<&'static str>,
    pub response_modes_supported: Vec<&'static str>,
    pub grant_types_supported: Vec<&'static str>,
    pub subject_types_supported: Vec<&'static str>,
    pub id_token_signing_alg_values_supported: Vec<&'static str>,
    pub scopes_supported: Vec<&'static str>,
    pub claims_supported: Vec<&'static str>,
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    pub code_challenge_methods_supported: Vec<&'static str>,
    pub claims_parameter_supported: bool,
    pub request_parameter_supported: bool,
    pub request_uri_parameter_supported: bool,
}

impl OpenIdConfiguration {
    /// The document for `issuer`: every endpoint under it.
    pub fn for_issuer(issuer: &str) -> Self {
        let endpoint = |path: &str| format!("{issuer}/{path}");
        OpenIdConfiguration {
            issuer: issuer.to_string(),
            authorization_endpoint: endpoint("authorize"),
            token_endpoint: endpoint("access_token"),
            userinfo_endpoint: endpoint("userinfo"),
            jwks_uri: endpoint("verification"),
            response_types_supported: vec!["code", "id_token", "token", "id_token token"],
            response_modes_supported: vec!["query", "fragment"],
            grant_types_supported: vec!["authorization_code", "implicit", "refresh_token"],
            subject_types_supported: vec!["public"],
            id_token_signing_alg_values_supported: vec!["RS256"],
            scopes_supported: vec!["openid", "email", "profile", "phone", "address"],
            claims_supported: vec![
                "aud",
                "sub",
                "auth_time",
                "iss",
                "exp",
                "iat",
                "nonce",
                "email",
                "email_verified",
                "name",
                "given_name",
                "family_name",
                "phone",
                "address",
            ],
            token_endpoint_auth_methods_supported: vec![
                "client_secret_basic",
                "client_secret_post",
            ],
            code_challenge_methods_supported: vec!["plain", "S256"],
            claims_parameter_supported: false,
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/.well-known/openid-configuration",
    tag = "OpenID Connect",
    summary = "OpenID Provider Configuration",
    description = "The issuer, its endpoints and what it supports (OpenID Connect Discovery 1.0). No token needed.",
    responses(
        (status = 200, description = "The provider's metadata", body = OpenIdConfiguration, content_type = "application/json;charset=UTF-8"),
    )
)]
pub async fn openid_configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let issuer = super::issuer(&state, &headers);
    json_response(StatusCode::OK, &OpenIdConfiguration::for_issuer(&issuer))
}

/// A JSON Web Key Set.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JwkSet {
    /// The active key first, then retired keys whose id_tokens may not have expired yet.
    pub keys: Vec<Jwk>,
}

#[utoipa::path(
    get,
    path = "/v1/verification",
    tag = "OpenID Connect",
    summary = "Signing Keys (JWKS)",
    description = "The public keys that verify id_tokens: the active key and, after a rotation, the previous keys until the id_tokens they signed have expired. No token needed.",
    responses(
        (status = 200, description = "The key set", body = JwkSet, content_type = "application/json;charset=UTF-8"),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn verification_keys(State(state): State<AppState>) -> Result<Response, ApiError> {
    let now = state.store.clock().now_millis();
    let keys = keys::published_keys(state.store.as_ref(), now).await?;
    Ok(json_response(StatusCode::OK, &JwkSet { keys }))
}

//! `GET /v1/userinfo` (OpenID Connect Core §5.3): the signed-in person's claims, by the
//! scopes of the access token. Authentication is the People API's (`auth.rs`); failures
//! carry the `WWW-Authenticate` challenge of RFC 6750 §3 besides Webex's error body.

use super::claims::{EmailVerifiedAs, OidcScopes, ScopeClaims};
use crate::auth::{BearerDigest, Caller};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::json_response;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use roster_types::ErrorBody;
use serde::Serialize;

/// What `/v1/userinfo` says about the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserInfo {
    /// The person's UUID, as the id_token's `sub`.
    pub sub: String,
    #[serde(flatten)]
    #[schema(inline)]
    pub claims: ScopeClaims,
}

#[utoipa::path(
    get,
    path = "/v1/userinfo",
    tag = "OpenID Connect",
    summary = "User Info",
    description = "Claims about the person the access token belongs to, by its scopes: `sub` with `openid`; `email` and `email_verified` (the string \"true\" or \"false\", as Webex sends it) with `email`; `name`, `given_name`, `family_name` with `profile`; `phone` with `phone`; `address` with `address`. A token made by `roster token create` carries every scope.",
    responses(
        (status = 200, description = "The claims", body = UserInfo, content_type = "application/json;charset=UTF-8"),
        (status = 401, description = "Missing or invalid token, with a `WWW-Authenticate: Bearer` challenge", body = ErrorBody),
        (status = 403, description = "The token lacks the `openid` scope (`error=\"insufficient_scope\"`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_user_info(
    State(state): State<AppState>,
    headers: HeaderMap,
    known: Option<Extension<BearerDigest>>,
) -> Response {
    let known = known.map(|Extension(known)| known);
    let caller = match Caller::authenticate(&headers, known, &state).await {
        Ok(caller) => caller,
        Err(error) => return challenge(&headers, error),
    };
    // A token without scopes (`roster token create`) may read every claim.
    let scopes = match caller.token.scopes.as_deref() {
        Some(scopes) => OidcScopes::of(scopes),
        None => OidcScopes::ALL,
    };
    if !scopes.openid {
        let error = ApiError::forbidden("The access token lacks the scope 'openid'.");
        return with_challenge(
            error.into_response(),
            "Bearer error=\"insufficient_scope\", scope=\"openid\"",
        );
    }
    let info = UserInfo {
        sub: caller.person.id.hyphenated().to_string(),
        claims: ScopeClaims::of(&caller.person, scopes, EmailVerifiedAs::String),
    };
    json_response(StatusCode::OK, &info)
}

/// The error of a failed authentication with its RFC 6750 challenge: a bare `Bearer` when
/// the request had no credentials (§3.1 wants no error code then), `invalid_token` with the
/// reason otherwise. Errors that are not about the token (503) get none.
fn challenge(headers: &HeaderMap, error: ApiError) -> Response {
    if error.status != StatusCode::UNAUTHORIZED {
        return error.into_response();
    }
    let value = if headers.contains_key(AUTHORIZATION) {
        let reason = error
            .message
            .description
            .as_deref()
            .unwrap_or(&error.message.message)
            .replace(['"', '\\'], "");
        format!("Bearer error=\"invalid_token\", error_description=\"{reason}\"")
    } else {
        "Bearer".to_string()
    };
    with_challenge(error.into_response(), &value)
}

fn with_challenge(mut response: Response, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

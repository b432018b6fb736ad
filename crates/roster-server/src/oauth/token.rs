//! `POST /v1/access_token` (and `/idb/oauth2/v1/access_token`): the authorization code
//! grant with PKCE, and the refresh token grant.
//!
//! Errors follow RFC 6749, 5.2 (`invalid_request`, `invalid_client` as 401,
//! `invalid_grant`, `unsupported_grant_type`, `invalid_scope`), with Webex's `message`,
//! `errors` and `trackingId` besides (`tracking.rs`).

use super::client::{authenticate, invalid_request, parse_form};
use super::id_token::{self, IdTokenRequest};
use super::openapi::{InvalidClient, FORM};
use super::{grant_token, millis, new_secret, scopes, OAuthErrorBody};
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roster_store::oauth::{CodeRecord, IntegrationRecord, NewGrant};
use roster_store::token::hash;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use subtle::ConstantTimeEq;

/// The 200 body, as Webex sends it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The grant's refresh token; a refresh answers with the same one.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_token_expires_in: i64,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// An OpenID Connect id_token (RS256 JWT), when `openid` was granted by a code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

// Described for the OpenAPI document only: the handler reads the form itself.
/// The token request's form; each parameter at most once.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    grant_type: String,
    /// With `authorization_code`: the code `/v1/authorize` gave.
    code: Option<String>,
    /// With `authorization_code`: the redirect URI of the authorization request, if it
    /// named one.
    redirect_uri: Option<String>,
    /// With `authorization_code`: the PKCE verifier, if the request had a challenge.
    code_verifier: Option<String>,
    /// With `refresh_token`: the refresh token.
    refresh_token: Option<String>,
    /// With `refresh_token`: fewer scopes than granted, space-separated (never more).
    scope: Option<String>,
    /// The client, when it does not authenticate with HTTP Basic (or, with Basic, the
    /// same id).
    client_id: Option<String>,
    /// The client's secret, when it does not authenticate with HTTP Basic.
    client_secret: Option<String>,
}

fn invalid_grant(description: &str) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn required<'f>(form: &'f HashMap<String, String>, name: &str) -> Result<&'f str, ApiError> {
    form.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_request(format!("The parameter '{name}' is missing.")))
}

#[utoipa::path(
    post,
    path = "/v1/access_token",
    tag = "OAuth",
    summary = "Get an Access Token",
    description = "Trades an authorization code from `/v1/authorize` (with its PKCE verifier, when the request carried a challenge) or a refresh token for an access token. The client authenticates either with HTTP Basic or with `client_id` and `client_secret` in the form, never both. A code granted with `openid` also yields an `id_token`. Errors carry RFC 6749's `error` and `error_description` as well as Webex's fields.",
    request_body(content = TokenRequest, content_type = FORM),
    responses(
        (status = 200, description = "The tokens, with `Cache-Control: no-store`", body = TokenResponse, content_type = "application/json"),
        (status = 400, description = "The body is not a form; a parameter is missing, repeated or wrong; the code or refresh token is not valid (`invalid_grant`); or the grant type or scope is refused", body = OAuthErrorBody),
        InvalidClient,
    ),
    security(("clientBasic" = []), ())
)]
pub async fn access_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let form = parse_form(&headers, &body)?;
    let client = authenticate(&state, &headers, &form).await?;
    let response = match required(&form, "grant_type")? {
        "authorization_code" => code_grant(&state, &headers, &client, &form).await?,
        "refresh_token" => refresh_grant(&state, &client, &form).await?,
        other => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("The grant type '{other}' is not supported."),
            ))
        }
    };
    let mut response = Json(response).into_response();
    // RFC 6749, 5.1: token responses must not be cached.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

async fn code_grant(
    state: &AppState,
    headers: &HeaderMap,
    client: &IntegrationRecord,
    form: &HashMap<String, String>,
) -> Result<TokenResponse, ApiError> {
    let code_hash = hash(required(form, "code")?);
    let code = state
        .store
        .find_code(&code_hash)
        .await?
        .ok_or_else(|| invalid_grant("The authorization code is not valid."))?;
    if code.used_at.is_some() {
        // A second use: whoever holds the code now may not be its owner (RFC 6749, 4.1.2).
        state.store.revoke_code_grant(&code_hash).await?;
        return Err(invalid_grant(
            "The authorization code has been used already.",
        ));
    }
    let now = state.store.clock().now_millis();
    if code.client_id != client.client_id {
        return Err(invalid_grant(
            "The authorization code was issued to another client.",
        ));
    }
    if code.expires_at <= now {
        return Err(invalid_grant("The authorization code has expired."));
    }
    check_redirect_uri(&code, client, form.get("redirect_uri"))?;
    check_verifier(&code, form.get("code_verifier"))?;
    let person = state
        .caches
        .person(code.person_id)
        .await?
        .filter(|p| p.login_enabled)
        .ok_or_else(|| invalid_grant("The person who authorized this may no longer sign in."))?;

    let (access, access_hash) = new_secret(person.org_id);
    let (refresh, refresh_hash) = new_secret(person.org_id);
    let access_expires_at = now.saturating_add(millis(state.config.access_token_ttl));
    let refresh_expires_at = now.saturating_add(millis(state.config.refresh_token_ttl));
    let grant = NewGrant {
        person_id: person.id,
        client_id: client.client_id.clone(),
        scopes: code.scopes.clone(),
        refresh_hash,
        refresh_expires_at,
        access_hash,
        access_expires_at,
    };
    if state.store.redeem_code(&code_hash, grant).await?.is_none() {
        return Err(invalid_grant(
            "The authorization code has been used already.",
        ));
    }
    let issuer = crate::oidc::issuer(state, headers);
    let id_token = id_token::mint(
        state,
        &IdTokenRequest {
            issuer: &issuer,
            client_id: &client.client_id,
            person: &person,
            scopes: &code.scopes,
            nonce: code.nonce.as_deref(),
            auth_time: code.auth_time,
        },
    )
    .await?;
    Ok(TokenResponse {
        access_token: access,
        expires_in: seconds(access_expires_at - now),
        refresh_token: refresh,
        refresh_token_expires_in: seconds(refresh_expires_at - now),
        token_type: "Bearer",
        scope: code.scopes.join(" "),
        id_token,
    })
}

/// The token request's `redirect_uri` must be the authorization's (RFC 6749, 4.1.3); it
/// may be left out only when the integration has one URI, which the authorization used.
fn check_redirect_uri(
    code: &CodeRecord,
    client: &IntegrationRecord,
    given: Option<&String>,
) -> Result<(), ApiError> {
    match given {
        Some(uri) if *uri == code.redirect_uri => Ok(()),
        Some(_) => Err(invalid_grant(
            "The redirect_uri differs from the one of the authorization request.",
        )),
        None if client.redirect_uris.len() == 1 => Ok(()),
        None => Err(invalid_request("The parameter 'redirect_uri' is missing.")),
    }
}

/// PKCE (RFC 7636, 4.6): the verifier must match the challenge the code was bound to.
fn check_verifier(code: &CodeRecord, verifier: Option<&String>) -> Result<(), ApiError> {
    let Some(challenge) = &code.code_challenge else {
        return match verifier {
            None => Ok(()),
            Some(_) => Err(invalid_grant(
                "A code_verifier was given for an authorization without a code_challenge.",
            )),
        };
    };
    let verifier = verifier.ok_or_else(|| invalid_grant("The code_verifier is missing."))?;
    if !is_pkce_value(verifier) {
        return Err(invalid_grant(
            "The code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.",
        ));
    }
    let computed = match code.code_challenge_method.as_deref() {
        Some("S256") => {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier))
        }
        _ => verifier.clone(),
    };
    if bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
        Ok(())
    } else {
        Err(invalid_grant(
            "The code_verifier does not match the code_challenge.",
        ))
    }
}

/// A PKCE verifier or challenge: 43 to 128 unreserved characters (RFC 7636, 4.1).
pub fn is_pkce_value(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

async fn refresh_grant(
    state: &AppState,
    client: &IntegrationRecord,
    form: &HashMap<String, String>,
) -> Result<TokenResponse, ApiError> {
    let refresh = required(form, "refresh_token")?;
    let now = state.store.clock().now_millis();
    let grant = state
        .store
        .find_grant_by_refresh(&hash(refresh))
        .await?
        .filter(|g| g.client_id == client.client_id)
        .ok_or_else(|| invalid_grant("The refresh token is not valid."))?;
    if grant.revoked_at.is_some() {
        return Err(invalid_grant("The refresh token has been revoked."));
    }
    if grant.refresh_expires_at <= now {
        return Err(invalid_grant("The refresh token has expired."));
    }
    // A refresh may ask for fewer scopes (RFC 6749, 6), never more.
    let granted = match form.get("scope") {
        Some(asked) => {
            let asked = roster_store::oauth::split_scopes(asked);
            if !scopes::covered(&asked, &grant.scopes) {
                return Err(ApiError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "A refresh may not ask for scopes beyond those granted.",
                ));
            }
            asked
        }
        None => grant.scopes.clone(),
    };
    let person = state
        .caches
        .person(grant.person_id)
        .await?
        .filter(|p| p.login_enabled)
        .ok_or_else(|| invalid_grant("The person who authorized this may no longer sign in."))?;
    let (access, access_hash) = new_secret(person.org_id);
    let access_expires_at = now.saturating_add(millis(state.config.access_token_ttl));
    let token = grant_token(
        person.id,
        access_hash,
        access_expires_at,
        &granted,
        grant.id,
    );
    if state.store.create_token_with(token).await?.is_none() {
        return Err(invalid_grant("The refresh token has been revoked."));
    }
    Ok(TokenResponse {
        access_token: access,
        expires_in: seconds(access_expires_at - now),
        // Webex keeps the refresh token; its lifetime counts down.
        refresh_token: refresh.to_string(),
        refresh_token_expires_in: seconds(grant.refresh_expires_at - now),
        token_type: "Bearer",
        scope: granted.join(" "),
        id_token: None,
    })
}

fn seconds(millis: i64) -> i64 {
    millis.div_euclid(1000)
}

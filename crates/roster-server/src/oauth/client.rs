//! Client authentication at the token and revocation endpoints: `client_id` and
//! `client_secret` in the form, or HTTP Basic (RFC 6749, 2.3.1), never both.

use crate::error::ApiError;
use crate::state::AppState;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use roster_store::oauth::IntegrationRecord;
use std::collections::HashMap;
use subtle::ConstantTimeEq;

pub fn invalid_client(description: &str) -> ApiError {
    ApiError::oauth(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

pub fn invalid_request(description: impl Into<String>) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// The form of an OAuth request: `application/x-www-form-urlencoded`, each parameter once
/// (RFC 6749, 3.1: parameters must not be repeated).
pub fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(invalid_request(
            "The body must be application/x-www-form-urlencoded.",
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| invalid_request("The body is not a readable form."))?;
    let mut form = HashMap::with_capacity(pairs.len());
    for (name, value) in pairs {
        if form.contains_key(&name) {
            return Err(invalid_request(format!(
                "The parameter '{name}' is given more than once."
            )));
        }
        form.insert(name, value);
    }
    Ok(form)
}

/// The client id and secret of `Authorization: Basic`, if that header is Basic.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| invalid_client("Client authentication failed."))?;
    let Some((scheme, encoded)) = text.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid_client("The Basic credentials are not readable."))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| invalid_client("The Basic credentials are not readable."))?;
    // RFC 6749 form-encodes both before Basic; ids and secrets here are hex, so decoding
    // changes nothing for clients that skip it.
    let decode = |s: &str| -> String {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
            .unwrap_or_else(|| s.to_string())
    };
    Ok(Some((decode(id), decode(secret))))
}

/// The integration the request authenticates as. Bad, missing or doubled credentials are
/// `invalid_client` (401).
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<IntegrationRecord, ApiError> {
    let basic = basic_credentials(headers)?;
    let (client_id, secret) = match (basic, form.get("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(invalid_request(
                "Use one way to authenticate the client: Basic or the form, not both.",
            ))
        }
        (Some((id, secret)), None) => {
            if form.get("client_id").is_some_and(|body_id| *body_id != id) {
                return Err(invalid_client(
                    "The client ids of the header and the form differ.",
                ));
            }
            (id, secret)
        }
        (None, Some(secret)) => {
            let id = form
                .get("client_id")
                .ok_or_else(|| invalid_client("client_id is missing."))?;
            (id.clone(), secret.clone())
        }
        (None, None) => return Err(invalid_client("Client authentication is missing.")),
    };
    let integration = state.store.get_integration(&client_id).await?;
    // Hash the presented secret even for an unknown client, so both take the same time.
    let presented = roster_store::token::hash(&secret);
    match integration {
        Some(integration)
            if bool::from(
                presented
                    .as_bytes()
                    .ct_eq(integration.secret_hash.as_bytes()),
            ) =>
        {
            Ok(integration)
        }
        _ => Err(invalid_client("Client authentication failed.")),
    }
}

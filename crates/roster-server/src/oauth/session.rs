//! Browser sessions of the sign-in pages and the CSRF token of their forms.
//!
//! The session cookie holds 256 random bits; the database keeps only their SHA-256, so
//! any node accepts the cookie and a database leak gives no session away. The CSRF token is
//! a second random cookie repeated in each form (double submit): a page of another site
//! can make the browser post, but cannot read the cookie to put it in the form.
//! Both cookies are HttpOnly and SameSite=Lax, and Secure when Roster is reached over HTTPS.

use crate::state::AppState;
use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use rand::RngCore;
use roster_store::oauth::SessionRecord;
use roster_store::token::{hash, hex};
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "roster_session";
pub const CSRF_COOKIE: &str = "roster_csrf";
/// How long a browser session lasts.
pub const SESSION_MILLIS: i64 = 12 * 60 * 60 * 1000;

pub fn random_value() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The value of a cookie the request sent (the first, if sent twice).
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// `Set-Cookie` for a cookie of these pages; `max_age` 0 clears it.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Whether the form's CSRF token is the cookie's.
pub fn csrf_matches(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookie(headers, CSRF_COOKIE), submitted) {
        (Some(cookie), Some(form)) if !cookie.is_empty() => {
            bool::from(cookie.as_bytes().ct_eq(form.as_bytes()))
        }
        _ => false,
    }
}

/// The live session the request's cookie names, if any.
pub async fn current(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionRecord>, roster_store::StoreError> {
    let Some(value) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = state.store.clock().now_millis();
    Ok(state
        .store
        .find_session(&hash(value))
        .await?
        .filter(|s| s.expires_at > now))
}

/// Starts a session for `person`; the cookie value to set.
pub async fn start(
    state: &AppState,
    person: uuid::Uuid,
) -> Result<(String, SessionRecord), roster_store::StoreError> {
    let value = random_value();
    let now = state.store.clock().now_millis();
    let session = SessionRecord {
        person_id: person,
        auth_time: now,
        expires_at: now + SESSION_MILLIS,
    };
    state.store.create_session(&hash(&value), &session).await?;
    Ok((value, session))
}

//! The sign-in, consent and error pages: server-rendered HTML from templates (askama,
//! which escapes every value), no script, and headers that keep them out of frames and
//! caches.

use crate::error::FinalBody;
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "oauth/sign_in.html")]
pub struct SignIn<'a> {
    pub app_name: &'a str,
    pub email: &'a str,
    pub error: Option<&'a str>,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "oauth/consent.html")]
pub struct Consent<'a> {
    pub app_name: &'a str,
    pub person: &'a str,
    pub scopes: Vec<String>,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "oauth/error.html")]
pub struct ErrorPage<'a> {
    pub message: &'a str,
}

/// No frames (clickjacking), no scripts, no other origins; styles only inline.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/// A page as a response with the headers every page of these flows carries, and the
/// cookies to set.
pub fn html(status: StatusCode, page: impl Template, cookies: &[String]) -> Response {
    let body = match page.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "cannot render a sign-in page");
            return crate::error::ApiError::internal().into_response();
        }
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response.extensions_mut().insert(FinalBody);
    response
}

/// The error page: for a request that must not redirect (unknown client, unregistered
/// redirect URI).
pub fn error(status: StatusCode, message: &str) -> Response {
    html(status, ErrorPage { message }, &[])
}

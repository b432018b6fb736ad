//! Tracking ids and the error body.
//!
//! Every response carries a `TrackingID` header: the client's own when it sent a usable one
//! (the Webex SDKs send theirs and expect it echoed), otherwise a new `ROSTER_<uuid>`. Error
//! responses get their Webex body here (or, from a SCIM endpoint, the SCIM error body), with
//! the tracking id equal to the header.

use crate::error::{default_message, ErrorMessage, FinalBody};
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use roster_types::{ErrorBody, JSON_CONTENT_TYPE};

/// `TrackingID` (`roster_types::TRACKING_ID_HEADER`), as a name built at compile time rather
/// than parsed on every request. HTTP/1 header names are case-insensitive.
const TRACKING_ID: HeaderName = HeaderName::from_static("trackingid");

/// Tracking ids from clients are echoed only when they are short and plainly printable, so
/// that a hostile value cannot inject headers or bloat logs.
fn usable_client_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?.trim();
    let ok = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| text.to_string())
}

/// `ROSTER_<uuid>`: a random per-process half and a counter. Tracking ids must be unique,
/// not unguessable, and this costs no system call per request.
pub fn new_tracking_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static PROCESS: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = uuid::Uuid::from_u64_pair(process, count);
    let mut out = String::with_capacity(43);
    out.push_str("ROSTER_");
    out.push_str(
        id.hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer()),
    );
    out
}

/// The tracking id for a request: the client's own when usable, otherwise a new one.
pub fn tracking_id_for(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(TRACKING_ID)
        .and_then(usable_client_id)
        .unwrap_or_else(new_tracking_id)
}

/// Gives an error response its Webex body and every response its `TrackingID` header.
pub fn finish_response(mut response: Response, tracking_id: &str) -> Response {
    if response.status().is_client_error() || response.status().is_server_error() {
        response = with_error_body(response, tracking_id);
    }
    if let Ok(value) = HeaderValue::from_str(tracking_id) {
        response.headers_mut().insert(TRACKING_ID, value);
    }
    response
}

/// Replaces the body of an error response with the Webex error body.
fn with_error_body(response: Response, tracking_id: &str) -> Response {
    if response.extensions().get::<FinalBody>().is_some() {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    if let Some(fault) = parts.extensions.remove::<crate::scim::ScimFault>() {
        // A SCIM endpoint's error: RFC 7644's body rather than Webex's.
        let bytes = fault.body(parts.status, tracking_id);
        parts.headers.insert(
            axum::http::header::CONTENT_TYPE,
            crate::scim::ScimFault::content_type(),
        );
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(bytes));
    }
    let (message, description, oauth_error) = match parts.extensions.remove::<ErrorMessage>() {
        Some(m) => (m.message.into_owned(), m.description, m.oauth_error),
        None => (default_message(parts.status).to_string(), None, None),
    };
    let mut body = ErrorBody::new(message, tracking_id);
    if let Some(description) = description {
        body.errors[0].description = description;
    }
    let bytes = match oauth_error {
        None => serde_json::to_vec(&body),
        // RFC 6749's fields first, then Webex's: OAuth clients read the first two, Webex
        // SDKs the rest.
        Some(error) => serde_json::to_vec(&serde_json::json!({
            "error": error,
            "error_description": body.errors[0].description,
            "message": body.message,
            "errors": body.errors,
            "trackingId": body.tracking_id,
        })),
    }
    .unwrap_or_default();
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_name_is_the_wire_contracts() {
        assert!(TRACKING_ID
            .as_str()
            .eq_ignore_ascii_case(roster_types::TRACKING_ID_HEADER));
    }

    #[test]
    fn client_ids_are_echoed_only_when_plainly_printable() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(TRACKING_ID, HeaderValue::from_static("webex-py-sdk_abc:1"));
        assert_eq!(tracking_id_for(&headers), "webex-py-sdk_abc:1");
        headers.insert(
            TRACKING_ID,
            HeaderValue::from_static("has spaces\tand tabs"),
        );
        assert!(tracking_id_for(&headers).starts_with("ROSTER_"));
    }
}

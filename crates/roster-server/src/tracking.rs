//! Tracking ids and the error body.
//!
//! Every response carries a `TrackingID` header: the client's own when it sent a usable one
//! (the Webex SDKs send theirs and expect it echoed), otherwise a new `ROSTER_<uuid>`. Error
//! responses get their Webex body here, with `trackingId` equal to the header.

use crate::error::{default_message, ErrorMessage};
use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use roster_types::{ErrorBody, JSON_CONTENT_TYPE, TRACKING_ID_HEADER};
use tracing::Instrument;

/// The tracking id of the request being served, in the request's extensions.
#[derive(Debug, Clone)]
pub struct TrackingId(pub String);

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

pub async fn track(mut request: Request, next: Next) -> Response {
    let tracking_id = request
        .headers()
        .get(TRACKING_ID_HEADER)
        .and_then(usable_client_id)
        .unwrap_or_else(new_tracking_id);
    request
        .extensions_mut()
        .insert(TrackingId(tracking_id.clone()));
    let started = std::time::Instant::now();
    let route = route_label(request.uri().path());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "request",
        tracking_id = %tracking_id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    if response.status().is_client_error() || response.status().is_server_error() {
        response = with_error_body(response, &tracking_id);
    }
    if let Ok(value) = HeaderValue::from_str(&tracking_id) {
        response.headers_mut().insert(TRACKING_ID_HEADER, value);
    }
    let status = response.status().as_u16().to_string();
    metrics::counter!("roster_http_requests_total", "route" => route, "method" => method_label(&method), "status" => status)
        .increment(1);
    metrics::histogram!("roster_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    span.in_scope(|| {
        let status = response.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), "request served");
        }
    });
    response
}

/// Replaces the body of an error response with the Webex error body.
fn with_error_body(response: Response, tracking_id: &str) -> Response {
    let (mut parts, _body) = response.into_parts();
    let (message, description) = match parts.extensions.remove::<ErrorMessage>() {
        Some(m) => (m.message.into_owned(), m.description),
        None => (default_message(parts.status).to_string(), None),
    };
    let mut body = ErrorBody::new(message, tracking_id);
    if let Some(description) = description {
        body.errors[0].description = description;
    }
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// The route a path belongs to, for metrics: a fixed set, so hostile paths cannot create
/// unbounded label values.
fn route_label(path: &str) -> &'static str {
    match path {
        "/v1/people" | "/v1/people/" => "/v1/people",
        "/v1/people/me" => "/v1/people/me",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        "/openapi.json" => "/openapi.json",
        p if p.starts_with("/v1/people/") && !p["/v1/people/".len()..].contains('/') => {
            "/v1/people/{personId}"
        }
        _ => "other",
    }
}

fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        _ => "other",
    }
}

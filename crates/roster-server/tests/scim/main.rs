//! SCIM 2 over HTTP: the real server on a random port, a fresh database per test (SQLite,
//! or PostgreSQL with `ROSTER_TEST_POSTGRES_URL`). Requests are sent as Okta and Entra ID
//! send them; every response is checked for status, shape and headers.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod access;
mod idp;
mod lookups;
mod resources;

use helpers::TestApp;
use reqwest::{Method, Response};
use roster_store::OrgRecord;
use serde_json::Value;

pub const SCIM_JSON: &str = "application/scim+json";
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const CISCO_ERROR: &str =
    "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error";

/// `/identity/scim/{orgId}/v2` + `path`.
pub fn scim_path(org: &OrgRecord, path: &str) -> String {
    format!("/identity/scim/{}/v2{path}", org.id)
}

/// Sends a SCIM request with `Content-Type: application/scim+json` when it has a body.
pub async fn scim(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Response {
    let mut request = app.request(method, path, Some(token));
    if let Some(body) = body {
        request = request
            .header("content-type", SCIM_JSON)
            .body(serde_json::to_vec(body).unwrap());
    }
    request.send().await.expect("request")
}

/// The JSON body of a SCIM response after checking its status and content type.
pub async fn scim_body(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    assert!(
        content_type.starts_with(SCIM_JSON),
        "content type {content_type}"
    );
    serde_json::from_str(&text).expect("JSON body")
}

/// Checks a SCIM error: RFC 7644's fields, the tracking id in the header and in Cisco's
/// block (never as a top-level key); returns the body.
pub async fn scim_error(response: Response, status: u16, scim_type: Option<&str>) -> Value {
    let tracking = response
        .headers()
        .get("trackingid")
        .expect("TrackingID header")
        .to_str()
        .unwrap()
        .to_string();
    let body = scim_body(response, status).await;
    assert_eq!(body["schemas"][0], ERROR, "{body}");
    assert_eq!(body["schemas"][1], CISCO_ERROR, "{body}");
    assert_eq!(
        body["status"],
        status.to_string(),
        "status is a string: {body}"
    );
    assert_eq!(body[CISCO_ERROR]["trackingId"], tracking.as_str());
    assert!(body.get("trackingId").is_none(), "no extra top-level key");
    assert!(!body["detail"].as_str().unwrap_or("").is_empty(), "{body}");
    match scim_type {
        Some(kind) => assert_eq!(body["scimType"], kind, "{body}"),
        None => assert!(body.get("scimType").is_none(), "{body}"),
    }
    body
}

/// An Okta-style create body.
pub fn okta_user(email: &str, given: &str, family: &str) -> Value {
    serde_json::json!({
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": format!("00u{given}"),
        "groups": [],
        "password": "1mz050nq",
        "active": true,
    })
}

//! SCIM errors (RFC 7644 §3.12): `schemas`, `status` as a string, `scimType`, `detail`, and
//! the tracking id in Cisco's error extension block (named in `schemas`) as well as in the
//! `TrackingID` header. A handler returns [`ScimError`]; the response carries a
//! [`ScimFault`] extension that `tracking.rs` turns into the body, since only it knows the
//! request's tracking id.

use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_store::StoreError;
use serde_json::json;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const CISCO_ERROR_SCHEMA: &str =
    "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error";
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json;charset=UTF-8";

#[derive(Debug, Clone)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

/// What the error body says, attached to the response for `tracking.rs`.
#[derive(Debug, Clone)]
pub struct ScimFault {
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 with a `scimType` (`invalidValue`, `invalidFilter`, `invalidPath`, `noTarget`, ...).
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, None, detail)
    }

    pub fn stale() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            "The resource has changed since the version in If-Match.",
        )
    }
}

impl From<ApiError> for ScimError {
    fn from(error: ApiError) -> Self {
        let detail = error
            .message
            .description
            .unwrap_or_else(|| error.message.message.into_owned());
        let scim_type = (error.status == StatusCode::BAD_REQUEST).then_some("invalidValue");
        ScimError::new(error.status, scim_type, detail)
    }
}

impl From<StoreError> for ScimError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(message) => {
                ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), message)
            }
            StoreError::Invalid(message) => ScimError::bad("invalidValue", message),
            StoreError::NotFound => ScimError::not_found("The resource could not be found."),
            other => ApiError::from(other).into(),
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(ScimFault {
            scim_type: self.scim_type,
            detail: self.detail,
        });
        response
    }
}

impl ScimFault {
    /// The body of a SCIM error of `status`.
    pub fn body(&self, status: StatusCode, tracking_id: &str) -> Vec<u8> {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA, CISCO_ERROR_SCHEMA],
            "status": status.as_u16().to_string(),
            "detail": self.detail,
            CISCO_ERROR_SCHEMA: {
                "trackingId": tracking_id,
                "errorCode": status.as_u16(),
                "details": self.detail,
            },
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = scim_type.into();
        }
        serde_json::to_vec(&body).unwrap_or_default()
    }

    pub fn content_type() -> HeaderValue {
        HeaderValue::from_static(SCIM_CONTENT_TYPE)
    }
}

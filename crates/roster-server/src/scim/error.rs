//! SCIM errors (RFC 7644 §3.12): `schemas`, `status` as a string, `scimType`, `detail`, and
//! the tracking id in Cisco's error extension block (named in `schemas`) as well as in the
//! `TrackingID` header. A handler returns [`ScimError`]; the response carries a
//! [`ScimFault`] extension that `tracking.rs` turns into the body, since only it knows the
//! request's tracking id.

use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const CISCO_ERROR_SCHEMA: &str =
    "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error";
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json;charset=UTF-8";

// The body `ScimFault::body` writes, described for the OpenAPI document; a test below holds
// it to those bytes.
/// A SCIM error (RFC 7644, 3.12) with Cisco's extension block.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScimErrorBody {
    /// RFC 7644's error schema, then Cisco's error extension.
    pub schemas: Vec<String>,
    /// The HTTP status code, as a string.
    pub status: String,
    /// What kind of error, with most 400s and with 409 (`uniqueness`) and 413 (`tooMany`).
    #[serde(rename = "scimType", default, skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    pub detail: String,
    #[serde(rename = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error")]
    pub cisco: CiscoErrorDetail,
}

/// Cisco's error extension block of a SCIM error.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CiscoErrorDetail {
    /// The request's tracking id, as in the `TrackingID` header.
    pub tracking_id: String,
    /// The HTTP status code, as a number.
    pub error_code: u16,
    /// The same text as `detail`.
    pub details: String,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The body the OpenAPI document describes is the one written, field for field.
    #[test]
    fn the_documented_error_body_is_the_one_written() {
        for scim_type in [Some("uniqueness"), None] {
            let fault = ScimFault {
                scim_type,
                detail: "Taken.".into(),
            };
            let written: serde_json::Value =
                serde_json::from_slice(&fault.body(StatusCode::CONFLICT, "tid")).unwrap();
            let body: ScimErrorBody = serde_json::from_value(written.clone()).unwrap();
            assert_eq!(
                serde_json::to_value(&body).unwrap(),
                written,
                "no field left out"
            );
            assert_eq!(body.schemas, [ERROR_SCHEMA, CISCO_ERROR_SCHEMA]);
            assert_eq!(body.status, "409");
            assert_eq!(body.scim_type.as_deref(), scim_type);
            assert_eq!(body.detail, "Taken.");
            assert_eq!(body.cisco.tracking_id, "tid");
            assert_eq!(body.cisco.error_code, 409);
            assert_eq!(body.cisco.details, "Taken.");
        }
    }
}

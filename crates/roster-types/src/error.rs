//! The error envelope shared by every Webex REST API.

use serde::{Deserialize, Serialize};

/// `{"message": "...", "errors": [{"description": "..."}], "trackingId": "..."}`
///
/// Clients depend on all three keys: the Python SDKs read `message` and `trackingId`,
/// `wxc_sdk` refuses a body without `errors[].description`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub message: String,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub tracking_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorItem {
    pub description: String,
}

impl ErrorBody {
    pub fn new(message: impl Into<String>, tracking_id: impl Into<String>) -> Self {
        let message = message.into();
        ErrorBody {
            errors: vec![ErrorItem {
                description: message.clone(),
            }],
            message,
            tracking_id: tracking_id.into(),
        }
    }
}

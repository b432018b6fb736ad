//! The one error type of the HTTP layer.
//!
//! Handlers return `Result<_, ApiError>` and build errors with the small constructors below
//! (`ApiError::bad_request(..)`, `ApiError::not_found(..)`, ...). An `ApiError` becomes a
//! response that carries only its status and an [`ErrorMessage`] extension; the tracking
//! middleware (`tracking.rs`) turns that into the Webex error body, because only it knows the
//! request's tracking id. Responses that never passed through a handler (unknown paths, 405,
//! oversized bodies) get their body there too, so every error has the same shape.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_store::StoreError;
use std::borrow::Cow;

/// What the error body will say. Attached to error responses as an extension.
#[derive(Debug, Clone)]
pub struct ErrorMessage {
    pub message: Cow<'static, str>,
    /// More specific text for `errors[0].description`; the message is repeated when absent.
    pub description: Option<String>,
    /// An OAuth error code (RFC 6749, 5.2): the body then also has `error` and
    /// `error_description` (the description, or else the message).
    pub oauth_error: Option<&'static str>,
}

/// Marks an error response whose body is already final (an HTML error page): the tracking
/// middleware then leaves the body alone.
#[derive(Debug, Clone, Copy)]
pub struct FinalBody;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: ErrorMessage,
    pub retry_after: Option<u64>,
}

/// Webex's own wording for a missing or bad token; clients match on it.
pub const INVALID_TOKEN_MESSAGE: &str =
    "The request requires a valid access token set in the Authorization request header.";

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            message: ErrorMessage {
                message: message.into(),
                description: None,
                oauth_error: None,
            },
            retry_after: None,
        }
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.message.description = Some(description.into());
        self
    }

    /// An OAuth error (token, revoke): `status` with `error` as RFC 6749 names it, and the
    /// Webex fields besides.
    pub fn oauth(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        let description = description.into();
        let mut api = Self::new(status, description.clone()).with_description(description);
        api.message.oauth_error = Some(error);
        api
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, INVALID_TOKEN_MESSAGE).with_description(description)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub fn unsupported_media_type(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    pub fn unavailable(retry_after_seconds: u64) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable. Try again later.",
        );
        error.retry_after = Some(retry_after_seconds);
        error
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on the server.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert("Retry-After", HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(self.message);
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(message) => ApiError::conflict(message),
            StoreError::Invalid(message) => ApiError::bad_request(message),
            StoreError::NotFound => ApiError::not_found("The requested person could not be found."),
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ApiError::unavailable(5)
            }
            StoreError::Database(detail) => {
                tracing::error!(%detail, "database error");
                ApiError::internal()
            }
        }
    }
}

/// The message for an error response that carries no [`ErrorMessage`].
pub fn default_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => {
            "The request could not be understood by the server due to malformed syntax."
        }
        StatusCode::NOT_FOUND => "The requested resource could not be found.",
        StatusCode::METHOD_NOT_ALLOWED => {
            "The request method is not supported for the requested resource."
        }
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.",
        StatusCode::URI_TOO_LONG => "The request URI is too long.",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "The request headers are too large.",
        StatusCode::REQUEST_TIMEOUT => "The request took too long to arrive.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "The request's content type is not supported.",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests. Retry after the time given.",
        StatusCode::SERVICE_UNAVAILABLE => {
            "The service is temporarily unavailable. Try again later."
        }
        _ => "Something went wrong on the server.",
    }
}

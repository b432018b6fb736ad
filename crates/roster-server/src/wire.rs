//! Reading requests and writing responses in the wire format: JSON bodies with Webex's
//! content type, query strings and JSON bodies whose problems become clear 4xx errors.

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_types::JSON_CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A JSON response with `Content-Type: application/json;charset=UTF-8`.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => json_bytes_response(status, bytes),
        Err(error) => {
            tracing::error!(%error, "response serialisation failed");
            ApiError::internal().into_response()
        }
    }
}

/// Already serialised JSON as a response with Webex's content type. Built directly rather
/// than through `IntoResponse` tuples: the hot reads (`render.rs`) answer through here.
pub fn json_bytes_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// The query string as a list of pairs. Unknown parameters are simply never looked at.
#[derive(Debug, Default, Clone)]
pub struct QueryParams(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map(QueryParams)
            .map_err(|_| ApiError::bad_request("The query string is not valid URL encoding."))
    }
}

impl QueryParams {
    /// The value of `name`. Given more than once, it is a 400 rather than a silent pick:
    /// a client that sends two page sizes has a bug it should hear about.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut found = None;
        for (key, value) in &self.0 {
            if key == name {
                if found.is_some() {
                    return Err(ApiError::bad_request(format!(
                        "The query parameter '{name}' was given more than once."
                    )));
                }
                // No parameter of this API can hold control characters, and NUL cannot even
                // be stored by PostgreSQL: refuse them here, for every parameter alike.
                if value.chars().any(char::is_control) {
                    return Err(ApiError::bad_request(format!(
                        "The query parameter '{name}' contains control characters."
                    )));
                }
                found = Some(value.as_str());
            }
        }
        Ok(found)
    }

    /// A boolean parameter: `true`/`false` in any case; absent means `default`.
    pub fn bool(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name)? {
            None | Some("") => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ApiError::bad_request(format!(
                "The query parameter '{name}' must be true or false."
            ))),
        }
    }

    /// A non-empty string parameter (an empty value counts as absent).
    pub fn text(&self, name: &str) -> Result<Option<&str>, ApiError> {
        Ok(self.get(name)?.filter(|v| !v.is_empty()))
    }
}

/// A JSON request body. Wrong content type: 415; unreadable JSON or wrong field types: 400
/// with serde's explanation (which names the field and position).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = content_type.split(';').next().unwrap_or("").trim();
        let is_json = mime.eq_ignore_ascii_case("application/json")
            || (mime.starts_with("application/") && mime.ends_with("+json"));
        if !is_json {
            let shown = if mime.is_empty() { "none" } else { mime };
            return Err(ApiError::unsupported_media_type(format!(
                "Content type '{}' not supported; send the body as application/json.",
                shown.chars().take(100).collect::<String>()
            )));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(status, "The request body is too large.")
                } else {
                    ApiError::bad_request("The request body could not be read.")
                }
            })?;
        // Every body of this API is an object; serde would otherwise read a struct from an
        // array and report a confusing position.
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(ApiError::bad_request(
                "The request body must be a JSON object.",
            ));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let detail = inner.to_string();
            let message = if path.is_empty() || path == "." {
                format!("The request body is not valid JSON: {detail}")
            } else {
                format!("Invalid value for '{path}': {detail}")
            };
            ApiError::bad_request(message)
        })?;
        deserializer.end().map_err(|e| {
            ApiError::bad_request(format!("The request body is not valid JSON: {e}"))
        })?;
        Ok(JsonBody(value))
    }
}

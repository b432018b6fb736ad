//! The parts of the OAuth operations' OpenAPI description that more than one operation
//! shares, written once and named in the handlers' `#[utoipa::path]` annotations: the
//! redirect back to the app (both forms of `/v1/authorize`), the media types of the HTML
//! pages and of the posted forms, the client authentication failure of the token and
//! revocation endpoints, and the missing scope of `/v1/authorizations`. (The bearer token's 401 is the People API's too:
//! [`crate::openapi::MissingToken`].)
//!
//! The response types are never built: they only carry `#[derive(IntoResponses)]`, which
//! utoipa reads at `responses(...)`. It does not collect the schemas such a type refers to,
//! so `OAuthErrorBody` is also listed in the document's components (`openapi.rs`).

use super::OAuthErrorBody;
use roster_types::ErrorBody;
use utoipa::IntoResponses;

/// The media type of the sign-in, consent and error pages, as documented (`pages.rs` sends
/// it with `charset=utf-8`).
pub const HTML: &str = "text/html";

/// The media type of the forms the token, revocation and authorize endpoints read
/// (`client::parse_form` and the sign-in and consent forms).
pub const FORM: &str = "application/x-www-form-urlencoded";

/// 302 of `GET` and `POST /v1/authorize`: both end, one way or another, by sending the
/// browser back to the app.
#[derive(IntoResponses)]
#[response(
    status = 302,
    description = "Back to the app's redirect URI, with what it asked for or with an error",
    headers(("Location" = String, description = "The redirect URI with the answer"))
)]
pub struct BackToApp;

/// 401 of the token and revocation endpoints, where the client authenticates the same way.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "The client could not be authenticated (`invalid_client`)"
)]
pub struct InvalidClient(pub OAuthErrorBody);

/// 403 of the `/v1/authorizations` operations whose only refusal is the token's scopes.
#[derive(IntoResponses)]
#[response(status = 403, description = "The token lacks the scope")]
pub struct ScopeMissing(pub ErrorBody);

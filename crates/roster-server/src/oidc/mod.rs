//! OpenID Connect ("Login with Webex"): Roster as the identity provider of apps that sign
//! people in with `openid`.
//!
//! - `discovery.rs`: `GET /v1/.well-known/openid-configuration` and the JWKS at
//!   `GET /v1/verification`;
//! - `keys.rs`: the RSA signing keys, kept in the database so that every node signs with the
//!   same key (made at a server's first start, rotated with `roster oidc rotate-key`);
//! - `id_token.rs`: [`mint_id_token`], which the token endpoint calls for a grant with
//!   `openid`;
//! - `claims.rs`: which claims about a person each scope releases;
//! - `userinfo.rs`: `GET /v1/userinfo`.
//!
//! The issuer is the server's public base plus `/v1` ([`issuer`]); the discovery document,
//! the endpoints it names and every id_token's `iss` use the same one, as OpenID Connect
//! Discovery requires (Webex's have been seen to differ; Roster's never do).

pub mod claims;
pub mod discovery;
pub mod id_token;
pub mod keys;
pub mod userinfo;

pub use claims::OidcScopes;
pub use id_token::{mint_id_token, IdTokenRequest, ID_TOKEN_LIFETIME};

use crate::state::AppState;
use axum::http::HeaderMap;

/// The issuer clients see: `--public-url` (or the request's own scheme and host) plus `/v1`.
pub fn issuer(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}/v1", state.public_base(headers))
}

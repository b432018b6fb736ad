//! What the OpenAPI 3 document of the API says besides its paths: its title, the People
//! wire types, the tags, the bearer scheme and the client credentials of the token
//! endpoint. The paths come from the handlers' `#[utoipa::path]` annotations, added by the
//! route table (`routes.rs`) as it adds each route, so an API endpoint cannot be served
//! without being documented. The document is published at `/openapi.json`; a test in
//! `routes.rs` keeps the committed copy in `docs/openapi.json` in step with the code.

use crate::oauth::OAuthErrorBody;
use crate::scim::error::ScimErrorBody;
use roster_types::{
    Address, ErrorBody, ErrorItem, Person, PersonInput, PersonList, PersonType, PhoneNumber,
    PhoneNumberType, PresenceStatus, SipAddress, SipAddressType,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

/// The People API's document without paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster: the Webex People API",
        description = "A self-hostable implementation of the Webex People API, with the OAuth 2 and OpenID Connect provider of Webex integrations and SCIM 2. Not affiliated with Cisco or Webex."
    ),
    components(schemas(
        Person, PersonList, PersonInput, PhoneNumber, PhoneNumberType, Address, SipAddress,
        SipAddressType, PersonType, PresenceStatus, ErrorBody, ErrorItem,
        // Bodies of the shared error responses (`IntoResponses` types), which utoipa does not
        // collect from the paths that name them.
        ScimErrorBody, OAuthErrorBody
    )),
    modifiers(&BearerToken, &ClientCredentials),
    tags(
        (name = "People", description = "People in an organization"),
        (name = "OAuth", description = "Integrations: signing people in, tokens, and the grants people gave"),
        (name = "OpenID Connect", description = "Login with Webex: discovery, signing keys, user info"),
        (name = "SCIM", description = "SCIM 2 users and groups of an organization, for identity providers"),
    )
)]
pub struct ApiDoc;

/// 401 of an operation that takes a bearer token and answers errors in the People API's
/// shape (`ErrorBody`), as `/v1/authorizations` does. It lives here, beside the bearer
/// scheme, rather than in `oauth`, because the People operations answer the same 401 (their
/// annotations still spell it out).
#[derive(IntoResponses)]
#[response(status = 401, description = "Missing or invalid token")]
pub struct MissingToken(pub ErrorBody);

/// The bearer scheme, shared with the control API's document.
pub(crate) struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// HTTP Basic with an integration's client id and secret, one of the two ways a client
/// authenticates at the token and revocation endpoints (the other is the form).
struct ClientCredentials;

impl Modify for ClientCredentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "clientBasic",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
            );
        }
    }
}

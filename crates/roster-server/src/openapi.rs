//! The OpenAPI 3 document of what this server serves, generated from the handlers'
//! annotations and the wire types, published at `/openapi.json`. A test keeps the committed
//! copy in `docs/openapi.json` in step with the code.

use crate::people;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use roster_types::{
    Address, ErrorBody, ErrorItem, Person, PersonInput, PersonList, PersonType, PhoneNumber,
    PhoneNumberType, PresenceStatus, SipAddress, SipAddressType,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster: the Webex People API",
        description = "A self-hostable implementation of the Webex People API. Not affiliated with Cisco or Webex."
    ),
    paths(
        people::list::list_people,
        people::create::create_a_person,
        people::me::get_my_own_details,
        people::get::get_person_details,
        people::update::update_a_person,
        people::delete::delete_a_person,
    ),
    components(schemas(
        Person, PersonList, PersonInput, PhoneNumber, PhoneNumberType, Address, SipAddress,
        SipAddressType, PersonType, PresenceStatus, ErrorBody, ErrorItem
    )),
    modifiers(&BearerToken),
    tags((name = "People", description = "People in an organization"))
)]
pub struct ApiDoc;

struct BearerToken;

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

/// The document as served and committed.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

pub async fn serve_document() -> Response {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(document).clone();
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            roster_types::JSON_CONTENT_TYPE,
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    /// Regenerate with `ROSTER_UPDATE_OPENAPI=1 cargo test -p roster-server openapi`.
    #[test]
    fn committed_openapi_document_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let generated = super::document() + "\n";
        if std::env::var_os("ROSTER_UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/openapi.json is out of date; regenerate it with \
             ROSTER_UPDATE_OPENAPI=1 cargo test -p roster-server openapi"
        );
    }
}

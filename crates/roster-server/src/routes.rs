//! The whole route table: every endpoint is one line here, and from this one list come the
//! axum router, the OpenAPI document at `/openapi.json` and the index with which the edge
//! names each request's route for metrics and serves the hot reads without the router
//! (`routing.rs` builds them; `edge.rs` is what every request passes before and after).
//!
//! - `routes!(handler, ...)`: documented operations; method and path are each handler's
//!   `#[utoipa::path]`.
//! - `hot!(handler)`: the same, for a `GET` the edge calls directly (see `edge.rs`).
//! - `undocumented(path, ...)`: operational endpoints outside the document.
//!
//! `/v1/people/me` is a static segment, so it wins over `/v1/people/{personId}`.
//! Operational endpoints (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`) live outside
//! `/v1` and need no token.

use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::routing::RouteTable;
use crate::{oauth, oidc, ops, people, scim};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::routes;

/// `routes!` for a read the edge serves without the router: the handler is named once, for
/// the router, the document and the direct call alike.
macro_rules! hot {
    ($handler:path) => {
        (
            routes!($handler),
            $crate::routing::DirectRead::into_direct($handler),
        )
    };
}

/// The People API, as served on the main listener.
pub fn api() -> RouteTable {
    let table = oauth::register(RouteTable::new(ApiDoc::openapi()))
        // `/v1/people/` (trailing slash, as the JavaScript SDK's batcher sends it) is
        // `/v1/people`.
        .routes_with_alias(
            routes!(people::list::list_people, people::create::create_a_person),
            "/v1/people/",
        )
        .hot(hot!(people::me::get_my_own_details))
        .hot(hot!(people::get::get_person_details))
        .routes(routes!(
            people::update::update_a_person,
            people::delete::delete_a_person
        ))
        .routes(routes!(oidc::discovery::openid_configuration))
        .routes(routes!(oidc::discovery::verification_keys))
        .routes(routes!(oidc::userinfo::get_user_info))
        .document_at("/openapi.json")
        .undocumented("/healthz", get(ops::healthz))
        .undocumented("/readyz", get(ops::readyz))
        .undocumented("/metrics", get(ops::metrics));
    scim::register(table).fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::not_found("The requested resource could not be found.")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regenerate with `ROSTER_UPDATE_OPENAPI=1 cargo test -p roster-server openapi`.
    #[test]
    fn committed_openapi_document_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let generated = api().document() + "\n";
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

    /// Metrics label requests by route: whatever the path, a label is one of the table's
    /// templates or `other`, so hostile paths cannot create label values.
    #[test]
    fn routes_are_a_fixed_set_whatever_the_path() {
        let index = api().index();
        let label = |path: &str| index.find(path).route.label();
        assert_eq!(label("/v1/people"), "/v1/people");
        assert_eq!(label("/v1/people/"), "/v1/people");
        assert_eq!(label("/v1/people/me"), "/v1/people/me");
        assert_eq!(label("/v1/people/abc"), "/v1/people/{personId}");
        assert_eq!(label("/v1/people/abc/def"), "other");
        assert_eq!(label("/metrics"), "/metrics");
        assert_eq!(label("/openapi.json"), "/openapi.json");
        assert_eq!(label("/anything/else"), "other");
        assert_eq!(label(""), "other");
        assert_eq!(label("/v1/people/%2e%2e/%00"), "other");
    }

    /// Only the two hot reads skip the router, and only when their path needs no decoding.
    #[test]
    fn only_the_hot_reads_are_served_directly() {
        let index = api().index();
        let direct = |path: &str| {
            index
                .find(path)
                .direct_get()
                .map(|(_, param)| param.unwrap_or_default())
        };
        assert_eq!(direct("/v1/people/me").as_deref(), Some(""));
        assert_eq!(direct("/v1/people/abc").as_deref(), Some("abc"));
        assert_eq!(direct("/v1/people/abc%3D"), None);
        for path in [
            "/v1/people",
            "/v1/people/",
            "/healthz",
            "/openapi.json",
            "/x",
        ] {
            assert_eq!(direct(path), None, "{path}");
        }
    }
}

//! The whole route table: every endpoint is one line here, and from this one list come the
//! axum router, the OpenAPI document at `/openapi.json` and the index with which the edge
//! names each request's route for metrics and serves the hot reads without the router
//! (`routing.rs` builds them; `edge.rs` is what every request passes before and after).
//!
//! - `routes!(handler, ...)`: documented operations; method and path are each handler's
//!   `#[utoipa::path]`.
//! - `hot!(handler)`: the same, for a `GET` the edge calls directly (see `edge.rs`).
//! - `routes_also_at(routes!(handler, ...), alias)`: the same, also served and documented
//!   at a second public path (the JavaScript SDK's `/idb/oauth2/v1/...`), a route of its own.
//! - `routes_with_alias(routes!(handler, ...), alias)`: the same, also served at a spelling
//!   of the same route that is not documented apart (`/v1/people/`).
//! - `operational(path, ...)`: the operational endpoints, the only ones outside the
//!   document; API paths are refused there, and a test below checks that every other path
//!   served is documented.
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
        .operational("/healthz", get(ops::healthz))
        .operational("/readyz", get(ops::readyz))
        .operational("/metrics", get(ops::metrics));
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

    /// What is served is documented: every path of the table is in the document, but for
    /// the operational endpoints and the document itself; an alias through its route's
    /// template (`/v1/people/` is `/v1/people`). And every documented path is served.
    #[test]
    fn every_path_served_is_in_the_openapi_document() {
        let table = api();
        let document: serde_json::Value = serde_json::from_str(&table.document()).unwrap();
        let documented = document["paths"].as_object().unwrap();
        let outside = ["/healthz", "/readyz", "/metrics", "/openapi.json"];
        for (path, template) in table.served_paths() {
            if outside.contains(&path) {
                assert_eq!(path, template, "{path} is a route of its own");
                continue;
            }
            assert!(
                documented.contains_key(template),
                "{path} is served, but {template} is not in /openapi.json"
            );
        }
        for path in documented.keys() {
            assert!(
                table.served_paths().any(|(served, _)| served == path),
                "{path} is documented but not served"
            );
        }
        for path in outside {
            assert!(table.served_paths().any(|(served, _)| served == path));
        }
        // The families that were once served undocumented, one path each at least.
        for path in [
            "/v1/access_token",
            "/idb/oauth2/v1/access_token",
            "/v1/authorize",
            "/idb/oauth2/v1/authorize",
            "/idb/oauth2/v1/revoke",
            "/v1/authorizations/{authorizationId}",
            "/identity/scim/{orgId}/v2/Users/{userId}",
            "/identity/scim/v2/Users/me",
            "/identity/scim/{orgId}/v2/Schemas/SCIM2/{schemaId}",
        ] {
            assert!(documented.contains_key(path), "{path}");
        }
    }

    /// Each documented operation has an id of its own (OpenAPI requires it; client
    /// generators name methods after it), a summary and one of the document's tags.
    #[test]
    fn every_operation_has_a_unique_id_a_summary_and_a_declared_tag() {
        let document: serde_json::Value = serde_json::from_str(&api().document()).unwrap();
        let tags: Vec<&str> = document["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tag| tag["name"].as_str().unwrap())
            .collect();
        let mut ids = std::collections::HashSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap_or_default();
                assert!(
                    ids.insert(id.to_string()),
                    "{method} {path}: id '{id}' twice"
                );
                assert!(operation["summary"].is_string(), "{method} {path}: summary");
                let tag = operation["tags"][0].as_str().unwrap_or_default();
                assert!(tags.contains(&tag), "{method} {path}: tag '{tag}'");
            }
        }
    }

    #[test]
    #[should_panic(expected = "is an API path")]
    fn an_api_path_cannot_be_operational() {
        let _ = RouteTable::new(ApiDoc::openapi()).operational("/identity/x", get(ops::healthz));
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

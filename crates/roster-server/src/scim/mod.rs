//! SCIM 2 (RFC 7643/7644) over the same directory, as Webex serves it under
//! `/identity/scim/{orgId}/v2`: Users, Groups, Bulk and discovery.
//!
//! A SCIM user is a People person with the same id (the bare UUID inside the People id);
//! `user.rs` maps one onto the other, `patch.rs` applies PATCH to a resource's JSON, and the
//! store compiles filters to SQL (`roster_store::scim`). Errors have RFC 7644's body
//! (`error.rs`, finished by `tracking.rs`). Access follows People: full and user admins
//! write, read-only and device admins read, partners reach the organizations they manage,
//! and any other organization is a 404.

pub mod bulk;
pub mod discovery;
pub mod error;
pub mod groups;
pub mod lookup;
pub mod openapi;
pub mod patch;
pub mod user;
pub mod users;

pub use error::{ScimError, ScimFault};

use crate::auth::{BearerDigest, Caller};
use crate::routing::RouteTable;
use crate::state::AppState;
use crate::wire::QueryParams;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use roster_store::roles;
use roster_store::scim::filter::{parse_filter, parse_path};
use roster_store::scim::{ScimQuery, ScimSort};
use serde_json::{json, Map, Value};
use utoipa_axum::routes;
use uuid::Uuid;

pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const CISCO_USER: &str = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User";
pub const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const CISCO_GROUP: &str = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The most resources one page holds.
pub const MAX_COUNT: u32 = 1000;
/// The page size when `count` is not given.
pub const DEFAULT_COUNT: u32 = 100;

/// Adds every SCIM route to the table. Webex's reference names a schema at
/// `/Schemas/SCIM2/{schemaId}`, RFC 7644 at `/Schemas/{schemaId}`: clients call both, so both
/// are documented (`routes_also_at`).
pub fn register(table: RouteTable) -> RouteTable {
    table
        .routes(routes!(users::create_user, users::list_users))
        .routes(routes!(
            users::get_user,
            users::replace_user,
            users::patch_user,
            users::delete_user
        ))
        .routes(routes!(users::get_me))
        .routes(routes!(groups::create_group, groups::list_groups))
        .routes(routes!(
            groups::get_group,
            groups::replace_group,
            groups::patch_group,
            groups::delete_group
        ))
        .routes(routes!(groups::list_members))
        .routes(routes!(bulk::bulk))
        .routes(routes!(discovery::service_provider_config))
        .routes(routes!(discovery::resource_types))
        .routes(routes!(discovery::resource_type))
        .routes(routes!(discovery::schemas))
        .routes_also_at(
            routes!(discovery::schema),
            "/identity/scim/{orgId}/v2/Schemas/SCIM2/{schemaId}",
        )
}

/// The authenticated caller of a SCIM request; failures answer in SCIM's error shape.
pub struct ScimCaller(pub Caller);

impl FromRequestParts<AppState> for ScimCaller {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        let known = parts.extensions.get::<BearerDigest>().cloned();
        Ok(ScimCaller(
            Caller::authenticate(&parts.headers, known, state).await?,
        ))
    }
}

/// Whether a token's scopes allow a SCIM read or write. A token without scopes (Roster's
/// personal access tokens) is limited by its person's roles alone; a scoped token needs
/// `identity:people_rw` to write and that or `identity:people_read` to read.
pub fn scopes_allow(scopes: Option<&[String]>, write: bool) -> bool {
    let Some(scopes) = scopes else { return true };
    let has = |s: &str| scopes.iter().any(|x| x == s);
    has("identity:people_rw") || (!write && has("identity:people_read"))
}

/// Where this request's resources live, for `meta.location`, `$ref` and `Location`.
#[derive(Debug, Clone)]
pub struct ScimContext {
    pub org: Uuid,
    /// `https://host/identity/scim/{orgId}/v2`.
    pub base: String,
}

impl ScimContext {
    pub fn new(state: &AppState, headers: &HeaderMap, org: Uuid) -> ScimContext {
        let origin = match &state.config.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| {
                        h.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
                    })
                    .unwrap_or("localhost");
                format!("http://{host}")
            }
        };
        ScimContext {
            org,
            base: format!("{origin}/identity/scim/{org}/v2"),
        }
    }

    /// The context of a request whose path names the organization `org` (a bare UUID;
    /// anything else is a 404).
    pub fn for_path(
        state: &AppState,
        headers: &HeaderMap,
        org: &str,
    ) -> Result<ScimContext, ScimError> {
        Ok(ScimContext::new(
            state,
            headers,
            path_uuid(org, "organization")?,
        ))
    }

    pub fn user_location(&self, id: Uuid) -> String {
        format!("{}/Users/{id}", self.base)
    }

    pub fn group_location(&self, id: Uuid) -> String {
        format!("{}/Groups/{id}", self.base)
    }
}

/// Whether `caller` may read (or, with `write`, change) the SCIM resources of `org`.
/// Another organization is a 404, as if it did not exist.
pub fn check_access(caller: &Caller, org: Uuid, write: bool) -> Result<(), ScimError> {
    let viewer = &caller.viewer;
    let device_admin = caller.person.has_role(roles::DEVICE_ADMIN)
        && (org == viewer.org_id || viewer.managed_orgs.contains(&org));
    if !viewer.can_see(org) && !device_admin {
        return Err(ScimError::not_found("The organization could not be found."));
    }
    // An OAuth token needs SCIM's scopes as well as the roles; Roster's own tokens carry none.
    if !scopes_allow(caller.token.scopes.as_deref(), write) {
        return Err(ScimError::forbidden(match write {
            true => "The token lacks the scope identity:people_rw.",
            false => "The token lacks the scope identity:people_read (or identity:people_rw).",
        }));
    }
    let allowed = match write {
        true => viewer.can_manage(org),
        false => viewer.is_admin_of(org) || device_admin,
    };
    match allowed {
        true => Ok(()),
        false if write => Err(ScimError::forbidden(
            "Only a full or user admin of the organization can change its users and groups.",
        )),
        false => Err(ScimError::forbidden(
            "Only an admin of the organization can read its users and groups.",
        )),
    }
}

/// A path id: a bare UUID. Anything else names nothing (404).
pub fn path_uuid(text: &str, what: &str) -> Result<Uuid, ScimError> {
    Uuid::parse_str(text)
        .map_err(|_| ScimError::not_found(format!("The {what} could not be found.")))
}

/// The query string, with SCIM errors.
pub fn query_params(raw: Option<&str>) -> Result<QueryParams, ScimError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map(QueryParams)
        .map_err(|_| {
            ScimError::bad(
                "invalidValue",
                "The query string is not valid URL encoding.",
            )
        })
}

/// A SCIM JSON body: `application/scim+json` or `application/json`, one object.
pub fn read_body(headers: &HeaderMap, bytes: &Bytes) -> Result<Value, ScimError> {
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" && mime != "application/scim+json" {
        return Err(ScimError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            "Send the body as application/scim+json or application/json.",
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ScimError::bad("invalidSyntax", format!("The body is not valid JSON: {e}."))
    })?;
    if !value.is_object() {
        return Err(ScimError::bad(
            "invalidSyntax",
            "The body must be a JSON object.",
        ));
    }
    Ok(value)
}

/// The version an `If-Match` header asks for (`None` without one or for `*`).
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ScimError> {
    let mut values = headers.get_all(header::IF_MATCH).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ScimError::bad(
            "invalidValue",
            "If-Match is given more than once.",
        ));
    }
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    let digits = text.trim_start_matches("W/").trim_matches('"');
    // A tag that is no version of ours cannot match the current one.
    Ok(Some(digits.parse().unwrap_or(-1)))
}

/// A SCIM response: the resource as JSON, with its `ETag` and `Location` when given.
pub fn respond(
    status: StatusCode,
    body: &Value,
    version: Option<i64>,
    location: Option<&str>,
) -> Response {
    let mut response = crate::wire::json_response(status, body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, ScimFault::content_type());
    if let Some(version) = version {
        if let Ok(value) = HeaderValue::from_str(&user::etag(version)) {
            headers.insert(header::ETAG, value);
        }
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// As [`respond`], for a body serialised already.
pub fn respond_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = crate::wire::json_bytes_response(status, body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, ScimFault::content_type());
    response
}

/// The list parameters of `GET /Users` and `GET /Groups`.
pub struct ListParams {
    pub query: ScimQuery,
    pub projection: Projection,
}

impl ListParams {
    pub fn parse(
        params: &QueryParams,
        org: Uuid,
        name_sort: &str,
    ) -> Result<ListParams, ScimError> {
        let text = |name: &str| params.get(name).map_err(ScimError::from);
        let filter = match text("filter")?.map(str::trim).filter(|f| !f.is_empty()) {
            Some(filter) => {
                Some(parse_filter(filter).map_err(|e| ScimError::bad("invalidFilter", e.0))?)
            }
            None => None,
        };
        let number = |name: &str, default: i64| -> Result<i64, ScimError> {
            match text(name)? {
                None => Ok(default),
                Some(v) => v.trim().parse::<i64>().map_err(|_| {
                    ScimError::bad("invalidValue", format!("'{name}' must be an integer."))
                }),
            }
        };
        // RFC 7644 §3.4.2.4: a start below 1 is 1, a negative count is 0.
        let start_index = number("startIndex", 1)?.max(1) as u64;
        let count = number("count", DEFAULT_COUNT as i64)?.clamp(0, MAX_COUNT as i64) as u32;
        let sort = match text("sortBy")? {
            None => ScimSort::Created,
            Some(by) if by.eq_ignore_ascii_case(name_sort) => ScimSort::Name,
            Some(by) if by.eq_ignore_ascii_case("id") => ScimSort::Id,
            Some(by) if by.eq_ignore_ascii_case("meta.lastModified") => ScimSort::LastModified,
            Some(by) => {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!("Cannot sort by '{by}': use {name_sort}, id or meta.lastModified."),
                ))
            }
        };
        let descending = match text("sortOrder")? {
            None => false,
            Some(o) if o.eq_ignore_ascii_case("ascending") => false,
            Some(o) if o.eq_ignore_ascii_case("descending") => true,
            Some(_) => {
                return Err(ScimError::bad(
                    "invalidValue",
                    "'sortOrder' must be ascending or descending.",
                ))
            }
        };
        Ok(ListParams {
            query: ScimQuery {
                org_id: org,
                filter,
                sort,
                descending,
                start_index,
                count,
            },
            projection: Projection::parse(params)?,
        })
    }
}

/// An attribute named in `attributes` or `excludedAttributes`: its schema URN (for an
/// extension), its name (empty for a whole extension) and sub-attribute.
type Named = (Option<String>, String, Option<String>);

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5).
#[derive(Debug, Default, Clone)]
pub struct Projection {
    only: Option<Vec<Named>>,
    excluded: Vec<Named>,
}

impl Projection {
    pub fn parse(params: &QueryParams) -> Result<Projection, ScimError> {
        let names = |name: &str| -> Result<Option<Vec<_>>, ScimError> {
            let Some(list) = params.get(name)? else {
                return Ok(None);
            };
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|item| {
                    if let Some(urn) = [
                        CORE_USER,
                        ENTERPRISE_USER,
                        CISCO_USER,
                        CORE_GROUP,
                        CISCO_GROUP,
                    ]
                    .iter()
                    .find(|u| u.eq_ignore_ascii_case(item))
                    {
                        return Ok((Some(urn.to_string()), String::new(), None));
                    }
                    let path = parse_path(item).map_err(|e| {
                        ScimError::bad("invalidValue", format!("'{name}': {}", e.0))
                    })?;
                    Ok((path.attr.urn, path.attr.attr, path.attr.sub))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        };
        Ok(Projection {
            only: names("attributes")?,
            excluded: names("excludedAttributes")?.unwrap_or_default(),
        })
    }

    /// Whether this projection keeps every attribute (neither parameter was given).
    pub fn is_identity(&self) -> bool {
        self.only.is_none() && self.excluded.is_empty()
    }

    pub fn excludes(&self, attribute: &str) -> bool {
        self.excluded.iter().any(|(urn, attr, sub)| {
            urn.is_none() && sub.is_none() && attr.eq_ignore_ascii_case(attribute)
        })
    }

    /// The resource with only the attributes asked for (`id` and `schemas` always stay).
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(mut fields) = resource else {
            return resource;
        };
        let is_core = |urn: &Option<String>| {
            urn.as_ref().is_none_or(|u| {
                u.eq_ignore_ascii_case(CORE_USER) || u.eq_ignore_ascii_case(CORE_GROUP)
            })
        };
        let container_of = |urn: &Option<String>| {
            urn.as_ref()
                .filter(|u| {
                    !u.eq_ignore_ascii_case(CORE_USER) && !u.eq_ignore_ascii_case(CORE_GROUP)
                })
                .cloned()
        };
        if let Some(only) = &self.only {
            let mut kept = Map::new();
            for key in ["schemas", "id"] {
                if let Some(v) = fields.get(key) {
                    kept.insert(key.into(), v.clone());
                }
            }
            for (urn, attr, sub) in only {
                if attr.is_empty() {
                    if let Some(ext) = urn
                        .as_ref()
                        .and_then(|u| fields.keys().find(|k| k.eq_ignore_ascii_case(u)).cloned())
                    {
                        kept.insert(ext.clone(), fields[&ext].clone());
                    }
                    continue;
                }
                let source = match container_of(urn) {
                    None if is_core(urn) => Some(&fields),
                    Some(ext) => fields
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(&ext))
                        .and_then(|(_, v)| v.as_object()),
                    None => None,
                };
                let Some((key, value)) =
                    source.and_then(|s| s.iter().find(|(k, _)| k.eq_ignore_ascii_case(attr)))
                else {
                    continue;
                };
                let value = match (sub, value) {
                    (Some(sub), Value::Object(inner)) => {
                        let Some((sk, sv)) =
                            inner.iter().find(|(k, _)| k.eq_ignore_ascii_case(sub))
                        else {
                            continue;
                        };
                        let mut existing = kept
                            .get(key)
                            .and_then(|v| v.as_object().cloned())
                            .unwrap_or_default();
                        existing.insert(sk.clone(), sv.clone());
                        Value::Object(existing)
                    }
                    _ => value.clone(),
                };
                match container_of(urn) {
                    Some(_) => {
                        let ext_key = fields
                            .keys()
                            .find(|k| urn.as_ref().is_some_and(|u| k.eq_ignore_ascii_case(u)))
                            .cloned()
                            .unwrap_or_default();
                        let entry = kept.entry(ext_key).or_insert_with(|| json!({}));
                        if let Value::Object(ext) = entry {
                            ext.insert(key.clone(), value);
                        }
                    }
                    None => {
                        kept.insert(key.clone(), value);
                    }
                }
            }
            fields = kept;
        }
        for (urn, attr, sub) in &self.excluded {
            let target = match container_of(urn) {
                None => Some(&mut fields),
                Some(ext) => fields
                    .iter_mut()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&ext))
                    .and_then(|(_, v)| v.as_object_mut()),
            };
            let Some(target) = target else { continue };
            if attr.is_empty() {
                continue;
            }
            let Some(key) = target
                .keys()
                .find(|k| k.eq_ignore_ascii_case(attr))
                .cloned()
            else {
                continue;
            };
            if ["id", "schemas"].contains(&key.as_str()) && urn.is_none() {
                continue;
            }
            match sub {
                None => {
                    target.remove(&key);
                }
                Some(sub) => {
                    if let Some(Value::Object(inner)) = target.get_mut(&key) {
                        if let Some(sk) =
                            inner.keys().find(|k| k.eq_ignore_ascii_case(sub)).cloned()
                        {
                            inner.remove(&sk);
                        }
                    }
                }
            }
        }
        Value::Object(fields)
    }
}

/// A ListResponse of resources already projected.
pub fn list_response(total: u64, start_index: u64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "itemsPerPage": resources.len(),
        "startIndex": start_index,
        "Resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_limit_scoped_tokens_only() {
        let rw = vec!["identity:people_rw".to_string()];
        let read = vec!["identity:people_read".to_string()];
        let other = vec!["spark:people_read".to_string()];
        assert!(scopes_allow(None, true));
        assert!(scopes_allow(Some(&rw), true));
        assert!(scopes_allow(Some(&read), false));
        assert!(!scopes_allow(Some(&read), true));
        assert!(!scopes_allow(Some(&other), false));
    }

    #[test]
    fn projections_keep_or_drop_attributes_by_path_and_urn() {
        let user = json!({"schemas": ["s"], "id": "1", "userName": "a@b.c", "title": "T",
            "name": {"givenName": "A", "familyName": "B"},
            ENTERPRISE_USER: {"department": "D", "costCenter": "C"}});
        let params = |q: &str| QueryParams(serde_urlencoded::from_str(q).unwrap());
        let only = Projection::parse(&params("attributes=userName,name.givenName")).unwrap();
        assert_eq!(
            only.apply(user.clone()),
            json!({"schemas": ["s"], "id": "1", "userName": "a@b.c", "name": {"givenName": "A"}})
        );
        let by_urn =
            Projection::parse(&params(&format!("attributes={ENTERPRISE_USER}:department")))
                .unwrap();
        assert_eq!(
            by_urn.apply(user.clone()),
            json!({"schemas": ["s"], "id": "1", ENTERPRISE_USER: {"department": "D"}})
        );
        let excluded =
            Projection::parse(&params("excludedAttributes=title,name.familyName,id")).unwrap();
        let out = excluded.apply(user);
        assert!(out.get("title").is_none());
        assert_eq!(out["name"], json!({"givenName": "A"}));
        assert_eq!(out["id"], "1", "id is always returned");
    }
}

//! The parts of the SCIM operations' OpenAPI description that many operations share: the
//! error responses (every one a [`ScimErrorBody`] in [`SCIM_CONTENT_TYPE`]), the path and
//! header parameters, and the media types a SCIM body may come in. Each is written here once
//! and named in the handlers' `#[utoipa::path]` annotations (`responses(ScimReadErrors, ...)`,
//! `params(ScimOrgPath, ...)`), so a wording or a content type cannot drift between the
//! Users, Groups, Bulk and discovery endpoints. What only one operation says (its summary,
//! its success response, a 400 of its own) stays in its annotation.
//!
//! The response types are never built: they only carry `#[derive(IntoResponses)]`, which
//! utoipa reads at `responses(...)`. It does not collect the schemas such a type refers to,
//! so `ScimErrorBody` is also listed in the document's components (`openapi.rs`).

use super::error::{ScimErrorBody, SCIM_CONTENT_TYPE};
use std::collections::BTreeMap;
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoParams, IntoResponses};

/// The media types a SCIM request body is read in (`read_body` takes both), for
/// `request_body(content((Object = SCIM_REQUEST_TYPE), (Object = JSON_REQUEST_TYPE)))`.
pub const SCIM_REQUEST_TYPE: &str = "application/scim+json";
/// Plain JSON, which identity providers also send.
pub const JSON_REQUEST_TYPE: &str = "application/json";

/// 401: every SCIM operation needs a valid access token.
#[derive(IntoResponses)]
#[response(status = 401, description = "Missing or invalid token", content_type = SCIM_CONTENT_TYPE)]
pub struct ScimUnauthorized(pub ScimErrorBody);

/// 403 of the reads: `check_access(.., false)` lets any admin of the organization in.
#[derive(IntoResponses)]
#[response(
    status = 403,
    description = "The caller is no admin of the organization, or the token lacks the scope",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimReadForbidden(pub ScimErrorBody);

/// 403 of the writes: `check_access(.., true)` lets only full and user admins in.
#[derive(IntoResponses)]
#[response(
    status = 403,
    description = "The caller may not change users and groups of the organization, or the token lacks the scope",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimWriteForbidden(pub ScimErrorBody);

/// 404 of an operation on the organization's collection: `ScimContext::for_path` refuses an
/// organization out of reach or an orgId that is no UUID.
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No such organization within the caller's reach, or not a UUID",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimOrgNotFound(pub ScimErrorBody);

/// 404 of an operation on one user or group.
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No such resource in the organization (or no such organization)",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimResourceNotFound(pub ScimErrorBody);

/// 400 of the reads of one resource or page: `attributes`, `excludedAttributes`,
/// `startIndex` or `count` cannot be read.
#[derive(IntoResponses)]
#[response(status = 400, description = "A parameter is invalid", content_type = SCIM_CONTENT_TYPE)]
pub struct ScimInvalidParameter(pub ScimErrorBody);

/// 400 of the filtered lists.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "A parameter or the filter is invalid",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimInvalidQuery(pub ScimErrorBody);

/// 400 of a create or replace: the body is not the path's kind of resource.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "The body is not a valid resource (a User at /Users, a Group at /Groups)",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimInvalidResource(pub ScimErrorBody);

/// 400 of a PATCH; users and groups share `patch.rs`.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "The PatchOp is invalid or an operation cannot apply (e.g. `noTarget`)",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimInvalidPatch(pub ScimErrorBody);

/// 409 of the writes that store a user or group (`StoreError::Conflict`).
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "The resource conflicts with an existing one (`uniqueness`), e.g. a user's userName or an email is taken",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimConflict(pub ScimErrorBody);

/// 412 of the writes that take [`ScimIfMatch`].
#[derive(IntoResponses)]
#[response(
    status = 412,
    description = "The resource changed since the version in If-Match",
    content_type = SCIM_CONTENT_TYPE
)]
pub struct ScimStale(pub ScimErrorBody);

/// 415 of the operations with a body (`read_body`).
#[derive(IntoResponses)]
#[response(status = 415, description = "The body is not JSON", content_type = SCIM_CONTENT_TYPE)]
pub struct ScimNotJson(pub ScimErrorBody);

/// Declares a set of responses that several operations give together, as one
/// `IntoResponses` type made of the per-status types above, so that the set is named once
/// and a status in it is still described in one place only.
macro_rules! response_set {
    ($(#[$doc:meta])* $name:ident = $($part:ty),+ $(,)?) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$(<$part as IntoResponses>::responses()),+]
                    .into_iter()
                    .flatten()
                    .collect()
            }
        }
    };
}

response_set! {
    /// What every SCIM read of an organization can fail with before it looks at anything:
    /// 401 and the readers' 403.
    ScimReadErrors = ScimUnauthorized, ScimReadForbidden
}

response_set! {
    /// What every SCIM write can fail with before it looks at anything: 401 and the writers'
    /// 403.
    ScimWriteErrors = ScimUnauthorized, ScimWriteForbidden
}

response_set! {
    /// The errors of creating a user or a group (`POST /Users`, `POST /Groups`).
    ScimCreateErrors = ScimInvalidResource, ScimWriteErrors, ScimOrgNotFound, ScimConflict, ScimNotJson
}

response_set! {
    /// The errors of replacing or patching one user or group, but the 400, which differs
    /// between a PUT's resource and a PATCH's PatchOp.
    ScimUpdateErrors = ScimWriteErrors, ScimResourceNotFound, ScimConflict, ScimStale, ScimNotJson
}

/// `{orgId}`, in every SCIM path but `/Users/me`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct ScimOrgPath {
    /// The organization's id: a bare UUID.
    pub org_id: String,
}

/// `{userId}` of `/Users/{userId}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct ScimUserPath {
    /// The user's id: the bare UUID of the People id.
    pub user_id: String,
}

/// `{groupId}` of `/Groups/{groupId}` and `/Groups/{groupId}/Members`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct ScimGroupPath {
    /// The group's id: a UUID.
    pub group_id: String,
}

/// The `If-Match` of the writes of one resource (`if_match`).
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ScimIfMatch {
    /// Only if the resource is still at this version (its ETag); `*` or none: any version.
    #[param(rename = "If-Match")]
    pub if_match: Option<String>,
}

/// The projection of a read (`Projection::parse`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ScimProjection {
    /// Return only these attributes (comma-separated; `id` and `schemas` always come).
    pub attributes: Option<String>,
    /// Leave these attributes out (comma-separated).
    pub excluded_attributes: Option<String>,
}

/// The filter and page of a list of users or groups (`ListParams::parse`), but `sortBy`,
/// whose attributes differ.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ScimListQuery {
    /// A SCIM filter (RFC 7644, 3.4.2.2), e.g. `userName eq "a@example.com"`.
    pub filter: Option<String>,
    /// `ascending` (the default) or `descending`.
    pub sort_order: Option<String>,
    /// The 1-based index of the first result; default 1.
    pub start_index: Option<u64>,
    /// Results per page; default 100, at most 1000.
    pub count: Option<u32>,
}

//! Typed calls of the SCIM 2 API (`/identity/scim/{orgId}/v2`), on the same [`Client`]:
//! same token, retries and errors. Resources are typed where every client needs the field
//! (`id`, `userName`, `active`, `meta`, ...) and keep every other attribute in `other`.
//!
//! ```no_run
//! # async fn run(client: roster_client::Client, org: uuid::Uuid) -> Result<(), roster_client::ClientError> {
//! use roster_client::scim::PatchOp;
//! let scim = client.scim(org);
//! let found = scim.list_users(Some(r#"userName eq "ada@example.com""#), 1, 10).await?;
//! if let Some(ada) = found.resources.first() {
//!     scim.patch_user(&ada.id, &PatchOp::replace(None, serde_json::json!({"active": false}))).await?;
//! }
//! # Ok(()) }
//! ```

use crate::{decode, Client, ClientError};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const BULK_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A SCIM User.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub user_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ScimName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ScimMeta>,
    /// Every other attribute, extensions included.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ScimUser {
    /// A new user with the core schema and `userName`.
    pub fn new(user_name: impl Into<String>) -> ScimUser {
        ScimUser {
            schemas: vec![USER_SCHEMA.into()],
            user_name: user_name.into(),
            ..ScimUser::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScimMember {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// A SCIM Group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimGroup {
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<ScimMember>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ScimMeta>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A ListResponse.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimList<T> {
    pub total_results: u64,
    #[serde(default)]
    pub items_per_page: u64,
    #[serde(default)]
    pub start_index: u64,
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

/// A PatchOp request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOp {
    pub schemas: Vec<String>,
    #[serde(rename = "Operations")]
    pub operations: Vec<Value>,
}

impl PatchOp {
    fn one(op: &str, path: Option<&str>, value: Option<Value>) -> PatchOp {
        let mut operation = json!({"op": op});
        if let Some(path) = path {
            operation["path"] = path.into();
        }
        if let Some(value) = value {
            operation["value"] = value;
        }
        PatchOp {
            schemas: vec![PATCH_SCHEMA.into()],
            operations: vec![operation],
        }
    }

    pub fn add(path: Option<&str>, value: Value) -> PatchOp {
        Self::one("add", path, Some(value))
    }

    pub fn replace(path: Option<&str>, value: Value) -> PatchOp {
        Self::one("replace", path, Some(value))
    }

    pub fn remove(path: &str) -> PatchOp {
        Self::one("remove", Some(path), None)
    }

    /// This request followed by `other`'s operations, applied in order.
    pub fn then(mut self, other: PatchOp) -> PatchOp {
        self.operations.extend(other.operations);
        self
    }
}

/// SCIM calls for one organization (see [`Client::scim`]).
pub struct Scim<'c> {
    client: &'c Client,
    /// `http://host/identity/scim/{orgId}/v2`.
    base: String,
    origin: String,
}

impl Client {
    /// SCIM calls for organization `org` (the bare UUID inside its People id), on the host
    /// of this client's base URL.
    pub fn scim(&self, org: Uuid) -> Scim<'_> {
        let origin = self
            .base
            .trim_end_matches('/')
            .trim_end_matches("/v1")
            .to_string();
        Scim {
            client: self,
            base: format!("{origin}/identity/scim/{org}/v2"),
            origin,
        }
    }
}

impl Scim<'_> {
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Option<Value>,
        query: &[(&str, String)],
    ) -> Result<T, ClientError> {
        let http = &self.client.http;
        let response = self
            .client
            .send(|| {
                let request = http.request(method.clone(), url).query(query);
                match &body {
                    Some(body) => request
                        .header("content-type", "application/scim+json")
                        .body(body.to_string()),
                    None => request,
                }
            })
            .await?;
        decode(response).await
    }

    fn value<T: Serialize>(body: &T) -> Result<Value, ClientError> {
        serde_json::to_value(body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    pub async fn create_user(&self, user: &ScimUser) -> Result<ScimUser, ClientError> {
        let url = format!("{}/Users", self.base);
        self.call(Method::POST, &url, Some(Self::value(user)?), &[])
            .await
    }

    pub async fn get_user(&self, id: &str) -> Result<ScimUser, ClientError> {
        let url = format!("{}/Users/{}", self.base, crate::encode_segment(id));
        self.call(Method::GET, &url, None, &[]).await
    }

    /// `GET /Users` with an optional filter, from `start_index` (1-based), `count` at most.
    pub async fn list_users(
        &self,
        filter: Option<&str>,
        start_index: u64,
        count: u32,
    ) -> Result<ScimList<ScimUser>, ClientError> {
        let url = format!("{}/Users", self.base);
        let mut query = vec![
            ("startIndex", start_index.to_string()),
            ("count", count.to_string()),
        ];
        if let Some(filter) = filter {
            query.push(("filter", filter.to_string()));
        }
        self.call(Method::GET, &url, None, &query).await
    }

    pub async fn replace_user(&self, id: &str, user: &ScimUser) -> Result<ScimUser, ClientError> {
        let url = format!("{}/Users/{}", self.base, crate::encode_segment(id));
        self.call(Method::PUT, &url, Some(Self::value(user)?), &[])
            .await
    }

    pub async fn patch_user(&self, id: &str, patch: &PatchOp) -> Result<ScimUser, ClientError> {
        let url = format!("{}/Users/{}", self.base, crate::encode_segment(id));
        self.call(Method::PATCH, &url, Some(Self::value(patch)?), &[])
            .await
    }

    pub async fn delete_user(&self, id: &str) -> Result<(), ClientError> {
        let url = format!("{}/Users/{}", self.base, crate::encode_segment(id));
        self.client
            .send(|| self.client.http.request(Method::DELETE, &url))
            .await?;
        Ok(())
    }

    /// `GET /identity/scim/v2/Users/me`: the token's own user.
    pub async fn me(&self) -> Result<ScimUser, ClientError> {
        let url = format!("{}/identity/scim/v2/Users/me", self.origin);
        self.call(Method::GET, &url, None, &[]).await
    }

    pub async fn create_group(&self, group: &ScimGroup) -> Result<ScimGroup, ClientError> {
        let url = format!("{}/Groups", self.base);
        self.call(Method::POST, &url, Some(Self::value(group)?), &[])
            .await
    }

    pub async fn get_group(&self, id: &str) -> Result<ScimGroup, ClientError> {
        let url = format!("{}/Groups/{}", self.base, crate::encode_segment(id));
        self.call(Method::GET, &url, None, &[]).await
    }

    pub async fn list_groups(
        &self,
        filter: Option<&str>,
    ) -> Result<ScimList<ScimGroup>, ClientError> {
        let url = format!("{}/Groups", self.base);
        let query: Vec<(&str, String)> = filter
            .map(|f| ("filter", f.to_string()))
            .into_iter()
            .collect();
        self.call(Method::GET, &url, None, &query).await
    }

    pub async fn patch_group(&self, id: &str, patch: &PatchOp) -> Result<ScimGroup, ClientError> {
        let url = format!("{}/Groups/{}", self.base, crate::encode_segment(id));
        self.call(Method::PATCH, &url, Some(Self::value(patch)?), &[])
            .await
    }

    pub async fn delete_group(&self, id: &str) -> Result<(), ClientError> {
        let url = format!("{}/Groups/{}", self.base, crate::encode_segment(id));
        self.client
            .send(|| self.client.http.request(Method::DELETE, &url))
            .await?;
        Ok(())
    }

    /// `POST /Bulk` with `operations` (each `{"method", "path", "bulkId", "data"}`); the
    /// BulkResponse as JSON.
    pub async fn bulk(
        &self,
        operations: Vec<Value>,
        fail_on_errors: Option<u32>,
    ) -> Result<Value, ClientError> {
        let url = format!("{}/Bulk", self.base);
        let mut body = json!({"schemas": [BULK_SCHEMA], "Operations": operations});
        if let Some(limit) = fail_on_errors {
            body["failOnErrors"] = limit.into();
        }
        self.call(Method::POST, &url, Some(body), &[]).await
    }
}

/// A SCIM error body (RFC 7644 §3.12, with Cisco's tracking block), for [`ClientError`].
#[derive(Debug, Deserialize)]
pub(crate) struct ScimErrorBody {
    pub schemas: Vec<String>,
    pub detail: Option<String>,
    #[serde(rename = "scimType")]
    pub scim_type: Option<String>,
    #[serde(rename = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error")]
    pub cisco: Option<Value>,
}

impl ScimErrorBody {
    /// The error as the client reports it, when the body is a SCIM error.
    pub fn into_error(self, status: u16, header_tracking: String) -> Option<ClientError> {
        if !self
            .schemas
            .iter()
            .any(|s| s.ends_with(":messages:2.0:Error"))
        {
            return None;
        }
        let tracking_id = self
            .cisco
            .as_ref()
            .and_then(|c| c["trackingId"].as_str())
            .map(str::to_string)
            .unwrap_or(header_tracking);
        Some(ClientError::Api {
            status,
            message: self.detail.unwrap_or_default(),
            errors: self.scim_type.into_iter().collect(),
            tracking_id,
        })
    }
}

//! A client of Roster's control API (`roster serve --control-listen`): fault rules, the
//! request journal, snapshots and reset, and the clock. The shapes are the control API's
//! wire shapes, shared with the server (`roster_types::control`).

use crate::{api_error, decode, ClientError};
use reqwest::{Method, RequestBuilder};
pub use roster_types::control::{
    ClockView, FaultAction, FaultRule, FaultSpec, Items, JournalEntry, SignIn, Snapshot,
};
use serde::de::DeserializeOwned;

use std::time::Duration;

/// What `GET /requests` filters on; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    pub method: Option<String>,
    /// A path prefix.
    pub path: Option<String>,
    /// A person id or email.
    pub person: Option<String>,
    pub status: Option<u16>,
    /// RFC 3339.
    pub since: Option<String>,
}

/// A control API client. Cheap to clone.
#[derive(Clone)]
pub struct Control {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Control {
    /// A client of the control API at `base_url` (`http://127.0.0.1:9090`) with its token.
    pub fn new(base_url: &str, token: &str) -> Result<Control, ClientError> {
        let base = base_url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Config(format!(
                "control URL '{base}' must start with http:// or https://"
            )));
        }
        if token.trim().is_empty() {
            return Err(ClientError::Config("the control token is empty".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Control {
            http,
            base,
            token: token.trim().to_string(),
        })
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let response = request.send().await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(api_error(response).await)
        }
    }

    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ClientError> {
        decode(self.send(request).await?).await
    }

    async fn empty(&self, request: RequestBuilder) -> Result<(), ClientError> {
        self.send(request).await.map(drop)
    }

    /// `POST /faults`.
    pub async fn add_fault(&self, spec: &FaultSpec) -> Result<FaultRule, ClientError> {
        self.json(self.request(Method::POST, "/faults").json(spec))
            .await
    }

    /// `GET /faults`.
    pub async fn faults(&self) -> Result<Vec<FaultRule>, ClientError> {
        let list: Items<FaultRule> = self.json(self.request(Method::GET, "/faults")).await?;
        Ok(list.items)
    }

    /// `DELETE /faults/{id}`.
    pub async fn delete_fault(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/faults/{}", crate::encode_segment(id));
        self.empty(self.request(Method::DELETE, &path)).await
    }

    /// `DELETE /faults`.
    pub async fn clear_faults(&self) -> Result<(), ClientError> {
        self.empty(self.request(Method::DELETE, "/faults")).await
    }

    /// `GET /requests`, oldest first.
    pub async fn requests(&self, filter: &JournalFilter) -> Result<Vec<JournalEntry>, ClientError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        let mut add = |name, value: Option<String>| {
            if let Some(value) = value {
                query.push((name, value));
            }
        };
        add("method", filter.method.clone());
        add("path", filter.path.clone());
        add("person", filter.person.clone());
        add("status", filter.status.map(|s| s.to_string()));
        add("since", filter.since.clone());
        let list: Items<JournalEntry> = self
            .json(self.request(Method::GET, "/requests").query(&query))
            .await?;
        Ok(list.items)
    }

    /// `DELETE /requests`.
    pub async fn clear_requests(&self) -> Result<(), ClientError> {
        self.empty(self.request(Method::DELETE, "/requests")).await
    }

    /// `POST /snapshots`: saves the whole directory under `name`.
    pub async fn save_snapshot(&self, name: &str) -> Result<Snapshot, ClientError> {
        let body = serde_json::json!({ "name": name });
        self.json(self.request(Method::POST, "/snapshots").json(&body))
            .await
    }

    /// `POST /sign-ins`: the next `/v1/authorize` of `client_id` (of any integration
    /// without one) signs in as `person` (an id or an email) and consents.
    pub async fn approve_sign_in(
        &self,
        person: &str,
        client_id: Option<&str>,
    ) -> Result<SignIn, ClientError> {
        let body = serde_json::json!({ "person": person, "clientId": client_id });
        self.json(self.request(Method::POST, "/sign-ins").json(&body))
            .await
    }

    /// `GET /sign-ins`: the approvals not used yet.
    pub async fn sign_ins(&self) -> Result<Vec<SignIn>, ClientError> {
        let list: Items<SignIn> = self.json(self.request(Method::GET, "/sign-ins")).await?;
        Ok(list.items)
    }

    /// `GET /snapshots`.
    pub async fn snapshots(&self) -> Result<Vec<Snapshot>, ClientError> {
        let list: Items<Snapshot> = self.json(self.request(Method::GET, "/snapshots")).await?;
        Ok(list.items)
    }

    /// `POST /snapshots/{name}/restore`.
    pub async fn restore_snapshot(&self, name: &str) -> Result<(), ClientError> {
        let path = format!("/snapshots/{}/restore", crate::encode_segment(name));
        self.empty(self.request(Method::POST, &path)).await
    }

    /// `DELETE /snapshots/{name}`.
    pub async fn delete_snapshot(&self, name: &str) -> Result<(), ClientError> {
        let path = format!("/snapshots/{}", crate::encode_segment(name));
        self.empty(self.request(Method::DELETE, &path)).await
    }

    /// `POST /reset`: the directory as it was when the server started.
    pub async fn reset(&self) -> Result<(), ClientError> {
        self.empty(self.request(Method::POST, "/reset")).await
    }

    /// `GET /clock`.
    pub async fn clock(&self) -> Result<ClockView, ClientError> {
        self.json(self.request(Method::GET, "/clock")).await
    }

    /// `POST /clock {"advance": ...}`: `by` is a duration such as `15m`.
    pub async fn advance_clock(&self, by: &str) -> Result<ClockView, ClientError> {
        let body = serde_json::json!({ "advance": by });
        self.json(self.request(Method::POST, "/clock").json(&body))
            .await
    }

    /// `POST /clock {"now": ...}` (RFC 3339).
    pub async fn set_clock(&self, now: &str) -> Result<ClockView, ClientError> {
        let body = serde_json::json!({ "now": now });
        self.json(self.request(Method::POST, "/clock").json(&body))
            .await
    }

    /// `DELETE /clock`: back to real time.
    pub async fn real_clock(&self) -> Result<(), ClientError> {
        self.empty(self.request(Method::DELETE, "/clock")).await
    }
}

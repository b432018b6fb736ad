//! A client of Roster's control API (`roster serve --control-listen`): fault rules, the
//! request journal, snapshots and reset, and the clock. The shapes are the control API's
//! wire shapes (see the server's `GET /openapi.json` on the control listener).

use crate::{api_error, decode, ClientError};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A fault rule to add. Every field is optional except one of `status` and `action`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A person id or email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// `respond`, `drop` or `stall`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforce_retry_after: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A rule as the server holds it, with how many times it fired.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub id: String,
    pub method: Option<String>,
    pub path: Option<String>,
    pub person: Option<String>,
    pub token_id: Option<String>,
    pub status: Option<u16>,
    pub retry_after: Option<u64>,
    pub latency_ms: u64,
    pub action: String,
    pub times: Option<u64>,
    pub skip: u64,
    pub probability: f64,
    pub seed: u64,
    pub enforce_retry_after: bool,
    pub message: Option<String>,
    pub fired: u64,
}

/// One request of the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub time: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub person_id: Option<String>,
    pub token_id: Option<String>,
    /// Absent for a dropped or stalled connection.
    pub status: Option<u16>,
    pub tracking_id: Option<String>,
    pub duration_ms: f64,
    pub fault_id: Option<String>,
}

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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub name: String,
    pub created: String,
    pub tables: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    pub now: String,
    pub offset_ms: i64,
}

/// A sign-in approved ahead (`POST /sign-ins`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    pub id: String,
    pub person_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub created: String,
}

#[derive(Deserialize)]
struct Items<T> {
    items: Vec<T>,
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

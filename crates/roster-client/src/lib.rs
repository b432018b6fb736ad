//! A typed async client for the Webex People API (and, in [`scim`], the SCIM 2 API).
//!
//! It works against Roster and against Webex itself (`https://webexapis.com/v1`): every
//! People operation, pagination as a [`Stream`](futures_util::Stream) that follows
//! `Link: <...>; rel="next"` headers, bounded retries of `429 Too Many Requests` that honour
//! `Retry-After`, and errors that carry the Webex `message`, `errors` and `trackingId`. The
//! wire types are `roster-types`', shared with the server, so a field cannot drift.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use roster_client::{Client, ListParams};
//!
//! # async fn run() -> Result<(), roster_client::ClientError> {
//! let client = Client::builder("http://127.0.0.1:8080/v1", "my-token").build()?;
//! let me = client.me(false).await?;
//! println!("hello {}", me.display_name.unwrap_or_default());
//!
//! let params = ListParams { display_name: Some("Ada".into()), max: Some(50), ..Default::default() };
//! let people: Vec<_> = client.list_all(&params).try_collect().await?;
//! println!("{} people", people.len());
//! # Ok(()) }
//! ```

pub mod control;
pub mod scim;

pub use control::Control;
use futures_util::Stream;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use roster_types::{ErrorBody, Person, PersonInput, PersonList, TRACKING_ID_HEADER};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Webex's own API, the default base URL.
pub const WEBEX_BASE_URL: &str = "https://webexapis.com/v1";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The API answered with an error status.
    #[error("{status}: {message} (trackingId {tracking_id})")]
    Api {
        status: u16,
        message: String,
        errors: Vec<String>,
        tracking_id: String,
    },
    #[error("request failed: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("unexpected response body: {0}")]
    Decode(String),
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl ClientError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Filters of `GET /people`; `None` leaves a parameter out.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub ids: Vec<String>,
    pub org_id: Option<String>,
    pub roles: Vec<String>,
    pub location_id: Option<String>,
    pub calling_data: Option<bool>,
    pub exclude_status: Option<bool>,
    pub max: Option<u32>,
}

impl ListParams {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        let mut add = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                q.push((k, v));
            }
        };
        add("email", self.email.clone());
        add("displayName", self.display_name.clone());
        add("id", (!self.ids.is_empty()).then(|| self.ids.join(",")));
        add("orgId", self.org_id.clone());
        add(
            "roles",
            (!self.roles.is_empty()).then(|| self.roles.join(",")),
        );
        add("locationId", self.location_id.clone());
        add("callingData", self.calling_data.map(|b| b.to_string()));
        add("excludeStatus", self.exclude_status.map(|b| b.to_string()));
        add("max", self.max.map(|m| m.to_string()));
        q
    }
}

/// Options of `POST /people` and `PUT /people/{id}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    pub calling_data: bool,
    pub min_response: bool,
}

/// One page of a list, and the absolute URL of the next one.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Person>,
    pub not_found_ids: Option<Vec<String>>,
    pub next: Option<String>,
}

pub struct ClientBuilder {
    base_url: String,
    token: String,
    timeout: Duration,
    max_retries: u32,
    max_retry_wait: Duration,
    user_agent: String,
}

impl ClientBuilder {
    /// Per-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a 429 is retried after its `Retry-After` (default 3; 0 disables).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The longest single wait for a 429 (default 60 s); longer `Retry-After`s give up.
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    pub fn build(self) -> Result<Client, ClientError> {
        let base = self.base_url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Config(format!(
                "base URL '{base}' must start with http:// or https://"
            )));
        }
        if self.token.trim().is_empty() {
            return Err(ClientError::Config("the access token is empty".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .build()?;
        Ok(Client {
            http,
            base,
            token: self.token,
            max_retries: self.max_retries,
            max_retry_wait: self.max_retry_wait,
        })
    }
}

/// A People API client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    max_retries: u32,
    max_retry_wait: Duration,
}

impl Client {
    /// A builder for `base_url` (e.g. `http://127.0.0.1:8080/v1` or [`WEBEX_BASE_URL`]).
    pub fn builder(base_url: impl Into<String>, token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            token: token.into(),
            timeout: Duration::from_secs(30),
            max_retries: 3,
            max_retry_wait: Duration::from_secs(60),
            user_agent: format!("roster-client/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /people/me`.
    pub async fn me(&self, calling_data: bool) -> Result<Person, ClientError> {
        let url = format!("{}/people/me", self.base);
        let query = [("callingData", calling_data.to_string())];
        self.json(|| self.http.get(&url).query(&query)).await
    }

    /// `GET /people/{id}`.
    pub async fn get(&self, id: &str) -> Result<Person, ClientError> {
        let url = format!("{}/people/{}", self.base, encode_segment(id));
        self.json(|| self.http.get(&url)).await
    }

    /// `GET /people` — one page.
    pub async fn list(&self, params: &ListParams) -> Result<Page, ClientError> {
        let url = format!("{}/people", self.base);
        let query = params.query();
        self.page(|| self.http.get(&url).query(&query)).await
    }

    /// The page a `Link` URL names.
    pub async fn next_page(&self, url: &str) -> Result<Page, ClientError> {
        self.page(|| self.http.get(url)).await
    }

    /// Every person matching `params`, page after page, following `Link` headers.
    pub fn list_all<'a>(
        &'a self,
        params: &'a ListParams,
    ) -> impl Stream<Item = Result<Person, ClientError>> + 'a {
        enum Next {
            First,
            Url(String),
        }
        struct Walk {
            next: Option<Next>,
            buffer: std::vec::IntoIter<Person>,
        }
        let start = Walk {
            next: Some(Next::First),
            buffer: Vec::new().into_iter(),
        };
        futures_util::stream::unfold(start, move |mut walk| async move {
            loop {
                if let Some(person) = walk.buffer.next() {
                    return Some((Ok(person), walk));
                }
                let page = match walk.next.take()? {
                    Next::First => self.list(params).await,
                    Next::Url(url) => self.next_page(&url).await,
                };
                match page {
                    Ok(page) => {
                        walk.next = page.next.map(Next::Url);
                        walk.buffer = page.items.into_iter();
                    }
                    Err(error) => return Some((Err(error), walk)),
                }
            }
        })
    }

    /// `POST /people`.
    pub async fn create(
        &self,
        person: &PersonInput,
        options: WriteOptions,
    ) -> Result<Person, ClientError> {
        let url = format!("{}/people", self.base);
        let query = write_query(options);
        self.json(|| self.http.post(&url).query(&query).json(person))
            .await
    }

    /// `PUT /people/{id}` — a full replacement: fields left out are cleared.
    pub async fn update(
        &self,
        id: &str,
        person: &PersonInput,
        options: WriteOptions,
    ) -> Result<Person, ClientError> {
        let url = format!("{}/people/{}", self.base, encode_segment(id));
        let query = write_query(options);
        self.json(|| self.http.put(&url).query(&query).json(person))
            .await
    }

    /// `DELETE /people/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        let url = format!("{}/people/{}", self.base, encode_segment(id));
        self.send(|| self.http.request(Method::DELETE, &url))
            .await?;
        Ok(())
    }

    async fn page(&self, request: impl Fn() -> RequestBuilder) -> Result<Page, ClientError> {
        let response = self.send(request).await?;
        let next = next_link(response.headers());
        let list: PersonList = decode(response).await?;
        Ok(Page {
            items: list.items,
            not_found_ids: list.not_found_ids,
            next,
        })
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<T, ClientError> {
        decode(self.send(request).await?).await
    }

    /// Sends with the token, retrying 429s after `Retry-After` up to the configured bound.
    async fn send(
        &self,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let mut attempt = 0;
        loop {
            let response = request()
                .bearer_auth(&self.token)
                .header(
                    TRACKING_ID_HEADER,
                    format!("ROSTERCLIENT_{}", uuid::Uuid::new_v4()),
                )
                .send()
                .await?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS && attempt < self.max_retries {
                let wait = retry_after(response.headers());
                if wait <= self.max_retry_wait {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            if status.is_success() {
                return Ok(response);
            }
            return Err(api_error(response).await);
        }
    }
}

fn write_query(options: WriteOptions) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if options.calling_data {
        query.push(("callingData", "true".to_string()));
    }
    if options.min_response {
        query.push(("minResponse", "true".to_string()));
    }
    query
}

/// Ids are base64url or UUIDs; anything else is percent-encoded rather than trusted.
fn encode_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Integer seconds, as Webex sends; missing or malformed means 5 s, like `wxc_sdk`.
fn retry_after(headers: &HeaderMap) -> Duration {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.max(1)))
        .unwrap_or(Duration::from_secs(5))
}

/// The URL of `Link: <URL>; rel="next"` (one link per header value, as Webex sends).
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers.get_all("link").iter().find_map(|value| {
        let value = value.to_str().ok()?;
        let (url, params) = value.split_once(';')?;
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| url.to_string())
    })
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let bytes = response.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
}

async fn api_error(response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    let header_tracking = response
        .headers()
        .get(TRACKING_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = response.text().await.unwrap_or_default();
    if let Some(error) = serde_json::from_str::<scim::ScimErrorBody>(&text)
        .ok()
        .and_then(|body| body.into_error(status, header_tracking.clone()))
    {
        return error;
    }
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ClientError::Api {
            status,
            message: body.message,
            errors: body.errors.into_iter().map(|e| e.description).collect(),
            tracking_id: if body.tracking_id.is_empty() {
                header_tracking
            } else {
                body.tracking_id
            },
        },
        Err(_) => ClientError::Api {
            status,
            message: if text.is_empty() {
                StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error")
                    .to_string()
            } else {
                text.chars().take(500).collect()
            },
            errors: Vec::new(),
            tracking_id: header_tracking,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_are_parsed_like_webex_sends_them() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            "<http://h/v1/people?max=2&cursor=x>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("http://h/v1/people?max=2&cursor=x")
        );
        headers.insert("link", "<http://h/x>; rel=\"prev\"".parse().unwrap());
        assert_eq!(next_link(&headers), None);
    }

    #[test]
    fn retry_after_is_integer_seconds_with_a_default() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), Duration::from_secs(5));
        headers.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Duration::from_secs(2));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Duration::from_secs(5));
    }
}

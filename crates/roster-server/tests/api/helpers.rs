//! `spawn_app()` gives each test its own database, its own server on a random port and
//! typed helpers to seed data and call endpoints; `directory()` adds the organizations and
//! people of every kind that the People tests (`list.rs`, `get.rs`, `create.rs`, ...) share.

use reqwest::{Client, Method, RequestBuilder, Response};
use roster_server::{Application, ServerConfig};
use roster_store::testing::TestDb;
use roster_store::{roles, seed, OrgRecord, PersonDraft, PersonRecord, Store, StoreOptions};
use roster_types::id::{encode, encode_uuid};
use roster_types::IdKind;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

pub struct TestApp {
    pub address: String,
    /// The control API's base URL, when the config turned it on (`tests/control`).
    #[allow(dead_code)]
    pub control_address: Option<String>,
    pub store: Arc<dyn Store>,
    pub client: Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// Dropped last: the database outlives the server using it.
    _db: TestDb,
}

/// Options for the server under test.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        // Long enough that no flush happens by itself during a test; tests that need one
        // stop the server (which flushes) or call the tracker.
        activity_flush_interval: Duration::from_secs(3600),
        change_poll_interval: Duration::from_millis(50),
        ..ServerConfig::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

pub async fn spawn_app_with(config: ServerConfig) -> TestApp {
    let db = TestDb::new().await;
    let store = roster_store::open(&db.url, &StoreOptions::default())
        .await
        .expect("open store");
    let app = Application::build(config, store.clone())
        .await
        .expect("build app");
    let address = format!("http://{}", app.local_addr());
    let control_address = app.control_addr().map(|a| format!("http://{a}"));
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    TestApp {
        address,
        control_address,
        store,
        client: Client::builder().build().unwrap(),
        shutdown: Some(tx),
        server: Some(server),
        _db: db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Stops the server the way SIGTERM does: in-flight requests finish, activity is
    /// written.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
    }

    pub async fn org(&self, name: &str) -> OrgRecord {
        self.store.create_org(None, name).await.expect("create org")
    }

    /// A person with the given roles in `org`; email derived from the name.
    pub async fn person(&self, org: &OrgRecord, name: &str, role_ids: &[&str]) -> PersonRecord {
        self.person_with(PersonDraft {
            org_id: org.id,
            display_name: name.to_string(),
            roles: role_ids.iter().map(|r| r.to_string()).collect(),
            ..PersonDraft::default()
        })
        .await
    }

    pub async fn person_with(&self, mut draft: PersonDraft) -> PersonRecord {
        if draft.emails.is_empty() {
            let local: String = draft
                .display_name
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
                .collect();
            draft.emails = vec![format!(
                "{local}.{}@example.com",
                &uuid::Uuid::new_v4().to_string()[..8]
            )];
        }
        draft.login_enabled = true;
        self.store
            .create_person(draft)
            .await
            .expect("create person")
    }

    pub async fn admin(&self, org: &OrgRecord) -> (PersonRecord, String) {
        let admin = self.person(org, "Org Admin", &[roles::FULL_ADMIN]).await;
        let token = self.token(&admin).await;
        (admin, token)
    }

    pub async fn token(&self, person: &PersonRecord) -> String {
        seed::issue_token(self.store.as_ref(), person, None, None)
            .await
            .expect("issue token")
    }

    /// A token carrying `scopes`, as the token endpoint stores one (the OIDC and SCIM tests
    /// use it; the People tests scope tokens through the token endpoint).
    #[allow(dead_code)]
    pub async fn scoped_token(&self, person: &PersonRecord, scopes: &[&str]) -> String {
        let token = roster_store::token::generate(person.org_id);
        self.store
            .create_token_with(roster_store::oauth::NewToken {
                person_id: person.id,
                token_hash: roster_store::token::hash(&token),
                label: None,
                expires_at: None,
                scopes: Some(scopes.iter().map(|s| s.to_string()).collect()),
                authorization_id: None,
            })
            .await
            .expect("store the token")
            .expect("stored");
        token
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_me(&self, token: &str) -> Response {
        self.get("/v1/people/me", token).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

pub fn person_id(person: &PersonRecord) -> String {
    encode_uuid(IdKind::People, &person.id)
}

/// Reads a JSON body after checking the status and Webex's content type.
pub async fn json_body(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    assert_eq!(
        content_type.as_deref(),
        Some("application/json;charset=UTF-8"),
        "content type"
    );
    serde_json::from_str(&text).expect("JSON body")
}

/// Checks that `response` is a Webex error with `status` and returns its message.
pub async fn error_body(response: Response, status: u16) -> (String, Value) {
    let tracking = response
        .headers()
        .get("trackingid")
        .expect("TrackingID header")
        .to_str()
        .unwrap()
        .to_string();
    let body = json_body(response, status).await;
    assert_eq!(
        body["trackingId"],
        tracking.as_str(),
        "body trackingId equals header"
    );
    let message = body["message"].as_str().expect("message").to_string();
    assert!(!message.is_empty());
    let description = body["errors"][0]["description"]
        .as_str()
        .expect("errors[0].description");
    assert!(!description.is_empty());
    (message, body)
}

impl TestApp {
    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, Some(token))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token))
            .send()
            .await
            .expect("request")
    }

    /// Follows `Link: <...>; rel="next"` from `path` and returns every page's items.
    pub async fn all_pages(&self, path: &str, token: &str) -> (Vec<Vec<Value>>, Vec<String>) {
        let mut pages = Vec::new();
        let mut links = Vec::new();
        let mut url = self.url(path);
        loop {
            let response = self
                .client
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            let next = next_link(&response);
            let body = json_body(response, 200).await;
            pages.push(body["items"].as_array().unwrap().clone());
            match next {
                Some(next) => {
                    links.push(next.clone());
                    url = next;
                }
                None => return (pages, links),
            }
            assert!(pages.len() < 1000, "pagination does not end");
        }
    }
}

/// The URL of `Link: <URL>; rel="next"`, checking the exact form clients parse.
pub fn next_link(response: &Response) -> Option<String> {
    let values: Vec<_> = response.headers().get_all("link").iter().collect();
    assert!(values.len() <= 1, "one Link header at most");
    let value = values.first()?.to_str().unwrap();
    let url = value
        .strip_prefix('<')
        .and_then(|v| v.strip_suffix(">; rel=\"next\""))
        .unwrap_or_else(|| panic!("Link header form: {value}"));
    assert!(url.starts_with("http://"), "absolute URL: {url}");
    Some(url.to_string())
}

pub fn ids_of(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until `seen` holds: for changes made straight in the store, which the server
/// only learns about through the change feed (polled every 50 ms here). Polling instead of
/// one fixed sleep keeps the test quick and still correct when a loaded CI machine
/// delays a poll; the caches have no expiry, so only the feed can make `seen` true.
pub async fn until_the_feed_delivers<F, Fut>(what: &str, mut seen: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !seen().await {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not delivered within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An organization with one person of every kind, a partner organization that manages it,
/// and an unrelated organization.
pub struct Directory {
    pub app: TestApp,
    pub org: OrgRecord,
    pub other_org: OrgRecord,
    pub user: PersonRecord,
    pub user_token: String,
    pub readonly_token: String,
    pub user_admin_token: String,
    pub full_admin: PersonRecord,
    pub full_admin_token: String,
    pub partner_admin_token: String,
    pub partner_user_token: String,
    pub other_admin_token: String,
    pub other_user: PersonRecord,
}

pub async fn directory() -> Directory {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let partner = app.org("Partner").await;
    let other_org = app.org("Elsewhere").await;
    app.store.add_managed_org(partner.id, org.id).await.unwrap();

    let user = app.person(&org, "Una User", &[]).await;
    let readonly = app
        .person(&org, "Rita Readonly", &[roles::READONLY_ADMIN])
        .await;
    let user_admin = app
        .person(&org, "Uwe Useradmin", &[roles::USER_ADMIN])
        .await;
    let full_admin = app
        .person(&org, "Fiona Fulladmin", &[roles::FULL_ADMIN])
        .await;
    let partner_admin = app
        .person(&partner, "Pat Partner", &[roles::FULL_ADMIN])
        .await;
    let partner_user = app.person(&partner, "Pete Partneruser", &[]).await;
    let other_admin = app
        .person(&other_org, "Otto Other", &[roles::FULL_ADMIN])
        .await;
    let other_user = app.person(&other_org, "Olga Other", &[]).await;
    Directory {
        user_token: app.token(&user).await,
        readonly_token: app.token(&readonly).await,
        user_admin_token: app.token(&user_admin).await,
        full_admin_token: app.token(&full_admin).await,
        partner_admin_token: app.token(&partner_admin).await,
        partner_user_token: app.token(&partner_user).await,
        other_admin_token: app.token(&other_admin).await,
        app,
        org,
        other_org,
        user,
        full_admin,
        other_user,
    }
}

pub fn org_id(org: &OrgRecord) -> String {
    encode_uuid(IdKind::Organization, &org.id)
}

pub fn role_id(role: &str) -> String {
    encode(IdKind::Role, role)
}

/// The time now, as the store under test reads it: its clock is on real time.
pub fn now_millis() -> i64 {
    roster_types::time::Clock::system().now_millis()
}

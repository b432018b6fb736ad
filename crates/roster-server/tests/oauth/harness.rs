//! An app with one organization, a person who has a password, and a registered
//! integration; a browser-like client (no automatic redirects, cookies kept by hand) that
//! walks the sign-in and consent forms.

use crate::helpers::{spawn_app_with, test_config, TestApp};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use roster_server::ServerConfig;
use roster_store::oauth::{credentials, password, IntegrationDraft};
use roster_store::{token, OrgRecord, PersonRecord};
use serde_json::Value;
use std::collections::BTreeMap;

pub const PASSWORD: &str = "correct horse battery";
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
/// A PKCE verifier and its S256 challenge, BASE64URL(SHA256(verifier)) as Python computes it.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K3ezs1gwWkmYIaOkyGqE2xyuQc";
pub const CHALLENGE: &str = "1GEldrvwYU47tdGq-aJGyO20uIneInQaagbK73SbQGE";

pub struct Setup {
    pub app: TestApp,
    pub org: OrgRecord,
    pub person: PersonRecord,
    pub client_id: String,
    pub secret: String,
    /// A browser: no automatic redirects.
    pub browser: Client,
    pub cookies: BTreeMap<String, String>,
    /// The server the browser and the token requests talk to (`app`'s unless changed: a
    /// second node on the same database).
    pub node: String,
}

pub async fn setup() -> Setup {
    setup_with(test_config()).await
}

pub async fn setup_with(config: ServerConfig) -> Setup {
    let app = spawn_app_with(config).await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Ada Lovelace", &[]).await;
    app.store
        .set_password(person.id, &password::hash(PASSWORD))
        .await
        .unwrap();
    let secret = credentials::new_client_secret();
    let integration = app
        .store
        .create_integration(IntegrationDraft {
            org_id: org.id,
            name: "Planner".into(),
            client_id: credentials::new_client_id(),
            secret_hash: token::hash(&secret),
            redirect_uris: vec![REDIRECT.into(), "http://localhost:9/other".into()],
            scopes: vec![
                "spark:people_read".into(),
                "spark-admin:people_write".into(),
            ],
        })
        .await
        .unwrap();
    Setup {
        org,
        person,
        client_id: integration.client_id,
        secret,
        browser: Client::builder().redirect(Policy::none()).build().unwrap(),
        cookies: BTreeMap::new(),
        node: app.address.clone(),
        app,
    }
}

/// The query string of an authorization request with PKCE (S256).
pub fn authorize_query(client_id: &str, scope: &str, state: &str) -> String {
    serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", state),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap()
}

/// The value of a hidden form field of a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// The parameters of a redirect's query (or fragment).
pub fn redirect_params(location: &str) -> BTreeMap<String, String> {
    let tail = location
        .split_once(['?', '#'])
        .map(|(_, tail)| tail)
        .unwrap_or("");
    serde_urlencoded::from_str(tail).unwrap()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_string()
}

impl Setup {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.node)
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.to_string(), value.to_string());
        }
    }

    /// A browser's GET of `/v1/authorize?query`.
    pub async fn open(&mut self, query: &str) -> Response {
        let response = self
            .browser
            .get(self.url(&format!("/v1/authorize?{query}")))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    /// A browser's POST of a form of the page at `/v1/authorize?query`.
    pub async fn post(&mut self, query: &str, form: &[(&str, &str)]) -> Response {
        let response = self
            .browser
            .post(self.url(&format!("/v1/authorize?{query}")))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    /// Signs in on the page `query` shows; the response to the form.
    pub async fn sign_in(&mut self, query: &str, email: &str, password: &str) -> Response {
        let page = self.open(query).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("name=\"password\""), "{html}");
        let csrf = hidden(&html, "csrf_token").expect("a CSRF token");
        self.post(
            query,
            &[
                ("csrf_token", &csrf),
                ("step", "sign_in"),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// Goes through whatever the server shows (sign-in page, consent page, or nothing when
    /// signed in and consented before) as the person who accepts; the redirect's parameters.
    pub async fn authorize(&mut self, query: &str) -> BTreeMap<String, String> {
        let mut response = self.open(query).await;
        if response.status() == StatusCode::OK {
            let html = response.text().await.unwrap();
            let csrf = hidden(&html, "csrf_token").expect("a CSRF token");
            if html.contains("name=\"password\"") {
                let email = self.person.emails[0].clone();
                let form = [
                    ("csrf_token", csrf.as_str()),
                    ("step", "sign_in"),
                    ("email", email.as_str()),
                    ("password", PASSWORD),
                ];
                response = self.post(query, &form).await;
            } else {
                response = self.accept(query, &html).await;
            }
        }
        if response.status() == StatusCode::OK {
            let html = response.text().await.unwrap();
            response = self.accept(query, &html).await;
        }
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = location(&response);
        assert!(location.starts_with(REDIRECT), "{location}");
        redirect_params(&location)
    }

    /// Accepts on the consent page `html`.
    async fn accept(&mut self, query: &str, html: &str) -> Response {
        assert!(html.contains("Planner"), "{html}");
        let csrf = hidden(html, "csrf_token").unwrap();
        self.post(
            query,
            &[
                ("csrf_token", &csrf),
                ("step", "consent"),
                ("decision", "accept"),
            ],
        )
        .await
    }

    /// `POST /v1/access_token` with the client's credentials in the form.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![
            ("client_id", &self.client_id),
            ("client_secret", &self.secret),
        ];
        all.extend_from_slice(form);
        self.app
            .client
            .post(self.url("/v1/access_token"))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Exchanges a code (with the PKCE verifier); the 200 body.
    pub async fn exchange(&self, code: &str) -> Value {
        let response = self
            .token_request(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ])
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// A code for the person, through the whole page flow.
    pub async fn code(&mut self, scope: &str) -> String {
        let query = authorize_query(&self.client_id.clone(), scope, "s");
        self.authorize(&query).await["code"].clone()
    }
}

/// An OAuth error body: the status, `error`, and Webex's fields present.
pub async fn oauth_error(response: Response, status: u16) -> (String, String) {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.unwrap();
    assert!(body["trackingId"].is_string(), "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(body["errors"][0]["description"].is_string(), "{body}");
    (
        body["error"].as_str().unwrap().to_string(),
        body["error_description"].as_str().unwrap().to_string(),
    )
}

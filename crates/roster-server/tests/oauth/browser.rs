//! A real browser: headless Chromium driven over WebDriver (`chromedriver`, started here on
//! a free port) signs in, consents, lands on a callback server this test owns, and the code
//! it got is exchanged and used for `/v1/people/me`; then it declines; then, signed in,
//! `prompt=none` comes straight back with a code.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Missing, the
//! test fails saying so; it never skips.

use crate::harness::*;
use crate::helpers::{spawn_app, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use roster_store::oauth::{credentials, password, IntegrationDraft};
use roster_store::token;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// `chromedriver` on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Driver {
    for path in [CHROMEDRIVER, CHROMIUM] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} is missing: install Debian's chromium and chromium-driver \
             (apt-get install chromium chromium-driver); .ci/run does this"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    driver
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        }),
    );
    let http = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(http)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with headless Chromium")
}

/// The app's callback: answers every request with a page and hands its path and query on.
async fn callback_server() -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 8192];
            let n = stream.read(&mut buffer).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buffer[..n]).to_string();
            if let Some(target) = head.split(' ').nth(1) {
                if target.starts_with("/callback") {
                    let _ = tx.send(target.to_string());
                }
            }
            let body = "<html><body><h1 id=\"done\">Back in the app</h1></body></html>";
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    (url, rx)
}

async fn next_callback(
    rx: &mut mpsc::UnboundedReceiver<String>,
) -> std::collections::BTreeMap<String, String> {
    let target = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the browser came back to the callback within 20 s")
        .unwrap();
    redirect_params(&target)
}

fn authorize_url(app: &TestApp, client_id: &str, redirect: &str, extra: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", "spark:people_read"),
        ("state", "from-the-browser"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    app.url(&format!("/v1/authorize?{query}{extra}"))
}

async fn sign_in(browser: &Client, email: &str) {
    browser
        .wait()
        .for_element(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    browser
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn choose(browser: &Client, button: &str) {
    let page = browser
        .wait()
        .for_element(Locator::Id(button))
        .await
        .unwrap();
    let text = browser.source().await.unwrap();
    assert!(text.contains("Read your company directory"), "{text}");
    page.click().await.unwrap();
}

#[tokio::test]
async fn a_real_browser_signs_in_consents_declines_and_returns_silently() {
    let driver = start_driver().await;
    let (redirect, mut callbacks) = callback_server().await;
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let person = app.person(&org, "Grace Hopper", &[]).await;
    let email = person.emails[0].clone();
    app.store
        .set_password(person.id, &password::hash(PASSWORD))
        .await
        .unwrap();
    let secret = credentials::new_client_secret();
    let client_id = credentials::new_client_id();
    app.store
        .create_integration(IntegrationDraft {
            org_id: org.id,
            name: "Planner".into(),
            client_id: client_id.clone(),
            secret_hash: token::hash(&secret),
            redirect_uris: vec![redirect.clone()],
            scopes: vec!["spark:people_read".into()],
        })
        .await
        .unwrap();

    // Sign in and accept.
    let first = browser(&driver).await;
    first
        .goto(&authorize_url(&app, &client_id, &redirect, ""))
        .await
        .unwrap();
    sign_in(&first, &email).await;
    choose(&first, "accept").await;
    let back = next_callback(&mut callbacks).await;
    assert_eq!(back["state"], "from-the-browser");
    let response = app
        .client
        .post(app.url("/v1/access_token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("code", back["code"].as_str()),
            ("redirect_uri", redirect.as_str()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let me: Value = app
        .get_me(tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["emails"][0], email);

    // Signed in and consented: prompt=none comes straight back with a code.
    first
        .goto(&authorize_url(&app, &client_id, &redirect, "&prompt=none"))
        .await
        .unwrap();
    let silent = next_callback(&mut callbacks).await;
    assert!(silent.contains_key("code"), "{silent:?}");
    first.close().await.unwrap();

    // Another browser declines.
    let second = browser(&driver).await;
    second
        .goto(&authorize_url(&app, &client_id, &redirect, ""))
        .await
        .unwrap();
    sign_in(&second, &email).await;
    // A fresh browser needs its own sign-in, and the consent is remembered for the person:
    // back at once. Asked again with prompt=consent, it declines.
    let remembered = next_callback(&mut callbacks).await;
    assert!(remembered.contains_key("code"), "{remembered:?}");
    second
        .goto(&authorize_url(
            &app,
            &client_id,
            &redirect,
            "&prompt=consent",
        ))
        .await
        .unwrap();
    choose(&second, "decline").await;
    let declined = next_callback(&mut callbacks).await;
    assert_eq!(declined["error"], "access_denied");
    assert!(!declined.contains_key("code"));
    second.close().await.unwrap();
}

//! OpenID Connect against a real server: discovery, the key set and its rotation, id_tokens
//! as the token endpoint mints them, `/v1/userinfo`; and the `openidconnect` crate, the
//! standard Rust client, using all of it as a "Login with Webex" app would. Each test has
//! its own database (SQLite, or PostgreSQL with `ROSTER_TEST_POSTGRES_URL`).

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod client_library;
mod code_flow;
mod discovery;
mod id_tokens;
mod userinfo;

use helpers::TestApp;
use roster_server::oidc::{mint_id_token, IdTokenRequest};
use roster_store::PersonRecord;
use serde_json::Value;

/// A client id in Webex's shape.
pub const CLIENT_ID: &str = "C0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The server's issuer as a client reaching it at its address sees it.
pub fn issuer(app: &TestApp) -> String {
    format!("{}/v1", app.address)
}

/// An id_token for `person` as the token endpoint makes it, with `scopes` and `nonce`.
pub async fn id_token_for(
    app: &TestApp,
    person: &PersonRecord,
    scopes: &[&str],
    nonce: Option<&str>,
) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let issuer = issuer(app);
    mint_id_token(
        app.store.as_ref(),
        &IdTokenRequest {
            issuer: &issuer,
            client_id: CLIENT_ID,
            person,
            scopes: &scopes,
            nonce,
            auth_time: app.store.clock().now_millis() - 5_000,
        },
    )
    .await
    .expect("mint an id_token")
}

/// A JWT's header and claims, decoded without verifying anything (the verifying is the
/// client library's, in `client_library.rs`).
pub fn decode_unverified(jwt: &str) -> (Value, Value) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS in compact form: {jwt}");
    let part = |i: usize| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[i]).expect("base64url")).expect("JSON")
    };
    (part(0), part(1))
}

/// The key set the server publishes now.
pub async fn jwks(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/v1/verification"))
        .send()
        .await
        .unwrap();
    helpers::json_body(response, 200).await
}

/// The key ids of [`jwks`], in order.
pub async fn published_kids(app: &TestApp) -> Vec<String> {
    jwks(app).await["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|key| key["kid"].as_str().expect("kid").to_string())
        .collect()
}

//! The discovery document and the key set, and the key made at first start.

use crate::helpers::{json_body, spawn_app, spawn_app_with, test_config};
use crate::{issuer, jwks, published_kids};
use roster_server::ServerConfig;

#[tokio::test]
async fn the_document_names_the_issuer_and_endpoints_under_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/v1/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    let document = json_body(response, 200).await;
    let issuer = issuer(&app);
    assert_eq!(document["issuer"], issuer.as_str());
    for (field, path) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "access_token"),
        ("userinfo_endpoint", "userinfo"),
        ("jwks_uri", "verification"),
    ] {
        assert_eq!(document[field], format!("{issuer}/{path}"), "{field}");
    }
    let list = |field: &str| -> Vec<String> {
        document[field]
            .as_array()
            .unwrap_or_else(|| panic!("{field} is a list"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(list("id_token_signing_alg_values_supported"), ["RS256"]);
    assert_eq!(list("subject_types_supported"), ["public"]);
    assert_eq!(list("code_challenge_methods_supported"), ["plain", "S256"]);
    assert_eq!(
        list("scopes_supported"),
        ["openid", "email", "profile", "phone", "address"]
    );
    assert!(list("response_types_supported").contains(&"code".to_string()));
    assert!(list("grant_types_supported").contains(&"refresh_token".to_string()));
    for claim in ["sub", "iss", "aud", "nonce", "auth_time", "email_verified"] {
        assert!(
            list("claims_supported").contains(&claim.to_string()),
            "{claim}"
        );
    }
    assert_eq!(
        list("token_endpoint_auth_methods_supported"),
        ["client_secret_basic", "client_secret_post"]
    );
    assert_eq!(document["request_uri_parameter_supported"], false);

    // The endpoints named are served: the key set and userinfo (which wants a token).
    let jwks_uri = document["jwks_uri"].as_str().unwrap();
    let keys = app.client.get(jwks_uri).send().await.unwrap();
    assert_eq!(keys.status(), 200);
    let userinfo = document["userinfo_endpoint"].as_str().unwrap();
    assert_eq!(app.client.get(userinfo).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn the_issuer_follows_the_public_url_or_the_host_the_client_used() {
    let app = spawn_app_with(ServerConfig {
        public_url: Some("https://roster.example.com/".into()),
        ..test_config()
    })
    .await;
    let document = json_body(
        app.client
            .get(app.url("/v1/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(document["issuer"], "https://roster.example.com/v1");
    assert_eq!(
        document["token_endpoint"],
        "https://roster.example.com/v1/access_token"
    );

    let app = spawn_app().await;
    let document = json_body(
        app.client
            .get(app.url("/v1/.well-known/openid-configuration"))
            .header("Host", "login.example.test:9443")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(document["issuer"], "http://login.example.test:9443/v1");
    assert_eq!(
        document["jwks_uri"],
        "http://login.example.test:9443/v1/verification"
    );
}

#[tokio::test]
async fn the_signing_key_is_made_at_first_start_and_published() {
    let app = spawn_app().await;
    // Before any request: the server made it while starting.
    let key = app
        .store
        .active_signing_key()
        .await
        .unwrap()
        .expect("a signing key exists once the server has started");
    let set = jwks(&app).await;
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{set}");
    let jwk = &keys[0];
    assert_eq!(jwk["kid"], key.kid.as_str());
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["e"], "AQAB");
    assert_eq!(jwk["n"].as_str().unwrap().len(), 342, "a 2048-bit modulus");
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(jwk.get(private).is_none(), "no private member {private}");
    }

    // A second node on the same database signs with the same key.
    let second = roster_server::Application::build(test_config(), app.store.clone())
        .await
        .unwrap();
    drop(second);
    assert_eq!(published_kids(&app).await, [key.kid]);
}

//! The whole "Login with Webex" flow through the `openidconnect` crate: discovery, an
//! authorization request (code flow, PKCE, nonce) signed in ahead of time as a test can
//! (`approve_sign_in`, no browser), the code exchanged at the token endpoint, the id_token
//! verified and `/v1/userinfo` read with the access token.

use crate::client_library::{discover, http};
use crate::helpers::spawn_app;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreUserInfoClaims};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use roster_store::oauth::{credentials, IntegrationDraft};
use roster_store::token;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

#[tokio::test]
async fn an_app_signs_a_person_in_with_the_code_flow_and_reads_userinfo() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada Lovelace", &[]).await;
    let secret = credentials::new_client_secret();
    let integration = app
        .store
        .create_integration(IntegrationDraft {
            org_id: org.id,
            name: "Login demo".into(),
            client_id: credentials::new_client_id(),
            secret_hash: token::hash(&secret),
            redirect_uris: vec![REDIRECT.into()],
            scopes: vec!["spark:people_read".into()],
        })
        .await
        .unwrap();
    // Ada has signed in and consented: the next authorization of this app is hers.
    app.store
        .approve_sign_in(ada.id, Some(&integration.client_id))
        .await
        .unwrap();

    let client = CoreClient::from_provider_metadata(
        discover(&app).await,
        ClientId::new(integration.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    let redirect = http().get(url.as_str()).send().await.unwrap();
    assert_eq!(redirect.status(), 302, "{:?}", redirect.text().await);
    let location = redirect.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT), "{location}");
    let (_, query) = location.split_once('?').unwrap();
    let params: std::collections::HashMap<String, String> =
        serde_urlencoded::from_str(query).unwrap();
    assert_eq!(&params["state"], state.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .expect("the document names a token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .expect("the token endpoint answers the library");
    let id_token = tokens.id_token().expect("an id_token with openid");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("signature, issuer, audience and nonce check out");
    assert_eq!(claims.subject().as_str(), ada.id.hyphenated().to_string());
    assert_eq!(
        claims.audiences()[0].as_str(),
        integration.client_id.as_str()
    );
    assert_eq!(claims.email().unwrap().as_str(), ada.emails[0]);
    assert_eq!(claims.email_verified(), Some(true));
    assert_eq!(
        claims.name().unwrap().get(None).unwrap().as_str(),
        "Ada Lovelace"
    );
    assert!(claims.auth_time().is_some());

    let userinfo: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http())
        .await
        .expect("userinfo answers for the token's person");
    assert_eq!(userinfo.email().unwrap().as_str(), ada.emails[0]);
    assert_eq!(
        userinfo.name().unwrap().get(None).unwrap().as_str(),
        "Ada Lovelace"
    );
    assert!(userinfo.phone_number().is_none());
}

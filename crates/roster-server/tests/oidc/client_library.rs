//! The `openidconnect` crate, a standard OpenID Connect client, against Roster: it discovers
//! the issuer, verifies id_tokens (signature from the published keys, issuer, audience,
//! nonce, expiry) and reads `/v1/userinfo`, exactly as it would against Webex.

use crate::helpers::{spawn_app, TestApp};
use crate::{id_token_for, issuer, CLIENT_ID};
use openidconnect::core::{CoreClient, CoreIdToken, CoreProviderMetadata, CoreUserInfoClaims};
use openidconnect::{
    AccessToken, ClientId, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce,
};
use roster_server::oidc::keys;

/// An HTTP client as the crate's documentation asks for: no redirects followed.
pub fn http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// What the library learns from the discovery document (and the key set it names).
pub async fn discover(app: &TestApp) -> CoreProviderMetadata {
    let issuer = IssuerUrl::new(issuer(app)).unwrap();
    CoreProviderMetadata::discover_async(issuer, &http())
        .await
        .expect("the library accepts the discovery document and key set")
}

/// A client made from discovery: authorization endpoint set, token and userinfo endpoints
/// as the document says.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn client(metadata: CoreProviderMetadata, client_id: &str) -> DiscoveredClient {
    CoreClient::from_provider_metadata(metadata, ClientId::new(client_id.into()), None)
}

#[tokio::test]
async fn the_library_discovers_the_issuer_and_verifies_an_id_token() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada Lovelace", &[]).await;
    let metadata = discover(&app).await;
    assert_eq!(metadata.issuer().as_str(), issuer(&app));
    assert_eq!(
        metadata.token_endpoint().unwrap().as_str(),
        format!("{}/access_token", issuer(&app))
    );
    assert_eq!(metadata.jwks().keys().len(), 1);

    let nonce = Nonce::new_random();
    let jwt = id_token_for(
        &app,
        &ada,
        &["openid", "email", "profile"],
        Some(nonce.secret()),
    )
    .await;
    let id_token: CoreIdToken = jwt.parse().expect("an id_token the library can parse");
    let client = client(metadata, CLIENT_ID);
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("signature, issuer, audience, nonce and expiry check out");
    assert_eq!(claims.subject().as_str(), ada.id.hyphenated().to_string());
    assert_eq!(claims.email().unwrap().as_str(), ada.emails[0]);
    assert_eq!(claims.email_verified(), Some(true));
    assert_eq!(
        claims.name().unwrap().get(None).unwrap().as_str(),
        "Ada Lovelace"
    );
    assert_eq!(claims.issuer().as_str(), issuer(&app));

    // What the library must refuse, it does.
    assert!(
        id_token
            .claims(&client.id_token_verifier(), &Nonce::new("another".into()))
            .is_err(),
        "a nonce other than the request's"
    );
    let other_app = crate::client_library::client(
        discover(&app).await,
        "C1111111111111111111111111111111111111111111111111111111111111111",
    );
    assert!(
        id_token
            .claims(&other_app.id_token_verifier(), &nonce)
            .is_err(),
        "another client as the audience"
    );
    let (head, rest) = jwt.rsplit_once('.').unwrap();
    let forged_signature = if rest.starts_with('A') { "B" } else { "A" }.to_string() + &rest[1..];
    let forged: CoreIdToken = format!("{head}.{forged_signature}").parse().unwrap();
    assert!(
        forged.claims(&client.id_token_verifier(), &nonce).is_err(),
        "a bad signature"
    );
}

#[tokio::test]
async fn after_a_rotation_the_library_verifies_tokens_of_both_keys() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada", &[]).await;
    let nonce = Nonce::new_random();
    let before = id_token_for(&app, &ada, &["openid"], Some(nonce.secret())).await;
    keys::rotate_signing_key(app.store.as_ref()).await.unwrap();
    let after = id_token_for(&app, &ada, &["openid"], Some(nonce.secret())).await;

    // An app that fetched the keys again after the rotation.
    let client = client(discover(&app).await, CLIENT_ID);
    for jwt in [before, after] {
        let id_token: CoreIdToken = jwt.parse().unwrap();
        id_token
            .claims(&client.id_token_verifier(), &nonce)
            .expect("verified by the key named in its header");
    }
}

#[tokio::test]
async fn the_library_reads_userinfo_with_webex_s_string_email_verified() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada Lovelace", &[]).await;
    let token = app.token(&ada).await;
    let client = client(discover(&app).await, CLIENT_ID);
    let subject = openidconnect::SubjectIdentifier::new(ada.id.hyphenated().to_string());
    let claims: CoreUserInfoClaims = client
        .user_info(AccessToken::new(token), Some(subject))
        .expect("the document names a userinfo endpoint")
        .request_async(&http())
        .await
        .expect("the library accepts the userinfo response");
    assert_eq!(claims.email().unwrap().as_str(), ada.emails[0]);
    assert_eq!(claims.email_verified(), Some(true));
    assert_eq!(
        claims.name().unwrap().get(None).unwrap().as_str(),
        "Ada Lovelace"
    );

    // A token that is not valid is an error, not claims.
    let refused: Result<CoreUserInfoClaims, _> = client
        .user_info(AccessToken::new("not-a-token".into()), None)
        .unwrap()
        .request_async(&http())
        .await;
    assert!(refused.is_err());
}

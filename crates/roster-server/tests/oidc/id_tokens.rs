//! id_tokens as `mint_id_token` makes them: header, the standard claims, the claims of each
//! scope; and key rotation as clients see it through the key set.

use crate::helpers::spawn_app;
use crate::{decode_unverified, id_token_for, issuer, published_kids, CLIENT_ID};
use roster_server::oidc::{keys, ID_TOKEN_LIFETIME};
use roster_store::PersonDraft;
use roster_types::{Address, PhoneNumber, PhoneNumberType};
use serde_json::json;

/// A person with something for every scope: names, two phone numbers (the second
/// primary), an address.
fn full_person(org: uuid::Uuid) -> PersonDraft {
    PersonDraft {
        org_id: org,
        emails: vec![format!(
            "grace.{}@example.com",
            uuid::Uuid::new_v4().simple()
        )],
        display_name: "Grace Hopper".into(),
        first_name: Some("Grace".into()),
        last_name: Some("Hopper".into()),
        phone_numbers: vec![
            PhoneNumber {
                number_type: PhoneNumberType::Mobile,
                value: "+1 650 555 0100".into(),
                primary: None,
            },
            PhoneNumber {
                number_type: PhoneNumberType::Work,
                value: "+1 408 555 0199".into(),
                primary: Some(true),
            },
        ],
        addresses: vec![Address {
            address_type: Some("work".into()),
            country: Some("US".into()),
            locality: Some("Arlington".into()),
            region: Some("Virginia".into()),
            street_address: Some("1 Navy Way".into()),
            postal_code: Some("22202".into()),
        }],
        ..PersonDraft::default()
    }
}

#[tokio::test]
async fn an_id_token_carries_the_standard_claims_and_is_signed_by_the_active_key() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let grace = app.person_with(full_person(org.id)).await;
    let before = app.store.clock().now_millis() / 1000;
    let token = id_token_for(&app, &grace, &["openid"], Some("n-0S6_WzA2Mj")).await;
    let (header, claims) = decode_unverified(&token);

    let active = app.store.active_signing_key().await.unwrap().unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], active.kid.as_str());

    assert_eq!(claims["iss"], issuer(&app).as_str());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["sub"], grace.id.hyphenated().to_string());
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    let iat = claims["iat"].as_i64().unwrap();
    assert!((before..=before + 5).contains(&iat), "iat {iat}");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - iat,
        ID_TOKEN_LIFETIME.as_secs() as i64
    );
    assert_eq!(ID_TOKEN_LIFETIME.as_secs(), 7200);
    let auth_time = claims["auth_time"].as_i64().unwrap();
    assert!(
        auth_time <= iat && auth_time >= iat - 10,
        "auth_time {auth_time}"
    );
    // `openid` alone releases nothing more.
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["aud", "auth_time", "exp", "iat", "iss", "nonce", "sub"]
    );

    // Without a nonce in the request, none in the token.
    let token = id_token_for(&app, &grace, &["openid"], None).await;
    assert!(decode_unverified(&token).1.get("nonce").is_none());
}

#[tokio::test]
async fn each_scope_releases_its_claims() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let grace = app.person_with(full_person(org.id)).await;
    let claims_for = |scopes: &'static [&'static str]| {
        let app = &app;
        let grace = &grace;
        async move { decode_unverified(&id_token_for(app, grace, scopes, None).await).1 }
    };

    let email = claims_for(&["openid", "email"]).await;
    assert_eq!(email["email"], grace.emails[0].as_str());
    assert_eq!(email["email_verified"], true, "a boolean in the id_token");
    assert!(email.get("name").is_none());

    let profile = claims_for(&["openid", "profile"]).await;
    assert_eq!(profile["name"], "Grace Hopper");
    assert_eq!(profile["given_name"], "Grace");
    assert_eq!(profile["family_name"], "Hopper");
    assert!(profile.get("email").is_none());

    let phone = claims_for(&["openid", "phone"]).await;
    assert_eq!(phone["phone"], "+1 408 555 0199", "the primary number");

    let address = claims_for(&["openid", "address"]).await;
    assert_eq!(
        address["address"],
        json!({"street_address": "1 Navy Way", "locality": "Arlington",
               "region": "Virginia", "postal_code": "22202", "country": "US"})
    );

    // Data scopes add nothing to the id_token.
    let data = claims_for(&["openid", "spark:people_read", "spark:all"]).await;
    assert_eq!(data.as_object().unwrap().len(), 6, "{data}");

    // A person whose invitation is pending has not verified their address; claims the
    // person has no value for are left out.
    let invited = app
        .store
        .create_person(PersonDraft {
            org_id: org.id,
            emails: vec![format!("new.{}@example.com", uuid::Uuid::new_v4().simple())],
            display_name: "New Hire".into(),
            invite_pending: true,
            ..PersonDraft::default()
        })
        .await
        .unwrap();
    let token = id_token_for(
        &app,
        &invited,
        &["openid", "email", "profile", "phone", "address"],
        None,
    )
    .await;
    let claims = decode_unverified(&token).1;
    assert_eq!(claims["email_verified"], false);
    assert_eq!(claims["name"], "New Hire");
    for absent in ["given_name", "family_name", "phone", "address"] {
        assert!(claims.get(absent).is_none(), "{absent} in {claims}");
    }
}

#[tokio::test]
async fn after_a_rotation_new_tokens_use_the_new_key_and_the_old_key_stays_until_its_tokens_expire()
{
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let ada = app.person(&org, "Ada", &[]).await;
    let old_token = id_token_for(&app, &ada, &["openid"], None).await;
    let old_kid = decode_unverified(&old_token).0["kid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(published_kids(&app).await, std::slice::from_ref(&old_kid));

    // As `roster oidc rotate-key` does it (another process, the same database).
    let new = keys::rotate_signing_key(app.store.as_ref()).await.unwrap();
    assert_ne!(new.kid, old_kid);
    let new_token = id_token_for(&app, &ada, &["openid"], None).await;
    assert_eq!(decode_unverified(&new_token).0["kid"], new.kid.as_str());
    assert_eq!(
        published_kids(&app).await,
        [new.kid.clone(), old_kid.clone()],
        "the new key first, the old one still published"
    );

    // Just before the last token the old key signed expires, it is still there ...
    let clock = app.store.clock();
    clock.advance(ID_TOKEN_LIFETIME.as_millis() as i64 - 60_000);
    assert_eq!(published_kids(&app).await, [new.kid.clone(), old_kid]);
    // ... and once it has, only the new key is left.
    clock.advance(61_000);
    assert_eq!(published_kids(&app).await, [new.kid]);
}

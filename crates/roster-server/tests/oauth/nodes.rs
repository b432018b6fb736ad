//! Two servers on one database, each with its own caches: a flow begun on one node ends on
//! the other, and a revocation on one reaches the other through the change feed.

use crate::harness::*;
use crate::helpers::{test_config, until_the_feed_delivers};
use reqwest::StatusCode;
use roster_server::Application;
use roster_types::id::{encode_uuid, IdKind};

#[tokio::test]
async fn a_session_and_a_code_from_one_node_work_on_the_other() {
    let mut s = setup().await;
    let second = Application::build(test_config(), s.app.store.clone())
        .await
        .unwrap();
    let node_b = format!("http://{}", second.local_addr());
    tokio::spawn(second.run_until(std::future::pending()));
    let node_a = s.node.clone();

    // Sign in on A; the consent page's form is posted to B, which knows the session.
    let query = authorize_query(&s.client_id.clone(), "spark:people_read", "s");
    let email = s.person.emails[0].clone();
    let consent = s.sign_in(&query, &email, PASSWORD).await;
    let csrf = hidden(&consent.text().await.unwrap(), "csrf_token").unwrap();
    s.node = node_b.clone();
    let back = s
        .post(
            &query,
            &[
                ("csrf_token", &csrf),
                ("step", "consent"),
                ("decision", "accept"),
            ],
        )
        .await;
    assert_eq!(back.status(), StatusCode::FOUND);
    let code = redirect_params(&location(&back))["code"].clone();

    // The code made on B is redeemed on A; the token works on both.
    s.node = node_a;
    let tokens = s.exchange(&code).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let me_on = |base: &str| {
        let request = s
            .app
            .client
            .get(format!("{base}/v1/people/me"))
            .bearer_auth(&access);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(me_on(&s.node).await, StatusCode::OK);
    assert_eq!(me_on(&node_b).await, StatusCode::OK);

    // The grant deleted through A: B refuses the token once the feed has told it.
    let own = s.app.token(&s.person).await;
    let person_id = encode_uuid(IdKind::People, &s.person.id);
    let list: serde_json::Value = s
        .app
        .get(&format!("/v1/authorizations?personId={person_id}"), &own)
        .await
        .json()
        .await
        .unwrap();
    let id = list["items"][0]["id"].as_str().unwrap();
    let deleted = s
        .app
        .delete(&format!("/v1/authorizations/{id}"), &own)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    until_the_feed_delivers("the deletion on the other node", || async {
        me_on(&node_b).await == StatusCode::UNAUTHORIZED
    })
    .await;
}

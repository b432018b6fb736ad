//! Methods the People paths do not support.

use crate::helpers::*;
use reqwest::Method;

#[tokio::test]
async fn unsupported_methods_on_people_paths_are_405_with_allow() {
    let d = directory().await;
    let response = d
        .app
        .request(Method::PATCH, "/v1/people", Some(&d.user_token))
        .send()
        .await
        .unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_string();
    error_body(response, 405).await;
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let path = format!("/v1/people/{}", person_id(&d.user));
    let response = d
        .app
        .request(Method::POST, &path, Some(&d.user_token))
        .send()
        .await
        .unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_string();
    error_body(response, 405).await;
    assert!(allow.contains("PUT") && allow.contains("DELETE"), "{allow}");
}

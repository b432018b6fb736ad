//! The OpenAPI document the server publishes.

use crate::helpers::*;
use reqwest::Method;

#[tokio::test]
async fn the_openapi_document_is_served_without_a_token() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/openapi.json", None)
        .send()
        .await
        .unwrap();
    let body = json_body(response, 200).await;
    assert!(body["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/v1/people", "/v1/people/me", "/v1/people/{personId}"] {
        assert!(body["paths"].get(path).is_some(), "{path}");
    }
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../../../docs/openapi.json")).unwrap();
    assert_eq!(body, committed);
}

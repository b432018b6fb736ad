//! Delete a Person (`DELETE /v1/people/{personId}`).

use crate::helpers::*;

#[tokio::test]
async fn delete_answers_204_revokes_tokens_at_once_and_is_404_the_second_time() {
    let d = directory().await;
    let path = format!("/v1/people/{}", person_id(&d.user));
    for token in [&d.user_token, &d.readonly_token, &d.other_admin_token] {
        let status = d.app.delete(&path, token).await.status().as_u16();
        assert!(status == 403 || status == 404, "{status}");
    }
    assert_eq!(d.app.get_me(&d.user_token).await.status(), 200);
    let response = d.app.delete(&path, &d.full_admin_token).await;
    assert_eq!(response.status(), 204);
    assert!(response.headers().get("content-type").is_none());
    assert!(response.bytes().await.unwrap().is_empty());
    error_body(d.app.get_me(&d.user_token).await, 401).await;
    error_body(d.app.delete(&path, &d.full_admin_token).await, 404).await;
    error_body(d.app.get(&path, &d.full_admin_token).await, 404).await;
}

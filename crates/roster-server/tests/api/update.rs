//! Update a Person (`PUT /v1/people/{personId}`): a full replacement.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn put_replaces_the_whole_person_and_ignores_read_only_fields() {
    let d = directory().await;
    let body = json!({"emails": ["tess@acme.test"], "displayName": "Tess Title", "firstName": "Tess",
                      "title": "Engineer", "department": "R&D"});
    let created = json_body(
        d.app
            .post_json("/v1/people", &d.full_admin_token, &body)
            .await,
        200,
    )
    .await;
    let path = format!("/v1/people/{}", created["id"].as_str().unwrap());

    // What an SDK does: GET, change one thing, PUT everything back (read-only fields too).
    let mut got = json_body(d.app.get(&path, &d.full_admin_token).await, 200).await;
    got["displayName"] = json!("Tess Renamed");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let updated = json_body(d.app.put_json(&path, &d.full_admin_token, &got).await, 200).await;
    assert_eq!(updated["displayName"], "Tess Renamed");
    assert_eq!(updated["title"], "Engineer");
    assert_eq!(updated["id"], got["id"]);
    assert_eq!(updated["created"], got["created"]);
    assert!(
        updated["lastModified"].as_str() > got["lastModified"].as_str(),
        "lastModified advances"
    );

    // Omitted fields are cleared.
    let body = json!({"displayName": "Tess Bare"});
    let bare = json_body(d.app.put_json(&path, &d.full_admin_token, &body).await, 200).await;
    assert!(bare.get("title").is_none() && bare.get("department").is_none());
    assert_eq!(
        bare["emails"],
        json!(["tess@acme.test"]),
        "emails are kept when omitted"
    );

    let (message, _) = error_body(
        d.app
            .put_json(&path, &d.full_admin_token, &json!({"title": "x"}))
            .await,
        400,
    )
    .await;
    assert!(message.contains("displayName"));
    let taken = json!({"displayName": "Tess", "emails": [d.user.emails[0].clone()]});
    error_body(
        d.app.put_json(&path, &d.full_admin_token, &taken).await,
        409,
    )
    .await;
    for token in [&d.user_token, &d.readonly_token] {
        error_body(
            d.app
                .put_json(&path, token, &json!({"displayName": "Hacked"}))
                .await,
            403,
        )
        .await;
    }
    let other = format!("/v1/people/{}", person_id(&d.other_user));
    error_body(
        d.app
            .put_json(
                &other,
                &d.full_admin_token,
                &json!({"displayName": "Hacked"}),
            )
            .await,
        404,
    )
    .await;
    let still = json_body(d.app.get(&path, &d.full_admin_token).await, 200).await;
    assert_eq!(still["displayName"], "Tess Bare");
}

//! Paging through List People: `max`, and `Link: <...>; rel="next"` headers that carry every filter.

use crate::helpers::*;

#[tokio::test]
async fn pages_follow_absolute_links_that_carry_every_filter() {
    let d = directory().await;
    for i in 0..23 {
        d.app
            .person(&d.org, &format!("Page Person {i:02}"), &[])
            .await;
    }
    let (pages, links) = d
        .app
        .all_pages(
            "/v1/people/?displayName=page&max=10&callingData=false&custom=kept",
            &d.user_token,
        )
        .await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![10, 10, 3]
    );
    let all: Vec<String> = pages.iter().flat_map(|p| ids_of(p)).collect();
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), 23, "no overlap");
    let names: Vec<String> = pages
        .iter()
        .flatten()
        .map(|p| p["displayName"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "a displayName search is ordered by name");
    for link in &links {
        assert!(
            link.starts_with(&d.app.address),
            "built from the request's host: {link}"
        );
        assert!(link.contains("/v1/people/?"), "same path: {link}");
        for param in [
            "displayName=page",
            "max=10",
            "callingData=false",
            "custom=kept",
            "cursor=",
        ] {
            assert!(link.contains(param), "{param} missing in {link}");
        }
    }
}

#[tokio::test]
async fn pages_never_overlap_or_skip_while_people_come_and_go() {
    let d = directory().await;
    let mut original = Vec::new();
    for i in 0..30 {
        original.push(d.app.person(&d.org, &format!("Walker {i:02}"), &[]).await);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut deleted = Vec::new();
    let mut url = d.app.url("/v1/people?max=7");
    let mut round = 0;
    loop {
        let response = d
            .app
            .client
            .get(&url)
            .bearer_auth(&d.full_admin_token)
            .send()
            .await
            .unwrap();
        let next = next_link(&response);
        let body = json_body(response, 200).await;
        seen.extend(ids_of(body["items"].as_array().unwrap()));
        // Between pages: someone joins, and someone not yet seen leaves.
        d.app.person(&d.org, &format!("Joiner {round}"), &[]).await;
        if let Some(victim) = original
            .iter()
            .rev()
            .find(|p| !seen.contains(&person_id(p)) && !deleted.contains(&person_id(p)))
        {
            let response = d
                .app
                .delete(
                    &format!("/v1/people/{}", person_id(victim)),
                    &d.full_admin_token,
                )
                .await;
            assert_eq!(response.status(), 204);
            deleted.push(person_id(victim));
        }
        round += 1;
        match next {
            Some(next) => url = next,
            None => break,
        }
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no person on two pages");
    for person in &original {
        let id = person_id(person);
        assert!(
            seen.contains(&id) ^ deleted.contains(&id),
            "every person present throughout is seen exactly once"
        );
    }
    assert!(!deleted.is_empty());
}

#[tokio::test]
async fn max_is_clamped_not_rejected_and_must_be_a_positive_number() {
    let d = directory().await;
    for i in 0..3 {
        d.app.person(&d.org, &format!("Clamp {i}"), &[]).await;
    }
    let response = d
        .app
        .get("/v1/people?max=100000", &d.full_admin_token)
        .await;
    assert!(next_link(&response).is_none());
    let body = json_body(response, 200).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 7);
    for bad in ["0", "-3", "ten", "2.5"] {
        let (message, _) = error_body(
            d.app
                .get(&format!("/v1/people?max={bad}"), &d.full_admin_token)
                .await,
            400,
        )
        .await;
        assert!(message.contains("max"), "{message}");
    }
    let (message, _) = error_body(
        d.app
            .get("/v1/people?max=1&max=2", &d.full_admin_token)
            .await,
        400,
    )
    .await;
    assert!(message.contains("more than once"), "{message}");
    error_body(
        d.app
            .get("/v1/people?cursor=bogus", &d.full_admin_token)
            .await,
        400,
    )
    .await;
}

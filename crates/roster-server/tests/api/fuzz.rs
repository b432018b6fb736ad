//! Hostile input, generated: thousands of requests with random methods, paths, ids, query
//! strings, headers and bodies. None may get a 5xx; every error must have the Webex body with
//! the header's tracking id; and the only writes are the ones answered 200.

use crate::helpers::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::Method;
use roster_store::roles;
use roster_types::id::{encode, encode_uuid};
use roster_types::IdKind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone)]
struct Case {
    method: Method,
    path: String,
    query: String,
    token: u8,
    content_type: Option<String>,
    tracking: Option<String>,
    body: Vec<u8>,
    /// Headers sent besides the usual ones: repeats of single headers, content codings.
    extra: Vec<(&'static str, String)>,
}

impl Case {
    /// Whether the request's meaning is ambiguous, which must be refused, never served.
    fn ambiguous(&self) -> bool {
        self.extra.iter().any(|(name, value)| match *name {
            "content-encoding" => !value.eq_ignore_ascii_case("identity"),
            "content-type" => self.content_type.is_some(),
            _ => true,
        })
    }
}

fn extra_headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let header = prop_oneof![
        Just(("content-encoding", "gzip".to_string())),
        Just(("content-encoding", "br".to_string())),
        Just(("content-encoding", "identity".to_string())),
        "[a-z]{1,10}".prop_map(|coding| ("content-encoding", coding)),
        Just(("authorization", "Bearer garbage-token".to_string())),
        Just(("content-type", "application/json".to_string())),
    ];
    prop_oneof![
        4 => Just(Vec::new()),
        1 => prop::collection::vec(header, 1..3),
    ]
}

fn ids() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("me".to_string()),
        any::<u128>().prop_map(|n| encode_uuid(IdKind::People, &uuid::Uuid::from_u128(n))),
        any::<u128>().prop_map(|n| encode_uuid(IdKind::Organization, &uuid::Uuid::from_u128(n))),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        "[A-Za-z0-9+/=_-]{0,120}",
        "(%[0-9A-F]{2}){1,20}",
        ".{0,40}".prop_map(|s| s.replace(['/', '?', '#', ' '], "%20")),
        Just(encode(IdKind::People, "not-a-uuid")),
        Just("Y2lzY29zcGFyazovL3VzL1BFT1BMRS8".to_string()),
        Just("x".repeat(600)),
    ]
}

fn values() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true".to_string()),
        Just("false".to_string()),
        Just("-1".to_string()),
        Just("1e309".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("%00".to_string()),
        Just("' OR 1=1 --".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        "[a-zA-Z0-9%]{0,30}",
        ids(),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("email"),
        Just("displayName"),
        Just("id"),
        Just("orgId"),
        Just("roles"),
        Just("locationId"),
        Just("callingData"),
        Just("excludeStatus"),
        Just("max"),
        Just("cursor"),
        Just("minResponse"),
        Just("unknown"),
    ];
    prop::collection::vec((key, values()), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", v.replace(['&', '#', ' '], "%26")))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,30}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("'; DROP TABLE people; --")),
        Just(serde_json::Value::from("<img src=x onerror=alert(1)>")),
        Just(serde_json::Value::from("\u{0000}\u{0007}\u{202e}")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::hash_map(".{0,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        Just("emails"),
        Just("displayName"),
        Just("firstName"),
        Just("lastName"),
        Just("roles"),
        Just("licenses"),
        Just("phoneNumbers"),
        Just("addresses"),
        Just("orgId"),
        Just("managerId"),
        Just("locationId"),
        Just("title"),
        Just("siteUrls"),
        Just("loginEnabled"),
        Just("id"),
        Just("created"),
        Just("timezone"),
    ];
    let person = prop::collection::vec((field, json_value()), 0..8)
        .prop_map(|fields: Vec<(&'static str, serde_json::Value)>| {
            let mut object: serde_json::Map<String, serde_json::Value> = fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            object.entry("emails").or_insert_with(|| {
                serde_json::json!([format!("f{}@fuzz.test", uuid::Uuid::new_v4().simple())])
            });
            serde_json::to_vec(&serde_json::Value::Object(object)).unwrap()
        })
        .boxed();
    prop_oneof![
        4 => person.clone(),
        1 => person.prop_flat_map(|bytes| {
            let len = bytes.len();
            (Just(bytes), 0..len.max(1)).prop_map(|(b, cut)| b[..cut.min(b.len())].to_vec())
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => (1usize..5000).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
        1 => Just(Vec::new()),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let method = prop_oneof![
        4 => Just(Method::GET), 3 => Just(Method::POST), 2 => Just(Method::PUT),
        1 => Just(Method::DELETE), 1 => Just(Method::PATCH), 1 => Just(Method::HEAD),
    ];
    let path = prop_oneof![
        3 => Just("/v1/people".to_string()),
        1 => Just("/v1/people/".to_string()),
        4 => ids().prop_map(|id| format!("/v1/people/{id}")),
        1 => "/[a-z0-9/._-]{0,30}".prop_map(|p| p),
    ];
    let content_type = prop_oneof![
        3 => Just(Some("application/json".to_string())),
        1 => Just(Some("application/json; charset=utf-8".to_string())),
        1 => Just(Some("text/plain".to_string())),
        1 => Just(None),
        1 => "[ -~]{0,40}".prop_map(Some),
    ];
    let tracking = prop_oneof![Just(None), "[ -~]{0,60}".prop_map(Some)];
    (
        method,
        path,
        query(),
        0u8..4,
        content_type,
        tracking,
        body(),
        extra_headers(),
    )
        .prop_map(
            |(method, path, query, token, content_type, tracking, body, extra)| Case {
                method,
                path,
                query,
                token,
                content_type,
                tracking,
                body,
                extra,
            },
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_hostile_requests_never_get_a_5xx_or_a_malformed_error() {
    let app = Arc::new(spawn_app().await);
    let org = app.org("Fuzz").await;
    let (_, admin) = app.admin(&org).await;
    let user = app.person(&org, "Fuzz User", &[]).await;
    let user_token = app.token(&user).await;
    let readonly = app
        .person(&org, "Fuzz Reader", &[roles::READONLY_ADMIN])
        .await;
    let readonly_token = app.token(&readonly).await;
    let tokens = [
        admin,
        user_token,
        readonly_token,
        "garbage-token".to_string(),
    ];
    let before = app.store.count_people().await.unwrap();
    let created = Arc::new(AtomicU64::new(0));
    let deleted = Arc::new(AtomicU64::new(0));
    let seen = Arc::new(std::sync::Mutex::new(
        std::collections::BTreeMap::<u16, u64>::new(),
    ));

    let cases: u32 = std::env::var("ROSTER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2500);
    let handle = tokio::runtime::Handle::current();
    let (app2, created2, deleted2, seen2) =
        (app.clone(), created.clone(), deleted.clone(), seen.clone());
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&case(), |case| {
                let status = handle.block_on(check(&app2, &tokens, case, &created2, &deleted2))?;
                *seen2.lock().unwrap().entry(status).or_default() += 1;
                Ok(())
            })
            .unwrap();
    })
    .await
    .unwrap();

    let after = app.store.count_people().await.unwrap();
    assert_eq!(
        after,
        before + created.load(Ordering::SeqCst) as i64 - deleted.load(Ordering::SeqCst) as i64,
        "only acknowledged writes changed the directory"
    );
    // The generator reaches every kind of answer, or this test proves little.
    let seen = seen.lock().unwrap().clone();
    eprintln!("statuses: {seen:?}");
    for status in [200, 400, 401, 403, 404, 405, 415] {
        assert!(seen.contains_key(&status), "no {status} among {seen:?}");
    }
}

async fn check(
    app: &TestApp,
    tokens: &[String; 4],
    case: Case,
    created: &AtomicU64,
    deleted: &AtomicU64,
) -> Result<u16, TestCaseError> {
    let url = if case.query.is_empty() {
        app.url(&case.path)
    } else {
        format!("{}?{}", app.url(&case.path), case.query)
    };
    let Ok(url) = reqwest::Url::parse(&url) else {
        return Ok(0);
    };
    let mut request = app
        .client
        .request(case.method.clone(), url)
        .bearer_auth(&tokens[case.token as usize])
        .body(case.body.clone());
    if let Some(content_type) = &case.content_type {
        if let Ok(value) = reqwest::header::HeaderValue::from_str(content_type) {
            request = request.header("content-type", value);
        }
    }
    for (name, value) in &case.extra {
        if let Ok(value) = reqwest::header::HeaderValue::from_str(value) {
            request = request.header(*name, value);
        }
    }
    if let Some(tracking) = &case.tracking {
        if let Ok(value) = reqwest::header::HeaderValue::from_str(tracking) {
            request = request.header("TrackingID", value);
        }
    }
    let response = request
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("transport error: {e}")))?;
    let status = response.status().as_u16();
    let tracking = response
        .headers()
        .get("trackingid")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let body = response.bytes().await.unwrap_or_default();
    prop_assert!(
        status < 500,
        "{status} for {case:?}: {}",
        String::from_utf8_lossy(&body)
    );
    prop_assert!(tracking.is_some(), "TrackingID header on every response");
    prop_assert!(
        !(case.ambiguous() && status < 400),
        "{status} for an ambiguous request {case:?}"
    );
    if status >= 400 && case.method != Method::HEAD {
        prop_assert_eq!(
            content_type.as_deref(),
            Some("application/json;charset=UTF-8")
        );
        let error: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| TestCaseError::fail(format!("error body is not JSON: {e}")))?;
        prop_assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        prop_assert!(error["errors"][0]["description"].is_string());
        prop_assert_eq!(error["trackingId"].as_str(), tracking.as_deref());
    }
    if status == 200 && case.method == Method::POST {
        created.fetch_add(1, Ordering::SeqCst);
    }
    if status == 204 && case.method == Method::DELETE {
        deleted.fetch_add(1, Ordering::SeqCst);
    }
    Ok(status)
}

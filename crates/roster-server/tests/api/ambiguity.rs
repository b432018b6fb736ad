//! Requests whose meaning is ambiguous are refused, not guessed at: a header that must be
//! single given twice, a body in a content coding Roster does not decode, a number beyond
//! any range. Raw HTTP, so that nothing between the test and the server tidies the request.

use crate::helpers::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One raw HTTP/1.1 request on its own connection; the status and the body of the answer.
async fn raw(app: &TestApp, head: &str, body: &[u8]) -> (u16, String) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, body.to_string())
}

struct Case {
    what: &'static str,
    head: String,
    body: Vec<u8>,
    status: u16,
    /// Words the answer's description must contain.
    says: &'static [&'static str],
}

#[tokio::test]
async fn ambiguous_headers_codings_and_numbers_are_refused_with_a_clear_error() {
    let app = spawn_app().await;
    let org = app.org("Acme").await;
    let (_, admin) = app.admin(&org).await;
    let other = app.person(&org, "Other Caller", &[]).await;
    let other_token = app.token(&other).await;
    let person = serde_json::json!({"emails": ["coded@acme.test"], "displayName": "Coded"});
    let json = serde_json::to_vec(&person).unwrap();
    let gzip = {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&json).unwrap();
        encoder.finish().unwrap()
    };
    let get = |path: &str, extra: &str| {
        format!(
            "GET {path} HTTP/1.1\r\nHost: roster.test\r\nAuthorization: Bearer {admin}\r\n{extra}Connection: close\r\n\r\n"
        )
    };
    let post = |extra: &str, body: &[u8]| {
        format!(
            "POST /v1/people HTTP/1.1\r\nHost: roster.test\r\nAuthorization: Bearer {admin}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
            body.len()
        )
    };
    let cases = vec![
        Case {
            what: "two Authorization headers, each valid alone",
            head: get(
                "/v1/people/me",
                &format!("Authorization: Bearer {other_token}\r\n"),
            ),
            body: Vec::new(),
            status: 400,
            says: &["'Authorization'", "more than once"],
        },
        Case {
            what: "the same Authorization header twice",
            head: get(
                "/v1/people/me",
                &format!("Authorization: Bearer {admin}\r\n"),
            ),
            body: Vec::new(),
            status: 400,
            says: &["'Authorization'"],
        },
        Case {
            what: "two Host headers",
            head: get("/v1/people/me", "Host: elsewhere.test\r\n"),
            body: Vec::new(),
            status: 400,
            says: &["'Host'"],
        },
        Case {
            what: "two Content-Type headers",
            head: post("Content-Type: text/plain\r\n", &json),
            body: json.clone(),
            status: 400,
            says: &["'Content-Type'"],
        },
        Case {
            what: "a gzip body",
            head: post("Content-Encoding: gzip\r\n", &gzip),
            body: gzip.clone(),
            status: 415,
            says: &["'gzip'", "identity"],
        },
        Case {
            what: "a body that claims gzip but is not",
            head: post("Content-Encoding: gzip\r\n", &json),
            body: json.clone(),
            status: 415,
            says: &["'gzip'"],
        },
        Case {
            what: "a brotli body",
            head: post("Content-Encoding: br\r\n", &json),
            body: json.clone(),
            status: 415,
            says: &["'br'"],
        },
        Case {
            what: "max beyond any 64-bit integer",
            head: get("/v1/people?max=99999999999999999999", ""),
            body: Vec::new(),
            status: 400,
            says: &["'max'", "1 to 2147483647"],
        },
        Case {
            what: "max just beyond a signed 64-bit integer",
            head: get("/v1/people?max=9223372036854775808", ""),
            body: Vec::new(),
            status: 400,
            says: &["'max'", "1 to 2147483647"],
        },
        Case {
            what: "max beyond a 32-bit integer",
            head: get("/v1/people?max=2147483648", ""),
            body: Vec::new(),
            status: 400,
            says: &["'max'", "clamped"],
        },
    ];
    for case in &cases {
        let (status, body) = raw(&app, &case.head, &case.body).await;
        assert_eq!(status, case.status, "{}: {body}", case.what);
        let error: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{}: not a Webex error body ({e}): {body}", case.what));
        let description = error["errors"][0]["description"].as_str().unwrap_or("");
        for word in case.says {
            assert!(
                description.contains(word),
                "{}: '{description}' does not say {word}",
                case.what
            );
        }
        assert!(error["trackingId"].is_string(), "{}", case.what);
    }
    assert!(
        app.store
            .find_person_by_email("coded@acme.test")
            .await
            .unwrap()
            .is_none(),
        "no refused body was written"
    );

    // Two different lengths are refused by the HTTP layer itself, before any handler (request
    // smuggling rests on them): a 400 without a body. Two equal lengths cannot disagree, and
    // the HTTP layer reads them as one.
    let twice = post(&format!("Content-Length: {}\r\n", json.len() + 1), &json);
    let (status, _) = raw(&app, &twice, &json).await;
    assert_eq!(status, 400, "two different Content-Length headers");
    assert!(app
        .store
        .find_person_by_email("coded@acme.test")
        .await
        .unwrap()
        .is_none());

    // What is not ambiguous still works: identity coding, and a large max clamped.
    let (status, _) = raw(&app, &post("Content-Encoding: identity\r\n", &json), &json).await;
    assert_eq!(status, 200);
    let (status, body) = raw(&app, &get("/v1/people?max=2147483647", ""), &[]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = raw(&app, &get("/v1/people?max=5000.0", ""), &[]).await;
    assert_eq!(status, 200);
}

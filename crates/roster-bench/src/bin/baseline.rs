//! The benchmark's baseline: a bare hyper server that answers each request target it was
//! given with fixed bytes (copies of real Roster responses) after checking that a Bearer
//! token is present. Same runtime, allocator and HTTP/1 settings as Roster, nothing else:
//! the ceiling each Roster endpoint is measured against, with the same body.
//!
//!   roster-bench-baseline 127.0.0.1:18090 /v1/people/me=me.json '/v1/people?max=100=page.json'
//!
//! Each argument after the address is `TARGET=FILE`, split at the last `=`; TARGET is the
//! path and query exactly as the client sends them. Other targets get 404.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(listen) = args.next() else {
        eprintln!("usage: roster-bench-baseline ADDR TARGET=BODY_FILE...");
        std::process::exit(2);
    };
    let mut bodies = HashMap::new();
    for arg in args {
        let Some((target, path)) = arg.rsplit_once('=') else {
            eprintln!("not TARGET=BODY_FILE: {arg}");
            std::process::exit(2);
        };
        let body = std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        bodies.insert(target.to_string(), Bytes::from(body));
    }
    let bodies = Arc::new(bodies);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen).await.expect("bind");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let bodies = bodies.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let bodies = bodies.clone();
                    async move { Ok::<_, Infallible>(answer(&bodies, &request)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

fn answer(bodies: &HashMap<String, Bytes>, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let (status, body) = match (authorized, bodies.get(target)) {
        (false, _) => (StatusCode::UNAUTHORIZED, Bytes::new()),
        (true, None) => (StatusCode::NOT_FOUND, Bytes::new()),
        (true, Some(body)) => (StatusCode::OK, body.clone()),
    };
    Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=UTF-8")
        .header(
            "trackingid",
            "BASELINE_00000000-0000-0000-0000-000000000000",
        )
        .body(Full::new(body))
        .expect("valid response")
}

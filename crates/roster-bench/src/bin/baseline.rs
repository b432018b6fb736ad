//! The benchmark's baseline: a bare hyper server that answers every request with fixed
//! bytes (a copy of a real `/v1/people/me` body) after checking that a Bearer token is
//! present. Same runtime, allocator and HTTP/1 settings as Roster, nothing else: the
//! ceiling Roster's hot path is measured against.
//!
//!   roster-bench-baseline 127.0.0.1:18090 body.json

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(body_path)) = (args.next(), args.next()) else {
        eprintln!("usage: roster-bench-baseline ADDR BODY_FILE");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(&body_path).expect("read the body file"));
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
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let body = body.clone();
                    async move {
                        let authorized = request
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
                        let response = if authorized {
                            Response::builder()
                                .status(StatusCode::OK)
                                .header("content-type", "application/json;charset=UTF-8")
                                .header(
                                    "trackingid",
                                    "BASELINE_00000000-0000-0000-0000-000000000000",
                                )
                                .body(Full::new(body))
                        } else {
                            Response::builder()
                                .status(StatusCode::UNAUTHORIZED)
                                .body(Full::new(Bytes::new()))
                        };
                        Ok::<_, Infallible>(response.expect("valid response"))
                    }
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

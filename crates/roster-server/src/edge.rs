//! The one layer every request passes, between the connection and the route table.
//!
//! In order: a tracking id; the limits on the request target, head and rate (`limits.rs`);
//! the handler, under the request deadline; then the Webex error body and the `TrackingID`
//! header (`tracking.rs`), metrics and the log line.
//!
//! It is written by hand rather than stacked from tower and axum middlewares because it runs
//! on every `/v1/people/me`, the hottest path of the server: one boxed future per request
//! instead of one per layer, metric handles resolved once instead of looked up by label on
//! every request, and no timer armed for a request that is answered at its first poll. For
//! the same reason the two hot reads, `GET /v1/people/me` and `GET /v1/people/{personId}`,
//! go from here straight to their handlers, with the same extractors in the same order axum
//! would run them; every other request goes through axum's router (`routes.rs`).

use crate::auth::Caller;
use crate::error::ApiError;
use crate::limits::BearerDigest;
use crate::people::get::get_person_details;
use crate::people::me::get_my_own_details;
use crate::state::AppState;
use crate::wire::QueryParams;
use crate::{limits, tracking};
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use metrics::Counter;
use roster_store::token::Digest256;
use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::Instant;
use tower::ServiceExt;
use tracing::Instrument;

/// The service hyper calls for each request of one connection.
#[derive(Clone)]
pub struct Edge(Arc<Connection>);

struct Connection {
    state: AppState,
    router: Router,
    client: SocketAddr,
    last_token: Mutex<LastToken>,
}

/// The last bearer token sent on this connection, and its SHA-256. Clients send the same
/// token on every request of a keep-alive connection, and hashing it was the largest single
/// cost left on a warm `/me`. It lives only in memory, only as long as the connection whose
/// read buffer held it anyway, and is compared in constant time, since a proxy may send
/// several callers' requests down one connection.
#[derive(Default)]
struct LastToken {
    token: Vec<u8>,
    digest: Digest256,
}

impl Edge {
    pub fn new(state: AppState, router: Router, client: SocketAddr) -> Self {
        Edge(Arc::new(Connection {
            state,
            router,
            client,
            last_token: Mutex::new(LastToken::default()),
        }))
    }

    /// The digest of a well-formed bearer token of an API request; `None` without one.
    fn bearer_digest(&self, request: &hyper::Request<Incoming>) -> Option<Digest256> {
        if !request.uri().path().starts_with("/v1/") {
            return None;
        }
        let token = limits::bearer(request.headers())?.as_bytes();
        let mut last = self.0.last_token.lock().unwrap_or_else(|e| e.into_inner());
        if !same_bytes(&last.token, token) {
            last.token.clear();
            last.token.extend_from_slice(token);
            last.digest = roster_store::token::digest_bytes(token);
        }
        Some(last.digest)
    }
}

/// Equal slices, compared without stopping at the first difference, so that the time taken
/// says nothing about where two tokens differ. (Lengths are not secret: tokens have one
/// format.)
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

impl hyper::service::Service<hyper::Request<Incoming>> for Edge {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        Box::pin(self.clone().handle(request))
    }
}

impl Edge {
    async fn handle(self, request: hyper::Request<Incoming>) -> Result<Response, Infallible> {
        let started = Instant::now();
        let tracking_id = tracking::tracking_id_for(request.headers());
        let route = Route::of(request.uri().path());
        let method = MethodLabel::of(request.method());
        // A debug span: at the default level a span per request cost a fifth of `/me`'s
        // throughput (its fields are formatted and stored for every request). Failures are
        // logged below with the tracking id at any level.
        let span = tracing::debug_span!(
            "request",
            tracking_id = %tracking_id,
            method = %request.method(),
            path = %request.uri().path(),
        );
        let digest = self.bearer_digest(&request);
        let connection = &self.0;
        let response = match connection
            .state
            .limits
            .check(&request, connection.client, digest)
        {
            Err(error) => error.into_response(),
            Ok(()) => {
                let deadline = started + connection.state.config.request_timeout;
                let handler = self.dispatch(request, route, method, digest);
                within_deadline(handler, deadline)
                    .instrument(span.clone())
                    .await
            }
        };
        let response = tracking::finish_response(response, &tracking_id);
        let status = response.status();
        request_metrics().record(route, method, status, started);
        span.in_scope(|| {
            if status.is_server_error() {
                tracing::error!(
                    status = status.as_u16(),
                    %tracking_id,
                    method = method.label(),
                    route = route.label(),
                    "request failed"
                );
            } else {
                tracing::debug!(status = status.as_u16(), "request served");
            }
        });
        Ok(response)
    }

    /// The handler for a request, boxed so that this layer's own future stays small (it is
    /// moved into place once per request).
    fn dispatch(
        &self,
        request: hyper::Request<Incoming>,
        route: Route,
        method: MethodLabel,
        digest: Option<Digest256>,
    ) -> HandlerFuture {
        let state = self.0.state.clone();
        if method == MethodLabel::Get && route == Route::Me {
            let (parts, _body) = request.into_parts();
            return Box::pin(direct(state, parts, digest, |state, caller, query| {
                get_my_own_details(State(state), caller, query)
            }));
        }
        if let Some(person_id) = direct_person_id(route, method, &request) {
            let (parts, _body) = request.into_parts();
            return Box::pin(direct(state, parts, digest, |state, caller, query| {
                get_person_details(State(state), caller, Path(person_id), query)
            }));
        }
        let mut request = request.map(Body::new);
        if let Some(digest) = digest {
            request.extensions_mut().insert(BearerDigest(digest));
        }
        let router = self.0.router.clone();
        Box::pin(async move {
            match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        })
    }
}

type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A hot read without the router: `handler` gets the extractors the two direct handlers'
/// signatures name (the caller, then the query), run in the order axum runs them.
async fn direct<H, F>(
    state: AppState,
    mut parts: Parts,
    digest: Option<Digest256>,
    handler: H,
) -> Response
where
    H: FnOnce(AppState, Caller, QueryParams) -> F,
    F: Future<Output = Result<Response, ApiError>>,
{
    let result = async {
        let caller = Caller::authenticate(&parts.headers, digest, &state).await?;
        let query = QueryParams::from_request_parts(&mut parts, &state).await?;
        handler(state, caller, query).await
    }
    .await;
    result.into_response()
}

/// The `{personId}` of a `GET /v1/people/{personId}` that can skip the router: one whose
/// segment needs no percent-decoding, so that it is exactly what axum's `Path` would give.
/// Others (`%3D` padding, say) take the router.
fn direct_person_id<B>(
    route: Route,
    method: MethodLabel,
    request: &hyper::Request<B>,
) -> Option<String> {
    if route != Route::Person || method != MethodLabel::Get {
        return None;
    }
    let segment = &request.uri().path()["/v1/people/".len()..];
    (!segment.contains('%')).then(|| segment.to_string())
}

/// Runs `handler` until `deadline`, then answers 408. Requests answered at their first poll
/// (a warm `/me`) never arm a timer.
async fn within_deadline(handler: impl Future<Output = Response>, deadline: Instant) -> Response {
    let mut handler = pin!(handler);
    let mut timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
    poll_fn(|cx| {
        if let Poll::Ready(response) = handler.as_mut().poll(cx) {
            return Poll::Ready(response);
        }
        let timer = timer.get_or_insert_with(|| {
            Box::pin(tokio::time::sleep_until(tokio::time::Instant::from_std(
                deadline,
            )))
        });
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(StatusCode::REQUEST_TIMEOUT.into_response()),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The route a path belongs to, for metrics: a fixed set, so hostile paths cannot create
/// unbounded label values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    People,
    Me,
    Person,
    Healthz,
    Readyz,
    Metrics,
    OpenApi,
    Other,
}

impl Route {
    const ALL: [Route; 8] = [
        Route::People,
        Route::Me,
        Route::Person,
        Route::Healthz,
        Route::Readyz,
        Route::Metrics,
        Route::OpenApi,
        Route::Other,
    ];

    fn of(path: &str) -> Route {
        match path {
            "/v1/people" | "/v1/people/" => Route::People,
            "/v1/people/me" => Route::Me,
            "/healthz" => Route::Healthz,
            "/readyz" => Route::Readyz,
            "/metrics" => Route::Metrics,
            "/openapi.json" => Route::OpenApi,
            p if p.starts_with("/v1/people/") && !p["/v1/people/".len()..].contains('/') => {
                Route::Person
            }
            _ => Route::Other,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Route::People => "/v1/people",
            Route::Me => "/v1/people/me",
            Route::Person => "/v1/people/{personId}",
            Route::Healthz => "/healthz",
            Route::Readyz => "/readyz",
            Route::Metrics => "/metrics",
            Route::OpenApi => "/openapi.json",
            Route::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MethodLabel {
    Get,
    Post,
    Put,
    Delete,
    Head,
    Other,
}

impl MethodLabel {
    const COUNT: usize = 6;

    fn of(method: &Method) -> MethodLabel {
        match *method {
            Method::GET => MethodLabel::Get,
            Method::POST => MethodLabel::Post,
            Method::PUT => MethodLabel::Put,
            Method::DELETE => MethodLabel::Delete,
            Method::HEAD => MethodLabel::Head,
            _ => MethodLabel::Other,
        }
    }

    fn label(self) -> &'static str {
        match self {
            MethodLabel::Get => "GET",
            MethodLabel::Post => "POST",
            MethodLabel::Put => "PUT",
            MethodLabel::Delete => "DELETE",
            MethodLabel::Head => "HEAD",
            MethodLabel::Other => "other",
        }
    }
}

/// The statuses this server answers with, whose counters are resolved once. Any other status
/// is still counted, through the (slower) look-up by labels.
const COMMON_STATUSES: [u16; 17] = [
    200, 201, 204, 400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 429, 431, 500, 503,
];

/// `roster_http_requests_total`, with its handles created on first use (the `metrics`
/// macros hash the labels and look the series up in the registry on every call, a
/// measurable share of a `/me`), and `roster_http_request_duration_seconds`.
struct RequestMetrics {
    requests: Vec<OnceLock<Counter>>,
    latency: [LatencyHistogram; Route::ALL.len()],
}

fn request_metrics() -> &'static RequestMetrics {
    static METRICS: OnceLock<RequestMetrics> = OnceLock::new();
    METRICS.get_or_init(|| RequestMetrics {
        requests: (0..Route::ALL.len() * MethodLabel::COUNT * COMMON_STATUSES.len())
            .map(|_| OnceLock::new())
            .collect(),
        latency: std::array::from_fn(|_| LatencyHistogram::default()),
    })
}

impl RequestMetrics {
    fn record(&self, route: Route, method: MethodLabel, status: StatusCode, started: Instant) {
        let code = status.as_u16();
        match COMMON_STATUSES.iter().position(|&c| c == code) {
            Some(status_index) => {
                let index = (route as usize * MethodLabel::COUNT + method as usize)
                    * COMMON_STATUSES.len()
                    + status_index;
                self.requests[index]
                    .get_or_init(|| requests_counter(route, method, code))
                    .increment(1);
            }
            None => requests_counter(route, method, code).increment(1),
        }
        self.latency[route as usize].observe(started.elapsed());
    }
}

/// Upper bounds of the latency buckets, in microseconds (0.5 ms to 5 s).
const LATENCY_BOUNDS_MICROS: [u64; 13] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000,
];

/// A Prometheus histogram of request durations: a fixed set of atomic bucket counters.
/// Written here rather than recorded through `metrics-exporter-prometheus`, whose histograms
/// keep every sample until the next scrape or upkeep: a few atomic additions per request
/// instead of a sample pushed onto a shared queue.
#[derive(Default)]
struct LatencyHistogram {
    /// Requests at or under each bound (not cumulative; summed when rendered).
    buckets: [AtomicU64; LATENCY_BOUNDS_MICROS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl LatencyHistogram {
    fn observe(&self, elapsed: std::time::Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        if let Some(bucket) = LATENCY_BOUNDS_MICROS.iter().position(|&b| micros <= b) {
            self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// `roster_http_request_duration_seconds` in the Prometheus text format, for `/metrics`.
pub fn render_latency(out: &mut String) {
    use std::fmt::Write;
    let metrics = request_metrics();
    let name = "roster_http_request_duration_seconds";
    let _ = writeln!(out, "# TYPE {name} histogram");
    for route in Route::ALL {
        let histogram = &metrics.latency[route as usize];
        let count = histogram.count.load(Ordering::Relaxed);
        if count == 0 {
            continue;
        }
        let label = route.label();
        let mut cumulative = 0;
        for (bound, bucket) in LATENCY_BOUNDS_MICROS.iter().zip(&histogram.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = *bound as f64 / 1e6;
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{label}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{route=\"{label}\",le=\"+Inf\"}} {count}"
        );
        let sum = histogram.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{route=\"{label}\"}} {sum}");
        let _ = writeln!(out, "{name}_count{{route=\"{label}\"}} {count}");
    }
}

fn requests_counter(route: Route, method: MethodLabel, status: u16) -> Counter {
    metrics::counter!(
        "roster_http_requests_total",
        "route" => route.label(),
        "method" => method.label(),
        "status" => status.to_string()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative_in_the_text_format() {
        let histogram = LatencyHistogram::default();
        for micros in [100, 700, 700, 3_000, 9_000_000] {
            histogram.observe(std::time::Duration::from_micros(micros));
        }
        let cumulative: Vec<u64> = histogram
            .buckets
            .iter()
            .scan(0, |sum, b| {
                *sum += b.load(Ordering::Relaxed);
                Some(*sum)
            })
            .collect();
        assert_eq!(&cumulative[..4], &[1, 3, 3, 4]);
        assert_eq!(*cumulative.last().unwrap(), 4, "9 s is only in +Inf");
        assert_eq!(histogram.count.load(Ordering::Relaxed), 5);
        assert_eq!(histogram.sum_micros.load(Ordering::Relaxed), 9_004_500);
    }

    #[test]
    fn same_bytes_is_equality() {
        assert!(same_bytes(b"", b""));
        assert!(same_bytes(b"token", b"token"));
        assert!(!same_bytes(b"token", b"tokeN"));
        assert!(!same_bytes(b"Token", b"token"));
        assert!(!same_bytes(b"token", b"token2"));
    }

    #[test]
    fn routes_are_a_fixed_set_whatever_the_path() {
        assert_eq!(Route::of("/v1/people"), Route::People);
        assert_eq!(Route::of("/v1/people/"), Route::People);
        assert_eq!(Route::of("/v1/people/me"), Route::Me);
        assert_eq!(Route::of("/v1/people/abc"), Route::Person);
        assert_eq!(Route::of("/v1/people/abc/def"), Route::Other);
        assert_eq!(Route::of("/anything/else"), Route::Other);
        for (index, route) in Route::ALL.iter().enumerate() {
            assert_eq!(*route as usize, index, "ALL is in declaration order");
        }
    }

    #[tokio::test]
    async fn a_deadline_answers_408_only_for_handlers_that_wait() {
        let past = Instant::now();
        let ready = within_deadline(async { StatusCode::OK.into_response() }, past).await;
        assert_eq!(ready.status(), StatusCode::OK);
        let waiting = within_deadline(
            async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                StatusCode::OK.into_response()
            },
            Instant::now() + std::time::Duration::from_millis(20),
        )
        .await;
        assert_eq!(waiting.status(), StatusCode::REQUEST_TIMEOUT);
    }
}

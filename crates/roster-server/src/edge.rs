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

use crate::auth::{BearerDigest, Caller, ConnectionToken};
use crate::error::ApiError;
use crate::metrics::{MethodLabel, RouteMetrics};
use crate::people::get::get_person_details;
use crate::people::me::get_my_own_details;
use crate::state::AppState;
use crate::tracking;
use crate::wire::QueryParams;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use roster_store::token::Digest256;
use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::{Arc, OnceLock};
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
    token: ConnectionToken,
}

impl Edge {
    pub fn new(state: AppState, router: Router, client: SocketAddr) -> Self {
        Edge(Arc::new(Connection {
            state,
            router,
            client,
            token: ConnectionToken::default(),
        }))
    }
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
        let connection = &self.0;
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
        // Only API requests are authenticated (and rate-limited by token).
        let digest = if request.uri().path().starts_with("/v1/") {
            connection.token.digest(request.headers())
        } else {
            None
        };
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
        route.metrics().record(method, status, started);
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

    /// The route's metrics, resolved once.
    fn metrics(self) -> &'static RouteMetrics {
        static METRICS: OnceLock<[&'static RouteMetrics; Route::ALL.len()]> = OnceLock::new();
        METRICS.get_or_init(|| Route::ALL.map(|route| RouteMetrics::of(route.label())))
            [self as usize]
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

#[cfg(test)]
mod tests {
    use super::*;

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

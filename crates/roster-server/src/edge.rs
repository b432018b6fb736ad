//! The one layer every request passes, between the connection and the route table.
//!
//! In order: a tracking id; the limits on the request target, head and rate (`limits.rs`);
//! the handler, under the request deadline; then the Webex error body and the `TrackingID`
//! header (`tracking.rs`), metrics and the log line.
//!
//! It is written by hand rather than stacked from tower and axum middlewares because it runs
//! on every `/v1/people/me`, the hottest path of the server: one boxed future per request
//! instead of one per layer, metric handles resolved once instead of looked up by label on
//! every request (`metrics.rs`), and no timer armed for a request that is answered at its
//! first poll. For the same reason the hot reads the route table marks (`routes.rs`:
//! `GET /v1/people/me` and `GET /v1/people/{personId}`) go from here straight to their
//! handlers, with the same extractors in the same order axum would run them
//! (`routing.rs`); every other request goes through axum's router.

use crate::auth::{BearerDigest, ConnectionToken};
use crate::metrics::MethodLabel;
use crate::routing::{Direct, HandlerFuture, Routes};
use crate::state::AppState;
use crate::tracking;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use roster_store::token::Digest256;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};
use tower::ServiceExt;
use tracing::Instrument;

/// The address of the client a routed request came from (for per-address sign-in
/// throttling); set on every request that goes through the router.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub SocketAddr);

/// The service hyper calls for each request of one connection.
#[derive(Clone)]
pub struct Edge(Arc<Connection>);

struct Connection {
    state: AppState,
    routes: Arc<Routes>,
    client: SocketAddr,
    token: ConnectionToken,
}

impl Edge {
    pub fn new(state: AppState, routes: Arc<Routes>, client: SocketAddr) -> Self {
        Edge(Arc::new(Connection {
            state,
            routes,
            client,
            token: ConnectionToken::default(),
        }))
    }
}

/// When a request arrived and what its bearer token is, as [`Edge::serve`] learns them:
/// found out by `serve` itself ([`Unseen`], without controls), or handed in by the control
/// API's hook, which found them out first ([`Arrival`], see `control/edge.rs`). A trait
/// rather than an `Option<Arrival>` so that the request's future without controls holds
/// nothing for it: that future is allocated for every request, and its size shows in `/me`.
pub trait Arrived: Send {
    /// The arrival time and the bearer token (its digest, and its record when known).
    fn arrival(self, edge: &Edge, request: &hyper::Request<Incoming>) -> Arrival;
}

/// A request nobody has looked at yet: [`Edge::serve`] notes the time and reads its token.
pub struct Unseen;

impl Arrived for Unseen {
    fn arrival(self, edge: &Edge, request: &hyper::Request<Incoming>) -> Arrival {
        Arrival {
            started: Instant::now(),
            bearer: edge.api_token_digest(request).map(BearerDigest::unresolved),
        }
    }
}

/// What the control API's hook found out about a request before handing it to
/// [`Edge::serve`]: when it arrived, and its bearer token (from [`Edge::api_token_digest`],
/// with the token's record when the cache held it).
pub struct Arrival {
    pub started: Instant,
    pub bearer: Option<BearerDigest>,
}

impl Arrived for Arrival {
    fn arrival(self, _: &Edge, _: &hyper::Request<Incoming>) -> Arrival {
        self
    }
}

/// A served request: its response, and what the control API's journal records of it.
pub struct Served {
    pub response: Response,
    /// The `TrackingID` the response carries.
    pub tracking_id: String,
    /// From arrival to the finished response.
    pub elapsed: Duration,
}

/// A request answered by closing its connection (a control API fault): hyper closes a
/// connection whose service fails, without writing a response.
#[derive(Debug)]
pub struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for ConnectionDropped {}

/// What [`Edge`] answers a request with.
pub type EdgeFuture = Pin<Box<dyn Future<Output = Result<Response, ConnectionDropped>> + Send>>;

impl hyper::service::Service<hyper::Request<Incoming>> for Edge {
    type Response = Response;
    type Error = ConnectionDropped;
    type Future = EdgeFuture;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        // The one check the control API costs when it is off.
        match &self.0.state.controls {
            None => {
                let edge = self.clone();
                Box::pin(async move { Ok(edge.serve(request, Unseen).await.response) })
            }
            Some(controls) => crate::control::edge::call(controls, self.clone(), request),
        }
    }
}

impl Edge {
    pub fn state(&self) -> &AppState {
        &self.0.state
    }

    /// The digest of the bearer token of an API request (see [`ConnectionToken`]); only API
    /// requests are authenticated (and rate-limited by token).
    pub fn api_token_digest<B>(&self, request: &hyper::Request<B>) -> Option<Digest256> {
        if request.uri().path().starts_with("/v1/") {
            self.0.token.digest(request.headers())
        } else {
            None
        }
    }

    /// Serves a request: limits, handler, error body and tracking id, metrics.
    pub async fn serve(&self, request: hyper::Request<Incoming>, arrival: impl Arrived) -> Served {
        let Arrival { started, bearer } = arrival.arrival(self, &request);
        let connection = &self.0;
        let tracking_id = tracking::tracking_id_for(request.headers());
        let method = MethodLabel::of(request.method());
        let found = connection.routes.index.find(request.uri().path());
        let route = found.route;
        // A debug span: at the default level a span per request cost a fifth of `/me`'s
        // throughput (its fields are formatted and stored for every request). Failures are
        // logged below with the tracking id at any level.
        let span = tracing::debug_span!(
            "request",
            tracking_id = %tracking_id,
            method = %request.method(),
            path = %request.uri().path(),
        );
        let response = match connection.state.limits.check(
            &request,
            connection.client,
            bearer.as_ref().map(|b| b.digest),
        ) {
            Err(error) => error.into_response(),
            Ok(()) => {
                let deadline = started + connection.state.config.request_timeout;
                let direct = match method {
                    MethodLabel::Get => found.direct_get(),
                    _ => None,
                };
                let handler = self.dispatch(request, direct, bearer);
                within_deadline(handler, deadline)
                    .instrument(span.clone())
                    .await
            }
        };
        let response = tracking::finish_response(response, &tracking_id);
        let status = response.status();
        let elapsed = started.elapsed();
        route.metrics.record(method, status, elapsed);
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
        Served {
            response,
            tracking_id,
            elapsed,
        }
    }

    /// The handler for a request: a hot read's own, called directly, or the router.
    fn dispatch(
        &self,
        request: hyper::Request<Incoming>,
        direct: Option<(&Direct, Option<String>)>,
        bearer: Option<BearerDigest>,
    ) -> HandlerFuture {
        let state = self.0.state.clone();
        if let Some((direct, path_param)) = direct {
            let (parts, _body) = request.into_parts();
            return direct.call(state, parts, bearer, path_param);
        }
        let mut request = request.map(Body::new);
        request
            .extensions_mut()
            .insert(ClientAddress(self.0.client));
        if let Some(bearer) = bearer {
            request.extensions_mut().insert(bearer);
        }
        let router = self.0.routes.router.clone();
        Box::pin(async move {
            match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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

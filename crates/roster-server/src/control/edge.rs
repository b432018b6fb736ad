//! The API's request path when controls are on: the fault rules decide first, then the
//! request is served (by the edge, or by the rule), then it is written to the journal.
//!
//! This runs on every API request while controls are on, so its usual case costs little
//! more than the edge alone: with no rule set the rules are one atomic load; the caller's
//! token is read from the cache without waiting; the bearer token's digest is computed once
//! and handed on to the edge; the request is served by the edge's own future inside a thin
//! wrapper ([`Journaling`]) rather than a second state machine around it; and the journal
//! gets the request's parts as they are, turning them into text only when `GET /requests`
//! reads them. A rule that fires, a latency, or a token the cache does not hold takes the
//! general path ([`faulted`], [`EdgeFuture`]s that wait).

use super::faults::{Decision, Outcome, Target, STALL_CAP};
use super::journal;
use super::Controls;
use crate::edge::{ConnectionDropped, Edge, EdgeFuture, TokenDigest};
use crate::tracking;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use roster_store::token::Digest256;
use roster_store::TokenRecord;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A request's journal entry, written when the request ends, however it ends: answered,
/// dropped, or abandoned by its client (hyper then drops the request's future, and with it
/// this guard), so that a stalled request the client gave up on is journaled too.
struct Journaled {
    controls: Arc<Controls>,
    started: Instant,
    at_millis: i64,
    method: Method,
    /// The request's target (a clone shares the bytes hyper read).
    uri: Uri,
    person: Option<Uuid>,
    token: Option<Uuid>,
    fault_id: Option<String>,
    written: bool,
}

impl Journaled {
    /// Writes the entry: with the status and tracking id of the response, if there is one.
    fn write(&mut self, response: Option<&Response>) {
        if std::mem::replace(&mut self.written, true) {
            return;
        }
        self.controls.journal.record(journal::Request {
            at_millis: self.at_millis,
            duration: self.started.elapsed(),
            method: &self.method,
            path: self.uri.path(),
            query: self.uri.query(),
            person: self.person,
            token: self.token,
            status: response.map(|r| r.status().as_u16()),
            tracking_id: response.and_then(tracking::tracking_id_of),
            fault_id: self.fault_id.take(),
        });
    }
}

impl Drop for Journaled {
    fn drop(&mut self) {
        self.write(None);
    }
}

/// The edge's service for a request while controls are on.
pub fn call(controls: &Arc<Controls>, edge: Edge, request: hyper::Request<Incoming>) -> EdgeFuture {
    let started = Instant::now();
    let at_millis = edge.state().store.clock().now_millis();
    let digest = edge.api_token_digest(&request);
    // Who the caller says they are, for rules and the journal: the token's record, from
    // the cache. Whether the token is still usable is the handler's business.
    let Some(digest) = digest else {
        return decide(controls, edge, request, started, at_millis, None, None);
    };
    match edge.state().caches.cached_token(&digest) {
        Some(token) => decide(
            controls,
            edge,
            request,
            started,
            at_millis,
            Some(digest),
            Some(&token),
        ),
        None => {
            // Not in the cache: the store is asked.
            let controls = controls.clone();
            Box::pin(async move {
                let token = edge.state().caches.token(&digest).await.ok().flatten();
                let decided = decide(
                    &controls,
                    edge,
                    request,
                    started,
                    at_millis,
                    Some(digest),
                    token.as_deref(),
                );
                decided.await
            })
        }
    }
}

/// Applies the rules to a request whose caller is known, and serves it.
fn decide(
    controls: &Arc<Controls>,
    edge: Edge,
    request: hyper::Request<Incoming>,
    started: Instant,
    at_millis: i64,
    digest: Option<Digest256>,
    token: Option<&TokenRecord>,
) -> EdgeFuture {
    let person = token.map(|t| t.person_id);
    let token = token.map(|t| t.id);
    let decision = if controls.faults.any() {
        controls.faults.decide(
            &Target {
                method: request.method(),
                path: request.uri().path(),
                person,
                token,
            },
            started,
        )
    } else {
        Decision::pass()
    };
    let journaled = Journaled {
        controls: controls.clone(),
        started,
        at_millis,
        method: request.method().clone(),
        uri: request.uri().clone(),
        person,
        token,
        fault_id: decision.fault_id,
        written: false,
    };
    match decision.outcome {
        Outcome::Handler if decision.latency.is_zero() => Box::pin(Journaling {
            serve: edge.serve(request, TokenDigest::Computed(digest)),
            journaled,
        }),
        outcome => Box::pin(faulted(
            journaled,
            decision.latency,
            outcome,
            edge,
            request,
            digest,
        )),
    }
}

pin_project_lite::pin_project! {
    /// The edge serving a request, then the journal's entry for it.
    struct Journaling<F> {
        #[pin]
        serve: F,
        journaled: Journaled,
    }
}

impl<F: Future<Output = Response>> Future for Journaling<F> {
    type Output = Result<Response, ConnectionDropped>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.serve.poll(cx));
        this.journaled.write(Some(&response));
        Poll::Ready(Ok(response))
    }
}

/// A request a rule delays, answers, drops or stalls.
async fn faulted(
    mut journaled: Journaled,
    latency: Duration,
    outcome: Outcome,
    edge: Edge,
    request: hyper::Request<Incoming>,
    digest: Option<Digest256>,
) -> Result<Response, ConnectionDropped> {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match outcome {
        Outcome::Handler => edge.serve(request, TokenDigest::Computed(digest)).await,
        Outcome::Respond(error) => {
            let tracking_id = tracking::tracking_id_for(request.headers());
            tracking::finish_response(error.into_response(), &tracking_id)
        }
        Outcome::Drop => return Err(ConnectionDropped),
        Outcome::Stall => {
            // Headers are never sent: the client gives up first (hyper drops this future),
            // or the server stops, or the cap is reached; then the connection is closed.
            let _ = tokio::time::timeout(STALL_CAP, journaled.controls.stopped()).await;
            return Err(ConnectionDropped);
        }
    };
    journaled.write(Some(&response));
    Ok(response)
}

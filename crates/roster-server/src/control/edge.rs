//! The API's request path when controls are on: the fault rules decide first, then the
//! request is served (by the edge, or by the rule), then it is written to the journal.
//!
//! This runs on every API request while controls are on, so its usual case costs little
//! more than the edge alone (`bench/control.sh` measures it):
//! - with no rule set the rules are one atomic load;
//! - the caller's token is read from the cache without waiting;
//! - what the hook finds out (the arrival time, the bearer token's digest and record) is
//!   handed on to the edge rather than found out twice, and the edge hands back the
//!   response's tracking id and duration, so the system clock is read once per request
//!   here, as without controls;
//! - the edge's future is made in place in the request's one boxed future;
//! - the journal's record is made in that future too, kept as the request's parts are
//!   (turned into text only when `GET /requests` reads them), and swapped into the ring.
//!
//! A rule that fires, a latency, or a token the cache does not hold takes the general path
//! ([`faulted`], [`EdgeFuture`]s that wait).

use super::faults::{Decision, Outcome, Target, STALL_CAP};
use super::journal;
use super::Controls;
use crate::auth::BearerDigest;
use crate::edge::{Arrival, ConnectionDropped, Edge, EdgeFuture, Served};
use crate::tracking;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use roster_types::time::ClockReading;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A request's journal entry, written when the request ends, however it ends: answered,
/// dropped, or abandoned by its client (hyper then drops the request's future, and with it
/// this guard), so that a stalled request the client gave up on is journaled too.
///
/// It holds the request's `Edge` (the connection's handle, which the request needs anyway:
/// the edge serves it through this guard), and reaches the controls through it, rather than
/// holding a second reference-counted handle whose count every request would bump twice.
struct Journaled {
    edge: Edge,
    started: Instant,
    record: journal::Record,
    written: bool,
}

impl Journaled {
    fn new(
        edge: Edge,
        request: &hyper::Request<Incoming>,
        arrived: ClockReading,
        started: Instant,
        person: Option<Uuid>,
        token: Option<Uuid>,
        fault_id: Option<String>,
    ) -> Self {
        let target = journal::Target::of(request.uri());
        let record =
            journal::Record::arrived(arrived, request.method(), target, person, token, fault_id);
        Journaled {
            edge,
            started,
            record,
            written: false,
        }
    }

    /// Writes the entry, once: with the answer (status and tracking id), if there was one.
    fn write(&mut self, duration: Duration, answer: Option<(StatusCode, &str)>) {
        if std::mem::replace(&mut self.written, true) {
            return;
        }
        self.record.ended(duration, answer);
        // Always there: this path is taken only when controls are on.
        if let Some(controls) = &self.edge.state().controls {
            controls.journal.record(&mut self.record);
        }
    }

    /// Writes the entry of a request the edge served, and gives its response.
    fn served(&mut self, served: Served) -> Response {
        let answer = (served.response.status(), served.tracking_id.as_str());
        self.write(served.elapsed, Some(answer));
        served.response
    }
}

impl Drop for Journaled {
    fn drop(&mut self) {
        self.write(self.started.elapsed(), None);
    }
}

/// The edge's service for a request while controls are on.
pub fn call(controls: &Arc<Controls>, edge: Edge, request: hyper::Request<Incoming>) -> EdgeFuture {
    let started = Instant::now();
    let digest = edge.api_token_digest(&request);
    // Who the caller says they are, for rules and the journal: the token's record, from
    // the cache. Whether the token is still usable is the handler's business.
    let Some(digest) = digest else {
        return decide(controls, edge, request, started, None);
    };
    match edge.state().caches.cached_token(&digest) {
        Some(record) => {
            let bearer = BearerDigest {
                digest,
                record: Some(record),
            };
            decide(controls, edge, request, started, Some(bearer))
        }
        None => {
            // Not in the cache: the store is asked.
            let controls = controls.clone();
            Box::pin(async move {
                let record = edge.state().caches.token(&digest).await.ok().flatten();
                let bearer = BearerDigest { digest, record };
                decide(&controls, edge, request, started, Some(bearer)).await
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
    bearer: Option<BearerDigest>,
) -> EdgeFuture {
    let record = bearer.as_ref().and_then(|b| b.record.as_deref());
    let person = record.map(|t| t.person_id);
    let token = record.map(|t| t.id);
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
    let arrived = edge.state().store.clock().reading_at(started);
    let arrival = Arrival { started, bearer };
    let fault_id = decision.fault_id;
    match decision.outcome {
        // The usual case. The journal's guard is made inside the box, at the first poll
        // (which hyper makes at once), so that it is written in place rather than moved in.
        Outcome::Handler if decision.latency.is_zero() => Box::pin(async move {
            let mut journaled =
                Journaled::new(edge, &request, arrived, started, person, token, fault_id);
            let served = journaled.edge.serve(request, arrival).await;
            Ok(journaled.served(served))
        }),
        outcome => {
            let journaled =
                Journaled::new(edge, &request, arrived, started, person, token, fault_id);
            Box::pin(faulted(
                journaled,
                decision.latency,
                outcome,
                request,
                arrival,
            ))
        }
    }
}

/// A request a rule delays, answers, drops or stalls.
async fn faulted(
    mut journaled: Journaled,
    latency: Duration,
    outcome: Outcome,
    request: hyper::Request<Incoming>,
    arrival: Arrival,
) -> Result<Response, ConnectionDropped> {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match outcome {
        Outcome::Handler => {
            let served = journaled.edge.serve(request, arrival).await;
            Ok(journaled.served(served))
        }
        Outcome::Respond(error) => {
            let tracking_id = tracking::tracking_id_for(request.headers());
            let response = tracking::finish_response(error.into_response(), &tracking_id);
            let answer = (response.status(), tracking_id.as_str());
            journaled.write(arrival.started.elapsed(), Some(answer));
            Ok(response)
        }
        Outcome::Drop => Err(ConnectionDropped),
        Outcome::Stall => {
            // Headers are never sent: the client gives up first (hyper drops this future),
            // or the server stops, or the cap is reached; then the connection is closed.
            if let Some(controls) = journaled.edge.state().controls.clone() {
                let _ = tokio::time::timeout(STALL_CAP, controls.stopped()).await;
            }
            Err(ConnectionDropped)
        }
    }
}

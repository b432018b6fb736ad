//! The API's request path when controls are on: the fault rules decide first, then the
//! request is served (by the edge, or by the rule), then it is written to the journal.
//!
//! This runs on every API request while controls are on, so it formats nothing and
//! allocates nothing of its own: the journal gets the request's parts as they are and turns
//! them into text only when `GET /requests` reads them; with no rule set, the rules cost one
//! atomic load; the bearer token's digest is computed once here and handed on to the edge.

use super::faults::{Outcome, Target, STALL_CAP};
use super::journal::{self, Journal};
use super::Controls;
use crate::edge::{ConnectionDropped, Edge};
use crate::tracking;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// A request's journal entry, written when the request ends, however it ends: answered,
/// dropped, or abandoned by its client (hyper then drops the request's future, and with it
/// this guard), so that a stalled request the client gave up on is journaled too.
struct Journaled<'c> {
    journal: &'c Journal,
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

impl Journaled<'_> {
    /// Writes the entry: with the response's status and tracking id when there is one.
    fn write(&mut self, response: Option<&Response>) {
        if std::mem::replace(&mut self.written, true) {
            return;
        }
        self.journal.record(journal::Request {
            at_millis: self.at_millis,
            duration: self.started.elapsed(),
            method: &self.method,
            path: self.uri.path(),
            query: self.uri.query(),
            person: self.person,
            token: self.token,
            status: response.map(|r| r.status().as_u16()),
            tracking_id: response
                .and_then(|r| r.headers().get(tracking::TRACKING_ID))
                .map(|v| v.as_bytes()),
            fault_id: self.fault_id.take(),
        });
    }
}

impl Drop for Journaled<'_> {
    fn drop(&mut self) {
        self.write(None);
    }
}

pub async fn handle(
    controls: Arc<Controls>,
    edge: Edge,
    request: hyper::Request<Incoming>,
) -> Result<Response, ConnectionDropped> {
    let started = Instant::now();
    let state = edge.state();
    let at_millis = state.store.clock().now_millis();
    let digest = edge.api_token_digest(&request);
    // Who the caller says they are, for rules and the journal: the token's record, from
    // the cache. Whether the token is still usable is the handler's business.
    let token = match &digest {
        Some(digest) => state.caches.token(digest).await.ok().flatten(),
        None => None,
    };
    let person = token.as_ref().map(|t| t.person_id);
    let token = token.as_ref().map(|t| t.id);
    let decision = controls.faults.decide(
        &Target {
            method: request.method(),
            path: request.uri().path(),
            person,
            token,
        },
        started,
    );
    let mut journaled = Journaled {
        journal: &controls.journal,
        started,
        at_millis,
        method: request.method().clone(),
        uri: request.uri().clone(),
        person,
        token,
        fault_id: decision.fault_id,
        written: false,
    };
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let response = match decision.outcome {
        Outcome::Handler => edge.serve(request, digest).await,
        Outcome::Respond(error) => {
            let tracking_id = tracking::tracking_id_for(request.headers());
            tracking::finish_response(error.into_response(), &tracking_id)
        }
        Outcome::Drop => return Err(ConnectionDropped),
        Outcome::Stall => {
            // Headers are never sent: the client gives up first (hyper drops this future),
            // or the server stops, or the cap is reached; then the connection is closed.
            let _ = tokio::time::timeout(STALL_CAP, controls.stopped()).await;
            return Err(ConnectionDropped);
        }
    };
    journaled.write(Some(&response));
    Ok(response)
}

//! The API's request path when controls are on: the fault rules decide first, then the
//! request is served (by the edge, or by the rule), then it is written to the journal.

use super::faults::{Outcome, Target, STALL_CAP};
use super::journal::JournalEntry;
use super::Controls;
use crate::edge::{ConnectionDropped, Edge};
use crate::tracking;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use roster_types::id::{encode_uuid, IdKind};
use roster_types::time::format_millis;
use std::sync::Arc;
use std::time::Instant;

/// A request's journal entry, written when the request ends, however it ends: answered,
/// dropped, or abandoned by its client (hyper then drops the request's future, and with it
/// this guard), so that a stalled request the client gave up on is journaled too.
struct Journaled {
    controls: Arc<Controls>,
    started: Instant,
    entry: JournalEntry,
}

impl Journaled {
    fn answered(&mut self, response: &Response) {
        self.entry.status = Some(response.status().as_u16());
        self.entry.tracking_id = response
            .headers()
            .get(roster_types::TRACKING_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
    }
}

impl Drop for Journaled {
    fn drop(&mut self) {
        let mut entry = self.entry.clone();
        entry.duration_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        self.controls.journal.record(entry);
    }
}

pub async fn handle(
    controls: Arc<Controls>,
    edge: Edge,
    request: hyper::Request<Incoming>,
) -> Result<Response, ConnectionDropped> {
    let started = Instant::now();
    let state = edge.state().clone();
    let at_millis = state.store.clock().now_millis();
    let path = request.uri().path().to_string();
    // Who the caller says they are, for rules and the journal: the token's record, from
    // the cache. Whether the token is still usable is the handler's business.
    let token = match edge.token_digest(request.headers()) {
        Some(digest) if path.starts_with("/v1/") => {
            state.caches.token(&digest).await.ok().flatten()
        }
        _ => None,
    };
    let person = token.as_ref().map(|t| t.person_id);
    let token = token.as_ref().map(|t| t.id);
    let decision = controls.faults.decide(
        &Target {
            method: request.method(),
            path: &path,
            person,
            token,
        },
        started,
    );
    let mut journaled = Journaled {
        controls: controls.clone(),
        started,
        entry: JournalEntry {
            time: format_millis(at_millis),
            method: request.method().to_string(),
            query: request.uri().query().map(str::to_string),
            path,
            person_id: person.map(|p| encode_uuid(IdKind::People, &p)),
            token_id: token.map(|t| t.to_string()),
            status: None,
            tracking_id: None,
            duration_ms: 0.0,
            fault_id: decision.fault_id,
            at_millis,
            person,
        },
    };
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let response = match decision.outcome {
        Outcome::Handler => edge.handle(request).await,
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
    journaled.answered(&response);
    Ok(response)
}

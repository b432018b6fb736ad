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

pub async fn handle(
    controls: Arc<Controls>,
    edge: Edge,
    request: hyper::Request<Incoming>,
) -> Result<Response, ConnectionDropped> {
    let started = Instant::now();
    let state = edge.state().clone();
    let at_millis = state.store.clock().now_millis();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
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
    let target = Target {
        method: &method,
        path: &path,
        person,
        token,
    };
    let decision = controls.faults.decide(&target, started);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let answered = match decision.outcome {
        Outcome::Handler => Ok(edge.handle(request).await),
        Outcome::Respond(error) => {
            let tracking_id = tracking::tracking_id_for(request.headers());
            Ok(tracking::finish_response(
                error.into_response(),
                &tracking_id,
            ))
        }
        Outcome::Drop => Err(ConnectionDropped),
        Outcome::Stall => {
            // Headers are never sent: the client gives up first, which drops this future,
            // or the server stops, or the cap is reached; then the connection is closed.
            let _ = tokio::time::timeout(STALL_CAP, controls.stopped()).await;
            Err(ConnectionDropped)
        }
    };
    let response = answered.as_ref().ok();
    controls.journal.record(JournalEntry {
        time: format_millis(at_millis),
        method: method.to_string(),
        path,
        query,
        person_id: person.map(|p| encode_uuid(IdKind::People, &p)),
        token_id: token.map(|t| t.to_string()),
        status: response.map(|r| r.status().as_u16()),
        tracking_id: response.and_then(|r| {
            r.headers()
                .get(roster_types::TRACKING_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        }),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        fault_id: decision.fault_id,
        at_millis,
        person,
    });
    answered
}

//! What an operator runs a fleet with: liveness, readiness and Prometheus metrics, all
//! outside `/v1` and without authentication.

use crate::metrics::{self, Scrape};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Alive: the process answers.
pub async fn healthz() -> Response {
    (
        StatusCode::OK,
        [("content-type", "text/plain; charset=utf-8")],
        "ok\n",
    )
        .into_response()
}

/// Ready: the database answers too.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            [("content-type", "text/plain; charset=utf-8")],
            "ready\n",
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "not ready: database unreachable");
            let mut response = crate::error::ApiError::unavailable(5).into_response();
            response
                .extensions_mut()
                .insert(crate::error::ErrorMessage {
                    message: "The database is unreachable.".into(),
                    description: None,
                    oauth_error: None,
                });
            response
        }
    }
}

/// Prometheus metrics (see `metrics.rs`).
pub async fn metrics(State(state): State<AppState>) -> Response {
    let (cached_tokens, cached_people) = state.caches.entries();
    let text = metrics::render(&Scrape {
        pool: state.store.pool_stats(),
        cached_tokens,
        cached_people,
    });
    (
        StatusCode::OK,
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

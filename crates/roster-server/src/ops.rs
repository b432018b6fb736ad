//! What an operator runs a fleet with: liveness, readiness and Prometheus metrics, all
//! outside `/v1` and without authentication.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// The process-wide metrics recorder (the `metrics` facade has one global recorder).
///
/// Only counters and gauges go through it. A recorder made with `build_recorder` keeps every
/// histogram sample until a scrape (or an upkeep task), so memory would grow with traffic
/// when nobody scrapes; request latency is therefore kept by `edge.rs` in fixed buckets.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder may exist when embedded; then metrics simply go there.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

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
                });
            response
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let stats = state.store.pool_stats();
    metrics::gauge!("roster_db_pool_connections").set(stats.size as f64);
    metrics::gauge!("roster_db_pool_idle_connections").set(stats.idle as f64);
    let (cached_tokens, cached_people) = state.caches.entries();
    metrics::gauge!("roster_cache_entries", "cache" => "tokens").set(cached_tokens as f64);
    metrics::gauge!("roster_cache_entries", "cache" => "people").set(cached_people as f64);
    (
        StatusCode::OK,
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        {
            let mut text = metrics_handle().render();
            crate::edge::render_latency(&mut text);
            text
        },
    )
        .into_response()
}

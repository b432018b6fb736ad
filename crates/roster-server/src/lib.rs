//! Roster's HTTP server: the Webex People API on axum.
//!
//! [`Application::build`] binds the listener (port 0 in tests) and starts the background
//! tasks; [`Application::run_until`] serves until a shutdown signal, finishes requests in
//! flight and writes pending activity. `main` and the tests use the same path.
//!
//! Layout: `edge.rs` is what every request passes before and after its handler;
//! `routes.rs` is the route table, from which `routing.rs` makes the router, the OpenAPI
//! document and the edge's index of routes; `people/` has one module per operation;
//! `scim/` serves the same people as SCIM 2 users, with groups, bulk and discovery;
//! `auth.rs` parses bearer tokens and resolves the caller; `view.rs` decides who sees what
//! and `render.rs` keeps serialised views; `error.rs` is the one error type; `tracking.rs`
//! makes tracking ids and error bodies; `wire.rs` reads and writes JSON and query strings;
//! `cache.rs` (caches read through to the store) and `activity.rs` keep the hot path off
//! the disk; `limits.rs` holds request sizes and rates; `metrics.rs` keeps every metric;
//! `state.rs` ties the shared parts together for the handlers; `control/` is the test
//! control API, on a listener of its own when configured; `oidc/` is OpenID Connect
//! (discovery, signing keys, id_tokens, userinfo).

pub mod activity;
pub mod auth;
pub mod cache;
pub mod config;
pub mod control;
pub mod edge;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod oauth;
pub mod oidc;
pub mod openapi;
pub mod ops;
pub mod people;
pub mod render;
pub mod routes;
pub mod routing;
pub mod scim;
pub mod serve;
pub mod state;
pub mod tracking;
pub mod view;
pub mod wire;

pub use config::ServerConfig;
pub use state::AppState;

use roster_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub struct Application {
    listener: TcpListener,
    /// The control API's listener, when configured.
    control: Option<TcpListener>,
    state: AppState,
    background: Vec<JoinHandle<()>>,
}

impl Application {
    /// Binds the listener and starts cache invalidation and activity flushing.
    pub async fn build(config: ServerConfig, store: Arc<dyn Store>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        let control = match &config.control {
            Some(control) => Some(TcpListener::bind(control.listen).await?),
            None => None,
        };
        // The OpenID Connect signing key exists from the first start on (see `oidc/keys.rs`),
        // and so is part of the snapshot `POST /reset` returns to.
        oidc::keys::ensure_signing_key(store.as_ref())
            .await
            .map_err(std::io::Error::other)?;
        if control.is_some() {
            // What `POST /reset` goes back to.
            store
                .save_snapshot(control::START_SNAPSHOT)
                .await
                .map_err(std::io::Error::other)?;
        }
        let state = AppState::new(store.clone(), config.clone());
        let start = store.latest_change().await.unwrap_or(0);
        crate::metrics::install_recorder();
        let caches = state.caches.clone();
        let background = vec![
            tokio::spawn(state.limits.clone().prune_periodically()),
            tokio::spawn(
                state
                    .caches
                    .clone()
                    .follow_changes(start, config.change_poll_interval),
            ),
            tokio::spawn(activity::flush_periodically(
                state.activity.clone(),
                store,
                config.activity_flush_interval,
                move |id| caches.forget_person(id),
            )),
        ];
        Ok(Application {
            listener,
            control,
            state,
            background,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The control API's address, when it is on.
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish and writes
    /// the activity noted in memory.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let routes = routes::api().into_routes(self.state.clone());
        let control = match (
            self.control,
            &self.state.controls,
            &self.state.config.control,
        ) {
            (Some(listener), Some(controls), Some(config)) => {
                let router =
                    control::api::router(self.state.clone(), controls.clone(), &config.token);
                let controls = controls.clone();
                Some(tokio::spawn(async move {
                    let stopped = async move { controls.stopped().await };
                    if let Err(error) = axum::serve(listener, router)
                        .with_graceful_shutdown(stopped)
                        .await
                    {
                        tracing::error!(%error, "the control listener failed");
                    }
                }))
            }
            _ => None,
        };
        let controls = self.state.controls.clone();
        let shutdown = async move {
            shutdown.await;
            // Stalled requests and the control listener end with the API.
            if let Some(controls) = controls {
                controls.stop();
            }
        };
        serve::serve(self.listener, routes, self.state.clone(), shutdown).await;
        if let Some(task) = control {
            let _ = task.await;
        }
        for task in &self.background {
            task.abort();
        }
        let flushed = self
            .state
            .activity
            .flush(self.state.store.as_ref(), |_| {})
            .await;
        tracing::info!(people = flushed, "recorded pending activity");
        Ok(())
    }
}

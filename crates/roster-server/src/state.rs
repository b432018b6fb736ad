//! The state every handler shares.

use crate::activity::ActivityTracker;
use crate::cache::Caches;
use crate::config::ServerConfig;
use crate::control::Controls;
use crate::limits::Limits;
use axum::http::{header, HeaderMap};
use roster_store::Store;
use std::sync::Arc;

/// A cheap handle (one reference count) on the state; axum clones it for every extractor
/// of every request, so it must not clone the caches themselves.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

pub struct SharedState {
    /// For writes and uncached reads; cached reads go through `caches`.
    pub store: Arc<dyn Store>,
    pub caches: Caches,
    pub activity: Arc<ActivityTracker>,
    pub config: Arc<ServerConfig>,
    pub limits: Limits,
    /// The test controls (`control/`), when a control listener is configured.
    pub controls: Option<Arc<Controls>>,
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        AppState(Arc::new(SharedState {
            caches: Caches::new(store.clone(), config.cache_capacity),
            store,
            activity: Arc::new(ActivityTracker::default()),
            limits: Limits::new(&config),
            controls: config
                .control
                .as_ref()
                .map(|control| Arc::new(Controls::new(control))),
            config: Arc::new(config),
        }))
    }
}

impl SharedState {
    /// The base URL clients reached us at (no trailing slash): the configured public URL, or
    /// the request's own `Host` (when it is a plain host[:port]) over plain HTTP. `Link`
    /// headers and the OpenID Connect issuer are built on it.
    pub fn public_base(&self, headers: &HeaderMap) -> String {
        if let Some(public) = &self.config.public_url {
            return public.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
            })
            .map(str::to_string)
            .unwrap_or_else(|| self.config.listen.to_string());
        format!("http://{host}")
    }
}

//! The control API: test controls on a listener of their own (`roster serve
//! --control-listen`), never on the Webex API's port.
//!
//! - `faults.rs`: rules that make API requests fail, wait, drop or stall;
//! - `journal.rs`: the last N requests the API served;
//! - `edge.rs`: the API's request path when controls are on (rules, then the journal);
//! - `api.rs`: the control endpoints, their OpenAPI document and the bearer check.
//!
//! Faults, the journal and the clock belong to one node; snapshots and reset act on the
//! shared database, and every node drops its caches after a restore (the `all` change).
//! When no control listener is configured, [`crate::AppState`] holds no [`Controls`] and the
//! edge checks that once per request; nothing else differs.

pub mod api;
pub mod edge;
pub mod faults;
pub mod journal;

use std::net::SocketAddr;
use tokio::sync::watch;

/// The snapshot taken when a node with a control listener starts: what `POST /reset`
/// restores.
pub const START_SNAPSHOT: &str = "roster:start";

/// The request journal's size when not given.
pub const DEFAULT_JOURNAL_SIZE: usize = 10_000;

#[derive(Debug, Clone)]
pub struct ControlConfig {
    pub listen: SocketAddr,
    /// The bearer token every control request must carry.
    pub token: String,
    /// Requests the journal keeps.
    pub journal_size: usize,
}

/// The control token for a listener on `listen`: `given` (from `ROSTER_CONTROL_TOKEN`), or,
/// on a loopback address only, a new random one (the second value says it was generated, to
/// be shown once). Anyone who can reach a non-loopback address could otherwise read a
/// printed token from nowhere but the logs, so there a token must be given.
pub fn choose_token(listen: SocketAddr, given: Option<String>) -> Result<(String, bool), String> {
    match given.filter(|t| !t.trim().is_empty()) {
        Some(token) => Ok((token.trim().to_string(), false)),
        None if listen.ip().is_loopback() => Ok((
            roster_store::token::generate(uuid::Uuid::nil())
                .split('_')
                .next()
                .unwrap_or_default()
                .to_string(),
            true,
        )),
        None => Err(format!(
            "the control listener on {listen} is not on a loopback address: set \
             ROSTER_CONTROL_TOKEN to the token control clients must send"
        )),
    }
}

/// The controls of one node.
pub struct Controls {
    pub faults: faults::Faults,
    pub journal: journal::Journal,
    /// Set at shutdown, so that stalled requests end.
    stopping: watch::Sender<bool>,
}

impl Controls {
    pub fn new(config: &ControlConfig) -> Self {
        Controls {
            faults: faults::Faults::default(),
            journal: journal::Journal::new(config.journal_size),
            stopping: watch::channel(false).0,
        }
    }

    /// Releases stalled requests.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Completes at shutdown.
    pub(crate) async fn stopped(&self) {
        let mut stopping = self.stopping.subscribe();
        let _ = stopping.wait_for(|stopping| *stopping).await;
    }
}

//! Server settings. The binary fills these from flags and environment variables.

use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// The externally visible base URL (`https://roster.example.com`), used in `Link`
    /// headers instead of the request's own scheme and host when set (behind a proxy).
    pub public_url: Option<String>,
    /// How often activity seen in memory is written to the database. Webex-style
    /// `lastActivity` needs minute precision, not per-request writes.
    pub activity_flush_interval: Duration,
    /// How often the change feed is read to invalidate caches after writes made by other
    /// processes (the CLI, other nodes). This is the bound on cross-process staleness.
    pub change_poll_interval: Duration,
    /// Entries in each in-process cache (tokens, people).
    pub cache_capacity: u64,
    /// How long a request may take before the server answers 408/503.
    pub request_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            activity_flush_interval: Duration::from_secs(60),
            change_poll_interval: Duration::from_millis(200),
            cache_capacity: 100_000,
            request_timeout: Duration::from_secs(30),
        }
    }
}

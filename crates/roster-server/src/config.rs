//! Server settings. The binary fills these from flags and environment variables.

use std::net::SocketAddr;
use std::time::Duration;

/// Generous for a development server, yet enough to stop a runaway polling loop.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 6000;

/// Entries each in-memory cache keeps by default (see `cache.rs` for the byte bounds).
pub const DEFAULT_CACHE_CAPACITY: u64 = 100_000;

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
    /// How long a request may take before the server gives up on it (408).
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers; also how long an idle
    /// keep-alive connection is kept.
    pub header_read_timeout: Duration,
    /// The largest request head (request line and headers) accepted (431 beyond).
    pub max_header_bytes: usize,
    /// The longest request target (path and query) accepted (414 beyond).
    pub max_uri_bytes: usize,
    /// The largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Requests per minute per token (or per client address without one); 0 disables.
    pub rate_limit_per_minute: u32,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// Lifetime of access tokens issued by `/v1/access_token` (Webex: 14 days).
    pub access_token_ttl: Duration,
    /// Lifetime of refresh tokens (Webex: 90 days); refreshing does not extend it.
    pub refresh_token_ttl: Duration,
    /// The control API's listener and token (`control/`); off when `None`.
    pub control: Option<crate::control::ControlConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            activity_flush_interval: Duration::from_secs(60),
            change_poll_interval: Duration::from_millis(200),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
            max_uri_bytes: 8 * 1024,
            max_body_bytes: 64 * 1024,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            shutdown_grace: Duration::from_secs(30),
            access_token_ttl: Duration::from_secs(14 * 86_400),
            refresh_token_ttl: Duration::from_secs(90 * 86_400),
            control: None,
        }
    }
}

//! Limits on what a client controls: request size, shape and rate.
//!
//! Body size is enforced by axum's body limit (see `routing.rs`), slow headers and idle
//! connections by the connection loop (`serve.rs`), the request deadline by `edge.rs`; this
//! module checks the request target and header sizes, refuses requests whose meaning is
//! ambiguous, and applies the per-token rate limit.

use crate::config::ServerConfig;
use crate::error::ApiError;
use axum::http::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderName, Request, StatusCode};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use roster_store::token::Digest256;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Headers that say one thing about a request: sent twice (even with equal values), which
/// one is meant? Two `Authorization` headers could name two callers.
const SINGLE_HEADERS: [(HeaderName, &str); 4] = [
    (AUTHORIZATION, "Authorization"),
    (CONTENT_TYPE, "Content-Type"),
    (CONTENT_LENGTH, "Content-Length"),
    (HOST, "Host"),
];

/// Refuses a request whose meaning is ambiguous instead of guessing: a header that must be
/// single given more than once (400, naming it), or a body in a content coding Roster does
/// not decode (415: bodies are read as sent, so a gzip body would be read as garbage).
fn unambiguous(headers: &HeaderMap) -> Result<(), ApiError> {
    for (name, shown) in &SINGLE_HEADERS {
        if headers.get_all(name).iter().nth(1).is_some() {
            return Err(ApiError::bad_request(format!(
                "The header '{shown}' was given more than once; send it once."
            )));
        }
    }
    for coding in headers.get_all(CONTENT_ENCODING) {
        let coding = coding.to_str().unwrap_or("").trim();
        if !coding.eq_ignore_ascii_case("identity") {
            let shown: String = coding.chars().take(40).collect();
            return Err(ApiError::unsupported_media_type(format!(
                "Content-Encoding '{shown}' is not supported; send request bodies without a \
                 content coding (identity)."
            )));
        }
    }
    Ok(())
}

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RateKey {
    Token(Digest256),
    Address(IpAddr),
}

/// The limits of one server, from its configuration, and the rate buckets of its callers.
#[derive(Clone)]
pub struct Limits {
    max_uri_bytes: usize,
    max_header_bytes: usize,
    /// `None` when rate limiting is off.
    rate: Option<Arc<DefaultKeyedRateLimiter<RateKey>>>,
}

impl Limits {
    pub fn new(config: &ServerConfig) -> Self {
        Limits {
            max_uri_bytes: config.max_uri_bytes,
            max_header_bytes: config.max_header_bytes,
            rate: NonZeroU32::new(config.rate_limit_per_minute)
                .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
        }
    }

    /// Rejects oversized request targets and heads, then applies the rate limit to API
    /// calls: per token (`digest`, the SHA-256 of the request's bearer token) or, without
    /// one, per client address.
    pub fn check<B>(
        &self,
        request: &Request<B>,
        client: SocketAddr,
        digest: Option<Digest256>,
    ) -> Result<(), ApiError> {
        let target_len = request
            .uri()
            .path_and_query()
            .map_or(0, |pq| pq.as_str().len());
        if target_len > self.max_uri_bytes {
            return Err(ApiError::new(
                StatusCode::URI_TOO_LONG,
                format!(
                    "The request URI is longer than {} bytes.",
                    self.max_uri_bytes
                ),
            ));
        }
        let head_len: usize = request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        if head_len > self.max_header_bytes {
            return Err(ApiError::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "The request headers are larger than {} bytes.",
                    self.max_header_bytes
                ),
            ));
        }

        unambiguous(request.headers())?;

        if self.rate.is_some() && request.uri().path().starts_with("/v1/") {
            let key = match digest {
                Some(digest) => RateKey::Token(digest),
                None => RateKey::Address(client.ip()),
            };
            if let Err(seconds) = self.check_rate(&key) {
                let mut error = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests have been sent in a given amount of time. Retry after the time given in Retry-After.",
                );
                error.retry_after = Some(seconds.max(1));
                return Err(error);
            }
        }
        Ok(())
    }

    /// Ok, or the whole seconds to wait.
    fn check_rate(&self, key: &RateKey) -> Result<(), u64> {
        let Some(limiter) = &self.rate else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets buckets that are full again, so memory follows the callers of the last minute.
    pub async fn prune_periodically(self) {
        let Some(limiter) = self.rate else { return };
        let mut ticker = tokio::time::interval(Duration::from_secs(60));
        loop {
            ticker.tick().await;
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

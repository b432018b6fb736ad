//! Every metric the server keeps, and their Prometheus text for `/metrics`.
//!
//! - `roster_http_requests_total{route, method, status}` and
//!   `roster_http_request_duration_seconds{route}`, recorded by `edge.rs` for every request.
//!   Routes are the path templates of the route table (`routes.rs`) and `other`, so hostile
//!   paths cannot create label values.
//! - `roster_cache_lookups_total{cache, result}`, counted by `cache.rs`.
//! - `roster_cache_entries{cache}` and `roster_db_pool_connections`,
//!   `roster_db_pool_idle_connections`, read when scraped.
//!
//! Handles are resolved once, never looked up by label on a request: the `metrics` macros
//! hash the labels and look the series up in the registry on every call, a measurable share
//! of a `/me`.

use axum::http::{Method, StatusCode};
use metrics::Counter;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use roster_store::PoolStats;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The process-wide metrics recorder (the `metrics` facade has one global recorder).
///
/// Only counters and gauges go through it. A recorder made with `build_recorder` keeps every
/// histogram sample until a scrape (or an upkeep task), so memory would grow with traffic
/// when nobody scrapes; request latency is therefore kept here in fixed buckets.
pub fn install_recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder may exist when embedded; then metrics simply go there.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// What is read from the rest of the server when `/metrics` is scraped.
pub struct Scrape {
    pub pool: PoolStats,
    pub cached_tokens: usize,
    pub cached_people: usize,
}

/// The Prometheus text of every metric.
pub fn render(scrape: &Scrape) -> String {
    metrics::gauge!("roster_db_pool_connections").set(f64::from(scrape.pool.size));
    metrics::gauge!("roster_db_pool_idle_connections").set(f64::from(scrape.pool.idle));
    metrics::gauge!("roster_cache_entries", "cache" => "tokens").set(scrape.cached_tokens as f64);
    metrics::gauge!("roster_cache_entries", "cache" => "people").set(scrape.cached_people as f64);
    let mut text = install_recorder().render();
    render_latency(&mut text);
    text
}

/// A request's method, as a label: a fixed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodLabel {
    Get,
    Post,
    Put,
    Delete,
    Head,
    Other,
}

impl MethodLabel {
    const COUNT: usize = 6;

    pub fn of(method: &Method) -> MethodLabel {
        match *method {
            Method::GET => MethodLabel::Get,
            Method::POST => MethodLabel::Post,
            Method::PUT => MethodLabel::Put,
            Method::DELETE => MethodLabel::Delete,
            Method::HEAD => MethodLabel::Head,
            _ => MethodLabel::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MethodLabel::Get => "GET",
            MethodLabel::Post => "POST",
            MethodLabel::Put => "PUT",
            MethodLabel::Delete => "DELETE",
            MethodLabel::Head => "HEAD",
            MethodLabel::Other => "other",
        }
    }
}

/// The statuses this server answers with, whose counters are resolved once. Any other status
/// is still counted, through the (slower) look-up by labels.
const COMMON_STATUSES: [u16; 17] = [
    200, 201, 204, 400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 429, 431, 500, 503,
];

/// The request metrics of one route: its requests by method and status, and its latency.
pub struct RouteMetrics {
    label: &'static str,
    /// Created on first use, by (method, status).
    requests: [OnceLock<Counter>; MethodLabel::COUNT * COMMON_STATUSES.len()],
    latency: LatencyHistogram,
}

/// Every route's metrics, in the order first asked for; bounded by the route tables' paths.
static ROUTES: Mutex<Vec<&'static RouteMetrics>> = Mutex::new(Vec::new());

impl RouteMetrics {
    /// The metrics of the route labelled `label`, created on first use and then shared by
    /// every route table (several servers in one process count together, as their counters
    /// do). Called while a route table is built, never per request.
    pub fn of(label: &str) -> &'static RouteMetrics {
        let mut routes = ROUTES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = routes.iter().find(|r| r.label == label) {
            return found;
        }
        let created: &'static RouteMetrics = Box::leak(Box::new(RouteMetrics {
            label: Box::leak(label.to_string().into_boxed_str()),
            requests: std::array::from_fn(|_| OnceLock::new()),
            latency: LatencyHistogram::default(),
        }));
        routes.push(created);
        created
    }

    pub fn label(&self) -> &'static str {
        self.label
    }

    /// Counts one answered request and its duration since `started`.
    pub fn record(&self, method: MethodLabel, status: StatusCode, elapsed: Duration) {
        let code = status.as_u16();
        match COMMON_STATUSES.iter().position(|&c| c == code) {
            Some(status_index) => {
                let index = method as usize * COMMON_STATUSES.len() + status_index;
                self.requests[index]
                    .get_or_init(|| self.requests_counter(method, code))
                    .increment(1);
            }
            None => self.requests_counter(method, code).increment(1),
        }
        self.latency.observe(elapsed);
    }

    fn requests_counter(&self, method: MethodLabel, status: u16) -> Counter {
        metrics::counter!(
            "roster_http_requests_total",
            "route" => self.label,
            "method" => method.label(),
            "status" => status.to_string()
        )
    }
}

/// Upper bounds of the latency buckets, in microseconds (0.5 ms to 5 s).
const LATENCY_BOUNDS_MICROS: [u64; 13] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000,
];

/// A Prometheus histogram of request durations: a fixed set of atomic bucket counters.
/// Written here rather than recorded through `metrics-exporter-prometheus`, whose histograms
/// keep every sample until the next scrape or upkeep: a few atomic additions per request
/// instead of a sample pushed onto a shared queue.
#[derive(Default)]
struct LatencyHistogram {
    /// Requests at or under each bound (not cumulative; summed when rendered).
    buckets: [AtomicU64; LATENCY_BOUNDS_MICROS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl LatencyHistogram {
    fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        if let Some(bucket) = LATENCY_BOUNDS_MICROS.iter().position(|&b| micros <= b) {
            self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// `roster_http_request_duration_seconds` in the Prometheus text format.
fn render_latency(out: &mut String) {
    use std::fmt::Write;
    let name = "roster_http_request_duration_seconds";
    let _ = writeln!(out, "# TYPE {name} histogram");
    let routes = ROUTES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for route in routes {
        let histogram = &route.latency;
        let count = histogram.count.load(Ordering::Relaxed);
        if count == 0 {
            continue;
        }
        let label = route.label;
        let mut cumulative = 0;
        for (bound, bucket) in LATENCY_BOUNDS_MICROS.iter().zip(&histogram.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = *bound as f64 / 1e6;
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{label}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{route=\"{label}\",le=\"+Inf\"}} {count}"
        );
        let sum = histogram.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{route=\"{label}\"}} {sum}");
        let _ = writeln!(out, "{name}_count{{route=\"{label}\"}} {count}");
    }
}

/// The caches whose hits and misses are counted in `roster_cache_lookups_total`.
#[derive(Debug, Clone, Copy)]
pub enum CacheName {
    Tokens = 0,
    People = 1,
    /// SCIM users with their rendered bodies (`scim/lookup.rs`).
    ScimUsers = 2,
}

/// Counts one cache look-up. The counters are resolved once: this runs several times per
/// request.
pub fn count_lookup(cache: CacheName, hit: bool) {
    count_lookups(cache, hit, 1);
}

/// Counts `count` cache look-ups with the same result (a page's worth, say) at once.
pub fn count_lookups(cache: CacheName, hit: bool, count: u64) {
    if count == 0 {
        return;
    }
    static COUNTERS: [OnceLock<Counter>; 6] = [const { OnceLock::new() }; 6];
    COUNTERS[cache as usize * 2 + usize::from(hit)]
        .get_or_init(|| {
            let cache = match cache {
                CacheName::Tokens => "tokens",
                CacheName::People => "people",
                CacheName::ScimUsers => "scim_users",
            };
            let result = if hit { "hit" } else { "miss" };
            metrics::counter!("roster_cache_lookups_total", "cache" => cache, "result" => result)
        })
        .increment(count);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative_in_the_text_format() {
        let histogram = LatencyHistogram::default();
        for micros in [100, 700, 700, 3_000, 9_000_000] {
            histogram.observe(Duration::from_micros(micros));
        }
        let cumulative: Vec<u64> = histogram
            .buckets
            .iter()
            .scan(0, |sum, b| {
                *sum += b.load(Ordering::Relaxed);
                Some(*sum)
            })
            .collect();
        assert_eq!(&cumulative[..4], &[1, 3, 3, 4]);
        assert_eq!(*cumulative.last().unwrap(), 4, "9 s is only in +Inf");
        assert_eq!(histogram.count.load(Ordering::Relaxed), 5);
        assert_eq!(histogram.sum_micros.load(Ordering::Relaxed), 9_004_500);
    }

    #[test]
    fn a_label_names_one_set_of_route_metrics() {
        let first = RouteMetrics::of("/test/label/{id}");
        let again = RouteMetrics::of("/test/label/{id}");
        assert!(std::ptr::eq(first, again));
        assert!(!std::ptr::eq(first, RouteMetrics::of("/test/other")));
        assert_eq!(first.label(), "/test/label/{id}");
    }
}

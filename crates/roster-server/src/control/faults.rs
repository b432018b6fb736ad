//! Fault rules: which API requests answer with an error, late, or not at all.
//!
//! A rule matches requests by method, path pattern and caller; of the requests it matches,
//! it skips the first `skip`, then fires for the next `times` (all, without `times`), each
//! with `probability`, drawn from a generator seeded with `seed`, so that the same seed
//! gives the same sequence of fired and passed requests. Rules are tried in the order they
//! were added; the first that fires answers the request, and rules after it do not see it.

use crate::error::ApiError;
use axum::http::{Method, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use roster_types::control::{FaultAction, FaultRule, FaultSpec};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A checked rule: what `GET /faults` shows, and the caller it matches as UUIDs.
#[derive(Debug, Clone)]
pub struct Rule {
    pub view: FaultRule,
    person: Option<Uuid>,
    token: Option<Uuid>,
}

/// The statuses a rule may answer with besides any 4xx.
const SERVER_STATUSES: [u16; 4] = [500, 502, 503, 504];

/// How long a stalled request is held at most, so that nothing leaks when a client never
/// gives up (shutdown releases it sooner).
pub const STALL_CAP: Duration = Duration::from_secs(600);

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message.into())
}

/// A count that must be 0 or more.
fn count(value: Option<i64>, name: &str) -> Result<Option<u64>, ApiError> {
    value
        .map(|v| u64::try_from(v).map_err(|_| bad(format!("'{name}' must be 0 or more, not {v}."))))
        .transpose()
}

/// Checks everything in `spec` that needs no store; its `person` is resolved by the caller
/// and passed in, with its wire id.
pub fn check(spec: FaultSpec, person: Option<(Uuid, String)>) -> Result<Rule, ApiError> {
    let method = match spec.method {
        None => None,
        Some(method) => {
            let upper = method.to_ascii_uppercase();
            match Method::from_bytes(upper.as_bytes()) {
                Ok(m)
                    if [
                        Method::GET,
                        Method::POST,
                        Method::PUT,
                        Method::PATCH,
                        Method::DELETE,
                        Method::HEAD,
                        Method::OPTIONS,
                    ]
                    .contains(&m) =>
                {
                    Some(upper)
                }
                _ => {
                    return Err(bad(format!(
                        "'method' must be an HTTP method (GET, POST, PUT, PATCH, DELETE, \
                         HEAD, OPTIONS), not '{method}'."
                    )))
                }
            }
        }
    };
    if let Some(path) = &spec.path {
        if !path.starts_with('/')
            || path.contains(['?', '#'])
            || path.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad(format!(
                "'path' can never match: a pattern starts with '/' and has no query, \
                 fragment or spaces ('{path}')."
            )));
        }
    }
    let token_uuid = spec
        .token_id
        .as_deref()
        .map(|id| {
            Uuid::parse_str(id)
                .map_err(|_| bad(format!("'tokenId' must be a token id, not '{id}'.")))
        })
        .transpose()?;
    let action = match spec.action.as_deref() {
        None | Some("respond") => FaultAction::Respond,
        Some("drop") => FaultAction::Drop,
        Some("stall") => FaultAction::Stall,
        Some(other) => {
            return Err(bad(format!(
                "'action' must be respond, drop or stall, not '{other}'."
            )))
        }
    };
    let status = match spec.status {
        None => None,
        Some(s) if (400..500).contains(&s) || SERVER_STATUSES.contains(&(s as u16)) => {
            Some(s as u16)
        }
        Some(s) => {
            return Err(bad(format!(
                "'status' must be 429, 500, 502, 503, 504 or another 4xx, not {s}."
            )))
        }
    };
    let latency_ms = count(spec.latency_ms, "latencyMs")?.unwrap_or(0);
    if action == FaultAction::Respond && status.is_none() && spec.action.is_none() {
        return Err(bad(
            "A rule needs 'status' or 'action' (respond with a 'latencyMs', drop or stall).",
        ));
    }
    if action == FaultAction::Respond && status.is_none() && latency_ms == 0 {
        return Err(bad(
            "A rule that responds needs a 'status', or a 'latencyMs' to delay the real answer.",
        ));
    }
    if action != FaultAction::Respond && status.is_some() {
        return Err(bad(format!(
            "'status' has no meaning with the action '{}'.",
            spec.action.as_deref().unwrap_or_default()
        )));
    }
    let retry_after = count(spec.retry_after, "retryAfter")?;
    if retry_after.is_some() && !matches!(status, Some(429 | 503)) {
        return Err(bad("'retryAfter' goes with the status 429 or 503."));
    }
    let enforce_retry_after = spec.enforce_retry_after.unwrap_or(false);
    if enforce_retry_after && retry_after.is_none() {
        return Err(bad("'enforceRetryAfter' needs a 'retryAfter'."));
    }
    let times = count(spec.times, "times")?;
    if times == Some(0) {
        return Err(bad("'times' must be 1 or more; delete the rule instead."));
    }
    let skip = count(spec.skip, "skip")?.unwrap_or(0);
    let probability = spec.probability.unwrap_or(1.0);
    if !(probability > 0.0 && probability <= 1.0) {
        return Err(bad(format!(
            "'probability' must be above 0 and at most 1, not {probability}."
        )));
    }
    let (person_uuid, person_id) = person.unzip();
    let view = FaultRule {
        id: Uuid::new_v4().to_string(),
        method,
        path: spec.path,
        person: person_id,
        token_id: token_uuid.map(|t| t.to_string()),
        status,
        retry_after,
        latency_ms,
        action,
        times,
        skip,
        probability,
        seed: spec.seed.unwrap_or_else(rand::random),
        enforce_retry_after,
        message: spec.message,
        fired: 0,
    };
    Ok(Rule {
        view,
        person: person_uuid,
        token: token_uuid,
    })
}

/// What `*` in a path pattern stands for: any characters, `/` included.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// What a request is, as far as rules can tell.
pub struct Target<'r> {
    pub method: &'r Method,
    pub path: &'r str,
    pub person: Option<Uuid>,
    pub token: Option<Uuid>,
}

/// What to do with a request.
pub struct Decision {
    pub fault_id: Option<String>,
    pub latency: Duration,
    pub outcome: Outcome,
}

impl Decision {
    /// No rule applies: the handler answers, at once.
    pub fn pass() -> Self {
        Decision {
            fault_id: None,
            latency: Duration::ZERO,
            outcome: Outcome::Handler,
        }
    }
}

pub enum Outcome {
    /// The real handler answers.
    Handler,
    Respond(ApiError),
    Drop,
    Stall,
}

struct RuleState {
    rule: Rule,
    rng: StdRng,
    /// Matching requests seen so far.
    matched: u64,
    /// Until when a retry is refused (`enforceRetryAfter`).
    not_before: Option<Instant>,
}

impl RuleState {
    fn matches(&self, target: &Target) -> bool {
        let rule = &self.rule.view;
        rule.method
            .as_deref()
            .is_none_or(|m| m == target.method.as_str())
            && rule
                .path
                .as_deref()
                .is_none_or(|p| path_matches(p, target.path))
            && self.rule.person.is_none_or(|p| target.person == Some(p))
            && self.rule.token.is_none_or(|t| target.token == Some(t))
    }

    /// Whether this matching request fires the rule; advances its counters.
    fn fires(&mut self) -> bool {
        self.matched += 1;
        let rule = &mut self.rule.view;
        if self.matched <= rule.skip {
            return false;
        }
        if rule.times.is_some_and(|times| rule.fired >= times) {
            return false;
        }
        if rule.probability < 1.0 && self.rng.gen::<f64>() >= rule.probability {
            return false;
        }
        rule.fired += 1;
        true
    }

    fn decision(&self, outcome: Outcome) -> Decision {
        Decision {
            fault_id: Some(self.rule.view.id.clone()),
            latency: Duration::from_millis(self.rule.view.latency_ms),
            outcome,
        }
    }
}

/// The rules of one node.
#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<RuleState>>,
    /// Whether any rule is set: requests skip the lock when none is.
    any: AtomicBool,
}

impl Faults {
    /// Adds `rule` after the others, and gives what `GET /faults` shows of it.
    pub fn add(&self, rule: Rule) -> FaultRule {
        let view = rule.view.clone();
        let mut rules = self.lock();
        rules.push(RuleState {
            rng: StdRng::seed_from_u64(view.seed),
            rule,
            matched: 0,
            not_before: None,
        });
        self.any.store(true, Ordering::Release);
        view
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().iter().map(|r| r.rule.view.clone()).collect()
    }

    /// False when there was no such rule.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|r| r.rule.view.id != id);
        self.any.store(!rules.is_empty(), Ordering::Release);
        rules.len() < before
    }

    pub fn clear(&self) {
        self.lock().clear();
        self.any.store(false, Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RuleState>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether any rule is set (one atomic load: requests skip the rules when none is).
    pub fn any(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    pub fn decide(&self, target: &Target, now: Instant) -> Decision {
        if !self.any() {
            return Decision::pass();
        }
        let mut rules = self.lock();
        for state in rules.iter_mut() {
            if !state.matches(target) {
                continue;
            }
            if let Some(not_before) = state.not_before.filter(|at| *at > now) {
                let wait = (not_before - now).as_secs_f64().ceil() as u64;
                let mut error = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests. Retry after the time given.",
                );
                error.retry_after = Some(wait.max(1));
                return state.decision(Outcome::Respond(error));
            }
            if !state.fires() {
                continue;
            }
            let rule = &state.rule.view;
            let outcome = match (rule.action, rule.status) {
                (FaultAction::Drop, _) => Outcome::Drop,
                (FaultAction::Stall, _) => Outcome::Stall,
                (FaultAction::Respond, None) => Outcome::Handler,
                (FaultAction::Respond, Some(status)) => {
                    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                    let message = rule
                        .message
                        .clone()
                        .unwrap_or_else(|| crate::error::default_message(status).to_string());
                    let mut error = ApiError::new(status, message);
                    error.retry_after = rule.retry_after;
                    Outcome::Respond(error)
                }
            };
            if let (true, Some(seconds)) = (rule.enforce_retry_after, rule.retry_after) {
                state.not_before = Some(now + Duration::from_secs(seconds));
            }
            return state.decision(outcome);
        }
        Decision::pass()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_stands_for_any_characters() {
        assert!(path_matches("/v1/people/*", "/v1/people/me"));
        assert!(path_matches("/v1/people/*", "/v1/people/a/b"));
        assert!(!path_matches("/v1/people/*", "/v1/people"));
        assert!(path_matches("/v1/people", "/v1/people"));
        assert!(!path_matches("/v1/people", "/v1/people/me"));
        assert!(path_matches("/v1/*/me", "/v1/people/me"));
        assert!(!path_matches("/v1/*/me", "/v1/people/you"));
        assert!(path_matches("*", "/anything"));
        assert!(path_matches("/a*a", "/aa"));
        assert!(!path_matches("/a*a*a", "/aa"));
    }

    fn fired_sequence(spec: FaultSpec, requests: usize) -> Vec<bool> {
        let faults = Faults::default();
        faults.add(check(spec, None).unwrap());
        let target = Target {
            method: &Method::GET,
            path: "/v1/people/me",
            person: None,
            token: None,
        };
        (0..requests)
            .map(|_| faults.decide(&target, Instant::now()).fault_id.is_some())
            .collect()
    }

    #[test]
    fn skip_and_times_pick_the_requests_that_fire() {
        let spec = FaultSpec {
            status: Some(503),
            skip: Some(2),
            times: Some(1),
            ..FaultSpec::default()
        };
        assert_eq!(fired_sequence(spec, 5), [false, false, true, false, false]);
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let spec = |seed| FaultSpec {
            status: Some(500),
            probability: Some(0.5),
            seed: Some(seed),
            ..FaultSpec::default()
        };
        let first = fired_sequence(spec(42), 64);
        assert_eq!(first, fired_sequence(spec(42), 64));
        assert_ne!(first, fired_sequence(spec(43), 64));
        let fired = first.iter().filter(|f| **f).count();
        assert!((16..=48).contains(&fired), "{fired} of 64");
    }
}

//! The request journal: the last N requests the API served on this node, oldest first.
//! It never holds a token, only the token's id and its person's.
//!
//! Recording runs on every API request while controls are on, so it does as little as it
//! can: a request is kept as it was seen (times as integers, the method as `http::Method`,
//! ids as UUIDs, path, query and tracking id as bytes) in a ring of slots that are
//! overwritten in place, their text buffers reused, under a lock held only for those copies.
//! Everything `GET /requests` shows (RFC 3339 times, Webex person ids, milliseconds) is
//! made when it is read.

use axum::http::Method;
use roster_types::id::{encode_uuid, IdKind};
use roster_types::time::format_millis;
use serde::Serialize;
use std::sync::Mutex;
use std::time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

// One request as `GET /requests` shows it. (Not a doc comment, which would add a description
// to the schema in the control API's OpenAPI document.)
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When the request arrived (RFC 3339, the server's clock).
    pub time: String,
    pub method: String,
    pub path: String,
    /// The query string, without the `?`.
    pub query: Option<String>,
    /// The id of the person whose token the request carried.
    pub person_id: Option<String>,
    pub token_id: Option<String>,
    /// The status answered; absent for a dropped or stalled connection.
    pub status: Option<u16>,
    pub tracking_id: Option<String>,
    pub duration_ms: f64,
    /// The fault rule that answered, if one did.
    pub fault_id: Option<String>,
}

/// A request to record, borrowed from the request and its response.
pub struct Request<'r> {
    /// When it arrived, in milliseconds since the epoch (the server's clock).
    pub at_millis: i64,
    pub duration: Duration,
    pub method: &'r Method,
    pub path: &'r str,
    pub query: Option<&'r str>,
    /// The person whose token it carried, and the token's id.
    pub person: Option<Uuid>,
    pub token: Option<Uuid>,
    pub status: Option<u16>,
    /// The `TrackingID` header answered, as sent.
    pub tracking_id: Option<&'r [u8]>,
    pub fault_id: Option<String>,
}

/// A recorded request: a slot of the ring.
#[derive(Debug)]
struct Record {
    at_millis: i64,
    duration: Duration,
    method: Method,
    /// The path, then the query (without the `?`) when there is one.
    target: String,
    path_len: usize,
    has_query: bool,
    person: Option<Uuid>,
    token: Option<Uuid>,
    status: Option<u16>,
    tracking_id: Vec<u8>,
    has_tracking_id: bool,
    fault_id: Option<String>,
}

/// A slot's text buffer longer than this is not kept for a much shorter text, so that one
/// long request target does not hold its memory in the ring for good.
const KEPT_CAPACITY: usize = 256;

/// Whether a buffer of `capacity` bytes is too large to keep for `len` bytes.
fn too_large(capacity: usize, len: usize) -> bool {
    capacity > KEPT_CAPACITY && capacity > 4 * len
}

impl Record {
    fn new(request: Request) -> Self {
        let mut record = Record {
            at_millis: 0,
            duration: Duration::ZERO,
            method: Method::GET,
            target: String::new(),
            path_len: 0,
            has_query: false,
            person: None,
            token: None,
            status: None,
            tracking_id: Vec::new(),
            has_tracking_id: false,
            fault_id: None,
        };
        record.set(request);
        record
    }

    /// Overwrites this record with `request`, keeping its buffers.
    fn set(&mut self, request: Request) {
        self.at_millis = request.at_millis;
        self.duration = request.duration;
        self.method = request.method.clone();
        let query = request.query.unwrap_or_default();
        let len = request.path.len() + query.len();
        if too_large(self.target.capacity(), len) {
            self.target = String::with_capacity(len);
        }
        self.target.clear();
        self.target.push_str(request.path);
        self.target.push_str(query);
        self.path_len = request.path.len();
        self.has_query = request.query.is_some();
        self.person = request.person;
        self.token = request.token;
        self.status = request.status;
        let tracking_id = request.tracking_id.unwrap_or_default();
        if too_large(self.tracking_id.capacity(), tracking_id.len()) {
            self.tracking_id = Vec::with_capacity(tracking_id.len());
        }
        self.tracking_id.clear();
        self.tracking_id.extend_from_slice(tracking_id);
        self.has_tracking_id = request.tracking_id.is_some();
        self.fault_id = request.fault_id;
    }

    fn path(&self) -> &str {
        &self.target[..self.path_len]
    }

    fn query(&self) -> Option<&str> {
        self.has_query.then(|| &self.target[self.path_len..])
    }

    /// The tracking id, if it was sent and is text (`HeaderValue::to_str`'s rule: visible
    /// ASCII and tabs).
    fn tracking_id(&self) -> Option<&str> {
        let bytes = &self.tracking_id[..];
        if !self.has_tracking_id || !bytes.iter().all(|&b| b == b'\t' || (32..127).contains(&b)) {
            return None;
        }
        std::str::from_utf8(bytes).ok()
    }

    fn entry(&self) -> JournalEntry {
        JournalEntry {
            time: format_millis(self.at_millis),
            method: self.method.as_str().to_string(),
            path: self.path().to_string(),
            query: self.query().map(str::to_string),
            person_id: self.person.map(|p| encode_uuid(IdKind::People, &p)),
            token_id: self.token.map(|t| t.to_string()),
            status: self.status,
            tracking_id: self.tracking_id().map(str::to_string),
            duration_ms: self.duration.as_secs_f64() * 1000.0,
            fault_id: self.fault_id.clone(),
        }
    }
}

/// What `GET /requests` filters on.
#[derive(Debug, Default)]
pub struct JournalFilter {
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    pub person: Option<Uuid>,
    pub status: Option<u16>,
    pub since_millis: Option<i64>,
}

impl JournalFilter {
    fn keeps(&self, record: &Record) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(record.method.as_str()))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| record.path().starts_with(p))
            && self.person.is_none_or(|p| record.person == Some(p))
            && self.status.is_none_or(|s| record.status == Some(s))
            && self.since_millis.is_none_or(|t| record.at_millis >= t)
    }
}

/// A ring of at most `capacity` records. Slots are allocated as the ring first fills and
/// then overwritten in place, oldest first; emptying it keeps them for reuse.
#[derive(Debug)]
struct Ring {
    capacity: usize,
    slots: Vec<Record>,
    /// The slot of the oldest record.
    start: usize,
    /// Records held, from `start` on (wrapping).
    len: usize,
}

impl Ring {
    fn push(&mut self, request: Request) {
        if self.capacity == 0 {
            return;
        }
        let mut at = self.start + self.len;
        if at >= self.capacity {
            at -= self.capacity;
        }
        if self.len == self.capacity {
            // Full: the oldest goes.
            self.start = if at + 1 == self.capacity { 0 } else { at + 1 };
        } else {
            self.len += 1;
        }
        // Slots are written in order from 0 until the ring is first full (and again after
        // `clear`), so `at` is a slot or the next one to allocate.
        match self.slots.get_mut(at) {
            Some(slot) => slot.set(request),
            None => self.slots.push(Record::new(request)),
        }
    }

    /// The records, oldest first.
    fn iter(&self) -> impl Iterator<Item = &Record> {
        let (wrapped, first) = self.slots.split_at(self.start.min(self.slots.len()));
        first.iter().chain(wrapped).take(self.len)
    }

    fn clear(&mut self) {
        self.start = 0;
        self.len = 0;
    }
}

/// The journal of one node.
pub struct Journal {
    ring: Mutex<Ring>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Journal {
            ring: Mutex::new(Ring {
                capacity,
                slots: Vec::with_capacity(capacity.min(1024)),
                start: 0,
                len: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, request: Request) {
        self.lock().push(request);
    }

    /// The entries `filter` keeps, oldest first.
    pub fn list(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        self.lock()
            .iter()
            .filter(|r| filter.keeps(r))
            .map(Record::entry)
            .collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> Request<'_> {
        Request {
            at_millis: 0,
            duration: Duration::ZERO,
            method: &Method::GET,
            path,
            query: None,
            person: None,
            token: None,
            status: Some(200),
            tracking_id: None,
            fault_id: None,
        }
    }

    fn paths(journal: &Journal) -> Vec<String> {
        journal
            .list(&JournalFilter::default())
            .into_iter()
            .map(|e| e.path)
            .collect()
    }

    #[test]
    fn keeps_the_last_entries_oldest_first() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(request(path));
        }
        assert_eq!(paths(&journal), ["/b", "/c"]);
    }

    #[test]
    fn wraps_around_any_number_of_times_in_order_and_within_its_size() {
        for capacity in [1, 2, 3, 5, 8] {
            let journal = Journal::new(capacity);
            let mut all = Vec::new();
            for i in 0..(capacity * 3 + 2) {
                let path = format!("/{i}");
                journal.record(request(&path));
                all.push(path);
                let kept = &all[all.len().saturating_sub(capacity)..];
                assert_eq!(paths(&journal), kept, "capacity {capacity}, after {i}");
            }
            let ring = journal.lock();
            assert_eq!(ring.slots.len(), capacity, "slots are reused, not added");
        }
    }

    #[test]
    fn a_size_of_zero_keeps_nothing() {
        let journal = Journal::new(0);
        journal.record(request("/a"));
        assert!(paths(&journal).is_empty());
    }

    #[test]
    fn clearing_empties_it_and_it_fills_again_in_order() {
        let journal = Journal::new(3);
        for path in ["/a", "/b", "/c", "/d"] {
            journal.record(request(path));
        }
        journal.clear();
        assert!(paths(&journal).is_empty());
        journal.record(request("/e"));
        assert_eq!(paths(&journal), ["/e"]);
        for path in ["/f", "/g", "/h"] {
            journal.record(request(path));
        }
        assert_eq!(paths(&journal), ["/f", "/g", "/h"]);
        assert_eq!(journal.lock().slots.len(), 3);
    }

    #[test]
    fn an_overwritten_slot_shows_only_the_new_request() {
        let journal = Journal::new(1);
        let person = Uuid::new_v4();
        let token = Uuid::new_v4();
        let method = Method::from_bytes(b"PURGE").unwrap();
        journal.record(Request {
            at_millis: 1_445_178_376_028,
            duration: Duration::from_micros(1500),
            method: &method,
            path: "/v1/people/a-long-path-that-is-longer-than-the-next-one",
            query: Some("displayName=Ada&max=5"),
            person: Some(person),
            token: Some(token),
            status: Some(503),
            tracking_id: Some(b"ROSTER_1234"),
            fault_id: Some("rule".into()),
        });
        let first = journal.list(&JournalFilter::default());
        assert_eq!(first.len(), 1);
        let first = &first[0];
        assert_eq!(first.time, "2015-10-18T14:26:16.028Z");
        assert_eq!(first.method, "PURGE");
        assert_eq!(first.query.as_deref(), Some("displayName=Ada&max=5"));
        assert_eq!(first.person_id, Some(encode_uuid(IdKind::People, &person)));
        assert_eq!(first.token_id, Some(token.to_string()));
        assert_eq!(first.status, Some(503));
        assert_eq!(first.tracking_id.as_deref(), Some("ROSTER_1234"));
        assert_eq!(first.duration_ms, 1.5);
        assert_eq!(first.fault_id.as_deref(), Some("rule"));

        journal.record(Request {
            query: Some(""),
            ..request("/me")
        });
        let second = &journal.list(&JournalFilter::default())[0];
        assert_eq!(second.method, "GET");
        assert_eq!(second.path, "/me");
        assert_eq!(second.query.as_deref(), Some(""), "an empty query is kept");
        assert_eq!(second.person_id, None);
        assert_eq!(second.token_id, None);
        assert_eq!(second.tracking_id, None);
        assert_eq!(second.fault_id, None);
        assert_eq!(second.duration_ms, 0.0);
    }

    #[test]
    fn a_long_target_does_not_keep_its_buffer() {
        let journal = Journal::new(1);
        let long = format!("/{}", "x".repeat(4096));
        journal.record(request(&long));
        journal.record(request("/a"));
        let ring = journal.lock();
        assert!(ring.slots[0].target.capacity() <= KEPT_CAPACITY);
        assert_eq!(ring.slots[0].path(), "/a");
    }

    #[test]
    fn filters_pick_entries_by_method_path_person_status_and_time() {
        let journal = Journal::new(10);
        let ada = Uuid::new_v4();
        journal.record(Request {
            at_millis: 1_000,
            person: Some(ada),
            ..request("/v1/people/me")
        });
        journal.record(Request {
            at_millis: 2_000,
            method: &Method::POST,
            status: Some(400),
            ..request("/v1/people")
        });
        let count = |filter: JournalFilter| journal.list(&filter).len();
        assert_eq!(
            count(JournalFilter {
                method: Some("post".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(JournalFilter {
                path_prefix: Some("/v1/people/".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(JournalFilter {
                person: Some(ada),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(JournalFilter {
                status: Some(200),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(JournalFilter {
                since_millis: Some(1_500),
                ..Default::default()
            }),
            1
        );
    }

    #[test]
    fn a_tracking_id_that_is_not_text_is_not_shown() {
        let journal = Journal::new(1);
        journal.record(Request {
            tracking_id: Some(b"caf\xc3\xa9"),
            ..request("/a")
        });
        assert_eq!(journal.list(&JournalFilter::default())[0].tracking_id, None);
    }
}

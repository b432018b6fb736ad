//! The request journal: the last N requests the API served on this node, oldest first.
//! It never holds a token, only the token's id and its person's.
//!
//! Recording runs on every API request while controls are on, so it does as little as it
//! can: a request is kept as it was seen (times as integers, the method as `http::Method`,
//! ids as UUIDs, path, query and tracking id as bytes, in the slot itself when short) in a
//! ring of slots that are overwritten in place, under a lock held only for those copies.
//! Everything `GET /requests` shows (RFC 3339 times, Webex person ids, milliseconds) is
//! made when it is read.

use axum::http::{Method, StatusCode, Uri};
use roster_types::control::JournalEntry;
use roster_types::id::{encode_uuid, IdKind};
use roster_types::time::{format_millis, ClockReading};
use smallvec::SmallVec;
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;

/// A request's path and query, copied out of its URI when it arrives (the request itself goes
/// to its handler), kept until the journal records it, then in the journal's slot.
///
/// Up to [`TARGET_INLINE`] bytes are held in the value itself, which covers nearly every
/// Webex path (`/v1/people/{personId}` is about 100 bytes): copying them costs less than
/// cloning the URI, whose shared buffer's count is an atomic that hyper's own clones of the
/// same buffer contend for, and recording them writes to the slot alone rather than to a
/// buffer elsewhere on the heap (the slot of a full ring is cold in the cache already).
#[derive(Debug, Default)]
pub struct Target {
    /// The path, then `?` and the query when there is one.
    text: SmallVec<[u8; TARGET_INLINE]>,
    path_len: usize,
    has_query: bool,
}

/// See [`Target`]: room for `/v1/people/{personId}` (91 bytes) and a short query.
const TARGET_INLINE: usize = 104;

impl Target {
    pub fn of(uri: &Uri) -> Target {
        let path = uri.path();
        // The path and query as one slice, `?` included, when the URI has them (a request
        // target in origin form always does; `path()` is `/` otherwise).
        let text = match uri.path_and_query() {
            Some(target) if target.as_str().starts_with(path) => target.as_str(),
            _ => path,
        };
        Target {
            text: SmallVec::from_slice(text.as_bytes()),
            path_len: path.len(),
            has_query: text.len() > path.len(),
        }
    }

    pub fn path(&self) -> &str {
        copied_text(&self.text[..self.path_len])
    }

    /// The query, without the `?`.
    pub fn query(&self) -> Option<&str> {
        self.has_query
            .then(|| copied_text(&self.text[self.path_len + 1..]))
    }
}

/// Text the journal copied from a `&str`, split only at ASCII characters: always UTF-8.
fn copied_text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// A tracking id, in place when it is no longer than [`TRACKING_ID_INLINE`] bytes (Roster's
/// own are 43, the SDKs' about 50; a client may send up to 128).
type TrackingId = SmallVec<[u8; TRACKING_ID_INLINE]>;

const TRACKING_ID_INLINE: usize = 56;

/// A request as the journal keeps it. It is made in the request's own future when the
/// request arrives, completed when it ends, and then swapped with the oldest slot of the
/// ring: recording moves no more than one record, under the lock, and the overwritten one
/// is freed by the request after the lock is released. Its texts are held in the record
/// itself when short (see [`Target`]).
#[derive(Debug, Default)]
pub struct Record {
    /// When it arrived, by the server's clock (`None` only in an unused default).
    arrived: Option<ClockReading>,
    duration: Duration,
    method: Method,
    target: Target,
    /// The person whose token it carried, and the token's id.
    person: Option<Uuid>,
    token: Option<Uuid>,
    /// Absent for a request not answered (dropped, stalled, abandoned).
    status: Option<u16>,
    /// The `TrackingID` header answered.
    tracking_id: Option<TrackingId>,
    /// The fault rule that answered, if one did.
    fault_id: Option<String>,
}

impl Record {
    /// A request that has just arrived, and the fault rule that took it, if one did.
    pub fn arrived(
        arrived: ClockReading,
        method: &Method,
        target: Target,
        person: Option<Uuid>,
        token: Option<Uuid>,
        fault_id: Option<String>,
    ) -> Self {
        Record {
            arrived: Some(arrived),
            duration: Duration::ZERO,
            method: method.clone(),
            target,
            person,
            token,
            status: None,
            tracking_id: None,
            fault_id,
        }
    }

    /// How the request ended: its duration, and its answer if it had one.
    pub fn ended(&mut self, duration: Duration, answer: Option<(StatusCode, &str)>) {
        self.duration = duration;
        if let Some((status, tracking_id)) = answer {
            self.status = Some(status.as_u16());
            self.tracking_id = Some(TrackingId::from_slice(tracking_id.as_bytes()));
        }
    }

    fn path(&self) -> &str {
        self.target.path()
    }

    fn tracking_id(&self) -> Option<&str> {
        self.tracking_id.as_deref().map(copied_text)
    }

    /// When it arrived, in milliseconds since the epoch.
    fn at_millis(&self) -> i64 {
        self.arrived.map_or(0, |arrived| arrived.millis())
    }

    /// The entry `GET /requests` shows, for a record that arrived at `at_millis`.
    fn entry(&self, at_millis: i64) -> JournalEntry {
        JournalEntry {
            time: format_millis(at_millis),
            method: self.method.as_str().to_string(),
            path: self.path().to_string(),
            query: self.target.query().map(str::to_string),
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
    /// Whether to show `record`, which arrived at `at_millis`.
    fn keeps(&self, record: &Record, at_millis: i64) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(record.method.as_str()))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| record.path().starts_with(p))
            && self.person.is_none_or(|p| record.person == Some(p))
            && self.status.is_none_or(|s| record.status == Some(s))
            && self.since_millis.is_none_or(|t| at_millis >= t)
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
    /// Puts `record` in the ring, leaving in its place the record it overwrote, if any.
    fn push(&mut self, record: &mut Record) {
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
            Some(slot) => std::mem::swap(slot, record),
            None => self.slots.push(std::mem::take(record)),
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

    /// Records `record`, which is left holding the record it overwrote (or a default), to
    /// be dropped by the caller outside the lock.
    pub fn record(&self, record: &mut Record) {
        self.lock().push(record);
    }

    /// The entries `filter` keeps, oldest first.
    pub fn list(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        self.lock()
            .iter()
            .filter_map(|record| {
                let at_millis = record.at_millis();
                filter
                    .keeps(record, at_millis)
                    .then(|| record.entry(at_millis))
            })
            .collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::time::Clock;
    use std::time::Instant;

    /// A GET of `target` (a path with or without a query), answered 200 at once.
    fn request(target: &str) -> Record {
        request_at(&Clock::system(), target)
    }

    fn request_at(clock: &Clock, target: &str) -> Record {
        Record {
            status: Some(200),
            ..Record::arrived(
                clock.reading_at(Instant::now()),
                &Method::GET,
                Target::of(&target.parse().unwrap()),
                None,
                None,
                None,
            )
        }
    }

    fn tracking_id(id: &str) -> Option<TrackingId> {
        Some(TrackingId::from_slice(id.as_bytes()))
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
            journal.record(&mut request(path));
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
                journal.record(&mut request(&path));
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
        journal.record(&mut request("/a"));
        assert!(paths(&journal).is_empty());
    }

    #[test]
    fn clearing_empties_it_and_it_fills_again_in_order() {
        let journal = Journal::new(3);
        for path in ["/a", "/b", "/c", "/d"] {
            journal.record(&mut request(path));
        }
        journal.clear();
        assert!(paths(&journal).is_empty());
        journal.record(&mut request("/e"));
        assert_eq!(paths(&journal), ["/e"]);
        for path in ["/f", "/g", "/h"] {
            journal.record(&mut request(path));
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
        let clock = Clock::system();
        clock.set(1_445_178_376_028);
        let mut record = Record::arrived(
            clock.reading_at(Instant::now()),
            &method,
            Target::of(
                &"/v1/people/a-long-path-that-is-longer-than-the-next-one?displayName=Ada&max=5"
                    .parse()
                    .unwrap(),
            ),
            Some(person),
            Some(token),
            Some("rule".into()),
        );
        record.ended(
            Duration::from_micros(1500),
            Some((StatusCode::SERVICE_UNAVAILABLE, "ROSTER_1234")),
        );
        journal.record(&mut record);
        let first = journal.list(&JournalFilter::default());
        assert_eq!(first.len(), 1);
        let first = &first[0];
        assert!(
            first.time.starts_with("2015-10-18T14:26:16."),
            "{}, the clock's time when it arrived",
            first.time
        );
        assert_eq!(first.method, "PURGE");
        assert_eq!(
            first.path,
            "/v1/people/a-long-path-that-is-longer-than-the-next-one"
        );
        assert_eq!(first.query.as_deref(), Some("displayName=Ada&max=5"));
        assert_eq!(first.person_id, Some(encode_uuid(IdKind::People, &person)));
        assert_eq!(first.token_id, Some(token.to_string()));
        assert_eq!(first.status, Some(503));
        assert_eq!(first.tracking_id.as_deref(), Some("ROSTER_1234"));
        assert_eq!(first.duration_ms, 1.5);
        assert_eq!(first.fault_id.as_deref(), Some("rule"));

        let mut unanswered = Record {
            status: None,
            ..request("/me?")
        };
        journal.record(&mut unanswered);
        assert_eq!(
            unanswered.path(),
            "/v1/people/a-long-path-that-is-longer-than-the-next-one",
            "the caller is left with the record it overwrote"
        );
        let second = &journal.list(&JournalFilter::default())[0];
        assert_eq!(second.method, "GET");
        assert_eq!(second.path, "/me");
        assert_eq!(second.query.as_deref(), Some(""), "an empty query is kept");
        assert_eq!(second.person_id, None);
        assert_eq!(second.token_id, None);
        assert_eq!(second.tracking_id, None);
        assert_eq!(second.fault_id, None);
        assert_eq!(second.status, None);
        assert_eq!(second.duration_ms, 0.0);
    }

    #[test]
    fn long_texts_are_kept_whole_and_their_memory_goes_when_overwritten() {
        let journal = Journal::new(1);
        let long = format!("/{}?{}", "x".repeat(4096), "q".repeat(300));
        let tracking_id = "t".repeat(128);
        journal.record(&mut Record {
            tracking_id: self::tracking_id(&tracking_id),
            ..request(&long)
        });
        let entry = &journal.list(&JournalFilter::default())[0];
        assert_eq!(entry.path.len(), 4097);
        assert_eq!(entry.query.as_deref(), Some(&*"q".repeat(300)));
        assert_eq!(entry.tracking_id.as_deref(), Some(&*tracking_id));

        let mut short = Record {
            tracking_id: self::tracking_id("ROSTER_1"),
            ..request("/a")
        };
        journal.record(&mut short);
        assert!(
            short.target.text.spilled(),
            "the long one is handed back, to be freed"
        );
        let ring = journal.lock();
        assert!(!ring.slots[0].target.text.spilled());
        assert!(!ring.slots[0].tracking_id.as_ref().unwrap().spilled());
        assert_eq!(ring.slots[0].path(), "/a");
    }

    #[test]
    fn webex_paths_and_tracking_ids_fit_in_the_slot() {
        let id = encode_uuid(IdKind::People, &Uuid::new_v4());
        let target = Target::of(&format!("/v1/people/{id}").parse().unwrap());
        assert!(!target.text.spilled(), "{} bytes", target.text.len());
        let tracking_id = crate::tracking::new_tracking_id();
        assert!(tracking_id.len() <= TRACKING_ID_INLINE);
    }

    #[test]
    fn filters_pick_entries_by_method_path_person_status_and_time() {
        let journal = Journal::new(10);
        let ada = Uuid::new_v4();
        let clock = Clock::system();
        clock.set(1_000_000);
        journal.record(&mut Record {
            person: Some(ada),
            ..request_at(&clock, "/v1/people/me")
        });
        clock.set(2_000_000);
        journal.record(&mut Record {
            method: Method::POST,
            status: Some(400),
            ..request_at(&clock, "/v1/people")
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
                since_millis: Some(1_500_000),
                ..Default::default()
            }),
            1
        );
    }
}

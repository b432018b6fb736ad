//! Serialised person views, rendered once per version of a record and reused.
//!
//! `GET /v1/people/me` and `GET /v1/people/{personId}` are the hot reads. What they show
//! depends on the record, on the [`Visibility`] `view.rs` decides for the caller, and on
//! two live values, `lastActivity` and `status`. So the body is serialised once per
//! (record version, visibility) and kept as byte segments around those values, which are
//! spliced in on each request. The render itself is an ordinary
//! [`project`] and serde, so the rules stay in `view.rs` and the bytes are serde's.

use crate::error::ApiError;
use crate::view::{last_activity, presence, project, Live, Visibility};
use crate::wire::json_bytes_response;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use roster_store::PersonRecord;
use roster_types::time::format_millis;
use std::sync::Arc;
use uuid::Uuid;

/// At most this many bytes of rendered views are kept.
const RENDER_BYTES: u64 = 16 * 1024 * 1024;

/// The bytes of renders a cache of `capacity` entries keeps: 2 KiB an entry (a person's
/// view is about 1 KiB), at most [`RENDER_BYTES`]. Bounded by the capacity too, so that a
/// small `--cache-capacity` keeps a small cache of renders as it does of everything else
/// (with the fixed 16 MiB, a server asked for 2,000 entries still grew by 16 MiB as updated
/// people's views piled up, which the soak saw as memory climbing for minutes).
fn render_bytes(capacity: usize) -> u64 {
    RENDER_BYTES.min(capacity as u64 * 2048)
}

/// The renders kept, bounded by their bytes. Entries need no invalidation: a render is
/// used only for the very record (`Arc`) it was made from, and a changed or reloaded record
/// is a different `Arc`.
#[derive(Clone)]
pub struct Renders(Arc<Cache<RenderKey, Arc<Render>, RenderWeight>>);

/// What a render depends on besides the record's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RenderKey {
    person: Uuid,
    visibility: Visibility,
    /// Whether any activity is known: it decides `invitePending` and whether `lastActivity`
    /// is present at all.
    active: bool,
}

/// Rendered bodies are bounded by bytes, not entries.
#[derive(Clone)]
struct RenderWeight;

impl Weighter<RenderKey, Arc<Render>> for RenderWeight {
    fn weight(&self, _key: &RenderKey, render: &Arc<Render>) -> u64 {
        u64::from(render.weight())
    }
}

impl Renders {
    /// Room for about `capacity` renders, within [`render_bytes`] of it.
    pub fn new(capacity: usize) -> Self {
        Renders(Arc::new(Cache::with_weighter(
            capacity.min(16_384),
            render_bytes(capacity),
            RenderWeight,
        )))
    }

    /// The view of `record` with `visibility` at `live`, as a `200` JSON response.
    pub fn respond(
        &self,
        record: &Arc<PersonRecord>,
        visibility: Visibility,
        live: &Live,
    ) -> Response {
        let mut body = Vec::new();
        self.write(&mut body, record, visibility, live);
        json_bytes_response(StatusCode::OK, body)
    }

    /// A page of people as the JSON of a `PersonList`: each item the view of its record
    /// with its visibility at its live values, then `notFoundIds` when given. Byte for byte
    /// what serde makes of the same `PersonList` (a test checks it), from cached renders.
    pub fn page<'r>(
        &self,
        items: impl ExactSizeIterator<Item = (&'r Arc<PersonRecord>, Visibility, Live)>,
        not_found_ids: Option<&[String]>,
    ) -> Response {
        let mut body = Vec::with_capacity(items.len() * 640 + 32);
        body.extend_from_slice(b"{\"items\":[");
        for (i, (record, visibility, live)) in items.enumerate() {
            if i > 0 {
                body.push(b',');
            }
            self.write(&mut body, record, visibility, &live);
        }
        body.push(b']');
        if let Some(ids) = not_found_ids {
            body.extend_from_slice(b",\"notFoundIds\":");
            if serde_json::to_writer(&mut body, ids).is_err() {
                return ApiError::internal().into_response();
            }
        }
        body.push(b'}');
        json_bytes_response(StatusCode::OK, body)
    }

    /// Appends the view of `record` with `visibility` at `live` to `body`.
    fn write(
        &self,
        body: &mut Vec<u8>,
        record: &Arc<PersonRecord>,
        visibility: Visibility,
        live: &Live,
    ) {
        let key = RenderKey {
            person: record.id,
            visibility,
            active: last_activity(record, live).is_some(),
        };
        match self.0.get(&key) {
            // A reloaded record is a different `Arc`, so an old render is never served for it.
            Some(render) if Arc::ptr_eq(&render.record, record) => render.write(body, live),
            _ => match Render::new(record, visibility, live) {
                Some(render) => {
                    render.write(body, live);
                    self.0.insert(key, Arc::new(render));
                }
                // Cannot happen with serde's output; write the plain view rather than fail.
                None => {
                    let _ = serde_json::to_writer(body, &project(record, visibility, live));
                }
            },
        }
    }

    /// Forgets every render (memory only: none of them could be served wrongly).
    pub fn clear(&self) {
        self.0.clear();
    }
}

/// A live value's place in a rendered body.
#[derive(Debug, Clone, Copy)]
enum Slot {
    LastActivity,
    Status,
}

/// One view of one record, serialised around its live values.
struct Render {
    /// The record this was rendered from.
    record: Arc<PersonRecord>,
    /// The body's bytes between the live values: one more segment than slots.
    segments: Vec<Vec<u8>>,
    slots: Vec<Slot>,
}

impl Render {
    /// Bytes held, for the cache's memory bound; the record is counted roughly.
    fn weight(&self) -> u32 {
        let bytes = self.segments.iter().map(Vec::len).sum::<usize>() + 512;
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }

    fn new(record: &Arc<PersonRecord>, visibility: Visibility, live: &Live) -> Option<Render> {
        let person = project(record, visibility, live);
        let body = serde_json::to_vec(&person).ok()?;
        // (where the value starts, its length, what it is), in body order. Keys with their
        // opening quote cannot occur inside a JSON string (its quotes are escaped), so these
        // positions are exact.
        let mut found = Vec::new();
        if let Some(value) = &person.last_activity {
            let start = find_value(&body, "lastActivity", value)?;
            found.push((start, value.len(), Slot::LastActivity));
        }
        if let Some(status) = person.status {
            let start = find_value(&body, "status", status.as_str())?;
            found.push((start, status.as_str().len(), Slot::Status));
        }
        found.sort_by_key(|(start, _, _)| *start);
        let mut segments = Vec::with_capacity(found.len() + 1);
        let mut slots = Vec::with_capacity(found.len());
        let mut at = 0;
        for (start, len, slot) in found {
            segments.push(body[at..start].to_vec());
            slots.push(slot);
            at = start + len;
        }
        segments.push(body[at..].to_vec());
        Some(Render {
            record: record.clone(),
            segments,
            slots,
        })
    }

    /// Appends the body at `live` to `body`.
    fn write(&self, body: &mut Vec<u8>, live: &Live) {
        let size = self.segments.iter().map(Vec::len).sum::<usize>() + 40;
        body.reserve(size);
        for (segment, slot) in self.segments.iter().zip(self.slots.iter()) {
            body.extend_from_slice(segment);
            match slot {
                Slot::LastActivity => {
                    let at = last_activity(&self.record, live).unwrap_or(live.now);
                    push_timestamp(body, at);
                }
                Slot::Status => {
                    body.extend_from_slice(presence(&self.record, live).as_str().as_bytes());
                }
            }
        }
        body.extend_from_slice(self.segments.last().map_or(&[][..], Vec::as_slice));
    }
}

/// Appends `millis` formatted as a wire timestamp. A caller's `lastActivity` is the time of
/// their request, so consecutive requests mostly share the millisecond: each thread keeps
/// its last formatting.
fn push_timestamp(body: &mut Vec<u8>, millis: i64) {
    use std::cell::RefCell;
    thread_local! {
        static LAST: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
    }
    LAST.with_borrow_mut(|(last, text)| {
        if *last != millis {
            *last = millis;
            *text = format_millis(millis);
        }
        body.extend_from_slice(text.as_bytes());
    });
}

/// Where the string value of `"key":"value"` starts in `body`.
fn find_value(body: &[u8], key: &str, value: &str) -> Option<usize> {
    let token = format!("\"{key}\":\"{value}\"");
    Some(find(body, token.as_bytes())? + key.len() + 4)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::tests::{record, NOW};

    fn body_bytes(response: Response) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec()
        })
    }

    /// Renders `people` new people's full views into `renders`; the bytes inserted.
    fn fill(renders: &Renders, people: usize) -> u64 {
        let visibility = Visibility {
            presence: true,
            admin_fields: true,
            roles: true,
            calling: true,
        };
        let live = Live {
            now: NOW,
            noted_activity: None,
        };
        let mut inserted = 0u64;
        for _ in 0..people {
            let person = Arc::new(record(Uuid::new_v4()));
            let render = Arc::new(Render::new(&person, visibility, &live).unwrap());
            inserted += u64::from(render.weight());
            let key = RenderKey {
                person: person.id,
                visibility,
                active: true,
            };
            renders.0.insert(key, render);
        }
        inserted
    }

    /// Rendered views are bounded by their bytes, whatever the number of people viewed.
    #[test]
    fn rendered_views_stay_within_their_byte_budget() {
        let renders = Renders::new(100_000);
        let inserted = fill(&renders, 40_000);
        assert!(inserted > 2 * RENDER_BYTES, "the test overfills it");
        assert!(renders.0.weight() <= RENDER_BYTES, "{}", renders.0.weight());
    }

    /// A small cache is small in bytes too: 1,000 entries hold at most 2 MiB of renders.
    #[test]
    fn a_small_capacity_bounds_the_render_bytes() {
        let renders = Renders::new(1_000);
        let inserted = fill(&renders, 10_000);
        assert!(inserted > 2 * render_bytes(1_000), "the test overfills it");
        assert!(
            renders.0.weight() <= render_bytes(1_000),
            "{}",
            renders.0.weight()
        );
        assert_eq!(render_bytes(1_000), 2_048_000);
        assert_eq!(render_bytes(100_000), RENDER_BYTES);
    }

    /// Whatever the visibility and the live values, a render reused later is byte for byte
    /// what serialising the view afresh gives, as long as its key still matches.
    #[test]
    fn a_reused_render_equals_a_fresh_serialisation() {
        let minute = 60 * 1000;
        for stored_activity in [None, Some(NOW - 20 * minute), Some(NOW - minute)] {
            for invite_pending in [false, true] {
                let mut person = record(Uuid::new_v4());
                person.last_activity = stored_activity;
                person.invite_pending = invite_pending;
                let person = Arc::new(person);
                for bits in 0..16u8 {
                    let visibility = Visibility {
                        presence: bits & 1 != 0,
                        admin_fields: bits & 2 != 0,
                        roles: bits & 4 != 0,
                        calling: bits & 8 != 0,
                    };
                    for noted in [None, Some(NOW)] {
                        let first = Live {
                            now: NOW,
                            noted_activity: noted,
                        };
                        let Some(render) = Render::new(&person, visibility, &first) else {
                            assert!(
                                visibility.presence && stored_activity.is_none() && noted.is_none()
                            );
                            continue;
                        };
                        for later in [0, 5 * minute, 30 * minute] {
                            let live = Live {
                                now: NOW + later,
                                noted_activity: noted.map(|at| at + later / 2),
                            };
                            let fresh =
                                serde_json::to_vec(&project(&person, visibility, &live)).unwrap();
                            let mut reused = Vec::new();
                            render.write(&mut reused, &live);
                            assert_eq!(reused, fresh, "{visibility:?} {live:?}");
                        }
                    }
                }
            }
        }
    }

    /// A page written from renders is byte for byte serde's `PersonList` of the same views,
    /// with and without `notFoundIds`, the first time (renders made) and the second (reused).
    #[test]
    fn a_page_from_renders_equals_serdes_person_list() {
        let renders = Renders::new(1_000);
        let org = Uuid::new_v4();
        let people: Vec<Arc<PersonRecord>> = (0..5)
            .map(|i| {
                let mut person = record(org);
                person.last_activity = (i % 2 == 0).then_some(NOW - i * 60_000);
                person.invite_pending = i == 3;
                Arc::new(person)
            })
            .collect();
        let visibility = |i: usize| Visibility {
            presence: i.is_multiple_of(2),
            admin_fields: i.is_multiple_of(3),
            roles: false,
            calling: i == 4,
        };
        let live = Live {
            now: NOW,
            noted_activity: None,
        };
        let not_found = vec!["Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ub2JvZHk".to_string()];
        for not_found_ids in [None, Some(not_found.clone()), Some(Vec::new())] {
            let expected = serde_json::to_vec(&roster_types::PersonList {
                items: people
                    .iter()
                    .enumerate()
                    .map(|(i, p)| project(p, visibility(i), &live))
                    .collect(),
                not_found_ids: not_found_ids.clone(),
            })
            .unwrap();
            for _ in 0..2 {
                let items = people
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, visibility(i), live));
                let page = renders.page(items, not_found_ids.as_deref());
                assert_eq!(body_bytes(page), expected);
            }
        }
        let empty = renders.page(std::iter::empty(), None);
        assert_eq!(body_bytes(empty), br#"{"items":[]}"#);
    }
}

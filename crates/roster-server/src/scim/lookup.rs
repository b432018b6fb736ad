//! The look-ups identity providers make on every sync, served the way People serves its hot
//! reads: `userName eq "..."` (and `emails.value eq "..."`) from the email and people caches,
//! without the database once warm, and `userName sw "..."` from the email index, with each
//! user's record and body taken from a cache that holds them per version.
//!
//! Only filters that mean exactly what the store's SQL means take these paths ([`Lookup`]);
//! everything else is answered by the store's general list (`users.rs`). Either way the
//! answer is the same bytes (tests compare them).
//!
//! Coherence: a cached user is used only at the version (`last_modified`) the request
//! found, from the people cache (which this process's writes and the change feed keep
//! current) or from the email index. Every write of a person or of their SCIM attributes
//! moves that version, except an import's attributes, which the change feed announces.

use super::error::ScimError;
use super::user::user_json;
use super::{list_response, respond, respond_bytes, ListParams, ScimContext};
use crate::cache::missing_from_page;
use crate::error::ApiError;
use crate::metrics::CacheName;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use roster_store::scim::filter::{AttrPath, CompareOp, Filter, Literal};
use roster_store::scim::{ScimSort, ScimUserRecord};
use roster_store::{email_key, PersonVersion, StoreResult};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The most users a `userName sw` page is chosen from here; a prefix that more people share
/// goes to the general list.
pub const PREFIX_LIMIT: usize = 1000;

/// The core User schema as filters name it (lowercased, as the parser keeps URNs).
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:user";

/// A filter these paths answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'f> {
    /// The user holding the email whose key is `key`: as the first email (`userName eq`)
    /// or as any (`emails.value eq`).
    Email { key: String, first_only: bool },
    /// `userName sw "prefix"`.
    UserNamePrefix(&'f str),
}

impl<'f> Lookup<'f> {
    /// What `filter` asks, when it is one of these look-ups. `userName` is compared by
    /// email key (trimmed, lowercased) as the store does; `emails.value` by the lowercased
    /// value alone, so a value with surrounding spaces (which no key has) is left to the
    /// store.
    pub fn of(filter: &'f Filter) -> Option<Lookup<'f>> {
        let Filter::Compare(path, op, Literal::String(value)) = filter else {
            return None;
        };
        if path.urn.as_deref().is_some_and(|urn| urn != CORE_USER) {
            return None;
        }
        match (op, path) {
            (
                CompareOp::Eq,
                AttrPath {
                    attr, sub: None, ..
                },
            ) if attr == "username" => Some(Lookup::Email {
                key: email_key(value),
                first_only: true,
            }),
            (CompareOp::Eq, AttrPath { attr, sub, .. })
                if attr == "emails"
                    && matches!(sub.as_deref(), None | Some("value"))
                    && value.trim() == value =>
            {
                Some(Lookup::Email {
                    key: value.to_lowercase(),
                    first_only: false,
                })
            }
            (
                CompareOp::Sw,
                AttrPath {
                    attr, sub: None, ..
                },
            ) if attr == "username" => Some(Lookup::UserNamePrefix(value)),
            _ => None,
        }
    }
}

/// `GET /Users` for the look-ups above; `None` for any other list.
pub async fn list(
    state: &AppState,
    context: &ScimContext,
    params: &ListParams,
) -> Result<Option<Response>, ScimError> {
    let query = &params.query;
    let Some(lookup) = query.filter.as_ref().and_then(Lookup::of) else {
        return Ok(None);
    };
    let (total, page) = match lookup {
        Lookup::Email { key, first_only } => {
            let found = match state.caches.person_by_email(&key).await? {
                Some(person) => {
                    let version = PersonVersion {
                        id: person.id,
                        last_modified: person.last_modified,
                    };
                    users_at(state, context, &[version]).await?
                }
                None => Vec::new(),
            };
            // Checked on the record used, which may be newer than the one the email led to.
            let found: Vec<_> = found
                .into_iter()
                .filter(|entry| {
                    let person = &entry.user.person;
                    person.org_id == query.org_id
                        && match first_only {
                            true => person.emails.first().is_some_and(|e| email_key(e) == key),
                            false => person.emails.iter().any(|e| email_key(e) == key),
                        }
                })
                .collect();
            // At most one user, so any order is the order asked for.
            let total = found.len();
            let page = found
                .into_iter()
                .skip(offset(query.start_index))
                .take(query.count as usize)
                .collect();
            (total, page)
        }
        // Ordered by creation in the store; other orders go to the general list.
        Lookup::UserNamePrefix(prefix) if query.sort == ScimSort::Created => {
            let Some(mut versions) = state
                .store
                .user_name_prefix_versions(query.org_id, prefix, PREFIX_LIMIT)
                .await?
            else {
                return Ok(None);
            };
            if query.descending {
                versions.reverse();
            }
            let total = versions.len();
            let page: Vec<PersonVersion> = versions
                .into_iter()
                .skip(offset(query.start_index))
                .take(query.count as usize)
                .collect();
            (total, users_at(state, context, &page).await?)
        }
        Lookup::UserNamePrefix(_) => return Ok(None),
    };
    let total = total as u64;
    if !params.projection.is_identity() {
        let resources = page
            .iter()
            .map(|entry| params.projection.apply(user_json(&entry.user, context)))
            .collect();
        let body = list_response(total, query.start_index, resources);
        return Ok(Some(respond(StatusCode::OK, &body, None, None)));
    }
    let body = page_bytes(
        total,
        query.start_index,
        page.iter().map(|entry| entry.body.as_slice()),
    )?;
    Ok(Some(respond_bytes(StatusCode::OK, body)))
}

/// The rows a 1-based `startIndex` skips.
fn offset(start_index: u64) -> usize {
    usize::try_from(start_index.saturating_sub(1)).unwrap_or(usize::MAX)
}

/// A ListResponse whose resources are already serialised: byte for byte what serde makes of
/// [`list_response`] with those resources (a test checks it), whatever order serde_json
/// gives the keys, since the frame is serde's own.
pub fn page_bytes<'b>(
    total: u64,
    start_index: u64,
    resources: impl ExactSizeIterator<Item = &'b [u8]>,
) -> Result<Vec<u8>, ScimError> {
    let internal = || ScimError::from(ApiError::internal());
    const EMPTY: &[u8] = b"\"Resources\":[]";
    let count = resources.len();
    let mut frame = list_response(total, start_index, Vec::new());
    frame["itemsPerPage"] = count.into();
    let frame = serde_json::to_vec(&frame).map_err(|_| internal())?;
    let at = frame
        .windows(EMPTY.len())
        .position(|w| w == EMPTY)
        .ok_or_else(internal)?
        + EMPTY.len()
        - 1;
    let mut body = Vec::with_capacity(frame.len() + count * 1536);
    body.extend_from_slice(&frame[..at]);
    for (i, resource) in resources.enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(resource);
    }
    body.extend_from_slice(&frame[at..]);
    Ok(body)
}

/// The users of `page` at those versions, in its order, from the cache where it holds them
/// (rendered for this context) and in one read from the store for the rest. People deleted
/// since the page was read are left out; people changed since are taken as they are now.
async fn users_at(
    state: &AppState,
    context: &ScimContext,
    page: &[PersonVersion],
) -> StoreResult<Vec<Arc<ScimEntry>>> {
    let cache = state.caches.scim_users();
    let mut found: Vec<Option<Arc<ScimEntry>>> = page
        .iter()
        .map(|version| cache.get(version, context))
        .collect();
    let missing = missing_from_page(CacheName::ScimUsers, page, &found);
    if !missing.is_empty() {
        let mut loaded: HashMap<Uuid, ScimUserRecord> = state
            .store
            .get_scim_users(&missing)
            .await?
            .into_iter()
            .map(|user| (user.person.id, user))
            .collect();
        for (slot, version) in found.iter_mut().zip(page) {
            if slot.is_none() {
                if let Some(user) = loaded.remove(&version.id) {
                    let entry = Arc::new(ScimEntry::new(user, context));
                    cache.insert(entry.clone());
                    *slot = Some(entry);
                }
            }
        }
    }
    Ok(found.into_iter().flatten().collect())
}

/// A user as stored, with the body of its resource for one base URL.
pub struct ScimEntry {
    pub user: ScimUserRecord,
    /// The `ScimContext::base` the body was rendered for (its `meta.location` and `$ref`s).
    base: String,
    /// `user_json` of the user, serialised.
    body: Vec<u8>,
}

impl ScimEntry {
    fn new(user: ScimUserRecord, context: &ScimContext) -> ScimEntry {
        // Serialising a `Value` cannot fail.
        let body = serde_json::to_vec(&user_json(&user, context)).unwrap_or_default();
        ScimEntry {
            user,
            base: context.base.clone(),
            body,
        }
    }
}

/// At most this many bytes of SCIM users are kept.
const SCIM_USER_BYTES: u64 = 16 * 1024 * 1024;

/// Users by id, each with its rendered body, bounded by bytes. Entries are used only at the
/// version asked for; [`crate::cache::Caches`] drops them with the person.
#[derive(Clone)]
pub struct ScimUsers(Arc<Cache<Uuid, Arc<ScimEntry>, EntryWeight>>);

#[derive(Clone)]
struct EntryWeight;

impl Weighter<Uuid, Arc<ScimEntry>> for EntryWeight {
    fn weight(&self, _id: &Uuid, entry: &Arc<ScimEntry>) -> u64 {
        // The record holds about the text its body shows.
        (entry.body.len() * 2 + entry.base.len() + 512) as u64
    }
}

impl ScimUsers {
    /// Room for about `capacity` users (the bound that counts is [`SCIM_USER_BYTES`]).
    pub fn new(capacity: usize) -> ScimUsers {
        ScimUsers(Arc::new(Cache::with_weighter(
            capacity.clamp(1, 16_384),
            SCIM_USER_BYTES,
            EntryWeight,
        )))
    }

    /// The user at `version`, rendered for `context`: a body rendered for another base is
    /// rendered again from the cached record.
    fn get(&self, version: &PersonVersion, context: &ScimContext) -> Option<Arc<ScimEntry>> {
        let entry = self
            .0
            .get(&version.id)
            .filter(|entry| entry.user.version() == version.last_modified)?;
        if entry.base == context.base {
            return Some(entry);
        }
        let entry = Arc::new(ScimEntry::new(entry.user.clone(), context));
        self.insert(entry.clone());
        Some(entry)
    }

    fn insert(&self, entry: Arc<ScimEntry>) {
        self.0.insert(entry.user.person.id, entry);
    }

    pub fn remove(&self, id: &Uuid) {
        self.0.remove(id);
    }

    pub fn clear(&self) {
        self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_store::scim::filter::parse_filter;
    use serde_json::json;

    fn lookup(filter: &str) -> Option<String> {
        let parsed = parse_filter(filter).unwrap();
        Lookup::of(&parsed).map(|l| format!("{l:?}"))
    }

    #[test]
    fn only_filters_that_mean_the_same_take_the_look_ups() {
        let email = |key: &str, first_only: bool| {
            Some(format!(
                "{:?}",
                Lookup::Email {
                    key: key.into(),
                    first_only
                }
            ))
        };
        assert_eq!(lookup(r#"userName eq "A@B.c""#), email("a@b.c", true));
        assert_eq!(lookup(r#"USERNAME EQ " A@B.c ""#), email("a@b.c", true));
        assert_eq!(
            lookup(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a@b.c""#),
            email("a@b.c", true)
        );
        assert_eq!(lookup(r#"emails.value eq "A@b.c""#), email("a@b.c", false));
        assert_eq!(lookup(r#"Emails eq "a@b.c""#), email("a@b.c", false));
        assert_eq!(
            lookup(r#"userName sw "Per%_""#).as_deref(),
            Some(r#"UserNamePrefix("Per%_")"#)
        );
        for other in [
            r#"emails.value eq " a@b.c""#,
            r#"emails.type eq "work""#,
            r#"emails[value eq "a@b.c"]"#,
            r#"userName ne "a@b.c""#,
            r#"userName co "a""#,
            r#"userName eq "a@b.c" and active eq true"#,
            r#"not (userName eq "a@b.c")"#,
            r#"displayName eq "a@b.c""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "a""#,
            "userName eq 12",
            "userName pr",
        ] {
            assert_eq!(lookup(other), None, "{other}");
        }
    }

    #[test]
    fn spliced_pages_are_what_serde_makes_of_the_list() {
        let resources = [
            json!({"id": "1", "userName": "a@b.c", "schemas": ["x"]}),
            json!({"id": "2", "meta": {"location": "http://h/\"q\""}}),
        ];
        for n in 0..=resources.len() {
            let values = resources[..n].to_vec();
            let bytes: Vec<Vec<u8>> = values
                .iter()
                .map(|v| serde_json::to_vec(v).unwrap())
                .collect();
            let spliced = page_bytes(7, 3, bytes.iter().map(Vec::as_slice)).unwrap();
            let serde = serde_json::to_vec(&list_response(7, 3, values)).unwrap();
            assert_eq!(
                String::from_utf8(spliced).unwrap(),
                String::from_utf8(serde).unwrap()
            );
        }
    }
}

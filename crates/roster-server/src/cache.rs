//! Bounded in-process caches for the hot path, read through to the store, and their
//! invalidation.
//!
//! Once warm, `GET /v1/people/me` resolves token -> person without touching the database.
//! Writes made through this process invalidate entries at once ([`Caches::forget_person`]);
//! writes made by other processes (the CLI, other nodes) reach us through the store's
//! change feed ([`Caches::follow_changes`]), polled every `change_poll_interval`.

use crate::metrics::{count_lookup, count_lookups, CacheName};
use crate::render::Renders;
use crate::scim::lookup::ScimUsers;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use roster_store::token::{from_hex, hex, Digest256};
use roster_store::{
    email_key, ChangeRecord, ChangeTopic, PersonRecord, PersonVersion, Store, StoreResult,
    TokenRecord,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The caches are `quick_cache`'s: a look-up is a hash-table probe under a shard's read lock,
/// with no bookkeeping queue and no clock read, and a hot read makes four or five of them.
/// There is no time-to-live: entries are correct until invalidated (below, and by the
/// writes of this process), and all of them are dropped whenever the change feed cannot be
/// read.
#[derive(Clone)]
pub struct Caches {
    store: Arc<dyn Store>,
    /// Token digest -> token.
    tokens: Arc<Cache<Digest256, Arc<TokenRecord>>>,
    /// Person id -> person, bounded by bytes: records differ in size by a hundredfold.
    people: Arc<Cache<Uuid, Arc<PersonRecord>, PersonWeight>>,
    /// Organization -> the organizations it manages.
    managed_orgs: Arc<Cache<Uuid, Arc<Vec<Uuid>>>>,
    /// Email key -> the person last seen holding it (checked against `people` on use).
    emails: Arc<Cache<String, Uuid>>,
    renders: Renders,
    /// Person id -> SCIM user and its rendered body (`scim/lookup.rs`).
    scim_users: ScimUsers,
}

/// At most this many bytes of people are kept (about 40,000 typical records), so that a
/// server's memory stays flat however many people it is asked about.
const PEOPLE_BYTES: u64 = 32 * 1024 * 1024;

/// The ids of `page` that `found` (the cache's answer for each, in page order) lacks, with
/// the page's hits and misses counted for `cache`: the step every page read through a cache
/// takes before it loads the rest in one read from the store.
pub(crate) fn missing_from_page<T>(
    cache: CacheName,
    page: &[PersonVersion],
    found: &[Option<T>],
) -> Vec<Uuid> {
    let missing: Vec<Uuid> = page
        .iter()
        .zip(found)
        .filter(|(_, cached)| cached.is_none())
        .map(|(version, _)| version.id)
        .collect();
    count_lookups(cache, true, (page.len() - missing.len()) as u64);
    count_lookups(cache, false, missing.len() as u64);
    missing
}

/// The bytes of people a cache of `capacity` entries keeps: 4 KiB an entry, at most
/// [`PEOPLE_BYTES`].
fn people_bytes(capacity: usize) -> u64 {
    PEOPLE_BYTES.min(capacity as u64 * 4096)
}

/// A cached person's weight: about the bytes the record holds.
#[derive(Clone)]
struct PersonWeight;

impl Weighter<Uuid, Arc<PersonRecord>> for PersonWeight {
    fn weight(&self, _id: &Uuid, person: &Arc<PersonRecord>) -> u64 {
        let text = |s: &String| s.len() as u64 + 24;
        let optional = |s: &Option<String>| s.as_ref().map_or(0, text);
        let texts = |v: &[String]| v.iter().map(text).sum::<u64>();
        let p = person.as_ref();
        std::mem::size_of::<PersonRecord>() as u64
            + 64 // the Arc and the cache's own entry
            + texts(&p.emails)
            + texts(&p.roles)
            + texts(&p.licenses)
            + texts(&p.site_urls)
            + p.phone_numbers.iter().map(|n| text(&n.value) + 16).sum::<u64>()
            + p.sip_addresses.iter().map(|a| text(&a.value) + 16).sum::<u64>()
            + p.addresses
                .iter()
                .map(|a| a.values().map(|v| v.len() as u64 + 24).sum::<u64>() + 48)
                .sum::<u64>()
            + text(&p.display_name)
            + [
                &p.extension,
                &p.location_id,
                &p.nick_name,
                &p.first_name,
                &p.last_name,
                &p.avatar,
                &p.department,
                &p.manager,
                &p.title,
                &p.xmpp_federation_jid,
                &p.timezone,
            ]
            .into_iter()
            .map(optional)
            .sum::<u64>()
    }
}

impl Caches {
    /// Caches of about `capacity` entries each in front of `store` (people: up to
    /// [`PEOPLE_BYTES`]).
    pub fn new(store: Arc<dyn Store>, capacity: u64) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX).max(1);
        Caches {
            store,
            tokens: Arc::new(Cache::new(capacity)),
            people: Arc::new(Cache::with_weighter(
                capacity,
                people_bytes(capacity),
                PersonWeight,
            )),
            managed_orgs: Arc::new(Cache::new(capacity.min(10_000))),
            emails: Arc::new(Cache::new(capacity)),
            renders: Renders::new(capacity),
            scim_users: ScimUsers::new(capacity),
        }
    }

    /// A person, from the cache when warm.
    pub async fn person(&self, id: Uuid) -> StoreResult<Option<Arc<PersonRecord>>> {
        if let Some(person) = self.people.get(&id) {
            count_lookup(CacheName::People, true);
            return Ok(Some(person));
        }
        count_lookup(CacheName::People, false);
        let person = self.store.get_person(id).await?.map(Arc::new);
        if let Some(person) = &person {
            self.people.insert(id, person.clone());
        }
        Ok(person)
    }

    /// The records of a page, in its order, from the cache where it holds the very version
    /// the page names, and in one read from the store for the rest. People deleted since
    /// the page was read are left out.
    pub async fn people_at(&self, page: &[PersonVersion]) -> StoreResult<Vec<Arc<PersonRecord>>> {
        let mut found: Vec<Option<Arc<PersonRecord>>> = page
            .iter()
            .map(|version| {
                self.people
                    .get(&version.id)
                    .filter(|person| person.last_modified == version.last_modified)
            })
            .collect();
        let missing = missing_from_page(CacheName::People, page, &found);
        if !missing.is_empty() {
            let loaded: HashMap<Uuid, Arc<PersonRecord>> = self
                .store
                .get_people(&missing)
                .await?
                .into_iter()
                .map(|person| (person.id, Arc::new(person)))
                .collect();
            for (slot, version) in found.iter_mut().zip(page) {
                if slot.is_none() {
                    if let Some(person) = loaded.get(&version.id) {
                        self.people.insert(version.id, person.clone());
                        *slot = Some(person.clone());
                    }
                }
            }
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// The person who has `email` (compared case-insensitively). Which person holds an email
    /// is remembered, but a remembered answer is used only while that person's record,
    /// itself cached and invalidated like any other, still lists the email; an email nobody
    /// holds is asked of the store every time, so a person created a moment ago is found.
    pub async fn person_by_email(&self, email: &str) -> StoreResult<Option<Arc<PersonRecord>>> {
        let key = email_key(email);
        if let Some(id) = self.emails.get(&key) {
            if let Some(person) = self.person(id).await? {
                if person.emails.iter().any(|e| email_key(e) == key) {
                    return Ok(Some(person));
                }
            }
        }
        let person = self.store.find_person_by_email(&key).await?.map(Arc::new);
        if let Some(person) = &person {
            self.people.insert(person.id, person.clone());
            self.emails.insert(key, person.id);
        }
        Ok(person)
    }

    /// A token by its digest if the cache holds it, without waiting (see [`Caches::token`]);
    /// a look-up counted as a hit when it does, and not counted when it does not.
    pub fn cached_token(&self, digest: &Digest256) -> Option<Arc<TokenRecord>> {
        let token = self.tokens.get(digest)?;
        count_lookup(CacheName::Tokens, true);
        Some(token)
    }

    /// A token by its digest, from the cache when warm. Unknown tokens are not cached: a token
    /// issued by the CLI a moment ago must work at once.
    pub async fn token(&self, digest: &Digest256) -> StoreResult<Option<Arc<TokenRecord>>> {
        if let Some(token) = self.tokens.get(digest) {
            count_lookup(CacheName::Tokens, true);
            return Ok(Some(token));
        }
        count_lookup(CacheName::Tokens, false);
        let token = self.store.find_token(&hex(digest)).await?.map(Arc::new);
        if let Some(token) = &token {
            self.tokens.insert(*digest, token.clone());
        }
        Ok(token)
    }

    /// The organizations `org` manages, from the cache when warm.
    pub async fn managed_orgs(&self, org: Uuid) -> StoreResult<Arc<Vec<Uuid>>> {
        if let Some(orgs) = self.managed_orgs.get(&org) {
            return Ok(orgs);
        }
        let orgs = Arc::new(self.store.managed_orgs(org).await?);
        self.managed_orgs.insert(org, orgs.clone());
        Ok(orgs)
    }

    /// Drops what this process cached about a person after it changed it.
    pub fn forget_person(&self, id: &Uuid) {
        self.people.remove(id);
        self.scim_users.remove(id);
    }

    /// The serialised views of people (see `render.rs`).
    pub fn renders(&self) -> &Renders {
        &self.renders
    }

    /// SCIM users with their rendered bodies (see `scim/lookup.rs`).
    pub fn scim_users(&self) -> &ScimUsers {
        &self.scim_users
    }

    /// Tokens and people held now, for `/metrics`.
    pub fn entries(&self) -> (usize, usize) {
        (self.tokens.len(), self.people.len())
    }

    fn apply(&self, change: &ChangeRecord) {
        match change.topic {
            ChangeTopic::Token => match from_hex(&change.key) {
                Some(digest) => {
                    self.tokens.remove(&digest);
                }
                // Not a key this server wrote; forgetting every token is the safe answer.
                None => self.tokens.clear(),
            },
            ChangeTopic::Person => {
                if let Ok(id) = Uuid::parse_str(&change.key) {
                    self.forget_person(&id);
                }
            }
            ChangeTopic::Org => {
                if let Ok(id) = Uuid::parse_str(&change.key) {
                    self.managed_orgs.remove(&id);
                }
            }
            ChangeTopic::All => self.clear(),
        }
    }

    /// Drops every entry (after a snapshot is restored, or when the feed cannot be read).
    pub fn clear(&self) {
        self.tokens.clear();
        self.people.clear();
        self.managed_orgs.clear();
        self.emails.clear();
        self.renders.clear();
        self.scim_users.clear();
    }

    /// Follows the store's change feed from `start` and applies each change to the caches.
    pub async fn follow_changes(self, start: i64, interval: Duration) {
        let mut last = start;
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut prune_at = std::time::Instant::now();
        loop {
            ticker.tick().await;
            match self.read_changes(last).await {
                Ok(seq) => last = seq,
                Err(error) => {
                    // While the feed cannot be read nothing is known about other processes'
                    // writes; dropping everything keeps us correct once the database is back.
                    tracing::warn!(%error, "cannot read the change feed; clearing caches");
                    self.clear();
                }
            }
            if prune_at.elapsed() > Duration::from_secs(3600) {
                prune_at = std::time::Instant::now();
                let day_ago = self.store.clock().now_millis() - 86_400_000;
                if let Err(error) = self.store.prune_changes(day_ago).await {
                    tracing::warn!(%error, "cannot prune the change feed");
                }
            }
        }
    }

    async fn read_changes(&self, mut last: i64) -> StoreResult<i64> {
        loop {
            let changes = self.store.changes_since(last, 1000).await?;
            for change in &changes {
                self.apply(change);
                last = change.seq;
            }
            if changes.len() < 1000 {
                return Ok(last);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::tests::record;

    /// However many distinct callers come by, each cache keeps about its capacity.
    #[tokio::test]
    async fn caches_stay_bounded_by_their_capacity() {
        let db = roster_store::testing::TestDb::sqlite();
        let store = roster_store::open(&db.url, &roster_store::StoreOptions::default())
            .await
            .unwrap();
        let capacity = 1_000;
        let caches = Caches::new(store, capacity);
        let org = Uuid::new_v4();
        for i in 0..20_000u32 {
            let person = Arc::new(record(org));
            caches.people.insert(person.id, person.clone());
            let mut digest = [0u8; 32];
            digest[..4].copy_from_slice(&i.to_le_bytes());
            caches.tokens.insert(
                digest,
                Arc::new(TokenRecord {
                    id: Uuid::new_v4(),
                    person_id: person.id,
                    label: None,
                    created: 0,
                    expires_at: None,
                    revoked_at: None,
                    scopes: None,
                    authorization_id: None,
                }),
            );
            caches
                .managed_orgs
                .insert(Uuid::new_v4(), Arc::new(Vec::new()));
        }
        // quick_cache's capacity is approximate; allow it a little slack, far below 20,000.
        let bound = capacity as usize * 11 / 10;
        assert!(
            caches.people.weight() <= people_bytes(capacity as usize),
            "{} bytes of people",
            caches.people.weight()
        );
        assert!(caches.people.len() < 20_000, "{}", caches.people.len());
        assert!(caches.tokens.len() <= bound, "{}", caches.tokens.len());
        assert!(
            caches.managed_orgs.len() <= bound,
            "{}",
            caches.managed_orgs.len()
        );
    }
}

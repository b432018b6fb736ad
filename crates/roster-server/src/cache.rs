//! Bounded in-process caches for the hot path, and their invalidation.
//!
//! Once warm, `GET /v1/people/me` resolves token -> person without touching the database.
//! Writes made through this process invalidate entries at once; writes made by other
//! processes (the CLI, other nodes) reach us through the store's change feed, polled every
//! `change_poll_interval`.

use crate::render::{Render, RenderKey};
use metrics::Counter;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use roster_store::token::{from_hex, Digest256};
use roster_store::{ChangeRecord, ChangeTopic, PersonRecord, Store, StoreResult, TokenRecord};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use uuid::Uuid;

/// The caches are `quick_cache`'s: a look-up is a hash-table probe under a shard's read lock,
/// with no bookkeeping queue and no clock read, and a hot read makes four or five of them.
/// There is no time-to-live: entries are correct until invalidated (below, and by the
/// writes of this process), and all of them are dropped whenever the change feed cannot be
/// read.
#[derive(Clone)]
pub struct Caches {
    /// Token digest -> token.
    pub tokens: Arc<Cache<Digest256, Arc<TokenRecord>>>,
    pub people: Arc<Cache<Uuid, Arc<PersonRecord>>>,
    /// Organization -> the organizations it manages.
    pub managed_orgs: Arc<Cache<Uuid, Arc<Vec<Uuid>>>>,
    /// Serialised views of people (see `render.rs`).
    pub renders: Arc<Cache<RenderKey, Arc<Render>, RenderWeight>>,
}

/// Rendered bodies are bounded by bytes, not entries.
#[derive(Clone)]
pub struct RenderWeight;

impl Weighter<RenderKey, Arc<Render>> for RenderWeight {
    fn weight(&self, _key: &RenderKey, render: &Arc<Render>) -> u64 {
        u64::from(render.weight())
    }
}

/// At most this many bytes of rendered views are kept.
pub(crate) const RENDER_BYTES: u64 = 16 * 1024 * 1024;

impl Caches {
    pub fn new(capacity: u64) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX).max(1);
        Caches {
            tokens: Arc::new(Cache::new(capacity)),
            people: Arc::new(Cache::new(capacity)),
            managed_orgs: Arc::new(Cache::new(capacity.min(10_000))),
            renders: Arc::new(Cache::with_weighter(
                capacity.min(16_384),
                RENDER_BYTES,
                RenderWeight,
            )),
        }
    }

    pub fn apply(&self, change: &ChangeRecord) {
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
                    self.people.remove(&id);
                }
            }
            ChangeTopic::Org => {
                if let Ok(id) = Uuid::parse_str(&change.key) {
                    self.managed_orgs.remove(&id);
                }
            }
        }
    }

    pub fn clear(&self) {
        self.tokens.clear();
        self.people.clear();
        self.managed_orgs.clear();
        self.renders.clear();
    }
}

/// The caches whose hits and misses are counted in `roster_cache_lookups_total`.
#[derive(Debug, Clone, Copy)]
pub enum CacheName {
    Tokens = 0,
    People = 1,
}

/// Counts one look-up. The counters are resolved once: this runs several times per request.
pub fn count_lookup(cache: CacheName, hit: bool) {
    static COUNTERS: [OnceLock<Counter>; 4] = [const { OnceLock::new() }; 4];
    COUNTERS[cache as usize * 2 + usize::from(hit)]
        .get_or_init(|| {
            let cache = match cache {
                CacheName::Tokens => "tokens",
                CacheName::People => "people",
            };
            let result = if hit { "hit" } else { "miss" };
            metrics::counter!("roster_cache_lookups_total", "cache" => cache, "result" => result)
        })
        .increment(1);
}

/// Follows the store's change feed from `start` and applies each change to the caches.
pub async fn follow_changes(store: Arc<dyn Store>, caches: Caches, start: i64, interval: Duration) {
    let mut last = start;
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut prune_at = std::time::Instant::now();
    loop {
        ticker.tick().await;
        match read_changes(store.as_ref(), &caches, last).await {
            Ok(seq) => last = seq,
            Err(error) => {
                // While the feed cannot be read nothing is known about other processes'
                // writes; dropping everything keeps us correct once the database is back.
                tracing::warn!(%error, "cannot read the change feed; clearing caches");
                caches.clear();
            }
        }
        if prune_at.elapsed() > Duration::from_secs(3600) {
            prune_at = std::time::Instant::now();
            let day_ago = roster_types::time::now_millis() - 86_400_000;
            if let Err(error) = store.prune_changes(day_ago).await {
                tracing::warn!(%error, "cannot prune the change feed");
            }
        }
    }
}

async fn read_changes(store: &dyn Store, caches: &Caches, mut last: i64) -> StoreResult<i64> {
    loop {
        let changes = store.changes_since(last, 1000).await?;
        for change in &changes {
            caches.apply(change);
            last = change.seq;
        }
        if changes.len() < 1000 {
            return Ok(last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::tests::record;

    /// However many distinct callers come by, each cache keeps about its capacity.
    #[test]
    fn caches_stay_bounded_by_their_capacity() {
        let capacity = 1_000;
        let caches = Caches::new(capacity);
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
                }),
            );
            caches
                .managed_orgs
                .insert(Uuid::new_v4(), Arc::new(Vec::new()));
        }
        // quick_cache's capacity is approximate; allow it a little slack, far below 20,000.
        let bound = capacity as usize * 11 / 10;
        assert!(caches.people.len() <= bound, "{}", caches.people.len());
        assert!(caches.tokens.len() <= bound, "{}", caches.tokens.len());
        assert!(
            caches.managed_orgs.len() <= bound,
            "{}",
            caches.managed_orgs.len()
        );
    }
}

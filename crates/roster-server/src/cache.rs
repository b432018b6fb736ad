//! Bounded in-process caches for the hot path, and their invalidation.
//!
//! Once warm, `GET /v1/people/me` resolves token -> person without touching the database.
//! Writes made through this process invalidate entries at once; writes made by other
//! processes (the CLI, other nodes) reach us through the store's change feed, polled every
//! `change_poll_interval`.

use moka::sync::Cache;
use roster_store::{ChangeRecord, ChangeTopic, PersonRecord, Store, StoreResult, TokenRecord};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone)]
pub struct Caches {
    /// Token hash -> token.
    pub tokens: Cache<String, TokenRecord>,
    pub people: Cache<Uuid, Arc<PersonRecord>>,
    /// Organization -> the organizations it manages.
    pub managed_orgs: Cache<Uuid, Arc<Vec<Uuid>>>,
    /// (person, callingData) -> their pre-rendered `/me` body (see `people/me.rs`).
    pub me_renders: Cache<(Uuid, bool), Arc<crate::people::me::MeRender>>,
}

impl Caches {
    pub fn new(capacity: u64) -> Self {
        // The time-to-live is a safety net only; correctness comes from invalidation.
        let ttl = Duration::from_secs(600);
        Caches {
            tokens: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            people: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            managed_orgs: Cache::builder()
                .max_capacity(capacity.min(10_000))
                .time_to_live(ttl)
                .build(),
            // Bounded by bytes, not entries: 16 MiB of rendered bodies at most.
            me_renders: Cache::builder()
                .weigher(|_, render: &Arc<crate::people::me::MeRender>| render.weight())
                .max_capacity(16 * 1024 * 1024)
                .time_to_live(ttl)
                .build(),
        }
    }

    pub fn apply(&self, change: &ChangeRecord) {
        match change.topic {
            ChangeTopic::Token => self.tokens.invalidate(&change.key),
            ChangeTopic::Person => {
                if let Ok(id) = Uuid::parse_str(&change.key) {
                    self.people.invalidate(&id);
                }
            }
            ChangeTopic::Org => {
                if let Ok(id) = Uuid::parse_str(&change.key) {
                    self.managed_orgs.invalidate(&id);
                }
            }
        }
    }

    pub fn clear(&self) {
        self.tokens.invalidate_all();
        self.people.invalidate_all();
        self.managed_orgs.invalidate_all();
        self.me_renders.invalidate_all();
    }
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

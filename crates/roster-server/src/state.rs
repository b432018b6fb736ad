//! The state every handler shares.

use crate::activity::ActivityTracker;
use crate::cache::{count_lookup, CacheName, Caches};
use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::limits::RateLimits;
use roster_store::token::{hex, Digest256};
use roster_store::{PersonRecord, Store, TokenRecord};
use std::sync::Arc;
use uuid::Uuid;

/// A cheap handle (one reference count) on the state; axum clones it for every extractor
/// of every request, so it must not clone the caches themselves.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

pub struct SharedState {
    pub store: Arc<dyn Store>,
    pub caches: Caches,
    pub activity: Arc<ActivityTracker>,
    pub config: Arc<ServerConfig>,
    pub rate_limits: RateLimits,
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        AppState(Arc::new(SharedState {
            caches: Caches::new(config.cache_capacity),
            store,
            activity: Arc::new(ActivityTracker::default()),
            rate_limits: RateLimits::new(config.rate_limit_per_minute),
            config: Arc::new(config),
        }))
    }

    /// A person, from the cache when warm.
    pub async fn person(&self, id: Uuid) -> Result<Option<Arc<PersonRecord>>, ApiError> {
        if let Some(person) = self.caches.people.get(&id) {
            count_lookup(CacheName::People, true);
            return Ok(Some(person));
        }
        count_lookup(CacheName::People, false);
        let person = self.store.get_person(id).await?.map(Arc::new);
        if let Some(person) = &person {
            self.caches.people.insert(id, person.clone());
        }
        Ok(person)
    }

    /// A token by its digest, from the cache when warm. Unknown tokens are not cached: a token
    /// issued by the CLI a moment ago must work at once.
    pub async fn token(&self, digest: &Digest256) -> Result<Option<Arc<TokenRecord>>, ApiError> {
        if let Some(token) = self.caches.tokens.get(digest) {
            count_lookup(CacheName::Tokens, true);
            return Ok(Some(token));
        }
        count_lookup(CacheName::Tokens, false);
        let token = self.store.find_token(&hex(digest)).await?.map(Arc::new);
        if let Some(token) = &token {
            self.caches.tokens.insert(*digest, token.clone());
        }
        Ok(token)
    }

    pub async fn managed_orgs(&self, org: Uuid) -> Result<Arc<Vec<Uuid>>, ApiError> {
        if let Some(orgs) = self.caches.managed_orgs.get(&org) {
            return Ok(orgs);
        }
        let orgs = Arc::new(self.store.managed_orgs(org).await?);
        self.caches.managed_orgs.insert(org, orgs.clone());
        Ok(orgs)
    }

    /// Drops what this process cached about a person after it changed it.
    pub fn forget_person(&self, id: Uuid) {
        self.caches.people.remove(&id);
    }
}

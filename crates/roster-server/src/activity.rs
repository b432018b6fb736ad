//! `lastActivity` without a write per request.
//!
//! Each authenticated request notes the time in memory. A background task writes what was
//! noted to the database in one batch every `activity_flush_interval` (so at most once per
//! interval per person), and once more at shutdown. Views read the newer of the stored and
//! the noted time, so callers see activity at once.

use roster_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

#[derive(Default)]
pub struct ActivityTracker {
    /// Activity noted since the last flush.
    pending: Mutex<HashMap<Uuid, i64>>,
}

impl ActivityTracker {
    /// Notes activity at `at` and returns the newest activity now noted for `person`.
    pub fn note(&self, person: Uuid, at: i64) -> i64 {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let entry = pending.entry(person).or_insert(at);
        if *entry < at {
            *entry = at;
        }
        *entry
    }

    /// The newest activity noted in memory and not yet flushed.
    pub fn noted(&self, person: &Uuid) -> Option<i64> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.get(person).copied()
    }

    /// Forgets everything noted (the directory it was about has been replaced).
    pub fn clear(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn snapshot(&self) -> Vec<(Uuid, i64)> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.iter().map(|(id, at)| (*id, *at)).collect()
    }

    /// Forgets what was written, unless newer activity arrived meanwhile.
    fn forget(&self, written: &[(Uuid, i64)]) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for (id, at) in written {
            if pending.get(id) == Some(at) {
                pending.remove(id);
            }
        }
    }

    /// Writes everything noted so far and calls `written` with each person whose stored
    /// record changed, before forgetting the noted time, so readers never see activity go
    /// backwards. On failure everything stays noted for the next attempt.
    pub async fn flush(&self, store: &dyn Store, written: impl Fn(&Uuid)) -> usize {
        let batch = self.snapshot();
        if batch.is_empty() {
            return 0;
        }
        match store.record_activity(&batch).await {
            Ok(_) => {
                batch.iter().for_each(|(id, _)| written(id));
                self.forget(&batch);
                batch.len()
            }
            Err(error) => {
                tracing::warn!(%error, people = batch.len(), "cannot record activity; will retry");
                0
            }
        }
    }
}

/// Flushes activity every `interval`, calling `written` with each person whose stored record
/// changed (the server drops its cached copy, so the next read sees the stored value).
pub async fn flush_periodically(
    tracker: Arc<ActivityTracker>,
    store: Arc<dyn Store>,
    interval: Duration,
    written: impl Fn(&Uuid) + Send + Sync + 'static,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        tracker.flush(store.as_ref(), &written).await;
    }
}

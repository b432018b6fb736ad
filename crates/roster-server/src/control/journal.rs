//! The request journal: the last N requests the API served on this node, oldest first.
//! It never holds a token, only the token's id and its person's.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use utoipa::ToSchema;
use uuid::Uuid;

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
    #[serde(skip)]
    pub at_millis: i64,
    #[serde(skip)]
    pub person: Option<Uuid>,
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
    fn keeps(&self, entry: &JournalEntry) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&entry.method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| entry.path.starts_with(p))
            && self.person.is_none_or(|p| entry.person == Some(p))
            && self.status.is_none_or(|s| entry.status == Some(s))
            && self.since_millis.is_none_or(|t| entry.at_millis >= t)
    }
}

/// A ring buffer of the last `capacity` requests.
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Journal {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<JournalEntry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, entry: JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn list(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        self.lock()
            .iter()
            .filter(|e| filter.keeps(e))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            time: String::new(),
            method: "GET".into(),
            path: path.into(),
            query: None,
            person_id: None,
            token_id: None,
            status: Some(200),
            tracking_id: None,
            duration_ms: 0.0,
            fault_id: None,
            at_millis: 0,
            person: None,
        }
    }

    #[test]
    fn keeps_the_last_entries_oldest_first() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(entry(path));
        }
        let paths: Vec<String> = journal
            .list(&JournalFilter::default())
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(paths, ["/b", "/c"]);
    }
}

//! The request journal: the last requests every server of a sandbox answered, in a bounded
//! ring. Method, path (never the query), status, time and provider — nothing a client sent as
//! a secret, so it is safe to show to anyone who can reach the control API.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sync::lock;

/// How many requests a journal keeps by default.
pub const DEFAULT_JOURNAL_CAPACITY: usize = 1000;

/// One answered (or refused, or dropped) request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the sandbox's sequence of requests, from 1.
    pub seq: u64,
    /// When it arrived, on the sandbox clock.
    pub at: DateTime<Utc>,
    /// The provider whose server answered (its other hosts as `provider.host`).
    pub provider: String,
    /// The request method.
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// The status answered; `None` when the connection was closed without an answer.
    pub status: Option<u16>,
    /// Real time spent answering, in milliseconds.
    pub elapsed_ms: u64,
}

/// The bounded ring of [`JournalEntry`]s shared by every server of one sandbox.
#[derive(Debug)]
pub(crate) struct Journal {
    capacity: usize,
    inner: Mutex<Ring>,
}

#[derive(Debug, Default)]
struct Ring {
    next_seq: u64,
    entries: VecDeque<JournalEntry>,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Journal {
            capacity,
            inner: Mutex::new(Ring::default()),
        }
    }

    /// Adds an entry (its `seq` is assigned here), dropping the oldest beyond capacity.
    pub(crate) fn record(&self, mut entry: JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        let mut ring = lock(&self.inner);
        ring.next_seq += 1;
        entry.seq = ring.next_seq;
        if ring.entries.len() >= self.capacity {
            ring.entries.pop_front();
        }
        ring.entries.push_back(entry);
    }

    /// The entries kept, oldest first, optionally of one provider only.
    pub(crate) fn entries(&self, provider: Option<&str>) -> Vec<JournalEntry> {
        lock(&self.inner)
            .entries
            .iter()
            .filter(|entry| provider.is_none_or(|name| entry.provider == name))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            seq: 0,
            at: DateTime::UNIX_EPOCH,
            provider: "p".into(),
            method: "GET".into(),
            path: path.into(),
            status: Some(200),
            elapsed_ms: 0,
        }
    }

    #[test]
    fn keeps_only_the_newest_up_to_capacity() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(entry(path));
        }
        let kept = journal.entries(None);
        assert_eq!(
            kept.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["/b", "/c"]
        );
        assert_eq!(kept[1].seq, 3);
    }
}

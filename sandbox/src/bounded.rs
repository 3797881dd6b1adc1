//! [`BoundedMap`]: the map behind every kind of per-client state that must stay bounded.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use chrono::{DateTime, Utc};

/// Where an entry stands in the eviction order: its time (no time is the end of time, after
/// every real one), then the order it was inserted in.
type Rank = (DateTime<Utc>, u64);

/// The time of an entry without one.
fn time_or_end(time: Option<DateTime<Utc>>) -> DateTime<Utc> {
    time.unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[derive(Debug, Clone)]
struct Slot<V> {
    value: V,
    /// `None` for a pinned entry (seeded data), which is never dropped and never counted.
    rank: Option<Rank>,
}

/// A hash map whose entries are ordered for dropping: by a time (when the entry expires, or
/// when it finished — the caller decides what the time means), entries without a time after
/// every timed one, ties in insertion order.
///
/// Inserting drops the first entries in that order while more than the cap are held;
/// [`expire`](Self::expire) drops those whose time has come. Pinned entries are never dropped
/// and do not count. Lookups are O(1); inserting, re-ranking and dropping O(log n) each, so
/// expiring costs O(expired + log n), never a scan.
#[derive(Debug, Clone)]
pub(crate) struct BoundedMap<K, V> {
    entries: HashMap<K, Slot<V>>,
    order: BTreeMap<Rank, K>,
    next: u64,
}

impl<K, V> Default for BoundedMap<K, V> {
    fn default() -> Self {
        BoundedMap {
            entries: HashMap::new(),
            order: BTreeMap::new(),
            next: 0,
        }
    }
}

impl<K: Eq + Hash + Clone, V> BoundedMap<K, V> {
    /// Inserts an entry that is never dropped (replacing any entry of that key).
    pub(crate) fn pin(&mut self, key: K, value: V) {
        self.remove(&key);
        self.entries.insert(key, Slot { value, rank: None });
    }

    /// Makes an existing entry pinned.
    pub(crate) fn pin_existing<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(slot) = self.entries.get_mut(key) {
            if let Some(rank) = slot.rank.take() {
                self.order.remove(&rank);
            }
        }
    }

    /// Inserts `value` at `time` (replacing any entry of that key), then drops the first
    /// entries other than this one while more than `cap` (at least 1) are held; returns them.
    pub(crate) fn insert(
        &mut self,
        key: K,
        value: V,
        time: Option<DateTime<Utc>>,
        cap: usize,
    ) -> Vec<(K, V)> {
        self.remove(&key);
        let rank = (time_or_end(time), self.next);
        self.next += 1;
        self.order.insert(rank, key.clone());
        self.entries.insert(
            key.clone(),
            Slot {
                value,
                rank: Some(rank),
            },
        );
        let mut dropped = Vec::new();
        while self.order.len() > cap.max(1) {
            let victim = self
                .order
                .iter()
                .find(|(_, k)| **k != key)
                .map(|(_, k)| k.clone());
            match victim.and_then(|victim| self.remove_entry(&victim)) {
                Some(entry) => dropped.push(entry),
                None => break,
            }
        }
        dropped
    }

    /// Moves an entry to `time` in the order (keeping its insertion tie-break); pinned entries
    /// stay pinned.
    pub(crate) fn rerank<Q>(&mut self, key: &Q, time: Option<DateTime<Utc>>)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some((stored_key, slot)) = self.entries.get_key_value(key) else {
            return;
        };
        let Some(old) = slot.rank else {
            return;
        };
        let new = (time_or_end(time), old.1);
        if old == new {
            return;
        }
        let stored_key = stored_key.clone();
        self.order.remove(&old);
        self.order.insert(new, stored_key);
        if let Some(slot) = self.entries.get_mut(key) {
            slot.rank = Some(new);
        }
    }

    /// Drops every entry whose time is `now` or earlier; returns them.
    pub(crate) fn expire(&mut self, now: DateTime<Utc>) -> Vec<(K, V)> {
        let mut dropped = Vec::new();
        while let Some(entry) = self.order.first_entry() {
            if entry.key().0 > now || entry.key().0 == DateTime::<Utc>::MAX_UTC {
                break;
            }
            let key = entry.remove();
            if let Some(slot) = self.entries.remove(&key) {
                dropped.push((key, slot.value));
            }
        }
        dropped
    }

    /// Drops the first entry in the order whose value passes `test`; returns it.
    pub(crate) fn pop_first_where(&mut self, test: impl Fn(&V) -> bool) -> Option<(K, V)> {
        let key = self
            .order
            .values()
            .find(|key| self.entries.get(*key).is_some_and(|slot| test(&slot.value)))?
            .clone();
        self.remove_entry(&key)
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(key).map(|(_, value)| value)
    }

    fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (key, slot) = self.entries.remove_entry(key)?;
        if let Some(rank) = slot.rank {
            self.order.remove(&rank);
        }
        Some((key, slot.value))
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(key).map(|slot| &slot.value)
    }

    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get_mut(key).map(|slot| &mut slot.value)
    }

    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.contains_key(key)
    }

    /// Every entry, pinned ones included.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries that count against the cap (not pinned).
    pub(crate) fn droppable(&self) -> usize {
        self.order.len()
    }

    /// Every entry, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(key, slot)| (key, &slot.value))
    }

    /// Every value, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values().map(|slot| &slot.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(seconds, 0)
    }

    #[test]
    fn inserting_past_the_cap_drops_the_earliest_timed_then_the_oldest_untimed() {
        let mut map = BoundedMap::default();
        map.pin("seed", 0);
        assert!(map.insert("a", 1, None, 3).is_empty());
        assert!(map.insert("b", 2, at(20), 3).is_empty());
        assert!(map.insert("c", 3, at(10), 3).is_empty());
        assert_eq!(map.insert("d", 4, None, 3), vec![("c", 3)]);
        assert_eq!(map.insert("e", 5, None, 3), vec![("b", 2)]);
        assert_eq!(map.insert("f", 6, None, 3), vec![("a", 1)]);
        assert_eq!(map.len(), 4);
        assert_eq!(map.droppable(), 3);
        assert_eq!(map.get("seed"), Some(&0));
    }

    #[test]
    fn the_entry_just_inserted_is_never_the_one_dropped() {
        let mut map = BoundedMap::default();
        map.insert("late", 1, at(100), 1);
        assert_eq!(map.insert("early", 2, at(1), 1), vec![("late", 1)]);
        assert_eq!(map.get("early"), Some(&2));
    }

    #[test]
    fn expiring_drops_only_entries_whose_time_has_come() {
        let mut map = BoundedMap::default();
        map.insert("a", 1, at(10), 10);
        map.insert("b", 2, at(20), 10);
        map.insert("c", 3, None, 10);
        assert!(map.expire(at(9).unwrap()).is_empty());
        assert_eq!(map.expire(at(10).unwrap()), vec![("a", 1)]);
        map.rerank("c", at(15));
        assert_eq!(map.expire(at(30).unwrap()), vec![("c", 3), ("b", 2)]);
        assert_eq!(map.len(), 0);
    }
}

//! Kept values that are filled by a read and kept current by the writes that follow it, and the
//! one race such a cache has: a write that commits while the read that fills a slot is in flight
//! may or may not be in what the read returns. Such a fill is not kept (the caller still gets
//! what it read, which is as fresh as any read).

use std::collections::HashMap;
use std::hash::Hash;

pub(super) enum Slot<V> {
    /// A read that fills this slot is in flight; `stale` once a write touched its key meanwhile.
    Filling {
        ticket: u64,
        stale: bool,
    },
    Kept(V),
}

pub(super) struct Slots<K, V> {
    pub(super) map: HashMap<K, Slot<V>>,
    next_ticket: u64,
}

impl<K: Hash + Eq + Copy, V> Slots<K, V> {
    pub(super) fn new() -> Self {
        Self { map: HashMap::new(), next_ticket: 0 }
    }

    /// The kept value of `key`, if any.
    pub(super) fn kept(&mut self, key: &K) -> Option<&mut V> {
        match self.map.get_mut(key) {
            Some(Slot::Kept(value)) => Some(value),
            _ => None,
        }
    }

    /// Starts a fill of `key` (replacing what is kept): its ticket, or `None` when another fill is
    /// in flight (the caller reads without keeping what it read).
    pub(super) fn begin_fill(&mut self, key: K) -> Option<u64> {
        if matches!(self.map.get(&key), Some(Slot::Filling { .. })) {
            return None;
        }
        self.next_ticket += 1;
        let ticket = self.next_ticket;
        self.map.insert(key, Slot::Filling { ticket, stale: false });
        Some(ticket)
    }

    /// Keeps `value` if the fill `ticket` is still the slot's and nothing was written to `key`
    /// since it began; otherwise the slot is emptied. Returns whether it was kept.
    pub(super) fn finish_fill(&mut self, key: K, ticket: u64, value: V) -> bool {
        match self.map.get(&key) {
            Some(Slot::Filling { ticket: t, stale: false }) if *t == ticket => {
                self.map.insert(key, Slot::Kept(value));
                true
            }
            Some(Slot::Filling { ticket: t, stale: true }) if *t == ticket => {
                self.map.remove(&key);
                false
            }
            _ => false,
        }
    }

    /// Keeps `value` for a key nothing is kept or being filled for (one that did not exist before
    /// this process created it). Returns whether it was kept.
    pub(super) fn keep_new(&mut self, key: K, value: V) -> bool {
        if self.map.contains_key(&key) {
            return false;
        }
        self.map.insert(key, Slot::Kept(value));
        true
    }

    /// A fill that ended without a value (its read failed, or it was cancelled).
    pub(super) fn abandon_fill(&mut self, key: K, ticket: u64) {
        if matches!(self.map.get(&key), Some(Slot::Filling { ticket: t, .. }) if *t == ticket) {
            self.map.remove(&key);
        }
    }

    /// A committed write to `key`: a fill in flight is marked stale; a kept value is brought up to
    /// date by `apply`, or dropped when `apply` returns `false` (it cannot tell the new value).
    pub(super) fn written(&mut self, key: K, apply: impl FnOnce(&mut V) -> bool) {
        let keep = match self.map.get_mut(&key) {
            Some(Slot::Filling { stale, .. }) => {
                *stale = true;
                true
            }
            Some(Slot::Kept(value)) => apply(value),
            None => true,
        };
        if !keep {
            self.map.remove(&key);
        }
    }

    /// Drops what is kept of `key` (a fill in flight is marked stale).
    pub(super) fn forget(&mut self, key: K) {
        self.written(key, |_| false);
    }

    /// Drops everything kept; fills in flight are marked stale.
    pub(super) fn forget_all(&mut self) {
        self.map.retain(|_, slot| match slot {
            Slot::Filling { stale, .. } => {
                *stale = true;
                true
            }
            Slot::Kept(_) => false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fill_is_kept_only_when_nothing_was_written_meanwhile() {
        let mut slots: Slots<u8, &str> = Slots::new();
        let ticket = slots.begin_fill(1).expect("no fill in flight");
        assert_eq!(slots.begin_fill(1), None, "one fill per key at a time");
        assert!(slots.finish_fill(1, ticket, "read"));
        assert_eq!(slots.kept(&1).map(|v| *v), Some("read"));

        let ticket = slots.begin_fill(2).expect("no fill in flight");
        slots.written(2, |_| true);
        assert!(!slots.finish_fill(2, ticket, "read before the write"), "a write landed during the read");
        assert!(slots.kept(&2).is_none());
        assert!(slots.begin_fill(2).is_some(), "the slot is free again");
    }

    #[test]
    fn writes_update_or_drop_what_is_kept_and_forgetting_outlasts_a_fill() {
        let mut slots: Slots<u8, u32> = Slots::new();
        let ticket = slots.begin_fill(1).expect("free");
        assert!(slots.finish_fill(1, ticket, 1));
        slots.written(1, |v| {
            *v += 1;
            true
        });
        assert_eq!(slots.kept(&1).copied(), Some(2));
        slots.written(1, |_| false);
        assert!(slots.kept(&1).is_none(), "a write the value cannot follow drops it");

        let ticket = slots.begin_fill(3).expect("free");
        slots.forget_all();
        assert!(!slots.finish_fill(3, ticket, 9), "forgetting everything reaches fills in flight");
        let ticket = slots.begin_fill(3).expect("free");
        slots.abandon_fill(3, ticket);
        assert!(slots.begin_fill(3).is_some(), "an abandoned fill frees its slot");
    }
}

//! Kept values that are filled by a read and kept current by the writes that follow it, and the
//! one race such a cache has: a write that commits while the read that fills a slot is in flight
//! may or may not be in what the read returns. Such a fill is not kept (the caller still gets
//! what it read, which is as fresh as any read).

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

/// What a lookup of a kept value found.
pub(super) enum Found<T> {
    /// Kept and fresh. `refresh`: old enough to be read again in the background under this
    /// ticket (the read goes to the slot's fill under it, or the ticket is abandoned); the value
    /// is served meanwhile.
    Kept { value: T, refresh: Option<u64> },
    /// Not kept: read it and fill the slot with this ticket.
    Fill(u64),
    /// Read it, keep nothing (a read of it is in flight).
    Pass,
}

pub(super) enum Slot<V> {
    /// A read that fills this slot is in flight; `stale` once a write touched its key meanwhile.
    Filling {
        ticket: u64,
        stale: bool,
        /// What was kept before a refresh began ([`Slots::begin_refresh`]): still served, and
        /// kept current by writes, until the refresh ends; `None` for a first fill.
        serving: Option<V>,
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

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }

    /// The kept value of `key`, if any (also while a refresh of it is in flight).
    pub(super) fn kept(&mut self, key: &K) -> Option<&mut V> {
        match self.map.get_mut(key) {
            Some(Slot::Kept(value) | Slot::Filling { serving: Some(value), .. }) => Some(value),
            _ => None,
        }
    }

    /// Refresh ahead (decision 037): `take` of the value kept for `key` while `age_of` gives it an
    /// age under `max_age` (`None`: not to be served at all), with a refresh's ticket once that
    /// age is half `max_age` or more.
    pub(super) fn serve_ahead<T>(
        &mut self,
        key: K,
        max_age: Duration,
        age_of: impl FnOnce(&V) -> Option<Duration>,
        take: impl FnOnce(&V) -> T,
    ) -> Option<(T, Option<u64>)> {
        let value = self.kept(&key)?;
        let age = age_of(value).filter(|age| *age < max_age)?;
        let taken = take(value);
        let refresh = if age >= max_age / 2 { self.begin_refresh(key) } else { None };
        Some((taken, refresh))
    }

    /// Starts a fill of `key` (replacing what is kept): its ticket, or `None` when another fill is
    /// in flight (the caller reads without keeping what it read).
    pub(super) fn begin_fill(&mut self, key: K) -> Option<u64> {
        if matches!(self.map.get(&key), Some(Slot::Filling { .. })) {
            return None;
        }
        let ticket = self.ticket();
        self.map.insert(key, Slot::Filling { ticket, stale: false, serving: None });
        Some(ticket)
    }

    /// Starts a refresh of the value kept for `key`, which stays served until the refresh ends:
    /// its ticket, or `None` when nothing is kept or a fill is already in flight.
    pub(super) fn begin_refresh(&mut self, key: K) -> Option<u64> {
        if !matches!(self.map.get(&key), Some(Slot::Kept(_))) {
            return None;
        }
        let ticket = self.ticket();
        let Some(Slot::Kept(value)) = self.map.remove(&key) else { return None };
        self.map.insert(key, Slot::Filling { ticket, stale: false, serving: Some(value) });
        Some(ticket)
    }

    /// Keeps `value` if the fill `ticket` is still the slot's and nothing was written to `key`
    /// since it began; otherwise a refresh's slot keeps serving what it served (kept current by
    /// those writes) and a first fill's slot is emptied. Returns whether `value` was kept.
    pub(super) fn finish_fill(&mut self, key: K, ticket: u64, value: V) -> bool {
        match self.map.remove(&key) {
            Some(Slot::Filling { ticket: t, stale, serving }) if t == ticket => {
                if !stale {
                    self.map.insert(key, Slot::Kept(value));
                    return true;
                }
                if let Some(served) = serving {
                    self.map.insert(key, Slot::Kept(served));
                }
                false
            }
            Some(other) => {
                self.map.insert(key, other);
                false
            }
            None => false,
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

    /// A fill that ended without a value (its read failed, or it was cancelled): a refresh's slot
    /// goes back to what it served, a first fill's is emptied.
    pub(super) fn abandon_fill(&mut self, key: K, ticket: u64) {
        if !matches!(self.map.get(&key), Some(Slot::Filling { ticket: t, .. }) if *t == ticket) {
            return;
        }
        if let Some(Slot::Filling { serving: Some(served), .. }) = self.map.remove(&key) {
            self.map.insert(key, Slot::Kept(served));
        }
    }

    /// A committed write to `key`: a fill in flight is marked stale; a kept value (also one served
    /// during a refresh) is brought up to date by `apply`, or dropped with its slot when `apply`
    /// returns `false` (it cannot tell the new value).
    pub(super) fn written(&mut self, key: K, apply: impl FnOnce(&mut V) -> bool) {
        let keep = match self.map.get_mut(&key) {
            Some(Slot::Filling { stale, serving, .. }) => {
                *stale = true;
                serving.as_mut().is_none_or(apply)
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

    /// Drops everything kept; first fills in flight are marked stale, refreshes are dropped.
    pub(super) fn forget_all(&mut self) {
        self.map.retain(|_, slot| match slot {
            Slot::Filling { stale, serving: None, .. } => {
                *stale = true;
                true
            }
            Slot::Filling { serving: Some(_), .. } | Slot::Kept(_) => false,
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
    #[test]
    fn a_refresh_serves_the_kept_value_until_it_ends() {
        let mut slots: Slots<u8, u32> = Slots::new();
        assert_eq!(slots.begin_refresh(1), None, "nothing kept, nothing to refresh");
        let ticket = slots.begin_fill(1).expect("free");
        assert_eq!(slots.begin_refresh(1), None, "a first fill is in flight");
        assert!(slots.finish_fill(1, ticket, 10));

        let ticket = slots.begin_refresh(1).expect("kept");
        assert_eq!(slots.kept(&1).copied(), Some(10), "served while the refresh is in flight");
        assert_eq!(slots.begin_refresh(1), None, "one refresh at a time");
        assert_eq!(slots.begin_fill(1), None, "no fill beside a refresh");
        assert!(slots.finish_fill(1, ticket, 11));
        assert_eq!(slots.kept(&1).copied(), Some(11), "the refresh's read replaces it");

        // A write during the refresh: the read may or may not hold it, so it is not kept, and the
        // value served, which the write updated, stays.
        let ticket = slots.begin_refresh(1).expect("kept");
        slots.written(1, |v| {
            *v += 5;
            true
        });
        assert_eq!(slots.kept(&1).copied(), Some(16));
        assert!(!slots.finish_fill(1, ticket, 11));
        assert_eq!(slots.kept(&1).copied(), Some(16));

        // A failed refresh keeps serving; a forgotten key drops both.
        let ticket = slots.begin_refresh(1).expect("kept");
        slots.abandon_fill(1, ticket);
        assert_eq!(slots.kept(&1).copied(), Some(16));
        let ticket = slots.begin_refresh(1).expect("kept");
        slots.forget(1);
        assert!(slots.kept(&1).is_none());
        assert!(!slots.finish_fill(1, ticket, 20), "a forgotten key takes no refresh");
        assert!(slots.kept(&1).is_none());

        let ticket = slots.begin_fill(2).expect("free");
        assert!(slots.finish_fill(2, ticket, 1));
        let ticket = slots.begin_refresh(2).expect("kept");
        slots.forget_all();
        assert!(slots.kept(&2).is_none());
        assert!(!slots.finish_fill(2, ticket, 2), "forgetting everything reaches refreshes");
    }
}

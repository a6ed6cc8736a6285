//! Counters keyed by a small number, found without a lock: HTTP statuses per route and method.
//! A route sees a handful of distinct statuses, so a short array searched linearly beats a map,
//! and claiming a free slot is one compare-and-swap.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};

const SLOTS: usize = 16;

/// Up to 16 distinct keys; a 17th and later are counted under key 0 (rendered as "other").
#[derive(Debug, Default)]
pub struct SlotCounters {
    keys: [AtomicU16; SLOTS],
    counts: [AtomicU64; SLOTS],
    overflow: AtomicU64,
}

impl SlotCounters {
    /// Adds one to `key` (non-zero).
    pub fn inc(&self, key: u16) {
        for (slot, count) in self.keys.iter().zip(&self.counts) {
            let current = slot.load(Ordering::Acquire);
            if current == key {
                count.fetch_add(1, Ordering::Relaxed);
                return;
            }
            if current == 0 {
                match slot.compare_exchange(0, key, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => {
                        count.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    // Another thread claimed it first, perhaps for this very key.
                    Err(claimed) if claimed == key => {
                        count.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Err(_) => {}
                }
            }
        }
        self.overflow.fetch_add(1, Ordering::Relaxed);
    }

    /// `(key, count)` of every claimed slot, by key; key 0 for the overflow when it is non-zero.
    pub fn snapshot(&self) -> Vec<(u16, u64)> {
        let mut out: Vec<(u16, u64)> = self
            .keys
            .iter()
            .zip(&self.counts)
            .map(|(k, c)| (k.load(Ordering::Acquire), c.load(Ordering::Relaxed)))
            .filter(|(k, _)| *k != 0)
            .collect();
        out.sort_unstable();
        let overflow = self.overflow.load(Ordering::Relaxed);
        if overflow > 0 {
            out.push((0, overflow));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn counts_each_key_and_overflows_past_sixteen() {
        let c = SlotCounters::default();
        for key in 1..=20u16 {
            c.inc(key);
        }
        c.inc(3);
        let snap = c.snapshot();
        assert_eq!(snap.len(), 17);
        assert!(snap.contains(&(3, 2)));
        assert_eq!(snap.last(), Some(&(0, 4)));
    }

    #[test]
    fn threads_racing_for_one_key_share_one_slot() {
        let c = Arc::new(SlotCounters::default());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        c.inc(200);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(c.snapshot(), vec![(200, 4000)]);
    }
}

//! In-process sliding-window throttles for security events (failed logins, registrations).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts events per key within a sliding window and refuses once `max` are inside it.
///
/// Memory is bounded: each key keeps at most `max` timestamps, and keys whose events have all
/// left the window are dropped whenever the map reaches its pruning threshold: `PRUNE_AT`
/// entries, or twice the keys left by the last pruning when more were still live, so that many
/// live keys do not make every call scan them all (the scans stay amortised O(1) per call and the
/// map at most twice its live keys).
/// The state is per process; with several instances each enforces its own count (documented).
pub struct Throttle {
    max: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// The map's size at which the next pruning runs (read and written under `events`' lock).
    prune_at: AtomicUsize,
}

/// Whether an action may proceed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleDecision {
    Allow,
    /// Refused; the oldest counted event leaves the window after this long.
    Deny {
        retry_after: Duration,
    },
}

const PRUNE_AT: usize = 10_000;

impl Throttle {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max: max.max(1) as usize,
            window,
            events: Mutex::new(HashMap::new()),
            prune_at: AtomicUsize::new(PRUNE_AT),
        }
    }

    /// Decides without recording.
    pub fn check(&self, key: &str) -> ThrottleDecision {
        self.check_at(key, Instant::now())
    }

    /// Decides and, when allowed, records the event, under one lock: for limits on actions
    /// (sends per user) rather than on failures, where two racing callers must not both pass.
    pub fn try_acquire(&self, key: &str) -> ThrottleDecision {
        self.try_acquire_at(key, Instant::now())
    }

    fn try_acquire_at(&self, key: &str, now: Instant) -> ThrottleDecision {
        let mut events = self.lock();
        self.prune(&mut events, now);
        let times = events.entry(key.to_owned()).or_default();
        Self::expire(times, now, self.window);
        if let Some(decision) = self.deny(times, now) {
            return decision;
        }
        times.push_back(now);
        ThrottleDecision::Allow
    }

    /// `Some(Deny)` when `times` (already expired) holds `max` events.
    fn deny(&self, times: &VecDeque<Instant>, now: Instant) -> Option<ThrottleDecision> {
        let oldest = times.front().filter(|_| times.len() >= self.max)?;
        Some(ThrottleDecision::Deny {
            retry_after: (*oldest + self.window).saturating_duration_since(now).max(Duration::from_secs(1)),
        })
    }

    /// Records one event for `key`.
    pub fn record(&self, key: &str) {
        self.record_at(key, Instant::now());
    }

    /// Gives back one event of `key` recorded by [`Self::try_acquire`]: a reserved attempt that
    /// turned out not to count (a successful login).
    pub fn release(&self, key: &str) {
        let mut events = self.lock();
        if let Some(times) = events.get_mut(key) {
            times.pop_back();
            if times.is_empty() {
                events.remove(key);
            }
        }
    }

    /// Forgets `key` (for example after a successful login).
    pub fn reset(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic while holding this lock cannot leave the map inconsistent (each operation is
        // a single insert/remove), so a poisoned lock is safe to keep using.
        self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn check_at(&self, key: &str, now: Instant) -> ThrottleDecision {
        let mut events = self.lock();
        let Some(times) = events.get_mut(key) else { return ThrottleDecision::Allow };
        Self::expire(times, now, self.window);
        self.deny(times, now).unwrap_or(ThrottleDecision::Allow)
    }

    fn record_at(&self, key: &str, now: Instant) {
        let mut events = self.lock();
        self.prune(&mut events, now);
        let times = events.entry(key.to_owned()).or_default();
        Self::expire(times, now, self.window);
        if times.len() >= self.max {
            times.pop_front();
        }
        times.push_back(now);
    }

    /// Forgets keys whose events have all left the window, once the map is large: one entry per
    /// client address or account ever seen would otherwise grow without end.
    fn prune(&self, events: &mut HashMap<String, VecDeque<Instant>>, now: Instant) {
        if events.len() >= self.prune_at.load(Ordering::Relaxed) {
            let window = self.window;
            events.retain(|_, times| {
                Self::expire(times, now, window);
                !times.is_empty()
            });
            self.prune_at.store(PRUNE_AT.max(events.len() * 2), Ordering::Relaxed);
        }
    }

    fn expire(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denies_after_max_until_the_window_passes() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(throttle.check_at("k", start), ThrottleDecision::Allow, "event {i}");
            throttle.record_at("k", start + Duration::from_secs(i));
        }
        let now = start + Duration::from_secs(10);
        assert_eq!(
            throttle.check_at("k", now),
            ThrottleDecision::Deny { retry_after: Duration::from_secs(50) }
        );
        assert_eq!(throttle.check_at("other", now), ThrottleDecision::Allow);
        assert_eq!(throttle.check_at("k", start + Duration::from_secs(60)), ThrottleDecision::Allow);
    }

    #[test]
    fn try_acquire_counts_only_what_it_allows() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        assert_eq!(throttle.try_acquire("u"), ThrottleDecision::Allow);
        assert_eq!(throttle.try_acquire("u"), ThrottleDecision::Allow);
        assert!(matches!(throttle.try_acquire("u"), ThrottleDecision::Deny { .. }));
        assert_eq!(throttle.lock().get("u").map(VecDeque::len), Some(2), "refusals are not recorded");
    }

    #[test]
    fn keys_whose_events_expired_are_pruned_by_either_way_of_counting() {
        let throttle = Throttle::new(5, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..PRUNE_AT {
            throttle.try_acquire_at(&format!("client-{i}"), start);
        }
        let later = start + Duration::from_secs(61);
        throttle.try_acquire_at("newcomer", later);
        assert_eq!(throttle.lock().len(), 1, "only the key with an event in the window is left");
        for i in 0..PRUNE_AT - 1 {
            throttle.record_at(&format!("failure-{i}"), later);
        }
        throttle.record_at("last", later + Duration::from_secs(61));
        assert_eq!(throttle.lock().len(), 1);
    }

    #[test]
    fn many_live_keys_are_not_scanned_on_every_call() {
        let throttle = Throttle::new(5, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..PRUNE_AT + 10 {
            throttle.try_acquire_at(&format!("live-{i}"), start);
        }
        // The pruning at PRUNE_AT found every key live: the next one waits for twice as many.
        assert_eq!(throttle.prune_at.load(Ordering::Relaxed), 2 * PRUNE_AT);
        // Once they have expired, the map still shrinks when it reaches that threshold.
        let later = start + Duration::from_secs(61);
        for i in 0..PRUNE_AT {
            throttle.try_acquire_at(&format!("new-{i}"), later);
        }
        let left = throttle.lock().len();
        assert!(left <= PRUNE_AT, "expired keys were dropped: {left} left");
        assert!(throttle.lock().keys().all(|k| k.starts_with("new-")), "only live keys stay");
    }

    #[test]
    fn release_gives_back_a_reservation() {
        let throttle = Throttle::new(1, Duration::from_secs(60));
        assert_eq!(throttle.try_acquire("u"), ThrottleDecision::Allow);
        assert!(matches!(throttle.try_acquire("u"), ThrottleDecision::Deny { .. }));
        throttle.release("u");
        assert_eq!(throttle.try_acquire("u"), ThrottleDecision::Allow);
        throttle.release("u");
        throttle.release("u");
        assert!(throttle.lock().is_empty(), "releasing more than was reserved changes nothing");
    }

    #[test]
    fn reset_forgets() {
        let throttle = Throttle::new(1, Duration::from_secs(60));
        throttle.record("k");
        assert!(matches!(throttle.check("k"), ThrottleDecision::Deny { .. }));
        throttle.reset("k");
        assert_eq!(throttle.check("k"), ThrottleDecision::Allow);
    }

    #[test]
    fn memory_per_key_is_bounded() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        for _ in 0..100 {
            throttle.record("k");
        }
        assert_eq!(throttle.lock().get("k").map(VecDeque::len), Some(2));
    }
}

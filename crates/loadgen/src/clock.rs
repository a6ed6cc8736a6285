//! Instants another process can read: nanoseconds of `CLOCK_MONOTONIC`, the clock `Instant` reads
//! on Linux. The mock model, when it runs in a process of its own (`chatbot-loadgen upstream`),
//! notes its times on it, and `chat` reads them back onto its own `Instant`s: one clock for both
//! ends of every latency, as when the mock runs inside the load generator.

use rustix::time::{ClockId, clock_gettime};
use std::time::{Duration, Instant};

/// An `Instant` and the monotonic nanoseconds read next to it: the mapping between the two.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: Instant,
    base_ns: u64,
}

fn now_ns() -> u64 {
    let now = clock_gettime(ClockId::Monotonic);
    let (secs, nanos) = (u64::try_from(now.tv_sec).unwrap_or(0), u64::try_from(now.tv_nsec).unwrap_or(0));
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Clock {
    pub fn new() -> Self {
        Self { base: Instant::now(), base_ns: now_ns() }
    }

    /// `at` as monotonic nanoseconds.
    pub fn ns(&self, at: Instant) -> u64 {
        match at.checked_duration_since(self.base) {
            Some(after) => self.base_ns.saturating_add(nanos(after)),
            None => self.base_ns.saturating_sub(nanos(self.base.duration_since(at))),
        }
    }

    /// Monotonic nanoseconds (of any process on this machine) as an `Instant` of this one.
    pub fn instant(&self, ns: u64) -> Instant {
        if ns >= self.base_ns {
            self.base + Duration::from_nanos(ns - self.base_ns)
        } else {
            let before = Duration::from_nanos(self.base_ns - ns);
            self.base.checked_sub(before).unwrap_or(self.base)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_go_to_nanoseconds_and_back() {
        let clock = Clock::new();
        let earlier = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let later = Instant::now();
        for at in [earlier, later] {
            let back = clock.instant(clock.ns(at));
            let off = back.max(at) - back.min(at);
            assert!(off < Duration::from_micros(1), "{off:?}");
        }
        // Another reading of the same clock (as another process would make) agrees with it.
        let other = Clock::new();
        let off = clock.ns(later).abs_diff(other.ns(later));
        assert!(off < 1_000_000, "two mappings of one clock differ by {off} ns");
    }
}

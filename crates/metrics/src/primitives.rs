//! The three kinds of series. Recording is one or two relaxed atomic adds: no lock, no
//! allocation, so a counter can sit on the hottest path (every Socket.IO event, every delivery).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down (connections, streams in flight).
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub const fn new() -> Self {
        Self(AtomicI64::new(0))
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }

    /// One more for as long as the returned guard lives (a connection, an answer waiting or
    /// streaming), so every way out of the scope, early returns included, gives it back.
    pub fn hold(&'static self) -> GaugeHold {
        self.inc();
        GaugeHold(self)
    }
}

/// See [`Gauge::hold`].
#[derive(Debug)]
#[must_use = "the gauge goes back down when this is dropped"]
pub struct GaugeHold(&'static Gauge);

impl Drop for GaugeHold {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Upper bounds (seconds) for request-scale latencies: HTTP, database, fan-out.
pub const FAST_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Upper bounds (seconds) for model calls: time to first token and stream duration.
pub const LLM_BUCKETS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0, 300.0];

/// A latency distribution in fixed buckets (Prometheus `histogram`). Observing finds the bucket
/// by binary search over at most a few dozen bounds, then adds to it and to the sum; the count
/// and the cumulative bucket values are computed when rendered, not kept.
#[derive(Debug)]
pub struct Histogram {
    /// Bucket upper bounds in seconds, for rendering `le`.
    bounds: &'static [f64],
    /// The same bounds in nanoseconds, for comparing without floating point.
    bounds_nanos: Box<[u64]>,
    /// One count per bound, and a last one for `+Inf`; not cumulative.
    counts: Box<[AtomicU64]>,
    sum_nanos: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        let bounds_nanos =
            bounds.iter().map(|s| Duration::from_secs_f64(*s).as_nanos()).map(saturate).collect();
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Self { bounds, bounds_nanos, counts, sum_nanos: AtomicU64::new(0) }
    }

    pub fn observe(&self, elapsed: Duration) {
        let nanos = saturate(elapsed.as_nanos());
        // First bound >= the value: Prometheus buckets are "less than or equal".
        let index = self.bounds_nanos.partition_point(|bound| *bound < nanos);
        if let Some(count) = self.counts.get(index) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// `(upper bound, cumulative count)` per bucket, `+Inf` last as `f64::INFINITY`; the total
    /// count; the sum in seconds.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(self.counts.len());
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            buckets.push((self.bounds.get(i).copied().unwrap_or(f64::INFINITY), cumulative));
        }
        let sum_seconds = Duration::from_nanos(self.sum_nanos.load(Ordering::Relaxed)).as_secs_f64();
        HistogramSnapshot { buckets, count: cumulative, sum_seconds }
    }
}

/// A histogram's values at one moment, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum_seconds: f64,
}

fn saturate(nanos: u128) -> u64 {
    u64::try_from(nanos).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_on_a_bound_counts_in_that_bucket() {
        let h = Histogram::new(&[0.001, 0.01]);
        h.observe(Duration::from_millis(1));
        h.observe(Duration::from_micros(1500));
        h.observe(Duration::from_secs(3));
        let s = h.snapshot();
        assert_eq!(s.buckets, vec![(0.001, 1), (0.01, 2), (f64::INFINITY, 3)]);
        assert_eq!(s.count, 3);
        assert!((s.sum_seconds - 3.0025).abs() < 1e-9, "{}", s.sum_seconds);
    }

    #[test]
    fn a_hold_counts_until_dropped() {
        static HELD: Gauge = Gauge::new();
        let first = HELD.hold();
        let second = HELD.hold();
        assert_eq!(HELD.get(), 2);
        drop(first);
        assert_eq!(HELD.get(), 1);
        drop(second);
        assert_eq!(HELD.get(), 0);
    }

    #[test]
    fn gauges_go_both_ways() {
        let g = Gauge::new();
        g.inc();
        g.inc();
        g.dec();
        assert_eq!(g.get(), 1);
        g.set(-4);
        assert_eq!(g.get(), -4);
    }
}

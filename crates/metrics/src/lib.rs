//! Prometheus metrics for the whole process (SPEC §7), with no dependency: atomic series, the
//! catalogue of names and labels, and the text exposition served at `/metrics`.
//!
//! One [`Metrics`] per process, reached through [`metrics()`]: a scrape describes a process, and
//! every layer (store, services, gateway, HTTP) records into it without a handle being threaded
//! through constructors that have nothing else to do with metrics. Tests that need isolation
//! build their own [`Metrics`].

mod primitives;
mod process;
mod registry;
mod render;
mod slots;

pub use primitives::{Counter, FAST_BUCKETS, Gauge, GaugeHold, Histogram, HistogramSnapshot, LLM_BUCKETS};
pub use registry::{
    LLM_OUTCOMES, LlmSeries, Metrics, RECENT_READS, RECENT_SOURCES, ROLES, TOKEN_KINDS, WS_EVENTS,
    WS_OUTCOMES,
};
pub use render::CONTENT_TYPE;

use std::sync::LazyLock;

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

#[cfg(test)]
mod tests;

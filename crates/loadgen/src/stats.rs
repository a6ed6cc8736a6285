//! Percentiles of a latency sample.

use serde_json::{Value, json};
use std::time::Duration;

/// `{p50, p95, p99, max}` in milliseconds (three decimals), nearest-rank percentiles.
pub fn summary(samples: &mut [Duration]) -> Value {
    if samples.is_empty() {
        return Value::Null;
    }
    samples.sort_unstable();
    let pick = |p: f64| {
        let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
        ms(samples[rank.clamp(1, samples.len()) - 1])
    };
    json!({ "p50": pick(50.0), "p95": pick(95.0), "p99": pick(99.0), "max": ms(samples[samples.len() - 1]) })
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = summary(&mut samples);
        assert_eq!(
            (s["p50"].as_f64(), s["p99"].as_f64(), s["max"].as_f64()),
            (Some(50.0), Some(99.0), Some(100.0))
        );
        assert!(summary(&mut []).is_null());
    }
}

//! Retrying a request that failed before its stream began (SPEC §6, fixtures README).
//!
//! Only errors returned by [`Provider::stream`] are retried: once text has reached the room, a
//! retry would repeat it. 429 waits at least the upstream's `retry-after` (up to
//! `max_retry_after`); 529 and 5xx back off exponentially with full jitter; spend limits,
//! credentials and invalid requests never retry.

use crate::{ChatRequest, EventStream, LlmError, Provider};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// The first backoff's ceiling; doubled per attempt.
    pub base_delay: Duration,
    /// Cap of one backoff's ceiling.
    pub max_delay: Duration,
    /// The longest an upstream's `retry-after` is honoured: a longer request is waited only this
    /// long (an answer should not hang for minutes; the next attempt then fails or succeeds).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The ceiling of the backoff before attempt `attempt + 1` (attempt counts from 1):
    /// `base_delay × 2^(attempt − 1)`, capped at `max_delay`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        self.base_delay.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(self.max_delay)
    }

    /// The pause before attempt `attempt + 1` (attempt counts from 1), or `None` to give up: the
    /// error is not retryable, or this was the last attempt. Full jitter: a uniform pause between
    /// zero and the backoff ceiling, so many clients retrying at once spread out. A rate limit
    /// waits `max(retry-after capped at max_retry_after, that pause)`.
    pub fn delay(&self, attempt: u32, error: &LlmError) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return None;
        }
        let jittered = self.backoff_ceiling(attempt).mul_f64(rand::random::<f64>());
        Some(match error.retry_after() {
            Some(wait) => wait.min(self.max_retry_after).max(jittered),
            None => jittered,
        })
    }
}

/// `provider.stream(request)`, retried per `policy`: at most `max_attempts` calls in all, only
/// for [`LlmError::is_retryable`] errors, pausing per [`RetryPolicy::delay`]. The last error is
/// returned as it came. Dropping the future (the answer was stopped) abandons any pause.
pub async fn stream_with_retry(
    provider: &dyn Provider,
    request: ChatRequest,
    policy: &RetryPolicy,
) -> Result<EventStream, LlmError> {
    let mut attempt = 1;
    loop {
        match provider.stream(request.clone()).await {
            Ok(stream) => return Ok(stream),
            Err(error) => match policy.delay(attempt, &error) {
                Some(pause) => {
                    tracing::info!(provider = provider.name(), attempt, ?pause, error = %error, "retrying upstream request");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                None => return Err(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_errors_retry_and_attempts_are_bounded() {
        let policy = RetryPolicy::default();
        let overloaded = LlmError::Overloaded { message: "x".into() };
        assert!(policy.delay(1, &overloaded).is_some_and(|d| d <= Duration::from_millis(500)));
        assert!(policy.delay(2, &overloaded).is_some_and(|d| d <= Duration::from_secs(1)));
        assert!(policy.delay(3, &overloaded).is_none(), "three attempts in all");
        for never in [
            LlmError::SpendLimit { message: "x".into() },
            LlmError::Auth { message: "x".into() },
            LlmError::InvalidRequest { message: "x".into() },
            LlmError::Upstream { kind: "x".into(), message: "x".into() },
        ] {
            assert!(policy.delay(1, &never).is_none(), "{never:?}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy { max_attempts: 10, ..RetryPolicy::default() };
        let ceilings: Vec<u64> = (1..=6).map(|a| policy.backoff_ceiling(a).as_millis() as u64).collect();
        assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 8000]);
        let overloaded = LlmError::Overloaded { message: "x".into() };
        for attempt in 1..10 {
            let pause = policy.delay(attempt, &overloaded).expect("retryable");
            assert!(pause <= policy.backoff_ceiling(attempt), "attempt {attempt}: {pause:?}");
        }
    }

    #[test]
    fn jitter_spreads_the_pauses() {
        let policy = RetryPolicy::default();
        let overloaded = LlmError::Overloaded { message: "x".into() };
        let pauses: std::collections::HashSet<Duration> =
            (0..20).filter_map(|_| policy.delay(2, &overloaded)).collect();
        assert!(pauses.len() > 10, "random pauses, not one fixed delay");
    }

    #[test]
    fn rate_limits_wait_at_least_retry_after_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let limited =
            LlmError::RateLimited { retry_after: Some(Duration::from_secs(7)), message: "x".into() };
        assert!(policy.delay(1, &limited).is_some_and(|d| d >= Duration::from_secs(7)));
        let too_long =
            LlmError::RateLimited { retry_after: Some(Duration::from_secs(3600)), message: "x".into() };
        assert_eq!(policy.delay(1, &too_long), Some(Duration::from_secs(60)), "capped");
        let no_hint = LlmError::RateLimited { retry_after: None, message: "x".into() };
        assert!(policy.delay(1, &no_hint).is_some_and(|d| d <= Duration::from_millis(500)));
        assert!(policy.delay(3, &limited).is_none(), "bounded");
    }

    #[test]
    fn timeouts_before_the_first_byte_retry_idle_ones_do_not() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, &LlmError::Timeout { phase: "connect" }).is_some());
        assert!(policy.delay(1, &LlmError::Timeout { phase: "first_byte" }).is_some());
        assert!(policy.delay(1, &LlmError::Timeout { phase: "idle" }).is_none());
        assert!(policy.delay(1, &LlmError::Incomplete).is_none());
    }
}

//! Retrying a request that failed before its stream began (SPEC §6, fixtures README).
//!
//! Only errors returned by [`Provider::stream`] are retried: once text has reached the room, a
//! retry would repeat it. 429 waits at least the upstream's `retry-after`; 529 and 5xx back off
//! exponentially with full jitter; spend limits, credentials and invalid requests never retry.

use crate::{ChatRequest, EventStream, LlmError, Provider};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubled per attempt.
    pub base_delay: Duration,
    /// Cap of one backoff.
    pub max_delay: Duration,
    /// Cap on how long an upstream `retry-after` is honoured (beyond it, give up).
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
    /// The pause before attempt `attempt + 1` (attempt counts from 1), or `None` to give up.
    pub fn delay(&self, attempt: u32, error: &LlmError) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return None;
        }
        let exponential = self.base_delay.saturating_mul(1 << (attempt - 1).min(16)).min(self.max_delay);
        let jittered = exponential.mul_f64(rand::random::<f64>());
        match error.retry_after() {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait.max(jittered)),
            None => Some(jittered),
        }
    }
}

/// `provider.stream(request)`, retried per `policy`.
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
    fn rate_limits_wait_at_least_retry_after() {
        let policy = RetryPolicy::default();
        let limited =
            LlmError::RateLimited { retry_after: Some(Duration::from_secs(7)), message: "x".into() };
        assert!(policy.delay(1, &limited).is_some_and(|d| d >= Duration::from_secs(7)));
        let too_long =
            LlmError::RateLimited { retry_after: Some(Duration::from_secs(3600)), message: "x".into() };
        assert!(policy.delay(1, &too_long).is_none());
    }
}

//! A throttle every instance shares ([`chatbot_redis::shared::Shared`], when `REDIS_URL` is set),
//! falling back to this process's own count ([`Throttle`]) while Redis cannot be reached.
//!
//! Shared, a limit means what it says however many instances there are: ten failed sign-ins
//! spread over three instances are ten, not three and a bit each (SPEC §5).

use crate::throttle::{Throttle, ThrottleDecision};
use chatbot_redis::shared::Shared;
use std::time::Duration;

pub struct Limit {
    /// Part of its Redis key (`<prefix>limit:<name>:<key>`).
    name: &'static str,
    max: u32,
    window: Duration,
    local: Throttle,
    shared: Option<Shared>,
}

impl Limit {
    pub fn new(name: &'static str, (max, window): (u32, Duration), shared: Option<Shared>) -> Self {
        Self { name, max, window, local: Throttle::new(max, window), shared }
    }

    /// Counts one event for `key` unless `max` are already in the window.
    pub async fn try_acquire(&self, key: &str) -> ThrottleDecision {
        if let Some(shared) = &self.shared {
            let result = shared.acquire(self.name, key, self.max, self.window).await;
            shared.note(&result);
            if let Ok(wait) = result {
                return match wait {
                    None => ThrottleDecision::Allow,
                    // Whole seconds, as `Retry-After` says them.
                    Some(wait) => ThrottleDecision::Deny { retry_after: wait.max(Duration::from_secs(1)) },
                };
            }
        }
        self.local.try_acquire(key)
    }

    /// Gives back one counted event of `key` (an attempt that turned out not to count), where
    /// it is being counted now.
    pub fn release(&self, key: &str) {
        match &self.shared {
            Some(shared) if !shared.is_degraded() => shared.release(self.name, key),
            _ => self.local.release(key),
        }
    }

    /// Forgets `key`'s events, shared and local.
    pub fn reset(&self, key: &str) {
        if let Some(shared) = &self.shared {
            shared.reset(self.name, key);
        }
        self.local.reset(key);
    }
}

//! Per-socket limits: events per second, and `typing` forwarding.

use chatbot_domain::RoomId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` events per one-second window; the excess is refused with `rate_limited`.
pub struct EventRate {
    max: u32,
    window: Mutex<(Instant, u32)>,
}

impl EventRate {
    pub fn new(max: u32) -> Self {
        Self { max: max.max(1), window: Mutex::new((Instant::now(), 0)) }
    }

    /// Counts one event; `Err(retry_after)` when over the limit.
    pub fn allow(&self) -> Result<(), Duration> {
        self.allow_at(Instant::now())
    }

    fn allow_at(&self, now: Instant) -> Result<(), Duration> {
        let mut window = self.window.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(window.0);
        if elapsed >= Duration::from_secs(1) {
            *window = (now, 0);
        }
        if window.1 >= self.max {
            return Err(Duration::from_secs(1).saturating_sub(elapsed).max(Duration::from_millis(1)));
        }
        window.1 += 1;
        Ok(())
    }
}

/// Forwards a socket's `typing` state at most once per interval per room, except that a change
/// of state (started/stopped) always goes through, so "stopped typing" is never lost.
pub struct TypingGate {
    interval: Duration,
    last: Mutex<HashMap<RoomId, (Instant, bool)>>,
}

impl TypingGate {
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: Mutex::new(HashMap::new()) }
    }

    pub fn should_forward(&self, room: RoomId, typing: bool) -> bool {
        self.should_forward_at(room, typing, Instant::now())
    }

    fn should_forward_at(&self, room: RoomId, typing: bool, now: Instant) -> bool {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let forward = match last.get(&room) {
            Some((at, state)) => *state != typing || now.saturating_duration_since(*at) >= self.interval,
            None => true,
        };
        if forward {
            last.insert(room, (now, typing));
        }
        forward
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_rate_refuses_the_excess_within_a_second() {
        let rate = EventRate::new(2);
        let start = Instant::now();
        assert!(rate.allow_at(start).is_ok());
        assert!(rate.allow_at(start).is_ok());
        assert!(rate.allow_at(start + Duration::from_millis(500)).is_err());
        assert!(rate.allow_at(start + Duration::from_secs(1)).is_ok(), "a new window");
    }

    #[test]
    fn typing_is_throttled_but_changes_pass() {
        let gate = TypingGate::new(Duration::from_secs(2));
        let room = RoomId::new();
        let start = Instant::now();
        assert!(gate.should_forward_at(room, true, start));
        assert!(!gate.should_forward_at(room, true, start + Duration::from_millis(500)));
        assert!(
            gate.should_forward_at(room, false, start + Duration::from_millis(600)),
            "stop always passes"
        );
        assert!(gate.should_forward_at(room, true, start + Duration::from_millis(700)));
        assert!(gate.should_forward_at(room, true, start + Duration::from_secs(3)));
        assert!(gate.should_forward_at(RoomId::new(), true, start), "per room");
    }
}

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

/// Forwards a socket's `typing` per room: a start at most once per interval, a stop only after a
/// forwarded start (so "stopped typing" follows every start others saw, and toggling cannot flood
/// the room).
pub struct TypingGate {
    interval: Duration,
    /// Per room: when the last forwarded start was, and whether the last forwarded state is
    /// "typing".
    last: Mutex<HashMap<RoomId, (Instant, bool)>>,
}

impl TypingGate {
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: Mutex::new(HashMap::new()) }
    }

    pub fn should_forward(&self, room: RoomId, typing: bool) -> bool {
        self.should_forward_at(room, typing, Instant::now())
    }

    /// A start passes once per interval; a stop passes only after a forwarded start. So toggling
    /// on and off reaches the room as at most one start and one stop per interval, and a stop is
    /// never lost after a start others saw.
    fn should_forward_at(&self, room: RoomId, typing: bool, now: Instant) -> bool {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match (last.get_mut(&room), typing) {
            (None, true) => {
                last.insert(room, (now, true));
                true
            }
            (None, false) => false,
            (Some((started, state)), true) => {
                let forward = now.saturating_duration_since(*started) >= self.interval;
                if forward {
                    *started = now;
                    *state = true;
                }
                forward
            }
            (Some((_, state)), false) => std::mem::replace(state, false),
        }
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
    fn one_start_per_interval_and_a_stop_only_after_a_start() {
        let gate = TypingGate::new(Duration::from_secs(2));
        let room = RoomId::new();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert!(!gate.should_forward_at(room, false, start), "a stop without a start says nothing");
        assert!(gate.should_forward_at(room, true, start));
        assert!(!gate.should_forward_at(room, true, at(500)), "a repeated start within the interval");
        assert!(gate.should_forward_at(room, false, at(600)), "the stop after a forwarded start");
        assert!(!gate.should_forward_at(room, false, at(650)), "a second stop");
        assert!(!gate.should_forward_at(room, true, at(700)), "toggling back on within the interval");
        assert!(!gate.should_forward_at(room, false, at(800)), "so its stop is not forwarded either");
        assert!(gate.should_forward_at(room, true, at(2000)), "the next interval");
        assert!(gate.should_forward_at(RoomId::new(), true, start), "per room");
    }
}

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

/// Starts of typing forwarded per room and interval at most: enough for "typing, cleared the
/// box, typing again" to show, too few for toggling to flood the room.
const STARTS_PER_INTERVAL: u32 = 2;

/// Forwards a socket's `typing` per room: a start at most [`STARTS_PER_INTERVAL`] times per
/// interval (and a renewal while typing once per interval), a stop only after a forwarded start,
/// so "stopped typing" follows every start others saw and toggling reaches the room as at most
/// two starts and two stops per interval.
pub struct TypingGate {
    interval: Duration,
    rooms: Mutex<HashMap<RoomId, RoomTyping>>,
}

/// What the gate remembers of one room.
struct RoomTyping {
    /// Start of the current interval and the starts forwarded in it.
    window: Instant,
    starts: u32,
    last_start: Instant,
    /// Whether the last forwarded state is "typing".
    typing: bool,
}

impl TypingGate {
    pub fn new(interval: Duration) -> Self {
        Self { interval, rooms: Mutex::new(HashMap::new()) }
    }

    pub fn should_forward(&self, room: RoomId, typing: bool) -> bool {
        self.should_forward_at(room, typing, Instant::now())
    }

    fn should_forward_at(&self, room: RoomId, typing: bool, now: Instant) -> bool {
        let mut rooms = self.rooms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !typing {
            return rooms.get_mut(&room).is_some_and(|r| std::mem::replace(&mut r.typing, false));
        }
        let r = rooms.entry(room).or_insert(RoomTyping {
            window: now,
            starts: 0,
            last_start: now,
            typing: false,
        });
        if r.typing && now.saturating_duration_since(r.last_start) < self.interval {
            return false; // a renewal, too soon
        }
        if now.saturating_duration_since(r.window) >= self.interval {
            r.window = now;
            r.starts = 0;
        }
        if r.starts >= STARTS_PER_INTERVAL {
            return false;
        }
        r.starts += 1;
        r.last_start = now;
        r.typing = true;
        true
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
    fn two_starts_per_interval_and_a_stop_only_after_a_start() {
        let gate = TypingGate::new(Duration::from_secs(2));
        let room = RoomId::new();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert!(!gate.should_forward_at(room, false, start), "a stop without a start says nothing");
        assert!(gate.should_forward_at(room, true, start));
        assert!(!gate.should_forward_at(room, true, at(500)), "a renewal within the interval");
        assert!(gate.should_forward_at(room, false, at(600)), "the stop after a forwarded start");
        assert!(!gate.should_forward_at(room, false, at(650)), "a second stop");
        assert!(gate.should_forward_at(room, true, at(700)), "typing again after clearing the box");
        assert!(gate.should_forward_at(room, false, at(750)));
        assert!(!gate.should_forward_at(room, true, at(800)), "a third start within the interval");
        assert!(!gate.should_forward_at(room, false, at(850)), "so its stop is not forwarded either");
        assert!(gate.should_forward_at(room, true, at(2000)), "the next interval");
        assert!(gate.should_forward_at(RoomId::new(), true, start), "per room");
    }
}

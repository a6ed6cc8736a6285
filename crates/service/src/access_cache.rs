//! A short-lived cache of "this user is a member of this room, and the room looks like this".
//!
//! Why: every `send` must check membership and read the room's AI settings. Asking the database
//! each time costs a round trip (for SQLite, a hop to a worker thread) per message, which
//! dominated the send path in the benchmarks (docs/benchmarks.md). Membership and room settings
//! change rarely, and every change made by this instance goes through [`crate::RoomService`],
//! which invalidates the room here. Changes made elsewhere (another instance, the CLI) are seen
//! once an entry is older than the time to live, so the TTL bounds how long a removed member of
//! a multi-instance deployment may still post; a TTL of zero turns the cache off.
//!
//! Correctness of a concurrent miss and invalidation: a loader notes the generation before it
//! reads the database and stores its answer only if no invalidation happened meanwhile, so a
//! removal can never be overwritten by an answer read before it.

use chatbot_domain::{RoomId, UserId};
use chatbot_store::Room;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Rooms kept at most; when full the cache starts over (simple, and misses are only slower).
const DEFAULT_CAPACITY: usize = 10_000;

struct Entry {
    room: Arc<Room>,
    members: HashSet<UserId>,
    loaded_at: Instant,
}

/// See the module documentation.
pub struct AccessCache {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<RoomId, Entry>>,
    generation: AtomicU64,
}

/// Taken before a database read; [`AccessCache::fill`] uses it to drop answers that an
/// invalidation made stale while they were being read.
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

impl AccessCache {
    pub fn new(ttl: Duration) -> Self {
        Self::with_capacity(ttl, DEFAULT_CAPACITY)
    }

    fn with_capacity(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity: capacity.max(1),
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The room, if `user` is known to be a member of it and the entry is fresh.
    pub fn get(&self, room_id: RoomId, user: UserId) -> Option<Arc<Room>> {
        if !self.enabled() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = entries.get(&room_id)?;
        (entry.loaded_at.elapsed() < self.ttl && entry.members.contains(&user)).then(|| entry.room.clone())
    }

    /// The generation to pass to [`Self::fill`] after reading the database.
    pub fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::Acquire))
    }

    /// Records that `user` is a member of `room`, unless something was invalidated since `seen`.
    pub fn fill(&self, seen: Generation, room: &Room, user: UserId) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Checked under the write lock: invalidations bump the generation under it too.
        if self.generation.load(Ordering::Acquire) != seen.0 {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&room.id) {
            entries.clear();
        }
        let now = Instant::now();
        let entry = entries.entry(room.id).or_insert_with(|| Entry {
            room: Arc::new(room.clone()),
            members: HashSet::new(),
            loaded_at: now,
        });
        if entry.loaded_at.elapsed() >= self.ttl {
            // Expired: the old member set may be stale too, so start it again from this read.
            *entry = Entry { room: Arc::new(room.clone()), members: HashSet::new(), loaded_at: now };
        }
        entry.members.insert(user);
    }

    /// Forgets everything about a room (its settings or members changed, or it was deleted).
    pub fn invalidate(&self, room_id: RoomId) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(&room_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatbot_domain::{AiMode, RoomVisibility};
    use time::OffsetDateTime;

    fn room() -> Room {
        let now = OffsetDateTime::now_utc();
        Room {
            id: RoomId::new(),
            name: "r".into(),
            description: None,
            owner_id: None,
            visibility: RoomVisibility::Private,
            system_prompt: None,
            model: None,
            ai_mode: AiMode::Off,
            last_seq: 0,
            created_at: now,
            updated_at: now,
            archived_at: None,
        }
    }

    #[test]
    fn a_filled_member_hits_and_others_miss() {
        let cache = AccessCache::new(Duration::from_secs(60));
        let (room, alice, bob) = (room(), UserId::new(), UserId::new());
        assert!(cache.get(room.id, alice).is_none());
        cache.fill(cache.generation(), &room, alice);
        assert_eq!(cache.get(room.id, alice).map(|r| r.id), Some(room.id));
        assert!(cache.get(room.id, bob).is_none(), "membership is per user");
    }

    #[test]
    fn invalidation_forgets_the_room() {
        let cache = AccessCache::new(Duration::from_secs(60));
        let (room, alice) = (room(), UserId::new());
        cache.fill(cache.generation(), &room, alice);
        cache.invalidate(room.id);
        assert!(cache.get(room.id, alice).is_none());
    }

    #[test]
    fn an_answer_read_before_an_invalidation_is_not_stored() {
        let cache = AccessCache::new(Duration::from_secs(60));
        let (room, alice) = (room(), UserId::new());
        let seen = cache.generation();
        cache.invalidate(room.id); // e.g. alice removed while her lookup was in flight
        cache.fill(seen, &room, alice);
        assert!(cache.get(room.id, alice).is_none());
    }

    #[test]
    fn zero_ttl_disables_the_cache() {
        let cache = AccessCache::new(Duration::ZERO);
        let (room, alice) = (room(), UserId::new());
        cache.fill(cache.generation(), &room, alice);
        assert!(cache.get(room.id, alice).is_none());
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = AccessCache::new(Duration::from_millis(1));
        let (room, alice) = (room(), UserId::new());
        cache.fill(cache.generation(), &room, alice);
        std::thread::sleep(Duration::from_millis(5));
        assert!(cache.get(room.id, alice).is_none());
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let cache = AccessCache::with_capacity(Duration::from_secs(60), 2);
        let alice = UserId::new();
        let rooms = [room(), room(), room()];
        for r in &rooms {
            cache.fill(cache.generation(), r, alice);
        }
        let held = rooms.iter().filter(|r| cache.get(r.id, alice).is_some()).count();
        assert_eq!(held, 1, "the third room cleared the first two");
    }
}

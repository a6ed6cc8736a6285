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
//! So that a member who keeps posting never waits for that read, a membership past half the TTL is
//! read again in the background while it is still served ([`Hit::refresh`]): the read that
//! renews it is off the message's path, and the TTL's bound is unchanged (nothing older than the
//! TTL is served).
//!
//! Correctness of a concurrent miss and invalidation: a loader notes the generation before it
//! reads the database and stores its answer only if no invalidation happened meanwhile, so a
//! removal can never be overwritten by an answer read before it.

use chatbot_domain::{RoomId, UserId};
use chatbot_store::Room;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// Rooms kept at most; when full the cache starts over (simple, and misses are only slower).
const DEFAULT_CAPACITY: usize = 10_000;

struct Entry {
    room: Arc<Room>,
    /// When `room` was read.
    read_at: Instant,
    /// The members known, each with when their membership was read.
    members: HashMap<UserId, Instant>,
    /// Members whose membership is being read again in the background.
    refreshing: HashSet<UserId>,
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

/// What [`AccessCache::get`] found.
pub struct Hit {
    pub room: Arc<Room>,
    /// The membership is past half the TTL and this caller is to read it again in the background:
    /// [`AccessCache::fill`] with what it read, [`AccessCache::invalidate`] if it is gone, or
    /// [`AccessCache::refresh_failed`].
    pub refresh: bool,
}

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

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<RoomId, Entry>> {
        self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The room, if `user` is known to be a member of it and both were read less than the TTL ago.
    pub fn get(&self, room_id: RoomId, user: UserId) -> Option<Hit> {
        self.get_at(room_id, user, Instant::now())
    }

    fn get_at(&self, room_id: RoomId, user: UserId, now: Instant) -> Option<Hit> {
        if !self.enabled() {
            return None;
        }
        // The age of what a hit rests on: the older of the room's and the membership's reads.
        let age = |entry: &Entry| {
            let member_at = *entry.members.get(&user)?;
            Some(now.saturating_duration_since(entry.read_at.min(member_at)))
        };
        {
            let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            let entry = entries.get(&room_id)?;
            let age = age(entry).filter(|age| *age < self.ttl)?;
            if age < self.ttl / 2 || entry.refreshing.contains(&user) {
                return Some(Hit { room: entry.room.clone(), refresh: false });
            }
        }
        // Due for a refresh: claim it, unless another caller did meanwhile.
        let mut entries = self.write();
        let entry = entries.get_mut(&room_id)?;
        age(entry).filter(|age| *age < self.ttl)?;
        let refresh = entry.refreshing.insert(user);
        Some(Hit { room: entry.room.clone(), refresh })
    }

    /// The generation to pass to [`Self::fill`] after reading the database.
    pub fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::Acquire))
    }

    /// Records that `user` is a member of `room` as just read, unless something was invalidated
    /// since `seen`.
    pub fn fill(&self, seen: Generation, room: &Room, user: UserId) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.write();
        // Checked under the write lock: invalidations bump the generation under it too.
        if self.generation.load(Ordering::Acquire) != seen.0 {
            if let Some(entry) = entries.get_mut(&room.id) {
                entry.refreshing.remove(&user);
            }
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&room.id) {
            entries.clear();
        }
        let (now, read) = (Instant::now(), Arc::new(room.clone()));
        let entry = entries.entry(room.id).or_insert_with(|| Entry {
            room: Arc::clone(&read),
            read_at: now,
            members: HashMap::new(),
            refreshing: HashSet::new(),
        });
        entry.room = read;
        entry.read_at = now;
        entry.members.insert(user, now);
        entry.refreshing.remove(&user);
    }

    /// A background read of `user`'s membership failed: a later `get` past half the TTL tries
    /// again.
    pub fn refresh_failed(&self, room_id: RoomId, user: UserId) {
        if let Some(entry) = self.write().get_mut(&room_id) {
            entry.refreshing.remove(&user);
        }
    }

    /// Forgets everything about a room (its settings or members changed, or it was deleted).
    pub fn invalidate(&self, room_id: RoomId) {
        let mut entries = self.write();
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
        assert_eq!(cache.get(room.id, alice).map(|hit| hit.room.id), Some(room.id));
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

    /// A cache whose time to live is [`TTL`], holding Alice's membership of a room, with the moment
    /// it counts as read (just after the fill).
    fn cached_member() -> (AccessCache, Room, UserId, Instant) {
        let cache = AccessCache::new(TTL);
        let (room, alice) = (room(), UserId::new());
        cache.fill(cache.generation(), &room, alice);
        (cache, room, alice, Instant::now())
    }

    const TTL: Duration = Duration::from_secs(10);

    #[test]
    fn a_membership_past_half_the_ttl_is_served_and_refreshed_once() {
        let (cache, room, alice, read_at) = cached_member();
        let bob = UserId::new();
        let refresh = |at| cache.get_at(room.id, alice, at).map(|hit| hit.refresh);

        assert_eq!(refresh(read_at + TTL / 4), Some(false), "young: served as it is");
        assert_eq!(refresh(read_at + TTL * 3 / 4), Some(true), "past half: this caller refreshes");
        assert_eq!(refresh(read_at + TTL * 3 / 4), Some(false), "one refresh at a time, served meanwhile");
        assert_eq!(refresh(read_at + TTL), None, "nothing older than the TTL is served");

        cache.fill(cache.generation(), &room, alice); // the refresh's read
        let renewed_at = Instant::now();
        assert_eq!(refresh(renewed_at + TTL * 3 / 4), Some(true), "renewed, and refreshed again later");
        cache.refresh_failed(room.id, alice);
        assert_eq!(refresh(renewed_at + TTL * 3 / 4), Some(true), "a failed refresh is tried again");
        assert_eq!(cache.get_at(room.id, bob, renewed_at).map(|hit| hit.refresh), None, "per member");
    }

    #[test]
    fn each_membership_ages_from_its_own_read() {
        let (cache, room, alice, alice_at) = cached_member();
        let bob = UserId::new();
        // Bob's membership read later renews the room's row, not Alice's membership.
        cache.fill(cache.generation(), &room, bob);
        assert!(cache.get_at(room.id, alice, alice_at + TTL).is_none());
        assert!(cache.get_at(room.id, bob, alice_at + TTL / 2).is_some());
    }

    #[test]
    fn a_refresh_read_before_an_invalidation_is_dropped_and_frees_its_claim() {
        let other = room();
        let (cache, room, alice, read_at) = cached_member();
        let seen = cache.generation();
        assert_eq!(cache.get_at(room.id, alice, read_at + TTL * 3 / 4).map(|hit| hit.refresh), Some(true));
        cache.invalidate(other.id); // another room's change, while the refresh was reading
        cache.fill(seen, &room, alice);
        let hit = cache.get_at(room.id, alice, read_at + TTL * 3 / 4).map(|hit| hit.refresh);
        assert_eq!(hit, Some(true), "not renewed, and free to be refreshed again");
    }
}

//! Each live session's reading, as every socket's connect reads it
//! ([`crate::Store::authenticate_with_rooms`]: the user on a live session, and the rooms they are a
//! member of): filled by one read, and dropped by every write of this process that may change it
//! (the user's role, state or budgets, the session's rotation or end, the user's memberships).
//! A device that reconnects, or opens a second tab, is then served without a round trip to the
//! database, and so is each REST request's authentication ([`crate::Store::authenticate`], the
//! same reading's user) (docs/decisions/038-handshakes-from-memory.md).
//!
//! Writes of other processes (`chatbot user disable` from the command line) are not seen here:
//! an entry is read again once it is [`READ_AGAIN_AFTER`] old, past half that age in the
//! background while it is still served (as for spending, decision 037). The sockets already
//! open are the gateway's periodic session check's to end, as before. A session found not to be
//! live (no row) is not kept: the next connect with it reads again.

use super::slots::{Found, Slots};
use crate::records::{Authenticated, User};
use chatbot_domain::{SessionId, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Bytes of readings kept since everything was last dropped (estimated; a reading is a user's
/// row and room ids): past it everything is dropped, and refilled by the next connects. Counted
/// as readings are kept, not as they go, so under churn it drops everything now and then: the
/// bound guards against a store of every session that ever connected, or of a user in thousands
/// of rooms on many devices.
const BYTES_KEPT: usize = 16 << 20;

/// How long an entry is trusted for writes made by other processes.
pub const READ_AGAIN_AFTER: Duration = Duration::from_secs(5);

type Key = (UserId, SessionId);

pub(super) struct Sessions {
    kept: Mutex<Kept>,
    /// [`READ_AGAIN_AFTER`], shorter in tests.
    read_again_after: Duration,
}

struct Kept {
    slots: Slots<Key, Reading>,
    /// The sessions of each user that may have a slot: a write to the user drops them all.
    by_user: HashMap<UserId, HashSet<SessionId>>,
    /// Estimated bytes of the readings kept since everything was last dropped ([`BYTES_KEPT`]).
    bytes_kept: usize,
}

/// One session's reading and when it was read.
struct Reading {
    authenticated: Authenticated,
    read_at: Instant,
}

impl Kept {
    fn forget_user(&mut self, user: UserId) {
        for family in self.by_user.remove(&user).into_iter().flatten() {
            self.slots.forget((user, family));
        }
    }

    fn forget_all(&mut self) {
        self.slots.forget_all();
        // First fills in flight stay in the map, marked stale: nothing of theirs will be kept.
        self.by_user.clear();
        self.bytes_kept = 0;
    }
}

/// About what a reading takes in memory: its row, strings and room ids, and the map's entry.
fn estimated_bytes(read: &Authenticated) -> usize {
    let user = &read.user;
    256 + user.email.len() + user.name.len() + user.password_hash.len() + 16 * read.member_of.len()
}

impl Sessions {
    pub(super) fn reading_again_after(read_again_after: Duration) -> Self {
        let kept = Kept { slots: Slots::new(), by_user: HashMap::new(), bytes_kept: 0 };
        Self { kept: Mutex::new(kept), read_again_after }
    }

    fn kept(&self) -> MutexGuard<'_, Kept> {
        // Each critical section is one map update: a poisoned lock holds usable data.
        self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn lookup(&self, user: UserId, family: SessionId) -> Found<Box<Authenticated>> {
        self.lookup_at(user, family, Instant::now())
    }

    fn lookup_at(&self, user: UserId, family: SessionId, now: Instant) -> Found<Box<Authenticated>> {
        let mut kept = self.kept();
        let key = (user, family);
        let boxed = |read: &Authenticated| Box::new(read.clone());
        if let Some((value, refresh)) = self.serve(&mut kept, key, now, boxed) {
            return Found::Kept { value, refresh };
        }
        if kept.bytes_kept >= BYTES_KEPT {
            kept.forget_all();
        }
        match kept.slots.begin_fill(key) {
            Some(ticket) => {
                kept.by_user.entry(user).or_default().insert(family);
                Found::Fill(ticket)
            }
            None => Found::Pass,
        }
    }

    /// The user of the session's kept reading, for a request's authentication, which needs no
    /// rooms (and so no copy of them): as [`Self::lookup`]'s `Kept`, or `None` (nothing begun).
    pub(super) fn user(&self, user: UserId, family: SessionId) -> Option<(User, Option<u64>)> {
        self.user_at(user, family, Instant::now())
    }

    fn user_at(&self, user: UserId, family: SessionId, now: Instant) -> Option<(User, Option<u64>)> {
        let mut kept = self.kept();
        self.serve(&mut kept, (user, family), now, |read| read.user.clone())
    }

    /// `take` of the fresh reading kept for `key`, and a refresh's ticket once it is past half
    /// its age.
    fn serve<T>(
        &self,
        kept: &mut Kept,
        key: Key,
        now: Instant,
        take: impl FnOnce(&Authenticated) -> T,
    ) -> Option<(T, Option<u64>)> {
        let age_of = |reading: &Reading| Some(now.saturating_duration_since(reading.read_at));
        kept.slots.serve_ahead(key, self.read_again_after, age_of, |reading| take(&reading.authenticated))
    }

    /// The read of a fill (or refresh): a live session's reading is kept under `ticket`, one not
    /// live gives the slot back (a refresh's slot is dropped: what it served is no longer true).
    pub(super) fn fill(&self, user: UserId, family: SessionId, ticket: u64, read: Option<&Authenticated>) {
        let mut kept = self.kept();
        match read {
            Some(authenticated) => {
                let reading = Reading { authenticated: authenticated.clone(), read_at: Instant::now() };
                if kept.slots.finish_fill((user, family), ticket, reading) {
                    kept.bytes_kept += estimated_bytes(authenticated);
                }
            }
            None => {
                kept.slots.abandon_fill((user, family), ticket);
                kept.slots.forget((user, family));
            }
        }
    }

    /// A fill whose read failed or was cancelled: a refresh's slot goes back to what it served.
    pub(super) fn abandon(&self, user: UserId, family: SessionId, ticket: u64) {
        self.kept().slots.abandon_fill((user, family), ticket);
    }

    /// The session ended, was rotated, or may have been (a write that may have committed).
    pub(super) fn forget(&self, user: UserId, family: SessionId) {
        self.kept().slots.forget((user, family));
    }

    /// The user's row or memberships changed: every session of theirs is read again.
    pub(super) fn forget_user(&self, user: UserId) {
        self.kept().forget_user(user);
    }

    /// A write whose reach is not known here (a room deleted with all its members, sessions
    /// pruned, a session write that failed midway): every session is read again.
    pub(super) fn forget_all(&self) {
        self.kept().forget_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatbot_domain::{RoomId, UserRole};
    use time::OffsetDateTime;

    const AGE: Duration = Duration::from_secs(10);

    fn reading(user: UserId, rooms: usize) -> Authenticated {
        let user = chatbot_domain::User {
            id: user,
            email: "a@example.com".into(),
            name: "A".into(),
            password_hash: String::new(),
            role: UserRole::User,
            is_active: true,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            last_login_at: None,
            last_active_at: None,
            daily_token_budget: None,
            daily_cost_budget: None,
        };
        Authenticated { user, member_of: (0..rooms).map(|_| RoomId::new()).collect() }
    }

    fn rooms_of(found: &Found<Box<Authenticated>>) -> Option<(usize, bool)> {
        match found {
            Found::Kept { value, refresh } => Some((value.member_of.len(), refresh.is_some())),
            Found::Fill(_) | Found::Pass => None,
        }
    }

    /// A session kept with `rooms` rooms, and the moment it counts as read.
    fn kept_session(rooms: usize) -> (Sessions, UserId, SessionId, Instant) {
        let sessions = Sessions::reading_again_after(AGE);
        let (user, family) = (UserId::new(), SessionId::new());
        let Found::Fill(ticket) = sessions.lookup(user, family) else { panic!("nothing kept yet") };
        sessions.fill(user, family, ticket, Some(&reading(user, rooms)));
        (sessions, user, family, Instant::now())
    }

    #[test]
    fn a_reading_is_served_until_half_its_age_then_read_again_in_the_background() {
        let (sessions, user, family, read_at) = kept_session(3);
        assert_eq!(rooms_of(&sessions.lookup_at(user, family, read_at)), Some((3, false)));
        let half = read_at + AGE / 2;
        let Found::Kept { refresh: Some(ticket), .. } = sessions.lookup_at(user, family, half) else {
            panic!("past half its age: served, and read again");
        };
        assert_eq!(
            rooms_of(&sessions.lookup_at(user, family, half)),
            Some((3, false)),
            "one refresh at a time"
        );
        sessions.fill(user, family, ticket, Some(&reading(user, 4)));
        assert_eq!(
            rooms_of(&sessions.lookup(user, family)),
            Some((4, false)),
            "the refresh's read replaces it"
        );
        assert!(matches!(sessions.lookup_at(user, family, Instant::now() + AGE), Found::Fill(_)), "too old");
    }

    #[test]
    fn writes_to_the_user_or_the_session_drop_the_reading() {
        let (sessions, user, family, _) = kept_session(1);
        let other = SessionId::new();
        let Found::Fill(ticket) = sessions.lookup(user, other) else { panic!("another session of the user") };
        sessions.fill(user, other, ticket, Some(&reading(user, 1)));

        sessions.forget(user, other);
        assert!(matches!(sessions.lookup(user, other), Found::Fill(_)), "the ended session is read again");
        assert!(rooms_of(&sessions.lookup(user, family)).is_some(), "the user's other session stays");
        sessions.forget_user(user);
        assert!(matches!(sessions.lookup(user, family), Found::Fill(_)), "a write to the user reaches it");
    }

    #[test]
    fn a_write_during_the_read_or_a_session_not_live_keeps_nothing() {
        let sessions = Sessions::reading_again_after(AGE);
        let (user, family) = (UserId::new(), SessionId::new());
        let Found::Fill(ticket) = sessions.lookup(user, family) else { panic!("nothing kept yet") };
        assert!(matches!(sessions.lookup(user, family), Found::Pass), "one fill at a time");
        sessions.forget_user(user);
        sessions.fill(user, family, ticket, Some(&reading(user, 1)));
        let Found::Fill(ticket) = sessions.lookup(user, family) else { panic!("the read raced a write") };
        sessions.fill(user, family, ticket, None);
        assert!(matches!(sessions.lookup(user, family), Found::Fill(_)), "a session not live is not kept");
    }

    #[test]
    fn a_refresh_that_finds_the_session_ended_drops_the_reading() {
        let (sessions, user, family, read_at) = kept_session(2);
        let Found::Kept { refresh: Some(ticket), .. } = sessions.lookup_at(user, family, read_at + AGE / 2)
        else {
            panic!("past half its age");
        };
        sessions.fill(user, family, ticket, None);
        assert!(matches!(sessions.lookup(user, family), Found::Fill(_)), "ended elsewhere: not served again");
    }

    #[test]
    fn past_the_bytes_kept_everything_is_dropped() {
        let (sessions, user, family, _) = kept_session(BYTES_KEPT / 16);
        assert!(rooms_of(&sessions.lookup(user, family)).is_some(), "kept until the next fill");
        let other = UserId::new();
        assert!(matches!(sessions.lookup(other, SessionId::new()), Found::Fill(_)));
        assert!(matches!(sessions.lookup(user, family), Found::Fill(_)), "dropped to make room");
    }

    #[test]
    fn a_request_is_served_the_kept_user_and_begins_no_fill() {
        let sessions = Sessions::reading_again_after(AGE);
        let (user, family) = (UserId::new(), SessionId::new());
        assert!(sessions.user(user, family).is_none(), "nothing kept");
        assert!(matches!(sessions.lookup(user, family), Found::Fill(_)), "and no fill was begun");

        let (sessions, user, family, read_at) = kept_session(2);
        let (served, refresh) = sessions.user(user, family).expect("kept");
        assert_eq!((served.id, refresh), (user, None));
        assert!(sessions.user_at(user, family, read_at + AGE).is_none(), "too old");
        let (_, refresh) = sessions.user_at(user, family, read_at + AGE / 2).expect("past half its age");
        assert!(refresh.is_some(), "served, and read again in the background");
        sessions.forget_user(user);
        assert!(sessions.user(user, family).is_none(), "a write to the user reaches it");
    }
}

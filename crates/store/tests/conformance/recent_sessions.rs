//! The store that keeps sessions' readings in memory (`chatbot_store::recent`, decision 038)
//! answers as the database does: every kind of write that changes a user's row, sessions or
//! memberships goes through it, in a seeded random order, and after each one its reading of every
//! session (a handshake's, and a request's authentication) is compared with the database's own.

use crate::{new_room, new_session, user};
use chatbot_domain::{MemberRole, RoomId, SessionId, UserId, UserRole};
use chatbot_store::{
    Authenticated, RecentSettings, SESSION_READ_AGAIN_AFTER, SPENDING_READ_AGAIN_AFTER, Store,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

store_tests!(
    handshakes_match_the_database_through_every_kind_of_write,
    a_session_ended_elsewhere_is_refused_before_its_reading_is_old,
);

fn settings(session_read_again_after: Duration) -> RecentSettings {
    RecentSettings {
        history_window: 50,
        history_bytes: 1 << 20,
        spending_read_again_after: SPENDING_READ_AGAIN_AFTER,
        session_read_again_after,
    }
}

/// A session of `user` and its refresh token.
struct Device {
    user: UserId,
    family: SessionId,
    token: String,
}

async fn handshakes_match_the_database_through_every_kind_of_write(inner: Arc<dyn Store>) {
    let cached = chatbot_store::recent(inner.clone(), settings(SESSION_READ_AGAIN_AFTER));
    let mut users = Vec::new();
    for email in ["alice@example.com", "bob@example.com", "carol@example.com"] {
        users.push(user(&inner, email).await.id);
    }
    let mut devices = Vec::new();
    let mut rooms: Vec<RoomId> = Vec::new();
    let mut rng = StdRng::seed_from_u64(19);
    for step in 0..150 {
        let what = write(&cached, &users, &mut devices, &mut rooms, &mut rng).await;
        for device in &devices {
            let now = OffsetDateTime::now_utc();
            let got = cached.authenticate_with_rooms(device.user, device.family, now).await.unwrap();
            let expected = inner.authenticate_with_rooms(device.user, device.family, now).await.unwrap();
            assert_eq!(sorted(got), sorted(expected), "step {step} ({what})");
            let got = cached.authenticate(device.user, device.family, now).await.unwrap();
            let expected = inner.authenticate(device.user, device.family, now).await.unwrap();
            assert_eq!(got, expected, "step {step} ({what}): a request's authentication");
        }
    }
}

/// Room lists come in no particular order.
fn sorted(read: Option<Authenticated>) -> Option<Authenticated> {
    read.map(|mut read| {
        read.member_of.sort();
        read
    })
}

/// One random write through `cached`; returns what it was.
async fn write(
    cached: &Arc<dyn Store>,
    users: &[UserId],
    devices: &mut Vec<Device>,
    rooms: &mut Vec<RoomId>,
    rng: &mut StdRng,
) -> &'static str {
    let user = users[rng.random_range(0..users.len())];
    let other = users[rng.random_range(0..users.len())];
    let room = (!rooms.is_empty()).then(|| rooms[rng.random_range(0..rooms.len())]);
    let device = (!devices.is_empty()).then(|| rng.random_range(0..devices.len()));
    let now = OffsetDateTime::now_utc();
    match rng.random_range(0..13) {
        0..=2 => {
            let token = format!("t-{}", rng.random::<u64>());
            let session =
                cached.create_session(new_session(user, &token, time::Duration::days(1))).await.unwrap();
            devices.push(Device { user, family: session.family_id, token });
            "signed in"
        }
        3 => {
            let created = cached.create_room(new_room(user, "room"), &[other]).await.unwrap();
            rooms.push(created.id);
            "room created"
        }
        4 | 5 => {
            let Some(room) = room else { return "nothing" };
            cached.add_member(room, user, MemberRole::Member).await.unwrap();
            "member added"
        }
        6 => {
            let Some(room) = room else { return "nothing" };
            cached.remove_member(room, user).await.unwrap();
            "member removed"
        }
        7 => {
            let Some(room) = room else { return "nothing" };
            cached.delete_room(room).await.unwrap();
            rooms.retain(|r| *r != room);
            "room deleted"
        }
        8 => {
            let role = if rng.random_bool(0.5) { UserRole::Admin } else { UserRole::User };
            cached.set_user_role(user, role).await.unwrap();
            "role set"
        }
        9 => {
            cached.set_user_active(user, rng.random_bool(0.6)).await.unwrap();
            "activated or deactivated"
        }
        10 => {
            let Some(d) = device else { return "nothing" };
            let next = format!("t-{}", rng.random::<u64>());
            let retired = std::mem::replace(&mut devices[d].token, next.clone());
            let session = new_session(devices[d].user, &next, time::Duration::days(1));
            cached.rotate_session_with_grace(&retired, session, now, time::Duration::ZERO).await.unwrap();
            if rng.random_bool(0.7) {
                return "refreshed";
            }
            // The retired token presented again: the family ends.
            let session = new_session(devices[d].user, "stolen", time::Duration::days(1));
            cached.rotate_session_with_grace(&retired, session, now, time::Duration::ZERO).await.unwrap();
            "refreshed, then the retired token reused"
        }
        11 => {
            let Some(d) = device else { return "nothing" };
            if rng.random_bool(0.5) {
                cached.revoke_session_by_token(&devices[d].token, now).await.unwrap();
                "signed out"
            } else {
                cached.revoke_family(devices[d].user, devices[d].family, now).await.unwrap();
                "device revoked"
            }
        }
        _ => {
            cached.record_login(user, now).await.unwrap();
            "login recorded"
        }
    }
}

async fn a_session_ended_elsewhere_is_refused_before_its_reading_is_old(inner: Arc<dyn Store>) {
    let age = Duration::from_secs(2);
    let cached = chatbot_store::recent(inner.clone(), settings(age));
    let alice = user(&inner, "alice@example.com").await;
    let session = inner.create_session(new_session(alice.id, "t1", time::Duration::days(1))).await.unwrap();
    let read = |store: Arc<dyn Store>| async move {
        store.authenticate_with_rooms(alice.id, session.family_id, OffsetDateTime::now_utc()).await.unwrap()
    };
    assert!(read(cached.clone()).await.is_some());
    let read_at = Instant::now();
    // Deactivated by another process (`chatbot user disable`): this store does not see the write.
    inner.set_user_active(alice.id, false).await.unwrap();
    assert!(read(cached.clone()).await.is_some(), "kept, and not yet half its age");
    tokio::time::sleep(age / 2 + Duration::from_millis(50)).await;
    // Past half its age: still served once, and read again in the background; refused before
    // the reading's age is over, which only that background read can explain.
    let refused = loop {
        let now = read(cached.clone()).await;
        if now.is_none() || read_at.elapsed() >= age - Duration::from_millis(100) {
            break now.is_none();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(refused, "not read again before its age was over");
}

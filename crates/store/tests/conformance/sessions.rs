use crate::{micros, new_session, room, user};
use chatbot_domain::{SessionId, UserId};
use chatbot_store::{Rotation, Store, StoreError};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

async fn create_session_round_trip(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let new = new_session(alice.id, "hash-1", Duration::days(30));
    let before = micros(OffsetDateTime::now_utc());
    let session = store.create_session(new.clone()).await.unwrap();
    assert_eq!(session.id, new.id);
    assert_eq!(session.family_id, new.family_id);
    assert_eq!(session.user_id, alice.id);
    assert_eq!(session.token_hash, "hash-1");
    assert_eq!(session.user_agent, new.user_agent);
    assert_eq!(session.expires_at, micros(new.expires_at));
    assert!(session.created_at >= before);
    assert_eq!(session.revoked_at, None);
    assert_eq!(session.replaced_by, None);

    let err = store.create_session(new_session(alice.id, "hash-1", Duration::days(1))).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err =
        store.create_session(new_session(UserId::new(), "hash-2", Duration::days(1))).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "unknown user: {err:?}");
}

async fn rotation_then_reuse_revokes_the_family(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let first = store.create_session(new_session(alice.id, "t1", Duration::days(30))).await.unwrap();
    let family = first.family_id;
    let now = OffsetDateTime::now_utc();
    assert!(store.authenticate(alice.id, family, now).await.unwrap().is_some());

    // next.family_id and next.user_id are ignored.
    let mut next = new_session(UserId::new(), "t2", Duration::days(30));
    next.family_id = SessionId::new();
    let rotated = store.rotate_session("t1", next, now).await.unwrap();
    assert_eq!(rotated, Rotation::Rotated { user_id: alice.id, family_id: family });
    assert_eq!(store.authenticate(alice.id, family, now).await.unwrap().map(|u| u.id), Some(alice.id));
    let devices = store.list_devices(alice.id, now).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].id, family);

    let rotated =
        store.rotate_session("t2", new_session(alice.id, "t3", Duration::days(30)), now).await.unwrap();
    assert_eq!(rotated, Rotation::Rotated { user_id: alice.id, family_id: family });

    // t1 was retired long ago: presenting it again revokes the family, t3 included.
    let reused =
        store.rotate_session("t1", new_session(alice.id, "t4", Duration::days(30)), now).await.unwrap();
    assert_eq!(reused, Rotation::Reused { user_id: alice.id, family_id: family });
    assert_eq!(store.authenticate(alice.id, family, now).await.unwrap(), None);
    assert!(store.list_devices(alice.id, now).await.unwrap().is_empty());
    let again =
        store.rotate_session("t3", new_session(alice.id, "t5", Duration::days(30)), now).await.unwrap();
    assert_eq!(again, Rotation::Reused { user_id: alice.id, family_id: family });
    // Nothing was inserted for the refused rotations.
    assert_eq!(
        store.rotate_session("t4", new_session(alice.id, "t6", Duration::days(1)), now).await.unwrap(),
        Rotation::Unknown
    );
}

async fn reuse_leaves_other_families_alone(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let phone = store.create_session(new_session(alice.id, "phone-1", Duration::days(30))).await.unwrap();
    let laptop = store.create_session(new_session(alice.id, "laptop-1", Duration::days(30))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    store.rotate_session("phone-1", new_session(alice.id, "phone-2", Duration::days(30)), now).await.unwrap();
    let reused = store
        .rotate_session("phone-1", new_session(alice.id, "phone-3", Duration::days(30)), now)
        .await
        .unwrap();
    assert!(matches!(reused, Rotation::Reused { .. }));
    assert_eq!(store.authenticate(alice.id, phone.family_id, now).await.unwrap(), None);
    assert!(store.authenticate(alice.id, laptop.family_id, now).await.unwrap().is_some());
}

async fn expired_and_unknown_tokens(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let session = store.create_session(new_session(alice.id, "old", Duration::minutes(5))).await.unwrap();
    let later = OffsetDateTime::now_utc() + Duration::minutes(10);
    assert_eq!(
        store.rotate_session("old", new_session(alice.id, "new", Duration::days(1)), later).await.unwrap(),
        Rotation::Expired
    );
    assert_eq!(store.authenticate(alice.id, session.family_id, later).await.unwrap(), None);
    assert!(store.list_devices(alice.id, later).await.unwrap().is_empty());
    // Expiry refused the rotation without retiring the token.
    let now = OffsetDateTime::now_utc();
    assert!(store.authenticate(alice.id, session.family_id, now).await.unwrap().is_some());
    assert_eq!(
        store.rotate_session("nope", new_session(alice.id, "new2", Duration::days(1)), now).await.unwrap(),
        Rotation::Unknown
    );
}

async fn concurrent_rotation_has_one_winner(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let session = store.create_session(new_session(alice.id, "shared", Duration::days(30))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            let next = new_session(alice.id, &format!("next-{i}"), Duration::days(30));
            tokio::spawn(async move { store.rotate_session("shared", next, now).await })
        })
        .collect();
    let mut rotated = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Rotation::Rotated { family_id, .. } => {
                assert_eq!(family_id, session.family_id);
                rotated += 1;
            }
            Rotation::Reused { family_id, .. } => assert_eq!(family_id, session.family_id),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(rotated, 1);
}

async fn revoke_by_token(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let session = store.create_session(new_session(alice.id, "t1", Duration::days(30))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    store.rotate_session("t1", new_session(alice.id, "t2", Duration::days(30)), now).await.unwrap();
    // Any token of the family names it; the live one is revoked.
    assert_eq!(store.revoke_session_by_token("t1", now).await.unwrap(), Some((alice.id, session.family_id)));
    assert_eq!(store.authenticate(alice.id, session.family_id, now).await.unwrap(), None);
    assert!(matches!(
        store.rotate_session("t2", new_session(alice.id, "t3", Duration::days(30)), now).await.unwrap(),
        Rotation::Reused { .. }
    ));
    assert_eq!(store.revoke_session_by_token("unknown", now).await.unwrap(), None);
}

async fn revoke_family(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let session = store.create_session(new_session(alice.id, "t1", Duration::days(30))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(!store.revoke_family(bob.id, session.family_id, now).await.unwrap(), "not bob's");
    assert!(!store.revoke_family(alice.id, SessionId::new(), now).await.unwrap());
    assert!(store.authenticate(alice.id, session.family_id, now).await.unwrap().is_some());
    assert!(store.revoke_family(alice.id, session.family_id, now).await.unwrap());
    assert_eq!(store.authenticate(alice.id, session.family_id, now).await.unwrap(), None);
    assert!(!store.revoke_family(alice.id, session.family_id, now).await.unwrap(), "already revoked");
}

async fn authenticate_requires_active_user(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let session = store.create_session(new_session(alice.id, "t1", Duration::days(30))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    assert_eq!(
        store.authenticate(alice.id, session.family_id, now).await.unwrap(),
        store.user(alice.id).await.unwrap()
    );
    assert_eq!(
        store.authenticate(bob.id, session.family_id, now).await.unwrap(),
        None,
        "another user's family"
    );
    store.set_user_active(alice.id, false).await.unwrap();
    assert_eq!(store.authenticate(alice.id, session.family_id, now).await.unwrap(), None);
    store.set_user_active(alice.id, true).await.unwrap();
    assert!(store.authenticate(alice.id, session.family_id, now).await.unwrap().is_some());
}

/// The handshake's read: the same user as `authenticate`, with every room of theirs (and no
/// other), refused on the same terms.
async fn authenticate_with_rooms_lists_the_users_rooms(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let session = store.create_session(new_session(alice.id, "t1", Duration::days(30))).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let read = store.authenticate_with_rooms(alice.id, session.family_id, now).await.unwrap().unwrap();
    assert_eq!(Some(read.user), store.user(alice.id).await.unwrap());
    assert!(read.member_of.is_empty(), "no rooms yet: {:?}", read.member_of);

    let owned = room(&store, &alice, &[]).await;
    let shared = room(&store, &bob, &[&alice]).await;
    let others = room(&store, &bob, &[]).await;
    let read = store.authenticate_with_rooms(alice.id, session.family_id, now).await.unwrap().unwrap();
    let mut rooms = read.member_of.clone();
    rooms.sort();
    let mut expected = vec![owned.id, shared.id];
    expected.sort();
    assert_eq!(rooms, expected, "not bob's own room {}", others.id);

    store.remove_member(shared.id, alice.id).await.unwrap();
    let read = store.authenticate_with_rooms(alice.id, session.family_id, now).await.unwrap().unwrap();
    assert_eq!(read.member_of, [owned.id]);

    assert_eq!(
        store.authenticate_with_rooms(bob.id, session.family_id, now).await.unwrap(),
        None,
        "another user's family"
    );
    store.set_user_active(alice.id, false).await.unwrap();
    assert_eq!(store.authenticate_with_rooms(alice.id, session.family_id, now).await.unwrap(), None);
    store.set_user_active(alice.id, true).await.unwrap();
    store.revoke_family(alice.id, session.family_id, now).await.unwrap();
    assert_eq!(store.authenticate_with_rooms(alice.id, session.family_id, now).await.unwrap(), None);
}

async fn devices_list_live_families(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let phone = store.create_session(new_session(alice.id, "phone-1", Duration::days(30))).await.unwrap();
    let short = store.create_session(new_session(alice.id, "short-1", Duration::hours(1))).await.unwrap();
    let laptop = store.create_session(new_session(alice.id, "laptop-1", Duration::days(30))).await.unwrap();
    let revoked = store.create_session(new_session(alice.id, "gone-1", Duration::days(30))).await.unwrap();
    store.create_session(new_session(bob.id, "bob-1", Duration::days(30))).await.unwrap();
    store.revoke_session_by_token("gone-1", OffsetDateTime::now_utc()).await.unwrap();

    let refreshed_at = micros(OffsetDateTime::now_utc() + Duration::seconds(1));
    let mut next = new_session(alice.id, "phone-2", Duration::days(60));
    next.user_agent = Some("phone, updated".to_owned());
    store.rotate_session("phone-1", next.clone(), refreshed_at).await.unwrap();

    let now = OffsetDateTime::now_utc();
    let devices = store.list_devices(alice.id, now).await.unwrap();
    let ids: Vec<_> = devices.iter().map(|d| d.id).collect();
    assert_eq!(ids, [laptop.family_id, short.family_id, phone.family_id], "newest sign-in first");
    assert!(!ids.contains(&revoked.family_id));
    let phone_device = &devices[2];
    assert_eq!(phone_device.signed_in_at, phone.created_at);
    assert_eq!(phone_device.last_used_at, refreshed_at);
    assert_eq!(phone_device.expires_at, micros(next.expires_at));
    assert_eq!(phone_device.user_agent.as_deref(), Some("phone, updated"));
    assert_eq!(devices[0].signed_in_at, devices[0].last_used_at);

    let later = now + Duration::hours(2);
    let ids: Vec<_> = store.list_devices(alice.id, later).await.unwrap().iter().map(|d| d.id).collect();
    assert_eq!(ids, [laptop.family_id, phone.family_id], "the expired family is gone");
}

store_tests!(
    create_session_round_trip,
    rotation_then_reuse_revokes_the_family,
    reuse_leaves_other_families_alone,
    expired_and_unknown_tokens,
    concurrent_rotation_has_one_winner,
    revoke_by_token,
    revoke_family,
    authenticate_requires_active_user,
    authenticate_with_rooms_lists_the_users_rooms,
    devices_list_live_families,
    rotation_grace_tolerates_a_client_racing_itself,
    expired_sessions_are_pruned,
);

/// Pruning deletes what expired before the cut-off and nothing else.
async fn expired_sessions_are_pruned(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let live = store.create_session(new_session(alice.id, "live", Duration::days(30))).await.unwrap();
    let mut old = new_session(alice.id, "old", Duration::days(30));
    old.expires_at = OffsetDateTime::now_utc() - Duration::days(3);
    store.create_session(old).await.unwrap();
    let mut recent = new_session(alice.id, "recent", Duration::days(30));
    recent.expires_at = OffsetDateTime::now_utc() - Duration::hours(1);
    store.create_session(recent).await.unwrap();

    let pruned = store.prune_sessions(OffsetDateTime::now_utc() - Duration::days(1)).await.unwrap();
    assert_eq!(pruned, 1, "only the session that expired before the cut-off");
    let now = OffsetDateTime::now_utc();
    assert!(store.authenticate(alice.id, live.family_id, now).await.unwrap().is_some(), "live stays");
    let gone = store.rotate_session("old", new_session(alice.id, "x", Duration::days(1)), now).await.unwrap();
    assert_eq!(gone, Rotation::Unknown);
    let kept =
        store.rotate_session("recent", new_session(alice.id, "y", Duration::days(1)), now).await.unwrap();
    assert_eq!(kept, Rotation::Expired, "expired after the cut-off: still known");
}

/// Two refreshes with the same token inside the grace period both succeed (two tabs of one
/// browser); the same token presented after the grace period is reuse and revokes the family.
async fn rotation_grace_tolerates_a_client_racing_itself(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let first = store.create_session(new_session(alice.id, "g1", Duration::days(30))).await.unwrap();
    let family = first.family_id;
    let grace = Duration::seconds(10);
    let now = OffsetDateTime::now_utc();
    let rotated =
        store.rotate_session_with_grace("g1", new_session(alice.id, "g2", Duration::days(30)), now, grace);
    assert_eq!(rotated.await.unwrap(), Rotation::Rotated { user_id: alice.id, family_id: family });
    let soon = now + Duration::seconds(2);
    let racing =
        store.rotate_session_with_grace("g1", new_session(alice.id, "g3", Duration::days(30)), soon, grace);
    assert_eq!(racing.await.unwrap(), Rotation::Rotated { user_id: alice.id, family_id: family });
    // Both successors work.
    for token in ["g2", "g3"] {
        let next = new_session(alice.id, &format!("{token}-next"), Duration::days(30));
        let outcome = store.rotate_session_with_grace(token, next, soon, grace).await.unwrap();
        assert_eq!(outcome, Rotation::Rotated { user_id: alice.id, family_id: family }, "{token}");
    }
    // Long after: reuse.
    let late = now + Duration::seconds(60);
    let reused =
        store.rotate_session_with_grace("g1", new_session(alice.id, "g4", Duration::days(30)), late, grace);
    assert_eq!(reused.await.unwrap(), Rotation::Reused { user_id: alice.id, family_id: family });
    assert_eq!(store.authenticate(alice.id, family, late).await.unwrap(), None);
    // A logged-out family is not revived by the grace period.
    let other = store.create_session(new_session(alice.id, "h1", Duration::days(30))).await.unwrap();
    store
        .rotate_session_with_grace("h1", new_session(alice.id, "h2", Duration::days(30)), now, grace)
        .await
        .unwrap();
    store.revoke_family(alice.id, other.family_id, now).await.unwrap();
    let after_logout =
        store.rotate_session_with_grace("h1", new_session(alice.id, "h3", Duration::days(30)), soon, grace);
    assert!(matches!(after_logout.await.unwrap(), Rotation::Reused { .. }));
}

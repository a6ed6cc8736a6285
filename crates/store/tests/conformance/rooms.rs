use crate::{answer, exec_raw, new_room, open_store, room, text, user};
use chatbot_domain::{AiMode, MemberRole, RoomId, RoomVisibility, UserId};
use chatbot_store::{RoomPatch, Store, StoreError};
use chatbot_test_support::TempDatabase;
use std::sync::Arc;

async fn general_room_exists(store: Arc<dyn Store>) {
    let general = store.room(RoomId::GENERAL).await.unwrap().unwrap();
    assert_eq!(general.id, RoomId::GENERAL);
    assert_eq!(general.name, "general");
    assert_eq!(general.owner_id, None);
    assert_eq!(general.visibility, RoomVisibility::Public);
    assert_eq!(general.ai_mode, AiMode::Always);
    assert_eq!(general.last_seq, 0);
    assert_eq!(general.archived_at, None);
    assert_eq!(store.count_members(RoomId::GENERAL).await.unwrap(), 0);
}

async fn create_room_with_members(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let carol = user(&store, "carol@example.com").await;
    let mut new = new_room(alice.id, "plans");
    new.model = Some("claude-x".to_owned());
    new.system_prompt = Some("be brief".to_owned());
    // The owner listed again and a duplicate are harmless.
    let room = store.create_room(new.clone(), &[bob.id, alice.id, bob.id]).await.unwrap();
    assert_eq!(room.id, new.id);
    assert_eq!(room.name, "plans");
    assert_eq!(room.description, new.description);
    assert_eq!(room.owner_id, Some(alice.id));
    assert_eq!(room.visibility, RoomVisibility::Private);
    assert_eq!(room.system_prompt.as_deref(), Some("be brief"));
    assert_eq!(room.model.as_deref(), Some("claude-x"));
    assert_eq!(room.ai_mode, AiMode::Mention);
    assert_eq!(room.last_seq, 0);
    assert_eq!(room.created_at, room.updated_at);
    assert_eq!(store.room(room.id).await.unwrap(), Some(room.clone()));

    assert_eq!(store.count_members(room.id).await.unwrap(), 2);
    let owner = store.member(room.id, alice.id).await.unwrap().unwrap();
    assert_eq!(owner.role, MemberRole::Owner);
    assert_eq!(owner.name, "alice");
    assert_eq!(owner.email.as_deref(), Some("alice@example.com"));
    assert_eq!(owner.last_read_seq, 0);
    assert_eq!(store.member(room.id, bob.id).await.unwrap().unwrap().role, MemberRole::Member);
    assert_eq!(store.member(room.id, carol.id).await.unwrap(), None);

    let seen = store.room_for_member(room.id, bob.id).await.unwrap().unwrap();
    assert_eq!(seen.room, room);
    assert_eq!(seen.my_role, MemberRole::Member);
    assert_eq!(seen.member_count, 2);
    assert_eq!(seen.unread, 0);
    assert_eq!(seen.last_message, None);
    assert_eq!(store.room_for_member(room.id, carol.id).await.unwrap(), None, "not a member");
    assert_eq!(store.room_for_member(RoomId::new(), alice.id).await.unwrap(), None, "no such room");
}

async fn create_room_is_atomic(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let new = new_room(alice.id, "doomed");
    let err = store.create_room(new.clone(), &[UserId::new()]).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(store.room(new.id).await.unwrap(), None, "rolled back");
    assert!(store.list_rooms_for_user(alice.id, 10).await.unwrap().is_empty());

    let err = store.create_room(new_room(UserId::new(), "ownerless"), &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");

    store.create_room(new.clone(), &[]).await.unwrap();
    let err = store.create_room(new, &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

async fn update_room(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let patch = RoomPatch {
        name: Some("renamed".to_owned()),
        description: Some(None),
        model: Some(Some("claude-y".to_owned())),
        ai_mode: Some(AiMode::Off),
        ..Default::default()
    };
    let updated = store.update_room(room.id, patch).await.unwrap();
    assert_eq!(updated.name, "renamed");
    assert_eq!(updated.description, None);
    assert_eq!(updated.model.as_deref(), Some("claude-y"));
    assert_eq!(updated.ai_mode, AiMode::Off);
    assert_eq!(updated.visibility, room.visibility, "untouched");
    assert_eq!(updated.system_prompt, room.system_prompt, "untouched");
    assert_eq!(updated.created_at, room.created_at);
    assert!(updated.updated_at >= room.updated_at);
    assert_eq!(store.room(room.id).await.unwrap(), Some(updated.clone()));

    let same = store.update_room(room.id, RoomPatch::default()).await.unwrap();
    assert_eq!(same.name, "renamed");
    let patch = RoomPatch {
        visibility: Some(RoomVisibility::Public),
        system_prompt: Some(Some("hi".into())),
        ..Default::default()
    };
    let updated = store.update_room(room.id, patch).await.unwrap();
    assert_eq!(updated.visibility, RoomVisibility::Public);
    assert_eq!(updated.system_prompt.as_deref(), Some("hi"));

    assert!(matches!(
        store.update_room(RoomId::new(), RoomPatch::default()).await,
        Err(StoreError::NotFound)
    ));
}

async fn delete_room_cascades(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[&bob]).await;
    let question = store.append_message(text(room.id, bob.id, "hello")).await.unwrap().into_message();
    let reply = store.append_message(answer(room.id, question.id, "hi")).await.unwrap().into_message();
    let kept = room_with_message(&store, &alice).await;

    assert!(store.delete_room(room.id).await.unwrap());
    assert_eq!(store.room(room.id).await.unwrap(), None);
    assert_eq!(store.member(room.id, bob.id).await.unwrap(), None);
    assert_eq!(store.count_members(room.id).await.unwrap(), 0);
    assert_eq!(store.message(question.id).await.unwrap(), None);
    assert_eq!(store.message(reply.id).await.unwrap(), None);
    assert!(!store.delete_room(room.id).await.unwrap());
    // Users and other rooms survive.
    assert!(store.user(bob.id).await.unwrap().is_some());
    assert!(store.message(kept).await.unwrap().is_some());
    assert_eq!(store.list_rooms_for_user(bob.id, 10).await.unwrap().len(), 0);
}

async fn room_with_message(store: &Arc<dyn Store>, owner: &chatbot_store::User) -> chatbot_domain::MessageId {
    let other = room(store, owner, &[]).await;
    store.append_message(text(other.id, owner.id, "elsewhere")).await.unwrap().into_message().id
}

async fn add_member_is_idempotent(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[]).await;

    let (member, created) = store.add_member(room.id, bob.id, MemberRole::Member).await.unwrap();
    assert!(created);
    assert_eq!(member.room_id, room.id);
    assert_eq!(member.user_id, bob.id);
    assert_eq!(member.name, "bob");
    assert_eq!(member.role, MemberRole::Member);
    assert_eq!(member.last_read_seq, 0);

    let (again, created) = store.add_member(room.id, bob.id, MemberRole::Owner).await.unwrap();
    assert!(!created);
    assert_eq!(again, member, "nothing changed");
    let (owner, created) = store.add_member(room.id, alice.id, MemberRole::Member).await.unwrap();
    assert!(!created);
    assert_eq!(owner.role, MemberRole::Owner);
    assert_eq!(store.count_members(room.id).await.unwrap(), 2);

    // Public rooms (general included) are joined the same way.
    let (joined, created) = store.add_member(RoomId::GENERAL, bob.id, MemberRole::Member).await.unwrap();
    assert!(created);
    assert_eq!(joined.room_id, RoomId::GENERAL);

    assert!(matches!(
        store.add_member(RoomId::new(), bob.id, MemberRole::Member).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.add_member(room.id, UserId::new(), MemberRole::Member).await,
        Err(StoreError::NotFound)
    ));
}

async fn remove_member(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[&bob]).await;
    assert!(store.remove_member(room.id, bob.id).await.unwrap());
    assert_eq!(store.member(room.id, bob.id).await.unwrap(), None);
    assert_eq!(store.room_for_member(room.id, bob.id).await.unwrap(), None);
    assert!(!store.remove_member(room.id, bob.id).await.unwrap());
    assert!(!store.remove_member(RoomId::new(), bob.id).await.unwrap());
    assert_eq!(store.count_members(room.id).await.unwrap(), 1);
}

async fn list_members_by_cursor(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let mut others = Vec::new();
    for i in 0..5 {
        others.push(user(&store, &format!("m{i}@example.com")).await);
    }
    let refs: Vec<_> = others.iter().collect();
    let room = room(&store, &alice, &refs).await;
    let mut expected: Vec<UserId> = std::iter::once(alice.id).chain(others.iter().map(|u| u.id)).collect();
    expected.sort();

    let all = store.list_members(room.id, None, 100).await.unwrap();
    assert_eq!(all.iter().map(|m| m.user_id).collect::<Vec<_>>(), expected);
    let first = store.list_members(room.id, None, 4).await.unwrap();
    assert_eq!(first.iter().map(|m| m.user_id).collect::<Vec<_>>(), expected[..4]);
    let rest = store.list_members(room.id, Some(first[3].user_id), 4).await.unwrap();
    assert_eq!(rest.iter().map(|m| m.user_id).collect::<Vec<_>>(), expected[4..]);
    assert!(store.list_members(RoomId::new(), None, 10).await.unwrap().is_empty());
    assert_eq!(store.count_members(room.id).await.unwrap(), 6);
}

async fn list_rooms_with_unread_and_last_message(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let quiet = room(&store, &alice, &[&bob]).await;
    let busy = room(&store, &alice, &[&bob]).await;
    let newest = room(&store, &bob, &[]).await;
    let alone = room(&store, &bob, &[]).await;

    // busy: bob ×3, alice ×2, the assistant ×1, interleaved.
    store.append_message(text(busy.id, bob.id, "b1")).await.unwrap();
    store.append_message(text(busy.id, alice.id, "a1")).await.unwrap();
    let q = store.append_message(text(busy.id, bob.id, "b2")).await.unwrap().into_message();
    store.append_message(text(busy.id, alice.id, "a2")).await.unwrap();
    store.append_message(text(busy.id, bob.id, "b3")).await.unwrap();
    let last = store.append_message(answer(busy.id, q.id, "done")).await.unwrap().into_message();
    store.add_member(newest.id, alice.id, MemberRole::Member).await.unwrap();

    let rooms = store.list_rooms_for_user(alice.id, 10).await.unwrap();
    let ids: Vec<_> = rooms.iter().map(|r| r.room.id).collect();
    // busy has a message; the others order by creation, newest first.
    assert_eq!(ids, [busy.id, newest.id, quiet.id]);
    let busy_seen = &rooms[0];
    assert_eq!(busy_seen.my_role, MemberRole::Owner);
    assert_eq!(busy_seen.room.last_seq, 6);
    assert_eq!(busy_seen.unread, 2, "b3 and the answer: sending a2 marked the room read for alice up to it");
    assert_eq!(busy_seen.member_count, 2);
    assert_eq!(busy_seen.last_message.as_ref(), Some(&last));
    assert_eq!(busy_seen.last_message.as_ref().unwrap().user_name, None);
    assert_eq!(rooms[1].my_role, MemberRole::Member);
    assert_eq!(rooms[1].member_count, 2);
    assert_eq!(rooms[2].last_message, None);
    assert_eq!(rooms[2].unread, 0);
    assert_eq!(store.room_for_member(busy.id, alice.id).await.unwrap().as_ref(), Some(busy_seen));

    let bob_rooms = store.list_rooms_for_user(bob.id, 10).await.unwrap();
    assert_eq!(
        bob_rooms.iter().map(|r| r.room.id).collect::<Vec<_>>(),
        [busy.id, alone.id, newest.id, quiet.id]
    );
    assert_eq!(bob_rooms[0].unread, 1, "the answer: bob has read up to his own b3");

    assert_eq!(store.mark_read(busy.id, alice.id, 3).await.unwrap(), 4, "already read up to her own a2");
    assert_eq!(store.mark_read(busy.id, alice.id, 5).await.unwrap(), 5);
    let seen = store.room_for_member(busy.id, alice.id).await.unwrap().unwrap();
    assert_eq!(seen.last_read_seq, 5);
    assert_eq!(seen.unread, 1, "the answer");

    // Activity moves a room to the top; the limit caps the list.
    let m = store.append_message(text(quiet.id, bob.id, "wake up")).await.unwrap().into_message();
    let rooms = store.list_rooms_for_user(alice.id, 2).await.unwrap();
    assert_eq!(rooms.iter().map(|r| r.room.id).collect::<Vec<_>>(), [quiet.id, busy.id]);
    assert_eq!(rooms[0].last_message.as_ref().unwrap().id, m.id);
    assert_eq!(rooms[0].last_message.as_ref().unwrap().user_name.as_deref(), Some("bob"));
    assert!(store.list_rooms_for_user(UserId::new(), 10).await.unwrap().is_empty());
}

/// The member count is kept on the room through adds and removals; unread is last_seq -
/// last_read_seq, a sender having read the room up to their own message.
async fn room_counts_are_kept_on_write(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let carol = user(&store, "carol@example.com").await;
    let room = room(&store, &alice, &[&bob]).await;
    assert_eq!(store.count_members(room.id).await.unwrap(), 2);
    store.add_member(room.id, carol.id, MemberRole::Member).await.unwrap();
    assert!(!store.add_member(room.id, carol.id, MemberRole::Member).await.unwrap().1, "already a member");
    assert_eq!(store.count_members(room.id).await.unwrap(), 3, "a repeated add is not counted twice");
    assert!(store.remove_member(room.id, bob.id).await.unwrap());
    assert!(!store.remove_member(room.id, bob.id).await.unwrap());
    let seen = store.room_for_member(room.id, alice.id).await.unwrap().unwrap();
    assert_eq!(seen.member_count, 2);
    assert_eq!(store.count_members(room.id).await.unwrap(), 2);

    store.append_message(text(room.id, carol.id, "c1")).await.unwrap();
    store.append_message(text(room.id, carol.id, "c2")).await.unwrap();
    assert_eq!(store.room_for_member(room.id, alice.id).await.unwrap().unwrap().unread, 2);
    assert_eq!(store.room_for_member(room.id, carol.id).await.unwrap().unwrap().unread, 0, "her own");
    store.append_message(text(room.id, alice.id, "a1")).await.unwrap();
    let alice_seen = store.room_for_member(room.id, alice.id).await.unwrap().unwrap();
    assert_eq!((alice_seen.unread, alice_seen.last_read_seq), (0, 3), "answering marks the room read");
    assert_eq!(store.room_for_member(room.id, carol.id).await.unwrap().unwrap().unread, 1);
    let batch = store
        .append_messages(vec![
            text(room.id, carol.id, "c3"),
            text(room.id, alice.id, "a2"),
            text(room.id, carol.id, "c4"),
        ])
        .await
        .unwrap();
    assert!(batch.iter().all(Result::is_ok));
    assert_eq!(
        store.room_for_member(room.id, alice.id).await.unwrap().unwrap().unread,
        1,
        "c4, after her a2"
    );
    assert_eq!(
        store.room_for_member(room.id, carol.id).await.unwrap().unwrap().unread,
        0,
        "her c4 is the last"
    );
}

async fn mark_read_is_monotonic_and_clamped(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let carol = user(&store, "carol@example.com").await;
    let room = room(&store, &alice, &[&bob]).await;
    assert_eq!(store.mark_read(room.id, bob.id, 10).await.unwrap(), 0, "empty room");
    for i in 0..5 {
        store.append_message(text(room.id, alice.id, &format!("m{i}"))).await.unwrap();
    }
    assert_eq!(store.mark_read(room.id, bob.id, 3).await.unwrap(), 3);
    assert_eq!(store.mark_read(room.id, bob.id, 2).await.unwrap(), 3, "never backwards");
    assert_eq!(store.mark_read(room.id, bob.id, -1).await.unwrap(), 3);
    assert_eq!(store.mark_read(room.id, bob.id, 100).await.unwrap(), 5, "clamped to last_seq");
    assert_eq!(store.member(room.id, bob.id).await.unwrap().unwrap().last_read_seq, 5);
    assert_eq!(
        store.mark_read(room.id, alice.id, 2).await.unwrap(),
        5,
        "alice read up to her own m4 by sending it"
    );
    let carols = room_with_carol(&store, &alice, &carol).await;
    assert_eq!(store.mark_read(carols, carol.id, 0).await.unwrap(), 0, "per member: carol has read nothing");
    assert!(matches!(store.mark_read(room.id, carol.id, 1).await, Err(StoreError::NotFound)));
    assert!(matches!(store.mark_read(RoomId::new(), bob.id, 1).await, Err(StoreError::NotFound)));
}

async fn room_with_carol(
    store: &Arc<dyn Store>,
    alice: &chatbot_store::User,
    carol: &chatbot_store::User,
) -> RoomId {
    let other = room(store, alice, &[carol]).await;
    store.append_message(text(other.id, alice.id, "hello carol")).await.unwrap();
    other.id
}

/// Deleted messages are not unread and not shown as the last message (set up under the interface:
/// the store has no delete yet).
async fn deleted_messages_in_summaries(db: TempDatabase) {
    let db = &db;
    let store = open_store(db).await;
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[&bob]).await;
    let first = store.append_message(text(room.id, bob.id, "one")).await.unwrap().into_message();
    let second = store.append_message(text(room.id, bob.id, "two")).await.unwrap().into_message();
    exec_raw(db, "UPDATE messages SET deleted_at = updated_at WHERE id = $1", second.id.as_uuid()).await;

    let seen = store.room_for_member(room.id, alice.id).await.unwrap().unwrap();
    assert_eq!(seen.unread, 1);
    assert_eq!(seen.last_message, None, "the message at last_seq is deleted");
    assert_eq!(seen.room.last_seq, 2);
    // History still returns it, marked deleted.
    let history = store
        .list_messages(room.id, chatbot_store::HistoryQuery { before: None, after: None, limit: 10 })
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].id, first.id);
    assert!(history[1].deleted_at.is_some());
    assert_eq!(store.message(second.id).await.unwrap().unwrap().deleted_at, Some(second.updated_at));
    store.close().await;
}

store_tests!(
    general_room_exists,
    create_room_with_members,
    create_room_is_atomic,
    update_room,
    delete_room_cascades,
    add_member_is_idempotent,
    remove_member,
    list_members_by_cursor,
    list_rooms_with_unread_and_last_message,
    mark_read_is_monotonic_and_clamped,
    room_counts_are_kept_on_write,
    room_if_member_is_one_lookup,
    member_room_ids_follow_membership,
);

db_tests!(deleted_messages_in_summaries);

async fn room_if_member_is_one_lookup(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[]).await;
    assert_eq!(store.room_if_member(room.id, alice.id).await.unwrap().map(|r| r.id), Some(room.id));
    assert_eq!(store.room_if_member(room.id, bob.id).await.unwrap(), None, "not a member");
    assert_eq!(store.room_if_member(RoomId::new(), alice.id).await.unwrap(), None);
}

async fn member_room_ids_follow_membership(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let shared = room(&store, &alice, &[&bob]).await;
    let own = room(&store, &alice, &[]).await;
    let sorted = |mut ids: Vec<RoomId>| {
        ids.sort();
        ids
    };
    assert_eq!(sorted(store.member_room_ids(alice.id).await.unwrap()), sorted(vec![shared.id, own.id]));
    assert_eq!(store.member_room_ids(bob.id).await.unwrap(), vec![shared.id]);
    assert!(store.remove_member(shared.id, bob.id).await.unwrap());
    assert_eq!(store.member_room_ids(bob.id).await.unwrap(), Vec::<RoomId>::new());
    assert_eq!(store.member_room_ids(UserId::new()).await.unwrap(), Vec::<RoomId>::new());
}

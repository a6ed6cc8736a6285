//! The one-statement batch append and the seq trigger it relies on, against the bundled SQLite.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::Store;
use chatbot_domain::{AiMode, MessageRole, RoomVisibility};

async fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("chatbot.db").display());
    (dir, SqliteStore::open(&OpenOptions::new(url)).await.unwrap())
}

async fn user_and_rooms(store: &SqliteStore, rooms: usize) -> (UserId, Vec<RoomId>) {
    let user = NewUser {
        id: UserId::new(),
        email: "alice@example.com".into(),
        name: "alice".into(),
        password_hash: "x".into(),
        role: UserRole::User,
    };
    let user = store.create_user(user, false).await.unwrap().id;
    let mut ids = Vec::new();
    for i in 0..rooms {
        let room = NewRoom {
            id: RoomId::new(),
            name: format!("room {i}"),
            description: None,
            owner_id: user,
            visibility: RoomVisibility::Private,
            system_prompt: None,
            model: None,
            ai_mode: AiMode::Off,
        };
        ids.push(store.create_room(room, &[]).await.unwrap().id);
    }
    (user, ids)
}

/// The bundled SQLite must be built with `SQLITE_ENABLE_QPSG` (`.cargo/config.toml`, decision
/// 027): without it every statement with a bound `LIMIT` is compiled again on each run.
#[tokio::test]
async fn sqlite_is_built_with_the_query_planner_stability_guarantee() {
    let (_dir, store) = store().await;
    let used: i64 = sqlx::query_scalar("SELECT sqlite_compileoption_used('ENABLE_QPSG')")
        .fetch_one(&mut *store.reader().await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        used, 1,
        "build the bundled SQLite with LIBSQLITE3_FLAGS=SQLITE_ENABLE_QPSG (.cargo/config.toml)"
    );
}

fn text(room_id: RoomId, user_id: UserId, client_id: Option<&str>) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        room_id,
        user_id: Some(user_id),
        role: MessageRole::User,
        content: "hello".into(),
        status: MessageStatus::Complete,
        model: None,
        reply_to: None,
        client_id: client_id.map(str::to_owned),
    }
}

fn seqs(results: &[StoreResult<Appended>]) -> Vec<(RoomId, i64)> {
    results
        .iter()
        .map(|r| match r {
            Ok(Appended::Created(m)) => (m.room_id, m.seq),
            other => panic!("expected a created message, got {other:?}"),
        })
        .collect()
}

/// Several messages per room in one statement: every row reads the room's last_seq from before
/// the statement (SQLite evaluates an INSERT with a row trigger in full first), so the
/// statement succeeds rather than being refused by the trigger.
#[tokio::test]
async fn one_statement_stores_several_messages_per_room_in_order() {
    let (_dir, store) = store().await;
    let (alice, rooms) = user_and_rooms(&store, 2).await;
    let (a, b) = (rooms[0], rooms[1]);
    store.append_message(text(a, alice, None)).await.unwrap();

    let batch = vec![
        text(a, alice, Some("1")),
        text(b, alice, None),
        text(a, alice, None),
        text(a, alice, Some("2")),
    ];
    let results = append_new_batch(&mut store.writer().await.unwrap(), &batch).await.unwrap();
    assert_eq!(seqs(&results), [(a, 2), (b, 1), (a, 3), (a, 4)]);
    let Ok(Appended::Created(first)) = &results[0] else { unreachable!() };
    assert_eq!(first.user_name.as_deref(), Some("alice"));
    assert_eq!(store.room(a).await.unwrap().unwrap().last_seq, 4);
    assert_eq!(store.room(b).await.unwrap().unwrap().last_seq, 1);
}

/// Batches whose size is not a power of two are padded with rows of NULLs up to one: the padding
/// stores nothing and refuses nothing, and a missing room among the real rows still refuses the
/// whole statement.
#[tokio::test]
async fn padded_batches_store_exactly_their_messages() {
    let (_dir, store) = store().await;
    let (alice, rooms) = user_and_rooms(&store, 2).await;
    let (a, b) = (rooms[0], rooms[1]);
    let mut expected_a = 0;
    for size in [3usize, 5, 7, 1] {
        let batch: Vec<NewMessage> = (0..size).map(|_| text(a, alice, None)).collect();
        let results = append_new_batch(&mut store.writer().await.unwrap(), &batch).await.unwrap();
        let want: Vec<(RoomId, i64)> = (1..=size as i64).map(|i| (a, expected_a + i)).collect();
        assert_eq!(seqs(&results), want, "batch of {size}");
        expected_a += size as i64;
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&mut *store.reader().await.unwrap())
        .await
        .unwrap();
    assert_eq!(stored, expected_a);

    let gone = vec![text(b, alice, None), text(RoomId::new(), alice, None), text(b, alice, None)];
    assert!(append_new_batch(&mut store.writer().await.unwrap(), &gone).await.is_err());
    assert_eq!(store.room(b).await.unwrap().unwrap().last_seq, 0);
}

/// A retried key, or a room that is gone, makes the one statement store nothing; the store
/// then answers through the checking path.
#[tokio::test]
async fn one_statement_refuses_a_stored_key_or_a_missing_room_and_stores_nothing() {
    let (_dir, store) = store().await;
    let (alice, rooms) = user_and_rooms(&store, 1).await;
    let room = rooms[0];
    let first = store.append_message(text(room, alice, Some("k"))).await.unwrap();

    let retry = vec![text(room, alice, None), text(room, alice, Some("k"))];
    assert!(append_new_batch(&mut store.writer().await.unwrap(), &retry).await.is_err());
    let gone = vec![text(room, alice, None), text(RoomId::new(), alice, None)];
    assert!(append_new_batch(&mut store.writer().await.unwrap(), &gone).await.is_err());
    assert_eq!(store.room(room).await.unwrap().unwrap().last_seq, 1);

    let results = store.append_messages(retry).await.unwrap();
    assert_eq!(seqs(&results[..1]), [(room, 2)]);
    assert!(matches!(&results[1], Ok(Appended::Duplicate(m)) if m.id == first.message().id));
    let results = store.append_messages(gone).await.unwrap();
    assert_eq!(seqs(&results[..1]), [(room, 3)]);
    assert!(matches!(results[1], Err(StoreError::NotFound)));
}

/// The trigger refuses a seq that is not the room's last_seq + 1, whoever writes it.
#[tokio::test]
async fn the_trigger_refuses_gaps_and_repeats() {
    let (_dir, store) = store().await;
    let (alice, rooms) = user_and_rooms(&store, 1).await;
    let message = text(rooms[0], alice, None);
    let stored = insert_messages(&mut *store.writer().await.unwrap(), &[(&message, 1)], now()).await.unwrap();
    assert_eq!(stored[&message.id.as_uuid()].0, 1);
    // last_seq + 2 would leave a gap (only the trigger stands in the way); last_seq + 0 repeats.
    for position in [2, 0] {
        let message = text(rooms[0], alice, None);
        let refused =
            insert_messages(&mut *store.writer().await.unwrap(), &[(&message, position)], now()).await;
        assert!(refused.is_err(), "seq last_seq + {position} was stored");
    }
    assert_eq!(store.room(rooms[0]).await.unwrap().unwrap().last_seq, 1);
}

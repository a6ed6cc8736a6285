//! The message writer on real databases: durable before the ack, announced in seq order,
//! exactly once per clientId, and failures reported, never swallowed.

use chatbot_domain::{
    AiMode, MessageId, MessageRole, MessageStatus, RoomId, RoomVisibility, UserId, UserRole,
};
use chatbot_service::{MessageWriter, RoomEvents, ServiceError, WriterSettings};
use chatbot_store::{Appended, HistoryQuery, Message, NewMessage, NewRoom, NewUser, Store};
use chatbot_test_support::TempDatabase;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Records what the writer announces, in announcement order; `slow` takes a while over each
/// announcement, as a busy process would, which widens any window in which one lane's
/// announcements could overtake another's.
#[derive(Default)]
struct Recorder(Mutex<Vec<Message>>, std::sync::atomic::AtomicBool);

impl RoomEvents for Recorder {
    fn message_stored(&self, message: &Message) {
        if self.1.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_micros(300));
        }
        self.0.lock().expect("lock").push(message.clone());
    }
    fn answer_started(&self, _: &Message) {}
    fn answer_chunk(&self, _: RoomId, _: MessageId, _: u64, _: &str) {}
    fn answer_finished(&self, _: &Message, _: chatbot_service::AnswerUsage) {}
    fn member_added(&self, _: RoomId, _: UserId) {}
    fn member_removed(&self, _: RoomId, _: UserId) {}
    fn room_deleted(&self, _: RoomId) {}
}

macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { super::$name(chatbot_test_support::TempDatabase::sqlite()).await })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { super::$name(chatbot_test_support::TempDatabase::postgres().await).await })+
        }
    };
}

backend_tests!(
    concurrent_senders_are_announced_in_seq_order,
    several_lanes_keep_each_room_in_seq_order,
    client_id_is_stored_once,
    storage_failure_is_reported
);

struct Fixture {
    store: Arc<dyn Store>,
    writer: MessageWriter,
    events: Arc<Recorder>,
    users: Vec<UserId>,
    rooms: Vec<RoomId>,
    _db: TempDatabase,
}

async fn fixture(db: TempDatabase, users: usize, rooms: usize) -> Fixture {
    fixture_with_lanes(db, users, rooms, 1).await
}

async fn fixture_with_lanes(db: TempDatabase, users: usize, rooms: usize, lanes: usize) -> Fixture {
    let store = chatbot_store::open(&db.options()).await.expect("store opens");
    let mut user_ids = Vec::new();
    for i in 0..users {
        let new = NewUser {
            id: UserId::new(),
            email: format!("u{i}@example.com"),
            name: format!("u{i}"),
            password_hash: "x".into(),
            role: UserRole::User,
        };
        user_ids.push(store.create_user(new, false).await.expect("user").id);
    }
    let mut room_ids = Vec::new();
    for i in 0..rooms {
        let new = NewRoom {
            id: RoomId::new(),
            name: format!("room {i}"),
            description: None,
            owner_id: user_ids[0],
            visibility: RoomVisibility::Private,
            system_prompt: None,
            model: None,
            ai_mode: AiMode::Off,
        };
        room_ids.push(store.create_room(new, &user_ids[1..]).await.expect("room").id);
    }
    let events = Arc::new(Recorder::default());
    let settings = WriterSettings { max_batch: 64, queue: 1024, lanes };
    let writer = MessageWriter::spawn(store.clone(), events.clone(), settings);
    Fixture { store, writer, events, users: user_ids, rooms: room_ids, _db: db }
}

fn message(room: RoomId, user: UserId, content: String, client_id: Option<String>) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        room_id: room,
        user_id: Some(user),
        role: MessageRole::User,
        content,
        status: MessageStatus::Complete,
        model: None,
        reply_to: None,
        client_id,
    }
}

/// 10 senders × 100 messages over 2 rooms, all at once: every ack is a committed message, and the
/// announcements of each room come in exactly seq order 1, 2, 3, … with nothing missing.
async fn concurrent_senders_are_announced_in_seq_order(db: TempDatabase) {
    senders_are_announced_in_seq_order(fixture(db, 10, 2).await).await;
}

/// The same with the rooms spread over four lanes committing side by side: each room's
/// announcements still come in seq order, whatever the other lanes do meanwhile.
async fn several_lanes_keep_each_room_in_seq_order(db: TempDatabase) {
    let f = fixture_with_lanes(db, 10, 10, 4).await;
    f.events.1.store(true, std::sync::atomic::Ordering::Relaxed);
    senders_are_announced_in_seq_order(f).await;
}

/// Each of the fixture's users sends 100 messages, all at once, spread evenly over its rooms
/// (their number divides 100).
async fn senders_are_announced_in_seq_order(f: Fixture) {
    let rooms = f.rooms.len();
    let per_room = f.users.len() * 100 / rooms;
    let mut tasks = Vec::new();
    for (s, user) in f.users.iter().copied().enumerate() {
        for i in 0..100 {
            let writer = f.writer.clone();
            let room = f.rooms[i % rooms];
            tasks.push(tokio::spawn(async move {
                writer.append(message(room, user, format!("s{s} m{i}"), None)).await
            }));
        }
    }
    let mut acked = Vec::new();
    for task in tasks {
        let appended = task.await.expect("task").expect("stored");
        assert!(matches!(appended, Appended::Created(_)));
        acked.push(appended.into_message());
    }
    // Durable before the ack: every acked message is in the history.
    for room in &f.rooms {
        let stored = f
            .store
            .list_messages(*room, HistoryQuery { before: None, after: None, limit: 1000 })
            .await
            .expect("history");
        assert_eq!(stored.len(), per_room);
    }
    let announced = f.events.0.lock().expect("lock").clone();
    assert_eq!(announced.len(), f.users.len() * 100);
    let mut next: HashMap<RoomId, i64> = HashMap::new();
    for m in &announced {
        let expected = next.entry(m.room_id).or_insert(1);
        assert_eq!(m.seq, *expected, "room {} announced out of order", m.room_id);
        *expected += 1;
    }
    let announced_ids: std::collections::HashSet<_> = announced.iter().map(|m| m.id).collect();
    assert!(acked.iter().all(|m| announced_ids.contains(&m.id)), "every acked message was announced");
}

/// Retries with the same clientId, concurrent and sequential, store one message and announce it once.
async fn client_id_is_stored_once(db: TempDatabase) {
    let f = fixture(db, 2, 1).await;
    let (room, user) = (f.rooms[0], f.users[1]);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let writer = f.writer.clone();
        tasks.push(tokio::spawn(async move {
            writer.append(message(room, user, "once".into(), Some("c-42".into()))).await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    let mut created = 0;
    for task in tasks {
        let appended = task.await.expect("task").expect("stored");
        created += usize::from(matches!(appended, Appended::Created(_)));
        ids.insert(appended.message().id);
    }
    assert_eq!((created, ids.len()), (1, 1));
    let again =
        f.writer.append(message(room, user, "once".into(), Some("c-42".into()))).await.expect("retry");
    assert!(matches!(again, Appended::Duplicate(_)));
    assert_eq!(f.events.0.lock().expect("lock").len(), 1, "announced once");
}

/// A send that cannot be stored is answered with an error: never acknowledged, never announced.
async fn storage_failure_is_reported(db: TempDatabase) {
    let f = fixture(db, 2, 1).await;
    f.store.close().await;
    let result = f.writer.append(message(f.rooms[0], f.users[1], "lost?".into(), None)).await;
    assert!(matches!(result, Err(ServiceError::Unavailable(_))), "{result:?}");
    assert!(f.events.0.lock().expect("lock").is_empty());
}

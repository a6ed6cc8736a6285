//! The storage conformance suite: every test body is written once, against `Arc<dyn Store>`, and
//! runs against both backends (a fresh SQLite file and a fresh PostgreSQL database per test).
//!
//! PostgreSQL tests need a server at `TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); without one they fail, they do not skip.

#![allow(clippy::unwrap_used)]

use chatbot_domain::{
    AiMode, MessageId, MessageRole, MessageStatus, RoomId, RoomVisibility, SessionId, UserId, UserRole,
};
use chatbot_store::{NewMessage, NewRoom, NewSession, NewUser, Room, Store, User};
use chatbot_test_support::TempDatabase;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The conformance suite's runner ([`chatbot_test_support::backend_tests!`]): a fresh database
/// per test, opened as a store; the test gets the store, which is closed afterwards.
pub async fn with_store<F, Fut>(backend: chatbot_store::Backend, test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TempDatabase::for_backend(backend).await;
    let store = open_store(&db).await;
    test(store.clone()).await;
    store.close().await;
}

/// Each `async fn name(store: Arc<dyn Store>)` of the calling module, once per backend.
macro_rules! store_tests {
    ($($name:ident),+ $(,)?) => {
        chatbot_test_support::backend_tests!(runner = crate::with_store; $($name),+);
    };
}

/// Each `async fn name(db: TempDatabase)` of the calling module (tests that re-open the database
/// or reach under the interface), once per backend.
macro_rules! db_tests {
    ($($name:ident),+ $(,)?) => {
        chatbot_test_support::backend_tests!(
            mods = (sqlite_db, postgres_db), runner = chatbot_test_support::with_database; $($name),+
        );
    };
}

mod audit;
mod edits;
mod lifecycle;
mod messages;
mod plans;
mod recent;
mod recent_sessions;
mod rooms;
mod search;
mod sessions;
mod sqlite_wal;
mod usage;
mod users;

// ---- helpers shared by the modules ----------------------------------------------------------------

pub async fn open_store(db: &TempDatabase) -> Arc<dyn Store> {
    chatbot_store::open(&db.options()).await.unwrap()
}

/// Runs one statement binding one UUID, directly on the database (to set up what the interface
/// cannot, such as a soft-deleted message). The SQL must be valid on both backends.
pub async fn exec_raw(db: &TempDatabase, sql: &'static str, id: Uuid) {
    use sqlx::Connection;
    match db.backend() {
        chatbot_store::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql).bind(id).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
        chatbot_store::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql).bind(id).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    }
}

pub fn new_user(email: &str) -> NewUser {
    NewUser {
        id: UserId::new(),
        email: email.to_owned(),
        name: email.split('@').next().unwrap_or(email).to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        role: UserRole::User,
    }
}

pub async fn user(store: &Arc<dyn Store>, email: &str) -> User {
    store.create_user(new_user(email), false).await.unwrap()
}

pub fn new_room(owner: UserId, name: &str) -> NewRoom {
    NewRoom {
        id: RoomId::new(),
        name: name.to_owned(),
        description: Some(format!("about {name}")),
        owner_id: owner,
        visibility: RoomVisibility::Private,
        system_prompt: None,
        model: None,
        ai_mode: AiMode::Mention,
    }
}

pub async fn room(store: &Arc<dyn Store>, owner: &User, members: &[&User]) -> Room {
    let ids: Vec<UserId> = members.iter().map(|u| u.id).collect();
    store.create_room(new_room(owner.id, "room"), &ids).await.unwrap()
}

pub fn text(room_id: RoomId, user_id: UserId, content: &str) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        room_id,
        user_id: Some(user_id),
        role: MessageRole::User,
        content: content.to_owned(),
        status: MessageStatus::Complete,
        model: None,
        reply_to: None,
        client_id: None,
    }
}

pub fn with_client_id(mut message: NewMessage, client_id: &str) -> NewMessage {
    message.client_id = Some(client_id.to_owned());
    message
}

pub fn answer(room_id: RoomId, reply_to: MessageId, content: &str) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        room_id,
        user_id: None,
        role: MessageRole::Assistant,
        content: content.to_owned(),
        status: MessageStatus::Streaming,
        model: Some("claude-test".to_owned()),
        reply_to: Some(reply_to),
        client_id: None,
    }
}

/// One answer's usage in the demo model: 10 input, 20 output, 3 cache-write and 4 cache-read
/// tokens (37 in all), 1,500 micro-dollars.
pub fn demo_usage(
    user_id: UserId,
    room_id: RoomId,
    message_id: Option<MessageId>,
) -> chatbot_store::NewUsage {
    chatbot_store::NewUsage {
        id: Uuid::now_v7(),
        message_id,
        user_id: Some(user_id),
        room_id: Some(room_id),
        provider: "demo".into(),
        model: "demo".into(),
        input_tokens: 10,
        output_tokens: 20,
        cache_creation_tokens: 3,
        cache_read_tokens: 4,
        cost: 1500,
        ttft_ms: Some(120),
        duration_ms: Some(900),
    }
}

pub fn new_session(user_id: UserId, token_hash: &str, ttl: Duration) -> NewSession {
    NewSession {
        id: Uuid::now_v7(),
        family_id: SessionId::new(),
        user_id,
        token_hash: token_hash.to_owned(),
        user_agent: Some(format!("agent for {token_hash}")),
        expires_at: OffsetDateTime::now_utc() + ttl,
    }
}

/// A UTC timestamp truncated to microseconds, as both backends store them.
pub fn micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap()
}

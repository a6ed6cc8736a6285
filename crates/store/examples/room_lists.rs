//! Times what a room list, `getRooms` and `join` read, in a room with a long history and many
//! members (issue #19: ≤ 5 ms with 1,000,000 messages and 10,000 members).
//!
//! ```sh
//! cargo run --release -p chatbot-store --example room_lists -- sqlite
//! cargo run --release -p chatbot-store --example room_lists -- postgres   # TEST_POSTGRES_URL, else local
//! ```
//!
//! Seeds a fresh database (a temporary SQLite file, or a PostgreSQL database it creates and drops)
//! with 10,000 users, all members of one room holding 1,000,000 messages from 100 of them (every
//! row through the same triggers as in production), and a reader who has read none of it. Then it
//! runs each read 20 times after one warm-up and prints one JSON line with the median, p95 and max
//! in milliseconds.

use chatbot_store::OpenOptions;
mod support;

use sqlx::Connection as _;
use std::time::Instant;
use support::{RUNS, time_it};

const MEMBERS: i64 = 10_000;
const MESSAGES: i64 = 1_000_000;
const SENDERS: i64 = 100;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::main_with("room-lists", |backend, url| async move { run(&backend, &url).await }).await
}

async fn run(backend: &str, url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let store = chatbot_store::open(&OpenOptions::new(url)).await?;
    let started = Instant::now();
    let (room, reader) = match backend {
        "sqlite" => seed_sqlite(url).await?,
        _ => seed_postgres(url).await?,
    };
    let seeding = started.elapsed();
    let room = chatbot_domain::RoomId::from_uuid(room);
    let reader = chatbot_domain::UserId::from_uuid(reader);
    let seen = store.room_for_member(room, reader).await?.ok_or("the reader is a member")?;
    let mut reads = serde_json::Map::new();
    reads.insert(
        "room_list_50 (REST /api/rooms, getRooms)".into(),
        time_it(|| async { store.list_rooms_for_user(reader, 50).await.map(|_| ()) }).await?,
    );
    reads.insert(
        "room_for_member (join, GET /api/rooms/:id)".into(),
        time_it(|| async { store.room_for_member(room, reader).await.map(|_| ()) }).await?,
    );
    reads.insert(
        "count_members (room size limit)".into(),
        time_it(|| async { store.count_members(room).await.map(|_| ()) }).await?,
    );
    store.close().await;
    Ok(serde_json::json!({
        "backend": backend,
        "messages": seen.room.last_seq,
        "members": seen.member_count,
        "readerUnread": seen.unread,
        "seedingSeconds": (seeding.as_secs_f64() * 10.0).round() / 10.0,
        "runs": RUNS,
        "readsMs": reads,
    }))
}

/// The room's id and the reader's.
async fn seed_sqlite(url: &str) -> Result<(uuid::Uuid, uuid::Uuid), sqlx::Error> {
    let mut conn = sqlx::SqliteConnection::connect(url).await?;
    let statements = [
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MEMBERS})
             INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at)
             SELECT randomblob(16), 'u' || i || '@example.com', 'user ' || i, 'x', 'user', 1,
                    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
             FROM n"
        ),
        "INSERT INTO rooms (id, name, owner_id, visibility, ai_mode, last_seq, created_at, updated_at)
         SELECT randomblob(16), 'the big room', (SELECT id FROM users WHERE rowid = 1), 'public', 'off', 0,
                '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'"
            .to_owned(),
        "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at)
         SELECT (SELECT id FROM rooms WHERE name = 'the big room'), id, 'member', 0, '2026-01-01T00:00:00.000000Z'
         FROM users"
            .to_owned(),
        format!(
            "WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < {MESSAGES})
             INSERT INTO messages (id, room_id, seq, user_id, role, content, status, created_at, updated_at)
             SELECT randomblob(16), (SELECT id FROM rooms WHERE name = 'the big room'), seq,
                    (SELECT id FROM users WHERE rowid = 2 + seq % {SENDERS}), 'user',
                    'message number ' || seq, 'complete', '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z'
             FROM s"
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
    }
    let room: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM rooms WHERE name = 'the big room'").fetch_one(&mut conn).await?;
    // The last user never sent anything: they have read nothing.
    let reader: uuid::Uuid =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT id FROM users WHERE rowid = {MEMBERS}")))
            .fetch_one(&mut conn)
            .await?;
    conn.close().await?;
    Ok((room, reader))
}

async fn seed_postgres(url: &str) -> Result<(uuid::Uuid, uuid::Uuid), sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let statements = [
        format!(
            "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at)
             SELECT gen_random_uuid(), 'u' || i || '@example.com', 'user ' || i, 'x', 'user', true, '2026-01-01', '2026-01-01'
             FROM generate_series(1, {MEMBERS}) i"
        ),
        format!(
            "INSERT INTO rooms (id, name, owner_id, visibility, ai_mode, last_seq, created_at, updated_at)
             SELECT gen_random_uuid(), 'the big room', (SELECT id FROM users WHERE email = 'u1@example.com'),
                    'public', 'off', {MESSAGES}, '2026-01-01', '2026-01-01'"
        ),
        "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at)
         SELECT (SELECT id FROM rooms WHERE name = 'the big room'), id, 'member', 0, '2026-01-01' FROM users"
            .to_owned(),
        format!(
            "WITH u AS (SELECT array_agg(id ORDER BY email) a FROM users WHERE email <> 'u{MEMBERS}@example.com')
             INSERT INTO messages (id, room_id, seq, user_id, role, content, status, created_at, updated_at)
             SELECT gen_random_uuid(), (SELECT id FROM rooms WHERE name = 'the big room'), s,
                    u.a[1 + s % {SENDERS}], 'user', 'message number ' || s, 'complete', '2026-11-01', '2026-11-01'
             FROM u, generate_series(1, {MESSAGES}) s"
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
    }
    let room: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM rooms WHERE name = 'the big room'").fetch_one(&mut conn).await?;
    let reader: uuid::Uuid = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM users WHERE email = 'u{MEMBERS}@example.com'"
    )))
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok((room, reader))
}

//! Times the reads every client makes often, on a small database, many times over: what a read
//! costs beyond the data it returns (statement preparation, the hop to a worker thread).
//!
//! ```sh
//! cargo run --release -p chatbot-store --example hot_reads -- sqlite
//! cargo run --release -p chatbot-store --example hot_reads -- postgres   # TEST_POSTGRES_URL, else local
//! ```
//!
//! Seeds one user, a member of 50 rooms, one of which holds 500 messages. Then runs each read
//! 2,000 times one after another (after 50 warm-up runs) and prints one JSON line with the mean,
//! median and p99 in microseconds; then 16 tasks read the room list 2,000 times between them,
//! and it prints the reads per second. Decision 027 was measured with it (SQLite's statements with a
//! bound `LIMIT`), and decision 033's prompt read beside the whole-row read it replaced.

use chatbot_domain::{
    AiMode, MessageId, MessageRole, MessageStatus, RoomId, RoomVisibility, UserId, UserRole,
};
use chatbot_store::{HistoryQuery, NewMessage, NewRoom, NewUser, OpenOptions};
use std::future::Future;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

// This example times its own way (many runs, microseconds): the shared millisecond timer is unused.
#[allow(dead_code)]
mod support;

const ROOMS: usize = 50;
const MESSAGES: usize = 500;
const WARM_UP: usize = 50;
const TIMED: usize = 2_000;
/// Readers at once in the concurrent part (the SQLite store's default reader pool).
const AT_ONCE: usize = 16;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::main_with("hot-reads", |backend, url| async move { run(&backend, &url).await }).await
}

async fn run(backend: &str, url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let store = chatbot_store::open(&OpenOptions::new(url)).await?;
    let user = store
        .create_user(
            NewUser {
                id: UserId::new(),
                email: "reader@example.com".into(),
                name: "reader".into(),
                password_hash: "x".into(),
                role: UserRole::User,
            },
            false,
        )
        .await?;
    let mut rooms = Vec::with_capacity(ROOMS);
    for i in 0..ROOMS {
        let room = NewRoom {
            id: RoomId::new(),
            name: format!("room {i}"),
            description: None,
            owner_id: user.id,
            visibility: RoomVisibility::Private,
            system_prompt: None,
            model: None,
            ai_mode: AiMode::Off,
        };
        rooms.push(store.create_room(room, &[]).await?.id);
    }
    let busy = rooms[0];
    let batch = (0..MESSAGES)
        .map(|i| NewMessage {
            id: MessageId::new(),
            room_id: busy,
            user_id: Some(user.id),
            role: MessageRole::User,
            content: format!("message {i}"),
            status: MessageStatus::Complete,
            model: None,
            reply_to: None,
            client_id: None,
        })
        .collect();
    for appended in store.append_messages(batch).await? {
        appended?;
    }
    let page = HistoryQuery { before: None, after: None, limit: 50 };
    let mut reads = serde_json::Map::new();
    reads.insert(
        "room list, 50 rooms (REST /api/rooms, getRooms)".into(),
        time_it(|| async { store.list_rooms_for_user(user.id, 50).await.map(|_| ()) }).await?,
    );
    reads.insert(
        "history page of 50 (join, GET /api/rooms/:id/messages)".into(),
        time_it(|| async { store.list_messages(busy, page).await.map(|_| ()) }).await?,
    );
    // What every answer reads to build its prompt: the newest 200, whole rows or only the
    // columns the prompt uses (`prompt_history`, the answer engine's read).
    let window = HistoryQuery { before: None, after: None, limit: 200 };
    reads.insert(
        "an answer's history of 200, whole rows (list_messages)".into(),
        time_it(|| async { store.list_messages(busy, window).await.map(|_| ()) }).await?,
    );
    reads.insert(
        "an answer's history of 200, the prompt's columns (prompt_history)".into(),
        time_it(|| async { store.prompt_history(busy, None, 200).await.map(|_| ()) }).await?,
    );
    reads.insert(
        "one room for a member (join)".into(),
        time_it(|| async { store.room_for_member(busy, user.id).await.map(|_| ()) }).await?,
    );
    // The same room list read by many requests at once, as under load: reads per second.
    let store = std::sync::Arc::new(store);
    let started = Instant::now();
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..AT_ONCE {
        let store = store.clone();
        readers.spawn(async move {
            for _ in 0..TIMED / AT_ONCE {
                store.list_rooms_for_user(user.id, 50).await?;
            }
            Ok::<(), chatbot_store::StoreError>(())
        });
    }
    while let Some(done) = readers.join_next().await {
        done??;
    }
    let per_second = (TIMED as f64 / started.elapsed().as_secs_f64()).round();
    store.close().await;
    Ok(serde_json::json!({
        "backend": backend,
        "at": OffsetDateTime::now_utc().to_string(),
        "runs": TIMED,
        "microseconds": reads,
        "roomListsPerSecondAtOnce": { "readers": AT_ONCE, "perSecond": per_second },
    }))
}

/// [`WARM_UP`] runs, then [`TIMED`] runs: mean, median and p99 in microseconds.
async fn time_it<F, Fut>(read: F) -> Result<serde_json::Value, chatbot_store::StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), chatbot_store::StoreError>>,
{
    let times = support::timed_runs(WARM_UP, TIMED, read).await?;
    let mean = times.iter().sum::<Duration>() / u32::try_from(TIMED).unwrap_or(u32::MAX);
    let us = |d: Duration| (d.as_secs_f64() * 1e6).round();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Ok(serde_json::json!({ "mean": us(mean), "p50": us(at(0.5)), "p99": us(at(0.99)) }))
}

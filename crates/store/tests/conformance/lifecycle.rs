use crate::{open_store, room, text, user};
use chatbot_domain::RoomId;
use chatbot_store::{Backend, HistoryQuery, OpenOptions, StoreError};
use chatbot_test_support::TempDatabase;

async fn backend_and_ping(db: TempDatabase) {
    let db = &db;
    let store = open_store(db).await;
    let expected = match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(store.backend(), expected);
    store.ping().await.unwrap();
    store.close().await;
}

async fn reopen_keeps_data_and_migrations_are_idempotent(db: TempDatabase) {
    let db = &db;
    let store = open_store(db).await;
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    store.append_message(text(room.id, alice.id, "before")).await.unwrap();
    store.close().await;

    // Migrations already applied: opening again is a no-op for the schema.
    let store = open_store(db).await;
    assert_eq!(store.user(alice.id).await.unwrap(), Some(alice.clone()));
    assert_eq!(store.room(room.id).await.unwrap().unwrap().last_seq, 1);
    assert_eq!(store.room(RoomId::GENERAL).await.unwrap().unwrap().name, "general");
    let next = store.append_message(text(room.id, alice.id, "after")).await.unwrap();
    assert_eq!(next.message().seq, 2);
    store.close().await;

    // And without migrating at all.
    let store = chatbot_store::open(&OpenOptions { migrate: false, ..db.options() }).await.unwrap();
    let history =
        store.list_messages(room.id, HistoryQuery { before: None, after: None, limit: 10 }).await.unwrap();
    assert_eq!(history.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(), ["before", "after"]);
    assert_eq!(store.count_users().await.unwrap(), 1);
    store.close().await;
}

db_tests!(backend_and_ping, reopen_keeps_data_and_migrations_are_idempotent);

// ---- SQLite specifics -------------------------------------------------------------------------------

#[tokio::test]
async fn sqlite_creates_missing_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/chatbot.db");
    let store = chatbot_store::open(&OpenOptions::new(format!("sqlite://{}", path.display()))).await.unwrap();
    user(&store, "alice@example.com").await;
    store.close().await;
    assert!(path.is_file());

    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await.unwrap();
    assert_eq!(mode, "wal");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    // A relative URL resolves against the working directory; use one under the temp dir by
    // giving the full path relative to `/`.
    let relative = dir.path().strip_prefix("/").unwrap().join("rel/chatbot.db");
    let cwd = std::env::current_dir().unwrap();
    let depth = cwd.components().count().saturating_sub(1);
    let up = "../".repeat(depth);
    let url = format!("sqlite://./{up}{}", relative.display());
    let store = chatbot_store::open(&OpenOptions::new(url)).await.unwrap();
    store.ping().await.unwrap();
    store.close().await;
    assert!(dir.path().join("rel/chatbot.db").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_in_memory() {
    let store = chatbot_store::open(&OpenOptions::new("sqlite::memory:")).await.unwrap();
    assert_eq!(store.room(RoomId::GENERAL).await.unwrap().unwrap().name, "general");
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    store.append_message(text(room.id, alice.id, "m")).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.room(room.id).await.unwrap().unwrap().last_seq, 40);
    store.close().await;
}

#[tokio::test]
async fn unsupported_url_is_a_config_error() {
    let err = chatbot_store::open(&OpenOptions::new("mysql://localhost/db")).await.err().unwrap();
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
}

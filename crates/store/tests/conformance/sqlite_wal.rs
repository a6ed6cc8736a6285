//! SQLite only: WAL checkpoints run in the background, not only from the writer.

use crate::{open_store, room, text, user};
use chatbot_test_support::TempDatabase;
use std::time::Duration;

fn file_len(path: &str) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The writer checkpoints by itself only once the WAL holds thousands of pages, so a few hundred
/// messages reach the database file only through the background checkpoints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_pages_reach_the_database_file_in_the_background() {
    let db = TempDatabase::sqlite();
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let store = open_store(&db).await;
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let before = file_len(&path);

    let batch =
        (0..300).map(|i| text(room.id, alice.id, &format!("message {i} {}", "x".repeat(500)))).collect();
    for result in store.append_messages(batch).await.unwrap() {
        result.unwrap();
    }
    let wal = format!("{path}-wal");
    assert!(file_len(&wal) > 150_000, "the messages are in the WAL");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while file_len(&path) < before + 150_000 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the database file stayed at {} bytes (was {before}): no checkpoint ran",
            file_len(&path)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.close().await;
}

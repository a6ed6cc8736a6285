//! Shutdown and answers in progress: an answer counts from the moment it leaves the queue, before
//! its row exists, so shutdown waits for it instead of closing the database under it.
//!
//! PostgreSQL, because it shows a statement waiting for a lock (`pg_stat_activity`): another
//! connection holds the `messages` table, the answer's row cannot be inserted yet, and the test
//! knows for certain that the answer is in that window before it asks for shutdown.

mod common;

use chatbot_domain::{MessageId, MessageRole, MessageStatus};
use chatbot_llm::ModelInfo;
use chatbot_llm::demo::DemoProvider;
use chatbot_service::{AnswerEngine, MessageWriter, Model, ModelRegistry, NoEvents, WriterSettings};
use chatbot_store::{HistoryQuery, NewMessage};
use chatbot_test_support::TempDatabase;
use sqlx::Connection as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_an_answer_whose_row_is_not_written_yet() {
    let db = TempDatabase::postgres().await;
    let store = chatbot_store::open(&db.options()).await.expect("store opens");
    let (author, room) = common::author_and_room(store.as_ref()).await;
    let question = NewMessage {
        id: MessageId::new(),
        room_id: room.id,
        user_id: Some(author),
        role: MessageRole::User,
        content: "a question".into(),
        status: MessageStatus::Complete,
        model: None,
        reply_to: None,
        client_id: None,
    };
    let question = store.append_message(question).await.expect("question").into_message();

    let events = Arc::new(NoEvents);
    let writer = MessageWriter::spawn(store.clone(), events.clone(), WriterSettings::default());
    let demo = Model {
        info: ModelInfo::demo("demo"),
        provider: Arc::new(DemoProvider::new(Duration::from_millis(1))),
    };
    let models = Arc::new(ModelRegistry::new(vec![demo]).expect("one model"));
    let engine = AnswerEngine::new(store.clone(), writer, events, models, common::answer_settings());

    // Reads go on; the answer's row waits.
    let mut holder = sqlx::PgConnection::connect(&db.url).await.expect("second connection");
    sqlx::query("BEGIN").execute(&mut holder).await.expect("begin");
    sqlx::query("LOCK TABLE messages IN EXCLUSIVE MODE").execute(&mut holder).await.expect("lock");

    // Watched from a third connection: inside `holder`'s transaction PostgreSQL would keep
    // answering from the activity snapshot of its first look.
    let mut observer = sqlx::PgConnection::connect(&db.url).await.expect("third connection");
    engine.on_user_message(&room, &question).expect("answer queued");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut observer)
        .await
        .expect("pg_stat_activity");
        if waiting > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the answer's row never waited for the lock");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The answer has left the queue and its row is being written: it is in progress.
    assert_eq!(engine.active(), 1, "an answer whose row is being written is not counted");
    let stopping = tokio::spawn({
        let engine = engine.clone();
        async move { engine.shut_down(Duration::from_secs(20)).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!stopping.is_finished(), "shutdown did not wait for the answer");

    sqlx::query("ROLLBACK").execute(&mut holder).await.expect("unlock");
    tokio::time::timeout(Duration::from_secs(30), stopping)
        .await
        .expect("shutdown ends once the answer is stored")
        .expect("shutdown task");
    let history = store
        .list_messages(room.id, HistoryQuery { before: None, after: None, limit: 10 })
        .await
        .expect("history");
    let answer = history.iter().find(|m| m.role == MessageRole::Assistant).expect("the answer is stored");
    assert_eq!(answer.status, MessageStatus::Complete, "{:?}", answer.content);
}

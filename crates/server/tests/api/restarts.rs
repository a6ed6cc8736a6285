//! Hardening, crash-safe and graceful (issue: abuse and privacy holes): marking answers
//! `interrupted` belongs to a serving instance's start, and touches only answers nobody is
//! writing (not flushed for several flush intervals). Another instance starting on the same
//! database, or a CLI command such as `user list`, must leave a live answer alone.

use crate::support::{TestApp, test_config};
use chatbot_domain::{MessageId, MessageRole, MessageStatus, RoomId};
use chatbot_store::{Backend, HistoryQuery, NewMessage};
use chatbot_test_support::backend_tests;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

backend_tests!(
    a_second_instance_starting_leaves_a_live_answer_alone,
    cli_commands_leave_a_live_answer_alone,
    an_answer_nobody_flushes_is_interrupted,
    shutdown_lets_a_short_answer_finish,
    shutdown_interrupts_a_long_answer_after_the_grace,
);

/// A new `always` room where a question was just asked, and the id of its answer once that
/// streams.
async fn ask(app: &TestApp) -> MessageId {
    let ada = app.register("ada").await;
    let room = app.create_room_with(&ada, json!({"name": "Live", "aiMode": "always"})).await;
    app.send(&ada, &room, "a question").await;
    streaming_answer(app, &room).await
}

async fn streaming_answer(app: &TestApp, room: &str) -> MessageId {
    for _ in 0..200 {
        let history = app
            .store
            .list_messages(
                room.parse().expect("room id"),
                HistoryQuery { before: None, after: None, limit: 50 },
            )
            .await;
        if let Some(m) = history.expect("history").into_iter().find(|m| m.status == MessageStatus::Streaming)
        {
            return m.id;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no answer started streaming");
}

async fn a_second_instance_starting_leaves_a_live_answer_alone(backend: Backend) {
    // A slow answer (a few seconds) on the first instance.
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "40ms")]).await;
    let answer = ask(&app).await;
    // A second instance starts on the same database (a deploy, or scale-out).
    let other = TestApp::spawn_on(Arc::clone(&app.db), &[]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let row = app.store.message(answer).await.expect("read").expect("exists");
    assert_eq!(row.status, MessageStatus::Streaming, "another instance's start interrupted a live answer");
    other.stop().await;
}

async fn cli_commands_leave_a_live_answer_alone(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "40ms")]).await;
    let answer = ask(&app).await;
    // What `chatbot user list` or `chatbot migrate` does before its own work.
    let config = test_config(&app.db.url, &[], None);
    chatbot_server::build_services(&config, Arc::new(chatbot_service::NoEvents)).await.expect("services");
    let row = app.store.message(answer).await.expect("read").expect("exists");
    assert_eq!(row.status, MessageStatus::Streaming, "a CLI command interrupted a live answer");
}

async fn an_answer_nobody_flushes_is_interrupted(backend: Backend) {
    let settings = [("llm.flush_interval", "50ms")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Crash").await;
    let question = app.send(&ada, &room, "hello").await;
    let room_id: RoomId = room.parse().expect("room id");
    // A row left `streaming` by an instance that died (no process flushes it).
    let orphan = NewMessage {
        id: MessageId::new(),
        room_id,
        user_id: None,
        role: MessageRole::Assistant,
        content: "partial te".into(),
        status: MessageStatus::Streaming,
        model: Some("demo".into()),
        reply_to: question["id"].as_str().and_then(|id| id.parse().ok()),
        client_id: None,
    };
    let orphan = app.store.append_message(orphan).await.expect("stored").into_message();
    for _ in 0..200 {
        let stored = app.store.message(orphan.id).await.expect("read").expect("exists");
        if stored.status == MessageStatus::Interrupted {
            assert_eq!(stored.content, "partial te", "the flushed text is kept");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("an answer nobody writes stayed `streaming`");
}

/// Stops `app` gracefully, then reads `message` through a new instance on the same database.
async fn stopped_then_read(app: TestApp, message: MessageId) -> chatbot_store::Message {
    let db = Arc::clone(&app.db);
    app.stop().await;
    let after = TestApp::spawn_on(db, &[]).await;
    after.store.message(message).await.expect("read").expect("exists")
}

/// Graceful shutdown (SIGTERM, or the test's stop): an answer that finishes within the grace
/// period is stored `complete`.
async fn shutdown_lets_a_short_answer_finish(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, &[("llm.demo_pace", "10ms"), ("limits.shutdown_grace", "20s")]).await;
    let answer = ask(&app).await;
    let row = stopped_then_read(app, answer).await;
    assert_eq!(row.status, MessageStatus::Complete, "the answer had time to finish: {:?}", row.content);
}

/// An answer still streaming when the grace period ends is stored `interrupted` with its text,
/// at once, not left `streaming` for a later sweep.
async fn shutdown_interrupts_a_long_answer_after_the_grace(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, &[("llm.demo_pace", "200ms"), ("limits.shutdown_grace", "500ms")]).await;
    let answer = ask(&app).await;
    tokio::time::sleep(Duration::from_millis(600)).await; // some text streamed
    let row = stopped_then_read(app, answer).await;
    assert_eq!(row.status, MessageStatus::Interrupted, "{:?}", row.content);
    assert!(!row.content.is_empty(), "the text so far is kept");
}

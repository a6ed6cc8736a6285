//! Answers as seen over REST: a message in an `always` room is answered by the demo model and the
//! answer is stored with its usage; answers left streaming by a crash become `interrupted`.

use crate::backend_tests;
use crate::support::TestApp;
use chatbot_domain::{MessageId, MessageRole, MessageStatus, RoomId};
use chatbot_store::{Backend, NewMessage};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

backend_tests!(
    rest_messages_are_answered_and_usage_recorded,
    streaming_answers_are_interrupted_at_start,
    unknown_models_are_refused
);

/// Polls the history until an assistant message is final.
async fn final_answer(app: &TestApp, token: &str, room: &str) -> Value {
    for _ in 0..200 {
        let history = app.get(&format!("/api/rooms/{room}/messages"), token).await;
        let answer = history.body["messages"].as_array().and_then(|list| {
            list.iter().find(|m| m["role"] == "assistant" && m["status"] != "streaming").cloned()
        });
        if let Some(answer) = answer {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no final answer in room {room}");
}

async fn rest_messages_are_answered_and_usage_recorded(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "0ms")]).await;
    let ada = app.register("ada").await;
    let created =
        app.post("/api/rooms", &ada.access, json!({"name": "Ask", "systemPrompt": "Be brief."})).await;
    let room = created.body["room"]["id"].as_str().expect("room id").to_owned();
    let question = app.send(&ada, &room, "what is a room?").await;
    let answer = final_answer(&app, &ada.access, &room).await;
    assert_eq!(answer["status"], "complete");
    assert_eq!(answer["replyTo"], question["id"]);
    assert_eq!(answer["model"], "demo");
    assert!(answer["userId"].is_null());
    assert!(answer["content"].as_str().is_some_and(|c| c.contains("> what is a room?")));
    assert_eq!(answer["seq"], 2);
    let totals = app
        .store
        .usage_totals(
            ada.id.parse().expect("user id"),
            time::OffsetDateTime::now_utc() - time::Duration::hours(1),
        )
        .await
        .expect("usage");
    assert!(totals.tokens > 0, "a token_usage row was written: {totals:?}");
    assert_eq!(totals.cost, 0, "the demo model is free");
}

async fn streaming_answers_are_interrupted_at_start(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Crash").await;
    let question = app.send(&ada, &room, "hello").await;
    let room_id: RoomId = room.parse().expect("room id");
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
    let db = Arc::clone(&app.db);
    app.stop().await;
    let app = TestApp::spawn_on(db, &[]).await;
    let stored = app.store.message(orphan.id).await.expect("read").expect("exists");
    assert_eq!(stored.status, MessageStatus::Interrupted);
    assert_eq!(stored.content, "partial te", "the flushed text is kept");
    app.stop().await;
}

async fn unknown_models_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let bad = app.post("/api/rooms", &ada.access, json!({"name": "X", "model": "gpt-99"})).await;
    assert_eq!(bad.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["details"]["field"], "model");
    let ok = app.post("/api/rooms", &ada.access, json!({"name": "Y", "model": "demo"})).await;
    assert_eq!(ok.status, reqwest::StatusCode::CREATED);
    let models = app.call(reqwest::Method::GET, "/api/models", None, None).await;
    assert_eq!(models.body["models"][0]["id"], "demo");
    assert_eq!(models.body["models"][0]["default"], true);
}

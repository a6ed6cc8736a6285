//! Hardening, fair capacity for answers (issue: abuse and privacy holes): one user cannot take
//! every LLM slot, a message is always stored whatever the answer queue holds (only the answer
//! is refused), and budgets count what was spent, stopped or cut answers included, with an
//! estimate reserved for answers in flight.

use crate::support::{Session, TestApp};
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

backend_tests!(
    a_user_waiting_for_their_own_slot_holds_no_global_one,
    a_message_is_stored_when_the_answer_queue_is_full,
    a_cut_stream_without_usage_still_counts,
    answers_in_flight_count_against_the_budget,
);

/// Creates an `always` room and returns its id.
async fn always_room(app: &TestApp, owner: &Session, name: &str) -> String {
    let created = app.post("/api/rooms", &owner.access, json!({"name": name, "aiMode": "always"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    created.body["room"]["id"].as_str().expect("room id").to_owned()
}

async fn a_user_waiting_for_their_own_slot_holds_no_global_one(backend: Backend) {
    // One answer at a time server-wide, one per user; the demo model takes a few seconds.
    let settings = [("llm.concurrency", "1"), ("llm.per_user_concurrency", "1"), ("llm.demo_pace", "15ms")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let (ada1, ada2) = (always_room(&app, &ada, "A1").await, always_room(&app, &ada, "A2").await);
    let bob1 = always_room(&app, &bob, "B1").await;
    app.send(&ada, &ada1, "first").await;
    tokio::time::sleep(Duration::from_millis(200)).await; // ada's first answer is running
    app.send(&ada, &ada2, "second").await;
    tokio::time::sleep(Duration::from_millis(200)).await; // ada's second waits for her slot
    app.send(&bob, &bob1, "mine").await;
    // Answer rows are created when an answer gets its slots: bob's must come before ada's
    // second, which only waits for ada's own first answer.
    let bob_answer = app.finished_answers(&bob, &bob1, 1).await.remove(0);
    let ada_second = app.finished_answers(&ada, &ada2, 1).await.remove(0);
    let (b, a) = (bob_answer["createdAt"].as_str().expect("t"), ada_second["createdAt"].as_str().expect("t"));
    assert!(b < a, "bob's answer started at {b}, after ada's second at {a}: ada held the only global slot");
}

async fn a_message_is_stored_when_the_answer_queue_is_full(backend: Backend) {
    let settings = [("llm.queue_per_room", "1"), ("llm.demo_pace", "15ms")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let ada = app.register("ada").await;
    let room = always_room(&app, &ada, "Busy").await;
    let path = format!("/api/rooms/{room}/messages");
    let mut questions = Vec::new();
    for i in 0..3 {
        let sent = app.post(&path, &ada.access, json!({"content": format!("question {i}")})).await;
        assert_eq!(
            sent.status,
            StatusCode::CREATED,
            "message {i} is stored whatever the queue: {:?}",
            sent.body
        );
        questions.push(sent.body["message"]["id"].clone());
    }
    // The third question's answer did not fit: it is refused as an answer, in the room.
    let done = app.finished_answers(&ada, &room, 3).await;
    let refused = done.iter().find(|a| a["replyTo"] == questions[2]).expect("an answer to the third");
    assert_eq!(refused["status"], "failed", "{refused}");
    assert_eq!(refused["error"], "unavailable", "{refused}");
    for q in &questions[..2] {
        let answer = done.iter().find(|a| a["replyTo"] == *q).expect("answered");
        assert_eq!(answer["status"], "complete", "{answer}");
    }
}

async fn a_cut_stream_without_usage_still_counts(backend: Backend) {
    // An OpenAI-compatible server (llama.cpp) that sends text, no usage, and closes early.
    let fixture = String::from_utf8(crate::upstream::fixture("openai-stream-llamacpp.sse")).expect("utf-8");
    let cut = fixture[..fixture.find("\"finish_reason\": \"stop\"").expect("finish")].to_owned();
    let cut = cut[..cut.rfind("data:").expect("last event")].to_owned();
    let upstream = crate::upstream::openai_bytes(cut.into_bytes()).await;
    let settings =
        [("openai.base_url", format!("{}/v1", upstream.base)), ("openai.model", "local".to_owned())];
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(backend, &borrowed).await;
    let ada = app.register("ada").await;
    let room = always_room(&app, &ada, "Local").await;
    app.send(&ada, &room, "tell me").await;
    let answer = app.finished_answers(&ada, &room, 1).await.remove(0);
    assert_eq!(answer["status"], "failed", "{answer}");
    assert!(!answer["content"].as_str().unwrap_or_default().is_empty(), "partial text kept: {answer}");
    let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let totals =
        chatbot_test_support::spent_since(app.store.as_ref(), ada.id.parse().expect("id"), since).await;
    assert!(totals.tokens > 0, "the prompt and the text streamed were spent: {totals:?}");
}

async fn answers_in_flight_count_against_the_budget(backend: Backend) {
    // Two rooms asked at once: the second answer must not start while the first one's worth
    // (its prompt and its output allowance) is unaccounted for.
    let settings = [
        ("llm.daily_token_budget", "1000"),
        ("llm.max_output_tokens", "1024"),
        ("llm.per_user_concurrency", "2"),
        ("llm.demo_pace", "15ms"),
    ];
    let app = TestApp::spawn_with(backend, &settings).await;
    let ada = app.register("ada").await;
    let (one, two) = (always_room(&app, &ada, "One").await, always_room(&app, &ada, "Two").await);
    app.send(&ada, &one, "first").await;
    tokio::time::sleep(Duration::from_millis(200)).await; // the first answer is streaming
    app.send(&ada, &two, "second").await;
    let first = app.finished_answers(&ada, &one, 1).await.remove(0);
    let second = app.finished_answers(&ada, &two, 1).await.remove(0);
    assert_eq!(first["status"], "complete", "{first}");
    assert_eq!(second["status"], "failed", "{second}");
    assert_eq!(second["error"], "quota_exceeded", "{second}");
}

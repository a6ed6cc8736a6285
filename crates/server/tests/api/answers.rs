//! Answers as seen over REST: a message in an `always` room is answered by the demo model and the
//! answer is stored with its usage; answers left streaming by a crash become `interrupted`.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    rest_messages_are_answered_and_usage_recorded,
    unknown_models_are_refused,
    claude_answers_through_the_configured_upstream,
    a_midstream_upstream_error_fails_the_answer_and_keeps_its_text,
    daily_budgets_are_enforced_before_the_call,
    fifty_rooms_answer_at_once_with_exact_text,
    one_room_answers_in_order,
    configured_models_are_listed_priced_and_used,
    the_global_limit_runs_answers_one_at_a_time,
    partial_text_is_flushed_while_streaming,
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
    let totals = chatbot_test_support::spent_since(
        app.store.as_ref(),
        ada.id.parse().expect("user id"),
        time::OffsetDateTime::now_utc() - time::Duration::hours(1),
    )
    .await;
    assert!(totals.tokens > 0, "a token_usage row was written: {totals:?}");
    assert_eq!(totals.cost, 0, "the demo model is free");
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

fn anthropic_settings(base: &str) -> Vec<(&'static str, String)> {
    vec![("anthropic.api_key", "sk-ant-test".to_owned()), ("anthropic.base_url", base.to_owned())]
}

async fn spawn_with_owned(backend: Backend, settings: &[(&'static str, String)]) -> TestApp {
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(backend, &borrowed).await
}

/// With `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL` set, Claude is the default model: the answer
/// is exactly the fixture's text and its usage and cost are recorded.
async fn claude_answers_through_the_configured_upstream(backend: Backend) {
    let upstream = crate::upstream::anthropic("anthropic-stream-basic.sse").await;
    let app = spawn_with_owned(backend, &anthropic_settings(&upstream.base)).await;
    let models = app.call(reqwest::Method::GET, "/api/models", None, None).await;
    assert_eq!(models.body["models"][0]["id"], "claude-sonnet-4-5", "the configured provider is the default");
    let ada = app.register("ada").await;
    let created = app.post("/api/rooms", &ada.access, json!({"name": "Claude"})).await;
    let room = created.body["room"]["id"].as_str().expect("room id").to_owned();
    app.send(&ada, &room, "안녕?").await;
    let answer = final_answer(&app, &ada.access, &room).await;
    assert_eq!(answer["status"], "complete");
    assert_eq!(answer["model"], "claude-sonnet-4-5");
    let expected: String = String::from_utf8(crate::upstream::fixture("anthropic-stream-basic.sse"))
        .expect("utf-8")
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter(|v| v["delta"]["type"] == "text_delta")
        .filter_map(|v| v["delta"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(answer["content"], expected);
    assert_eq!(upstream.requests.load(std::sync::atomic::Ordering::SeqCst), 1);
    let totals = chatbot_test_support::spent_since(
        app.store.as_ref(),
        ada.id.parse().expect("user id"),
        time::OffsetDateTime::now_utc() - time::Duration::hours(1),
    )
    .await;
    assert_eq!(totals.tokens, 34 + 29, "the fixture's input and output tokens");
    assert!(totals.cost > 0, "Claude is priced: {totals:?}");
}

async fn a_midstream_upstream_error_fails_the_answer_and_keeps_its_text(backend: Backend) {
    let upstream = crate::upstream::anthropic("anthropic-stream-midstream-error.sse").await;
    let app = spawn_with_owned(backend, &anthropic_settings(&upstream.base)).await;
    let ada = app.register("ada").await;
    let created = app.post("/api/rooms", &ada.access, json!({"name": "Flaky"})).await;
    let room = created.body["room"]["id"].as_str().expect("room id").to_owned();
    app.send(&ada, &room, "go").await;
    let answer = final_answer(&app, &ada.access, &room).await;
    assert_eq!(answer["status"], "failed");
    assert_eq!(answer["error"], "overloaded_error");
    assert_eq!(answer["content"], "Kept even though the stream failed");
}

async fn daily_budgets_are_enforced_before_the_call(backend: Backend) {
    let upstream = crate::upstream::anthropic("anthropic-stream-basic.sse").await;
    let mut settings = anthropic_settings(&upstream.base);
    settings.push(("llm.daily_token_budget", "50".to_owned()));
    let app = spawn_with_owned(backend, &settings).await;
    let ada = app.register("ada").await;
    let created = app.post("/api/rooms", &ada.access, json!({"name": "Budget"})).await;
    let room = created.body["room"]["id"].as_str().expect("room id").to_owned();
    app.send(&ada, &room, "first").await;
    assert_eq!(
        final_answer(&app, &ada.access, &room).await["status"],
        "complete",
        "63 tokens used; budget 50"
    );
    app.send(&ada, &room, "second").await;
    let history = loop {
        let history = app.get(&format!("/api/rooms/{room}/messages"), &ada.access).await;
        let answers: Vec<Value> = history.body["messages"]
            .as_array()
            .map(|l| {
                l.iter().filter(|m| m["role"] == "assistant" && m["status"] != "streaming").cloned().collect()
            })
            .unwrap_or_default();
        if answers.len() == 2 {
            break answers;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(history[1]["status"], "failed");
    assert_eq!(history[1]["error"], "quota_exceeded");
    assert_eq!(
        upstream.requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "no upstream call over budget"
    );
}

/// 50 answers in 50 rooms at once (more than `llm.concurrency`, so some wait): every one completes
/// with exactly the demo model's text for its question.
async fn fifty_rooms_answer_at_once_with_exact_text(backend: Backend) {
    // One user posting 50 messages at once: the send rate (REST and Socket.IO share it) is raised.
    let settings =
        [("llm.demo_pace", "1ms"), ("limits.registrations_per_ip", "100"), ("limits.send_rate", "100")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let ada = app.register("ada").await;
    let mut rooms = Vec::new();
    for i in 0..50 {
        let created = app.post("/api/rooms", &ada.access, json!({"name": format!("Room {i}")})).await;
        rooms.push(created.body["room"]["id"].as_str().expect("room id").to_owned());
    }
    let posts = rooms.iter().enumerate().map(|(i, room)| {
        let app = &app;
        let ada = &ada;
        async move { app.send(ada, room, &format!("question number {i}")).await }
    });
    futures_util::future::join_all(posts).await;
    for (i, room) in rooms.iter().enumerate() {
        let answer = final_answer(&app, &ada.access, room).await;
        assert_eq!(answer["status"], "complete", "room {i}");
        assert_eq!(answer["content"], chatbot_llm::demo::reply(&format!("question number {i}")), "room {i}");
    }
}

/// Three questions in one room at once: one answer at a time, in the order they were asked.
async fn one_room_answers_in_order(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "1ms")]).await;
    let ada = app.register("ada").await;
    let created = app.post("/api/rooms", &ada.access, json!({"name": "Queue"})).await;
    let room = created.body["room"]["id"].as_str().expect("room id").to_owned();
    let mut questions = Vec::new();
    for i in 0..3 {
        questions.push(app.send(&ada, &room, &format!("q{i}")).await["id"].clone());
    }
    let answers = loop {
        let history = app.get(&format!("/api/rooms/{room}/messages"), &ada.access).await;
        let answers: Vec<Value> = history.body["messages"]
            .as_array()
            .map(|l| l.iter().filter(|m| m["role"] == "assistant").cloned().collect())
            .unwrap_or_default();
        if answers.len() == 3 && answers.iter().all(|a| a["status"] == "complete") {
            break answers;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let replied: Vec<Value> = answers.iter().map(|a| a["replyTo"].clone()).collect();
    assert_eq!(replied, questions, "answered in the order asked");
    let seqs: Vec<i64> = answers.iter().filter_map(|a| a["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

/// `[models.<id>]` tables: listed first (the first is the default), with the configured price,
/// and a room set to one of them is answered by it.
async fn configured_models_are_listed_priced_and_used(backend: Backend) {
    let upstream = crate::upstream::anthropic("anthropic-stream-basic.sse").await;
    let file = "[models.claude-haiku-4-5]\nprovider = \"anthropic\"\nlabel = \"Haiku\"\n\
                price = { input = 1.0, output = 5.0 }\n[models.claude-opus-4-1]\nprovider = \"anthropic\"\n";
    let settings = anthropic_settings(&upstream.base);
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with_file(backend, &borrowed, file).await;
    let models = app.call(reqwest::Method::GET, "/api/models", None, None).await;
    let ids: Vec<&str> =
        models.body["models"].as_array().expect("models").iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, ["claude-haiku-4-5", "claude-opus-4-1", "claude-sonnet-4-5", "demo"]);
    assert_eq!(models.body["models"][0]["label"], "Haiku");
    assert_eq!(models.body["models"][0]["price"]["input"], 1_000_000);
    assert_eq!(models.body["models"][0]["default"], true);
    let ada = app.register("ada").await;
    let created =
        app.post("/api/rooms", &ada.access, json!({"name": "Opus", "model": "claude-opus-4-1"})).await;
    let room = created.body["room"]["id"].as_str().expect("room id").to_owned();
    app.send(&ada, &room, "hi").await;
    let answer = final_answer(&app, &ada.access, &room).await;
    assert_eq!(answer["model"], "claude-opus-4-1");
}

/// With `llm.concurrency = 1`, answers in two rooms do not overlap: the second answer's row is
/// created (after its slot is granted) only once the first answer has finished.
async fn the_global_limit_runs_answers_one_at_a_time(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "2ms"), ("llm.concurrency", "1")]).await;
    let ada = app.register("ada").await;
    let mut rooms = Vec::new();
    for name in ["One", "Two"] {
        let created = app.post("/api/rooms", &ada.access, json!({ "name": name })).await;
        rooms.push(created.body["room"]["id"].as_str().expect("room id").to_owned());
    }
    let (a, b) = (app.send(&ada, &rooms[0], "first"), app.send(&ada, &rooms[1], "second"));
    futures_util::future::join(a, b).await;
    let answers =
        [final_answer(&app, &ada.access, &rooms[0]).await, final_answer(&app, &ada.access, &rooms[1]).await];
    let time = |v: &Value, field: &str| {
        time::OffsetDateTime::parse(
            v[field].as_str().expect("timestamp"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("rfc3339")
    };
    let (first, second) = if time(&answers[0], "createdAt") <= time(&answers[1], "createdAt") {
        (&answers[0], &answers[1])
    } else {
        (&answers[1], &answers[0])
    };
    assert!(
        time(second, "createdAt") >= time(first, "updatedAt"),
        "the second answer started before the first ended: {first} / {second}"
    );
}

/// A streaming answer's text reaches the database while it streams (every `llm.flush_interval`),
/// so a crash loses at most that much.
async fn partial_text_is_flushed_while_streaming(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, &[("llm.demo_pace", "40ms"), ("llm.flush_interval", "200ms")]).await;
    let ada = app.register("ada").await;
    let created = app.post("/api/rooms", &ada.access, json!({"name": "Flush"})).await;
    let room = created.body["room"]["id"].as_str().expect("room id").to_owned();
    app.send(&ada, &room, "a long answer please").await;
    for _ in 0..100 {
        let history = app.get(&format!("/api/rooms/{room}/messages"), &ada.access).await;
        let partial = history.body["messages"].as_array().and_then(|list| {
            list.iter()
                .find(|m| m["role"] == "assistant" && m["status"] == "streaming" && m["content"] != "")
                .cloned()
        });
        if let Some(partial) = partial {
            let content = partial["content"].as_str().expect("content");
            assert!(
                chatbot_llm::demo::reply("a long answer please").starts_with(content),
                "a prefix of the answer"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no partial text was stored while the answer streamed");
}

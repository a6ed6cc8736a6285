//! Hardening, hostile text (issue: abuse and privacy holes): control characters other than tab
//! and line breaks are refused in every text field (a NUL broke PostgreSQL's batch inserts, and
//! so other people's messages in the same batch), and no one may take the assistant's name.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    control_characters_are_refused_in_messages,
    control_characters_are_refused_in_room_texts,
    tabs_and_line_breaks_are_kept,
    names_that_pass_for_the_assistant_are_refused,
);

async fn control_characters_are_refused_in_messages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Texts").await;
    let path = format!("/api/rooms/{room}/messages");
    for text in ["nul \u{0} inside", "bell \u{7}", "escape \u{1b}[31m red", "\u{0}"] {
        let sent = app.post(&path, &ada.access, json!({"content": text})).await;
        assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY, "{text:?}: {:?}", sent.body);
        assert_eq!(sent.body["error"]["details"]["field"], "content");
    }
    // The room still works, and nothing was stored.
    let fine = app.post(&path, &ada.access, json!({"content": "still fine"})).await;
    assert_eq!(fine.status, StatusCode::CREATED, "{:?}", fine.body);
    let history = app.get(&path, &ada.access).await;
    assert_eq!(history.body["messages"].as_array().map(Vec::len), Some(1), "{:?}", history.body);
}

async fn control_characters_are_refused_in_room_texts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Texts").await;
    for (field, value) in [("description", "a\u{0}b"), ("systemPrompt", "be \u{8} brief"), ("name", "x\u{0}")]
    {
        let patched = app
            .call(
                Method::PATCH,
                &format!("/api/rooms/{room}"),
                Some(&ada.access),
                Some(json!({field: value})),
            )
            .await;
        assert_eq!(patched.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {:?}", patched.body);
        assert_eq!(patched.body["error"]["details"]["field"], field);
    }
    let created =
        app.post("/api/rooms", &ada.access, json!({"name": "ok", "systemPrompt": "nul\u{0}"})).await;
    assert_eq!(created.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", created.body);
}

async fn tabs_and_line_breaks_are_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Code").await;
    let code = "fn main() {\r\n\tprintln!(\"hi\");\n}";
    let sent = app.post(&format!("/api/rooms/{room}/messages"), &ada.access, json!({"content": code})).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    assert_eq!(sent.body["message"]["content"], code, "kept exactly");
}

async fn names_that_pass_for_the_assistant_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("assistant_name", "Claude")]).await;
    // Case, spacing, decoration, full-width letters and Cyrillic look-alikes.
    for (i, name) in ["Claude", "claude ", "C l a u d e", "Claude 🤖", "Ｃｌａｕｄｅ", "Сlаudе", "CLAUDE."]
        .into_iter()
        .enumerate()
    {
        let reply = app
            .call(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({"email": format!("fake{i}@example.com"), "name": name, "password": "a long enough password"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {:?}", reply.body);
        assert_eq!(reply.body["error"]["details"]["field"], "name");
    }
    let nul = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(
                json!({"email": "nul@example.com", "name": "Ada\u{0}", "password": "a long enough password"}),
            ),
        )
        .await;
    assert_eq!(nul.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A name that merely contains it is someone else.
    app.register("Claudette").await;
}

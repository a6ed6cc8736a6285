//! Hardening, fair capacity (issue: abuse and privacy holes): the send rate is one limit per
//! user whichever way the messages come (REST or Socket.IO), and a user may own a bounded
//! number of rooms.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::StatusCode;
use serde_json::json;

backend_tests!(the_send_rate_applies_to_rest_posts, rooms_per_user_are_limited,);

async fn the_send_rate_applies_to_rest_posts(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, &[("limits.send_rate", "3"), ("limits.send_rate_window", "1h")]).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ada, "Busy").await;
    let path = format!("/api/rooms/{room}/messages");
    for i in 0..3 {
        let sent = app.post(&path, &ada.access, json!({"content": format!("m{i}")})).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    }
    let limited = app.post(&path, &ada.access, json!({"content": "one too many"})).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", limited.body);
    assert_eq!(limited.code(), "rate_limited");
    assert!(limited.headers.contains_key("retry-after"));
    let history = app.get(&path, &ada.access).await;
    assert_eq!(history.body["messages"].as_array().map(Vec::len), Some(3), "the refused one was not stored");
    // Per user: another member is not affected.
    let added = app.post(&format!("/api/rooms/{room}/members"), &ada.access, json!({"userId": bob.id})).await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(app.post(&path, &bob.access, json!({"content": "mine"})).await.status, StatusCode::CREATED);
}

async fn rooms_per_user_are_limited(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.max_rooms_per_user", "2")]).await;
    app.register("root").await; // the first account is an admin; the limit is for everyone else
    let ada = app.register("ada").await;
    let first = app.create_room(&ada, "One").await;
    app.create_room(&ada, "Two").await;
    let third = app.post("/api/rooms", &ada.access, json!({"name": "Three"})).await;
    assert_eq!(third.status, StatusCode::CONFLICT, "{:?}", third.body);
    assert!(third.body["error"]["message"].as_str().is_some_and(|m| m.contains('2')), "{:?}", third.body);
    // Deleting one makes room for another.
    let deleted =
        app.call(reqwest::Method::DELETE, &format!("/api/rooms/{first}"), Some(&ada.access), None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    app.create_room(&ada, "Three").await;
}

//! SPEC §4 compatibility: the REST shapes the original Next.js front end reads, on both backends.
//! Each test is one thing that front end does, and the field or status it depends on.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    error_bodies_carry_message_and_status_code_at_the_top_level,
    a_created_room_has_its_fields_at_the_top_level,
    deleting_a_room_answers_200_with_json,
    put_updates_a_room_like_patch,
    api_calls_without_the_api_prefix_get_a_json_error,
);

/// Its sign-up and sign-in pages show `body.message`; without it every refusal reads as a
/// generic failure.
async fn error_bodies_carry_message_and_status_code_at_the_top_level(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let short = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"email": "ada@example.com", "name": "Ada", "password": "short"})),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", short.body);
    assert_eq!(short.body["message"], short.body["error"]["message"]);
    assert!(short.body["message"].as_str().is_some_and(|m| m.contains("password")), "{:?}", short.body);
    assert_eq!(short.body["statusCode"], 422);
    assert_eq!(short.body["error"]["code"], "validation_failed", "the contract's envelope stays");

    app.register("ada").await;
    let taken = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"email": "ada@example.com", "name": "Ada", "password": "another long password"})),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.body["statusCode"], 409);
    assert_eq!(taken.body["message"], taken.body["error"]["message"]);

    let anonymous = app.call(Method::GET, "/api/rooms", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body["statusCode"], 401);
    assert!(anonymous.body["message"].is_string());
}

/// Its "new room" navigates to `body.id`.
async fn a_created_room_has_its_fields_at_the_top_level(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let created = app.post("/api/rooms", &ada.access, json!({"name": "Plans"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let room = &created.body["room"];
    assert!(room["id"].is_string());
    for field in ["id", "name", "visibility", "aiMode", "myRole", "memberCount", "createdAt"] {
        assert_eq!(created.body[field], room[field], "{field} at the top level too");
    }
    assert_eq!(created.body["name"], "Plans");
}

/// Its proxy parses the body of every response: a 204's empty body made "delete room" report a
/// failure although the room was gone.
async fn deleting_a_room_answers_200_with_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let id = app.create_room(&ada, "Doomed").await;
    let deleted = app.call(Method::DELETE, &format!("/api/rooms/{id}"), Some(&ada.access), None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body, json!({"ok": true, "id": id}));
    let rooms = app.get("/api/rooms", &ada.access).await;
    let listed: Vec<&str> =
        rooms.body["rooms"].as_array().expect("rooms").iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(!listed.contains(&id.as_str()), "{listed:?}");
    let again = app.call(Method::DELETE, &format!("/api/rooms/{id}"), Some(&ada.access), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.body["statusCode"], 404);
}

/// Its room page saves settings with `PUT`.
async fn put_updates_a_room_like_patch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let id = app.create_room(&ada, "Before").await;
    let path = format!("/api/rooms/{id}");
    let put = app.call(Method::PUT, &path, Some(&ada.access), Some(json!({"name": "After"}))).await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    assert_eq!(put.body["room"]["name"], "After");
    assert_eq!(put.body["room"]["aiMode"], "off", "absent fields are untouched, as with PATCH");
    assert_eq!(app.get(&path, &ada.access).await.body["room"]["name"], "After");
    let refused = app.call(Method::PUT, &path, Some(&bob.access), Some(json!({"name": "Mine"}))).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "same rules as PATCH: outsiders see nothing");
    let invalid = app.call(Method::PUT, &path, Some(&ada.access), Some(json!({"name": ""}))).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Set to `<server>` instead of `<server>/api`, its sign-up posted to `/auth/register` and got
/// a 405 with an empty body; it gets a JSON error that says where the API is.
async fn api_calls_without_the_api_prefix_get_a_json_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .call(
            Method::POST,
            "/auth/register",
            None,
            Some(json!({"email": "ada@example.com", "name": "Ada", "password": "a long password"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.body["error"]["code"], "method_not_allowed");
    assert!(reply.body["message"].as_str().is_some_and(|m| m.contains("/api")), "{:?}", reply.body);
}

//! Every endpoint, fed bad input: a clear JSON error with the right status, never a 500 or a hang.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

backend_tests!(
    every_endpoint_rejects_malformed_and_mistyped_bodies,
    every_protected_endpoint_requires_a_token,
    oversized_input_is_refused,
    unknown_paths_methods_and_ids,
    page_sizes_follow_the_max_page_setting,
    field_lengths_follow_their_settings,
    slow_requests_time_out_with_json,
);

/// (method, path, a body of the wrong shape) for every endpoint that takes a JSON body.
fn body_endpoints(room: &str) -> Vec<(Method, String, Value)> {
    vec![
        (Method::POST, "/api/auth/register".into(), json!({"email": 1, "name": [], "password": true})),
        (Method::POST, "/api/auth/login".into(), json!({"email": "a@b.co"})),
        (Method::POST, "/api/auth/refresh".into(), json!({"refreshToken": 42})),
        (Method::POST, "/api/auth/logout".into(), json!([])),
        (Method::POST, "/api/rooms".into(), json!({"name": 5})),
        (Method::PATCH, format!("/api/rooms/{room}"), json!({"aiMode": "sometimes"})),
        (Method::POST, format!("/api/rooms/{room}/messages"), json!({"content": {"nested": true}})),
        (Method::POST, format!("/api/rooms/{room}/members"), json!({"userId": "not-a-uuid"})),
    ]
}

async fn every_endpoint_rejects_malformed_and_mistyped_bodies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Bad input").await;
    for (method, path, wrong_shape) in body_endpoints(&room) {
        let malformed = app.raw(method.clone(), &path, Some(&ada.access), "{\"name\": ").await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{method} {path}: {:?}", malformed.body);
        assert_eq!(malformed.code(), "bad_request", "{method} {path}");
        let mistyped = app.call(method.clone(), &path, Some(&ada.access), Some(wrong_shape)).await;
        assert_eq!(mistyped.status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}: {:?}", mistyped.body);
        assert_eq!(mistyped.code(), "validation_failed", "{method} {path}");
        let no_type = app
            .http
            .request(method.clone(), app.url(&path))
            .bearer_auth(&ada.access)
            .body("{}")
            .send()
            .await
            .expect("sent");
        assert_eq!(no_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{method} {path}");
    }
    let unknown_field = app
        .call(Method::PATCH, &format!("/api/rooms/{room}"), Some(&ada.access), Some(json!({"nmae": "x"})))
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY, "PATCH typos are caught");
    let empty_name = app.post("/api/rooms", &ada.access, json!({"name": "   "})).await;
    assert_eq!(empty_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty_name.body["error"]["details"]["field"], "name");
    let blank =
        app.post(&format!("/api/rooms/{room}/messages"), &ada.access, json!({"content": "  \n "})).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_client_id = app
        .post(
            &format!("/api/rooms/{room}/messages"),
            &ada.access,
            json!({"content": "x", "clientId": "has spaces"}),
        )
        .await;
    assert_eq!(bad_client_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_email = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"email": "nope", "name": "N", "password": "long enough password"})),
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_email.body["error"]["details"]["field"], "email");
}

async fn every_protected_endpoint_requires_a_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Locked").await;
    let endpoints = [
        (Method::GET, "/api/auth/me".to_owned()),
        (Method::GET, "/api/auth/sessions".to_owned()),
        (Method::DELETE, format!("/api/auth/sessions/{}", ada.id)),
        (Method::GET, "/api/rooms".to_owned()),
        (Method::POST, "/api/rooms".to_owned()),
        (Method::GET, format!("/api/rooms/{room}")),
        (Method::PATCH, format!("/api/rooms/{room}")),
        (Method::DELETE, format!("/api/rooms/{room}")),
        (Method::GET, format!("/api/rooms/{room}/messages")),
        (Method::POST, format!("/api/rooms/{room}/messages")),
        (Method::GET, format!("/api/rooms/{room}/members")),
        (Method::POST, format!("/api/rooms/{room}/members")),
        (Method::DELETE, format!("/api/rooms/{room}/members/{}", ada.id)),
    ];
    for (method, path) in endpoints {
        for token in [None, Some("garbage"), Some("")] {
            let reply =
                app.call(method.clone(), &path, token, Some(json!({"name": "x", "content": "x"}))).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path} with {token:?}");
            assert_eq!(reply.code(), "unauthorized");
        }
    }
    // Nothing was changed by the refused calls.
    assert_eq!(app.get(&format!("/api/rooms/{room}"), &ada.access).await.body["room"]["name"], "Locked");
}

async fn oversized_input_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Big").await;
    let messages = format!("/api/rooms/{room}/messages");

    let huge_body = format!("{{\"content\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let reply = app.raw(Method::POST, &messages, Some(&ada.access), huge_body).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.code(), "too_large");

    let just_over = app.post(&messages, &ada.access, json!({"content": "y".repeat(16 * 1024 + 1)})).await;
    assert_eq!(just_over.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", just_over.body);
    assert_eq!(just_over.code(), "too_large");
    let at_limit = app.post(&messages, &ada.access, json!({"content": "y".repeat(16 * 1024)})).await;
    assert_eq!(at_limit.status, StatusCode::CREATED);

    let long_name = app.post("/api/rooms", &ada.access, json!({"name": "n".repeat(101)})).await;
    assert_eq!(long_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.post("/api/rooms", &ada.access, json!({"name": "n".repeat(100)})).await.status,
        StatusCode::CREATED
    );

    // Limits are settings: a server configured for bigger messages takes them.
    let roomy = TestApp::spawn_with(backend, &[("limits.max_message_bytes", "32768")]).await;
    let bob = roomy.register("bob").await;
    let reply =
        roomy.post("/api/rooms/general/messages", &bob.access, json!({"content": "z".repeat(20_000)})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

async fn unknown_paths_methods_and_ids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let unknown = app.get("/api/nothing-here", &ada.access).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "not_found");
    // The API's own root (found by the fuzzer: it fell through to the web app's HTML page).
    for path in ["/api/", "/api/?limit[]=1", "/api//rooms"] {
        let reply = app.get(path, &ada.access).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.code(), "not_found", "{path}: a JSON error, not the web app");
    }
    let wrong_method = app.call(Method::PUT, "/api/rooms", Some(&ada.access), None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.code(), "method_not_allowed");
    for id in ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "0192f0c1-0000-7000-8000-000000000000"] {
        let reply = app.get(&format!("/api/rooms/{id}"), &ada.access).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(reply.code(), "not_found");
    }
}

async fn slow_requests_time_out_with_json(backend: Backend) {
    // Password hashing takes far longer than 1 ms, so registration hits the timeout.
    let app = TestApp::spawn_with(backend, &[("limits.request_timeout", "1ms")]).await;
    let reply = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"email": "a@example.com", "name": "A", "password": "long enough password"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.code(), "unavailable");
    assert!(reply.headers.contains_key("retry-after"));
}

async fn page_sizes_follow_the_max_page_setting(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.max_page", "5")]).await;
    let root = app.register("root").await;
    for path in
        ["/api/rooms/general/messages", "/api/rooms/general/members", "/api/rooms", "/api/admin/users"]
    {
        assert_eq!(app.get(&format!("{path}?limit=5"), &root.access).await.status, StatusCode::OK, "{path}");
        let over = app.get(&format!("{path}?limit=6"), &root.access).await;
        assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {:?}", over.body);
        assert_eq!(over.body["error"]["details"]["field"], "limit", "{path}: {:?}", over.body);
    }
}

async fn field_lengths_follow_their_settings(backend: Backend) {
    let settings = [
        ("limits.max_display_name_chars", "5"),
        ("limits.max_password_chars", "30"),
        ("limits.max_client_id_chars", "4"),
        ("limits.max_model_id_chars", "3"),
        ("limits.max_description_chars", "10"),
    ];
    let app = TestApp::spawn_with(backend, &settings).await;
    let register = |name: &str, password: &str| json!({"email": format!("{name}@example.com"), "name": name, "password": password});
    let long_name = app
        .call(Method::POST, "/api/auth/register", None, Some(register("abcdef", "a long passphrase")))
        .await;
    assert_eq!(long_name.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", long_name.body);
    assert_eq!(long_name.body["error"]["details"]["field"], "name");
    let long_password =
        app.call(Method::POST, "/api/auth/register", None, Some(register("ada", &"pw".repeat(16)))).await;
    assert_eq!(long_password.body["error"]["details"]["field"], "password", "{:?}", long_password.body);
    let ada = app.register("ada").await;
    let messages = "/api/rooms/general/messages";
    let key = app.post(messages, &ada.access, json!({"content": "hi", "clientId": "12345"})).await;
    assert_eq!(key.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", key.body);
    assert_eq!(key.body["error"]["details"]["field"], "clientId");
    assert_eq!(
        app.post(messages, &ada.access, json!({"content": "hi", "clientId": "1234"})).await.status,
        StatusCode::CREATED
    );
    let model = app.post("/api/rooms", &ada.access, json!({"name": "r", "model": "abcd"})).await;
    assert_eq!(model.body["error"]["details"]["field"], "model", "{:?}", model.body);
    let description =
        app.post("/api/rooms", &ada.access, json!({"name": "r", "description": "x".repeat(11)})).await;
    assert_eq!(description.body["error"]["details"]["field"], "description", "{:?}", description.body);
}

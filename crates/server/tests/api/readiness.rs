//! `/readyz` beyond the database (which `lifecycle` covers): Redis when configured, the model
//! providers, and `degraded` (200) for a shared dependency that fails, never its error text.

use crate::support::TestApp;
use chatbot_store::Backend;
use reqwest::StatusCode;
use serde_json::Value;

/// A local address where nothing listens (bound, then released).
fn dead_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

async fn ready(app: &TestApp) -> (StatusCode, Value) {
    let response = app.http.get(app.url("/readyz")).send().await.expect("sent");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn the_demo_alone_is_labelled_and_redis_is_absent_when_not_configured() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["llm"]["demo"], true, "{body}");
    assert_eq!(body["checks"]["llm"]["providers"]["demo"]["ok"], true, "{body}");
    assert!(body["checks"].get("redis").is_none(), "no Redis configured: {body}");
    app.stop().await;
}

#[tokio::test]
async fn a_configured_redis_that_answers_is_reported_up() {
    let redis = chatbot_test_support::redis_url();
    let app = TestApp::spawn_with(Backend::Sqlite, &[("redis_url", redis.as_str())]).await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["checks"]["redis"]["ok"], true, "Redis at {redis} (make test starts it): {body}");
    assert_eq!(body["status"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn a_redis_that_is_down_degrades_without_unreadiness_or_error_text() {
    let dead = format!("redis://:hunter2-password@{}", dead_addr());
    let app = TestApp::spawn_with(Backend::Sqlite, &[("redis_url", dead.as_str())]).await;
    let response = app.http.get(app.url("/readyz")).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK, "still serving: one instance's chat works without Redis");
    let text = response.text().await.expect("text");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["checks"]["redis"]["ok"], false);
    assert!(matches!(body["checks"]["redis"]["error"].as_str(), Some("unreachable" | "timed out")), "{body}");
    assert!(!text.contains("hunter2") && !text.contains("127.0.0.1"), "no connection details shown: {text}");
    app.stop().await;
}

#[tokio::test]
async fn providers_are_checked_for_reachability() {
    // Anything that answers HTTP counts: the question is the network path, not the key.
    let answering = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let answering_url = format!("http://{}/v1", answering.local_addr().expect("addr"));
    tokio::spawn(async move {
        let app = axum::Router::new();
        let _ = axum::serve(answering, app).await; // 404 for everything
    });
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("openai.base_url", answering_url.as_str()),
            ("anthropic.api_key", "sk-ant-test"),
            ("anthropic.base_url", &format!("http://{}", dead_addr())),
        ],
    )
    .await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK);
    let providers = &body["checks"]["llm"]["providers"];
    assert_eq!(providers["openai"]["ok"], true, "{body}");
    assert_eq!(providers["anthropic"]["ok"], false, "{body}");
    assert_eq!(providers["anthropic"]["error"], "unreachable", "{body}");
    assert_eq!(body["checks"]["llm"]["demo"], false);
    assert_eq!(body["status"], "degraded");
    app.stop().await;
}

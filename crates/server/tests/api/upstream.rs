//! A mock Anthropic upstream for the server's tests: replays a wire transcript from
//! `crates/llm/tests/fixtures` byte for byte and counts requests.

use axum::body::Body;
use axum::response::Response;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct MockUpstream {
    pub base: String,
    pub requests: Arc<AtomicUsize>,
}

pub use chatbot_test_support::llm_fixture as fixture;

/// Serves `POST /v1/messages` with the `.sse` fixture `name`.
pub async fn anthropic(name: &'static str) -> MockUpstream {
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let app = axum::Router::new().route(
        "/v1/messages",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(Body::from(fixture(name)))
                    .expect("response")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    MockUpstream { base, requests }
}

/// Serves `POST /v1/chat/completions` (OpenAI-compatible) with these bytes as an event stream.
pub async fn openai_bytes(body: Vec<u8>) -> MockUpstream {
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move || {
            let (counter, body) = (counter.clone(), body.clone());
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(Body::from(body))
                    .expect("response")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    MockUpstream { base, requests }
}

//! Hardening against an upstream that misbehaves (issue: abuse and privacy holes): an error
//! body is read only up to a cap, however much the upstream sends, and its message is cut to a
//! readable length; a redirect is never followed, so the API key never reaches another host.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chatbot_llm::anthropic::{AnthropicConfig, AnthropicProvider};
use chatbot_llm::{ChatMessage, ChatRequest, ChatRole, LlmError, Provider, Timeouts};
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

const KEY: &str = "sk-ant-hostile-upstream-test-key-0123";

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn provider(base: &str) -> AnthropicProvider {
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(5),
        idle: Duration::from_secs(5),
    };
    AnthropicProvider::new(AnthropicConfig { base_url: base.to_owned(), api_key: KEY.into(), timeouts })
        .expect("provider")
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "claude-sonnet-4-5".into(),
        system: None,
        system_cache_breakpoint: false,
        messages: vec![ChatMessage { role: ChatRole::User, content: "hi".into(), cache_breakpoint: false }],
        max_tokens: 16,
        user_id: None,
    }
}

#[tokio::test]
async fn an_endless_error_body_is_read_only_up_to_a_cap() {
    // 500 with a body that never ends: 64 KiB chunks, counted as the client takes them.
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let app = axum::Router::new().route(
        "/v1/messages",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                let chunk = vec![b'x'; 64 * 1024];
                let body = futures_util::stream::repeat(chunk).map(move |c| {
                    counter.fetch_add(c.len(), Ordering::SeqCst);
                    Ok::<_, std::io::Error>(c)
                });
                Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .header("content-type", "application/json")
                    .body(Body::from_stream(body))
                    .expect("response")
            }
        }),
    );
    let base = serve(app).await;
    let err = provider(&base).stream(request()).await.err().expect("an error");
    assert!(matches!(err, LlmError::Overloaded { .. }), "{err:?}");
    // Socket buffers let the server write ahead of the reader; far less than everything it
    // could have sent in the seconds an uncapped read would have taken.
    let read = sent.load(Ordering::SeqCst);
    assert!(read < 32 << 20, "the client stopped reading: the server got {read} bytes out");
}

#[tokio::test]
async fn a_long_error_message_is_cut() {
    let message = "é".repeat(20_000);
    let body =
        serde_json::json!({"type": "error", "error": {"type": "api_error", "message": message}}).to_string();
    let app = axum::Router::new().route(
        "/v1/messages",
        axum::routing::post(move || {
            let body = body.clone();
            async move {
                Response::builder()
                    .status(StatusCode::BAD_REQUEST)
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .expect("response")
            }
        }),
    );
    let base = serve(app).await;
    let err = provider(&base).stream(request()).await.err().expect("an error");
    let text = err.to_string();
    assert!(text.chars().count() <= 600, "{} characters", text.chars().count());
    assert!(text.contains("…"), "marked as cut: {text}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_key_stays_home() {
    // Another host that would love to receive the key.
    let reached = Arc::new(AtomicBool::new(false));
    let flag = reached.clone();
    let elsewhere = serve(axum::Router::new().route(
        "/v1/messages",
        axum::routing::post(move |headers: HeaderMap| {
            let flag = flag.clone();
            async move {
                flag.store(headers.contains_key("x-api-key"), Ordering::SeqCst);
                StatusCode::OK
            }
        }),
    ))
    .await;
    let target = format!("{elsewhere}/v1/messages");
    let upstream = serve(axum::Router::new().route(
        "/v1/messages",
        axum::routing::post(move || {
            let target = target.clone();
            async move {
                Response::builder()
                    .status(StatusCode::TEMPORARY_REDIRECT)
                    .header("location", target)
                    .body(Body::empty())
                    .expect("response")
            }
        }),
    ))
    .await;
    let err = provider(&upstream).stream(request()).await.err().expect("a redirect is an error");
    assert!(!reached.load(Ordering::SeqCst), "the key was sent to the redirect target");
    assert!(err.to_string().contains("307"), "{err}");
}

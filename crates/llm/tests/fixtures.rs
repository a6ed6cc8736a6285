//! Every file in shared/fixtures/llm, replayed byte for byte by a local mock upstream, with the
//! behaviour the fixtures README requires of each.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chatbot_llm::anthropic::{AnthropicConfig, AnthropicProvider};
use chatbot_llm::openai::{OpenAiConfig, OpenAiProvider};
use chatbot_llm::{
    ChatMessage, ChatRequest, ChatRole, FinishReason, LlmError, Provider, RetryPolicy, StreamEvent, Timeouts,
    Usage, stream_with_retry,
};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "sk-ant-test-secret-key";

use chatbot_test_support::llm_fixture as fixture;

/// What the mock answers with, in order (the last one repeats).
#[derive(Clone)]
enum Reply {
    /// An `.sse` fixture, written in chunks of this many bytes (0: at once).
    Sse(&'static str, usize),
    /// An `.http` fixture: status line, headers, body.
    Http(&'static str),
    /// The first `n` bytes of a fixture, then silence (for the idle timeout) until the client
    /// goes away.
    Stall(&'static str, usize),
}

#[derive(Default)]
struct Seen {
    requests: Vec<(HeaderMap, Value)>,
    disconnected: bool,
}

struct Mock {
    replies: Mutex<VecDeque<Reply>>,
    seen: Mutex<Seen>,
}

struct Upstream {
    base: String,
    mock: Arc<Mock>,
}

/// Notices when the client drops the body (the request was closed).
struct DropFlag(Arc<Mock>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        if let Ok(mut seen) = self.0.seen.lock() {
            seen.disconnected = true;
        }
    }
}

async fn serve(State(mock): State<Arc<Mock>>, headers: HeaderMap, body: String) -> Response {
    mock.seen
        .lock()
        .expect("lock")
        .requests
        .push((headers, serde_json::from_str(&body).unwrap_or(Value::Null)));
    let reply = {
        let mut replies = mock.replies.lock().expect("lock");
        if replies.len() > 1 { replies.pop_front() } else { replies.front().cloned() }
    }
    .expect("a reply");
    match reply {
        Reply::Sse(name, chunk) => {
            let bytes = fixture(name);
            let size = if chunk == 0 { bytes.len() } else { chunk };
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                bytes.chunks(size).map(|c| Ok(c.to_vec())).collect();
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(futures_util::stream::iter(chunks)))
                .expect("response")
        }
        Reply::Http(name) => {
            let text = String::from_utf8(fixture(name)).expect("utf-8");
            let (head, body) = text.split_once("\n\n").expect("head and body");
            let mut lines = head.lines();
            let status: u16 =
                lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
            let mut builder = Response::builder().status(StatusCode::from_u16(status).expect("status"));
            for line in lines {
                let (name, value) = line.split_once(':').expect("header");
                builder = builder.header(name.trim(), value.trim());
            }
            builder.body(Body::from(body.to_owned())).expect("response")
        }
        Reply::Stall(name, n) => {
            let mut first = fixture(name);
            first.truncate(n);
            let flag = DropFlag(mock.clone());
            let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(
                futures_util::stream::once(async move {
                    let _flag = flag;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok(Vec::new())
                }),
            );
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .expect("response")
        }
    }
}

async fn upstream(replies: Vec<Reply>) -> Upstream {
    let mock = Arc::new(Mock { replies: Mutex::new(replies.into()), seen: Mutex::default() });
    let app = axum::Router::new()
        .route("/v1/messages", axum::routing::post(serve))
        .route("/v1/chat/completions", axum::routing::post(serve))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Upstream { base, mock }
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(5),
        idle: Duration::from_millis(300),
    }
}

fn anthropic(up: &Upstream) -> AnthropicProvider {
    AnthropicProvider::new(AnthropicConfig {
        base_url: up.base.clone(),
        api_key: KEY.into(),
        timeouts: timeouts(),
    })
    .expect("provider")
}

fn openai(up: &Upstream) -> OpenAiProvider {
    OpenAiProvider::new(OpenAiConfig {
        base_url: format!("{}/v1", up.base),
        api_key: Some("sk-oa".into()),
        timeouts: timeouts(),
    })
    .expect("provider")
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "claude-sonnet-4-5".into(),
        system: Some("Be brief.".into()),
        system_cache_breakpoint: true,
        messages: vec![
            ChatMessage { role: ChatRole::User, content: "hi".into(), cache_breakpoint: false },
            ChatMessage { role: ChatRole::Assistant, content: "hello".into(), cache_breakpoint: true },
            ChatMessage { role: ChatRole::User, content: "안녕?".into(), cache_breakpoint: false },
        ],
        max_tokens: 256,
        user_id: Some("user-1".into()),
    }
}

/// Text deltas of the fixture, computed independently of the provider.
fn anthropic_text(name: &str) -> String {
    String::from_utf8(fixture(name))
        .expect("utf-8")
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter(|v| v["type"] == "content_block_delta" && v["delta"]["type"] == "text_delta")
        .filter_map(|v| v["delta"]["text"].as_str().map(str::to_owned))
        .collect()
}

struct Collected {
    text: String,
    usage: Option<Usage>,
    finish: Option<FinishReason>,
    error: Option<LlmError>,
}

async fn collect(provider: &dyn Provider) -> Collected {
    let mut out = Collected { text: String::new(), usage: None, finish: None, error: None };
    match provider.stream(request()).await {
        Err(e) => out.error = Some(e),
        Ok(mut stream) => {
            while let Some(item) = stream.next().await {
                match item {
                    Ok(StreamEvent::Text(t)) => {
                        assert!(!t.is_empty());
                        out.text.push_str(&t);
                    }
                    Ok(StreamEvent::Usage(u)) => out.usage = Some(u),
                    Ok(StreamEvent::Finished(f)) => out.finish = Some(f),
                    Err(e) => {
                        out.error = Some(e);
                        break;
                    }
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn anthropic_basic_in_any_chunking() {
    for chunk in [0, 1, 3, 7] {
        let up = upstream(vec![Reply::Sse("anthropic-stream-basic.sse", chunk)]).await;
        let got = collect(&anthropic(&up)).await;
        assert!(got.error.is_none(), "{:?}", got.error);
        assert_eq!(got.text, anthropic_text("anthropic-stream-basic.sse"), "chunk size {chunk}");
        assert!(got.text.contains("안녕하세요"));
        let usage = got.usage.expect("usage");
        assert_eq!((usage.input_tokens, usage.output_tokens, usage.estimated), (27, 31, false));
        assert_eq!(got.finish, Some(FinishReason::Stop));
    }
}

#[tokio::test]
async fn anthropic_request_has_the_documented_shape() {
    let up = upstream(vec![Reply::Sse("anthropic-stream-basic.sse", 0)]).await;
    collect(&anthropic(&up)).await;
    let seen = up.mock.seen.lock().expect("lock");
    let (headers, body) = &seen.requests[0];
    assert_eq!(headers["x-api-key"], KEY);
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["metadata"]["user_id"], "user-1");
    assert_eq!(body["system"][0]["cache_control"]["type"], "ephemeral");
    assert_eq!(
        body["messages"][1]["content"][0]["cache_control"]["type"], "ephemeral",
        "end of the stable prefix"
    );
    assert!(body["messages"][2]["content"][0].get("cache_control").is_none());
    assert_eq!(body["messages"][0]["role"], "user");
}

#[tokio::test]
async fn anthropic_thinking_cache_and_max_tokens() {
    let up = upstream(vec![Reply::Sse("anthropic-stream-thinking-and-cache.sse", 5)]).await;
    let got = collect(&anthropic(&up)).await;
    assert!(got.error.is_none(), "unknown events are ignored: {:?}", got.error);
    assert_eq!(got.text, "Short answer.", "thinking is not user content");
    let usage = got.usage.expect("usage");
    assert_eq!((usage.cache_read_tokens, usage.output_tokens), (2048, 9));
    assert_eq!(got.finish, Some(FinishReason::MaxTokens));
}

#[tokio::test]
async fn anthropic_midstream_error_keeps_partial_text() {
    let up = upstream(vec![Reply::Sse("anthropic-stream-midstream-error.sse", 0)]).await;
    let got = collect(&anthropic(&up)).await;
    assert_eq!(got.text, "Partial answer that must be kept");
    assert!(
        matches!(&got.error, Some(LlmError::Upstream { kind, .. }) if kind == "overloaded_error"),
        "{:?}",
        got.error
    );
    assert_eq!(got.finish, None);
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn rate_limit_is_retried_after_retry_after() {
    let up =
        upstream(vec![Reply::Http("anthropic-error-429.http"), Reply::Sse("anthropic-stream-basic.sse", 0)])
            .await;
    let started = Instant::now();
    let stream = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.expect("retried");
    assert!(started.elapsed() >= Duration::from_secs(2), "honours retry-after: 2");
    let events: Vec<_> = stream.collect().await;
    assert!(events.iter().all(Result::is_ok));
    assert_eq!(up.mock.seen.lock().expect("lock").requests.len(), 2);
}

#[tokio::test]
async fn overload_is_retried_with_backoff_and_bounded() {
    let up = upstream(vec![Reply::Http("anthropic-error-529.http")]).await;
    let result = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await;
    assert!(matches!(result, Err(LlmError::Overloaded { .. })));
    assert_eq!(up.mock.seen.lock().expect("lock").requests.len(), 3, "three attempts, then a clear error");
}

#[tokio::test]
async fn spend_limit_bad_key_and_bad_request_are_not_retried() {
    for (name, check) in [
        (
            "anthropic-error-429-spend-limit.http",
            (|e: &LlmError| matches!(e, LlmError::SpendLimit { .. })) as fn(&LlmError) -> bool,
        ),
        ("anthropic-error-401.http", |e| matches!(e, LlmError::Auth { .. })),
        (
            "anthropic-error-400.http",
            |e| matches!(e, LlmError::InvalidRequest { message } if message.contains("prompt is too long")),
        ),
    ] {
        let up = upstream(vec![Reply::Http(name)]).await;
        let err =
            stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.err().expect("an error");
        assert!(check(&err), "{name}: {err:?}");
        assert!(!err.to_string().contains(KEY), "the key never appears in errors");
        assert_eq!(up.mock.seen.lock().expect("lock").requests.len(), 1, "{name}: no retry");
    }
}

#[tokio::test]
async fn openai_basic_ignores_comments_and_records_usage() {
    for chunk in [0, 2, 5] {
        let up = upstream(vec![Reply::Sse("openai-stream-basic.sse", chunk)]).await;
        let got = collect(&openai(&up)).await;
        assert!(got.error.is_none(), "{:?}", got.error);
        assert_eq!(got.text, "Hello world 👋");
        let usage = got.usage.expect("usage");
        assert_eq!((usage.input_tokens, usage.output_tokens, usage.estimated), (18, 4, false));
        assert_eq!(got.finish, Some(FinishReason::Stop));
    }
    let up = upstream(vec![Reply::Sse("openai-stream-basic.sse", 0)]).await;
    collect(&openai(&up)).await;
    let seen = up.mock.seen.lock().expect("lock");
    let (headers, body) = &seen.requests[0];
    assert_eq!(headers["authorization"], "Bearer sk-oa");
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["messages"][0]["role"], "system");
}

#[tokio::test]
async fn idle_upstream_times_out_and_dropping_the_stream_closes_the_request() {
    // The first events arrive (message_start, the text block, a ping, a delta), then nothing: the
    // idle timeout (300 ms) fires after the text so far.
    let bytes = fixture("anthropic-stream-basic.sse");
    let cut =
        String::from_utf8(bytes).expect("utf-8").find("event: content_block_delta").expect("a delta") + 10;
    let cut =
        fixture("anthropic-stream-basic.sse")[..cut].iter().rposition(|&b| b == b'\n').expect("line") + 1;
    let up = upstream(vec![Reply::Stall("anthropic-stream-basic.sse", cut)]).await;
    let got = collect(&anthropic(&up)).await;
    assert!(matches!(got.error, Some(LlmError::Timeout { phase: "idle" })), "{:?}", got.error);

    let up = upstream(vec![Reply::Stall("anthropic-stream-basic.sse", cut)]).await;
    let mut stream = anthropic(&up).stream(request()).await.expect("stream");
    assert!(matches!(stream.next().await, Some(Ok(_))));
    drop(stream);
    for _ in 0..50 {
        if up.mock.seen.lock().expect("lock").disconnected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the upstream never saw the request close");
}

#[tokio::test]
async fn openai_stream_cut_without_finish_reason_is_incomplete() {
    let text = String::from_utf8(fixture("openai-stream-basic.sse")).expect("utf-8");
    let cut = text.find("data: {\"id\":\"chatcmpl-fixture1\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"llama3.2\",\"choices\":[{\"index\":0,\"delta\":{},").expect("finish chunk");
    let up = upstream(vec![Reply::Stall("openai-stream-basic.sse", cut)]).await;
    let provider = OpenAiProvider::new(OpenAiConfig {
        base_url: format!("{}/v1", up.base),
        api_key: None,
        timeouts: Timeouts { idle: Duration::from_millis(200), ..timeouts() },
    })
    .expect("provider");
    let got = collect(&provider).await;
    assert_eq!(got.text, "Hello world 👋", "partial text kept");
    assert!(got.error.is_some() && got.finish.is_none(), "{:?}", got.error);
}

//! The harness of the transcript tests: a local mock upstream that replays the fixtures byte for
//! byte (in the network chunkings of `CHUNKINGS`), providers pointed at it, and stream collection.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chatbot_llm::anthropic::{AnthropicConfig, AnthropicProvider};
use chatbot_llm::openai::{OpenAiConfig, OpenAiProvider};
use chatbot_llm::{
    ChatMessage, ChatRequest, ChatRole, FinishReason, LlmError, Provider, RetryPolicy, StreamEvent, Timeouts,
    Usage,
};
use chatbot_test_support::llm_fixture as fixture;
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) const KEY: &str = "sk-ant-test-secret-key-0123456789";
pub(crate) const OPENAI_KEY: &str = "sk-oa-test-secret-key-0123456789";
/// The text of `openai-stream-basic.sse` (checked against the file in `openai_stream_basic`).
pub(crate) const OPENAI_TEXT: &str = "Good morning, 세계 🌅";

/// Network chunkings every stream is replayed in: all at once, every byte apart, and tiny chunks
/// of 1 to 7 bytes (cut inside `\n\n`, inside JSON and inside Korean characters and emoji).
pub(crate) const CHUNKINGS: [&[usize]; 4] = [&[], &[1], &[3, 1, 7, 2, 5, 4, 6], &[2, 7, 1, 1, 4]];

// ---------------------------------------------------------------------------------------------
// The mock upstream

/// What the mock answers with, one per request in order (the last one repeats).
#[derive(Clone)]
pub(crate) enum Reply {
    /// 200 `text/event-stream`: these bytes, written in chunks of these sizes (cycled; empty:
    /// at once), then the body ends.
    Sse(Vec<u8>, &'static [usize]),
    /// An `.http` fixture's text: status line, headers, blank line, body.
    Http(String),
    /// 200 `text/event-stream`: these bytes, then silence until the client goes away.
    Stall(Vec<u8>),
    /// Response headers only after this long.
    Delay(Duration),
}

#[derive(Default)]
pub(crate) struct Seen {
    pub(crate) requests: Vec<(Uri, HeaderMap, Value)>,
    /// The client closed a stalled response.
    pub(crate) disconnected: bool,
}

pub(crate) struct Mock {
    pub(crate) replies: Mutex<VecDeque<Reply>>,
    pub(crate) seen: Mutex<Seen>,
}

pub(crate) struct Upstream {
    pub(crate) base: String,
    pub(crate) mock: Arc<Mock>,
}

impl Upstream {
    pub(crate) fn requests(&self) -> usize {
        self.mock.seen.lock().expect("lock").requests.len()
    }

    pub(crate) fn request(&self, i: usize) -> (Uri, HeaderMap, Value) {
        self.mock.seen.lock().expect("lock").requests[i].clone()
    }
}

/// Set when the body stream is dropped: hyper drops it when the client closes the connection.
pub(crate) struct DropFlag(Arc<Mock>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        if let Ok(mut seen) = self.0.seen.lock() {
            seen.disconnected = true;
        }
    }
}

pub(crate) fn chunked(bytes: Vec<u8>, sizes: &'static [usize]) -> Vec<Vec<u8>> {
    if sizes.is_empty() {
        return vec![bytes];
    }
    let mut out = Vec::new();
    let mut rest = bytes.as_slice();
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        out.push(chunk.to_vec());
        rest = tail;
    }
    out
}

pub(crate) fn event_stream(body: Body) -> Response {
    Response::builder().header("content-type", "text/event-stream").body(body).expect("response")
}

/// Parses an `.http` fixture into a response, byte for byte (LF or CRLF line ends).
pub(crate) fn http_response(text: &str) -> Response {
    let (head, body) =
        text.split_once("\r\n\r\n").or_else(|| text.split_once("\n\n")).expect("head and body");
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

pub(crate) async fn serve(
    State(mock): State<Arc<Mock>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    mock.seen.lock().expect("lock").requests.push((
        uri,
        headers,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    ));
    let reply = {
        let mut replies = mock.replies.lock().expect("lock");
        if replies.len() > 1 { replies.pop_front() } else { replies.front().cloned() }
    }
    .expect("a reply");
    match reply {
        Reply::Sse(bytes, sizes) => {
            let chunks = chunked(bytes, sizes);
            // One frame per chunk, each written on its own (the yield lets hyper flush it).
            let stream = futures_util::stream::iter(chunks).then(|chunk| async move {
                tokio::task::yield_now().await;
                Ok::<_, std::io::Error>(chunk)
            });
            event_stream(Body::from_stream(stream))
        }
        Reply::Http(text) => http_response(&text),
        Reply::Stall(first) => {
            let flag = DropFlag(mock.clone());
            let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(
                futures_util::stream::once(async move {
                    let _flag = flag;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok(Vec::new())
                }),
            );
            event_stream(Body::from_stream(stream))
        }
        Reply::Delay(pause) => {
            tokio::time::sleep(pause).await;
            event_stream(Body::from(fixture("anthropic-stream-basic.sse")))
        }
    }
}

pub(crate) async fn upstream(replies: Vec<Reply>) -> Upstream {
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

pub(crate) fn sse(name: &str) -> Reply {
    Reply::Sse(fixture(name), &[])
}

pub(crate) fn http(name: &str) -> Reply {
    Reply::Http(String::from_utf8(fixture(name)).expect("utf-8"))
}

// ---------------------------------------------------------------------------------------------
// Providers and requests

pub(crate) fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(5),
        idle: Duration::from_millis(300),
    }
}

pub(crate) fn anthropic_with(base: &str, timeouts: Timeouts) -> AnthropicProvider {
    AnthropicProvider::new(AnthropicConfig { base_url: base.to_owned(), api_key: KEY.into(), timeouts })
        .expect("provider")
}

pub(crate) fn anthropic(up: &Upstream) -> AnthropicProvider {
    anthropic_with(&up.base, timeouts())
}

pub(crate) fn openai_with(up: &Upstream, key: Option<&str>) -> OpenAiProvider {
    OpenAiProvider::new(OpenAiConfig {
        // A trailing slash, as `url::Url` renders a base URL.
        base_url: format!("{}/v1/", up.base),
        api_key: key.map(str::to_owned),
        timeouts: timeouts(),
    })
    .expect("provider")
}

pub(crate) fn openai(up: &Upstream) -> OpenAiProvider {
    openai_with(up, Some(OPENAI_KEY))
}

pub(crate) fn request() -> ChatRequest {
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

/// Retries with tiny pauses; a `retry-after` is honoured for at most 50 ms.
pub(crate) fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_millis(50),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading fixtures independently of the providers

/// The `data:` payloads of an SSE fixture, as JSON (`[DONE]` and comments skipped).
pub(crate) fn data_lines(name: &str) -> Vec<Value> {
    String::from_utf8(fixture(name))
        .expect("utf-8")
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .collect()
}

/// The text deltas of an Anthropic fixture, in order.
pub(crate) fn anthropic_deltas(name: &str) -> Vec<String> {
    data_lines(name)
        .into_iter()
        .filter(|v| v["type"] == "content_block_delta" && v["delta"]["type"] == "text_delta")
        .filter_map(|v| v["delta"]["text"].as_str().map(str::to_owned))
        .collect()
}

/// The non-empty content deltas of an OpenAI fixture, in order.
pub(crate) fn openai_deltas(name: &str) -> Vec<String> {
    data_lines(name)
        .into_iter()
        .filter_map(|v| v["choices"][0]["delta"]["content"].as_str().map(str::to_owned))
        .filter(|t| !t.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Collecting a stream

#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) deltas: Vec<String>,
    pub(crate) usage: Option<Usage>,
    pub(crate) finish: Option<FinishReason>,
    pub(crate) error: Option<LlmError>,
    /// Items after a `Finished` or an `Err` (there must be none).
    pub(crate) after_end: usize,
}

impl Collected {
    pub(crate) fn text(&self) -> String {
        self.deltas.concat()
    }
}

pub(crate) async fn drain(mut stream: chatbot_llm::EventStream) -> Collected {
    let mut out = Collected::default();
    let read = async {
        while let Some(item) = stream.next().await {
            if out.finish.is_some() || out.error.is_some() {
                out.after_end += 1;
            }
            match item {
                Ok(StreamEvent::Text(t)) => {
                    assert!(!t.is_empty(), "text deltas are never empty");
                    out.deltas.push(t);
                }
                Ok(StreamEvent::Usage(u)) => out.usage = Some(u),
                Ok(StreamEvent::Finished(f)) => out.finish = Some(f),
                Err(e) => out.error = Some(e),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.expect("the stream never hangs");
    out
}

pub(crate) async fn collect(provider: &dyn Provider) -> Collected {
    match provider.stream(request()).await {
        Err(e) => Collected { error: Some(e), ..Collected::default() },
        Ok(stream) => drain(stream).await,
    }
}

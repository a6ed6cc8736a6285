//! A mock OpenAI-compatible model server inside the load generator, so that the `chat` and
//! `soak` scenarios can time the server's own share of an answer's latency: the mock notes when
//! each question's request arrived and when each token was written, on the same clock as the
//! sockets that receive them. With `--external-upstream` it runs in a process of its own instead
//! (`chatbot-loadgen upstream`), off the runtime that reads the sockets; the scenario then fetches
//! its notes (`GET /notes`), times in `CLOCK_MONOTONIC` nanoseconds ([`crate::clock`]). Wire format as `POST {base}/chat/completions` with `stream: true`
//! (chat.completion.chunk deltas, a finish chunk, a usage-only chunk, `[DONE]`).
//!
//! Each question carries a marker word (`lgq-…`, see [`marker`]); token `i` of its answer reads
//! `<marker>.<i> `, so a client can tell which token of which answer a chunk holds even when the
//! server merges deltas into one chunk.

use crate::clock::Clock;
use anyhow::Context;
use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The mock model's address and pace, as the `chat` and `soak` commands take them.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct MockArgs {
    /// Where the mock model listens (the server's `OPENAI_BASE_URL` must point there).
    #[arg(long = "upstream", default_value = "127.0.0.1:3960")]
    pub address: SocketAddr,
    /// The mock already runs there in a process of its own (`chatbot-loadgen upstream` with the
    /// same shape): use it instead of starting one in this process (`upstream` itself ignores it).
    #[arg(long = "external-upstream")]
    pub external: bool,
    #[command(flatten)]
    pub shape: Shape,
}

/// How the mock answers.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Shape {
    /// Tokens per answer.
    #[arg(long, default_value_t = 50)]
    pub tokens: usize,
    /// The model's own time to first token, from the request's arrival.
    #[arg(long, default_value = "100ms", value_parser = crate::humantime_duration)]
    pub first_token: Duration,
    /// Pause between two tokens.
    #[arg(long = "token-interval", default_value = "20ms", value_parser = crate::humantime_duration)]
    pub interval: Duration,
}

/// What the mock saw of one question.
#[derive(Debug, Clone)]
pub struct Answered {
    pub arrived: Instant,
    /// When token `i` was handed to the connection, by `i`.
    pub written: Vec<Instant>,
}

/// The mock's notes, by question marker.
#[derive(Default)]
pub struct Log {
    answers: Mutex<HashMap<String, Answered>>,
}

impl Log {
    fn note(&self, marker: &str, f: impl FnOnce(&mut Answered)) {
        let mut answers = self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(answer) = answers.get_mut(marker) {
            f(answer);
        }
    }

    /// Takes the notes of every question answered so far.
    pub fn take(&self) -> HashMap<String, Answered> {
        std::mem::take(&mut *self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// Where requests that carried no marker (a question this run did not ask) are noted.
const UNMARKED: &str = "lgq-unmarked";

/// The marker word of question `q` of socket `s`.
pub fn marker(run: &str, s: usize, q: usize) -> String {
    format!("lgq-{run}-{s}-{q}")
}

/// The (marker, token index) pairs in a chunk's text.
pub fn tokens_in(chunk: &str) -> impl Iterator<Item = (&str, usize)> {
    chunk.split_whitespace().filter_map(|word| {
        let (marker, index) = word.rsplit_once('.')?;
        Some((marker, index.parse().ok()?))
    })
}

#[derive(Clone)]
struct Mock {
    shape: Shape,
    log: Arc<Log>,
}

/// Serves the mock on `addr` until the process ends; returns its log.
pub async fn serve(addr: SocketAddr, shape: Shape) -> anyhow::Result<Arc<Log>> {
    let log = Arc::new(Log::default());
    let mock = Mock { shape, log: log.clone() };
    let app = Router::new().route("/notes", get(notes)).route("/{*path}", post(completions)).with_state(mock);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            eprintln!("loadgen: mock upstream stopped: {err}");
        }
    });
    Ok(log)
}

/// The mock a scenario's answers come from: here, or in a process of its own.
pub enum Upstream {
    Here(Arc<Log>),
    Elsewhere(SocketAddr),
}

/// Starts the mock here, or (`--external-upstream`) checks that one answers at the address.
pub async fn start(args: &MockArgs) -> anyhow::Result<Upstream> {
    if !args.external {
        return Ok(Upstream::Here(serve(args.address, args.shape).await.context("mock upstream")?));
    }
    let upstream = Upstream::Elsewhere(args.address);
    upstream
        .take()
        .await
        .context("no mock upstream answers at --upstream (start `chatbot-loadgen upstream`)")?;
    Ok(upstream)
}

impl Upstream {
    /// Takes the notes of every question answered so far.
    pub async fn take(&self) -> anyhow::Result<HashMap<String, Answered>> {
        let addr = match self {
            Upstream::Here(log) => return Ok(log.take()),
            Upstream::Elsewhere(addr) => addr,
        };
        let notes: HashMap<String, Noted> =
            reqwest::get(format!("http://{addr}/notes")).await?.error_for_status()?.json().await?;
        let clock = Clock::new();
        let answered = |n: Noted| Answered {
            arrived: clock.instant(n.arrived),
            written: n.written.into_iter().map(|ns| clock.instant(ns)).collect(),
        };
        Ok(notes.into_iter().map(|(marker, noted)| (marker, answered(noted))).collect())
    }
}

/// One question's notes as `GET /notes` gives them: monotonic nanoseconds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Noted {
    arrived: u64,
    written: Vec<u64>,
}

/// `GET /notes`: takes the notes of every question answered so far.
async fn notes(State(mock): State<Mock>) -> Json<HashMap<String, Noted>> {
    let clock = Clock::new();
    let noted = |a: Answered| Noted {
        arrived: clock.ns(a.arrived),
        written: a.written.into_iter().map(|at| clock.ns(at)).collect(),
    };
    Json(mock.log.take().into_iter().map(|(marker, answered)| (marker, noted(answered))).collect())
}

/// The marker in the last user message of a chat completions request.
fn marker_of(request: &Value) -> Option<String> {
    let messages = request["messages"].as_array()?;
    let last = messages.iter().rev().find(|m| m["role"] == "user")?;
    let text = match &last["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join(" "),
        _ => return None,
    };
    text.split_whitespace().rev().find(|w| w.starts_with("lgq-")).map(str::to_owned)
}

async fn completions(State(mock): State<Mock>, body: Bytes) -> Response {
    let arrived = Instant::now();
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let marker = marker_of(&request).unwrap_or_else(|| UNMARKED.to_owned());
    mock.log
        .answers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(marker.clone(), Answered { arrived, written: Vec::with_capacity(mock.shape.tokens) });
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(16);
    tokio::spawn(stream_answer(mock, marker, arrived, tx));
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn event(data: &Value) -> Result<Bytes, Infallible> {
    Ok(Bytes::from(format!("data: {data}\n\n")))
}

fn chunk(delta: &Value, finish: Option<&str>) -> Value {
    json!({
        "id": "chatcmpl-loadgen", "object": "chat.completion.chunk", "created": 1_764_000_000,
        "model": "loadgen-mock", "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
    })
}

/// Writes the answer at the shape's pace; stops early if the server hung up.
async fn stream_answer(
    mock: Mock,
    marker: String,
    arrived: Instant,
    tx: mpsc::Sender<Result<Bytes, Infallible>>,
) {
    let shape = mock.shape;
    tokio::time::sleep_until((arrived + shape.first_token).into()).await;
    if tx.send(event(&chunk(&json!({ "role": "assistant", "content": "" }), None))).await.is_err() {
        return;
    }
    let mut next = Instant::now();
    for i in 0..shape.tokens {
        let text = format!("{marker}.{i} ");
        let written = Instant::now();
        if tx.send(event(&chunk(&json!({ "content": text }), None))).await.is_err() {
            return;
        }
        mock.log.note(&marker, |a| a.written.push(written));
        next += shape.interval;
        tokio::time::sleep_until(next.into()).await;
    }
    let usage = json!({
        "id": "chatcmpl-loadgen", "object": "chat.completion.chunk", "created": 1_764_000_000,
        "model": "loadgen-mock", "choices": [],
        "usage": { "prompt_tokens": 20, "completion_tokens": shape.tokens, "total_tokens": 20 + shape.tokens },
    });
    for data in
        [event(&chunk(&json!({}), Some("stop"))), event(&usage), Ok(Bytes::from_static(b"data: [DONE]\n\n"))]
    {
        if tx.send(data).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markers_and_tokens() {
        let request = json!({"messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "question lgq-ab12-3-0"},
            {"role": "assistant", "content": "lgq-ab12-3-0.0 "},
            {"role": "user", "content": "again lgq-ab12-3-1"},
        ]});
        assert_eq!(marker_of(&request).as_deref(), Some("lgq-ab12-3-1"));
        let found: Vec<_> = tokens_in("lgq-ab12-3-1.4 lgq-ab12-3-1.5 ").collect();
        assert_eq!(found, [("lgq-ab12-3-1", 4), ("lgq-ab12-3-1", 5)]);
        assert_eq!(marker("ab12", 3, 1), "lgq-ab12-3-1");
    }
}

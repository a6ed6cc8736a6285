//! What both HTTP providers share: the client, the error mapping of non-2xx responses, and turning
//! a response body into an [`EventStream`] with first-byte and idle timeouts.

use crate::sse::{SseEvent, SseParser};
use crate::{EventStream, LlmError, StreamEvent, Timeouts};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Duration;

pub(crate) fn client(timeouts: &Timeouts) -> Result<reqwest::Client, LlmError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .build()
        .map_err(|e| LlmError::Transport { message: format!("cannot build the HTTP client: {e}") })
}

/// Sends the request, waiting at most `first_byte` for the response headers.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    first_byte: Duration,
) -> Result<reqwest::Response, LlmError> {
    let response = match tokio::time::timeout(first_byte, request.send()).await {
        Err(_) => return Err(LlmError::Timeout { phase: "first_byte" }),
        Ok(Err(e)) if e.is_connect() => {
            return Err(LlmError::Transport { message: format!("cannot connect: {}", without_url(&e)) });
        }
        Ok(Err(e)) if e.is_timeout() => return Err(LlmError::Timeout { phase: "connect" }),
        Ok(Err(e)) => return Err(LlmError::Transport { message: without_url(&e) }),
        Ok(Ok(response)) => response,
    };
    if response.status().is_success() { Ok(response) } else { Err(error_from(response).await) }
}

/// reqwest errors print the URL; keep messages free of anything a URL could carry.
fn without_url(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// Maps an error response (Anthropic's `{type: "error", error: {type, message}}`, OpenAI's
/// `{error: {message}}`, or llama.cpp's `{detail}`) to what the caller should do.
pub(crate) async fn error_from(response: reqwest::Response) -> LlmError {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let message = body["error"]["message"]
        .as_str()
        .or_else(|| body["detail"].as_str())
        .or_else(|| body["message"].as_str())
        .map_or_else(|| format!("HTTP {status}"), |m| format!("HTTP {status}: {m}"));
    let spend_limit = body["error"]["details"]["error_code"] == "enforced_spend_limit_reached";
    match status {
        429 if spend_limit => LlmError::SpendLimit { message },
        429 => LlmError::RateLimited { retry_after, message },
        401 | 403 => LlmError::Auth { message },
        402 => LlmError::SpendLimit { message },
        500 | 502 | 503 | 504 | 529 => LlmError::Overloaded { message },
        _ => LlmError::InvalidRequest { message },
    }
}

/// Turns SSE events of one vendor into stream events.
pub(crate) trait Decoder: Send + 'static {
    fn event(&mut self, event: SseEvent) -> Result<Vec<StreamEvent>, LlmError>;
    /// The body ended: what is still owed, or why the answer is incomplete.
    fn end(&mut self) -> Result<Vec<StreamEvent>, LlmError>;
}

struct State<D> {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    parser: SseParser,
    decoder: D,
    pending: VecDeque<Result<StreamEvent, LlmError>>,
    done: bool,
    first: bool,
    timeouts: Timeouts,
}

/// The response body as events. Dropping the stream drops the body, which closes the request.
pub(crate) fn events<D: Decoder>(response: reqwest::Response, decoder: D, timeouts: Timeouts) -> EventStream {
    let state = State {
        body: response.bytes_stream().boxed(),
        parser: SseParser::new(),
        decoder,
        pending: VecDeque::new(),
        done: false,
        first: true,
        timeouts,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(item) = s.pending.pop_front() {
                return Some((item, s));
            }
            if s.done {
                return None;
            }
            let (limit, phase) =
                if s.first { (s.timeouts.first_byte, "first_byte") } else { (s.timeouts.idle, "idle") };
            match tokio::time::timeout(limit, s.body.next()).await {
                Err(_) => {
                    s.pending.push_back(Err(LlmError::Timeout { phase }));
                    s.done = true;
                }
                Ok(Some(Err(e))) => {
                    s.pending.push_back(Err(LlmError::Transport { message: without_url(&e) }));
                    s.done = true;
                }
                Ok(Some(Ok(bytes))) => {
                    s.first = false;
                    for event in s.parser.feed(&bytes) {
                        match s.decoder.event(event) {
                            Ok(items) => s.pending.extend(items.into_iter().map(Ok)),
                            Err(e) => {
                                s.pending.push_back(Err(e));
                                s.done = true;
                                break;
                            }
                        }
                    }
                }
                Ok(None) => {
                    s.done = true;
                    let last =
                        s.parser.finish().map(|event| s.decoder.event(event)).unwrap_or(Ok(Vec::new()));
                    match last.and_then(|mut items| {
                        items.extend(s.decoder.end()?);
                        Ok(items)
                    }) {
                        Ok(items) => s.pending.extend(items.into_iter().map(Ok)),
                        Err(e) => s.pending.push_back(Err(e)),
                    }
                }
            }
        }
    })
    .boxed()
}

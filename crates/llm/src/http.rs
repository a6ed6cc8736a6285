//! What both HTTP providers share: the client, the error mapping of non-2xx responses, and turning
//! a response body into an [`EventStream`] with first-byte and idle timeouts.

use crate::sse::{SseEvent, SseParser};
use crate::{EventStream, LlmError, StreamEvent, Timeouts};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// Longest wait for the body of an error response (a stalled error body must not hang an answer).
const ERROR_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Most of an error body read: error bodies are a few hundred bytes; a misbehaving upstream (or a
/// proxy's error page) must not make us buffer megabytes.
const ERROR_BODY_CAP: usize = 64 * 1024;

/// Longest upstream error message kept, in characters: it reaches logs, stored answers and, for
/// admins, the screen.
const ERROR_MESSAGE_CHARS: usize = 500;

pub(crate) fn client(timeouts: &Timeouts) -> Result<reqwest::Client, LlmError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .user_agent(concat!("chatbot-socket/", env!("CARGO_PKG_VERSION")))
        // A redirect would carry the API key header to wherever it points (reqwest strips only
        // the standard credential headers): a configured base URL that redirects is an error.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| LlmError::Transport { message: format!("cannot build the HTTP client: {e}") })
}

/// Longest a reachability check waits for the upstream's response headers.
const REACHABLE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET base_url`: reachable when any HTTP response arrives in time.
pub(crate) async fn reachable(client: &reqwest::Client, base_url: &str) -> Result<(), LlmError> {
    match client.get(base_url).timeout(REACHABLE_TIMEOUT).send().await {
        Ok(_) => Ok(()),
        Err(err) if err.is_timeout() => Err(LlmError::Timeout { phase: "connect" }),
        Err(err) => Err(LlmError::Transport { message: err.to_string() }),
    }
}

/// A header value the HTTP stack must not print (reqwest and hyper honour `sensitive` in `Debug`).
pub(crate) fn secret_header(value: &str) -> Result<reqwest::header::HeaderValue, LlmError> {
    let mut value = reqwest::header::HeaderValue::from_str(value).map_err(|_| LlmError::Auth {
        message: "the API key contains characters not allowed in an HTTP header".to_owned(),
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A response that came back 2xx, and when the request was sent (the first-byte clock).
pub(crate) struct Accepted {
    response: reqwest::Response,
    sent: Instant,
}

/// Sends the request, waiting at most `first_byte` for the response headers. Error responses are
/// mapped to [`LlmError`]s, with `secret` (the API key) removed from any message.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    first_byte: Duration,
    secret: Option<&str>,
) -> Result<Accepted, LlmError> {
    let sent = Instant::now();
    let response = match tokio::time::timeout(first_byte, request.send()).await {
        Err(_) => return Err(LlmError::Timeout { phase: "first_byte" }),
        // reqwest reports a connect timeout as a connect error whose cause is a timeout.
        Ok(Err(e)) if e.is_connect() && e.is_timeout() => return Err(LlmError::Timeout { phase: "connect" }),
        Ok(Err(e)) if e.is_connect() => {
            return Err(LlmError::Transport {
                message: redact(format!("cannot connect: {}", root_cause(&e)), secret),
            });
        }
        Ok(Err(e)) => return Err(LlmError::Transport { message: redact(root_cause(&e), secret) }),
        Ok(Ok(response)) => response,
    };
    if response.status().is_success() {
        Ok(Accepted { response, sent })
    } else {
        Err(error_from(response, secret).await)
    }
}

/// The innermost cause: reqwest's own `Display` prints the URL, and its chain's top says little.
fn root_cause(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// Removes the key from text an upstream or the HTTP stack produced (some servers echo part or
/// all of a bad key back).
/// The first `max` characters of `text`, marked with `…` when there was more.
fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

/// At most `cap` bytes of the body; the rest is never read (the connection is dropped with it).
async fn read_capped(mut response: reqwest::Response, cap: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = cap.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    body
}

fn redact(message: String, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if secret.len() >= 4 && message.contains(secret) => {
            message.replace(secret, "[redacted]")
        }
        _ => message,
    }
}

/// Maps an error response (Anthropic's `{type: "error", error: {type, message, details?}}`,
/// OpenAI's `{error: {message}}`, llama.cpp's `{detail}`, or anything else) to what the caller
/// should do. The table is the fixtures README's.
pub(crate) async fn error_from(response: reqwest::Response, secret: Option<&str>) -> LlmError {
    let status = response.status();
    let code = status.as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(86_400.0)));
    let body = match tokio::time::timeout(ERROR_BODY_TIMEOUT, read_capped(response, ERROR_BODY_CAP)).await {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let detail = body["error"]["message"]
        .as_str()
        .or_else(|| body["error"].as_str())
        .or_else(|| body["detail"].as_str())
        .or_else(|| body["message"].as_str());
    let message = match detail {
        Some(detail) => redact(format!("HTTP {code}: {}", cut(detail, ERROR_MESSAGE_CHARS)), secret),
        None => format!("HTTP {code} {}", status.canonical_reason().unwrap_or("")).trim_end().to_owned(),
    };
    let spend_limit = body["error"]["details"]["error_code"] == "enforced_spend_limit_reached";
    match code {
        429 if spend_limit => LlmError::SpendLimit { message },
        429 => LlmError::RateLimited { retry_after, message },
        401 | 403 => LlmError::Auth { message },
        // Anthropic's billing_error: like a spend limit, waiting does not help.
        402 => LlmError::SpendLimit { message },
        // 500, 502, 503, 504, 529 and the other server-side failures of proxies in front of an
        // API (Cloudflare's 520–524); 501 and 505 are not transient.
        500..=599 if code != 501 && code != 505 => LlmError::Overloaded { message },
        _ => LlmError::InvalidRequest { message },
    }
}

/// Turns SSE events of one vendor into stream events.
pub(crate) trait Decoder: Send + 'static {
    fn event(&mut self, event: SseEvent) -> Result<Vec<StreamEvent>, LlmError>;
    /// The upstream said the answer is over (`message_stop`, `[DONE]`): stop reading.
    fn done(&self) -> bool;
    /// The body ended (or [`Decoder::done`]): what is still owed, or why the answer is incomplete.
    fn end(&mut self) -> Result<Vec<StreamEvent>, LlmError>;
}

struct State<D> {
    /// `None` once finished: dropping it closes (or releases) the connection at once.
    body: Option<futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>>,
    parser: SseParser,
    decoder: D,
    pending: VecDeque<Result<StreamEvent, LlmError>>,
    /// When the upstream must have said something (a line) by.
    deadline: Instant,
    /// Armed at `deadline` or before it: each line moves the deadline on without touching the
    /// timer, which, when it fires early, is set again to the deadline as it now stands. A timer
    /// armed and cancelled around every read cost two trips through the runtime's timer wheel
    /// (and its lock) for each token.
    timer: std::pin::Pin<Box<tokio::time::Sleep>>,
    /// `first_byte` until the first line, `idle` after.
    phase: &'static str,
    idle: Duration,
    secret: Option<String>,
}

impl<D: Decoder> State<D> {
    fn fail(&mut self, error: LlmError) {
        self.pending.push_back(Err(error));
        self.body = None;
    }

    /// The end: the body ended (an unterminated last event still counts), or the decoder is done.
    fn finish(&mut self, body_ended: bool) {
        self.body = None;
        let last = match self.parser.finish() {
            Some(event) if body_ended => self.decoder.event(event),
            _ => Ok(Vec::new()),
        };
        match last.and_then(|mut items| {
            items.extend(self.decoder.end()?);
            Ok(items)
        }) {
            Ok(items) => self.pending.extend(items.into_iter().map(Ok)),
            Err(e) => self.pending.push_back(Err(e)),
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        let lines = self.parser.lines();
        let events = self.parser.feed(bytes);
        if self.parser.lines() != lines {
            self.phase = "idle";
            self.deadline = Instant::now() + self.idle;
            if self.deadline < self.timer.deadline() {
                // The first line: the idle timeout may be shorter than the first byte's.
                let deadline = self.deadline;
                self.timer.as_mut().reset(deadline);
            }
        }
        for event in events {
            match self.decoder.event(event) {
                Ok(items) => self.pending.extend(items.into_iter().map(Ok)),
                Err(e) => return self.fail(e),
            }
            if self.decoder.done() {
                return self.finish(false);
            }
        }
    }
}

/// The response body as events, once the first SSE line has arrived. Dropping the stream drops
/// the body, which closes the request.
///
/// Timeouts: the first SSE line must arrive within `first_byte` of sending the request (headers
/// included), each later line within `idle` of the previous one. A line, not an event: a `:`
/// keep-alive comment is a sign of life too.
///
/// Waiting here for the first line means every failure before the first byte of the answer (a
/// first-byte timeout, a connection that breaks) is returned from `Provider::stream`, where it
/// may be retried; failures after it are items of the stream, where nothing retries them.
pub(crate) async fn open<D: Decoder>(
    accepted: Accepted,
    decoder: D,
    timeouts: Timeouts,
    secret: Option<&str>,
) -> Result<EventStream, LlmError> {
    let mut state = State {
        body: Some(accepted.response.bytes_stream().boxed()),
        parser: SseParser::new(),
        decoder,
        pending: VecDeque::new(),
        deadline: accepted.sent + timeouts.first_byte,
        timer: Box::pin(tokio::time::sleep_until(accepted.sent + timeouts.first_byte)),
        phase: "first_byte",
        idle: timeouts.idle,
        secret: secret.map(str::to_owned),
    };
    while state.parser.lines() == 0 && state.pending.is_empty() && state.body.is_some() {
        state.read().await;
    }
    if let Some(Err(LlmError::Timeout { .. } | LlmError::Transport { .. })) = state.pending.front()
        && let Some(Err(error)) = state.pending.pop_front()
    {
        return Err(error);
    }
    Ok(futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(item) = s.pending.pop_front() {
                return Some((item, s));
            }
            s.body.as_ref()?;
            s.read().await;
        }
    })
    .boxed())
}

impl<D: Decoder> State<D> {
    /// Reads one chunk of the body (or its end, or a failure) into `pending`.
    async fn read(&mut self) {
        let Some(body) = self.body.as_mut() else { return };
        let read = loop {
            tokio::select! {
                biased;
                read = body.next() => break Some(read),
                () = self.timer.as_mut() => {
                    if Instant::now() >= self.deadline {
                        break None;
                    }
                    let deadline = self.deadline; // lines came since it was armed
                    self.timer.as_mut().reset(deadline);
                }
            }
        };
        match read {
            None => {
                let phase = self.phase;
                self.fail(LlmError::Timeout { phase });
            }
            Some(Some(Err(e))) => {
                let message = redact(root_cause(&e), self.secret.as_deref());
                self.fail(LlmError::Transport { message });
            }
            Some(Some(Ok(bytes))) => self.feed(&bytes),
            Some(None) => self.finish(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_redacted() {
        let key = "sk-secret-123";
        assert_eq!(redact(format!("bad key {key}!"), Some(key)), "bad key [redacted]!");
        assert_eq!(redact("nothing".into(), Some(key)), "nothing");
        assert_eq!(redact("nothing".into(), None), "nothing");
    }

    #[test]
    fn secret_headers_are_not_printed() {
        let value = secret_header("sk-secret-123").expect("valid");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("sk-secret"));
        assert!(
            matches!(secret_header("bad\nkey"), Err(LlmError::Auth { message }) if !message.contains("bad"))
        );
    }
}

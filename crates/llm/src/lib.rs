//! LLM providers behind one trait.
//!
//! A provider turns a [`ChatRequest`] into a stream of [`StreamEvent`]s: visible text deltas,
//! cumulative usage, and how the answer finished. Dropping the stream closes the upstream request,
//! which is how `stop` cancels generation. Errors are typed by what the caller should do about
//! them ([`LlmError::is_retryable`]); [`stream_with_retry`] applies the retry policy.

pub mod anthropic;
pub mod demo;
mod http;
pub mod model_info;
pub mod openai;
mod retry;
mod sse;

pub use model_info::{ModelInfo, Price, default_price};
pub use retry::{RetryPolicy, stream_with_retry};

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatRole {
    User,
    Assistant,
}

impl ChatRole {
    /// The role's name on the wire, the same in the Anthropic and OpenAI-compatible APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatRole::User => "user",
            ChatRole::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: ChatRole,
    pub content: String,
    /// End of the stable prefix: Anthropic marks this block `cache_control: ephemeral`, so the
    /// next request with the same prefix reads it from the cache.
    pub cache_breakpoint: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRequest {
    pub model: String,
    pub system: Option<String>,
    /// Cache the system prompt (it rarely changes within a room).
    pub system_cache_breakpoint: bool,
    /// Alternating, first and last from the user.
    pub messages: Vec<ChatMessage>,
    pub max_tokens: u32,
    /// Passed upstream for abuse tracking (Anthropic `metadata.user_id`).
    pub user_id: Option<String>,
}

/// Token counts, cumulative for the answer so far.
///
/// The four counts are disjoint, as Anthropic reports them and as they are priced: `input_tokens`
/// are the prompt tokens read neither from nor into the cache (OpenAI's `prompt_tokens` include
/// its cached tokens, so the OpenAI provider subtracts them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Uncached prompt tokens.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Prompt tokens read from the cache (a tenth of the input price at Anthropic).
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the cache (Anthropic: 1.25 times the input price).
    pub cache_creation_tokens: u64,
    /// True when the provider counted output itself (the upstream sent no usage): an estimate,
    /// not what the vendor billed.
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    /// Cut at `max_tokens`.
    MaxTokens,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A non-empty delta of visible text.
    Text(String),
    /// Usage so far; the last one wins.
    Usage(Usage),
    Finished(FinishReason),
}

/// Why a request or stream failed, by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    #[error("rate limited by the upstream: {message}")]
    RateLimited { retry_after: Option<Duration>, message: String },
    /// 529, 500, 502, 503, 504 (and other transient 5xx, e.g. a proxy's 520–524).
    #[error("the upstream is overloaded: {message}")]
    Overloaded { message: String },
    /// 429 `enforced_spend_limit_reached`, 402 `billing_error`: waiting does not help.
    #[error("the upstream spend limit is reached: {message}")]
    SpendLimit { message: String },
    /// 401/403: a configuration problem. The message never contains the key.
    #[error("the upstream refused our credentials: {message}")]
    Auth { message: String },
    /// Other 4xx, including 400 prompt too long and 413.
    #[error("the upstream refused the request: {message}")]
    InvalidRequest { message: String },
    /// An error event in the middle of a stream (HTTP 200); `kind` is the upstream's error type
    /// (`overloaded_error`).
    #[error("upstream error {kind}: {message}")]
    Upstream { kind: String, message: String },
    /// `phase`: `connect`, `first_byte` (response headers and first SSE line) or `idle` (silence
    /// between two lines).
    #[error("upstream timeout ({phase})")]
    Timeout { phase: &'static str },
    /// The connection failed or broke: returned by [`Provider::stream`] when before the first SSE
    /// line (retryable), an item of the stream after it (final).
    #[error("upstream transport error: {message}")]
    Transport { message: String },
    /// The stream ended without a finish reason.
    #[error("the upstream stream ended before the answer finished")]
    Incomplete,
}

impl LlmError {
    /// Worth trying again (after a pause): rate limits, overload, and failures before the first
    /// byte (connect and first-byte timeouts, transport errors, all returned by
    /// [`Provider::stream`]). An error inside a stream comes after the answer began, and a retry
    /// would repeat its text, so [`stream_with_retry`] never retries those, whatever this says
    /// (a `Transport` item of a stream is a connection broken mid-answer).
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::RateLimited { .. } | LlmError::Overloaded { .. } | LlmError::Transport { .. } => true,
            LlmError::Timeout { phase } => matches!(*phase, "connect" | "first_byte"),
            _ => false,
        }
    }

    /// The pause the upstream asked for (a 429's `retry-after`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            LlmError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short stable kind, stored as the failed answer's `error` and used in metrics.
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::RateLimited { .. } => "rate_limited",
            LlmError::Overloaded { .. } => "overloaded",
            LlmError::SpendLimit { .. } => "spend_limit",
            LlmError::Auth { .. } => "auth",
            LlmError::InvalidRequest { .. } => "invalid_request",
            LlmError::Upstream { .. } => "upstream",
            LlmError::Timeout { .. } => "timeout",
            LlmError::Transport { .. } => "transport",
            LlmError::Incomplete => "incomplete",
        }
    }
}

/// What a provider streams: `Text` deltas and `Usage` updates in any order, then one
/// `Finished`, or an `Err` as the last item. Dropping it closes the upstream HTTP request, which is
/// how `stop` cancels generation (the vendor stops generating, and billing, when the request
/// closes).
pub type EventStream = futures_util::stream::BoxStream<'static, Result<StreamEvent, LlmError>>;

#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// `anthropic`, `openai` or `demo`.
    fn name(&self) -> &'static str;
    /// Sends the request; `Ok` once the upstream accepted it (status 2xx). Errors returned here
    /// happened before any text, so they may be retried ([`stream_with_retry`]).
    async fn stream(&self, request: ChatRequest) -> Result<EventStream, LlmError>;
    /// Whether the upstream answers at all (for `/readyz`): any HTTP response counts, since the
    /// question is the network path, not the credentials. No model is called and nothing is
    /// billed. The offline demo is always reachable.
    async fn reachable(&self) -> Result<(), LlmError> {
        Ok(())
    }
}

/// Upstream timeouts. There is no overall deadline: a long answer may stream for minutes as long
/// as the upstream keeps talking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP (and TLS) connect.
    pub connect: Duration,
    /// From sending the request until the response headers and the first SSE line: the model's
    /// queueing and prompt processing.
    pub first_byte: Duration,
    /// Longest silence between two SSE lines (events, or `:` keep-alive comments, which prove
    /// the server alive while it processes a long prompt).
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(60),
            idle: Duration::from_secs(60),
        }
    }
}

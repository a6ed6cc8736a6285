//! Anthropic Messages API, streaming (`POST {base}/v1/messages`, `anthropic-version: 2023-06-01`).

use crate::http::{self, Decoder};
use crate::sse::SseEvent;
use crate::{ChatRequest, EventStream, FinishReason, LlmError, Provider, StreamEvent, Timeouts, Usage};
use serde_json::Value;
use std::collections::HashSet;

/// The API version the request and the parser are written for.
const API_VERSION: &str = "2023-06-01";

#[derive(Clone)]
pub struct AnthropicConfig {
    /// e.g. `https://api.anthropic.com` (no `/v1`).
    pub base_url: String,
    pub api_key: String,
    pub timeouts: Timeouts,
}

impl std::fmt::Debug for AnthropicConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicConfig").field("base_url", &self.base_url).field("api_key", &"***").finish()
    }
}

pub struct AnthropicProvider {
    config: AnthropicConfig,
    client: reqwest::Client,
}

impl AnthropicProvider {
    /// Fails only when the HTTP client cannot be built (TLS set-up).
    pub fn new(config: AnthropicConfig) -> Result<Self, LlmError> {
        Ok(Self { client: http::client(&config.timeouts)?, config })
    }
}

/// The request body: the system prompt and every message as content-block arrays, so
/// `cache_control: {type: "ephemeral"}` can mark the end of the stable prefix (the system prompt
/// when `system_cache_breakpoint`, and the message with `cache_breakpoint`): Anthropic caches
/// everything up to a marked block, and the next answer in the room reads it at a tenth of the
/// price.
///
/// Typed and borrowing the prompt's texts, as the OpenAI-compatible body.
pub(crate) fn body(request: &ChatRequest) -> Body<'_> {
    let messages = request
        .messages
        .iter()
        .map(|m| Message { role: m.role.as_str(), content: [Block::text(&m.content, m.cache_breakpoint)] })
        .collect();
    Body {
        model: &request.model,
        max_tokens: request.max_tokens,
        messages,
        stream: true,
        system: request
            .system
            .as_deref()
            .map(|system| [Block::text(system, request.system_cache_breakpoint)]),
        metadata: request.user_id.as_deref().map(|user_id| Metadata { user_id }),
    }
}

#[derive(serde::Serialize)]
pub(crate) struct Body<'a> {
    model: &'a str,
    max_tokens: u32,
    messages: Vec<Message<'a>>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<[Block<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata<'a>>,
}

#[derive(serde::Serialize)]
struct Message<'a> {
    role: &'static str,
    content: [Block<'a>; 1],
}

/// A text content block, marked as the end of the cached prefix when `cache_control` is set.
#[derive(serde::Serialize)]
struct Block<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<CacheControl>,
}

impl<'a> Block<'a> {
    fn text(text: &'a str, cache: bool) -> Self {
        Self { kind: "text", text, cache_control: cache.then_some(CacheControl { kind: "ephemeral" }) }
    }
}

#[derive(serde::Serialize)]
struct CacheControl {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(serde::Serialize)]
struct Metadata<'a> {
    user_id: &'a str,
}

#[async_trait::async_trait]
impl Provider for AnthropicProvider {
    fn name(&self) -> &'static str {
        "anthropic"
    }

    async fn reachable(&self) -> Result<(), LlmError> {
        http::reachable(&self.client, &self.config.base_url).await
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream, LlmError> {
        let url = format!("{}/v1/messages", self.config.base_url.trim_end_matches('/'));
        let key = self.config.api_key.as_str();
        let call = self
            .client
            .post(url)
            .header("x-api-key", http::secret_header(key)?)
            .header("anthropic-version", API_VERSION)
            .json(&body(&request));
        let accepted = http::send(call, self.config.timeouts.first_byte, Some(key)).await?;
        http::open(accepted, MessagesDecoder::default(), self.config.timeouts, Some(key)).await
    }
}

/// Messages-API stream events → stream events. Only `text_delta`s of `text` blocks are user
/// content (thinking and signatures are not); unknown events are ignored.
#[derive(Default)]
pub(crate) struct MessagesDecoder {
    usage: Usage,
    text_blocks: HashSet<u64>,
    stop_reason: Option<String>,
    finished: bool,
}

fn count(value: &Value) -> u64 {
    value.as_u64().unwrap_or(0)
}

/// A `content_block_delta` event's fields, borrowed from its text: one such event per token, and
/// reading each into a `serde_json::Value` tree allocated every key and value of it. One whose
/// fields have other types fails here and is read as a `Value`, which gives the same events for
/// every event this reading accepts.
#[derive(serde::Deserialize)]
struct BlockDelta<'a> {
    #[serde(default)]
    index: Option<u64>,
    #[serde(borrow)]
    delta: DeltaFields<'a>,
}

#[derive(serde::Deserialize)]
struct DeltaFields<'a> {
    #[serde(default, borrow, rename = "type")]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    text: Option<std::borrow::Cow<'a, str>>,
}

impl MessagesDecoder {
    /// A delta of block `index`: text when it is a `text_delta` of a text block.
    fn block_delta(&self, index: u64, kind: Option<&str>, text: Option<&str>) -> Vec<StreamEvent> {
        match text {
            Some(text)
                if kind == Some("text_delta") && self.text_blocks.contains(&index) && !text.is_empty() =>
            {
                vec![StreamEvent::Text(text.to_owned())]
            }
            _ => Vec::new(),
        }
    }
}

impl Decoder for MessagesDecoder {
    fn event(&mut self, event: SseEvent) -> Result<Vec<StreamEvent>, LlmError> {
        if event.event.as_deref() == Some("content_block_delta")
            && let Ok(delta) = serde_json::from_str::<BlockDelta<'_>>(&event.data)
        {
            let fields = &delta.delta;
            return Ok(self.block_delta(
                delta.index.unwrap_or(0),
                fields.kind.as_deref(),
                fields.text.as_deref(),
            ));
        }
        // Data that is not JSON is ignored like an unknown event (a stream that then ends without
        // `message_stop` is still reported as incomplete).
        let Ok(data) = serde_json::from_str::<Value>(&event.data) else { return Ok(Vec::new()) };
        // The `event:` line names the type; the data's `type` repeats it (and stands in when a
        // proxy drops the `event:` lines).
        let kind = event.event.as_deref().or_else(|| data["type"].as_str()).unwrap_or_default().to_owned();
        Ok(match kind.as_str() {
            "message_start" => {
                let usage = &data["message"]["usage"];
                self.usage.input_tokens = count(&usage["input_tokens"]);
                self.usage.cache_creation_tokens = count(&usage["cache_creation_input_tokens"]);
                self.usage.cache_read_tokens = count(&usage["cache_read_input_tokens"]);
                self.usage.output_tokens = count(&usage["output_tokens"]);
                vec![StreamEvent::Usage(self.usage)]
            }
            "content_block_start" => {
                let block = &data["content_block"];
                if block["type"] == "text" {
                    self.text_blocks.insert(count(&data["index"]));
                    match block["text"].as_str() {
                        Some(text) if !text.is_empty() => vec![StreamEvent::Text(text.to_owned())],
                        _ => Vec::new(),
                    }
                } else {
                    Vec::new()
                }
            }
            "content_block_delta" => {
                let delta = &data["delta"];
                self.block_delta(count(&data["index"]), delta["type"].as_str(), delta["text"].as_str())
            }
            "message_delta" => {
                if let Some(reason) = data["delta"]["stop_reason"].as_str() {
                    self.stop_reason = Some(reason.to_owned());
                }
                // Cumulative. Newer API versions repeat the input side here too: take it when
                // present, keep `message_start`'s otherwise.
                let usage = &data["usage"];
                let set = |field: &mut u64, value: &Value| {
                    if let Some(n) = value.as_u64() {
                        *field = n;
                    }
                };
                set(&mut self.usage.output_tokens, &usage["output_tokens"]);
                set(&mut self.usage.input_tokens, &usage["input_tokens"]);
                set(&mut self.usage.cache_creation_tokens, &usage["cache_creation_input_tokens"]);
                set(&mut self.usage.cache_read_tokens, &usage["cache_read_input_tokens"]);
                vec![StreamEvent::Usage(self.usage)]
            }
            "message_stop" => {
                self.finished = true;
                let reason = match self.stop_reason.as_deref() {
                    Some("max_tokens") => FinishReason::MaxTokens,
                    Some("end_turn" | "stop_sequence") | None => FinishReason::Stop,
                    Some(other) => FinishReason::Other(other.to_owned()),
                };
                vec![StreamEvent::Finished(reason)]
            }
            "error" => {
                return Err(LlmError::Upstream {
                    kind: data["error"]["type"].as_str().unwrap_or("error").to_owned(),
                    message: data["error"]["message"].as_str().unwrap_or("upstream error").to_owned(),
                });
            }
            _ => Vec::new(),
        })
    }

    fn done(&self) -> bool {
        self.finished
    }

    /// Without `message_stop` the answer was cut (connection closed): incomplete.
    fn end(&mut self) -> Result<Vec<StreamEvent>, LlmError> {
        if self.finished { Ok(Vec::new()) } else { Err(LlmError::Incomplete) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decoder that has seen text blocks 0 and 2 start.
    fn decoder() -> MessagesDecoder {
        let mut decoder = MessagesDecoder::default();
        for index in [0, 2] {
            let start = format!(
                r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"text","text":""}}}}"#
            );
            let _ = decoder.event(SseEvent { event: Some("content_block_start".into()), data: start });
        }
        decoder
    }

    /// The typed reading of a `content_block_delta` gives exactly what the `Value` reading gives,
    /// for deltas as Anthropic sends them and for odd ones (which the typed reading hands over).
    #[test]
    fn typed_and_value_readings_of_deltas_agree() {
        let deltas = [
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#,
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"안녕 \"q\" \n"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"not a text block"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}"#,
            r#"{"type":"content_block_delta","delta":{"type":"text_delta","text":"no index"}}"#,
            r#"{"type":"content_block_delta","index":-1,"delta":{"type":"text_delta","text":"odd index"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":7}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":5,"text":"odd type"}}"#,
            r#"{"type":"content_block_delta","index":0}"#,
            r#"{"type":"content_block_delta","index":0,"delta":null}"#,
            r#"not json"#,
        ];
        for data in deltas {
            let typed =
                decoder().event(SseEvent { event: Some("content_block_delta".into()), data: data.into() });
            // Without the `event:` line the decoder takes the type from the data, the `Value` way.
            let valued = decoder().event(SseEvent { event: None, data: data.into() });
            assert_eq!(typed, valued, "{data}");
        }
    }
}

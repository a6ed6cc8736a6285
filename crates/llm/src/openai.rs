//! OpenAI-compatible chat completions, streaming (`POST {base}/chat/completions`): OpenAI, Ollama,
//! vLLM, llama.cpp. Tolerant of what real servers do (fixtures README): role-only first chunks,
//! comment lines, no usage at all, no `finish_reason` when a stream is cut.

use crate::http::{self, Decoder};
use crate::sse::SseEvent;
use crate::{ChatRequest, EventStream, FinishReason, LlmError, Provider, StreamEvent, Timeouts, Usage};
use serde::Deserialize as _;
use serde_json::Value;

#[derive(Clone)]
pub struct OpenAiConfig {
    /// e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    /// Optional: local servers often need none.
    pub api_key: Option<String>,
    pub timeouts: Timeouts,
}

impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiConfig").field("base_url", &self.base_url).field("api_key", &"***").finish()
    }
}

pub struct OpenAiProvider {
    config: OpenAiConfig,
    client: reqwest::Client,
}

impl OpenAiProvider {
    /// Fails only when the HTTP client cannot be built (TLS set-up).
    pub fn new(config: OpenAiConfig) -> Result<Self, LlmError> {
        Ok(Self { client: http::client(&config.timeouts)?, config })
    }
}

/// The request body: the system prompt as the first message, plain string contents (cache
/// breakpoints do not apply: OpenAI caches prefixes by itself), usage asked for. Typed and
/// borrowing the prompt's texts: a `serde_json::Value` tree copied every message of the prompt
/// once more before it was written (4 % of the server's samples in the chat benchmark).
pub(crate) fn body(request: &ChatRequest) -> Body<'_> {
    let system = request.system.as_deref().map(|content| Message { role: "system", content });
    let messages = system
        .into_iter()
        .chain(request.messages.iter().map(|m| Message { role: m.role.as_str(), content: &m.content }))
        .collect();
    Body {
        model: &request.model,
        messages,
        // `max_tokens`, not `max_completion_tokens`: the latter is ignored by llama.cpp and others.
        max_tokens: request.max_tokens,
        stream: true,
        stream_options: StreamOptions { include_usage: true },
    }
}

#[derive(serde::Serialize)]
pub(crate) struct Body<'a> {
    model: &'a str,
    messages: Vec<Message<'a>>,
    max_tokens: u32,
    stream: bool,
    stream_options: StreamOptions,
}

#[derive(serde::Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(serde::Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[async_trait::async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> &'static str {
        "openai"
    }

    async fn reachable(&self) -> Result<(), LlmError> {
        http::reachable(&self.client, &self.config.base_url).await
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream, LlmError> {
        let url = format!("{}/chat/completions", self.config.base_url.trim_end_matches('/'));
        let key = self.config.api_key.as_deref().filter(|k| !k.is_empty());
        let mut call = self.client.post(url).json(&body(&request));
        if let Some(key) = key {
            call =
                call.header(reqwest::header::AUTHORIZATION, http::secret_header(&format!("Bearer {key}"))?);
        }
        let accepted = http::send(call, self.config.timeouts.first_byte, key).await?;
        http::open(accepted, ChunkDecoder::default(), self.config.timeouts, key).await
    }
}

#[derive(Default)]
pub(crate) struct ChunkDecoder {
    finish: Option<FinishReason>,
    usage: Option<Usage>,
    /// `data: [DONE]` seen.
    done: bool,
    /// Bytes of text seen, to estimate output tokens when the server reports none.
    text_bytes: usize,
}

/// The parts of a chunk the decoder reads, borrowed from its text: most chunks are one delta of
/// text, and reading them into a `serde_json::Value` tree allocated every key and value of the
/// chunk for each token. A chunk whose fields have other types than these (a server's variant)
/// fails here and is read as a `Value` instead ([`ChunkDecoder::event_of_value`]), so both ways
/// give the same events for every chunk this one accepts.
#[derive(serde::Deserialize)]
struct Chunk<'a> {
    #[serde(default, borrow)]
    choices: Vec<Choice<'a>>,
    #[serde(default)]
    usage: Option<ChunkUsage>,
    /// Whether the chunk has an `error` key at all (even `null`): such chunks take the `Value` way.
    #[serde(default, deserialize_with = "present")]
    error: bool,
}

#[derive(serde::Deserialize)]
struct Choice<'a> {
    #[serde(default, borrow)]
    delta: Option<Delta<'a>>,
    #[serde(default, borrow)]
    finish_reason: Option<std::borrow::Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct Delta<'a> {
    #[serde(default, borrow)]
    content: Option<std::borrow::Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct ChunkUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<PromptTokensDetails>,
}

#[derive(serde::Deserialize)]
struct PromptTokensDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(deserializer).map(|_| true)
}

impl ChunkDecoder {
    fn text(&mut self, text: &str, out: &mut Vec<StreamEvent>) {
        if !text.is_empty() {
            self.text_bytes += text.len();
            out.push(StreamEvent::Text(text.to_owned()));
        }
    }

    fn finish_reason(&mut self, reason: &str) {
        self.finish = Some(match reason {
            "stop" => FinishReason::Stop,
            "length" => FinishReason::MaxTokens,
            other => FinishReason::Other(other.to_owned()),
        });
    }

    /// `prompt_tokens` includes the cached ones; ours are disjoint (see `Usage`).
    fn usage(&mut self, prompt: u64, completion: u64, cached: u64, out: &mut Vec<StreamEvent>) {
        let cached = cached.min(prompt);
        let usage = Usage {
            input_tokens: prompt - cached,
            output_tokens: completion,
            cache_read_tokens: cached,
            cache_creation_tokens: 0,
            estimated: false,
        };
        self.usage = Some(usage);
        out.push(StreamEvent::Usage(usage));
    }

    /// The events of a chunk read as [`Chunk`].
    fn event_of_chunk(&mut self, chunk: Chunk<'_>) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        if let Some(choice) = chunk.choices.into_iter().next() {
            if let Some(text) = choice.delta.and_then(|d| d.content) {
                self.text(&text, &mut out);
            }
            if let Some(reason) = choice.finish_reason {
                self.finish_reason(&reason);
            }
        }
        if let Some(usage) = chunk.usage {
            let cached = usage.prompt_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0);
            let prompt = usage.prompt_tokens.unwrap_or(0);
            self.usage(prompt, usage.completion_tokens.unwrap_or(0), cached, &mut out);
        }
        out
    }

    /// A chunk read as a `Value`: errors, and chunks whose fields have types [`Chunk`] does not
    /// take (anything not JSON is ignored).
    fn event_of_value(&mut self, data: &str) -> Result<Vec<StreamEvent>, LlmError> {
        let Ok(chunk) = serde_json::from_str::<Value>(data) else { return Ok(Vec::new()) };
        if let Some(error) = chunk.get("error") {
            return Err(LlmError::Upstream {
                kind: error["type"].as_str().unwrap_or("error").to_owned(),
                message: error["message"].as_str().unwrap_or("upstream error").to_owned(),
            });
        }
        let mut out = Vec::new();
        if let Some(choice) = chunk["choices"].get(0) {
            if let Some(text) = choice["delta"]["content"].as_str() {
                self.text(text, &mut out);
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                self.finish_reason(reason);
            }
        }
        // OpenAI sends `"usage": null` on every chunk but the last when usage is asked for.
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            let prompt = usage["prompt_tokens"].as_u64().unwrap_or(0);
            let cached = usage["prompt_tokens_details"]["cached_tokens"].as_u64().unwrap_or(0);
            self.usage(prompt, usage["completion_tokens"].as_u64().unwrap_or(0), cached, &mut out);
        }
        Ok(out)
    }
}

impl Decoder for ChunkDecoder {
    fn event(&mut self, event: SseEvent) -> Result<Vec<StreamEvent>, LlmError> {
        if event.data.trim() == "[DONE]" {
            self.done = true;
            return Ok(Vec::new());
        }
        match serde_json::from_str::<Chunk<'_>>(&event.data) {
            Ok(chunk) if !chunk.error => Ok(self.event_of_chunk(chunk)),
            _ => self.event_of_value(&event.data),
        }
    }

    fn done(&self) -> bool {
        self.done
    }

    /// A stream that ends (with or without `[DONE]`) without a finish reason was cut: a failure,
    /// the partial text already sent. Without usage from the server, output tokens are our own
    /// estimate, `ceil(bytes / 4)` of the text (about right for English, low for Korean, which
    /// runs near a token per three-byte character), marked `estimated`; input is left at zero.
    fn end(&mut self) -> Result<Vec<StreamEvent>, LlmError> {
        let finish = self.finish.take().ok_or(LlmError::Incomplete)?;
        let mut out = Vec::new();
        if self.usage.is_none() {
            let estimate = Usage {
                output_tokens: (self.text_bytes as u64).div_ceil(4),
                estimated: true,
                ..Usage::default()
            };
            out.push(StreamEvent::Usage(estimate));
        }
        out.push(StreamEvent::Finished(finish));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(json: &str) -> SseEvent {
        SseEvent { event: None, data: json.to_owned() }
    }

    /// The typed reading of a chunk gives exactly what the `Value` reading gives, for chunks as
    /// real servers send them and for odd ones (which the typed reading hands to the other).
    #[test]
    fn typed_and_value_readings_agree() {
        let chunks = [
            r#"{"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            r#"{"choices":[{"delta":{"content":"안녕 \"quoted\" \n line"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":64}}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":64}}}"#,
            r#"{"choices":[],"usage":{}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":1.5,"completion_tokens":2}}"#,
            r#"{"choices":[],"usage":7}"#,
            r#"{"choices":null}"#,
            r#"{"choices":[{"delta":null,"finish_reason":null}]}"#,
            r#"{"choices":[{"delta":{"content":null}}]}"#,
            r#"{"choices":[{"delta":{"content":42}}]}"#,
            r#"{"choices":[{"delta":"text"}]}"#,
            r#"{"choices":[{"delta":{"content":"a"}},{"delta":{"content":7}}]}"#,
            r#"{"choices":[{"delta":{"content":"b"}},{"delta":{"content":"c"}}]}"#,
            r#"{"error":null,"choices":[{"delta":{"content":"d"}}]}"#,
            r#"{"error":{"type":"overloaded_error","message":"busy"}}"#,
            r#"[1,2]"#,
            r#""text""#,
            r#"not json"#,
        ];
        for chunk in chunks {
            let mut typed = ChunkDecoder::default();
            let mut valued = ChunkDecoder::default();
            let by_type = typed.event(data(chunk));
            let by_value = valued.event_of_value(chunk);
            assert_eq!(by_type, by_value, "{chunk}");
            assert_eq!(
                (typed.text_bytes, &typed.finish, typed.usage),
                (valued.text_bytes, &valued.finish, valued.usage),
                "{chunk}"
            );
        }
    }

    #[test]
    fn a_stream_closed_without_finish_reason_is_incomplete() {
        let mut decoder = ChunkDecoder::default();
        let events = decoder
            .event(data(r#"{"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#));
        assert_eq!(events.ok(), Some(vec![StreamEvent::Text("Hel".into())]));
        assert!(decoder.event(data("[DONE]")).is_ok_and(|e| e.is_empty()));
        assert_eq!(decoder.end(), Err(LlmError::Incomplete));
    }

    #[test]
    fn cached_prompt_tokens_are_not_counted_twice() {
        let mut decoder = ChunkDecoder::default();
        let events = decoder.event(data(
            r#"{"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":64}}}"#,
        ));
        assert_eq!(
            events.ok(),
            Some(vec![StreamEvent::Usage(Usage {
                input_tokens: 36,
                output_tokens: 5,
                cache_read_tokens: 64,
                ..Usage::default()
            })])
        );
    }

    #[test]
    fn missing_usage_is_estimated_and_marked() {
        let mut decoder = ChunkDecoder::default();
        let _ = decoder.event(data(r#"{"choices":[{"index":0,"delta":{"content":"12345678"},"logprobs":null,"finish_reason":null}]}"#));
        let _ = decoder.event(data(r#"{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#));
        let end = decoder.end().expect("finished");
        assert_eq!(
            end,
            vec![
                StreamEvent::Usage(Usage { output_tokens: 2, estimated: true, ..Usage::default() }),
                StreamEvent::Finished(FinishReason::MaxTokens),
            ]
        );
    }
}

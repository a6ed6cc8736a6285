//! Every wire transcript in `tests/fixtures`, replayed byte for byte by a local mock upstream
//! ([`mock_upstream`]), with the behaviour its README requires of each (one test per fixture,
//! named after it), plus the request each provider sends, timeouts, cancellation and transport
//! failures.

mod mock_upstream;

use mock_upstream::*;

use axum::body::Body;
use chatbot_llm::anthropic::AnthropicConfig;
use chatbot_llm::openai::{OpenAiConfig, OpenAiProvider};
use chatbot_llm::{
    FinishReason, LlmError, Provider, RetryPolicy, StreamEvent, Timeouts, Usage, stream_with_retry,
};
use chatbot_test_support::{llm_fixture as fixture, llm_fixtures_dir};
use futures_util::StreamExt;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The harness itself

#[test]
fn every_fixture_has_its_test() {
    let covered: BTreeSet<&str> = [
        "README.md",
        "anthropic-error-400.http",
        "anthropic-error-401.http",
        "anthropic-error-429-spend-limit.http",
        "anthropic-error-429.http",
        "anthropic-error-529.http",
        "anthropic-stream-basic.sse",
        "anthropic-stream-midstream-error.sse",
        "anthropic-stream-thinking-and-cache.sse",
        "openai-error-401.http",
        "openai-stream-basic.sse",
        "openai-stream-llamacpp.sse",
    ]
    .into();
    let present: BTreeSet<String> = std::fs::read_dir(llm_fixtures_dir())
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let present: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    assert_eq!(present, covered, "a new fixture needs a test here");
}

#[tokio::test]
async fn the_mock_really_writes_tiny_chunks() {
    let up = upstream(vec![Reply::Sse(fixture("anthropic-stream-basic.sse"), &[3, 1, 7, 2, 5, 4, 6])]).await;
    let response = reqwest::Client::new()
        .post(format!("{}/v1/messages", up.base))
        .body("{}")
        .send()
        .await
        .expect("response");
    let frames: Vec<usize> =
        response.bytes_stream().map(|b| b.expect("bytes").len()).collect::<Vec<_>>().await;
    assert!(frames.len() > 100 && frames.iter().all(|&n| (1..=7).contains(&n)), "{frames:?}");
}

// ---------------------------------------------------------------------------------------------
// anthropic-stream-basic.sse: every delta in order, content = their concatenation, usage 34/29

#[tokio::test]
async fn anthropic_stream_basic() {
    let expected = anthropic_deltas("anthropic-stream-basic.sse");
    assert_eq!(expected.len(), 3);
    assert!(expected[0].contains("반가워요") && expected[2].contains("```sh") && expected[2].contains("🎉"));
    for sizes in CHUNKINGS {
        let up = upstream(vec![Reply::Sse(fixture("anthropic-stream-basic.sse"), sizes)]).await;
        let got = collect(&anthropic(&up)).await;
        assert!(got.error.is_none(), "chunks {sizes:?}: {:?}", got.error);
        assert_eq!(got.deltas, expected, "chunks {sizes:?}: every delta, in order");
        assert_eq!(got.text(), expected.concat());
        assert_eq!(
            got.usage,
            Some(Usage { input_tokens: 34, output_tokens: 29, ..Usage::default() }),
            "chunks {sizes:?}"
        );
        assert_eq!(got.finish, Some(FinishReason::Stop));
        assert_eq!(got.after_end, 0, "Finished is the last item");
    }
}

#[tokio::test]
async fn anthropic_request_has_the_documented_shape() {
    let up = upstream(vec![sse("anthropic-stream-basic.sse")]).await;
    collect(&anthropic(&up)).await;
    let (uri, headers, body) = up.request(0);
    assert_eq!(uri.path(), "/v1/messages");
    assert_eq!(headers["x-api-key"], KEY);
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.get("authorization").is_none());
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["metadata"], serde_json::json!({"user_id": "user-1"}));
    assert_eq!(
        body["system"],
        serde_json::json!([{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}])
    );
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "hello", "cache_control": {"type": "ephemeral"}}
            ]},
            {"role": "user", "content": [{"type": "text", "text": "안녕?"}]},
        ]),
        "cache_control only on the block that ends the stable prefix"
    );
}

#[tokio::test]
async fn anthropic_request_without_optional_parts() {
    let up = upstream(vec![sse("anthropic-stream-basic.sse")]).await;
    let provider = anthropic(&up);
    let mut bare = request();
    bare.system_cache_breakpoint = false;
    bare.messages.iter_mut().for_each(|m| m.cache_breakpoint = false);
    bare.user_id = None;
    drain(provider.stream(bare).await.expect("stream")).await;
    let mut bare = request();
    bare.system = None;
    drain(provider.stream(bare).await.expect("stream")).await;
    let (_, _, first) = up.request(0);
    assert_eq!(first["system"], serde_json::json!([{"type": "text", "text": "Be brief."}]));
    assert!(first.get("metadata").is_none());
    assert!(!first.to_string().contains("cache_control"));
    let (_, _, second) = up.request(1);
    assert!(second.get("system").is_none());
}

#[tokio::test]
async fn anthropic_events_without_event_lines_and_with_crlf() {
    // A proxy that drops `event:` lines and rewrites line ends: the data's `type` is enough.
    let text = String::from_utf8(fixture("anthropic-stream-basic.sse")).expect("utf-8");
    let rewritten: String = text
        .lines()
        .filter(|l| !l.starts_with("event:"))
        .map(|l| format!("{l}\r\n"))
        .collect::<String>()
        .replacen("data: {\"type\": \"ping\"}", ": a comment\r\ndata: {\"type\": \"ping\"}", 1);
    let up = upstream(vec![Reply::Sse(rewritten.into_bytes(), &[3, 1, 7, 2, 5, 4, 6])]).await;
    let got = collect(&anthropic(&up)).await;
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.text(), anthropic_deltas("anthropic-stream-basic.sse").concat());
    assert_eq!(got.finish, Some(FinishReason::Stop));
}

// ---------------------------------------------------------------------------------------------
// anthropic-stream-thinking-and-cache.sse: only text; unknown events ignored; cache_read 4096;
// cut at max_tokens

#[tokio::test]
async fn anthropic_stream_thinking_and_cache() {
    let expected = anthropic_deltas("anthropic-stream-thinking-and-cache.sse").concat();
    assert_eq!(expected, "Brief reply.");
    for sizes in CHUNKINGS {
        let up = upstream(vec![Reply::Sse(fixture("anthropic-stream-thinking-and-cache.sse"), sizes)]).await;
        let got = collect(&anthropic(&up)).await;
        assert!(got.error.is_none(), "unknown events are ignored: {:?}", got.error);
        assert_eq!(got.text(), expected, "thinking and signatures are not user content");
        assert_eq!(
            got.usage,
            Some(Usage { input_tokens: 15, output_tokens: 11, cache_read_tokens: 4096, ..Usage::default() })
        );
        assert_eq!(got.finish, Some(FinishReason::MaxTokens), "marked as cut at max_tokens");
        assert_eq!(got.after_end, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// anthropic-stream-midstream-error.sse: partial text kept, failed with the upstream's error type,
// never hangs

#[tokio::test]
async fn anthropic_stream_midstream_error() {
    let expected = anthropic_deltas("anthropic-stream-midstream-error.sse").concat();
    assert_eq!(expected, "Kept even though the stream failed");
    for sizes in CHUNKINGS {
        let up = upstream(vec![Reply::Sse(fixture("anthropic-stream-midstream-error.sse"), sizes)]).await;
        let got = collect(&anthropic(&up)).await;
        assert_eq!(got.text(), expected, "partial text kept");
        assert_eq!(
            got.error,
            Some(LlmError::Upstream { kind: "overloaded_error".into(), message: "Overloaded".into() })
        );
        assert_eq!(got.usage.map(|u| u.input_tokens), Some(22));
        assert_eq!(got.finish, None);
        assert_eq!(got.after_end, 0, "the error ends the stream");
    }
    // Not retried: it came after text, inside the stream.
    let up =
        upstream(vec![sse("anthropic-stream-midstream-error.sse"), sse("anthropic-stream-basic.sse")]).await;
    let stream = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.expect("stream");
    assert!(matches!(drain(stream).await.error, Some(LlmError::Upstream { .. })));
    assert_eq!(up.requests(), 1);
}

#[tokio::test]
async fn anthropic_stream_cut_before_message_stop_is_incomplete() {
    let text = String::from_utf8(fixture("anthropic-stream-basic.sse")).expect("utf-8");
    let cut = text.find("event: message_delta").expect("message_delta");
    let up = upstream(vec![Reply::Sse(text.as_bytes()[..cut].to_vec(), &[])]).await;
    let got = collect(&anthropic(&up)).await;
    assert_eq!(got.text(), anthropic_deltas("anthropic-stream-basic.sse").concat(), "partial text kept");
    assert_eq!(got.error, Some(LlmError::Incomplete));
    assert_eq!(got.finish, None);
}

// ---------------------------------------------------------------------------------------------
// anthropic-error-429.http: retried after at least retry-after, bounded, then a clear error

#[tokio::test]
async fn anthropic_error_429() {
    // The provider alone: a rate limit with the pause the upstream asked for.
    let up = upstream(vec![http("anthropic-error-429.http")]).await;
    let err = anthropic(&up).stream(request()).await.err().expect("an error");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert!(err.is_retryable());
    assert_eq!(err.code(), "rate_limited");
    assert!(err.to_string().contains("input tokens per minute"), "{err}");

    // Twice rate limited, then served: three requests, each pause at least min(retry-after, cap).
    let up = upstream(vec![
        http("anthropic-error-429.http"),
        http("anthropic-error-429.http"),
        sse("anthropic-stream-basic.sse"),
    ])
    .await;
    let policy = fast_policy();
    let started = Instant::now();
    let stream = stream_with_retry(&anthropic(&up), request(), &policy).await.expect("retried");
    let waited = started.elapsed();
    assert_eq!(up.requests(), 3);
    assert!(waited >= 2 * policy.max_retry_after.min(Duration::from_secs(2)), "waited {waited:?}");
    assert_eq!(drain(stream).await.finish, Some(FinishReason::Stop));

    // Always rate limited: three attempts in all, then the rate limit itself.
    let up = upstream(vec![http("anthropic-error-429.http")]).await;
    let err = stream_with_retry(&anthropic(&up), request(), &policy).await.err().expect("gave up");
    assert!(matches!(err, LlmError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(2)));
    assert_eq!(up.requests(), 3, "bounded");
}

#[tokio::test]
async fn anthropic_error_429_honours_the_full_retry_after_within_the_cap() {
    let up = upstream(vec![http("anthropic-error-429.http"), sse("anthropic-stream-basic.sse")]).await;
    let policy = RetryPolicy { max_retry_after: Duration::from_secs(5), ..fast_policy() };
    let started = Instant::now();
    let stream = stream_with_retry(&anthropic(&up), request(), &policy).await.expect("retried");
    assert!(started.elapsed() >= Duration::from_secs(2), "retry-after: 2 honoured in full");
    assert_eq!(up.requests(), 2);
    assert_eq!(drain(stream).await.finish, Some(FinishReason::Stop));
}

// ---------------------------------------------------------------------------------------------
// anthropic-error-429-spend-limit.http: not retried; a clear, non-transient error

#[tokio::test]
async fn anthropic_error_429_spend_limit() {
    let up =
        upstream(vec![http("anthropic-error-429-spend-limit.http"), sse("anthropic-stream-basic.sse")]).await;
    let err = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.err().expect("an error");
    assert!(
        matches!(&err, LlmError::SpendLimit { message } if message.contains("API usage limits")),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(err.code(), "spend_limit");
    assert_eq!(up.requests(), 1, "no retry");
}

// ---------------------------------------------------------------------------------------------
// anthropic-error-529.http: retried with exponential backoff and jitter, bounded

#[tokio::test]
async fn anthropic_error_529() {
    let up = upstream(vec![http("anthropic-error-529.http")]).await;
    let started = Instant::now();
    let err = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.err().expect("gave up");
    assert!(matches!(&err, LlmError::Overloaded { message } if message.contains("Overloaded")), "{err:?}");
    assert_eq!(err.code(), "overloaded");
    assert_eq!(up.requests(), 3, "three attempts, then a clear error");
    // Pauses are at most the backoff ceilings (1 ms, then 2 ms): the test policy's, not seconds.
    assert!(started.elapsed() < Duration::from_secs(2));

    let up = upstream(vec![http("anthropic-error-529.http"), sse("anthropic-stream-basic.sse")]).await;
    let stream = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.expect("recovered");
    assert_eq!(drain(stream).await.text(), anthropic_deltas("anthropic-stream-basic.sse").concat());
    assert_eq!(up.requests(), 2);
}

// ---------------------------------------------------------------------------------------------
// anthropic-error-401.http: no retry; a configuration error; the key never appears

#[tokio::test]
async fn anthropic_error_401() {
    let up = upstream(vec![http("anthropic-error-401.http"), sse("anthropic-stream-basic.sse")]).await;
    let err = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.err().expect("an error");
    assert!(matches!(&err, LlmError::Auth { message } if message.contains("invalid x-api-key")), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.code(), "auth");
    assert_eq!(up.requests(), 1, "no retry");
    assert!(!err.to_string().contains(KEY) && !format!("{err:?}").contains(KEY), "the key never appears");
    let config = AnthropicConfig { base_url: up.base.clone(), api_key: KEY.into(), timeouts: timeouts() };
    assert!(!format!("{config:?}").contains(KEY), "nor in the configuration's Debug");
}

#[tokio::test]
async fn a_key_echoed_by_the_upstream_is_redacted() {
    let body =
        format!(r#"{{"error":{{"type":"authentication_error","message":"invalid x-api-key {KEY}"}}}}"#);
    let up = upstream(vec![Reply::Http(format!(
        "HTTP/1.1 401 Unauthorized\ncontent-type: application/json\n\n{body}"
    ))])
    .await;
    let err = anthropic(&up).stream(request()).await.err().expect("an error");
    assert!(matches!(&err, LlmError::Auth { message } if message.contains("[redacted]")), "{err:?}");
    assert!(!format!("{err:?}").contains(KEY));
}

// ---------------------------------------------------------------------------------------------
// anthropic-error-400.http: no retry; a clear error

#[tokio::test]
async fn anthropic_error_400() {
    let up = upstream(vec![http("anthropic-error-400.http"), sse("anthropic-stream-basic.sse")]).await;
    let err = stream_with_retry(&anthropic(&up), request(), &fast_policy()).await.err().expect("an error");
    assert!(
        matches!(&err, LlmError::InvalidRequest { message } if message.contains("prompt is too long: 231877 tokens")),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(err.code(), "invalid_request");
    assert_eq!(up.requests(), 1, "no retry");
}

#[tokio::test]
async fn other_statuses_map_per_the_table() {
    type Check = fn(&LlmError) -> bool;
    let cases: [(&str, Check); 6] = [
        ("413 Payload Too Large", |e| matches!(e, LlmError::InvalidRequest { .. })),
        ("403 Forbidden", |e| matches!(e, LlmError::Auth { .. })),
        ("402 Payment Required", |e| matches!(e, LlmError::SpendLimit { .. })),
        ("500 Internal Server Error", |e| matches!(e, LlmError::Overloaded { .. })),
        ("502 Bad Gateway", |e| matches!(e, LlmError::Overloaded { .. })),
        ("404 Not Found", |e| matches!(e, LlmError::InvalidRequest { .. })),
    ];
    for (status, check) in cases {
        // A non-JSON body (a proxy's HTML page) still maps by status.
        let up = upstream(vec![Reply::Http(format!("HTTP/1.1 {status}\ncontent-type: text/html\n\n<html>"))])
            .await;
        let err = anthropic(&up).stream(request()).await.err().expect("an error");
        assert!(check(&err), "{status}: {err:?}");
        assert!(err.to_string().contains(&status[..3]), "{status}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// openai-stream-basic.sse: ordered deltas, usage recorded, comments ignored

#[tokio::test]
async fn openai_stream_basic() {
    let expected = openai_deltas("openai-stream-basic.sse");
    assert_eq!(expected.concat(), "Good morning, 세계 🌅");
    for sizes in CHUNKINGS {
        let up = upstream(vec![Reply::Sse(fixture("openai-stream-basic.sse"), sizes)]).await;
        let got = collect(&openai(&up)).await;
        assert!(got.error.is_none(), "chunks {sizes:?}: {:?}", got.error);
        assert_eq!(got.deltas, expected, "chunks {sizes:?}");
        assert_eq!(got.usage, Some(Usage { input_tokens: 21, output_tokens: 6, ..Usage::default() }));
        assert_eq!(got.finish, Some(FinishReason::Stop));
        assert_eq!(got.after_end, 0);
    }
}

#[tokio::test]
async fn openai_request_has_the_documented_shape() {
    let up = upstream(vec![sse("openai-stream-basic.sse")]).await;
    collect(&openai(&up)).await;
    let (uri, headers, body) = up.request(0);
    assert_eq!(uri.path(), "/v1/chat/completions");
    assert_eq!(headers["authorization"], format!("Bearer {OPENAI_KEY}").as_str());
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], serde_json::json!({"include_usage": true}));
    assert_eq!(body["max_tokens"], 256);
    assert!(body.get("max_completion_tokens").is_none(), "llama.cpp ignores it");
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "안녕?"},
        ])
    );

    // A local server without a key: no Authorization header at all.
    let up = upstream(vec![sse("openai-stream-basic.sse")]).await;
    collect(&openai_with(&up, None)).await;
    assert!(up.request(0).1.get("authorization").is_none());
}

// ---------------------------------------------------------------------------------------------
// openai-stream-llamacpp.sse: no usage although asked for, so output tokens are estimated

#[tokio::test]
async fn openai_stream_llamacpp() {
    let expected = openai_deltas("openai-stream-llamacpp.sse");
    assert_eq!(expected.len(), 2);
    let text = expected.concat();
    for sizes in CHUNKINGS {
        let up = upstream(vec![Reply::Sse(fixture("openai-stream-llamacpp.sse"), sizes)]).await;
        let got = collect(&openai(&up)).await;
        assert!(got.error.is_none(), "chunks {sizes:?}: {:?}", got.error);
        assert_eq!(got.deltas, expected, "chunks {sizes:?}: comments and role-only chunks skipped");
        assert_eq!(
            got.usage,
            Some(Usage {
                output_tokens: (text.len() as u64).div_ceil(4),
                estimated: true,
                ..Usage::default()
            }),
            "ceil(bytes / 4), marked estimated"
        );
        assert_eq!(got.finish, Some(FinishReason::Stop));
        assert_eq!(got.after_end, 0);
    }
}

#[tokio::test]
async fn openai_stream_without_usage_is_estimated() {
    // The basic stream with its usage chunk removed: the same estimate as llama.cpp's.
    let text = String::from_utf8(fixture("openai-stream-basic.sse")).expect("utf-8");
    let without: String = text.split_inclusive("\n\n").filter(|event| !event.contains("\"usage\"")).collect();
    let up = upstream(vec![Reply::Sse(without.into_bytes(), &[2, 7, 1, 1, 4])]).await;
    let got = collect(&openai(&up)).await;
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.text(), OPENAI_TEXT);
    let bytes = OPENAI_TEXT.len() as u64;
    assert_eq!(
        got.usage,
        Some(Usage { output_tokens: bytes.div_ceil(4), estimated: true, ..Usage::default() }),
        "ceil(bytes / 4), estimated"
    );
    assert_eq!(got.finish, Some(FinishReason::Stop));
}

#[tokio::test]
async fn openai_finish_reason_length_is_max_tokens() {
    let text = String::from_utf8(fixture("openai-stream-basic.sse")).expect("utf-8");
    let cut = text.replace("\"finish_reason\":\"stop\"", "\"finish_reason\": \"length\"");
    let up = upstream(vec![Reply::Sse(cut.into_bytes(), &[])]).await;
    assert_eq!(collect(&openai(&up)).await.finish, Some(FinishReason::MaxTokens));
}

#[tokio::test]
async fn openai_stream_without_finish_reason_is_incomplete() {
    let text = String::from_utf8(fixture("openai-stream-basic.sse")).expect("utf-8");
    let cut = &text[..text.find(": keep-alive").expect("the comment")];
    // Closed after the text (a prompt overflow, or another request taking the only slot), with
    // and without a `[DONE]`; and an empty 200 body.
    for (body, text) in
        [(cut.to_owned(), OPENAI_TEXT), (format!("{cut}data: [DONE]\n\n"), OPENAI_TEXT), (String::new(), "")]
    {
        let up = upstream(vec![Reply::Sse(body.into_bytes(), &[3, 1, 7, 2, 5, 4, 6])]).await;
        let got = collect(&openai(&up)).await;
        assert_eq!(got.text(), text, "partial text kept");
        assert_eq!(got.error, Some(LlmError::Incomplete));
        assert_eq!(got.finish, None, "never a complete answer");
        assert_eq!(got.after_end, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// openai-error-401.http: llama.cpp's own error shape is still an authentication error

#[tokio::test]
async fn openai_error_401() {
    let up = upstream(vec![http("openai-error-401.http"), sse("openai-stream-basic.sse")]).await;
    let err = stream_with_retry(&openai(&up), request(), &fast_policy()).await.err().expect("an error");
    assert!(matches!(&err, LlmError::Auth { message } if message.contains("Invalid API key")), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(up.requests(), 1, "no retry");
    assert!(!format!("{err:?}").contains(OPENAI_KEY));
}

#[tokio::test]
async fn openai_error_chunk_mid_stream_is_an_upstream_error() {
    let text = String::from_utf8(fixture("openai-stream-basic.sse")).expect("utf-8");
    let cut = &text[..text.find(": keep-alive").expect("the comment")];
    let body =
        format!("{cut}data: {{\"error\": {{\"type\": \"server_error\", \"message\": \"slot lost\"}}}}\n\n");
    let up = upstream(vec![Reply::Sse(body.into_bytes(), &[])]).await;
    let got = collect(&openai(&up)).await;
    assert_eq!(got.text(), OPENAI_TEXT);
    assert_eq!(
        got.error,
        Some(LlmError::Upstream { kind: "server_error".into(), message: "slot lost".into() })
    );
}

// ---------------------------------------------------------------------------------------------
// Timeouts, cancellation, transport

/// The basic fixture up to (and including) its first text delta.
fn first_delta_only() -> Vec<u8> {
    let text = String::from_utf8(fixture("anthropic-stream-basic.sse")).expect("utf-8");
    let start = text.find("event: content_block_delta").expect("a delta");
    let end = start + text[start..].find("\n\n").expect("event end") + 2;
    text.as_bytes()[..end].to_vec()
}

#[tokio::test]
async fn an_idle_upstream_times_out_after_the_text_so_far() {
    let up = upstream(vec![Reply::Stall(first_delta_only())]).await;
    let started = Instant::now();
    let got = collect(&anthropic(&up)).await;
    assert_eq!(got.text(), anthropic_deltas("anthropic-stream-basic.sse")[0]);
    assert_eq!(got.error, Some(LlmError::Timeout { phase: "idle" }));
    assert!(!got.error.as_ref().is_some_and(LlmError::is_retryable));
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn keep_alive_comments_count_as_life() {
    // After the text, a comment every 100 ms (idle timeout 300 ms) for 600 ms, then the end.
    let handler = || async {
        let text = String::from_utf8(fixture("openai-stream-basic.sse")).expect("utf-8");
        let (head, tail) = text.split_at(text.find(": keep-alive").expect("the comment"));
        let mut body = vec![head.as_bytes().to_vec()];
        body.extend(vec![b": ping - 2026-11-27 01:00:00.000000+00:00\n\n".to_vec(); 6]);
        body.push(tail.as_bytes().to_vec());
        let stream = futures_util::stream::iter(body).then(|chunk| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok::<_, std::io::Error>(chunk)
        });
        event_stream(Body::from_stream(stream))
    };
    let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}/v1", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let provider = OpenAiProvider::new(OpenAiConfig { base_url: base, api_key: None, timeouts: timeouts() })
        .expect("provider");
    let got = collect(&provider).await;
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.text(), OPENAI_TEXT);
}

#[tokio::test]
async fn slow_headers_time_out_as_first_byte_and_are_retried() {
    let up = upstream(vec![Reply::Delay(Duration::from_secs(3))]).await;
    let provider =
        anthropic_with(&up.base, Timeouts { first_byte: Duration::from_millis(200), ..timeouts() });
    let err = stream_with_retry(&provider, request(), &fast_policy()).await.err().expect("timed out");
    assert_eq!(err, LlmError::Timeout { phase: "first_byte" });
    assert!(err.is_retryable());
    assert_eq!(up.requests(), 3, "retried: nothing reached the room yet");
}

#[tokio::test]
async fn headers_without_any_event_time_out_as_first_byte_and_are_retried() {
    let up = upstream(vec![Reply::Stall(Vec::new())]).await;
    let provider = anthropic_with(
        &up.base,
        Timeouts { first_byte: Duration::from_millis(300), idle: Duration::from_secs(10), ..timeouts() },
    );
    let started = Instant::now();
    let err = provider.stream(request()).await.err().expect("returned by stream(), before any event");
    assert_eq!(err, LlmError::Timeout { phase: "first_byte" });
    assert!(started.elapsed() < Duration::from_secs(5));
    let err = stream_with_retry(&provider, request(), &fast_policy()).await.err().expect("timed out");
    assert_eq!(err, LlmError::Timeout { phase: "first_byte" });
    assert_eq!(up.requests(), 4, "one, then three attempts");
}

#[tokio::test]
async fn a_keep_alive_comment_is_a_first_byte() {
    // llama.cpp pings while it processes a long prompt: the first line counts, then `idle` runs.
    let up = upstream(vec![Reply::Stall(b": ping\n\n".to_vec())]).await;
    let provider = anthropic_with(
        &up.base,
        Timeouts { first_byte: Duration::from_secs(10), idle: Duration::from_millis(200), ..timeouts() },
    );
    let stream = provider.stream(request()).await.expect("the first line arrived");
    assert_eq!(drain(stream).await.error, Some(LlmError::Timeout { phase: "idle" }));
}

#[tokio::test]
async fn dropping_the_stream_closes_the_upstream_request() {
    let up = upstream(vec![Reply::Stall(first_delta_only())]).await;
    let provider = anthropic_with(&up.base, Timeouts { idle: Duration::from_secs(20), ..timeouts() });
    let mut stream = provider.stream(request()).await.expect("stream");
    while let Some(item) = stream.next().await {
        if matches!(item, Ok(StreamEvent::Text(_))) {
            break;
        }
    }
    assert!(!up.mock.seen.lock().expect("lock").disconnected, "still streaming");
    drop(stream);
    for _ in 0..100 {
        if up.mock.seen.lock().expect("lock").disconnected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the upstream never saw the request close");
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let err = anthropic_with(&base, timeouts()).stream(request()).await.err().expect("refused");
    assert!(
        matches!(&err, LlmError::Transport { message } if message.starts_with("cannot connect")),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn https_upstreams_use_the_tls_stack() {
    // A TCP server that reads the ClientHello and hangs up: the TLS stack (rustls with aws-lc-rs)
    // is set up and used without panicking, and the failure is a clean transport error.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hello = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut first = [0u8; 1];
        socket.read_exact(&mut first).await.expect("read");
        first[0]
    });
    let err =
        anthropic_with(&format!("https://{addr}"), timeouts()).stream(request()).await.err().expect("fails");
    assert!(matches!(err, LlmError::Transport { .. }), "{err:?}");
    assert_eq!(hello.await.expect("server"), 0x16, "a TLS handshake record");
}

#[tokio::test]
async fn a_connect_that_hangs_is_a_connect_timeout() {
    // A listener whose accept queue is full (never accepted) drops further SYNs: connect hangs.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = socket.local_addr().expect("addr");
    let _listener = socket.listen(1).expect("listen");
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(stream)) =
            tokio::time::timeout(Duration::from_millis(200), tokio::net::TcpStream::connect(addr)).await
        {
            fillers.push(stream);
        }
    }
    let provider = anthropic_with(
        &format!("http://{addr}"),
        Timeouts { connect: Duration::from_millis(300), ..timeouts() },
    );
    let started = Instant::now();
    let err = provider.stream(request()).await.err().expect("no connection");
    // (A kernel set to refuse on overflow, tcp_abort_on_overflow, would fail this test loudly
    // with a Transport error rather than skip it.)
    assert_eq!(err, LlmError::Timeout { phase: "connect" }, "after {:?}", started.elapsed());
    assert!(err.is_retryable());
}

//! The offline demo model: what answers when no provider is configured, and the upstream of load
//! tests. Deterministic (the reply depends only on the question), streamed at a realistic pace,
//! markdown with a code block, and it says plainly that it is a demo.

use crate::{ChatRequest, ChatRole, EventStream, FinishReason, LlmError, Provider, StreamEvent, Usage};
use futures_util::StreamExt;
use std::time::Duration;

pub struct DemoProvider {
    pace: Duration,
}

impl DemoProvider {
    /// `pace`: pause between chunks (the server default is 30 ms; tests use zero).
    pub fn new(pace: Duration) -> Self {
        Self { pace }
    }
}

/// A short, stable digest of the question, so different questions get different (but repeatable)
/// replies without randomness.
fn digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The language a reply is written in: the question's, as far as its letters tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    English,
    Korean,
}

impl Language {
    /// Korean when Hangul letters are at least as many as Latin ones (a Korean sentence often
    /// carries an English word or two: `Rust로 서버 만들기`), else English.
    fn of(text: &str) -> Self {
        let is_hangul = |c: char| matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}');
        let hangul = text.chars().filter(|c| is_hangul(*c)).count();
        let latin = text.chars().filter(char::is_ascii_alphabetic).count();
        if hangul > 0 && hangul >= latin { Self::Korean } else { Self::English }
    }
}

/// The whole reply to `question`, in its language: six markdown blocks (the demo label, a quote
/// of the question, a paragraph, a code block, a hint). A function of the question alone.
pub fn reply(question: &str) -> String {
    let mut quoted: String = question.trim().chars().take(120).collect();
    if question.trim().chars().nth(120).is_some() {
        quoted.push('…');
    }
    // Every line of a multi-line question stays inside the quote.
    let quoted = quoted.lines().map(str::trim_end).collect::<Vec<_>>().join("\n> ");
    let pick = (digest(question) % 4) as usize;
    let code = "```rust\nfn main() {\n    println!(\"hello from the demo model\");\n}\n```";
    match Language::of(question) {
        Language::English => {
            let topic = ["streaming", "storage", "rooms", "reconnects"][pick];
            format!(
                "*(Demo model: no AI provider is configured, so this is a canned reply.)*\n\n\
                 You wrote:\n\n> {quoted}\n\n\
                 This answer streams token by token to everyone in the room, exactly like a real model's \
                 would. Today's topic is **{topic}**: every chunk carries an index, so a client that joins \
                 late gets the text so far and then every later chunk, with no gap and no duplicate.\n\n\
                 {code}\n\n\
                 Set `ANTHROPIC_API_KEY` (or `OPENAI_BASE_URL`) to talk to a real model."
            )
        }
        Language::Korean => {
            let topic = ["스트리밍", "저장", "대화방", "재연결"][pick];
            format!(
                "*(데모 모델: 설정된 AI 제공자가 없어 미리 준비된 답변입니다.)*\n\n\
                 보내신 글:\n\n> {quoted}\n\n\
                 이 답변은 실제 모델의 답변처럼 대화방의 모든 사람에게 토큰 단위로 스트리밍됩니다. \
                 오늘의 주제는 **{topic}**입니다. 모든 조각에는 번호가 붙어 있어서, 늦게 들어온 사람도 \
                 지금까지의 글과 그 뒤의 모든 조각을 빠짐없이, 중복 없이 받습니다.\n\n\
                 {code}\n\n\
                 실제 모델과 대화하려면 `ANTHROPIC_API_KEY`(또는 `OPENAI_BASE_URL`)를 설정하세요."
            )
        }
    }
}

/// Splits text into chunks of one to three words (whitespace kept with the word before it),
/// always on `char` boundaries.
fn chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    let mut size = 1;
    for (i, ch) in text.char_indices() {
        current.push(ch);
        let at_word_end = ch.is_whitespace() && !text[i + ch.len_utf8()..].starts_with(char::is_whitespace);
        if at_word_end {
            words += 1;
            if words >= size {
                out.push(std::mem::take(&mut current));
                words = 0;
                size = size % 3 + 1;
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Rough token count for the demo's own usage (`bytes / 4`, at least 1).
fn estimate(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4).max(1)
}

#[async_trait::async_trait]
impl Provider for DemoProvider {
    fn name(&self) -> &'static str {
        "demo"
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream, LlmError> {
        let question = request
            .messages
            .iter()
            .rev()
            .find(|m| m.role == ChatRole::User)
            .map_or("", |m| m.content.as_str());
        let text = reply(question);
        let input = request.messages.iter().map(|m| estimate(&m.content)).sum::<u64>()
            + request.system.as_deref().map_or(0, estimate);
        let usage = Usage {
            input_tokens: input,
            output_tokens: estimate(&text),
            estimated: true,
            ..Usage::default()
        };
        let pace = self.pace;
        let events = chunks(&text)
            .into_iter()
            .map(StreamEvent::Text)
            .chain([StreamEvent::Usage(usage), StreamEvent::Finished(FinishReason::Stop)]);
        let stream = futures_util::stream::iter(events).then(move |event| async move {
            if !pace.is_zero() && matches!(event, StreamEvent::Text(_)) {
                tokio::time::sleep(pace).await;
            }
            Ok(event)
        });
        Ok(stream.boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChatMessage;

    fn request(question: &str) -> ChatRequest {
        ChatRequest {
            model: "demo".into(),
            system: None,
            system_cache_breakpoint: false,
            messages: vec![ChatMessage {
                role: ChatRole::User,
                content: question.into(),
                cache_breakpoint: false,
            }],
            max_tokens: 100,
            user_id: None,
        }
    }

    async fn collect(question: &str) -> (String, Vec<StreamEvent>) {
        let stream = DemoProvider::new(Duration::ZERO).stream(request(question)).await.expect("stream");
        let events: Vec<StreamEvent> = stream.map(|e| e.expect("event")).collect().await;
        let text = events
            .iter()
            .filter_map(|e| if let StreamEvent::Text(t) = e { Some(t.as_str()) } else { None })
            .collect();
        (text, events)
    }

    #[tokio::test]
    async fn deterministic_labelled_markdown_with_code() {
        let (first, events) = collect("How do rooms work?").await;
        let (again, _) = collect("How do rooms work?").await;
        assert_eq!(first, again);
        assert!(first.starts_with("*(Demo model"));
        assert!(first.contains("```rust\n") && first.contains("> How do rooms work?"));
        assert!(events.len() > 10, "streamed in many chunks");
        assert!(matches!(events.last(), Some(StreamEvent::Finished(FinishReason::Stop))));
        assert!(
            events.iter().any(|e| matches!(e, StreamEvent::Usage(u) if u.estimated && u.output_tokens > 0))
        );
        assert!(events.iter().all(|e| !matches!(e, StreamEvent::Text(t) if t.is_empty())));
    }

    #[tokio::test]
    async fn korean_questions_are_quoted_intact_and_answered_in_korean() {
        let (text, _) = collect("안녕하세요, 잘 지내세요?").await;
        assert!(text.contains("> 안녕하세요, 잘 지내세요?"));
        assert!(text.starts_with("*(데모 모델"), "{text}");
        assert!(!text.contains("You wrote"), "{text}");
    }

    #[test]
    fn the_reply_follows_the_language_of_the_question() {
        assert_eq!(Language::of("How do rooms work?"), Language::English);
        assert_eq!(Language::of("대화방은 어떻게 동작하나요?"), Language::Korean);
        assert_eq!(
            Language::of("Rust로 서버 만들기"),
            Language::Korean,
            "a Korean sentence with an English word"
        );
        assert_eq!(Language::of("What does 안녕 mean in English?"), Language::English);
        assert_eq!(Language::of("ㅋㅋ"), Language::Korean, "jamo count as Hangul");
        assert_eq!(Language::of("123 !?"), Language::English, "no letters: the default");
        assert!(reply("Rust로 서버 만들기").contains("보내신 글"));
        assert!(reply("What does 안녕 mean?").contains("You wrote"));
    }

    #[test]
    fn long_and_multi_line_questions_stay_quoted() {
        let text = reply("first line\nsecond line");
        assert!(text.contains("> first line\n> second line\n\n"));
        let long = "가".repeat(500);
        let text = reply(&long);
        assert!(text.contains(&format!("> {}…\n", "가".repeat(120))));
    }

    #[test]
    fn different_questions_get_different_replies() {
        assert_ne!(reply("one"), reply("two"));
        assert_eq!(reply("same"), reply("same"));
    }

    #[test]
    fn chunks_are_one_to_three_words() {
        for chunk in chunks(&reply("안녕하세요 여러분, 질문이 있어요")) {
            let words = chunk.split_whitespace().count();
            assert!((1..=3).contains(&words), "{chunk:?}");
        }
    }

    #[test]
    fn chunks_reassemble_exactly() {
        let text = reply("테스트 question with several words");
        assert_eq!(chunks(&text).concat(), text);
    }
}

use super::*;
use chatbot_domain::MessageId;

fn message(who: Option<(UserId, &str)>, content: &str) -> PromptMessage {
    PromptMessage {
        id: MessageId::new(),
        seq: 0,
        user_id: who.map(|(id, _)| id),
        user_name: who.map(|(_, name)| name.to_owned()),
        role: if who.is_some() { MessageRole::User } else { MessageRole::Assistant },
        content: content.to_owned(),
        status: MessageStatus::Complete,
        reply_to: None,
        client_id: None,
        deleted: false,
        prompt: None,
        active_reply: None,
    }
}

#[test]
fn alternates_merges_and_names_speakers_in_group_rooms() {
    let (ada, bob) = (UserId::new(), UserId::new());
    let history = vec![
        message(None, "stray answer first"),
        message(Some((ada, "Ada")), "hi"),
        message(Some((bob, "Bob")), "hello"),
        message(None, "Hi both!"),
        message(Some((ada, "Ada")), "@ai what is 2+2?"),
    ];
    let ctx = build(Some("Be brief."), &history, 10_000);
    assert_eq!(ctx.system.as_deref(), Some("Be brief."));
    let shape: Vec<(ChatRole, &str)> = ctx.messages.iter().map(|m| (m.role, m.content.as_str())).collect();
    assert_eq!(
        shape,
        vec![
            (ChatRole::User, "Ada: hi\n\nBob: hello"),
            (ChatRole::Assistant, "Hi both!"),
            (ChatRole::User, "Ada: @ai what is 2+2?"),
        ]
    );
    assert!(ctx.messages[1].cache_breakpoint && !ctx.messages[2].cache_breakpoint);
}

#[test]
fn one_speaker_is_not_named() {
    let ada = UserId::new();
    let ctx = build(None, &[message(Some((ada, "Ada")), "hi")], 1000);
    assert_eq!(ctx.messages[0].content, "hi");
}

#[test]
fn oldest_messages_are_dropped_to_fit_and_the_question_always_stays() {
    let ada = UserId::new();
    let mut history: Vec<PromptMessage> = (1..=50)
        .map(|i| {
            if i % 2 == 1 {
                message(Some((ada, "Ada")), &"x".repeat(300))
            } else {
                message(None, &"y".repeat(300))
            }
        })
        .collect();
    history.push(message(Some((ada, "Ada")), "the question"));
    let ctx = build(None, &history, 1_000);
    let total: u32 = ctx.messages.iter().map(|m| estimate_tokens(&m.content)).sum();
    assert!(total <= 1_000, "{total}");
    assert!(ctx.messages.len() < 26, "old messages were dropped");
    assert!(ctx.messages.last().is_some_and(|m| m.content.ends_with("the question")));
    assert_eq!(ctx.messages[0].role, ChatRole::User);
    // Even a question larger than the budget is sent (the upstream then says what is wrong).
    let huge = vec![message(Some((ada, "Ada")), &"z".repeat(10_000))];
    assert_eq!(build(None, &huge, 100).messages.len(), 1);
}

#[test]
fn streaming_failed_empty_and_deleted_messages_are_left_out() {
    let ada = UserId::new();
    let mut streaming = message(None, "partial");
    streaming.status = MessageStatus::Streaming;
    let mut deleted = message(Some((ada, "Ada")), "oops");
    deleted.deleted = true;
    let history = vec![
        message(Some((ada, "Ada")), "q1"),
        streaming,
        deleted,
        message(None, " "),
        message(Some((ada, "Ada")), "q2"),
    ];
    let ctx = build(None, &history, 1000);
    assert_eq!(ctx.messages.len(), 1);
    assert_eq!(ctx.messages[0].content, "q1\n\nq2");
}

#[test]
fn korean_is_estimated_at_a_token_per_character() {
    assert_eq!(estimate_tokens("안녕하세요"), 5 + 4);
}

fn answer_to(question: &PromptMessage, content: &str) -> PromptMessage {
    PromptMessage { reply_to: Some(question.id), ..message(None, content) }
}

#[test]
fn follows_the_newest_branch_placed_after_its_question() {
    let ada = UserId::new();
    let q1 = message(Some((ada, "Ada")), "first question");
    let a1 = answer_to(&q1, "first answer");
    let q2 = message(Some((ada, "Ada")), "second question");
    let a2 = answer_to(&q2, "second answer");
    let a1b = answer_to(&q1, "regenerated first answer");
    let q3 = message(Some((ada, "Ada")), "third question");
    let history = vec![q1, a1, q2, a2, a1b, q3];
    let texts: Vec<String> = follow_branches(&history).into_iter().map(|m| m.content).collect();
    assert_eq!(
        texts,
        ["first question", "regenerated first answer", "second question", "second answer", "third question"]
    );
}

#[test]
fn follows_the_chosen_branch_with_the_text_it_answered() {
    let ada = UserId::new();
    let mut q1 = message(Some((ada, "Ada")), "edited question");
    let a1 = PromptMessage { prompt: Some("original question".into()), ..answer_to(&q1, "old answer") };
    let a1b = answer_to(&q1, "answer to the edit");
    q1.active_reply = Some(a1.id);
    let q2 = message(Some((ada, "Ada")), "next");
    let ctx = build(None, &[q1, a1, a1b, q2], 10_000);
    let shape: Vec<(ChatRole, &str)> = ctx.messages.iter().map(|m| (m.role, m.content.as_str())).collect();
    assert_eq!(
        shape,
        vec![
            (ChatRole::User, "original question"),
            (ChatRole::Assistant, "old answer"),
            (ChatRole::User, "next")
        ]
    );
}

#[test]
fn a_chosen_branch_outside_the_history_falls_back_to_the_newest() {
    let ada = UserId::new();
    let mut q1 = message(Some((ada, "Ada")), "question");
    q1.active_reply = Some(MessageId::new());
    let a1 = answer_to(&q1, "one");
    let a1b = answer_to(&q1, "two");
    let texts: Vec<String> = follow_branches(&[q1, a1, a1b]).into_iter().map(|m| m.content).collect();
    assert_eq!(texts, ["question", "two"]);
}

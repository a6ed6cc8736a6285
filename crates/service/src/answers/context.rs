//! What the model is shown: the room's system prompt, then the newest messages that fit the
//! model's budget, oldest dropped first, in the alternating shape the APIs require.
//!
//! Token counts are estimated, not tokenized: `bytes / 3 + 4` per message. That over-counts
//! English (~4 bytes per token) and matches Korean and other 3-byte scripts (~1 token per
//! character), so the estimate errs on the side of sending less; the budget also keeps a 10%
//! margin. A tokenizer per provider would be exact but adds megabytes of vocabulary per model.

use chatbot_domain::{MessageId, MessageRole, MessageStatus, UserId};
use chatbot_llm::{ChatMessage, ChatRole};
use chatbot_store::PromptMessage;
use std::collections::HashSet;

/// Estimated tokens of a piece of text (see module docs).
pub fn estimate_tokens(text: &str) -> u32 {
    u32::try_from(text.len() / 3 + 4).unwrap_or(u32::MAX)
}

/// The prompt for one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub system: Option<String>,
    pub messages: Vec<ChatMessage>,
}

impl Context {
    /// The prompt's size as the builder estimates it (what the budget holds back before the
    /// call, and what a stream that reports no usage is taken to have cost).
    pub fn estimated_tokens(&self) -> u32 {
        let system = self.system.as_deref().map_or(0, estimate_tokens);
        self.messages.iter().fold(system, |sum, m| sum.saturating_add(estimate_tokens(&m.content)))
    }
}

/// Builds the context from `history` (ascending seq, ending with the question), fitting
/// `budget` tokens (the model's context minus its output allowance).
pub fn build(system_prompt: Option<&str>, history: &[PromptMessage], budget: u32) -> Context {
    let budget = budget - budget / 10;
    let system = system_prompt.map(str::to_owned);
    let mut remaining = budget.saturating_sub(system.as_deref().map_or(0, estimate_tokens));
    let followed = follow_branches(history);
    let usable: Vec<&PromptMessage> = followed.iter().filter(|m| usable(m)).collect();
    let speakers: HashSet<UserId> = usable.iter().filter_map(|m| m.user_id).collect();
    let name_speakers = speakers.len() > 1;

    // Newest first until the budget is spent; the question itself always goes in.
    let mut kept: Vec<&PromptMessage> = Vec::new();
    for message in usable.iter().rev() {
        let cost = estimate_tokens(&message.content) + 8;
        if !kept.is_empty() && cost > remaining {
            break;
        }
        remaining = remaining.saturating_sub(cost);
        kept.push(message);
    }
    kept.reverse();

    let mut messages: Vec<ChatMessage> = Vec::new();
    for message in kept {
        let role = if message.role == MessageRole::Assistant { ChatRole::Assistant } else { ChatRole::User };
        let text = match (&message.user_name, name_speakers, role) {
            (Some(name), true, ChatRole::User) => format!("{name}: {}", message.content),
            _ => message.content.clone(),
        };
        match messages.last_mut() {
            // Consecutive messages of one side are merged: the APIs require alternation.
            Some(last) if last.role == role => {
                last.content.push_str("\n\n");
                last.content.push_str(&text);
            }
            _ => messages.push(ChatMessage { role, content: text, cache_breakpoint: false }),
        }
    }
    // The first message must be the user's.
    while messages.first().is_some_and(|m| m.role == ChatRole::Assistant) {
        messages.remove(0);
    }
    // Everything before the question is the stable prefix a cache can reuse next time.
    let len = messages.len();
    if len >= 2 {
        messages[len - 2].cache_breakpoint = true;
    }
    Context { system, messages }
}

/// The history as the room follows it: of each question's answers (its branches) only the one
/// the room follows (`active_reply`, else the newest), right after its question, which reads as
/// the text that answer replied to (`prompt`, else its current text). An answer whose question is
/// not in `history` stays where it is.
pub fn follow_branches(history: &[PromptMessage]) -> Vec<PromptMessage> {
    use std::collections::HashMap;
    let questions: HashSet<MessageId> =
        history.iter().filter(|m| m.role != MessageRole::Assistant).map(|m| m.id).collect();
    let mut followed: HashMap<MessageId, &PromptMessage> = HashMap::new();
    for answer in history.iter().filter(|m| m.role == MessageRole::Assistant) {
        let Some(question) = answer.reply_to.filter(|q| questions.contains(q)) else { continue };
        let chosen = history.iter().find(|m| m.id == question).and_then(|q| q.active_reply);
        match (chosen, followed.get(&question)) {
            // The chosen one wins; otherwise the newest (history ascends by seq).
            (Some(id), _) if id == answer.id => {
                followed.insert(question, answer);
            }
            (Some(id), Some(current)) if current.id == id => {}
            _ => {
                followed.insert(question, answer);
            }
        }
    }
    let mut out = Vec::with_capacity(history.len());
    for message in history {
        let is_branch = message.role == MessageRole::Assistant
            && message.reply_to.is_some_and(|q| questions.contains(&q));
        if is_branch {
            continue;
        }
        match followed.get(&message.id) {
            Some(answer) => {
                let mut question = message.clone();
                if let Some(prompt) = &answer.prompt {
                    question.content.clone_from(prompt);
                }
                out.push(question);
                out.push((*answer).clone());
            }
            None => out.push(message.clone()),
        }
    }
    out
}

/// Messages that belong in a prompt: users' messages, and answers that produced text.
fn usable(message: &PromptMessage) -> bool {
    if message.deleted || message.content.trim().is_empty() {
        return false;
    }
    match message.role {
        MessageRole::User => true,
        MessageRole::Assistant => message.status != MessageStatus::Streaming,
        MessageRole::System => false,
    }
}

#[cfg(test)]
mod tests;

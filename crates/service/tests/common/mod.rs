//! Set-up shared by the answer engine's integration tests.

use chatbot_domain::{AiMode, RoomId, RoomVisibility, UserId, UserRole};
use chatbot_service::AnswerSettings;
use chatbot_store::{NewRoom, NewUser, Room, Store};
use std::time::Duration;

/// Small limits, no budgets, no other instances.
pub fn answer_settings() -> AnswerSettings {
    AnswerSettings {
        assistant_name: "ai".into(),
        global_concurrency: 4,
        per_user_concurrency: 4,
        queue_per_room: 4,
        queue_per_user: 4,
        flush_interval: Duration::from_secs(1),
        max_output_tokens: 256,
        daily_token_budget: None,
        daily_cost_budget: None,
        retry: chatbot_llm::RetryPolicy::default(),
        shared: None,
    }
}

/// A user, `ada`, and a private room of hers where the assistant answers every message.
pub async fn author_and_room(store: &dyn Store) -> (UserId, Room) {
    let author = NewUser {
        id: UserId::new(),
        email: "ada@example.com".into(),
        name: "ada".into(),
        password_hash: "x".into(),
        role: UserRole::User,
    };
    let author = store.create_user(author, false).await.expect("user").id;
    let room = NewRoom {
        id: RoomId::new(),
        name: "asked".into(),
        description: None,
        owner_id: author,
        visibility: RoomVisibility::Private,
        system_prompt: None,
        model: None,
        ai_mode: AiMode::Always,
    };
    (author, store.create_room(room, &[]).await.expect("room"))
}

//! Records: users, sessions, rooms, members, messages and usage as every layer sees them, plain
//! data independent of how (or whether) a database stores them. The store reads and writes them;
//! the services, the wire format and the gateway use them without depending on the store.

use crate::{
    AiMode, MemberRole, MessageId, MessageRole, MessageStatus, RoomId, RoomVisibility, SessionId, UserId,
    UserRole,
};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// Always lowercase (see `chatbot_domain::Email`).
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: UserRole,
    pub is_active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_login_at: Option<OffsetDateTime>,
    /// Last sign-in or token refresh.
    pub last_active_at: Option<OffsetDateTime>,
    /// Tokens per UTC day; `None`: the server's default.
    pub daily_token_budget: Option<i64>,
    /// Micro-dollars per UTC day; `None`: the server's default.
    pub daily_cost_budget: Option<i64>,
}

/// What a socket's handshake needs, read at once: the user on a live session and the rooms they
/// are a member of (the gateway subscribes the socket to each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub user: User,
    /// Every room the user is a member of, in no particular order.
    pub member_of: Vec<RoomId>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    /// Already normalised (lowercase).
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: UserRole,
}

/// Filters for listing users (admin and CLI).
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Case-insensitive substring of the email or name.
    pub search: Option<String>,
    /// Only users whose id sorts after this one (cursor pagination, ascending id = creation order).
    pub after: Option<UserId>,
    pub limit: u32,
}

/// One refresh token. Tokens of one sign-in form a family (`family_id`): every refresh
/// creates the next token of the family and retires the previous one (`replaced_by`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub family_id: SessionId,
    pub user_id: UserId,
    /// SHA-256 of the refresh token, hex; the token itself is never stored.
    pub token_hash: String,
    pub user_agent: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub replaced_by: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub family_id: SessionId,
    pub user_id: UserId,
    pub token_hash: String,
    pub user_agent: Option<String>,
    pub expires_at: OffsetDateTime,
}

/// A signed-in device: one live session family, as listed to its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: SessionId,
    pub user_agent: Option<String>,
    /// When the family started (the sign-in).
    pub signed_in_at: OffsetDateTime,
    /// When its newest token was issued (the last refresh).
    pub last_used_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// The outcome of presenting a refresh token for rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live; it is now retired and `new` is the family's live token.
    Rotated { user_id: UserId, family_id: SessionId },
    /// The token had already been rotated or revoked: the whole family has now been revoked.
    Reused { user_id: UserId, family_id: SessionId },
    /// The token expired.
    Expired,
    /// No such token.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    pub description: Option<String>,
    /// `None` for the built-in `general` room.
    pub owner_id: Option<UserId>,
    pub visibility: RoomVisibility,
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    pub ai_mode: AiMode,
    /// The seq of the newest message; 0 for an empty room.
    pub last_seq: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub id: RoomId,
    pub name: String,
    pub description: Option<String>,
    pub owner_id: UserId,
    pub visibility: RoomVisibility,
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    pub ai_mode: AiMode,
}

/// A partial update: `None` leaves a field alone; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct RoomPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub visibility: Option<RoomVisibility>,
    pub system_prompt: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub ai_mode: Option<AiMode>,
}

impl RoomPatch {
    /// The room with this patch applied (what an `UPDATE … RETURNING` would read back).
    pub fn apply_to(self, room: &mut Room) {
        if let Some(name) = self.name {
            room.name = name;
        }
        if let Some(description) = self.description {
            room.description = description;
        }
        if let Some(visibility) = self.visibility {
            room.visibility = visibility;
        }
        if let Some(system_prompt) = self.system_prompt {
            room.system_prompt = system_prompt;
        }
        if let Some(model) = self.model {
            room.model = model;
        }
        if let Some(ai_mode) = self.ai_mode {
            room.ai_mode = ai_mode;
        }
    }
}

/// A room as listed to one of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    pub room: Room,
    pub my_role: MemberRole,
    pub last_read_seq: i64,
    /// Messages after `last_read_seq` written by someone else (other users or the assistant),
    /// not deleted.
    pub unread: i64,
    pub member_count: i64,
    /// The message whose seq is `room.last_seq`, unless deleted.
    pub last_message: Option<Message>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub name: String,
    /// Always read from the database; the rooms service withholds it (`None`) from viewers who
    /// may not see it.
    pub email: Option<String>,
    pub role: MemberRole,
    pub last_read_seq: i64,
    pub joined_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    /// Per room, starting at 1, gap-free, increasing.
    pub seq: i64,
    /// `None` for the assistant.
    pub user_id: Option<UserId>,
    /// The author's current display name (joined from users); `None` for the assistant.
    pub user_name: Option<String>,
    pub role: MessageRole,
    pub content: String,
    pub status: MessageStatus,
    pub model: Option<String>,
    pub reply_to: Option<MessageId>,
    pub client_id: Option<String>,
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub edited_at: Option<OffsetDateTime>,
    pub deleted_at: Option<OffsetDateTime>,
    /// On an answer: the question text it answered, once the question has been edited since
    /// (`None` while the question is unchanged). See docs/conversations.md, "Branches".
    pub prompt: Option<String>,
    /// On a question: the answer (branch) the room follows; `None`: the newest.
    pub active_reply: Option<MessageId>,
}

/// A message as an answer's prompt reads it: the columns the context builder uses, read without
/// the rest of the row. Every answer reads up to 200 of them; whole rows (18 columns, four of them
/// timestamps to decode) made that read about a quarter of an answer's CPU (docs/benchmarks.md,
/// "Answers that do not wait for their question's commit").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptMessage {
    pub id: MessageId,
    /// Its place in the room (gap-free, ascending).
    pub seq: i64,
    pub user_id: Option<UserId>,
    /// The author's current display name; `None` for the assistant.
    pub user_name: Option<String>,
    pub role: MessageRole,
    pub content: String,
    pub status: MessageStatus,
    pub reply_to: Option<MessageId>,
    pub client_id: Option<String>,
    /// A tombstone (its text is gone).
    pub deleted: bool,
    /// See [`Message::prompt`].
    pub prompt: Option<String>,
    /// See [`Message::active_reply`].
    pub active_reply: Option<MessageId>,
}

impl From<&Message> for PromptMessage {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            seq: m.seq,
            user_id: m.user_id,
            user_name: m.user_name.clone(),
            role: m.role,
            content: m.content.clone(),
            status: m.status,
            reply_to: m.reply_to,
            client_id: m.client_id.clone(),
            deleted: m.deleted_at.is_some(),
            prompt: m.prompt.clone(),
            active_reply: m.active_reply,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: MessageId,
    pub room_id: RoomId,
    pub user_id: Option<UserId>,
    pub role: MessageRole,
    pub content: String,
    pub status: MessageStatus,
    pub model: Option<String>,
    pub reply_to: Option<MessageId>,
    /// Idempotency key, unique per user.
    pub client_id: Option<String>,
}

/// The outcome of appending a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Stored now, with the next seq of its room.
    Created(Message),
    /// The same user already sent this `client_id`: the first message, unchanged.
    Duplicate(Message),
}

impl Appended {
    pub fn message(&self) -> &Message {
        match self {
            Appended::Created(m) | Appended::Duplicate(m) => m,
        }
    }

    pub fn into_message(self) -> Message {
        match self {
            Appended::Created(m) | Appended::Duplicate(m) => m,
        }
    }
}

/// A write to an answer's row. The service's writer batches them, many answers' writes in one
/// transaction (`Store::write_answers`), as it does new messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerWrite {
    /// The text so far of a streaming answer; its `updated_at` shows a live writer.
    Partial { id: MessageId, content: String },
    /// The answer's end: its final text, status and error, and what it cost (when it spent
    /// anything), together.
    Finish {
        id: MessageId,
        content: String,
        status: MessageStatus,
        error: Option<String>,
        usage: Option<Box<NewUsage>>,
    },
}

/// What one [`AnswerWrite`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerWritten {
    Partial,
    /// The finished answer as stored.
    Finished(Box<Message>),
}

/// Which slice of a room's history to read. At most one of `before` / `after` is usually set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Only messages with `seq < before`; the newest `limit` of them.
    pub before: Option<i64>,
    /// Only messages with `seq > after`; the oldest `limit` of them.
    pub after: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub actor_id: Option<UserId>,
    /// A dotted verb such as `auth.login_failed` or `auth.token_reuse`.
    pub action: String,
    /// What was acted on: an email, a user id, a room id.
    pub target: Option<String>,
    pub detail: serde_json::Value,
}

/// Which audit entries to list, newest first: every filter optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<UserId>,
    pub action: Option<String>,
    /// Entries at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Entries before this time.
    pub until: Option<OffsetDateTime>,
    /// Entries older than this one (cursor: the last id of the previous page).
    pub before: Option<Uuid>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: Uuid,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub target: Option<String>,
    pub detail: serde_json::Value,
    pub created_at: OffsetDateTime,
}

/// One answer's token usage and cost (SPEC §2 `token_usage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUsage {
    pub id: Uuid,
    pub message_id: Option<MessageId>,
    pub user_id: Option<UserId>,
    pub room_id: Option<RoomId>,
    pub provider: String,
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_creation_tokens: i64,
    pub cache_read_tokens: i64,
    /// Integer micro-dollars.
    pub cost: i64,
    pub ttft_ms: Option<i64>,
    pub duration_ms: Option<i64>,
}

/// A user's usage on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageTotals {
    /// Input + output + cache tokens.
    pub tokens: i64,
    /// Micro-dollars.
    pub cost: i64,
    /// The user's own daily budgets (`None`: the server's default).
    pub token_budget: Option<i64>,
    pub cost_budget: Option<i64>,
}

/// A read-only link to a snapshot of a room's history (docs/conversations.md, "Share links").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    pub id: uuid::Uuid,
    /// The secret part of the link.
    pub token: String,
    pub room_id: RoomId,
    pub created_by: Option<UserId>,
    /// The snapshot: messages up to this seq.
    pub up_to_seq: i64,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl ShareLink {
    /// Whether the link still opens at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

/// A search over the messages of one user's rooms (docs/conversations.md, "Search").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub user_id: UserId,
    /// Every term must occur; each is letters and digits only, lowercase, non-empty.
    pub terms: Vec<String>,
    /// Only this room.
    pub room_id: Option<RoomId>,
    /// Matches skipped, newest first (the window's start).
    pub offset: u32,
    /// Matches read (the window's size).
    pub limit: u32,
}

/// A message found by a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub message: Message,
    pub room_name: String,
    /// Higher is better; comparable within one search only.
    pub rank: f64,
}

/// What one answer cost, as an export shows it (the sums of its usage rows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageUsage {
    pub message_id: MessageId,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_creation_tokens: i64,
    /// Micro-dollars.
    pub cost: i64,
}

// ---- the admin console ------------------------------------------------------------------------

/// A UTC day as the store keys its daily sums and the API names days: `YYYY-MM-DD`.
pub fn day_text(day: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day())
}

/// One UTC day of the dashboard (days are `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DayFigures {
    pub day: String,
    pub messages: i64,
    pub answers: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Micro-dollars.
    pub cost: i64,
}

/// Usage summed over some key (a user, a room, a model, a day).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsageSums {
    pub answers: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_creation_tokens: i64,
    /// Micro-dollars.
    pub cost: i64,
}

/// What the admin dashboard shows, read from the sums kept on write (`message_days`,
/// `usage_days`) and a scan of `users`, so its cost does not grow with the history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DashboardFigures {
    pub users: i64,
    pub admins: i64,
    pub deactivated: i64,
    pub active_24h: i64,
    pub active_7d: i64,
    pub rooms: i64,
    pub messages: i64,
    /// Days from the window's first on which anything happened, oldest first (the caller fills
    /// the empty days).
    pub days: Vec<DayFigures>,
    /// Over the window, per provider and model, most expensive first.
    pub models: Vec<(String, String, UsageSums)>,
}

/// How a usage report is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageGroup {
    User,
    Room,
    Model,
    Day,
}

/// One line of a usage report: `key` is the user or room id, `provider/model`, or the day;
/// `label` what a person reads (a name, `(deleted room)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageLine {
    pub key: String,
    pub label: String,
    pub sums: UsageSums,
}

/// Which rooms the admin list shows: in creation order, after a cursor.
#[derive(Debug, Clone, Default)]
pub struct AdminRoomQuery {
    /// Part of the name (case-insensitive).
    pub search: Option<String>,
    pub after: Option<RoomId>,
    /// Only this room.
    pub only: Option<RoomId>,
    pub limit: u32,
}

/// A room as an admin sees it in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminRoom {
    pub room: Room,
    pub owner_name: Option<String>,
    pub members: i64,
    /// When its last message was stored.
    pub last_activity_at: Option<OffsetDateTime>,
}

/// An answer that failed, with the stable code it failed with.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedAnswer {
    pub message_id: MessageId,
    pub room_id: RoomId,
    pub room_name: Option<String>,
    pub model: Option<String>,
    pub code: Option<String>,
    pub at: OffsetDateTime,
}
